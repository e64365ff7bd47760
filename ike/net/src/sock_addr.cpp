// Endpoint <-> sockaddr.
#include "esp/ike/sock_addr.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace esp::ike::net_detail {

int family_of(const runtime::IpAddr& a) {
  if (a.version == 4) return AF_INET;
  if (a.version == 6) return AF_INET6;
  return AF_UNSPEC;
}

runtime::IpAddr any_addr(int version) {
  runtime::IpAddr a;
  a.version = static_cast<std::uint8_t>(version);
  return a;
}

bool is_any(const runtime::IpAddr& a) {
  const std::size_t n = a.version == 4 ? 4 : 16;
  for (std::size_t i = 0; i < n; ++i)
    if (a.bytes[i] != 0) return false;
  return true;
}

runtime::IpAddr from_in_addr(const in_addr& a) {
  runtime::IpAddr r;
  r.version = 4;
  std::memcpy(r.bytes.data(), &a.s_addr, 4);  // network order, as IpAddr keeps it
  return r;
}

runtime::IpAddr from_in6_addr(const in6_addr& a) {
  runtime::IpAddr r;
  r.version = 6;
  std::memcpy(r.bytes.data(), a.s6_addr, 16);
  return r;
}

in_addr to_in_addr(const runtime::IpAddr& a) {
  in_addr r{};
  std::memcpy(&r.s_addr, a.bytes.data(), 4);
  return r;
}

in6_addr to_in6_addr(const runtime::IpAddr& a) {
  in6_addr r{};
  std::memcpy(r.s6_addr, a.bytes.data(), 16);
  return r;
}

socklen_t to_sockaddr(const runtime::IpAddr& a, std::uint16_t port, sockaddr_storage* ss) {
  std::memset(ss, 0, sizeof *ss);
  if (a.version == 4) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr = to_in_addr(a);
    std::memcpy(ss, &sin, sizeof sin);
    return sizeof sin;
  }
  if (a.version == 6) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    sin6.sin6_addr = to_in6_addr(a);
    std::memcpy(ss, &sin6, sizeof sin6);
    return sizeof sin6;
  }
  return 0;
}

bool from_sockaddr(const sockaddr_storage& ss, socklen_t len, Endpoint* ep) {
  if (ss.ss_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in sin;
    std::memcpy(&sin, &ss, sizeof sin);
    ep->addr = from_in_addr(sin.sin_addr);
    ep->port = ntohs(sin.sin_port);
    return true;
  }
  if (ss.ss_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, &ss, sizeof sin6);
    ep->addr = from_in6_addr(sin6.sin6_addr);
    ep->port = ntohs(sin6.sin6_port);
    return true;
  }
  return false;
}

}  // namespace esp::ike::net_detail
