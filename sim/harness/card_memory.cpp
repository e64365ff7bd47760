#include "card_memory.hpp"

#include <sstream>

#include "sim_error.hpp"

namespace esp::sim {

CardMemory::Buffer CardMemory::alloc(uint64_t bytes) {
  if (bytes == 0) throw SimError("cannot allocate an empty card buffer");
  const uint64_t size = (bytes + kAlign - 1) / kAlign * kAlign;
  if (size < bytes || size > capacity_ - used_) {
    std::ostringstream os;
    os << "card memory exhausted: " << bytes << " bytes asked, " << (capacity_ - used_) << " of " << capacity_
       << " free";
    throw SimError(os.str());
  }
  Buffer b{next_addr_, size, ++next_handle_};
  Buf& slot = bufs_[b.addr];
  slot.buf = b;
  slot.bytes.assign(size, 0);
  next_addr_ += size + kAlign;  // an unmapped gap between buffers
  used_ += size;
  return b;
}

void CardMemory::free(uint64_t addr, uint32_t handle) {
  auto it = bufs_.find(addr);
  if (it == bufs_.end() || it->second.buf.handle != handle) throw SimError("free of an unknown card buffer");
  used_ -= it->second.buf.size;
  bufs_.erase(it);
}

uint8_t* CardMemory::host(uint64_t addr, uint32_t handle) {
  auto it = bufs_.find(addr);
  if (it == bufs_.end() || it->second.buf.handle != handle) throw SimError("unknown card buffer");
  return it->second.bytes.data();
}

uint8_t* CardMemory::at(uint64_t addr, uint64_t n) {
  auto it = bufs_.upper_bound(addr);
  if (it == bufs_.begin()) return nullptr;
  --it;
  const uint64_t off = addr - it->first;
  if (off >= it->second.buf.size || n > it->second.buf.size - off) return nullptr;
  return it->second.bytes.data() + off;
}

}  // namespace esp::sim
