// IPv4 / IPv6 header parsing (CONTRACT.md ENCRYPT 2, DECRYPT 1).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "esp/hls/ip_parse.hpp"

namespace {

using esp::hls::IpHeader;
using esp::hls::parse_ip;
using esp::hls::walk_ipv6_ext;
using Bytes = std::vector<uint8_t>;

Bytes ipv4(unsigned ihl_words, unsigned total, uint8_t proto, unsigned avail) {
  Bytes p(avail, 0xEE);
  if (avail > 0) p[0] = static_cast<uint8_t>(0x40 | ihl_words);
  if (avail >= 20) {
    p[2] = static_cast<uint8_t>(total >> 8);
    p[3] = static_cast<uint8_t>(total);
    p[6] = 0;
    p[7] = 0;
    p[9] = proto;
  }
  return p;
}

// IPv6 header + extension headers given as {type, length in bytes}, then
// `payload` bytes; payload length covers all of it.
Bytes ipv6(const std::vector<std::pair<uint8_t, unsigned>>& ext, uint8_t last_proto, unsigned payload, unsigned extra = 0) {
  unsigned ext_len = 0;
  for (const auto& e : ext) ext_len += e.second;
  Bytes p(40 + ext_len + payload + extra, 0);
  p[0] = 0x60;
  const unsigned pl = ext_len + payload;
  p[4] = static_cast<uint8_t>(pl >> 8);
  p[5] = static_cast<uint8_t>(pl);
  p[6] = ext.empty() ? last_proto : ext[0].first;
  p[7] = 64;
  unsigned off = 40;
  for (size_t i = 0; i < ext.size(); ++i) {
    p[off] = i + 1 < ext.size() ? ext[i + 1].first : last_proto;
    if (ext[i].first != 44) p[off + 1] = static_cast<uint8_t>(ext[i].second / 8 - 1);
    off += ext[i].second;
  }
  return p;
}

TEST(IpParse, Ipv4Plain) {
  const Bytes p = ipv4(5, 60, 6, 60);
  IpHeader h;
  ASSERT_TRUE(parse_ip(p.data(), 60, h));
  EXPECT_EQ(h.version, 4);
  EXPECT_EQ(h.pkt_len, 60u);
  EXPECT_EQ(h.ihl, 20u);
  EXPECT_EQ(h.hdr_len, 20u);
  EXPECT_EQ(h.nh_off, 9u);
  EXPECT_EQ(h.proto, 6);
}

TEST(IpParse, Ipv4Table) {
  struct Case {
    const char* name;
    unsigned ihl, total, avail;
    bool ok;
    unsigned pkt_len;
  };
  const std::vector<Case> cases = {
      {"options", 15, 100, 100, true, 100},
      {"header only", 5, 20, 20, true, 20},
      {"header = total with options", 6, 24, 24, true, 24},
      {"trailing bytes ignored", 5, 46, 64, true, 46},
      {"IHL 4", 4, 40, 40, false, 0},
      {"IHL 0", 0, 40, 40, false, 0},
      {"total < IHL*4", 6, 23, 40, false, 0},
      {"total > avail", 5, 41, 40, false, 0},
      {"total 0", 5, 0, 40, false, 0},
      {"shorter than 20", 5, 19, 19, false, 0},
      {"1 byte", 5, 1, 1, false, 0},
  };
  for (const Case& c : cases) {
    const Bytes p = ipv4(c.ihl, c.total, 17, c.avail);
    IpHeader h;
    EXPECT_EQ(parse_ip(p.data(), c.avail, h), c.ok) << c.name;
    if (c.ok) {
      EXPECT_EQ(h.pkt_len, c.pkt_len) << c.name;
      EXPECT_EQ(h.hdr_len, c.ihl * 4) << c.name;
    }
  }
}

TEST(IpParse, Versions) {
  IpHeader h;
  for (unsigned v = 0; v < 16; ++v) {
    Bytes p(64, 0);
    p[0] = static_cast<uint8_t>((v << 4) | 5);
    p[3] = 40;  // IPv4 total 40
    p[5] = 0;   // IPv6 payload 0
    const bool ok = parse_ip(p.data(), 64, h);
    EXPECT_EQ(ok, v == 4 || v == 6) << v;
  }
  EXPECT_FALSE(parse_ip(nullptr, 0, h));
}

TEST(IpParse, Fragment) {
  Bytes p = ipv4(5, 40, 50, 40);
  EXPECT_FALSE(esp::hls::ipv4_is_fragment(p.data()));
  p[6] = 0x40;  // DF
  EXPECT_FALSE(esp::hls::ipv4_is_fragment(p.data()));
  p[6] = 0x20;  // MF
  EXPECT_TRUE(esp::hls::ipv4_is_fragment(p.data()));
  p[6] = 0x00;
  p[7] = 0x01;  // offset 8
  EXPECT_TRUE(esp::hls::ipv4_is_fragment(p.data()));
  p[6] = 0x5F;
  p[7] = 0xFF;
  EXPECT_TRUE(esp::hls::ipv4_is_fragment(p.data()));
}

TEST(IpParse, Ipv6Table) {
  IpHeader h;
  Bytes p = ipv6({}, 17, 30);
  ASSERT_TRUE(parse_ip(p.data(), static_cast<unsigned>(p.size()), h));
  EXPECT_EQ(h.version, 6);
  EXPECT_EQ(h.pkt_len, 70u);
  EXPECT_EQ(h.hdr_len, 40u);
  EXPECT_EQ(h.nh_off, 6u);
  EXPECT_EQ(h.proto, 17);
  // trailing bytes ignored
  p = ipv6({}, 17, 30, 10);
  ASSERT_TRUE(parse_ip(p.data(), static_cast<unsigned>(p.size()), h));
  EXPECT_EQ(h.pkt_len, 70u);
  // payload length past the bytes present
  p = ipv6({}, 17, 30);
  EXPECT_FALSE(parse_ip(p.data(), 69, h));
  // shorter than 40
  EXPECT_FALSE(parse_ip(p.data(), 39, h));
  // header only
  p = ipv6({}, 59, 0);
  ASSERT_TRUE(parse_ip(p.data(), 40, h));
  EXPECT_EQ(h.pkt_len, 40u);
}

struct ExtCase {
  const char* name;
  std::vector<std::pair<uint8_t, unsigned>> ext;
  bool inbound;
  bool ok;
  unsigned hdr_len;
  unsigned nh_off;
  uint8_t proto;
};

TEST(IpParse, Ipv6Extensions) {
  const std::vector<ExtCase> cases = {
      {"none", {}, false, true, 40, 6, 6},
      {"hbh + routing, out", {{0, 8}, {43, 24}}, false, true, 72, 48, 6},
      {"hbh + routing + fragment, out", {{0, 16}, {43, 8}, {44, 8}}, false, true, 72, 64, 6},
      {"dst opts stays in front of ESP? no: outbound stops", {{60, 8}}, false, true, 40, 6, 60},
      {"routing then dst opts, out", {{43, 8}, {60, 8}}, false, true, 48, 40, 60},
      {"hbh + dst opts, in", {{0, 8}, {60, 16}}, true, true, 64, 48, 6},
      {"hbh + routing + dst opts, in", {{0, 8}, {43, 8}, {60, 8}}, true, true, 64, 56, 6},
      {"fragment, in", {{44, 8}}, true, false, 0, 0, 0},
      {"hbh + fragment, in", {{0, 8}, {44, 8}}, true, false, 0, 0, 0},
  };
  for (const ExtCase& c : cases) {
    const Bytes p = ipv6(c.ext, 6, 20);
    IpHeader h;
    ASSERT_TRUE(parse_ip(p.data(), static_cast<unsigned>(p.size()), h)) << c.name;
    const bool ok = walk_ipv6_ext(p.data(), h, c.inbound);
    EXPECT_EQ(ok, c.ok) << c.name;
    if (ok && c.ok) {
      EXPECT_EQ(h.hdr_len, c.hdr_len) << c.name;
      EXPECT_EQ(h.nh_off, c.nh_off) << c.name;
      EXPECT_EQ(h.proto, c.proto) << c.name;
    }
  }
}

TEST(IpParse, Ipv6ExtensionOutsidePacket) {
  IpHeader h;
  // Routing header claiming 24 bytes with only 16 in the packet.
  Bytes p = ipv6({{43, 16}}, 6, 0);
  p[41] = 2;  // (2+1)*8 = 24
  ASSERT_TRUE(parse_ip(p.data(), static_cast<unsigned>(p.size()), h));
  EXPECT_FALSE(walk_ipv6_ext(p.data(), h, false));
  ASSERT_TRUE(parse_ip(p.data(), static_cast<unsigned>(p.size()), h));
  EXPECT_FALSE(walk_ipv6_ext(p.data(), h, true));
  // Hop-by-Hop announced, fewer than 8 bytes left.
  p = ipv6({}, 0, 4);
  ASSERT_TRUE(parse_ip(p.data(), static_cast<unsigned>(p.size()), h));
  EXPECT_FALSE(walk_ipv6_ext(p.data(), h, false));
  // Fragment announced outbound with 7 bytes left.
  p = ipv6({}, 44, 7);
  ASSERT_TRUE(parse_ip(p.data(), static_cast<unsigned>(p.size()), h));
  EXPECT_FALSE(walk_ipv6_ext(p.data(), h, false));
  // Exactly fitting: the packet ends with the extension header.
  p = ipv6({{0, 8}}, 59, 0);
  ASSERT_TRUE(parse_ip(p.data(), static_cast<unsigned>(p.size()), h));
  ASSERT_TRUE(walk_ipv6_ext(p.data(), h, true));
  EXPECT_EQ(h.hdr_len, 48u);
  EXPECT_EQ(h.proto, 59);
  // Bytes after the packet's end do not count.
  p = ipv6({}, 43, 4, 20);
  p[41] = 0;
  ASSERT_TRUE(parse_ip(p.data(), static_cast<unsigned>(p.size()), h));
  EXPECT_FALSE(walk_ipv6_ext(p.data(), h, false));
}

TEST(IpParse, LongExtensionChain) {
  // 100 Destination Options headers: the walk is bounded only by the packet.
  std::vector<std::pair<uint8_t, unsigned>> ext(100, {60, 8});
  const Bytes p = ipv6(ext, 50, 8);
  IpHeader h;
  ASSERT_TRUE(parse_ip(p.data(), static_cast<unsigned>(p.size()), h));
  ASSERT_TRUE(walk_ipv6_ext(p.data(), h, true));
  EXPECT_EQ(h.hdr_len, 40u + 800u);
  EXPECT_EQ(h.proto, 50);
}

TEST(IpParse, UpdateHeader) {
  // IPv4: protocol, total length and checksum; options kept.
  Bytes p = ipv4(6, 100, 6, 100);
  p[20] = 1;
  p[21] = 1;
  p[22] = 1;
  p[23] = 0;  // NOP NOP NOP EOL
  IpHeader h;
  ASSERT_TRUE(parse_ip(p.data(), 100, h));
  esp::hls::ip_update_header(p.data(), h, 50, 136);
  EXPECT_EQ(p[9], 50);
  EXPECT_EQ(esp::hls::get_be16(p.data() + 2), 136u);
  EXPECT_TRUE(esp::hls::ipv4_checksum_ok(p.data(), 24));
  EXPECT_EQ(p[20], 1);
  // IPv6 with extensions: the last next-header before the payload.
  Bytes q = ipv6({{0, 8}, {43, 8}}, 6, 20);
  ASSERT_TRUE(parse_ip(q.data(), static_cast<unsigned>(q.size()), h));
  ASSERT_TRUE(walk_ipv6_ext(q.data(), h, false));
  esp::hls::ip_update_header(q.data(), h, 50, 200);
  EXPECT_EQ(q[6], 0);
  EXPECT_EQ(q[40], 43);
  EXPECT_EQ(q[48], 50);
  EXPECT_EQ(esp::hls::get_be16(q.data() + 4), 160u);
}

}  // namespace
