"""esp-iked as a gateway, what test_gateway_strongswan.py and
test_gateway_pair.py do not cover (issue 13): IPv6 traffic selectors and
hosts, over an IPv4 WAN and over an IPv6 WAN (outer IPv6), between two
esp-iked and against strongSwan's kernel-libipsec; ICMPv6 "packet too big"
from esp-iked; --route-table 220 (routes, rule, cleanup, a full tunnel that
keeps its peer reachable, and the far end of one: esp-iked with local
selector 0.0.0.0/0 or ::/0); --no-dataplane; and netlab's veth MTU.

Topology: gwlab.gateway_lab(ipv6=True[, wan6=True]): alice fd01::10 behind
moon (fd01::1), bob fd02::10 behind sun (fd02::1), next to the IPv4 LANs;
with wan6 moon and sun also have 2001:db8::1 / ::2 on the WAN. esp-iked runs
on the swemu card.
"""

import os

import pytest

import gwlab
import netlab
from gwlab import Transfer, assert_ping_sweep, gw_connection, installed, ping_df, ping_sizes

SMALL = int(os.environ.get("ESPI_GW_MORE_MB", "4")) << 20


def pair(lab, topo, build, moon_args=(), sun_args=(), **conn_kw):
    """esp-iked on both gateways, moon initiating (as in
    test_gateway_pair.py); returns (moon, sun) once both list the CHILD_SA
    with each side's outbound SPI the other's inbound one."""
    sun = gwlab.start_iked(lab, topo.right, "sun", build,
                           gw_connection(topo, topo.right, remote_addrs="%any", **conn_kw),
                           extra_args=sun_args)
    moon = gwlab.start_iked(lab, topo.left, "moon", build, gw_connection(topo, topo.left, **conn_kw),
                            extra_args=moon_args)
    moon.espctl("initiate", "--child", "net")
    _, m = moon.wait_child()
    _, s = sun.wait_child()
    assert m["spi-out"] == s["spi-in"] == m["card-sa"]["spi-out"] == s["card-sa"]["spi-in"], (m, s)
    assert m["spi-in"] == s["spi-out"] == m["card-sa"]["spi-in"] == s["card-sa"]["spi-out"], (m, s)
    return moon, sun


def routes_to(ns, prefix, family=4, table="all"):
    """The kernel's routes for exactly `prefix` in a namespace (`ip -4|-6
    route show table T`), as text lines."""
    out = ns.cmd(["ip", f"-{family}", "route", "show", "table", str(table)]).stdout
    return [line for line in out.splitlines() if line.split()[:1] == [prefix]
            or line.split()[:2] == ["unicast", prefix]]


def assert_routed_via_esp0(iked, prefix, src, family):
    routes = routes_to(iked.ns, prefix, family)
    assert any("dev esp0" in r and f"src {src}" in r for r in routes), \
        f"no route {prefix} dev esp0 src {src}: {iked.routes(family)}"


def both_ways(lab, topo, nbytes, tag, family=6):
    """Checksummed TCP alice -> bob and bob -> alice at once, to the hosts'
    IPv6 (family=6) or IPv4 addresses."""
    a, b = (topo.left.host6, topo.right.host6) if family == 6 else (topo.left.host4,
                                                                    topo.right.host4)
    ab = Transfer(lab, topo.left.host, topo.right.host, b, nbytes, port=5001, seed=5,
                  name=f"{tag}-ab", timeout=120).start()
    ba = Transfer(lab, topo.right.host, topo.left.host, a, nbytes, port=5002, seed=6,
                  name=f"{tag}-ba", timeout=120).start()
    return ab.check(), ba.check()


def sizes6(mtu):
    """ICMPv6 payload sizes up to the largest that fits `mtu` (IPv6 40 +
    ICMPv6 8), thinned out: the sweep costs seconds per size."""
    return [s for s in ping_sizes(mtu, family=6) if s in (0, 1, 56, 1000) or s >= mtu - 49]


