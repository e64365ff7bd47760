#!/usr/bin/env python3
"""sv_flatten: rewrite hw/rtl's packed multi-dimensional arrays as flat vectors
so that Debian's yosys 0.23 (whose read_verilog -sv has no packed arrays of
more than one dimension) can read the RTL.

  logic [A:B][C:D] x [U];     ->  logic [(A-B+1)*(C-D+1)-1:0] x [U];
  x[u][i]                     ->  x[u][(i-B)*(C-D+1) +: (C-D+1)]
  x[u][i][j]                  ->  x[u][(i-B)*(C-D+1) + (j-D)]
  x[u][i][a:b], x[u][a:b]     ->  the same bits as one +: part select
  import p::*; ... NAME        ->  ... p::NAME   (yosys 0.23 has no import)
  package q: ... p::NAME       ->  its literal value (nor constants of other packages there)
  return e; endfunction        ->  fname = e; endfunction (nor return)
  localparam int unsigned A[N] = '{..}  ->  a packed [N-1:0][31:0] (nor those)
  $bits(struct_t), struct_t'(x) ->  the sum of its fields' widths, (x)
                                   (fields: logic, enums, vector and struct typedefs)
  struct { pkg::enum_e f; }    ->  struct { logic [W-1:0] f; }
  struct { T [N-1:0] f; }       ->  struct { logic [N*$bits(T)-1:0] f; }  (nor struct arrays)
  '{a: x, b: y}               ->  {x, y}  (every field of one known struct, in its order)
  struct { pkg::S f; }         ->  struct { struct packed { S's fields } f; }  (S of another file:
                                   yosys 0.23 does not find it from inside a struct)
  f = TABLE[W*x +: W] (a lookup function)  ->  a case over the table's entries
  {<<8{x[a +: w]}}             ->  a byte-reversing function (nor streaming operators)
  x inside {a, b}              ->  (x == a || x == b)

A packed array is laid out exactly like the flat vector (SystemVerilog
7.4.1), so whole-array uses (assignments, ports, concatenations, $bits) stay
as they are. References into generate blocks (g_st[s-1].g_keys.keys_q[k])
take the dimensions the declaration has in that block (its genvar replaced by
the block index); struct members are handled by name. It is a token rewriter
for this code base's style, not a SystemVerilog front end: anything it does
not recognise is an error, never a silent miscompile.

usage: sv_flatten.py OUT_DIR FILE.sv...   (writes OUT_DIR/<name>.sv)
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sv_types import (ENUM_WIDTHS, STRUCT_BODIES, FlattenError, array_field_selects, register_types,  # noqa: E402
                      struct_arrays, struct_bits, try_eval)

TOKEN = re.compile(r"""
  (?P<ws>\s+)
