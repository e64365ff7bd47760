#!/usr/bin/env python3
"""espgen: the card contract (hw/spec/esp_spec.yaml) -> SystemVerilog, C++, Python.

The spec is validated before anything is written: overlapping or misaligned
fields, structures whose fields do not tile them exactly, registers outside the
register space, bits outside their field and enum values that do not fit are
all rejected with a message naming the spec file and the offending item.

Usage: espgen.py SPEC --sv OUT.sv --cpp OUT.hpp --py OUT.py
                      --regs-sv esp_ctrl_regs.sv --regs-cpp esp_ctrl_regs.hpp
       espgen.py SPEC --check          (validate only)
"""
from __future__ import annotations

import argparse
import os
import sys

import jinja2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from espspec import Spec, SpecError, camel, parse  # noqa: E402  (re-exported: tests use espgen.parse)

__all__ = ["Spec", "SpecError", "parse", "render", "main"]

def _env() -> jinja2.Environment:
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(here), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["hex"] = lambda v, w=0: f"0x{v:0{w}X}"
    env.filters["upper"] = str.upper
    env.filters["camel"] = camel
    return env


def render(spec: Spec, template: str) -> str:
    return _env().get_template(template).render(spec=spec, int_type={8: "uint8_t", 16: "uint16_t",
                                                                     32: "uint32_t", 64: "uint64_t"})


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    old = None
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            old = fh.read()
    if old != text:  # keep timestamps still when nothing changed
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spec")
    ap.add_argument("--sv")
    ap.add_argument("--cpp")
    ap.add_argument("--py")
    ap.add_argument("--regs-sv", help="the AXI4-Lite register block (esp_ctrl_regs.sv)")
    ap.add_argument("--regs-cpp", help="its C++ model (esp_ctrl_regs.hpp)")
    ap.add_argument("--check", action="store_true", help="validate only")
    a = ap.parse_args(argv)
    try:
        with open(a.spec, encoding="utf-8") as fh:
            spec = parse(fh.read(), a.spec)
    except (OSError, SpecError) as e:
        print(f"espgen: error: {e}", file=sys.stderr)
        return 1
    if a.check:
        print(f"espgen: {a.spec} OK, SPEC_HASH 0x{spec.hash32:08X}")
        return 0
    for path, tpl in ((a.sv, "esp_spec_pkg.sv.j2"), (a.cpp, "esp_spec.hpp.j2"), (a.py, "esp_spec.py.j2"),
                      (a.regs_sv, "esp_ctrl_regs.sv.j2"), (a.regs_cpp, "esp_ctrl_regs.hpp.j2")):
        if path:
            _write(path, render(spec, tpl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
