// What only the cosim backend has: its registration, its statistics, its
// options. Registers and card memory are the conformance suite's
// (tests/unit/driver/device_conformance_test.cpp, ctest
// test_device_conformance_cosim).
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "cosim_util.hpp"

namespace {

using esp::driver::CardBuffer;
using esp::driver::DeviceError;
using esp::driver::KernelArgs;
namespace spec = esp::spec;
using cosim_test::open;
using cosim_test::sim_opts;

TEST(CosimBackend, RegisteredWithTheDriverAndListedOnlyWithTheDatapath) {
  const auto b = esp::driver::available_backends();
  const bool listed = std::find(b.begin(), b.end(), "cosim") != b.end();
  EXPECT_EQ(listed, esp::driver::cosim_has_datapath())
      << "cosim must be in available_backends() exactly when the RTL has the datapath";
  // Opened by name through the driver either way (the library's registrar ran).
  esp::driver::DeviceOptions o;
  o.backend = "cosim";
  o.card_memory_bytes = 1 << 20;
  o.cosim.seed = 1234;
  o.cosim.read_latency = 3;
  o.cosim.backpressure = 0.5;
  o.cosim.print_seed = false;
  auto d = esp::driver::open_device(o);
  EXPECT_EQ(d->backend(), "cosim");
  EXPECT_EQ(esp::driver::cosim_stats(*d).seed, 1234u);
  const std::string desc = d->description();
  EXPECT_NE(desc.find("seed 1234"), std::string::npos) << desc;
  EXPECT_NE(desc.find("read/write latency 3/8"), std::string::npos) << desc;
  EXPECT_NE(desc.find("backpressure 0.5"), std::string::npos) << desc;
}

TEST(CosimBackend, BadOptionsAreErrors) {
  for (double bp : {-0.1, 1.0, 2.0}) {
    esp::driver::DeviceOptions o;
    o.backend = "cosim";
    o.card_memory_bytes = 1 << 20;
    o.cosim.backpressure = bp;
    EXPECT_THROW(esp::driver::open_device(o), DeviceError) << bp;
  }
}

TEST(CosimBackend, StatsOfAnotherBackendIsAnError) {
  esp::driver::DeviceOptions o;
  o.backend = "swemu";
  o.card_memory_bytes = 1 << 20;
  auto d = esp::driver::open_device(o);
  EXPECT_THROW(esp::driver::cosim_stats(*d), DeviceError);
}

TEST(CosimBackend, StatsCountRunsCyclesAndBeats) {
  auto d = open(sim_opts(5, 0.25));
  CardBuffer b = d->alloc(4096), ring = d->alloc(4096), cpl = d->alloc(4096);
  KernelArgs a;
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    if (spec::arg::IS_POINTER[i]) a.set(static_cast<spec::arg::Index>(i), b);
  }
  // a ring of one slot; each run is one STOP
  uint8_t stop[spec::command::SIZE] = {};
  spec::set<spec::command::op>(stop, uint8_t(spec::Opcode::STOP));
  spec::set<spec::command::sa_index>(stop, spec::NO_SA_INDEX);
  d->write(ring, 0, stop, sizeof stop);
  a.set(spec::arg::DESC_RING, ring);
  a.set(spec::arg::CPL_RING, cpl);
  a.set(spec::arg::RING_FIRST, 0);
  a.set(spec::arg::RING_LOG2, 0);
  a.set(spec::arg::SA_CAPACITY, 1);
  d->write_reg(spec::reg::DESC_PROD, 1);
  d->run(a);
  const auto s = esp::driver::cosim_stats(*d);
  EXPECT_EQ(s.runs, 1u);
  EXPECT_GT(s.last_run_cycles, 0u);
  EXPECT_GE(s.cycles, s.last_run_cycles);
  EXPECT_EQ(s.seed, 5u);
  EXPECT_EQ(s.mem_beats_read, 1u) << "the STOP";
  EXPECT_EQ(s.mem_beats_written, 1u) << "its completion";
  EXPECT_EQ(d->read_reg(spec::reg::CPL_PROD), 1u);
  a.set(spec::arg::RING_FIRST, 1);
  d->write_reg(spec::reg::DESC_PROD, 2);
  d->run(a);
  EXPECT_EQ(esp::driver::cosim_stats(*d).runs, 2u);
  EXPECT_EQ(d->read_reg(spec::reg::CPL_PROD), 2u);
}

}  // namespace
