"""Replay attacks and authentication failures on an inbound SA: a resent
packet, packets left of the window, the window's edges, forged and corrupted
packets (which must not move the window), and the counters and threshold
events that report them."""

import pytest

import esp_offload
import espref
from conftest import key_salt

S = esp_offload.Status
E = esp_offload.EventType
GW = dict(src="192.0.2.1", dst="192.0.2.2")
W = 64  # the smallest window (spec MIN_WINDOW_BITS)


@pytest.fixture
def pair(make_card):
    card = make_card(housekeeping_ms=0, replay_event_every=2, auth_fail_event_every=2)
    key, salt = key_salt(1)
    spi = card.get_spi()
    out = card.add_sa(direction="out", spi=spi, key=key, salt=salt, mode="tunnel", **GW)
    inb = card.add_sa(direction="in", spi=spi, key=key, salt=salt, mode="tunnel", src=GW["dst"], dst=GW["src"],
                      window=W)
    return card, out, inb


def corrupt(pkt, offset_from_end):
    b = bytearray(pkt)
    b[len(b) - offset_from_end] ^= 0x01
    return bytes(b)


# Each step: (sequence number delivered, how, expected status). Sequence numbers
# are 1..120 as the outbound SA sent them; "as is", "icv" (last ICV byte
# flipped), "body" (a ciphertext byte flipped).
STEPS = [
    (100, "as is", S.OK),                 # top = 100
    (100, "as is", S.REPLAY),             # resent
    (100 - W + 1, "as is", S.OK),         # the window's left edge: T - seq = W - 1
    (100 - W, "as is", S.REPLAY),         # just left of the window: T - seq = W
    (100 - W + 1, "as is", S.REPLAY),     # the edge again
    (5, "as is", S.REPLAY),               # far left
    (99, "icv", S.AUTH_FAIL),             # forged: window untouched
    (99, "body", S.AUTH_FAIL),
    (99, "as is", S.OK),                  # the genuine packet still passes
    (120, "icv", S.AUTH_FAIL),            # a forged packet right of the window does not move it
    (100 - W + 2, "as is", S.OK),         # ... so this one is still inside
    (120, "as is", S.OK),                 # top = 120
    (120 - W, "as is", S.REPLAY),         # the window moved with it
    (120 - W + 1, "as is", S.OK),
    (110, "as is", S.OK),
    (110, "as is", S.REPLAY),
]


def test_replay_window_and_forgeries(pair):
    card, out, inb = pair
    pkts = [espref.inner_packet(i, size=80) for i in range(120)]
    enc = card.encrypt(out, pkts)
    assert [e.seq for e in enc] == list(range(1, 121))
    esp = {e.seq: e.data for e in enc}
    replays = auth = 0
    for i, (seq, how, want) in enumerate(STEPS):
        data = esp[seq] if how == "as is" else corrupt(esp[seq], 1 if how == "icv" else 20)
        r = card.decrypt([data])[0]
        assert r.status == want, "step %d: seq %d %s: %s, expected %s" % (i, seq, how, r.status, want)
        if want == S.OK:
            assert r.data == pkts[seq - 1] and r.seq == seq and r.sa == inb
        else:
            assert r.data is None
        replays += want == S.REPLAY
        auth += want == S.AUTH_FAIL
    c = card.counters(inb)
    assert (c["replay"], c["auth_fail"], c["packets"]) == (replays, auth, sum(s[2] == S.OK for s in STEPS))
    info = card.query_sa(inb)
    assert info["replay_top"] == 120 and info["window"] == W

    card.tick()
    ev = card.events(timeout=1.0)
    rep = [e for e in ev if e.type == E.REPLAY_THRESHOLD and e.sa == inb]
    af = [e for e in ev if e.type == E.AUTH_FAIL_THRESHOLD and e.sa == inb]
    assert rep and rep[-1].count <= replays and all(e.count >= 2 for e in rep)
    assert af and af[-1].count <= auth and all(e.count >= 2 for e in af)


def test_replay_within_one_burst(pair):
    """The same packet twice in one call: the first passes, the second is a replay."""
    card, out, inb = pair
    e = card.encrypt(out, [espref.inner_packet(1)])[0]
    assert [r.status for r in card.decrypt([e.data, e.data, e.data])] == [S.OK, S.REPLAY, S.REPLAY]


def test_unknown_spi_and_garbage(pair):
    card, out, inb = pair
    e = card.encrypt(out, [espref.inner_packet(1)])[0].data
    wrong_spi = e[:20] + bytes([e[20] ^ 0xFF]) + e[21:]
    r = card.decrypt([wrong_spi, e[:30], b"\x45" + b"\0" * 10])
    assert r[0].status == S.UNKNOWN_SPI
    assert r[1].status == S.MALFORMED and r[2].status == S.MALFORMED
