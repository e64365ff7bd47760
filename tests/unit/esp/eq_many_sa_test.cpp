// Many SAs (issue 14, hw/rtl/DATAPATH.md "Many SAs (issue 14)"), card vs
// reference (tests/ref: every request compared, then every SA's counters,
// state line and replay ring in card memory). A packet on another SA than
// its predecessor reads that SA's entry and state from the on-chip SA store;
// every SA a run changes is written back by the run's STOP (the store's
// write-back walks its dirty list: one write per cycle, a line and, inbound,
// the top's ring entry per SA). What a faster walk or an SA read ahead of
// its turn could get wrong, as tables:
//   - A, B, A patterns (and wider round robins) of outbound and inbound SAs:
//     the second A must see what the first A did (tx_seq continuity,
//     counters, the replay window), and each SA's state line / ring entry
//     written back by STOP must be its own (not its neighbour's in the walk);
//   - lifetimes tripping on the right packet while other SAs come between;
//   - B deleted (SA_DELETE) and installed again (SA_INSTALL, new keys)
//     between runs of B's descriptors, A's around it;
//   - DECRYPTs whose SPI lookup result changes between runs: the SPI's SA
//     deleted and another SA installed with that SPI (another slot, other
//     keys), so the lookup must find the new one.
// (Commands between descriptors: the Engine queues them in front of the next
// run's descriptors, right behind the previous run's STOP.)
// Runs are short (max_batch) so that every pattern crosses STOPs and the
// commands queued between runs.
// Fails e.g. when the write-back reads the next SA's record before the
// previous SA's ring entry is written (the walk's stage C not waiting for
// W): that SA's replay ring in card memory is its neighbour's.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq::many_sa {   // (a unity build: names of its own)
namespace {

class EqManySa : public BackendTest {};

size_t size_at(size_t i) {
  static const size_t kSizes[] = {20, 36, 1400, 8, 100, 600};
  return kSizes[i % std::size(kSizes)];
}

// An SA of either direction with its traffic: outbound plain packets,
// inbound ESP packets from a sender of the same SA (seq counts up).
struct Sa {
  SaConfig cfg;
  SaHandle h;
  Sender snd;
  uint64_t next_rx = 1;
  bool inbound;
  uint8_t v;   // the inner packets' IP version (transport: the SA's)
  Sa(Twin& t, const SaSpec& s, bool in, uint32_t spi)
      : cfg(make_sa(s, in ? Direction::Inbound : Direction::Outbound, spi)), h(t.add(cfg)),
        snd(make_sa(s, Direction::Outbound, spi)), inbound(in),
        v(s.mode == Mode::TUNNEL ? static_cast<uint8_t>(spi % 3 == 0 ? 6 : 4) : s.outer) {}
  Op next(size_t i, const std::string& what) {
    if (!inbound) return enc(h, inner_packet(v, size_at(i), static_cast<uint32_t>(i)), what + " ENCRYPT");
    const uint64_t q = next_rx++;
    return dec(snd.packet(q, inner_packet(v, size_at(i), static_cast<uint32_t>(q * 13 + cfg.spi))),
               what + " DECRYPT seq " + std::to_string(q));
  }
};

SaSpec spec_of(uint32_t k) {
  SaSpec s;
  s.mode = k % 4 == 3 ? Mode::TRANSPORT : Mode::TUNNEL;
  s.outer = k % 3 == 1 ? 6 : 4;
  s.esn = k % 5 == 2;
  s.key_len = k % 2 ? 32 : 16;
  s.window = k % 3 == 0 ? 64 : spec::DEFAULT_WINDOW_BITS;
  return s;
}

void expect_seq_continuity(const RunResult& r, const std::vector<Op>& ops, std::map<uint32_t, uint64_t>& next,
                           const std::string& label) {
  ASSERT_EQ(r.card.size(), ops.size()) << label;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].op != Opcode::ENCRYPT || r.card[i].status != Status::OK) continue;
    auto it = next.try_emplace(ops[i].sa.index, 1).first;
    EXPECT_EQ(r.card[i].seq, it->second) << label << ": " << ops[i].what;
    it->second = r.card[i].seq + 1;
  }
}

// A pattern of SA positions (0 = A, 1 = B, ...) over `n` SAs, in runs of
// max_batch descriptors; each SA outbound or inbound by its position.
struct Pattern {
  const char* name;
  uint32_t n;
  std::vector<uint32_t> order;  // one pass
  uint32_t passes;
  uint32_t max_batch;
  bool mixed;                   // odd positions inbound (else all outbound and inbound alternate by pass)
};

