// The Device contract, one suite on every backend of the build:
//   swemu     always (ctest test_device_conformance, label unit)
//   xrt_noop  XRT's noop emulation, when the build has the xrt backend
//             (ESP_TEST_XRT_NOOP; same ctest)
//   cosim     the RTL in Verilator, when the build has it (ESP_TEST_COSIM;
//             ctest test_device_conformance_cosim, label cosim, optimised
//             build only: --gtest_filter=*/cosim)
// Each suite is instantiated for exactly the backends that have what it
// tests (XRT's noop shim has no register file and runs no kernel), so no
// test skips.
//
//   DeviceContract  checks of the base class (register offsets, buffers,
//                   ranges, sub-ranges, free, run arguments) and card memory
//   DeviceRegisters the control slave's register behaviour (swemu = RTL)
//   DeviceMemoryCap the emulated card memory's capacity
//   DeviceRuns      a kernel run over sub-ranges of allocations
//   DeviceThreads   the thread contract: disjoint I/O and alloc/free on three
//                   threads while a fourth runs kernels (also under TSan)
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "device_test_util.hpp"
#include "esp/driver/device.hpp"

namespace {

using esp::driver::CardBuffer;
using esp::driver::Device;
using esp::driver::DeviceError;
using esp::driver::DeviceOptions;
using esp::driver::KernelArgs;
namespace spec = esp::spec;
namespace ctrl = spec::reg::ctrl;

constexpr uint64_t kPage = 4096;

// ------------------------------------------------------------------ backends

enum class Backend { Swemu, XrtNoop, Cosim };

std::string name_of(Backend b) {
  switch (b) {
    case Backend::Swemu: return "swemu";
    case Backend::XrtNoop: return "xrt_noop";
    case Backend::Cosim: return "cosim";
  }
  return "?";
}

std::unique_ptr<Device> open(Backend b, uint64_t card_memory = 64ull << 20) {
  DeviceOptions o;
  o.card_memory_bytes = card_memory;
  switch (b) {
    case Backend::Swemu: o.backend = "swemu"; break;
    case Backend::XrtNoop:
      o.backend = "xrt";
      o.xrt.emulation = esp::driver::XrtEmulation::Noop;
      break;
    case Backend::Cosim:
      o.backend = "cosim";
      o.cosim.seed = 7;             // pinned: the suite is the same run every time
      o.cosim.backpressure = 0.3;   // the AXI4-Lite master and the memory slave see stalls
      o.cosim.print_seed = false;
      break;
  }
  return esp::driver::open_device(o);
}

std::string param_name(const ::testing::TestParamInfo<Backend>& i) { return name_of(i.param); }

using esp::driver::test::ArgBuffers;
using esp::driver::test::args_with_buffers;
using esp::driver::test::error_of;
using esp::driver::test::has;
using esp::driver::test::pattern;

std::vector<uint8_t> read_all(Device& d, const CardBuffer& b) {
  std::vector<uint8_t> v(b.size, 0xAA);
  d.read(b, 0, v.data(), v.size());
  return v;
}

// The command that ends a run (CONTRACT.md "A run and its ring").
std::vector<uint8_t> stop_image() {
  spec::Command stop;
  stop.op = spec::Opcode::STOP;
  stop.sa_index = spec::NO_SA_INDEX;
  std::vector<uint8_t> img(spec::command::SIZE);
  spec::pack(stop, img.data());
  return img;
}

// One page of its own per pointer argument and scalars that make an empty
// run: a one-entry ring (ring_log2 0) holding a STOP.
ArgBuffers empty_batch(Device& d) {
  ArgBuffers a =
      args_with_buffers(d, kPage, [](unsigned i) -> uint64_t { return i == spec::arg::SA_CAPACITY ? 1 : 0; });
  const std::vector<uint8_t> stop = stop_image();
  d.write(a.args.buffer(spec::arg::DESC_RING), 0, stop.data(), stop.size());
  return a;
}

// Publishes the next `count` ring entries (already in their slots) for a
// run: ring_first = CPL_PROD, DESC_PROD after them. XRT's noop shim has no
// register file (and runs no kernel): nothing to publish there.
void publish(Device& d, KernelArgs& a, uint32_t count) {
  if (d.backend() == "xrt") return;
  const uint32_t first = d.read_reg(spec::reg::CPL_PROD);
  a.set(spec::arg::RING_FIRST, uint64_t{first});
  d.write_reg(spec::reg::DESC_PROD, first + count);
}

// ------------------------------------------------------------ DeviceContract

class DeviceContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { d_ = open(GetParam()); }
  std::unique_ptr<Device> d_;
};

TEST_P(DeviceContract, RegisterOffsetsOutsideTheSlaveAreRefusedBeforeTheBackend) {
  // Refused by Device itself: the same message on every backend, also on
  // XRT's noop shim, which would fail any register access differently.
  const uint32_t offsets[] = {spec::reg::SPACE_BYTES, spec::reg::SPACE_BYTES + 4, 0xFFFFFFFCu, 1, 2, 3,
                              spec::reg::CTRL + 1, spec::arg::OFFSET[spec::arg::DESC_RING] + 2};
  for (uint32_t off : offsets) {
    SCOPED_TRACE(off);
    const std::string r = error_of([&] { d_->read_reg(off); });
    EXPECT_TRUE(has(r, "outside the control slave")) << r;
    EXPECT_TRUE(has(r, d_->backend() + ":")) << r;
    const std::string w = error_of([&] { d_->write_reg(off, 0); });
    EXPECT_TRUE(has(w, "outside the control slave")) << w;
  }
}

