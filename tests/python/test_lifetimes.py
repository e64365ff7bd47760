"""Lifetimes and their events: packets and bytes (counted by the card: soft
flag and event, then LIFETIME_EXPIRED and a hard-expire event that removes
the SA), seconds (kept by the host: tick() or the housekeeping thread)."""

import select
import time

import pytest

import esp_offload
import espref
from conftest import key_salt

S = esp_offload.Status
E = esp_offload.EventType
C = esp_offload.ExpireCause
GW = dict(src="192.0.2.1", dst="192.0.2.2")


def wait_events(card, until, limit=30.0):
    """Events until `until(events)` holds or `limit` seconds pass (a bound for a hung runtime, not a
    timing assertion); returns every event seen."""
    seen = []
    deadline = time.monotonic() + limit
    while not until(seen) and time.monotonic() < deadline:
        seen += card.events(timeout=0.2)
    return seen


def of(events, sa, type_):
    return [e for e in events if e.sa == sa and e.type == type_]


# (id, limits, packet size, packets sent, index of the first soft-flagged, of the first refused, cause)
VOLUME = [
    ("packets", dict(soft_packets=3, hard_packets=5), 100, 7, 2, 5, C.PACKETS),
    ("bytes", dict(soft_bytes=250, hard_bytes=400), 100, 6, 2, 4, C.BYTES),
]


@pytest.mark.parametrize("name,limits,size,count,first_soft,first_refused,cause", VOLUME, ids=[v[0] for v in VOLUME])
def test_volume_lifetime(make_card, name, limits, size, count, first_soft, first_refused, cause):
    card = make_card(housekeeping_ms=0)  # events only from tick(): deterministic
    key, salt = key_salt(1)
    out = card.add_sa(direction="out", spi=0x3001, key=key, salt=salt, mode="tunnel", **GW, **limits)
    pkts = [espref.inner_packet(i, size=size) for i in range(count)]
    assert all(len(p) == size for p in pkts)
    res = card.encrypt(out, pkts)
    status = [r.status for r in res]
    assert status == [S.OK] * first_refused + [S.LIFETIME_EXPIRED] * (count - first_refused)
    assert [r.soft_expired for r in res[:first_refused]] == [i >= first_soft for i in range(first_refused)]
    assert card.counters(out)["packets"] == first_refused

    card.tick()
    ev = wait_events(card, lambda s: of(s, out, E.HARD_EXPIRE))
    soft, hard = of(ev, out, E.SOFT_EXPIRE), of(ev, out, E.HARD_EXPIRE)
    assert len(soft) == 1 and soft[0].cause == cause and soft[0].spi == 0x3001 and soft[0].direction == "out"
    assert len(hard) == 1 and hard[0].cause == cause
    assert ev.index(soft[0]) < ev.index(hard[0])
    assert "soft" in soft[0].describe() and soft[0].type_name == "soft-expire"
    # a hard expiry removes the SA: its handle names nothing any more
    assert not card.valid(out)
    with pytest.raises(ValueError):
        card.query_sa(out)
    assert len(card) == 0


def test_inbound_packet_lifetime(make_card):
    card = make_card(housekeeping_ms=0)
    key, salt = key_salt(2)
    spi = card.get_spi()
    out = card.add_sa(direction="out", spi=spi, key=key, salt=salt, mode="tunnel", **GW)
    inb = card.add_sa(direction="in", spi=spi, key=key, salt=salt, mode="tunnel", src=GW["dst"], dst=GW["src"],
                      soft_packets=2, hard_packets=3)
    enc = card.encrypt(out, [espref.inner_packet(i) for i in range(5)])
    dec = card.decrypt([e.data for e in enc])
    assert [d.status for d in dec] == [S.OK] * 3 + [S.LIFETIME_EXPIRED] * 2
    assert [d.soft_expired for d in dec[:3]] == [False, True, True]
    card.tick()
    ev = wait_events(card, lambda s: of(s, inb, E.HARD_EXPIRE))
    assert [e.direction for e in of(ev, inb, E.SOFT_EXPIRE)] == ["in"]
    assert len(of(ev, inb, E.HARD_EXPIRE)) == 1
    assert not card.valid(inb) and card.valid(out)


def test_seconds_lifetime_with_tick(make_card):
    card = make_card(housekeeping_ms=0)
    key, salt = key_salt(3)
    out = card.add_sa(direction="out", spi=0x3003, key=key, salt=salt, mode="tunnel", soft_seconds=1,
                      hard_seconds=3, **GW)
    card.tick()
    assert card.events() == []  # nothing due yet
    time.sleep(1.2)
    card.tick()
    ev = card.events()
    assert [(e.type, e.cause) for e in ev if e.sa == out] == [(E.SOFT_EXPIRE, C.SECONDS)]
    assert card.valid(out) and card.query_sa(out)["soft_expired"]
    assert card.encrypt(out, [espref.inner_packet(0)])[0].status == S.OK  # soft: the SA keeps working
    time.sleep(2.0)
    card.tick()
    ev = card.events()
    assert [(e.type, e.cause) for e in ev if e.sa == out] == [(E.HARD_EXPIRE, C.SECONDS)]
    assert not card.valid(out)
    with pytest.raises(ValueError, match="no installed SA"):
        card.encrypt(out, [espref.inner_packet(0)])


def test_seconds_lifetime_from_housekeeping_and_event_fd(make_card):
    card = make_card(housekeeping_ms=20)
    key, salt = key_salt(4)
    out = card.add_sa(direction="out", spi=0x3004, key=key, salt=salt, mode="tunnel", soft_seconds=1, **GW)
    fd = card.event_fd()
    readable, _, _ = select.select([fd], [], [], 30.0)
    assert readable == [fd], "no event within 30 s"
    ev = wait_events(card, lambda s: of(s, out, E.SOFT_EXPIRE))
    assert len(of(ev, out, E.SOFT_EXPIRE)) == 1
    # drained: the descriptor is not readable any more
    assert select.select([fd], [], [], 0)[0] == []


def test_sequence_space_exhausted(make_card):
    """Without ESN the 32-bit sequence number never wraps: the SA hard-expires (cause sequence) instead."""
    card = make_card(housekeeping_ms=0)
    key, salt = key_salt(5)
    out = card.add_sa(direction="out", spi=0x3005, key=key, salt=salt, mode="tunnel", seq_start=2**32 - 2, **GW)
    res = card.encrypt(out, [espref.inner_packet(i) for i in range(4)])
    assert [(r.status, r.seq) for r in res] == [(S.OK, 2**32 - 2), (S.OK, 2**32 - 1), (S.LIFETIME_EXPIRED, 0),
                                                (S.LIFETIME_EXPIRED, 0)]
    card.tick()
    ev = wait_events(card, lambda s: of(s, out, E.HARD_EXPIRE))
    assert [e.cause for e in of(ev, out, E.HARD_EXPIRE)] == [C.SEQUENCE]
    assert not card.valid(out)
