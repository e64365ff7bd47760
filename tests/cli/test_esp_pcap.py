"""esp-pcap end to end on the card: encrypt then decrypt round trips (on every
backend of the build), per-status counts, CLI errors, and tshark decrypting
what esp-pcap encrypted."""
import os
import struct

import pytest

from pcaplib import (BACKENDS, LINKTYPE_ETHERNET, LINKTYPE_RAW, check_esp_trailer, esp_fields, ether, ip_packet, mixed_packets,
                     read_pcap, run, sa_line, status_counts, tool, tshark_decrypt, write_pcap)

KEY128 = "000102030405060708090a0b0c0d0e0f" "a0a1a2a3"
KEY256 = "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f" "b0b1b2b3"
ARP = bytes.fromhex("ffffffffffff020000000001" "0806" "0001080006040001020000000001c0000201000000000000c0000202")


def esp_pcap(*args, check=True):
    return run([tool("esp-pcap")] + [str(a) for a in args], check=check)


# family, mode, udp-encap, link type, inner family (tunnel), ICV, key
ROUND_TRIPS = [
    (4, "tunnel", False, "raw", 4, 16, KEY128),
    (4, "tunnel", True, "eth", 6, 12, KEY256),
    (6, "tunnel", False, "eth", 6, 16, KEY256),
    (6, "tunnel", True, "raw", 4, 8, KEY128),
    (4, "transport", False, "eth", None, 16, KEY128),
    (4, "transport", True, "raw", None, 8, KEY256),
    (6, "transport", False, "raw", None, 12, KEY256),
    (6, "transport", True, "eth", None, 16, KEY128),
]

OUTER = {4: ("192.0.2.1", "198.51.100.7"), 6: ("2001:db8:a::1", "2001:db8:b::2")}
INNER = {4: ("10.1.0.1", "10.2.0.1"), 6: ("fd00:1::1", "fd00:2::2")}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("family,mode,udp,link,inner,icv,key", ROUND_TRIPS,
                         ids=[f"v{c[0]}-{c[1]}{'-udp' if c[2] else ''}-{c[3]}" for c in ROUND_TRIPS])