| (?P<comment>//[^\n]*|/\*.*?\*/)
| (?P<string>"(?:\\.|[^"\\])*")
| (?P<num>\d*'[sS]?[bBoOdDhH][0-9a-fA-FxXzZ_?]+|'[01xXzZ]|\d[\d_]*(?:\.\d+)?)
| (?P<id>[A-Za-z_$][A-Za-z0-9_$]*|\\\S+)
| (?P<op>\+:|-:|::|<=|>=|==|!=|&&|\|\||<<|>>|\*\*|.)
""", re.X | re.S)

TYPES = {"logic", "reg", "bit", "wire"}
DIRS = {"input", "output", "inout"}
KEYWORDS = DIRS | TYPES | {"signed", "unsigned", "var"}


def tokenize(text):
    toks = []
    pos = 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise FlattenError(f"cannot tokenize at {text[pos:pos + 40]!r}")
        kind = m.lastgroup
        toks.append((kind, m.group()))
        pos = m.end()
    return toks


def significant(toks, i, step=1):
    """Index of the next (step=1) or previous (step=-1) non-blank token from i."""
    while 0 <= i < len(toks) and toks[i][0] in ("ws", "comment"):
        i += step
    return i


def match_bracket(toks, i):
    """toks[i] is '[' (or '('): index of its partner."""
    open_, close = toks[i][1], {"[": "]", "(": ")", "{": "}"}[toks[i][1]]
    depth = 0
    for j in range(i, len(toks)):
        if toks[j][0] == "op":
            if toks[j][1] in "[({":
                depth += 1
            elif toks[j][1] in "])}":
                depth -= 1
                if depth == 0:
                    if toks[j][1] != close:
                        raise FlattenError(f"unbalanced {open_}")
                    return j
    raise FlattenError(f"unclosed {open_}")


def text(toks):
    return "".join(t for _, t in toks)


def simp(expr):
    v = try_eval(expr)
    return str(v) if v is not None else expr


def split_range(inner):
    """Classify the tokens inside [...]: ('idx', e) / ('range', a, b) / ('up', a, w) / ('down', a, w)."""
    depth = 0
    has_q = False
    for k, (kind, t) in enumerate(inner):
        if kind != "op":
            continue
        if t in "([{":
            depth += 1
        elif t in ")]}":
            depth -= 1
        elif depth == 0 and t == "?":
            has_q = True
        elif depth == 0 and t in ("+:", "-:"):
            return ("up" if t == "+:" else "down", text(inner[:k]).strip(), text(inner[k + 1:]).strip())
        elif depth == 0 and t == ":" and not has_q:
            return ("range", text(inner[:k]).strip(), text(inner[k + 1:]).strip())
    return ("idx", text(inner).strip())


class Decl:
    def __init__(self, dims, unpacked, genvars, where):
        self.dims = dims          # [(hi, lo) as text]
        self.unpacked = unpacked  # number of unpacked dimensions after the name
        self.genvars = genvars    # {generate-loop label: genvar} around the declaration
        self.where = where

    def dims_for(self, subst):
        out = []
        for hi, lo in self.dims:
            for var, val in subst.items():
                hi = re.sub(rf"\b{var}\b", f"({val})", hi)
                lo = re.sub(rf"\b{var}\b", f"({val})", lo)
            out.append((simp(hi), simp(lo)))
        return out


def size_of(dim):
    hi, lo = dim
    v_hi, v_lo = try_eval(hi), try_eval(lo)
    if v_hi is not None and v_lo is not None and v_hi < v_lo:
        raise FlattenError(f"ascending packed dimension [{hi}:{lo}] is not supported")
    return simp(f"({hi})-({lo})+1")


def product(items):
    items = [i for i in items if i != "1"]
    if not items:
        return "1"
    return simp("*".join(f"({i})" for i in items))


def flat_width(dims):
    return product([size_of(d) for d in dims])


class Flattener:
    def __init__(self, name, constants=()):
        self.name = name
        self.decls = {}
        self.plain = set()  # names declared with one packed dimension or none
        self.constants = set(constants)  # parameters, genvars, package names: index arithmetic in 32 bits

    def sd(self, expr):
        """An index expression as an operand of the offset arithmetic. A bit
        select's index is self-determined (x[a+b] wraps at the width of a, b);
        {e} keeps it so. Constant expressions (integers) need no braces."""
        ids = set(re.findall(r"[A-Za-z_$][\w$]*(?:::[A-Za-z_$][\w$]*)?", re.sub(r"\d+'[sS]?[bodhBODH][\w?]+", "", expr)))
        if all(i in self.constants or "::" in i for i in ids):
            return f"({expr})"
        return "{" + expr + "}"

    # ---- pass 1: declarations
    def find_decls(self, toks):
        """Rewrites declarations in place (token list) and records them."""
        out = []
        i = 0
        block = []  # generate-loop labels and their genvars: [(label, genvar) or None]
        pending_loop = None
        while i < len(toks):
            kind, t = toks[i]
            if kind == "id" and t == "for":
                # for (genvar s = ...) begin : label
                j = significant(toks, i + 1)
                if toks[j][1] == "(":
                    close = match_bracket(toks, j)
                    inner = [x for x in toks[j + 1:close] if x[0] not in ("ws", "comment")]
                    if inner and inner[0][1] == "genvar":
                        pending_loop = inner[1][1]
            if kind == "id" and t == "begin":
                label = None
                j = significant(toks, i + 1)
                if j < len(toks) and toks[j][1] == ":":
                    label = toks[significant(toks, j + 1)][1]
                block.append((label, pending_loop) if pending_loop else None)
                pending_loop = None
            elif kind == "id" and t == "end":
                if block:
                    block.pop()
            if kind == "id" and t in TYPES:
                j = significant(toks, i + 1)
                while j < len(toks) and toks[j][1] in ("signed", "unsigned"):
                    j = significant(toks, j + 1)
                dims_idx = []
                while j < len(toks) and toks[j][1] == "[":
                    e = match_bracket(toks, j)
                    dims_idx.append((j, e))
                    j = significant(toks, e + 1)
                if len(dims_idx) >= 2:
                    dims = []
                    for a, b in dims_idx:
                        r = split_range(toks[a + 1:b])
                        if r[0] != "range":
                            raise FlattenError(f"{self.name}: packed dimension {text(toks[a:b + 1])} is not [hi:lo]")
                        dims.append((r[1], r[2]))
                    genvars = {lab: gv for lab_gv in block if lab_gv for lab, gv in [lab_gv]}
                    # the names: id [unpacked]* (, id [unpacked]*)*
                    k = j
                    while True:
                        if toks[k][0] != "id" or toks[k][1] in KEYWORDS:
                            raise FlattenError(f"{self.name}: cannot read the declaration at {text(toks[i:k + 3])!r}")
                        nm = toks[k][1]
                        k = significant(toks, k + 1)
                        unpacked = 0
                        while toks[k][1] == "[":
                            k = significant(toks, match_bracket(toks, k) + 1)
                            unpacked += 1
                        d = Decl(dims, unpacked, genvars, self.name)
                        if nm in self.decls and (self.decls[nm].dims != dims or self.decls[nm].unpacked != unpacked):
                            raise FlattenError(f"{self.name}: '{nm}' declared twice with different packed dimensions")
                        self.decls[nm] = d
                        if toks[k][1] == "," and toks[significant(toks, k + 1)][0] == "id" and \
                                toks[significant(toks, k + 1)][1] not in KEYWORDS:
                            k = significant(toks, k + 1)
                            continue
                        break
                    out.extend(toks[i:dims_idx[0][0]])
                    out.append(("op", f"[{flat_width(dims)}-1:0]"))
                    i = dims_idx[-1][1] + 1
                    continue
                # one packed dimension or none: the name must not also be a
                # packed array elsewhere in the file (its uses would be
                # rewritten as the array's: a silent miscompile)
                if j < len(toks) and toks[j][0] == "id" and toks[j][1] not in KEYWORDS:
                    self.plain.add(toks[j][1])
            out.append(toks[i])
            i += 1
        both = sorted(self.plain & set(self.decls))
        if both:
            raise FlattenError(f"{self.name}: {', '.join(both)} declared both as a packed array and as a "
                               "plain vector (rename one: uses are rewritten by name)")
        return out

    # ---- pass 2: uses
    def rewrite(self, toks):
        out = []
        i = 0
        while i < len(toks):
            kind, t = toks[i]
            if kind == "id" and t in self.decls:
                j = significant(toks, i + 1)
                if j < len(toks) and toks[j][1] == "[":
                    decl = self.decls[t]
                    subst = self.generate_subst(toks, i, decl)
                    dims = decl.dims_for(subst)
                    groups = []
                    while j < len(toks) and toks[j][1] == "[":
                        e = match_bracket(toks, j)
                        groups.append(self.rewrite(toks[j + 1:e]))
                        j = significant(toks, e + 1)
                    if len(groups) - decl.unpacked > len(dims):
                        raise FlattenError(f"{self.name}: too many selects on '{t}'")
                    out.append(toks[i])
                    for g in groups[:decl.unpacked]:
                        out.append(("op", "[" + text(g) + "]"))
                    packed = groups[decl.unpacked:]
                    if packed:
                        out.append(("op", "[" + self.select(t, dims, packed) + "]"))
                    i = j
                    continue
            out.append(toks[i])
            i += 1
        return out

    def generate_subst(self, toks, i, decl):
        """For a.b[E].c.name: the genvars of the declaration's loops -> the block index used."""
        subst = {}
        p = significant(toks, i - 1, -1)
        while p >= 0 and toks[p][1] == ".":
            q = significant(toks, p - 1, -1)
            idx = None
            if toks[q][1] == "]":
                depth = 0
                r = q
                while True:
                    if toks[r][1] == "]":
                        depth += 1
                    elif toks[r][1] == "[":
                        depth -= 1
                        if depth == 0:
                            break
                    r -= 1
                idx = text(toks[r + 1:q]).strip()
                q = significant(toks, r - 1, -1)
            label = toks[q][1]
            if idx is not None and label in decl.genvars:
                subst[decl.genvars[label]] = idx
            p = significant(toks, q - 1, -1)
        return subst

    def select(self, name, dims, groups):
        widths = [product([size_of(d) for d in dims[k + 1:]]) for k in range(len(dims))]
        terms = []
        for k, g in enumerate(groups[:-1]):
            r = split_range(g)
            if r[0] != "idx":
                raise FlattenError(f"{self.name}: '{name}': only the last select may be a range")
            terms.append(self.scaled(f"{self.sd(r[1])}-({dims[k][1]})", widths[k]))
        k = len(groups) - 1
        lo, w = dims[k][1], widths[k]
        r = split_range(groups[-1])
        base = " + ".join(terms)
        plus = (base + " + ") if base else ""
        if r[0] == "idx":
            if w == "1":
                return f"{plus}{simp(f'{self.sd(r[1])}-({lo})')}"
            return f"{plus}{self.scaled(f'{self.sd(r[1])}-({lo})', w)} +: {w}"
        if r[0] == "range":
            a, b = r[1], r[2]
            va, vb = try_eval(a), try_eval(b)
            if va is not None and vb is not None and va < vb:
                raise FlattenError(f"{self.name}: '{name}': ascending range [{a}:{b}]")
            return f"{plus}{self.scaled(f'({b})-({lo})', w)} +: {product([simp(f'({a})-({b})+1'), w])}"
        if r[0] == "up":
            return f"{plus}{self.scaled(f'{self.sd(r[1])}-({lo})', w)} +: {product([r[2], w])}"
        # a -: n  ==  (a-n+1) +: n
        return f"{plus}{self.scaled(f'{self.sd(r[1])}-({r[2]})+1-({lo})', w)} +: {product([r[2], w])}"

    @staticmethod
    def scaled(expr, w):
        e = simp(expr)
        if e == "0":
            return "0"
        return e if w == "1" else simp(f"({e})*{w}") if try_eval(e) is not None else f"({e})*{w}"


