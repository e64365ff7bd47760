"""SystemVerilog types for sv_flatten.py (yosys 0.23): the packed struct,
enum and vector typedefs of every file read, their widths, and the rewrites
that need them (struct casts and $bits, struct fields inlined, named
assignment patterns, struct-typed routine variables), plus the checks that
refuse what yosys would read wrong (arrays of a struct type)."""
import re


class FlattenError(Exception):
    pass


def try_eval(expr):
    """The integer value of a constant expression, or None."""
    if re.fullmatch(r"[\d\s()+\-*]+", expr):
        try:
            return int(eval(expr, {"__builtins__": {}}))  # only digits and + - * ( )
        except Exception:  # pragma: no cover
            return None
    return None


STRUCT = re.compile(r"\btypedef\s+struct\s+packed\s*\{(.*?)\}\s*(\w+)\s*;", re.S)
FIELD = re.compile(r"^\s*(logic|bit|[\w:]+)\s*(?:\[([^\]:]+):([^\]]+)\])?\s*(\w+(?:\s*,\s*\w+)*)\s*;\s*$")
ENUM = re.compile(r"\btypedef\s+enum\s+(?:logic|bit)\s*(?:\[([^\]:]+):([^\]]+)\])?\s*\{.*?\}\s*(\w+)\s*;", re.S)
ENUM_WIDTHS = {}  # enum typedef name -> width expression (every file read)
VECTOR = re.compile(r"\btypedef\s+(?:logic|bit)\s*\[([^\]:]+):([^\]]+)\]\s*(\w+)\s*;")
TYPE_WIDTHS = {}  # vector / packed struct typedef name -> width expression (files read so far)
STRUCT_NAMES = set()  # every packed struct typedef (every file read)
STRUCT_BODIES = {}  # packed struct typedef name -> (its body, the file that defines it)


def inline_struct(tname, name, depth=0):
    """The body of struct typedef tname with every field as yosys 0.23 takes it
    inside another file's struct: structs nested as anonymous packed structs,
    enums and vector typedefs as logic vectors, arrays of them flat."""
    if depth > 8:
        raise FlattenError(f"{name}: struct {tname}: nested too deep")
    fields = []
    for line in re.sub(r"//[^\n]*", "", STRUCT_BODIES[tname][0]).split(";"):
        if not line.strip():
            continue
        f = FIELD.match(line + ";")
        if not f:
            raise FlattenError(f"{name}: struct {tname}: cannot inline field {line.strip()!r}")
        ftype, names = f.group(1).split("::")[-1], f.group(4)
        rng = [x for x in (f.group(2), f.group(3)) if x]
        for x in rng:
            if try_eval(x) is None:
                raise FlattenError(f"{name}: struct {tname}: field range {x!r} is not a number")
        if ftype in ("logic", "bit"):
            fields.append(f"logic {'[' + rng[0] + ':' + rng[1] + '] ' if rng else ''}{names};")
            continue
        if ftype in STRUCT_BODIES and not rng:
            fields.append(f"struct packed {{ {inline_struct(ftype, name, depth + 1)} }} {names};")
            continue
        w = ENUM_WIDTHS.get(ftype) or TYPE_WIDTHS.get(ftype)
        if w is None:
            raise FlattenError(f"{name}: struct {tname}: cannot inline field {line.strip()!r}")
        if rng:
            w = f"(({rng[0]})-({rng[1]})+1)*{w}"
        fields.append(f"logic [{w}-1:0] {names};")
    return " ".join(fields)


def struct_fields(tname):
    """[(field name, width expression or None)] of struct typedef tname."""
    fields = []
    for line in re.sub(r"//[^\n]*", "", STRUCT_BODIES[tname][0]).split(";"):
        f = FIELD.match(line + ";") if line.strip() else None
        if not f:
            continue
        ftype = f.group(1).split("::")[-1]
        if ftype in ("logic", "bit"):
            w = f"(({f.group(2)})-({f.group(3)})+1)" if f.group(2) else "1"
        else:
            w = ENUM_WIDTHS.get(ftype) or TYPE_WIDTHS.get(ftype)
            if w and f.group(2):
                w = f"(({f.group(2)})-({f.group(3)})+1)*{w}"
        fields += [(n.strip(), w) for n in f.group(4).split(",")]
    return fields