TEST_P(DeviceContract, AllocationsAreWholePagesAndZeroFilled) {
  for (uint64_t bytes : {uint64_t{1}, kPage - 1, kPage, kPage + 1, uint64_t{10000}}) {
    SCOPED_TRACE(bytes);
    const CardBuffer b = d_->alloc(bytes);
    EXPECT_TRUE(b.valid());
    EXPECT_EQ(b.size, (bytes + kPage - 1) / kPage * kPage);
    // XRT's noop shim reports the same fake address (0xdeadbeef) for every buffer.
    if (GetParam() != Backend::XrtNoop) { EXPECT_EQ(b.addr % kPage, 0u); }
    EXPECT_EQ(read_all(*d_, b), std::vector<uint8_t>(b.size, 0));
    d_->free(b);
  }
  EXPECT_TRUE(has(error_of([&] { d_->alloc(0); }), "empty card buffer"));
}

TEST_P(DeviceContract, RangesRoundTripAtOffsets) {
  const CardBuffer a = d_->alloc(4 * kPage);
  const CardBuffer b = d_->alloc(kPage);
  const auto pa = pattern(1000, 3);
  const auto pb = pattern(64, 200);
  d_->write(a, kPage - 3, pa.data(), pa.size());  // across a page boundary
  d_->write(b, kPage - 64, pb.data(), pb.size());  // the last bytes
  std::vector<uint8_t> got(pa.size());
  d_->read(a, kPage - 3, got.data(), got.size());
  EXPECT_EQ(got, pa);
  std::vector<uint8_t> mid(200);
  d_->read(a, kPage - 3 + 500, mid.data(), mid.size());
  EXPECT_EQ(mid, std::vector<uint8_t>(pa.begin() + 500, pa.begin() + 700));
  // Around the written range, and in the other buffer, nothing changed.
  const auto all = read_all(*d_, a);
  for (uint64_t i = 0; i < a.size; ++i) {
    if (i < kPage - 3 || i >= kPage - 3 + pa.size()) { ASSERT_EQ(all[i], 0) << "byte " << i; }
  }
  std::vector<uint8_t> gotb(pb.size());
  d_->read(b, kPage - 64, gotb.data(), gotb.size());
  EXPECT_EQ(gotb, pb);
  // n = 0 at the end moves nothing and is not an error.
  EXPECT_NO_THROW(d_->read(b, b.size, got.data(), 0));
  EXPECT_NO_THROW(d_->write(b, b.size, pa.data(), 0));
}

TEST_P(DeviceContract, RangesOutsideABufferAreErrors) {
  const CardBuffer b = d_->alloc(2 * kPage);
  struct Case {
    uint64_t offset, n;
  };
  const Case cases[] = {{b.size, 1}, {b.size - 2, 3}, {b.size + 1, 0}, {0, b.size + 1}, {1, UINT64_MAX},
                        {UINT64_MAX, 2}};
  std::vector<uint8_t> buf(16, 0);
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.offset) + "+" + std::to_string(c.n));
    // The range is checked before any byte moves (n may exceed `buf` here).
    const std::string r = error_of([&] { d_->read(b, c.offset, buf.data(), c.n); });
    EXPECT_TRUE(has(r, "outside the " + std::to_string(b.size) + "-byte card buffer")) << r;
    const std::string w = error_of([&] { d_->write(b, c.offset, buf.data(), c.n); });
    EXPECT_TRUE(has(w, "outside the " + std::to_string(b.size) + "-byte card buffer")) << w;
  }
  EXPECT_EQ(read_all(*d_, b), std::vector<uint8_t>(b.size, 0)) << "a refused write wrote";
}

TEST_P(DeviceContract, ASubRangeAddressesItsAllocation) {
  const CardBuffer whole = d_->alloc(3 * kPage);
  const CardBuffer view = esp::driver::sub(whole, kPage, kPage);
  EXPECT_EQ(view.addr, whole.addr + kPage);
  EXPECT_EQ(view.size, kPage);
  EXPECT_EQ(view.handle, whole.handle);
  const auto p = pattern(32, 9);
  d_->write(view, 8, p.data(), p.size());
  std::vector<uint8_t> got(p.size());
  d_->read(whole, kPage + 8, got.data(), got.size());
  EXPECT_EQ(got, p);
  const auto q = pattern(16, 77);
  d_->write(whole, 2 * kPage - 16, q.data(), q.size());
  std::vector<uint8_t> got_q(q.size());
  d_->read(view, kPage - 16, got_q.data(), got_q.size());
  EXPECT_EQ(got_q, q);
  // A sub-range of a sub-range.
  const CardBuffer inner = esp::driver::sub(view, 8, 32);
  std::vector<uint8_t> got_inner(32);
  d_->read(inner, 0, got_inner.data(), got_inner.size());
  EXPECT_EQ(got_inner, p);
  // Ranges are those of the sub-range, though the allocation goes on.
  uint8_t x = 0;
  EXPECT_TRUE(has(error_of([&] { d_->read(view, kPage, &x, 1); }), "outside the 4096-byte card buffer"));
  EXPECT_TRUE(has(error_of([&] { d_->write(inner, 30, p.data(), 3); }), "outside the 32-byte card buffer"));
  // sub() itself refuses what is not inside.
  EXPECT_THROW(esp::driver::sub(view, 1, kPage), DeviceError);
  EXPECT_THROW(esp::driver::sub(view, kPage, 1), DeviceError);
  EXPECT_THROW(esp::driver::sub(view, 0, 0), DeviceError);
  EXPECT_THROW(esp::driver::sub(CardBuffer{}, 0, 1), DeviceError);
  // A hand-made CardBuffer that leaves its allocation is refused by Device.
  const CardBuffer past{whole.addr + 2 * kPage, 2 * kPage, whole.handle};
  EXPECT_TRUE(has(error_of([&] { d_->read(past, 0, &x, 1); }), "is not inside its 12288-byte allocation"));
  const CardBuffer before{whole.addr - kPage, kPage, whole.handle};
  EXPECT_TRUE(has(error_of([&] { d_->write(before, 0, &x, 1); }), "is not inside its"));
}

