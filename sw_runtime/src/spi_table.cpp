#include "esp/runtime/detail/spi_table.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace esp::runtime::detail {

static_assert(spec::spi_bucket::slots::count == spec::SPI_BUCKET_SLOTS, "bucket slots");
static_assert(spec::spi_bucket::slots::stride == spec::spi_slot::SIZE, "slot stride");

SpiTable::SpiTable(unsigned log2) : log2_(log2) {
  if (log2 < 1 || log2 > 31) throw std::invalid_argument("SPI table: log2 buckets " + std::to_string(log2) + " out of 1..31");
  img_.assign(size_t(buckets()) * spec::spi_bucket::SIZE, 0);
}

int SpiTable::free_slot(uint32_t b) const {
  for (unsigned s = 0; s < spec::SPI_BUCKET_SLOTS; ++s) {
    if (ref_at(b, s) == 0) return static_cast<int>(s);
  }
  return -1;
}

uint32_t SpiTable::other_bucket(uint32_t spi, uint32_t b) const {
  const uint32_t b0 = spec::spi_bucket_index(spi, 0, log2_);
  return b == b0 ? spec::spi_bucket_index(spi, 1, log2_) : b0;
}

uint32_t SpiTable::find(uint32_t spi) const {
  for (unsigned which = 0; which < 2; ++which) {
    const uint32_t b = spec::spi_bucket_index(spi, which, log2_);
    for (unsigned s = 0; s < spec::SPI_BUCKET_SLOTS; ++s) {
      const uint32_t ref = ref_at(b, s);
      if (ref != 0 && spi_at(b, s) == spi) return ref;
    }
  }
  return 0;
}

SpiTable::Insert SpiTable::insert(uint32_t spi, uint32_t sa_ref, std::vector<uint32_t>& changed) {
  if (sa_ref == 0) throw std::invalid_argument("SPI table: sa_ref 0 marks an empty slot");
  if (find(spi) != 0) return Insert::Duplicate;
  const uint32_t b0 = spec::spi_bucket_index(spi, 0, log2_);
  const uint32_t b1 = spec::spi_bucket_index(spi, 1, log2_);

  // Breadth-first search for the shortest chain of moves that frees a slot
  // in b0 or b1: the first bucket with a free slot ends the chain.
  bfs_.clear();
  bfs_.push_back({b0, -1, 0, 0});
  if (b1 != b0) bfs_.push_back({b1, -1, 0, 0});
  int found = -1;
  int found_slot = -1;
  for (size_t i = 0; i < bfs_.size() && found < 0; ++i) {
    const Node n = bfs_[i];
    const int fs = free_slot(n.bucket);
    if (fs >= 0) {
      found = static_cast<int>(i);
      found_slot = fs;
      break;
    }
    if (n.depth >= kMaxPathLength) continue;
    for (unsigned s = 0; s < spec::SPI_BUCKET_SLOTS; ++s) {
      if (bfs_.size() >= kMaxVisitedBuckets) break;
      const uint32_t alt = other_bucket(spi_at(n.bucket, s), n.bucket);
      if (alt == n.bucket) continue;  // both hashes agree: that entry cannot move
      // A bucket already on the search tree adds nothing new.
      const bool seen = std::any_of(bfs_.begin(), bfs_.end(), [&](const Node& x) { return x.bucket == alt; });
      if (seen) continue;
      bfs_.push_back({alt, static_cast<int>(i), s, n.depth + 1});
    }
  }
  if (found < 0) return Insert::Full;

  // Walk the chain backwards: each entry moves into the slot freed after it.
  const size_t first_changed = changed.size();
  int cur = found;
  unsigned dst_slot = static_cast<unsigned>(found_slot);
  while (bfs_[size_t(cur)].parent >= 0) {
    const Node& n = bfs_[size_t(cur)];
    const uint32_t pb = bfs_[size_t(n.parent)].bucket;
    put(n.bucket, dst_slot, spi_at(pb, n.slot), ref_at(pb, n.slot));
    changed.push_back(n.bucket * spec::SPI_BUCKET_SLOTS + dst_slot);
    dst_slot = n.slot;
    cur = n.parent;
  }
  put(bfs_[size_t(cur)].bucket, dst_slot, spi, sa_ref);
  changed.push_back(bfs_[size_t(cur)].bucket * spec::SPI_BUCKET_SLOTS + dst_slot);
  std::sort(changed.begin() + static_cast<std::ptrdiff_t>(first_changed), changed.end());
  changed.erase(std::unique(changed.begin() + static_cast<std::ptrdiff_t>(first_changed), changed.end()),
                changed.end());
  ++size_;
  return Insert::Ok;
}

bool SpiTable::erase(uint32_t spi, uint32_t& slot) {
  for (unsigned which = 0; which < 2; ++which) {
    const uint32_t b = spec::spi_bucket_index(spi, which, log2_);
    for (unsigned s = 0; s < spec::SPI_BUCKET_SLOTS; ++s) {
      if (ref_at(b, s) != 0 && spi_at(b, s) == spi) {
        put(b, s, 0, 0);
        slot = b * spec::SPI_BUCKET_SLOTS + s;
        --size_;
        return true;
      }
    }
  }
  return false;
}

spec::Command SpiTable::command(uint32_t slot) const {
  if (slot >= slots()) throw std::out_of_range("SPI table: slot " + std::to_string(slot) + " of " + std::to_string(slots()));
  const uint32_t b = slot / spec::SPI_BUCKET_SLOTS;
  const unsigned s = slot % spec::SPI_BUCKET_SLOTS;
  spec::Command c;
  c.op = spec::Opcode::SPI_SET;
  c.slot = slot;
  const uint32_t ref = ref_at(b, s);
  c.spi = ref ? spi_at(b, s) : 0u;
  c.sa_index = ref ? ref - 1 : spec::NO_SA_INDEX;
  return c;
}

}  // namespace esp::runtime::detail
