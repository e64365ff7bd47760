"""netlab: network namespaces, veth links, a NAT router, processes and packet
captures for the interop tests (esp-iked against strongSwan).

Everything a Lab creates is named with the prefix "espi-<pid>-" (pid of the
Python process running the tests), so that
  * two test runs on one machine never collide, and
  * a later run can tell what a dead run left behind (cleanup_stale()) and
    remove exactly that, never anything it did not create.

Must run as root (namespaces, veth, nftables). Not thread-safe: one Lab per
test, used from the test's thread only.

The strongSwan side (charon, swanctl, vici output) is in swan.py, the
certificates in pki.py; this module re-exports them so tests can
`import netlab` and find everything.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, TypeVar

PREFIX_ROOT = "espi-"
T = TypeVar("T")


class LabError(RuntimeError):
    """A command the harness ran failed, or something it waited for never came."""


# ---------------------------------------------------------------- commands
def run(cmd: Sequence[str], *, check: bool = True, timeout: float = 30.0,
        env: Optional[Dict[str, str]] = None, input: Optional[str] = None,
        ) -> subprocess.CompletedProcess:
    """Runs cmd, returns the CompletedProcess (text stdout/stderr). With check,
    a non-zero exit raises LabError quoting the command and its stderr."""
    try:
        p = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout,
                           env=env, input=input)
    except subprocess.TimeoutExpired as e:
        raise LabError(f"timed out after {timeout}s: {' '.join(cmd)}") from e
    if check and p.returncode != 0:
        raise LabError(f"exit {p.returncode}: {' '.join(cmd)}\n"
                       f"stdout: {p.stdout.strip()}\nstderr: {p.stderr.strip()}")
    return p


def wait_until(pred: Callable[[], Optional[T]], timeout: float, what: str,
               interval: float = 0.1, on_timeout: Optional[Callable[[], str]] = None) -> T:
    """Polls pred() until it returns something truthy and returns that; after
    timeout seconds raises LabError("timed out waiting for <what>") with
    on_timeout()'s text appended (e.g. the current list-sas)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            extra = ""
            if on_timeout is not None:
                try:
                    extra = "\n" + on_timeout()
                except Exception as e:  # the diagnosis must not hide the timeout
                    extra = f"\n(diagnosis failed: {e})"
            raise LabError(f"timed out after {timeout}s waiting for {what}{extra}")
        time.sleep(interval)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---------------------------------------------------------------- namespaces
