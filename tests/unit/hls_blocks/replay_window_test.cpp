// replay_check / replay_commit (CONTRACT.md DECRYPT 9 and 11) on a replay
// ring laid out as in card memory: guard words, the W/32 {bits, block}
// entries, guard words. The replay top T (the state line's seq) is kept by
// the test, as the kernel keeps it in the SA's state line.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "esp/hls/replay_window.hpp"

namespace {

namespace spec = esp::spec;
using esp::hls::replay_check;
using esp::hls::replay_commit;

constexpr uint64_t kGuard = 0xA5A5A5A5DEADBEEFull;
constexpr unsigned kGuardWords = 3;

// One SA's replay ring at a non-zero offset in a replay region.
class Region {
 public:
  explicit Region(uint32_t window_bits) : w_(window_bits) {
    const uint64_t ring_words = spec::replay_ring_bytes(window_bits) / 8;
    mem_.assign(kGuardWords + ring_words + kGuardWords, ctl_word_t(0));
    for (unsigned i = 0; i < kGuardWords; ++i) {
      mem_[i] = ctl_word_t(kGuard);
      mem_[mem_.size() - 1 - i] = ctl_word_t(kGuard);
    }
  }
  uint64_t top() const { return top_; }
  bool check(uint64_t seq) const { return replay_check(mem_.data(), kGuardWords, w_, top_, seq); }
  // check, then commit when it passes (what the kernel does for authentic packets)
  bool accept(uint64_t seq) {
    if (!replay_check(mem_.data(), kGuardWords, w_, top_, seq)) return false;
    top_ = replay_commit(mem_.data(), kGuardWords, w_, top_, seq);
    return true;
  }
  bool guards_intact() const {
    for (unsigned i = 0; i < kGuardWords; ++i) {
      if (mem_[i].to_uint64() != kGuard || mem_[mem_.size() - 1 - i].to_uint64() != kGuard) return false;
    }
    return true;
  }
  // Entry i of the ring, read with the spec's layout.
  spec::ReplayEntry entry(unsigned i) const {
    spec::ReplayEntry e;
    spec::unpack(reinterpret_cast<const uint8_t*>(mem_.data() + kGuardWords) + i * spec::replay_entry::SIZE, e);
    return e;
  }
  unsigned entries() const { return w_ / 32; }  // CONTRACT.md: N = W / 32

 private:
  uint32_t w_;
  uint64_t top_ = 0;
  std::vector<ctl_word_t> mem_;
};

// The contract's replay semantics, with an unbounded memory of what was seen.
class Model {
 public:
  explicit Model(uint32_t w) : w_(w) {}
  bool accept(uint64_t seq) {
    if (seq <= top_ && (top_ - seq >= w_ || seen_.count(seq))) return false;
    seen_.insert(seq);
    if (seq > top_) top_ = seq;
    return true;
  }
  uint64_t top() const { return top_; }

