// esp_device_env: the ESP_COSIM_* / XCL_EMULATION_MODE / XILINX_XRT
// convention of the tools and tests, mapped onto DeviceOptions.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "esp/driver/device_env.hpp"

namespace {

using esp::driver::DeviceError;
using esp::driver::DeviceOptions;

const char* const kVars[] = {"ESP_COSIM_SEED",       "ESP_COSIM_BACKPRESSURE", "ESP_COSIM_READ_LATENCY",
                             "ESP_COSIM_WRITE_LATENCY", "ESP_COSIM_MAX_CYCLES", "ESP_COSIM_TRACE",
                             "XCL_EMULATION_MODE",   "XILINX_XRT"};

// Clears the variables for one test and puts back what the process had.
class DeviceEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : kVars) {
      if (const char* x = std::getenv(v)) saved_.emplace_back(v, x);
      ::unsetenv(v);
    }
  }
  void TearDown() override {
    for (const char* v : kVars) ::unsetenv(v);
    for (const auto& [k, v] : saved_) ::setenv(k.c_str(), v.c_str(), 1);
  }

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST_F(DeviceEnv, UnsetOrEmptyVariablesLeaveTheOptions) {
  DeviceOptions o;
  o.cosim.seed = 5;
  o.cosim.trace_path = "keep.fst";
  o.xrt.root = "/opt/xrt";
  ::setenv("ESP_COSIM_TRACE", "", 1);
  esp::driver::options_from_env(o);
  const DeviceOptions def;
  EXPECT_EQ(o.cosim.seed, 5u);
  EXPECT_EQ(o.cosim.trace_path, "keep.fst");
  EXPECT_EQ(o.cosim.read_latency, def.cosim.read_latency);
  EXPECT_EQ(o.cosim.write_latency, def.cosim.write_latency);
  EXPECT_EQ(o.cosim.backpressure, def.cosim.backpressure);
  EXPECT_EQ(o.cosim.max_run_cycles, def.cosim.max_run_cycles);
  EXPECT_EQ(o.xrt.emulation, esp::driver::XrtEmulation::None);
  EXPECT_EQ(o.xrt.root, "/opt/xrt");
}

TEST_F(DeviceEnv, EveryVariableSetsItsField) {
  ::setenv("ESP_COSIM_SEED", "1234", 1);
  ::setenv("ESP_COSIM_BACKPRESSURE", "0.5", 1);
  ::setenv("ESP_COSIM_READ_LATENCY", "3", 1);
  ::setenv("ESP_COSIM_WRITE_LATENCY", "0x12C", 1);
  ::setenv("ESP_COSIM_MAX_CYCLES", "777", 1);
  ::setenv("ESP_COSIM_TRACE", "/tmp/t.fst", 1);
  ::setenv("XCL_EMULATION_MODE", "noop", 1);
  ::setenv("XILINX_XRT", "/opt/xilinx/xrt", 1);
  DeviceOptions o;
  esp::driver::options_from_env(o);
  EXPECT_EQ(o.cosim.seed, 1234u);
  EXPECT_EQ(o.cosim.backpressure, 0.5);
  EXPECT_EQ(o.cosim.read_latency, 3u);
  EXPECT_EQ(o.cosim.write_latency, 300u);
  EXPECT_EQ(o.cosim.max_run_cycles, 777u);
  EXPECT_EQ(o.cosim.trace_path, "/tmp/t.fst");
  EXPECT_EQ(o.xrt.emulation, esp::driver::XrtEmulation::Noop);
  EXPECT_EQ(o.xrt.root, "/opt/xilinx/xrt");
  ::setenv("XCL_EMULATION_MODE", "hw_emu", 1);  // not one the backend knows: XRT's business
  esp::driver::options_from_env(o);
  EXPECT_EQ(o.xrt.emulation, esp::driver::XrtEmulation::None);
}

TEST_F(DeviceEnv, MalformedValuesAreErrorsNamingTheVariable) {
  const std::pair<const char*, const char*> bad[] = {
      {"ESP_COSIM_SEED", "x1"},          {"ESP_COSIM_SEED", "-3"},          {"ESP_COSIM_SEED", "12 "},
      {"ESP_COSIM_BACKPRESSURE", "2"},   {"ESP_COSIM_BACKPRESSURE", "1"},   {"ESP_COSIM_BACKPRESSURE", "-0.1"},
      {"ESP_COSIM_BACKPRESSURE", "0.5x"}, {"ESP_COSIM_READ_LATENCY", "4294967296"},
      {"ESP_COSIM_MAX_CYCLES", "lots"},
  };
  for (const auto& [var, value] : bad) {
    SCOPED_TRACE(std::string(var) + "=" + value);
    ::setenv(var, value, 1);
    DeviceOptions o;
    try {
      esp::driver::options_from_env(o);
      ADD_FAILURE() << "no error";
    } catch (const DeviceError& e) {
      EXPECT_NE(std::string(e.what()).find(var), std::string::npos) << e.what();
    }
    ::unsetenv(var);
  }
}

}  // namespace
