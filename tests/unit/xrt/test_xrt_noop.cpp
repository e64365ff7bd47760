// The xrt backend through the real libxrt in XRT's `noop` emulation
// (DeviceOptions::xrt.emulation = Noop; XILINX_XRT=<build>/xrt from ctest).
// Card memory, sub-ranges and the checks of Device are the conformance
// suite's (tests/unit/driver, instance xrt_noop); here is what is XRT's own.
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

#include "../driver/device_test_util.hpp"
#include "esp/driver/device.hpp"

namespace {

using esp::driver::CardBuffer;
using esp::driver::Device;
using esp::driver::DeviceError;
using esp::driver::DeviceOptions;
using esp::driver::KernelArgs;
namespace spec = esp::spec;

using esp::driver::test::has;
using esp::driver::test::pattern;

std::unique_ptr<Device> open_noop(const std::string& xclbin = "") {
  DeviceOptions o;
  o.backend = "xrt";
  o.xrt.emulation = esp::driver::XrtEmulation::Noop;
  o.xrt.xclbin = xclbin;  // empty: the build's metadata-only esp_engine.xclbin
  return esp::driver::open_device(o);
}

TEST(XrtNoop, OpensTheDeviceAndLoadsTheXclbin) {
  auto d = open_noop();
  EXPECT_EQ(d->backend(), "xrt");
  EXPECT_TRUE(has(d->description(), "noop")) << d->description();
  EXPECT_TRUE(has(d->description(), "esp_engine.xclbin")) << d->description();
  // noop: every buffer's device address is the shim's constant 0xdeadbeef.
  const CardBuffer a = d->alloc(4096), b = d->alloc(4096);
  EXPECT_EQ(a.addr, 0xdeadbeefu);
  EXPECT_EQ(b.addr, 0xdeadbeefu);
  EXPECT_NE(a.handle, b.handle);
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
}

// A buffer per pointer argument, a value per scalar.
esp::driver::test::ArgBuffers make_batch(Device& d) {
  return esp::driver::test::args_with_buffers(d, 4096, [](unsigned i) -> uint64_t { return i + 1; });
}

TEST(XrtNoop, AKernelRunWithTheSpecsArgumentsCompletes) {
  auto d = open_noop();
  auto b = make_batch(*d);
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

}  // namespace
