// The emulated card memory of the Verilator harness: the same buffer model as
// the swemu backend. Buffers are 4 KiB aligned, zero-filled, and separated by
// an unmapped 4 KiB gap so that an access past a buffer is a decode error.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

namespace esp::sim {

class CardMemory {
 public:
  static constexpr uint64_t kBase = 0x1000000000ull;  // first card address handed out
  static constexpr uint64_t kAlign = 4096;

  explicit CardMemory(uint64_t capacity) : capacity_(capacity) {}

  struct Buffer {
    uint64_t addr = 0;
    uint64_t size = 0;
    uint32_t handle = 0;
  };

  // Throws SimError when `bytes` is 0 or the capacity is exhausted.
  Buffer alloc(uint64_t bytes);
  // Throws SimError for an unknown buffer.
  void free(uint64_t addr, uint32_t handle);
  // Host access to a buffer (bounds-checked by the caller).
  uint8_t* host(uint64_t addr, uint32_t handle);

  // Card-address access as the AXI slave sees it: the n bytes at addr must lie
  // inside one buffer; returns nullptr otherwise.
  uint8_t* at(uint64_t addr, uint64_t n);

  uint64_t capacity() const { return capacity_; }
  uint64_t used() const { return used_; }

 private:
  struct Buf {
    Buffer buf;
    std::vector<uint8_t> bytes;
  };
  uint64_t capacity_;
  uint64_t used_ = 0;
  uint64_t next_addr_ = kBase;
  uint32_t next_handle_ = 0;
  std::map<uint64_t, Buf> bufs_;
};

}  // namespace esp::sim
