#include <gtest/gtest.h>

#include <map>
#include <random>
#include <stdexcept>
#include <vector>

#include "esp/runtime/detail/region_alloc.hpp"

using esp::runtime::detail::RegionAllocator;

TEST(RegionAllocator, FillsAndRefusesWhenFull) {
  RegionAllocator a(10 * 64, 64);
  EXPECT_EQ(a.size(), 640u);
  for (uint64_t i = 0; i < 10; ++i) {
    auto off = a.alloc(50);  // rounded to 64
    ASSERT_TRUE(off);
    EXPECT_EQ(*off % 64, 0u);
  }
  EXPECT_FALSE(a.alloc(1));
  EXPECT_EQ(a.free_bytes(), 0u);
}

TEST(RegionAllocator, CoalescesBackToOneBlock) {
  RegionAllocator a(4096, 64);
  std::vector<uint64_t> offs;
  for (int i = 0; i < 8; ++i) offs.push_back(*a.alloc(512));
  EXPECT_FALSE(a.alloc(64));
  // Free in an order that needs merging on both sides.
  for (int i : {1, 3, 5, 7, 0, 2, 6, 4}) a.free(offs[size_t(i)], 512);
  EXPECT_EQ(a.free_blocks(), 1u);
  EXPECT_EQ(a.largest_free(), 4096u);
  EXPECT_EQ(*a.alloc(4096), 0u);
}

TEST(RegionAllocator, BestFitKeepsLargeBlocks) {
  RegionAllocator a(64 * 100, 64);
  const uint64_t small1 = *a.alloc(64);
  const uint64_t big = *a.alloc(64 * 10);
  const uint64_t small2 = *a.alloc(64);
  (void)big;
  a.free(small1, 64);
  a.free(small2, 64);
  // A 64-byte block goes to one of the 64-byte holes, not the tail.
  const uint64_t o = *a.alloc(64);
  EXPECT_TRUE(o == small1 || o == small2);
}

TEST(RegionAllocator, DoubleFreeAndOutOfRangeThrow) {
  RegionAllocator a(4096, 64);
  const uint64_t o = *a.alloc(128);
  a.free(o, 128);
  EXPECT_THROW(a.free(o, 128), std::logic_error);
  EXPECT_THROW(a.free(8192, 64), std::logic_error);
  EXPECT_THROW(a.free(4032, 128), std::logic_error);
  EXPECT_THROW(RegionAllocator(4096, 48), std::invalid_argument);
}

TEST(RegionAllocator, RandomWorkloadNeverOverlaps) {
  const uint64_t size = 1 << 20;
  RegionAllocator a(size, 64);
  std::mt19937 rng(7);
  std::map<uint64_t, uint64_t> live;  // offset -> rounded length
  for (int step = 0; step < 20000; ++step) {
    if (!live.empty() && (rng() % 3 == 0 || live.size() > 300)) {
      auto it = live.begin();
      std::advance(it, rng() % live.size());
      a.free(it->first, it->second);
      live.erase(it);
    } else {
      const uint64_t n = 1 + rng() % 9000;
      auto off = a.alloc(n);
      if (!off) continue;
      const uint64_t len = (n + 63) / 64 * 64;
      ASSERT_LE(*off + len, size);
      auto next = live.lower_bound(*off);
      if (next != live.end()) {
        ASSERT_LE(*off + len, next->first);
      }
      if (next != live.begin()) {
        auto prev = std::prev(next);
        ASSERT_LE(prev->first + prev->second, *off);
      }
      live.emplace(*off, len);
    }
    uint64_t used = 0;
    for (auto& [o, l] : live) used += l;
    ASSERT_EQ(used + a.free_bytes(), a.size());
  }
  for (auto& [o, l] : live) a.free(o, l);
  EXPECT_EQ(a.free_blocks(), 1u);
}

TEST(RegionAllocator, BestFitTakesTheSmallestBlockThenTheLowestOffset) {
  // 16 blocks of 64 bytes; free some to make holes of 1, 2 and 3 blocks.
  RegionAllocator a(16 * 64, 64);
  for (int i = 0; i < 16; ++i) ASSERT_EQ(*a.alloc(64), uint64_t(i) * 64);
  // Holes: [1] (1 block), [3,4] (2), [6] (1), [8,9,10] (3), [12,13] (2).
  for (int i : {1, 3, 4, 6, 8, 9, 10, 12, 13}) a.free(uint64_t(i) * 64, 64);
  EXPECT_EQ(a.free_blocks(), 5u);
  EXPECT_EQ(a.largest_free(), 3u * 64);
  struct Case {
    uint64_t bytes, offset;
  };
  const Case cases[] = {
      {64, 1 * 64},       // two 1-block holes: the lower one
      {64, 6 * 64},       // then the other
      {100, 3 * 64},      // two 2-block holes fit 128: the lower one
      {64, 12 * 64},      // no 1-block hole left: the smallest that fits, split
      {192, 8 * 64},      // only the 3-block hole fits
      {64, 13 * 64},      // the rest of the split hole
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.bytes);
    auto off = a.alloc(c.bytes);
    ASSERT_TRUE(off);
    EXPECT_EQ(*off, c.offset);
  }
  EXPECT_FALSE(a.alloc(1));
  EXPECT_EQ(a.free_blocks(), 0u);
}

// A million equal-size blocks freed in an order that leaves half a million
// equal-size free blocks before the rest merge them: every merge takes a
// block of that size out of the size index. Scanning the equal sizes (as the
// allocator once did) makes this quadratic; now it is n log n. No timing is
// asserted: the test finishes well inside the ctest timeout only if every
// step is logarithmic.
TEST(RegionAllocator, AMillionEqualBlocksFreedScatteredMergeBackToOne) {
  constexpr uint64_t kBlocks = 1u << 20, kAlign = 64;
  RegionAllocator a(kBlocks * kAlign, kAlign);
  for (uint64_t i = 0; i < kBlocks; ++i) ASSERT_EQ(*a.alloc(kAlign), i * kAlign);
  EXPECT_FALSE(a.alloc(1));
  // Odd blocks first, in a scattered order (a stride coprime to the count),
  // then the even ones likewise: each even free merges with both neighbours.
  const uint64_t half = kBlocks / 2, stride = 200003;  // odd, so coprime to a power of two
  for (uint64_t k = 0; k < half; ++k) a.free(((k * stride) % half) * 2 * kAlign + kAlign, kAlign);
  EXPECT_EQ(a.free_blocks(), half);
  EXPECT_EQ(a.largest_free(), kAlign);
  EXPECT_EQ(a.free_bytes(), half * kAlign);
  // Re-take and free a quarter of the holes: best fit hands out the lowest first.
  for (uint64_t k = 0; k < half / 2; ++k) ASSERT_EQ(*a.alloc(kAlign), (2 * k + 1) * kAlign);
  for (uint64_t k = 0; k < half / 2; ++k) a.free((2 * k + 1) * kAlign, kAlign);
  for (uint64_t k = 0; k < half; ++k) a.free(((k * stride) % half) * 2 * kAlign, kAlign);
  EXPECT_EQ(a.free_blocks(), 1u);
  EXPECT_EQ(a.largest_free(), kBlocks * kAlign);
  EXPECT_EQ(a.free_bytes(), a.size());
  EXPECT_EQ(*a.alloc(kBlocks * kAlign), 0u);
}