def max_inner_esp(path_mtu, outer=4, udp=True):
    """The largest inner packet that fits path_mtu once in ESP (AES-GCM),
    from the RFCs, not from esp-iked: outer IPv4 20 / IPv6 40 (RFC 8200) +
    UDP 8 when encapsulated (RFC 3948) + SPI and sequence 8 (RFC 4303) + IV
    8 (RFC 4106) + payload, pad length and next header padded to 4 bytes
    (RFC 4303 2.4) + ICV 16."""
    fixed = (20 if outer == 4 else 40) + (8 if udp else 0) + 8 + 8 + 16
    size = path_mtu
    while fixed + (size + 2 + 3) // 4 * 4 > path_mtu:
        size -= 1
    return size


def wan_packets(lab, topo, run):
    """Captures sun's WAN while run() runs; returns the packets."""
    cap = lab.capture(topo.right.gw, "wan", "wan", pcap=True)
    run()
    return cap.stop() and cap.packets()


def lan_in_clear(packets):
    """Packets on the WAN with a LAN address (IPv4 or IPv6) in the clear."""
    lan = ("10.1.", "10.2.", "fd01:", "fd02:")
    return [p for p in packets if p["ip.src"].startswith(lan) or p["ip.dst"].startswith(lan)
            or p["ipv6.src"].startswith(lan) or p["ipv6.dst"].startswith(lan)]


# ---------------------------------------------------------------- netlab
def test_veth_mtu_applies_to_both_ends(lab):
    """netlab.Lab.veth(mtu=N) sets N on both ends of the pair (it used to
    set only the first), and the default stays 1500 on both."""
    a, b = lab.netns("a"), lab.netns("b")
    lab.veth(a, "x", b, "y", mtu=1300)
    lab.veth(a, "p", b, "q")
    assert gwlab.tun_mtu(a, "x") == gwlab.tun_mtu(b, "y") == 1300
    assert gwlab.tun_mtu(a, "p") == gwlab.tun_mtu(b, "q") == 1500
    a.addr("x", "10.9.0.1/24")
    b.addr("y", "10.9.0.2/24")
    assert ping_df(a, "10.9.0.2", 1300 - 28, count=1)[1] == 1
    assert ping_df(b, "10.9.0.1", 1300 - 28, count=1)[1] == 1


# ---------------------------------------------------------------- IPv6
@pytest.mark.parametrize("wan", ["4", "6"])
def test_ipv6_lans_between_two_esp_iked(lab, esp_build_dir, wan):
    """Two esp-iked, selectors IPv4 and IPv6 LANs (10.1.0.0/24,fd01::/64 <->
    10.2.0.0/24,fd02::/64) in one CHILD_SA, IKE and ESP over the IPv4 WAN
    (wan=4) or the IPv6 WAN (wan=6, outer IPv6: raw ESP is IPv6 next header
    50). Each gateway routes the remote IPv6 LAN via esp0 with its own LAN
    address as source; ICMPv6 of several sizes up to esp0's MTU with DF
    semantics (IPv6 routers never fragment) both ways, all answered; IPv4
    still crosses; 4 MB of TCP over IPv6 each way at once, checksummed; on
    the WAN only ESP of the outer family, no LAN address in the clear; the
    cards agree on the packet counts; data plane clean."""
    topo = gwlab.gateway_lab(lab, ipv6=True, wan6=(wan == "6"))
    moon, sun = pair(lab, topo, esp_build_dir, ts="46", wan=wan)
    for d, me, other in ((moon, topo.left, topo.right), (sun, topo.right, topo.left)):
        ike, c = d.wait_child()
        assert ike["remote-host"] == (other.seen6 if wan == "6" else other.seen4), ike
        assert not c["encap"] and not c["card-sa"]["encap"], c
        assert_routed_via_esp0(d, other.subnet6, me.gw_lan6, 6)
        assert_routed_via_esp0(d, other.subnet, me.gw_lan4, 4)
    mtu = gwlab.tun_mtu(topo.left.gw, "esp0")
    sizes = sizes6(mtu)

    def traffic():
        assert_ping_sweep(topo.left.host, topo.right.host6, sizes, what="alice -> bob (IPv6)")
        assert_ping_sweep(topo.right.host, topo.left.host6, sizes, what="bob -> alice (IPv6)")
        assert_ping_sweep(topo.left.host, topo.right.host4, [0, 1000], what="alice -> bob (IPv4)")
    pk = wan_packets(lab, topo, traffic)
    esp = [p for p in pk if "esp" in p["protocols"]]
    assert len(esp) >= (len(sizes) * 4 + 2 * 2) * 3, len(esp)
    if wan == "6":
        assert all(p["ipv6.nxt"] == "50" and not p["ip.src"] for p in esp), esp[:3]
    else:
        assert all(p["ip.proto"] == "50" and not p["ipv6.src"] for p in esp), esp[:3]
    assert not [p for p in pk if "udpencap" in p["protocols"]]
    assert not lan_in_clear(pk), lan_in_clear(pk)[:3]
    both_ways(lab, topo, SMALL, f"v6-wan{wan}", family=6)
    _, m = moon.wait_child()
    _, s = sun.wait_child()
    assert m["bytes-out"] >= SMALL and m["bytes-in"] >= SMALL, m
    assert m["packets-out"] == s["packets-in"] and s["packets-out"] == m["packets-in"], (m, s)
    for d in (moon, sun):
        gwlab.assert_dataplane_clean(d, encap=False)


