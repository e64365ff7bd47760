// The xrt backend through the real libxrt in XRT's `noop` emulation
// (XCL_EMULATION_MODE=noop, XILINX_XRT=<build>/xrt, set by ctest).
//
// What the noop shim of XRT 2.13 does, and so what is asserted here:
//   - device open and xclbin load work; XRT parses the metadata-only
//     esp_engine.xclbin and builds xrt::kernel from its argument metadata;
//   - buffers are zero-filled host memory; bo.write/bo.read copy into and
//     out of it and bo.sync is a no-op, so what is written reads back (there
//     is no device side that could differ);
//   - every buffer reports the device address 0xdeadbeef;
//   - kernel register reads and writes fail (no register file);
//   - a run's command completes at once and no kernel executes: buffers are
//     left exactly as they were.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "esp/driver/device.hpp"

namespace {

using esp::driver::CardBuffer;
using esp::driver::Device;
using esp::driver::DeviceError;
using esp::driver::DeviceOptions;
using esp::driver::KernelArgs;
namespace spec = esp::spec;

// Run directly (not through ctest), the binary still runs in noop mode.
const bool kNoopEnv = [] {
  ::setenv("XCL_EMULATION_MODE", "noop", 0);
  return true;
}();

bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

std::unique_ptr<Device> open_noop(const std::string& xclbin = "") {
  DeviceOptions o;
  o.backend = "xrt";
  o.xclbin = xclbin;  // empty: the build's metadata-only esp_engine.xclbin
  return esp::driver::open_device(o);
}

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

TEST(XrtNoop, OpensTheDeviceAndLoadsTheXclbin) {
  ASSERT_TRUE(kNoopEnv);
  auto d = open_noop();
  EXPECT_EQ(d->backend(), "xrt");
  EXPECT_TRUE(has(d->description(), "noop")) << d->description();
  EXPECT_TRUE(has(d->description(), "esp_engine.xclbin")) << d->description();
}

TEST(XrtNoop, LoadsTheXclbinNamedInTheOptions) {
  const char* path = std::getenv("ESP_TEST_XCLBIN");
  if (!path) FAIL() << "ESP_TEST_XCLBIN not set (run this test through ctest)";
  auto d = open_noop(path);
  EXPECT_TRUE(has(d->description(), path)) << d->description();
}

TEST(XrtNoop, AMissingXclbinIsAClearError) {
  try {
    open_noop("/nonexistent/esp_engine.xclbin");
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_TRUE(has(e.what(), "cannot load xclbin '/nonexistent/esp_engine.xclbin'")) << e.what();
  }
}

TEST(XrtNoop, BuffersAreWholePagesAndZeroFilled) {
  auto d = open_noop();
  const CardBuffer b = d->alloc(5000);
  EXPECT_TRUE(b.valid());
  EXPECT_EQ(b.size, 8192u);
  // noop: every buffer's device address is the shim's constant 0xdeadbeef.
  EXPECT_EQ(b.addr, 0xdeadbeefu);
  std::vector<uint8_t> got(b.size, 0xAA);
  d->read(b, 0, got.data(), got.size());
  EXPECT_EQ(got, std::vector<uint8_t>(b.size, 0));
  EXPECT_THROW(d->alloc(0), DeviceError);
  d->free(b);
}

TEST(XrtNoop, WriteAndReadRangesAtOffsets) {
  auto d = open_noop();
  const CardBuffer a = d->alloc(16384);
  const CardBuffer b = d->alloc(4096);
  const auto pa = pattern(1000, 3);
  const auto pb = pattern(64, 200);
  d->write(a, 100, pa.data(), pa.size());  // bo.write + sync(to device, 1000, 100)
  d->write(b, 4096 - 64, pb.data(), pb.size());

  // The whole range back (sync(from device, 1000, 100) + bo.read).
  std::vector<uint8_t> got(pa.size());
  d->read(a, 100, got.data(), got.size());
  EXPECT_EQ(got, pa);
  // A sub-range at another offset.
  std::vector<uint8_t> mid(200);
  d->read(a, 600, mid.data(), mid.size());
  EXPECT_EQ(mid, std::vector<uint8_t>(pa.begin() + 500, pa.begin() + 700));
  // Bytes around the written range are still zero; the other buffer is its own.
  uint8_t edge[2] = {0xFF, 0xFF};
  d->read(a, 99, &edge[0], 1);
  d->read(a, 1100, &edge[1], 1);
  EXPECT_EQ(edge[0], 0);
  EXPECT_EQ(edge[1], 0);
  std::vector<uint8_t> gotb(pb.size());
  d->read(b, 4096 - 64, gotb.data(), gotb.size());
  EXPECT_EQ(gotb, pb);

  // Ranges outside a buffer are errors that name the buffer.
  uint8_t x = 0;
  EXPECT_THROW(d->write(b, 4096, &x, 1), DeviceError);
  EXPECT_THROW(d->read(b, 4000, got.data(), 200), DeviceError);
  try {
    d->read(a, 16384, &x, 1);
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_TRUE(has(e.what(), "outside the 16384-byte card buffer")) << e.what();
  }
}

TEST(XrtNoop, ASubRangeCardBufferAddressesItsAllocation) {
  auto d = open_noop();
  const CardBuffer whole = d->alloc(3 * 4096);
  const CardBuffer view{whole.addr + 4096, 4096, whole.handle};
  const auto p = pattern(32, 9);
  d->write(view, 8, p.data(), p.size());
  std::vector<uint8_t> got(p.size());
  d->read(whole, 4096 + 8, got.data(), got.size());
  EXPECT_EQ(got, p);
  const CardBuffer past{whole.addr + 8192, 8192, whole.handle};
  EXPECT_THROW(d->read(past, 0, got.data(), 1), DeviceError);
}

TEST(XrtNoop, FreedAndForeignBuffersAreErrors) {
  auto d = open_noop();
  const CardBuffer b = d->alloc(4096);
  d->free(b);
  uint8_t x = 0;
  EXPECT_THROW(d->write(b, 0, &x, 1), DeviceError);
  EXPECT_THROW(d->free(b), DeviceError);
  EXPECT_THROW(d->read(CardBuffer{}, 0, &x, 1), DeviceError);
}

TEST(XrtNoop, RegistersAreNotEmulated) {
  auto d = open_noop();
  // The noop shim fails every register access; the backend says so.
  try {
    d->read_reg(spec::reg::ID);
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_TRUE(has(e.what(), "noop")) << e.what();
  }
  EXPECT_THROW(d->write_reg(spec::reg::GIE, 1), DeviceError);
  // Offsets outside the control slave are refused before XRT is asked.
  try {
    d->read_reg(spec::reg::SPACE_BYTES);
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_TRUE(has(e.what(), "outside the control slave")) << e.what();
  }
  EXPECT_THROW(d->write_reg(2, 0), DeviceError);
}

// KernelArgs for every argument of the spec: a buffer per pointer argument,
// a value per scalar.
struct Batch {
  std::vector<CardBuffer> bufs;
  KernelArgs args;
};

Batch make_batch(Device& d) {
  Batch b;
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    const auto idx = static_cast<spec::arg::Index>(i);
    if (spec::arg::IS_POINTER[i]) {
      b.bufs.push_back(d.alloc(4096));
      b.args.set(idx, b.bufs.back());
    } else {
      b.args.set(idx, uint64_t{i + 1});
    }
  }
  return b;
}