def struct_field_names(tname):
    return [n for n, _ in struct_fields(tname)]


def named_patterns(src, name):
    """'{a: x, b: y} (a struct's every field by name, in its order) -> {x, y}
    (yosys 0.23 reads no assignment patterns). The names must be exactly one
    known struct's fields in order, and no value an unsized literal."""
    out, pos = [], 0
    for m in re.finditer(r"'\{", src):
        if m.start() < pos:
            continue
        depth, k = 1, m.end()
        while depth and k < len(src):
            depth += {"{": 1, "}": -1}.get(src[k], 0)
            k += 1
        inner = src[m.end():k - 1]
        parts, level, cur = [], 0, ""
        for ch in inner:
            level += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(ch, 0)
            if ch == "," and level == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        parts.append(cur)
        pairs = [re.fullmatch(r"\s*(\w+)\s*:\s*(.*?)\s*", x, re.S) for x in parts]
        if not all(pairs):
            raise FlattenError(f"{name}: cannot read the assignment pattern '{{{inner.strip()}}}")
        fields = [x.group(1) for x in pairs]
        owners = [t for t in STRUCT_BODIES if struct_field_names(t) == fields]
        if len(owners) != 1:
            raise FlattenError(f"{name}: assignment pattern with fields {fields}: "
                               f"{'no' if not owners else 'more than one'} struct has exactly those, in that order")
        values = [named_patterns(x.group(2), name) if "'{" in x.group(2) else x.group(2) for x in pairs]  # nested
        for i, ((fname, w), v) in enumerate(zip(struct_fields(owners[0]), values)):
            if re.fullmatch(r"'[01]", v) and w:  # '0 / '1: the field's width
                values[i] = f"{{({w}){{1'b{v[1]}}}}}"
            elif re.fullmatch(r"'[01xXzZ]|\d+", v):
                raise FlattenError(f"{name}: assignment pattern of {owners[0]}: unsized value {v!r} for {fname}")
        out.append(src[pos:m.start()] + "{" + ", ".join(values) + "}")
        pos = k
    out.append(src[pos:])
    return "".join(out)


def inline_foreign_structs(src, name):
    """struct { pkg::T f; } with T a struct typedef of another file -> the
    struct inlined (yosys 0.23 does not find another package's struct
    typedef from inside a struct)."""
    def sub(m):
        def one(f):
            t = f.group(2).split("::")[-1]
            if t not in STRUCT_BODIES or STRUCT_BODIES[t][1] == name:
                return f.group(0)
            return f"{f.group(1)}struct packed {{ {inline_struct(t, name)} }} {f.group(3)};"
        body = re.sub(r"(?m)^(\s*)([\w:]+)\s+(\w+)\s*;", one, m.group(1))
        return m.group(0).replace(m.group(1), body)
    return STRUCT.sub(sub, src)