@pytest.mark.parametrize("wan", ["4", "6"])
def test_ipv6_lans_against_strongswan(lab, esp_build_dir, wan):
    """esp-iked (moon) against a kernel-libipsec charon (sun), selectors the
    IPv6 LANs only (fd01::/64 <-> fd02::/64), IKE over the IPv4 WAN (wan=4)
    or the IPv6 WAN (wan=6): strongSwan lists the card's SPIs, both sides
    UDP-encapsulate (libipsec's fake NAT-D), ICMPv6 of several sizes up to
    the tunnel MTU both ways and 4 MB of TCP over IPv6 each way,
    checksummed; on the WAN only ESP in UDP 4500 of the outer family, no
    LAN address in the clear; data plane clean."""
    topo = gwlab.gateway_lab(lab, ipv6=True, wan6=(wan == "6"))
    sun = gwlab.start_charon(lab, topo.right, "sun", gw_connection(topo, topo.right, ts="6", wan=wan))
    iked = gwlab.start_iked(lab, topo.left, "moon", esp_build_dir,
                            gw_connection(topo, topo.left, ts="6", wan=wan))
    iked.espctl("initiate", "--child", "net")
    sun.wait_established("gw", "net")
    ike, ours = iked.wait_child()
    theirs = installed(sun)[0]
    assert theirs["spi-in"] == ours["spi-out"] == ours["card-sa"]["spi-out"], (ours, theirs)
    assert theirs["spi-out"] == ours["spi-in"] == ours["card-sa"]["spi-in"], (ours, theirs)
    assert theirs["encap"] == "yes" and ours["encap"] and ours["card-sa"]["encap"], (ours, theirs)
    assert ike["remote-host"] == (topo.right.seen6 if wan == "6" else topo.right.seen4), ike
    assert_routed_via_esp0(iked, topo.right.subnet6, topo.left.gw_lan6, 6)
    mtu = min(gwlab.tun_mtu(topo.left.gw, "esp0"), gwlab.tun_mtu(topo.right.gw, "ipsec0"))
    sizes = sizes6(mtu)

    def traffic():
        assert_ping_sweep(topo.left.host, topo.right.host6, sizes, what="alice -> bob (IPv6)")
        assert_ping_sweep(topo.right.host, topo.left.host6, sizes, what="bob -> alice (IPv6)")
    pk = wan_packets(lab, topo, traffic)
    esp = [p for p in pk if "esp" in p["protocols"]]
    assert len(esp) >= len(sizes) * 4 * 3, len(esp)
    assert all(p["udp.srcport"] == p["udp.dstport"] == "4500" for p in esp), esp[:3]
    outer = "ipv6.src" if wan == "6" else "ip.src"
    assert all(p[outer] for p in esp), esp[:3]
    assert not [p for p in pk if p["ip.proto"] == "50" or p["ipv6.nxt"] == "50"]
    assert not lan_in_clear(pk), lan_in_clear(pk)[:3]
    both_ways(lab, topo, SMALL, f"swan-v6-wan{wan}", family=6)
    _, ours = iked.wait_child()
    assert ours["bytes-out"] >= SMALL and ours["bytes-in"] >= SMALL, ours
    theirs = netlab.counters(installed(sun)[0])
    assert theirs["bytes-in"] >= SMALL and theirs["bytes-out"] >= SMALL, theirs
    gwlab.assert_dataplane_clean(iked, encap=True)


