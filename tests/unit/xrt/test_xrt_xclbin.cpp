// The build's metadata-only esp_engine.xclbin, as XRT itself parses it
// (xrt::xclbin): one kernel esp_engine with one compute unit and exactly the
// spec's arguments - names, indices, register offsets, sizes, pointer or
// scalar - every pointer argument connected to the one memory bank.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include <experimental/xrt_xclbin.h>

#include "esp/spec/esp_spec.hpp"

namespace {

namespace spec = esp::spec;

TEST(XrtXclbin, CarriesTheSpecsKernelLayout) {
  const char* path = std::getenv("ESP_TEST_XCLBIN");
  if (!path) FAIL() << "ESP_TEST_XCLBIN not set (run this test through ctest)";
  const xrt::xclbin x(path);
  const auto kernels = x.get_kernels();
  ASSERT_EQ(kernels.size(), 1u);
  const auto& k = kernels.front();
  EXPECT_EQ(k.get_name(), spec::KERNEL_NAME);
  ASSERT_EQ(k.get_cus().size(), 1u);
  EXPECT_EQ(k.get_cus().front().get_control_type(), xrt::xclbin::ip::control_type::hs);
  EXPECT_EQ(k.get_cus().front().get_size(), spec::reg::SPACE_BYTES);

  const auto args = k.get_args();
  ASSERT_EQ(args.size(), spec::arg::COUNT);
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    SCOPED_TRACE(spec::arg::NAME[i]);
    EXPECT_EQ(args[i].get_index(), i);
    EXPECT_EQ(args[i].get_name(), spec::arg::NAME[i]);
    EXPECT_EQ(args[i].get_offset(), spec::arg::OFFSET[i]);
    EXPECT_EQ(args[i].get_size(), spec::arg::WIDTH[i] / 8);
    EXPECT_EQ(args[i].get_mems().size(), spec::arg::IS_POINTER[i] ? 1u : 0u);
  }
  const auto mems = x.get_mems();
  ASSERT_EQ(mems.size(), 1u);
  EXPECT_TRUE(mems.front().get_used());
}

TEST(XrtXclbin, TheUuidIsTheSpecHash) {
  const char* path = std::getenv("ESP_TEST_XCLBIN");
  if (!path) FAIL() << "ESP_TEST_XCLBIN not set (run this test through ctest)";
  const xrt::xclbin x(path);
  // First 32 bits of the uuid = first 32 bits of the spec's SHA-256.
  EXPECT_EQ(x.get_uuid().to_string().substr(0, 8), std::string(spec::SPEC_HASH_HEX).substr(0, 8));
}

}  // namespace
