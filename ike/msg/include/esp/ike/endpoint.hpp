// A UDP endpoint of IKE traffic: an IP address and a port.
#pragma once

#include <cstdint>
#include <string>

#include "esp/runtime/ip_addr.hpp"

namespace esp::ike {

struct Endpoint {
  runtime::IpAddr addr;
  std::uint16_t port = 0;

  // "192.0.2.1[500]" or "2001:db8::1[4500]", as strongSwan prints them.
  std::string str() const { return addr.str() + "[" + std::to_string(port) + "]"; }
  bool operator==(const Endpoint& o) const { return addr == o.addr && port == o.port; }
  bool operator!=(const Endpoint& o) const { return !(*this == o); }
};

}  // namespace esp::ike