@pytest.mark.parametrize("peer,wan", [("strongswan", "4"), ("esp-iked", "6")])
def test_ipv6_too_big_gets_packet_too_big(lab, esp_build_dir, peer, wan):
    """The IPv6 counterpart of test_df_ping_too_big_gets_fragmentation_needed
    (RFC 4443 3.2, RFC 8201): esp-iked with --path-mtu 1400 and esp0 of MTU
    1400. A ping6 bigger than esp0 gets "packet too big" mtu=1400 from
    moon's kernel. A ping6 (IPv6 is never fragmented on the way) of 1400 -
    48 bytes of payload fits esp0 but not the path once in ESP: esp-iked
    answers ICMPv6 "packet too big", from moon's LAN address, with an MTU
    that fits the path by the RFCs' arithmetic (and is at least IPv6's
    minimum 1280), a ping6 of exactly that MTU then passes, and TOO_BIG and
    the ICMP are counted. Against strongSwan over the IPv4 WAN (ESP in UDP
    in IPv4) and against esp-iked over the IPv6 WAN (raw ESP in IPv6)."""
    topo = gwlab.gateway_lab(lab, ipv6=True, wan6=(wan == "6"))
    args = ("--path-mtu", "1400")
    if peer == "strongswan":
        sun = gwlab.start_charon(lab, topo.right, "sun", gw_connection(topo, topo.right, ts="6"))
        iked = gwlab.start_iked(lab, topo.left, "moon", esp_build_dir,
                                gw_connection(topo, topo.left, ts="6"), extra_args=args)
        iked.espctl("initiate", "--child", "net")
        sun.wait_established("gw", "net")
        iked.wait_child()
        fit = max_inner_esp(1400, outer=4, udp=True)
    else:
        iked, _ = pair(lab, topo, esp_build_dir, moon_args=args, ts="6", wan=wan)
        fit = max_inner_esp(1400, outer=6, udp=False)
    assert gwlab.tun_mtu(topo.left.gw, "esp0") == 1400
    sent, got, text, mtus = ping_df(topo.left.host, topo.right.host6, 1400)
    assert got == 0 and "Packet too big" in text and set(mtus) == {1400}, text
    sent, got, text, mtus = ping_df(topo.left.host, topo.right.host6, 1400 - 48)
    assert got == 0 and f"From {topo.left.gw_lan6} icmp_seq=1 Packet too big" in text, text
    assert mtus and all(1280 <= m <= fit for m in mtus), (fit, text)
    ok = min(mtus) - 48
    sent, got, text, _ = ping_df(topo.left.host, topo.right.host6, ok, count=3)
    assert got == 3, f"ICMPv6 payload {ok} (the MTU esp-iked reported) did not pass:\n{text}"
    _, ours = iked.wait_child()
    assert ours["dp-errors"].get("TOO_BIG", 0) >= 1, ours
    dp = iked.stats()["dataplane"]
    assert dp["icmp"]["sent"] >= 1 and dp["status"].get("TOO_BIG", 0) >= 1, dp


