#!/usr/bin/python3
"""The gateway table of `make bench`: a pair of esp-iked gateways on the
swemu card next to a pair of strongSwan 5.9.8 kernel-libipsec gateways (the
reference), on this machine, in the same run, with the same topology and the
same traffic generator (iperf3):

    alice 10.1.0.10 --lan-- moon ==wan (ESP)== sun --lan-- bob 10.2.0.10

(tests/interop/gwlab.py's gateway_lab; WAN MTU 9000 and tunnel MTU 1500 for
both pairs, so that 1500-byte packets cross unfragmented). Rows:

- TCP throughput (iperf3, one stream, alice -> bob), Gb/s of goodput;
- UDP with 64, 576 and 1500-byte IP packets alice -> bob: first at
  saturation (iperf3 -b 0: what bob receives is what the pair carries), then
  offered at that rate and lower (x0.8 steps) until the loss is <= 1 %:
  the highest such rate is the row's (Mpps, Gb/s of IP packets, loss);
- per gateway (moon encrypts, sun decrypts in the UDP rows): host CPU per
  packet = the process's CPU time (utime + stime of /proc/<pid>/stat, all its
  threads) / the packets its CHILD_SAs counted (in + out); for esp-iked also
  the host part alone = (CPU time - the card's run-ns) / packets, since with
  swemu the HLS kernel runs on a thread of esp-iked itself ("cards" of
  `espctl stats --json`);
- the card's own time per packet from cosim: cycles per packet of
  esp-card-bench (build/bench/card.json, made earlier in the same `make
  bench`), 1 SA, at its clock (300 MHz).

Ratios are against the strongSwan pair. Targets are printed, not asserted.
Needs root (namespaces, TUN devices): without it, says so and exits 0.

  gw_bench.py --build build [--json build/bench/gateway.json]
              [--card-json build/bench/card.json] [--seconds 3] [--quick]
              [--only iked|swan]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests" / "interop"))
import gwlab  # noqa: E402
import netlab  # noqa: E402

SIZES = (64, 576, 1500)          # IP packet bytes (UDP payload = size - 28)
TUNNEL_MTU = 1500               # esp-iked's TUN (--tun-mtu): 1500-byte packets cross whole
LIBIPSEC_MTU = 1400             # strongSwan 5.9.8's libipsec: fixed (no setting; its TUN
                                # reader's buffer is that size), so it fragments them
WAN_MTU = 9000
LOSS_OK = 0.01                   # the highest rate with at most 1 % loss
HOST_TARGET_NS = 1000.0          # issue 13: host part <= 1 us per packet per core
IPERF_PORT = 5201
CLK_TCK = os.sysconf("SC_CLK_TCK")
RUN_KEY_USED = set()             # which of the cards' counters gave the card's time


# ---------------------------------------------------------------- gateways
def cpu_split(pid):
    """(utime, stime) of the process (all its threads, also ended ones), ns:
    its own code, and the kernel's work for it (TUN reads and writes, the
    socket sends and receives, thread switches)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    f = text[text.rindex(")") + 2:].split()
    return int(f[11]) * 1e9 / CLK_TCK, int(f[12]) * 1e9 / CLK_TCK


def cpu_ns(pid):
    """utime + stime of the process, ns."""
    return sum(cpu_split(pid))


def start_iked_gateway(lab, site, name, build, conn, backend="swemu", log_level="warning",
                       keys=None, extra_args=()):
    """esp-iked as the gateway of `site` (gwlab.Iked, started here so that the
    backend, the log level and the key directory can be chosen)."""
    iked = gwlab.Iked(lab, site.gw, name, build)
    if keys is not None:
        iked.keys = Path(keys)
        iked.keys.mkdir(parents=True, exist_ok=True)
    iked.conf.write_text(netlab.swanctl_conf({"gw": conn}, gwlab.GW_SECRETS))
    cmd = [str(iked.build / "bin/esp-iked"), "--conf", str(iked.conf), "--backend", backend,
           "--control", str(iked.ctl), "--wireshark-keys", str(iked.keys),
           "--log-level", log_level, "--sa-capacity", "1024", *extra_args]
    iked.proc = site.gw.popen(cmd, iked.dir / "esp-iked.log")
    # "esp-iked listening" is an info line: below info, wait for espctl to answer

    def ready():
        if not iked.proc.running():
            raise netlab.LabError(f"esp-iked {name} exited ({iked.proc.popen.returncode}):\n"
                                  + iked.proc.log_text()[-3000:])
        return iked.ctl.exists() and iked.espctl("stats", check=False).returncode == 0
    netlab.wait_until(ready, 60, f"esp-iked {name}'s control socket")
    return iked


