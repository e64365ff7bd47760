// The card's own SPI table, the state lines and the tagged replay ring
// through the esp_engine top (CONTRACT.md "The card's own state", "Commands"
// SPI_SET, "Counters and the state line", DECRYPT 4, 9 and 11). Expected
// values are the contract's formulas, computed here.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "engine_card.hpp"
#include "engine_sas.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::hls_test {
namespace {

namespace sae = spec::sa_entry;
using spec::Opcode;
using spec::Status;
constexpr uint32_t kNoSa = spec::NO_SA_INDEX;

// A SPI whose two buckets differ in a table of 2^log2 buckets.
uint32_t spi_with_distinct_buckets(unsigned log2, uint32_t start) {
  for (uint32_t s = start;; ++s) {
    if (spec::spi_bucket_index(s, 0, log2) != spec::spi_bucket_index(s, 1, log2)) return s;
  }
}

uint32_t slot_of(uint32_t bucket, uint32_t i) { return bucket * spec::SPI_BUCKET_SLOTS + i; }

// SPI_SET fills the first bucket with other SPIs, puts the SA's SPI in the
// second, empties and refills slots; DECRYPT finds the SA through both.
TEST(EngineSpiTable, FillEmptyAndBothBuckets) {
  for (unsigned log2 : {0u, kLog2, 10u, esp::hls::kMaxSpiBucketsLog2}) {
    SCOPED_TRACE(log2);
    const uint32_t spi = log2 == 0 ? 0x4000u : spi_with_distinct_buckets(log2, 0x4000);
    const uint32_t b0 = spec::spi_bucket_index(spi, 0, log2), b1 = spec::spi_bucket_index(spi, 1, log2);
    Card card;
    put_sa(card, 0, make_sa(spi, true, 64, 0));
    put_sa(card, 1, make_sa(spi, false, 64, Card::replay_offset(1)));
    const Bytes pkt = ipv4_udp(50);
    Completion c{};
    std::vector<Bytes> esp;
    for (unsigned i = 0; i < 4; ++i) esp.push_back(encrypt(card, 0, pkt, c));

    decrypt(card, esp[0], c, 0, 0, log2);
    EXPECT_EQ(c.status, Status::UNKNOWN_SPI);  // empty table
    EXPECT_EQ(c.spi, spi);
    EXPECT_EQ(c.sa_index, kNoSa);
    // the first bucket full of other SPIs (the SA's index: only the SPI must differ)
    for (uint32_t i = 0; i < spec::SPI_BUCKET_SLOTS; ++i) {
      ASSERT_EQ(card.command(Opcode::SPI_SET, 2, 0, spi + 1000 + i, slot_of(b0, i), log2).status, Status::OK);
    }
    decrypt(card, esp[0], c, 0, 0, log2);
    EXPECT_EQ(c.status, Status::UNKNOWN_SPI);
    if (log2 != 0) {
      // second bucket, last slot
      ASSERT_EQ(card.command(Opcode::SPI_SET, 1, 0, spi, slot_of(b1, 7), log2).status, Status::OK);
      EXPECT_EQ(decrypt(card, esp[0], c, 0, 0, log2), pkt);
      EXPECT_EQ(c.status, Status::OK);
      EXPECT_EQ(c.sa_index, 1u);
      // emptied: unknown again
      ASSERT_EQ(card.command(Opcode::SPI_SET, kNoSa, 0, spi, slot_of(b1, 7), log2).status, Status::OK);
      decrypt(card, esp[1], c, 0, 0, log2);
      EXPECT_EQ(c.status, Status::UNKNOWN_SPI);
    }
    // a slot of the first bucket emptied and set to the SA: found there
    ASSERT_EQ(card.command(Opcode::SPI_SET, kNoSa, 0, 0, slot_of(b0, 3), log2).status, Status::OK);
    decrypt(card, esp[1], c, 0, 0, log2);
    EXPECT_EQ(c.status, Status::UNKNOWN_SPI);
    ASSERT_EQ(card.command(Opcode::SPI_SET, 1, 0, spi, slot_of(b0, 3), log2).status, Status::OK);
    EXPECT_EQ(decrypt(card, esp[1], c, 0, 0, log2), pkt);
    EXPECT_EQ(c.status, Status::OK);
    // the first bucket wins over the second, in slot order
    if (log2 != 0) {
      ASSERT_EQ(card.command(Opcode::SPI_SET, 3, 0, spi, slot_of(b1, 0), log2).status, Status::OK);
      decrypt(card, esp[2], c, 0, 0, log2);
      EXPECT_EQ(c.status, Status::OK);
      EXPECT_EQ(c.sa_index, 1u);
    }
    // an SPI_SET naming an index beyond the table (sa_ref - 1 >= sa_capacity) is
    // refused as BAD_SA by SPI_SET itself; a slot pointing at an SA that is
    // not installed gives SA_DISABLED
    ASSERT_EQ(card.command(Opcode::SA_DELETE, 1).status, Status::OK);
    decrypt(card, esp[3], c, 0, 0, log2);
    EXPECT_EQ(c.status, Status::SA_DISABLED);
    EXPECT_EQ(c.sa_index, 1u);
  }
}

// The table persists across runs and survives runs with another
// spi_buckets_log2 (a lookup with log2 uses the first 2^log2 buckets).
TEST(EngineSpiTable, PersistsAcrossRunsAndLog2) {
  Card card;
  const uint32_t spi = 0x12345678;
  put_sa(card, 0, make_sa(spi, true, 64, 0));
  put_sa(card, 1, make_sa(spi, false, 64, Card::replay_offset(1)));
  const unsigned big = 12;
  const uint32_t b = spec::spi_bucket_index(spi, 0, big);
  ASSERT_EQ(card.command(Opcode::SPI_SET, 1, 0, spi, slot_of(b, 0), big).status, Status::OK);
  Completion c{};
  const Bytes pkt = ipv4_udp(8);
  const Bytes e1 = encrypt(card, 0, pkt, c);
  const Bytes e2 = encrypt(card, 0, pkt, c);
  decrypt(card, e1, c, 0, 0, big);
  EXPECT_EQ(c.status, Status::OK);
  const uint32_t small_b0 = spec::spi_bucket_index(spi, 0, 1), small_b1 = spec::spi_bucket_index(spi, 1, 1);
  decrypt(card, e2, c, 0, 0, 1);  // buckets 0 and 1 only
  EXPECT_EQ(c.status, (b == small_b0 || b == small_b1) ? Status::OK : Status::UNKNOWN_SPI);
}

struct ReplayStep {
  uint64_t seq;
  Status status;
};

struct ReplayCase {
  const char* name;
  uint32_t window;
  std::vector<ReplayStep> steps;
};

// DECRYPT 9 and 11 on the card: statuses, T in the state line, and every
// ring entry as the contract's commit rule leaves it (computed here from the
// accepted numbers, in order).
TEST(EngineReplay, TaggedRingThroughTheEngine) {
  const uint64_t J = 65536;
  const std::vector<ReplayCase> cases = {
      {"W 64: jump past the ring, older block reads as zero", 64,
       {{1, Status::OK},
        {1000, Status::OK},
        {999, Status::OK},
        {937, Status::OK},  // block 14, entry 0 still holds block 0
        {936, Status::REPLAY},
        {999, Status::REPLAY},
        {1, Status::REPLAY},
        {1064, Status::OK},
        {1000, Status::REPLAY}}},
      {"W 65536: jumps larger than the ring", 65536,
       {{5, Status::OK},
        {5 + 3 * J, Status::OK},
        {5, Status::REPLAY},
        {5 + 2 * J + 1, Status::OK},  // T - seq = W - 1; its entry holds block 0
        {5 + 2 * J, Status::REPLAY},
        {5 + 2 * J + 1, Status::REPLAY},
        {6 + 3 * J, Status::OK},
        {100 * J, Status::OK},
        {100 * J - 64, Status::OK},
        {100 * J - 64, Status::REPLAY}}},
  };
  for (const ReplayCase& rc : cases) {
    SCOPED_TRACE(rc.name);
    Card card;
    put_sa(card, 0, make_sa(0x51, true, 64, 0));
    put_sa(card, 1, make_sa(0x51, false, rc.window, Card::replay_offset(1)));
    card.map_spi(0x51, 1);
    const Bytes pkt = ipv4_udp(12);
    const uint32_t n = spec::replay_ring_entries(rc.window);
    ASSERT_EQ(n, rc.window / 32);
    std::vector<spec::ReplayEntry> want(n);  // all zero: block 0, no bits
    uint64_t top = 0, replays = 0;
    for (size_t i = 0; i < rc.steps.size(); ++i) {
      const ReplayStep& s = rc.steps[i];
      const Bytes esp = esp_with_seq(card, 0, s.seq, pkt);
      Completion c{};
      decrypt(card, esp, c);
      EXPECT_EQ(c.status, s.status) << "step " << i << " seq " << s.seq;
      EXPECT_EQ(c.seq, s.seq);
      if (s.status == Status::OK) {
        spec::ReplayEntry& e = want[(s.seq / 64) % n];
        const uint64_t bit = uint64_t(1) << (s.seq % 64);
        e.bits = e.block == s.seq / 64 ? (e.bits | bit) : bit;
        e.block = s.seq / 64;
        if (s.seq > top) top = s.seq;
      } else {
        ++replays;
      }
      EXPECT_EQ(card.seq(1), top) << "step " << i;
    }
    EXPECT_EQ(card.sa_counters(1).replay, replays);
    for (uint32_t k = 0; k < n; ++k) {
      const spec::ReplayEntry got = card.replay_entry(k, Card::replay_offset(1));
      ASSERT_EQ(got.bits, want[k].bits) << "entry " << k;
      ASSERT_EQ(got.block, want[k].block) << "entry " << k;
    }
  }
}

// An AUTH_FAIL does not touch the ring nor T.
TEST(EngineReplay, AuthFailLeavesTheRing) {
  Card card;
  put_sa(card, 0, make_sa(0x52, true, 64, 0));
  put_sa(card, 1, make_sa(0x52, false, 128, Card::replay_offset(1)));
  card.map_spi(0x52, 1);
  Bytes esp = esp_with_seq(card, 0, 777, ipv4_udp(12));
  esp[esp.size() - 1] ^= 1;
  Completion c{};
  decrypt(card, esp, c);
  EXPECT_EQ(c.status, Status::AUTH_FAIL);
  EXPECT_EQ(card.seq(1), 0u);
  for (uint32_t k = 0; k < spec::replay_ring_entries(128); ++k) {
    EXPECT_EQ(card.replay_entry(k, Card::replay_offset(1)).bits, 0u);
    EXPECT_EQ(card.replay_entry(k, Card::replay_offset(1)).block, 0u);
  }
}

// NO_SPACE (DECRYPT 15) comes after the commit (11): the window and T stay
// committed, in card memory; the packet is then a replay.
TEST(EngineReplay, NoSpaceKeepsTheCommit) {
  Card card;
  put_sa(card, 0, make_sa(0x53, true, 64, 0));
  put_sa(card, 1, make_sa(0x53, false, 64, Card::replay_offset(1)));
  card.map_spi(0x53, 1);
  const Bytes pkt = ipv4_udp(200);
  const Bytes esp = esp_with_seq(card, 0, 70, pkt);
  std::memcpy(card.in(), esp.data(), esp.size());
  const uint32_t i = card.push_desc(Opcode::DECRYPT, 0, 0, static_cast<uint32_t>(esp.size()), 64, kDecOut);
  card.run_ring();
  EXPECT_EQ(card.completion_at(i).status, Status::NO_SPACE);
  EXPECT_EQ(card.completion_at(i).seq, 70u);
  EXPECT_EQ(card.seq(1), 70u);
  EXPECT_EQ(card.replay_entry(1, Card::replay_offset(1)).bits, uint64_t(1) << 6);  // 70 = block 1, bit 6
  EXPECT_EQ(card.replay_entry(1, Card::replay_offset(1)).block, 1u);
  EXPECT_EQ(card.sa_counters(1).packets, 0u);
  Completion c{};
  decrypt(card, esp, c);
  EXPECT_EQ(c.status, Status::REPLAY);
}

struct EventCase {
  const char* name;
  bool outbound;
  bool soft;           // a soft lifetime reached (OK packets), else a hard one (refused)
  uint32_t events_in;  // soft_events / hard_events before
  uint32_t want;       // after two packets
};

// soft_events / hard_events are 32-bit and stay at 2^32 - 1.
TEST(EngineCounters, EventsSaturate) {
  const std::vector<EventCase> cases = {
      {"out hard from 2^32-2", true, false, 0xFFFFFFFEu, 0xFFFFFFFFu},
      {"out hard at 2^32-1", true, false, 0xFFFFFFFFu, 0xFFFFFFFFu},
      {"out hard from 7", true, false, 7, 9},
      {"out soft from 2^32-2", true, true, 0xFFFFFFFEu, 0xFFFFFFFFu},
      {"out soft at 2^32-1", true, true, 0xFFFFFFFFu, 0xFFFFFFFFu},
      {"in hard from 2^32-2", false, false, 0xFFFFFFFEu, 0xFFFFFFFFu},
      {"in soft at 2^32-1", false, true, 0xFFFFFFFFu, 0xFFFFFFFFu},
  };
  for (const EventCase& ec : cases) {
    SCOPED_TRACE(ec.name);
    Card card;
    spec::SaEntry out = make_sa(0x61, true, 64, 0);
    spec::SaEntry in = make_sa(0x61, false, 64, Card::replay_offset(1));
    spec::SaEntry& e = ec.outbound ? out : in;
    if (ec.soft) e.soft_packets = 1;
    else e.hard_packets = 1;
    put_sa(card, 0, out);
    put_sa(card, 1, in);
    card.map_spi(0x61, 1);
    const unsigned idx = ec.outbound ? 0 : 1;
    spec::SaState st = card.state(idx);
    st.counters.packets = 1;  // at the limit
    (ec.soft ? st.counters.soft_events : st.counters.hard_events) = ec.events_in;
    card.set_state(idx, st);
    card.install(idx);
    const Bytes pkt = ipv4_udp(4);
    for (unsigned k = 0; k < 2; ++k) {
      Completion c{};
      const Bytes esp = encrypt(card, 0, pkt, c);
      if (!ec.outbound) {
        ASSERT_EQ(c.status, Status::OK);
        decrypt(card, esp, c);
      }
      EXPECT_EQ(c.status, ec.soft ? Status::OK : Status::LIFETIME_EXPIRED) << k;
      EXPECT_EQ(c.flags, ec.soft ? spec::completion::flags_bit::SOFT_EXPIRED : 0) << k;
    }
    const spec::SaCounters got = card.sa_counters(idx);
    EXPECT_EQ(ec.soft ? got.soft_events : got.hard_events, ec.want);
    EXPECT_EQ(got.packets, ec.soft ? 3u : 1u);
  }
}

}  // namespace
}  // namespace esp::hls_test
