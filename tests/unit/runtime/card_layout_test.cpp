#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "esp/runtime/detail/card_layout.hpp"

using esp::runtime::Direction;
using esp::runtime::IpAddr;
using esp::runtime::SaConfig;
namespace spec = esp::spec;
namespace d = esp::runtime::detail;
namespace e = esp::spec::sa_entry;

namespace {

SaConfig full_outbound() {
  SaConfig c;
  c.spi = 0xA1B2C3D4;
  c.direction = Direction::Outbound;
  c.mode = spec::Mode::TUNNEL;
  c.esn = true;
  c.udp_encap = true;
  c.key.resize(32);
  for (size_t i = 0; i < 32; ++i) c.key[i] = uint8_t(0x80 + i);
  c.salt = {0xde, 0xad, 0xbe, 0xef};
  c.icv_len = 12;
  c.tun_src = IpAddr::parse("2001:db8::1");
  c.tun_dst = IpAddr::parse("2001:db8::2");
  c.ttl = 33;
  c.tos = 0x2e;
  c.flow_label = 0xABCDE;
  c.udp_sport = 40000;
  c.udp_dport = 4500;
  c.seq_start = 0x100000005ull;
  c.soft = {1000, 10};
  c.hard = {2000, 20};
  return c;
}

// Bytes of sa_entry that belong to no field (reserved ranges).
std::vector<bool> field_bytes() {
  std::vector<bool> m(e::SIZE, false);
#define MARK(S, F)                                                                   \
  for (uint32_t i = 0; i < spec::S::F::size; ++i) m[spec::S::F::offset + i] = true;
  ESP_SPEC_FIELDS_sa_entry(MARK)
#undef MARK
  return m;
}

}  // namespace

TEST(CardLayout, EncodesEveryFieldOfAnOutboundSa) {
  const SaConfig c = full_outbound();
  ASSERT_NO_THROW(c.validate());
  std::vector<uint8_t> img(e::SIZE, 0xCC);
  d::encode_sa_entry(c, 7, 12345, img.data());
  EXPECT_EQ(spec::get<e::spi>(img.data()), c.spi);
  const uint32_t f = spec::get<e::flags>(img.data());
  namespace fb = e::flags_bit;
  EXPECT_EQ(f, fb::VALID | fb::OUTBOUND | fb::TUNNEL | fb::OUTER_V6 | fb::ESN | fb::UDP_ENCAP | fb::AES256);
  EXPECT_EQ(spec::get<e::generation>(img.data()), 7u);
  EXPECT_EQ(spec::get<e::window_bits>(img.data()), 0u);    // outbound: no window
  EXPECT_EQ(spec::get<e::replay_offset>(img.data()), 0u);  // outbound: no replay state
  EXPECT_EQ(std::memcmp(img.data() + e::salt::offset, c.salt.data(), 4), 0);
  EXPECT_EQ(spec::get<e::icv_len>(img.data()), 12u);
  EXPECT_EQ(spec::get<e::ttl>(img.data()), 33u);
  EXPECT_EQ(spec::get<e::tos>(img.data()), 0x2eu);
  EXPECT_EQ(std::memcmp(img.data() + e::key::offset, c.key.data(), 32), 0);
  EXPECT_EQ(spec::get<e::soft_bytes>(img.data()), 1000u);
  EXPECT_EQ(spec::get<e::soft_packets>(img.data()), 10u);
  EXPECT_EQ(spec::get<e::hard_bytes>(img.data()), 2000u);
  EXPECT_EQ(spec::get<e::hard_packets>(img.data()), 20u);
  EXPECT_EQ(spec::get<e::udp_sport>(img.data()), 40000u);
  EXPECT_EQ(spec::get<e::udp_dport>(img.data()), 4500u);
  EXPECT_EQ(spec::get<e::flow_label>(img.data()), 0xABCDEu);
  EXPECT_EQ(std::memcmp(img.data() + e::tun_src::offset, c.tun_src.bytes.data(), 16), 0);
  EXPECT_EQ(std::memcmp(img.data() + e::tun_dst::offset, c.tun_dst.bytes.data(), 16), 0);
  // Little-endian in card memory: the SPI's low byte first.
  EXPECT_EQ(img[e::spi::offset], 0xD4);
  const auto fields = field_bytes();
  for (uint32_t i = 0; i < e::SIZE; ++i) {
    if (!fields[i]) {
      EXPECT_EQ(img[i], 0) << "reserved byte " << i;
    }
  }
}

TEST(CardLayout, EncodesAnInboundAes128TransportSa) {
  SaConfig c;
  c.spi = 0x42;
  c.direction = Direction::Inbound;
  c.mode = spec::Mode::TRANSPORT;
  c.key.assign(16, 0x11);
  c.window_bits = 1024;
  c.gmac = true;
  c.tun_src = IpAddr::parse("192.0.2.1");  // ignored in transport mode
  c.tun_dst = IpAddr::parse("192.0.2.2");
  ASSERT_NO_THROW(c.validate());
  std::vector<uint8_t> img(e::SIZE, 0xCC);
  d::encode_sa_entry(c, 1, 4096, img.data());
  EXPECT_EQ(spec::get<e::flags>(img.data()), e::flags_bit::VALID | e::flags_bit::GMAC);
  EXPECT_EQ(spec::get<e::window_bits>(img.data()), 1024u);
  EXPECT_EQ(spec::get<e::replay_offset>(img.data()), 4096u);
  EXPECT_EQ(std::memcmp(img.data() + e::key::offset, c.key.data(), 16), 0);
  for (uint32_t i = 16; i < 32; ++i) EXPECT_EQ(img[e::key::offset + i], 0) << "AES-128: key bytes 16..31 are zero";
  for (uint32_t i = 0; i < 16; ++i) EXPECT_EQ(img[e::tun_src::offset + i], 0);
}

