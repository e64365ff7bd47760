"""The SPD through the module: protect / bypass / discard, priorities, the
default for unmatched packets, acquire for a protect policy without an SA,
and the inbound selector check (RFC 4301 5.2)."""

import pytest

import esp_offload
import espref
from conftest import key_salt

S = esp_offload.Status
E = esp_offload.EventType
GW = dict(src="192.0.2.1", dst="192.0.2.2")


@pytest.fixture
def spd_card(make_card):
    card = make_card(housekeeping_ms=0, acquire_interval_ms=3_600_000)
    key, salt = key_salt(1)
    out = card.add_sa(direction="out", spi=0x4001, key=key, salt=salt, mode="tunnel", **GW)
    pol = {
        "protect": card.add_policy(src="10.1.0.0/16", dst="10.2.0.0/16", action="protect", sa=out, priority=100),
        "discard": card.add_policy(src="10.1.0.0/16", dst="10.2.9.0/24", action="discard", priority=10),
        "bypass": card.add_policy(src="10.1.0.0/16", dst="10.2.0.0/16", proto="udp", dport=53, action="bypass",
                                  priority=20),
        "acquire": card.add_policy(src="10.1.0.0/16", dst="10.3.0.0/16", proto="tcp", dport=(80, 89),
                                   action="protect", reqid=7, priority=100),
        "v6": card.add_policy(src="2001:db8:1::/48", dst="2001:db8:2::/48", action="protect", sa=out),
    }
    return card, out, pol


# (id, inner packet arguments, expected status, expected policy name or None)
FLOWS = [
    ("protect", dict(src="10.1.0.5", dst="10.2.0.7"), S.OK, "protect"),
    ("protect-v6", dict(src="2001:db8:1::5", dst="2001:db8:2::7"), S.OK, "v6"),
    ("discard-wins-by-priority", dict(src="10.1.0.5", dst="10.2.9.1"), S.DISCARD, "discard"),
    ("bypass-dns", dict(src="10.1.0.5", dst="10.2.0.7", dport=53), S.BYPASS, "bypass"),
    ("protect-other-udp", dict(src="10.1.0.5", dst="10.2.0.7", dport=54), S.OK, "protect"),
    ("acquire", dict(src="10.1.2.3", dst="10.3.0.9", proto=6, sport=40000, dport=85), S.NO_SA, "acquire"),
    ("acquire-port-outside", dict(src="10.1.2.3", dst="10.3.0.9", proto=6, dport=90), S.BYPASS, None),
    ("no-policy-default-bypass", dict(src="10.9.0.1", dst="10.2.0.7"), S.BYPASS, None),
]


@pytest.mark.parametrize("name,flow,status,policy", FLOWS, ids=[f[0] for f in FLOWS])
def test_outbound_actions(spd_card, name, flow, status, policy):
    card, out, pol = spd_card
    pkt = espref.inner_packet(1, **flow)
    r = card.outbound([pkt])[0]
    assert r.status == status, r
    assert r.policy == (pol[policy] if policy else 0)
    if status == S.OK:
        assert r.sa == out
        seq, inner = espref.Sa(0x4001, *key_salt(1), mode="tunnel", **GW).decapsulate(r.data)
        assert inner == pkt
    elif status == S.BYPASS:
        assert r.data == pkt  # send it as it is
    else:
        assert r.data is None