std::vector<uint32_t> round_robin(uint32_t n) {
  std::vector<uint32_t> v;
  for (uint32_t k = 0; k < n; ++k) v.push_back(k);
  return v;
}

TEST_P(EqManySa, PatternsAcrossStops) {
  const std::vector<Pattern> table = {
      {"A B A", 2, {0, 1, 0}, 6, 5, true},
      {"A B A, runs of 2", 2, {0, 1, 0}, 6, 2, true},
      {"A A B B A", 2, {0, 0, 1, 1, 0}, 5, 7, true},
      {"A B C A C B", 3, {0, 1, 2, 0, 2, 1}, 4, 9, true},
      {"round robin 17", 17, round_robin(17), 3, 24, true},
      {"round robin 40, runs of 40", 40, round_robin(40), 2, 40, true},
      {"round robin 40 outbound, runs of 63", 40, round_robin(40), 3, 63, false},
  };
  for (const Pattern& p : table) {
    TwinOptions o;
    o.max_batch = p.max_batch;
    Twin t(GetParam(), o);
    std::vector<std::unique_ptr<Sa>> sas;
    for (uint32_t k = 0; k < p.n; ++k) {
      sas.push_back(std::make_unique<Sa>(t, spec_of(k), p.mixed && k % 2 == 1, 0x5100u + 0x40u * p.n + k));
    }
    std::vector<Op> ops;
    for (uint32_t pass = 0; pass < p.passes; ++pass) {
      for (uint32_t k : p.order) {
        ops.push_back(sas[k]->next(ops.size(), std::string(p.name) + " pass " + std::to_string(pass) + " SA " +
                                                   std::to_string(k)));
      }
    }
    const RunResult r = t.run(ops, p.name);
    std::map<uint32_t, uint64_t> next;
    expect_seq_continuity(r, ops, next, p.name);
    for (size_t i = 0; i < r.card.size(); ++i) EXPECT_EQ(r.card[i].status, Status::OK) << p.name << ": " << ops[i].what;
    t.expect_all_counters(p.name);
  }
}

// Lifetimes of A trip on the right packet while B (and C) come between,
// across run boundaries: under a hard packet limit of H exactly H of A's
// packets pass, the first H in order.
TEST_P(EqManySa, LifetimesTripWithOtherSasBetween) {
  struct Row {
    const char* name;
    uint64_t soft_p, hard_p, hard_b;
    uint32_t others;
    uint32_t max_batch;
  };
  const Row table[] = {
      {"A B A, hard 3", 1, 3, 0, 1, 4},
      {"A B C A, hard 5, runs of 3", 2, 5, 0, 2, 3},
      {"A B A, hard bytes", 0, 0, 2500, 1, 5},
      {"A + 9 others, hard 4", 3, 4, 0, 9, 16},
  };
  for (const Row& row : table) {
    TwinOptions o;
    o.max_batch = row.max_batch;
    Twin t(GetParam(), o);
    SaConfig ca = make_sa(spec_of(0), Direction::Outbound, 0x5A00u);
    ca.soft.packets = row.soft_p;
    ca.hard.packets = row.hard_p;
    ca.hard.bytes = row.hard_b;
    const SaHandle a = t.add(ca);
    std::vector<std::unique_ptr<Sa>> others;
    for (uint32_t k = 0; k < row.others; ++k) others.push_back(std::make_unique<Sa>(t, spec_of(k + 1), k % 2, 0x5A10u + k));
    std::vector<Op> ops;
    std::vector<size_t> a_at;
    for (uint32_t pass = 0; pass < 8; ++pass) {
      a_at.push_back(ops.size());
      ops.push_back(enc(a, inner_packet(4, size_at(ops.size()), pass), std::string(row.name) + " A " + std::to_string(pass)));
      for (auto& s : others) ops.push_back(s->next(ops.size(), std::string(row.name) + " other " + std::to_string(pass)));
    }
    const RunResult r = t.run(ops, row.name);
    std::map<uint32_t, uint64_t> next;
    expect_seq_continuity(r, ops, next, row.name);
    if (row.hard_p != 0) {
      for (size_t j = 0; j < a_at.size(); ++j) {
        EXPECT_EQ(r.card[a_at[j]].status, j < row.hard_p ? Status::OK : Status::LIFETIME_EXPIRED)
            << row.name << " A packet " << j;
      }
    }
    t.expect_all_counters(row.name);
  }
}