class Netns:
    """A named network namespace ("ip netns add"); `name` is the full name,
    `short` what the test called it ("moon")."""

    def __init__(self, lab: "Lab", short: str):
        self.lab = lab
        self.short = short
        self.name = lab.prefix + short
        run(["ip", "netns", "add", self.name])
        self.cmd(["ip", "link", "set", "lo", "up"])
        # Predictable routing for tunnels: no reverse-path filter (libipsec's
        # TUN and the routes in table 220 are asymmetric on purpose), no DAD
        # delay for IPv6 addresses, forwarding only where asked (router).
        for k, v in (("net.ipv4.conf.all.rp_filter", "0"),
                     ("net.ipv4.conf.default.rp_filter", "0"),
                     ("net.ipv6.conf.all.accept_dad", "0"),
                     ("net.ipv6.conf.default.accept_dad", "0")):
            self.sysctl(k, v)

    def wrap(self, cmd: Sequence[str]) -> List[str]:
        """cmd as run inside this namespace."""
        return ["ip", "netns", "exec", self.name, *cmd]

    def cmd(self, cmd: Sequence[str], **kw) -> subprocess.CompletedProcess:
        return run(self.wrap(cmd), **kw)

    def sysctl(self, key: str, value: str) -> None:
        self.cmd(["sysctl", "-q", "-w", f"{key}={value}"])

    def addr(self, ifname: str, cidr: str) -> None:
        """Adds an address (IPv4 or IPv6, "a/len"); IPv6 without DAD."""
        extra = ["nodad"] if ":" in cidr else []
        self.cmd(["ip", "addr", "add", cidr, "dev", ifname, *extra])
        if extra:  # tentative until the kernel's addrconf work runs, and then deaf
            wait_until(lambda: not self.cmd(["ip", "-6", "addr", "show", "dev", ifname,
                                             "tentative"]).stdout.strip(),
                       10.0, f"{cidr} on {ifname} to leave the tentative state", interval=0.02)

    def route(self, dst: str, via: Optional[str] = None, dev: Optional[str] = None,
              table: Optional[int] = None) -> None:
        cmd = ["ip", "-6" if ":" in dst or (via and ":" in via) else "-4", "route", "add", dst]
        if via:
            cmd += ["via", via]
        if dev:
            cmd += ["dev", dev]
        if table is not None:
            cmd += ["table", str(table)]
        self.cmd(cmd)

    def ping(self, dst: str, count: int = 3, src: Optional[str] = None,
             timeout: float = 3.0, check: bool = True) -> subprocess.CompletedProcess:
        """ping (IPv4 or IPv6 by the address); with check, any loss fails."""
        cmd = ["ping", "-6" if ":" in dst else "-4", "-n", "-q", "-c", str(count),
               "-i", "0.2", "-W", str(timeout)]
        if src:
            cmd += ["-I", src]
        p = self.cmd(cmd + [dst], check=False, timeout=count * (timeout + 0.5) + 5)
        # ping exits 0 when any reply came: count the replies ourselves.
        m = re.search(r"(\d+) packets transmitted, (\d+) received", p.stdout)
        if check and (p.returncode != 0 or not m or int(m.group(2)) != count):
            raise LabError(f"ping {dst} from {self.short}: not {count} replies:\n"
                           f"{p.stdout}{p.stderr}")
        return p

    def udp_send(self, dst: str, port: int, payload: bytes, sport: Optional[int] = None,
                 src: Optional[str] = None) -> None:
        """Sends one UDP datagram from inside this namespace (for tests that
        poke a daemon with crafted packets)."""
        fam = "AF_INET6" if ":" in dst else "AF_INET"
        bind = f"s.bind(({src or ''!r}, {sport or 0}))" if (sport or src) else "pass"
        code = (f"import socket,sys; s=socket.socket(socket.{fam}, socket.SOCK_DGRAM); "
                f"{bind}; s.sendto(bytes.fromhex(sys.argv[1]), ({dst!r}, {port}))")
        self.cmd(["/usr/bin/python3", "-c", code, payload.hex()])

    def popen(self, cmd: Sequence[str], log: Path, env: Optional[Dict[str, str]] = None,
              own_mount_ns: bool = False, private_run: bool = False) -> "Process":
        return self.lab.process(self, cmd, log, env=env, own_mount_ns=own_mount_ns,
                                private_run=private_run)


