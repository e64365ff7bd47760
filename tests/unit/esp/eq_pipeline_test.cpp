// The process stage across descriptors (issue 14; hw/rtl/DATAPATH.md "The
// process stage across descriptors"), card vs reference: the card's head
// takes descriptor n+1 while its tail still finishes ENCRYPT n, and updates
// tx_seq, counters and lifetimes at issue. These bursts put packets of one SA
// at every distance from 1 to the tail's depth + 2 (the output slots: 4),
// trip soft and hard lifetimes (packets and bytes) inside a burst, mix
// ENCRYPT with DECRYPT, bad opcodes and commands (SA_INSTALL KEEP_STATE, run
// boundaries with their STOP), and 64 B packets with 9000 B ones. Expected
// values: the OpenSSL reference model (tests/ref, every request compared),
// and, from the contract, tx_seq continuity (each OK packet of an SA takes
// the next number) and the number of OK packets under a hard packet limit.
// Every test can fail: e.g. the head reading an SA's counters or tx_seq from
// the SA store before the previous packet's update lands there (a stale
// read) repeats a sequence number and breaks the comparison at distance 1.
//
// DECRYPT across descriptors (the head does DECRYPT 1-9 with the replay
// pre-check, the tail 10-16: the ICV, the window commit, counters, trailer,
// inner packet): duplicates in flight whose first copy is good or fails
// its ICV, reordering inside the window and jumps beyond it while older
// packets of the SA are in flight, an ESN epoch change right after a failed
// packet, same-SA DECRYPT bursts at distances 1..depth + 2, 64 B next to
// 9000 B; statuses, inferred seq, output bytes, counters, state lines and
// replay rings against tests/ref. They fail e.g. when the tail commits the
// window before (or without) the ICV check, or when the head pre-checks a
// packet against a window that an earlier packet of the SA still in flight
// will change (no wait for the SA), as shown in the report of issue 14
// (pipe14b) by those mutants.
#include <gtest/gtest.h>

#include <cstdint>
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq {
namespace {

class EqPipeline : public BackendTest {};

constexpr uint32_t kTailDepth = 4;                 // esp_engine OSlots: descriptors in flight past the head
constexpr uint32_t kMaxDistance = kTailDepth + 2;

// 64 B-ish and 9000 B-ish inner packets, by position.
size_t payload_at(size_t i) {
  static const size_t kSizes[] = {20, 8800, 36, 1400, 8, 8900, 100};
  return kSizes[i % std::size(kSizes)];
}

// Each OK ENCRYPT of an SA takes the next sequence number (CONTRACT.md
// ENCRYPT 5), in descriptor order, whatever the other SAs do in between.
// next: per SA index, the number its next packet takes (from `start` for an
// SA not in it yet); carried across runs by the caller.
void expect_seq_continuity(const RunResult& r, const std::vector<Op>& ops, uint64_t start,
                           std::map<uint32_t, uint64_t>& next, const std::string& label) {
  ASSERT_EQ(r.card.size(), ops.size()) << label;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].op != Opcode::ENCRYPT || r.card[i].status != Status::OK) continue;
    auto it = next.try_emplace(ops[i].sa.index, start).first;
    EXPECT_EQ(r.card[i].seq, it->second) << label << ": " << ops[i].what;
    it->second = r.card[i].seq + 1;
  }
}

