// esp_engine building block: the Internet checksum (RFC 1071), for the IPv4
// header and UDP over IPv6.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

// Adds `len` bytes (<= MAX_PKT_BYTES) as big-endian 16-bit words to a
// one's-complement running sum (an odd last byte is padded with zero).
inline uint32_t csum_add(uint32_t sum, const uint8_t* p, unsigned len) {
csum_add_words:
  for (unsigned i = 0; i < (spec::MAX_PKT_BYTES + 1) / 2; ++i) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 10 max = 4800)
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    if (2 * i >= len) break;
    const uint32_t hi = p[2 * i];
    const uint32_t lo = 2 * i + 1 < len ? p[2 * i + 1] : 0u;
    sum += (hi << 8) | lo;
    sum = (sum & 0xFFFFu) + (sum >> 16);
  }
  return sum;
}

inline uint32_t csum_add16(uint32_t sum, uint32_t v) {
  sum += v & 0xFFFFu;
  return (sum & 0xFFFFu) + (sum >> 16);
}

// The checksum field value: the one's complement of the folded sum.
inline uint16_t csum_finish(uint32_t sum) {
  sum = (sum & 0xFFFFu) + (sum >> 16);
  sum = (sum & 0xFFFFu) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xFFFFu);
}

inline void put_be16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

inline void put_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

inline uint32_t get_be16(const uint8_t* p) { return (uint32_t(p[0]) << 8) | p[1]; }

inline uint32_t get_be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

// Recomputes the header checksum (bytes 10..11) of an IPv4 header of
// `ihl_bytes` bytes.
inline void ipv4_set_checksum(uint8_t* hdr, unsigned ihl_bytes) {
  hdr[10] = 0;
  hdr[11] = 0;
  put_be16(hdr + 10, csum_finish(csum_add(0, hdr, ihl_bytes)));
}

// True when an IPv4 header's checksum verifies.
inline bool ipv4_checksum_ok(const uint8_t* hdr, unsigned ihl_bytes) {
  return csum_finish(csum_add(0, hdr, ihl_bytes)) == 0;
}

// UDP checksum over IPv6 (RFC 8200 8.1): pseudo-header {src, dst, UDP
// length, next header 17} + the UDP header (checksum field zero) + data.
// `udp` points at the UDP header of `udp_len` bytes; 0 is sent as 0xFFFF.
inline uint16_t udp6_checksum(const uint8_t* src16, const uint8_t* dst16, const uint8_t* udp, unsigned udp_len) {
  uint32_t sum = csum_add(0, src16, 16);
  sum = csum_add(sum, dst16, 16);
  sum = csum_add16(sum, udp_len >> 16);
  sum = csum_add16(sum, udp_len);
  sum = csum_add16(sum, spec::UDP_PROTO);
  sum = csum_add(sum, udp, 6);  // ports and length; the checksum field counts as zero
  sum = csum_add(sum, udp + 8, udp_len - 8);
  const uint16_t c = csum_finish(sum);
  return c == 0 ? uint16_t(0xFFFF) : c;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
