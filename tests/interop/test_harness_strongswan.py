"""Proof that the interop harness works: strongSwan <-> strongSwan.

Two charons, moon (left) and sun (right), each in its own network and
mount namespace, userspace ESP (kernel-libipsec, TUN device ipsec0, routes
in table 220), configured with swanctl.conf files the harness writes:
  * PSK, aes256gcm16-prfsha384-ecp384 / esp aes256gcm16, directly linked,
    IPv4 and IPv6, CHILD_SA rekey, IKE_SA rekey, terminate;
  * ECDSA certificates (SAN FQDN and IP) with moon behind a NAT router:
    NAT detected, float to 4500, keepalives;
and in each, ping through the tunnel, list-sas counters > 0, and a capture
on the link that shows ESP only inside UDP 4500.
"""

import os
import signal
import subprocess

import pytest

import netlab
from netlab import LabError
from swan import merge_children

IKE = "aes256gcm16-prfsha384-ecp384"
ESP = "aes256gcm16"


# ---------------------------------------------------------------- the vici parser
@pytest.mark.parametrize("text,label,expected", [
    ("list-sas reply {}", "list-sas reply", {}),
    ("stats reply {uptime {running=3 seconds since=Dec 06 09:56:49 2026} "
     "plugins=[charon random nonce] ikesas {total=0 half-open=0}}",
     "stats reply",
     {"uptime": {"running": "3 seconds", "since": "Dec 06 09:56:49 2026"},
      "plugins": ["charon", "random", "nonce"], "ikesas": {"total": "0", "half-open": "0"}}),
    ("list-sa event {moon {uniqueid=1 local-id=C=CH, O=espi, CN=moon.espi.test "
     "remote-id=sun nat-local=yes child-sas {net-2 {name=net spi-in=c1a2b3c4 "
     "local-ts=[10.10.1.0/24 fd10:1::/64] remote-ts=[] bytes-in=252}}}}",
     "list-sa event",
     {"moon": {"uniqueid": "1", "local-id": "C=CH, O=espi, CN=moon.espi.test",
               "remote-id": "sun", "nat-local": "yes",
               "child-sas": {"net-2": {"name": "net", "spi-in": "c1a2b3c4",
                                       "local-ts": ["10.10.1.0/24", "fd10:1::/64"],
                                       "remote-ts": [], "bytes-in": "252"}}}}),
    ("x reply {empty= next=1}", "x reply", {"empty": "", "next": "1"}),
])
def test_vici_parser(text, label, expected):
    assert netlab.parse_vici(text) == (label, expected)


@pytest.mark.parametrize("bad", [
    "", "no braces", "x {", "x {a=1", "x {a {b=1}", "x {a=[1 2}", "x {=1}", "x {a=1}}",
    "x {a}", "x {a {}b=1}", "x {a=[1]b=2}",
])
def test_vici_parser_rejects(bad):
    with pytest.raises(LabError):
        netlab.parse_vici(bad)


def test_vici_messages_skip_log_lines():
    out = ("[IKE] initiating IKE_SA moon[1] to 192.0.2.2\n"
           "list-sa event {moon {state=ESTABLISHED}}\n"
           "list-sa event {other {state=CONNECTING}}\nlist-sas reply {}\n")
    assert netlab.parse_vici_messages(out) == [
        ("list-sa event", {"moon": {"state": "ESTABLISHED"}}),
        ("list-sa event", {"other": {"state": "CONNECTING"}}),
        ("list-sas reply", {})]


def test_swanctl_conf_text():
    text = netlab.swanctl_conf(
        {"c": {"version": 2, "encap": False, "proposals": ["a", "b"],
               "local": {"id": "C=CH, O=x, CN=y"}, "remote": {"id": ""}}},
        {"ike-1": {"secret": "has # hash"}})
    assert text.splitlines()[1:] == [
        "connections {", "  c {", "    version = 2", "    encap = no", "    proposals = a, b",
        "    local {", "      id = C=CH, O=x, CN=y", "    }", "    remote {", '      id = ""',
        "    }", "  }", "}", "secrets {", "  ike-1 {", '    secret = "has # hash"', "  }", "}"]


