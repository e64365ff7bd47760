// The xrt backend without a card and without XRT emulation: opening a device
// fails with a DeviceError that names XRT, the device index and what to do.
// ctest unsets XCL_EMULATION_MODE and XILINX_XRT; the backend then points XRT
// at this build's library tree, and XRT's PCIe shim finds no device.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "esp/driver/device.hpp"

namespace {

using esp::driver::DeviceError;
using esp::driver::DeviceOptions;

bool card_driver_loaded() {
  struct stat st {};
  return ::stat("/sys/bus/pci/drivers/xocl", &st) == 0;
}

std::string open_error(unsigned index) {
  ::unsetenv("XCL_EMULATION_MODE");  // before XRT reads it (once per process)
  DeviceOptions o;
  o.backend = "xrt";
  o.xrt.device_index = index;
  try {
    esp::driver::open_device(o);
  } catch (const DeviceError& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

TEST(XrtNoCard, TheBackendIsBuilt) {
  const auto b = esp::driver::available_backends();
  EXPECT_NE(std::find(b.begin(), b.end(), "xrt"), b.end());
}

TEST(XrtNoCard, OpenFailsNamingXrtAndTheMissingDevice) {
  if (card_driver_loaded()) GTEST_SKIP() << "the xocl driver is loaded: this machine may have a card";
  const std::string msg = open_error(0);
  ASSERT_FALSE(msg.empty()) << "open_device(xrt) did not throw DeviceError";
  EXPECT_TRUE(has(msg, "xrt:")) << msg;
  EXPECT_TRUE(has(msg, "no Xilinx device found by XRT")) << msg;
  EXPECT_TRUE(has(msg, "device index 0")) << msg;
  EXPECT_TRUE(has(msg, "swemu")) << msg;  // says what to use instead
  // XRT's own reason is part of the message (XRT 2.13: "Could not open device with index '0'").
  EXPECT_TRUE(has(msg, "index '0'") || has(msg, "XILINX_XRT")) << msg;
}

TEST(XrtNoCard, TheMessageNamesTheIndexAsked) {
  if (card_driver_loaded()) GTEST_SKIP() << "the xocl driver is loaded: this machine may have a card";
  const std::string msg = open_error(3);
  ASSERT_FALSE(msg.empty()) << "open_device(xrt, index 3) did not throw DeviceError";
  EXPECT_TRUE(has(msg, "device index 3")) << msg;
}

}  // namespace
