// The state line of contract 1.0 (spec sa_state; CONTRACT.md "The card's own
// state", "Commands", "Counters and the state line"): seq = tx_seq outbound /
// replay top T inbound, the counters with soft_events / hard_events 32-bit
// and stopping at 2^32 - 1; SA_INSTALL with KEEP_STATE (update_sa) and
// without it (load_state); SA_DELETE; ESN across 2^32 after a failed packet.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "ref_test_util.hpp"

namespace esp::ref {
namespace {

using spec::Status;
using testing::Pair;
using testing::SaParams;

constexpr uint32_t kMax32 = 0xFFFFFFFFu;

uint64_t le(const std::vector<uint8_t>& b, size_t off, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{b.at(off + i)} << (8 * i);
  return v;
}
uint64_t le64(const std::vector<uint8_t>& b, size_t off) { return le(b, off, 8); }
uint32_t le32(const std::vector<uint8_t>& b, size_t off) { return static_cast<uint32_t>(le(b, off, 4)); }

// The line's bytes where the spec puts them (little-endian).
TEST(StateLine, ImageLayout) {
  runtime::SaConfig c = testing::make_sa(SaParams{}, runtime::Direction::Outbound);
  c.seq_start = 0x1122334455667788ull & 0x7FFFFFFFull;  // no ESN: below 2^32
  c.soft.packets = 1;
  RefEngine e(2);
  e.add_sa(c);
  const Bytes inner = pkt::udp(4, 10);  // 38 bytes
  ASSERT_EQ(e.encrypt(0, inner).status, Status::OK);
  ASSERT_EQ(e.encrypt(0, inner).status, Status::OK);
  const std::vector<uint8_t> img = e.state_line_image(0);
  ASSERT_EQ(img.size(), 64u);
  EXPECT_EQ(le64(img, 0x00), c.seq_start + 1) << "seq = tx_seq, the last number sent";
  EXPECT_EQ(le64(img, 0x08), 2u) << "packets";
  EXPECT_EQ(le64(img, 0x10), 2 * inner.size()) << "bytes";
  EXPECT_EQ(le32(img, 0x08 + 0x30), 2u) << "soft_events";
  EXPECT_EQ(le32(img, 0x08 + 0x34), 0u) << "hard_events";
  for (size_t i = 0x08 + 0x18; i < 0x08 + 0x30; ++i) EXPECT_EQ(img[i], 0) << "byte " << i;
  EXPECT_EQ(e.state_line(0).seq, e.tx_seq(0));
}

TEST(StateLine, InboundSeqIsTheReplayTop) {
  SaParams sp;
  sp.window = 64;
  Pair p(sp);
  const Bytes inner = pkt::udp(4, 10);
  struct Step {
    uint64_t seq;
    bool forge;
    uint64_t top_after;
  };
  const std::vector<Step> steps = {{7, false, 7}, {3, false, 7}, {500, true, 7}, {40, false, 40}, {39, false, 40}};
  for (const Step& s : steps) {
    Bytes pkt = p.packet_with_seq(s.seq, inner);
    if (s.forge) pkt.back() ^= 1;
    p.rx.decrypt(pkt);
    EXPECT_EQ(p.rx.state_line(0).seq, s.top_after) << s.seq;
    EXPECT_EQ(le64(p.rx.state_line_image(0), 0), s.top_after);
  }
  EXPECT_EQ(p.rx.state_line(0).counters.packets, 4u);
  EXPECT_EQ(p.rx.state_line(0).counters.auth_fail, 1u);
}

// soft_events / hard_events stop at 2^32 - 1; packets, bytes and the other
// 64-bit counters go on (CONTRACT "Counters and the state line").
TEST(StateLine, EventCountersSaturate) {
  struct Case {
    const char* name;
    uint32_t soft_before, hard_before;
    int packets;            // ENCRYPTs after the soft limit (soft 1) or past hard
    bool hard;              // hard limit reached: every packet refused
    uint32_t soft_after, hard_after;
  };
  const std::vector<Case> cases = {
      {"soft one below the top", kMax32 - 1, 0, 3, false, kMax32, 0},
      {"soft at the top", kMax32, 0, 2, false, kMax32, 0},
      {"soft far below", 10, 0, 3, false, 13, 0},
      {"hard one below the top", 0, kMax32 - 1, 3, true, 0, kMax32},
      {"hard at the top", 0, kMax32, 1, true, 0, kMax32},
      {"hard two below", 0, kMax32 - 2, 2, true, 0, kMax32},
  };
  const Bytes inner = pkt::udp(4, 10);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    runtime::SaConfig cfg = testing::make_sa(SaParams{}, runtime::Direction::Outbound);
    cfg.soft.packets = 1;
    cfg.hard.packets = c.hard ? 1 : 0;
    RefEngine e(2);
    e.add_sa(cfg);
    Counters k;
    k.packets = c.hard ? 1 : 0x7FFFFFFFFFFFFFF0ull;
    k.soft_events = c.soft_before;
    k.hard_events = c.hard_before;
    e.set_counters(0, k);
    for (int i = 0; i < c.packets; ++i) {
      const Output o = e.encrypt(0, inner);
      EXPECT_EQ(o.status, c.hard ? Status::LIFETIME_EXPIRED : Status::OK);
      EXPECT_EQ(o.soft_expired, !c.hard);
    }
    EXPECT_EQ(e.counters(0).soft_events, c.soft_after);
    EXPECT_EQ(e.counters(0).hard_events, c.hard_after);
    EXPECT_EQ(e.counters(0).packets, k.packets + (c.hard ? 0 : uint64_t(c.packets)));
    const std::vector<uint8_t> img = e.state_line_image(0);
    EXPECT_EQ(le32(img, 0x08 + 0x30), c.soft_after);
    EXPECT_EQ(le32(img, 0x08 + 0x34), c.hard_after);
  }
}

TEST(StateLine, InboundHardEventsSaturate) {
  SaParams sp;
  Pair p(sp);
  runtime::SaConfig in = p.in_cfg;
  in.hard.packets = 1;
  p.rx.update_sa(0, in);
  Counters k;
  k.packets = 1;
  k.hard_events = kMax32 - 1;
  p.rx.set_counters(0, k);
  const Bytes inner = pkt::udp(4, 10);
  for (uint64_t s = 1; s <= 3; ++s) EXPECT_EQ(p.rx.decrypt(p.packet_with_seq(s, inner)).status, Status::LIFETIME_EXPIRED);
  EXPECT_EQ(p.rx.counters(0).hard_events, kMax32);
}

// SA_INSTALL KEEP_STATE: new lifetimes and addresses, same seq, counters and
// window.
TEST(Install, KeepStateKeepsSeqCountersAndWindow) {
  SaParams sp;
  sp.window = 128;
  Pair p(sp);
  const Bytes inner = pkt::udp(4, 10);
  for (uint64_t s : {1u, 2u, 5u, 200u}) ASSERT_EQ(p.rx.decrypt(p.packet_with_seq(s, inner)).status, Status::OK);
  ASSERT_EQ(p.tx.encrypt(0, inner).status, Status::OK);
  const Counters rx_before = p.rx.counters(0);
  const std::vector<uint8_t> ring_before = p.rx.replay(0).ring_image();
  const Bytes dup5 = p.packet_with_seq(5, inner), new100 = p.packet_with_seq(100, inner);  // before tx expires
  ASSERT_EQ(p.tx.encrypt(0, inner).status, Status::OK);
  const uint64_t tx_seq_now = p.tx.tx_seq(0);
  const uint64_t tx_packets = p.tx.counters(0).packets;

  runtime::SaConfig out = p.out_cfg;
  out.soft.packets = tx_packets + 1;  // the next packet trips the soft limit
  out.hard.packets = tx_packets + 1;  // and the one after it the hard limit
  out.tun_dst = pkt::v4(10, 0, 0, 99);
  p.tx.update_sa(0, out);
  runtime::SaConfig in = p.in_cfg;
  in.soft.packets = rx_before.packets + 1;
  p.rx.update_sa(0, in);

  EXPECT_EQ(p.tx.tx_seq(0), tx_seq_now);
  EXPECT_EQ(p.rx.counters(0), rx_before);
  EXPECT_EQ(p.rx.replay(0).ring_image(), ring_before);
  EXPECT_EQ(p.rx.replay(0).top(), 200u);

  const Output a = p.tx.encrypt(0, inner);
  EXPECT_EQ(a.status, Status::OK);
  EXPECT_EQ(a.seq, tx_seq_now + 1);
  EXPECT_TRUE(a.soft_expired);
  EXPECT_EQ(a.data[16], 10) << "new tunnel destination";
  EXPECT_EQ(a.data[19], 99);
  EXPECT_EQ(p.tx.encrypt(0, inner).status, Status::LIFETIME_EXPIRED);

  EXPECT_EQ(p.rx.decrypt(dup5).status, Status::REPLAY) << "window kept";
  const Output b = p.rx.decrypt(new100);
  EXPECT_EQ(b.status, Status::OK);
  EXPECT_TRUE(b.soft_expired);

  // What KEEP_STATE may not change.
  runtime::SaConfig bad = in;
  bad.window_bits = 256;
  EXPECT_THROW(p.rx.update_sa(0, bad), std::invalid_argument);
  bad = in;
  bad.spi ^= 1;
  EXPECT_THROW(p.rx.update_sa(0, bad), std::invalid_argument);
  EXPECT_THROW(p.rx.update_sa(1, in), std::logic_error) << "slot 1 is not installed";
}

// SA_INSTALL without KEEP_STATE: the state line and the ring as the host
// wrote them.
TEST(Install, LoadStateTakesLineAndRing) {
  SaParams sp;
  sp.window = 64;
  Pair p(sp);
  const Bytes inner = pkt::udp(4, 10);
  spec::SaState line;
  line.seq = 1000;
  line.counters.packets = 77;
  line.counters.replay = 5;
  std::vector<uint8_t> ring(spec::replay_ring_bytes(64), 0);
  spec::pack(spec::ReplayEntry{uint64_t{1} << (990 % 64) | uint64_t{1} << (1000 % 64), 1000 / 64},
             ring.data() + (1000 / 64 % 2) * spec::replay_entry::SIZE);
  p.rx.load_state(0, line, ring);
  EXPECT_EQ(p.rx.decrypt(p.packet_with_seq(990, inner)).status, Status::REPLAY) << "bit 990 (block 15) set";
  EXPECT_EQ(p.rx.decrypt(p.packet_with_seq(1000, inner)).status, Status::REPLAY);
  EXPECT_EQ(p.rx.decrypt(p.packet_with_seq(950, inner)).status, Status::OK) << "block 14: entry 0 is zero";
  EXPECT_EQ(p.rx.decrypt(p.packet_with_seq(936, inner)).status, Status::REPLAY) << "T - seq = W";
  EXPECT_EQ(p.rx.counters(0).packets, 78u);
  EXPECT_EQ(p.rx.counters(0).replay, 8u);

  spec::SaState out_line;
  out_line.seq = 41;
  p.tx.load_state(0, out_line);
  const Output o = p.tx.encrypt(0, inner);
  EXPECT_EQ(o.seq, 42u);
  EXPECT_EQ(p.tx.counters(0).packets, 1u) << "counters from the line (0)";
  // An empty ring image is a zeroed ring.
  p.rx.load_state(0, line);
  EXPECT_EQ(p.rx.decrypt(p.packet_with_seq(990, inner)).status, Status::OK);
}

// SA_DELETE and a new SA in the same slot: the index is not installed in
// between (SA_DISABLED / UNKNOWN_SPI), the new one starts from a fresh state.
TEST(Install, DeleteThenReuseTheSlot) {
  SaParams sp;
  Pair p(sp);
  const Bytes inner = pkt::udp(4, 10);
  const Bytes old_pkt = p.packet_with_seq(3, inner);
  ASSERT_EQ(p.rx.decrypt(old_pkt).status, Status::OK);
  ASSERT_EQ(p.tx.encrypt(0, inner).status, Status::OK);
  p.tx.remove_sa(0);
  p.rx.remove_sa(0);
  EXPECT_FALSE(p.tx.valid(0));
  const Output e = p.tx.encrypt(0, inner);
  EXPECT_EQ(e.status, Status::SA_DISABLED);
  EXPECT_EQ(e.sa_index, 0u);
  EXPECT_EQ(p.rx.decrypt(old_pkt).status, Status::UNKNOWN_SPI);
  EXPECT_EQ(p.rx.decrypt_with_sa(0, old_pkt).status, Status::SA_DISABLED);
  p.tx.add_sa_at(0, p.out_cfg);
  p.rx.add_sa_at(0, p.in_cfg);
  EXPECT_EQ(p.tx.encrypt(0, inner).seq, 1u) << "a fresh state line";
  EXPECT_EQ(p.rx.decrypt(old_pkt).status, Status::OK) << "a fresh ring";
  EXPECT_EQ(p.rx.counters(0).packets, 1u);
}

// ESN across 2^32 after a packet that failed: a forged packet past the wrap
// does not move T, so the next genuine packets still infer from the old
// epoch; then the wrap happens with a genuine one and late pre-wrap packets
// infer Th - 1 (RFC 4303 A2.2).
TEST(Esn, WrapAfterAFailedPacket) {
  for (uint32_t w : {64u, 1024u, 65536u}) {
    SCOPED_TRACE(w);
    SaParams sp;
    sp.esn = true;
    sp.window = w;
    Pair p(sp);
    const uint64_t two32 = uint64_t{1} << 32;
    const Bytes inner = pkt::udp(4, 12);
    p.rx.set_replay_top(0, two32 - 10);
    struct Step {
      uint64_t seq;   // the sender's full number
      bool forge;
      Status want;
      uint64_t seq_seen;  // the completion's inferred number
    };
    const std::vector<Step> steps = {
        {two32 + 5, true, Status::AUTH_FAIL, two32 + 5},  // inferred right, ICV wrong: T stays
        {two32 - 3, false, Status::OK, two32 - 3},         // still epoch 0
        {two32 + 5, false, Status::OK, two32 + 5},         // the genuine copy: T crosses 2^32
        {two32 + 5, true, Status::REPLAY, two32 + 5},      // replay check before the ICV
        {two32 - 4, false, Status::OK, two32 - 4},         // late, epoch 0 (Th - 1)
        {two32 - 3, false, Status::REPLAY, two32 - 3},     // seen before the wrap
        {two32 + 1, false, Status::OK, two32 + 1},
        {two32 + 2, true, Status::AUTH_FAIL, two32 + 2},
        {two32 + 2, false, Status::OK, two32 + 2},
    };
    for (const Step& s : steps) {
      Bytes pkt = p.packet_with_seq(s.seq, inner);
      if (s.forge) pkt.back() ^= 0x40;
      const Output o = p.rx.decrypt(pkt);
      EXPECT_EQ(o.status, s.want) << std::hex << s.seq;
      EXPECT_EQ(o.seq, s.seq_seen) << std::hex << s.seq;
    }
    EXPECT_EQ(p.rx.state_line(0).seq, two32 + 5);
    EXPECT_EQ(p.rx.counters(0).auth_fail, 2u);
    EXPECT_EQ(p.rx.counters(0).replay, 2u);
    EXPECT_EQ(p.rx.counters(0).packets, 5u);
  }
}

}  // namespace
}  // namespace esp::ref