TEST_P(DeviceContract, FreeTakesTheAllocationNotASubRange) {
  const CardBuffer whole = d_->alloc(2 * kPage);
  const CardBuffer view = esp::driver::sub(whole, kPage, kPage);
  const CardBuffer head = esp::driver::sub(whole, 0, kPage);
  const auto p = pattern(8, 1);
  d_->write(view, 0, p.data(), p.size());
  EXPECT_TRUE(has(error_of([&] { d_->free(view); }), "sub-range"));
  EXPECT_TRUE(has(error_of([&] { d_->free(head); }), "sub-range"));
  // Still allocated, contents kept.
  std::vector<uint8_t> got(p.size());
  d_->read(view, 0, got.data(), got.size());
  EXPECT_EQ(got, p);
  d_->free(whole);
  // The allocation and every range of it are gone.
  uint8_t x = 0;
  EXPECT_TRUE(has(error_of([&] { d_->read(whole, 0, &x, 1); }), "unknown card buffer"));
  EXPECT_TRUE(has(error_of([&] { d_->write(view, 0, &x, 1); }), "unknown card buffer"));
  EXPECT_TRUE(has(error_of([&] { d_->free(whole); }), "unknown card buffer"));
}

TEST_P(DeviceContract, InvalidAndForeignBuffersAreErrors) {
  const CardBuffer b = d_->alloc(kPage);
  uint8_t x = 0;
  EXPECT_TRUE(has(error_of([&] { d_->read(CardBuffer{}, 0, &x, 1); }), "invalid card buffer"));
  EXPECT_TRUE(has(error_of([&] { d_->free(CardBuffer{}); }), "invalid card buffer"));
  const CardBuffer foreign{b.addr, b.size, b.handle + 1000};
  EXPECT_TRUE(has(error_of([&] { d_->write(foreign, 0, &x, 1); }), "unknown card buffer"));
  EXPECT_TRUE(has(error_of([&] { d_->free(foreign); }), "unknown card buffer"));
  d_->free(b);
}

TEST_P(DeviceContract, RunChecksItsArgumentsFirst) {
  ArgBuffers a = empty_batch(*d_);
  KernelArgs missing = a.args;
  missing.set(spec::arg::DESC_RING, CardBuffer{});
  EXPECT_TRUE(has(error_of([&] { d_->run(missing); }), "'desc_ring' has no buffer"));
  KernelArgs wide = a.args;
  wide.set(spec::arg::RING_FIRST, uint64_t{1} << 32);
  EXPECT_TRUE(has(error_of([&] { d_->run(wide); }), "'ring_first' = 4294967296 does not fit its 32 bits"));
  KernelArgs foreign = a.args;
  foreign.set(spec::arg::PKT_OUT, CardBuffer{0x42, 64, 99999});
  EXPECT_TRUE(has(error_of([&] { d_->run(foreign); }), "'pkt_out'"));
  const CardBuffer gone = d_->alloc(kPage);
  d_->free(gone);
  KernelArgs freed = a.args;
  freed.set(spec::arg::PKT_IN, gone);
  EXPECT_TRUE(has(error_of([&] { d_->run(freed); }), "'pkt_in'"));
  // The device is usable afterwards, also with sub-range arguments.
  publish(*d_, a.args, 1);
  EXPECT_NO_THROW(d_->run(a.args));
  const CardBuffer big = d_->alloc(4 * kPage);
  KernelArgs ranged = a.args;
  ranged.set(spec::arg::PKT_OUT, esp::driver::sub(big, kPage, 2 * kPage));
  ranged.set(spec::arg::PKT_IN, esp::driver::sub(big, 3 * kPage, kPage));
  publish(*d_, ranged, 1);
  EXPECT_NO_THROW(d_->run(ranged));
}

using esp::driver::Gaps;
using esp::driver::IoStats;
using esp::driver::ReadSeg;
using esp::driver::WriteSeg;

