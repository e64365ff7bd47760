"""esp-iked as a gateway against strongSwan's kernel-libipsec gateway
(issue 13, item 4): a host behind each gateway (alice behind moon, bob
behind sun, gwlab.gateway_lab), esp-iked carrying the LAN-to-LAN traffic
through its TUN device and the card, strongSwan through ipsec0 and libipsec.

What each test proves is in its docstring. Against libipsec every SA is
UDP-encapsulated (it fakes NAT-D, tests/interop/README.md), so the raw ESP
cases are in test_gateway_pair.py. esp-iked runs on the swemu card.
"""

import os

import pytest

import gwlab
import netlab
from gwlab import Transfer, assert_ping_sweep, gw_connection, installed, ping_df, ping_sizes

# The transfer of the rekey test: the 100 MB each way. Others are
# smaller: they prove the path, the 100 MB run proves the volume.
BIG = int(os.environ.get("ESPI_GW_BIG_MB", "100")) << 20
SMALL = 4 << 20
# The big transfers are paced to last about this long at least, so that
# all four rekeys happen while they run (a transfer that ended before a
# rekey fails the test instead of proving nothing).
BIG_SECONDS = 15


def iked_gateway(lab, topo, site, build, **conn_kw):
    extra_args = conn_kw.pop("extra_args", ())
    return gwlab.start_iked(lab, site, "moon" if site is topo.left else "sun", build,
                            gw_connection(topo, site, **conn_kw), extra_args=extra_args)


def swan_gateway(lab, topo, site, options=None, **conn_kw):
    return gwlab.start_charon(lab, site, "moon" if site is topo.left else "sun",
                              gw_connection(topo, site, **conn_kw), options=options)


def same_child(ours, theirs, keybits=256):
    """The CHILD_SA strongSwan lists is the one esp-iked programmed into the
    card (card-sa: read back from the card's SA table)."""
    card = ours["card-sa"]
    assert theirs["spi-in"] == ours["spi-out"] == card["spi-out"], (ours, theirs)
    assert theirs["spi-out"] == ours["spi-in"] == card["spi-in"], (ours, theirs)
    assert int(theirs["encr-keysize"]) == ours["encr-keysize"] == card["encr-keysize"] == keybits
    assert theirs["encr-alg"] == ours["encr-alg"]
    # libipsec: always ESP in UDP 4500 (its fake NAT-D), and so must we be.
    assert theirs["encap"] == "yes" and ours["encap"] and card["encap"]


def tunnel_mtu(topo, iked_site, swan_site):
    """The smaller of esp-iked's TUN (esp0) and libipsec's (ipsec0) MTU:
    the largest IPv4 packet that crosses the tunnel both ways."""
    return min(gwlab.tun_mtu(iked_site.gw, "esp0"), gwlab.tun_mtu(swan_site.gw, "ipsec0"))


def route_to(site_ns, subnet):
    """The kernel's routes (all tables) for subnet in a namespace."""
    return [line for line in site_ns.cmd(["ip", "-4", "route", "show", "table", "all"]).stdout
            .splitlines() if line.startswith(subnet + " ")]


def assert_route_via_tun(iked, remote, local_gw_addr):
    routes = route_to(iked.ns, remote)
    assert any("dev esp0" in r and f"src {local_gw_addr}" in r for r in routes), \
        f"no route {remote} dev esp0 src {local_gw_addr}: {iked.routes()}"


def max_inner_ipv4_esp_udp_gcm(path_mtu):
    """The largest inner packet that fits path_mtu once in ESP (AES-GCM)
    in UDP in IPv4, from the RFCs, not from esp-iked: outer IPv4 20 + UDP 8
    (RFC 3948) + SPI and sequence 8 (RFC 4303) + IV 8 (RFC 4106) + payload,
    pad length and next header padded to 4 bytes (RFC 4303 2.4) + ICV 16."""
    size = path_mtu
    while 20 + 8 + 8 + 8 + (size + 2 + 3) // 4 * 4 + 16 > path_mtu:
        size -= 1
    return size