# ---------------------------------------------------------------- processes
class Process:
    """A command started in a namespace by the harness (charon, dumpcap, or
    our own esp-iked), its stdout+stderr going to `log`. stop() sends SIGTERM,
    then SIGKILL after `grace` seconds. The Lab stops every Process it started
    at teardown; the conftest attaches the logs to a failing test's report."""

    def __init__(self, ns: Netns, cmd: Sequence[str], log: Path,
                 env: Optional[Dict[str, str]] = None, own_mount_ns: bool = False,
                 private_run: bool = False):
        self.ns = ns
        self.cmd = list(cmd)            # as asked; cmdline: as run in the namespace
        self.log = Path(log)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        inner = list(cmd)
        if private_run:
            # A private /run: pid files, vici/stroke sockets and the like of
            # one daemon never meet another's. `ip netns exec` already gives
            # a mount namespace of its own, slave to the host's; unshare -m
            # makes one more, private, so the tmpfs never propagates anywhere.
            quoted = " ".join(_shquote(a) for a in inner)
            inner = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                     f"mount -t tmpfs -o mode=0755,size=16m espi-run /run && exec {quoted}"]
        elif own_mount_ns:
            # (ip netns exec alone already gives a mount namespace, a slave
            # of the host's, to remount /sys; this one is private.)
            inner = ["unshare", "--mount", "--propagation", "private", *inner]
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self._logf = open(self.log, "ab")
        # ip netns exec, unshare and sh all exec(), so self.pid is the pid of
        # the daemon itself (nsenter -t pid -m -n reaches its namespaces).
        self.popen = subprocess.Popen(ns.wrap(inner), stdout=self._logf, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env=full_env,
                                      start_new_session=True)
        self.pid = self.popen.pid
        self.cmdline = inner

    def running(self) -> bool:
        return self.popen.poll() is None

    def nsenter(self, cmd: Sequence[str]) -> List[str]:
        """cmd as run in this process's mount and network namespaces."""
        return ["nsenter", "-t", str(self.pid), "-m", "-n", *cmd]

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern: str, timeout: float = 10.0) -> re.Match:
        """Waits until the log matches the regex `pattern`; fails early if the
        process exits."""
        rx = re.compile(pattern)

        def probe():
            m = rx.search(self.log_text())
            if m:
                return m
            if not self.running():
                raise LabError(f"{self.cmd[0]} exited ({self.popen.returncode}) before "
                               f"logging /{pattern}/:\n{self.log_text()[-3000:]}")
            return None
        return wait_until(probe, timeout, f"/{pattern}/ in {self.log}")

    def signal(self, sig: int) -> None:
        if self.running():
            os.kill(self.pid, sig)

    def stop(self, grace: float = 5.0) -> Optional[int]:
        """SIGTERM, then SIGKILL after grace seconds; returns the exit status."""
        if self.running():
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)
            except ProcessLookupError:
                pass
        self.popen.wait(timeout=5)
        if not self._logf.closed:
            self._logf.close()
        return self.popen.returncode


def _shquote(s: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./:=,+@%-]+", s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"


