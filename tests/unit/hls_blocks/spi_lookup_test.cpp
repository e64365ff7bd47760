// SPI -> SA index in the card's own SPI table (CONTRACT.md DECRYPT 4, "The
// card's own state"), filled slot by slot as SPI_SET does; and the host
// build's lazily allocated EngineState.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "esp/hls/engine_state.hpp"
#include "esp/hls/spi_lookup.hpp"

namespace {

namespace spec = esp::spec;
using esp::hls::EngineState;

class Table {
 public:
  explicit Table(unsigned log2) : log2_(log2) {}
  void put(uint32_t bucket, unsigned slot, uint32_t spi, uint32_t sa_ref) {
    st_.set_spi_slot(bucket * spec::SPI_BUCKET_SLOTS + slot, spi, sa_ref, log2_);
  }
  bool lookup(uint32_t spi, uint32_t& sa) const { return esp::hls::spi_lookup(st_, log2_, spi, sa); }
  bool lookup_log2(unsigned log2, uint32_t spi, uint32_t& sa) const {
    return esp::hls::spi_lookup(st_, log2, spi, sa);
  }
  uint32_t b0(uint32_t spi) const { return spec::spi_bucket_index(spi, 0, log2_); }
  uint32_t b1(uint32_t spi) const { return spec::spi_bucket_index(spi, 1, log2_); }
  EngineState& state() { return st_; }

