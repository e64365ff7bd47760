// detail::WriteBatch on the swemu backend: what reaches card memory, and how
// many Device writes it took (Device::io_stats).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "esp/driver/device.hpp"
#include "esp/runtime/detail/write_batch.hpp"
#include "esp/spec/esp_spec.hpp"

namespace {

using esp::driver::CardBuffer;
using esp::driver::Device;
using esp::driver::DeviceError;
using esp::runtime::detail::WriteBatch;
namespace spec = esp::spec;

constexpr uint64_t kPage = 4096;

std::unique_ptr<Device> open_swemu() {
  esp::driver::DeviceOptions o;
  o.backend = "swemu";
  o.card_memory_bytes = 64ull << 20;
  return esp::driver::open_device(o);
}

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed * 31 + i * 7 + 1);
  return v;
}

std::vector<uint8_t> read_all(Device& d, const CardBuffer& b) {
  std::vector<uint8_t> v(b.size);
  d.read(b, 0, v.data(), v.size());
  return v;
}

class WriteBatchTest : public ::testing::Test {
 protected:
  std::unique_ptr<Device> d_ = open_swemu();
  WriteBatch wb_;
};

// 1000 SA entries side by side, recorded in several orders: one write.
TEST_F(WriteBatchTest, AThousandAdjacentSaEntriesAreOneWrite) {
  constexpr uint32_t kEntries = 1000;
  constexpr uint64_t kSize = spec::sa_entry::SIZE;
  const CardBuffer table = d_->alloc(kEntries * kSize + kPage);
  std::vector<uint32_t> in_order(kEntries);
  std::iota(in_order.begin(), in_order.end(), 0u);
  std::vector<uint32_t> reversed(in_order.rbegin(), in_order.rend());
  std::vector<uint32_t> shuffled = in_order;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(11));
  const std::vector<std::pair<const char*, std::vector<uint32_t>>> orders = {
      {"in order", in_order}, {"reversed", reversed}, {"shuffled", shuffled}};
  uint32_t round = 0;
  for (const auto& [name, order] : orders) {
    SCOPED_TRACE(name);
    ++round;
    std::vector<uint8_t> want(table.size, 0);
    for (uint32_t e : order) {
      const auto img = pattern(kSize, e + round * kEntries);
      wb_.add(table, kPage + e * kSize, img.data(), img.size());  // after a page left alone
      std::copy(img.begin(), img.end(), want.begin() + long(kPage + e * kSize));
    }
    EXPECT_EQ(wb_.pending(), kEntries);
    EXPECT_EQ(wb_.bytes(), kEntries * kSize);
    const auto before = d_->io_stats();
    EXPECT_EQ(wb_.flush(*d_), 1u);
    const auto after = d_->io_stats();
    EXPECT_EQ(after.writes - before.writes, 1u);
    EXPECT_EQ(after.write_bytes - before.write_bytes, kEntries * kSize);
    EXPECT_EQ(read_all(*d_, table), want);
    EXPECT_EQ(wb_.pending(), 0u);
    EXPECT_EQ(wb_.flush(*d_), 0u) << "a flushed batch is empty";
  }
}

// Ranges of several buffers (and sub-ranges of one allocation) recorded
// interleaved: one write per contiguous range of an allocation.
TEST_F(WriteBatchTest, InterleavedBuffersOneWritePerContiguousRange) {
  const CardBuffer a = d_->alloc(4 * kPage);
  const CardBuffer b = d_->alloc(kPage);
  const CardBuffer a_view = esp::driver::sub(a, 2 * kPage, kPage);
  struct Rec {
    CardBuffer buf;
    uint64_t offset, n;
  };
  struct Case {
    const char* what;
    std::vector<Rec> recs;
    size_t writes;
  };
  const std::vector<Case> cases = {
      {"two touching in a, two apart in b", {{a, 0, 100}, {b, 0, 50}, {a, 100, 100}, {b, 60, 20}}, 3},
      {"a view touching its allocation's range", {{a, 2 * kPage - 64, 64}, {a_view, 0, 64}, {b, 0, 8}}, 2},
      {"one byte apart", {{a, 0, 10}, {a, 11, 10}}, 2},
      {"three buffers' worth of singles", {{b, 7, 1}, {a, 7, 1}, {a_view, 7, 1}, {a, 8, 1}}, 3},
      {"same range twice", {{b, 100, 30}, {b, 100, 30}}, 1},
  };
  uint32_t seed = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    std::vector<uint8_t> want_a = read_all(*d_, a), want_b = read_all(*d_, b);
    for (const Rec& r : c.recs) {
      const auto p = pattern(r.n, ++seed);
      wb_.add(r.buf, r.offset, p.data(), p.size());
      auto& want = r.buf.addr >= a.addr && r.buf.addr < a.addr + a.size ? want_a : want_b;
      const uint64_t base = r.buf.addr - (&want == &want_a ? a.addr : b.addr);
      std::copy(p.begin(), p.end(), want.begin() + long(base + r.offset));
    }
    const auto before = d_->io_stats();
    EXPECT_EQ(wb_.flush(*d_), c.writes);
    EXPECT_EQ(d_->io_stats().writes - before.writes, c.writes);
    EXPECT_EQ(read_all(*d_, a), want_a);
    EXPECT_EQ(read_all(*d_, b), want_b);
  }
}

