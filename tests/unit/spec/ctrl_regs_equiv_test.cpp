// The generated register block and its generated C++ model agree: random
// AXI4-Lite reads and writes (any offset, any byte strobes) and ap_ctrl_hs
// pulses go to both the verilated esp_ctrl_regs and esp::spec::CtrlRegs;
// every read, ap_start, interrupt and argument output must match.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <type_traits>

#include "Vesp_ctrl_regs.h"
#include "esp/spec/esp_ctrl_regs.hpp"
#include "verilated.h"

namespace {

namespace spec = esp::spec;

class Rtl {
 public:
  explicit Rtl(uint32_t seed) {
    ctx_.randReset(2);
    ctx_.randSeed(static_cast<int>(seed));
    m_ = new Vesp_ctrl_regs(&ctx_);
    // Inputs start random (randReset): drive every one.
    m_->rst_ni = 0;
    m_->ap_idle_i = 1;
    m_->ap_ready_i = 0;
    m_->ap_done_i = 0;
    m_->s_axil_awaddr = 0;
    m_->s_axil_awvalid = 0;
    m_->s_axil_wdata = 0;
    m_->s_axil_wstrb = 0;
    m_->s_axil_wvalid = 0;
    m_->s_axil_bready = 0;
    m_->s_axil_araddr = 0;
    m_->s_axil_arvalid = 0;
    m_->s_axil_rready = 0;
    tick();
    tick();
    m_->rst_ni = 1;
    m_->eval();
  }
  ~Rtl() {
    m_->final();
    delete m_;
  }
  Rtl(const Rtl&) = delete;
  Rtl& operator=(const Rtl&) = delete;

  Vesp_ctrl_regs& m() { return *m_; }

  void tick() {
    m_->clk_i = 0;
    m_->eval();
    m_->clk_i = 1;
    m_->eval();
  }

  uint32_t read(uint32_t offset) {
    m_->s_axil_araddr = static_cast<std::remove_reference_t<decltype(m_->s_axil_araddr)>>(offset);
    m_->s_axil_arvalid = 1;
    m_->s_axil_rready = 0;
    m_->eval();
    bool fired = false;
    for (int i = 0; i < 10 && !fired; ++i) {
      fired = m_->s_axil_arready;
      tick();
    }
    EXPECT_TRUE(fired) << "arready";
    m_->s_axil_arvalid = 0;
    m_->eval();
    EXPECT_TRUE(m_->s_axil_rvalid);
    EXPECT_EQ(m_->s_axil_rresp, 0u);
    const uint32_t v = m_->s_axil_rdata;
    m_->s_axil_rready = 1;
    tick();
    m_->s_axil_rready = 0;
    m_->eval();
    return v;
  }

  // Address and data in the same cycle, or the data `data_lag` cycles later.
  void write(uint32_t offset, uint32_t value, uint8_t strb, int data_lag) {
    m_->s_axil_awaddr = static_cast<std::remove_reference_t<decltype(m_->s_axil_awaddr)>>(offset);
    m_->s_axil_awvalid = 1;
    m_->s_axil_bready = 0;
    for (int i = 0; i < data_lag; ++i) {
      m_->eval();
      const bool aw = m_->s_axil_awready;
      tick();
      if (aw) m_->s_axil_awvalid = 0;
    }
    m_->s_axil_wdata = value;
    m_->s_axil_wstrb = strb;
    m_->s_axil_wvalid = 1;
    m_->eval();
    const bool w = m_->s_axil_wready;
    EXPECT_TRUE(w) << "wready";
    tick();
    m_->s_axil_awvalid = 0;
    m_->s_axil_wvalid = 0;
    m_->eval();
    EXPECT_TRUE(m_->s_axil_bvalid);
    EXPECT_EQ(m_->s_axil_bresp, 0u);
    m_->s_axil_bready = 1;
    tick();
    m_->s_axil_bready = 0;
    m_->eval();
  }

  void pulse(bool ready, bool done) {
    m_->ap_ready_i = ready;
    m_->ap_done_i = done;
    tick();
    m_->ap_ready_i = 0;
    m_->ap_done_i = 0;
    m_->eval();
  }