def both_ways(lab, topo, nbytes, tag, port=5001, rate=0):
    """A checksummed TCP transfer alice -> bob and bob -> alice at once."""
    ab = Transfer(lab, topo.left.host, topo.right.host, topo.right.host4, nbytes,
                  port=port, seed=1, name=f"{tag}-ab", timeout=240, rate=rate).start()
    ba = Transfer(lab, topo.right.host, topo.left.host, topo.left.host4, nbytes,
                  port=port + 1, seed=2, name=f"{tag}-ba", timeout=240, rate=rate).start()
    return ab, ba


@pytest.mark.parametrize("initiator", ["esp-iked", "strongswan"])
def test_pings_of_every_size_both_ways(lab, esp_build_dir, initiator):
    """ICMP of sizes 0 .. the tunnel MTU (DF set: nothing fragmented
    anywhere) from alice to bob and back, every one answered, with either
    side initiating. The route to the remote LAN goes via esp0 with moon's
    LAN address as source, the card SA is the one strongSwan lists, the
    card's counters and strongSwan's moved both ways, and the link carries
    only ESP in UDP 4500, never a LAN address in the clear. With strongSwan
    initiating, 100 MB then cross each way at once, checksummed (the
    esp-iked-initiated 100 MB are the rekey test's)."""
    topo = gwlab.gateway_lab(lab)
    sun = swan_gateway(lab, topo, topo.right)
    iked = iked_gateway(lab, topo, topo.left, esp_build_dir)
    cap = lab.capture(topo.right.gw, "wan", "wan", pcap=True)
    if initiator == "esp-iked":
        iked.espctl("initiate", "--child", "net")
    else:
        sun.initiate("net")
    sun.wait_established("gw", "net")
    ike, ours = iked.wait_child()
    assert ike["initiator"] == (initiator == "esp-iked")
    same_child(ours, installed(sun)[0])
    assert_route_via_tun(iked, topo.right.subnet, topo.left.gw_lan4)
    mtu = tunnel_mtu(topo, topo.left, topo.right)
    assert mtu == 1400, mtu            # esp-iked's --tun-mtu default, libipsec's default
    sizes = ping_sizes(mtu)
    assert_ping_sweep(topo.left.host, topo.right.host4, sizes, what="alice -> bob")
    assert_ping_sweep(topo.right.host, topo.left.host4, sizes, what="bob -> alice")
    _, ours = iked.wait_child()
    sent = len(sizes) * 3 * 2            # requests and replies, both ways
    assert ours["packets-out"] >= sent and ours["packets-in"] >= sent, ours
    theirs = netlab.counters(installed(sun)[0])
    assert theirs["packets-in"] >= sent and theirs["packets-out"] >= sent, theirs
    gwlab.assert_dataplane_clean(iked, encap=True)
    pk = cap.stop() and cap.packets()
    esp = [p for p in pk if "esp" in p["protocols"]]
    assert len(esp) >= 2 * sent, len(esp)
    assert all(p["udp.srcport"] == p["udp.dstport"] == "4500" for p in esp)
    assert not [p for p in pk if p["ip.proto"] == "50"]
    lan = [p for p in pk if p["ip.src"].startswith(("10.1.", "10.2."))
           or p["ip.dst"].startswith(("10.1.", "10.2."))]
    assert not lan, lan[:3]
    if initiator == "strongswan":
        ab, ba = both_ways(lab, topo, BIG, "big")
        ab.check()
        ba.check()
        _, ours = iked.wait_child()
        assert ours["bytes-out"] >= BIG and ours["bytes-in"] >= BIG, ours
        gwlab.assert_dataplane_clean(iked, encap=True)


