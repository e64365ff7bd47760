// The tagged replay ring on the RTL engine (hw/spec/CONTRACT.md DECRYPT 9
// and 11): authenticated packets (ENCRYPT on outbound SAs whose state lines
// set the sequence numbers, then DECRYPT on their inbound twin) in an order
// that passes, replays, falls out of the window and jumps beyond the ring.
// The statuses are the contract's (written out per row); the ring entries
// and the state line after the runs are checked against the contract's rule
// applied to the accepted sequence numbers here.
#include <gtest/gtest.h>

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
    c.run({command(Opcode::SA_INSTALL, kIn), stop()});
    for (size_t r = 0; r < runs.size(); ++r) {
      std::vector<Desc> rd;
      for (size_t i = 0; i < runs[r].size(); ++i) {
        const uint64_t s = runs[r][i].seq;
        rd.push_back(packet(Opcode::DECRYPT, kIn, at[s], uint32_t(esp[s].size()), uint32_t(kSlot),
                            kDecOut + i * kSlot, spec::descriptor::flags_bit::USE_SA_INDEX));
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