# ---------------------------------------------------------------- capture
class Capture:
    """dumpcap on one interface of a namespace into a pcapng file. stop()
    makes sure every packet sent before it is in the file, then closes it;
    read with tshark() / count().

    libpcap hands packets to dumpcap in blocks (TPACKET_V3) that are
    retired on a timer, so a capture stopped right after the last packet
    would lose it. stop() therefore sends a marker frame out of the
    interface (ethertype 0x88b5, "IEEE local experimental", payload
    "espi-capture-end-<n>") and waits until the marker is in the file: the
    capture ends with that one frame, which no IP/UDP/ESP filter matches.

    Likewise at the start: dumpcap's "Capturing on" is not proof that the
    packet ring already sees the interface's frames (a capture once began
    with ESP sequence 2, its first ping lost although dumpcap had said it
    was capturing), so the constructor sends "espi-capture-start-<n>"
    frames until one is in the file; the capture begins with them."""

    MARKER_ETHERTYPE = 0x88B5

    def __init__(self, lab: "Lab", ns: Netns, ifname: str, path: Path,
                 bpf: Optional[str] = None, pcap: bool = False):
        self.ns, self.ifname = ns, ifname
        self.path = Path(path)
        self.marker = lab.unique(f"espi-capture-end-{os.getpid()}-").encode()
        start = lab.unique(f"espi-capture-start-{os.getpid()}-").encode()
        cmd = ["dumpcap", "-q", "-i", ifname, "-w", str(self.path)]
        if pcap:
            cmd += ["-P"]           # classic pcap instead of pcapng
        if bpf:
            cmd += ["-f", f"({bpf}) or ether proto {self.MARKER_ETHERTYPE:#x}"]
        self.proc = lab.process(ns, cmd, self.path.with_suffix(".dumpcap.log"))
        # dumpcap says "Capturing on '<if>'" once the socket is open: only
        # then is nothing the test sends afterwards lost.
        self.proc.wait_log(r"Capturing on", timeout=10)

        def started() -> bool:
            if self._has_marker(start):
                return True
            self._send_marker(start)
            return False
        wait_until(started, 15, f"the start marker in {self.path.name}", interval=0.2)

    def _send_marker(self, marker: Optional[bytes] = None) -> None:
        code = ("import socket,sys; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); "
                "s.bind((sys.argv[1], 0)); "
                f"s.send(b'\\xff'*6 + b'\\x02\\x00\\x00\\x00\\x00\\x01' + "
                f"({self.MARKER_ETHERTYPE}).to_bytes(2, 'big') + sys.argv[2].encode().ljust(46, b'.'))")
        self.ns.cmd(["/usr/bin/python3", "-c", code, self.ifname, (marker or self.marker).decode()])

    def _has_marker(self, marker: Optional[bytes] = None) -> bool:
        try:
            return (marker or self.marker) in self.path.read_bytes()
        except FileNotFoundError:
            return False

    def stop(self, timeout: float = 10.0) -> Path:
        if self.proc.running():
            self._send_marker()
            wait_until(self._has_marker, timeout, f"the end marker in {self.path.name}",
                       interval=0.05)
            self.proc.signal(signal.SIGINT)
            try:
                self.proc.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.proc.stop()
        return self.path

    # One tshark pass per capture (tshark starts slowly: ~0.5-2 s), these
    # fields per packet; filter the rows in Python.
    FIELDS = ("frame.number", "frame.protocols", "eth.type", "ip.src", "ip.dst", "ip.proto",
              "ipv6.src", "ipv6.dst", "ipv6.nxt", "udp.srcport", "udp.dstport", "udp.length", "esp.spi",
              "esp.sequence", "isakmp.exchangetype", "udpencap.nat_keepalive")

    def packets(self) -> List[Dict[str, str]]:
        """Every packet of the (stopped) capture as {field: value} over
        FIELDS, plus "protocols": the list frame.protocols names ("eth",
        "ip", "udp", "udpencap", "esp" ...). Absent fields are ""."""
        if getattr(self, "_packets", None) is None:
            rows = self.tshark(self.FIELDS)
            pk = []
            for r in rows:
                d = {f: (r[i] if i < len(r) else "") for i, f in enumerate(self.FIELDS)}
                d["protocols"] = d["frame.protocols"].split(":")
                pk.append(d)
            self._packets = pk
        return self._packets

    def tshark(self, fields: Sequence[str], display_filter: str = "",
               decode_as: Sequence[str] = ()) -> List[List[str]]:
        """Rows of the given tshark fields for the packets the display filter
        keeps (stop() first)."""
        cmd = ["tshark", "-n", "-r", str(self.path), "-T", "fields", "-E", "separator=\t",
               "-E", "occurrence=f"]
        for d in decode_as:
            cmd += ["-d", d]
        if display_filter:
            cmd += ["-Y", display_filter]
        for f in fields:
            cmd += ["-e", f]
        p = run(cmd, timeout=60)
        return [line.split("\t") for line in p.stdout.splitlines() if line.strip()]

    def count(self, display_filter: str) -> int:
        return len(self.tshark(["frame.number"], display_filter))


# ---------------------------------------------------------------- the lab
@dataclass
class Site:
    """One end of a topology: its namespace, the interface facing the
    network, its outer (IKE/ESP) addresses, the addresses the peer sees
    (the NAT router's when behind NAT) and its inner (tunnelled) addresses,
    which live on lo with their /24 resp. /64 as the site's subnet."""
    ns: Netns
    ifname: str
    outer4: str
    outer6: str
    seen4: str
    seen6: str
    inner4: str
    inner6: str
    subnet4: str
    subnet6: str


@dataclass
class Topology:
    left: Site
    right: Site
    router: Optional[Netns] = None
    router_wan: str = ""
    router_lan: str = ""