def test_100mb_each_way_through_child_and_ike_rekeys(lab, esp_build_dir):
    """100 MB of TCP alice -> bob and 100 MB bob -> alice at once, sha256
    checked at both ends, while the CHILD_SA is rekeyed by esp-iked (espctl
    rekey) and by strongSwan (swanctl --rekey) and the IKE_SA is rekeyed by
    both: nothing lost or corrupted, every new pair of SPIs carried traffic
    both ways (the card's counters of the new SA), and strongSwan ends on
    the SPIs esp-iked's card has."""
    topo = gwlab.gateway_lab(lab)
    sun = swan_gateway(lab, topo, topo.right)
    iked = iked_gateway(lab, topo, topo.left, esp_build_dir)
    iked.espctl("initiate", "--child", "net")
    sun.wait_established("gw", "net")
    ike, ours = iked.wait_child()
    ab, ba = both_ways(lab, topo, BIG, "big", rate=BIG / BIG_SECONDS)
    spis = [ours["spi-in"]]

    def carried(old):
        def probe():
            new = [c for c in iked.children() if c["state"] == "INSTALLED" and
                   c["spi-in"] not in old and c["packets-in"] > 0 and c["packets-out"] > 0]
            return new[0] if new else None
        return netlab.wait_until(probe, 30, "traffic on the new CHILD_SA's card SA",
                                 on_timeout=lambda: str(iked.sas()))

    def transfers_running(step):
        assert ab.send_proc.running() or ba.send_proc.running(), \
            f"both transfers ended before {step}: make them longer (ESPI_GW_BIG_MB)"

    transfers_running("the first rekey")
    iked.espctl("rekey", "--child", "net")                  # ours
    spis.append(carried(spis)["spi-in"])
    transfers_running("strongSwan's CHILD_SA rekey")
    sun.rekey(child="net")                                  # theirs
    spis.append(carried(spis)["spi-in"])
    old_ike = {ike["initiator-spi"]}
    transfers_running("our IKE_SA rekey")
    iked.espctl("rekey", "--ike", "gw")
    netlab.wait_until(lambda: len(iked.sas()) == 1 and iked.sas()[0]["initiator-spi"] not in old_ike
                      and iked.sas()[0]["state"] == "ESTABLISHED", 20, "our IKE_SA rekey",
                      on_timeout=lambda: str(iked.sas()))
    old_ike.add(iked.sas()[0]["initiator-spi"])
    transfers_running("strongSwan's IKE_SA rekey")
    sun.rekey(ike="gw")
    netlab.wait_until(lambda: len(iked.sas()) == 1 and iked.sas()[0]["initiator-spi"] not in old_ike
                      and iked.sas()[0]["state"] == "ESTABLISHED", 20, "strongSwan's IKE_SA rekey",
                      on_timeout=lambda: str(iked.sas()))
    # The CHILD_SA moved to each new IKE_SA and keeps carrying.
    before = iked.child()[1]
    netlab.wait_until(lambda: iked.child()[1]["packets-in"] > before["packets-in"] or
                      not (ab.send_proc.running() or ba.send_proc.running()), 20,
                      "traffic after the IKE_SA rekeys")
    ab.check()
    ba.check()
    assert len(set(spis)) == 3, spis
    _, ours = iked.wait_child()
    assert ours["spi-in"] == spis[-1]
    same_child(ours, installed(sun)[0])
    assert len(iked.children()) == 1 and len(installed(sun)) == 1
    ike = iked.sas()[0]
    assert sun.list_sas()["gw"]["initiator-spi"] == ike["initiator-spi"]
    # Packets still in flight on an SA that a rekey just deleted may be
    # counted (their SPI is gone): only the other checks apply here.
    gwlab.assert_dataplane_clean(iked, encap=True, only_bypass=False)


