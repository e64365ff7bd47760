"""Small, dependency-free helpers for the CLI tests: pcap files, IP packets
with correct checksums, ESP header fields, Wireshark esp_sa lines, tshark."""
import os
import shutil
import struct
import subprocess

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101

SOURCE_DIR = os.environ.get("ESP_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD_DIR = os.environ.get("ESP_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
# The card backends the end-to-end tests run on (set by CMake: swemu, and
# cosim when the build has the RTL datapath).
BACKENDS = [b for b in os.environ.get("ESP_CLI_BACKENDS", "swemu").split(",") if b]
BIN_DIR = os.path.join(BUILD_DIR, "bin")


# ---- pcap files -------------------------------------------------------------

def write_pcap(path, packets, linktype=LINKTYPE_RAW):
    """packets: list of bytes or (ts_sec, ts_usec, bytes)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, p in enumerate(packets):
            sec, usec, data = p if isinstance(p, tuple) else (1700000000 + i, i, p)
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)


def read_pcap(path):
    """-> (linktype, [(ts_sec, ts_usec, bytes)]) for a microsecond pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic, _, _, _, _, _, linktype = struct.unpack_from("<IHHiIII", data, 0)
    assert magic == 0xA1B2C3D4, f"{path}: not a little-endian microsecond pcap"
    off, out = 24, []
    while off < len(data):
        sec, usec, caplen, _ = struct.unpack_from("<IIII", data, off)
        off += 16
        out.append((sec, usec, data[off:off + caplen]))
        off += caplen
    return linktype, out


def ether(ip, vlan=None):
    hdr = bytes.fromhex("020000000002" "020000000001")
    if vlan is not None:
        hdr += struct.pack("!HH", 0x8100, vlan)
    hdr += struct.pack("!H", 0x86DD if ip[0] >> 4 == 6 else 0x0800)
    frame = hdr + ip
    return frame + bytes(max(0, 60 - len(frame)))  # Ethernet minimum frame padding


# ---- IP packets -------------------------------------------------------------

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def addr_bytes(a):
    import ipaddress
    return ipaddress.ip_address(a).packed


def _l4(proto, src, dst, sport, dport, payload, v6):
    if proto == 17:
        hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
        ck_at = 6
    elif proto == 6:
        hdr = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x18, 65535, 0, 0)
        ck_at = 16
    else:  # ICMP / ICMPv6 echo request
        hdr = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, sport, dport)
        ck_at = 2
    seg = hdr + payload
    pseudo = b""
    if proto != 1:
        pseudo = src + dst + struct.pack("!IxxxB" if v6 else "!xBH", *((len(seg), proto) if v6 else (proto, len(seg))))
    ck = checksum(pseudo + seg)
    if proto == 17 and ck == 0:
        ck = 0xFFFF
    return seg[:ck_at] + struct.pack("!H", ck) + seg[ck_at + 2:]


def ip_packet(src, dst, proto=17, size=100, sport=40000, dport=9, fill=0, ident=1):
    """An IPv4/IPv6 packet of `size` bytes (UDP 17, TCP 6, ICMP 1/58) with correct checksums."""
    s, d = addr_bytes(src), addr_bytes(dst)
    v6 = len(s) == 16
    if v6 and proto == 1:
        proto = 58
    hdr_len = 40 if v6 else 20
    l4_hdr = 20 if proto == 6 else 8
    size = max(size, hdr_len + l4_hdr)
    payload = bytes((fill + i) & 0xFF for i in range(size - hdr_len - l4_hdr))
    seg = _l4(proto, s, d, sport, dport, payload, v6)
    if v6:
        return struct.pack("!IHBB", 6 << 28, len(seg), proto, 64) + s + d + seg
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), ident & 0xFFFF, 0x4000, 64, proto, 0, s, d)
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + seg


def mixed_packets(src, dst, n, seed=0):
    """n packets, UDP/TCP/ICMP, sizes spread up to 1500 bytes."""
    out = []
    for i in range(n):
        proto = (17, 6, 1)[i % 3]
        size = (64, 1500, 576, 40 + (i * 97 + seed * 13) % 1400)[i % 4]
        out.append(ip_packet(src, dst, proto, size, sport=40000 + i, dport=9, fill=i + seed, ident=i + 1))
    return out


