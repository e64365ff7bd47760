"""C++ header, Python module and SystemVerilog package describe one layout."""
import importlib.util
import json
import os
import re
import subprocess

import pytest


@pytest.fixture(scope="module")
def cpp(build_dir):
    out = subprocess.run([os.path.join(build_dir, "bin", "esp-spec-dump")], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def sv(build_dir):
    text = open(os.path.join(build_dir, "gen", "sv", "esp_spec_pkg.sv"), encoding="utf-8").read()
    params = {}
    for m in re.finditer(r"localparam\s+(?:int unsigned|logic \[\d+:0\])\s+(\w+)\s*=\s*([^;]+);", text):
        v = m.group(2).strip()
        if v.startswith("'h"):
            params[m.group(1)] = int(v[2:], 16)
        elif re.match(r"\d+'h", v):
            params[m.group(1)] = int(v.split("'h")[1], 16)
        else:
            params[m.group(1)] = int(v)
    enums = {m.group(1): int(m.group(2)) for m in re.finditer(r"(\w+)\s*=\s*\d+'d(\d+)", text)}
    return params, enums


def test_hash_everywhere(cpp, py, sv):
    assert cpp["SPEC_HASH"] == py.SPEC_HASH == sv[0]["SPEC_HASH"]
    assert cpp["KERNEL_ID"] == py.KERNEL_ID == sv[0]["KERNEL_ID"]
    assert cpp["VERSION"] == py.VERSION == sv[0]["VERSION"]


def test_status_and_opcodes(cpp, py, sv):
    assert cpp["status"] == {s.name: int(s) for s in py.Status}
    assert cpp["opcode"] == {o.name: int(o) for o in py.Opcode}
    for name, value in cpp["status"].items():
        assert sv[1]["STATUS_" + name] == value
    for name, value in cpp["opcode"].items():
        assert sv[1]["OPCODE_" + name] == value


def test_args(cpp, py, sv):
    assert [tuple(a) for a in cpp["args"]] == [(n, o, w) for n, o, w, _ in py.ARGS]
    for name, off, width in cpp["args"]:
        assert sv[0][f"ARG_{name.upper()}_OFFSET"] == off
        assert sv[0][f"ARG_{name.upper()}_WIDTH"] == width


def test_structs(cpp, py, sv):
    assert set(cpp["structs"]) == set(py.STRUCTS)
    for sname, s in cpp["structs"].items():
        assert s["size"] == py.STRUCTS[sname]["size"] == sv[0][f"{sname.upper()}_SIZE"]
        assert set(s["fields"]) == set(py.STRUCTS[sname]["fields"]), sname
        for fname, (off, size) in s["fields"].items():
            poff, psize, _, _ = py.STRUCTS[sname]["fields"][fname]
            assert (off, size) == (poff, psize), f"{sname}.{fname}"
            assert sv[0][f"{sname.upper()}_{fname.upper()}_OFFSET"] == off
            assert sv[0][f"{sname.upper()}_{fname.upper()}_BYTES"] == size


def test_constants(cpp, py, sv):
    assert cpp["constants"]
    for name, value in cpp["constants"].items():
        assert getattr(py, name) == value, name
        assert sv[0][name] == value, name
    assert cpp["constants"]["NO_SA_INDEX"] == 0xFFFFFFFF
    assert cpp["constants"]["PKT_LEN_BITS"] == cpp["constants"]["MAX_PKT_BYTES"].bit_length()


def test_enum_count_and_max(cpp, py, sv):
    assert set(cpp["enum_meta"]) == {"opcode", "status", "host_status", "mode"}
    for ename, (count, vmax) in cpp["enum_meta"].items():
        cls = getattr(py, "".join(p.capitalize() for p in ename.split("_")))
        assert count == len(cls) == getattr(py, f"{ename.upper()}_COUNT") == sv[0][f"{ename.upper()}_COUNT"]
        assert vmax == max(int(v) for v in cls) == getattr(py, f"{ename.upper()}_MAX") == sv[0][f"{ename.upper()}_MAX"]


def test_replay_ring_bytes(cpp, py):
    assert cpp["replay_ring_bytes"]
    for window, size in cpp["replay_ring_bytes"].items():
        assert py.replay_ring_bytes(int(window)) == size
        # window/32 entries of 16 bytes: every block the window touches has its own entry
        assert size == (int(window) // 32) * 16 == py.ReplayEntry.SIZE * py.replay_ring_entries(int(window))
        assert py.replay_ring_entries(int(window)) >= int(window) // 64 + 1


def test_struct_bits(cpp, sv):
    for sname, s in cpp["structs"].items():
        assert sv[0][f"{sname.upper()}_BITS"] == 8 * s["size"]