def iked_has_gateway(build):
    """Whether this esp-iked is a gateway (has --tun-mtu) at all."""
    p = subprocess.run([str(Path(build) / "bin/esp-iked"), "--help"], capture_output=True,
                       text=True, timeout=30)
    return "--tun-mtu" in p.stdout


class IkedGw:
    kind = "esp-iked"

    def __init__(self, iked):
        self.iked = iked
        self.pid = iked.proc.pid

    def packets(self):
        return sum(int(c.get("packets-in", 0)) + int(c.get("packets-out", 0))
                   for c in self.iked.children("net"))

    def run_ns(self):
        """The card's time in its runs: "run-cpu-ns" (the CPU time of the
        runs, if esp-iked reports it) else "run-ns" (their wall time)."""
        cards = self.iked.stats().get("cards", [])
        for key in ("run-cpu-ns", "run-ns"):
            if cards and all(key in c for c in cards):
                RUN_KEY_USED.add(key)
                return sum(int(c[key]) for c in cards)
        return None


class SwanGw:
    kind = "strongSwan"

    def __init__(self, charon):
        self.charon = charon
        self.pid = charon.proc.pid

    def packets(self):
        t = netlab.merge_children(self.charon.children("gw", "net"))
        return t["packets-in"] + t["packets-out"]

    def run_ns(self):
        return None


def snapshot(gws):
    return {n: (cpu_split(g.pid), g.packets(), g.run_ns()) for n, g in gws.items()}


def per_packet(gws, before, after):
    """{gateway: {packets, cpu_ns_per_packet, card_run_ns_per_packet, host_ns_per_packet}}"""
    out = {}
    for n in gws:
        ((u0, k0), p0, r0), ((u1, k1), p1, r1) = before[n], after[n]
        c0, c1 = u0 + k0, u1 + k1
        pk = p1 - p0
        d = {"packets": pk, "cpu_ns_per_packet": (c1 - c0) / pk if pk else None,
             "card_run_ns_per_packet": None, "host_ns_per_packet": None,
             "host_user_ns_per_packet": None, "kernel_ns_per_packet": (k1 - k0) / pk if pk else None}
        if gws[n].kind == "strongSwan":
            d["host_ns_per_packet"] = d["cpu_ns_per_packet"]
            d["host_user_ns_per_packet"] = (u1 - u0) / pk if pk else None
        elif r0 is not None and r1 is not None and pk:
            d["card_run_ns_per_packet"] = (r1 - r0) / pk
            d["host_ns_per_packet"] = (c1 - c0 - (r1 - r0)) / pk
            # The card's thread runs the HLS kernel in user mode.
            d["host_user_ns_per_packet"] = (u1 - u0 - (r1 - r0)) / pk
        out[n] = d
    return out


# ---------------------------------------------------------------- traffic
def iperf(topo, args, timeout):
    """One iperf3 client run alice -> bob; its JSON."""
    cmd = ["iperf3", "-c", topo.right.host4, "-p", str(IPERF_PORT), "-J", *args]
    p = topo.left.host.cmd(cmd, check=False, timeout=timeout)
    try:
        d = json.loads(p.stdout)
    except json.JSONDecodeError:
        raise netlab.LabError(f"iperf3 {' '.join(args)}: no JSON: {p.stdout[-1500:]}{p.stderr[-1500:]}")
    if "error" in d:
        raise netlab.LabError(f"iperf3 {' '.join(args)}: {d['error']}")
    return d


