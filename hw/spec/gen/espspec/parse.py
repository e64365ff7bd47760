"""Parse and validate esp_spec.yaml into the model (espspec.model).

The spec is validated before anything is written: overlapping or misaligned
fields, structures whose fields do not tile them exactly, registers outside the
register space, bits outside their field, enum values and constants that do
not fit are all rejected with a message naming the spec file and the item.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import yaml

from .expr import evaluate
from .model import AP_CTRL_REGS, CTRL_BITS, IDENTITY_REGS, Arg, Constant, Enum, Field, Reg, Spec, SpecError, Struct, camel

INT_WIDTHS = (8, 16, 32, 64)
# Names the generated code gives a meaning of its own (C++ field descriptors,
# the pack/unpack functions) or that are keywords in one of the languages.
RESERVED_NAMES = {"offset", "size", "type", "count", "stride", "pack", "unpack",
                  "class", "struct", "enum", "union", "template", "typename", "namespace", "new", "delete",
                  "default", "switch", "case", "for", "while", "do", "if", "else", "return", "const",
                  "static", "int", "char", "long", "short", "bool", "void", "auto", "register", "signed",
                  "unsigned", "this", "operator", "public", "private", "protected", "virtual",
                  "def", "lambda", "import", "from", "pass", "None", "True", "False", "and", "or",
                  "not", "is", "in", "with", "yield", "global", "del", "try", "except", "raise",
                  "logic", "wire", "reg", "bit", "byte", "input", "output", "inout", "module",
                  "package", "begin", "end", "function", "task", "assign", "always", "initial",
                  "generate", "parameter", "localparam", "typedef", "packed", "string", "real",
                  "time", "event", "interface", "property", "sequence", "program", "config"}
U32_MAX = (1 << 32) - 1
IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _need(d: dict, key: str, where: str) -> Any:
    if not isinstance(d, dict) or key not in d:
        raise SpecError(f"{where}: missing '{key}'")
    return d[key]


def _int(v: Any, where: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise SpecError(f"{where}: expected an integer, got {v!r}")
    return v


def _ident(name: Any, where: str) -> str:
    if not isinstance(name, str) or not IDENT.match(name):
        raise SpecError(f"{where}: bad name {name!r}")
    return name


def _bits(raw: Any, width: int, where: str) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: bits must be a mapping NAME: bit")
    seen: dict[int, str] = {}
    out: dict[str, int] = {}
    for bname, pos in raw.items():
        _ident(bname, where)
        pos = _int(pos, f"{where}.{bname}")
        if not 0 <= pos < width:
            raise SpecError(f"{where}.{bname}: bit {pos} outside a {width}-bit field")
        if pos in seen:
            raise SpecError(f"{where}.{bname}: bit {pos} already used by {seen[pos]}")
        seen[pos] = bname
        out[bname] = pos
    return out


def _check_tiling(items: list[tuple[str, int, int]], total: int, where: str) -> None:
    """items: (name, offset, size). They must cover [0, total) exactly once."""
    pos = 0
    for name, off, size in sorted(items, key=lambda t: t[1]):
        if off < pos:
            raise SpecError(f"{where}: '{name}' at 0x{off:x} overlaps the field before it (which ends at 0x{pos:x})")
        if off > pos:
            raise SpecError(f"{where}: gap 0x{pos:x}..0x{off:x} before '{name}' (list it as reserved)")
        pos = off + size
    if pos != total:
        raise SpecError(f"{where}: fields add up to {pos} bytes, the structure is {total}")


def parse(text: str, origin: str = "spec") -> Spec:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SpecError(f"{origin}: not valid YAML: {e}") from e
    if not isinstance(doc, dict):
        raise SpecError(f"{origin}: top level must be a mapping")

    name = _ident(_need(doc, "name", origin), f"{origin}.name")
    kid = _int(_need(doc, "id", origin), f"{origin}.id")
    ver = _need(doc, "version", origin)
    major = _int(_need(ver, "major", f"{origin}.version"), f"{origin}.version.major")
    minor = _int(_need(ver, "minor", f"{origin}.version"), f"{origin}.version.minor")
    if not (0 <= major < 65536 and 0 <= minor < 65536):
        raise SpecError(f"{origin}.version: major/minor must fit 16 bits")

    constants: list[Constant] = []
    known: dict[str, int] = {}
    for cname, c in (doc.get("constants") or {}).items():
        where = f"{origin}.constants.{cname}"
        _ident(cname, where)
        if not isinstance(c, dict) or ("value" in c) == ("expr" in c):
            raise SpecError(f"{where}: give exactly one of value, expr")
        if "value" in c:
            value, expr = _int(c["value"], where), None
        else:
            expr = c["expr"]
            value = evaluate(expr, known, where)
        if not 0 <= value <= U32_MAX:
            raise SpecError(f"{where}: value {value} does not fit 32 bits unsigned")
        known[cname] = value
        constants.append(Constant(cname, value, c.get("doc", ""), expr))

    enums = []
    for ename, e in (doc.get("enums") or {}).items():
        where = f"{origin}.enums.{ename}"
        _ident(ename, where)
        width = _int(_need(e, "width", where), where)
        if width not in INT_WIDTHS:
            raise SpecError(f"{where}: width {width} is not one of {INT_WIDTHS}")
        vals = []
        used: dict[int, str] = {}
        for vname, v in _need(e, "values", where).items():
            vw = f"{where}.{vname}"
            _ident(vname, vw)
            val = _int(_need(v, "value", vw), vw)
            if not 0 <= val < (1 << width):
                raise SpecError(f"{vw}: value {val} does not fit {width} bits")
            if val in used:
                raise SpecError(f"{vw}: value {val} already used by {used[val]}")
            used[val] = vname
            vals.append((vname, val, v.get("doc", "")))
        enums.append(Enum(ename, width, e.get("doc", ""), vals))
    enum_names = {e.name for e in enums}

    rdoc = _need(doc, "registers", origin)
    reg_size = _int(_need(rdoc, "size", f"{origin}.registers"), f"{origin}.registers.size")
    regs: list[Reg] = []
    spans: list[tuple[str, int, int]] = []
    for i, r in enumerate(_need(rdoc, "regs", f"{origin}.registers")):
        where = f"{origin}.registers.regs[{i}]"
        rname = _ident(_need(r, "name", where), where)
        where = f"{origin}.registers.{rname}"
        off = _int(_need(r, "offset", where), where)
        access = r.get("access", "rw")
        if access not in ("rw", "ro", "wo"):
            raise SpecError(f"{where}: access must be rw, ro or wo")
        bits = _bits(r.get("bits"), 32, where)
        if rname in IDENTITY_REGS and access != "ro":
            raise SpecError(f"{where}: an identity register is read-only (access: ro)")
        if rname in AP_CTRL_REGS and access != "rw":
            raise SpecError(f"{where}: an ap_ctrl_hs register is read-write (access: rw)")
        if rname not in IDENTITY_REGS and rname not in AP_CTRL_REGS and access == "wo":
            raise SpecError(f"{where}: a kernel register is rw (host-written) or ro (kernel-driven), not wo")
        if rname == "CTRL" and set(bits) != set(CTRL_BITS):
            raise SpecError(f"{where}: CTRL bits must be {', '.join(CTRL_BITS)}")
        regs.append(Reg(rname, off, access, r.get("doc", ""), bits))
        spans.append((rname, off, 4))
    args: list[Arg] = []
    for i, a in enumerate(_need(rdoc, "args", f"{origin}.registers")):
        where = f"{origin}.registers.args[{i}]"
        aname = _ident(_need(a, "name", where), where)
        where = f"{origin}.registers.{aname}"
        off = _int(_need(a, "offset", where), where)
        width = _int(_need(a, "width", where), where)
        if width not in (32, 64):
            raise SpecError(f"{where}: argument width must be 32 or 64")
        kind = _need(a, "kind", where)
        if kind not in ("pointer", "scalar"):
            raise SpecError(f"{where}: kind must be pointer or scalar")
        if kind == "pointer" and width != 64:
            raise SpecError(f"{where}: pointers are 64-bit")
        arg = Arg(aname, i, off, width, kind, a.get("doc", ""))
        args.append(arg)
        spans.append((aname, off, arg.span))
    if args and args[0].offset != 0x10:
        raise SpecError(f"{origin}.registers: Vitis arguments start at 0x10, not 0x{args[0].offset:x}")
    prev_end = None
    for a in args:
        if prev_end is not None and a.offset < prev_end:
            raise SpecError(f"{origin}.registers.{a.name}: arguments must be in increasing offset order")
        prev_end = a.offset + a.span
    missing = [n for n in AP_CTRL_REGS + tuple(IDENTITY_REGS) if n not in {r.name for r in regs}]
    if missing:
        raise SpecError(f"{origin}.registers: missing {', '.join(missing)}")
    names = [n for n, _, _ in spans]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SpecError(f"{origin}.registers: duplicate names {sorted(dup)}")
    pos_end: list[tuple[int, int, str]] = sorted((o, o + s, n) for n, o, s in spans)
    for n, off, size in spans:
        if off % 4:
            raise SpecError(f"{origin}.registers.{n}: offset 0x{off:x} is not 4-byte aligned")
        if off + size > reg_size:
            raise SpecError(f"{origin}.registers.{n}: 0x{off:x}+{size} is outside the {reg_size}-byte register space")
    for (o1, e1, n1), (o2, e2, n2) in zip(pos_end, pos_end[1:]):
        if o2 < e1:
            raise SpecError(f"{origin}.registers: '{n2}' at 0x{o2:x} overlaps '{n1}' (0x{o1:x}..0x{e1:x})")

    cdoc = doc.get("caps") or {}
    caps = sorted(_bits(cdoc.get("bits"), 32, f"{origin}.caps").items(), key=lambda kv: kv[1])

    structs: list[Struct] = []
    sdoc = _need(doc, "structs", origin)
    for sname, s in sdoc.items():
        where = f"{origin}.structs.{sname}"
        _ident(sname, where)
        size = _int(_need(s, "size", where), where)
        if size <= 0:
            raise SpecError(f"{where}: size must be positive")
        fields: list[Field] = []
        rsv = 0
        for i, f in enumerate(_need(s, "fields", where)):
            fw = f"{where}.fields[{i}]"
            off = _int(_need(f, "offset", fw), fw)
            if f.get("reserved"):
                n = _int(_need(f, "bytes", fw), fw)
                fields.append(Field(f"rsvd{rsv}", off, n, reserved=True))
                rsv += 1
                continue
            fname = _ident(_need(f, "name", fw), fw)
            fw = f"{where}.{fname}"
            if fname in RESERVED_NAMES or re.fullmatch(r"rsvd\d+", fname):
                raise SpecError(f"{fw}: '{fname}' is a reserved word in the generated code")
            kinds = [k for k in ("width", "bytes", "struct") if k in f]
            if len(kinds) != 1:
                raise SpecError(f"{fw}: give exactly one of width, bytes, struct")
            if "width" in f:
                width = _int(f["width"], fw)
                if width not in INT_WIDTHS:
                    raise SpecError(f"{fw}: width {width} is not one of {INT_WIDTHS}")
                nbytes = width // 8
                if off % nbytes:
                    raise SpecError(f"{fw}: a {width}-bit field at 0x{off:x} is misaligned (needs a multiple of {nbytes})")
                enum = f.get("enum")
                if enum is not None and enum not in enum_names:
                    raise SpecError(f"{fw}: unknown enum '{enum}'")
                if enum is not None and next(e for e in enums if e.name == enum).width != width:
                    raise SpecError(f"{fw}: enum '{enum}' is not {width} bits wide")
                fields.append(Field(fname, off, nbytes, width=width, enum=enum,
                                    bits=_bits(f.get("bits"), width, fw), doc=f.get("doc", "")))
            elif "bytes" in f:
                nbytes = _int(f["bytes"], fw)
                if nbytes <= 0:
                    raise SpecError(f"{fw}: bytes must be positive")
                if off % 4:
                    raise SpecError(f"{fw}: a byte array at 0x{off:x} is misaligned (needs a multiple of 4)")
                fields.append(Field(fname, off, nbytes, doc=f.get("doc", "")))
            else:
                ref = f["struct"]
                prior = {st.name: st for st in structs}
                if ref not in prior:
                    raise SpecError(f"{fw}: struct '{ref}' must be defined before it is used")
                count = _int(f.get("count", 1), fw)
                inner = prior[ref]
                if off % min(inner.size, 8):
                    raise SpecError(f"{fw}: struct '{ref}' at 0x{off:x} is misaligned")
                fields.append(Field(fname, off, inner.size * count, count=count, struct=ref,
                                    doc=f.get("doc", ""), array="count" in f))
        _check_tiling([(fl.name, fl.offset, fl.size) for fl in fields], size, where)
        fnames = [fl.name for fl in fields]
        dup = {n for n in fnames if fnames.count(n) > 1}
        if dup:
            raise SpecError(f"{where}: duplicate fields {sorted(dup)}")
        structs.append(Struct(sname, size, s.get("doc", ""), fields))

    types = [(camel(n), f"{origin}.enums.{n}") for n in enum_names] + \
        [(st.camel, f"{origin}.structs.{st.name}") for st in structs]
    for i, (tname, where) in enumerate(types):
        clash = [w for t, w in types[:i] if t == tname]
        if clash:
            raise SpecError(f"{where}: its generated type name {tname} is also that of {clash[0]}")
    return Spec(name, kid, major, minor, constants, enums, regs, reg_size, args, caps, structs,
                spec_hash(doc))


def _strip_docs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_docs(v) for k, v in node.items() if not (k == "doc" and isinstance(v, str))}
    if isinstance(node, list):
        return [_strip_docs(v) for v in node]
    return node


def spec_hash(doc: Any) -> str:
    """SHA-256 (hex) of the spec as parsed, without its doc strings: any name,
    offset, width, value or version changes it; comments and docs do not."""
    canonical = json.dumps(_strip_docs(doc), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()