def test_round_trip(tmp_path, family, mode, udp, link, inner, icv, key, backend):
    src, dst = OUTER[family]
    spi = 0x2000 + family * 16 + (8 if udp else 0) + (1 if mode == "tunnel" else 0)
    psrc, pdst = INNER[inner] if mode == "tunnel" else (src, dst)
    plain = mixed_packets(psrc, pdst, 24, seed=family)
    if link == "eth":
        frames = [ether(p, vlan=(7 if i % 5 == 0 else None)) for i, p in enumerate(plain)]
        frames.insert(3, ARP)  # not IP: skipped, counted
        write_pcap(tmp_path / "in.pcap", [(1700000000 + i, 1000 * i, f) for i, f in enumerate(frames)],
                   LINKTYPE_ETHERNET)
        stamps = [(1700000000 + i, 1000 * i) for i in range(len(frames)) if i != 3]
    else:
        write_pcap(tmp_path / "in.pcap", [(1700000000 + i, 1000 * i, p) for i, p in enumerate(plain)])
        stamps = [(1700000000 + i, 1000 * i) for i in range(len(plain))]
    sa = tmp_path / "esp_sa"
    sa.write_text("# test SA\n" + sa_line(family, src, dst, spi, key, icv))

    args = ["encrypt", "--backend", backend, "--sa-file", sa, "--spi", hex(spi), "--mode", mode, tmp_path / "in.pcap",
            tmp_path / "esp.pcap"]
    if udp:
        args.insert(1, "--udp-encap")
    enc = esp_pcap(*args)
    assert status_counts(enc.stdout) == {"OK": len(plain)}, enc.stdout
    if link == "eth":
        assert "not IP (skipped)   1" in enc.stdout

    lt, esp = read_pcap(tmp_path / "esp.pcap")
    assert lt == LINKTYPE_RAW
    assert [(s, u) for s, u, _ in esp] == stamps
    for i, (_, _, pkt) in enumerate(esp):
        f = esp_fields(pkt)
        assert f["spi"] == spi and f["seq"] == i + 1
        assert (f["src"], f["dst"]) == (src, dst)
        assert f["version"] == family
        if udp:
            assert f["proto"] == 17 and f["udp"][0] == 4500 and f["udp"][1] == 4500
        else:
            assert f["proto"] == 50

    # Decrypt: auto (default), then the SA's own mode; both give back the input packets.
    for extra in ([], ["--mode", mode]):
        out = tmp_path / f"dec{len(extra)}.pcap"
        dec = esp_pcap("decrypt", "--backend", backend, "--sa-file", sa, *extra, tmp_path / "esp.pcap", out)
        counts = status_counts(dec.stdout)
        assert counts == {"OK": len(plain)}, dec.stdout
        if not extra:
            assert f"({mode} {len(plain)}," in dec.stdout or f"{mode} {len(plain)})" in dec.stdout, dec.stdout
        lt, back = read_pcap(out)
        assert lt == LINKTYPE_RAW
        assert [p for _, _, p in back] == plain
        assert [(s, u) for s, u, _ in back] == stamps

    # The other fixed mode: tunnel-only cannot deliver a transport payload.
    if mode == "transport":
        dec = esp_pcap("decrypt", "--backend", backend, "--sa-file", sa, "--mode", "tunnel", tmp_path / "esp.pcap",
                       tmp_path / "x.pcap")
        assert status_counts(dec.stdout) == {"MALFORMED": len(plain)}, dec.stdout
        assert read_pcap(tmp_path / "x.pcap")[1] == []

    # Independent check: tshark decrypts what the card encrypted.
    rows = tshark_decrypt(tmp_path / "esp.pcap", sa.read_text(), tmp_path,
                          ["frame.number", "esp.spi", "esp.sequence", "esp.decrypted_data", "esp.icv_good"])
    assert len(rows) == len(plain)
    for i, row in enumerate(rows):
        assert row[2] == [str(i + 1)]
        assert row[4] == ["1"], f"Wireshark did not verify the ICV of frame {i + 1}: {row}"
        assert len(row[3]) == 1, f"tshark did not decrypt frame {i + 1}: {row}"
        data = bytes.fromhex(row[3][0])
        p = plain[i]
        if mode == "tunnel":
            assert check_esp_trailer(data, 4 if p[0] >> 4 == 4 else 41) == p
        else:
            hdr = 20 if family == 4 else 40
            nh = p[9] if family == 4 else p[6]
            assert check_esp_trailer(data, nh) == p[hdr:]


