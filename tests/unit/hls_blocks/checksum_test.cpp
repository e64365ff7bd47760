// The Internet checksum (RFC 1071): IPv4 header, UDP over IPv6.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "esp/hls/checksum.hpp"

namespace {

using Bytes = std::vector<uint8_t>;

// Straightforward reference: 32-bit sum of 16-bit words, folded at the end.
uint16_t ref_checksum(const Bytes& b) {
  uint64_t sum = 0;
  for (size_t i = 0; i < b.size(); i += 2) sum += (uint32_t(b[i]) << 8) | (i + 1 < b.size() ? b[i + 1] : 0u);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xFFFF);
}

TEST(Checksum, KnownIpv4Header) {
  // A textbook header whose checksum is 0xB861.
  Bytes h = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
             0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  esp::hls::ipv4_set_checksum(h.data(), 20);
  EXPECT_EQ(h[10], 0xB8);
  EXPECT_EQ(h[11], 0x61);
  EXPECT_TRUE(esp::hls::ipv4_checksum_ok(h.data(), 20));
  h[15] ^= 1;
  EXPECT_FALSE(esp::hls::ipv4_checksum_ok(h.data(), 20));
}

TEST(Checksum, MatchesReference) {
  std::mt19937 rng(7);
  for (unsigned len : {0u, 1u, 2u, 3u, 19u, 20u, 60u, 1499u, 1500u, 9599u, 9600u}) {
    Bytes b(len);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    EXPECT_EQ(esp::hls::csum_finish(esp::hls::csum_add(0, b.data(), len)), ref_checksum(b)) << len;
    Bytes ff(len, 0xFF);  // worst case for carries
    EXPECT_EQ(esp::hls::csum_finish(esp::hls::csum_add(0, ff.data(), len)), ref_checksum(ff)) << len;
  }
}

// UDP over IPv6 against the pseudo-header written out in full.
TEST(Checksum, Udp6) {
  std::mt19937 rng(11);
  for (unsigned data_len : {0u, 1u, 13u, 100u, 1400u}) {
    Bytes src(16), dst(16), udp(8 + data_len);
    for (auto& x : src) x = static_cast<uint8_t>(rng());
    for (auto& x : dst) x = static_cast<uint8_t>(rng());
    for (auto& x : udp) x = static_cast<uint8_t>(rng());
    const unsigned ulen = 8 + data_len;
    udp[4] = static_cast<uint8_t>(ulen >> 8);
    udp[5] = static_cast<uint8_t>(ulen);
    Bytes pseudo;
    pseudo.insert(pseudo.end(), src.begin(), src.end());
    pseudo.insert(pseudo.end(), dst.begin(), dst.end());
    const Bytes tail = {0, 0, static_cast<uint8_t>(ulen >> 8), static_cast<uint8_t>(ulen), 0, 0, 0, 17};
    pseudo.insert(pseudo.end(), tail.begin(), tail.end());
    Bytes body = udp;
    body[6] = body[7] = 0;
    pseudo.insert(pseudo.end(), body.begin(), body.end());
    uint16_t want = ref_checksum(pseudo);
    if (want == 0) want = 0xFFFF;
    EXPECT_EQ(esp::hls::udp6_checksum(src.data(), dst.data(), udp.data(), ulen), want) << data_len;
  }
}

TEST(Checksum, Udp6ZeroIsSentAsFfff) {
  Bytes src(16, 0x20), dst(16, 0x30), udp(10, 0);
  udp[4] = 0;
  udp[5] = 10;
  // With data word 0 the checksum is c; putting c in the data word makes
  // the one's-complement sum 0xFFFF, i.e. a computed checksum of 0.
  const uint16_t c = esp::hls::udp6_checksum(src.data(), dst.data(), udp.data(), 10);
  udp[8] = static_cast<uint8_t>(c >> 8);
  udp[9] = static_cast<uint8_t>(c);
  EXPECT_EQ(esp::hls::udp6_checksum(src.data(), dst.data(), udp.data(), 10), 0xFFFF);
}

}  // namespace