TEST(XrtNoop, AKernelRunWithTheSpecsArgumentsCompletes) {
  auto d = open_noop();
  Batch b = make_batch(*d);
  // Something in every buffer, to see that the run leaves it alone.
  std::vector<std::vector<uint8_t>> before;
  for (size_t k = 0; k < b.bufs.size(); ++k) {
    before.push_back(pattern(4096, static_cast<uint8_t>(k * 31)));
    d->write(b.bufs[k], 0, before.back().data(), 4096);
  }
  d->run(b.args);  // xrt::run: set_arg in spec order, start, wait -> COMPLETED
  d->run(b.args);  // and again: a run object per batch
  // noop: the command completes but no kernel executes; nothing changed.
  for (size_t k = 0; k < b.bufs.size(); ++k) {
    std::vector<uint8_t> after(4096);
    d->read(b.bufs[k], 0, after.data(), after.size());
    EXPECT_EQ(after, before[k]) << "buffer " << k;
  }
}

TEST(XrtNoop, ARunWithASubRangeArgumentCompletes) {
  auto d = open_noop();
  Batch b = make_batch(*d);
  const CardBuffer big = d->alloc(4 * 4096);
  b.args.set(spec::arg::PKT_OUT, CardBuffer{big.addr + 4096, 2 * 4096, big.handle});
  EXPECT_NO_THROW(d->run(b.args));
}

TEST(XrtNoop, RunArgumentErrorsNameTheArgument) {
  auto d = open_noop();
  Batch b = make_batch(*d);
  KernelArgs missing = b.args;
  missing.set(spec::arg::DESC, CardBuffer{});
  try {
    d->run(missing);
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_TRUE(has(e.what(), "'desc' has no buffer")) << e.what();
  }
  KernelArgs wide = b.args;
  wide.set(spec::arg::N_DESC, uint64_t{1} << 32);
  try {
    d->run(wide);
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_TRUE(has(e.what(), "'n_desc'")) << e.what();
  }
  // The device is still usable afterwards.
  EXPECT_NO_THROW(d->run(b.args));
}

}  // namespace
