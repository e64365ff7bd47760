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

// The card's copy, updated only by the SPI_SET commands of the slots the
// table says it changed, applied as the card does (CONTRACT.md "Commands").
struct CardCopy {
  std::vector<uint8_t> img;
  size_t sets = 0;
  explicit CardCopy(const SpiTable& t) : img(t.image_bytes(), 0) {}
  void apply(const SpiTable& t, const std::vector<uint32_t>& changed) {
    for (uint32_t slot : changed) {
      const spec::Command c = t.command(slot);
      EXPECT_EQ(c.op, spec::Opcode::SPI_SET);
      EXPECT_EQ(c.slot, slot);
      uint8_t* p = img.data() + size_t(slot / spec::SPI_BUCKET_SLOTS) * spec::spi_bucket::SIZE +
                   spec::spi_bucket::slots::offset + (slot % spec::SPI_BUCKET_SLOTS) * spec::spi_bucket::slots::stride;
      spec::set<spec::spi_slot::spi>(p, c.spi);
      spec::set<spec::spi_slot::sa_ref>(p, c.sa_index == spec::NO_SA_INDEX ? 0u : c.sa_index + 1);
      ++sets;
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
    ASSERT_TRUE(card.same(t)) << "changed slots missed after insert " << i;
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

// Random inserts and erases at high load (so that inserts move entries):
// the card's copy, kept only by one SPI_SET per changed slot, equals the
// host's table after every step, and answers every lookup the same.
TEST(SpiTable, SpiSetPerChangedSlotKeepsTheCardEqualUnderChurn) {
  for (uint32_t seed : {11u, 12u, 13u}) {
    SCOPED_TRACE(seed);
    SpiTable t(3);  // 8 buckets, 64 slots
    CardCopy card(t);
    std::mt19937 rng(seed);
    const auto pool = distinct_spis(200, seed);
    std::vector<uint32_t> live, changed;
    size_t moves = 0;
    for (int step = 0; step < 3000; ++step) {
      if (!live.empty() && (rng() % 3 == 0 || t.size() >= 56)) {
        const size_t k = rng() % live.size();
        uint32_t slot = 0;
        ASSERT_TRUE(t.erase(live[k], slot));
        card.apply(t, {slot});
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
      } else {
        const uint32_t spi = pool[rng() % pool.size()];
        if (t.find(spi)) continue;
        changed.clear();
        if (t.insert(spi, 1 + uint32_t(rng() % 1000), changed) != SpiTable::Insert::Ok) continue;
        moves += changed.size() - 1;
        card.apply(t, changed);
        live.push_back(spi);
      }
      ASSERT_TRUE(card.same(t)) << "step " << step;
    }
    EXPECT_GT(moves, 0u) << "the churn never moved an entry: the test proves nothing about moves";
    for (uint32_t spi : pool) ASSERT_EQ(card_lookup(card.img.data(), t.log2(), spi), t.find(spi));
  }
}

TEST(SpiTable, CommandOfAnEmptyAndAFullSlot) {
  SpiTable t(2);
  std::vector<uint32_t> changed;
  ASSERT_EQ(t.insert(0xABCD, 7, changed), SpiTable::Insert::Ok);
  ASSERT_EQ(changed.size(), 1u);
  spec::Command c = t.command(changed[0]);
  EXPECT_EQ(c.op, spec::Opcode::SPI_SET);
  EXPECT_EQ(c.spi, 0xABCDu);
  EXPECT_EQ(c.sa_index, 6u);
  uint32_t slot = 0;
  ASSERT_TRUE(t.erase(0xABCD, slot));
  EXPECT_EQ(slot, changed[0]);
  c = t.command(slot);
  EXPECT_EQ(c.sa_index, spec::NO_SA_INDEX);
  EXPECT_EQ(c.spi, 0u);
  EXPECT_THROW(t.command(t.slots()), std::out_of_range);
}
