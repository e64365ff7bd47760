// The Device interface and the swemu backend's register file and card memory.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "esp/driver/device.hpp"

namespace {

using esp::driver::CardBuffer;
using esp::driver::Device;
using esp::driver::DeviceError;
using esp::driver::DeviceOptions;
using esp::driver::KernelArgs;
namespace spec = esp::spec;

std::unique_ptr<Device> swemu(uint64_t bytes = 64ull << 20) {
  DeviceOptions o;
  o.backend = "swemu";
  o.card_memory_bytes = bytes;
  return esp::driver::open_device(o);
}

TEST(Device, UnknownBackendNamesTheChoices) {
  DeviceOptions o;
  o.backend = "fpga9000";
  try {
    esp::driver::open_device(o);
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown backend 'fpga9000'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("swemu"), std::string::npos) << e.what();
  }
}

TEST(Swemu, IdentityRegistersComeFromTheSpec) {
  auto d = swemu();
  EXPECT_EQ(d->read_reg(spec::reg::ID), spec::KERNEL_ID);
  EXPECT_EQ(d->read_reg(spec::reg::VERSION), spec::VERSION);
  EXPECT_EQ(d->read_reg(spec::reg::SPEC_HASH), spec::SPEC_HASH);
  EXPECT_EQ(d->read_reg(spec::reg::CAPS), spec::caps::ALL);
  EXPECT_TRUE(d->read_reg(spec::reg::CTRL) & spec::reg::ctrl::AP_IDLE);
}

TEST(Swemu, RegisterOutsideTheSlaveIsAnError) {
  auto d = swemu();
  EXPECT_THROW(d->read_reg(spec::reg::SPACE_BYTES), DeviceError);
  EXPECT_THROW(d->write_reg(2, 0), DeviceError);
}

TEST(Swemu, CardMemoryRoundTripsAndIsZeroed) {
  auto d = swemu();
  CardBuffer b = d->alloc(10000);
  EXPECT_GE(b.size, 10000u);
  EXPECT_EQ(b.addr % 4096, 0u);
  std::vector<uint8_t> z(b.size, 0xAA);
  d->read(b, 0, z.data(), z.size());
  for (uint8_t v : z) ASSERT_EQ(v, 0);
  const char msg[] = "card memory";
  d->write(b, 4093, msg, sizeof msg);
  char back[sizeof msg] = {};
  d->read(b, 4093, back, sizeof back);
  EXPECT_STREQ(back, msg);
  EXPECT_THROW(d->write(b, b.size - 2, msg, sizeof msg), DeviceError);
  EXPECT_THROW(d->read(b, b.size + 1, back, 0), DeviceError);
  d->free(b);
  EXPECT_THROW(d->read(b, 0, back, 1), DeviceError);
}

TEST(Swemu, ExhaustedCardMemoryIsAnErrorTheCallerSees) {
  auto d = swemu(1 << 20);
  CardBuffer a = d->alloc(768 << 10);
  try {
    d->alloc(512 << 10);
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("card memory exhausted"), std::string::npos) << e.what();
  }
  d->free(a);
  EXPECT_NO_THROW(d->free(d->alloc(512 << 10)));
}

TEST(KernelArgsTest, PointerAndScalarArgumentsAreNotInterchangeable) {
  KernelArgs a;
  EXPECT_THROW(a.set(spec::arg::N_DESC, CardBuffer{0x1000, 64, 1}), DeviceError);
  EXPECT_THROW(a.set(spec::arg::SA_TABLE, uint64_t{5}), DeviceError);
  a.set(spec::arg::SA_TABLE, CardBuffer{0x123400000000ull, 64, 1});
  a.set(spec::arg::N_DESC, uint64_t{7});
  EXPECT_EQ(a.value(spec::arg::SA_TABLE), 0x123400000000ull);
  EXPECT_EQ(a.value(spec::arg::N_DESC), 7u);
}

TEST(Swemu, RunWithoutBuffersIsRefused) {
  auto d = swemu();
  KernelArgs a;
  EXPECT_THROW(d->run(a), DeviceError);
}

TEST(Swemu, EmptyBatchRunsAndSetsApDoneClearOnRead) {
  auto d = swemu();
  KernelArgs a;
  CardBuffer b = d->alloc(4096);
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    if (spec::arg::IS_POINTER[i]) a.set(static_cast<spec::arg::Index>(i), b);
  }
  a.set(spec::arg::N_DESC, uint64_t{0});
  a.set(spec::arg::SA_CAPACITY, uint64_t{1});
  a.set(spec::arg::SPI_BUCKETS_LOG2, uint64_t{0});
  // Device::run waits for ap_done by reading CTRL, which clears it.
  d->run(a);
  EXPECT_FALSE(d->read_reg(spec::reg::CTRL) & spec::reg::ctrl::AP_DONE);
  EXPECT_TRUE(d->read_reg(spec::reg::CTRL) & spec::reg::ctrl::AP_IDLE);
  // The arguments are where the spec says.
  EXPECT_EQ(d->read_reg(spec::arg::OFFSET[spec::arg::SA_TABLE]), static_cast<uint32_t>(b.addr));
  EXPECT_EQ(d->read_reg(spec::arg::OFFSET[spec::arg::SA_TABLE] + 4), static_cast<uint32_t>(b.addr >> 32));
}

TEST(Swemu, ArgumentOutsideCardMemoryIsAnError) {
  auto d = swemu();
  CardBuffer b = d->alloc(4096);
  KernelArgs a;
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    if (spec::arg::IS_POINTER[i]) a.set(static_cast<spec::arg::Index>(i), b);
  }
  a.set(spec::arg::PKT_OUT, CardBuffer{0x42, 64, 99});
  EXPECT_THROW(d->run(a), DeviceError);
}

// A device whose identity registers say another kernel.
class ForeignDevice : public Device {
 public:
  std::string backend() const override { return "fake"; }
  std::string description() const override { return "fake"; }
  uint32_t read_reg(uint32_t off) override {
    if (off == spec::reg::SPEC_HASH) return spec::SPEC_HASH ^ 1u;
    if (off == spec::reg::ID) return spec::KERNEL_ID;
    if (off == spec::reg::VERSION) return spec::VERSION;
    return 0;
  }
  void write_reg(uint32_t, uint32_t) override {}
  CardBuffer alloc(uint64_t) override { return {}; }
  void free(const CardBuffer&) override {}
  void write(const CardBuffer&, uint64_t, const void*, uint64_t) override {}
  void read(const CardBuffer&, uint64_t, void*, uint64_t) override {}

 protected:
  void wait_done() override {}
};

TEST(Device, ForeignSpecHashIsRefused) {
  ForeignDevice d;
  try {
    d.check_identity();
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("SPEC_HASH"), std::string::npos) << e.what();
  }
}

}  // namespace
