#!/usr/bin/python3
"""`make demo`: two esp-iked gateways, each with its own emulated card, in
network namespaces, with a host behind each:

    alice 10.1.0.10 --lan-- moon (esp-iked, card) ==wan== sun (esp-iked, card) --lan-- bob 10.2.0.10

They negotiate (IKEv2, PSK), a TCP transfer runs from alice to bob through
both cards (sha256 checked at both ends), and the demo prints `espctl
list-sas` of both gateways, the per-SA counters, the data-plane counters and
the throughput. It writes under --out:

    esp.pcap               the WAN link (dumpcap on moon's "wan"): IKE and ESP
    keys-moon/, keys-sun/  each gateway's Wireshark key files (esp-iked
                           --wireshark-keys): esp_sa, ikev2_decryption_table
    wireshark/             a Wireshark configuration directory with moon's key
                           files and ESP decryption on (WIRESHARK_CONFIG_DIR)
    logs/                  both esp-iked logs, the transfer's output

and checks its own outputs (the transfer's digest, ESP in the capture, the
capture decrypting with the key files through tshark): it exits non-zero if
any check fails. Needs root, /dev/net/tun and network namespaces; without
them it says why and what to run instead, and exits 2. Everything it creates
(namespaces, processes) is removed at the end, also on Ctrl-C or SIGTERM.

  gateway_demo.py --backend swemu|cosim --build build --out build/demo [--quick] [--bytes N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "interop"))
sys.path.insert(0, str(ROOT / "bench" / "gateway"))

# bytes of the transfer: swemu is fast enough for some MB, cosim (the RTL in
# Verilator) is slow
BYTES = {("swemu", False): 8 << 20, ("swemu", True): 2 << 20,
         ("cosim", False): 256 << 10, ("cosim", True): 64 << 10,
         ("xrt", False): 64 << 20, ("xrt", True): 8 << 20}


def say(msg=""):
    print(msg, flush=True)


def show(path):
    """path relative to the current directory when below it, else absolute."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def cannot_run(why, build, out):
    build, out = show(build), show(out)
    say(f"gateway demo: cannot run here: {why}.")
    say("It needs root, /dev/net/tun and network namespaces (two gateways, each with its TUN device).")
    say("Run instead:")
    say("  sudo make demo")
    say("or the single-card capture demo, which needs no privileges:")
    say(f"  {build}/bin/esp-demo --backend swemu --out {out}")
    return 2


def preflight(build, out):
    """None when the demo can run, else the exit status after saying why."""
    if os.geteuid() != 0:
        return cannot_run("not root", build, out)
    try:
        fd = os.open("/dev/net/tun", os.O_RDWR)
        os.close(fd)
    except OSError as e:
        return cannot_run(f"/dev/net/tun: {e.strerror}", build, out)
    p = subprocess.run(["unshare", "--net", "true"], capture_output=True, text=True)
    if p.returncode != 0:
        return cannot_run(f"network namespaces refused ({p.stderr.strip() or p.returncode})",
                          build, out)
    for b in ("esp-iked", "espctl"):
        if not (build / "bin" / b).exists():
            say(f"gateway demo: {build}/bin/{b} missing: run `make build` first")
            return 1
    for tool in ("dumpcap", "tshark"):
        if not shutil.which(tool):
            say(f"gateway demo: {tool} missing: run scripts/deps.sh (Debian package tshark)")
            return 1
    return None


class Interrupted(Exception):
    pass


