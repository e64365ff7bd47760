#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "esp/runtime/detail/card_layout.hpp"
#include "esp/runtime/detail/spi_table.hpp"

using esp::runtime::detail::SpiTable;
namespace spec = esp::spec;

namespace {

// The card's lookup (CONTRACT.md DECRYPT 4) on an image of the table, with
// the spec's accessors only: bucket 0 then bucket 1.
uint32_t card_lookup(const uint8_t* img, unsigned log2, uint32_t spi) {
  for (unsigned which = 0; which < 2; ++which) {
    const uint8_t* b = img + size_t(spec::spi_bucket_index(spi, which, log2)) * spec::spi_bucket::SIZE;
    for (unsigned s = 0; s < spec::spi_bucket::slots::count; ++s) {
      const uint8_t* slot = b + spec::spi_bucket::slots::offset + s * spec::spi_bucket::slots::stride;
      if (spec::get<spec::spi_slot::sa_ref>(slot) != 0 && spec::get<spec::spi_slot::spi>(slot) == spi) {
        return spec::get<spec::spi_slot::sa_ref>(slot);
      }
    }
  }
  return 0;
}

// The card's copy, updated only with the buckets the table says it changed.
struct CardCopy {
  std::vector<uint8_t> img;
  explicit CardCopy(const SpiTable& t) : img(t.image(), t.image() + t.image_bytes()) {}
  void apply(const SpiTable& t, const std::vector<uint32_t>& changed) {
    for (uint32_t b : changed) {
      std::memcpy(img.data() + size_t(b) * spec::spi_bucket::SIZE, t.bucket_image(b), spec::spi_bucket::SIZE);
    }
  }
  bool same(const SpiTable& t) const { return std::memcmp(img.data(), t.image(), img.size()) == 0; }
};

std::vector<uint32_t> distinct_spis(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::set<uint32_t> seen;
  std::vector<uint32_t> out;
  while (out.size() < n) {
    const auto s = static_cast<uint32_t>(rng());
    if (s != 0 && seen.insert(s).second) out.push_back(s);
  }
  return out;
}

}  // namespace

TEST(SpiTable, SizingKeepsLoadAtMostHalf) {
  using esp::runtime::detail::spi_log2_for;
  EXPECT_EQ(spi_log2_for(1), 1u);
  EXPECT_EQ(spi_log2_for(4096), 10u);  // 1024 buckets * 8 = 8192 = 2 * 4096
  EXPECT_EQ(spi_log2_for(4097), 11u);
  EXPECT_EQ(spi_log2_for(1u << 20), 18u);
  for (uint32_t cap = 1; cap < 5000; cap += 7) {
    const unsigned l = spi_log2_for(cap);
    EXPECT_GE((uint64_t(1) << l) * spec::SPI_BUCKET_SLOTS, 2ull * cap) << cap;
    if (l > 1) {
      EXPECT_LT((uint64_t(1) << (l - 1)) * spec::SPI_BUCKET_SLOTS, 2ull * cap) << cap;
    }
  }
}

TEST(SpiTable, ManyInsertsLookupsErasesWithoutLoss) {
  SpiTable t(esp::runtime::detail::spi_log2_for(4096));
  CardCopy card(t);
  const auto spis = distinct_spis(4096, 1);
  std::vector<uint32_t> changed;
  for (size_t i = 0; i < spis.size(); ++i) {
    changed.clear();
    ASSERT_EQ(t.insert(spis[i], uint32_t(i + 1), changed), SpiTable::Insert::Ok) << i;
    ASSERT_FALSE(changed.empty());
    card.apply(t, changed);
    ASSERT_TRUE(card.same(t)) << "changed buckets missed after insert " << i;
  }
  EXPECT_EQ(t.size(), spis.size());
  for (size_t i = 0; i < spis.size(); ++i) {
    ASSERT_EQ(t.find(spis[i]), i + 1);
    ASSERT_EQ(card_lookup(card.img.data(), t.log2(), spis[i]), i + 1);
  }
  EXPECT_EQ(t.find(0xDEADBEEF == spis[0] ? 1 : 0xDEADBEEF), 0u);

  // Erase every other one; the rest stay findable.
  for (size_t i = 0; i < spis.size(); i += 2) {
    uint32_t b = 0;
    ASSERT_TRUE(t.erase(spis[i], b));
    card.apply(t, {b});
    ASSERT_TRUE(card.same(t));
    uint32_t b2 = 0;
    ASSERT_FALSE(t.erase(spis[i], b2));
  }
  for (size_t i = 0; i < spis.size(); ++i) {
    const uint32_t want = i % 2 ? uint32_t(i + 1) : 0u;
    ASSERT_EQ(t.find(spis[i]), want) << i;
    ASSERT_EQ(card_lookup(card.img.data(), t.log2(), spis[i]), want) << i;
  }
  // Re-insert with new references.
  for (size_t i = 0; i < spis.size(); i += 2) {
    changed.clear();
    ASSERT_EQ(t.insert(spis[i], uint32_t(i + 100000), changed), SpiTable::Insert::Ok);
    card.apply(t, changed);
  }
  ASSERT_TRUE(card.same(t));
  for (size_t i = 0; i < spis.size(); ++i) {
    ASSERT_EQ(card_lookup(card.img.data(), t.log2(), spis[i]), i % 2 ? uint32_t(i + 1) : uint32_t(i + 100000));
  }
}

