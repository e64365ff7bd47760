"""An independent framing of ESP for the tests: IPv4/IPv6/UDP packets and
RFC 4303 ESP with RFC 4106 AES-GCM / RFC 4543 GMAC, on python3-cryptography's
AES-GCM. Written from the RFCs and hw/spec/CONTRACT.md (IV = the 64-bit
sequence number, big-endian; nonce = salt || IV; pad bytes 1, 2, 3 to a
4-byte boundary), sharing no code with the runtime or the card.
"""

import ipaddress
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ESP_PROTO = 50
UDP_PROTO = 17
TCP_PROTO = 6
NAT_T_PORT = 4500
ESP_ALIGN = 4


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def addr(text):
    return ipaddress.ip_address(text).packed


def ipv4(src, dst, proto, payload, ttl=64, tos=0, ident=0, flags=0):
    """An IPv4 packet (20-byte header, checksum filled in)."""
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), ident, flags, ttl, proto, 0,
                      addr(src), addr(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nh, payload, hop=64, tc=0, flow=0):
    first = (6 << 28) | (tc << 20) | flow
    return struct.pack("!IHBB16s16s", first, len(payload), nh, hop, addr(src), addr(dst)) + payload


def udp(sport, dport, payload, src=None, dst=None):
    """A UDP datagram; with src/dst (IPv6) its checksum, else 0."""
    length = 8 + len(payload)
    csum = 0
    if src is not None and ":" in src:
        pseudo = addr(src) + addr(dst) + struct.pack("!IxxxB", length, UDP_PROTO)
        csum = checksum(pseudo + struct.pack("!HHHH", sport, dport, length, 0) + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, csum) + payload


def inner_packet(i, src="10.1.0.1", dst="10.2.0.1", size=64, sport=1000, dport=2000, proto=UDP_PROTO):
    """A recognisable IP packet (IPv4 or IPv6 by address) of about `size` bytes."""
    body = bytes((i * 7 + k) & 0xFF for k in range(max(0, size - 28)))
    if proto == UDP_PROTO:
        l4 = udp(sport, dport, body)
    else:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, i, 0, 0x50, 0x02, 1024, 0, 0) + body
    if ":" in src:
        return ipv6(src, dst, proto, l4)
    return ipv4(src, dst, proto, l4, ident=i & 0xFFFF)


