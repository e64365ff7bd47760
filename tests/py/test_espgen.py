"""The spec generator rejects specs that must not reach the card."""
import os
import subprocess
import sys

import pytest
import yaml

import espgen

SPEC = os.path.join(os.path.dirname(espgen.__file__), "..", "esp_spec.yaml")


def load():
    with open(SPEC, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def parse(doc):
    return espgen.parse(yaml.safe_dump(doc, sort_keys=False), "test.yaml")


def struct(doc, name):
    return doc["structs"][name]["fields"]


def field(doc, sname, fname):
    return next(f for f in struct(doc, sname) if f.get("name") == fname)


def test_real_spec_parses():
    spec = parse(load())
    assert spec.hash32 == int(spec.hash_hex[:8], 16)
    assert {s.name for s in spec.structs} >= {"sa_entry", "descriptor", "completion", "spi_bucket"}


def _mut_overlap(d):
    field(d, "sa_entry", "flags")["offset"] = 0x00


def _mut_misaligned(d):
    f = field(d, "descriptor", "in_offset")
    f["offset"] = 0x0C


def _mut_bytes_misaligned(d):
    field(d, "sa_entry", "key")["offset"] = 0x22


def _mut_size_mismatch(d):
    d["structs"]["completion"]["size"] = 40


def _mut_gap(d):
    fields = struct(d, "sa_counters")
    fields[:] = [f for f in fields if f.get("name") != "replay"]


def _mut_bad_width(d):
    field(d, "sa_entry", "spi")["width"] = 24


def _mut_bit_outside(d):
    field(d, "sa_entry", "icv_len")["bits"] = {"X": 8}


def _mut_bit_twice(d):
    field(d, "sa_entry", "flags")["bits"]["ESN"] = 0


def _mut_enum_too_wide(d):
    d["enums"]["opcode"]["values"]["BIG"] = {"value": 256}


def _mut_enum_dup(d):
    d["enums"]["status"]["values"]["AGAIN"] = {"value": 3}


def _mut_reg_overlap(d):
    d["registers"]["regs"][4]["offset"] = 0x14  # ID inside sa_table's words


def _mut_args_out_of_order(d):
    d["registers"]["args"][1]["offset"] = 0x14


def _mut_reg_unaligned(d):
    d["registers"]["regs"][4]["offset"] = 0xC2


def _mut_reg_outside(d):
    d["registers"]["regs"][4]["offset"] = 0x100


def _mut_args_not_0x10(d):
    d["registers"]["args"][0]["offset"] = 0x20


def _mut_unknown_struct(d):
    struct(d, "spi_bucket")[0]["struct"] = "nope"


def _mut_reserved_name(d):
    field(d, "sa_entry", "ttl")["name"] = "size"


def _mut_reserved_like_name(d):
    field(d, "sa_entry", "ttl")["name"] = "rsvd0"


def _mut_keyword_name(d):
    field(d, "sa_entry", "ttl")["name"] = "logic"


def _mut_enum_width_mismatch(d):
    field(d, "completion", "status")["width"] = 32
    field(d, "completion", "flags")["offset"] = 0x04
    # keep tiling right so that only the enum width is wrong
    struct(d, "completion")[:] = [f for f in struct(d, "completion") if f.get("name") != "flags"]


CASES = [
    (_mut_overlap, "overlaps"),
    (_mut_misaligned, "misaligned"),
    (_mut_bytes_misaligned, "misaligned"),
    (_mut_size_mismatch, "add up to"),
    (_mut_gap, "gap"),
    (_mut_bad_width, "width 24"),
    (_mut_bit_outside, "outside"),
    (_mut_bit_twice, "already used"),
    (_mut_enum_too_wide, "does not fit"),
    (_mut_enum_dup, "already used"),
    (_mut_reg_overlap, "overlaps"),
    (_mut_args_out_of_order, "increasing offset order"),
    (_mut_reg_unaligned, "not 4-byte aligned"),
    (_mut_reg_outside, "outside"),
    (_mut_args_not_0x10, "start at 0x10"),
    (_mut_unknown_struct, "must be defined"),
    (_mut_reserved_name, "reserved word"),
    (_mut_reserved_like_name, "reserved word"),
    (_mut_keyword_name, "reserved word"),
    (_mut_enum_width_mismatch, "not 32 bits"),
]


@pytest.mark.parametrize("mutate,message", CASES, ids=[c[0].__name__[5:] for c in CASES])
def test_rejects(mutate, message):
    doc = load()
    mutate(doc)
    with pytest.raises(espgen.SpecError) as e:
        parse(doc)
    assert message in str(e.value)


def _doc_everywhere(d):
    d["constants"]["ESP_PROTO"]["doc"] = "changed"
    d["enums"]["status"]["doc"] = "changed"
    d["enums"]["status"]["values"]["DUMMY"]["doc"] = "changed"
    d["registers"]["doc"] = "changed"
    d["registers"]["regs"][0]["doc"] = "changed"
    d["registers"]["args"][0]["doc"] = "changed"
    d["structs"]["sa_entry"]["doc"] = "changed"
    field(d, "sa_entry", "ttl")["doc"] = "changed"
    d["caps"]["doc"] = "changed"


def _doc_added(d):
    field_list = d["structs"]["command"]["fields"]
    next(f for f in field_list if f.get("reserved"))["doc"] = "reserved bytes may get a doc"


def test_hash_ignores_comments_and_docs():
    doc = load()
    base = parse(doc).hash_hex
    with open(SPEC, encoding="utf-8") as fh:
        text = fh.read()
    assert espgen.parse("# another comment\n" + text, "x").hash_hex == base
    for mutate in (_doc_everywhere, _doc_added):
        d = load()
        mutate(d)
        assert parse(d).hash_hex == base, mutate.__name__


def _rename_field(d):
    field(d, "sa_entry", "ttl")["name"] = "hop_limit"


def _move_field(d):
    field(d, "descriptor", "in_length")["offset"], field(d, "descriptor", "out_capacity")["offset"] = 0x14, 0x10


def _enum_value(d):
    d["enums"]["status"]["values"]["DUMMY"]["value"] = 13


def _enum_name(d):
    v = d["enums"]["status"]["values"]
    v["TFC_DUMMY"] = v.pop("DUMMY")


def _constant_value(d):
    d["constants"]["MAX_PKT_BYTES"]["value"] = 9000


def _constant_expr(d):
    d["constants"]["PKT_LEN_BITS"]["expr"] = "bits(MAX_PKT_BYTES) + 1"


def _flag_bit(d):
    field(d, "descriptor", "flags")["bits"]["DUMMY"] = 5


def _reg_offset(d):
    d["registers"]["regs"][7]["offset"] = 0xF0


def _arg_width(d):
    d["registers"]["args"][-1]["width"] = 64


def _version(d):
    d["version"]["minor"] += 1


def _cap(d):
    d["caps"]["bits"]["NEW_THING"] = 20


def _struct_size(d):
    d["structs"]["command"]["size"] = 48
    d["structs"]["command"]["fields"][-1]["bytes"] = 32


MEANING_CHANGES = [_rename_field, _move_field, _enum_value, _enum_name, _constant_value, _constant_expr, _flag_bit,
                   _reg_offset, _arg_width, _version, _cap, _struct_size]


@pytest.mark.parametrize("mutate", MEANING_CHANGES, ids=[m.__name__[1:] for m in MEANING_CHANGES])
def test_hash_changes_with_layout_or_meaning(mutate):
    base = parse(load()).hash_hex
    d = load()
    mutate(d)
    assert parse(d).hash_hex != base


def test_derived_constants():
    spec = parse(load())
    c = {k.name: k.value for k in spec.constants}
    assert c["PKT_LEN_BITS"] == c["MAX_PKT_BYTES"].bit_length() == 14
    assert c["MAX_ENCAP_OVERHEAD"] == (c["IPV6_HDR_BYTES"] + c["UDP_HDR_BYTES"] + c["ESP_HDR_BYTES"] + c["IV_BYTES"]
                                       + c["ESP_ALIGN"] - 1 + c["ESP_TRAILER_BYTES"] + c["MAX_ICV_BYTES"])
    assert c["NO_SA_INDEX"] == 0xFFFFFFFF
    d = load()
    d["constants"]["MAX_PKT_BYTES"]["value"] = 16384
    assert next(k.value for k in parse(d).constants if k.name == "PKT_LEN_BITS") == 15


def _const(d, name, body):
    d["constants"][name] = body


EXPR_ERRORS = [
    ({"expr": "LATER + 1"}, "not a constant defined before it"),
    ({"expr": "MAX_PKT_BYTES ** 2"}, "is not allowed"),
    ({"expr": "__import__('os')"}, "is not allowed"),
    ({"expr": "MAX_PKT_BYTES +"}, "is not an expression"),
    ({"expr": "1 // 0"}, "divides by zero"),
    ({"expr": "bits(1, 2)"}, "takes one non-negative argument"),
    ({"expr": "NO_SA_INDEX + 1"}, "does not fit 32 bits"),
    ({"value": 1, "expr": "2"}, "exactly one of value, expr"),
    ({"doc": "neither"}, "exactly one of value, expr"),
    ({"value": -1}, "does not fit 32 bits"),
]


@pytest.mark.parametrize("body,message", EXPR_ERRORS, ids=[m for _, m in EXPR_ERRORS])
def test_constant_errors_name_the_item(body, message):
    d = load()
    d["constants"]["BROKEN"] = body
    d["constants"]["LATER"] = {"value": 1}
    with pytest.raises(espgen.SpecError) as e:
        parse(d)
    assert message in str(e.value)
    assert "test.yaml.constants.BROKEN" in str(e.value)


def test_type_name_clash():
    d = load()
    d["enums"]["sa_entry"] = {"width": 8, "values": {"A": {"value": 0}}}
    with pytest.raises(espgen.SpecError) as e:
        parse(d)
    assert "SaEntry" in str(e.value) and "test.yaml.structs.sa_entry" in str(e.value)


def test_cli_reports_error_with_file_name(tmp_path):
    doc = load()
    _mut_overlap(doc)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc, sort_keys=False))
    r = subprocess.run([sys.executable, espgen.__file__, str(bad), "--check"], capture_output=True, text=True)
    assert r.returncode != 0
    assert str(bad) in r.stderr and "overlaps" in r.stderr


