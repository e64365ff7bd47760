"""The card's ESP bytes against an independent framing of RFC 4303/4106/4543
(espref.py on python3-cryptography's AES-GCM): every encrypted packet equals
the reference's byte for byte and decrypts with AESGCM; every packet the
reference builds decrypts on the card to the original."""

import array
import ctypes

import pytest

import esp_offload
import espref
from conftest import key_salt

V4 = dict(src="192.0.2.1", dst="192.0.2.2")
V6 = dict(src="2001:db8::1", dst="2001:db8::2")
IN4 = dict(src="10.1.0.1", dst="10.2.0.1")
IN6 = dict(src="2001:db8:1::1", dst="2001:db8:2::1")

# (id, add_sa arguments, inner packet addresses)
CASES = [
    ("tunnel4-aes256", dict(mode="tunnel", **V4), IN4),
    ("tunnel4-aes128", dict(mode="tunnel", bits=128, **V4), IN4),
    ("tunnel6-inner4", dict(mode="tunnel", flow_label=0x12345, tos=0x28, **V6), IN4),
    ("tunnel4-inner6", dict(mode="tunnel", ttl=9, tos=0x10, **V4), IN6),
    ("tunnel4-udp", dict(mode="tunnel", udp_encap=True, sport=4501, dport=4500, **V4), IN4),
    ("tunnel6-udp", dict(mode="tunnel", udp_encap=True, **V6), IN6),
    ("transport4", dict(mode="transport"), IN4),
    ("transport6", dict(mode="transport"), IN6),
    ("transport4-udp", dict(mode="transport", udp_encap=True, sport=1234, dport=4500), IN4),
    ("tunnel4-esn", dict(mode="tunnel", esn=True, seq_start=2**32 - 2, **V4), IN4),
    ("tunnel4-gmac", dict(mode="tunnel", gmac=True, **V4), IN4),
    ("transport6-gmac-esn", dict(mode="transport", gmac=True, esn=True, seq_start=2**33 - 1), IN6),
    ("tunnel4-icv8", dict(mode="tunnel", icv=8, **V4), IN4),
    ("tunnel6-icv12-aes128", dict(mode="tunnel", icv=12, bits=128, **V6), IN6),
]


def sizes(scale):
    base = [40, 41, 42, 43, 64, 100, 576, 1400, 1500, 9000]
    return base if scale >= 64 else base[:4] + base[-3:]


def ref_sa(spi, key, salt, kw):
    keep = {k: v for k, v in kw.items() if k in ("mode", "src", "dst", "esn", "gmac", "icv", "udp_encap",
                                                    "sport", "dport", "ttl", "tos", "flow_label")}
    return espref.Sa(spi, key, salt, **keep)


@pytest.mark.parametrize("name,kw,inner", CASES, ids=[c[0] for c in CASES])
def test_encrypt_matches_reference(card, scale, name, kw, inner):
    kw = dict(kw)
    key, salt = key_salt(7, kw.pop("bits", 256))
    spi = 0x1001
    out = card.add_sa(direction="out", spi=spi, key=key, salt=salt, **kw)
    ref = ref_sa(spi, key, salt, kw)
    pkts = [espref.inner_packet(i, size=n, **inner) for i, n in enumerate(sizes(scale))]
    res = card.encrypt(out, pkts)
    assert len(res) == len(pkts)
    first = kw.get("seq_start", 1)
    for i, (p, r) in enumerate(zip(pkts, res)):
        assert r.status == esp_offload.Status.OK, (i, r)
        assert (r.spi, r.seq, r.sa) == (spi, first + i, out)
        assert r.data == ref.encapsulate(r.seq, p), "packet %d differs from the reference" % i
        seq, plain = ref.decapsulate(r.data, seq_hi=r.seq >> 32)
        assert (seq, plain) == (r.seq, p)
    c = card.counters(out)
    assert (c["packets"], c["bytes"]) == (len(pkts), sum(len(p) for p in pkts))


@pytest.mark.parametrize("name,kw,inner", CASES, ids=[c[0] for c in CASES])
def test_decrypt_reference_packets(card, scale, name, kw, inner):
    kw = dict(kw)
    key, salt = key_salt(9, kw.pop("bits", 256))
    spi = card.get_spi()
    # A fresh inbound window starts at 0: the peer's first packets are 1, 2, ...
    # (ESN high bits are then 0, still in the AAD); seq_start is outbound only.
    kw.pop("seq_start", None)
    first = 1
    ref = ref_sa(spi, key, salt, kw)
    # inbound SAs take the peer's view of the outer addresses
    if "src" in kw:
        kw["src"], kw["dst"] = kw["dst"], kw["src"]
    inb = card.add_sa(direction="in", spi=spi, key=key, salt=salt, window=4096, **kw)
    pkts = [espref.inner_packet(i, size=n, **inner) for i, n in enumerate(sizes(scale))]
    esp = [ref.encapsulate(first + i, p) for i, p in enumerate(pkts)]
    res = card.decrypt(esp)
    for i, (p, r) in enumerate(zip(pkts, res)):
        assert r.status == esp_offload.Status.OK, (i, r)
        assert (r.spi, r.seq, r.sa) == (spi, first + i, inb)
        assert r.data == p
    assert card.counters(inb)["packets"] == len(pkts)


def test_buffer_types(card):
    """bytes, bytearray, memoryview, array.array and ctypes arrays (any buffer-protocol object) are packets."""
    key, salt = key_salt(3)
    out = card.add_sa(direction="out", spi=0x2002, key=key, salt=salt, mode="tunnel", **V4)
    ref = espref.Sa(0x2002, key, salt, mode="tunnel", **V4)
    p = espref.inner_packet(1, size=200, **IN4)
    views = [p, bytearray(p), memoryview(p), array.array("B", p), (ctypes.c_ubyte * len(p)).from_buffer_copy(p),
             memoryview(b"xx" + p)[2:]]
    res = card.encrypt(out, views)
    for i, r in enumerate(res):
        assert r.status == esp_offload.Status.OK
        assert r.data == ref.encapsulate(i + 1, p), type(views[i])
    with pytest.raises(TypeError, match="buffer"):
        card.encrypt(out, [12345])
    with pytest.raises(TypeError, match="contiguous"):
        card.encrypt(out, [memoryview(p * 2)[::2]])
    # nothing was sent for the refused calls
    assert card.counters(out)["packets"] == len(views)


def test_tfc_dummy_packets(card):
    """encrypt(dummy=True) sends RFC 4303 2.6 dummy packets (next header 59); the receiver drops them as DUMMY."""
    key, salt = key_salt(4)
    spi = card.get_spi()
    out = card.add_sa(direction="out", spi=spi, key=key, salt=salt, mode="tunnel", **V4)
    inb = card.add_sa(direction="in", spi=spi, key=key, salt=salt, mode="tunnel", src=V4["dst"], dst=V4["src"])
    ref = espref.Sa(spi, key, salt, mode="tunnel", **V4)
    res = card.encrypt(out, [b"\xaa" * 33], dummy=True)
    assert res[0].status == esp_offload.Status.OK
    _, payload, nh = ref.open_esp(res[0].data[20:])
    assert (nh, payload) == (59, b"\xaa" * 33)
    back = card.decrypt([res[0].data, res[0].data])
    assert [r.status for r in back] == [esp_offload.Status.DUMMY, esp_offload.Status.REPLAY]
    assert back[0].data is None
    assert card.counters(inb)["dummy"] == 1 and card.counters(inb)["packets"] == 0