class Lab:
    """Owns every namespace, process, temporary directory it made; teardown()
    removes exactly those, in reverse order, even after a failure."""

    def __init__(self, workdir: Path):
        self.pid = os.getpid()
        self.prefix = f"{PREFIX_ROOT}{self.pid}-"
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.namespaces: List[Netns] = []
        self.processes: List[Process] = []
        self.logs: Dict[str, Path] = {}
        self._counter = 0
        # Unix socket paths are limited to 108 bytes: vici sockets live in a
        # short directory of our own, not under pytest's long tmp paths.
        self.sockdir = Path(tempfile.mkdtemp(prefix=self.prefix, dir="/tmp"))
        self.charons: list = []

    # -- namespaces and links
    def netns(self, short: str) -> Netns:
        if len(self.prefix + short) > 64:
            raise LabError(f"namespace name too long: {self.prefix + short}")
        ns = Netns(self, short)
        self.namespaces.append(ns)
        return ns

    def veth(self, a: Netns, a_if: str, b: Netns, b_if: str, mtu: int = 1500) -> None:
        """A veth pair made directly inside the two namespaces (no name ever
        exists in the host's namespace, so parallel runs cannot clash), with
        MTU `mtu` on both ends (`ip link add ... mtu N` alone sets only the
        first end; the peer's is set explicitly)."""
        run(["ip", "link", "add", a_if, "netns", a.name, "mtu", str(mtu), "type", "veth",
             "peer", "name", b_if, "netns", b.name])
        b.cmd(["ip", "link", "set", b_if, "mtu", str(mtu)])
        a.cmd(["ip", "link", "set", a_if, "up"])
        b.cmd(["ip", "link", "set", b_if, "up"])

    def nat_router(self, router: Netns, wan_if: str, random_ports: bool = False) -> None:
        """Masquerades IPv4 and IPv6 leaving wan_if (nftables, family inet).
        With random_ports the source ports are remapped too (a NAT that does
        not keep 500 as 500), otherwise Linux keeps them when it can."""
        router.sysctl("net.ipv4.ip_forward", "1")
        router.sysctl("net.ipv6.conf.all.forwarding", "1")
        ports = (f"    oifname \"{wan_if}\" meta l4proto {{ tcp, udp }} "
                 f"masquerade to :20000-40000 random\n") if random_ports else ""
        rules = (f"table inet espi_nat {{\n"
                 f"  chain post {{ type nat hook postrouting priority srcnat; policy accept;\n"
                 f"{ports}    oifname \"{wan_if}\" masquerade\n  }}\n}}\n")
        router.cmd(["nft", "-f", "-"], input=rules)

    def two_sites(self, nat: bool = False, random_ports: bool = False,
                  left: str = "moon", right: str = "sun") -> Topology:
        """Two hosts, `left` and `right`, directly linked, or with nat=True,
        `left` behind a NAT router ("<left>-nat"): right cannot reach left's
        private addresses at all, only the router's public one.

            direct:  left 192.0.2.1 / 2001:db8::1  <->  right 192.0.2.2 / 2001:db8::2
            nat:     left 10.0.1.2 / fd00:1::2  <->  router 10.0.1.1 | 192.0.2.1 (masq)
                                                               <->  right 192.0.2.2
        Inner subnets: left 10.10.1.0/24, fd10:1::/64 (host .1, ::1);
                       right 10.10.2.0/24, fd10:2::/64."""
        ln, rn = self.netns(left), self.netns(right)
        router = None
        if not nat:
            self.veth(ln, "eth0", rn, "eth0")
            l4, l6, seen4, seen6 = "192.0.2.1", "2001:db8::1", "192.0.2.1", "2001:db8::1"
            ln.addr("eth0", "192.0.2.1/24")
            ln.addr("eth0", "2001:db8::1/64")
        else:
            router = self.netns(left + "-nat")
            self.veth(ln, "eth0", router, "lan")
            self.veth(router, "wan", rn, "eth0")
            l4, l6, seen4, seen6 = "10.0.1.2", "fd00:1::2", "192.0.2.1", "2001:db8::1"
            ln.addr("eth0", "10.0.1.2/24")
            ln.addr("eth0", "fd00:1::2/64")
            router.addr("lan", "10.0.1.1/24")
            router.addr("lan", "fd00:1::1/64")
            router.addr("wan", "192.0.2.1/24")
            router.addr("wan", "2001:db8::1/64")
            ln.route("default", via="10.0.1.1")
            ln.route("::/0", via="fd00:1::1")
            self.nat_router(router, "wan", random_ports=random_ports)
        rn.addr("eth0", "192.0.2.2/24")
        rn.addr("eth0", "2001:db8::2/64")
        sites = []
        for ns, o4, o6, s4, s6, n in ((ln, l4, l6, seen4, seen6, 1),
                                      (rn, "192.0.2.2", "2001:db8::2", "192.0.2.2",
                                       "2001:db8::2", 2)):
            inner4, inner6 = f"10.10.{n}.1", f"fd10:{n}::1"
            ns.addr("lo", f"{inner4}/32")
            ns.addr("lo", f"{inner6}/128")
            sites.append(Site(ns, "eth0", o4, o6, s4, s6, inner4, inner6,
                              f"10.10.{n}.0/24", f"fd10:{n}::/64"))
        return Topology(sites[0], sites[1], router,
                        router_wan="wan" if nat else "", router_lan="lan" if nat else "")

    # -- processes, captures
    def process(self, ns: Netns, cmd: Sequence[str], log: Path, **kw) -> Process:
        p = Process(ns, cmd, log, **kw)
        self.processes.append(p)
        self.logs[f"{ns.short}: {Path(cmd[0]).name} ({Path(log).name})"] = Path(log)
        return p

    def capture(self, ns: Netns, ifname: str, name: str, bpf: Optional[str] = None,
                pcap: bool = False) -> Capture:
        """dumpcap on ns/ifname into <workdir>/<name>.pcapng (.pcap with
        pcap=True); libpcap, hence esp-pcap, reads both."""
        ext = "pcap" if pcap else "pcapng"
        return Capture(self, ns, ifname, self.workdir / f"{name}.{ext}", bpf, pcap)

    def unique(self, stem: str) -> str:
        self._counter += 1
        return f"{stem}{self._counter}"

    # -- teardown
    def teardown(self) -> List[str]:
        """Stops our processes, deletes our namespaces and socket directory;
        returns the problems met (teardown never raises: it must finish)."""
        problems = []
        for c in reversed(self.charons):
            try:
                c.stop()
            except Exception as e:
                problems.append(f"charon {c.name}: {e}")
        for p in reversed(self.processes):
            try:
                p.stop()
            except Exception as e:
                problems.append(f"process {p.cmd[0]}: {e}")
        for ns in reversed(self.namespaces):
            problems += _delete_netns(ns.name)
        self.namespaces.clear()
        shutil.rmtree(self.sockdir, ignore_errors=True)
        return problems


