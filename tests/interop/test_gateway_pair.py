"""Two esp-iked gateways against each other (issue 13, item 4): what
strongSwan's libipsec cannot show here. Raw ESP (IP protocol 50) when
there is no NAT, AES-GMAC next to AES-GCM-128/256, and ESP in UDP 4500 when
a NAT is between them. alice behind moon, bob behind sun
(gwlab.gateway_lab), each gateway with its own swemu card.
"""

import os

import pytest

import gwlab
import netlab
from gwlab import Transfer, assert_ping_sweep, gw_connection, ping_sizes

BIG = int(os.environ.get("ESPI_GW_BIG_MB", "100")) << 20
SMALL = 4 << 20


def pair(lab, topo, build, moon_args=(), sun_args=(), **conn_kw):
    """esp-iked on both gateways; moon initiates; returns (moon, sun) once
    both list the CHILD_SA, with the cross-checks every test wants: each
    side's outbound SPI is the other's inbound one, on the card too, with
    the same algorithm and key size."""
    sun = gwlab.start_iked(lab, topo.right, "sun", build,
                           gw_connection(topo, topo.right, remote_addrs="%any", **conn_kw),
                           extra_args=sun_args)
    moon = gwlab.start_iked(lab, topo.left, "moon", build, gw_connection(topo, topo.left, **conn_kw),
                            extra_args=moon_args)
    moon.espctl("initiate", "--child", "net")
    _, m = moon.wait_child()
    _, s = sun.wait_child()
    assert m["spi-out"] == s["spi-in"] == s["card-sa"]["spi-in"] == m["card-sa"]["spi-out"]
    assert m["spi-in"] == s["spi-out"] == m["card-sa"]["spi-in"] == s["card-sa"]["spi-out"]
    assert m["encr-alg"] == s["encr-alg"] and m["encr-keysize"] == s["encr-keysize"]
    return moon, sun


def both_ways(lab, topo, ab_bytes, ba_bytes, tag):
    ab = Transfer(lab, topo.left.host, topo.right.host, topo.right.host4, ab_bytes, port=5001,
                  seed=3, name=f"{tag}-ab", timeout=240).start()
    ba = Transfer(lab, topo.right.host, topo.left.host, topo.left.host4, ba_bytes, port=5002,
                  seed=4, name=f"{tag}-ba", timeout=240).start()
    return ab.check(), ba.check()


def inner_in_clear(packets):
    return [p for p in packets if p["ip.src"].startswith(("10.1.", "10.2."))
            or p["ip.dst"].startswith(("10.1.", "10.2."))]


def test_raw_esp_without_nat_pings_and_100mb(lab, esp_build_dir):
    """No NAT, no encap=yes: the CHILD_SA is not UDP-encapsulated on either
    side nor on either card, and on the link every ESP packet is IP
    protocol 50 (never UDP 4500), no LAN address in the clear. Pings of
    every size to the tunnel MTU both ways, then 100 MB alice -> bob (and
    4 MB back at once), sha256 checked; the cards' counters agree with
    each other."""
    topo = gwlab.gateway_lab(lab)
    moon, sun = pair(lab, topo, esp_build_dir)
    for d in (moon, sun):
        ike, c = d.wait_child()
        assert not ike["nat-local"] and not ike["nat-remote"], ike
        assert not c["encap"] and not c["card-sa"]["encap"], c
    cap = lab.capture(topo.right.gw, "wan", "wan", pcap=True)
    mtu = min(gwlab.tun_mtu(topo.left.gw, "esp0"), gwlab.tun_mtu(topo.right.gw, "esp0"))
    sizes = ping_sizes(mtu)
    assert_ping_sweep(topo.left.host, topo.right.host4, sizes, what="alice -> bob")
    assert_ping_sweep(topo.right.host, topo.left.host4, sizes, what="bob -> alice")
    pk = cap.stop() and cap.packets()
    esp = [p for p in pk if "esp" in p["protocols"]]
    assert len(esp) >= len(sizes) * 3 * 4, len(esp)     # request + reply, both ways, both sweeps
    assert all(p["ip.proto"] == "50" and not p["udp.srcport"] for p in esp), esp[:3]
    assert not [p for p in pk if "udpencap" in p["protocols"]]
    assert not inner_in_clear(pk)
    both_ways(lab, topo, BIG, SMALL, "raw")
    _, m = moon.wait_child()
    _, s = sun.wait_child()
    assert m["bytes-out"] >= BIG and s["bytes-in"] >= BIG, (m, s)
    # What moon's card sent, sun's card received (nothing lost on a veth).
    assert m["packets-out"] == s["packets-in"] and s["packets-out"] == m["packets-in"], \
        (f"moon out {m['packets-out']} in {m['packets-in']} dp-errors {m['dp-errors']}; "
         f"sun out {s['packets-out']} in {s['packets-in']} dp-errors {s['dp-errors']}; "
         f"moon {moon.stats()['dataplane']}; sun {sun.stats()['dataplane']}")
    for d in (moon, sun):
        gwlab.assert_dataplane_clean(d, encap=False)