IMPORT = re.compile(r"\bimport\s+(\w+)::\*\s*;")


def package_symbols(src):
    """{package: {names}}: its localparams/parameters, typedefs and enum constants."""
    out = {}
    for m in re.finditer(r"\bpackage\s+(\w+)\s*;(.*?)\bendpackage\b", src, re.S):
        body = re.sub(r"//[^\n]*|/\*.*?\*/", "", m.group(2), flags=re.S)
        names = set(re.findall(r"\b(?:localparam|parameter)\b[^=;]*?\b(\w+)\s*(?:\[[^\]]*\]\s*)*=", body))
        for e in re.finditer(r"\btypedef\s+enum\b[^{]*\{(.*?)\}", body, re.S):
            names |= set(re.findall(r"(?:^|,)\s*(\w+)", e.group(1)))
        # struct / enum typedefs by their names (not their members), then the others
        braced = re.compile(r"\btypedef\s+(?:struct|enum)\b[^{]*\{.*?\}\s*(\w+)\s*;", re.S)
        names |= set(braced.findall(body))
        names |= set(re.findall(r"\btypedef\b[^;]*?(\w+)\s*;", braced.sub("", body)))
        names |= set(re.findall(r"\bfunction\b[^;(]*?(\w+)\s*\(", body))
        out[m.group(1)] = names
    return out