def test_acquire_event_rate_limited(spd_card):
    card, out, pol = spd_card
    pkts = [espref.inner_packet(i, src="10.1.2.3", dst="10.3.0.9", proto=6, sport=40000 + i, dport=80)
            for i in range(3)]
    assert [r.status for r in card.outbound(pkts)] == [S.NO_SA] * 3
    card.tick()
    ev = [e for e in card.events(timeout=1.0) if e.type == E.ACQUIRE]
    assert len(ev) == 1, "one acquire per policy per interval"
    a = ev[0]
    assert (a.policy, a.reqid, a.src, a.dst, a.proto, a.sport, a.dport) == \
        (pol["acquire"], 7, "10.1.2.3", "10.3.0.9", 6, 40000, 80)
    assert a.sa is None and "acquire" in a.describe()
    # the daemon negotiates and installs the SA: the policy now protects
    key, salt = key_salt(2)
    sa = card.add_sa(direction="out", spi=0x4002, key=key, salt=salt, mode="tunnel", **GW)
    card.del_policy(pol["acquire"])
    pid = card.add_policy(src="10.1.0.0/16", dst="10.3.0.0/16", proto="tcp", dport=(80, 89), sa=sa, reqid=7)
    r = card.outbound(pkts[:1])[0]
    assert (r.status, r.sa, r.policy) == (S.OK, sa, pid)


def test_query_and_delete_policy(spd_card):
    card, out, pol = spd_card
    q = card.query_policy(pol["bypass"])
    assert q["action"] == "bypass" and q["priority"] == 20 and q["direction"] == "out" and q["sa"] is None
    assert q["src"] == "10.1.0.0/16[udp]"
    assert q["dst"].startswith("10.2.0.0/16[udp/53")
    assert card.query_policy(pol["protect"])["sa"] == out
    card.del_policy(pol["discard"])
    assert card.query_policy(pol["discard"]) is None
    r = card.outbound([espref.inner_packet(1, src="10.1.0.5", dst="10.2.9.1")])[0]
    assert (r.status, r.policy) == (S.OK, pol["protect"])
    with pytest.raises(ValueError):
        card.del_policy(pol["discard"])
    with pytest.raises(esp_offload.DuplicatePolicy):
        card.add_policy(src="10.1.0.0/16", dst="10.2.0.0/16", action="protect", sa=out, priority=100)
    with pytest.raises(ValueError, match="action"):
        card.add_policy(src="10.1.0.0/16", dst="10.2.0.0/16", action="encrypt")
    with pytest.raises(ValueError, match="dst"):
        card.add_policy(src="10.1.0.0/16", dst="10.2.0.0/33")
    with pytest.raises(ValueError, match="already has"):
        card.add_policy(src="10.1.0.0/16[tcp]", dst="10.2.0.0/16", proto="udp")
    card.flush_policies()
    assert card.outbound([espref.inner_packet(1, src="10.1.0.5", dst="10.2.0.7")])[0].status == S.BYPASS


def test_default_outbound_discard(make_card):
    card = make_card(default_outbound="discard")
    r = card.outbound([espref.inner_packet(1)])[0]
    assert (r.status, r.policy, r.data) == (S.DISCARD, 0, None)


def test_inbound_selector_check(make_card):
    card = make_card()
    key, salt = key_salt(5)
    spi = card.get_spi()
    out = card.add_sa(direction="out", spi=spi, key=key, salt=salt, mode="tunnel", **GW)
    inb = card.add_sa(direction="in", spi=spi, key=key, salt=salt, mode="tunnel", src=GW["dst"], dst=GW["src"],
                      src_ts=["10.1.0.0/16"], dst_ts=["10.2.0.0/24[udp]"])
    assert card.query_sa(inb)["src_ts"] == ["10.1.0.0/16"]
    flows = [(dict(src="10.1.0.1", dst="10.2.0.9"), S.OK),
             (dict(src="10.7.0.1", dst="10.2.0.9"), S.TS_MISMATCH),
             (dict(src="10.1.0.1", dst="10.2.1.9"), S.TS_MISMATCH),
             (dict(src="10.1.0.1", dst="10.2.0.9", proto=6), S.TS_MISMATCH)]
    pkts = [espref.inner_packet(i, **f) for i, (f, _) in enumerate(flows)]
    dec = card.decrypt([e.data for e in card.encrypt(out, pkts)])
    assert [d.status for d in dec] == [s for _, s in flows]
    assert dec[0].data == pkts[0] and all(d.data is None for d in dec[1:])
