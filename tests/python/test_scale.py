"""A 1M-SA table on swemu: 2^20 SAs installed with add_sas in chunks (half
outbound, half inbound, pairwise sharing SPI and key), then traffic through
SA pairs spread over the whole table. Marked `scale`: swemu only, and it is
not `unit`-labelled, so the sanitizer stage never runs it."""

import pytest

import esp_offload
import espref

SAS = 1 << 20
PAIRS = SAS // 2
WINDOW = 64
CHUNK = 1 << 16
GW = dict(src="192.0.2.1", dst="192.0.2.2")


def spi_of(i):
    return 0x10000 + i


def key_of(i):
    return i.to_bytes(4, "big") * 4


def salt_of(i):
    return (i ^ 0x5A5A5A5A).to_bytes(4, "big")


@pytest.mark.scale
def test_one_million_sas():
    replay = esp_offload.replay_bytes_for(PAIRS, WINDOW)
    picks = [0, 1, 4097, PAIRS // 3, PAIRS // 2, PAIRS - 2, PAIRS - 1]
    picked = {}
    with esp_offload.Card(backend="swemu", sa_capacity=SAS, replay_bytes=replay, card_memory=512 << 20,
                          housekeeping_ms=0) as card:
        step = CHUNK // 2
        for base in range(0, PAIRS, step):
            batch = []
            for i in range(base, min(PAIRS, base + step)):
                k, s = key_of(i), salt_of(i)
                batch.append(dict(direction="out", spi=spi_of(i), key=k, salt=s, mode="tunnel", **GW))
                batch.append(dict(direction="in", spi=spi_of(i), key=k, salt=s, mode="tunnel", window=WINDOW,
                                  src=GW["dst"], dst=GW["src"]))
            handles = card.add_sas(batch)
            assert len(handles) == len(batch)
            for i in picks:
                if base <= i < base + step:
                    picked[i] = (handles[2 * (i - base)], handles[2 * (i - base) + 1])
        assert len(card) == SAS
        assert len({h for pair in picked.values() for h in pair}) == 2 * len(picks)

        # the table is full
        with pytest.raises(esp_offload.SaTableFull):
            card.add_sa(direction="out", spi=1 << 30, key=bytes(16), salt=bytes(4), mode="tunnel", **GW)

        # traffic through pairs spread over the whole table
        for i in picks:
            out, inb = picked[i]
            assert card.find_inbound(spi_of(i)) == inb
            info = card.query_sa(inb)
            assert (info["spi"], info["window"], info["key_bits"], info["direction"]) == (spi_of(i), WINDOW, 128, "in")
            pkts = [espref.inner_packet(i + j, size=100 + j) for j in range(3)]
            enc = card.encrypt(out, pkts)
            ref = espref.Sa(spi_of(i), key_of(i), salt_of(i), mode="tunnel", **GW)
            assert [e.data for e in enc] == [ref.encapsulate(j + 1, p) for j, p in enumerate(pkts)]
            dec = card.decrypt([e.data for e in enc] + [enc[0].data])
            assert [d.status for d in dec] == [esp_offload.Status.OK] * 3 + [esp_offload.Status.REPLAY]
            assert [d.data for d in dec[:3]] == pkts and all(d.sa == inb for d in dec[:3])

        # teardown in one batch
        card.delete_sas([h for pair in picked.values() for h in pair])
        assert len(card) == SAS - 2 * len(picks)
        card.flush()
        assert len(card) == 0
