#include "packets.hpp"

#include <algorithm>
#include <stdexcept>

#include "ip.hpp"

namespace esp::ref::pkt {
namespace {

constexpr uint8_t kRoutingTypeExperimental = 253;

uint32_t mix(uint32_t x) {  // a small integer hash (Murmur3 finalizer)
  x ^= x >> 16;
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  x *= 0xC2B2AE35u;
  x ^= x >> 16;
  return x;
}

uint16_t port_from(uint32_t seed, uint32_t salt) {
  return static_cast<uint16_t>(1024 + mix(seed * 2 + salt) % 3000);  // 1024..4023: never 4500
}

Bytes ext_header(const ExtHeader& e, uint8_t next, uint32_t seed) {
  if (e.type == ip::kFragment) {
    Bytes f = {next, 0, 0, 0};
    append_be32(f, mix(seed));
    return f;
  }
  if (e.len8 < 1 || e.len8 > 256) throw std::invalid_argument("pkt: extension header len8 out of range");
  Bytes h(e.len8 * 8, 0);
  h[0] = next;
  h[1] = static_cast<uint8_t>(e.len8 - 1);
  if (e.type == ip::kHopByHop || e.type == ip::kDestOpts) {
    // Options area (>= 6 bytes): PadN options of at most 255 data bytes, a Pad1 for a lone byte.
    size_t off = 2;
    while (off < h.size()) {
      const size_t left = h.size() - off;
      if (left == 1) break;  // Pad1 is a zero byte: already there
      size_t n = std::min<size_t>(left - 2, 255);
      if (left - (n + 2) == 1) n -= 1;  // never leave a single byte: end with a PadN of 0
      h[off] = 1;  // PadN
      h[off + 1] = static_cast<uint8_t>(n);
      off += n + 2;
    }
  } else if (e.type == ip::kRouting) {
    h[2] = kRoutingTypeExperimental;
    h[3] = 0;  // Segments Left
  } else {
    throw std::invalid_argument("pkt: unsupported extension header type");
  }
  return h;
}

Bytes l4_segment(const PacketSpec& s, uint8_t& proto) {
  const Bytes data = payload(s.payload_len, s.seed);
  const uint16_t sport = s.sport ? s.sport : port_from(s.seed, 0);
  const uint16_t dport = s.dport ? s.dport : port_from(s.seed, 1);
  Bytes seg;
  switch (s.l4) {
    case L4::UDP:
      proto = ip::kUdp;
      append_be16(seg, sport);
      append_be16(seg, dport);
      append_be16(seg, static_cast<uint16_t>(8 + data.size()));
      append_be16(seg, 0);
      break;
    case L4::TCP:
      proto = ip::kTcp;
      append_be16(seg, sport);
      append_be16(seg, dport);
      append_be32(seg, mix(s.seed));  // sequence number
      append_be32(seg, 0);            // acknowledgment
      seg.push_back(5 << 4);          // data offset 5 words
      seg.push_back(0x18);            // PSH | ACK
      append_be16(seg, 65535);        // window
      append_be16(seg, 0);            // checksum
      append_be16(seg, 0);            // urgent pointer
      break;
    case L4::ICMP:
      proto = s.version == 4 ? ip::kIcmp : ip::kIcmpv6;
      seg.push_back(s.version == 4 ? 8 : 128);  // echo request
      seg.push_back(0);
      append_be16(seg, 0);
      append_be16(seg, static_cast<uint16_t>(mix(s.seed)));       // identifier
      append_be16(seg, static_cast<uint16_t>(mix(s.seed) >> 16));  // sequence
      break;
  }
  append(seg, data);
  return seg;
}

size_t checksum_offset(uint8_t proto) {
  switch (proto) {
    case ip::kUdp: return 6;
    case ip::kTcp: return 16;
    default: return 2;  // ICMP, ICMPv6
  }
}

}  // namespace

Bytes payload(size_t n, uint32_t seed) {
  Bytes b(n);
  uint32_t x = mix(seed ^ 0x9E3779B9u) | 1u;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;  // xorshift32
    x ^= x >> 17;
    x ^= x << 5;
    b[i] = static_cast<uint8_t>(x >> 24);
  }
  return b;
}

runtime::IpAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  runtime::IpAddr r;
  r.version = 4;
  r.bytes[0] = a;
  r.bytes[1] = b;
  r.bytes[2] = c;
  r.bytes[3] = d;
  return r;
}

runtime::IpAddr v6(const std::array<uint16_t, 8>& groups) {
  runtime::IpAddr r;
  r.version = 6;
  for (size_t i = 0; i < 8; ++i) {
    r.bytes[2 * i] = static_cast<uint8_t>(groups[i] >> 8);
    r.bytes[2 * i + 1] = static_cast<uint8_t>(groups[i]);
  }
  return r;
}