def run_tcp(topo, gws, seconds):
    before = snapshot(gws)
    d = iperf(topo, ["-t", str(seconds), "-O", "0"], seconds + 30)
    after = snapshot(gws)
    r = d["end"]["sum_received"]
    return {"test": "tcp", "size": None, "gbps": r["bits_per_second"] / 1e9,
            "mpps": None, "loss": None, "seconds": r["seconds"],
            "gateways": per_packet(gws, before, after)}


def udp_once(topo, gws, size, seconds, pps=None):
    payload = size - 28
    rate = "0" if pps is None else str(int(pps * payload * 8))
    before = snapshot(gws)
    d = iperf(topo, ["-u", "-l", str(payload), "-b", rate, "-t", str(seconds)], seconds + 30)
    after = snapshot(gws)
    sent, recv = d["end"]["sum_sent"], d["end"]["sum_received"]
    got = recv["packets"] - recv["lost_packets"]
    secs = recv["seconds"] or seconds
    return {"offered_pps": sent["packets"] / (sent["seconds"] or seconds),
            "pps": got / secs, "gbps": got * size * 8 / secs / 1e9,
            "loss": (sent["packets"] - got) / sent["packets"] if sent["packets"] else 1.0,
            "sent": sent["packets"], "received": got,
            "gateways": per_packet(gws, before, after)}


def run_udp(topo, gws, size, seconds, steps):
    """Saturation, then offered rates from there down by x0.8 until the loss
    is <= 1 %. CPU per packet is the saturation run's (the gateways busiest)."""
    sat = udp_once(topo, gws, size, seconds)
    tried, pick = [], sat
    if sat["loss"] > LOSS_OK:           # else the generator, not the pair, was the limit
        pps = sat["pps"]
        for _ in range(steps):
            pick = udp_once(topo, gws, size, seconds, pps)
            tried.append({k: pick[k] for k in ("offered_pps", "pps", "loss")})
            if pick["loss"] <= LOSS_OK:
                break
            pps *= 0.8
    row = {"test": "udp", "size": size, "saturation_pps": sat["pps"],
           "saturation_offered_pps": sat["offered_pps"], "saturation_loss": sat["loss"],
           "steps": tried, "gateways": sat["gateways"], "gateways_at_rate": pick["gateways"],
           # ESP packets moon's CHILD_SA counted per datagram alice sent at the
           # row's rate: 2 where the tunnel MTU makes the gateway fragment
           "esp_per_datagram": (pick["gateways"]["moon"]["packets"] / pick["sent"]
                                if pick["sent"] else None),
           "mpps": pick["pps"] / 1e6, "gbps": pick["pps"] * size * 8 / 1e9,
           "loss": pick["loss"], "offered_mpps": pick["offered_pps"] / 1e6}
    if pick["loss"] > LOSS_OK:          # no step got there: the last one, marked
        row["note"] = f"loss above {LOSS_OK:.0%} at every rate tried"
    return row


