// Where an ESP packet's SPI and sequence number are, read by the host before
// the card sees the packet (to route it to the card that holds its SA, and
// for the shadow's bounds): raw ESP over IPv4 or IPv6 (IP protocol 50), or
// ESP in UDP (RFC 3948, on any ports: not the non-ESP marker or a keepalive).
// The card checks everything again; this only reads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace esp::runtime::detail {

struct EspPeek {
  uint32_t spi = 0;
  uint32_t seq_lo = 0;
};

// False when the packet is not ESP as above (too short, other protocol, IPv6
// extension headers before ESP, the non-ESP marker, a NAT keepalive).
bool peek_esp(const uint8_t* pkt, size_t len, EspPeek& out);

}  // namespace esp::runtime::detail
