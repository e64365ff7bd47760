// UDP encapsulation on port 4500 (RFC 3948, RFC 7296 2.23): IKE messages carry
// a 4-byte zero Non-ESP Marker, ESP packets start with a non-zero SPI, and a
// NAT-keepalive is the single byte 0xFF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace esp::ike {

inline constexpr std::size_t kNonEspMarkerSize = 4;
inline constexpr std::uint8_t kNatKeepalive = 0xFF;

enum class Udp4500Kind : std::uint8_t {
  Ike,        // Non-ESP marker then an IKE message at offset 4
  Esp,        // an ESP packet (SPI != 0) at offset 0
  Keepalive,  // the one-byte 0xFF
  Invalid,    // too short to be any of them
};

struct Udp4500Class {
  Udp4500Kind kind = Udp4500Kind::Invalid;
  std::size_t offset = 0;  // where the IKE message / ESP packet starts
};

// What a UDP payload received on port 4500 is.
Udp4500Class classify_udp4500(const std::uint8_t* data, std::size_t len);

// An IKE message framed for port 4500: the marker then the message.
std::vector<std::uint8_t> add_non_esp_marker(const std::vector<std::uint8_t>& ike_message);

// The keepalive datagram's payload.
inline std::vector<std::uint8_t> nat_keepalive() { return {kNatKeepalive}; }

}  // namespace esp::ike
