"""The generated struct value types: Python dataclasses, C++ pack/unpack and SV
packed structs put every field where esp_spec.yaml says."""
import json
import os
import random
import shutil
import subprocess

import pytest
import yaml

import espgen

SPEC = os.path.join(os.path.dirname(espgen.__file__), "..", "esp_spec.yaml")


@pytest.fixture(scope="module")
def spec():
    with open(SPEC, encoding="utf-8") as fh:
        return espgen.parse(fh.read(), SPEC)


@pytest.fixture(scope="module")
def raw():
    with open(SPEC, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def random_image(s, rng):
    """Random bytes for every field, zero in the reserved ranges."""
    image = bytearray(s.size)
    for f in s.fields:
        if not f.reserved:
            image[f.offset:f.offset + f.size] = bytes(rng.randrange(256) for _ in range(f.size))
    return bytes(image)


STRUCT_NAMES = ["sa_entry", "replay_entry", "sa_counters", "sa_state", "spi_slot", "spi_bucket", "descriptor",
                "command", "completion"]


def test_every_struct_has_a_value_type(spec, py):
    assert [s.name for s in spec.structs] == STRUCT_NAMES
    for s in spec.structs:
        cls = getattr(py, s.camel)
        assert cls.SIZE == s.size
        assert len(cls().pack()) == s.size
        assert cls().pack() == bytes(s.size)


@pytest.mark.parametrize("sname", STRUCT_NAMES)
def test_python_round_trip(spec, py, sname):
    s = spec.struct(sname)
    cls = getattr(py, s.camel)
    rng = random.Random(sname)
    for _ in range(50):
        image = random_image(s, rng)
        v = cls.unpack(image)
        assert v.pack() == image
        assert cls.unpack(v.pack()) == v


@pytest.mark.parametrize("sname", STRUCT_NAMES)
def test_python_field_positions_match_yaml(raw, py, sname):
    """Each field set alone lands at the yaml's offset, little-endian, and nowhere else."""
    from dataclasses import fields as dc_fields
    cls = getattr(py, "".join(p.capitalize() for p in sname.split("_")))
    yfields = [f for f in raw["structs"][sname]["fields"] if not f.get("reserved")]
    assert [f.name for f in dc_fields(cls)] == [f["name"] for f in yfields]
    size = raw["structs"][sname]["size"]
    for f in yfields:
        v = cls()
        if "width" in f:
            n = f["width"] // 8
            value = int.from_bytes(bytes(range(1, n + 1)), "little")
            setattr(v, f["name"], value)
            want = bytes(range(1, n + 1))
        elif "bytes" in f:
            n = f["bytes"]
            want = bytes((i * 5 + 3) & 0xFF for i in range(n))
            setattr(v, f["name"], want)
        elif "count" not in f:  # one nested structure
            inner = type(getattr(v, f["name"]))
            setattr(v, f["name"], inner.unpack(bytes(range(1, 1 + inner.SIZE))))
            n = inner.SIZE
            want = bytes(range(1, 1 + inner.SIZE))
        else:
            items = getattr(v, f["name"])
            items[-1] = type(items[-1]).unpack(bytes(range(1, 1 + type(items[-1]).SIZE)))
            n = type(items[-1]).SIZE * f["count"]
            want = bytes(n - type(items[-1]).SIZE) + bytes(range(1, 1 + type(items[-1]).SIZE))
        image = v.pack()
        off = f["offset"]
        assert image[off:off + n] == want, f"{sname}.{f['name']}"
        assert image[:off] + image[off + n:] == bytes(size - n), f"{sname}.{f['name']} spills"


def test_python_rejects_wrong_sizes(py):
    with pytest.raises(ValueError):
        py.SaEntry(key=bytes(31)).pack()
    with pytest.raises(ValueError):
        py.Descriptor.unpack(bytes(31))
    with pytest.raises(OverflowError):
        py.SpiSlot(spi=1 << 32).pack()
    with pytest.raises(ValueError):
        py.SpiBucket(slots=[py.SpiSlot()] * 7).pack()


def test_python_enum_fields(py):
    d = py.Descriptor.unpack(py.Descriptor(op=py.Opcode.DECRYPT).pack())
    assert d.op is py.Opcode.DECRYPT
    c = py.Completion.unpack(bytes([0xFE, 0x00]) + bytes(30))  # a status the spec does not name
    assert c.status == 0xFE and c.pack()[:2] == bytes([0xFE, 0x00])


def _jsonable(v):
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if hasattr(v, "__dataclass_fields__"):
        return {k: _jsonable(getattr(v, k)) for k in v.__dataclass_fields__}
    return int(v)


def test_cpp_pack_unpack_equal_python(spec, py, build_dir):
    """C++ unpack() reads the fields Python reads, and C++ pack() writes the
    image Python writes (every byte: the tool pre-fills with 0xA5)."""
    rng = random.Random(10)
    lines, want = [], []
    for s in spec.structs:
        cls = getattr(py, s.camel)
        for _ in range(25):
            image = random_image(s, rng)
            lines.append(f"{s.name} {image.hex()}")
            v = cls.unpack(image)
            want.append((_jsonable(v), v.pack().hex()))
    out = subprocess.run([os.path.join(build_dir, "bin", "esp-spec-dump"), "--roundtrip"], input="\n".join(lines),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == len(want)
    for line, got, (fields, image) in zip(lines, out, want):
        got = json.loads(got)
        assert got["fields"] == fields, line.split()[0]
        assert got["image"] == image, line.split()[0]


def _sv_checks(spec):
    """SV constant functions that cast a pattern image to each packed struct and
    compare every field with the image slice at the package's OFFSET."""
    out = ["module esp_spec_struct_check;", "  import esp_spec_pkg::*;"]
    for s in spec.structs:
        up = s.name.upper()
        conds = []

        def fields_of(st, base, path):
            for f in st.data_fields:
                off = f"{base} + {st.name.upper()}_{f.name.upper()}_OFFSET"
                if f.kind == "int":
                    conds.append(f"(v.{path}{f.name} == img[8*({off}) +: {f.width}])")
                elif f.kind == "bytes":
                    for i in range(f.size):
                        conds.append(f"(v.{path}{f.name}[{i}] == img[8*({off} + {i}) +: 8])")
                elif not f.array:
                    inner = spec.struct(f.struct)
                    fields_of(inner, off, f"{path}{f.name}.")
                else:
                    inner = spec.struct(f.struct)
                    for i in range(f.count):
                        fields_of(inner, f"{off} + {i} * {inner.name.upper()}_SIZE", f"{path}{f.name}[{i}].")

        fields_of(s, "0", "")
        out += [f"  function automatic bit check_{s.name}();",
                f"    logic [{up}_BITS-1:0] img;",
                f"    {s.name}_t v;",
                f"    for (int i = 0; i < {up}_SIZE; i++) img[8*i +: 8] = 8'(i * 7 + 1);",
                f"    v = {s.name}_t'(img);",
                "    return " + "\n      && ".join(conds) + ";",
                "  endfunction",
                f"  if ($bits({s.name}_t) != 8 * {up}_SIZE || {up}_BITS != 8 * {up}_SIZE) begin : g_{s.name}_bits",
                f"    $error(\"{s.name}_t is not {up}_SIZE bytes\");",
                "  end",
                f"  if (!check_{s.name}()) begin : g_{s.name}_fields",
                f"    $error(\"{s.name}_t fields are not at their offsets\");",
                "  end"]
    for w in (spec.const("MIN_WINDOW_BITS"), spec.const("DEFAULT_WINDOW_BITS"), spec.const("MAX_WINDOW_BITS")):
        want = spec.struct("replay_entry").size * (w // 64) * spec.const("REPLAY_ENTRIES_PER_64")
        out += [f"  if (replay_ring_bytes({w}) != {want}) begin : g_rrb_{w}",
                f"    $error(\"replay_ring_bytes({w})\");", "  end"]
    out += ["endmodule", ""]
    return "\n".join(out)


def _verilator():
    v = os.environ.get("ESP_VERILATOR", "")
    if not v or v.endswith("NOTFOUND"):
        v = shutil.which("verilator")
    assert v, "verilator is needed to check the SystemVerilog package (apt-get install verilator)"
    return v


def test_sv_packed_structs(spec, build_dir, tmp_path):
    """Verilator elaborates the checks (constant functions): $bits of every
    struct is its size, and every field of a cast image is at its offset."""
    verilator = _verilator()
    chk = tmp_path / "esp_spec_struct_check.sv"
    chk.write_text(_sv_checks(spec))
    pkg = os.path.join(build_dir, "gen", "sv", "esp_spec_pkg.sv")
    r = subprocess.run([verilator, "--lint-only", "-Wall", "-Wno-UNUSEDPARAM", "-Wno-UNUSEDSIGNAL",
                        "--top-module", "esp_spec_struct_check", pkg, str(chk)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_sv_check_can_fail(spec, build_dir, tmp_path):
    """The check above is able to fail: swap two fields' offsets in the checker."""
    verilator = _verilator()
    text = _sv_checks(spec).replace("SA_ENTRY_HARD_BYTES_OFFSET", "SA_ENTRY_SOFT_BYTES_OFFSET", 1)
    chk = tmp_path / "esp_spec_struct_check.sv"
    chk.write_text(text)
    pkg = os.path.join(build_dir, "gen", "sv", "esp_spec_pkg.sv")
    r = subprocess.run([verilator, "--lint-only", "-Wall", "-Wno-UNUSEDPARAM", "-Wno-UNUSEDSIGNAL",
                        "--top-module", "esp_spec_struct_check", pkg, str(chk)], capture_output=True, text=True)
    assert r.returncode != 0 and "sa_entry_t fields are not at their offsets" in r.stderr
