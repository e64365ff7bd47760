// What the host needs to know about an ESP packet before the card sees it:
// its outer addresses and SPI (to apply the SA file's address selectors).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "esp/runtime/ip_addr.hpp"

namespace esp::pcaptool {

struct EspOuter {
  runtime::IpAddr src, dst;
  uint32_t spi = 0;
  bool udp = false;  // ESP in UDP (RFC 3948)
};

// Parses an IP packet the way the card does (CONTRACT.md DECRYPT 1-3): IPv4
// (not a fragment) or IPv6 (skipping Hop-by-Hop, Routing and Destination
// Options headers), then ESP, or UDP with port 4500 carrying ESP (not a NAT
// keepalive, not a non-ESP marker). nullopt when it is not a well-formed ESP
// packet; the card then says why.
std::optional<EspOuter> parse_esp_outer(const std::vector<uint8_t>& ip);

}  // namespace esp::pcaptool
