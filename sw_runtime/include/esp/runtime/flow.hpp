// The 5-tuple of an IP packet, as the SPD and the inbound selector check see
// it (RFC 4301 4.4.1.1 selectors).
//
// Encoding of ports (the same one TrafficSelector matches against):
//   TCP, UDP, SCTP, UDP-Lite   sport/dport = the transport ports.
//   ICMP (IPv4, proto 1), ICMPv6 (IPv6, proto 58)
//                              sport = dport = type << 8 | code (RFC 4301
//                              4.4.1.1, RFC 7296 3.13.1), so either side's
//                              selector may restrict the type/code.
//   any other protocol         sport = dport = 0, ports_opaque = false (the
//                              packet has no ports; only selectors with any
//                              ports accept such a protocol anyway).
//   a non-first fragment       sport = dport = 0, ports_opaque = true: it
//                              matches only selectors with any ports (RFC
//                              4301 OPAQUE).
//
// Threading: free functions with no shared state; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "esp/runtime/ip_addr.hpp"
#include "esp/runtime/traffic_selector.hpp"

namespace esp::runtime {

struct FlowKey {
  IpAddr src, dst;
  uint8_t proto = 0;  // IPv6: the upper-layer protocol after extension headers
  uint16_t sport = 0;
  uint16_t dport = 0;
  bool ports_opaque = false;
};

// Parses an IPv4 or IPv6 packet starting at its IP header (what a TUN device
// gives, no link header). IPv6 extension headers are skipped: hop-by-hop (0),
// routing (43), fragment (44), destination options (60) and AH (51). Returns
// false for a truncated or malformed header (bad version, IHL < 5, total or
// payload length beyond len, L4 header of a first fragment cut short);
// out is then unspecified. Does not allocate.
bool parse_flow(const uint8_t* pkt, size_t len, FlowKey& out);

// RFC 4301 5.2 inbound check of a decrypted inner packet against its SA's
// selectors: f.src is in one of src_ts AND f.dst is in one of dst_ts, each
// selector checking its protocol and its side's port (sport for src_ts,
// dport for dst_ts). An empty list means any.
bool selectors_match(const std::vector<TrafficSelector>& src_ts, const std::vector<TrafficSelector>& dst_ts,
                     const FlowKey& f);

}  // namespace esp::runtime