// Packets of one SA at distance d: d SAs round robin (each SA every d
// descriptors), for d = 1 .. tail depth + 2, tunnel and transport mixed,
// 64 B next to 9000 B.
TEST_P(EqPipeline, SameSaAtEveryDistance) {
  for (uint32_t d = 1; d <= kMaxDistance; ++d) {
    Twin t(GetParam());
    std::vector<SaHandle> hs;
    for (uint32_t k = 0; k < d; ++k) {
      SaSpec s;
      s.mode = k % 2 ? Mode::TRANSPORT : Mode::TUNNEL;
      s.outer = k % 3 == 2 ? 6 : 4;
      s.esn = k % 4 == 3;
      hs.push_back(t.add(make_sa(s, Direction::Outbound, 0x7000u + 16 * d + k)));
    }
    std::vector<Op> ops;
    for (uint32_t pass = 0; pass < 5; ++pass) {
      for (uint32_t k = 0; k < d; ++k) {
        const size_t i = ops.size();
        ops.push_back(enc(hs[k], inner_packet(k % 3 == 2 ? 6 : 4, payload_at(i), static_cast<uint32_t>(i)),
                          "distance " + std::to_string(d) + " SA " + std::to_string(k) + " pass " +
                              std::to_string(pass)));
      }
    }
    const std::string label = "distance " + std::to_string(d);
    const RunResult r = t.run(ops, label);
    std::map<uint32_t, uint64_t> next;
    expect_seq_continuity(r, ops, 1, next, label);
    for (size_t i = 0; i < r.card.size(); ++i) EXPECT_EQ(r.card[i].status, Status::OK) << label << " " << ops[i].what;
    t.expect_all_counters(label);
  }
}

// Soft and hard lifetimes (packets, bytes) tripping inside a burst: one SA
// back to back, or two SAs alternating (distance 2) and three (distance 3);
// the packets after the hard limit fail while later ones of the other SAs
// pass. Under a hard limit of H packets exactly H pass (CONTRACT ENCRYPT 3).
TEST_P(EqPipeline, LifetimesTripInsideABurst) {
  struct Lt {
    uint64_t soft_p, hard_p, soft_b, hard_b;
  };
  const Lt lts[] = {{3, 5, 0, 0}, {2, 2, 0, 0}, {0, 0, 3000, 20000}, {4, 0, 0, 9000}, {0, 7, 500, 0}};
  for (uint32_t d = 1; d <= 3; ++d) {
    Twin t(GetParam());
    std::vector<SaHandle> hs;
    std::vector<Lt> lim;
    for (uint32_t k = 0; k < d; ++k) {
      const Lt& l = lts[(d + k) % std::size(lts)];
      SaSpec s;
      s.mode = k % 2 ? Mode::TRANSPORT : Mode::TUNNEL;
      SaConfig c = make_sa(s, Direction::Outbound, 0x7400u + 16 * d + k);
      c.soft.packets = l.soft_p;
      c.hard.packets = l.hard_p;
      c.soft.bytes = l.soft_b;
      c.hard.bytes = l.hard_b;
      hs.push_back(t.add(c));
      lim.push_back(l);
    }
    std::vector<Op> ops;
    for (uint32_t pass = 0; pass < 10; ++pass) {
      for (uint32_t k = 0; k < d; ++k) {
        const size_t i = ops.size();
        ops.push_back(enc(hs[k], inner_packet(4, payload_at(i), static_cast<uint32_t>(i)),
                          "d " + std::to_string(d) + " SA " + std::to_string(k) + " packet " + std::to_string(pass)));
      }
    }
    const std::string label = "lifetimes, distance " + std::to_string(d);
    const RunResult r = t.run(ops, label);
    std::map<uint32_t, uint64_t> next;
    expect_seq_continuity(r, ops, 1, next, label);
    for (uint32_t k = 0; k < d; ++k) {
      if (lim[k].hard_p == 0 || lim[k].hard_b != 0) continue;
      size_t ok = 0, expired = 0;
      for (size_t i = 0; i < ops.size(); ++i) {
        if (ops[i].sa.index != hs[k].index) continue;
        ok += r.card[i].status == Status::OK;
        if (r.card[i].status == Status::LIFETIME_EXPIRED) {
          ++expired;
          EXPECT_EQ(ok, lim[k].hard_p) << label << ": expired before the limit at " << ops[i].what;
        }
      }
      EXPECT_EQ(ok, lim[k].hard_p) << label << " SA " << k;
      EXPECT_EQ(ok + expired, 10u) << label << " SA " << k;
    }
    t.expect_all_counters(label);
  }
}