// Where recorded ranges overlap, the one recorded later wins, zero() included.
TEST_F(WriteBatchTest, OverlappingWritesLastOneWins) {
  const CardBuffer buf = d_->alloc(kPage);
  const std::vector<uint8_t> ones(kPage, 0x11);
  d_->write(buf, 0, ones.data(), ones.size());
  const auto p = pattern(100, 1), q = pattern(100, 2), r = pattern(2, 3);
  wb_.add(buf, 0, p.data(), 100);     // [0, 100)
  wb_.add(buf, 50, q.data(), 100);    // [50, 150) over p's tail
  wb_.zero(buf, 80, 10);              // [80, 90) zeros over q
  wb_.add(buf, 85, r.data(), 2);      // [85, 87) over the zeros
  wb_.add(buf, 140, p.data(), 20);    // [140, 160) over q's tail
  wb_.zero(buf, 300, 8);              // apart: a second write
  std::vector<uint8_t> want = ones;
  std::copy(p.begin(), p.end(), want.begin());
  std::copy(q.begin(), q.end(), want.begin() + 50);
  std::fill(want.begin() + 80, want.begin() + 90, 0);
  std::copy(r.begin(), r.end(), want.begin() + 85);
  std::copy(p.begin(), p.begin() + 20, want.begin() + 140);
  std::fill(want.begin() + 300, want.begin() + 308, 0);
  EXPECT_EQ(wb_.bytes(), 100u + 100 + 10 + 2 + 20 + 8);
  EXPECT_EQ(wb_.flush(*d_), 2u);
  EXPECT_EQ(read_all(*d_, buf), want);
}

TEST_F(WriteBatchTest, ZeroLengthRecordsNothingAndRangesAreChecked) {
  const CardBuffer buf = d_->alloc(kPage);
  const CardBuffer view = esp::driver::sub(buf, 0, 64);
  const uint8_t x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  wb_.add(buf, kPage, x, 0);    // at the end: fine, nothing recorded
  wb_.add(buf, 0, nullptr, 0);
  wb_.zero(buf, 17, 0);
  EXPECT_EQ(wb_.pending(), 0u);
  EXPECT_EQ(wb_.bytes(), 0u);
  const auto before = d_->io_stats();
  EXPECT_EQ(wb_.flush(*d_), 0u);
  EXPECT_EQ(d_->io_stats().writes, before.writes);
  // Refused when recorded, nothing recorded.
  EXPECT_THROW(wb_.add(view, 60, x, 8), DeviceError);
  EXPECT_THROW(wb_.add(view, 65, x, 0), DeviceError);
  EXPECT_THROW(wb_.zero(buf, kPage, 1), DeviceError);
  EXPECT_THROW(wb_.add(CardBuffer{}, 0, x, 1), DeviceError);
  EXPECT_THROW(wb_.add(buf, 0, nullptr, 1), std::invalid_argument);
  EXPECT_EQ(wb_.pending(), 0u);
  EXPECT_TRUE(wb_.staging_wiped()) << "a refused add left bytes in staging";
}

// Keys pass through the staging: nothing of them is left after a flush, a
// clear, or a flush that fails; also when the staging grew on the way.
TEST_F(WriteBatchTest, StagingIsWipedAfterFlushClearAndFailure) {
  const CardBuffer buf = d_->alloc(64 * kPage);
  const auto key = pattern(32, 99);
  enum class End { Flush, Clear, FailedFlush };
  for (End end : {End::Flush, End::Clear, End::FailedFlush}) {
    SCOPED_TRACE(int(end));
    const CardBuffer gone = d_->alloc(kPage);
    for (uint64_t i = 0; i < 2000; ++i) wb_.add(buf, i * 64 + 16, key.data(), key.size());  // grows, and merges
    wb_.add(buf, 5, key.data(), key.size());  // overlaps nothing, merges nothing: not direct
    wb_.add(buf, 20, key.data(), key.size());
    if (end == End::FailedFlush) {
      wb_.add(gone, 0, key.data(), key.size());
      d_->free(gone);
    }
    EXPECT_FALSE(wb_.staging_wiped()) << "the key must be in the staging before";
    switch (end) {
      case End::Flush: EXPECT_GT(wb_.flush(*d_), 0u); break;
      case End::Clear: wb_.clear(); break;
      case End::FailedFlush: EXPECT_THROW(wb_.flush(*d_), DeviceError); break;
    }
    EXPECT_TRUE(wb_.staging_wiped());
    EXPECT_EQ(wb_.pending(), 0u);
    EXPECT_EQ(wb_.bytes(), 0u);
    if (end != End::FailedFlush) d_->free(gone);
  }
}