# ---- ESP --------------------------------------------------------------------

def esp_fields(pkt):
    """-> dict(version, src, dst, proto, udp, spi, seq, esp_offset) of an ESP packet (no extension headers)."""
    import ipaddress
    v = pkt[0] >> 4
    if v == 4:
        ihl = (pkt[0] & 15) * 4
        proto, src, dst, off = pkt[9], pkt[12:16], pkt[16:20], ihl
    else:
        proto, src, dst, off = pkt[6], pkt[8:24], pkt[24:40], 40
    udp = None
    if proto == 17:
        udp = struct.unpack_from("!HHHH", pkt, off)
        off += 8
    spi, seq = struct.unpack_from("!II", pkt, off)
    return dict(version=v, src=str(ipaddress.ip_address(src)), dst=str(ipaddress.ip_address(dst)), proto=proto,
                udp=udp, spi=spi, seq=seq, esp_offset=off)


def sa_line(family, src, dst, spi, key_salt_hex, icv=16, auth="NULL", auth_key=""):
    enc = f"AES-GCM with {icv} octet ICV [RFC4106]" if icv else "AES-GCM [RFC4106]"
    return f'"IPv{family}","{src}","{dst}","0x{spi:08x}","{enc}","0x{key_salt_hex}","{auth}","{auth_key}"\n'


# ---- tools ------------------------------------------------------------------

def tool(name):
    path = os.path.join(BIN_DIR, name)
    assert os.access(path, os.X_OK), f"{path} is not built (cmake --build build)"
    return path


def run(args, check=True):
    p = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def status_counts(stdout):
    """The per-status table esp-pcap prints: {'OK': 10, 'REPLAY': 1, ...}."""
    import re
    counts = {}
    for line in stdout.splitlines():
        m = re.match(r"^\s+([A-Z][A-Z_]+)\s+(\d+)\b", line)
        if m:
            counts[m.group(1)] = int(m.group(2))
    return counts


def tshark_decrypt(pcap, esp_sa_text, tmpdir, fields):
    """Runs tshark with ESP decryption and `esp_sa_text` as the user's SA table
    (a private HOME, so no other preferences interfere), with Wireshark's own
    ICV check on (field esp.icv_good); -> list of rows, each a list of
    per-field lists of occurrences."""
    tshark = shutil.which("tshark")
    assert tshark, "tshark is not installed (make deps installs it); this check must not be skipped"
    home = os.path.join(str(tmpdir), "tshark-home")
    conf = os.path.join(home, ".config", "wireshark")
    os.makedirs(conf, exist_ok=True)
    with open(os.path.join(conf, "esp_sa"), "w") as f:
        f.write(esp_sa_text)
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"))
    args = [tshark, "-n", "-r", str(pcap), "-o", "esp.enable_encryption_decode:TRUE",
            "-o", "esp.enable_authentication_check:TRUE",
            # Inner traffic goes to the discard port (9) with random payloads:
            # show them as data, so that no heuristic dissector throws on them
            # and cuts the ESP dissection short before the ICV check.
            "-d", "udp.port==9,data", "-d", "tcp.port==9,data", "-T", "fields",
            "-E", "occurrence=a", "-E", "aggregator=;", "-E", "separator=/t"]
    for fld in fields:
        args += ["-e", fld]
    p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, f"tshark failed ({p.returncode}): {p.stderr}"
    rows = []
    for line in p.stdout.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(fields) - len(cols))
        rows.append([c.split(";") if c else [] for c in cols])
    return rows


def check_esp_trailer(decrypted, next_header):
    """RFC 4303 trailer of a decrypted ESP payload: pad 1..n, pad length, next header. -> payload."""
    assert decrypted[-1] == next_header, f"next header {decrypted[-1]}, expected {next_header}"
    pad_len = decrypted[-2]
    pad = decrypted[len(decrypted) - 2 - pad_len:-2]
    assert pad == bytes(range(1, pad_len + 1)), f"bad padding {pad.hex()}"
    assert len(decrypted) % 4 == 0, "ESP payload not 4-byte aligned"
    return decrypted[:len(decrypted) - 2 - pad_len]
