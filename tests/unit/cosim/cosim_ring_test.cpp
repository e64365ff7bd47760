// The RTL engine's descriptor ring and commands (hw/spec/CONTRACT.md "A run
// and its ring", "Commands", "The card's own state"), on the harness alone:
// every expected value comes from the contract (statuses, completion
// fields, CPL_PROD, ring slots), none from the RTL.
#include <gtest/gtest.h>

#include <cstdio>

#include "cosim_card.hpp"

namespace {

using namespace cosim_card;
using spec::Opcode;
using spec::Status;
namespace f = spec::sa_entry::flags_bit;

constexpr uint32_t kNo = spec::NO_SA_INDEX;

// The SA table of these tests: 0 without VALID, 1 inbound, 2 inbound (another
// SPI), 3 outbound tunnel; 4..7 empty.
void sa_table(Card& c) {
  c.set_sa(0, {0x1000, 0, 1024, 16, 0, 0});
  c.set_sa(1, {0x1001, f::VALID | f::TUNNEL, 1024, 16, 0, 0});
  c.set_sa(2, {0x1002, f::VALID | f::TUNNEL, 1024, 16, 4096, 0});
  c.set_sa(3, {0x1003, f::VALID | f::OUTBOUND | f::TUNNEL, 1024, 16, 0, 0});
}

std::string show(const Cpl& c) {
  char s[160];
  std::snprintf(s, sizeof s, "status %u flags %u sa_index 0x%x out_offset %llu out_length %u spi 0x%x seq %llu",
                c.status, c.flags, c.sa_index, static_cast<unsigned long long>(c.out_offset), c.out_length, c.spi,
                static_cast<unsigned long long>(c.seq));
  return s;
}

TEST(CosimRing, CardRegistersAfterReset) {
  Card c;
  // idle once the SPI table (2^14 buckets, one a cycle) is cleared
  EXPECT_GE(c.reset_cycles(), 1u << 14);
  EXPECT_LE(c.reset_cycles(), (1u << 14) + 1024);
  EXPECT_EQ(c.sim().read_reg(spec::reg::MAX_SAS), 65536u);
  EXPECT_EQ(c.sim().read_reg(spec::reg::MAX_SPI_BUCKETS_LOG2), 14u);
  EXPECT_EQ(c.sim().read_reg(spec::reg::CPL_PROD), 0u);
  EXPECT_EQ(c.sim().read_reg(spec::reg::VERSION), spec::VERSION_MAJOR << 16 | spec::VERSION_MINOR);
  c.sim().write_reg(spec::reg::DESC_PROD, 0x12345678u);
  EXPECT_EQ(c.sim().read_reg(spec::reg::DESC_PROD), 0x12345678u);
}

// Each command with each of its statuses; a command's completion: status,
// sa_index (NO_SA_INDEX when it names none), spi (SPI_SET, SA_INSTALL: the
// entry's), zeros elsewhere.
TEST(CosimRing, CommandsTheirStatusesAndCompletions) {
  struct Row {
    Desc d;
    Status st;
    uint32_t sa, spi;
    const char* what;
  };
  const uint32_t max_slots = spec::SPI_BUCKET_SLOTS << 14;
  const std::vector<Row> rows = {
      {command(Opcode::SA_INSTALL, 3), Status::OK, 3, 0x1003, "install an outbound SA"},
      {command(Opcode::SA_INSTALL, 0), Status::OK, 0, 0x1000, "install an entry without VALID"},
      {command(Opcode::SA_INSTALL, 1, 0, 0, spec::descriptor::flags_bit::KEEP_STATE), Status::OK, 1, 0x1001,
       "install with KEEP_STATE"},
      {command(Opcode::SA_INSTALL, Card::kCapacity), Status::BAD_SA, Card::kCapacity, 0, "install out of range"},
      {command(Opcode::SA_INSTALL, kNo), Status::BAD_SA, kNo, 0, "install NO_SA_INDEX"},
      {command(Opcode::SA_DELETE, 5), Status::OK, 5, 0, "delete an index not installed"},
      {command(Opcode::SA_DELETE, 0), Status::OK, 0, 0, "delete"},
      {command(Opcode::SA_DELETE, Card::kCapacity + 3), Status::BAD_SA, Card::kCapacity + 3, 0, "delete out of range"},
      {command(Opcode::SPI_SET, 1, 0x77, 3), Status::OK, 1, 0x77, "SPI_SET"},
      {command(Opcode::SPI_SET, kNo, 0x77, 3), Status::OK, kNo, 0x77, "SPI_SET empties a slot"},
      {command(Opcode::SPI_SET, 1, 0x78, max_slots - 1), Status::OK, 1, 0x78, "SPI_SET, the last slot"},
      {command(Opcode::SPI_SET, 1, 0x79, max_slots), Status::MALFORMED, 1, 0x79, "SPI_SET past the table"},
      {command(Opcode::SPI_SET, Card::kCapacity, 0x7A, 0), Status::BAD_SA, Card::kCapacity, 0x7A,
       "SPI_SET of an SA out of range"},
      {command(Opcode::SPI_SET, 9, 0x7B, max_slots), Status::MALFORMED, 9, 0x7B, "MALFORMED before BAD_SA"},
      {command(Opcode::STATE_SYNC, 3), Status::OK, 3, 0, "STATE_SYNC of an SA"},
      {command(Opcode::STATE_SYNC, 6), Status::OK, 6, 0, "STATE_SYNC of an SA not installed"},
      {command(Opcode::STATE_SYNC, kNo), Status::OK, kNo, 0, "STATE_SYNC of all"},
      {command(Opcode::STATE_SYNC, Card::kCapacity), Status::BAD_SA, Card::kCapacity, 0, "STATE_SYNC out of range"},
      {command(Opcode(8), 3, 0x55, 7), Status::BAD_OPCODE, kNo, 0, "opcode 8"},
      {command(Opcode(0xFF), 3, 0x55, 7), Status::BAD_OPCODE, kNo, 0, "opcode 255"},
  };
  for (unsigned ring_log2 : {5u, 3u}) {  // the whole table in the ring; a ring that wraps three times
    Card c(7, 0.2, ring_log2);
    sa_table(c);
    std::vector<Desc> ds;
    for (const Row& r : rows) ds.push_back(r.d);
    ds.push_back(stop());
    if (ds.size() <= c.ring_size()) {
      c.run(ds);
      for (size_t i = 0; i < rows.size(); ++i) {
        const Cpl g = c.cpl(uint32_t(i));
        SCOPED_TRACE(std::string(rows[i].what) + ": " + show(g));
        EXPECT_EQ(g.status, uint16_t(rows[i].st));
        EXPECT_EQ(g.sa_index, rows[i].sa);
        EXPECT_EQ(g.spi, rows[i].spi);
        EXPECT_EQ(g.flags, 0u);
        EXPECT_EQ(g.out_offset, 0u);
        EXPECT_EQ(g.out_length, 0u);
        EXPECT_EQ(g.seq, 0u);
      }
    } else {
      // ring of 8: the rows in runs of up to 7 and a STOP each, ring_first
      // carried over (CPL_PROD of the run before)
      for (size_t at = 0; at < rows.size(); at += 7) {
        std::vector<Desc> part;
        for (size_t i = at; i < rows.size() && i < at + 7; ++i) part.push_back(rows[i].d);
        part.push_back(stop());
        const uint32_t first = c.first();
        c.run(part);
        ASSERT_EQ(c.cpl_prod(), first + part.size());
        for (size_t k = 0; k + 1 < part.size(); ++k) {
          const Cpl g = c.cpl(first + uint32_t(k));
          SCOPED_TRACE(std::string(rows[at + k].what) + ": " + show(g));
          EXPECT_EQ(g.status, uint16_t(rows[at + k].st));
          EXPECT_EQ(g.sa_index, rows[at + k].sa);
          EXPECT_EQ(g.spi, rows[at + k].spi);
        }
      }
      continue;
    }
    const Cpl s = c.cpl(uint32_t(rows.size()));
    EXPECT_EQ(s.status, uint16_t(Status::OK)) << "STOP";
    EXPECT_EQ(s.sa_index, kNo) << "STOP names no SA";
    EXPECT_EQ(c.cpl_prod(), rows.size() + 1);
  }
}

// A packet descriptor naming an SA that is not installed sees a slot that is
// not VALID (SA_DISABLED); SA_INSTALL without KEEP_STATE takes the state line
// as it is in card memory, with KEEP_STATE the card's goes on; SA_DELETE.
TEST(CosimRing, PacketsSeeOnlyInstalledSas) {
  Card c(3, 0.0);
  sa_table(c);
  const auto pkt = ipv4(100, 6);
  std::memcpy(c.pkt_in(), pkt.data(), pkt.size());
  const Desc enc = packet(Opcode::ENCRYPT, 3, 0, 100, 4096, 0);
  struct Step {
    std::vector<Desc> ds;
    uint64_t host_seq;  // written to SA 3's state line before the run (~0: leave)
    std::vector<std::pair<Status, uint64_t>> want;  // per packet descriptor: status, seq
    uint64_t line_seq;  // SA 3's state line after the run
  };
  const uint64_t keep = ~0ull;
  const uint8_t K = spec::descriptor::flags_bit::KEEP_STATE;
  const std::vector<Step> steps = {
      {{enc}, 0, {{Status::SA_DISABLED, 0}}, 0},
      {{command(Opcode::SA_INSTALL, 3), enc, enc}, keep, {{Status::OK, 1}, {Status::OK, 2}}, 2},
      {{command(Opcode::SA_DELETE, 3), enc}, keep, {{Status::SA_DISABLED, 0}}, 2},
      {{command(Opcode::SA_INSTALL, 3, 0, 0, K), enc}, keep, {{Status::OK, 3}}, 3},
      {{command(Opcode::SA_INSTALL, 3), enc}, 99, {{Status::OK, 100}}, 100},
      {{enc, command(Opcode::SA_DELETE, 3), enc, command(Opcode::SA_INSTALL, 3), enc},
       keep,
       {{Status::OK, 101}, {Status::SA_DISABLED, 0}, {Status::OK, 102}},
       102},
  };
  for (size_t s = 0; s < steps.size(); ++s) {
    SCOPED_TRACE("step " + std::to_string(s));
    if (steps[s].host_seq != keep) spec::set<spec::sa_state::seq>(c.state_line(3), steps[s].host_seq);
    const uint32_t first = c.first();
    std::vector<Desc> ds = steps[s].ds;
    ds.push_back(stop());
    c.run(ds);
    size_t k = 0;
    for (size_t i = 0; i < steps[s].ds.size(); ++i) {
      if (spec::get<spec::descriptor::op>(steps[s].ds[i].b) != uint8_t(Opcode::ENCRYPT)) continue;
      const Cpl g = c.cpl(first + uint32_t(i));
      SCOPED_TRACE("descriptor " + std::to_string(i) + ": " + show(g));
      ASSERT_LT(k, steps[s].want.size());
      EXPECT_EQ(g.status, uint16_t(steps[s].want[k].first));
      EXPECT_EQ(g.seq, steps[s].want[k].second);
      EXPECT_EQ(g.sa_index, 3u);
      EXPECT_EQ(g.spi, 0x1003u) << "ENCRYPT: sa_index and spi once the index is in range";
      ++k;
    }
    EXPECT_EQ(k, steps[s].want.size());
    EXPECT_EQ(c.seq_of(3), steps[s].line_seq) << "tx_seq in SA 3's state line";
  }
  // the OK packets counted in the state line (6 of them, 100 bytes each)
  EXPECT_EQ(c.counter<spec::sa_counters::packets>(3), 6u);
  EXPECT_EQ(c.counter<spec::sa_counters::bytes>(3), 600u);
}

// Descriptors i at slot i mod 2^ring_log2, completions likewise; runs start
// at ring_first = CPL_PROD of the run before; a descriptor after STOP is not
// taken.
TEST(CosimRing, RingWrapsAcrossRuns) {
  for (double bp : {0.0, 0.5}) {
    Card c(11, bp, 2);  // 4 slots
    uint64_t mark = 64;
    const std::vector<size_t> runs = {3, 1, 4, 2, 4, 3};  // descriptors per run, STOP included
    for (size_t r = 0; r < runs.size(); ++r) {
      SCOPED_TRACE("run " + std::to_string(r) + " backpressure " + std::to_string(bp));
      const uint32_t first = c.first();
      std::vector<Desc> ds;
      for (size_t i = 0; i + 1 < runs[r]; ++i) ds.push_back(nop(mark + 64 * i));
      ds.push_back(stop());
      c.run(ds);
      ASSERT_EQ(c.cpl_prod(), first + runs[r]);
      for (size_t i = 0; i + 1 < runs[r]; ++i) {
        const Cpl g = c.cpl(first + uint32_t(i));
        EXPECT_EQ(g.status, uint16_t(Status::BAD_OPCODE)) << show(g);
        EXPECT_EQ(g.out_offset, mark + 64 * i) << "completion " << first + i << " at slot " << ((first + i) & 3);
      }
      EXPECT_EQ(c.cpl(first + uint32_t(runs[r]) - 1).status, uint16_t(Status::OK)) << "STOP";
      mark += 4096;
    }
  }
  // published past STOP: the card stops there, the next run starts after it
  Card c(12, 0.0, 3);
  c.run({nop(64), stop(), nop(128), nop(192), stop()});
  EXPECT_EQ(c.cpl_prod(), 2u);
  EXPECT_EQ(c.cpl_raw(2)[0], 0xEE) << "descriptor 2 was taken in the run of the first STOP";
  c.start();
  c.wait();
  EXPECT_EQ(c.cpl_prod(), 5u);
  EXPECT_EQ(c.cpl(2).out_offset, 128u);
  EXPECT_EQ(c.cpl(3).out_offset, 192u);
}

// DESC_PROD advanced while the kernel runs: the card takes the new
// descriptors in the same run (in two and more steps, a ring that wraps).
TEST(CosimRing, DescProdAdvancedDuringARun) {
  for (unsigned lat : {1u, 40u}) {
    Card c(5, 0.3, 2, lat);  // 4 slots
    c.publish({nop(64), nop(128)});
    c.start();
    for (int i = 0; i < 2000 && c.cpl_prod() != 2; ++i) c.sim().step(10);
    ASSERT_EQ(c.cpl_prod(), 2u);
    EXPECT_FALSE(c.done()) << "no STOP yet";
    c.publish({nop(192), nop(256), nop(320)});  // slots 2, 3, 0
    for (int i = 0; i < 2000 && c.cpl_prod() != 5; ++i) c.sim().step(10);
    ASSERT_EQ(c.cpl_prod(), 5u);
    EXPECT_FALSE(c.done());
    c.publish({nop(384), stop()});
    c.wait();
    EXPECT_EQ(c.cpl_prod(), 7u);
    // the ring holds completions 3..6 now (slots 3, 0, 1, 2)
    for (uint32_t i = 3; i < 6; ++i) {
      EXPECT_EQ(c.cpl(i).status, uint16_t(Status::BAD_OPCODE)) << "descriptor " << i;
      EXPECT_EQ(c.cpl(i).out_offset, 64u * (i + 1)) << "descriptor " << i;
    }
    EXPECT_EQ(c.cpl(6).status, uint16_t(Status::OK)) << "STOP";
  }
}

// ESP packets with SPI `spi`: the SPI table set by SPI_SET, the lookup in
// bucket 0, then bucket 1 (spi_bucket_index of the spec), slot by slot.
std::vector<uint8_t> esp_packet(uint32_t spi, uint32_t seq) {
  auto p = ipv4(20 + 8 + 8 + 16 + 16, 50);
  const uint8_t h[8] = {uint8_t(spi >> 24), uint8_t(spi >> 16), uint8_t(spi >> 8), uint8_t(spi),
                        uint8_t(seq >> 24), uint8_t(seq >> 16), uint8_t(seq >> 8), uint8_t(seq)};
  std::memcpy(p.data() + 20, h, 8);
  return p;
}

TEST(CosimRing, SpiSetAndLookupsInBothBuckets) {
  Card c(9, 0.1);
  sa_table(c);
  const unsigned log2 = c.spi_buckets_log2;
  const uint32_t spi = 0x1001;
  const uint32_t b0 = spec::spi_bucket_index(spi, 0, log2), b1 = spec::spi_bucket_index(spi, 1, log2);
  ASSERT_NE(b0, b1) << "pick another SPI";
  uint32_t other = 0;
  while (other == b0 || other == b1) ++other;
  const auto pkt = esp_packet(spi, 1);
  std::memcpy(c.pkt_in(), pkt.data(), pkt.size());
  const uint32_t S = spec::SPI_BUCKET_SLOTS;
  const Desc dec = packet(Opcode::DECRYPT, 0, 0, uint32_t(pkt.size()), 4096, 0);
  struct Row {
    std::vector<Desc> cmds;
    Status st;
    uint32_t sa;
    const char* what;
  };
  // SA 1 is installed (and its SPI 0x1001), SA 2 not; an authenticated
  // packet is beyond these tests: a found inbound SA gives AUTH_FAIL.
  const std::vector<Row> rows = {
      {{}, Status::UNKNOWN_SPI, kNo, "empty table"},
      {{command(Opcode::SPI_SET, 1, spi, b0 * S + 5)}, Status::AUTH_FAIL, 1, "bucket 0, slot 5"},
      {{command(Opcode::SPI_SET, kNo, spi, b0 * S + 5)}, Status::UNKNOWN_SPI, kNo, "slot emptied"},
      {{command(Opcode::SPI_SET, 1, spi, b1 * S + 7)}, Status::AUTH_FAIL, 1, "bucket 1, slot 7"},
      {{command(Opcode::SPI_SET, kNo, spi, b1 * S + 7), command(Opcode::SPI_SET, 1, spi, other * S)},
       Status::UNKNOWN_SPI, kNo, "another bucket"},
      {{command(Opcode::SPI_SET, 1, spi + 1, b0 * S)}, Status::UNKNOWN_SPI, kNo, "another SPI in bucket 0"},
      {{command(Opcode::SPI_SET, 2, spi, b0 * S + 1), command(Opcode::SPI_SET, 1, spi, b1 * S)},
       Status::SA_DISABLED, 2, "bucket 0 first: SA 2, not installed"},
      {{command(Opcode::SPI_SET, kNo, spi, b0 * S + 1)}, Status::AUTH_FAIL, 1, "then bucket 1"},
      {{command(Opcode::SPI_SET, 1, spi, b0 * S + 6), command(Opcode::SPI_SET, 2, spi, b0 * S + 2)},
       Status::SA_DISABLED, 2, "the first slot of the bucket wins"},
  };
  c.run({command(Opcode::SA_INSTALL, 1), stop()});
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    std::vector<Desc> ds = r.cmds;
    ds.push_back(dec);
    ds.push_back(stop());
    const uint32_t first = c.first();
    c.run(ds);
    const Cpl g = c.cpl(first + uint32_t(r.cmds.size()));
    EXPECT_EQ(g.status, uint16_t(r.st)) << show(g);
    EXPECT_EQ(g.sa_index, r.sa) << show(g);
    EXPECT_EQ(g.spi, spi) << show(g);
  }
  EXPECT_EQ(c.counter<spec::sa_counters::auth_fail>(1), 3u);
  // a table wider than the card's: no lookup (UNKNOWN_SPI)
  c.spi_buckets_log2 = 15;
  const uint32_t first = c.first();
  c.run({dec, stop()});
  EXPECT_EQ(c.cpl(first).status, uint16_t(Status::UNKNOWN_SPI));
}

