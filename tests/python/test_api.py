"""The module's surface: errors as Python exceptions with the runtime's
message, the Status enum against the spec, SA handles, docstrings, SA
queries and updates, card reset, and a Card shared by Python threads."""

import importlib
import os
import sys
import threading

import pytest

import esp_offload
import espref
from conftest import BUILD_DIR, key_salt

S = esp_offload.Status
GW = dict(src="192.0.2.1", dst="192.0.2.2")
GOOD = dict(direction="out", spi=0x5001, key=bytes(32), salt=bytes(4), mode="tunnel", **GW)

# (id, changes to a good add_sa call, exception, text the message must contain)
BAD_SA = [
    ("key-20-bytes", dict(key=bytes(20)), ValueError, "key"),
    ("key-empty", dict(key=b""), ValueError, "key"),
    ("key-not-buffer", dict(key=12), TypeError, "key"),
    ("salt-3-bytes", dict(salt=bytes(3)), ValueError, "salt"),
    ("mode", dict(mode="tunel"), ValueError, "mode"),
    ("direction", dict(direction="sideways"), ValueError, "direction"),
    ("spi-zero", dict(spi=0), ValueError, "spi"),
    ("spi-negative", dict(spi=-1), ValueError, "spi"),
    ("spi-too-big", dict(spi=1 << 32), ValueError, "spi"),
    ("spi-str", dict(spi="1"), TypeError, "spi"),
    ("icv", dict(icv=10), ValueError, "icv"),
    ("window", dict(direction="in", window=100), ValueError, "window"),
    ("address", dict(src="192.0.2.300"), ValueError, "src"),
    ("selector", dict(src_ts=["10.0.0.0/33"]), ValueError, "src_ts"),
    ("unknown-argument", dict(colour="blue"), TypeError, "colour"),
    ("esn-not-bool", dict(esn="yes"), TypeError, "esn"),
]


@pytest.mark.parametrize("name,change,exc,text", BAD_SA, ids=[b[0] for b in BAD_SA])
def test_add_sa_errors(card, name, change, exc, text):
    with pytest.raises(exc, match=text):
        card.add_sa(**{**GOOD, **change})
    assert len(card) == 0


def test_missing_arguments(card):
    for drop in ("direction", "spi", "key", "salt"):
        with pytest.raises(TypeError, match=drop):
            card.add_sa(**{k: v for k, v in GOOD.items() if k != drop})


def test_runtime_exceptions(make_card):
    card = make_card(sa_capacity=4)
    inb = dict(GOOD, direction="in", spi=0x6001)
    card.add_sa(**inb)
    with pytest.raises(esp_offload.DuplicateSpi, match="6001|24577"):
        card.add_sa(**inb)
    for i in range(3):
        card.add_sa(**dict(GOOD, spi=0x7000 + i))
    with pytest.raises(esp_offload.SaTableFull):
        card.add_sa(**dict(GOOD, spi=0x7100))
    assert issubclass(esp_offload.SaTableFull, RuntimeError) and issubclass(esp_offload.DeviceError, RuntimeError)
    with pytest.raises(esp_offload.DeviceError, match="nosuch"):
        esp_offload.Card(backend="nosuch")
    with pytest.raises(ValueError, match="cards"):
        esp_offload.Card(cards=0)
    if "xrt" in esp_offload.available_backends():  # this build has the xrt backend (ESP_WITH_XRT), no card
        with pytest.raises(esp_offload.DeviceError, match="xrt"):
            esp_offload.Card(backend="xrt")


def test_stale_sa(card):
    sa = card.add_sa(**GOOD)
    card.delete_sa(sa)
    assert not card.valid(sa)
    for call in (card.query_sa, card.counters, card.delete_sa):
        with pytest.raises(ValueError):
            call(sa)
    with pytest.raises(ValueError, match="no installed SA"):
        card.encrypt(sa, [espref.inner_packet(0)])
    with pytest.raises(ValueError):
        card.update_sa(sa, dst="192.0.2.9")
    # the slot is reused under a new generation: the old handle still names nothing
    again = card.add_sa(**GOOD)
    assert again != sa and not card.valid(sa) and card.valid(again)
    with pytest.raises(TypeError, match="esp_offload.Sa"):
        card.query_sa(1234)


def test_closed_card(make_card):
    card = make_card()
    card.close()
    assert card.closed
    with pytest.raises(ValueError, match="closed"):
        card.get_spi()
    with esp_offload.Card(backend="swemu", sa_capacity=16, card_memory=64 << 20) as c:
        assert len(c) == 0
    assert c.closed


def spec_module():
    path = os.path.join(BUILD_DIR, "gen", "python")
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module("esp_spec")