TEST_P(DeviceContract, GatherAndScatterMoveManyRangesOfOneBuffer) {
  const CardBuffer whole = d_->alloc(4 * kPage);
  const std::vector<uint8_t> sentinel(whole.size, 0x5C);
  d_->write(whole, 0, sentinel.data(), sentinel.size());
  const CardBuffer view = esp::driver::sub(whole, kPage, 2 * kPage);  // offsets below are the view's
  const auto p0 = pattern(100, 1), p1 = pattern(37, 2), p2 = pattern(64, 3), p3 = pattern(10, 4);
  // Out of order, one empty (null src), one across a page boundary, p3 over
  // the middle of p0 (later wins), one ending at the view's end.
  const WriteSeg segs[] = {{kPage - 20, p2.data(), p2.size()},
                           {0, p0.data(), p0.size()},
                           {500, nullptr, 0},
                           {2 * kPage - p1.size(), p1.data(), p1.size()},
                           {40, p3.data(), p3.size()}};
  d_->write_gather(view, segs, 5);
  std::vector<uint8_t> want = sentinel;
  auto put = [&](uint64_t at, const std::vector<uint8_t>& p) { std::copy(p.begin(), p.end(), want.begin() + long(at)); };
  put(kPage + kPage - 20, p2);
  put(kPage, p0);
  put(kPage + 2 * kPage - p1.size(), p1);
  put(kPage + 40, p3);
  EXPECT_EQ(read_all(*d_, whole), want) << "segments misplaced, or a gap or the outside changed";
  // Read them back scattered, overlapping ranges and an empty one included.
  std::vector<uint8_t> g0(100), g1(37), g2(64), g3(30);
  const ReadSeg rs[] = {{2 * kPage - 37, g1.data(), 37},
                        {0, g0.data(), 100},
                        {kPage - 20, g2.data(), 64},
                        {7, nullptr, 0},
                        {30, g3.data(), 30}};
  d_->read_scatter(view, rs, 5);
  EXPECT_EQ(g1, p1);
  EXPECT_EQ(g2, p2);
  EXPECT_EQ(std::vector<uint8_t>(g0.begin() + 40, g0.begin() + 50), p3);
  EXPECT_EQ(std::vector<uint8_t>(g0.begin(), g0.begin() + 40), std::vector<uint8_t>(p0.begin(), p0.begin() + 40));
  EXPECT_EQ(std::vector<uint8_t>(g3.begin(), g3.begin() + 10), std::vector<uint8_t>(p0.begin() + 30, p0.begin() + 40));
  EXPECT_EQ(std::vector<uint8_t>(g3.begin() + 10, g3.begin() + 20), p3);
  // Caller-owned gaps: the segments land; the gaps are the caller's.
  const auto q0 = pattern(48, 90), q1 = pattern(48, 91);
  const WriteSeg owned[] = {{kPage + 64, q1.data(), q1.size()}, {kPage, q0.data(), q0.size()}};
  d_->write_gather(view, owned, 2, Gaps::CallerOwned);
  std::vector<uint8_t> h0(48), h1(48);
  const ReadSeg back[] = {{kPage, h0.data(), 48}, {kPage + 64, h1.data(), 48}};
  d_->read_scatter(view, back, 2, Gaps::CallerOwned);
  EXPECT_EQ(h0, q0);
  EXPECT_EQ(h1, q1);
}

TEST_P(DeviceContract, GatherAndScatterCheckEverySegmentBeforeAnythingMoves) {
  const CardBuffer whole = d_->alloc(2 * kPage);
  const CardBuffer view = esp::driver::sub(whole, kPage, kPage);
  const auto good = pattern(16, 5);
  std::vector<uint8_t> sink(16);
  struct Case {
    uint64_t offset, n;
    bool null_ptr;
    std::string error;
  };
  const Case cases[] = {{kPage, 1, false, "outside the 4096-byte card buffer"},
                        {kPage - 8, 16, false, "outside the 4096-byte card buffer"},
                        {UINT64_MAX, 2, false, "outside the 4096-byte card buffer"},
                        {kPage + 1, 0, false, "outside the 4096-byte card buffer"},
                        {0, 8, true, "segment 1 has no"}};
  const IoStats before = d_->io_stats();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.error + " at " + std::to_string(c.offset));
    // The good segment comes first: it must not have moved when the second fails.
    const WriteSeg ws[] = {{0, good.data(), good.size()}, {c.offset, c.null_ptr ? nullptr : good.data(), c.n}};
    const std::string w = error_of([&] { d_->write_gather(view, ws, 2); });
    EXPECT_TRUE(has(w, c.error)) << w;
    EXPECT_TRUE(has(w, "write_gather")) << w;
    const ReadSeg rs[] = {{0, sink.data(), sink.size()}, {c.offset, c.null_ptr ? nullptr : sink.data(), c.n}};
    const std::string r = error_of([&] { d_->read_scatter(view, rs, 2); });
    EXPECT_TRUE(has(r, c.error)) << r;
  }
  EXPECT_TRUE(has(error_of([&] { d_->write_gather(view, nullptr, 1); }), "no array"));
  EXPECT_TRUE(has(error_of([&] { d_->read_scatter(CardBuffer{}, nullptr, 0); }), "invalid card buffer"));
  // No segments, or only empty ones: nothing moves, nothing is counted.
  EXPECT_NO_THROW(d_->write_gather(view, nullptr, 0));
  const WriteSeg empty[] = {{kPage, nullptr, 0}, {0, nullptr, 0}};
  EXPECT_NO_THROW(d_->write_gather(view, empty, 2));
  const IoStats after = d_->io_stats();
  EXPECT_EQ(after.writes, before.writes);
  EXPECT_EQ(after.reads, before.reads);
  EXPECT_EQ(read_all(*d_, whole), std::vector<uint8_t>(whole.size, 0)) << "a refused gather wrote";
}

