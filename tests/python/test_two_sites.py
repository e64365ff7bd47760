"""Two sites exchanging traffic both ways through their SPDs: over two Card
objects (two runtimes, one card each), and over one Card with cards=2 (one
runtime, each site's SAs on its own card)."""

import esp_offload
import espref
from conftest import key_salt

OK = esp_offload.Status.OK
GW_A, GW_B = "192.0.2.1", "198.51.100.1"
NET_A, NET_B = "10.1.0.0/16", "10.2.0.0/16"


def connect(a, b, n, a_card=None, b_card=None):
    """A CHILD_SA pair between sites a and b (Card objects, maybe the same) as an IKE daemon installs it:
    each side's inbound SPI from its own get_spi(), both SAs, and the outbound protect policy."""
    k1, s1 = key_salt(n)
    k2, s2 = key_salt(n + 1000)
    spi_ab = b.get_spi() if b_card is None else b.get_spi(card=b_card)
    spi_ba = a.get_spi() if a_card is None else a.get_spi(card=a_card)
    common = dict(mode="tunnel", src_ts=[NET_A], dst_ts=[NET_B])
    rev = dict(mode="tunnel", src_ts=[NET_B], dst_ts=[NET_A])
    sa = {
        "a_out": a.add_sa(direction="out", spi=spi_ab, key=k1, salt=s1, src=GW_A, dst=GW_B, card=a_card, **common),
        "b_in": b.add_sa(direction="in", spi=spi_ab, key=k1, salt=s1, src=GW_A, dst=GW_B, **common),
        "b_out": b.add_sa(direction="out", spi=spi_ba, key=k2, salt=s2, src=GW_B, dst=GW_A, card=b_card, **rev),
        "a_in": a.add_sa(direction="in", spi=spi_ba, key=k2, salt=s2, src=GW_B, dst=GW_A, **rev),
    }
    sa["pol_a"] = a.add_policy(src=NET_A, dst=NET_B, action="protect", sa=sa["a_out"])
    sa["pol_b"] = b.add_policy(src=NET_B, dst=NET_A, action="protect", sa=sa["b_out"])
    return sa


def exchange(a, b, sa, count, rounds=3):
    """Traffic both ways: a -> b and b -> a through each side's SPD; every packet arrives intact."""
    sent = 0
    for r in range(rounds):
        ab = [espref.inner_packet(r * 1000 + i, src="10.1.0.%d" % (i % 200 + 1), dst="10.2.3.4", size=60 + 23 * i)
              for i in range(count)]
        ba = [espref.inner_packet(r * 1000 + i, src="10.2.3.4", dst="10.1.0.%d" % (i % 200 + 1), size=900 - 7 * i)
              for i in range(count)]
        for src, dst, pkts, out, inb, pol in ((a, b, ab, sa["a_out"], sa["b_in"], sa["pol_a"]),
                                              (b, a, ba, sa["b_out"], sa["a_in"], sa["pol_b"])):
            enc = src.outbound(pkts)
            assert [e.status for e in enc] == [OK] * count
            assert all(e.sa == out and e.policy == pol for e in enc)
            dec = dst.decrypt([e.data for e in enc])
            assert [d.status for d in dec] == [OK] * count
            assert [d.data for d in dec] == pkts
            assert all(d.sa == inb for d in dec)
            sent += count
    return sent


def test_two_cards_two_runtimes(make_card, scale):
    a, b = make_card(), make_card()
    sa = connect(a, b, 1)
    sent = exchange(a, b, sa, scale)
    for card, key in ((a, "a_out"), (b, "b_in"), (b, "b_out"), (a, "a_in")):
        assert card.counters(sa[key])["packets"] == sent // 2


def test_two_sites_over_two_cards_of_one_runtime(make_card, scale):
    card = make_card(cards=2)
    assert card.cards == 2
    sa = connect(card, card, 2, a_card=0, b_card=1)
    assert sa["a_out"].card == 0 and sa["a_in"].card == 0
    assert sa["b_out"].card == 1 and sa["b_in"].card == 1
    # inbound SPIs name their card
    assert sa["a_in"].spi % 2 == 0 and sa["b_in"].spi % 2 == 1
    # both sites' policies live in one SPD here: site B's packets match pol_b
    exchange(card, card, sa, scale, rounds=2)
    assert len(card) == 4


def test_four_cards_traffic_on_every_card(make_card, scale):
    card = make_card(cards=4)
    pairs = []
    for c in range(4):
        k, s = key_salt(50 + c)
        spi = card.get_spi(card=c)
        out = card.add_sa(direction="out", spi=spi, key=k, salt=s, mode="tunnel", src=GW_A, dst=GW_B, card=c)
        inb = card.add_sa(direction="in", spi=spi, key=k, salt=s, mode="tunnel", src=GW_A, dst=GW_B)
        assert out.card == c and inb.card == c
        pairs.append((out, inb))
    for i, (out, inb) in enumerate(pairs):
        pkts = [espref.inner_packet(i * 100 + j, size=100 + j) for j in range(scale)]
        enc = card.encrypt(out, pkts)
        dec = card.decrypt([e.data for e in enc])
        assert [d.data for d in dec] == pkts
        assert all(d.sa == inb and d.sa.card == i for d in dec)