def test_status_is_the_spec():
    spec = spec_module()
    want = {s.name: int(s) for s in spec.Status} | {s.name: int(s) for s in spec.HostStatus}
    got = {name: int(v) for name, v in S.__members__.items()}
    assert got == want
    assert not S.OK.from_host and S.BYPASS.from_host
    assert S.REPLAY.doc and "window" in S.REPLAY.doc


def test_sa_handles(card):
    k, s = key_salt(1)
    spi = card.get_spi()
    out = card.add_sa(**dict(GOOD, key=k, salt=s))
    inb = card.add_sa(direction="in", spi=spi, key=k, salt=s, mode="transport")
    assert (out.spi, out.direction, inb.spi, inb.direction) == (0x5001, "out", spi, "in")
    assert out != inb and len({out, inb, card.find_inbound(spi)}) == 2
    assert card.find_inbound(spi) == inb and card.find_inbound(spi + 1) is None
    assert "spi=0x%08x" % spi in repr(inb)
    assert 256 <= spi < 1 << 32
    spis = {card.get_spi() for _ in range(100)}
    assert len(spis) == 100 and min(spis) >= 256


def test_query_and_update_sa(card):
    k, s = key_salt(2)
    spi = card.get_spi()
    out = card.add_sa(direction="out", spi=spi, key=k, salt=s, mode="tunnel", esn=True, seq_start=10, reqid=42,
                      soft_bytes=1 << 20, hard_packets=1 << 30, **GW)
    inb = card.add_sa(direction="in", spi=spi, key=k, salt=s, mode="tunnel", esn=True, src=GW["dst"], dst=GW["src"])
    q = card.query_sa(out)
    assert (q["spi"], q["direction"], q["mode"], q["esn"], q["key_bits"], q["reqid"]) == (spi, "out", "tunnel", True, 256, 42)
    assert (q["soft_bytes"], q["hard_packets"], q["src"], q["dst"]) == (1 << 20, 1 << 30, GW["src"], GW["dst"])
    assert "key" not in q
    assert q["last_use_ns"] == 0

    enc = card.encrypt(out, [espref.inner_packet(i) for i in range(3)])
    assert [e.seq for e in enc] == [10, 11, 12]
    assert card.decrypt([enc[0].data])[0].status == S.OK
    # NAT-T float: new peer address and UDP encapsulation, sequence and window kept
    card.update_sa(out, dst="203.0.113.7", udp_encap=True, sport=4500, dport=61000)
    e = card.encrypt(out, [espref.inner_packet(9)])[0]
    ref = espref.Sa(spi, k, s, mode="tunnel", src=GW["src"], dst="203.0.113.7", esn=True, udp_encap=True,
                    dport=61000)
    assert e.seq == 13 and e.data == ref.encapsulate(13, espref.inner_packet(9))
    with pytest.raises(ValueError, match="dst"):
        card.update_sa(out, dst="203.0.113.300")
    with pytest.raises(TypeError, match="src"):
        card.update_sa(out, src=7)
    q = card.query_sa(out)
    assert (q["dst"], q["udp_encap"], q["dport"], q["tx_seq"]) == ("203.0.113.7", True, 61000, 13)
    assert q["counters"]["packets"] == 4 and q["last_use_ns"] > 0
    # the inbound window is kept: packet 11 passes, packet 10 again does not
    r = card.decrypt([enc[1].data, enc[0].data])
    assert [x.status for x in r] == [S.OK, S.REPLAY]


def test_card_reset_no_nonce_reuse(card):
    """Wipe nothing but reprogram from the shadow: outbound resumes beyond every number used, inbound refuses
    what it accepted before."""
    k, s = key_salt(3)
    spi = card.get_spi()
    out = card.add_sa(direction="out", spi=spi, key=k, salt=s, mode="tunnel", **GW)
    inb = card.add_sa(direction="in", spi=spi, key=k, salt=s, mode="tunnel", src=GW["dst"], dst=GW["src"])
    before = card.encrypt(out, [espref.inner_packet(i) for i in range(5)])
    assert [d.status for d in card.decrypt([b.data for b in before])] == [S.OK] * 5
    card.reprogram(0)
    ev = card.events(timeout=1.0)
    assert any(e.type == esp_offload.EventType.CARD_RESET and e.card == 0 for e in ev)
    after = card.encrypt(out, [espref.inner_packet(i) for i in range(5)])
    assert min(a.seq for a in after) > max(b.seq for b in before)
    assert [d.status for d in card.decrypt([b.data for b in before])] == [S.REPLAY] * 5
    assert [d.status for d in card.decrypt([a.data for a in after])] == [S.OK] * 5


