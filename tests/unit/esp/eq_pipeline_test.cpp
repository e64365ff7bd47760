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
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
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

ESP_EQ_INSTANTIATE(EqPipeline);

}  // namespace
}  // namespace esp::eq