TEST_P(DeviceContract, IoStatsCountCallsBytesRunsAndSyncs) {
  const bool xrt = GetParam() == Backend::XrtNoop;  // counts its bo syncs; the others one per call
  const CardBuffer b = d_->alloc(2 * kPage);
  const auto p = pattern(256, 8);
  std::vector<uint8_t> sink(256);
  struct Step {
    const char* what;
    std::function<void()> op;
    IoStats delta;        // syncs: the swemu/cosim count
    uint64_t xrt_syncs;   // syncs on xrt
  };
  const WriteSeg apart[] = {{0, p.data(), 10}, {100, p.data(), 10}, {1000, p.data(), 10}};
  const WriteSeg touching[] = {{20, p.data(), 10}, {0, p.data(), 20}, {25, p.data(), 30}};
  const ReadSeg rapart[] = {{0, sink.data(), 4}, {2000, sink.data() + 4, 4}};
  const std::vector<Step> steps = {
      {"write", [&] { d_->write(b, 8, p.data(), 256); }, {1, 256, 0, 0, 0, 1}, 1},
      {"write of 0 bytes", [&] { d_->write(b, 8, p.data(), 0); }, {0, 0, 0, 0, 0, 0}, 0},
      {"read", [&] { d_->read(b, 8, sink.data(), 100); }, {0, 0, 1, 100, 0, 1}, 1},
      {"gather, 3 apart", [&] { d_->write_gather(b, apart, 3); }, {1, 30, 0, 0, 0, 1}, 3},
      {"gather, 3 apart, owned gaps", [&] { d_->write_gather(b, apart, 3, Gaps::CallerOwned); }, {1, 30, 0, 0, 0, 1}, 1},
      {"gather, touching", [&] { d_->write_gather(b, touching, 3); }, {1, 60, 0, 0, 0, 1}, 1},
      {"scatter, 2 apart", [&] { d_->read_scatter(b, rapart, 2); }, {0, 0, 1, 8, 0, 1}, 2},
      {"alloc", [&] { d_->free(d_->alloc(kPage)); }, {0, 0, 0, 0, 0, 0}, 1},
  };
  for (const Step& s : steps) {
    SCOPED_TRACE(s.what);
    const IoStats a = d_->io_stats();
    s.op();
    const IoStats z = d_->io_stats();
    EXPECT_EQ(z.writes - a.writes, s.delta.writes);
    EXPECT_EQ(z.write_bytes - a.write_bytes, s.delta.write_bytes);
    EXPECT_EQ(z.reads - a.reads, s.delta.reads);
    EXPECT_EQ(z.read_bytes - a.read_bytes, s.delta.read_bytes);
    EXPECT_EQ(z.runs - a.runs, 0u);
    EXPECT_EQ(z.syncs - a.syncs, xrt ? s.xrt_syncs : s.delta.syncs);
  }
  ArgBuffers args = empty_batch(*d_);
  const IoStats a = d_->io_stats();
  publish(*d_, args.args, 1);
  d_->run(args.args);
  publish(*d_, args.args, 1);
  d_->run(args.args);
  EXPECT_EQ(d_->io_stats().runs - a.runs, 2u);
}

std::vector<Backend> all_backends() {
  std::vector<Backend> v = {Backend::Swemu};
#ifdef ESP_TEST_XRT_NOOP
  v.push_back(Backend::XrtNoop);
#endif
#ifdef ESP_TEST_COSIM
  v.push_back(Backend::Cosim);
#endif
  return v;
}

// Backends with a register file and a kernel that executes.
std::vector<Backend> executing_backends() {
  std::vector<Backend> v = {Backend::Swemu};
#ifdef ESP_TEST_COSIM
  v.push_back(Backend::Cosim);
#endif
  return v;
}

INSTANTIATE_TEST_SUITE_P(Backends, DeviceContract, ::testing::ValuesIn(all_backends()), param_name);

// ----------------------------------------------------------- DeviceRegisters

class DeviceRegisters : public DeviceContract {};

TEST_P(DeviceRegisters, IdentityRegistersComeFromTheSpecAndAreReadOnly) {
  struct Reg {
    uint32_t offset, value;
  };
  const Reg ids[] = {{spec::reg::ID, spec::KERNEL_ID},
                     {spec::reg::VERSION, spec::VERSION},
                     {spec::reg::CAPS, spec::caps::ALL},
                     {spec::reg::SPEC_HASH, spec::SPEC_HASH}};
  for (const Reg& r : ids) {
    SCOPED_TRACE(r.offset);
    EXPECT_EQ(d_->read_reg(r.offset), r.value);
    d_->write_reg(r.offset, ~r.value);
    EXPECT_EQ(d_->read_reg(r.offset), r.value);
  }
  EXPECT_NO_THROW(d_->check_identity());
  EXPECT_EQ(d_->read_reg(spec::reg::CTRL), ctrl::AP_IDLE) << "when opened: idle, nothing else";
}

TEST_P(DeviceRegisters, ArgumentRegistersReadBackAndOtherWordsReadZero) {
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    d_->write_reg(spec::arg::OFFSET[i], 0xA5000000u + i);
    if (spec::arg::WIDTH[i] == 64) d_->write_reg(spec::arg::OFFSET[i] + 4, 0x5A000000u + i);
    // The reserved word after each argument.
    d_->write_reg(spec::arg::OFFSET[i] + spec::arg::WIDTH[i] / 8, 0xFFFFFFFFu);
  }
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    SCOPED_TRACE(spec::arg::NAME[i]);
    EXPECT_EQ(d_->read_reg(spec::arg::OFFSET[i]), 0xA5000000u + i);
    if (spec::arg::WIDTH[i] == 64) { EXPECT_EQ(d_->read_reg(spec::arg::OFFSET[i] + 4), 0x5A000000u + i); }
    EXPECT_EQ(d_->read_reg(spec::arg::OFFSET[i] + spec::arg::WIDTH[i] / 8), 0u) << "reserved word";
  }
  // Offsets inside the slave that are no register read 0 and keep nothing.
  for (uint32_t off : {0x90u, 0xA0u, spec::reg::SPACE_BYTES - 4}) {
    d_->write_reg(off, 0x12345678u);
    EXPECT_EQ(d_->read_reg(off), 0u) << off;
  }
}

