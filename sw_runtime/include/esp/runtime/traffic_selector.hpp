// One side of a traffic selector, as an IKEv2 TS (RFC 7296 3.13.1) or
// strongSwan's traffic_selector_t: an inclusive address range of one family,
// a protocol and an inclusive port range.
//
// Ports and ICMP. For TCP, UDP, SCTP and UDP-Lite the port range is the
// transport port of this side. For ICMP (1) and ICMPv6 (58) the 16-bit "port"
// carries type << 8 | code, as RFC 4301 4.4.1.1 and RFC 7296 3.13.1 do; a
// FlowKey (flow.hpp) carries the packet's type << 8 | code in BOTH sport and
// dport, so a restriction on either side's selector applies to it.
// Port restrictions are refused for any other protocol (and for "any"):
// such packets carry no ports.
//
// Text form (strongSwan's swanctl local_ts/remote_ts syntax), parse() and str():
//   address   "10.1.0.0/16", "192.0.2.1" (a /32 or /128), "10.0.0.1-10.0.0.9",
//             "2001:db8::/32", "0.0.0.0/0", "::/0". Host bits set under a prefix
//             are cleared ("10.1.2.3/16" is 10.1.0.0/16), as strongSwan does.
//             "dynamic" and "%any" are refused: the IKE daemon resolves them to
//             addresses before it installs anything.
//   [proto]   optional suffix "[proto]" or "[proto/port]": proto is a number
//             0..255, "%any", or one of tcp udp icmp ipv6-icmp (also icmpv6)
//             sctp gre udplite esp ah. port is a number, "a-b", "%any", or one
//             of the names http(80) https(443) domain(53) isakmp(500)
//             ipsec-nat-t(4500); no other names.
//             For icmp/ipv6-icmp the port is "T" (type T, any code), "T-U"
//             (types T..U, any code), "T:C" (type T, code C) or a raw 16-bit
//             range in hex "0xHHHH-0xHHHH".
//   A protocol suffix needs an address ("[udp/500]" alone is refused).
// str() prints the prefix form when the range is a prefix (a single address
// without "/len"), "a-b" otherwise; protocols by name when they have one;
// ports as numbers.
//
// Threading: a value type; const member functions are safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "esp/runtime/ip_addr.hpp"

namespace esp::runtime {

// IANA protocol numbers the selectors and flow parser know by name.
namespace ipproto {
constexpr uint8_t ANY = 0;
constexpr uint8_t ICMP = 1;
constexpr uint8_t TCP = 6;
constexpr uint8_t UDP = 17;
constexpr uint8_t GRE = 47;
constexpr uint8_t ESP = 50;
constexpr uint8_t AH = 51;
constexpr uint8_t ICMPV6 = 58;
constexpr uint8_t SCTP = 132;
constexpr uint8_t UDPLITE = 136;
}  // namespace ipproto

// True for the protocols whose packets carry ports (or ICMP type/code).
bool proto_has_ports(uint8_t proto);

struct TrafficSelector {
  IpAddr from, to;          // inclusive, same family; unset = no selector
  uint8_t proto = 0;        // 0 = any
  uint16_t port_from = 0;   // inclusive; 0..65535 = any
  uint16_t port_to = 0xffff;

  // Every address of the family (4 or 6), any protocol and port.
  static TrafficSelector any(uint8_t family);
  // addr/len; host bits of addr under the prefix are cleared.
  static TrafficSelector prefix(const IpAddr& addr, unsigned len);
  // a..b inclusive; throws std::invalid_argument if families differ or a > b.
  static TrafficSelector range(const IpAddr& a, const IpAddr& b);
  // The text form above; throws std::invalid_argument saying what and where.
  static TrafficSelector parse(const std::string& text);

  // This selector restricted to a protocol and port range (validated).
  TrafficSelector with_proto(uint8_t p, uint16_t pfrom = 0, uint16_t pto = 0xffff) const;

  std::string str() const;
  uint8_t family() const { return from.version; }
  bool is_prefix() const;
  int prefix_len() const;  // -1 when not a prefix
  bool any_ports() const { return port_from == 0 && port_to == 0xffff; }

  // The address alone.
  bool contains(const IpAddr& a) const;
  // Address, protocol and this side's port (or ICMP type<<8|code). A flow with
  // opaque ports (a non-first fragment) matches only a selector with any ports.
  bool contains(const IpAddr& a, uint8_t p, uint16_t port, bool ports_opaque = false) const;

  // Throws std::invalid_argument naming `what` and the bad field: unset or
  // mixed families, from > to, port_from > port_to, ports on a protocol that
  // has none.
  void validate(const std::string& what = "traffic selector") const;

  bool operator==(const TrafficSelector& o) const {
    return from == o.from && to == o.to && proto == o.proto && port_from == o.port_from && port_to == o.port_to;
  }
  bool operator!=(const TrafficSelector& o) const { return !(*this == o); }
};

// Compare two addresses of the same family as unsigned big-endian numbers
// (<0, 0, >0). Addresses of different families compare by version.
int compare_addr(const IpAddr& a, const IpAddr& b);

}  // namespace esp::runtime
