#!/usr/bin/env python3
"""run_formal: a bounded model check of one hw/rtl module with its property
wrapper (hw/formal/*_fv.sv), with Debian's yosys 0.23, yosys-smtbmc and z3.

  run_formal.py --work DIR --top esp_fifo_sync_fv --depth 24 \\
                --spec-sv build/gen/sv/esp_spec_pkg.sv \\
                hw/rtl/prim/esp_fifo_sync.sv hw/formal/esp_fifo_sync_fv.sv
      flattens the RTL for yosys (hw/synth/sv_flatten.py, as `make area`
      does), reads it with the wrapper in formal mode (assert/assume/cover
      of the wrapper's `ifdef FORMAL blocks), and checks every assertion in
      every cycle up to --depth from reset with yosys-smtbmc (solver z3).
      Exit 0 when no assertion can fail within the bound; 1 with the failing
      assertion and a VCD counterexample (DIR/trace.vcd) otherwise.
  --mutate FILE:OLD:NEW   replace OLD by NEW in FILE's text first (exactly one
      occurrence, else an error): a deliberately broken design.
  --expect-fail           exit 0 only if the check FAILS (with --mutate: the
      properties are able to catch that bug), 1 if it passes.

Reset: the wrapper holds rst_ni low in cycle 0 (an `initial assume`), so
every trace starts from the design's reset state.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "synth"))
import sv_flatten  # noqa: E402


def die(msg):
    print(f"run_formal: {msg}", file=sys.stderr)
    sys.exit(2)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--top", required=True)
    ap.add_argument("--depth", type=int, required=True)
    ap.add_argument("--spec-sv", required=True)
    ap.add_argument("--mutate", action="append", default=[])
    ap.add_argument("--expect-fail", action="store_true")
    ap.add_argument("--solver", default="z3")
    ap.add_argument("sources", nargs="+")
    a = ap.parse_args(argv)

    for tool in ("yosys", "yosys-smtbmc", a.solver):
        if not shutil.which(tool):
            die(f"{tool} not found (scripts/deps.sh installs it)")
    if os.path.isdir(a.work):
        shutil.rmtree(a.work)
    src_dir = os.path.join(a.work, "src")
    os.makedirs(src_dir)

    # Mutations act on copies; the flattener reads the copies.
    inputs = [a.spec_sv] + a.sources
    copies = []
    for path in inputs:
        dst = os.path.join(a.work, "orig", os.path.basename(path))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(path, dst)
        copies.append(dst)
    for m in a.mutate:
        try:
            fname, old, new = m.split(":", 2)
        except ValueError:
            die(f"--mutate {m!r}: want FILE:OLD:NEW")
        target = [c for c in copies if os.path.basename(c) == fname]
        if not target:
            die(f"--mutate: no source named {fname}")
        text = open(target[0]).read()
        if text.count(old) != 1:
            die(f"--mutate: {old!r} occurs {text.count(old)} times in {fname}, not once")
        open(target[0], "w").write(text.replace(old, new))

    if sv_flatten.main(["sv_flatten", src_dir] + copies) != 0:
        die("sv_flatten failed")
    flat = [os.path.join(src_dir, os.path.basename(c)) for c in copies]

    smt2 = os.path.join(a.work, "model.smt2")
    ys = os.path.join(a.work, "model.ys")
    with open(ys, "w") as f:
        f.write(f"read_verilog -sv -formal -DFORMAL {' '.join(flat)}\n")
        f.write(f"prep -flatten -top {a.top}\n")
        # Asynchronous resets as synchronous ones, memories as registers:
        # what write_smt2 models.
        f.write("async2sync\nmemory_map\nopt_clean\ndffunmap\n")
        f.write(f"write_smt2 -wires {smt2}\n")
    r = subprocess.run(["yosys", "-q", "-l", os.path.join(a.work, "yosys.log"), ys],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        die(f"yosys failed (log: {a.work}/yosys.log)")

    vcd = os.path.join(a.work, "trace.vcd")
    # --unroll: one set of constants per step instead of an uninterpreted
    # state sort, whose define-funs Debian's z3 4.8.12 expands at a cost that
    # grows exponentially with the model (it does not finish parsing the
    # transition relation of a 4-word FIFO). --logic QF_BV: with memories
    # mapped to registers the unrolled model is pure bit-vectors, and z3
    # then bit-blasts instead of running its array/UF core.
    cmd = ["yosys-smtbmc", "--unroll", "--logic", "QF_BV", "-s", a.solver, "-t", str(a.depth),
           "--dump-vcd", vcd, smt2]
    r = subprocess.run(cmd, capture_output=True, text=True)
    out = r.stdout + r.stderr
    with open(os.path.join(a.work, "smtbmc.log"), "w") as f:
        f.write(out)
    passed = r.returncode == 0 and "Status: PASSED" in out
    failed = "Status: FAILED" in out or re.search(r"Assert failed", out) is not None
    if not passed and not failed:
        sys.stderr.write(out)
        die("yosys-smtbmc gave neither PASSED nor FAILED")

    what = f"{a.top}: {'mutant ' if a.mutate else ''}depth {a.depth}"
    if a.expect_fail:
        if failed:
            lines = [l for l in out.splitlines() if "Assert failed" in l]
            print(f"{what}: FAILED as expected: {lines[0].strip() if lines else ''}")
            return 0
        print(f"{what}: PASSED, but the check was expected to fail (the properties miss this bug)")
        return 1
    if passed:
        print(f"{what}: every assertion holds in every cycle up to the bound")
        return 0
    sys.stdout.write("\n".join(l for l in out.splitlines() if "Assert failed" in l or "BMC" in l) + "\n")
    print(f"{what}: FAILED; counterexample {vcd}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
