// The card's memory engines under load, card vs reference: kernel runs of
// 64 packets of 64 to 9000 bytes (small, MTU-sized and jumbo mixed, six SAs
// of every kind interleaved), encrypt and decrypt, so that many reads and
// writes of several packets are in flight at once; every result bit-exact
// with the OpenSSL model, every decrypt gives back its original, the
// counters and state lines equal afterwards. On cosim the ctest
// test_esp_equivalence_memory_cosim runs it with read / write latency 64 / 32
// and random AXI backpressure 0.3, test_esp_equivalence_memory_cosim_late_b
// with write latency 1000 (the harness's slave takes up to 64 bursts of each
// direction in flight, so the engine's own limits are what is tested).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq {
namespace {

class EqMemory : public BackendTest {};

// Payload bytes of packet i: small, around an MTU, or jumbo (up to 9000
// bytes of plaintext packet with the SA's headers: MAX_PKT_BYTES holds the
// ESP packet).
size_t payload_len(std::mt19937& g) {
  auto in = [&](uint32_t lo, uint32_t hi) { return std::uniform_int_distribution<uint32_t>(lo, hi)(g); };
  switch (in(0, 2)) {
    case 0: return in(24, 200);
    case 1: return in(1300, 1500);
    default: return in(7000, 8900);
  }
}

TEST_P(EqMemory, PacketsOf64To9000BytesInFlight) {
  TwinOptions o;
  o.max_batch = 64;
  Rig rig(GetParam(), o);
  std::mt19937 g(14);
  // The card's own encryptions, decrypted on the card after the last round
  // (their sequence numbers are far above the sender's: the replay top
  // moves there).
  std::vector<Op> back;
  for (int round = 0; round < 2; ++round) {
    const std::string label = "round " + std::to_string(round);
    std::vector<Op> ops;
    std::vector<size_t> at;
    std::vector<Bytes> want;
    for (size_t i = 0; i < 128; ++i) {
      SaPair& p = rig.sa[g() % rig.sa.size()];
      const size_t len = payload_len(g);
      const std::string tag = "#" + std::to_string(i) + " " + p.name + " payload " + std::to_string(len);
      if (g() % 2) {
        ops.push_back(enc(p.out, p.plain(len, static_cast<uint32_t>(i)), tag + " encrypt"));
      } else {
        const uint64_t q = p.next_seq++;
        const Bytes inner = p.plain(len, static_cast<uint32_t>(q + 5));
        ops.push_back(dec(p.snd->packet(q, inner), tag + " decrypt seq " + std::to_string(q)));
        at.push_back(ops.size() - 1);
        want.push_back(inner);
      }
    }
    const RunResult r = rig.t.run(ops, label);
    ASSERT_EQ(r.card.size(), ops.size());
    size_t ok = 0;
    for (const Result& c : r.card) ok += c.status == Status::OK;
    EXPECT_EQ(ok, ops.size()) << label << ": every packet is a good one";
    expect_originals(r, ops, at, want, "[" + GetParam() + "] " + label);
    for (size_t i = 0; i < r.card.size(); ++i) {
      if (ops[i].op == Opcode::ENCRYPT && r.card[i].status == Status::OK) {
        back.push_back(dec(r.card[i].data, label + ": card output of " + ops[i].what));
      }
    }
    rig.t.expect_all_counters(label);
  }
  const RunResult rb = rig.t.run(back, "decrypted back");
  ASSERT_EQ(rb.card.size(), back.size());
  for (size_t i = 0; i < rb.card.size(); ++i) EXPECT_EQ(rb.card[i].status, Status::OK) << back[i].what;
  rig.t.expect_all_counters("decrypted back");
}

// Jumbo and small packets on one SA, encrypt only: no read of the process
// stage fences the writes in between, so with late write responses (the
// ctest test_esp_equivalence_memory_cosim_late_b: 1000 cycles) the write
// engine holds as many jobs waiting for their responses as it can (32).
TEST_P(EqMemory, OneSaEncryptsBackToBack) {
  TwinOptions o;
  o.max_batch = 64;
  Rig rig(GetParam(), o);
  std::mt19937 g(15);
  SaPair& p = rig.sa[0];
  std::vector<Op> ops;
  for (size_t i = 0; i < 64; ++i) {
    const size_t len = (i % 4 == 3) ? payload_len(g) : 8900;
    ops.push_back(enc(p.out, p.plain(len, static_cast<uint32_t>(i)), "#" + std::to_string(i) + " encrypt " +
                                                                        std::to_string(len)));
  }
  const RunResult r = rig.t.run(ops, "one SA");
  ASSERT_EQ(r.card.size(), ops.size());
  std::vector<Op> back;
  for (size_t i = 0; i < r.card.size(); ++i) {
    EXPECT_EQ(r.card[i].status, Status::OK) << ops[i].what;
    back.push_back(dec(r.card[i].data, "card output of " + ops[i].what));
  }
  const RunResult rb = rig.t.run(back, "one SA, decrypted back");
  for (size_t i = 0; i < rb.card.size(); ++i) {
    EXPECT_EQ(rb.card[i].status, Status::OK) << back[i].what;
    EXPECT_EQ(rb.card[i].data, ops[i].data) << back[i].what;
  }
  rig.t.expect_all_counters("one SA");
}

ESP_EQ_INSTANTIATE(EqMemory);

}  // namespace
}  // namespace esp::eq