// SA_DELETE wipes the key on the card: the SA installed again with another
// key (the same generation) encrypts with the new key. Checked by DECRYPT on
// an inbound SA holding only the new key.
TEST(CosimRing, SaDeleteWipesTheKey) {
  Card c(8, 0.0);
  c.set_sa(1, {0x3003, f::VALID, 1024, 16, 0, 0x22});
  c.set_sa(3, {0x3003, f::VALID | f::OUTBOUND, 1024, 16, 0, 0x11});
  const auto pkt = ipv4(100, 6);
  std::memcpy(c.pkt_in(), pkt.data(), pkt.size());
  const Desc enc0 = packet(Opcode::ENCRYPT, 3, 0, 100, 1024, 0), enc1 = packet(Opcode::ENCRYPT, 3, 0, 100, 1024, 1024);
  c.run({command(Opcode::SA_INSTALL, 1), command(Opcode::SA_INSTALL, 3), enc0, stop()});
  const uint32_t len0 = c.cpl(2).out_length;
  ASSERT_EQ(c.cpl(2).status, uint16_t(Status::OK));
  std::memset(c.sa_entry(3) + spec::sa_entry::key::offset, 0x22, spec::sa_entry::key::size);  // generation kept
  c.run({command(Opcode::SA_DELETE, 3), command(Opcode::SA_INSTALL, 3), enc1, stop()});
  const uint32_t len1 = c.cpl(6).out_length;
  ASSERT_EQ(c.cpl(6).status, uint16_t(Status::OK));
  ASSERT_EQ(c.cpl(6).seq, 2u);
  std::memcpy(c.pkt_in() + 2048, c.pkt_out(), len0);
  std::memcpy(c.pkt_in() + 4096, c.pkt_out() + 1024, len1);
  const uint8_t U = spec::descriptor::flags_bit::USE_SA_INDEX;
  c.run({packet(Opcode::DECRYPT, 1, 2048, len0, 1024, 8192, U), packet(Opcode::DECRYPT, 1, 4096, len1, 1024, 9216, U),
         stop()});
  EXPECT_EQ(c.cpl(0 + 8).status, uint16_t(Status::AUTH_FAIL)) << "the old key's packet";
  EXPECT_EQ(c.cpl(1 + 8).status, uint16_t(Status::OK)) << "the new key's packet: " << show(c.cpl(9));
}

