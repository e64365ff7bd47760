// Deterministic test traffic for esp-demo: IPv4 / IPv6 packets carrying UDP,
// TCP or ICMP (echo), with correct IP / transport checksums.
#pragma once

#include <cstdint>
#include <vector>

#include "esp/runtime/ip_addr.hpp"

namespace esp::demo {

using Bytes = std::vector<uint8_t>;

// splitmix64: small, seedable, the same sequence everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next();
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
  void fill(uint8_t* p, size_t n);

 private:
  uint64_t s_;
};

enum class L4 { Udp, Tcp, Icmp };

// One packet from src to dst (same family) of exactly `total` bytes, clamped
// to what the headers need. Ports, sequence numbers and payload come from rng.
Bytes make_packet(Rng& rng, const runtime::IpAddr& src, const runtime::IpAddr& dst, L4 l4, size_t total);

// Smallest packet make_packet builds for this family / protocol.
size_t min_packet(uint8_t family, L4 l4);

}  // namespace esp::demo
