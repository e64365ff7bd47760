// swemu on contract 1.0, through the public Device API: the kernel's own
// registers (MAX_SAS, MAX_SPI_BUCKETS_LOG2, PERF_* = 0, DESC_PROD written by
// the host, CPL_PROD after each run), the card's own state kept across runs
// and owned by each device, a ring that wraps across runs.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "esp/driver/device.hpp"
#include "esp/spec/esp_spec.hpp"

namespace {

namespace spec = esp::spec;
namespace drv = esp::driver;
using spec::Opcode;
using spec::Status;

constexpr unsigned kRingLog2 = 2;
constexpr unsigned kCap = 8;

// One swemu device with its regions, and a host-side ring.
struct Emu {
  std::unique_ptr<drv::Device> dev;
  drv::CardBuffer sa, state, replay, desc, cpl, in, out;
  uint32_t prod = 0, cpl_prod = 0;

  Emu() {
    drv::DeviceOptions o;
    o.backend = "swemu";
    o.card_memory_bytes = 64ull << 20;
    dev = drv::open_device(o);
    sa = dev->alloc(kCap * spec::sa_entry::SIZE);
    state = dev->alloc(kCap * spec::sa_state::SIZE);
    replay = dev->alloc(4096);
    desc = dev->alloc((1u << kRingLog2) * spec::descriptor::SIZE);
    cpl = dev->alloc((1u << kRingLog2) * spec::completion::SIZE);
    in = dev->alloc(4096);
    out = dev->alloc(4096);
  }
  uint32_t push_cmd(Opcode op, uint32_t sa_index, uint32_t spi = 0, uint32_t slot = 0) {
    spec::Command k;
    k.op = op;
    k.sa_index = sa_index;
    k.spi = spi;
    k.slot = slot;
    uint8_t img[spec::command::SIZE];
    spec::pack(k, img);
    dev->write(desc, (prod & ((1u << kRingLog2) - 1)) * spec::command::SIZE, img, sizeof img);
    return prod++;
  }
  uint32_t run() {
    dev->write_reg(spec::reg::DESC_PROD, prod);
    drv::KernelArgs a;
    namespace ar = spec::arg;
    a.set(ar::SA_TABLE, sa);
    a.set(ar::SA_STATE, state);
    a.set(ar::REPLAY, replay);
    a.set(ar::DESC_RING, desc);
    a.set(ar::CPL_RING, cpl);
    a.set(ar::PKT_IN, in);
    a.set(ar::PKT_OUT, out);
    a.set(ar::RING_FIRST, uint64_t(cpl_prod));
    a.set(ar::RING_LOG2, uint64_t(kRingLog2));
    a.set(ar::SA_CAPACITY, uint64_t(kCap));
    a.set(ar::SPI_BUCKETS_LOG2, uint64_t(4));
    dev->run(a);
    cpl_prod = dev->read_reg(spec::reg::CPL_PROD);
    return cpl_prod;
  }
  spec::Completion completion(uint32_t i) {
    uint8_t img[spec::completion::SIZE];
    dev->read(cpl, (i & ((1u << kRingLog2) - 1)) * spec::completion::SIZE, img, sizeof img);
    spec::Completion c;
    spec::unpack(img, c);
    return c;
  }
  // An ENCRYPT of 64 zero bytes (not an IP packet) with SA sa_index.
  uint32_t push_encrypt(uint32_t sa_index) {
    spec::Descriptor d;
    d.op = Opcode::ENCRYPT;
    d.sa_index = sa_index;
    d.in_offset = 0;
    d.in_length = 64;
    d.out_capacity = 1024;
    d.out_offset = 0;
    uint8_t img[spec::descriptor::SIZE];
    spec::pack(d, img);
    dev->write(desc, (prod & ((1u << kRingLog2) - 1)) * spec::descriptor::SIZE, img, sizeof img);
    return prod++;
  }
  void put_sa(unsigned i, uint32_t spi) {
    spec::SaEntry e;
    e.spi = spi;
    e.flags = spec::sa_entry::flags_bit::VALID | spec::sa_entry::flags_bit::OUTBOUND;
    e.icv_len = 16;
    uint8_t img[spec::sa_entry::SIZE];
    spec::pack(e, img);
    dev->write(sa, i * spec::sa_entry::SIZE, img, sizeof img);
  }
};

TEST(Swemu, KernelRegisters) {
  Emu e;
  struct Reg {
    uint32_t offset;
    uint32_t want;
  };
  const std::vector<Reg> regs = {
      {spec::reg::MAX_SAS, 1u << 20},       {spec::reg::MAX_SPI_BUCKETS_LOG2, 18},
      {spec::reg::PERF_CYCLES_LO, 0},      {spec::reg::PERF_CYCLES_HI, 0},
      {spec::reg::PERF_IDLE_LO, 0},        {spec::reg::PERF_IDLE_HI, 0},
      {spec::reg::CPL_PROD, 0},            {spec::reg::DESC_PROD, 0},
      {spec::reg::VERSION, spec::VERSION},
  };
  for (const Reg& r : regs) EXPECT_EQ(e.dev->read_reg(r.offset), r.want) << std::hex << r.offset;
  e.dev->write_reg(spec::reg::DESC_PROD, 0x1234);
  EXPECT_EQ(e.dev->read_reg(spec::reg::DESC_PROD), 0x1234u);
  e.dev->write_reg(spec::reg::CPL_PROD, 0x55);  // read-only
  EXPECT_EQ(e.dev->read_reg(spec::reg::CPL_PROD), 0u);
}

// Runs of three commands on a ring of four; the installed bits and the SPI
// table of one device persist across its runs and are not another device's.
TEST(Swemu, RunsCarryRingFirstAndCardState) {
  Emu a, b;
  a.put_sa(1, 0xA1);
  b.put_sa(1, 0xB1);
  const uint32_t i0 = a.push_cmd(Opcode::SA_INSTALL, 1);
  const uint32_t i1 = a.push_cmd(Opcode::SPI_SET, 1, 0xA1, 9);
  const uint32_t i2 = a.push_cmd(Opcode::STOP, spec::NO_SA_INDEX);
  EXPECT_EQ(a.run(), 3u);
  EXPECT_EQ(a.completion(i0).status, Status::OK);
  EXPECT_EQ(a.completion(i0).spi, 0xA1u);
  EXPECT_EQ(a.completion(i1).status, Status::OK);
  EXPECT_EQ(a.completion(i2).status, Status::OK);
  for (unsigned run = 0; run < 4; ++run) {  // wraps the ring of 4 several times
    const uint32_t first = a.cpl_prod;
    const uint32_t d = a.push_cmd(Opcode::SA_DELETE, 1);
    const uint32_t k = a.push_cmd(Opcode::SA_INSTALL, 1);
    a.push_cmd(Opcode::STOP, spec::NO_SA_INDEX);
    EXPECT_EQ(a.run(), first + 3) << run;
    EXPECT_EQ(a.completion(d).status, Status::OK);
    EXPECT_EQ(a.completion(k).spi, 0xA1u);
  }
  // device b: its own (empty) state; a run without STOP ends at DESC_PROD
  const uint32_t j = b.push_cmd(Opcode::STATE_SYNC, 1);
  EXPECT_EQ(b.run(), 1u);
  EXPECT_EQ(b.completion(j).status, Status::OK);
  EXPECT_EQ(a.dev->read_reg(spec::reg::CPL_PROD), 15u);
  EXPECT_EQ(b.dev->read_reg(spec::reg::CPL_PROD), 1u);
  EXPECT_EQ(a.dev->read_reg(spec::reg::PERF_CYCLES_LO), 0u);
}

// The installed bit survives runs and belongs to its device: an ENCRYPT
// with an installed SA gets to the packet (MALFORMED: 64 zero bytes), with
// one that is not installed it stops at SA_DISABLED.
TEST(Swemu, InstalledSasPersistPerDevice) {
  Emu a, b;
  a.put_sa(2, 0xA2);
  b.put_sa(2, 0xB2);
  a.push_cmd(Opcode::SA_INSTALL, 2);
  a.push_cmd(Opcode::STOP, spec::NO_SA_INDEX);
  ASSERT_EQ(a.run(), 2u);
  struct Step {
    Emu* e;
    bool del;  // SA_DELETE first
    Status want;
  };
  const std::vector<Step> steps = {
      {&a, false, Status::MALFORMED},   {&b, false, Status::SA_DISABLED}, {&a, false, Status::MALFORMED},
      {&a, true, Status::SA_DISABLED},  {&a, false, Status::SA_DISABLED},
  };
  for (size_t s = 0; s < steps.size(); ++s) {
    Emu& e = *steps[s].e;
    if (steps[s].del) e.push_cmd(Opcode::SA_DELETE, 2);
    const uint32_t i = e.push_encrypt(2);
    e.push_cmd(Opcode::STOP, spec::NO_SA_INDEX);
    e.run();
    EXPECT_EQ(e.completion(i).status, steps[s].want) << "step " << s;
    EXPECT_EQ(e.completion(i).sa_index, 2u) << "step " << s;
  }
}

}  // namespace