def test_dpd_clears_card_and_routes_when_strongswan_dies(lab, esp_build_dir):
    """esp-iked with dpd_delay = 1s, retransmits after 0.5 s, 2 tries: once
    charon is killed (SIGKILL: no DELETE), the DPD exchange goes
    unanswered, and within dpd_delay plus the retransmit schedule (bounded
    here at 15 s under load) the SAs are gone from the card and the route
    to bob's LAN is gone from the kernel."""
    topo = gwlab.gateway_lab(lab)
    sun = swan_gateway(lab, topo, topo.right)
    iked = iked_gateway(lab, topo, topo.left, esp_build_dir, dpd_delay="1s",
                        extra_args=("--retransmit-timeout", "0.5", "--retransmit-tries", "2"))
    iked.espctl("initiate", "--child", "net")
    sun.wait_established("gw", "net")
    iked.wait_child()
    topo.left.host.ping(topo.right.host4, count=2)
    assert_route_via_tun(iked, topo.right.subnet, topo.left.gw_lan4)
    sun.proc.signal(9)
    netlab.wait_until(lambda: not iked.sas(), 15, "esp-iked's DPD giving up on the dead peer",
                      on_timeout=lambda: iked.log()[-3000:])
    stats = iked.stats()
    assert stats["cards"][0]["sas"] == 0, stats
    assert not route_to(iked.ns, topo.right.subnet), iked.routes()
    assert "giving up" in iked.log()


def test_nat_between_strongswan_behind_it_and_esp_iked(lab, esp_build_dir):
    """moon is strongSwan behind netlab's NAT router (nftables masquerade),
    sun is esp-iked: the NAT is detected on the right side (nat-local on
    moon only, nat-remote on esp-iked, which sees the router's address),
    IKE floats to 4500, strongSwan's keepalives reach esp-iked through the
    NAT and do not disturb it, and traffic crosses both ways."""
    topo = gwlab.gateway_lab(lab, nat=True)
    iked = iked_gateway(lab, topo, topo.right, esp_build_dir, remote_addrs="%any")
    moon = swan_gateway(lab, topo, topo.left, options={"keep_alive": "1s"})
    cap = lab.capture(topo.router, topo.router_wan, "router-wan", pcap=True)
    moon.initiate("net")
    sa = moon.wait_established("gw", "net")
    ike, ours = iked.wait_child()
    assert sa.get("nat-local") == "yes"
    assert ike["nat-remote"] and not ike["nat-local"], ike
    assert ike["remote-host"] == topo.left.seen4 and ike["local-port"] == 4500, ike
    same_child(ours, installed(moon)[0])
    sizes = [0, 56, 1000, 1372]
    assert_ping_sweep(topo.left.host, topo.right.host4, sizes, what="alice -> bob")
    assert_ping_sweep(topo.right.host, topo.left.host4, sizes, what="bob -> alice")
    ab, ba = both_ways(lab, topo, SMALL, "nat")
    ab.check()
    ba.check()
    netlab.wait_until(lambda: moon.log.read_text().count("sending keep alive") >= 3, 10,
                      "NAT-T keepalives from moon")
    topo.right.host.ping(topo.left.host4, count=2)      # still fine after the keepalives
    pk = cap.stop() and cap.packets()
    ka = [p for p in pk if p["udp.length"] == "9" and p["ip.src"] == topo.left.seen4
          and p["udp.dstport"] == "4500"]
    assert len(ka) >= 2, "no NAT-T keepalives crossed the NAT"
    esp = [p for p in pk if "esp" in p["protocols"]]
    assert esp and all("4500" in (p["udp.srcport"], p["udp.dstport"]) for p in esp)
    ike_ports = {(p["udp.srcport"], p["udp.dstport"]) for p in pk
                 if p["isakmp.exchangetype"] and p["isakmp.exchangetype"] != "34"}
    assert ike_ports and all("4500" in pp for pp in ike_ports), ike_ports   # floated
    dp = gwlab.assert_dataplane_clean(iked, encap=True)
    assert dp["rx"]["keepalive"] >= len(ka), dp        # recognised as keepalives


