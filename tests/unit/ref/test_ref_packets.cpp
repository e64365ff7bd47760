// The test-packet builders: lengths, checksums (checked against a plain
// RFC 1071 sum written here independently), extension headers, options.
#include <gtest/gtest.h>

#include "ref/ip.hpp"
#include "ref/packets.hpp"

namespace esp::ref {
namespace {

// RFC 1071 over a byte string, the slow obvious way.
uint16_t naive_checksum(const Bytes& b) {
  uint32_t s = 0;
  for (size_t i = 0; i < b.size(); i += 2) {
    uint32_t w = static_cast<uint32_t>(b[i]) << 8;
    if (i + 1 < b.size()) w |= b[i + 1];
    s += w;
    s = (s & 0xFFFF) + (s >> 16);
  }
  return static_cast<uint16_t>(~s & 0xFFFF);
}

TEST(Packets, Ipv4UdpFields) {
  Bytes p = pkt::udp(4, 100, 3);
  ASSERT_EQ(p.size(), 128u);
  EXPECT_EQ(p[0], 0x45);
  EXPECT_EQ(get_be16(p, 2), 128);
  EXPECT_EQ(p[9], 17);
  EXPECT_EQ(naive_checksum(Bytes(p.begin(), p.begin() + 20)), 0);
  EXPECT_EQ(get_be16(p, 24), 108);
  // UDP checksum with the pseudo-header, built by hand.
  Bytes ph(p.begin() + 12, p.begin() + 20);
  ph.insert(ph.end(), {0, 17, 0, 108});
  ph.insert(ph.end(), p.begin() + 20, p.end());
  EXPECT_EQ(naive_checksum(ph), 0);
  EXPECT_EQ(Bytes(p.begin() + 28, p.end()), pkt::payload(100, 3));
  EXPECT_TRUE(pkt::checksums_ok(p));
}

TEST(Packets, Ipv6TcpIcmpFields) {
  for (pkt::L4 l4 : {pkt::L4::UDP, pkt::L4::TCP, pkt::L4::ICMP})
    for (size_t n : {0, 1, 2, 3, 57, 1400}) {
      pkt::PacketSpec s;
      s.version = 6;
      s.l4 = l4;
      s.payload_len = n;
      s.flow_label = 0xABCDE;
      s.tos = 0x5C;
      Bytes p = pkt::build(s);
      const size_t l4h = l4 == pkt::L4::TCP ? 20 : 8;
      ASSERT_EQ(p.size(), 40 + l4h + n);
      EXPECT_EQ(get_be32(p, 0), (6u << 28) | (0x5Cu << 20) | 0xABCDEu);
      EXPECT_EQ(get_be16(p, 4), l4h + n);
      EXPECT_EQ(p[6], l4 == pkt::L4::UDP ? 17 : (l4 == pkt::L4::TCP ? 6 : 58));
      Bytes ph(p.begin() + 8, p.begin() + 40);
      Bytes len;
      append_be32(len, static_cast<uint32_t>(l4h + n));
      ph.insert(ph.end(), len.begin(), len.end());
      ph.insert(ph.end(), {0, 0, 0, p[6]});
      ph.insert(ph.end(), p.begin() + 40, p.end());
      EXPECT_EQ(naive_checksum(ph), 0);
      EXPECT_TRUE(pkt::checksums_ok(p));
    }
}

TEST(Packets, Ipv4OptionsAndIcmp) {
  pkt::PacketSpec s;
  s.l4 = pkt::L4::ICMP;
  s.payload_len = 33;
  s.ipv4_options = {0x07, 0x07, 0x04, 0, 0, 0, 0};  // Record Route, one slot
  s.df = true;
  Bytes p = pkt::build(s);
  EXPECT_EQ(p[0], 0x47);
  EXPECT_EQ(get_be16(p, 6), 0x4000);
  EXPECT_EQ(naive_checksum(Bytes(p.begin(), p.begin() + 28)), 0);
  EXPECT_EQ(p[28], 8);
  EXPECT_EQ(naive_checksum(Bytes(p.begin() + 28, p.end())), 0);
  EXPECT_TRUE(pkt::checksums_ok(p));
  s.ipv4_options.assign(41, 1);
  EXPECT_THROW(pkt::build(s), std::invalid_argument);
}

TEST(Packets, Ipv6ExtensionHeaders) {
  pkt::PacketSpec s;
  s.version = 6;
  s.payload_len = 10;
  s.ipv6_ext = {{ip::kHopByHop, 1}, {ip::kRouting, 3}, {ip::kFragment, 1}, {ip::kDestOpts, 40}};
  Bytes p = pkt::build(s);
  ASSERT_EQ(p.size(), 40 + 8 + 24 + 8 + 320 + 8 + 10);
  EXPECT_EQ(p[6], 0);
  EXPECT_EQ(p[40], 43);
  EXPECT_EQ(p[41], 0);
  EXPECT_EQ(p[48], 44);
  EXPECT_EQ(p[49], 2);
  EXPECT_EQ(p[50], 253);
  EXPECT_EQ(p[51], 0) << "segments left";
  EXPECT_EQ(p[72], 60);
  EXPECT_EQ(get_be16(p, 74), 0) << "atomic fragment";
  EXPECT_EQ(p[80], 17);
  EXPECT_EQ(p[81], 39);
  // Options area of the 320-byte Destination Options: PadN options tiling it.
  size_t off = 82;
  while (off < 400) {
    ASSERT_EQ(p[off], 1);
    off += 2 + p[off + 1];
  }
  EXPECT_EQ(off, 400u);
  ip::Header h;
  ASSERT_TRUE(ip::parse(p, h));
  ASSERT_TRUE(ip::walk_v6_ext(p, h, {0, 43, 44, 60}));
  EXPECT_EQ(h.hdr_len, 400u);
  EXPECT_EQ(h.proto, 17);
  EXPECT_TRUE(pkt::checksums_ok(p));
}

TEST(Packets, DeterministicAndSeeded) {
  EXPECT_EQ(pkt::udp(4, 50, 9), pkt::udp(4, 50, 9));
  EXPECT_NE(pkt::payload(50, 9), pkt::payload(50, 10));
  EXPECT_EQ(pkt::payload(0, 1).size(), 0u);
  Bytes p = pkt::udp(4, 10, 77);
  EXPECT_NE(get_be16(p, 20), 4500);
  EXPECT_NE(get_be16(p, 22), 4500);
}

}  // namespace
}  // namespace esp::ref