def _delete_netns(name: str) -> List[str]:
    problems = []
    pids = run(["ip", "netns", "pids", name], check=False).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    p = run(["ip", "netns", "del", name], check=False)
    if p.returncode != 0:
        problems.append(f"ip netns del {name}: {p.stderr.strip()}")
    return problems


_STALE_RX = re.compile(rf"^{PREFIX_ROOT}(\d+)-")


def cleanup_stale() -> List[str]:
    """Removes "espi-<pid>-*" namespaces and /tmp/espi-<pid>-* directories
    whose <pid> is no longer alive (left by a run that was killed). Touches
    nothing of a live run and nothing without the prefix. Returns what it
    removed."""
    removed = []
    out = run(["ip", "netns", "list"], check=False).stdout
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        m = _STALE_RX.match(name)
        if m and not _pid_alive(int(m.group(1))):
            _delete_netns(name)
            removed.append(name)
    for d in Path("/tmp").glob(f"{PREFIX_ROOT}*"):
        m = _STALE_RX.match(d.name)
        if m and d.is_dir() and not _pid_alive(int(m.group(1))):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(str(d))
    return removed


def is_ip(s: str) -> bool:
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False


# The strongSwan and PKI helpers, reachable as netlab.Charon etc. so tests
# need one import (resolved lazily: swan.py and pki.py import this module).
_SWAN_NAMES = {"Charon", "VICI_PARSE_ERROR", "connection", "parse_vici", "parse_vici_messages",
               "strongswan_conf", "swanctl_conf", "DEFAULT_PLUGINS", "MINIMAL_PLUGINS",
               "counters", "merge_children"}


def __getattr__(name: str):
    if name in _SWAN_NAMES:
        import swan
        return getattr(swan, name)
    if name == "Pki":
        import pki
        return pki.Pki
    raise AttributeError(f"module 'netlab' has no attribute {name!r}")