def on_signal(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


def counters_text(iked):
    lines = []
    for ike in iked.sas():
        for c in ike.get("child-sas", []):
            errs = c.get("dp-errors") or {}
            lines.append(
                f"  CHILD_SA {c.get('name')} {c.get('state')} spi-in {c.get('spi-in')} "
                f"spi-out {c.get('spi-out')} {'ESP in UDP' if c.get('encap') else 'raw ESP'}: "
                f"in {c.get('packets-in', 0)} "
                f"packets / {c.get('bytes-in', 0)} bytes, out {c.get('packets-out', 0)} packets / "
                f"{c.get('bytes-out', 0)} bytes; data-plane errors: "
                + (", ".join(f"{k} {v}" for k, v in errs.items()) if errs else "none"))
    return "\n".join(lines) or "  (no CHILD_SA)"


def dataplane_text(dp, cards):
    if not dp:
        return "  (no data-plane counters)"
    def kv(d):
        return ", ".join(f"{k} {v}" for k, v in d.items() if not isinstance(v, dict))
    lines = [f"  data plane tx: {kv(dp.get('tx', {}))}",
             f"  data plane rx: {kv(dp.get('rx', {}))}"]
    if dp.get("tun"):
        lines.append(f"  TUN: {kv(dp['tun'])}")
    lines.append("  per status: " + (kv(dp.get("status") or {}) or "none"))
    for c in cards or []:
        lines.append(f"  card {c.get('card')}: {c.get('sas')} SAs, {c.get('runs')} runs, "
                     f"{c.get('packets')} packets")
    return "\n".join(lines)


def wireshark_dir(out, keys):
    """out/wireshark: a Wireshark configuration directory (for
    WIRESHARK_CONFIG_DIR) with the key files and ESP decryption on."""
    d = out / "wireshark"
    d.mkdir(mode=0o700, exist_ok=True)
    for f in ("esp_sa", "ikev2_decryption_table"):
        if (keys / f).exists():
            shutil.copyfile(keys / f, d / f)
            os.chmod(d / f, 0o600)
    (d / "preferences").write_text(
        "# written by scripts/gateway_demo.py: decrypt ESP with the SAs in esp_sa\n"
        "esp.enable_encryption_decode: TRUE\n"
        "esp.do_esp_sequence_analysis: TRUE\n")
    return d


def decrypted_count(pcap, wsdir, src, dst):
    """Packets of the capture that tshark, with the key files, decrypts to
    inner IPv4 packets src -> dst (ESP in the frame and the inner header)."""
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=str(wsdir))
    p = subprocess.run(["tshark", "-n", "-r", str(pcap), "-Y",
                        f"esp && ip.src == {src} && ip.dst == {dst}", "-T", "fields",
                        "-e", "frame.number"], capture_output=True, text=True, env=env, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"tshark: {p.stderr.strip()}")
    return len([x for x in p.stdout.split() if x])


def ike_id_count(pcap, wsdir):
    """IDi/IDr payloads tshark finds: only inside IKE_AUTH's SK payload, so
    only when ikev2_decryption_table decrypts it."""
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=str(wsdir))
    p = subprocess.run(["tshark", "-n", "-r", str(pcap), "-T", "fields", "-e", "isakmp.id.type",
                        "-Y", "isakmp.id.type"], capture_output=True, text=True, env=env,
                       timeout=120)
    return sum(len(x.split(",")) for x in p.stdout.split())