def test_every_output_is_stamped(tmp_path):
    out = {k: tmp_path / n for k, n in (("sv", "p.sv"), ("cpp", "s.hpp"), ("py", "s.py"))}
    r = subprocess.run([sys.executable, espgen.__file__, SPEC, "--sv", str(out["sv"]), "--cpp", str(out["cpp"]),
                        "--py", str(out["py"])], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    h = parse(load()).hash_hex
    for p in out.values():
        assert h in p.read_text()


VERSIONS = os.path.join(os.path.dirname(SPEC), "spec_versions.yaml")


def test_version_matches_recorded_hash():
    """A spec whose hash changed without a version bump (and a line in
    spec_versions.yaml) fails here: VERSION carries compatibility."""
    with open(VERSIONS, encoding="utf-8") as fh:
        recorded = yaml.safe_load(fh)
    spec = parse(load())
    key = f"{spec.major}.{spec.minor}"
    assert key in recorded, f"version {key} has no SPEC_HASH in spec_versions.yaml"
    assert recorded[key] == spec.hash_hex, \
        f"esp_spec.yaml changed a layout or a meaning: bump version (now {key}) and record the new hash"
    assert len(set(recorded.values())) == len(recorded), "two versions with one hash"


def test_version_check_can_fail():
    d = load()
    d["constants"]["MAX_PKT_BYTES"]["value"] += 1  # a meaning changes, the version does not
    with open(VERSIONS, encoding="utf-8") as fh:
        recorded = yaml.safe_load(fh)
    spec = parse(d)
    assert recorded[f"{spec.major}.{spec.minor}"] != spec.hash_hex


def test_caps_and_version_registers():
    spec = parse(load())
    assert spec.version == (spec.major << 16) | spec.minor
    assert spec.caps_all == sum(1 << pos for _, pos in spec.caps)
    assert dict(spec.caps)["TFC_DUMMY"] == 10  # dummy packets (status DUMMY) are a capability