class Sa:
    """One ESP SA as the reference sees it."""

    def __init__(self, spi, key, salt, mode="tunnel", src=None, dst=None, esn=False, gmac=False, icv=16,
                 udp_encap=False, sport=NAT_T_PORT, dport=NAT_T_PORT, ttl=64, tos=0, flow_label=0):
        self.spi, self.key, self.salt = spi, bytes(key), bytes(salt)
        self.mode, self.src, self.dst = mode, src, dst
        self.esn, self.gmac, self.icv = esn, gmac, icv
        self.udp_encap, self.sport, self.dport = udp_encap, sport, dport
        self.ttl, self.tos, self.flow_label = ttl, tos, flow_label

    def _aad_head(self, seq):
        if self.esn:
            return struct.pack("!III", self.spi, seq >> 32, seq & 0xFFFFFFFF)
        return struct.pack("!II", self.spi, seq & 0xFFFFFFFF)

    def esp(self, seq, payload, next_header):
        """SPI | seq low | IV | ciphertext | ICV (RFC 4303, 4106, 4543)."""
        pad = (-(len(payload) + 2)) % ESP_ALIGN
        plain = payload + bytes(range(1, pad + 1)) + bytes([pad, next_header])
        iv = struct.pack("!Q", seq)
        nonce = self.salt + iv
        head = struct.pack("!II", self.spi, seq & 0xFFFFFFFF)
        if self.gmac:
            tag = AESGCM(self.key).encrypt(nonce, b"", self._aad_head(seq) + iv + plain)
            return head + iv + plain + tag[:self.icv]
        ct = AESGCM(self.key).encrypt(nonce, plain, self._aad_head(seq))
        return head + iv + ct[:-16] + ct[-16:][:self.icv]

    def open_esp(self, esp, seq_hi=0):
        """Verifies and decrypts ESP bytes; returns (seq, payload, next_header). Raises on a bad ICV."""
        spi, seq_lo = struct.unpack("!II", esp[:8])
        assert spi == self.spi, "SPI 0x%x, expected 0x%x" % (spi, self.spi)
        seq = (seq_hi << 32) | seq_lo
        iv = esp[8:16]
        assert iv == struct.pack("!Q", seq), "IV is not the sequence number"
        body, icv = esp[16:-self.icv], esp[-self.icv:]
        nonce = self.salt + iv
        if self.gmac:
            dec = Cipher(algorithms.AES(self.key), modes.GCM(nonce, icv, min_tag_length=self.icv)).decryptor()
            dec.authenticate_additional_data(self._aad_head(seq) + iv + body)
            dec.finalize()
            plain = body
        else:
            dec = Cipher(algorithms.AES(self.key), modes.GCM(nonce, icv, min_tag_length=self.icv)).decryptor()
            dec.authenticate_additional_data(self._aad_head(seq))
            plain = dec.update(body) + dec.finalize()
        pad, nh = plain[-2], plain[-1]
        assert plain[-2 - pad:-2] == bytes(range(1, pad + 1)), "bad padding"
        return seq, plain[:-2 - pad], nh

    def _outer(self, proto, payload):
        if ":" in self.src:
            return ipv6(self.src, self.dst, proto, payload, hop=self.ttl, tc=self.tos, flow=self.flow_label)
        return ipv4(self.src, self.dst, proto, payload, ttl=self.ttl, tos=self.tos, flags=0x4000)

    def _wrap_udp(self, esp, src, dst):
        if not self.udp_encap:
            return ESP_PROTO, esp
        return UDP_PROTO, udp(self.sport, self.dport, esp, src, dst)

    def encapsulate(self, seq, packet):
        """The ESP packet the card must produce for `packet` with sequence number `seq`."""
        if self.mode == "tunnel":
            nh = 4 if packet[0] >> 4 == 4 else 41
            proto, body = self._wrap_udp(self.esp(seq, packet, nh), self.src, self.dst)
            return self._outer(proto, body)
        if packet[0] >> 4 == 4:
            ihl = (packet[0] & 0xF) * 4
            hdr = bytearray(packet[:ihl])
            src = str(ipaddress.ip_address(bytes(hdr[12:16])))
            dst = str(ipaddress.ip_address(bytes(hdr[16:20])))
            proto, body = self._wrap_udp(self.esp(seq, packet[ihl:], hdr[9]), src, dst)
            hdr[9] = proto
            hdr[2:4] = struct.pack("!H", ihl + len(body))
            hdr[10:12] = b"\0\0"
            hdr[10:12] = struct.pack("!H", checksum(bytes(hdr)))
            return bytes(hdr) + body
        hdr = bytearray(packet[:40])
        src = str(ipaddress.ip_address(bytes(hdr[8:24])))
        dst = str(ipaddress.ip_address(bytes(hdr[24:40])))
        proto, body = self._wrap_udp(self.esp(seq, packet[40:], hdr[6]), src, dst)
        hdr[6] = proto
        hdr[4:6] = struct.pack("!H", len(body))
        return bytes(hdr) + body

    def decapsulate(self, packet, seq_hi=0):
        """The inner packet of an ESP packet (outer header, optional UDP, ESP); returns (seq, inner)."""
        if packet[0] >> 4 == 4:
            ihl = (packet[0] & 0xF) * 4
            proto, rest, hdr = packet[9], packet[ihl:], bytearray(packet[:ihl])
        else:
            proto, rest, hdr = packet[6], packet[40:], bytearray(packet[:40])
            ihl = 40
        if proto == UDP_PROTO:
            sport, dport = struct.unpack("!HH", rest[:4])
            assert (sport, dport) == (self.sport, self.dport), "UDP ports %d/%d" % (sport, dport)
            rest = rest[8:]
        else:
            assert proto == ESP_PROTO, "protocol %d" % proto
        seq, payload, nh = self.open_esp(rest, seq_hi)
        if self.mode == "tunnel":
            assert nh in (4, 41)
            return seq, payload
        if ihl == 40:
            hdr[6] = nh
            hdr[4:6] = struct.pack("!H", len(payload))
            return seq, bytes(hdr) + payload
        hdr[9] = nh
        hdr[2:4] = struct.pack("!H", ihl + len(payload))
        hdr[10:12] = b"\0\0"
        hdr[10:12] = struct.pack("!H", checksum(bytes(hdr)))
        return seq, bytes(hdr) + payload