def test_threads_share_a_card(card, scale):
    """Four Python threads push traffic through one Card while a fifth adds and deletes SAs."""
    pairs = []
    for t in range(4):
        k, s = key_salt(10 + t)
        spi = card.get_spi()
        pairs.append((card.add_sa(direction="out", spi=spi, key=k, salt=s, mode="tunnel", **GW),
                      card.add_sa(direction="in", spi=spi, key=k, salt=s, mode="tunnel", src=GW["dst"],
                                  dst=GW["src"])))
    errors = []

    def data_plane(t):
        try:
            out, inb = pairs[t]
            for r in range(4):
                pkts = [espref.inner_packet(t * 1000 + r * 100 + i, size=64 + i) for i in range(scale)]
                enc = card.encrypt(out, pkts)
                dec = card.decrypt([e.data for e in enc])
                assert [d.data for d in dec] == pkts and all(d.sa == inb for d in dec)
        except Exception as e:  # reported by the main thread
            errors.append(e)

    def control():
        try:
            for i in range(20):
                sa = card.add_sa(**dict(GOOD, spi=0x9000 + i))
                card.query_sa(sa)
                card.delete_sa(sa)
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=data_plane, args=(t,)) for t in range(4)] + [threading.Thread(target=control)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len(card) == 8


def documented(obj, name=None):
    """True when obj has a docstring beyond the signature line pybind11 writes on its own."""
    doc = getattr(obj, "__doc__", None) or ""
    lines = [ln for ln in doc.splitlines() if ln.strip()]
    if name:
        lines = [ln for ln in lines if not ln.startswith(name + "(") and ln != "Overloaded function."
                 and not ln[:3].rstrip(".").isdigit()]
    return bool(lines)


def test_docstrings_everywhere():
    assert documented(esp_offload)
    missing = []
    for name in ("Card", "Sa", "Result", "Event", "Status", "EventType", "ExpireCause", "SaTableFull",
                 "DuplicateSpi", "DuplicatePolicy", "DeviceError", "available_backends", "replay_bytes_for"):
        obj = getattr(esp_offload, name)
        if not documented(obj, name):
            missing.append(name)
    for cls in (esp_offload.Card, esp_offload.Sa, esp_offload.Result, esp_offload.Event):
        for attr, value in vars(cls).items():
            if attr in ("__doc__", "__module__") or (attr == "__init__" and cls is not esp_offload.Card):
                continue  # the classes other than Card have no constructor: the module hands them out
            if not documented(value, attr):
                missing.append("%s.%s" % (cls.__name__, attr))
    assert missing == []


def test_available_backends():
    assert "swemu" in esp_offload.available_backends()
    for b in os.environ.get("ESP_BACKENDS", "swemu").split(","):
        assert b in esp_offload.available_backends(), "ESP_BACKENDS lists %s, which this build lacks" % b


def test_events_wait_releases_the_gil(make_card):
    """A thread blocked in events(timeout=None) holds no GIL: the main thread's packet raises the event it waits
    for (were the GIL held, neither could proceed and the join below would time out)."""
    card = make_card(acquire_interval_ms=3_600_000)
    pid = card.add_policy(src="10.1.0.0/16", dst="10.3.0.0/16", action="protect", reqid=5)
    got = []
    waiter = threading.Thread(target=lambda: got.extend(card.events(timeout=None)))
    waiter.start()
    r = card.outbound([espref.inner_packet(1, src="10.1.0.1", dst="10.3.0.1")])
    waiter.join(timeout=60)
    assert not waiter.is_alive()
    assert r[0].status == S.NO_SA
    assert [(e.type, e.policy, e.reqid) for e in got] == [(esp_offload.EventType.ACQUIRE, pid, 5)]


def test_add_sas_all_or_nothing(card):
    good = [dict(GOOD, spi=0xA000 + i) for i in range(5)]
    bad = good[:2] + [dict(GOOD, spi=0xA100, key=bytes(7))] + good[2:]
    with pytest.raises(ValueError, match="key"):
        card.add_sas(bad)
    assert len(card) == 0
    dup = [dict(GOOD, direction="in", spi=0xB000), dict(GOOD, direction="in", spi=0xB000)]
    with pytest.raises(esp_offload.DuplicateSpi):
        card.add_sas(dup)
    assert len(card) == 0
    with pytest.raises(TypeError, match="dicts"):
        card.add_sas([1, 2])
    handles = card.add_sas(good)
    assert [h.spi for h in handles] == [g["spi"] for g in good] and len(set(handles)) == 5
    assert len(card) == 5
