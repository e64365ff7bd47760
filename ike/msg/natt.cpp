// UDP-4500 framing (RFC 3948 2.2, 2.3; RFC 7296 2.23).
#include "esp/ike/natt.hpp"

#include <algorithm>

#include "esp/ike/msg_types.hpp"

namespace esp::ike {

Udp4500Class classify_udp4500(const std::uint8_t* data, std::size_t len) {
  Udp4500Class c;
  if (data == nullptr || len == 0) return c;
  if (len == 1) {
    if (data[0] == kNatKeepalive) c.kind = Udp4500Kind::Keepalive;
    return c;
  }
  if (len < kNonEspMarkerSize) return c;
  const bool marker = data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 0;
  if (marker) {
    if (len >= kNonEspMarkerSize + kIkeHeaderSize) {
      c.kind = Udp4500Kind::Ike;
      c.offset = kNonEspMarkerSize;
    }
    return c;
  }
  if (len >= 8) c.kind = Udp4500Kind::Esp;  // SPI + sequence number at least
  return c;
}

std::vector<std::uint8_t> add_non_esp_marker(const std::vector<std::uint8_t>& ike_message) {
  std::vector<std::uint8_t> out(kNonEspMarkerSize + ike_message.size(), 0);
  std::copy(ike_message.begin(), ike_message.end(), out.begin() + kNonEspMarkerSize);
  return out;
}

}  // namespace esp::ike
