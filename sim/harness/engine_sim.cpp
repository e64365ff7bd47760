#include "engine_sim.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "Vesp_engine.h"
#include "sim_error.hpp"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace esp::sim {

struct EngineSim::Model {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vesp_engine> top;
  std::unique_ptr<VerilatedFstC> fst;
};

namespace {

// Distinct, reproducible streams from one seed (splitmix64).
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

template <size_t N>
void wide_to_bytes(const VlWide<N>& w, uint8_t* out) {
  for (size_t i = 0; i < N * 4; ++i) out[i] = static_cast<uint8_t>(w[i / 4] >> (8 * (i % 4)));
}

template <size_t N>
void bytes_to_wide(const uint8_t* in, VlWide<N>& w) {
  for (size_t i = 0; i < N; ++i) {
    w[i] = uint32_t(in[4 * i]) | (uint32_t(in[4 * i + 1]) << 8) | (uint32_t(in[4 * i + 2]) << 16) |
           (uint32_t(in[4 * i + 3]) << 24);
  }
}

}  // namespace

EngineSim::EngineSim(const SimConfig& cfg)
    : cfg_(cfg),
      mem_(cfg.card_memory_bytes),
      slave_(mem_, cfg.timing, mix(cfg.seed ^ 0x6D656D)),
      axil_(cfg.timing.backpressure, mix(cfg.seed ^ 0x617869)),
      m_(std::make_unique<Model>()) {
  m_->ctx = std::make_unique<VerilatedContext>();
  // --x-initial unique: initial values are random, drawn from this seed.
  m_->ctx->randReset(2);
  m_->ctx->randSeed(static_cast<int>(mix(cfg.seed) & 0x7FFFFFFF) | 1);
  Verilated::threadContextp(m_->ctx.get());
  // ESP_COSIM_FST=<file>: an FST trace of every model, <file>.<n> (like
  // ESP_COSIM_AXI_LOG; for tools that do not pass cosim.trace_path).
  if (cfg_.trace_path.empty()) {
    if (const char* fst = std::getenv("ESP_COSIM_FST")) {
      static unsigned fst_instances = 0;
      cfg_.trace_path = std::string(fst) + "." + std::to_string(fst_instances++);
    }
  }
  if (!cfg_.trace_path.empty()) m_->ctx->traceEverOn(true);
  m_->top = std::make_unique<Vesp_engine>(m_->ctx.get(), "esp_engine");
  if (!cfg_.trace_path.empty()) {
    m_->fst = std::make_unique<VerilatedFstC>();
    m_->top->trace(m_->fst.get(), 99);
    m_->fst->open(cfg_.trace_path.c_str());
    if (!m_->fst->isOpen()) throw SimError("cannot open FST trace " + cfg_.trace_path);
  }
  if (const char* log = std::getenv("ESP_COSIM_AXI_LOG")) {
    static unsigned instances = 0;  // one file per model: <file>.<n>
    axi_log_ = std::fopen((std::string(log) + "." + std::to_string(instances++)).c_str(), "w");
  }
  m_->top->clk_i = 0;
  reset();
}

void EngineSim::reset() {
  Vesp_engine& t = *m_->top;
  t.rst_ni = 1;
  t.eval();
  t.rst_ni = 0;  // asynchronous reset, held for a few clocks
  t.eval();
  step(4);
  t.rst_ni = 1;
  step(2);
}

EngineSim::~EngineSim() {
  if (m_ && m_->top) m_->top->final();
  if (m_ && m_->fst) m_->fst->close();
  if (axi_log_) std::fclose(axi_log_);
}

bool EngineSim::interrupt() const { return m_->top->interrupt_o; }