def test_esn_rollover_and_seq_start(tmp_path):
    src, dst = OUTER[4]
    sa = tmp_path / "esp_sa"
    sa.write_text(sa_line(4, src, dst, 0x3000, KEY128))
    plain = [ip_packet(*INNER[4], proto=17, size=60 + i, ident=i) for i in range(80)]
    write_pcap(tmp_path / "in.pcap", plain)
    start = 2**32 - 70  # the 71st packet crosses into the next 2^32 block
    enc = esp_pcap("encrypt", "--sa-file", sa, "--spi", "0x3000", "--mode", "tunnel", "--esn", "--seq-start", start,
                   tmp_path / "in.pcap", tmp_path / "esp.pcap")
    assert status_counts(enc.stdout) == {"OK": 80}
    assert f"(seq {start}..{start + 79})" in enc.stdout
    _, esp = read_pcap(tmp_path / "esp.pcap")
    assert [esp_fields(p)["seq"] for _, _, p in esp] == [(start + i) & 0xFFFFFFFF for i in range(80)]

    dec = esp_pcap("decrypt", "--sa-file", sa, "--esn", "--window", 64, tmp_path / "esp.pcap", tmp_path / "dec.pcap")
    assert status_counts(dec.stdout) == {"OK": 80}, dec.stdout
    assert [p for _, _, p in read_pcap(tmp_path / "dec.pcap")[1]] == plain

    # Without ESN the AAD differs: nothing authenticates; the packet whose low
    # half is 0 (seq 2^32) is sequence number 0 to a 32-bit SA: REPLAY.
    dec = esp_pcap("decrypt", "--sa-file", sa, tmp_path / "esp.pcap", tmp_path / "dec2.pcap")
    assert status_counts(dec.stdout) == {"AUTH_FAIL": 79, "REPLAY": 1}, dec.stdout

    # The IV carries the full 64-bit sequence number; tshark decrypts with it.
    rows = tshark_decrypt(tmp_path / "esp.pcap", sa.read_text(), tmp_path, ["esp.iv", "esp.decrypted_data"])
    for i, (iv, data) in enumerate(rows):
        assert iv == [f"{start + i:016x}"]
        assert check_esp_trailer(bytes.fromhex(data[0]), 4) == plain[i]

    # A plain 32-bit SA starting elsewhere than 1.
    enc = esp_pcap("encrypt", "--sa-file", sa, "--spi", "12288", "--mode", "tunnel", "--seq-start", 1000,
                   tmp_path / "in.pcap", tmp_path / "esp32.pcap")
    assert [esp_fields(p)["seq"] for _, _, p in read_pcap(tmp_path / "esp32.pcap")[1]] == list(range(1000, 1080))
    dec = esp_pcap("decrypt", "--sa-file", sa, tmp_path / "esp32.pcap", tmp_path / "dec3.pcap")
    assert status_counts(dec.stdout) == {"OK": 80}
    # Above 2^32-1 needs --esn.
    bad = esp_pcap("encrypt", "--sa-file", sa, "--spi", "0x3000", "--mode", "tunnel", "--seq-start", 2**32,
                   tmp_path / "in.pcap", tmp_path / "x.pcap", check=False)
    assert bad.returncode != 0 and "--esn" in bad.stderr


def test_wildcards_and_address_selectors(tmp_path):
    src, dst = OUTER[6]
    plain = mixed_packets(*INNER[6], 9)
    write_pcap(tmp_path / "in.pcap", plain)
    sa = tmp_path / "esp_sa"
    sa.write_text(sa_line(6, src, dst, 0x4000, KEY256))
    esp_pcap("encrypt", "--sa-file", sa, "--spi", "0x4000", "--mode", "tunnel", tmp_path / "in.pcap",
             tmp_path / "esp.pcap")

    for s, d in (("*", "*"), (src, "*"), ("*", dst)):
        wild = tmp_path / "wild_sa"
        wild.write_text(sa_line(6, s, d, 0x4000, KEY256))
        dec = esp_pcap("decrypt", "--sa-file", wild, tmp_path / "esp.pcap", tmp_path / "dec.pcap")
        assert status_counts(dec.stdout) == {"OK": 9}, dec.stdout
        assert [p for _, _, p in read_pcap(tmp_path / "dec.pcap")[1]] == plain

    # An SA line for other addresses does not apply, even with the right SPI.
    other = tmp_path / "other_sa"
    other.write_text(sa_line(6, src, "2001:db8:ffff::1", 0x4000, KEY256))
    dec = esp_pcap("decrypt", "--sa-file", other, tmp_path / "esp.pcap", tmp_path / "dec.pcap")
    assert status_counts(dec.stdout) == {"UNKNOWN_SPI": 9}, dec.stdout
    assert "addresses match no line" in dec.stdout

    # Tunnel encryption needs real outer addresses.
    wild = tmp_path / "wild_sa"
    wild.write_text("\n" + sa_line(6, "*", dst, 0x4000, KEY256))
    bad = esp_pcap("encrypt", "--sa-file", wild, "--spi", "0x4000", "--mode", "tunnel", tmp_path / "in.pcap",
                   tmp_path / "x.pcap", check=False)
    assert bad.returncode != 0
    assert f"{wild}:2:" in bad.stderr and "*" in bad.stderr


