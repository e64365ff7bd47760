#include "esp/runtime/detail/esp_peek.hpp"

#include "esp/spec/esp_spec.hpp"

namespace esp::runtime::detail {

namespace {

uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

bool esp_at(const uint8_t* pkt, size_t len, size_t off, EspPeek& out) {
  if (len < off + spec::ESP_HDR_BYTES) return false;
  out.spi = be32(pkt + off);
  out.seq_lo = be32(pkt + off + 4);
  return out.spi != 0;  // SPI 0 is the non-ESP marker (RFC 3948 2.2)
}

}  // namespace

bool peek_esp(const uint8_t* pkt, size_t len, EspPeek& out) {
  if (!pkt || len < 1) return false;
  size_t l4 = 0;
  uint8_t proto = 0;
  const unsigned version = pkt[0] >> 4;
  if (version == 4) {
    if (len < 20) return false;
    const size_t ihl = size_t(pkt[0] & 0x0F) * 4;
    if (ihl < 20 || len < ihl) return false;
    if (be16(pkt + 6) & 0x3FFF) return false;  // a fragment: the card refuses it too
    l4 = ihl;
    proto = pkt[9];
  } else if (version == 6) {
    if (len < spec::IPV6_HDR_BYTES) return false;
    l4 = spec::IPV6_HDR_BYTES;
    proto = pkt[6];
  } else {
    return false;
  }
  if (proto == spec::ESP_PROTO) return esp_at(pkt, len, l4, out);
  if (proto != spec::UDP_PROTO || len < l4 + spec::UDP_HDR_BYTES) return false;
  // Any UDP ports: an SA's encapsulation ports are settable; the card checks them.
  return esp_at(pkt, len, l4 + spec::UDP_HDR_BYTES, out);
}

}  // namespace esp::runtime::detail
