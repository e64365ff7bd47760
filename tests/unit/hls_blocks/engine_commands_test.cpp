// The descriptor ring and its commands through the esp_engine top
// (CONTRACT.md "A run and its ring", "Commands", "The card's own state"):
// every command and its statuses and completion fields, a run ending at STOP
// or at DESC_PROD, rings that wrap across runs with ring_first carried over,
// SAs that are not installed, SA_DELETE, KEEP_STATE and STATE_SYNC.
// Expected values are the contract's.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "engine_card.hpp"
#include "engine_sas.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::hls_test {
namespace {

namespace sae = spec::sa_entry;
using spec::Opcode;
using spec::Status;
constexpr uint8_t kKeep = spec::descriptor::flags_bit::KEEP_STATE;
constexpr uint32_t kNoSa = spec::NO_SA_INDEX;
constexpr uint32_t kSpiSlots = spec::SPI_BUCKET_SLOTS << esp::hls::kMaxSpiBucketsLog2;

struct CmdCase {
  const char* name;
  Opcode op;
  uint32_t sa_index;
  uint8_t flags;
  uint32_t spi;
  uint32_t slot;
  Status status;
  uint32_t want_sa;   // completion sa_index
  uint32_t want_spi;  // completion spi
};

// Every command and its statuses, all in one run, STOP last.
TEST(EngineCommands, StatusesAndCompletionFields) {
  Card card(5);
  for (unsigned i = 0; i < kCap; ++i) card.set_sa(i, make_sa(0x100 + i, i % 2 == 0, 64, Card::replay_offset(i)));
  const std::vector<CmdCase> cases = {
      {"install", Opcode::SA_INSTALL, 0, 0, 0, 0, Status::OK, 0, 0x100},
      {"install keep_state", Opcode::SA_INSTALL, 1, kKeep, 0, 0, Status::OK, 1, 0x101},
      {"install out of range", Opcode::SA_INSTALL, kCap, 0, 0, 0, Status::BAD_SA, kCap, 0},
      {"install NO_SA_INDEX", Opcode::SA_INSTALL, kNoSa, 0, 0, 0, Status::BAD_SA, kNoSa, 0},
      {"install ignores spi/slot", Opcode::SA_INSTALL, 3, 0, 0x77, 9, Status::OK, 3, 0x103},
      {"delete installed", Opcode::SA_DELETE, 3, 0, 0, 0, Status::OK, 3, 0},
      {"delete not installed", Opcode::SA_DELETE, 2, 0, 0, 0, Status::OK, 2, 0},
      {"delete out of range", Opcode::SA_DELETE, kCap + 7, 0, 0, 0, Status::BAD_SA, kCap + 7, 0},
      {"spi_set", Opcode::SPI_SET, 1, 0, 0xABC, 5, Status::OK, 1, 0xABC},
      {"spi_set last slot", Opcode::SPI_SET, 1, 0, 0xABD, kSpiSlots - 1, Status::OK, 1, 0xABD},
      {"spi_set empty", Opcode::SPI_SET, kNoSa, 0, 0xABC, 5, Status::OK, kNoSa, 0xABC},
      {"spi_set slot out of table", Opcode::SPI_SET, 1, 0, 0xABE, kSpiSlots, Status::MALFORMED, 1, 0xABE},
      {"spi_set sa out of range", Opcode::SPI_SET, kCap, 0, 0xABF, 6, Status::BAD_SA, kCap, 0xABF},
      {"spi_set both bad: MALFORMED first", Opcode::SPI_SET, kCap, 0, 0xAC0, 0xFFFFFFFFu, Status::MALFORMED, kCap,
       0xAC0},
      {"sync one", Opcode::STATE_SYNC, 0, 0, 0, 0, Status::OK, 0, 0},
      {"sync not installed", Opcode::STATE_SYNC, 2, 0, 0, 0, Status::OK, 2, 0},
      {"sync all", Opcode::STATE_SYNC, kNoSa, 0, 0, 0, Status::OK, kNoSa, 0},
      {"sync out of range", Opcode::STATE_SYNC, kCap, 0, 0, 0, Status::BAD_SA, kCap, 0},
      {"stop", Opcode::STOP, 1, 0, 0x55, 3, Status::OK, kNoSa, 0},
  };
  std::vector<uint32_t> idx;
  for (const CmdCase& k : cases) idx.push_back(card.push_cmd(k.op, k.sa_index, k.flags, k.spi, k.slot));
  EXPECT_EQ(card.run_ring(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    const Completion c = card.completion_at(idx[i]);
    EXPECT_EQ(c.status, cases[i].status) << spec::status_name(c.status);
    EXPECT_EQ(c.sa_index, cases[i].want_sa);
    EXPECT_EQ(c.spi, cases[i].want_spi);
    EXPECT_EQ(c.flags, 0);
    EXPECT_EQ(c.out_offset, 0u);
    EXPECT_EQ(c.out_length, 0u);
    EXPECT_EQ(c.seq, 0u);
  }
  // what the commands left in the card's own state
  EXPECT_TRUE(card.engine().installed(0));
  EXPECT_TRUE(card.engine().installed(1));
  EXPECT_FALSE(card.engine().installed(2));
  EXPECT_FALSE(card.engine().installed(3));
  EXPECT_EQ(card.engine().spi_slot(5).sa_ref, 0u);
  EXPECT_EQ(card.engine().spi_slot(6).sa_ref, 0u);
  EXPECT_EQ(card.engine().spi_slot(kSpiSlots - 1).spi, 0xABDu);
  EXPECT_EQ(card.engine().spi_slot(kSpiSlots - 1).sa_ref, 2u);
}

// Out of range is sa_index >= min(sa_capacity, MAX_SAS).
TEST(EngineCommands, OutOfRangeIsBelowMaxSas) {
  Card card;
  card.set_capacity_arg(esp::hls::kMaxSas + 16);  // only commands that read nothing
  for (Opcode op : {Opcode::SA_INSTALL, Opcode::SA_DELETE, Opcode::STATE_SYNC}) {
    EXPECT_EQ(card.command(op, esp::hls::kMaxSas).status, Status::BAD_SA) << spec::opcode_name(op);
    EXPECT_EQ(card.command(op, esp::hls::kMaxSas + 15).status, Status::BAD_SA) << spec::opcode_name(op);
  }
  EXPECT_EQ(card.command(Opcode::SPI_SET, esp::hls::kMaxSas, 0, 1, 0).status, Status::BAD_SA);
  EXPECT_EQ(card.command(Opcode::SPI_SET, esp::hls::kMaxSas - 1, 0, 1, 0).status, Status::OK);
  EXPECT_EQ(card.engine().spi_slot(0).sa_ref, esp::hls::kMaxSas);
}

// A command's reserved bytes and an opcode beyond STOP; NOP.
TEST(EngineCommands, ReservedBytesAndBadOpcodes) {
  Card card;
  card.set_sa(0, make_sa(0x42, true, 64, 0));
  uint8_t img[spec::command::SIZE];
  std::memset(img, 0xC3, sizeof img);  // out_offset / reserved bytes non-zero
  spec::set<spec::command::op>(img, static_cast<uint8_t>(Opcode::SA_INSTALL));
  spec::set<spec::command::flags>(img, 0);
  spec::set<spec::command::sa_index>(img, 0);
  const uint32_t a = card.push_raw(img);
  spec::set<spec::command::op>(img, static_cast<uint8_t>(static_cast<uint8_t>(Opcode::STOP) + 1));
  const uint32_t b = card.push_raw(img);
  spec::set<spec::command::op>(img, 0xFF);
  const uint32_t c = card.push_raw(img);
  const uint32_t d = card.push_desc(Opcode::NOP, 0, 0, 64, 64, 128);
  card.run_ring();
  EXPECT_EQ(card.completion_at(a).status, Status::OK);
  EXPECT_EQ(card.completion_at(a).out_offset, 0u);
  EXPECT_EQ(card.completion_at(a).spi, 0x42u);
  for (uint32_t i : {b, c, d}) {
    EXPECT_EQ(card.completion_at(i).status, Status::BAD_OPCODE) << i;
    EXPECT_EQ(card.completion_at(i).sa_index, kNoSa) << i;
  }
  EXPECT_EQ(card.completion_at(d).out_offset, 128u);  // a packet descriptor's out_offset
}

// The run ends after STOP; the next run starts at its CPL_PROD. Without a
// STOP it ends at DESC_PROD.
TEST(EngineRing, StopEndsTheRunAndTheNextStartsAfterIt) {
  Card card;
  card.set_sa(0, make_sa(0x10, true, 64, 0));
  const uint32_t i0 = card.push_cmd(Opcode::SA_INSTALL, 0);
  const uint32_t i1 = card.push_cmd(Opcode::STOP, kNoSa);
  const uint32_t i2 = card.push_cmd(Opcode::SA_DELETE, 0);
  const uint32_t i3 = card.push_cmd(Opcode::STATE_SYNC, kNoSa);
  EXPECT_EQ(card.run_ring(), i1 + 1);
  EXPECT_EQ(card.completion_at(i0).status, Status::OK);
  EXPECT_EQ(card.completion_at(i1).status, Status::OK);
  EXPECT_TRUE(card.completion_untouched(i2));
  EXPECT_TRUE(card.completion_untouched(i3));
  EXPECT_TRUE(card.engine().installed(0));  // the SA_DELETE after STOP did not run
  EXPECT_EQ(card.run_ring(), i3 + 1);       // no STOP: up to DESC_PROD
  EXPECT_EQ(card.completion_at(i2).status, Status::OK);
  EXPECT_EQ(card.completion_at(i3).status, Status::OK);
  EXPECT_FALSE(card.engine().installed(0));
  EXPECT_EQ(card.run_ring(), i3 + 1);  // nothing published: an empty run
}

// ring_log2 above MAX_RING_LOG2 takes nothing; more than 2^ring_log2
// published takes one ring's worth.
TEST(EngineRing, Limits) {
  Card card(2);
  for (unsigned i = 0; i < 4; ++i) card.push_cmd(Opcode::STATE_SYNC, kNoSa);
  EXPECT_EQ(card.run_ring(kLog2, spec::MAX_RING_LOG2 + 1), 0u);
  EXPECT_TRUE(card.completion_untouched(0));
  EXPECT_EQ(card.run_ring(), 4u);
  Card over(2);
  for (unsigned i = 0; i < 4; ++i) over.push_cmd(Opcode::STATE_SYNC, kNoSa);
  over.set_indices(0);
  // DESC_PROD 6 ahead of ring_first 0 on a ring of 4 (a host error): 4 taken
  for (unsigned i = 0; i < 6; ++i) over.push_cmd(Opcode::STATE_SYNC, kNoSa);
  EXPECT_EQ(over.run_ring(), 4u);
}

// Runs of three ENCRYPTs on a ring of four: completion i at slot i mod 4,
// ring_first carried over, sequence numbers in descriptor order; also across
// the 2^32 wrap of the free-running indices.
TEST(EngineRing, WrapsAcrossRuns) {
  for (uint32_t first : {0u, 0xFFFFFFFAu}) {
    SCOPED_TRACE(first);
    Card card(2);
    card.set_indices(first);
    put_sa(card, 0, make_sa(0x20, true, 64, 0));
    const Bytes pkt = ipv4_udp(40);
    std::memcpy(card.in(), pkt.data(), pkt.size());
    uint64_t want_seq = 1;
    for (unsigned run = 0; run < 5; ++run) {
      const uint32_t ring_first = card.cpl_prod();
      std::vector<uint32_t> idx;
      for (unsigned k = 0; k < 3; ++k) {
        idx.push_back(card.push_desc(Opcode::ENCRYPT, 0, 0, static_cast<uint32_t>(pkt.size()), 1024, 1024 * k));
      }
      EXPECT_EQ(card.run_ring(), ring_first + 3) << run;
      for (unsigned k = 0; k < 3; ++k) {
        const Completion c = card.completion_at(idx[k]);
        EXPECT_EQ(c.status, Status::OK) << run << "/" << k;
        EXPECT_EQ(c.seq, want_seq++) << run << "/" << k;
        EXPECT_EQ(c.out_offset, 1024u * k);
      }
      // the slot not used by this run was not written
      EXPECT_TRUE(card.completion_untouched(ring_first + 3)) << run;
    }
    EXPECT_EQ(card.seq(0), 15u);
    EXPECT_EQ(card.sa_counters(0).packets, 15u);
  }
}

// A packet descriptor naming an SA that is not installed sees a slot that
// is not VALID; SA_DELETE forgets it after the packets before it.
TEST(EngineSa, NotInstalledIsDisabled) {
  Card card;
  card.set_sa(0, make_sa(0x30, true, 64, 0));
  card.set_sa(1, make_sa(0x30, false, 64, Card::replay_offset(1)));
  card.map_spi(0x30, 1);
  const Bytes pkt = ipv4_udp(10);
  Completion c{};
  encrypt(card, 0, pkt, c);
  EXPECT_EQ(c.status, Status::SA_DISABLED);
  EXPECT_EQ(c.sa_index, 0u);
  EXPECT_EQ(c.spi, 0x30u);
  EXPECT_EQ(c.seq, 0u);
  card.install(0);
  const Bytes esp = encrypt(card, 0, pkt, c);
  ASSERT_EQ(c.status, Status::OK);
  decrypt(card, esp, c);  // SPI found, SA 1 not installed
  EXPECT_EQ(c.status, Status::SA_DISABLED);
  EXPECT_EQ(c.sa_index, 1u);
  decrypt(card, esp, c, spec::descriptor::flags_bit::USE_SA_INDEX, 1);
  EXPECT_EQ(c.status, Status::SA_DISABLED);
  card.install(1);
  EXPECT_EQ(decrypt(card, esp, c), pkt);
  EXPECT_EQ(c.status, Status::OK);
  EXPECT_EQ(card.sa_counters(1).auth_fail + card.sa_counters(1).replay, 0u);
  EXPECT_EQ(card.sa_counters(1).packets, 1u);  // SA_DISABLED counted nothing
}

TEST(EngineSa, DeleteThenPacketAndStateWrittenBack) {
  Card card;
  put_sa(card, 0, make_sa(0x31, true, 64, 0), 41);
  const Bytes pkt = ipv4_udp(20);
  std::memcpy(card.in(), pkt.data(), pkt.size());
  const uint32_t n = static_cast<uint32_t>(pkt.size());
  const uint32_t a = card.push_desc(Opcode::ENCRYPT, 0, 0, n, 1024, 0);
  const uint32_t b = card.push_desc(Opcode::ENCRYPT, 0, 0, n, 1024, 1024);
  const uint32_t d = card.push_cmd(Opcode::SA_DELETE, 0);
  const uint32_t e = card.push_desc(Opcode::ENCRYPT, 0, 0, n, 1024, 2048);
  card.push_cmd(Opcode::STOP, kNoSa);
  card.run_ring();
  EXPECT_EQ(card.completion_at(a).seq, 42u);
  EXPECT_EQ(card.completion_at(b).seq, 43u);
  EXPECT_EQ(card.completion_at(d).status, Status::OK);
  EXPECT_EQ(card.completion_at(e).status, Status::SA_DISABLED);
  EXPECT_EQ(card.completion_at(e).sa_index, 0u);
  EXPECT_EQ(card.completion_at(e).out_length, 0u);
  // the state line in card memory: seq 43, two packets of n bytes
  const spec::SaState st = card.state(0);
  EXPECT_EQ(st.seq, 43u);
  EXPECT_EQ(st.counters.packets, 2u);
  EXPECT_EQ(st.counters.bytes, 2u * n);
  // installed again from a state line the host rewrote: that state counts
  spec::SaState fresh;
  fresh.seq = 1000;
  fresh.counters.packets = 7;
  card.set_state(0, fresh);
  card.install(0);
  Completion c{};
  encrypt(card, 0, pkt, c);
  EXPECT_EQ(c.status, Status::OK);
  EXPECT_EQ(c.seq, 1001u);
  EXPECT_EQ(card.sa_counters(0).packets, 8u);
}

// KEEP_STATE: an entry update (lifetimes) keeps seq, counters and replay state.
TEST(EngineSa, KeepStateKeepsSeqCountersAndReplay) {
  Card card;
  put_sa(card, 0, make_sa(0x32, true, 64, 0));
  put_sa(card, 1, make_sa(0x32, false, 64, Card::replay_offset(1)));
  card.map_spi(0x32, 1);
  const Bytes pkt = ipv4_udp(16);
  std::vector<Bytes> esp;
  Completion c{};
  for (unsigned i = 0; i < 3; ++i) esp.push_back(encrypt(card, 0, pkt, c));
  for (unsigned i = 0; i < 3; ++i) {
    decrypt(card, esp[i], c);
    ASSERT_EQ(c.status, Status::OK);
  }
  spec::set<sae::soft_packets>(card.sa(0), 5);
  spec::set<sae::hard_packets>(card.sa(1), 5);
  card.install(0, true);
  card.install(1, true);
  esp.push_back(encrypt(card, 0, pkt, c));
  EXPECT_EQ(c.seq, 4u);
  EXPECT_EQ(c.flags, 0);
  esp.push_back(encrypt(card, 0, pkt, c));
  EXPECT_EQ(c.seq, 5u);
  EXPECT_EQ(c.flags, spec::completion::flags_bit::SOFT_EXPIRED);  // the new soft lifetime, 5 packets counted
  EXPECT_EQ(card.sa_counters(0).packets, 5u);
  decrypt(card, esp[1], c);
  EXPECT_EQ(c.status, Status::REPLAY);  // the window survived
  decrypt(card, esp[3], c);
  EXPECT_EQ(c.status, Status::OK);
  decrypt(card, esp[4], c);
  EXPECT_EQ(c.status, Status::OK);
  EXPECT_EQ(card.seq(1), 5u);
  EXPECT_EQ(card.sa_counters(1).packets, 5u);
  EXPECT_EQ(card.sa_counters(1).replay, 1u);
  decrypt(card, esp[4], c);  // the new hard lifetime (step 6) comes before the replay check
  EXPECT_EQ(c.status, Status::LIFETIME_EXPIRED);
  EXPECT_EQ(card.sa_counters(1).hard_events, 1u);
}

// STATE_SYNC of one SA and of all: the state lines in card memory are the SAs' state.
TEST(EngineSa, StateSync) {
  Card card;
  put_sa(card, 0, make_sa(0x33, true, 64, 0), 9);
  put_sa(card, 2, make_sa(0x34, true, 64, 0), 99);
  const Bytes pkt = ipv4_udp(30);
  std::memcpy(card.in(), pkt.data(), pkt.size());
  const uint32_t n = static_cast<uint32_t>(pkt.size());
  for (unsigned k = 0; k < 3; ++k) card.push_desc(Opcode::ENCRYPT, 0, 0, n, 1024, 0);
  card.push_desc(Opcode::ENCRYPT, 2, 0, n, 1024, 0);
  const uint32_t s0 = card.push_cmd(Opcode::STATE_SYNC, 0);
  const uint32_t sa = card.push_cmd(Opcode::STATE_SYNC, kNoSa);
  card.run_ring();
  EXPECT_EQ(card.completion_at(s0).status, Status::OK);
  EXPECT_EQ(card.completion_at(s0).sa_index, 0u);
  EXPECT_EQ(card.completion_at(sa).status, Status::OK);
  EXPECT_EQ(card.completion_at(sa).sa_index, kNoSa);
  EXPECT_EQ(card.seq(0), 12u);
  EXPECT_EQ(card.sa_counters(0).packets, 3u);
  EXPECT_EQ(card.sa_counters(0).bytes, 3u * n);
  EXPECT_EQ(card.seq(2), 100u);
  EXPECT_EQ(card.sa_counters(2).packets, 1u);
}

}  // namespace
}  // namespace esp::hls_test