def qualify_imports(toks, packages, name):
    """Drops `import p::*;` and writes p::NAME for every use of one of p's names
    (yosys 0.23 reads pkg::NAME but not import)."""
    src = text(toks)
    used = IMPORT.findall(src)
    if not used:
        return toks
    for p in used:
        if p not in packages:
            raise FlattenError(f"{name}: imports unknown package {p}")
    src = IMPORT.sub("", src)
    toks = tokenize(src)
    table = {}
    for p in used:
        for n in packages[p]:
            if n in table:
                raise FlattenError(f"{name}: '{n}' is in both {table[n]} and {p}")
            table[n] = p
    out = []
    for i, (kind, t) in enumerate(toks):
        if kind == "id" and t in table:
            prev = toks[significant(toks, i - 1, -1)][1] if i else ""
            nxt = toks[significant(toks, i + 1)][1] if i + 1 < len(toks) else ""
            if prev not in (".", "::", "`") and nxt != "::":
                out.append(("id", f"{table[t]}::{t}"))
                continue
        out.append((kind, t))
    return out


def final_returns(toks, name):
    """`return e;` as a function's last statement -> `fname = e;` (yosys 0.23
    has no return). A return anywhere else is an error."""
    out = []
    fname = None
    for i, (kind, t) in enumerate(toks):
        if kind == "id" and t == "function":
            j = i + 1
            while toks[j][1] != "(" and toks[j][1] != ";":
                if toks[j][0] == "id":
                    fname = toks[j][1]
                j += 1
        elif kind == "id" and t == "endfunction":
            fname = None
        elif kind == "id" and t == "return":
            j = i
            while toks[j][1] != ";":
                j += 1
            if fname is None or toks[significant(toks, j + 1)][1] != "endfunction":
                raise FlattenError(f"{name}: a return that is not its function's last statement")
            out.append(("id", f"{fname} ="))
            continue
        out.append((kind, t))
    return out