// MAX_SAS bounds the SA indices: min(sa_capacity, MAX_SAS) (commands that
// touch no card memory for them).
TEST(CosimRing, MaxSasBoundsTheIndices) {
  Card c(4, 0.0);
  c.sa_capacity = 70000;
  c.run({command(Opcode::SPI_SET, 65535, 0x99, 0), command(Opcode::SPI_SET, 65536, 0x99, 0),
         command(Opcode::STATE_SYNC, 65536), command(Opcode::SA_DELETE, 65535), command(Opcode::SA_DELETE, 69999),
         stop()});
  const Status want[] = {Status::OK, Status::BAD_SA, Status::BAD_SA, Status::OK, Status::BAD_SA, Status::OK};
  for (uint32_t i = 0; i < 6; ++i) EXPECT_EQ(c.cpl(i).status, uint16_t(want[i])) << "descriptor " << i;
}

// Counters in the state line (CONTRACT.md "Counters and the state line"):
// hard_events and soft_events stop at 2^32-1; the sequence space ends at
// 2^32-1 without ESN (LIFETIME_EXPIRED, hard_events++).
TEST(CosimRing, EventCountersSaturate) {
  Card c(6, 0.0, 4);
  sa_table(c);
  c.set_sa(4, {0x1004, f::VALID | f::OUTBOUND | f::TUNNEL, 1024, 16, 0, 0});
  spec::set<spec::sa_entry::hard_packets>(c.sa_entry(3), 10);
  spec::set<spec::sa_entry::soft_packets>(c.sa_entry(4), 1);
  uint8_t* l3 = c.state_line(3) + spec::sa_state::counters::offset;
  uint8_t* l4 = c.state_line(4) + spec::sa_state::counters::offset;
  spec::set<spec::sa_counters::packets>(l3, 10);  // at the hard limit
  spec::set<spec::sa_counters::hard_events>(l3, 0xFFFFFFFEu);
  spec::set<spec::sa_counters::soft_events>(l4, 0xFFFFFFFEu);
  spec::set<spec::sa_state::seq>(c.state_line(4), 0xFFFFFFFDu);  // two sequence numbers left
  const auto pkt = ipv4(100, 6);
  std::memcpy(c.pkt_in(), pkt.data(), pkt.size());
  std::vector<Desc> ds = {command(Opcode::SA_INSTALL, 3), command(Opcode::SA_INSTALL, 4)};
  for (int i = 0; i < 3; ++i) ds.push_back(packet(Opcode::ENCRYPT, 3, 0, 100, 4096, 0));
  for (int i = 0; i < 4; ++i) ds.push_back(packet(Opcode::ENCRYPT, 4, 0, 100, 4096, 4096));
  ds.push_back(stop());
  c.run(ds);
  const Status want[] = {Status::LIFETIME_EXPIRED, Status::LIFETIME_EXPIRED, Status::LIFETIME_EXPIRED,
                         Status::OK, Status::OK, Status::LIFETIME_EXPIRED, Status::LIFETIME_EXPIRED};
  const bool soft[] = {false, false, false, true, true, false, false};
  for (uint32_t i = 0; i < 7; ++i) {
    const Cpl g = c.cpl(2 + i);
    EXPECT_EQ(g.status, uint16_t(want[i])) << "packet " << i << ": " << show(g);
    EXPECT_EQ((g.flags & spec::completion::flags_bit::SOFT_EXPIRED) != 0, soft[i]) << "packet " << i;
  }
  EXPECT_EQ(c.counter<spec::sa_counters::hard_events>(3), 0xFFFFFFFFu);
  EXPECT_EQ(c.counter<spec::sa_counters::packets>(3), 10u);
  EXPECT_EQ(c.counter<spec::sa_counters::soft_events>(4), 0xFFFFFFFFu);
  EXPECT_EQ(c.counter<spec::sa_counters::packets>(4), 2u);
  EXPECT_EQ(c.counter<spec::sa_counters::hard_events>(4), 2u);
  EXPECT_EQ(c.seq_of(4), 0xFFFFFFFFu);
}