# ---------------------------------------------------------------- stale cleanup
def test_cleanup_stale_removes_only_dead_runs(lab):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = f"espi-{dead.pid}-leftover"
    netlab.run(["ip", "netns", "add", stale])
    try:
        mine = lab.netns("alive")
        removed = netlab.cleanup_stale()
        names = netlab.run(["ip", "netns", "list"]).stdout
        assert stale in removed and stale not in names
        assert mine.name in names and mine.name not in removed
    finally:
        netlab.run(["ip", "netns", "del", stale], check=False)


# ---------------------------------------------------------------- helpers
def psk_pair(lab, topo, ipv6=False, moon_opts=None, sun_opts=None):
    """moon and sun charons with one PSK connection "gw" / child "net"."""
    left, right = topo.left, topo.right
    fam = (lambda s, six: six) if ipv6 else (lambda s, six: s)
    moon = netlab.Charon(lab, left.ns, "moon", options=moon_opts)
    sun = netlab.Charon(lab, right.ns, "sun", options=sun_opts)
    secret = {"ike-gw": {"id-1": "moon.espi.test", "id-2": "sun.espi.test",
                         "secret": "0sv+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL"}}
    moon.write_config({"gw": netlab.connection(
        fam(left.outer4, left.outer6), fam(right.seen4, right.seen6),
        local_id="moon.espi.test", remote_id="sun.espi.test",
        local_ts=fam(left.subnet4, left.subnet6), remote_ts=fam(right.subnet4, right.subnet6),
        proposals=IKE, esp_proposals=ESP)}, secret)
    sun.write_config({"gw": netlab.connection(
        fam(right.outer4, right.outer6), fam(left.seen4, left.seen6),
        local_id="sun.espi.test", remote_id="moon.espi.test",
        local_ts=fam(right.subnet4, right.subnet6), remote_ts=fam(left.subnet4, left.subnet6),
        proposals=IKE, esp_proposals=ESP)}, secret)
    for c in (moon, sun):
        c.start()
        c.load_all()
    return moon, sun


def assert_esp_in_udp_4500_only(cap, min_esp):
    """Every ESP packet on the link is in UDP 4500; none is raw (proto 50);
    no cleartext inner packet leaks; at least min_esp ESP packets. Returns
    the ESP packets."""
    pk = cap.packets()
    raw = [p for p in pk if p["ip.proto"] == "50" or p["ipv6.nxt"] == "50"]
    assert not raw, f"raw ESP (protocol 50): {raw[:3]}"
    esp = [p for p in pk if "esp" in p["protocols"]]
    bad = [p for p in esp if "udp" not in p["protocols"]
           or "4500" not in (p["udp.srcport"], p["udp.dstport"])]
    assert not bad, f"ESP not in UDP 4500: {bad[:3]}"
    assert len(esp) >= min_esp, f"{len(esp)} ESP-in-UDP packets, wanted >= {min_esp}"
    inner = [p for p in pk if any(p[f].startswith(("10.10.", "fd10:"))
                                  for f in ("ip.src", "ip.dst", "ipv6.src", "ipv6.dst"))]
    assert not inner, f"tunnelled addresses in clear on the link: {inner[:3]}"
    return esp


def ping_and_count(moon, sun, topo, ipv6=False, n=4):
    src, dst = ((topo.left.inner6, topo.right.inner6) if ipv6
                else (topo.left.inner4, topo.right.inner4))
    topo.left.ns.ping(dst, count=n, src=src)
    m, s = merge_children(moon.children("gw", "net")), merge_children(sun.children("gw", "net"))
    for who, c in (("moon", m), ("sun", s)):
        assert c["packets-out"] >= n and c["packets-in"] >= n, f"{who}: {c}"
        assert c["bytes-out"] > 0 and c["bytes-in"] > 0, f"{who}: {c}"
    return m, s