TEST_P(DeviceRegisters, InterruptAndControlBits) {
  d_->write_reg(spec::reg::GIE, 0xFFFFFFFFu);
  d_->write_reg(spec::reg::IER, 0xFFFFFFFFu);
  EXPECT_EQ(d_->read_reg(spec::reg::GIE), 1u);
  EXPECT_EQ(d_->read_reg(spec::reg::IER), 3u);
  d_->write_reg(spec::reg::IER, 3);
  EXPECT_EQ(d_->read_reg(spec::reg::ISR), 0u);
  d_->write_reg(spec::reg::ISR, 1);  // toggle on write
  EXPECT_EQ(d_->read_reg(spec::reg::ISR), 1u);
  d_->write_reg(spec::reg::ISR, 3);
  EXPECT_EQ(d_->read_reg(spec::reg::ISR), 2u);
  d_->write_reg(spec::reg::ISR, 2);
  EXPECT_EQ(d_->read_reg(spec::reg::ISR), 0u);
  d_->write_reg(spec::reg::CTRL, ctrl::AUTO_RESTART);  // no AP_START: nothing runs
  EXPECT_EQ(d_->read_reg(spec::reg::CTRL), ctrl::AP_IDLE | ctrl::AUTO_RESTART);
  d_->write_reg(spec::reg::CTRL, 0);
  EXPECT_EQ(d_->read_reg(spec::reg::CTRL), ctrl::AP_IDLE);
}

TEST_P(DeviceRegisters, ARunSetsApDoneClearOnReadAndTheInterruptStatus) {
  ArgBuffers a = empty_batch(*d_);
  d_->write_reg(spec::reg::IER, 1);
  publish(*d_, a.args, 1);
  d_->run(a.args);
  // Device::run waited for ap_done by reading CTRL, which cleared it.
  const uint32_t c = d_->read_reg(spec::reg::CTRL);
  EXPECT_FALSE(c & ctrl::AP_DONE);
  EXPECT_FALSE(c & ctrl::AP_START);
  EXPECT_TRUE(c & ctrl::AP_IDLE);
  EXPECT_EQ(d_->read_reg(spec::reg::ISR), 1u) << "ap_done with IER bit 0 sets ISR bit 0";
  // The arguments are where the spec says.
  const CardBuffer& sa = a.args.buffer(spec::arg::SA_TABLE);
  EXPECT_EQ(d_->read_reg(spec::arg::OFFSET[spec::arg::SA_TABLE]), static_cast<uint32_t>(sa.addr));
  EXPECT_EQ(d_->read_reg(spec::arg::OFFSET[spec::arg::SA_TABLE] + 4), static_cast<uint32_t>(sa.addr >> 32));
  EXPECT_EQ(d_->read_reg(spec::arg::OFFSET[spec::arg::SA_CAPACITY]), 1u);
  EXPECT_EQ(d_->read_reg(spec::reg::CPL_PROD), 1u) << "the STOP is complete";
  // Starting by hand (the next STOP published): AP_DONE and AP_READY appear,
  // are read once, then are gone.
  d_->write_reg(spec::arg::OFFSET[spec::arg::RING_FIRST], 1);
  d_->write_reg(spec::reg::DESC_PROD, 2);
  d_->write_reg(spec::reg::CTRL, ctrl::AP_START);
  uint32_t seen = 0;
  for (int i = 0; i < 100 && !(seen & ctrl::AP_DONE); ++i) seen = d_->read_reg(spec::reg::CTRL);
  EXPECT_TRUE(seen & ctrl::AP_DONE);
  EXPECT_TRUE(seen & ctrl::AP_READY);
  EXPECT_FALSE(d_->read_reg(spec::reg::CTRL) & (ctrl::AP_DONE | ctrl::AP_READY));
  EXPECT_EQ(d_->read_reg(spec::reg::CPL_PROD), 2u);
}