 private:
  VerilatedContext ctx_;
  Vesp_ctrl_regs* m_ = nullptr;
};

void expect_outputs(Rtl& rtl, const spec::CtrlRegs& model, int step) {
  EXPECT_EQ(bool(rtl.m().ap_start_o), model.ap_start()) << "step " << step;
  EXPECT_EQ(bool(rtl.m().interrupt_o), model.interrupt()) << "step " << step;
#define ESP_CMP_ARG(name, I) EXPECT_EQ(uint64_t(rtl.m().name##_o), model.arg(spec::arg::I)) << #name << " step " << step;
  ESP_SPEC_ARGS(ESP_CMP_ARG)
#undef ESP_CMP_ARG
  EXPECT_EQ(uint32_t(rtl.m().desc_prod_o), model.desc_prod()) << "desc_prod step " << step;
}

// The kernel-driven (ro) kernel registers: new values on both sides.
void drive_kernel_regs(Rtl& rtl, spec::CtrlRegs& model, std::mt19937& rng) {
  const uint32_t v[7] = {uint32_t(rng()), uint32_t(rng()), uint32_t(rng()), uint32_t(rng()),
                         uint32_t(rng()), uint32_t(rng()), uint32_t(rng())};
  rtl.m().cpl_prod_i = v[0];
  rtl.m().max_sas_i = v[1];
  rtl.m().max_spi_buckets_log2_i = v[2];
  rtl.m().perf_cycles_lo_i = v[3];
  rtl.m().perf_cycles_hi_i = v[4];
  rtl.m().perf_idle_lo_i = v[5];
  rtl.m().perf_idle_hi_i = v[6];
  model.set_cpl_prod(v[0]);
  model.set_max_sas(v[1]);
  model.set_max_spi_buckets_log2(v[2]);
  model.set_perf_cycles_lo(v[3]);
  model.set_perf_cycles_hi(v[4]);
  model.set_perf_idle_lo(v[5]);
  model.set_perf_idle_hi(v[6]);
}

uint32_t R(std::mt19937& rng) { return static_cast<uint32_t>(rng()); }

// Offsets worth hitting: every register and argument word, the reserved words,
// and some that are no register.
uint32_t pick_offset(std::mt19937& rng) {
  const uint32_t kRegs[] = {spec::reg::CTRL,           spec::reg::GIE,
                            spec::reg::IER,            spec::reg::ISR,
                            spec::reg::ID,             spec::reg::VERSION,
                            spec::reg::CAPS,           spec::reg::SPEC_HASH,
                            spec::reg::DESC_PROD,      spec::reg::CPL_PROD,
                            spec::reg::MAX_SAS,        spec::reg::MAX_SPI_BUCKETS_LOG2,
                            spec::reg::PERF_CYCLES_LO, spec::reg::PERF_CYCLES_HI,
                            spec::reg::PERF_IDLE_LO,   spec::reg::PERF_IDLE_HI};
  switch (R(rng) % 4) {
    case 0: return kRegs[R(rng) % (sizeof kRegs / sizeof kRegs[0])];
    case 1: {
      const unsigned i = R(rng) % spec::arg::COUNT;
      return spec::arg::OFFSET[i] + 4 * (R(rng) % (spec::arg::WIDTH[i] == 64 ? 3 : 2));
    }
    default: return (R(rng) % (spec::reg::SPACE_BYTES / 4)) * 4;
  }
}

class CtrlRegsEquiv : public ::testing::TestWithParam<uint32_t> {};

TEST_P(CtrlRegsEquiv, RandomTraffic) {
  const uint32_t seed = GetParam();
  std::mt19937 rng(seed);
  Rtl rtl(seed);
  spec::CtrlRegs model;
  drive_kernel_regs(rtl, model, rng);
  unsigned reads = 0, writes = 0, starts = 0;
  for (int step = 0; step < 3000; ++step) {
    const unsigned what = R(rng) % 16;
    if (what < 6) {
      const uint32_t off = pick_offset(rng);
      ASSERT_EQ(rtl.read(off), model.read(off)) << "read 0x" << std::hex << off << std::dec << " step " << step;
      ++reads;
    } else if (what < 12) {
      const uint32_t off = pick_offset(rng);
      uint32_t value = R(rng);
      if (off == spec::reg::CTRL && R(rng) % 2) value = spec::reg::ctrl::AP_START | (R(rng) % 4 ? 0 : spec::reg::ctrl::AUTO_RESTART);
      const uint8_t strb = R(rng) % 3 ? 0xF : static_cast<uint8_t>(R(rng) % 16);
      rtl.write(off, value, strb, static_cast<int>(R(rng) % 3));
      model.write(off, value, strb);
      ++writes;
    } else if (what < 15) {
      const bool ready = R(rng) % 2, done = R(rng) % 2;
      rtl.pulse(ready, done);
      if (ready) model.ready();
      if (done) model.done();
      starts += ready;
    } else {
      const bool idle = R(rng) % 2;
      rtl.m().ap_idle_i = idle;
      drive_kernel_regs(rtl, model, rng);
      rtl.tick();
      model.set_idle(idle);
    }
    expect_outputs(rtl, model, step);
    if (HasFailure()) return;
  }
  EXPECT_GT(reads, 500u);
  EXPECT_GT(writes, 500u);
  EXPECT_GT(starts, 100u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, CtrlRegsEquiv, ::testing::Values(1u, 2u, 3u));

}  // namespace