def test_per_status_counts(tmp_path):
    src, dst = OUTER[4]
    sa = tmp_path / "esp_sa"
    sa.write_text(sa_line(4, src, dst, 0x5000, KEY128) + sa_line(4, dst, src, 0x5001, KEY256))
    plain = mixed_packets(*INNER[4], 10)
    write_pcap(tmp_path / "in.pcap", plain)
    esp_pcap("encrypt", "--sa-file", sa, "--spi", "0x5000", "--mode", "tunnel", tmp_path / "in.pcap",
             tmp_path / "esp.pcap")
    e = [p for _, _, p in read_pcap(tmp_path / "esp.pcap")[1]]

    corrupted = bytearray(e[3])
    corrupted[40] ^= 0x01  # a ciphertext byte
    unknown = bytearray(e[5])
    unknown[20:24] = struct.pack("!I", 0x0BADBAD0)
    truncated = bytearray(e[6][:20 + 12])  # ESP shorter than header + IV + trailer + ICV
    truncated[2:4] = struct.pack("!H", len(truncated))
    not_esp = ip_packet(src, dst, 17, 80)
    stream = [e[0], e[1], e[2], bytes(corrupted), e[3], e[4], e[2], bytes(unknown), e[5], not_esp, bytes(truncated),
              e[6], e[7], e[8], e[9]]
    write_pcap(tmp_path / "mixed.pcap", stream)
    dec = esp_pcap("decrypt", "--sa-file", sa, tmp_path / "mixed.pcap", tmp_path / "dec.pcap")
    assert status_counts(dec.stdout) == {"OK": 10, "UNKNOWN_SPI": 1, "REPLAY": 1, "AUTH_FAIL": 1, "MALFORMED": 1,
                                         "NOT_ESP": 1}, dec.stdout
    assert [p for _, _, p in read_pcap(tmp_path / "dec.pcap")[1]] == plain
    assert "15 frames read" in dec.stdout and "10 packets written" in dec.stdout