# ---------------------------------------------------------------- pairs
def setup_pair(lab, kind, build):
    topo = gwlab.gateway_lab(lab, wan_mtu=WAN_MTU)
    # netlab's veth() sets the MTU on the first end only (`ip link add A mtu N
    # type veth peer name B` leaves B at 1500): set both ends of the WAN.
    for site in topo.sites():
        site.gw.cmd(["ip", "link", "set", site.wan_if, "mtu", str(WAN_MTU)])
    gws = {}
    for side, name in ((topo.left, "moon"), (topo.right, "sun")):
        conn = gwlab.gw_connection(topo, side)
        if kind == "iked":
            g = start_iked_gateway(lab, side, name, build, conn,
                                   extra_args=["--tun-mtu", str(TUNNEL_MTU)])
            gws[name] = IkedGw(g)
        else:
            ch = gwlab.start_charon(lab, side, name, conn, loglevel=0)
            gws[name] = SwanGw(ch)
    moon, sun = gws["moon"], gws["sun"]
    if kind == "iked":
        moon.iked.espctl("initiate", "--child", "net")
        moon.iked.wait_child()
        sun.iked.wait_child()
        encap = "yes (UDP 4500)" if moon.iked.child()[1].get("encap") else "no (raw ESP, protocol 50)"
    else:
        moon.charon.initiate("net")
        sun.charon.wait_established("gw", "net")
        encap = ("yes (UDP 4500)" if gwlab.installed(moon.charon)[0].get("encap") == "yes"
                 else "no (raw ESP, protocol 50)")
    topo.left.host.ping(topo.right.host4, count=3)
    config = pair_config(kind, gws["moon"])
    topo.right.host.popen(["iperf3", "-s", "-p", str(IPERF_PORT)], lab.workdir / "iperf3-server.log")
    netlab.wait_until(lambda: topo.right.host.cmd(["ss", "-ltn"], check=False).stdout.count(
        f":{IPERF_PORT} ") > 0, 10, "iperf3 server")
    tun = "esp0" if kind == "iked" else "ipsec0"
    return topo, gws, {"encap": encap, "tunnel_mtu": gwlab.tun_mtu(topo.left.gw, tun)}, config


def redact(text):
    return re.sub(r"^(\s*secret\s*=).*$", r"\1 <the PSK>", text, flags=re.M)


def pair_config(kind, moon):
    """moon's configuration as run (sun's is the mirror image), PSK redacted."""
    if kind == "iked":
        return {"esp-iked": " ".join(Path(moon.iked.proc.cmd[0]).name if i == 0 else a
                                     for i, a in enumerate(moon.iked.proc.cmd)),
                "swanctl.conf": redact(moon.iked.conf.read_text())}
    ch = moon.charon
    return {"strongswan.conf": ch.conf.read_text(),
            "swanctl.conf": redact((ch.swanctl_dir / "swanctl.conf").read_text())}


def bench_pair(kind, build, seconds, steps, workdir):
    lab = netlab.Lab(workdir)
    try:
        topo, gws, encap, config = setup_pair(lab, kind, build)
        rows = [run_tcp(topo, gws, seconds)]
        for size in SIZES:
            rows.append(run_udp(topo, gws, size, seconds, steps))
        return {**encap, "rows": rows, "moon_config": config}
    except Exception:
        for name, log in lab.logs.items():
            try:
                tail = log.read_text(errors="replace").splitlines()[-30:]
            except FileNotFoundError:
                continue
            print(f"--- {name} ---\n" + "\n".join(tail), file=sys.stderr)
        raise
    finally:
        lab.teardown()


# ---------------------------------------------------------------- card time
def card_times(path):
    """{size: {"encrypt": ns, "decrypt": ns, "cycles": {...}}} from
    esp-card-bench's JSON (1 SA rows), or (None, why)."""
    try:
        d = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return None, f"no {path} (esp-card-bench runs earlier in make bench)"
    except json.JSONDecodeError as e:
        return None, f"{path}: not JSON ({e})"
    if not d.get("rows"):
        return None, f"{path}: {d.get('status', 'no rows')}"
    mhz = float(d.get("clock_mhz", 300.0))
    out = {}
    for r in d["rows"]:
        if r.get("sas") == 1 and r.get("packet_bytes") in SIZES and r.get("op") in ("encrypt", "decrypt"):
            e = out.setdefault(r["packet_bytes"], {"clock_mhz": mhz})
            e[r["op"]] = r["cycles_per_packet"] * 1e3 / mhz
            e[r["op"] + "_cycles"] = r["cycles_per_packet"]
    return out, f"{d.get('status', '')}, {d.get('device', '')}, {mhz:g} MHz"


# ---------------------------------------------------------------- table
def fmt(v, spec, none="-"):
    return none if v is None else format(v, spec)


def fmt_host(v):
    """A host part; below 0 when the card's wall time (run-ns) exceeded the
    CPU the process got, which a loaded machine does: shown as "<0"."""
    return "-" if v is None else "<0" if v < 0 else format(v, ".0f")