# ---------------------------------------------------------------- --route-table
def rules(ns, family):
    """`ip -4|-6 rule` lines that look up table 220."""
    out = ns.cmd(["ip", f"-{family}", "rule", "show"]).stdout
    return [line for line in out.splitlines() if "lookup 220" in line]


def table(ns, family, number=220):
    """The routes of one table (no error for a table that does not exist)."""
    p = ns.cmd(["ip", f"-{family}", "route", "show", "table", str(number)], check=False)
    return [line for line in p.stdout.splitlines() if line.strip()]


def test_route_table_220_routes_rule_and_cleanup(lab, esp_build_dir):
    """esp-iked --route-table 220 (moon; sun keeps the main table), IPv4 and
    IPv6 selectors: the routes to the remote LANs are in table 220 (dev
    esp0, src the local LAN address), not in main, and the rules "from all
    lookup 220" (priority 220) exist for IPv4 and IPv6; traffic crosses
    both ways in both families; after SIGTERM esp-iked exits 0, and table
    220, both rules and esp0 are gone."""
    topo = gwlab.gateway_lab(lab, ipv6=True)
    moon, sun = pair(lab, topo, esp_build_dir, moon_args=("--route-table", "220"), ts="46")
    ns = topo.left.gw
    for fam, prefix, src in ((4, topo.right.subnet, topo.left.gw_lan4),
                             (6, topo.right.subnet6, topo.left.gw_lan6)):
        in220 = routes_to(ns, prefix, fam, table=220)
        assert any("dev esp0" in r and f"src {src}" in r for r in in220), (fam, moon.routes(fam))
        assert not routes_to(ns, prefix, fam, table="main"), (fam, moon.routes(fam))
        r = rules(ns, fam)
        assert r and all(line.startswith("220:") for line in r), (fam, r)
    assert_routed_via_esp0(sun, topo.left.subnet, topo.right.gw_lan4, 4)
    assert routes_to(topo.right.gw, topo.left.subnet, 4, table="main")
    assert not rules(topo.right.gw, 4)
    sizes = [0, 1000, 1372]
    assert_ping_sweep(topo.left.host, topo.right.host4, sizes, what="alice -> bob")
    assert_ping_sweep(topo.right.host, topo.left.host4, sizes, what="bob -> alice")
    assert_ping_sweep(topo.left.host, topo.right.host6, [0, 1000], what="alice -> bob (IPv6)")
    assert_ping_sweep(topo.right.host, topo.left.host6, [0, 1000], what="bob -> alice (IPv6)")
    gwlab.assert_dataplane_clean(moon, encap=False)
    status = moon.stop()
    left = {"exit status": status, "table 220 (IPv4)": table(ns, 4),
            "table 220 (IPv6)": table(ns, 6), "rules (IPv4)": rules(ns, 4),
            "rules (IPv6)": rules(ns, 6),
            "esp0": ns.cmd(["ip", "-o", "link", "show", "esp0"], check=False).stdout.strip()}
    assert left == {"exit status": 0, "table 220 (IPv4)": [], "table 220 (IPv6)": [],
                    "rules (IPv4)": [], "rules (IPv6)": [], "esp0": ""}, \
        f"after SIGTERM: {left}\n--- esp-iked log ---\n{moon.log()[-1500:]}"


def full_tunnel(topo, family):
    """Moon's selectors for a full tunnel of `family` and what goes with
    them: (anything, moon's LAN, moon's LAN address, bob, sun's WAN
    address, alice); family 6 is over the IPv6 WAN."""
    left, right = topo.left, topo.right
    if family == 4:
        return "0.0.0.0/0", left.subnet, left.gw_lan4, right.host4, right.outer4, left.host4
    return "::/0", left.subnet6, left.gw_lan6, right.host6, right.outer6, left.host6