// ENCRYPT bursts with DECRYPT, bad opcodes (a NOP descriptor that is no
// ENCRYPT) and commands in between: SA_INSTALL KEEP_STATE (Twin::update,
// first in the next run) and run boundaries (max_batch 7: a STOP after every
// 7 descriptors), on the six SA kinds of the Rig; then the receivers take
// every ENCRYPT output.
TEST_P(EqPipeline, EncryptDecryptCommandsInterleaved) {
  TwinOptions o;
  o.max_batch = 7;
  Rig g(GetParam(), o);
  std::vector<Op> ops, back;
  std::map<uint32_t, uint64_t> next;
  for (uint32_t round = 0; round < 3; ++round) {
    ops.clear();
    for (uint32_t j = 0; j < 24; ++j) {
      SaPair& p = g.sa[(j * 5 + round) % g.sa.size()];
      const size_t i = ops.size();
      const std::string tag = "round " + std::to_string(round) + " #" + std::to_string(j) + " " + p.name;
      switch ((j + round) % 6) {
        case 0:
        case 1:
        case 3: ops.push_back(enc(p.out, p.plain(payload_at(i), static_cast<uint32_t>(i)), tag + " ENCRYPT")); break;
        case 2: ops.push_back(dec(p.next(payload_at(i)), tag + " DECRYPT")); break;
        case 4: ops.push_back(Op{static_cast<Opcode>(0x42), p.out, p.plain(10, 1), tag + " bad opcode"}); break;
        default:
          ops.push_back(enc(p.out, p.plain(payload_at(i + 1), static_cast<uint32_t>(i)), tag + " ENCRYPT"));
          ops.push_back(enc(p.out, p.plain(payload_at(i + 3), static_cast<uint32_t>(i + 1)), tag + " ENCRYPT 2"));
          break;
      }
    }
    const std::string label = "interleaved round " + std::to_string(round);
    const RunResult r = g.t.run(ops, label);
    expect_seq_continuity(r, ops, g.sa[0].out_cfg.seq_start, next, label);
    for (size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].op == Opcode::ENCRYPT && r.card[i].status == Status::OK) {
        back.push_back(dec(r.card[i].data, ops[i].what + " back"));
      }
    }
    // a command between the runs: every outbound SA installed again with KEEP_STATE
    for (SaPair& p : g.sa) {
      runtime::SaUpdate u;
      u.udp_encap = p.spec.udp;
      g.t.update(p.out, u);
    }
    g.t.expect_all_counters(label);
  }
  // the receivers take the card's ENCRYPT outputs (in order per SA, above
  // every number their senders used)
  const RunResult rb = g.t.run(back, "interleaved, back");
  for (size_t i = 0; i < rb.card.size(); ++i) EXPECT_EQ(rb.card[i].status, Status::OK) << back[i].what;
  g.t.expect_all_counters("interleaved, back");
}

// ---- DECRYPT across descriptors

// One inbound SA and the sender of its packets.
struct PipeRx {
  SaConfig cfg;
  SaHandle h;
  Sender snd;
  uint8_t inner;
  PipeRx(Twin& t, const SaSpec& s, uint32_t spi, uint8_t inner_version)
      : cfg(make_sa(s, Direction::Inbound, spi)), h(t.add(cfg)), snd(make_sa(s, Direction::Outbound, spi)),
        inner(inner_version) {}
  std::string tag(uint64_t seq, const std::string& what) const {
    return "SPI " + hex64(cfg.spi) + " seq " + hex64(seq) + " " + what;
  }
  Op good(uint64_t seq, size_t payload, const std::string& what) {
    return dec(snd.packet(seq, inner_packet(inner, payload, static_cast<uint32_t>(seq * 7 + cfg.spi))), tag(seq, what));
  }
  // seq's packet with its last ICV byte flipped: AUTH_FAIL (or REPLAY).
  Op forged(uint64_t seq, size_t payload, const std::string& what) {
    Op o = good(seq, payload, what + " (forged ICV)");
    o.data.back() ^= 0x01;
    return o;
  }
};

