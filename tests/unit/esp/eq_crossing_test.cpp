// DECRYPT in sequence across replay ring entries (issue 14, hw/rtl/DATAPATH.md
// "DECRYPT across descriptors"): a packet whose seq is beyond T in a later
// ring entry (every 64 numbers in order, or a forward jump) goes through the
// card's tail like any other tunnel DECRYPT: the new entry is {bit, block}
// without a card-memory read (an entry of a block above T's holds no bit of
// it), and when it commits the old top entry goes to card memory while T's
// entry moves. Card vs reference (tests/ref): every request (status, seq,
// output), counters, state lines and replay rings after each run's STOP.
//
// The tables put a crossing behind 1..6 other DECRYPTs (d SAs round robin:
// the same SA every d descriptors; 64 B-ish and 1400 B-ish packets), make
// the crossing packet fail its ICV (then the next good one crosses), send a
// duplicate of it while it is in flight, send late packets of the old block
// after the crossing (in flight and committed; inside the window they pass
// once, then REPLAY; beyond it REPLAY), end runs (STOP, which writes the
// ring back) right after crossings, use windows 64 / 128 / 1024, forward
// jumps of every size against the ring, ESN epochs and the hard lifetime,
// and many SAs crossing in a round robin.
// They fail when the old top entry is not written to card memory (ring
// images differ after STOP, and a late packet of the old block passes twice),
// when the new entry keeps the bits of the block it held (a later packet of
// the new block is REPLAY where the reference passes it), or when the head
// sends the tail a packet whose entry is in card memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq {
namespace crossing {   // (named: the unity build joins this file with eq_pipeline_test.cpp)

class EqCrossing : public BackendTest {};

constexpr uint32_t kMaxDistance = 6;   // esp_engine OSlots (4) + 2

size_t small_at(size_t i) {
  static const size_t kSizes[] = {20, 36, 8, 100};
  return kSizes[i % std::size(kSizes)];
}
size_t mid_at(size_t i) {
  static const size_t kSizes[] = {1400, 20, 1380, 600, 1400};
  return kSizes[i % std::size(kSizes)];
}

struct Rx {
  SaConfig cfg;
  SaHandle h;
  Sender snd;
  uint8_t inner;
  // hard: a hard packet lifetime (soft two packets before it), 0 none
  Rx(Twin& t, const SaSpec& s, uint32_t spi, uint64_t hard = 0)
      : cfg(inbound(s, spi, hard)), h(t.add(cfg)), snd(make_sa(s, Direction::Outbound, spi)), inner(s.outer) {}
  static SaConfig inbound(const SaSpec& s, uint32_t spi, uint64_t hard) {
    SaConfig c = make_sa(s, Direction::Inbound, spi);
    c.hard.packets = hard;
    c.soft.packets = hard > 2 ? hard - 2 : 0;
    return c;
  }
  Op good(uint64_t seq, size_t payload, const std::string& what) {
    return dec(snd.packet(seq, inner_packet(inner, payload, static_cast<uint32_t>(seq * 7 + cfg.spi))),
               "SPI " + hex64(cfg.spi) + " seq " + hex64(seq) + " " + what);
  }
  Op forged(uint64_t seq, size_t payload, const std::string& what) {
    Op o = good(seq, payload, what + " (forged ICV)");
    o.data.back() ^= 0x01;
    return o;
  }
};

struct Ev {
  uint64_t seq;
  bool forged;
  const char* what;
};

// d tunnel SAs (IPv4 / IPv6 outer, ESN or not) with window w (0: 64, 128,
// 1024 by SA).
std::vector<std::unique_ptr<Rx>> receivers(Twin& t, uint32_t d, uint32_t spi0, uint32_t w = 0) {
  std::vector<std::unique_ptr<Rx>> rx;
  for (uint32_t k = 0; k < d; ++k) {
    SaSpec s;
    s.outer = k % 3 == 1 ? 6 : 4;
    s.esn = k % 2 == 1;
    s.window = w ? w : (k % 3 == 0 ? 64 : (k % 3 == 1 ? 128 : 1024));
    rx.push_back(std::make_unique<Rx>(t, s, spi0 + k));
  }
  return rx;
}

// SA k's i-th event at position i * d + k.
std::vector<Op> interleave(std::vector<std::unique_ptr<Rx>>& rx, const std::vector<Ev>& script,
                           size_t (*size_at)(size_t), uint64_t base = 0) {
  std::vector<Op> ops;
  for (size_t i = 0; i < script.size(); ++i) {
    for (size_t k = 0; k < rx.size(); ++k) {
      const Ev& e = script[i];
      const size_t at = ops.size();
      ops.push_back(e.forged ? rx[k]->forged(base + e.seq, size_at(at), e.what)
                             : rx[k]->good(base + e.seq, size_at(at), e.what));
    }
  }
  return ops;
}

std::vector<Ev> in_order(uint64_t from, uint64_t to) {
  std::vector<Ev> s;
  for (uint64_t q = from; q <= to; ++q) s.push_back({q, false, "in order"});
  return s;
}

void expect_all_ok(const RunResult& r, const std::vector<Op>& ops, const std::string& label) {
  ASSERT_EQ(r.card.size(), ops.size()) << label;
  for (size_t i = 0; i < r.card.size(); ++i) EXPECT_EQ(r.card[i].status, Status::OK) << label << ": " << ops[i].what;
}

// In order across two crossings (64, 128) and into a third entry, one SA
// every d descriptors, d = 1..6; small packets, then ~1400 B ones.
TEST_P(EqCrossing, InOrderAtEveryDistance) {
  for (uint32_t d = 1; d <= kMaxDistance; ++d) {
    Twin t(GetParam());
    auto rx = receivers(t, d, 0xA000u + 16 * d);
    const std::string label = "in order, distance " + std::to_string(d);
    std::vector<Op> ops = interleave(rx, in_order(1, 140), small_at);
    expect_all_ok(t.run(ops, label + " small"), ops, label + " small");
    t.expect_all_counters(label + " small");
    ops = interleave(rx, in_order(141, 200), mid_at);
    expect_all_ok(t.run(ops, label + " 1400 B"), ops, label + " 1400 B");
    t.expect_all_counters(label);
  }
}

// The crossing packet fails its ICV (T and te stay), then the next good one
// crosses; a late good copy of it passes once; forged copies of packets
// beyond; a duplicate of the crossing packet while it is in flight.
TEST_P(EqCrossing, CrossingFailsDuplicatesLate) {
  std::vector<Ev> script = in_order(58, 63);
  const std::vector<Ev> tail = {
      {64, true, "crossing, bad"},     {65, false, "crosses instead"}, {64, false, "late good: passes"},
      {64, false, "dup: REPLAY"},      {66, false, "next"},            {127, false, "in order"},
      {128, true, "crossing, bad"},    {128, true, "bad again"},      {129, true, "bad beyond"},
      {128, false, "crossing, good"},  {128, false, "dup in flight"}, {129, false, "next"},
      {128, true, "forged dup: REPLAY"}, {192, false, "crossing"},    {192, false, "dup"},
      {193, false, "next"},            {192, false, "dup again"},     {191, false, "old block, late"},
      {191, false, "dup of late"},     {194, false, "next"}};
  script.insert(script.end(), tail.begin(), tail.end());
  for (uint32_t d = 1; d <= kMaxDistance; ++d) {
    for (size_t (*sz)(size_t) : {small_at, mid_at}) {
      Twin t(GetParam());
      auto rx = receivers(t, d, 0xA100u + 16 * d);
      const std::string label = "crossing fails / dups / late, distance " + std::to_string(d) +
                                (sz == small_at ? " small" : " 1400 B");
      const std::vector<Op> ops = interleave(rx, script, sz);
      const RunResult r = t.run(ops, label);
      ASSERT_EQ(r.card.size(), ops.size()) << label;
      // from the contract: the bad crossing fails, the next one passes, the late good one once
      EXPECT_EQ(r.card[6 * d].status, Status::AUTH_FAIL) << label;
      EXPECT_EQ(r.card[7 * d].status, Status::OK) << label;
      EXPECT_EQ(r.card[8 * d].status, Status::OK) << label;
      EXPECT_EQ(r.card[9 * d].status, Status::REPLAY) << label;
      t.expect_all_counters(label);
    }
  }
}

// Late packets of the old block after the crossing, in flight and after it
// is committed: inside the window they pass once, then REPLAY; beyond it
// REPLAY. Windows 64, 128, 1024 (the ring: 2, 4, 32 entries).
TEST_P(EqCrossing, LateOldBlockAfterCrossing) {
  const std::vector<Ev> script = {
      {60, false, "old block"},     {61, false, "old block"},      {64, false, "crossing"},
      {65, false, "new block"},     {62, false, "late, in flight"}, {63, false, "late"},
      {62, false, "late dup"},      {66, false, "new block"},      {67, false, "new block"},
      {68, false, "new block"},     {69, false, "new block"},      {70, false, "new block"},
      {59, false, "late, committed"}, {59, false, "dup"},          {10, false, "far behind"},
      {128, false, "crossing"},     {100, false, "late"},          {64, false, "edge"},
      {65, false, "seen"},          {129, false, "next"},          {70, false, "old"},
      {300, false, "jump"},         {250, false, "late"},          {240, false, "late"},
      {301, false, "next"}};
  for (uint32_t w : {64u, 128u, 1024u}) {
    for (uint32_t d = 1; d <= 3; ++d) {
      Twin t(GetParam());
      auto rx = receivers(t, d, 0xA200u + 16 * d + w, w);
      const std::string label = "late old block, W " + std::to_string(w) + " distance " + std::to_string(d);
      const std::vector<Op> ops = interleave(rx, script, d == 2 ? mid_at : small_at);
      const RunResult r = t.run(ops, label);
      ASSERT_EQ(r.card.size(), ops.size()) << label;
      EXPECT_EQ(r.card[4 * d].status, Status::OK) << label;      // 62 late, first copy
      EXPECT_EQ(r.card[6 * d].status, Status::REPLAY) << label;  // 62 again
      t.expect_all_counters(label);
    }
  }
}

// Forward jumps of every size against the ring (N = W / 32 entries of 64
// numbers): into the next entry, the one after, exactly N entries (T's own
// entry, another block), N +- 1, beyond the window, with packets of the
// new block right behind and late ones of the old.
TEST_P(EqCrossing, ForwardJumps) {
  for (uint32_t w : {64u, 128u, 1024u}) {
    const uint64_t n = w / 32;   // entries
    std::vector<Ev> script = in_order(1, 5);
    uint64_t top = 5;
    for (uint64_t jump : {uint64_t{64}, uint64_t{128}, 64 * n, 64 * n + 64, 64 * n - 64, uint64_t{w} + 3,
                          uint64_t{3}, 64 * n + 1}) {
      top += jump;
      script.push_back({top, false, "jump"});
      script.push_back({top + 1, false, "behind the jump"});
      script.push_back({top - 2, false, "late"});
      script.push_back({top + 2, false, "next"});
      top += 2;
    }
    for (uint32_t d = 1; d <= 4; ++d) {
      Twin t(GetParam());
      auto rx = receivers(t, d, 0xA300u + 16 * d + w, w);
      const std::string label = "forward jumps, W " + std::to_string(w) + " distance " + std::to_string(d);
      t.run(interleave(rx, script, d % 2 ? small_at : mid_at), label);
      t.expect_all_counters(label);
    }
  }
}

// Runs that end (STOP: the ring written back) right before, at and after
// crossings: max_batch 5 and 7 (a STOP every 5 / 7 descriptors), in order.
TEST_P(EqCrossing, StopRightAfterCrossing) {
  for (uint32_t batch : {5u, 7u}) {
    for (uint32_t d = 1; d <= 3; ++d) {
      TwinOptions o;
      o.max_batch = batch;
      Twin t(GetParam(), o);
      auto rx = receivers(t, d, 0xA400u + 16 * d + batch);
      const std::string label = "STOP after crossings, batch " + std::to_string(batch) + " distance " +
                                std::to_string(d);
      const std::vector<Op> ops = interleave(rx, in_order(55, 140), small_at);
      expect_all_ok(t.run(ops, label), ops, label);
      t.expect_all_counters(label);
      // late ones of the old blocks now read what the STOPs wrote back
      const std::vector<Ev> late = {{100, false, "late, seen: REPLAY"}, {127, false, "seen"}, {141, false, "next"}};
      t.run(interleave(rx, late, small_at), label + ", late");
      t.expect_all_counters(label + ", late");
    }
  }
}

// The run's STOP right behind a crossing still in flight (the STOP waits
// for it and for the old entry's write), and runs whose only packets of the
// SA are before the crossing's: then only another SA's packets, so that the
// next STOP writes nothing more of the SA and card memory holds what the
// first one wrote, which must be the reference's ring. (A STATE_SYNC in the
// middle of a run takes the same write-back as STOP; the runtime sends none,
// and its test harness turns a raw command descriptor into a NOP.)
TEST_P(EqCrossing, StopWithCrossingInFlight) {
  struct Case {
    uint32_t w;
    bool bad;    // the crossing packet fails its ICV
  };
  for (const Case& c : {Case{64, false}, Case{128, false}, Case{1024, false}, Case{64, true}, Case{128, true}}) {
    Twin t(GetParam());
    SaSpec sa, sb;
    sa.window = c.w;
    sb.window = 128;
    Rx a(t, sa, 0xA800u + c.w + c.bad), b(t, sb, 0xA8F0u + c.w + c.bad);
    const std::string label = "STOP with a crossing in flight, W " + std::to_string(c.w) +
                              (c.bad ? " bad crossing" : "");
    std::vector<Op> ops;
    for (uint64_t q = 60; q <= 63; ++q) ops.push_back(a.good(q, small_at(q), "A in order"));
    ops.push_back(b.good(1, 20, "B"));
    ops.push_back(c.bad ? a.forged(64, 1400, "A crossing") : a.good(64, 1400, "A crossing"));
    const RunResult r = t.run(ops, label);
    ASSERT_EQ(r.card.size(), ops.size()) << label;
    EXPECT_EQ(r.card.back().status, c.bad ? Status::AUTH_FAIL : Status::OK) << label;
    t.expect_all_counters(label);
    std::vector<Op> other;
    for (uint64_t q = 2; q <= 6; ++q) other.push_back(b.good(q, small_at(q), "B only"));
    t.run(other, label + ", B only");
    t.expect_all_counters(label + ", B only");
    // A again: late packets of its old block, the next ones, the crossing again
    std::vector<Op> more = {a.good(62, 20, "late, seen"), a.good(65, 20, "next"), a.good(64, 20, "crossing again"),
                            a.good(61, 20, "late, seen")};
    t.run(more, label + ", after");
    t.expect_all_counters(label + ", after");
  }
}

// ESN: in order across the 2^32 boundary (a crossing there too), a forged
// packet of the new epoch first.
TEST_P(EqCrossing, EsnEpochCrossing) {
  const uint64_t b = 1ull << 32;
  std::vector<Ev> script = {{b + 1, true, "new epoch, bad"}};
  for (uint64_t q = b - 66; q <= b + 70; ++q) script.push_back({q, false, "in order"});
  script.push_back({b - 1, false, "old epoch, seen"});
  for (uint32_t d = 1; d <= 3; ++d) {
    Twin t(GetParam());
    std::vector<std::unique_ptr<Rx>> rx;
    for (uint32_t k = 0; k < d; ++k) {
      SaSpec s;
      s.esn = true;
      s.outer = k == 1 ? 6 : 4;
      s.window = k == 2 ? 64 : (k == 1 ? 1024 : 128);
      rx.push_back(std::make_unique<Rx>(t, s, 0xA500u + 16 * d + k));
      t.set_replay_top(rx.back()->h, b - 70);
    }
    const std::string label = "ESN epoch crossing, distance " + std::to_string(d);
    const RunResult r = t.run(interleave(rx, script, small_at), label);
    ASSERT_FALSE(r.card.empty()) << label;
    EXPECT_EQ(r.card[0].status, Status::AUTH_FAIL) << label;
    t.expect_all_counters(label);
  }
}

// The hard packet lifetime tripping right around a crossing (no forwarding
// between packets of the SA: each waits for the one before).
TEST_P(EqCrossing, HardLifetimeAtCrossing) {
  for (uint64_t hard : {uint64_t{8}, uint64_t{9}, uint64_t{10}}) {
    Twin t(GetParam());
    SaSpec s;
    Rx rx(t, s, 0xA600u + static_cast<uint32_t>(hard), hard);
    t.set_replay_top(rx.h, 56);
    std::vector<Op> ops;
    for (uint64_t q = 57; q <= 70; ++q) ops.push_back(rx.good(q, small_at(q), "in order"));
    const std::string label = "hard lifetime " + std::to_string(hard);
    const RunResult r = t.run(ops, label);
    ASSERT_EQ(r.card.size(), ops.size()) << label;
    EXPECT_EQ(r.card[hard - 1].status, Status::OK) << label;
    EXPECT_EQ(r.card[hard].status, Status::LIFETIME_EXPIRED) << label;
    t.expect_all_counters(label);
  }
}

// Many SAs crossing in a round robin: 40 SAs, each just below an entry
// boundary, then the next packets of each in turn (every SA crosses while
// the others' crossings are in flight), twice; 64 B-ish and 1400 B-ish.
TEST_P(EqCrossing, ManySasRoundRobin) {
  TwinOptions o;
  o.sa_capacity = 64;
  Twin t(GetParam(), o);
  std::vector<std::unique_ptr<Rx>> rx;
  for (uint32_t k = 0; k < 40; ++k) {
    SaSpec s;
    s.outer = k % 5 == 1 ? 6 : 4;
    s.esn = k % 3 == 2;
    s.window = k % 3 == 0 ? 64 : (k % 3 == 1 ? 128 : 1024);
    rx.push_back(std::make_unique<Rx>(t, s, 0xA700u + k));
    t.set_replay_top(rx.back()->h, 60 + k % 3);
  }
  std::vector<Ev> script = in_order(63, 70);
  script.push_back({64, false, "dup"});
  for (uint64_t q = 126; q <= 132; ++q) script.push_back({q, false, "in order"});
  script.push_back({100, false, "late"});
  std::vector<Op> ops = interleave(rx, script, small_at);
  const RunResult r = t.run(ops, "round robin");
  ASSERT_EQ(r.card.size(), ops.size());
  t.expect_all_counters("round robin");
  ops = interleave(rx, in_order(190, 196), mid_at);
  expect_all_ok(t.run(ops, "round robin 1400 B"), ops, "round robin 1400 B");
  t.expect_all_counters("round robin 1400 B");
}

ESP_EQ_INSTANTIATE(EqCrossing);

}  // namespace crossing
}  // namespace esp::eq