@pytest.mark.parametrize("family", [4, 6])
def test_full_tunnel_route_table_220_keeps_peer_reachable(lab, esp_build_dir, family):
    """esp-iked on moon with remote selector 0.0.0.0/0 (family=4; family=6:
    ::/0 with the IPv6 LANs over the IPv6 WAN), a full tunnel, and
    --route-table 220, against kernel-libipsec on sun (local 0.0.0.0/0 resp.
    ::/0): table 220 holds the default route via esp0 and a bypass for the
    peer ("throw 192.0.2.2" / "throw 2001:db8::2"), so the kernel still
    routes sun's WAN address out of "wan" (in the clear: a ping of it is
    answered) and IKE keeps working (CHILD_SA and IKE_SA rekeys complete,
    the new CHILD_SA carries traffic). Traffic to bob passes: from moon
    itself (source its LAN address, the route's), and from alice once
    moon's LAN is routed in table 220 too (a full tunnel in a table looked
    up before main takes the gateway's own LAN with it, as with charon's
    table 220: the admin's route, strongSwan's bypass-lan, puts it back)."""
    topo = gwlab.gateway_lab(lab, ipv6=(family == 6), wan6=(family == 6))
    left, right = topo.left, topo.right
    anything, lan, gw_lan, bob, peer, alice = full_tunnel(topo, family)
    wan = str(family)
    sun = gwlab.start_charon(lab, right, "sun", gw_connection(topo, right, local_ts=anything,
                                                               remote_ts=lan, wan=wan))
    moon = gwlab.start_iked(lab, left, "moon", esp_build_dir,
                            gw_connection(topo, left, remote_ts=anything, local_ts=lan, wan=wan),
                            extra_args=("--route-table", "220"))
    moon.espctl("initiate", "--child", "net")
    sun.wait_established("gw", "net")
    ike, m = moon.wait_child()
    assert m["remote-ts"] == [anything], m
    ns = left.gw
    t220 = table(ns, family)
    assert any(r.startswith("default dev esp0") for r in t220), t220
    assert any(r.startswith(f"throw {peer}") for r in t220), t220
    got = ns.cmd(["ip", f"-{family}", "route", "get", peer]).stdout
    assert " dev wan " in got, got
    got = ns.cmd(["ip", f"-{family}", "route", "get", bob]).stdout
    assert " dev esp0 " in got and f"src {gw_lan}" in got, got
    ns.ping(peer, count=2)
    ns.ping(bob, count=3)
    ns.route(lan, dev="lan", table=220)
    sizes = [0, 1000, 1400 - (28 if family == 4 else 48)]
    assert_ping_sweep(left.host, bob, sizes, what="alice -> bob")
    assert_ping_sweep(right.host, alice, sizes, what="bob -> alice")
    moon.espctl("rekey", "--child", "net")
    _, m2 = moon.wait_child(other_than=(m["spi-in"],))
    moon.espctl("rekey", "--ike", "gw")
    netlab.wait_until(lambda: len(moon.sas()) == 1 and moon.sas()[0]["state"] == "ESTABLISHED"
                      and moon.sas()[0]["initiator-spi"] != ike["initiator-spi"], 20,
                      "the IKE_SA rekey", on_timeout=lambda: str(moon.sas()))
    assert_ping_sweep(left.host, bob, [56], what="alice -> bob after rekeys")
    _, m3 = moon.wait_child()
    assert m3["spi-in"] == m2["spi-in"] and m3["packets-in"] > 0, (m2, m3)
    assert any(r.startswith(f"throw {peer}") for r in table(ns, family)), table(ns, family)
    gwlab.assert_dataplane_clean(moon, encap=True)


