"""Derived constants: a small arithmetic language over the constants before them.

    MAX_ENCAP_OVERHEAD: {expr: "IPV6_HDR_BYTES + UDP_HDR_BYTES + ...", doc: ...}
    PKT_LEN_BITS:       {expr: "bits(MAX_PKT_BYTES)", doc: ...}

Integers, names of earlier constants, + - * // % << >> & | ~ unary -,
parentheses and the functions bits(x) (bits that hold 0..x), clog2(x)
(ceil(log2(x))), max(a, b, ...), min(a, b, ...). Nothing else is evaluated.
"""
from __future__ import annotations

import ast
import operator

from .model import SpecError

_BINOPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.LShift: operator.lshift,
    ast.RShift: operator.rshift, ast.BitAnd: operator.and_, ast.BitOr: operator.or_,
}
_UNOPS = {ast.USub: operator.neg, ast.Invert: operator.invert, ast.UAdd: operator.pos}


def _clog2(x: int) -> int:
    return (x - 1).bit_length() if x > 1 else 0


_FUNCS = {"bits": lambda x: max(1, x.bit_length()), "clog2": _clog2, "max": max, "min": min}


def evaluate(text: str, names: dict[str, int], where: str) -> int:
    """The value of `text`; `where` names the spec item in any error."""
    if not isinstance(text, str):
        raise SpecError(f"{where}: expr must be a string, got {text!r}")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        raise SpecError(f"{where}: expr {text!r} is not an expression: {e.msg}") from e

    def ev(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in names:
                raise SpecError(f"{where}: expr {text!r} uses '{node.id}', which is not a constant defined before it")
            return names[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, (ast.FloorDiv, ast.Mod)) and b == 0:
                raise SpecError(f"{where}: expr {text!r} divides by zero")
            return _BINOPS[type(node.op)](a, b)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNOPS:
            return _UNOPS[type(node.op)](ev(node.operand))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS
                and node.args and not node.keywords):
            args = [ev(a) for a in node.args]
            if node.func.id in ("bits", "clog2") and (len(args) != 1 or args[0] < 0):
                raise SpecError(f"{where}: {node.func.id}() takes one non-negative argument")
            return _FUNCS[node.func.id](*args)
        raise SpecError(f"{where}: expr {text!r}: '{ast.unparse(node)}' is not allowed")

    return ev(tree)
