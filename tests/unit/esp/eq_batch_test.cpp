// Mixed batches, card vs reference: failures of every kind in the middle of
// a batch and at kernel-run boundaries, requests the Engine refuses itself
// (longer than MAX_PKT_BYTES) between requests that reach the card, several
// SAs interleaved, kernel runs of 1, 17 and 256 descriptors. Every request
// gets its Result, in order: the twin compares result i with the model's
// output for request i, and every good packet decrypts to its own original.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq {
namespace {

class EqBatch : public BackendTest {};

// One mixed batch over the rig's SAs. `good_at` / `good` collect the
// decrypt requests that must give back their original.
struct Mix {
  std::vector<Op> ops;
  std::vector<size_t> good_at;
  std::vector<Bytes> good;
};

Mix make_mix(Rig& rig, uint32_t seed, size_t n) {
  Mix m;
  std::mt19937 g(seed);
  auto pick = [&](uint32_t k) { return std::uniform_int_distribution<uint32_t>(0, k - 1)(g); };
  std::vector<Bytes> sent;  // earlier good ESP packets (for replays)
  for (size_t i = 0; i < n; ++i) {
    SaPair& p = rig.sa[pick(static_cast<uint32_t>(rig.sa.size()))];
    const uint32_t kind = pick(20);
    const std::string tag = "#" + std::to_string(i) + " " + p.name + " ";
    const size_t len = pick(4) == 0 ? pick(3000) : pick(200);
    switch (kind) {
      case 0:
      case 1:
      case 2:
      case 3:
        m.ops.push_back(enc(p.out, p.plain(len, static_cast<uint32_t>(i)), tag + "encrypt"));
        break;
      case 4:
      case 5:
      case 6:
      case 7: {
        const uint64_t q = p.next_seq++;
        const Bytes inner = p.plain(len, static_cast<uint32_t>(q + 77));
        m.ops.push_back(dec(p.snd->packet(q, inner), tag + "decrypt seq " + std::to_string(q)));
        sent.push_back(m.ops.back().data);
        m.good_at.push_back(m.ops.size() - 1);
        m.good.push_back(inner);
        break;
      }
      case 8:
        if (!sent.empty()) {
          m.ops.push_back(dec(sent[pick(static_cast<uint32_t>(sent.size()))], tag + "replayed"));
          break;
        }
        [[fallthrough]];
      case 9: {
        Bytes f = p.next(len);
        f[f.size() - 1 - pick(8)] ^= 0x10;
        m.ops.push_back(dec(f, tag + "forged"));
        break;
      }
      case 10: {
        Bytes t = p.next(len);
        t.resize(pick(static_cast<uint32_t>(t.size())));
        m.ops.push_back(dec(t, tag + "truncated to " + std::to_string(t.size())));
        break;
      }
      case 11:
        m.ops.push_back(dec(ref::pkt::udp(p.inner, len, static_cast<uint32_t>(i)), tag + "not ESP"));
        break;
      case 12: {
        Bytes u = p.next(len);
        u[(p.spec.outer == 4 ? 20 : 40) + (p.spec.udp ? 8 : 0)] ^= 0x80;
        m.ops.push_back(dec(u, tag + "unknown SPI"));
        break;
      }
      case 13:
        m.ops.push_back(Op{static_cast<Opcode>(pick(2) ? 0 : 0x42), p.out, p.plain(len, 1), tag + "bad opcode"});
        break;
      case 14:
        m.ops.push_back(pick(2) ? dec({}, tag + "empty decrypt") : enc(p.out, {}, tag + "empty encrypt"));
        break;
      case 15: {
        Bytes big = p.plain(spec::MAX_PKT_BYTES, 2);  // > MAX_PKT_BYTES: refused by the Engine
        m.ops.push_back(pick(2) ? dec(big, tag + "oversize decrypt") : enc(p.out, big, tag + "oversize encrypt"));
        break;
      }
      case 16:
        m.ops.push_back(enc(p.out, p.plain(spec::MAX_PKT_BYTES - (p.inner == 4 ? 40 : 60), 3), tag + "NO_SPACE"));
        break;
      case 17:
        m.ops.push_back(enc(p.in, p.plain(len, 4), tag + "encrypt with inbound SA"));
        break;
      case 18: {
        Bytes b = p.plain(len, 5);
        b[0] = 0x75;
        m.ops.push_back(enc(p.out, b, tag + "encrypt of a non-IP packet"));
        break;
      }
      default: {
        const uint64_t q = p.next_seq++;
        Bytes bad = craft_esp(p.in_cfg, q, {1, 2, 3, 4, 9, 9, 2, 4}, p.spec.outer, p.spec.udp);
        m.ops.push_back(dec(bad, tag + "bad padding"));
        break;
      }
    }
  }
  return m;
}

void mixed(const std::string& backend, uint32_t max_batch, uint32_t seed, size_t n) {
  TwinOptions o;
  o.max_batch = max_batch;
  Rig rig(backend, o);
  const Mix m = make_mix(rig, seed, n);
  const std::string label = "mixed batch of " + std::to_string(n) + ", runs of " + std::to_string(max_batch);
  const RunResult r = rig.t.run(m.ops, label);
  ASSERT_EQ(r.card.size(), m.ops.size());
  expect_originals(r, m.ops, m.good_at, m.good, "[" + backend + "] " + label);
  // The card's own encryptions of this batch decrypt on the card, in order.
  std::vector<Op> back;
  for (size_t i = 0; i < r.card.size(); ++i) {
    if (m.ops[i].op == Opcode::ENCRYPT && r.card[i].status == Status::OK) {
      back.push_back(dec(r.card[i].data, "card output of " + m.ops[i].what));
    }
  }
  const RunResult rb = rig.t.run(back, label + ", decrypted back");
  for (size_t i = 0; i < rb.ref.size(); ++i) EXPECT_EQ(rb.ref[i].status, Status::OK) << back[i].what;
  rig.t.expect_all_counters(label);
}

TEST_P(EqBatch, MixedRunsOf17) { mixed(GetParam(), 17, 1, 900); }
TEST_P(EqBatch, MixedRunsOf1) { mixed(GetParam(), 1, 2, 150); }
TEST_P(EqBatch, MixedRunsOf256) { mixed(GetParam(), 256, 3, 1200); }

// Each failure kind alone in the middle of a run of good packets, and at
// the first and last position of a kernel run (runs of 8).
TEST_P(EqBatch, FailureInTheMiddle) {
  TwinOptions o;
  o.max_batch = 8;
  Rig rig(GetParam(), o);
  SaPair& p = rig.sa[0];
  SaPair& q = rig.sa[3];
  const std::vector<std::pair<std::string, Op>> failures = {
      {"forged", [&] {
         Bytes f = p.next(20);
         f.back() ^= 1;
         return dec(f, "forged");
       }()},
      {"truncated", dec(Bytes(30, 0x45), "truncated")},
      {"not ESP", dec(ref::pkt::tcp(4, 10, 1), "not ESP")},
      {"bad opcode", Op{static_cast<Opcode>(9), p.out, p.plain(5, 1), "bad opcode"}},
      {"empty", dec({}, "empty")},
      {"oversize", enc(p.out, Bytes(spec::MAX_PKT_BYTES + 1, 0x45), "oversize")},
      {"BAD_SA", enc(p.in, p.plain(5, 1), "BAD_SA")},
      {"NO_SPACE", enc(q.out, q.plain(9540, 3), "NO_SPACE")},
  };
  for (size_t pos : {size_t(0), size_t(3), size_t(7), size_t(8), size_t(12)}) {
    for (const auto& [name, bad] : failures) {
      std::vector<Op> ops;
      std::vector<size_t> at;
      std::vector<Bytes> want;
      for (size_t i = 0; i < 16; ++i) {
        if (i == pos) {
          ops.push_back(bad);
          continue;
        }
        const uint64_t s = p.next_seq++;
        const Bytes inner = p.plain(10 + i, static_cast<uint32_t>(s));
        if (i % 2) {
          ops.push_back(dec(p.snd->packet(s, inner), "good decrypt " + std::to_string(i)));
          at.push_back(ops.size() - 1);
          want.push_back(inner);
        } else {
          ops.push_back(enc(q.out, q.plain(10 + i, static_cast<uint32_t>(i)), "good encrypt " + std::to_string(i)));
        }
      }
      const std::string label = name + " at position " + std::to_string(pos);
      const RunResult r = rig.t.run(ops, label);
      ASSERT_EQ(r.card.size(), ops.size());
      EXPECT_NE(r.ref[pos].status, Status::OK) << label;
      expect_originals(r, ops, at, want, "[" + GetParam() + "] " + label);
    }
  }
  rig.t.expect_all_counters("failure in the middle");
  EXPECT_TRUE(rig.t.card().process({}).empty());
}

ESP_EQ_INSTANTIATE(EqBatch);

}  // namespace
}  // namespace esp::eq
