// SPI -> SA index on a hand-built two-choice SPI table (CONTRACT.md DECRYPT 4).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "esp/hls/spi_lookup.hpp"

namespace {

namespace spec = esp::spec;

class Table {
 public:
  explicit Table(unsigned log2) : log2_(log2), mem_((size_t(1) << log2) * spec::spi_bucket::SIZE / 8, ctl_word_t(0)) {}
  void put(uint32_t bucket, unsigned slot, uint32_t spi, uint32_t sa_ref) {
    uint8_t* b = reinterpret_cast<uint8_t*>(mem_.data()) + bucket * spec::spi_bucket::SIZE;
    spec::SpiBucket bk;
    spec::unpack(b, bk);
    bk.slots[slot].spi = spi;
    bk.slots[slot].sa_ref = sa_ref;
    spec::pack(bk, b);
  }
  bool lookup(uint32_t spi, uint32_t& sa) const { return esp::hls::spi_lookup(mem_.data(), log2_, spi, sa); }
  bool lookup_log2(unsigned log2, uint32_t spi, uint32_t& sa) const {
    return esp::hls::spi_lookup(mem_.data(), log2, spi, sa);
  }
  uint32_t b0(uint32_t spi) const { return spec::spi_bucket_index(spi, 0, log2_); }
  uint32_t b1(uint32_t spi) const { return spec::spi_bucket_index(spi, 1, log2_); }

 private:
  unsigned log2_;
  std::vector<ctl_word_t> mem_;
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

TEST(SpiLookup, Log2BeyondHash) {
  Table t(0);
  t.put(0, 0, 0x1234, 1);
  uint32_t sa = 0;
  EXPECT_FALSE(t.lookup_log2(33, 0x1234, sa));
  EXPECT_FALSE(t.lookup_log2(200, 0x1234, sa));
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
