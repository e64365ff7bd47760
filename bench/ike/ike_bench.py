#!/usr/bin/python3
"""The IKE table of `make bench`: IKE_SA + CHILD_SA setups per second and
memory per IKE_SA with esp-iked as responder, next to strongSwan (charon
5.9.8 from Debian, kernel-libipsec) as responder, with the same initiator
(esp-ike-load) on the same machine in the same run.

Each responder runs alone in network namespace "sun"; esp-ike-load runs in
"moon" (netlab's direct two-site topology). Memory is the responder's VmRSS
once every IKE_SA is up, minus its VmRSS before the first one, divided by
the IKE_SAs set up (esp-iked's includes the swemu card's SA table entries,
which live in its process; strongSwan's includes libipsec's SAs, not the
kernel's routes). Needs root (namespaces).

  ike_bench.py --build build [--count 500] [--concurrency 25] [--json out.json]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests" / "interop"))
import netlab  # noqa: E402

PSK = "0sv+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL"
IKE = "aes256gcm16-prfsha384-ecp384"
ESP = "aes256gcm16"


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def responder_conn(topo):
    return netlab.connection(topo.right.outer4, "%any", local_id="gw.espi.test", remote_id="%any",
                             local_ts=topo.right.subnet4, remote_ts=topo.left.subnet4,
                             proposals=IKE, esp_proposals=ESP)


def run_load(build, topo, count, concurrency):
    cmd = [str(build / "bin/esp-ike-load"), "--target", topo.right.outer4, "--count", str(count),
           "--concurrency", str(concurrency), "--psk", PSK, "--local-id", "load.espi.test",
           "--remote-id", "gw.espi.test", "--proposal", IKE, "--esp", ESP, "--json",
           "--local-ts", topo.left.subnet4, "--remote-ts", topo.right.subnet4,
           "--no-teardown", "--timeout", "300"]
    p = topo.left.ns.cmd(cmd, check=False, timeout=330)
    if not p.stdout.strip():
        raise RuntimeError(f"esp-ike-load failed: {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def bench_esp_iked(lab, topo, build, count, concurrency):
    d = lab.workdir / "esp-iked"
    d.mkdir()
    conf = d / "swanctl.conf"
    conf.write_text(netlab.swanctl_conf({"gw": responder_conn(topo)},
                                        {"ike-gw": {"secret": PSK}}))
    proc = topo.right.ns.popen([str(build / "bin/esp-iked"), "--conf", str(conf), "--backend", "swemu",
                                "--control", str(lab.sockdir / "iked.ctl"), "--log-level", "warning",
                                "--sa-capacity", str(max(1024, 4 * count)),
                                "--cookie-threshold", str(10 * concurrency + 100)],
                               d / "esp-iked.log")
    netlab.wait_until(lambda: (lab.sockdir / "iked.ctl").exists(), 30, "esp-iked's control socket")
    time.sleep(0.2)
    before = rss_kib(proc.pid)
    r = run_load(build, topo, count, concurrency)
    after = rss_kib(proc.pid)
    proc.stop()
    return r, before, after


def bench_strongswan(lab, topo, build, count, concurrency):
    # No cookies and no per-peer half-open limit, as for esp-iked: one
    # initiator address sets up every IKE_SA.
    sun = netlab.Charon(lab, topo.right.ns, "swan", loglevel=0,
                        options={"block_threshold": 100000, "cookie_threshold": 100000,
                                 "retransmit_timeout": 2.0, "retransmit_tries": 3})
    sun.write_config({"gw": responder_conn(topo)}, {"ike-gw": {"secret": PSK}})
    sun.start()
    sun.load_all()
    time.sleep(0.2)
    before = rss_kib(sun.proc.pid)
    r = run_load(build, topo, count, concurrency)
    after = rss_kib(sun.proc.pid)
    sun.stop()
    return r, before, after


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=25)
    ap.add_argument("--json")
    a = ap.parse_args()
    if os.geteuid() != 0:
        # The other tables of `make bench` still run.
        print("ike_bench.py: IKE table skipped: it needs root (network namespaces for the two responders); "
              "run `sudo make bench` for it")
        return 0
    build = Path(a.build).resolve()
    netlab.cleanup_stale()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ike-bench-") as tmp:
        lab = netlab.Lab(Path(tmp))
        try:
            topo = lab.two_sites(nat=False)
            for name, fn in (("esp-iked (swemu card)", bench_esp_iked), ("strongSwan 5.9.8 charon", bench_strongswan)):
                r, before, after = fn(lab, topo, build, a.count, a.concurrency)
                per = (after - before) * 1024.0 / max(1, r["established"])
                rows.append({"responder": name, **r, "rss_before_kib": before, "rss_after_kib": after,
                             "bytes_per_ike_sa": per})
        finally:
            lab.teardown()
    ref = rows[1]
    print(f"\nIKE setups: {a.count} IKE_SA + CHILD_SA, {a.concurrency} in flight, PSK, {IKE} / {ESP},")
    print("initiator esp-ike-load (same for both), responders in turn in one namespace, same run\n")
    print(f"{'responder':<26} {'setups/s':>9} {'ratio':>6} {'memory/IKE_SA':>14} {'ratio':>6} "
          f"{'failed':>6} {'retransmits':>11}")
    for r in rows:
        rate_ratio = r["setups_per_second"] / ref["setups_per_second"] if ref["setups_per_second"] else 0
        mem_ratio = r["bytes_per_ike_sa"] / ref["bytes_per_ike_sa"] if ref["bytes_per_ike_sa"] else 0
        print(f"{r['responder']:<26} {r['setups_per_second']:>9.0f} {rate_ratio:>6.2f} "
              f"{r['bytes_per_ike_sa'] / 1024:>11.1f} KiB {mem_ratio:>6.2f} {r['failed']:>6} "
              f"{r['retransmits']:>11}")
    print("(ratios against strongSwan; memory = responder VmRSS growth / IKE_SAs up)")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(rows, indent=2))
    if any(r["failed"] for r in rows):
        sys.exit("ike_bench.py: some setups failed (see above)")


if __name__ == "__main__":
    main()