# ---------------------------------------------------------------- PSK, direct
def test_psk_direct_ipv4_rekey_terminate(lab):
    topo = lab.two_sites(nat=False)
    cap = lab.capture(topo.right.ns, "eth0", "sun-eth0")
    moon, sun = psk_pair(lab, topo)
    # Each charon: exactly the plugins asked for, its own /run.
    assert moon.stats()["plugins"] == ["charon", *netlab.DEFAULT_PLUGINS]
    for c in (moon, sun):
        assert c.exec(["cat", "/run/charon.pid"]).stdout.strip() == str(c.proc.pid)
    moon.initiate("net")
    sa = moon.wait_established("gw", "net")
    sun.wait_established("gw", "net")
    # What was agreed is what was configured.
    assert (sa["encr-alg"], sa["encr-keysize"], sa["prf-alg"], sa["dh-group"]) == \
        ("AES_GCM_16", "256", "PRF_HMAC_SHA2_384", "ECP_384")
    child = moon.children("gw", "net")[0]
    assert (child["encr-alg"], child["encr-keysize"], child["mode"], child["protocol"]) == \
        ("AES_GCM_16", "256", "TUNNEL", "ESP")
    # kernel-libipsec always encapsulates: no NAT here, yet UDP 4500.
    assert child["encap"] == "yes" and sa["remote-port"] == "4500"
    assert "nat-local" not in sa and sa.get("nat-remote") == "yes", sa   # the fake NAT-D
    # libipsec's route: remote subnet via the TUN device, in table 220.
    routes = topo.left.ns.cmd(["ip", "route", "show", "table", "220"]).stdout
    assert topo.right.subnet4 in routes and "ipsec0" in routes, routes
    ping_and_count(moon, sun, topo)

    # CHILD_SA rekey: a new pair of SPIs, traffic still flows on it.
    old = {c["spi-in"] for c in moon.children("gw", "net")}
    moon.rekey(child="net")
    netlab.wait_until(lambda: any(c.get("state") == "INSTALLED" and c["spi-in"] not in old
                                  for c in moon.children("gw", "net")),
                      10, "a rekeyed CHILD_SA")
    topo.left.ns.ping(topo.right.inner4, count=2, src=topo.left.inner4)
    # IKE_SA rekey: new IKE SPIs, same peers.
    ispi = sa["initiator-spi"]
    sun.rekey(ike="gw")
    netlab.wait_until(lambda: [(sa["state"], sa["initiator-spi"] != ispi)
                               for _, sa in moon.ike_sas("gw")] == [("ESTABLISHED", True)],
                      10, "the rekeyed IKE_SA alone")
    moon.wait_established("gw", "net")
    topo.left.ns.ping(topo.right.inner4, count=2, src=topo.left.inner4)

    cap.stop()
    assert_esp_in_udp_4500_only(cap, min_esp=8 + 4 + 4)
    moon.terminate(ike="gw")
    moon.wait_gone("gw")
    sun.wait_gone("gw")


def test_psk_direct_ipv6(lab):
    topo = lab.two_sites(nat=False)
    cap = lab.capture(topo.left.ns, "eth0", "moon-eth0")
    moon, sun = psk_pair(lab, topo, ipv6=True)
    sun.initiate("net")          # this time the right side initiates
    moon.wait_established("gw", "net")
    sa = sun.wait_established("gw", "net")
    assert sa["remote-host"] == topo.left.outer6
    ping_and_count(moon, sun, topo, ipv6=True)
    cap.stop()
    assert_esp_in_udp_4500_only(cap, min_esp=8)