UNPACKED_PARAM = re.compile(r"\blocalparam\s+int\s+unsigned\s+(\w+)\s*\[([^\]]+)\]\s*=\s*'\{(.*?)\}\s*;", re.S)


def split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def packed_param_arrays(src):
    """`localparam int unsigned A[N] = '{e0, e1, ...};` -> a packed
    `localparam logic [N-1:0][31:0] A = {32'(e_N-1), ..., 32'(e0)};`
    (yosys 0.23 has no unpacked parameter arrays); A[i] then flattens as usual."""
    def sub(m):
        elems = [e for e in split_top(re.sub(r"//[^\n]*", "", m.group(3))) if e]
        body = ", ".join(f"32'({e})" for e in reversed(elems))
        return f"localparam logic [({m.group(2)})-1:0][31:0] {m.group(1)} = {{{body}}};"
    return UNPACKED_PARAM.sub(sub, src)


TABLE_FN = re.compile(r"(function\s+automatic\s+logic\s*\[(\d+):0\]\s*(\w+)\s*\(\s*input\s+logic\s*\[(\d+):0\]\s*(\w+)\s*\)\s*;)"
                      r"\s*\3\s*=\s*(\w+)\s*\[\s*(\d+)\s*\*\s*\5\s*\+:\s*\d+\s*\]\s*;\s*(endfunction)")


def table_functions(src, name):
    """`function logic [W-1:0] f(input logic [N-1:0] x); f = TABLE[W*x +: W];`
    over a localparam TABLE of W'h.. literals (entry 0 last) -> a case
    statement. Inlined at every call, yosys 0.23 maps the variable part select
    of a 2^N*W-bit constant to a barrel shifter per call (the AES pipe's 1120
    S-boxes exhaust 24 GB); a case becomes LUTs."""
    def sub(m):
        w, fname, n, table = int(m.group(2)) + 1, m.group(3), int(m.group(4)) + 1, m.group(6)
        t = re.search(rf"localparam\s+logic\s*\[(\d+):0\]\s*{table}\s*=\s*\{{(.*?)\}}\s*;", src, re.S)
        if not t or int(m.group(7)) != w:
            return m.group(0)
        vals = re.findall(rf"{w}'h([0-9a-fA-F]+)", re.sub(r"//[^\n]*", "", t.group(2)))
        if len(vals) != 2 ** n or (int(t.group(1)) + 1) != w * 2 ** n:
            raise FlattenError(f"{name}: table {table} of {fname} is not {2 ** n} x {w}'h literals")
        body = "".join(f"      {n}'d{i}: {fname} = {w}'h{v};\n" for i, v in enumerate(reversed(vals)))
        return f"{m.group(1)}\n    case ({m.group(5)})\n{body}      default: {fname} = '0;\n    endcase\n  {m.group(8)}"
    return TABLE_FN.sub(sub, src)


STREAM = re.compile(r"\{\s*<<\s*(\d+)\s*\{\s*(\w+\s*\[[^\[\]{}]*?\+:\s*([^\[\]{}]+?)\s*\])\s*\}\s*\}")


def streaming(src, name):
    """`{<<N{x[a +: w]}}` (reverse the order of the N-bit slices) -> a call of
    a function with a loop, declared in the module (yosys 0.23 has no
    streaming operators). Only the part-select operand form is handled."""
    funcs = []

    def sub(m):
        n, expr, w = m.group(1), m.group(2), m.group(3)
        fn = f"sv_flatten_stream{len(funcs)}"
        funcs.append(f"  function automatic logic [({w})-1:0] {fn}(input logic [({w})-1:0] v);\n"
                     f"    for (int i = 0; i < ({w}) / {n}; i++) {fn}[{n}*i +: {n}] = v[({w}) - {n} - {n}*i +: {n}];\n"
                     f"  endfunction\n")
        return f"{fn}({expr})"
    out = STREAM.sub(sub, src)
    if "{<<" in re.sub(r"//[^\n]*", "", out) or "{>>" in re.sub(r"//[^\n]*", "", out):
        raise FlattenError(f"{name}: a streaming operator of a form sv_flatten does not handle")
    if funcs:
        if out.count("endmodule") != 1:
            raise FlattenError(f"{name}: streaming operators in a file of several modules")
        out = out.replace("endmodule", "".join(funcs) + "\nendmodule")
    return out


