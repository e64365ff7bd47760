// The tagged replay ring of contract 1.0 (CONTRACT.md DECRYPT 9 and 11,
// RFC 6479): N = W/32 entries {bits, block}; an entry of another block reads
// as zero; a commit replaces an entry of another block; a jump of T clears
// nothing. Expected values come from the contract's text (entry images
// written out by hand) or from an independent model of RFC 4303 3.4.3: the
// set of numbers seen, with "new" = above T, or less than W below it and not
// in the set.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ref_test_util.hpp"

namespace esp::ref {
namespace {

using spec::ReplayEntry;
using spec::Status;
using testing::Pair;
using testing::SaParams;

// RFC 4303 3.4.3 with no ring at all: what the receiver must accept.
struct SeenSet {
  uint64_t w, top = 0;
  std::set<uint64_t> seen;
  explicit SeenSet(uint64_t window) : w(window) {}
  bool fresh(uint64_t seq) const { return seq > top || (top - seq < w && seen.count(seq) == 0); }
  void accept(uint64_t seq) {
    top = std::max(top, seq);
    seen.insert(seq);
    while (!seen.empty() && top - *seen.begin() >= w) seen.erase(seen.begin());  // keep it small
  }
};

std::vector<uint8_t> image_of(const std::vector<ReplayEntry>& es) {
  std::vector<uint8_t> img(es.size() * spec::replay_entry::SIZE);
  for (size_t i = 0; i < es.size(); ++i) spec::pack(es[i], img.data() + i * spec::replay_entry::SIZE);
  return img;
}

uint64_t bit(uint64_t seq) { return uint64_t{1} << (seq % 64); }

TEST(ReplayRing, SizeIsWOver32EntriesForEveryWindow) {
  for (uint32_t w = spec::MIN_WINDOW_BITS; w <= spec::MAX_WINDOW_BITS; w *= 2) {
    ReplayWindow r(w);
    EXPECT_EQ(r.entries().size(), w / 32u) << w;
    EXPECT_EQ(r.ring_image().size(), size_t{w} / 32 * 16) << w;
    for (const ReplayEntry& e : r.entries()) EXPECT_TRUE(e.bits == 0 && e.block == 0);
  }
}

// Commits and the entries they leave, written out from DECRYPT 11.
TEST(ReplayRing, CommitImagesFromTheContract) {
  struct Case {
    const char* name;
    uint32_t w;
    std::vector<uint64_t> commits;
    uint64_t top;
    std::vector<ReplayEntry> want;  // every entry, index 0..N-1
  };
  const std::vector<Case> cases = {
      {"one packet", 64, {5}, 5, {{bit(5), 0}, {0, 0}}},
      {"same block ors", 64, {5, 9, 63}, 63, {{bit(5) | bit(9) | bit(63), 0}, {0, 0}}},
      {"next block", 64, {5, 70}, 70, {{bit(5), 0}, {bit(70), 1}}},
      {"block 2 replaces block 0", 64, {5, 70, 130}, 130, {{bit(130), 2}, {bit(70), 1}}},
      {"late packet of a kept block", 64, {70, 130, 127}, 130, {{bit(130), 2}, {bit(70) | bit(127), 1}}},
      {"jump over many rings", 64, {5, 70, 64 * 1000 + 3}, 64 * 1000 + 3, {{bit(3), 1000}, {bit(70), 1}}},
      {"W 128: four entries", 128, {1, 64, 200, 255}, 255, {{bit(1), 0}, {bit(64), 1}, {0, 0}, {bit(200) | bit(255), 3}}},
      {"W 128: wraps to entry 0", 128, {1, 64, 256 + 2}, 258, {{bit(258), 4}, {bit(64), 1}, {0, 0}, {0, 0}}},
      {"an older number below T", 64, {100, 40}, 100, {{bit(40), 0}, {bit(100), 1}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ReplayWindow r(c.w);
    for (uint64_t s : c.commits) r.commit(s);
    EXPECT_EQ(r.top(), c.top);
    ASSERT_EQ(r.entries().size(), c.want.size());
    for (size_t i = 0; i < c.want.size(); ++i) {
      EXPECT_EQ(r.entries()[i].bits, c.want[i].bits) << "entry " << i;
      EXPECT_EQ(r.entries()[i].block, c.want[i].block) << "entry " << i;
    }
    EXPECT_EQ(r.ring_image(), image_of(c.want));
  }
}

// check() on rings loaded from images: an entry tagged with another block
// reads as zero, whatever its bits (DECRYPT 9).
TEST(ReplayRing, EntryOfAnotherBlockReadsAsZero) {
  struct Case {
    const char* name;
    uint64_t top;
    std::vector<ReplayEntry> ring;  // W = 64
    uint64_t seq;
    bool fresh;
  };
  const uint64_t all = ~uint64_t{0};
  const std::vector<Case> cases = {
      {"tag matches, bit set", 160, {{all, 2}, {0, 0}}, 150, false},
      {"tag matches, bit clear", 160, {{all & ~bit(150), 2}, {0, 0}}, 150, true},
      {"older block, all ones", 160, {{all, 0}, {0, 0}}, 150, true},
      {"older block, all ones, lower", 160, {{all, 0}, {0, 0}}, 128, true},
      {"newer block (stale image), all ones", 160, {{all, 4}, {0, 0}}, 150, true},
      {"T's own entry, tag matches", 160, {{all, 2}, {all, 1}}, 160, false},
      {"left of the window beats the bits", 160, {{0, 0}, {0, 1}}, 96, false},
      {"one inside the left edge", 160, {{0, 0}, {0, 0}}, 97, true},
      {"one inside the left edge, seen", 160, {{0, 0}, {bit(97), 1}}, 97, false},
      {"above T is always new", 160, {{all, 2}, {all, 3}}, 161, true},
  };
  for (const Case& c : cases) {
    ReplayWindow r(64);
    r.load(c.top, image_of(c.ring));
    EXPECT_EQ(r.top(), c.top) << c.name;
    EXPECT_EQ(r.check(c.seq), c.fresh) << c.name;
  }
  ReplayWindow r(64);
  EXPECT_THROW(r.load(1, std::vector<uint8_t>(16)), std::invalid_argument) << "image of one entry for W 64";
}

// Jumps larger than the ring clear nothing: the old entries stay in the
// image with their tags, and read as zero where a newer block would be.
TEST(ReplayRing, JumpLargerThanTheRingClearsNothing) {
  for (uint32_t w : {64u, 256u, 4096u, 65536u}) {
    SCOPED_TRACE(w);
    ReplayWindow r(w);
    const uint64_t n = w / 32;
    for (uint64_t s = 1; s <= 64; ++s) r.commit(s);  // block 0 (1..63) and block 1 (64)
    const std::vector<uint8_t> before = r.ring_image();
    const uint64_t jump = 64 * n * 3 + 64 * 2 + 5;   // three rings on, same entry as block 2
    r.commit(jump);
    EXPECT_EQ(r.top(), jump);
    std::vector<uint8_t> want = before;
    spec::pack(ReplayEntry{bit(jump), jump / 64}, want.data() + (jump / 64 % n) * spec::replay_entry::SIZE);
    EXPECT_EQ(r.ring_image(), want) << "only the jump's own entry changed";
    // Numbers inside the new window whose entries hold blocks 0 and 1 read as unseen.
    for (uint64_t s : {jump - 1, jump - w + 1, (jump / 64 - 2) * 64 + 1, (jump / 64 - 1) * 64}) {
      if (jump - s < w) {
        EXPECT_TRUE(r.check(s)) << s;
      }
    }
    EXPECT_FALSE(r.check(jump)) << "duplicate of the jump";
    EXPECT_FALSE(r.check(jump - w)) << "left of the window";
    EXPECT_FALSE(r.check(1)) << "the old packets are far left";
  }
}

// Duplicates after a jump: what came in after it is remembered; the
// numbers of the old blocks that alias its entries are not taken for seen.
TEST(ReplayRing, DuplicatesAfterAJump) {
  struct Case {
    uint32_t w;
    uint64_t jump;  // added to the top after 1..100
  };
  for (const Case& c : std::vector<Case>{{64, 63}, {64, 64}, {64, 129}, {128, 4 * 64}, {1024, 1024 + 1}, {4096, 1 << 20}}) {
    SCOPED_TRACE(std::to_string(c.w) + " jump " + std::to_string(c.jump));
    ReplayWindow r(c.w);
    SeenSet m(c.w);
    std::vector<uint64_t> seqs;
    for (uint64_t s = 1; s <= 100; ++s) seqs.push_back(s);
    const uint64_t t = 100 + c.jump;
    seqs.push_back(t);
    for (uint64_t back : {1u, 2u, 5u, 63u, 64u, 65u}) {
      if (back < c.w && back < t) {
        seqs.push_back(t - back);
        seqs.push_back(t - back);  // its duplicate
      }
    }
    seqs.push_back(t);
    for (uint64_t s = 1; s <= 100; s += 9) seqs.push_back(s);
    for (uint64_t s : seqs) {
      const bool want = m.fresh(s);
      ASSERT_EQ(r.check(s), want) << "seq " << s;
      if (want) {
        r.commit(s);
        m.accept(s);
      }
    }
  }
}

// Random traffic for every window size against the set-of-seen model:
// steps, reordering, duplicates, jumps of up to several rings.
TEST(ReplayRing, MatchesTheSeenSetModelForEveryWindow) {
  for (uint32_t w = spec::MIN_WINDOW_BITS; w <= spec::MAX_WINDOW_BITS; w *= 2) {
    SCOPED_TRACE(w);
    std::mt19937_64 g(w);
    auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(g); };
    ReplayWindow r(w);
    SeenSet m(w);
    const uint64_t ring = uint64_t{w} * 2;
    size_t fresh = 0, stale = 0;
    std::vector<uint64_t> recent;
    for (int i = 0; i < 6000; ++i) {
      const uint64_t k = pick(0, 99);
      uint64_t s = 0;
      if (k < 40) {
        s = m.top + pick(1, std::max<uint64_t>(1, w / 16));
      } else if (k < 46) {
        s = m.top + pick(w / 2, 4 * ring);  // jumps past the ring
      } else if (k < 80) {
        const uint64_t back = pick(0, w + w / 8);
        s = m.top > back ? m.top - back : 1;
      } else {
        s = recent.empty() ? 1 : recent[pick(0, recent.size() - 1)];
      }
      const bool want = m.fresh(s);
      ASSERT_EQ(r.check(s), want) << "step " << i << " seq " << s << " top " << m.top;
      if (want) {
        r.commit(s);
        m.accept(s);
        recent.push_back(s);
        if (recent.size() > 32) recent.erase(recent.begin());
        ++fresh;
      } else {
        ++stale;
      }
      ASSERT_EQ(r.top(), m.top);
    }
    EXPECT_GT(fresh, 1000u);
    EXPECT_GT(stale, 1000u);
  }
}

// The same through whole packets for the smallest and the largest window:
// statuses as the model says, replay counter = packets refused.
TEST(ReplayRing, PacketsWindows64And65536) {
  const Bytes inner = pkt::udp(4, 20, 3);
  for (uint32_t w : {64u, 65536u}) {
    SCOPED_TRACE(w);
    SaParams sp;
    sp.window = w;
    Pair p(sp);
    SeenSet m(w);
    const uint64_t two_rings = uint64_t{w} * 4;
    const std::vector<uint64_t> seqs = {10,        3,         10,        10 + two_rings, 10 + two_rings - w + 1,
                                        10 + two_rings - w,     11,        10 + two_rings - 1,
                                        10 + two_rings - 1,     10 + two_rings + 64,     10 + two_rings + 1};
    uint64_t refused = 0;
    for (uint64_t s : seqs) {
      const Status want = m.fresh(s) ? Status::OK : Status::REPLAY;
      ASSERT_EQ(p.rx.decrypt(p.packet_with_seq(s, inner)).status, want) << s;
      if (want == Status::OK) m.accept(s);
      refused += want == Status::REPLAY;
    }
    EXPECT_EQ(p.rx.counters(0).replay, refused);
    EXPECT_EQ(p.rx.state_line(0).seq, m.top);
  }
}

TEST(ReplayRing, ResetSetsOnlyTopsBit) {
  ReplayWindow r(128);
  r.commit(3);
  r.reset(1000);
  EXPECT_EQ(r.top(), 1000u);
  std::vector<ReplayEntry> want(4);
  want[(1000 / 64) % 4] = ReplayEntry{bit(1000), 1000 / 64};
  EXPECT_EQ(r.ring_image(), image_of(want));
  r.reset(0);
  EXPECT_EQ(r.ring_image(), image_of(std::vector<ReplayEntry>(4)));
}

}  // namespace
}  // namespace esp::ref
