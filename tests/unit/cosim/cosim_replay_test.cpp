// The tagged replay ring on the RTL engine (hw/spec/CONTRACT.md DECRYPT 9
// and 11): authenticated packets (ENCRYPT on outbound SAs whose state lines
// set the sequence numbers, then DECRYPT on their inbound twin) in an order
// that passes, replays, falls out of the window and jumps beyond the ring
// (the first run names the SA, the second finds it in the SPI table).
// The statuses are the contract's (written out per row); the ring entries
// and the state line after the runs are checked against the contract's rule
// applied to the accepted sequence numbers here.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "cosim_card.hpp"

namespace {

using namespace cosim_card;
using spec::Opcode;
using spec::Status;
namespace f = spec::sa_entry::flags_bit;

constexpr uint32_t kWindow = 64;  // N = W / 32 = 2 ring entries
constexpr uint32_t kSpi = 0x2000;
constexpr uint32_t kIn = 1;       // the inbound SA
constexpr uint64_t kEncOut = 0;   // ENCRYPT output k at kEncOut + k * kSlot
constexpr uint64_t kDecOut = 32768;
constexpr uint64_t kSlot = 1024;

struct Row {
  uint64_t seq;
  Status st;
};

TEST(CosimReplay, TaggedRingPassReplayOldAndJumps) {
  // the sequence numbers of the packets: SA 2 + k sends seqs[k]
  const std::vector<uint64_t> seqs = {1, 200, 150, 136, 137, 1000};
  const std::vector<std::vector<Row>> runs = {
      {{1, Status::OK},          // T = 1
       {1, Status::REPLAY},      // its bit
       {200, Status::OK},        // a jump beyond the ring (block 3)
       {150, Status::OK},        // block 2: entry 0 still holds block 0, reads 0
       {150, Status::REPLAY}},
      {{136, Status::REPLAY},    // T - seq = 64 >= W
       {137, Status::OK},        // block 2, bit 9 clear
       {1, Status::REPLAY},      // far too old
       {1000, Status::OK},       // another jump: entry 1 retagged, nothing cleared
       {200, Status::REPLAY},    // too old now
       {1000, Status::REPLAY},
       {137, Status::REPLAY}},   // too old (T - seq = 863)
  };
  for (double bp : {0.0, 0.3}) {
    SCOPED_TRACE("backpressure " + std::to_string(bp));
    Card c(21, bp, 5);
    c.set_sa(kIn, {kSpi, f::VALID, kWindow, 16, 0, 0x42});
    for (uint32_t k = 0; k < seqs.size(); ++k) {
      c.set_sa(2 + k, {kSpi, f::VALID | f::OUTBOUND, 0, 16, 0, 0x42});
      spec::set<spec::sa_state::seq>(c.state_line(2 + k), seqs[k] - 1);
    }
    const auto plain = ipv4(100, 6);
    std::memcpy(c.pkt_in(), plain.data(), plain.size());

    // the ESP packets
    std::vector<Desc> ds;
    for (uint32_t k = 0; k < seqs.size(); ++k) ds.push_back(command(Opcode::SA_INSTALL, 2 + k));
    for (uint32_t k = 0; k < seqs.size(); ++k) {
      ds.push_back(packet(Opcode::ENCRYPT, 2 + k, 0, uint32_t(plain.size()), uint32_t(kSlot), kEncOut + k * kSlot));
    }
    ds.push_back(stop());
    c.run(ds);
    std::map<uint64_t, std::vector<uint8_t>> esp;
    for (uint32_t k = 0; k < seqs.size(); ++k) {
      const Cpl g = c.cpl(uint32_t(seqs.size()) + k);
      ASSERT_EQ(g.status, uint16_t(Status::OK));
      ASSERT_EQ(g.seq, seqs[k]);
      esp[seqs[k]].assign(c.pkt_out() + kEncOut + k * kSlot, c.pkt_out() + kEncOut + k * kSlot + g.out_length);
    }
    // the ESP packets into pkt_in, one slot each
    std::map<uint64_t, uint64_t> at;
    uint64_t off = kSlot;
    for (const auto& [s, p] : esp) {
      std::memcpy(c.pkt_in() + off, p.data(), p.size());
      at[s] = off;
      off += kSlot;
    }

    // the inbound SA, its ring (a contract model of it beside) and the runs
    uint64_t T = 0, ok = 0, replay = 0;
    std::map<uint64_t, std::pair<uint64_t, uint64_t>> ring;  // entry -> {bits, block}
    const uint64_t n = spec::replay_ring_entries(kWindow);
    // the SPI in bucket 1 of the card's SPI table (the second run looks it up)
    const uint32_t slot = spec::spi_bucket_index(kSpi, 1, c.spi_buckets_log2) * spec::SPI_BUCKET_SLOTS + 3;
    c.run({command(Opcode::SA_INSTALL, kIn), command(Opcode::SPI_SET, kIn, kSpi, slot), stop()});
    for (size_t r = 0; r < runs.size(); ++r) {
      std::vector<Desc> rd;
      for (size_t i = 0; i < runs[r].size(); ++i) {
        const uint64_t s = runs[r][i].seq;
        const uint8_t flags = r == 0 ? spec::descriptor::flags_bit::USE_SA_INDEX : 0;  // run 1: the SPI table
        rd.push_back(packet(Opcode::DECRYPT, r == 0 ? kIn : 0, at[s], uint32_t(esp[s].size()), uint32_t(kSlot),
                            kDecOut + i * kSlot, flags));
      }
      rd.push_back(stop());
      const uint32_t first = c.first();
      c.run(rd);
      for (size_t i = 0; i < runs[r].size(); ++i) {
        const Row& w = runs[r][i];
        const Cpl g = c.cpl(first + uint32_t(i));
        SCOPED_TRACE("run " + std::to_string(r) + " packet " + std::to_string(i) + " seq " + std::to_string(w.seq));
        EXPECT_EQ(g.status, uint16_t(w.st));
        EXPECT_EQ(g.seq, w.seq);
        EXPECT_EQ(g.sa_index, kIn);
        if (w.st == Status::OK) {
          ++ok;
          ASSERT_EQ(g.out_length, plain.size());
          EXPECT_EQ(0, std::memcmp(c.pkt_out() + kDecOut + i * kSlot, plain.data(), plain.size()));
          // DECRYPT 11 on the model
          T = std::max(T, w.seq);
          auto& e = ring[(w.seq / 64) % n];
          const uint64_t bit = uint64_t(1) << (w.seq % 64);
          e = (e.second == w.seq / 64) ? std::make_pair(e.first | bit, e.second) : std::make_pair(bit, w.seq / 64);
        } else {
          ++replay;
        }
      }
    }
    EXPECT_EQ(c.seq_of(kIn), T) << "the replay top in the state line";
    EXPECT_EQ(c.counter<spec::sa_counters::packets>(kIn), ok);
    EXPECT_EQ(c.counter<spec::sa_counters::replay>(kIn), replay);
    for (uint64_t e = 0; e < n; ++e) {
      const uint8_t* p = c.replay_ring() + e * spec::replay_entry::SIZE;
      EXPECT_EQ(spec::get<spec::replay_entry::bits>(p), ring[e].first) << "entry " << e;
      EXPECT_EQ(spec::get<spec::replay_entry::block>(p), ring[e].second) << "entry " << e;
    }
    // the contract's example itself: entry 0 kept block 2 (bits 22, 9) across the jump to 1000
    EXPECT_EQ(ring[0], std::make_pair((uint64_t(1) << 22) | (uint64_t(1) << 9), uint64_t(2)));
    EXPECT_EQ(ring[1], std::make_pair(uint64_t(1) << 40, uint64_t(15)));
  }
}

}  // namespace

