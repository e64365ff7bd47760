// Writes into card buffers collected for one device round, then issued as
// one Device::write per contiguous range of card memory.
//
// add() copies the caller's bytes into the batch's own staging at once (the
// caller may reuse its buffer); add_ref() records where the bytes are, to be
// read at flush() (for images the caller keeps anyway, e.g. a host shadow:
// no copy); zero() records a range of zeros without staging bytes. flush()
// orders everything by (allocation, card address), merges ranges that touch
// or overlap (a later add/add_ref/zero wins over an earlier one where they
// overlap) and writes each merged range with exactly one Device call: a
// write() of the staging when the range's bytes lie there in order, else a
// write_gather() of its pieces (zeros come from one shared zero page, so
// zeroing a whole table stages nothing). Either is one device write
// (IoStats::writes) and, the segments being contiguous, one bo sync on xrt.
// SA entries, key material and replay states pass through here: flush() and
// clear() wipe the staging with secure_wipe, and staging that grows is wiped
// before it is released.
//
// Threads: none of its own; one owner at a time (not thread-safe). flush()
// makes Device::write calls (see the Device thread contract).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "esp/driver/device.hpp"

namespace esp::runtime::detail {

class WriteBatch {
 public:
  WriteBatch() = default;
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  // The n bytes at src, to `offset` of `buf` (an allocation or a sub-range).
  // The range is checked against `buf` here (driver::DeviceError, as
  // Device::write would throw); whether `buf` is still allocated is checked
  // by the device at flush(). n = 0 records nothing.
  void add(const driver::CardBuffer& buf, uint64_t offset, const void* src, uint64_t n);
  // As add(), but without a copy: the n bytes at src are read by flush(),
  // and must stay valid and unchanged until it (or clear()) returns. The
  // batch wipes nothing of them.
  void add_ref(const driver::CardBuffer& buf, uint64_t offset, const void* src, uint64_t n);
  // n zero bytes at `offset` of `buf` (same checks as add).
  void zero(const driver::CardBuffer& buf, uint64_t offset, uint64_t n);

  // Issues the writes: one Device::write per maximal contiguous range of an
  // allocation, in (allocation handle, address) order; returns how many it
  // issued. Afterwards the batch is empty and its staging wiped, also when a
  // write throws (the ranges before it stay written; the error propagates).
  size_t flush(driver::Device& dev);
  // Drops everything recorded, wiping the staging.
  void clear();

  size_t pending() const { return pieces_.size(); }  // add/zero calls recorded
  uint64_t bytes() const { return bytes_; }          // their bytes, overlaps counted each time

  // For tests: whether every byte of staging memory the batch holds is zero.
  bool staging_wiped() const;

 private:
  // Host memory that is wiped before it is released or reused.
  class Staging {
   public:
    ~Staging();
    // Room for n bytes at the end; returns their offset.
    size_t append(size_t n);
    uint8_t* data() { return p_.get(); }
    void wipe();  // zero every byte ever used, size back to 0
    bool wiped() const;

   private:
    void grow(size_t need);
    std::unique_ptr<uint8_t[]> p_;
    size_t cap_ = 0, size_ = 0, used_ = 0;  // used_: high-water mark since the last wipe
  };

  static constexpr uint64_t kZeros = ~uint64_t{0};     // Piece::at of a zero() range
  static constexpr uint64_t kCaller = ~uint64_t{0} - 1;  // Piece::at of an add_ref() range

  struct Piece {
    uint32_t handle;
    uint64_t addr;  // card address of the first byte
    uint64_t n;
    uint64_t at;           // offset in staging_, kZeros or kCaller
    const uint8_t* ref;    // the caller's bytes (kCaller)
  };

  void record(const driver::CardBuffer& buf, uint64_t offset, uint64_t n, uint64_t at, const void* ref);
  // The segments of the run order_[i, j) starting at `start` into segs_,
  // later pieces winning where they overlap.
  void gather_run(size_t i, size_t j, uint64_t start, bool overlaps);
  void push_segment(uint64_t offset, const Piece& p, uint64_t from, uint64_t n);

  std::vector<Piece> pieces_;  // in the order recorded: a later index wins
  std::vector<uint32_t> order_, run_;
  std::vector<driver::WriteSeg> segs_;
  Staging staging_;
  uint64_t bytes_ = 0;
};

}  // namespace esp::runtime::detail
