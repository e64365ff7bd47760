// Test traffic for everyone's tests: IPv4 / IPv6 packets carrying UDP, TCP or
// ICMP with N payload bytes of deterministic content, IPv4 options, IPv6
// extension headers, correct lengths and checksums.
//
//   using namespace esp::ref;
//   Bytes p = pkt::udp(4, 100, /*seed=*/7);              // IPv4/UDP, 100 payload bytes
//   pkt::PacketSpec s; s.version = 6; s.l4 = pkt::L4::TCP; s.payload_len = 1000;
//   s.ipv6_ext = {{ip::kHopByHop}, {ip::kRouting, 3}};  // 8-byte HbH, 24-byte Routing
//   Bytes q = pkt::build(s);
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "bytes.hpp"
#include "esp/runtime/ip_addr.hpp"

namespace esp::ref::pkt {

enum class L4 { UDP, TCP, ICMP };  // ICMP = ICMP echo request (IPv4) / ICMPv6 echo request (IPv6)

// One IPv6 extension header. type: ip::kHopByHop, ip::kRouting, ip::kDestOpts
// or ip::kFragment. Size len8 * 8 bytes (len8 >= 1; Fragment is always 8).
// Options headers are filled with PadN; Routing is type 253 (RFC 4727
// experimental) with Segments Left 0; Fragment is an atomic fragment (offset 0, M 0).
struct ExtHeader {
  uint8_t type = 0;
  size_t len8 = 1;
};

struct PacketSpec {
  uint8_t version = 4;                // 4 or 6
  L4 l4 = L4::UDP;
  size_t payload_len = 0;             // bytes after the UDP / TCP / ICMP header
  uint32_t seed = 1;                  // payload content, IPv4 ID, TCP seq, ICMP id/seq
  runtime::IpAddr src, dst;           // version 0 = defaults: 192.0.2.1 -> 198.51.100.2, 2001:db8::1 -> 2001:db8::2
  uint16_t sport = 0, dport = 0;      // 0 = derived from seed (never 4500)
  uint8_t ttl = 64;                   // TTL / hop limit
  uint8_t tos = 0;                    // TOS / traffic class
  uint32_t flow_label = 0;            // IPv6, 20 bits
  bool df = false;                    // IPv4 don't-fragment
  Bytes ipv4_options;                 // IPv4 options, padded with EOL to a multiple of 4 (<= 40 bytes)
  std::vector<ExtHeader> ipv6_ext;    // IPv6 extension headers, in order
};

// The packet described by spec. Throws std::invalid_argument on a bad spec
// (e.g. more than 40 option bytes, a packet longer than 65535).
Bytes build(const PacketSpec& spec);

// Shorthands with default addresses and ports.
Bytes udp(uint8_t version, size_t payload_len, uint32_t seed = 1);
Bytes tcp(uint8_t version, size_t payload_len, uint32_t seed = 1);
Bytes icmp(uint8_t version, size_t payload_len, uint32_t seed = 1);

// n bytes of deterministic content from seed.
Bytes payload(size_t n, uint32_t seed);

// Addresses without IpAddr::parse.
runtime::IpAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
runtime::IpAddr v6(const std::array<uint16_t, 8>& groups);  // v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1})

// True if the packet parses (version, lengths, extension headers) and its
// IPv4 header checksum and UDP / TCP / ICMP / ICMPv6 checksum are correct.
bool checksums_ok(const Bytes& packet);

}  // namespace esp::ref::pkt