def test_two_dp_threads_keep_each_sa_in_order(lab, esp_build_dir):
    """--dp-threads 2 on both gateways (two data-plane threads per
    direction, each with its own card queue): 20 MB alice -> bob and 4 MB
    back at once arrive intact, and no packet is lost to the peer's replay
    window (RFC 4303 3.4.3): ESP of one SA must leave in sequence-number
    order, or close enough for the window, and the receiving threads must
    hand them to the card so too. Every packet one card sent, the other's
    decrypted."""
    topo = gwlab.gateway_lab(lab)
    moon, sun = pair(lab, topo, esp_build_dir, moon_args=("--dp-threads", "2"),
                     sun_args=("--dp-threads", "2"))
    assert moon.stats()["dataplane"]["threads"] == sun.stats()["dataplane"]["threads"] == 2
    both_ways(lab, topo, 20 << 20, SMALL, "threads")
    _, m = moon.wait_child()
    _, s = sun.wait_child()
    assert m["packets-out"] == s["packets-in"] and s["packets-out"] == m["packets-in"], \
        (f"moon out {m['packets-out']} in {m['packets-in']} dp-errors {m['dp-errors']}; "
         f"sun out {s['packets-out']} in {s['packets-in']} dp-errors {s['dp-errors']}")
    for d in (moon, sun):
        gwlab.assert_dataplane_clean(d, encap=False)


@pytest.mark.parametrize("esp,alg,bits", [("aes256gmac", "NULL_AES_GMAC", 256),
                                          ("aes128gcm16", "AES_GCM_16", 128),
                                          ("aes256gcm16", "AES_GCM_16", 256)])
def test_gmac_and_gcm(lab, esp_build_dir, esp, alg, bits):
    """ESP with AES-GMAC (RFC 4543, ENCR_NULL_AUTH_AES_GMAC: authenticated,
    not encrypted) and AES-GCM-128/256 (RFC 4106): agreed, on both cards
    with the key size, pings and a checksummed transfer both ways."""
    topo = gwlab.gateway_lab(lab)
    moon, sun = pair(lab, topo, esp_build_dir, esp=esp)
    for d in (moon, sun):
        _, c = d.wait_child()
        assert c["encr-alg"] == alg and c["encr-keysize"] == bits == c["card-sa"]["encr-keysize"], c
    sizes = [0, 1, 100, 1000, 1372]
    assert_ping_sweep(topo.left.host, topo.right.host4, sizes, what="alice -> bob")
    assert_ping_sweep(topo.right.host, topo.left.host4, sizes, what="bob -> alice")
    both_ways(lab, topo, SMALL, SMALL, esp)
    for d in (moon, sun):
        gwlab.assert_dataplane_clean(d, encap=False)


def test_nat_between_two_esp_iked(lab, esp_build_dir):
    """moon behind netlab's NAT router: moon detects that it is behind NAT
    (nat-local), sun that moon is (nat-remote, moon seen as the router's
    192.0.2.1), both float to 4500 and encapsulate (cards too), and on the
    router's WAN side every ESP packet is in UDP 4500, none protocol 50;
    traffic crosses both ways; moon, the side behind the NAT, sends NAT-T
    keepalives (RFC 3948 4: one 0xff byte; every --keepalive-interval
    seconds, 1 here instead of the default 20, so that several come within
    a few seconds), and sun counts them as keepalives."""
    topo = gwlab.gateway_lab(lab, nat=True)
    moon, sun = pair(lab, topo, esp_build_dir, moon_args=("--keepalive-interval", "1"))
    mike, m = moon.wait_child()
    sike, s = sun.wait_child()
    assert mike["nat-local"] and not sike["nat-local"] and sike["nat-remote"], (mike, sike)
    assert sike["remote-host"] == topo.left.seen4 and mike["remote-port"] == 4500
    assert m["encap"] and s["encap"] and m["card-sa"]["encap"] and s["card-sa"]["encap"]
    cap = lab.capture(topo.router, topo.router_wan, "router-wan", pcap=True)
    sizes = [0, 56, 1000, 1372]
    assert_ping_sweep(topo.left.host, topo.right.host4, sizes, what="alice -> bob")
    assert_ping_sweep(topo.right.host, topo.left.host4, sizes, what="bob -> alice")
    both_ways(lab, topo, SMALL, SMALL, "nat")
    netlab.wait_until(lambda: sun.stats()["dataplane"]["rx"]["keepalive"] >= 3, 15,
                      "3 NAT-T keepalives from moon at sun", interval=0.5,
                      on_timeout=lambda: str(sun.stats()["dataplane"]))
    pk = cap.stop() and cap.packets()
    ka = [p for p in pk if p["udp.length"] == "9" and p["ip.src"] == topo.left.seen4
          and p["ip.dst"] == topo.right.outer4 and p["udp.dstport"] == "4500"]
    assert len(ka) >= 3 and all(p["udpencap.nat_keepalive"] for p in ka), ka
    esp = [p for p in pk if "esp" in p["protocols"]]
    assert len(esp) >= len(sizes) * 3 * 4, len(esp)
    assert all("4500" in (p["udp.srcport"], p["udp.dstport"]) for p in esp), esp[:3]
    assert not [p for p in pk if p["ip.proto"] == "50"]
    assert not inner_in_clear(pk)
    for d in (moon, sun):
        _, c = d.wait_child()
        assert c["packets-in"] > 0 and c["packets-out"] > 0, c
        gwlab.assert_dataplane_clean(d, encap=True)
