// The write-back overlaps the next packet (issue 14; hw/rtl/esp_writeback.sv,
// esp_mem_access.sv, esp_out_bank.sv), card vs reference (tests/ref, every
// request compared). The write engine takes a packet's completion right
// behind its last chunk, so the write-back stage frees the output slot and
// goes on to the next packet while the beats of the freed slot are still
// being read out of the buffer (up to two chunks: 32 beats); the slot goes
// back to the process stage only once they are out (obuf_busy), and every
// buffer read names its own slot (the next packet's first beat is read in
// the cycle the last one of the packet before comes out).
//
// These runs make the process stage wait for slots and take each freed one
// at once: long runs of one SA (no SA switch: the head is at its fastest)
// of MTU-sized and small packets behind jumbo ones, ENCRYPT and DECRYPT,
// then the card's outputs back through DECRYPT, with random W backpressure
// (test_esp_equivalence_memory_cosim: 0.3). It fails (wrong bytes from
// the last chunk of a packet on) when the buffer reads follow the write-back
// stage's current slot instead of their job's (shown in the report). The
// obuf_busy gate is not shown needed here: the next packet's first write to
// a reused slot comes some 40 cycles after the slot is freed (head parse,
// esp_aead's latency), when at most one chunk of it is left to read.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq {
namespace {

class EqOverlap : public BackendTest {};

constexpr size_t kJumbo = 8900;
constexpr size_t kMtu = 1400;
constexpr size_t kSmall = 20;

// Payload sizes of one run: a jumbo packet, then MTU-sized and small ones
// that overtake it in the head (they need a slot while it is written out).
const size_t kSizes[] = {kJumbo, kMtu, kMtu, kSmall, kMtu, kMtu, kMtu, kSmall, kJumbo, kSmall, kSmall, kMtu};

TEST_P(EqOverlap, SlotReusedWhileItsPacketIsWrittenOut) {
  TwinOptions o;
  o.max_batch = 96;
  Rig g(GetParam(), o);
  std::vector<Op> back;
  for (size_t k = 0; k < g.sa.size(); ++k) {
    SaPair& p = g.sa[k];
    const std::string label = p.name;
    std::vector<Op> ops;
    for (size_t i = 0; i < 96; ++i) {
      const size_t n = kSizes[i % std::size(kSizes)];
      const std::string tag = "#" + std::to_string(i) + " " + p.name + " payload " + std::to_string(n);
      if ((i / 24) % 2 == 0) {
        ops.push_back(enc(p.out, p.plain(n, static_cast<uint32_t>(i + 7 * k)), tag + " ENCRYPT"));
      } else {
        ops.push_back(dec(p.next(n), tag + " DECRYPT"));
      }
    }
    const RunResult r = g.t.run(ops, label);
    ASSERT_EQ(r.card.size(), ops.size());
    for (size_t i = 0; i < r.card.size(); ++i) {
      EXPECT_EQ(r.card[i].status, Status::OK) << ops[i].what;
      if (ops[i].op == Opcode::ENCRYPT && r.card[i].status == Status::OK) {
        back.push_back(dec(r.card[i].data, label + ": card output of " + ops[i].what));
      }
    }
    g.t.expect_all_counters(label);
  }
  const RunResult rb = g.t.run(back, "back");
  ASSERT_EQ(rb.card.size(), back.size());
  for (size_t i = 0; i < rb.card.size(); ++i) EXPECT_EQ(rb.card[i].status, Status::OK) << back[i].what;
  g.t.expect_all_counters("back");
}

}  // namespace

ESP_EQ_INSTANTIATE(EqOverlap);

}  // namespace esp::eq
