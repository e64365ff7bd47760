#include "esp/runtime/detail/write_batch.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "esp/runtime/detail/card_layout.hpp"

namespace esp::runtime::detail {

// ------------------------------------------------------------------- Staging

WriteBatch::Staging::~Staging() { wipe(); }

void WriteBatch::Staging::grow(size_t need) {
  if (need <= cap_) return;
  size_t cap = cap_ ? cap_ : 4096;
  while (cap < need) cap = cap > std::numeric_limits<size_t>::max() / 2 ? need : cap * 2;
  std::unique_ptr<uint8_t[]> p(new uint8_t[cap]());  // zero-filled: wiped() holds for unused room
  if (size_) std::memcpy(p.get(), p_.get(), size_);
  if (used_) secure_wipe(p_.get(), used_);
  p_ = std::move(p);
  cap_ = cap;
}

size_t WriteBatch::Staging::append(size_t n) {
  if (n > std::numeric_limits<size_t>::max() - size_) throw std::length_error("WriteBatch: staging overflows");
  grow(size_ + n);
  const size_t at = size_;
  size_ += n;
  used_ = std::max(used_, size_);
  return at;
}

uint8_t* WriteBatch::Staging::room(size_t n) {
  if (n > cap_) {
    size_ = 0;  // nothing to keep
    grow(n);
  }
  used_ = std::max(used_, n);
  return p_.get();
}

void WriteBatch::Staging::wipe() {
  if (used_) secure_wipe(p_.get(), used_);
  size_ = used_ = 0;
}

bool WriteBatch::Staging::wiped() const {
  return std::all_of(p_.get(), p_.get() + cap_, [](uint8_t b) { return b == 0; });
}

// ---------------------------------------------------------------- WriteBatch

WriteBatch::~WriteBatch() { clear(); }

void WriteBatch::record(const driver::CardBuffer& buf, uint64_t offset, uint64_t n, uint64_t at) {
  if (pieces_.size() >= std::numeric_limits<uint32_t>::max()) throw std::length_error("WriteBatch: too many writes");
  const driver::CardBuffer r = driver::sub(buf, offset, n);  // checks validity and range
  pieces_.push_back(Piece{r.handle, r.addr, n, at});
  bytes_ += n;
}

void WriteBatch::add(const driver::CardBuffer& buf, uint64_t offset, const void* src, uint64_t n) {
  if (n == 0) {
    if (!buf.valid() || offset > buf.size) driver::sub(buf, offset, 1);  // throws the range error
    return;
  }
  if (!src) throw std::invalid_argument("WriteBatch::add: no source bytes");
  if (n > std::numeric_limits<size_t>::max()) throw std::length_error("WriteBatch: write too large");
  driver::sub(buf, offset, n);  // before anything is staged
  const size_t at = staging_.append(static_cast<size_t>(n));
  std::memcpy(staging_.data() + at, src, static_cast<size_t>(n));
  record(buf, offset, n, at);
}

void WriteBatch::zero(const driver::CardBuffer& buf, uint64_t offset, uint64_t n) {
  if (n == 0) {
    if (!buf.valid() || offset > buf.size) driver::sub(buf, offset, 1);
    return;
  }
  record(buf, offset, n, kZeros);
}

void WriteBatch::clear() {
  pieces_.clear();
  order_.clear();
  run_.clear();
  staging_.wipe();
  merged_.wipe();
  bytes_ = 0;
}

bool WriteBatch::staging_wiped() const { return staging_.wiped() && merged_.wiped(); }

size_t WriteBatch::flush(driver::Device& dev) {
  size_t issued = 0;
  try {
    order_.resize(pieces_.size());
    for (uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
    std::sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) {
      const Piece& x = pieces_[a];
      const Piece& y = pieces_[b];
      if (x.handle != y.handle) return x.handle < y.handle;
      if (x.addr != y.addr) return x.addr < y.addr;
      return a < b;
    });
    for (size_t i = 0; i < order_.size();) {
      const Piece& first = pieces_[order_[i]];
      const uint64_t start = first.addr;
      uint64_t end = first.addr + first.n;
      // Whether the run is its pieces' bytes in staging in order, end to end.
      bool direct = first.at != kZeros;
      size_t j = i + 1;
      for (; j < order_.size(); ++j) {
        const Piece& p = pieces_[order_[j]];
        if (p.handle != first.handle || p.addr > end) break;
        direct = direct && p.addr == end && p.at != kZeros && p.at == first.at + (p.addr - start);
        end = std::max(end, p.addr + p.n);
      }
      const uint64_t len = end - start;
      const driver::CardBuffer range{start, len, first.handle};
      if (direct) {
        dev.write(range, 0, staging_.data() + first.at, len);
      } else {
        if (len > std::numeric_limits<size_t>::max()) throw std::length_error("WriteBatch: range too large");
        uint8_t* out = merged_.room(static_cast<size_t>(len));
        // Every byte of the run is covered by some piece: apply them in the
        // order recorded, so the later one wins.
        run_.assign(order_.begin() + long(i), order_.begin() + long(j));
        std::sort(run_.begin(), run_.end());
        for (uint32_t k : run_) {
          const Piece& p = pieces_[k];
          uint8_t* dst = out + (p.addr - start);
          if (p.at == kZeros) {
            std::memset(dst, 0, static_cast<size_t>(p.n));
          } else {
            std::memcpy(dst, staging_.data() + p.at, static_cast<size_t>(p.n));
          }
        }
        dev.write(range, 0, out, len);
      }
      ++issued;
      i = j;
    }
  } catch (...) {
    clear();
    throw;
  }
  clear();
  return issued;
}

}  // namespace esp::runtime::detail