def run_demo(a, build, out, workdir):
    import gwlab
    import netlab
    from gw_bench import iked_has_gateway, start_iked_gateway

    if not iked_has_gateway(build):
        say(f"gateway demo: {build}/bin/esp-iked has no data plane (no --tun option): "
            "build the current tree first")
        return 1
    netlab.cleanup_stale()
    nbytes = a.bytes or BYTES[(a.backend, a.quick)]
    for stale in ("esp.pcap", "keys-moon", "keys-sun", "wireshark", "logs"):
        p = out / stale
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    (out / "logs").mkdir(parents=True)
    problems = []
    lab = netlab.Lab(workdir)
    cap = None
    try:
        say(f"gateway demo: two esp-iked gateways on the {a.backend} card, namespaces {lab.prefix}*")
        topo = gwlab.gateway_lab(lab)
        gws = {}
        for side, name in ((topo.left, "moon"), (topo.right, "sun")):
            gws[name] = start_iked_gateway(lab, side, name, build, gwlab.gw_connection(topo, side),
                                           backend=a.backend, log_level="info",
                                           keys=out / f"keys-{name}")
        moon, sun = gws["moon"], gws["sun"]
        cap = netlab.Capture(lab, topo.left.gw, "wan", out / "esp.pcap", pcap=True)
        say("moon initiates (espctl initiate --child net) ...")
        moon.espctl("initiate", "--child", "net")
        moon.wait_child()
        sun.wait_child()
        topo.left.host.ping(topo.right.host4, count=3)
        say(f"alice -> bob: ping through the tunnel answered; TCP transfer of {nbytes} bytes ...")
        xfer = gwlab.Transfer(lab, topo.left.host, topo.right.host, topo.right.host4, nbytes,
                              name="transfer", timeout=600)
        xfer.start()
        sent, got = xfer.check()
        secs = max(got["seconds"], 1e-6)
        time.sleep(0.3)     # the last ACKs
        cap.stop()

        for name, g in gws.items():
            say(f"\n=== espctl list-sas on {name} ===")
            say(g.espctl("list-sas").stdout.rstrip())
        for name, g in gws.items():
            say(f"\n=== per-SA counters on {name} ===")
            say(counters_text(g))
            st = g.stats()
            say(dataplane_text(st.get("dataplane"), st.get("cards")))
        say(f"\ntransfer: {got['bytes']} bytes alice -> bob in {secs:.2f} s = "
            f"{got['bytes'] * 8 / secs / 1e6:.1f} Mb/s, sha256 {got['sha256'][:16]}... "
            f"the same at both ends")

        esp = cap.count("esp")
        ws = wireshark_dir(out, moon.keys)
        dec = decrypted_count(cap.path, ws, topo.left.host4, topo.right.host4)
        ike_ids = ike_id_count(cap.path, ws)
        say(f"capture: {show(cap.path)}: {esp} ESP packets on the link; with the key files tshark "
            f"decrypts {dec} of them to alice -> bob packets, and the IKE_AUTH exchange "
            f"({ike_ids} identities)")
        for name, g in gws.items():
            c = [x for x in g.children("net") if x.get("state") == "INSTALLED"]
            if not c or int(c[0].get("packets-out", 0)) == 0 or int(c[0].get("packets-in", 0)) == 0:
                problems.append(f"{name}: no traffic counted on its CHILD_SA")
        if esp == 0:
            problems.append("no ESP in the capture")
        if ike_ids < 2:
            problems.append("IKE_AUTH does not decrypt with ikev2_decryption_table")
        if dec == 0:
            problems.append("the capture does not decrypt with the key files")
        for name in gws:
            if not (out / f"keys-{name}" / "esp_sa").exists():
                problems.append(f"keys-{name}/esp_sa missing")
    except Interrupted as e:
        say(f"\ngateway demo: interrupted ({e}): cleaning up")
        return 130
    except Exception as e:
        say(f"\ngateway demo FAILED: {e}")
        for name, log in lab.logs.items():
            try:
                tail = log.read_text(errors="replace").splitlines()[-25:]
            except FileNotFoundError:
                continue
            say(f"--- {name} ---\n" + "\n".join(tail))
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)     # cleanup must finish
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if cap is not None:
            try:
                cap.stop()
            except Exception:
                pass
        for p in lab.teardown():
            say(f"cleanup: {p}")
        if cap is not None and cap.proc.log.exists():
            shutil.move(str(cap.proc.log), str(out / "logs" / "dumpcap.log"))
        for name, log in list(lab.logs.items()):
            if log.exists() and ("esp-iked" in name or "transfer" in log.name):
                stem = log.name if log.parent == lab.workdir else f"{log.parent.name}-{log.name}"
                shutil.copyfile(log, out / "logs" / stem)
    if problems:
        say("\ngateway demo: CHECK FAILED: " + "; ".join(problems))
        return 1
    rel = show(out)
    say(f"\nwritten: {rel}/esp.pcap (the WAN link), {rel}/keys-moon/ and {rel}/keys-sun/ "
        f"(esp_sa, ikev2_decryption_table), {rel}/logs/")
    say("to see the capture decrypted in Wireshark (IKE and ESP):")
    say(f"  WIRESHARK_CONFIG_DIR={rel}/wireshark wireshark {rel}/esp.pcap")
    say(f"or copy {rel}/keys-moon/esp_sa and ikev2_decryption_table to ~/.config/wireshark/ and "
        "enable Preferences > Protocols > ESP > Attempt to detect/decode encrypted ESP payloads")
    return 0


def main():
    ap = argparse.ArgumentParser(description="make demo: two esp-iked gateways through their cards")
    ap.add_argument("--backend", default="swemu", choices=("swemu", "cosim", "xrt"))
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default=None, help="output directory (default BUILD/demo)")
    ap.add_argument("--quick", action="store_true", help="a smaller transfer (the ctest)")
    ap.add_argument("--bytes", type=int, default=0, help="bytes to transfer alice -> bob")
    a = ap.parse_args()
    build = Path(a.build).resolve()
    out = Path(a.out or build / "demo").resolve()
    rc = preflight(build, out)
    if rc is not None:
        return rc
    out.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    with tempfile.TemporaryDirectory(prefix="gw-demo-") as tmp:
        try:
            return run_demo(a, build, out, Path(tmp))
        except Interrupted as e:
            say(f"\ngateway demo: interrupted ({e}) before the lab existed")
            return 130


if __name__ == "__main__":
    sys.exit(main())
