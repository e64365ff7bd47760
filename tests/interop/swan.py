"""swan: strongSwan's charon run by the harness, one per network namespace,
each with a private /run, its own strongswan.conf, swanctl directory, vici
socket and log; swanctl driven against exactly that charon; swanctl's raw
vici output parsed into dicts.

Import through netlab (netlab.Charon, netlab.connection, ...). Not
thread-safe: one Charon is driven by one thread.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from netlab import Lab, LabError, Netns, Process, run, wait_until

CHARON = "/usr/lib/ipsec/charon"
SWANCTL = "/usr/sbin/swanctl"

# The plugins charon loads (charon.load), in this order. MINIMAL_PLUGINS is
# the smallest list with which PSK, ECDSA and RSA certificates (PKCS#8,
# PKCS#1 and SEC1 keys), every IKE proposal of issue 12 and ESP AES-GCM work
# (README.md: each plugin was left out in turn, and what then failed).
#   nonce           : IKE nonces (charon aborts at start without it)
#   kdf             : prf+ / KDF_PRF; since 5.9.8 not done by openssl
#                     ("KDF_PRF with PRF_HMAC_SHA2_384 not supported")
#   openssl         : RNG, AES-GCM/CBC, SHA2/HMAC, MODP/ECP/x25519 DH,
#                     RSA/ECDSA keys and signatures, X.509 (OpenSSL 3)
#   pem             : charon parses the PEM files swanctl sends it
#                     (swanctl: "parsing X509 certificate failed" without)
#   kernel-libipsec : userspace ESP (TUN device ipsec0, ESP always in UDP
#                     4500); MUST come before kernel-netlink, otherwise
#                     kernel-netlink's XFRM backend registers first, and on a
#                     kernel without ESP (CONFIG_INET_ESP unset, as here)
#                     installing the SA fails: NO_PROPOSAL_CHOSEN
#   kernel-netlink  : addresses, routes (table 220); charon aborts without
#   socket-default  : the IKE sockets on port / port_nat_t
#   vici            : the control socket swanctl talks to
# DEFAULT_PLUGINS adds constraints (basicConstraints pathLen, name
# constraints, policies in chains): not needed to connect, but without it
# a CA chain is accepted that should not be.
# Not needed: random (openssl has an RNG), x509 pkcs1 pkcs8 pubkey (openssl
# parses certificates and keys), revocation (no CRL/OCSP in the tests),
# updown (libipsec installs the routes itself).
MINIMAL_PLUGINS: Tuple[str, ...] = (
    "nonce", "kdf", "openssl", "pem", "kernel-libipsec", "kernel-netlink", "socket-default",
    "vici")
DEFAULT_PLUGINS: Tuple[str, ...] = (
    "nonce", "kdf", "openssl", "pem", "constraints", "kernel-libipsec", "kernel-netlink",
    "socket-default", "vici")

# What swanctl itself loads (to read the files it sends to charon).
SWANCTL_PLUGINS: Tuple[str, ...] = ("pem", "pkcs1", "pkcs8", "x509", "openssl")


# ---------------------------------------------------------------- config text
def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return ", ".join(_scalar(x) for x in v)
    s = str(v)
    if s == "" or s != s.strip() or re.search(r"[{}#\"\n]", s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


def settings_text(d: Mapping[str, Any], indent: int = 0) -> str:
    """strongswan.conf / swanctl.conf syntax from nested dicts: a dict is a
    section, a list a comma-separated value, a bool yes/no. Values with
    spaces (e.g. DNs) are written as they are (both parsers take the rest
    of the line); values with braces or '#' are quoted."""
    pad = "  " * indent
    out = []
    for k, v in d.items():
        if isinstance(v, Mapping):
            out.append(f"{pad}{k} {{\n{settings_text(v, indent + 1)}{pad}}}\n")
        elif v is None:
            continue
        else:
            out.append(f"{pad}{k} = {_scalar(v)}\n")
    return "".join(out)


def _merge(base: Dict[str, Any], extra: Mapping[str, Any]) -> Dict[str, Any]:
    for k, v in extra.items():
        if isinstance(v, Mapping) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v
    return base


def strongswan_conf(vici_socket: Path, log: Path, plugins: Sequence[str] = DEFAULT_PLUGINS,
                    options: Optional[Mapping[str, Any]] = None, loglevel: int = 2) -> str:
    """The strongswan.conf for one charon. `options` is merged into the
    charon section (e.g. {"keep_alive": "2s", "port": 1500})."""
    charon: Dict[str, Any] = {
        "load": " ".join(plugins),
        "port": 500,
        "port_nat_t": 4500,
        # libipsec: routes to remote_ts via the TUN device, in table 220,
        # with the local inner address as src (found on lo).
        "install_routes": True,
        "routing_table": 220,
        "routing_table_prio": 220,
        # Tests want a lost peer noticed in seconds, not minutes:
        # retransmits after 1, 1.4, 1.96 s, gives up 2.74 s later (7.1 s).
        "retransmit_timeout": 1.0,
        "retransmit_base": 1.4,
        "retransmit_tries": 3,
        "keep_alive": "20s",
        "filelog": {
            "charon": {
                "path": str(log),
                "default": loglevel,
                # level 2 of these four is a line per encoded field or
                # per poll(): 1 keeps the log readable
                "enc": min(loglevel, 1), "asn": min(loglevel, 1),
                "job": min(loglevel, 1), "mgr": min(loglevel, 1),
                "time_format": "%H:%M:%S",
                "time_add_ms": True,
                "ike_name": True,
                "flush_line": True,
                "append": True,
            },
        },
        "plugins": {
            "vici": {"socket": f"unix://{vici_socket}"},
            "kernel-libipsec": {"allow_peer_ts": False},
        },
    }
    if options:
        _merge(charon, options)
    # swanctl reads this file too: without a load list it loads every
    # plugin it knows (ldap, curl, pkcs11, test-vectors ...), about three
    # times slower per call. It only needs to read PEM keys and certificates.
    swanctl = {"load": " ".join(SWANCTL_PLUGINS)}
    return "# written by tests/interop (netlab)\n" + settings_text({"charon": charon,
                                                                    "swanctl": swanctl})


def swanctl_conf(connections: Mapping[str, Any], secrets: Optional[Mapping[str, Any]] = None
                 ) -> str:
    d: Dict[str, Any] = {"connections": dict(connections)}
    if secrets:
        d["secrets"] = dict(secrets)
    return "# written by tests/interop (netlab)\n" + settings_text(d)


def connection(local_addrs: str, remote_addrs: str, *, local_id: str, remote_id: str,
               local_ts: str, remote_ts: str, auth: str = "psk",
               proposals: str = "aes256gcm16-prfsha384-ecp384",
               esp_proposals: str = "aes256gcm16", child: str = "net",
               local_cert: Optional[str] = None, remote_cacert: Optional[str] = None,
               start_action: str = "none", encap: bool = False, mode: str = "tunnel",
               dpd_delay: Optional[str] = None, extra: Optional[Mapping[str, Any]] = None,
               child_extra: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """One swanctl.conf connection (the value of connections.<name>): IKEv2,
    auth "psk" or "pubkey" (then local_cert is a file in x509/ and
    remote_cacert one in x509ca/), one child `child`."""
    local: Dict[str, Any] = {"auth": auth, "id": local_id}
    remote: Dict[str, Any] = {"auth": auth, "id": remote_id}
    if local_cert:
        local["certs"] = local_cert
    if remote_cacert:
        remote["cacerts"] = remote_cacert
    ch: Dict[str, Any] = {"local_ts": local_ts, "remote_ts": remote_ts,
                          "esp_proposals": esp_proposals, "mode": mode,
                          "start_action": start_action}
    if child_extra:
        ch.update(child_extra)
    c: Dict[str, Any] = {"version": 2, "local_addrs": local_addrs, "remote_addrs": remote_addrs,
                         "proposals": proposals, "encap": encap,
                         "local": local, "remote": remote, "children": {child: ch}}
    if dpd_delay:
        c["dpd_delay"] = dpd_delay
    if extra:
        c.update(extra)
    return c


# ---------------------------------------------------------------- vici output
VICI_PARSE_ERROR = LabError
_KEY = r"[A-Za-z0-9_.-]+"
# Where a scalar value ends: the end of its section, or the next item
# (" key=", " name {"). Keys of key=value pairs in vici messages are
# lowercase ("bytes-in", "local-id"); names of sections are any non-space
# word ("moon", "net-1"). A value that itself contains " <lowercase>=" or
# " <word> {" or "}" is therefore cut short: strongSwan's raw dump does not
# escape anything. DNs with uppercase attribute types ("C=CH, O=x, CN=y"),
# dates and algorithm names are safe; this harness only uses such values.
_VALUE_END = re.compile(r"\}| [a-z0-9][a-z0-9_-]*=| [^\s={}\[\]]+ \{")


def parse_vici(text: str) -> Tuple[str, Dict[str, Any]]:
    """Parses one message as `swanctl --raw` prints it, e.g.
    'list-sa event {moon {uniqueid=1 child-sas {net-2 {bytes-in=84}}}}'
    into ("list-sa event", {"moon": {...}}). Sections become dicts, lists
    (k=[a b]) lists of str, values str (binary ones stay "0x..." hex).
    Raises LabError (VICI_PARSE_ERROR) on malformed text."""
    s = text.strip()
    i = s.find(" {")
    if i <= 0:
        raise VICI_PARSE_ERROR(f"vici: no 'label {{' in {s[:80]!r}")
    label = s[:i]
    body, j = _parse_section(s, i + 2)
    if j != len(s):
        raise VICI_PARSE_ERROR(f"vici: trailing text at {j}: {s[j:j + 40]!r}")
    return label, body


def _parse_section(s: str, i: int) -> Tuple[Dict[str, Any], int]:
    out: Dict[str, Any] = {}
    first = True
    while True:
        if i >= len(s):
            raise VICI_PARSE_ERROR("vici: unterminated section")
        if s[i] == "}":
            return out, i + 1
        if not first:
            if s[i] != " ":
                raise VICI_PARSE_ERROR(f"vici: expected ' ' at {i}: {s[i:i + 40]!r}")
            i += 1
        first = False
        m = re.compile(_KEY).match(s, i)
        if not m:
            raise VICI_PARSE_ERROR(f"vici: expected a name at {i}: {s[i:i + 40]!r}")
        name, i = m.group(0), m.end()
        if s.startswith(" {", i):
            out[name], i = _parse_section(s, i + 2)
        elif s.startswith("=[", i):
            end = s.find("]", i + 2)
            if end < 0:
                raise VICI_PARSE_ERROR(f"vici: unterminated list {name}")
            inner = s[i + 2:end]
            out[name] = inner.split(" ") if inner else []
            i = end + 1
        elif s.startswith("=", i):
            m2 = _VALUE_END.search(s, i + 1)
            end = m2.start() if m2 else len(s)
            out[name] = s[i + 1:end]
            i = end
        else:
            raise VICI_PARSE_ERROR(f"vici: expected '=' or ' {{' after {name!r} at {i}")


def parse_vici_messages(text: str) -> List[Tuple[str, Dict[str, Any]]]:
    """Every message of a --raw output (one per line; other lines, such as
    swanctl's log lines during --initiate, are skipped)."""
    out = []
    for line in text.splitlines():
        if re.match(r"^[a-z][a-z -]* \{", line):
            out.append(parse_vici(line))
    return out


# ---------------------------------------------------------------- charon
class Charon:
    """One charon in `ns`, files under lab.workdir/<name>/:
         strongswan.conf, charon.log (filelog, level 2), charon.stderr,
         swanctl/{swanctl.conf,x509,x509ca,private}
    and its vici socket in lab.sockdir. Call write_config() (or put files in
    swanctl_dir yourself), start(), load_all(); then initiate(), list_sas(),
    wait_established(), rekey(), terminate(). The Lab stops it."""

    def __init__(self, lab: Lab, ns: Netns, name: str, plugins: Sequence[str] = DEFAULT_PLUGINS,
                 options: Optional[Mapping[str, Any]] = None, loglevel: int = 2):
        self.lab, self.ns, self.name = lab, ns, name
        self.dir = lab.workdir / name
        self.swanctl_dir = self.dir / "swanctl"
        for sub in ("x509", "x509ca", "private", "x509crl"):
            (self.swanctl_dir / sub).mkdir(parents=True, exist_ok=True)
        self.vici = lab.sockdir / f"{name}.vici"
        self.log = self.dir / "charon.log"
        self.conf = self.dir / "strongswan.conf"
        self.conf.write_text(strongswan_conf(self.vici, self.log, plugins, options, loglevel))
        self.proc: Optional[Process] = None
        lab.charons.append(self)
        lab.logs[f"{ns.short}: charon {name} (charon.log)"] = self.log

    # -- files
    def write_config(self, connections: Mapping[str, Any],
                     secrets: Optional[Mapping[str, Any]] = None) -> Path:
        p = self.swanctl_dir / "swanctl.conf"
        p.write_text(swanctl_conf(connections, secrets))
        return p

    @property
    def env(self) -> Dict[str, str]:
        return {"STRONGSWAN_CONF": str(self.conf), "SWANCTL_DIR": str(self.swanctl_dir)}

    # -- life
    def start(self, timeout: float = 15.0) -> "Charon":
        self.proc = self.lab.process(self.ns, [CHARON], self.dir / "charon.stderr",
                                     env=self.env, private_run=True)

        def ready():
            if not self.proc.running():
                raise LabError(f"charon {self.name} exited ({self.proc.popen.returncode}):\n"
                               + self.tail())
            return self.vici.exists() and self.swanctl("--stats", check=False).returncode == 0
        wait_until(ready, timeout, f"charon {self.name}'s vici socket")
        return self

    def stop(self) -> Optional[int]:
        return self.proc.stop() if self.proc else None

    def tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except FileNotFoundError:
            return "(no charon.log)"

    # -- swanctl against this charon
    def swanctl(self, *args: str, check: bool = True, timeout: float = 30.0):
        """swanctl with this charon's vici URI, strongswan.conf and swanctl
        directory. (Equivalently: self.proc.nsenter(["swanctl", ...]) would
        reach it through its private /run if the socket were the default.)"""
        env = dict(os.environ)
        env.update(self.env)
        return run([SWANCTL, *args, "--uri", f"unix://{self.vici}"], check=check,
                   timeout=timeout, env=env)

    def load_all(self) -> str:
        return self.swanctl("--load-all", "--noprompt", "--file",
                            str(self.swanctl_dir / "swanctl.conf")).stdout

    def initiate(self, child: str, ike: Optional[str] = None, timeout: int = 15,
                 check: bool = True):
        args = ["--initiate", "--child", child, "--timeout", str(timeout)]
        if ike:
            args += ["--ike", ike]
        p = self.swanctl(*args, check=False, timeout=timeout + 10)
        if check and p.returncode != 0:
            raise LabError(f"{self.name}: swanctl --initiate {child} failed "
                           f"({p.returncode}):\n{p.stdout}{p.stderr}\n--- charon.log ---\n"
                           + self.tail())
        return p

    def terminate(self, ike: Optional[str] = None, child: Optional[str] = None,
                  timeout: int = 10, force: bool = False):
        args = ["--terminate", "--timeout", str(timeout)]
        if ike:
            args += ["--ike", ike]
        if child:
            args += ["--child", child]
        if force:
            args += ["--force"]
        return self.swanctl(*args, timeout=timeout + 10)

    def rekey(self, ike: Optional[str] = None, child: Optional[str] = None,
              reauth: bool = False):
        args = ["--rekey"]
        if ike:
            args += ["--ike", ike]
        if child:
            args += ["--child", child]
        if reauth:
            args += ["--reauth"]
        return self.swanctl(*args)

    def stats(self) -> Dict[str, Any]:
        """`swanctl --stats --raw`: uptime, workers, ikesas, plugins ..."""
        for label, msg in parse_vici_messages(self.swanctl("--stats", "--raw").stdout):
            if label == "stats reply":
                return msg
        raise LabError(f"{self.name}: no stats reply")

    def exec(self, cmd: Sequence[str], **kw):
        """Runs cmd in this charon's mount and network namespaces (its
        private /run, its ipsec0, its routes)."""
        if self.proc is None:
            raise LabError(f"charon {self.name} not started")
        return run(self.proc.nsenter(cmd), **kw)

    def list_sas(self, ike: Optional[str] = None) -> Dict[str, Dict[str, Any]]:
        """IKE_SAs by connection name (as `swanctl --list-sas --raw` gives
        them: keys such as state, local-host, local-port, remote-port,
        nat-local, nat-remote, encr-alg, encr-keysize, prf-alg, dh-group,
        initiator-spi, responder-spi, and child-sas {<name>-<id> {state,
        spi-in, spi-out, encap, protocol, mode, encr-alg, bytes-in,
        packets-in, bytes-out, packets-out, local-ts, remote-ts, ...}})."""
        out: Dict[str, Dict[str, Any]] = {}
        for name, sa in self.ike_sas(ike):
            out[name] = sa          # two IKE_SAs of one name (a rekey): the last
        return out

    def ike_sas(self, ike: Optional[str] = None) -> List[Tuple[str, Dict[str, Any]]]:
        """Every IKE_SA as (connection name, dict), in list-sas order; during
        an IKE_SA rekey the old and the new one share the name."""
        args = ["--list-sas", "--raw", "--noblock"]
        if ike:
            args += ["--ike", ike]
        out: List[Tuple[str, Dict[str, Any]]] = []
        for label, msg in parse_vici_messages(self.swanctl(*args).stdout):
            if label == "list-sa event":
                out.extend(msg.items())
        return out

    def children(self, ike: str, child: Optional[str] = None) -> List[Dict[str, Any]]:
        """The CHILD_SAs of IKE_SA `ike` (named `child` if given)."""
        sa = self.list_sas(ike).get(ike, {})
        kids = sa.get("child-sas", {}) if isinstance(sa, dict) else {}
        return [c for c in kids.values() if child is None or c.get("name") == child]

    def wait_established(self, ike: str, child: Optional[str] = None,
                         timeout: float = 15.0) -> Dict[str, Any]:
        """Polls list-sas until IKE_SA `ike` is ESTABLISHED (and, if `child`
        is given, one of its CHILD_SAs named so is INSTALLED); returns the
        IKE_SA's dict."""
        def probe():
            sa = self.list_sas(ike).get(ike)
            if not sa or sa.get("state") != "ESTABLISHED":
                return None
            if child and not any(c.get("state") == "INSTALLED"
                                 for c in self.children(ike, child)):
                return None
            return sa
        return wait_until(probe, timeout, f"{self.name}: {ike}/{child or '-'} established",
                          interval=0.2, on_timeout=lambda: f"list-sas: {self.list_sas()}\n"
                          f"--- charon.log ---\n{self.tail()}")

    def wait_gone(self, ike: str, timeout: float = 15.0) -> None:
        wait_until(lambda: ike not in self.list_sas(ike), timeout,
                   f"{self.name}: IKE_SA {ike} gone", interval=0.2)


def counters(child: Mapping[str, Any]) -> Dict[str, int]:
    return {k: int(child.get(k, "0")) for k in ("bytes-in", "packets-in", "bytes-out",
                                                "packets-out")}


def merge_children(children: Iterable[Mapping[str, Any]]) -> Dict[str, int]:
    total = {"bytes-in": 0, "packets-in": 0, "bytes-out": 0, "packets-out": 0}
    for c in children:
        for k, v in counters(c).items():
            total[k] += v
    return total
