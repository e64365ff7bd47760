"""esp-demo end to end on every backend of the build, and the independent
check: tshark decrypts the demo's esp.pcap with the demo's esp_sa file, every
ESP packet, to the packets sent."""
import ipaddress
import re

import pytest

from pcaplib import BACKENDS, LINKTYPE_RAW, check_esp_trailer, esp_fields, read_pcap, run, status_counts, tool, tshark_decrypt


@pytest.mark.parametrize("backend", BACKENDS)
def test_demo_and_tshark_decrypts_it(tmp_path, backend):
    out = tmp_path / "demo"
    p = run([tool("esp-demo"), "--backend", backend, "--out", str(out)])
    assert "OK: all" in p.stdout, p.stdout
    rows = [l for l in p.stdout.splitlines() if re.match(r"^\S+\s+0x[0-9a-f]{8}\s", l)]
    assert len(rows) >= 4, p.stdout
    modes = {l.split()[2] for l in rows}
    fams = {l.split()[3] for l in rows}
    assert modes == {"tunnel", "transport"} and fams == {"IPv4", "IPv6"}, p.stdout

    lt, plain = read_pcap(out / "plain.pcap")
    lt2, esp = read_pcap(out / "esp.pcap")
    assert lt == lt2 == LINKTYPE_RAW
    assert 200 <= len(plain) == len(esp)
    assert max(len(x) for _, _, x in plain) == 1500
    assert [x for _, _, x in read_pcap(out / "decrypted.pcap")[1]] == [x for _, _, x in plain]

    # Every counter row adds up to the packets sent.
    assert sum(int(l.split("|")[1].split()[0]) for l in rows) == len(plain)

    sa_text = (out / "esp_sa").read_text()
    sa_spis = {int(m, 16) for m in re.findall(r'^"IPv[46]","[^"]*","[^"]*","(0x[0-9a-f]+)"', sa_text, re.M)}
    assert len(sa_spis) == len(rows)

    fields = ["frame.number", "esp.spi", "esp.sequence", "esp.decrypted_data", "ip.src", "ipv6.src", "ip.dst",
              "ipv6.dst", "esp.icv_good"]
    got = tshark_decrypt(out / "esp.pcap", sa_text, tmp_path, fields)
    assert len(got) == len(esp)
    next_seq = {}
    decrypted = 0
    for i, row in enumerate(got):
        _, spi, seq, data, v4src, v6src, v4dst, v6dst, icv_good = row
        assert icv_good == ["1"], f"Wireshark did not verify the ICV of frame {i + 1}: {row}"
        pkt = plain[i][2]
        outer = esp_fields(esp[i][2])
        assert int(spi[0], 16) == outer["spi"] and outer["spi"] in sa_spis
        assert int(seq[0]) == next_seq.get(outer["spi"], 1)
        next_seq[outer["spi"]] = int(seq[0]) + 1
        assert len(data) == 1, f"tshark did not decrypt frame {i + 1}: {row}"
        data = bytes.fromhex(data[0])
        v = pkt[0] >> 4
        src = str(ipaddress.ip_address(pkt[12:16] if v == 4 else pkt[8:24]))
        dst = str(ipaddress.ip_address(pkt[16:20] if v == 4 else pkt[24:40]))
        transport = (outer["src"], outer["dst"]) == (src, dst)
        if transport:
            hdr, nh = (20, pkt[9]) if v == 4 else (40, pkt[6])
            assert check_esp_trailer(data, nh) == pkt[hdr:], f"frame {i + 1}"
        else:
            assert check_esp_trailer(data, 4 if v == 4 else 41) == pkt, f"frame {i + 1}"
            # Wireshark dissected the decrypted inner packet: its addresses come last.
            srcs, dsts = (v4src, v4dst) if v == 4 else (v6src, v6dst)
            assert srcs and srcs[-1] == src and dsts[-1] == dst, f"frame {i + 1}: {row}"
        decrypted += 1
    assert decrypted == len(esp)

    # esp-pcap reads the same key file; auto mode sorts tunnel from transport per packet.
    dec = run([tool("esp-pcap"), "decrypt", "--backend", backend, "--sa-file", str(out / "esp_sa"), str(out / "esp.pcap"),
               str(tmp_path / "dec.pcap")])
    assert status_counts(dec.stdout) == {"OK": len(plain)}, dec.stdout
    assert [x for _, _, x in read_pcap(tmp_path / "dec.pcap")[1]] == [x for _, _, x in plain]