 private:
  uint32_t w_;
  uint64_t top_ = 0;
  std::set<uint64_t> seen_;
};

TEST(ReplayWindow, ValidWindows) {
  EXPECT_TRUE(esp::hls::replay_window_valid(64));
  EXPECT_TRUE(esp::hls::replay_window_valid(4096));
  EXPECT_TRUE(esp::hls::replay_window_valid(65536));
  EXPECT_FALSE(esp::hls::replay_window_valid(0));
  EXPECT_FALSE(esp::hls::replay_window_valid(32));
  EXPECT_FALSE(esp::hls::replay_window_valid(96));
  EXPECT_FALSE(esp::hls::replay_window_valid(4095));
  EXPECT_FALSE(esp::hls::replay_window_valid(131072));
  EXPECT_FALSE(esp::hls::replay_window_valid(0x80000000u));
}

struct Step {
  uint64_t seq;
  bool accepted;
};

struct Case {
  const char* name;
  uint32_t window;
  std::vector<Step> steps;
};

TEST(ReplayWindow, Table) {
  const std::vector<Case> cases = {
      {"in order", 64, {{1, true}, {2, true}, {3, true}, {4, true}}},
      {"duplicate", 64, {{1, true}, {1, false}, {2, true}, {1, false}, {2, false}}},
      {"reorder within window", 64, {{10, true}, {5, true}, {9, true}, {5, false}, {7, true}, {10, false}}},
      {"left edge (T - seq = W - 1 in, W out)", 64, {{100, true}, {37, true}, {36, false}, {37, false}}},
      {"left of window", 1024, {{5000, true}, {3976, false}, {3977, true}, {1, false}}},
      // W 64: N = 2 entries (blocks of 64): 133 takes 5's entry, 70's entry is still block 0's
      {"jump exactly one ring", 64, {{5, true}, {133, true}, {69, false}, {70, true}, {5, false}, {133, false}}},
      // 228 is bit 36 of block 3, 100 bit 36 of block 1: different blocks, same entry
      {"same bit of an older block", 64, {{100, true}, {250, true}, {228, true}, {228, false}, {100, false}}},
      // W 128, N 4: 130 leaves entry 2 tagged block 2 (bit 2); 642 is bit 2 of block 10, entry 2
      {"entry of an older block reads as zero", 128, {{130, true}, {714, true}, {642, true}, {642, false}, {130, false}}},
      {"jump larger than the ring, W 64", 64, {{3, true}, {1000003, true}, {999940, true}, {999939, false}, {3, false},
                                               {999940, false}, {1000002, true}}},
      {"jump larger than the ring, W 65536", 65536, {{1, true}, {327681, true}, {262146, true}, {262145, false},
                                                     {262146, false}, {327680, true}, {1, false}}},
      {"big jump", 4096, {{1, true}, {2, true}, {1000000, true}, {999999, true}, {995905, true}, {995904, false}}},
      {"window 65536", 65536, {{70000, true}, {4465, true}, {4464, false}, {69999, true}, {4465, false}}},
      {"past 32 bits", 128, {{0xFFFFFFF0ull, true}, {0x100000005ull, true}, {0xFFFFFFF0ull, false}, {0xFFFFFFF1ull, true}}},
  };
  for (const Case& c : cases) {
    Region r(c.window);
    for (size_t i = 0; i < c.steps.size(); ++i) {
      EXPECT_EQ(r.accept(c.steps[i].seq), c.steps[i].accepted) << c.name << " step " << i << " seq " << c.steps[i].seq;
    }
    EXPECT_TRUE(r.guards_intact()) << c.name;
  }
}

TEST(ReplayWindow, CheckChangesNothing) {
  Region r(64);
  ASSERT_TRUE(r.accept(50));
  const spec::ReplayEntry before = r.entry(0);
  EXPECT_TRUE(r.check(49));
  EXPECT_TRUE(r.check(1000));
  EXPECT_FALSE(r.check(50));
  EXPECT_EQ(r.top(), 50u);
  EXPECT_EQ(r.entry(0).bits, before.bits);
  EXPECT_EQ(r.entry(0).block, before.block);
  EXPECT_TRUE(r.check(49));  // still not seen: only commit marks
}

TEST(ReplayWindow, RingLayout) {
  // CONTRACT.md DECRYPT 9/11: seq is bit seq % 64 of entry (seq / 64) % N,
  // N = W / 32; commit writes {bits | bit, block} or, on another block,
  // {bit, block}; nothing else is written.
  Region r(128);
  ASSERT_EQ(r.entries(), 4u);
  ASSERT_EQ(spec::replay_ring_entries(128), 4u);
  struct Want {
    uint64_t bits, block;
  };
  auto expect_ring = [&](const char* what, const std::vector<Want>& want) {
    for (unsigned i = 0; i < want.size(); ++i) {
      EXPECT_EQ(r.entry(i).bits, want[i].bits) << what << " entry " << i;
      EXPECT_EQ(r.entry(i).block, want[i].block) << what << " entry " << i;
    }
  };
  ASSERT_TRUE(r.accept(1));
  ASSERT_TRUE(r.accept(64 + 3));
  ASSERT_TRUE(r.accept(128 + 63));
  ASSERT_TRUE(r.accept(192 + 7));
  expect_ring("fill", {{1u << 1, 0}, {1u << 3, 1}, {uint64_t(1) << 63, 2}, {1u << 7, 3}});
  ASSERT_TRUE(r.accept(256 + 7));  // block 4 -> entry 0, another block: {bit, 4}
  ASSERT_TRUE(r.accept(192 + 8));  // block 3 again: bits or-ed
  expect_ring("wrap", {{1u << 7, 4}, {1u << 3, 1}, {uint64_t(1) << 63, 2}, {(1u << 7) | (1u << 8), 3}});
  EXPECT_EQ(r.top(), 263u);
  ASSERT_TRUE(r.accept(10000));  // block 156 -> entry 0; nothing else cleared
  expect_ring("jump", {{uint64_t(1) << (10000 % 64), 156}, {1u << 3, 1}, {uint64_t(1) << 63, 2},
                       {(1u << 7) | (1u << 8), 3}});
  EXPECT_EQ(r.top(), 10000u);
  // entry 2 (block 2, bit 63) is stale for block 154: 9919 = 154 * 64 + 63 reads as unseen
  EXPECT_TRUE(r.check(9919));
  EXPECT_TRUE(r.guards_intact());
}

// Random traffic (in order, reordered, duplicated, far behind, jumps) against
// the model, for every window size.
TEST(ReplayWindow, MatchesModel) {
  for (uint32_t w = esp::spec::MIN_WINDOW_BITS; w <= esp::spec::MAX_WINDOW_BITS; w *= 2) {
    std::mt19937_64 rng(w);
    Region r(w);
    Model m(w);
    uint64_t next = 1;
    for (int i = 0; i < 20000; ++i) {
      uint64_t seq;
      const unsigned kind = static_cast<unsigned>(rng() % 10);
      if (kind < 5) {
        seq = next++;
      } else if (kind < 8) {  // behind the top, sometimes outside the window
        const uint64_t back = rng() % (uint64_t(w) + w / 4 + 2);
        seq = m.top() > back ? m.top() - back : 1;
      } else if (kind < 9) {  // jump ahead, sometimes past the ring
        next += rng() % (uint64_t(w) * 3);
        seq = next++;
      } else {
        seq = m.top();
      }
      if (seq == 0) seq = 1;
      ASSERT_EQ(r.accept(seq), m.accept(seq)) << "window " << w << " step " << i << " seq " << seq;
      ASSERT_EQ(r.top(), m.top());
    }
    EXPECT_TRUE(r.guards_intact()) << w;
  }
}

}  // namespace
