#include "esp/runtime/flow.hpp"

#include <cstring>

namespace esp::runtime {

namespace {

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

// Ports from the upper-layer header at l4 (l4_len bytes available).
bool parse_ports(uint8_t proto, uint8_t icmp_proto, const uint8_t* l4, size_t l4_len, FlowKey& out) {
  out.sport = out.dport = 0;
  switch (proto) {
    case ipproto::TCP:
    case ipproto::UDP:
    case ipproto::SCTP:
    case ipproto::UDPLITE:
      if (l4_len < 4) return false;
      out.sport = be16(l4);
      out.dport = be16(l4 + 2);
      return true;
    default:
      if (proto == icmp_proto) {
        if (l4_len < 2) return false;
        out.sport = out.dport = be16(l4);  // type << 8 | code
      }
      return true;
  }
}

bool parse_v4(const uint8_t* pkt, size_t len, FlowKey& out) {
  if (len < 20) return false;
  const size_t ihl = size_t(pkt[0] & 0x0f) * 4;
  const size_t total = be16(pkt + 2);
  if (ihl < 20 || total < ihl || total > len) return false;
  out.src = IpAddr{};
  out.dst = IpAddr{};
  out.src.version = out.dst.version = 4;
  std::memcpy(out.src.bytes.data(), pkt + 12, 4);
  std::memcpy(out.dst.bytes.data(), pkt + 16, 4);
  out.proto = pkt[9];
  const unsigned frag_off = be16(pkt + 6) & 0x1fff;
  if (frag_off != 0) {
    out.sport = out.dport = 0;
    out.ports_opaque = true;
    return true;
  }
  out.ports_opaque = false;
  return parse_ports(out.proto, ipproto::ICMP, pkt + ihl, total - ihl, out);
}

bool parse_v6(const uint8_t* pkt, size_t len, FlowKey& out) {
  if (len < 40) return false;
  const size_t payload = be16(pkt + 4);
  uint8_t next = pkt[6];
  size_t end;
  if (payload == 0 && next != 59) {
    end = len;  // a jumbogram (RFC 2675): the length is in hop-by-hop; take the buffer
  } else {
    end = 40 + payload;
    if (end > len) return false;
  }
  out.src = IpAddr{};
  out.dst = IpAddr{};
  out.src.version = out.dst.version = 6;
  std::memcpy(out.src.bytes.data(), pkt + 8, 16);
  std::memcpy(out.dst.bytes.data(), pkt + 24, 16);
  out.ports_opaque = false;
  size_t off = 40;
  // Each extension header advances off by at least 8 bytes, so this ends.
  for (;;) {
    switch (next) {
      case 0:    // hop-by-hop options
      case 43:   // routing
      case 60: { // destination options
        if (end - off < 8) return false;
        const size_t hlen = (size_t(pkt[off + 1]) + 1) * 8;
        if (end - off < hlen) return false;
        next = pkt[off];
        off += hlen;
        continue;
      }
      case ipproto::AH: {
        if (end - off < 8) return false;
        const size_t hlen = (size_t(pkt[off + 1]) + 2) * 4;
        if (hlen < 8 || end - off < hlen) return false;
        next = pkt[off];
        off += hlen;
        continue;
      }
      case 44: {  // fragment
        if (end - off < 8) return false;
        const unsigned frag_off = be16(pkt + off + 2) >> 3;
        next = pkt[off];
        off += 8;
        if (frag_off != 0) {
          out.proto = next;
          out.sport = out.dport = 0;
          out.ports_opaque = true;
          return true;
        }
        continue;
      }
      default:
        out.proto = next;
        return parse_ports(next, ipproto::ICMPV6, pkt + off, end - off, out);
    }
  }
}

}  // namespace

bool parse_flow(const uint8_t* pkt, size_t len, FlowKey& out) {
  if (pkt == nullptr || len == 0) return false;
  switch (pkt[0] >> 4) {
    case 4:
      return parse_v4(pkt, len, out);
    case 6:
      return parse_v6(pkt, len, out);
    default:
      return false;
  }
}

bool selectors_match(const std::vector<TrafficSelector>& src_ts, const std::vector<TrafficSelector>& dst_ts,
                     const FlowKey& f) {
  auto any_of = [&](const std::vector<TrafficSelector>& ts, const IpAddr& a, uint16_t port) {
    if (ts.empty()) return true;
    for (const TrafficSelector& t : ts)
      if (t.contains(a, f.proto, port, f.ports_opaque)) return true;
    return false;
  };
  return any_of(src_ts, f.src, f.sport) && any_of(dst_ts, f.dst, f.dport);
}

}  // namespace esp::runtime