def struct_bits(src, name):
    """$bits(T) -> its width, T'(x) -> (x) for the file's packed structs, and
    enum-typed fields as logic vectors (yosys 0.23 knows none of these)."""
    def enum_fields(m):
        body = m.group(1)
        for e, w in ENUM_WIDTHS.items():
            body = re.sub(rf"(?m)^(\s*)(?:\w+::)?{e}(\s+\w)", rf"\1logic [{w}-1:0]\2", body)
        return m.group(0).replace(m.group(1), body)
    src = STRUCT.sub(enum_fields, src)

    def typed_arrays(m):  # `T [A:B] f;` (an array of a typedef) -> a flat vector
        def one(f):
            w = TYPE_WIDTHS.get(f.group(2))
            if w is None:
                return f.group(0)
            return f"{f.group(1)}logic [(({f.group(3)})-({f.group(4)})+1)*{w}-1:0] {f.group(5)};"
        body = TYPED_ARRAY_FIELD.sub(one, m.group(1))
        return m.group(0).replace(m.group(1), body)
    for v in VECTOR.finditer(src):
        TYPE_WIDTHS[v.group(3)] = f"(({v.group(1)})-({v.group(2)})+1)"
    for m in STRUCT.finditer(src):
        widths = []
        for line in re.sub(r"//[^\n]*", "", m.group(1)).split(";"):
            if not line.strip():
                continue
            f = FIELD.match(line + ";")
            if not f:
                raise FlattenError(f"{name}: struct {m.group(2)}: cannot size field {line.strip()!r}")
            ftype = f.group(1).split("::")[-1]
            if ftype in ("logic", "bit"):
                w = f"(({f.group(2)})-({f.group(3)})+1)" if f.group(2) else "1"
            elif ftype in TYPE_WIDTHS:
                w = TYPE_WIDTHS[ftype]
                if f.group(2):  # an array of them
                    w = f"(({f.group(2)})-({f.group(3)})+1)*{w}"
            else:
                raise FlattenError(f"{name}: struct {m.group(2)}: cannot size field {line.strip()!r}")
            for _ in f.group(4).split(","):
                widths.append(w)
        t = m.group(2)
        TYPE_WIDTHS[t] = "(" + " + ".join(widths) + ")"
        src = STRUCT.sub(typed_arrays, src)
        src = re.sub(rf"\$bits\(\s*{t}\s*\)", "(" + " + ".join(widths) + ")", src)
        src = re.sub(rf"\b{t}'\(", "(", src)
    for t in STRUCT_NAMES:  # casts to a struct of another file (a package's)
        src = re.sub(rf"(?:\b\w+::)?\b{t}'\(", "(", src)
    return named_patterns(inline_foreign_structs(routine_structs(src, name), name), name)


ROUTINE = re.compile(r"\b(task|function)\s+automatic\b(.*?)\bend(?:task|function)\b", re.S)


def routine_structs(src, name):
    """A task's or function's arguments, locals and result of a packed struct
    type -> logic vectors of its width: yosys 0.23 infers a latch for such a
    variable of a routine called in only some branches of an always_comb
    (make area stopped at esp_batch_ctrl's line_wr). Refused when the
    routine reads a field of one (the vector has no fields)."""
    def width(t):
        w = TYPE_WIDTHS.get(t)
        if w is None and t in STRUCT_BODIES:
            ws = [x for _, x in struct_fields(t)]
            if all(ws):
                w = "(" + " + ".join(ws) + ")"
        return w

    def one(m):
        body = m.group(0)
        names = []

        def decl(d):
            t = d.group(2).split("::")[-1]
            if t not in STRUCT_NAMES:
                return d.group(0)
            w = width(t)
            if w is None:
                raise FlattenError(f"{name}: cannot size {t} in a {m.group(1)}")
            names.extend(n.strip() for n in d.group(3).split(","))
            return f"{d.group(1)}logic [{w}-1:0] {d.group(3)}{d.group(4)}"
        # the result type, the arguments, the locals
        body = re.sub(r"^(function\s+automatic\s+)((?:\w+::)?\w+)(\s+)(?=\w+\s*\()",
                      lambda d: d.group(0) if d.group(2).split("::")[-1] not in STRUCT_NAMES else
                      f"{d.group(1)}logic [{width(d.group(2).split('::')[-1])}-1:0]{d.group(3)}", body)
        body = re.sub(r"(\b(?:input|output|inout)\s+)((?:\w+::)?\w+)\s+(\w+)(\s*[,)])", decl, body)
        body = re.sub(r"(?m)(^\s*)((?:\w+::)?\w+)\s+(\w+(?:\s*,\s*\w+)*)(\s*;)", decl, body)
        for n in names:
            if n and re.search(rf"\b{n}\s*\.\s*\w", body):
                raise FlattenError(f"{name}: {n}.field in a {m.group(1)}: {n} is a struct there, which yosys 0.23 "
                                   f"may latch; use a module-level struct variable")
        return body
    return ROUTINE.sub(one, src)


