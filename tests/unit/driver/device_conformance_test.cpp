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
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
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

// One page of its own per pointer argument and scalars that make an empty
// batch.
ArgBuffers empty_batch(Device& d) {
  return args_with_buffers(d, kPage, [](unsigned i) -> uint64_t { return i == spec::arg::SA_CAPACITY ? 1 : 0; });
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
                              spec::reg::CTRL + 1, spec::arg::OFFSET[spec::arg::DESC] + 2};
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
  missing.set(spec::arg::DESC, CardBuffer{});
  EXPECT_TRUE(has(error_of([&] { d_->run(missing); }), "'desc' has no buffer"));
  KernelArgs wide = a.args;
  wide.set(spec::arg::N_DESC, uint64_t{1} << 32);
  EXPECT_TRUE(has(error_of([&] { d_->run(wide); }), "'n_desc' = 4294967296 does not fit its 32 bits"));
  KernelArgs foreign = a.args;
  foreign.set(spec::arg::PKT_OUT, CardBuffer{0x42, 64, 99999});
  EXPECT_TRUE(has(error_of([&] { d_->run(foreign); }), "'pkt_out'"));
  const CardBuffer gone = d_->alloc(kPage);
  d_->free(gone);
  KernelArgs freed = a.args;
  freed.set(spec::arg::PKT_IN, gone);
  EXPECT_TRUE(has(error_of([&] { d_->run(freed); }), "'pkt_in'"));
  // The device is usable afterwards, also with sub-range arguments.
  EXPECT_NO_THROW(d_->run(a.args));
  const CardBuffer big = d_->alloc(4 * kPage);
  KernelArgs ranged = a.args;
  ranged.set(spec::arg::PKT_OUT, esp::driver::sub(big, kPage, 2 * kPage));
  ranged.set(spec::arg::PKT_IN, esp::driver::sub(big, 3 * kPage, kPage));
  EXPECT_NO_THROW(d_->run(ranged));
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
  // Starting by hand: AP_DONE and AP_READY appear, are read once, then are gone.
  d_->write_reg(spec::reg::CTRL, ctrl::AP_START);
  uint32_t seen = 0;
  for (int i = 0; i < 100 && !(seen & ctrl::AP_DONE); ++i) seen = d_->read_reg(spec::reg::CTRL);
  EXPECT_TRUE(seen & ctrl::AP_DONE);
  EXPECT_TRUE(seen & ctrl::AP_READY);
  EXPECT_FALSE(d_->read_reg(spec::reg::CTRL) & (ctrl::AP_DONE | ctrl::AP_READY));
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
  const CardBuffer desc = esp::driver::sub(ctl, kPage + 128, n * spec::descriptor::SIZE);
  const CardBuffer cpl = esp::driver::sub(ctl, 2 * kPage + 64, n * spec::completion::SIZE);
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
  d_->write(desc, 0, img.data(), img.size());

  ArgBuffers a = empty_batch(*d_);
  a.args.set(spec::arg::SA_TABLE, sa);
  a.args.set(spec::arg::DESC, desc);
  a.args.set(spec::arg::COMPLETIONS, cpl);
  a.args.set(spec::arg::N_DESC, n);
  a.args.set(spec::arg::SA_CAPACITY, kCapacity);
  d_->run(a.args);

  std::vector<uint8_t> out(cpl.size);
  d_->read(cpl, 0, out.data(), out.size());
  for (uint64_t i = 0; i < n; ++i) {
    const uint8_t* c = out.data() + i * spec::completion::SIZE;
    EXPECT_EQ(spec::get<spec::completion::status>(c), static_cast<uint16_t>(descs[i].expect)) << "descriptor " << i;
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

}  // namespace
