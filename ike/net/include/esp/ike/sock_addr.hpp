// Conversions between esp::ike::Endpoint / runtime::IpAddr and the socket
// API's sockaddr_in / sockaddr_in6 / in_addr / in6_addr, shared by
// esp_ike_net and the data plane (ike/dp). Pure functions: thread-safe.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include "esp/ike/endpoint.hpp"
#include "esp/runtime/ip_addr.hpp"

namespace esp::ike::net_detail {

// AF_INET or AF_INET6 for version 4 or 6 (AF_UNSPEC otherwise).
int family_of(const runtime::IpAddr& a);
// 0.0.0.0 or :: (version 4 or 6).
runtime::IpAddr any_addr(int version);
// All-zero address of either version.
bool is_any(const runtime::IpAddr& a);

// Fills *ss; returns its length (0 if a has no version).
socklen_t to_sockaddr(const runtime::IpAddr& a, std::uint16_t port, sockaddr_storage* ss);
// false unless sa is AF_INET/AF_INET6 of a sufficient length.
bool from_sockaddr(const sockaddr_storage& ss, socklen_t len, Endpoint* ep);

runtime::IpAddr from_in_addr(const in_addr& a);
runtime::IpAddr from_in6_addr(const in6_addr& a);
in_addr to_in_addr(const runtime::IpAddr& a);     // a.version == 4
in6_addr to_in6_addr(const runtime::IpAddr& a);   // a.version == 6

}  // namespace esp::ike::net_detail