// d inbound SAs of several kinds (tunnel IPv4 / IPv6 outer, transport, ESN,
// windows 64 / 128 / default), created in t.
std::vector<std::unique_ptr<PipeRx>> receivers(Twin& t, uint32_t d, uint32_t spi0) {
  std::vector<std::unique_ptr<PipeRx>> rx;
  for (uint32_t k = 0; k < d; ++k) {
    SaSpec s;
    s.mode = k % 4 == 3 ? Mode::TRANSPORT : Mode::TUNNEL;
    s.outer = k % 3 == 1 ? 6 : 4;
    s.esn = k % 2 == 1;
    s.window = k % 3 == 0 ? 64 : (k % 3 == 1 ? 128 : spec::DEFAULT_WINDOW_BITS);
    rx.push_back(std::make_unique<PipeRx>(t, s, spi0 + k, s.outer));
  }
  return rx;
}

// One SA's script: (seq, forged) in order.
struct Ev {
  uint64_t seq;
  bool forged;
  const char* what;
};

// The scripts of d SAs interleaved round robin (SA k's i-th packet at
// position i * d + k: packets of one SA at distance d), sizes by position.
// 64 B-ish only: the next packet is fetched while the one before is still in flight.
size_t small_at(size_t i) {
  static const size_t kSizes[] = {20, 36, 8, 100};
  return kSizes[i % std::size(kSizes)];
}

std::vector<Op> interleave(std::vector<std::unique_ptr<PipeRx>>& rx, const std::vector<std::vector<Ev>>& script,
                           uint64_t base = 0, size_t (*size_at)(size_t) = payload_at) {
  std::vector<Op> ops;
  size_t longest = 0;
  for (const auto& s : script) longest = std::max(longest, s.size());
  for (size_t i = 0; i < longest; ++i) {
    for (size_t k = 0; k < rx.size(); ++k) {
      const std::vector<Ev>& s = script[k % script.size()];
      if (i >= s.size()) continue;
      const Ev& e = s[i];
      const size_t at = ops.size();
      ops.push_back(e.forged ? rx[k]->forged(base + e.seq, size_at(at), e.what)
                             : rx[k]->good(base + e.seq, size_at(at), e.what));
    }
  }
  return ops;
}

// Duplicates while the first copy is still in flight: the first copy good
// (the second is REPLAY), or failing its ICV (the second may pass, once).
TEST_P(EqPipeline, DecryptDuplicatesInFlight) {
  const std::vector<Ev> script = {
      {1, false, "first"},        {1, false, "dup of good"},     {2, true, "bad first copy"},
      {2, false, "good after bad"}, {2, false, "dup of good"},   {3, true, "bad"},
      {3, true, "bad again"},     {3, false, "good"},            {5, false, "ahead"},
      {4, false, "behind"},       {4, false, "dup behind"},      {5, false, "dup ahead"},
      {7, true, "bad ahead"},     {6, false, "between"},         {7, false, "good ahead"},
      {6, false, "dup between"},  {7, true, "bad of seen: REPLAY"}};
  for (uint32_t d = 1; d <= kMaxDistance; ++d) {
    Twin t(GetParam());
    auto rx = receivers(t, d, 0x8000u + 16 * d);
    const std::string label = "duplicates, distance " + std::to_string(d);
    const RunResult r = t.run(interleave(rx, {script}), label);
    ASSERT_EQ(r.card.size(), script.size() * d) << label;
    // from the contract: the second copy of 1 is REPLAY, the good 2 after a bad one passes
    EXPECT_EQ(r.card[1 * d].status, Status::REPLAY) << label;
    EXPECT_EQ(r.card[2 * d].status, Status::AUTH_FAIL) << label;
    EXPECT_EQ(r.card[3 * d].status, Status::OK) << label;
    t.expect_all_counters(label);
  }
}

// Reordering inside the window and jumps beyond it (W, the ring and more)
// while older packets of the SA are still in flight, then those older ones.
TEST_P(EqPipeline, DecryptReorderAndJumpsInFlight) {
  const std::vector<Ev> script = {
      {1, false, "in order"},  {2, false, "in order"},   {5, false, "ahead"},      {3, false, "reordered"},
      {4, false, "reordered"}, {70, false, "jump 65"},   {6, false, "left of W 64"}, {69, false, "behind"},
      {40, false, "inside"},   {300, false, "jump ring"}, {299, false, "behind"},  {236, false, "edge"},
      {237, false, "edge"},    {1000, true, "bad jump"}, {301, false, "after bad jump"},
      {1000, false, "jump"},   {300, false, "old top"},  {999, false, "behind"},  {1001, false, "next"}};
  for (uint32_t d = 1; d <= kMaxDistance; ++d) {
    Twin t(GetParam());
    auto rx = receivers(t, d, 0x8400u + 16 * d);
    const std::string label = "reorder and jumps, distance " + std::to_string(d);
    t.run(interleave(rx, {script}), label);
    t.expect_all_counters(label);
  }
}

