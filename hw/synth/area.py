#!/usr/bin/env python3
"""Area estimate of hw/rtl for the Alveo U55C with Debian's yosys 0.23.

  area.py --spec-sv build/gen/sv/esp_spec_pkg.sv --work build/synth \\
          --json build/bench/area.json [--tops esp_gcm_core,esp_engine]
      flattens hw/rtl for yosys (sv_flatten.py), runs synth_xcup.ys
      (synth_xilinx -family xcup) once per top (--jobs at once, default one
      per core), writes the JSON and prints the table.
  area.py --print build/bench/area.json
      prints the table of an earlier run (make bench), or says there is none.
  area.py --spec-sv ... --work DIR --read-only [--tops esp_engine]
      only reads the flattened RTL and elaborates each top (read_verilog,
      hierarchy -check: about 20 s), as `make area` starts: make test's
      check that the hour of synthesis will not stop at a parse error.

Counts are yosys's technology mapping before place and route (no Vivado
optimisation, no LUT combining): an estimate, not a utilisation report.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sv_flatten  # noqa: E402

# Alveo U55C (XCU55C-FSVH2892-2L-E), whole device. LUT/FF/BRAM/DSP agree with
# the percentages of published Vivado utilisation reports for xcu55c.
U55C = {"lut": 1303680, "ff": 2607360, "bram36": 2016, "uram": 960, "dsp": 9024}

# LUTs per LUTRAM / SRL primitive of UltraScale+ (UG574).
LUTRAM_LUTS = {
    "RAM16X1D": 2, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4, "RAM256X1D": 8,
    "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4, "RAM512X1S": 8,
    "RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8,
    "SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1,
}
FF_CELLS = {"FDRE", "FDSE", "FDCE", "FDPE", "LDCE", "LDPE"}


def classify(cells):
    """yosys cell counts -> U55C resource counts."""
    r = {"lut_logic": 0, "lut_mem": 0, "ff": 0, "bram36": 0.0, "uram": 0, "dsp": 0, "carry8": 0, "muxf": 0, "inv": 0, "other": {}}
    for name, n in cells.items():
        if re.fullmatch(r"LUT[1-6]", name):
            r["lut_logic"] += n
        elif name in LUTRAM_LUTS:
            r["lut_mem"] += n * LUTRAM_LUTS[name]
        elif name in FF_CELLS:
            r["ff"] += n
        elif name == "RAMB36E2":
            r["bram36"] += n
        elif name == "RAMB18E2":
            r["bram36"] += 0.5 * n
        elif name == "URAM288":
            r["uram"] += n
        elif name == "DSP48E2":
            r["dsp"] += n
        elif name in ("CARRY8", "CARRY4"):  # yosys 0.23 maps xcup carries to CARRY4
            r["carry8"] += n
        elif name in ("MUXF7", "MUXF8", "MUXF9"):
            r["muxf"] += n
        elif name == "INV":
            r["inv"] += n  # mostly inverted async resets: Vivado folds them into the FFs (IS_CLR_INVERTED)
        elif name in ("BUFG", "IBUF", "OBUF", "VCC", "GND"):
            pass  # the platform's (synthesised with -noiopad -noclkbuf anyway)
        else:
            r["other"][name] = n
    r["lut"] = r["lut_logic"] + r["lut_mem"]
    return r


def parse_stat(text):
    """Cell counts of the whole design from yosys's text `stat` (the design
    hierarchy totals when there is a hierarchy; yosys 0.23's `stat -json`
    mixes the hierarchy into its JSON, so the text is read)."""
    tail = text.rsplit("=== design hierarchy ===", 1)[-1]
    m = re.search(r"Number of cells:\s+\d+\n((?:\s+\S+\s+\d+\n)+)", tail)
    if not m:
        raise SystemExit("area: cannot read yosys's stat output")
    return {name: int(n) for name, n in re.findall(r"^\s+(\S+)\s+(\d+)$", m.group(1), re.M)}


def run_yosys(top, sources, work, stem, upto=None):
    """synth_xcup.ys for `top` (only its commands up to the one starting
    with `upto`, when given) as WORK/<stem>.ys, run by yosys (niced, log
    WORK/<stem>.log). Returns (returncode, stderr, log, stat file)."""
    with open(os.path.join(HERE, "synth_xcup.ys")) as f:
        template = f.read()
    if upto is not None:
        lines = template.splitlines(keepends=True)
        last = next(i for i, l in enumerate(lines) if l.startswith(upto))
        template = "".join(lines[:last + 1])
    stat_txt = os.path.join(work, f"{top}.stat.txt")
    script = os.path.join(work, f"{stem}.ys")
    log = os.path.join(work, f"{stem}.log")
    with open(script, "w") as f:
        f.write(template.format(sources=" ".join(sources), top=top, stat=stat_txt))
    p = subprocess.run(["nice", "yosys", "-q", "-l", log, "-s", script], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stderr, log, stat_txt


def synthesize(top, sources, work):
    t0 = time.monotonic()
    rc, err, log, stat_txt = run_yosys(top, sources, work, top)
    seconds = time.monotonic() - t0
    if rc != 0:
        sys.stderr.write(err[-4000:])
        raise SystemExit(f"area: yosys failed on {top} (log {log})")
    with open(stat_txt) as f:
        cells = parse_stat(f.read())
    peak = None
    with open(log) as f:
        for line in f:
            m = re.search(r"MEM: ([\d.]+) MB peak", line)
            if m:
                peak = float(m.group(1))
    return {"top": top, "seconds": round(seconds, 1), "peak_mb": peak, "cells": cells, "resources": classify(cells)}


def read_only(top, sources, work):
    """synth_xcup.ys up to its `hierarchy -check` (read and elaborate):
    whether yosys can read the RTL, in seconds rather than the hour."""
    rc, err, log, _ = run_yosys(top, sources, work, f"{top}.read", upto="hierarchy")
    if rc != 0:
        sys.stderr.write(err[-4000:])
        print(f"area: yosys cannot read {top}'s RTL (log {log})", file=sys.stderr)
        return False
    print(f"area: yosys reads and elaborates {top}", file=sys.stderr)
    return True


def yosys_version():
    p = subprocess.run(["yosys", "-V"], stdout=subprocess.PIPE, text=True, check=True)
    return p.stdout.strip()


def print_table(data, path):
    print(f"\nArea estimate: yosys synth_xilinx -family xcup, hw/rtl vs the Alveo U55C (XCU55C); {data['yosys']}")
    print("(technology mapping only, before Vivado opt/place/route; LUT = logic + LUTRAM/SRL; BRAM in 36 Kb blocks;"
          " INV not in LUT: Vivado folds them into FF/LUT inversions;")
    print(f" synth s = wall seconds of one niced yosys run on {data.get('machine', '?')}; from {path}, made by `make area`)")
    hdr = f"{'top':<22} {'synth s':>8} | {'LUT':>9} {'%':>6} | {'FF':>9} {'%':>6} | {'BRAM36':>7} {'%':>6} |" \
          f" {'URAM':>5} {'%':>6} | {'DSP':>5} {'%':>6} | {'CARRY':>6} {'MUXF':>6} {'INV':>6}"
    print(hdr)
    print("-" * len(hdr))
    for row in data["tops"]:
        r = row["resources"]
        pct = {k: 100.0 * r[k] / U55C[k] for k in U55C}
        print(f"{row.get('label', row['top']):<22} {row['seconds']:>8.0f} | {r['lut']:>9} {pct['lut']:>5.2f}% | {r['ff']:>9}"
              f" {pct['ff']:>5.2f}% | {r['bram36']:>7g} {pct['bram36']:>5.2f}% | {r['uram']:>5} {pct['uram']:>5.2f}% |"
              f" {r['dsp']:>5} {pct['dsp']:>5.2f}% | {r['carry8']:>6} {r['muxf']:>6} {r.get('inv', 0):>6}")
    u = data["device"]
    print(f"{'U55C (100%)':<22} {'':>8} | {u['lut']:>9} {'':>6} | {u['ff']:>9} {'':>6} | {u['bram36']:>7} {'':>6} |"
          f" {u['uram']:>5} {'':>6} | {u['dsp']:>5} {'':>6} |")
    for row in data["tops"]:
        if row["resources"]["other"]:
            print(f"  {row['top']}: other cells {row['resources']['other']}")
    for note in data.get("notes", []):
        print(f"  note: {note}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--print", dest="print_only", metavar="JSON")
    ap.add_argument("--spec-sv", nargs="+",
                    help="the generated SystemVerilog of hw/spec, esp_spec_pkg.sv first (one file: with the .sv beside it)")
    ap.add_argument("--rtl", default=os.path.join(HERE, "..", "rtl"))
    ap.add_argument("--work")
    ap.add_argument("--json")
    ap.add_argument("--tops", default="esp_gcm_core,esp_engine")
    ap.add_argument("--extra", help="another directory of .sv files (e.g. hw/rtl/wip): added, same names replace hw/rtl's")
    ap.add_argument("--skip", default="", help="comma-separated file names to leave out")
    ap.add_argument("--only", default="",
                    help="comma-separated hw/rtl file names: read only these (and the spec's SV), e.g. the files of one"
                         " unit synthesised alone (yosys reads every source otherwise)")
    ap.add_argument("--append", action="store_true", help="add the rows to an existing --json (same label: replaced)")
    ap.add_argument("--read-only", action="store_true",
                    help="read and elaborate each top only (no synthesis, no JSON)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="tops synthesised at once (one yosys each; default: one per core)")
    a = ap.parse_args()

    if a.print_only:
        if not os.path.exists(a.print_only):
            print(f"\nArea estimate: none yet ({a.print_only} is made by `make area`, which runs yosys for minutes)")
            return 0
        with open(a.print_only) as f:
            print_table(json.load(f), a.print_only)
        return 0

    if not (a.spec_sv and a.work and (a.json or a.read_only)):
        ap.error("--spec-sv, --work and --json (or --read-only) are needed (or --print JSON)")
    if len(a.spec_sv) == 1:  # the package alone: hw/spec's other generated SV (esp_ctrl_regs.sv) is beside it
        d = os.path.dirname(a.spec_sv[0])
        a.spec_sv += sorted(p for p in glob.glob(os.path.join(d, "*.sv")) if os.path.abspath(p) != os.path.abspath(a.spec_sv[0]))
    # hw/rtl/RtlSources.cmake's order: packages, hw/rtl/prim, the other modules
    by_name = {os.path.basename(p): p for p in
               glob.glob(os.path.join(a.rtl, "*.sv")) + glob.glob(os.path.join(a.rtl, "prim", "*.sv"))}
    if a.extra:
        by_name.update({os.path.basename(p): p for p in glob.glob(os.path.join(a.extra, "*.sv"))})
    for n in filter(None, a.skip.split(",")):
        by_name.pop(n, None)
    only = set(filter(None, a.only.split(",")))
    if only:
        missing = only - set(by_name)
        if missing:
            ap.error(f"--only: no such file in hw/rtl: {', '.join(sorted(missing))}")
        by_name = {n: p for n, p in by_name.items() if n in only}
    rtl = sorted(by_name.values(), key=os.path.basename)
    pkgs = [p for p in rtl if p.endswith("_pkg.sv")]
    prims = [p for p in rtl if os.path.basename(os.path.dirname(p)) == "prim"]
    files = a.spec_sv + pkgs + prims + [p for p in rtl if p not in pkgs and p not in prims]
    flat = os.path.join(a.work, "flat")
    os.makedirs(a.work, exist_ok=True)
    if sv_flatten.main(["sv_flatten", flat] + files) != 0:
        return 1
    sources = [os.path.join(flat, os.path.basename(p)) for p in files]
    if a.read_only:
        return 0 if all([read_only(t, sources, a.work) for t in a.tops.split(",")]) else 1
    data = {"table": "area", "yosys": yosys_version(), "device": U55C, "device_name": "Alveo U55C (XCU55C)",
            "script": "hw/synth/synth_xcup.ys", "tops": [], "notes": [],
            "sources": [os.path.relpath(p, os.path.join(HERE, "..", "..")) for p in files],
            "machine": f"{os.cpu_count()} cores"}
    tops = a.tops.split(",")
    for top in tops:
        print(f"area: synthesising {top} (yosys, niced) ...", file=sys.stderr, flush=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        rows = list(pool.map(lambda t: synthesize(t, sources, a.work), tops))
    for top, row in zip(tops, rows):
        row["label"] = top + (" (" + os.path.basename(os.path.normpath(a.extra)) + ")" if a.extra else "")
        print(f"area: {top}: {row['seconds']:.0f} s, {row['resources']['lut']} LUT, {row['resources']['ff']} FF",
              file=sys.stderr, flush=True)
        data["tops"].append(row)
    if a.append and os.path.exists(a.json):
        with open(a.json) as f:
            old = json.load(f)
        labels = {r["label"] for r in data["tops"]}
        data["tops"] = [r for r in old.get("tops", []) if r.get("label", r["top"]) not in labels] + data["tops"]
        data["notes"] = old.get("notes", []) + data["notes"]
    if a.extra:
        data["notes"].append(f"rows marked ({os.path.basename(os.path.normpath(a.extra))}): units from {a.extra}, "
                             "not yet in esp_engine")
    data["notes"] = list(dict.fromkeys(data["notes"]))
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    print_table(data, a.json)
    print(f"\nwritten {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
