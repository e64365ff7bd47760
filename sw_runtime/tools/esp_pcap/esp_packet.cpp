#include "esp_packet.hpp"

#include <algorithm>

#include "esp/spec/esp_spec.hpp"

namespace esp::pcaptool {

namespace {
uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}
}  // namespace

std::optional<EspOuter> parse_esp_outer(const std::vector<uint8_t>& ip) {
  EspOuter o;
  const uint8_t* p = ip.data();
  const size_t n = ip.size();
  size_t off = 0, end = 0;
  uint8_t proto = 0;
  if (n >= 20 && (p[0] >> 4) == 4) {
    const size_t ihl = (p[0] & 15u) * 4u, tot = be16(p + 2);
    if (ihl < 20 || ihl > tot || tot > n) return std::nullopt;
    if (be16(p + 6) & 0x3FFF) return std::nullopt;  // MF or fragment offset
    o.src.version = o.dst.version = 4;
    std::copy(p + 12, p + 16, o.src.bytes.begin());
    std::copy(p + 16, p + 20, o.dst.bytes.begin());
    proto = p[9];
    off = ihl;
    end = tot;
  } else if (n >= 40 && (p[0] >> 4) == 6) {
    end = 40u + be16(p + 4);
    if (end > n) return std::nullopt;
    o.src.version = o.dst.version = 6;
    std::copy(p + 8, p + 24, o.src.bytes.begin());
    std::copy(p + 24, p + 40, o.dst.bytes.begin());
    proto = p[6];
    off = 40;
    while (proto == 0 || proto == 43 || proto == 60) {
      if (off + 8 > end) return std::nullopt;
      const size_t len = (p[off + 1] + 1u) * 8u;
      if (off + len > end) return std::nullopt;
      proto = p[off];
      off += len;
    }
  } else {
    return std::nullopt;
  }
  if (proto == spec::UDP_PROTO) {
    if (off + 8 > end) return std::nullopt;
    const size_t ulen = be16(p + off + 4);
    if (ulen < 8 || off + ulen > end) return std::nullopt;
    if (be16(p + off) != spec::NAT_T_PORT && be16(p + off + 2) != spec::NAT_T_PORT) return std::nullopt;
    o.udp = true;
    end = off + ulen;
    off += 8;
    if (end - off == 1 && p[off] == 0xFF) return std::nullopt;               // NAT keepalive
    if (end - off >= 4 && be32(p + off) == 0) return std::nullopt;           // non-ESP marker (IKE)
  } else if (proto != spec::ESP_PROTO) {
    return std::nullopt;
  }
  if (end - off < 8) return std::nullopt;
  o.spi = be32(p + off);
  return o;
}

}  // namespace esp::pcaptool