// ESN: the replay top just below a 2^32 boundary; a packet of the next
// epoch fails its ICV (the window must not move), then packets of both
// epochs pass, in flight back to back and beside other SAs.
TEST_P(EqPipeline, DecryptEsnWrapAfterFailedPacket) {
  const uint64_t b = 1ull << 32;
  const std::vector<Ev> script = {
      {b - 3, false, "below"},  {b + 1, true, "next epoch, bad"}, {b - 2, false, "below"},
      {b + 1, false, "next epoch"}, {b - 1, false, "old epoch, inside"}, {b + 1, false, "dup"},
      {b + 2, true, "bad"},     {b, false, "low 0 of the new epoch"}, {b + 2, false, "good"},
      {b - 40, false, "old epoch"}, {b + 3, false, "next"}};
  for (uint32_t d = 1; d <= 3; ++d) {
    Twin t(GetParam());
    std::vector<std::unique_ptr<PipeRx>> rx;
    for (uint32_t k = 0; k < d; ++k) {
      SaSpec s;
      s.esn = true;
      s.outer = k == 1 ? 6 : 4;
      s.window = k == 2 ? 64 : 128;
      rx.push_back(std::make_unique<PipeRx>(t, s, 0x8800u + 16 * d + k, s.outer));
      t.set_replay_top(rx.back()->h, b - 5);
    }
    const std::string label = "ESN wrap, distance " + std::to_string(d);
    t.run(interleave(rx, {script}), label);
    t.expect_all_counters(label);
  }
  // W 64 (a ring of 2 entries), T = 2^32 - 5: b + 250 shares T's entry, and
  // while it is in flight the next packet's low bits (100, the sender's
  // b + 100, also in T's entry) infer b + 100 from T but 2^33 + 100 from
  // b + 250 (then AUTH_FAIL): the inference must wait for the first one.
  const std::vector<Ev> jump = {{b + 250, false, "jump in T's entry"}, {b + 100, false, "epoch depends on it"},
                                {b + 251, false, "next"},                 {b + 400, true, "bad jump"},
                                {b + 300, false, "inside"}};
  for (uint32_t d = 1; d <= 2; ++d) {
    Twin t(GetParam());
    std::vector<std::unique_ptr<PipeRx>> rx;
    for (uint32_t k = 0; k < d; ++k) {
      SaSpec s;
      s.esn = true;
      s.window = 64;
      rx.push_back(std::make_unique<PipeRx>(t, s, 0x8900u + 16 * d + k, s.outer));
      t.set_replay_top(rx.back()->h, b - 5);
    }
    const std::string label = "ESN inference behind a jump in flight, distance " + std::to_string(d);
    const RunResult r = t.run(interleave(rx, {jump}, 0, small_at), label);
    ASSERT_EQ(r.card.size(), jump.size() * d) << label;
    EXPECT_EQ(r.card[d].status, Status::AUTH_FAIL) << label;   // inferred 2^33 + 100: not the sender's
    EXPECT_EQ(r.card[d].seq, 2 * b + 100) << label;
    t.expect_all_counters(label);
  }
}