Bytes build(const PacketSpec& s) {
  if (s.version != 4 && s.version != 6) throw std::invalid_argument("pkt: version must be 4 or 6");
  runtime::IpAddr src = s.src, dst = s.dst;
  if (src.version == 0) src = s.version == 4 ? v4(192, 0, 2, 1) : v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
  if (dst.version == 0) dst = s.version == 4 ? v4(198, 51, 100, 2) : v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
  if (src.version != s.version || dst.version != s.version)
    throw std::invalid_argument("pkt: address family differs from version");

  uint8_t proto = 0;
  Bytes seg = l4_segment(s, proto);
  Bytes p;
  size_t l4_off = 0;
  if (s.version == 4) {
    Bytes opts = s.ipv4_options;
    while (opts.size() % 4) opts.push_back(0);  // EOL
    if (opts.size() > 40) throw std::invalid_argument("pkt: more than 40 IPv4 option bytes");
    const size_t hlen = 20 + opts.size();
    if (hlen + seg.size() > 65535) throw std::invalid_argument("pkt: packet too long");
    p.push_back(static_cast<uint8_t>(0x40 | (hlen / 4)));
    p.push_back(s.tos);
    append_be16(p, static_cast<uint16_t>(hlen + seg.size()));
    append_be16(p, static_cast<uint16_t>(mix(s.seed) >> 8));  // identification
    append_be16(p, s.df ? 0x4000 : 0);
    p.push_back(s.ttl);
    p.push_back(proto);
    append_be16(p, 0);
    p.insert(p.end(), src.bytes.begin(), src.bytes.begin() + 4);
    p.insert(p.end(), dst.bytes.begin(), dst.bytes.begin() + 4);
    append(p, opts);
    ip::set_ipv4_checksum(p);
    l4_off = p.size();
  } else {
    // Extension headers, built back to front so each knows its next header.
    Bytes exts;
    uint8_t next = proto;
    for (size_t i = s.ipv6_ext.size(); i-- > 0;) {
      Bytes e = ext_header(s.ipv6_ext[i], next, s.seed + static_cast<uint32_t>(i));
      e.insert(e.end(), exts.begin(), exts.end());
      exts = std::move(e);
      next = s.ipv6_ext[i].type;
    }
    if (exts.size() + seg.size() > 65535) throw std::invalid_argument("pkt: packet too long");
    append_be32(p, (6u << 28) | (static_cast<uint32_t>(s.tos) << 20) | (s.flow_label & 0xFFFFF));
    append_be16(p, static_cast<uint16_t>(exts.size() + seg.size()));
    p.push_back(next);
    p.push_back(s.ttl);
    p.insert(p.end(), src.bytes.begin(), src.bytes.end());
    p.insert(p.end(), dst.bytes.begin(), dst.bytes.end());
    append(p, exts);
    l4_off = p.size();
  }
  append(p, seg);

  // Transport checksum: ICMPv4 has no pseudo-header.
  uint32_t sum = (proto == ip::kIcmp) ? 0 : ip::pseudo_sum(p, proto, seg.size());
  uint16_t c = ip::fold(ip::sum16(p.data() + l4_off, seg.size(), sum));
  if (proto == ip::kUdp && c == 0) c = 0xFFFF;
  put_be16(p, l4_off + checksum_offset(proto), c);
  return p;
}

Bytes udp(uint8_t version, size_t payload_len, uint32_t seed) {
  PacketSpec s;
  s.version = version;
  s.l4 = L4::UDP;
  s.payload_len = payload_len;
  s.seed = seed;
  return build(s);
}

Bytes tcp(uint8_t version, size_t payload_len, uint32_t seed) {
  PacketSpec s;
  s.version = version;
  s.l4 = L4::TCP;
  s.payload_len = payload_len;
  s.seed = seed;
  return build(s);
}

Bytes icmp(uint8_t version, size_t payload_len, uint32_t seed) {
  PacketSpec s;
  s.version = version;
  s.l4 = L4::ICMP;
  s.payload_len = payload_len;
  s.seed = seed;
  return build(s);
}

bool checksums_ok(const Bytes& packet) {
  ip::Header h;
  if (!ip::parse(packet, h)) return false;
  if (h.version == 4) {
    if (ip::fold(ip::sum16(packet.data(), h.hdr_len)) != 0) return false;
  } else if (!ip::walk_v6_ext(packet, h, {ip::kHopByHop, ip::kRouting, ip::kDestOpts, ip::kFragment})) {
    return false;
  }
  const size_t l4_len = h.length - h.hdr_len;
  const uint8_t* l4 = packet.data() + h.hdr_len;
  switch (h.proto) {
    case ip::kUdp:
      if (l4_len < 8) return false;
      if (h.version == 4 && l4[6] == 0 && l4[7] == 0) return true;  // no checksum
      return ip::fold(ip::sum16(l4, l4_len, ip::pseudo_sum(packet, h.proto, l4_len))) == 0;
    case ip::kTcp:
    case ip::kIcmpv6:
      return ip::fold(ip::sum16(l4, l4_len, ip::pseudo_sum(packet, h.proto, l4_len))) == 0;
    case ip::kIcmp:
      return ip::fold(ip::sum16(l4, l4_len)) == 0;
    default:
      return true;  // nothing to check
  }
}

}  // namespace esp::ref::pkt