void EngineSim::cycle_once() {
  Vesp_engine& t = *m_->top;
  // 1. The testbench drives its outputs for this cycle (state only).
  const AxiSlaveOut& so = slave_.drive(cycle_);
  const AxilMasterOut& lo = axil_.drive();
  t.m_axi_awready = so.awready;
  t.m_axi_wready = so.wready;
  t.m_axi_bresp = so.bresp;
  t.m_axi_bvalid = so.bvalid;
  t.m_axi_arready = so.arready;
  bytes_to_wide(so.rdata, t.m_axi_rdata);
  t.m_axi_rresp = so.rresp;
  t.m_axi_rlast = so.rlast;
  t.m_axi_rvalid = so.rvalid;
  t.s_axil_awaddr = static_cast<uint8_t>(lo.awaddr);
  t.s_axil_awvalid = lo.awvalid;
  t.s_axil_wdata = lo.wdata;
  t.s_axil_wstrb = lo.wstrb;
  t.s_axil_wvalid = lo.wvalid;
  t.s_axil_bready = lo.bready;
  t.s_axil_araddr = static_cast<uint8_t>(lo.araddr);
  t.s_axil_arvalid = lo.arvalid;
  t.s_axil_rready = lo.rready;
  // 2. Settle the low phase; sample what the RTL shows at the rising edge.
  t.clk_i = 0;
  t.eval();
  if (m_->fst) m_->fst->dump(m_->ctx->time());
  m_->ctx->timeInc(1);

  AxiMasterOut mo;
  mo.awaddr = t.m_axi_awaddr;
  mo.awlen = t.m_axi_awlen;
  mo.awsize = t.m_axi_awsize;
  mo.awburst = t.m_axi_awburst;
  mo.awvalid = t.m_axi_awvalid;
  wide_to_bytes(t.m_axi_wdata, mo.wdata);
  mo.wstrb = t.m_axi_wstrb;
  mo.wlast = t.m_axi_wlast;
  mo.wvalid = t.m_axi_wvalid;
  mo.bready = t.m_axi_bready;
  mo.araddr = t.m_axi_araddr;
  mo.arlen = t.m_axi_arlen;
  mo.arsize = t.m_axi_arsize;
  mo.arburst = t.m_axi_arburst;
  mo.arvalid = t.m_axi_arvalid;
  mo.rready = t.m_axi_rready;
  AxilSlaveOut ls;
  ls.awready = t.s_axil_awready;
  ls.wready = t.s_axil_wready;
  ls.bresp = t.s_axil_bresp;
  ls.bvalid = t.s_axil_bvalid;
  ls.arready = t.s_axil_arready;
  ls.rdata = t.s_axil_rdata;
  ls.rresp = t.s_axil_rresp;
  ls.rvalid = t.s_axil_rvalid;

  // ESP_COSIM_AXI_LOG=<file>: every AXI4 handshake, one line each (a debug aid
  // for cycle traces: sim/harness/axi_profile.py summarises it).
  if (axi_log_) {
    if (mo.arvalid && so.arready)
      std::fprintf(axi_log_, "%llu AR %llx %u\n", (unsigned long long)cycle_, (unsigned long long)mo.araddr, mo.arlen);
    if (so.rvalid && mo.rready) std::fprintf(axi_log_, "%llu R\n", (unsigned long long)cycle_);
    if (mo.awvalid && so.awready)
      std::fprintf(axi_log_, "%llu AW %llx %u\n", (unsigned long long)cycle_, (unsigned long long)mo.awaddr, mo.awlen);
    if (mo.wvalid && so.wready) std::fprintf(axi_log_, "%llu W\n", (unsigned long long)cycle_);
    if (so.bvalid && mo.bready) std::fprintf(axi_log_, "%llu B\n", (unsigned long long)cycle_);
  }
  // 3. Handshakes happen at the edge, for the testbench and the RTL alike.
  slave_.edge(mo, cycle_);
  axil_.edge(ls);
  t.clk_i = 1;
  t.eval();
  if (m_->fst) m_->fst->dump(m_->ctx->time());
  m_->ctx->timeInc(1);
  ++cycle_;
}

void EngineSim::step(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) cycle_once();
}

void EngineSim::run_axil(const char* what, uint32_t offset) {
  const uint64_t start = cycle_;
  while (axil_.busy()) {
    if (cycle_ - start >= cfg_.reg_access_cycle_limit) {
      std::ostringstream os;
      os << "AXI4-Lite " << what << " of register 0x" << std::hex << offset << std::dec << " got no response in "
         << cfg_.reg_access_cycle_limit << " cycles (cycle " << cycle_ << ")";
      throw SimError(os.str());
    }
    cycle_once();
  }
  if (axil_.resp() != kRespOkay) {
    std::ostringstream os;
    os << "AXI4-Lite " << what << " of register 0x" << std::hex << offset << " answered response "
       << unsigned(axil_.resp());
    throw SimError(os.str());
  }
}

uint32_t EngineSim::read_reg(uint32_t offset) {
  axil_.start_read(offset);
  run_axil("read", offset);
  return axil_.rdata();
}

void EngineSim::write_reg(uint32_t offset, uint32_t value) {
  axil_.start_write(offset, value);
  run_axil("write", offset);
}

}  // namespace esp::sim
