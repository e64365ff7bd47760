"""gwlab: the gateway lab for the data-plane interop tests (issue 13).

esp-iked as an IPsec gateway (TUN device, routes to the remote traffic
selectors, ESP through the card) against strongSwan's kernel-libipsec
gateway or against another esp-iked, with a host behind each gateway:

    alice --lan-- moon ==wan== sun --lan-- bob

Here:
  Iked               one esp-iked in a namespace, driven through espctl
                     (also used by test_esp_iked_strongswan.py)
  gateway_lab()      the topology above, optionally with moon behind
                     netlab's NAT router; GwSite / GwTopology
  gw_connection()    the swanctl.conf connection for either gateway (PSK),
                     start_charon() / start_iked() to run one there
  ping_sweep(), assert_ping_sweep(), ping_sizes(), ping_df()
                     ICMP of many sizes with DF, loss counted per size
  Transfer           a checksummed TCP transfer (this file run as
                     `gwlab.py send|recv` by /usr/bin/python3 in the hosts'
                     namespaces), usable in the background during rekeys
Used by test_gateway_strongswan.py, test_gateway_pair.py and test_gateway_more.py. Not
thread-safe: one lab per test, used from the test's thread (the transfers
are separate processes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple

import netlab

PSK = "0sv+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL"
IKE = "aes256gcm16-prfsha384-ecp384"
ESP = "aes256gcm16"


class Iked:
    """One esp-iked in a namespace, with its control socket and key files."""

    def __init__(self, lab, ns, name, build):
        self.lab = lab
        self.ns = ns
        self.build = Path(build)
        self.dir = lab.workdir / name     # also its swanctl dir (x509/, x509ca/, private/)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "swanctl.conf"
        self.keys = self.dir / "keys"
        self.keys.mkdir(exist_ok=True)
        self.ctl = lab.sockdir / f"{name}.ctl"
        self.proc = None

    def start(self, connections, secrets=None, extra_args=()):
        self.conf.write_text(netlab.swanctl_conf(connections, secrets))
        cmd = [str(self.build / "bin/esp-iked"), "--conf", str(self.conf), "--backend", "swemu",
               "--control", str(self.ctl), "--wireshark-keys", str(self.keys), "--log-level", "debug",
               "--sa-capacity", "1024", *extra_args]
        self.proc = self.ns.popen(cmd, self.dir / "esp-iked.log")
        self.proc.wait_log(r"esp-iked listening", timeout=30)
        return self

    def log(self):
        return self.proc.log_text()

    def espctl(self, *args, check=True, timeout=60):
        p = subprocess.run([str(self.build / "bin/espctl"), "--control", str(self.ctl), *args],
                           capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise netlab.LabError(f"espctl {' '.join(args)}: exit {p.returncode}: {p.stderr}\n"
                                  f"--- esp-iked log ---\n{self.proc.log_text()[-6000:]}")
        return p

    def sas(self):
        return json.loads(self.espctl("list-sas", "--json").stdout)["ike-sas"]

    def child(self, name="net"):
        for ike in self.sas():
            for c in ike["child-sas"]:
                if c["name"] == name and c["state"] == "INSTALLED":
                    return ike, c
        return None, None

    def wait_child(self, name="net", timeout=20, other_than=()):
        def ok():
            ike, c = self.child(name)
            return (ike, c) if c and c["spi-in"] not in other_than else None
        return netlab.wait_until(ok, timeout, f"esp-iked CHILD_SA {name}",
                                 on_timeout=lambda: json.dumps(self.sas(), indent=1))

    # -- additions for the gateway tests
    def stats(self):
        """`espctl stats --json` (with "dataplane": {"tx", "rx", "status"})."""
        return json.loads(self.espctl("stats", "--json").stdout)

    def children(self, name="net"):
        """Every CHILD_SA named `name`, over all IKE_SAs (old and new during a rekey)."""
        return [c for ike in self.sas() for c in ike["child-sas"] if c["name"] == name]

    def routes(self, family=4):
        """Every IPv4 (family=6: IPv6) route of its namespace, all tables
        (`ip -4 route show table all`)."""
        return self.ns.cmd(["ip", f"-{family}", "route", "show", "table", "all"]).stdout

    def stop(self):
        return self.proc.stop() if self.proc else None


# ---------------------------------------------------------------- topology
LAN_PREFIX = {1: "10.1.0", 2: "10.2.0"}
LAN_PREFIX6 = {1: "fd01:", 2: "fd02:"}
WAN6 = {1: "2001:db8::1", 2: "2001:db8::2"}


@dataclass
class GwSite:
    """One site: the gateway namespace `gw` (moon / sun) with its WAN
    interface `wan` and LAN interface `lan`, and the host behind it (alice /
    bob, interface eth0, default route via the gateway's LAN address).
    `subnet` is the site's LAN, the traffic selector of the tunnel."""
    gw: netlab.Netns
    host: netlab.Netns
    outer4: str          # the gateway's own WAN address
    seen4: str           # the address the peer sees (the NAT router's when behind it)
    gw_lan4: str         # the gateway's LAN address (inside the local TS)
    host4: str           # the host's address
    subnet: str          # the LAN, e.g. 10.1.0.0/24
    wan_if: str = "wan"
    lan_if: str = "lan"
    # gateway_lab(ipv6=True): the LAN's IPv6 side; wan6=True: IPv6 on the WAN
    outer6: str = ""     # e.g. 2001:db8::1
    seen6: str = ""
    gw_lan6: str = ""    # e.g. fd01::1
    host6: str = ""      # e.g. fd01::10
    subnet6: str = ""    # e.g. fd01::/64


@dataclass
class GwTopology:
    left: GwSite
    right: GwSite
    router: Optional[netlab.Netns] = None
    router_wan: str = ""

    def sites(self):
        return (self.left, self.right)


def gateway_lab(lab, nat=False, random_ports=False, wan_mtu=1500, ipv6=False, wan6=False):
    """Two sites, each a gateway with a host behind it:

        alice 10.1.0.10 --lan-- 10.1.0.1 moon 192.0.2.1 ==wan== 192.0.2.2 sun 10.2.0.1 --lan-- 10.2.0.10 bob

    With nat=True moon is behind netlab's NAT router ("moon-nat", nftables
    masquerade on its "wan"): moon wan 10.0.1.2 -- 10.0.1.1 router 192.0.2.1
    -- 192.0.2.2 sun; sun can reach only 192.0.2.1. Gateways forward
    (ip_forward=1); the hosts route everything via their gateway, and the
    gateways have no route to the other LAN except what the IPsec daemon
    installs, so nothing crosses in the clear.

    ipv6=True adds IPv6 to both LANs (without it the lab is IPv4 only, as
    before): moon lan fd01::1/64, alice fd01::10 (default via fd01::1);
    sun lan fd02::1/64, bob fd02::10; the gateways forward IPv6 too.
    wan6=True adds 2001:db8::1/64 (moon) and 2001:db8::2/64 (sun) on the
    WAN, for IKE and ESP over IPv6 (not with nat)."""
    if wan6 and nat:
        raise netlab.LabError("gateway_lab: wan6 with nat is not supported")
    moon, sun = lab.netns("moon"), lab.netns("sun")
    alice, bob = lab.netns("alice"), lab.netns("bob")
    router = None
    if nat:
        router = lab.netns("moon-nat")
        lab.veth(moon, "wan", router, "lan", mtu=wan_mtu)
        lab.veth(router, "wan", sun, "wan", mtu=wan_mtu)
        moon.addr("wan", "10.0.1.2/24")
        router.addr("lan", "10.0.1.1/24")
        router.addr("wan", "192.0.2.1/24")
        moon.route("default", via="10.0.1.1")
        lab.nat_router(router, "wan", random_ports=random_ports)
        moon_outer, moon_seen = "10.0.1.2", "192.0.2.1"
    else:
        lab.veth(moon, "wan", sun, "wan", mtu=wan_mtu)
        moon.addr("wan", "192.0.2.1/24")
        moon_outer = moon_seen = "192.0.2.1"
    sun.addr("wan", "192.0.2.2/24")
    if wan6:
        moon.addr("wan", f"{WAN6[1]}/64")
        sun.addr("wan", f"{WAN6[2]}/64")
    sites = []
    for gw, host, n, outer, seen in ((moon, alice, 1, moon_outer, moon_seen),
                                     (sun, bob, 2, "192.0.2.2", "192.0.2.2")):
        lan = LAN_PREFIX[n]
        lab.veth(gw, "lan", host, "eth0")
        gw.addr("lan", f"{lan}.1/24")
        host.addr("eth0", f"{lan}.10/24")
        host.route("default", via=f"{lan}.1")
        gw.sysctl("net.ipv4.ip_forward", "1")
        site = GwSite(gw, host, outer, seen, f"{lan}.1", f"{lan}.10", f"{lan}.0/24")
        if wan6:
            site.outer6 = site.seen6 = WAN6[n]
        if ipv6:
            lan6 = LAN_PREFIX6[n]
            gw.addr("lan", f"{lan6}:1/64")
            host.addr("eth0", f"{lan6}:10/64")
            host.route("::/0", via=f"{lan6}:1")
            gw.sysctl("net.ipv6.conf.all.forwarding", "1")
            site.gw_lan6, site.host6, site.subnet6 = f"{lan6}:1", f"{lan6}:10", f"{lan6}:/64"
        sites.append(site)
    return GwTopology(sites[0], sites[1], router, "wan" if nat else "")


def gw_connection(topo, side, *, proposals=IKE, esp=ESP, local_addrs=None, remote_addrs=None,
                  start_action="none", dpd_delay=None, extra=None, child_extra=None,
                  ts="4", wan="4", local_ts=None, remote_ts=None):
    """The swanctl.conf connection of `side` (topo.left or topo.right) for
    the tunnel between the two LANs, PSK with the IDs moon.espi.test /
    sun.espi.test. The same text serves esp-iked and charon. ts: the
    selectors are the IPv4 LANs ("4"), the IPv6 ones ("6") or both ("46");
    wan: IKE between the IPv4 ("4") or IPv6 ("6") WAN addresses;
    local_ts / remote_ts override the selectors."""
    other = topo.right if side is topo.left else topo.left
    me = "moon.espi.test" if side is topo.left else "sun.espi.test"
    peer = "sun.espi.test" if side is topo.left else "moon.espi.test"

    def subnets(site):
        return ",".join(([site.subnet] if "4" in ts else []) + ([site.subnet6] if "6" in ts else []))
    mine, theirs = (side.outer6, other.seen6) if wan == "6" else (side.outer4, other.seen4)
    return netlab.connection(local_addrs or mine, remote_addrs or theirs,
                             local_id=me, remote_id=peer, local_ts=local_ts or subnets(side),
                             remote_ts=remote_ts or subnets(other), proposals=proposals,
                             esp_proposals=esp,
                             start_action=start_action, dpd_delay=dpd_delay, extra=extra,
                             child_extra=child_extra)


GW_SECRETS = {"ike-gw": {"id-1": "moon.espi.test", "id-2": "sun.espi.test", "secret": PSK}}


def start_charon(lab, site, name, conn, options=None, loglevel=1):
    """A kernel-libipsec charon as the gateway `site`: loads {"gw": conn}.
    Log level 1 by default: at 2 libipsec logs every ESP packet (three
    lines each), which costs more CPU than the tunnel itself in a 100 MB
    transfer."""
    ch = netlab.Charon(lab, site.gw, name, options=options, loglevel=loglevel)
    ch.write_config({"gw": conn}, GW_SECRETS)
    ch.start()
    ch.load_all()
    return ch


def start_iked(lab, site, name, build, conn, extra_args=()):
    """esp-iked as the gateway `site` (its TUN esp0, the data plane on)."""
    return Iked(lab, site.gw, name, build).start({"gw": conn}, GW_SECRETS, extra_args=extra_args)


def installed(charon, ike="gw", child="net"):
    """strongSwan's INSTALLED CHILD_SAs `child` of `ike`."""
    return [c for c in charon.children(ike, child) if c.get("state") == "INSTALLED"]


def assert_dataplane_clean(iked, encap, only_bypass=True):
    """esp-iked's data plane after clean traffic (`espctl stats --json`
    "dataplane", `list-sas` "dp-errors"): no socket or TUN error, nothing
    malformed, ESP sent and received only in the expected framing (UDP 4500
    with encap, IP protocol 50 without), no failure counted on any CHILD_SA
    and, with only_bypass, no failure status at all except BYPASS (packets
    without a policy: what the kernel itself sends into the TUN when it
    comes up). Returns the "dataplane" dict."""
    dp = iked.stats()["dataplane"]
    assert dp["tx"]["err"] == dp["rx"]["err"] == dp["tx"]["bad"] == dp["rx"]["bad"] == 0, dp
    assert dp["tun"]["rx-err"] == dp["tun"]["tx-err"] == 0, dp
    used, unused = ("udp", "raw") if encap else ("raw", "udp")
    assert dp["tx"][used] > 0 and dp["rx"][used] > 0, dp
    assert dp["tx"][unused] == 0 and dp["rx"][unused] == 0, dp
    assert dp["tx"]["encrypted"] > 0 and dp["rx"]["decrypted"] > 0, dp
    if only_bypass:
        assert set(dp["status"]) <= {"BYPASS"}, dp
    for c in iked.children():
        assert c["dp-errors"] == {}, c
    return dp


# ---------------------------------------------------------------- traffic
def tun_mtu(ns, ifname):
    """The MTU of an interface of ns (e.g. esp-iked's esp0, charon's ipsec0)."""
    out = ns.cmd(["ip", "-o", "link", "show", ifname]).stdout
    m = re.search(r" mtu (\d+) ", out)
    if not m:
        raise netlab.LabError(f"no mtu in {out!r}")
    return int(m.group(1))


def ping_sizes(mtu, family=4):
    """ICMP payload sizes from 0 to the largest that fits `mtu` (IPv4 20 +
    ICMP 8 bytes of headers; family=6: IPv6 40 + ICMPv6 8): the brief's
    fixed points, a few odd ones, and the edges."""
    top = mtu - (48 if family == 6 else 28)
    sizes = {0, 1, 56, 100, 512, 1000, 1001, top - 1, top}
    sizes |= {s for s in (1200, 1300) if s < top}
    return sorted(s for s in sizes if 0 <= s <= top)


def ping_sweep(src, dst, sizes, count=3, df=True, interval=0.05, wait=2.0):
    """Pings dst from namespace src with each ICMP payload size (`-M do`
    with df: no fragmentation anywhere on the path). Returns {size:
    (sent, received, output)}; pings only, no assertion."""
    out = {}
    for s in sizes:
        cmd = ["ping", "-6" if ":" in dst else "-4", "-n", "-q", "-c", str(count),
               "-i", str(interval), "-W", str(wait), "-s", str(s)]
        if df:
            cmd += ["-M", "do"]
        p = src.cmd(cmd + [dst], check=False, timeout=count * (wait + interval) + 10)
        m = re.search(r"(\d+) packets transmitted, (\d+) received", p.stdout)
        out[s] = (int(m.group(1)) if m else 0, int(m.group(2)) if m else 0,
                  p.stdout + p.stderr)
    return out


def assert_ping_sweep(src, dst, sizes, count=3, what=""):
    """Every ping of every size answered; the failure lists the sizes that lost."""
    res = ping_sweep(src, dst, sizes, count=count)
    lost = {s: r for s, r in res.items() if r[0] != count or r[1] != count}
    assert not lost, (f"{what}: {src.short} -> {dst}: replies missing at sizes "
                      f"{sorted(lost)}: " + "\n".join(f"{s}: {r[2]}" for s, r in lost.items()))
    return res


def ping_df(src, dst, size, count=2, wait=2.0):
    """One DF ping of ICMP payload `size`, not quiet (ping -q hides the
    "Frag needed and DF set (mtu = N)" lines). Returns (sent, received,
    output, [mtu values reported]). IPv6 (dst with ':'): ping -6, whose
    ICMPv6 "packet too big" reads "Packet too big: mtu=N"."""
    p = src.cmd(["ping", "-6" if ":" in dst else "-4", "-n", "-c", str(count), "-i", "0.3",
                 "-W", str(wait), "-M", "do", "-s", str(size), dst],
                check=False, timeout=count * (wait + 0.3) + 10)
    text = p.stdout + p.stderr
    m = re.search(r"(\d+) packets transmitted, (\d+) received", text)
    mtus = [int(x) for x in re.findall(r"Frag needed and DF set \(mtu = (\d+)\)", text)]
    mtus += [int(x) for x in re.findall(r"Packet too big: mtu=(\d+)", text)]
    mtus += [int(x) for x in re.findall(r"message too long, mtu=(\d+)", text)]
    return (int(m.group(1)) if m else 0, int(m.group(2)) if m else 0, text, mtus)


class Transfer:
    """A TCP transfer of `nbytes` from namespace `sender` to `receiver`'s
    `dst`:`port`: both ends are /usr/bin/python3 running this file
    (`gwlab.py send|recv`), the data a fixed-seed pseudo-random stream, and
    each end prints one JSON line {"bytes", "sha256", "seconds"}. start()
    returns once the receiver listens and the sender runs; wait() returns
    (sent, received) and check() asserts both saw nbytes with the same
    digest. Runs in the background while the test does other things
    (rekeys); `rate` (bytes/s, 0: unlimited) caps the sender, so that a
    transfer is sure to outlast what the test does meanwhile."""

    def __init__(self, lab, sender, receiver, dst, nbytes, port=5001, seed=13, name="xfer",
                 timeout=120, rate=0):
        self.lab, self.sender, self.receiver = lab, sender, receiver
        self.dst, self.nbytes, self.port, self.seed, self.name = dst, nbytes, port, seed, name
        self.timeout, self.rate = timeout, rate
        self.recv_proc = self.send_proc = None

    def start(self):
        me = str(Path(__file__).resolve())
        self.recv_proc = self.receiver.popen(
            ["/usr/bin/python3", me, "recv", "--port", str(self.port), "--idle", "60",
             "--bind", "::" if ":" in self.dst else "0.0.0.0"],
            self.lab.workdir / f"{self.name}-recv.log")
        self.recv_proc.wait_log(r"listening", timeout=15)
        self.send_proc = self.sender.popen(
            ["/usr/bin/python3", me, "send", "--dst", self.dst, "--port", str(self.port),
             "--bytes", str(self.nbytes), "--seed", str(self.seed), "--rate", str(self.rate)],
            self.lab.workdir / f"{self.name}-send.log")
        return self

    @staticmethod
    def _result(proc):
        for line in reversed(proc.log_text().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        return None

    def wait(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        for p in (self.send_proc, self.recv_proc):
            left = max(1.0, deadline - time.monotonic())
            try:
                p.popen.wait(timeout=left)
            except subprocess.TimeoutExpired:
                raise netlab.LabError(
                    f"transfer {self.name}: {p.cmd[2]} still running after "
                    f"{timeout or self.timeout}s:\n{p.log_text()[-2000:]}") from None
        sent, got = self._result(self.send_proc), self._result(self.recv_proc)
        if self.send_proc.popen.returncode != 0 or self.recv_proc.popen.returncode != 0 \
                or not sent or not got:
            raise netlab.LabError(
                f"transfer {self.name} failed: sender exit {self.send_proc.popen.returncode}: "
                f"{self.send_proc.log_text()[-2000:]}\nreceiver exit "
                f"{self.recv_proc.popen.returncode}: {self.recv_proc.log_text()[-2000:]}")
        return sent, got

    def check(self, timeout=None):
        sent, got = self.wait(timeout)
        assert sent["bytes"] == self.nbytes, (self.name, sent)
        assert got["bytes"] == self.nbytes, (self.name, sent, got)
        assert got["sha256"] == sent["sha256"] == stream_sha256(self.nbytes, self.seed), \
            (self.name, sent, got)
        return sent, got


def stream_chunks(nbytes, seed, chunk=1 << 20):
    """The transfer's data: a random.Random(seed) byte stream, in chunks."""
    rng = random.Random(seed)
    left = nbytes
    while left > 0:
        n = min(chunk, left)
        yield rng.randbytes(n)
        left -= n


_DIGESTS: Dict[Tuple[int, int], str] = {}


def stream_sha256(nbytes, seed):
    """The sha256 of the stream, computed here (not on the wire)."""
    key = (nbytes, seed)
    if key not in _DIGESTS:
        h = hashlib.sha256()
        for c in stream_chunks(nbytes, seed):
            h.update(c)
        _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def _send(args):
    deadline = time.monotonic() + args.connect_timeout
    while True:
        try:
            s = socket.create_connection((args.dst, args.port), timeout=5)
            break
        except OSError as e:
            if time.monotonic() >= deadline:
                print(json.dumps({"error": f"connect: {e}"}), flush=True)
                return 2
            time.sleep(0.2)
    s.settimeout(args.idle)
    t0 = time.monotonic()
    h, n = hashlib.sha256(), 0
    try:
        for c in stream_chunks(args.bytes, args.seed, chunk=1 << 18):
            s.sendall(c)
            h.update(c)
            n += len(c)
            if args.rate > 0:
                ahead = t0 + n / args.rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)           # the receiver closes once it has everything
    except OSError as e:
        print(json.dumps({"error": f"send: {e}", "bytes": n}), flush=True)
        return 2
    print(json.dumps({"bytes": n, "sha256": h.hexdigest(),
                      "seconds": round(time.monotonic() - t0, 3)}), flush=True)
    return 0


def _recv(args):
    ls = socket.socket(socket.AF_INET6 if ":" in args.bind else socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.bind, args.port))
    ls.listen(1)
    ls.settimeout(args.idle)
    print("listening", flush=True)
    try:
        s, peer = ls.accept()
    except OSError as e:
        print(json.dumps({"error": f"accept: {e}"}), flush=True)
        return 2
    s.settimeout(args.idle)
    t0 = time.monotonic()
    h, n = hashlib.sha256(), 0
    try:
        while True:
            b = s.recv(1 << 18)
            if not b:
                break
            h.update(b)
            n += len(b)
    except OSError as e:
        print(json.dumps({"error": f"recv: {e}", "bytes": n}), flush=True)
        return 2
    s.close()
    print(json.dumps({"bytes": n, "sha256": h.hexdigest(), "peer": peer[0],
                      "seconds": round(time.monotonic() - t0, 3)}), flush=True)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="gwlab traffic: TCP sender / receiver")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--dst", required=True)
    s.add_argument("--port", type=int, default=5001)
    s.add_argument("--bytes", type=int, required=True)
    s.add_argument("--seed", type=int, default=13)
    s.add_argument("--connect-timeout", type=float, default=30)
    s.add_argument("--rate", type=float, default=0, help="bytes/s at most (0: no limit)")
    s.add_argument("--idle", type=float, default=60)
    r = sub.add_parser("recv")
    r.add_argument("--port", type=int, default=5001)
    r.add_argument("--idle", type=float, default=60)
    r.add_argument("--bind", default="0.0.0.0", help="address to listen on (:: for IPv6)")
    a = ap.parse_args(argv)
    return _send(a) if a.cmd == "send" else _recv(a)


if __name__ == "__main__":
    sys.exit(main())