TEST(SpiTable, EveryEntrySitsInOneOfItsTwoBuckets) {
  SpiTable t(6);  // 64 buckets, 512 slots
  const auto spis = distinct_spis(400, 2);
  std::vector<uint32_t> changed;
  size_t placed = 0;
  for (size_t i = 0; i < spis.size(); ++i) {
    changed.clear();
    if (t.insert(spis[i], uint32_t(i + 1), changed) == SpiTable::Insert::Ok) ++placed;
  }
  EXPECT_EQ(placed, spis.size());  // 78% load: cuckoo with 8-slot buckets places them all
  size_t seen = 0;
  for (uint32_t b = 0; b < t.buckets(); ++b) {
    for (unsigned s = 0; s < spec::SPI_BUCKET_SLOTS; ++s) {
      const uint8_t* slot = t.bucket_image(b) + spec::spi_bucket::slots::offset + s * spec::spi_bucket::slots::stride;
      if (spec::get<spec::spi_slot::sa_ref>(slot) == 0) {
        EXPECT_EQ(spec::get<spec::spi_slot::spi>(slot), 0u);  // empty slots are all zero
        continue;
      }
      ++seen;
      const uint32_t spi = spec::get<spec::spi_slot::spi>(slot);
      EXPECT_TRUE(b == spec::spi_bucket_index(spi, 0, 6) || b == spec::spi_bucket_index(spi, 1, 6));
    }
  }
  EXPECT_EQ(seen, placed);
}

TEST(SpiTable, DuplicateIsRefusedAndChangesNothing) {
  SpiTable t(4);
  std::vector<uint32_t> changed;
  ASSERT_EQ(t.insert(0x1000, 1, changed), SpiTable::Insert::Ok);
  const std::vector<uint8_t> before(t.image(), t.image() + t.image_bytes());
  changed.clear();
  EXPECT_EQ(t.insert(0x1000, 2, changed), SpiTable::Insert::Duplicate);
  EXPECT_TRUE(changed.empty());
  EXPECT_EQ(std::memcmp(before.data(), t.image(), before.size()), 0);
  EXPECT_EQ(t.find(0x1000), 1u);
  EXPECT_THROW(t.insert(0x2000, 0, changed), std::invalid_argument);
}

TEST(SpiTable, FullTableRefusesAndChangesNothing) {
  SpiTable t(1);  // 2 buckets, 16 slots
  const auto spis = distinct_spis(64, 3);
  std::vector<uint32_t> changed;
  size_t placed = 0;
  bool refused = false;
  for (size_t i = 0; i < spis.size(); ++i) {
    const std::vector<uint8_t> before(t.image(), t.image() + t.image_bytes());
    changed.clear();
    const auto r = t.insert(spis[i], uint32_t(i + 1), changed);
    if (r == SpiTable::Insert::Ok) {
      ++placed;
      continue;
    }
    ASSERT_EQ(r, SpiTable::Insert::Full);
    refused = true;
    EXPECT_TRUE(changed.empty());
    EXPECT_EQ(std::memcmp(before.data(), t.image(), before.size()), 0) << "a refused insert changed the table";
    EXPECT_EQ(t.find(spis[i]), 0u);
  }
  EXPECT_TRUE(refused);
  EXPECT_LE(placed, 16u);
  EXPECT_EQ(t.size(), placed);
}

TEST(SpiTable, HighLoadStillPlacesMost) {
  SpiTable t(4);  // 16 buckets, 128 slots
  const auto spis = distinct_spis(1000, 4);
  std::vector<uint32_t> changed;
  for (size_t i = 0; i < spis.size(); ++i) {
    changed.clear();
    t.insert(spis[i], uint32_t(i + 1), changed);
  }
  EXPECT_GE(t.size(), 110u);  // cuckoo kick-outs fill well past what one hash would
  for (size_t i = 0; i < spis.size(); ++i) {
    const uint32_t r = t.find(spis[i]);
    if (r) {
      EXPECT_EQ(r, i + 1);
    }
  }
}