TEST(CardLayout, Ipv4TunnelAddressInFirstFourBytes) {
  SaConfig c = full_outbound();
  c.tun_src = IpAddr::parse("192.0.2.1");
  c.tun_dst = IpAddr::parse("198.51.100.2");
  std::vector<uint8_t> img(e::SIZE);
  d::encode_sa_entry(c, 1, 0, img.data());
  EXPECT_EQ(spec::get<e::flags>(img.data()) & e::flags_bit::OUTER_V6, 0u);
  const uint8_t src[4] = {192, 0, 2, 1}, dst[4] = {198, 51, 100, 2};
  EXPECT_EQ(std::memcmp(img.data() + e::tun_src::offset, src, 4), 0);
  EXPECT_EQ(std::memcmp(img.data() + e::tun_dst::offset, dst, 4), 0);
  for (uint32_t i = 4; i < 16; ++i) EXPECT_EQ(img[e::tun_dst::offset + i], 0);
}

TEST(CardLayout, PacketSlotsAndCapacities) {
  EXPECT_EQ(d::kPktSlotBytes % spec::PKT_BUS_BYTES, 0u);
  EXPECT_GE(d::kPktSlotBytes, spec::MAX_PKT_BYTES);
  EXPECT_LT(d::kPktSlotBytes - spec::MAX_PKT_BYTES, spec::PKT_BUS_BYTES);
  for (uint32_t len : {0u, 1u, 20u, 64u, 1500u, 9000u, 9500u, spec::MAX_PKT_BYTES}) {
    const uint32_t cap = d::out_capacity_for(len);
    EXPECT_EQ(cap % spec::PKT_BUS_BYTES, 0u);
    EXPECT_LE(cap, d::kPktSlotBytes);
    EXPECT_TRUE(cap >= len + spec::MAX_ENCAP_OVERHEAD || cap == d::kPktSlotBytes) << len;
    EXPECT_EQ(d::in_footprint(len) % spec::PKT_BUS_BYTES, 0u);
    EXPECT_GE(d::in_footprint(len), std::max<uint64_t>(len, 1));
  }
}

TEST(CardLayout, ReplayFootprints) {
  EXPECT_EQ(d::replay_footprint(64) % 64, 0u);
  EXPECT_GE(d::replay_footprint(4096), spec::replay_ring_bytes(4096));
  EXPECT_GE(d::replay_footprint(65536), spec::replay_ring_bytes(65536));
  EXPECT_EQ(spec::replay_ring_bytes(64), 32u);  // 2 entries of 16 bytes ...
  EXPECT_EQ(d::replay_footprint(64), 64u);       // ... on a line of their own
  EXPECT_EQ(d::default_replay_region(10), 10 * d::replay_footprint(spec::DEFAULT_WINDOW_BITS));
}

TEST(CardLayout, RingSizes) {
  const struct {
    uint32_t batch;
    unsigned log2;
  } cases[] = {{1, 9}, {8, 9}, {255, 9}, {256, 10}, {767, 10}, {768, 11}, {65000, 16}, {65535, 16}, {65536, 0}};
  for (const auto& c : cases) {
    EXPECT_EQ(d::ring_log2_for(c.batch), c.log2) << c.batch;
    if (c.log2) {
      EXPECT_GE(uint64_t(1) << c.log2, uint64_t(c.batch) + 1) << "a batch and its STOP fit";
    }
  }
}

// What the tagged ring reads for seq (CONTRACT.md DECRYPT 9).
bool seen(const std::vector<uint8_t>& img, uint32_t window_bits, uint64_t seq) {
  const uint32_t n = spec::replay_ring_entries(window_bits);
  spec::ReplayEntry e;
  spec::unpack(img.data() + ((seq / 64) % n) * spec::replay_entry::SIZE, e);
  return e.block == seq / 64 && ((e.bits >> (seq % 64)) & 1);
}

TEST(CardLayout, ReplaySeenMarksEveryNumberTheWindowReachesUpToTop) {
  for (uint32_t w : {64u, 128u, 1024u}) {
    for (uint64_t top : {uint64_t(0), uint64_t(1), uint64_t(63), uint64_t(64), uint64_t(1000), uint64_t(5000),
                         (uint64_t(1) << 32) + 7}) {
      SCOPED_TRACE(std::to_string(w) + "/" + std::to_string(top));
      std::vector<uint8_t> img(spec::replay_ring_bytes(w), 0xEE);
      d::encode_replay_seen(top, w, img.data());
      const uint64_t lo = top >= w ? top - w + 1 : 1;
      for (uint64_t s = lo; s <= top; ++s) ASSERT_TRUE(seen(img, w, s)) << s;
      for (uint64_t s = top + 1; s < top + 3 * w; ++s) ASSERT_FALSE(seen(img, w, s)) << "above top: " << s;
    }
  }
}

TEST(CardLayout, SecureWipe) {
  std::vector<uint8_t> k(32, 0x5a);
  d::secure_wipe(k.data(), k.size());
  for (uint8_t b : k) EXPECT_EQ(b, 0);
  d::secure_wipe(nullptr, 0);
}
