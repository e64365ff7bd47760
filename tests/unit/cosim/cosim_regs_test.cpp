// The RTL control slave through AXI4-Lite, and the card memory of the cosim backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "cosim_util.hpp"

namespace {

using esp::driver::CardBuffer;
using esp::driver::DeviceError;
using esp::driver::KernelArgs;
namespace spec = esp::spec;
namespace ctrl = spec::reg::ctrl;
using cosim_test::open;
using cosim_test::sim_opts;

TEST(CosimRegs, IdentityRegistersComeFromTheSpec) {
  for (double bp : {0.0, 0.5}) {
    auto d = open(sim_opts(7, bp));
    EXPECT_EQ(d->backend(), "cosim");
    EXPECT_EQ(d->read_reg(spec::reg::ID), spec::KERNEL_ID);
    EXPECT_EQ(d->read_reg(spec::reg::VERSION), spec::VERSION);
    EXPECT_EQ(d->read_reg(spec::reg::SPEC_HASH), spec::SPEC_HASH);
    EXPECT_EQ(d->read_reg(spec::reg::CAPS), spec::caps::ALL);
    const uint32_t c = d->read_reg(spec::reg::CTRL);
    EXPECT_EQ(c, ctrl::AP_IDLE) << "after reset: idle, nothing else";
    // Read-only registers ignore writes.
    d->write_reg(spec::reg::ID, 0);
    EXPECT_EQ(d->read_reg(spec::reg::ID), spec::KERNEL_ID);
  }
}

TEST(CosimRegs, ArgumentRegistersReadBackAndReservedWordsReadZero) {
  auto d = open(sim_opts(11, 0.3));
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    d->write_reg(spec::arg::OFFSET[i], 0xA5000000u + i);
    if (spec::arg::WIDTH[i] == 64) d->write_reg(spec::arg::OFFSET[i] + 4, 0x5A000000u + i);
    // The reserved word after each argument.
    d->write_reg(spec::arg::OFFSET[i] + spec::arg::WIDTH[i] / 8, 0xFFFFFFFFu);
  }
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    EXPECT_EQ(d->read_reg(spec::arg::OFFSET[i]), 0xA5000000u + i) << spec::arg::NAME[i];
    if (spec::arg::WIDTH[i] == 64) {
      EXPECT_EQ(d->read_reg(spec::arg::OFFSET[i] + 4), 0x5A000000u + i) << spec::arg::NAME[i];
    }
    EXPECT_EQ(d->read_reg(spec::arg::OFFSET[i] + spec::arg::WIDTH[i] / 8), 0u) << spec::arg::NAME[i] << " reserved";
  }
  // An offset inside the slave that is no register reads 0.
  EXPECT_EQ(d->read_reg(0x90), 0u);
  EXPECT_EQ(d->read_reg(0xFC), 0u);
}

TEST(CosimRegs, RegisterOutsideTheSlaveIsAnError) {
  auto d = open(sim_opts());
  EXPECT_THROW(d->read_reg(spec::reg::SPACE_BYTES), DeviceError);
  EXPECT_THROW(d->write_reg(2, 0), DeviceError);
}

TEST(CosimRegs, InterruptRegisters) {
  auto d = open(sim_opts(3));
  d->write_reg(spec::reg::GIE, 1);
  d->write_reg(spec::reg::IER, 3);
  EXPECT_EQ(d->read_reg(spec::reg::GIE), 1u);
  EXPECT_EQ(d->read_reg(spec::reg::IER), 3u);
  EXPECT_EQ(d->read_reg(spec::reg::ISR), 0u);
  d->write_reg(spec::reg::ISR, 1);  // toggle on write
  EXPECT_EQ(d->read_reg(spec::reg::ISR), 1u);
  d->write_reg(spec::reg::ISR, 1);
  EXPECT_EQ(d->read_reg(spec::reg::ISR), 0u);
  d->write_reg(spec::reg::CTRL, ctrl::AUTO_RESTART);  // no AP_START: nothing runs
  EXPECT_EQ(d->read_reg(spec::reg::CTRL), ctrl::AP_IDLE | ctrl::AUTO_RESTART);
  d->write_reg(spec::reg::CTRL, 0);
  EXPECT_EQ(d->read_reg(spec::reg::CTRL), ctrl::AP_IDLE);
}

TEST(CosimRegs, EmptyBatchRunsAndApDoneIsClearOnRead) {
  auto d = open(sim_opts(5, 0.25));
  CardBuffer b = d->alloc(4096);
  KernelArgs a;
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    if (spec::arg::IS_POINTER[i]) a.set(static_cast<spec::arg::Index>(i), b);
  }
  a.set(spec::arg::N_DESC, 0);
  a.set(spec::arg::SA_CAPACITY, 1);
  d->write_reg(spec::reg::IER, 1);
  d->run(a);
  // Device::run waits for ap_done by reading CTRL, which cleared it.
  const uint32_t c = d->read_reg(spec::reg::CTRL);
  EXPECT_FALSE(c & ctrl::AP_DONE);
  EXPECT_FALSE(c & ctrl::AP_START);
  EXPECT_TRUE(c & ctrl::AP_IDLE);
  EXPECT_EQ(d->read_reg(spec::reg::ISR), 1u) << "ap_done with IER bit 0 sets ISR bit 0";
  const auto s = esp::driver::cosim_stats(*d);
  EXPECT_EQ(s.runs, 1u);
  EXPECT_GT(s.last_run_cycles, 0u);
  EXPECT_GE(s.cycles, s.last_run_cycles);
  EXPECT_EQ(s.seed, 5u);
  EXPECT_EQ(s.mem_beats_read, 0u);
  EXPECT_EQ(s.mem_beats_written, 0u);
  // Starting by hand: AP_DONE appears, is read once, then is gone.
  d->write_reg(spec::reg::CTRL, ctrl::AP_START);
  uint32_t seen = 0;
  for (int i = 0; i < 100 && !(seen & ctrl::AP_DONE); ++i) seen = d->read_reg(spec::reg::CTRL);
  EXPECT_TRUE(seen & ctrl::AP_DONE);
  EXPECT_TRUE(seen & ctrl::AP_READY);
  EXPECT_FALSE(d->read_reg(spec::reg::CTRL) & (ctrl::AP_DONE | ctrl::AP_READY));
}

TEST(CosimMemory, RoundTripsAndIsZeroed) {
  auto d = open(sim_opts());
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
  CardBuffer c = d->alloc(1);
  EXPECT_GE(c.addr, b.addr + b.size);
  d->free(b);
  EXPECT_THROW(d->read(b, 0, back, 1), DeviceError);
  EXPECT_THROW(d->free(b), DeviceError);
  d->free(c);
}

TEST(CosimMemory, ExhaustedCardMemoryIsAnError) {
  auto d = open(sim_opts(), 1 << 20);
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

TEST(CosimBackend, ListedOnlyWithTheDatapath) {
  const auto b = esp::driver::available_backends();
  const bool listed = std::find(b.begin(), b.end(), "cosim") != b.end();
  EXPECT_EQ(listed, esp::driver::cosim_has_datapath())
      << "cosim must be in available_backends() exactly when the RTL has the datapath";
}

TEST(CosimBackend, StatsOfAnotherBackendIsAnError) {
  esp::driver::DeviceOptions o;
  o.backend = "swemu";
  o.card_memory_bytes = 1 << 20;
  auto d = esp::driver::open_device(o);
  EXPECT_THROW(esp::driver::cosim_stats(*d), DeviceError);
}

}  // namespace