def struct_arrays(src, name):
    """Refuse an array (packed or unpacked) of a packed struct type outside a
    struct: yosys 0.23 reads `T m [N];` and `T [N-1:0] m;` as ONE T (a
    memory of structs becomes a single register, silently). Declare
    `logic [$bits(T)-1:0] m [N];` and cast an element with T'(m[i])."""
    body = re.sub(r"//[^\n]*", "", STRUCT.sub("", src))
    for m in re.finditer(r"(?m)^\s*(?:(?:input|output|inout)\s+)?(?:wire\s+|var\s+)?(?:\w+::)?(\w+)\s*"
                         r"((?:\[[^\]]*\]\s*)*)(\w+)\s*((?:\[[^\]]*\]\s*)*)[;,=)]", body):
        if m.group(1) in STRUCT_NAMES and (m.group(2).strip() or m.group(4).strip()):
            raise FlattenError(f"{name}: {m.group(1)} {m.group(2)}{m.group(3)}{m.group(4)}: an array of a struct type "
                               f"(yosys 0.23 reads it as one struct): declare it as logic [$bits({m.group(1)})-1:0]")


ARRAY_FIELDS = {}  # struct field that is an array of a typedef -> (element typedef, file)
# a struct field `T [A:B] f;` (groups: indent, T, A, B, f): struct_bits flattens
# those of a typedef T, register_types records them for array_field_selects
TYPED_ARRAY_FIELD = re.compile(r"(?m)^(\s*)(?:\w+::)?(\w+)\s*\[([^\]:]+):([^\]]+)\]\s*(\w+)\s*;")


def array_field_selects(src, name):
    """x.f[i] -> x.f[(i)*W +: W] for a struct field f declared as an array of
    a typedef (`T [N-1:0] f;`, flattened to a vector by struct_bits): yosys
    0.23 reads the select as ONE bit (esp_card_state's SPI bucket read drove
    8 of its 512 bits until this rewrite). A range select of such a field is
    refused."""
    for fld, (elem, where) in ARRAY_FIELDS.items():
        out, pos = [], 0
        for m in re.finditer(rf"\.\s*{fld}\s*\[", src):
            depth, j = 1, m.end()
            while depth:
                if j >= len(src):
                    raise FlattenError(f"{name}: unbalanced select of .{fld}")
                depth += {"[": 1, "]": -1}.get(src[j], 0)
                j += 1
            idx = src[m.end():j - 1]
            if ":" in re.sub(r"\[[^\[\]]*\]", "", idx):
                raise FlattenError(f"{name}: .{fld}[{idx}]: a range select of a struct field that is an array "
                                   f"of {elem} ({where}); select one element")
            w = TYPE_WIDTHS.get(elem)
            if w is None:
                raise FlattenError(f"{name}: .{fld}[{idx}]: the width of {elem} is not known here")
            out.append(src[pos:m.start()] + f".{fld}[({idx})*{w} +: {w}]")
            pos = j
        src = "".join(out) + src[pos:]
    return src


def register_types(src, fname):
    """Records the struct, enum typedefs of one file (every file is read
    before any is flattened)."""
    for m in STRUCT.finditer(src):
        for f in TYPED_ARRAY_FIELD.finditer(m.group(1)):
            elem, fld = f.group(2), f.group(5)
            if elem in ("logic", "bit"):
                continue
            if ARRAY_FIELDS.get(fld, (elem, fname))[0] != elem:
                raise FlattenError(f"{fname}: struct field {fld} is an array of {elem} here and of "
                                   f"{ARRAY_FIELDS[fld][0]} in {ARRAY_FIELDS[fld][1]}")
            ARRAY_FIELDS[fld] = (elem, fname)
    STRUCT_NAMES.update(m.group(2) for m in STRUCT.finditer(src))
    STRUCT_BODIES.update((m.group(2), (m.group(1), fname)) for m in STRUCT.finditer(src))
    for e in ENUM.finditer(src):
        ENUM_WIDTHS[e.group(3)] = f"(({e.group(1)})-({e.group(2)})+1)" if e.group(1) else "1"