INSIDE = re.compile(r"([\w.]+(?:\[[^\[\]]*\])?)\s+inside\s*\{([^{}]*)\}")


def inside(src, name):
    """`x inside {a, b}` -> `(x == a || x == b)` (no value ranges; yosys 0.23
    has no inside)."""
    def sub(m):
        vals = [v.strip() for v in split_top(m.group(2))]
        if any(v.startswith("[") for v in vals):
            raise FlattenError(f"{name}: inside with a value range")
        return "(" + " || ".join(f"({m.group(1)} == {v})" for v in vals) + ")"
    out = INSIDE.sub(sub, src)
    if re.search(r"\binside\b", re.sub(r"//[^\n]*|/\*.*?\*/", "", out, flags=re.S)):
        raise FlattenError(f"{name}: an inside expression of a form sv_flatten does not handle")
    return out


PKG_VALUES = {}  # {package: {localparam: literal value}} (every file read)
LITERAL = re.compile(r"^[\s\d_+*()-]+$|^\s*\d*'[sS]?[bBoOdDhH][0-9a-fA-F_]+\s*$")


def package_values(src):
    """{package: {name: value}} of its localparams whose value is a literal."""
    out = {}
    for m in re.finditer(r"\bpackage\s+(\w+)\s*;(.*?)\bendpackage\b", src, re.S):
        body = re.sub(r"//[^\n]*|/\*.*?\*/", "", m.group(2), flags=re.S)
        out[m.group(1)] = {n: v.strip() for n, v in
                           re.findall(r"\blocalparam\b[^=;]*?\b(\w+)\s*=\s*([^;]+);", body) if LITERAL.match(v)}
    return out


def inline_package_values(toks, name):
    """In a package, other_pkg::NAME -> its literal value (yosys 0.23 does not
    resolve another package's constant at package level)."""
    m = re.search(r"\bpackage\s+(\w+)\s*;", text(toks))
    if not m:
        return toks
    out = []
    for kind, t in toks:
        if kind == "id" and "::" in t:
            p, n = t.split("::", 1)
            if p != m.group(1):
                if n in STRUCT_BODIES or n in ENUM_WIDTHS:  # a type: struct_bits rewrites its fields
                    out.append((kind, t))
                    continue
                if n not in PKG_VALUES.get(p, {}):
                    raise FlattenError(f"{name}: {t} is not a literal constant of {p}")
                out.append(("id", f"({PKG_VALUES[p][n]})"))
                continue
        out.append((kind, t))
    return out


def flatten(path, packages):
    with open(path) as f:
        src = f.read()
    struct_arrays(src, os.path.basename(path))
    src = array_field_selects(src, os.path.basename(path))
    src = inside(streaming(packed_param_arrays(src), os.path.basename(path)), os.path.basename(path))
    constants = set(re.findall(r"\b(?:parameter|localparam)\b[^=;,]*?\b(\w+)\s*(?:\[[^\]]*\]\s*)*=", src))
    constants |= set(re.findall(r"\bgenvar\s+(\w+)", src))
    for names in packages.values():
        constants |= names
    f = Flattener(os.path.basename(path), constants)
    toks = tokenize(src)
    toks = qualify_imports(toks, packages, f.name)
    toks = inline_package_values(toks, f.name)
    toks = final_returns(toks, f.name)
    toks = f.find_decls(toks)
    toks = f.rewrite(toks)
    return table_functions(struct_bits(text(toks), f.name), f.name), sorted(f.decls)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = argv[1]
    os.makedirs(out_dir, exist_ok=True)
    packages = {}
    for path in argv[2:]:
        with open(path) as f:
            src = f.read()
        packages.update(package_symbols(src))
        PKG_VALUES.update(package_values(src))
        register_types(src, os.path.basename(path))
    for path in argv[2:]:
        try:
            out, names = flatten(path, packages)
        except FlattenError as e:
            print(f"sv_flatten: {path}: {e}", file=sys.stderr)
            return 1
        with open(os.path.join(out_dir, os.path.basename(path)), "w") as f:
            f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