 private:
  unsigned log2_;
  EngineState st_;
};

// A SPI whose two buckets differ (in a table of 2^log2 buckets).
uint32_t spi_with_distinct_buckets(unsigned log2, uint32_t start) {
  for (uint32_t s = start;; ++s) {
    if (spec::spi_bucket_index(s, 0, log2) != spec::spi_bucket_index(s, 1, log2)) return s;
  }
}

TEST(SpiLookup, FirstBucket) {
  Table t(4);
  const uint32_t spi = spi_with_distinct_buckets(4, 0x1000);
  t.put(t.b0(spi), 3, spi, 42 + 1);
  uint32_t sa = 0;
  ASSERT_TRUE(t.lookup(spi, sa));
  EXPECT_EQ(sa, 42u);
  EXPECT_FALSE(t.lookup(spi + 1, sa));
}

TEST(SpiLookup, SecondBucket) {
  Table t(4);
  const uint32_t spi = spi_with_distinct_buckets(4, 0x2000);
  for (unsigned s = 0; s < spec::SPI_BUCKET_SLOTS; ++s) t.put(t.b0(spi), s, 0x9000 + s, 100 + s);  // full of others
  t.put(t.b1(spi), 7, spi, 7 + 1);  // last slot
  uint32_t sa = 0;
  ASSERT_TRUE(t.lookup(spi, sa));
  EXPECT_EQ(sa, 7u);
}

TEST(SpiLookup, FirstBucketWins) {
  Table t(4);
  const uint32_t spi = spi_with_distinct_buckets(4, 0x3000);
  t.put(t.b1(spi), 0, spi, 5 + 1);
  t.put(t.b0(spi), 6, spi, 9 + 1);
  uint32_t sa = 0;
  ASSERT_TRUE(t.lookup(spi, sa));
  EXPECT_EQ(sa, 9u);
}

TEST(SpiLookup, EmptySlotsAreNotHits) {
  Table t(4);
  const uint32_t spi = spi_with_distinct_buckets(4, 0x4000);
  t.put(t.b0(spi), 0, spi, 0);  // SPI left behind in an emptied slot
  t.put(t.b1(spi), 2, spi, 0);
  uint32_t sa = 0xABCD;
  EXPECT_FALSE(t.lookup(spi, sa));
  EXPECT_EQ(sa, 0xABCDu);
  t.put(t.b1(spi), 5, spi, 3 + 1);
  ASSERT_TRUE(t.lookup(spi, sa));
  EXPECT_EQ(sa, 3u);
}

TEST(SpiLookup, SpiZeroInEmptyTable) {
  Table t(3);
  uint32_t sa = 0;
  EXPECT_FALSE(t.lookup(0, sa));  // all-zero slots are empty, not SPI 0
  t.put(t.b0(0), 1, 0, 1);
  ASSERT_TRUE(t.lookup(0, sa));
  EXPECT_EQ(sa, 0u);
}

TEST(SpiLookup, SingleBucketTable) {
  Table t(0);
  t.put(0, 4, 0xCAFEF00D, 11);
  uint32_t sa = 0;
  ASSERT_TRUE(t.lookup(0xCAFEF00D, sa));
  EXPECT_EQ(sa, 10u);
  EXPECT_FALSE(t.lookup(0xCAFEF00E, sa));
}

TEST(SpiLookup, Log2BeyondTheCardsTable) {
  Table t(0);
  t.put(0, 0, 0x1234, 1);
  uint32_t sa = 0;
  ASSERT_TRUE(t.lookup_log2(0, 0x1234, sa));
  EXPECT_FALSE(t.lookup_log2(esp::hls::kMaxSpiBucketsLog2 + 1, 0x1234, sa));
  EXPECT_FALSE(t.lookup_log2(33, 0x1234, sa));
  EXPECT_FALSE(t.lookup_log2(200, 0x1234, sa));
}

// A lookup with log2 uses the first 2^log2 buckets of the card's table.
TEST(SpiLookup, SmallerLog2UsesTheFirstBuckets) {
  Table t(esp::hls::kMaxSpiBucketsLog2);
  const uint32_t spi = 0x51515151;
  const uint32_t small = spec::spi_bucket_index(spi, 0, 3);
  t.put(small, 2, spi, 77 + 1);
  uint32_t sa = 0;
  ASSERT_TRUE(t.lookup_log2(3, spi, sa));
  EXPECT_EQ(sa, 77u);
  if (spec::spi_bucket_index(spi, 0, esp::hls::kMaxSpiBucketsLog2) != small &&
      spec::spi_bucket_index(spi, 1, esp::hls::kMaxSpiBucketsLog2) != small) {
    EXPECT_FALSE(t.lookup_log2(esp::hls::kMaxSpiBucketsLog2, spi, sa));
  }
}

TEST(EngineState, SpiTableIsAllocatedLazily) {
  EngineState st;
  EXPECT_EQ(st.spi_slots_allocated(), 0u);
  EXPECT_EQ(st.spi_slot(12345).sa_ref, 0u);  // beyond the allocation: empty
  st.set_spi_slot(99999, 1, 0, 4);           // emptying allocates nothing
  EXPECT_EQ(st.spi_slots_allocated(), 0u);
  st.set_spi_slot(3, 0xAB, 5, 4);  // the run's 2^4 buckets
  EXPECT_EQ(st.spi_slots_allocated(), size_t(spec::SPI_BUCKET_SLOTS) << 4);
  // a slot beyond: the power of two of buckets holding it (bucket 200 -> 256 buckets)
  st.set_spi_slot(200 * spec::SPI_BUCKET_SLOTS + 1, 0xCD, 6, 4);
  EXPECT_EQ(st.spi_slots_allocated(), size_t(spec::SPI_BUCKET_SLOTS) << 8);
  EXPECT_EQ(st.spi_slot(3).spi, 0xABu);
  EXPECT_EQ(st.spi_slot(3).sa_ref, 5u);
  EXPECT_EQ(st.spi_slot(200 * spec::SPI_BUCKET_SLOTS + 1).sa_ref, 6u);
  const uint32_t last = esp::hls::kSpiSlots - 1;
  st.set_spi_slot(last, 0xEF, 7, 4);
  EXPECT_EQ(st.spi_slots_allocated(), size_t(esp::hls::kSpiSlots));
  EXPECT_EQ(st.spi_slot(last).sa_ref, 7u);
  st.reset();
  EXPECT_EQ(st.spi_slots_allocated(), 0u);
  EXPECT_EQ(st.spi_slot(3).sa_ref, 0u);
}

TEST(EngineState, InstalledBits) {
  EngineState st;
  const uint32_t idx[] = {0, 1, 63, 64, 65535, esp::hls::kMaxSas - 1};
  for (uint32_t i : idx) EXPECT_FALSE(st.installed(i)) << i;
  for (uint32_t i : idx) st.set_installed(i, true);
  for (uint32_t i : idx) EXPECT_TRUE(st.installed(i)) << i;
  EXPECT_FALSE(st.installed(2));
  EXPECT_FALSE(st.installed(62));
  EXPECT_FALSE(st.installed(esp::hls::kMaxSas));  // beyond the card's table
  st.set_installed(63, false);
  EXPECT_FALSE(st.installed(63));
  EXPECT_TRUE(st.installed(64));
  st.reset();
  for (uint32_t i : idx) EXPECT_FALSE(st.installed(i)) << i;
  EXPECT_EQ(esp::hls::kMaxSas, 1u << 20);  // swemu's MAX_SAS (COMMON14)
  EXPECT_EQ(esp::hls::kMaxSpiBucketsLog2, 18u);
}

TEST(SpiLookup, ManyEntries) {
  const unsigned log2 = 6;
  Table t(log2);
  std::vector<unsigned> used(size_t(1) << log2, 0);
  std::vector<std::pair<uint32_t, uint32_t>> placed;
  for (uint32_t i = 0; i < 300; ++i) {
    const uint32_t spi = 0x10000000u + i * 7919u;
    const uint32_t b0 = t.b0(spi), b1 = t.b1(spi);
    uint32_t b;
    if (used[b0] < spec::SPI_BUCKET_SLOTS) b = b0;
    else if (used[b1] < spec::SPI_BUCKET_SLOTS) b = b1;
    else continue;
    t.put(b, used[b]++, spi, i + 1);
    placed.emplace_back(spi, i);
  }
  ASSERT_GT(placed.size(), 200u);
  for (const auto& [spi, idx] : placed) {
    uint32_t sa = 0;
    ASSERT_TRUE(t.lookup(spi, sa)) << std::hex << spi;
    EXPECT_EQ(sa, idx);
  }
}

}  // namespace
