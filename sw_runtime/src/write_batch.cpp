#include "esp/runtime/detail/write_batch.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>

#include "esp/runtime/detail/card_layout.hpp"

namespace esp::runtime::detail {
namespace {

// Where zero() ranges are written from: one page, as many segments as needed.
constexpr uint64_t kZeroPage = 64 * 1024;
const uint8_t kZeroBytes[kZeroPage] = {};

}  // namespace

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

void WriteBatch::Staging::wipe() {
  if (used_) secure_wipe(p_.get(), used_);
  size_ = used_ = 0;
}

bool WriteBatch::Staging::wiped() const {
  return std::all_of(p_.get(), p_.get() + cap_, [](uint8_t b) { return b == 0; });
}

// ---------------------------------------------------------------- WriteBatch

WriteBatch::~WriteBatch() { clear(); }

void WriteBatch::record(const driver::CardBuffer& buf, uint64_t offset, uint64_t n, uint64_t at, const void* ref) {
  if (pieces_.size() >= std::numeric_limits<uint32_t>::max()) throw std::length_error("WriteBatch: too many writes");
  const driver::CardBuffer r = driver::sub(buf, offset, n);  // checks validity and range
  pieces_.push_back(Piece{r.handle, r.addr, n, at, static_cast<const uint8_t*>(ref)});
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
  record(buf, offset, n, at, nullptr);
}

void WriteBatch::add_ref(const driver::CardBuffer& buf, uint64_t offset, const void* src, uint64_t n) {
  if (n == 0) {
    if (!buf.valid() || offset > buf.size) driver::sub(buf, offset, 1);
    return;
  }
  if (!src) throw std::invalid_argument("WriteBatch::add_ref: no source bytes");
  record(buf, offset, n, kCaller, src);
}

void WriteBatch::zero(const driver::CardBuffer& buf, uint64_t offset, uint64_t n) {
  if (n == 0) {
    if (!buf.valid() || offset > buf.size) driver::sub(buf, offset, 1);
    return;
  }
  record(buf, offset, n, kZeros, nullptr);
}

void WriteBatch::clear() {
  pieces_.clear();
  order_.clear();
  run_.clear();
  segs_.clear();
  staging_.wipe();
  bytes_ = 0;
}

bool WriteBatch::staging_wiped() const { return staging_.wiped(); }

void WriteBatch::push_segment(uint64_t offset, const Piece& p, uint64_t from, uint64_t n) {
  if (p.at == kZeros) {
    for (uint64_t done = 0; done < n; done += kZeroPage) {
      segs_.push_back(driver::WriteSeg{offset + done, kZeroBytes, std::min(kZeroPage, n - done)});
    }
  } else {
    const uint8_t* src = p.at == kCaller ? p.ref : staging_.data() + p.at;
    segs_.push_back(driver::WriteSeg{offset, src + from, n});
  }
}

void WriteBatch::gather_run(size_t i, size_t j, uint64_t start, bool overlaps) {
  segs_.clear();
  if (!overlaps) {  // the pieces tile the run in address order
    for (size_t k = i; k < j; ++k) {
      const Piece& p = pieces_[order_[k]];
      push_segment(p.addr - start, p, 0, p.n);
    }
    return;
  }
  // Paint the pieces in the order recorded: each one replaces what it covers.
  struct Frag {
    uint64_t end;
    uint32_t piece;
  };
  std::map<uint64_t, Frag> paint;  // start -> fragment; disjoint, together the run
  run_.assign(order_.begin() + long(i), order_.begin() + long(j));
  std::sort(run_.begin(), run_.end());
  for (uint32_t k : run_) {
    const uint64_t s = pieces_[k].addr, e = s + pieces_[k].n;
    auto it = paint.lower_bound(s);
    if (it != paint.begin()) {
      auto prev = std::prev(it);
      if (prev->second.end > s) {  // a fragment from before s reaches into [s, e)
        const Frag f = prev->second;
        prev->second.end = s;
        if (f.end > e) paint.emplace(e, f);
      }
    }
    while (it != paint.end() && it->first < e) {
      if (it->second.end > e) {  // reaches past e: keep its tail
        const Frag f = it->second;
        paint.erase(it);
        paint.emplace(e, f);
        break;
      }
      it = paint.erase(it);
    }
    paint.emplace(s, Frag{e, k});
  }
  for (const auto& [fs, f] : paint) {
    const Piece& p = pieces_[f.piece];
    push_segment(fs - start, p, fs - p.addr, f.end - fs);
  }
}

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
      // direct: the run's bytes lie in staging in address order, end to end.
      bool direct = first.at != kZeros && first.at != kCaller, overlaps = false;
      size_t j = i + 1;
      for (; j < order_.size(); ++j) {
        const Piece& p = pieces_[order_[j]];
        if (p.handle != first.handle || p.addr > end) break;
        overlaps = overlaps || p.addr < end;
        direct = direct && p.addr == end && p.at != kZeros && p.at != kCaller && p.at == first.at + (p.addr - start);
        end = std::max(end, p.addr + p.n);
      }
      const driver::CardBuffer range{start, end - start, first.handle};
      if (direct) {
        dev.write(range, 0, staging_.data() + first.at, end - start);
      } else {
        gather_run(i, j, start, overlaps);
        dev.write_gather(range, segs_.data(), segs_.size());
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