@pytest.mark.parametrize("family", [4, 6])
def test_local_selector_anything_routes_with_usable_source(lab, esp_build_dir, family):
    """The other end of a full tunnel, esp-iked on sun with local selector
    0.0.0.0/0 (family=4; family=6: ::/0 over the IPv6 WAN), remote moon's
    LAN, moon an esp-iked with remote 0.0.0.0/0 resp. ::/0: sun routes
    moon's LAN via esp0 with a preferred source it can use (an address of
    sun, not loopback: 127.0.0.1 / ::1 are no source for packets leaving by
    esp0, and the kernel refuses ::1 as an IPv6 route's src), so sun itself
    reaches alice, and alice and bob reach each other."""
    topo = gwlab.gateway_lab(lab, ipv6=(family == 6), wan6=(family == 6))
    left, right = topo.left, topo.right
    anything, lan, gw_lan, bob, peer, alice = full_tunnel(topo, family)
    wan = str(family)
    sun = gwlab.start_iked(lab, right, "sun", esp_build_dir,
                           gw_connection(topo, right, local_ts=anything, remote_ts=lan,
                                         remote_addrs="%any", wan=wan))
    moon = gwlab.start_iked(lab, left, "moon", esp_build_dir,
                            gw_connection(topo, left, remote_ts=anything, local_ts=lan, wan=wan),
                            extra_args=("--route-table", "220"))
    left.gw.route(lan, dev="lan", table=220)
    moon.espctl("initiate", "--child", "net")
    moon.wait_child()
    _, s = sun.wait_child()
    assert s["local-ts"] == [anything], s
    routes = routes_to(right.gw, lan, family)
    loopback = ("src 127.", "src ::1 ")
    assert any("dev esp0" in r and not any(x in r + " " for x in loopback) for r in routes), \
        f"sun's routes to {lan}: {routes}\n{sun.routes(family)}\n" + "\n".join(
            line for line in sun.log().splitlines() if "[warning]" in line or "[error]" in line)
    right.gw.ping(alice, count=3)
    assert_ping_sweep(left.host, bob, [0, 1000], what="alice -> bob")
    assert_ping_sweep(right.host, alice, [0, 1000], what="bob -> alice")
    for d in (moon, sun):
        gwlab.assert_dataplane_clean(d, encap=False)


# ---------------------------------------------------------------- --no-dataplane
def test_no_dataplane_is_ike_only(lab, esp_build_dir):
    """esp-iked --no-dataplane (moon) against an esp-iked gateway (sun): no
    TUN device appears in moon's namespace, no route to sun's LAN, yet IKE
    works: the CHILD_SA is listed with the SPIs sun has, a CHILD_SA rekey
    completes, and `espctl stats --json` has "dataplane": null."""
    topo = gwlab.gateway_lab(lab)
    sun = gwlab.start_iked(lab, topo.right, "sun", esp_build_dir,
                           gw_connection(topo, topo.right, remote_addrs="%any"))
    moon = gwlab.start_iked(lab, topo.left, "moon", esp_build_dir,
                            gw_connection(topo, topo.left), extra_args=("--no-dataplane",))
    links = topo.left.gw.cmd(["ip", "-d", "-o", "link", "show"]).stdout
    assert "esp0" not in links and " tun " not in links, links
    assert " tun " in topo.right.gw.cmd(["ip", "-d", "-o", "link", "show", "esp0"]).stdout
    moon.espctl("initiate", "--child", "net")
    _, m = moon.wait_child()
    _, s = sun.wait_child()
    assert m["spi-out"] == s["spi-in"] and m["spi-in"] == s["spi-out"], (m, s)
    stats = moon.stats()
    assert "dataplane" in stats and stats["dataplane"] is None, stats
    assert sun.stats()["dataplane"] is not None
    moon.espctl("rekey", "--child", "net")
    _, m2 = moon.wait_child(other_than=(m["spi-in"],))
    netlab.wait_until(lambda: sun.child()[1] and sun.child()[1]["spi-out"] == m2["spi-in"], 10,
                      "sun on the rekeyed CHILD_SA", on_timeout=lambda: str(sun.sas()))
    links = topo.left.gw.cmd(["ip", "-d", "-o", "link", "show"]).stdout
    assert "esp0" not in links and " tun " not in links, links
    assert not routes_to(topo.left.gw, topo.right.subnet), moon.routes()