// Random add / add_ref / zero ranges over two buffers against a byte model:
// the card ends as the model, with one write per maximal covered interval.
TEST_F(WriteBatchTest, RandomOverlapsMatchAByteModel) {
  const CardBuffer bufs[] = {d_->alloc(4 * kPage), d_->alloc(kPage)};
  std::mt19937 rng(5);
  std::vector<std::vector<uint8_t>> keep;  // add_ref sources, alive until flush
  for (int round = 0; round < 200; ++round) {
    SCOPED_TRACE(round);
    std::vector<uint8_t> model[2] = {read_all(*d_, bufs[0]), read_all(*d_, bufs[1])};
    std::vector<bool> covered[2] = {std::vector<bool>(bufs[0].size), std::vector<bool>(bufs[1].size)};
    keep.clear();
    const int n = 1 + int(rng() % 12);
    for (int k = 0; k < n; ++k) {
      const unsigned b = unsigned(rng() % 2);
      const uint64_t size = bufs[b].size;
      const uint64_t off = rng() % size;
      const uint64_t len = 1 + rng() % std::min<uint64_t>(size - off, 300);
      const unsigned kind = unsigned(rng() % 3);
      std::vector<uint8_t> bytes = kind == 2 ? std::vector<uint8_t>(len, 0) : pattern(len, uint32_t(round * 100 + k));
      if (kind == 0) {
        wb_.add(bufs[b], off, bytes.data(), len);
      } else if (kind == 1) {
        keep.push_back(bytes);
        wb_.add_ref(bufs[b], off, keep.back().data(), len);
      } else {
        wb_.zero(bufs[b], off, len);
      }
      std::copy(bytes.begin(), bytes.end(), model[b].begin() + long(off));
      std::fill(covered[b].begin() + long(off), covered[b].begin() + long(off + len), true);
    }
    size_t intervals = 0;
    for (const auto& c : covered) {
      for (size_t i = 0; i < c.size(); ++i) intervals += c[i] && (i == 0 || !c[i - 1]);
    }
    const auto before = d_->io_stats();
    EXPECT_EQ(wb_.flush(*d_), intervals);
    EXPECT_EQ(d_->io_stats().writes - before.writes, intervals);
    ASSERT_EQ(read_all(*d_, bufs[0]), model[0]);
    ASSERT_EQ(read_all(*d_, bufs[1]), model[1]);
  }
}

// add_ref reads the caller's bytes at flush (no copy, nothing staged);
// zeroing a large table stages nothing either: one write each.
TEST_F(WriteBatchTest, AddRefAndLargeZeroRangesStageNothing) {
  const CardBuffer table = d_->alloc(16ull << 20);
  std::vector<uint8_t> shadow = pattern(3 * kPage, 4);
  wb_.add_ref(table, 0, shadow.data(), kPage);
  wb_.add_ref(table, kPage, shadow.data() + kPage, 2 * kPage);
  shadow[10] ^= 0xFF;  // changed before the flush: the card gets the new byte
  EXPECT_EQ(wb_.bytes(), 3 * kPage);
  EXPECT_TRUE(wb_.staging_wiped()) << "add_ref staged bytes";
  EXPECT_EQ(wb_.flush(*d_), 1u);
  std::vector<uint8_t> got(shadow.size());
  d_->read(table, 0, got.data(), got.size());
  EXPECT_EQ(got, shadow);
  EXPECT_THROW(wb_.add_ref(table, 0, nullptr, 1), std::invalid_argument);

  const std::vector<uint8_t> ones(table.size, 0xFF);
  d_->write(table, 0, ones.data(), ones.size());
  wb_.zero(table, 0, table.size);
  const auto before = d_->io_stats();
  EXPECT_EQ(wb_.flush(*d_), 1u);
  EXPECT_EQ(d_->io_stats().writes - before.writes, 1u);
  EXPECT_EQ(d_->io_stats().write_bytes - before.write_bytes, table.size);
  EXPECT_EQ(read_all(*d_, table), std::vector<uint8_t>(table.size, 0));
  EXPECT_TRUE(wb_.staging_wiped());
}

}  // namespace