@pytest.mark.parametrize("esp,bits", [("aes128gcm16", 128), ("aes256gcm16", 256)])
def test_aes_gcm_128_and_256(lab, esp_build_dir, esp, bits):
    """esp_proposals aes128gcm16 / aes256gcm16 (RFC 4106): the agreed key
    size is on the card and in strongSwan's listing, and pings and a
    checksummed transfer cross both ways."""
    topo = gwlab.gateway_lab(lab)
    sun = swan_gateway(lab, topo, topo.right, esp=esp)
    iked = iked_gateway(lab, topo, topo.left, esp_build_dir, esp=esp)
    iked.espctl("initiate", "--child", "net")
    sun.wait_established("gw", "net")
    _, ours = iked.wait_child()
    assert ours["encr-alg"] == "AES_GCM_16"
    same_child(ours, installed(sun)[0], keybits=bits)
    sizes = [0, 1, 100, 1000, 1372]
    assert_ping_sweep(topo.left.host, topo.right.host4, sizes, what="alice -> bob")
    assert_ping_sweep(topo.right.host, topo.left.host4, sizes, what="bob -> alice")
    ab, ba = both_ways(lab, topo, SMALL, esp)
    ab.check()
    ba.check()


def test_trap_first_ping_from_alice_starts_the_negotiation(lab, esp_build_dir):
    """start_action = trap on esp-iked: with no IKE_SA, the route to bob's
    LAN is already via esp0; alice's pings (nobody runs espctl initiate)
    make esp-iked negotiate as initiator, and once up every ping is
    answered."""
    topo = gwlab.gateway_lab(lab)
    sun = swan_gateway(lab, topo, topo.right)
    iked = iked_gateway(lab, topo, topo.left, esp_build_dir, start_action="trap")
    assert not iked.sas()
    assert any("dev esp0" in r for r in route_to(iked.ns, topo.right.subnet)), iked.routes()
    p = topo.left.host.cmd(["ping", "-4", "-n", "-c", "8", "-i", "0.5", "-W", "2",
                            topo.right.host4], check=False, timeout=30)
    sa = sun.wait_established("gw", "net")
    ike, ours = iked.wait_child()
    assert ike["initiator"] and sa.get("initiator") != "yes", (ike, sa)
    assert " 0 received" not in p.stdout, p.stdout
    same_child(ours, installed(sun)[0])
    topo.left.host.ping(topo.right.host4, count=3)
    topo.right.host.ping(topo.left.host4, count=3)
    assert len(iked.sas()) == 1


def test_df_ping_too_big_gets_fragmentation_needed(lab, esp_build_dir):
    """DF packets that do not fit get ICMP "fragmentation needed" back
    (RFC 792 / RFC 1191), from where they stop: bigger than esp0's MTU
    (1400): the kernel answers with mtu = 1400; fits esp0 but not the path
    after ESP-in-UDP (--path-mtu 1300 forced): esp-iked answers, with an
    MTU that does fit the path by the RFCs' arithmetic and then does get
    through, and counts the drop (TOO_BIG on the CHILD_SA, one ICMP sent)."""
    topo = gwlab.gateway_lab(lab)
    sun = swan_gateway(lab, topo, topo.right)
    iked = iked_gateway(lab, topo, topo.left, esp_build_dir, extra_args=("--path-mtu", "1300"))
    iked.espctl("initiate", "--child", "net")
    sun.wait_established("gw", "net")
    iked.wait_child()
    sent, got, text, mtus = ping_df(topo.left.host, topo.right.host4, 1400)
    assert got == 0 and "Frag needed" in text and mtus and set(mtus) == {1400}, text
    sent, got, text, mtus = ping_df(topo.left.host, topo.right.host4, 1300)
    assert got == 0 and "Frag needed" in text, text
    assert mtus and all(576 <= m <= max_inner_ipv4_esp_udp_gcm(1300) for m in mtus), text
    ok = min(mtus) - 28
    sent, got, text, _ = ping_df(topo.left.host, topo.right.host4, ok, count=3)
    assert got == 3, f"ICMP payload {ok} (the MTU esp-iked reported) did not pass:\n{text}"
    _, ours = iked.wait_child()
    assert ours["dp-errors"].get("TOO_BIG", 0) >= 1, ours
    dp = iked.stats()["dataplane"]
    assert dp["icmp"]["sent"] >= 1 and dp["status"].get("TOO_BIG", 0) >= 1, dp
