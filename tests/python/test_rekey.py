"""Rekey under traffic, make-before-break: the receiver installs the new
inbound SA, the sender switches its policy to the new outbound SA, packets
still in flight under the old SA drain through the old inbound SA, then the
old SAs go. Zero packets lost or mis-decrypted."""

import esp_offload
import espref
from conftest import key_salt

OK = esp_offload.Status.OK
GW_A, GW_B = "192.0.2.1", "198.51.100.1"


def add_pair(a, b, n):
    k, s = key_salt(n)
    spi = b.get_spi()
    out = a.add_sa(direction="out", spi=spi, key=k, salt=s, mode="tunnel", src=GW_A, dst=GW_B)
    inb = b.add_sa(direction="in", spi=spi, key=k, salt=s, mode="tunnel", src=GW_A, dst=GW_B, window=1024)
    return out, inb


def test_rekey_under_traffic(make_card, backend):
    a, b = make_card(), make_card()
    rekeys = 10 if backend == "cosim" else 100
    burst = 4 if backend == "cosim" else 8
    out, inb = add_pair(a, b, 0)
    pol = a.add_policy(src="10.1.0.0/16", dst="10.2.0.0/16", action="protect", sa=out)
    n = 0
    delivered = 0

    def burst_of():
        nonlocal n
        pkts = [espref.inner_packet(n + i, src="10.1.0.1", dst="10.2.0.%d" % (1 + i), size=64 + (n + i) % 900)
                for i in range(burst)]
        n += burst
        return pkts

    for r in range(rekeys):
        old_pkts = burst_of()
        in_flight = a.outbound(old_pkts)  # encrypted under the old SA, not yet received
        assert all(e.status == OK and e.sa == out for e in in_flight)

        new_out, new_in = add_pair(a, b, r + 1)  # receiver first: new inbound SA; then the sender's
        assert a.switch_outbound(out, new_out) == 1
        assert a.query_policy(pol)["sa"] == new_out

        new_pkts = burst_of()
        sent_new = a.outbound(new_pkts)
        assert all(e.status == OK and e.sa == new_out for e in sent_new)

        # the new packets overtake the old ones; both arrive
        got_new = b.decrypt([e.data for e in sent_new])
        got_old = b.decrypt([e.data for e in in_flight])
        assert [g.data for g in got_new] == new_pkts and all(g.sa == new_in for g in got_new)
        assert [g.data for g in got_old] == old_pkts and all(g.sa == inb for g in got_old)
        delivered += len(new_pkts) + len(old_pkts)

        # drained: the old SAs go
        # the old inbound SA carried its own burst of the last round and the drained one
        assert b.counters(inb)["packets"] == (burst if r == 0 else 2 * burst)
        b.delete_sa(inb)
        a.delete_sa(out)
        out, inb = new_out, new_in

    assert delivered == n
    assert len(a) == 1 and len(b) == 1
    # an old packet arriving after its SA was deleted is refused, not mis-decrypted
    late = a.encrypt(out, [espref.inner_packet(1)])
    b.delete_sa(inb)
    assert b.decrypt([late[0].data])[0].status == esp_offload.Status.UNKNOWN_SPI