// B deleted and installed again (new keys, same SPI or another) between
// runs of B's descriptors, A (and C) around it; B inbound or outbound.
TEST_P(EqManySa, DeleteAndReinstallBetweenDescriptorsOfB) {
  struct Row {
    const char* name;
    bool b_inbound;
    bool same_spi;
    uint32_t max_batch;
  };
  const Row table[] = {
      {"B outbound, new SPI", false, false, 3},
      {"B outbound, same SPI", false, true, 5},
      {"B inbound, new SPI", true, false, 3},
      {"B inbound, same SPI", true, true, 4},
  };
  for (const Row& row : table) {
    TwinOptions o;
    o.max_batch = row.max_batch;
    Twin t(GetParam(), o);
    Sa a(t, spec_of(0), false, 0x6100u);
    Sa c(t, spec_of(2), true, 0x6102u);
    auto b = std::make_unique<Sa>(t, spec_of(1), row.b_inbound, 0x6101u);
    std::map<uint32_t, uint64_t> next;
    for (uint32_t round = 0; round < 3; ++round) {
      const std::string label = std::string(row.name) + " round " + std::to_string(round);
      std::vector<Op> ops;
      for (uint32_t pass = 0; pass < 3; ++pass) {
        ops.push_back(a.next(ops.size(), label + " A"));
        ops.push_back(b->next(ops.size(), label + " B"));
        ops.push_back(a.next(ops.size(), label + " A"));
        ops.push_back(c.next(ops.size(), label + " C"));
        ops.push_back(b->next(ops.size(), label + " B"));
      }
      const RunResult r = t.run(ops, label);
      for (size_t i = 0; i < r.card.size(); ++i) EXPECT_EQ(r.card[i].status, Status::OK) << label << ": " << ops[i].what;
      // (B's tx_seq starts over after its re-install: continuity per run of B's slot)
      next.erase(b->h.index);
      expect_seq_continuity(r, ops, next, label);
      t.expect_all_counters(label);
      // SA_DELETE of B, then SA_INSTALL of a new B (another SPI, or the same
      // SPI with another key length: other keys), both queued before the next
      // run's descriptors
      t.remove(b->h);
      const uint32_t spi = row.same_spi ? 0x6101u : 0x6180u + round;
      SaSpec s = spec_of(1 + 4 * (round + 1));
      s.mode = spec_of(1).mode;
      b = std::make_unique<Sa>(t, s, row.b_inbound, spi);
    }
  }
}

// DECRYPTs whose SPI lookup changes between runs: the inbound SA of SPI x
// deleted and another inbound SA installed with SPI x (another key length
// and window: other keys; every other round a third SA is added first, so the
// new one may sit in another slot), while DECRYPTs of another SPI
// (the lookup's one-entry cache) come between.
TEST_P(EqManySa, SpiLookupChangesBetweenRuns) {
  TwinOptions o;
  o.max_batch = 6;
  Twin t(GetParam(), o);
  Sa other(t, spec_of(0), true, 0x7700u);
  auto x = std::make_unique<Sa>(t, spec_of(1), true, 0x7701u);
  std::vector<std::unique_ptr<Sa>> fillers;
  for (uint32_t round = 0; round < 4; ++round) {
    const std::string label = "SPI lookup round " + std::to_string(round);
    std::vector<Op> ops;
    for (uint32_t pass = 0; pass < 3; ++pass) {
      ops.push_back(x->next(ops.size(), label + " x"));
      ops.push_back(x->next(ops.size(), label + " x"));
      ops.push_back(other.next(ops.size(), label + " other"));
      ops.push_back(x->next(ops.size(), label + " x"));
    }
    const RunResult r = t.run(ops, label);
    for (size_t i = 0; i < r.card.size(); ++i) EXPECT_EQ(r.card[i].status, Status::OK) << label << ": " << ops[i].what;
    t.expect_all_counters(label);
    t.remove(x->h);
    // round 1, 3: a filler takes the freed slot first, so x's new SA lands in another slot
    if (round % 2 == 1) fillers.push_back(std::make_unique<Sa>(t, spec_of(7 + round), false, 0x7780u + round));
    SaSpec s = spec_of(2 + round);
    x = std::make_unique<Sa>(t, s, true, 0x7701u);
  }
}

ESP_EQ_INSTANTIATE(EqManySa);

}  // namespace
}  // namespace esp::eq::many_sa