namespace {

using namespace cosim_card;
using spec::Opcode;
using spec::Status;
namespace f = spec::sa_entry::flags_bit;

// Cycles of one packet (PERF_CYCLES of a run of the packet and STOP, memory
// latency 16/8, no backpressure, the SAs installed by a run before; the
// first packet of its SA in its run: SA entry and state line read, the key
// set up), ENCRYPT on an outbound tunnel SA, DECRYPT of its output on the
// inbound twin (USE_SA_INDEX), which gives the original packet back. Printed
// for hw/rtl/README.md; the bounds are those of the 0.4 engine's
// CosimBatch.CyclesPerPacket.
TEST(CosimReplay, CyclesPerPacket) {
  for (uint16_t n : {uint16_t(64), uint16_t(256), uint16_t(1400), uint16_t(9000)}) {
    Card c(1, 0.0, 3, 16);
    c.set_sa(1, {0x4001, f::VALID | f::TUNNEL, 1024, 16, 0, 0x5A});
    c.set_sa(3, {0x4001, f::VALID | f::OUTBOUND | f::TUNNEL, 0, 16, 0, 0x5A});
    const auto plain = ipv4(n, 6);
    std::memcpy(c.pkt_in(), plain.data(), plain.size());
    c.run({command(Opcode::SA_INSTALL, 1), command(Opcode::SA_INSTALL, 3), stop()});
    c.run({packet(Opcode::ENCRYPT, 3, 0, n, 16384, 0), stop()});
    const uint64_t enc = c.reg64(spec::reg::PERF_CYCLES_LO);
    const Cpl e = c.cpl(3);
    ASSERT_EQ(e.status, uint16_t(Status::OK));
    std::memcpy(c.pkt_in() + 16384, c.pkt_out(), e.out_length);
    c.run({packet(Opcode::DECRYPT, 1, 16384, e.out_length, 16384, 16384, spec::descriptor::flags_bit::USE_SA_INDEX),
           stop()});
    const uint64_t dec = c.reg64(spec::reg::PERF_CYCLES_LO);
    const Cpl d = c.cpl(5);
    ASSERT_EQ(d.status, uint16_t(Status::OK));
    ASSERT_EQ(d.out_length, n);
    EXPECT_EQ(0, std::memcmp(c.pkt_out() + 16384, plain.data(), n));
    std::printf("packet %u bytes: ENCRYPT %llu cycles, DECRYPT %llu cycles (PERF_CYCLES, with the STOP)\n", n,
                static_cast<unsigned long long>(enc), static_cast<unsigned long long>(dec));
    const uint64_t beats = (n + 63) / 64;
    EXPECT_LE(enc, 700 + 4 * beats) << n << " bytes";
    EXPECT_LE(dec, 900 + 4 * beats) << n << " bytes";
  }
}

}  // namespace
