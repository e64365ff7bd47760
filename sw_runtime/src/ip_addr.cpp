#include "esp/runtime/ip_addr.hpp"

#include <arpa/inet.h>

#include <stdexcept>

namespace esp::runtime {

IpAddr IpAddr::parse(const std::string& text) {
  IpAddr a;
  // inet_pton accepts only the plain forms: dotted quad (no leading zeros
  // ambiguity, no shorthand like "10.1") and RFC 4291 text for IPv6.
  if (text.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) {
      a.version = 4;
      return a;
    }
  } else if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) {
    a.version = 6;
    return a;
  }
  a.bytes.fill(0);
  throw std::invalid_argument("not an IPv4 or IPv6 address: '" + text + "'");
}

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  switch (version) {
    case 4:
      if (inet_ntop(AF_INET, bytes.data(), buf, sizeof buf)) return buf;
      break;
    case 6:
      if (inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf)) return buf;
      break;
    case 0:
      return "unset";
    default:
      break;
  }
  return "invalid(version " + std::to_string(version) + ")";
}

}  // namespace esp::runtime
