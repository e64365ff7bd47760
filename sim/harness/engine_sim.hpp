// The esp_engine Verilator model with its bus models: an AXI4-Lite master on
// s_axil, an AXI4 memory slave over the emulated card memory on m_axi, a cycle
// counter and an optional FST trace. Verilator types stay in engine_sim.cpp.
//
// Models are built with --x-assign unique --x-initial unique: every run's
// initial register values and X resolutions come from `seed`, as do the
// backpressure streams, so a seed replays a run exactly.
//
// ESP_COSIM_AXI_LOG=<file>: every m_axi handshake of the model goes to
// <file>.<n> (n: the models of the process, in order of creation), one line
// each; sim/harness/axi_profile.py summarises it (cycle traces of the memory
// engines without an FST viewer).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "axi_mem_slave.hpp"
#include "axil_master.hpp"
#include "card_memory.hpp"

namespace esp::sim {

struct SimConfig {
  uint64_t seed = 1;
  MemTiming timing;
  std::string trace_path;  // FST file; empty = no trace
  uint64_t card_memory_bytes = 1ull << 30;
  uint64_t reg_access_cycle_limit = 10000;  // one AXI4-Lite transaction
};

class EngineSim {
 public:
  explicit EngineSim(const SimConfig& cfg);
  ~EngineSim();
  EngineSim(const EngineSim&) = delete;
  EngineSim& operator=(const EngineSim&) = delete;

  CardMemory& memory() { return mem_; }
  const SimConfig& config() const { return cfg_; }

  // One AXI4-Lite transaction, clocking the model until it completes; throws
  // SimError when the slave does not answer within reg_access_cycle_limit
  // cycles or answers with an error response.
  uint32_t read_reg(uint32_t offset);
  void write_reg(uint32_t offset, uint32_t value);

  void step(uint64_t n = 1);
  // Pulses rst_ni (asynchronous, a few clocks): the engine's registers and
  // its own tables are reset; card memory keeps its contents. Only between
  // runs (no AXI transaction in flight).
  void reset();
  uint64_t cycles() const { return cycle_; }
  bool interrupt() const;

  // Protocol / decode errors the memory slave recorded since the last call.
  std::vector<std::string> take_bus_errors() { return slave_.take_errors(); }
  const AxiMemSlave& mem_slave() const { return slave_; }
  AxiMemSlave& mem_slave() { return slave_; }  // (to add read watches)

 private:
  struct Model;
  void cycle_once();
  void run_axil(const char* what, uint32_t offset);

  SimConfig cfg_;
  CardMemory mem_;
  AxiMemSlave slave_;
  AxilMaster axil_;
  std::unique_ptr<Model> m_;
  uint64_t cycle_ = 0;
  std::FILE* axi_log_ = nullptr;
};

}  // namespace esp::sim