DUMMY_CASES = [(4, "tunnel", False), (6, "tunnel", True), (4, "transport", True), (6, "transport", False)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("family,mode,udp", DUMMY_CASES,
                         ids=[f"v{c[0]}-{c[1]}{'-udp' if c[2] else ''}" for c in DUMMY_CASES])
def test_dummy_packets(tmp_path, family, mode, udp, backend):
    """TFC dummy packets (RFC 4303 2.6): encrypt --dummy-every sends them
    (tshark sees next header 59 and a good ICV), decrypt counts them under
    DUMMY and writes nothing for them; a replayed dummy is REPLAY."""
    src, dst = OUTER[family]
    spi = 0x9000 + family * 16 + (8 if udp else 0) + (1 if mode == "tunnel" else 0)
    psrc, pdst = INNER[family] if mode == "tunnel" else (src, dst)
    plain = mixed_packets(psrc, pdst, 9, seed=family + 3)
    write_pcap(tmp_path / "in.pcap", plain)
    sa = tmp_path / "esp_sa"
    sa.write_text(sa_line(family, src, dst, spi, KEY128))
    args = ["encrypt", "--backend", backend, "--sa-file", sa, "--spi", hex(spi), "--mode", mode, "--dummy-every", 3,
            tmp_path / "in.pcap", tmp_path / "esp.pcap"]
    if udp:
        args.insert(1, "--udp-encap")
    enc = esp_pcap(*args)
    assert status_counts(enc.stdout) == {"OK": 12}, enc.stdout
    assert "dummy packets      3 written" in enc.stdout, enc.stdout

    # A dummy follows every third packet, with its timestamp and its length.
    _, esp = read_pcap(tmp_path / "esp.pcap")
    assert [esp_fields(p)["seq"] for _, _, p in esp] == list(range(1, 13))
    dummy_after = {3: 2, 7: 5, 11: 8}  # position in esp.pcap -> the packet it follows
    real_at = [i for i in range(12) if i not in dummy_after]
    for i, j in dummy_after.items():
        assert esp[i][:2] == esp[i - 1][:2]
    assert [len(esp[i][2]) for i in dummy_after] == [len(esp[i - 1][2]) for i in dummy_after]

    # Independent check: tshark verifies and decrypts every packet.
    rows = tshark_decrypt(tmp_path / "esp.pcap", sa.read_text(), tmp_path,
                          ["esp.sequence", "esp.decrypted_data", "esp.icv_good"])
    assert len(rows) == 12
    hdr = 20 if family == 4 else 40
    for i, row in enumerate(rows):
        assert row[2] == ["1"], f"Wireshark did not verify the ICV of frame {i + 1}: {row}"
        data = bytes.fromhex(row[1][0])
        if i in dummy_after:
            p = plain[dummy_after[i]]
            body = check_esp_trailer(data, 59)
            assert body == bytes(len(p) if mode == "tunnel" else len(p) - hdr), f"frame {i + 1}: dummy payload"
        else:
            p = plain[real_at.index(i)]
            if mode == "tunnel":
                assert check_esp_trailer(data, 4 if family == 4 else 41) == p
            else:
                assert check_esp_trailer(data, p[9] if family == 4 else p[6]) == p[hdr:]

    # Decrypt, auto mode and the SA's own mode: the dummies count as DUMMY and
    # are not written; a replayed dummy is REPLAY.
    write_pcap(tmp_path / "rx.pcap", [p for _, _, p in esp] + [esp[7][2]])
    for extra in ([], ["--mode", mode]):
        out = tmp_path / f"dec{len(extra)}.pcap"
        dec = esp_pcap("decrypt", "--backend", backend, "--sa-file", sa, *extra, tmp_path / "rx.pcap", out)
        assert status_counts(dec.stdout) == {"OK": 9, "DUMMY": 3, "REPLAY": 1}, dec.stdout
        assert "9 packets written" in dec.stdout, dec.stdout
        assert [p for _, _, p in read_pcap(out)[1]] == plain


def test_sa_file_errors_name_file_and_line(tmp_path):
    write_pcap(tmp_path / "in.pcap", mixed_packets(*INNER[4], 2))
    cases = [
        (sa_line(4, "1.1.1.1", "2.2.2.2", 1, KEY128) + "# comment\n"
         '"IPv4","1.1.1.1","2.2.2.2","0x2","AES-CBC [RFC3602]","0x00","NULL",""\n', 3, "AES-CBC"),
        (sa_line(4, "1.1.1.1", "2.2.2.2", 1, "0011"), 1, "2 bytes"),
        ('"IPv4","1.1.1.1","2.2.2.2","0x1"\n', 1, "expected 8 fields"),
        (sa_line(4, "1.1.1.1", "2001:db8::1", 1, KEY128), 1, "not an IPv4 address"),
        ('"IPv4","1.1.1.1","2.2.2.2","0x1","AES-GCM with 16 octet ICV [RFC4106]","0x' + KEY128 + '","NULL",""\n'
         '"IPv4","1.1.1.1","2.2.2.2","0x1","AES-GCM with 16 octet ICV [RFC4106]","0x' + KEY256 + '","NULL",""\n', 2,
         "SPI 0x00000001 is already used on line 1"),
        ('"IPv4","1.1.1.1","2.2.2.2","0x1","AES-GCM with 16 octet ICV [RFC4106]","0x' + KEY128 + '","NULL",""\n'
         '"IPv4","3.3.3.3","4.4.4.4",\n', 2, "expected 8 fields"),
    ]
    for text, line, what in cases:
        sa = tmp_path / "bad_sa"
        sa.write_text(text)
        for cmd in (["decrypt", "--sa-file", sa], ["encrypt", "--sa-file", sa, "--spi", "1", "--mode", "transport"]):
            p = esp_pcap(*cmd, tmp_path / "in.pcap", tmp_path / "out.pcap", check=False)
            if cmd[0] == "encrypt" and "already used" in what:
                what_here = "ambiguous"
            else:
                what_here = what
            assert p.returncode != 0, p.stdout
            assert f"{sa}:{line}:" in p.stderr and what_here in p.stderr, p.stderr
    p = esp_pcap("decrypt", "--sa-file", tmp_path / "missing_sa", tmp_path / "in.pcap", tmp_path / "o.pcap",
                 check=False)
    assert p.returncode != 0 and "missing_sa" in p.stderr


def test_bad_captures_and_options(tmp_path):
    sa = tmp_path / "esp_sa"
    sa.write_text(sa_line(4, *OUTER[4], 0x6000, KEY128))
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"this is not a capture file, not at all")
    for args in (["decrypt", "--sa-file", sa, junk, tmp_path / "o.pcap"],
                 ["encrypt", "--sa-file", sa, "--spi", "0x6000", "--mode", "tunnel", junk, tmp_path / "o.pcap"],
                 ["decrypt", "--sa-file", sa, tmp_path / "absent.pcap", tmp_path / "o.pcap"]):
        p = esp_pcap(*args, check=False)
        assert p.returncode != 0
        assert str(args[-2]) in p.stderr, p.stderr

    good = tmp_path / "in.pcap"
    write_pcap(good, mixed_packets(*INNER[4], 2))
    p = esp_pcap("decrypt", "--sa-file", sa, good, tmp_path / "no" / "such" / "dir.pcap", check=False)
    assert p.returncode != 0 and "dir.pcap" in p.stderr

    truncated = tmp_path / "trunc.pcap"
    truncated.write_bytes(good.read_bytes()[:-7])
    p = esp_pcap("decrypt", "--sa-file", sa, truncated, tmp_path / "o.pcap", check=False)
    assert p.returncode != 0 and "trunc.pcap" in p.stderr

    for args, needle in ((["decrypt", "--bogus", "--sa-file", sa, good, tmp_path / "o.pcap"], "--bogus"),
                         (["frobnicate"], "frobnicate"),
                         ([], "subcommand"),
                         (["encrypt", "--sa-file", sa, "--spi", "0x6000", good, tmp_path / "o.pcap"], "--mode"),
                         (["encrypt", "--sa-file", sa, "--spi", "0x6000", "--mode", "sideways", good,
                           tmp_path / "o.pcap"], "sideways"),
                         (["decrypt", "--sa-file", sa, "--window", "100", good, tmp_path / "o.pcap"], "power of two"),
                         (["decrypt", "--sa-file", sa, "--window", "32", good, tmp_path / "o.pcap"], "--window"),
                         (["decrypt", "--sa-file", sa, "--backend", "nope", good, tmp_path / "o.pcap"], "nope"),
                         (["encrypt", "--sa-file", sa, "--spi", "0x7777", "--mode", "tunnel", good,
                           tmp_path / "o.pcap"], "no SA with SPI 0x00007777"),
                         (["encrypt", "--sa-file", sa, "--spi", "zz", "--mode", "tunnel", good, tmp_path / "o.pcap"],
                          "--spi")):
        p = esp_pcap(*args, check=False)
        assert p.returncode != 0, (args, p.stdout)
        assert needle in p.stderr + p.stdout, (args, p.stderr)
    assert esp_pcap("--help").stdout.count("decrypt") >= 1


