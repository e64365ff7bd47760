#include "esp/runtime/detail/region_alloc.hpp"

#include <stdexcept>
#include <string>

namespace esp::runtime::detail {

RegionAllocator::RegionAllocator(uint64_t size, uint64_t align) : size_(size), align_(align), free_bytes_(0) {
  if (align == 0 || (align & (align - 1)) != 0) throw std::invalid_argument("RegionAllocator: alignment must be a power of two");
  size_ = size / align * align;
  if (size_) insert_free(0, size_);
}

void RegionAllocator::insert_free(uint64_t off, uint64_t len) {
  by_off_.emplace(off, len);
  by_size_.emplace(len, off);
  free_bytes_ += len;
}

void RegionAllocator::erase_free(std::map<uint64_t, uint64_t>::iterator it) {
  by_size_.erase({it->second, it->first});
  free_bytes_ -= it->second;
  by_off_.erase(it);
}

std::optional<uint64_t> RegionAllocator::alloc(uint64_t bytes) {
  if (bytes == 0) bytes = 1;
  if (bytes > size_) return std::nullopt;
  const uint64_t len = (bytes + align_ - 1) / align_ * align_;
  auto s = by_size_.lower_bound({len, 0});  // best fit: the smallest block that fits, lowest offset first
  if (s == by_size_.end()) return std::nullopt;
  const uint64_t block = s->first;
  const uint64_t off = s->second;
  erase_free(by_off_.find(off));
  if (block > len) insert_free(off + len, block - len);
  return off;
}

void RegionAllocator::free(uint64_t offset, uint64_t bytes) {
  if (bytes == 0) bytes = 1;
  const uint64_t len = (bytes + align_ - 1) / align_ * align_;
  if (offset % align_ != 0 || offset > size_ || len > size_ - offset) {
    throw std::logic_error("RegionAllocator: free of [" + std::to_string(offset) + ", +" + std::to_string(bytes) +
                           ") outside the region");
  }
  // The block must not overlap a free block.
  auto next = by_off_.lower_bound(offset);
  if (next != by_off_.end() && next->first < offset + len) {
    throw std::logic_error("RegionAllocator: double free at offset " + std::to_string(offset));
  }
  if (next != by_off_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second > offset) {
      throw std::logic_error("RegionAllocator: double free at offset " + std::to_string(offset));
    }
  }
  uint64_t off = offset, l = len;
  if (next != by_off_.end() && next->first == off + l) {
    l += next->second;
    erase_free(next);
  }
  auto after = by_off_.lower_bound(off);
  if (after != by_off_.begin()) {
    auto prev = std::prev(after);
    if (prev->first + prev->second == off) {
      off = prev->first;
      l += prev->second;
      erase_free(prev);
    }
  }
  insert_free(off, l);
}

}  // namespace esp::runtime::detail