# ---------------------------------------------------------------- ECDSA certs, NAT
def test_ecdsa_certificates_behind_nat(lab):
    topo = lab.two_sites(nat=True)
    left, right = topo.left, topo.right
    pki = netlab.Pki(lab.workdir / "pki", kind="ecdsa", curve="P-384")
    moon_ck = pki.issue("moon.espi.test", ["DNS:moon.espi.test", f"IP:{left.outer4}"])
    sun_ck = pki.issue("sun.espi.test", ["DNS:sun.espi.test", f"IP:{right.outer4}"])
    # Keepalives every second so the test sees some.
    moon = netlab.Charon(lab, left.ns, "moon", options={"keep_alive": "1s"})
    sun = netlab.Charon(lab, right.ns, "sun")
    mcert, ca = pki.install(moon.swanctl_dir, moon_ck)
    scert, _ = pki.install(sun.swanctl_dir, sun_ck)
    moon.write_config({"gw": netlab.connection(
        left.outer4, right.outer4, auth="pubkey", local_id="moon.espi.test",
        remote_id=right.outer4,      # an ID of type IPv4, matched to the SAN IP
        local_cert=mcert, remote_cacert=ca,
        local_ts=left.subnet4, remote_ts=right.subnet4, proposals=IKE, esp_proposals=ESP)})
    sun.write_config({"gw": netlab.connection(
        right.outer4, "%any", auth="pubkey", local_id=right.outer4,
        remote_id="moon.espi.test", local_cert=scert, remote_cacert=ca,
        local_ts=right.subnet4, remote_ts=left.subnet4, proposals=IKE, esp_proposals=ESP)})
    # On the router's public side: what sun sees.
    cap = lab.capture(topo.router, topo.router_wan, "nat-wan")
    for c in (moon, sun):
        c.start()
        c.load_all()
    moon.initiate("net")
    sa = moon.wait_established("gw", "net")
    ssa = sun.wait_established("gw", "net")
    # NAT detected on both sides, and who is behind it.
    # The NAT is real for moon only (nat-local); nat-remote is "yes" on
    # both sides whatever the network: libipsec needs UDP encapsulation, so
    # each charon sends a fake NATD_SOURCE_IP and the other believes it
    # is behind a NAT.
    assert sa.get("nat-local") == "yes" and sa.get("nat-remote") == "yes", sa
    assert "nat-local" not in ssa and ssa.get("nat-remote") == "yes", ssa
    assert sa["local-host"] == left.outer4 and ssa["remote-host"] == left.seen4 == "192.0.2.1"
    assert ssa["local-id"] == right.outer4 and ssa["remote-id"] == "moon.espi.test"
    # Certificates sent and checked both ways, RFC 7427 signatures.
    for c, peer in ((sun, "moon.espi.test"), (moon, right.outer4)):
        text = c.log.read_text()
        assert f"authentication of '{peer}' with ECDSA_WITH_SHA384_DER successful" in text
        assert 'received end entity cert "C=CH, O=espi, CN=' in text
    assert sa["remote-port"] == "4500" and ssa["local-port"] == "4500"
    ping_and_count(moon, sun, topo)
    # Keepalives (RFC 3948: one byte 0xff) from the NATed side to 4500:
    # charon logs each one it sends; wait for three, expect two on the wire.
    netlab.wait_until(lambda: moon.log.read_text().count("sending keep alive") >= 3, 10,
                      "three NAT-T keepalives from moon")
    cap.stop()
    assert_esp_in_udp_4500_only(cap, min_esp=8)
    # IKE floated: IKE_SA_INIT (exchange 34) on 500, then nothing on 500.
    udp = [p for p in cap.packets() if "udp" in p["protocols"]]
    first = next(i for i, p in enumerate(udp) if "4500" in (p["udp.srcport"], p["udp.dstport"]))
    assert udp[:first] and all(p["isakmp.exchangetype"] == "34" and
                               p["udp.srcport"] == p["udp.dstport"] == "500"
                               for p in udp[:first]), udp[:first]
    assert all("500" not in (p["udp.srcport"], p["udp.dstport"]) for p in udp[first:])
    keepalives = [p for p in udp if "udpencap" in p["protocols"] and p["udp.length"] == "9"
                  and p["ip.src"] == "192.0.2.1" and p["udp.dstport"] == "4500"]
    assert len(keepalives) >= 2, keepalives


# ---------------------------------------------------------------- our daemon's helper
def test_process_helper_stop_escalates_and_keeps_log(lab):
    """The helper esp-iked will run under: own mount namespace, output in a
    log, SIGTERM then SIGKILL."""
    ns = lab.netns("proc")
    polite = ns.popen(["sh", "-c", "trap 'echo bye; exit 3' TERM; echo ready; "
                       "while :; do sleep 0.05; done"], lab.workdir / "polite.log",
                      own_mount_ns=True)
    stubborn = ns.popen(["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"],
                        lab.workdir / "stubborn.log", private_run=True)
    polite.wait_log("ready")
    stubborn.wait_log("ready")
    # own mount namespace: not the test's; private /run: an empty tmpfs.
    assert os.readlink(f"/proc/{polite.pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt")
    assert netlab.run(stubborn.nsenter(["ls", "-A", "/run"])).stdout == ""
    assert os.readlink(f"/proc/{polite.pid}/ns/net") == os.readlink(
        f"/proc/{stubborn.pid}/ns/net") != os.readlink("/proc/self/ns/net")
    assert polite.stop(grace=5) == 3 and "bye" in polite.log_text()
    assert stubborn.stop(grace=0.5) == -signal.SIGKILL
    with pytest.raises(LabError, match="exited"):
        ns.popen(["sh", "-c", "echo no; exit 1"], lab.workdir / "quick.log").wait_log("never")