def test_strongswan_save_keys_lines(tmp_path):
    """strongSwan's save-keys writes "AES-GCM [RFC4106]" with the ICV in an
    "ANY <bits> bit authentication" field and "0x" as the integrity key, one
    line per direction."""
    a, b = OUTER[4]
    plain = mixed_packets(a, b, 12)
    write_pcap(tmp_path / "in.pcap", plain)
    for bits, icv in ((128, 16), (64, 8)):
        ws = tmp_path / "ws_sa"
        ws.write_text(sa_line(4, a, b, 0xC0000001, KEY256, icv))
        esp_pcap("encrypt", "--sa-file", ws, "--spi", "0xc0000001", "--mode", "transport", tmp_path / "in.pcap",
                 tmp_path / "esp.pcap")
        sk = tmp_path / "save_keys_sa"
        sk.write_text(f'"IPv4","{a}","{b}","0xc0000001","AES-GCM [RFC4106]","0x{KEY256}",'
                      f'"ANY {bits} bit authentication [no checking]","0x"\n'
                      f'"IPv4","{b}","{a}","0xc0000002","AES-GCM [RFC4106]","0x{KEY128}",'
                      f'"ANY {bits} bit authentication [no checking]","0x"\n')
        dec = esp_pcap("decrypt", "--sa-file", sk, tmp_path / "esp.pcap", tmp_path / "dec.pcap")
        assert status_counts(dec.stdout) == {"OK": 12}, dec.stdout
        assert [p for _, _, p in read_pcap(tmp_path / "dec.pcap")[1]] == plain