// DECRYPT bursts of one SA at every distance 1 .. depth + 2 (d SAs round
// robin), every kind of SA, 64 B next to 9000 B; then with ENCRYPTs of
// other SAs between them; then 64 B-ish only.
TEST_P(EqPipeline, DecryptSameSaAtEveryDistance) {
  std::vector<Ev> script;
  for (uint64_t i = 1; i <= 8; ++i) script.push_back({i, false, "in order"});
  for (uint32_t d = 1; d <= kMaxDistance; ++d) {
    Twin t(GetParam());
    auto rx = receivers(t, d, 0x8C00u + 16 * d);
    const std::string label = "DECRYPT distance " + std::to_string(d);
    const RunResult r = t.run(interleave(rx, {script}), label);
    for (size_t i = 0; i < r.card.size(); ++i) EXPECT_EQ(r.card[i].status, Status::OK) << label << " #" << i;
    // ENCRYPTs of an outbound SA between the DECRYPTs
    SaSpec so;
    const SaHandle out = t.add(make_sa(so, Direction::Outbound, 0x8CF0u + d));
    std::vector<Op> ops = interleave(rx, {script}, 8);
    std::vector<Op> mixed;
    for (size_t i = 0; i < ops.size(); ++i) {
      mixed.push_back(ops[i]);
      if (i % 3 == 1) mixed.push_back(enc(out, inner_packet(4, payload_at(i + 1), static_cast<uint32_t>(i)), "ENCRYPT"));
    }
    t.run(mixed, label + " with ENCRYPTs");
    // 64 B-ish only (each packet fetched while the one before is in flight)
    const RunResult rs = t.run(interleave(rx, {script}, 16, small_at), label + " small");
    for (size_t i = 0; i < rs.card.size(); ++i) EXPECT_EQ(rs.card[i].status, Status::OK) << label << " small #" << i;
    t.expect_all_counters(label);
  }
}

// An ENCRYPT that fails after its trailer build has started (NO_SPACE,
// ENCRYPT 4) while a DECRYPT is in the tail. When the tail borrowed the
// head's esp_trailer (until the tail had its own), it had to wait for that
// build (else its start was lost and it took the build's answer: MALFORMED,
// BAD_PADDING or a wrong length where the reference says OK); now the two
// trailer units run side by side, and this keeps them apart. Each DECRYPT is followed by an
// ENCRYPT that passes, of 1 to 40 bus beats (the head waits for esp_aead
// to read it, a cycle a beat), then the one that fails: esp_aead's answer to
// the DECRYPT lands on every cycle of the failing one's build.
TEST_P(EqPipeline, EncryptFailsWhileDecryptWaitsForTrailer) {
  Twin t(GetParam());
  SaSpec si;
  PipeRx rx(t, si, 0x9100u, 4);
  SaSpec so;
  const SaHandle out = t.add(make_sa(so, Direction::Outbound, 0x91F0u));
  uint64_t seq = 1;
  for (size_t first = 0; first < 40; first += 10) {
    std::vector<RawDesc> ds;
    for (size_t k = first; k < first + 10; ++k) {
      RawDesc d;
      d.op = static_cast<uint8_t>(Opcode::DECRYPT);
      d.data = rx.good(seq, 20 + k % 3, "").data;
      d.what = rx.tag(seq, "DECRYPT before " + std::to_string(k + 1) + " beats");
      ++seq;
      ds.push_back(d);
      RawDesc x;
      x.op = static_cast<uint8_t>(Opcode::ENCRYPT);
      x.sa_index = out.index;
      x.data = inner_packet(4, 64 * k + 8, static_cast<uint32_t>(k));
      x.what = "ENCRYPT of " + std::to_string(k + 1) + " beats";
      ds.push_back(x);
      x.data = inner_packet(4, 20, static_cast<uint32_t>(k));
      x.out_capacity = 0;   // NO_SPACE once the trailer build has started
      x.what = "ENCRYPT out_capacity 0";
      ds.push_back(x);
    }
    const std::string label = "NO_SPACE beside the tail, from " + std::to_string(first + 1) + " beats";
    const RunResult r = t.run_raw(ds, label);
    ASSERT_EQ(r.card.size(), ds.size()) << label;
    for (size_t i = 0; i < ds.size(); i += 3) {
      EXPECT_EQ(r.card[i].status, Status::OK) << label << " " << ds[i].what;
      EXPECT_EQ(r.card[i + 2].status, Status::NO_SPACE) << label << " " << ds[i + 2].what;
    }
    t.expect_all_counters(label);
  }
}

ESP_EQ_INSTANTIATE(EqPipeline);

}  // namespace
}  // namespace esp::eq