// CPL_PROD and the PERF registers after a run: PERF_CYCLES within the
// harness's cycles from AP_START to the AP_DONE it saw; PERF_IDLE at most
// that, and not 0 when every descriptor waits for a slow memory.
TEST(CosimRing, CplProdAndPerfAfterARun) {
  Card c(2, 0.0, 4, 100);
  sa_table(c);
  std::vector<Desc> ds = {command(Opcode::SA_INSTALL, 3)};
  for (int i = 0; i < 6; ++i) ds.push_back(nop(64 * i));
  ds.push_back(stop());
  c.run(ds);
  EXPECT_EQ(c.cpl_prod(), 8u);
  const uint64_t cycles = c.reg64(spec::reg::PERF_CYCLES_LO), idle = c.reg64(spec::reg::PERF_IDLE_LO);
  std::printf("run of 8 descriptors: PERF_CYCLES %llu, PERF_IDLE %llu, harness %llu\n",
              static_cast<unsigned long long>(cycles), static_cast<unsigned long long>(idle),
              static_cast<unsigned long long>(c.run_cycles()));
  EXPECT_GT(cycles, 100u) << "at least one memory round trip";
  EXPECT_LE(cycles, c.run_cycles());
  EXPECT_GT(idle, 0u);
  EXPECT_LT(idle, cycles);
  // the registers hold the last run's values, a new run counts afresh
  EXPECT_EQ(c.reg64(spec::reg::PERF_CYCLES_LO), cycles);
  c.run({stop()});
  EXPECT_EQ(c.cpl_prod(), 9u);
  EXPECT_LT(c.reg64(spec::reg::PERF_CYCLES_LO), cycles);
}

}  // namespace
