// An IPv4 or IPv6 address.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace esp::runtime {

struct IpAddr {
  uint8_t version = 0;  // 4 or 6; 0 = unset
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes

  // "192.0.2.1" or "2001:db8::1"; throws std::invalid_argument.
  static IpAddr parse(const std::string& text);
  std::string str() const;
  bool operator==(const IpAddr& o) const { return version == o.version && bytes == o.bytes; }
};

}  // namespace esp::runtime