def test_gmac_extension_name(tmp_path):
    """"AES-GMAC [RFC4543]": integrity only, the payload travels in clear."""
    a, b = OUTER[6]
    plain = mixed_packets(*INNER[6], 6)
    write_pcap(tmp_path / "in.pcap", plain)
    sa = tmp_path / "esp_sa"
    sa.write_text(f'"IPv6","{a}","{b}","0x7000","AES-GMAC [RFC4543]","0x{KEY128}","NULL",""\n')
    esp_pcap("encrypt", "--sa-file", sa, "--spi", "0x7000", "--mode", "tunnel", tmp_path / "in.pcap",
             tmp_path / "esp.pcap")
    for (_, _, pkt), p in zip(read_pcap(tmp_path / "esp.pcap")[1], plain):
        body = pkt[esp_fields(pkt)["esp_offset"] + 16:-16]  # after SPI, seq and IV; before the ICV
        assert check_esp_trailer(body, 41) == p
    dec = esp_pcap("decrypt", "--sa-file", sa, tmp_path / "esp.pcap", tmp_path / "dec.pcap")
    assert status_counts(dec.stdout) == {"OK": 6}, dec.stdout
    assert [p for _, _, p in read_pcap(tmp_path / "dec.pcap")[1]] == plain
    # A flipped payload bit is caught by the ICV even though nothing is encrypted.
    _, esp = read_pcap(tmp_path / "esp.pcap")
    bad = bytearray(esp[0][2])
    bad[70] ^= 0x80
    write_pcap(tmp_path / "bad.pcap", [bytes(bad)])
    dec = esp_pcap("decrypt", "--sa-file", sa, tmp_path / "bad.pcap", tmp_path / "dec.pcap")
    assert status_counts(dec.stdout) == {"AUTH_FAIL": 1}, dec.stdout


def test_pcapng_input(tmp_path):
    import shutil
    editcap = shutil.which("editcap")
    assert editcap, "editcap (wireshark-common, installed with tshark) is missing"
    a, b = OUTER[4]
    plain = mixed_packets(*INNER[4], 5)
    write_pcap(tmp_path / "in.pcap", [ether(p) for p in plain], LINKTYPE_ETHERNET)
    run([editcap, "-F", "pcapng", str(tmp_path / "in.pcap"), str(tmp_path / "in.pcapng")])
    sa = tmp_path / "esp_sa"
    sa.write_text(sa_line(4, a, b, 0x8000, KEY128))
    esp_pcap("encrypt", "--sa-file", sa, "--spi", "0x8000", "--mode", "tunnel", tmp_path / "in.pcapng",
             tmp_path / "esp.pcap")
    run([editcap, "-F", "pcapng", str(tmp_path / "esp.pcap"), str(tmp_path / "esp.pcapng")])
    dec = esp_pcap("decrypt", "--sa-file", sa, tmp_path / "esp.pcapng", tmp_path / "dec.pcap")
    assert status_counts(dec.stdout) == {"OK": 5}, dec.stdout
    assert [p for _, _, p in read_pcap(tmp_path / "dec.pcap")[1]] == plain