// The kernel's own registers: DESC_PROD the host's (reads back), the rest
// the kernel's (a host write changes nothing); the card's table sizes as
// DESIGN/CONTRACT give them per backend; no clock on swemu.
TEST_P(DeviceRegisters, KernelRegisters) {
  d_->write_reg(spec::reg::DESC_PROD, 0xDEADBEEFu);
  EXPECT_EQ(d_->read_reg(spec::reg::DESC_PROD), 0xDEADBEEFu);
  d_->write_reg(spec::reg::DESC_PROD, 0);
  const bool rtl = GetParam() == Backend::Cosim;
  const struct {
    uint32_t offset, value;
  } ro[] = {{spec::reg::CPL_PROD, 0},
            {spec::reg::MAX_SAS, rtl ? 65536u : 1048576u},
            {spec::reg::MAX_SPI_BUCKETS_LOG2, rtl ? 14u : 18u}};
  for (const auto& r : ro) {
    SCOPED_TRACE(r.offset);
    EXPECT_EQ(d_->read_reg(r.offset), r.value);
    d_->write_reg(r.offset, 0x5A5A5A5Au);
    EXPECT_EQ(d_->read_reg(r.offset), r.value);
  }
  if (!rtl) {
    for (uint32_t off : {spec::reg::PERF_CYCLES_LO, spec::reg::PERF_CYCLES_HI, spec::reg::PERF_IDLE_LO,
                         spec::reg::PERF_IDLE_HI}) {
      EXPECT_EQ(d_->read_reg(off), 0u) << off;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, DeviceRegisters, ::testing::ValuesIn(executing_backends()), param_name);

// ----------------------------------------------------------- DeviceMemoryCap

// swemu and cosim emulate card memory of DeviceOptions::card_memory_bytes.
class DeviceMemoryCap : public ::testing::TestWithParam<Backend> {};

TEST_P(DeviceMemoryCap, ExhaustedCardMemoryIsAnErrorTheCallerSees) {
  auto d = open(GetParam(), 1 << 20);
  const CardBuffer a = d->alloc(768 << 10);
  const std::string e = error_of([&] { d->alloc(512 << 10); });
  EXPECT_TRUE(has(e, "card memory exhausted")) << e;
  d->free(a);
  EXPECT_NO_THROW(d->free(d->alloc(512 << 10)));
}

INSTANTIATE_TEST_SUITE_P(Backends, DeviceMemoryCap, ::testing::ValuesIn(executing_backends()), param_name);

// ---------------------------------------------------------------- DeviceRuns

class DeviceRuns : public DeviceContract {};

// Descriptors decided from the descriptor and the SA table alone, each with
// the status it completes with (hw/spec/CONTRACT.md).
struct EarlyDesc {
  spec::Opcode op;
  uint32_t sa_index;
  spec::Status expect;
};

TEST_P(DeviceRuns, ArgumentsThatAreSubRangesOfAllocations) {
  constexpr uint32_t kCapacity = 2;  // both SA slots left invalid (zero)
  const EarlyDesc descs[] = {
      {spec::Opcode::NOP, 0, spec::Status::BAD_OPCODE},
      {spec::Opcode::ENCRYPT, kCapacity, spec::Status::BAD_SA},
      {spec::Opcode::ENCRYPT, 0, spec::Status::SA_DISABLED},
      {spec::Opcode::ENCRYPT, 1, spec::Status::SA_DISABLED},
  };
  constexpr uint64_t n = sizeof descs / sizeof descs[0];
  // Descriptors and completions in one allocation, each a range in the
  // middle of it; the SA table a range of another; sentinels everywhere.
  const CardBuffer ctl = d_->alloc(4 * kPage);
  const CardBuffer tables = d_->alloc(4 * kPage);
  const std::vector<uint8_t> junk(ctl.size, 0xEE);
  d_->write(ctl, 0, junk.data(), junk.size());
  // A ring of 8 entries: the n descriptors and the STOP.
  constexpr uint32_t kRingLog2 = 3;
  static_assert(n + 1 <= (1u << kRingLog2), "the run fits the ring");
  const CardBuffer desc = esp::driver::sub(ctl, kPage + 128, (1u << kRingLog2) * spec::descriptor::SIZE);
  const CardBuffer cpl = esp::driver::sub(ctl, 2 * kPage + 64, (1u << kRingLog2) * spec::completion::SIZE);
  const CardBuffer sa = esp::driver::sub(tables, kPage, kCapacity * spec::sa_entry::SIZE);
  std::vector<uint8_t> img(desc.size, 0);
  for (uint64_t i = 0; i < n; ++i) {
    uint8_t* p = img.data() + i * spec::descriptor::SIZE;
    spec::set<spec::descriptor::op>(p, static_cast<uint8_t>(descs[i].op));
    spec::set<spec::descriptor::sa_index>(p, descs[i].sa_index);
    spec::set<spec::descriptor::in_offset>(p, 0);
    spec::set<spec::descriptor::in_length>(p, 100);
    spec::set<spec::descriptor::out_capacity>(p, 4096);
    spec::set<spec::descriptor::out_offset>(p, 0);
  }
  const std::vector<uint8_t> stop = stop_image();
  std::copy(stop.begin(), stop.end(), img.begin() + n * spec::descriptor::SIZE);
  d_->write(desc, 0, img.data(), img.size());

  ArgBuffers a = empty_batch(*d_);
  a.args.set(spec::arg::SA_TABLE, sa);
  a.args.set(spec::arg::DESC_RING, desc);
  a.args.set(spec::arg::CPL_RING, cpl);
  a.args.set(spec::arg::RING_LOG2, kRingLog2);
  a.args.set(spec::arg::SA_CAPACITY, kCapacity);
  publish(*d_, a.args, n + 1);
  d_->run(a.args);
  EXPECT_EQ(d_->read_reg(spec::reg::CPL_PROD), n + 1);

  std::vector<uint8_t> out(cpl.size);
  d_->read(cpl, 0, out.data(), out.size());
  for (uint64_t i = 0; i <= n; ++i) {
    const uint8_t* c = out.data() + i * spec::completion::SIZE;
    const spec::Status want = i < n ? descs[i].expect : spec::Status::OK;
    EXPECT_EQ(spec::get<spec::completion::status>(c), static_cast<uint16_t>(want)) << "ring entry " << i;
  }
  // Nothing outside the ranges given was written.
  const auto all = read_all(*d_, ctl);
  const uint64_t desc_at = desc.addr - ctl.addr, cpl_at = cpl.addr - ctl.addr;
  for (uint64_t i = 0; i < ctl.size; ++i) {
    if (i >= desc_at && i < desc_at + desc.size) continue;
    if (i >= cpl_at && i < cpl_at + cpl.size) continue;
    ASSERT_EQ(all[i], 0xEE) << "byte " << i << " of the control allocation";
  }
  std::vector<uint8_t> desc_back(desc.size);
  d_->read(desc, 0, desc_back.data(), desc_back.size());
  EXPECT_EQ(desc_back, img) << "the kernel changed its descriptors";
}

INSTANTIATE_TEST_SUITE_P(Backends, DeviceRuns, ::testing::ValuesIn(executing_backends()), param_name);

// ------------------------------------------------------------- DeviceThreads

// device.hpp's thread contract: three threads write and read their own
// buffers (plain and gathered / scattered) and allocate and free scratch
// buffers, while a fourth runs kernels whose completions it checks. Every
// byte read back must be the one written; every run must complete as the
// spec says. Built with -fsanitize=thread it checks the contract's locking.
class DeviceThreads : public DeviceContract {};

TEST_P(DeviceThreads, DisjointIoAndAllocationsWhileKernelsRun) {
  const unsigned runs = GetParam() == Backend::Cosim ? 40 : 200;
  constexpr unsigned kMinIters = 40;
  constexpr unsigned kIoThreads = 3;
  // The runner's batch: early-decided descriptors (see DeviceRuns).
  constexpr uint32_t kCapacity = 2;
  const EarlyDesc descs[] = {{spec::Opcode::NOP, 0, spec::Status::BAD_OPCODE},
                             {spec::Opcode::ENCRYPT, kCapacity, spec::Status::BAD_SA},
                             {spec::Opcode::ENCRYPT, 1, spec::Status::SA_DISABLED}};
  constexpr uint64_t n = sizeof descs / sizeof descs[0];
  ArgBuffers batch = empty_batch(*d_);
  // A ring of 4 entries, the 3 descriptors and the STOP: every run fills it
  // once, so the same slots every run.
  constexpr uint32_t kRingLog2 = 2;
  static_assert(n + 1 == (1u << kRingLog2), "one run fills the ring");
  std::vector<uint8_t> img((n + 1) * spec::descriptor::SIZE, 0);
  for (uint64_t i = 0; i < n; ++i) {
    uint8_t* p = img.data() + i * spec::descriptor::SIZE;
    spec::set<spec::descriptor::op>(p, static_cast<uint8_t>(descs[i].op));
    spec::set<spec::descriptor::sa_index>(p, descs[i].sa_index);
    spec::set<spec::descriptor::in_length>(p, 64);
    spec::set<spec::descriptor::out_capacity>(p, 1024);
  }
  const std::vector<uint8_t> stop = stop_image();
  std::copy(stop.begin(), stop.end(), img.begin() + n * spec::descriptor::SIZE);
  d_->write(batch.args.buffer(spec::arg::DESC_RING), 0, img.data(), img.size());
  batch.args.set(spec::arg::RING_LOG2, kRingLog2);
  batch.args.set(spec::arg::SA_CAPACITY, kCapacity);
  const CardBuffer cpl = batch.args.buffer(spec::arg::CPL_RING);

  std::vector<CardBuffer> own;
  for (unsigned t = 0; t < kIoThreads; ++t) own.push_back(d_->alloc(2 * kPage));
  const IoStats before = d_->io_stats();

  std::atomic<bool> running{true};
  std::vector<std::string> errors(kIoThreads + 1);
  std::vector<unsigned> iters(kIoThreads, 0);
  auto io = [&](unsigned t) {
    try {
      const CardBuffer b = own[t];
      for (unsigned i = 0; running.load() || i < kMinIters; ++i) {
        const auto p = pattern(b.size, static_cast<uint8_t>(t * 61 + i));
        std::vector<uint8_t> got(b.size, 0);
        if (i % 2) {
          d_->write(b, 0, p.data(), p.size());
          const ReadSeg rs[] = {{kPage, got.data() + kPage, kPage}, {0, got.data(), kPage}};
          d_->read_scatter(b, rs, 2);
        } else {
          const WriteSeg ws[] = {{kPage + 100, p.data() + kPage + 100, kPage - 100},
                                 {0, p.data(), kPage + 100}};
          d_->write_gather(b, ws, 2);
          d_->read(b, 0, got.data(), got.size());
        }
        if (got != p) throw std::runtime_error("iteration " + std::to_string(i) + ": read back other bytes");
        const CardBuffer scratch = d_->alloc(kPage);
        const uint64_t stamp = uint64_t(t) << 32 | i;
        uint64_t back = 0;
        d_->write(scratch, 8, &stamp, sizeof stamp);
        d_->read(scratch, 8, &back, sizeof back);
        d_->free(scratch);
        if (back != stamp) throw std::runtime_error("iteration " + std::to_string(i) + ": scratch buffer mixed up");
        iters[t] = i + 1;
      }
    } catch (const std::exception& e) {
      errors[t] = "I/O thread " + std::to_string(t) + ": " + e.what();
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kIoThreads; ++t) threads.emplace_back(io, t);
  try {
    const std::vector<uint8_t> junk(cpl.size, 0xEE);
    for (unsigned r = 0; r < runs; ++r) {
      d_->write(cpl, 0, junk.data(), junk.size());
      publish(*d_, batch.args, n + 1);
      d_->run(batch.args);
      std::vector<uint8_t> out(n * spec::completion::SIZE);
      d_->read(cpl, 0, out.data(), out.size());
      for (uint64_t i = 0; i < n; ++i) {
        const uint16_t st = spec::get<spec::completion::status>(out.data() + i * spec::completion::SIZE);
        if (st != static_cast<uint16_t>(descs[i].expect)) {
          throw std::runtime_error("run " + std::to_string(r) + " descriptor " + std::to_string(i) + ": status " +
                                   std::to_string(st));
        }
      }
    }
  } catch (const std::exception& e) {
    errors[kIoThreads] = std::string("runner: ") + e.what();
  }
  running = false;
  for (auto& th : threads) th.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");
  for (unsigned t = 0; t < kIoThreads; ++t) EXPECT_GE(iters[t], kMinIters) << "thread " << t;
  const IoStats after = d_->io_stats();
  EXPECT_EQ(after.runs - before.runs, runs);
  uint64_t io_writes = 0;
  for (unsigned t = 0; t < kIoThreads; ++t) io_writes += 2 * iters[t];  // the buffer and the scratch stamp
  EXPECT_EQ(after.writes - before.writes, io_writes + runs) << "every write counted once, none lost";
}

INSTANTIATE_TEST_SUITE_P(Backends, DeviceThreads, ::testing::ValuesIn(executing_backends()), param_name);

}  // namespace
