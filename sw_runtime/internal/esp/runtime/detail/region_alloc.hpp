// Best-fit allocator over a region [0, size) of card memory (the replay
// region): aligned blocks, freed blocks merge with their free neighbours.
// Every operation is O(log n) in the number of free blocks: free blocks are
// indexed by offset and by (length, offset), so best fit is one lower_bound
// (the smallest block that fits, the lowest offset among equals) and taking a
// block out of the size index is one erase. Host-side bookkeeping only, no
// device access. Not thread-safe: one owner at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace esp::runtime::detail {

class RegionAllocator {
 public:
  RegionAllocator(uint64_t size, uint64_t align);

  // Offset of a block of at least `bytes` (rounded up to the alignment), or
  // nullopt when no free block is large enough.
  std::optional<uint64_t> alloc(uint64_t bytes);
  // Returns a block from alloc() (same `bytes`). Throws std::logic_error on a
  // block that is not allocated.
  void free(uint64_t offset, uint64_t bytes);

  uint64_t size() const { return size_; }
  uint64_t free_bytes() const { return free_bytes_; }
  uint64_t largest_free() const { return by_size_.empty() ? 0 : by_size_.rbegin()->first; }
  size_t free_blocks() const { return by_off_.size(); }

 private:
  void insert_free(uint64_t off, uint64_t len);
  void erase_free(std::map<uint64_t, uint64_t>::iterator it);

  uint64_t size_, align_, free_bytes_;
  std::map<uint64_t, uint64_t> by_off_;              // free block offset -> length
  std::set<std::pair<uint64_t, uint64_t>> by_size_;  // free blocks as (length, offset)
};

}  // namespace esp::runtime::detail