def test_failing_test_report_shows_logs(pytester):
    """A failing test that used `lab` gets the lab's logs in its report."""
    here = os.path.dirname(os.path.abspath(__file__))
    pytester.makeconftest(f"import sys; sys.path.insert(0, {here!r})\n"
                          f"exec(open({os.path.join(here, 'conftest.py')!r}).read())\n")
    pytester.makepyfile(test_inner="""
        def test_fails(lab):
            ns = lab.netns("inner")
            p = ns.popen(["sh", "-c", "echo the-daemon-said-this"], lab.workdir / "d.log")
            p.wait_log("the-daemon-said-this")
            assert False
    """)
    res = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    res.assert_outcomes(failed=1)
    out = res.stdout.str()
    assert "inner: sh (d.log): last" in out and "the-daemon-said-this" in out


# ---------------------------------------------------------------- RSA chain, capture
def test_rsa_certificate_chain(lab):
    """RSA root -> one intermediate per side -> end entities. Each side has
    the root as its only trust anchor and its own intermediate only, so it
    must send that intermediate and verify the peer's; the certificates
    make IKE_AUTH exceed the MTU: RFC 7383 fragments."""
    topo = lab.two_sites(nat=False)
    left, right = topo.left, topo.right
    pki = netlab.Pki(lab.workdir / "pki", kind="rsa", bits=2048)
    charons = {}
    for name, me, peer, other in (("moon", left, right, "sun"), ("sun", right, left, "moon")):
        sub = pki.intermediate(f"espi {name} sub CA")
        ck = pki.issue(f"{name}.espi.test", [f"DNS:{name}.espi.test"], issuer=sub,
                       traditional=(name == "moon"))      # moon: a PKCS#1 key
        c = charons[name] = netlab.Charon(lab, me.ns, name)
        cert, root = pki.install(c.swanctl_dir, ck)
        # its intermediate goes with its certificate (x509/), not as an anchor
        (c.swanctl_dir / "x509" / sub.cert.name).write_bytes(sub.cert.read_bytes())
        c.write_config({"gw": netlab.connection(
            me.outer4, peer.outer4, auth="pubkey", local_id=f"{name}.espi.test",
            remote_id=f"{other}.espi.test", local_cert=cert, remote_cacert=root,
            local_ts=me.subnet4, remote_ts=peer.subnet4, proposals=IKE, esp_proposals=ESP)})
        c.start()
        c.load_all()
    moon, sun = charons["moon"], charons["sun"]
    moon.initiate("net")
    moon.wait_established("gw", "net")
    sun.wait_established("gw", "net")
    for c, peer in ((sun, "moon"), (moon, "sun")):
        text = c.log.read_text()
        assert f'received end entity cert "C=CH, O=espi, CN={peer}.espi.test"' in text
        assert f'received issuer cert "C=CH, O=espi, CN=espi {peer} sub CA"' in text
        assert f"authentication of '{peer}.espi.test' with RSA" in text
        assert "reassembled fragmented IKE message" in text
    ping_and_count(moon, sun, topo, n=2)


def test_capture_sees_udp_send(lab):
    a, b = lab.netns("a"), lab.netns("b")
    lab.veth(a, "x0", b, "x1")
    a.addr("x0", "198.51.100.1/24")
    b.addr("x1", "198.51.100.2/24")
    cap = lab.capture(b, "x1", "x1", bpf="udp port 4500", pcap=True)
    a.udp_send("198.51.100.2", 4500, b"\xff", sport=4500)
    a.udp_send("198.51.100.2", 500, b"not captured", sport=500)
    cap.stop()
    udp = [p for p in cap.packets() if "udp" in p["protocols"]]
    assert [(p["ip.src"], p["udp.srcport"], p["udp.dstport"], p["udp.length"]) for p in udp] \
        == [("198.51.100.1", "4500", "4500", "9")]
    assert "udpencap" in udp[0]["protocols"]      # Wireshark: a NAT-T keepalive
    assert cap.path.read_bytes()[:4] == bytes.fromhex("d4c3b2a1")   # classic pcap, LE