def ratio(a, b):
    return a / b if a is not None and b else None


def notes(row):
    n = [row["note"]] if row.get("note") else []
    e = row.get("esp_per_datagram")
    if e is not None and e > 1.5:
        n.append(f"{e:.1f} ESP packets per datagram: fragmented to the tunnel MTU")
    return f"   ({'; '.join(n)})" if n else ""


def loadavg():
    return Path("/proc/loadavg").read_text().split()[0]


def print_table(res, card, card_note, seconds, load):
    print(f"\nGateway pairs on this machine ({os.cpu_count()} cores, shared by every process; "
          f"load average {load['before']} before, {load['after']} after):")
    print("alice -> moon ==ESP== sun -> bob, PSK, aes256gcm16-prfsha384-ecp384 / aes256gcm16, "
          f"iperf3 {seconds} s per run")
    for k, r in res.items():
        if "error" in r:
            print(f"  {k}: NOT MEASURED: {r['error']}")
        else:
            print(f"  {k}: encap {r['encap']}, tunnel MTU {r['tunnel_mtu']}")
    print(f"\n{'test':<10} {'pair':<22} {'Gb/s':>7} {'Mpps':>8} {'loss':>6} {'ratio':>6} | "
          f"{'CPU ns/pkt moon':>15} {'sun':>7} | {'host part moon':>14} {'sun':>7} | {'card run moon':>13} {'sun':>7}")
    print("-" * 140)
    swan = res.get("strongSwan pair", {}).get("rows")
    for i, label in enumerate(["TCP"] + [f"UDP {s} B" for s in SIZES]):
        for k, r in res.items():
            if "rows" not in r:
                continue
            row = r["rows"][i]
            ref = swan[i] if swan else None
            metric = "gbps" if row["test"] == "tcp" else "mpps"
            rt = ratio(row[metric], ref[metric]) if ref and r["rows"] is not swan else None
            g = row["gateways"]
            loss = "-" if row["loss"] is None else f"{100 * row['loss']:.1f}%"
            print(f"{label:<10} {k:<22} {row['gbps']:>7.3f} {fmt(row['mpps'], '.4f'):>8} {loss:>6} "
                  f"{fmt(rt, '.2f'):>6} | {fmt(g['moon']['cpu_ns_per_packet'], '.0f'):>15} "
                  f"{fmt(g['sun']['cpu_ns_per_packet'], '.0f'):>7} | "
                  f"{fmt_host(g['moon']['host_ns_per_packet']):>14} {fmt_host(g['sun']['host_ns_per_packet']):>7} | "
                  f"{fmt(g['moon']['card_run_ns_per_packet'], '.0f'):>13} {fmt(g['sun']['card_run_ns_per_packet'], '.0f'):>7}"
                  + notes(row))
    print(f"(strongSwan 5.9.8's libipsec has a fixed tunnel MTU of {LIBIPSEC_MTU}: it carries 1500-byte"
          " packets as two fragments, each its own ESP packet;"
          f"\n esp-iked runs with --tun-mtu {TUNNEL_MTU})")
    print("(UDP: the highest offered rate with <= 1 % loss, found from the saturation rate down in x0.8 steps;"
          "\n CPU per packet from the saturation run: process CPU / packets counted by the CHILD_SAs;"
          f"\n host part = CPU - the card's {' or '.join(sorted(RUN_KEY_USED)) or 'run-ns'} (esp-iked; swemu runs the HLS kernel"
          " on its own thread;\n  run-ns is wall time: on a loaded machine it counts descheduled time and the"
          " host part comes out too small, \"<0\");"
          "\n ratio = esp-iked pair / strongSwan pair; moon encrypts, sun decrypts in the UDP rows)")
    print(f"\ntarget: host part <= {HOST_TARGET_NS:.0f} ns per packet per core (>= 1 Mpps host-side); "
          "not asserted")
    iked = res.get("esp-iked pair", {}).get("rows")
    if iked:
        for row in iked[1:]:
            hs = [row["gateways"][n]["host_ns_per_packet"] for n in ("moon", "sun")]
            txt = " / ".join("n/a" if h is None else fmt_host(h) for h in hs)
            if any(h is None or h < 0 for h in hs):
                verdict = "not measurable here"
            else:
                verdict = "meets the target" if max(hs) <= HOST_TARGET_NS else "misses the target"
            split = " / ".join(
                f"user {fmt_host(row['gateways'][n]['host_user_ns_per_packet'])} + kernel "
                f"{fmt(row['gateways'][n]['kernel_ns_per_packet'], '.0f')}" for n in ("moon", "sun"))
            print(f"  UDP {row['size']:>4} B: esp-iked host part moon/sun {txt} ns ({verdict}); {split} ns")
    print(f"\ncard time per packet from cosim (esp-card-bench, 1 SA; {card_note}):")
    if card:
        for s in SIZES:
            c = card.get(s, {})
            print(f"  {s:>4} B: encrypt {fmt(c.get('encrypt'), '.1f', 'n/a')} ns "
                  f"({fmt(c.get('encrypt_cycles'), '.1f', 'n/a')} cycles), decrypt "
                  f"{fmt(c.get('decrypt'), '.1f', 'n/a')} ns ({fmt(c.get('decrypt_cycles'), '.1f', 'n/a')} cycles)")
    else:
        print("  not available")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--json", help="write the table here (e.g. build/bench/gateway.json)")
    ap.add_argument("--card-json", help="esp-card-bench's JSON (default BUILD/bench/card.json)")
    ap.add_argument("--seconds", type=int, default=3, help="seconds per iperf3 run")
    ap.add_argument("--steps", type=int, default=3, help="offered-rate steps after saturation")
    ap.add_argument("--quick", action="store_true", help="1 s runs, 1 step (a smoke run)")
    ap.add_argument("--only", choices=("iked", "swan"), help="one pair only")
    a = ap.parse_args()
    if a.quick:
        a.seconds, a.steps = 1, 1
    build = Path(a.build).resolve()
    card_json = Path(a.card_json) if a.card_json else build / "bench" / "card.json"
    if os.geteuid() != 0:
        print("gw_bench.py: gateway table skipped: it needs root (network namespaces, TUN "
              "devices); run `sudo make bench` for it")
        return 0
    if not shutil.which("iperf3"):
        print("gw_bench.py: iperf3 missing (scripts/deps.sh installs it)", file=sys.stderr)
        return 1
    netlab.cleanup_stale()
    pairs = [("esp-iked pair", "iked"), ("strongSwan pair", "swan")]
    if a.only:
        pairs = [p for p in pairs if p[1] == a.only]
    res, t0, load0 = {}, time.monotonic(), loadavg()
    with tempfile.TemporaryDirectory(prefix="gw-bench-") as tmp:
        for label, kind in pairs:
            if kind == "iked" and not iked_has_gateway(build):
                res[label] = {"error": "this esp-iked has no data plane (no --tun-mtu option)"}
                continue
            print(f"gw_bench.py: {label} ...", flush=True)
            res[label] = bench_pair(kind, build, a.seconds, a.steps, Path(tmp) / kind)
    card, card_note = card_times(card_json)
    load = {"before": load0, "after": loadavg()}
    print_table(res, card, card_note, a.seconds, load)
    print(f"\n(gateway table: {time.monotonic() - t0:.0f} s)")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps({
            "table": "gateway", "seconds_per_run": a.seconds, "loadavg": load,
            "loss_ok": LOSS_OK, "host_target_ns": HOST_TARGET_NS,
            "card_time_counter": sorted(RUN_KEY_USED), "pairs": res,
            "card_cosim": {"note": card_note, "per_size": card}}, indent=2))
        print(f"written {a.json}")
    return 1 if any("error" in r for r in res.values()) and a.only else 0


if __name__ == "__main__":
    sys.exit(main())
