// AXI4-Lite master driving esp_engine's s_axil control slave: one register
// read or write at a time (what a host driver does). Same cycle protocol as
// AxiMemSlave: drive() before the edge, edge() samples the slave. With
// backpressure p > 0 valids are raised late and readies withheld at random.
#pragma once

#include <cstdint>
#include <random>

#include "axi_types.hpp"

namespace esp::sim {

class AxilMaster {
 public:
  AxilMaster(double backpressure, uint64_t seed) : p_(backpressure), rng_(seed), coin_(backpressure > 0 ? backpressure : 0) {}

  void start_read(uint32_t addr);
  void start_write(uint32_t addr, uint32_t data, uint8_t strb = 0xF);
  bool busy() const { return op_ != Op::None; }

  const AxilMasterOut& drive();
  void edge(const AxilSlaveOut& s);

  // Result of the last completed transaction.
  uint32_t rdata() const { return rdata_; }
  uint8_t resp() const { return resp_; }

 private:
  enum class Op { None, Read, Write };
  bool stall() { return p_ > 0 && coin_(rng_); }

  double p_;
  std::mt19937_64 rng_;
  std::bernoulli_distribution coin_;
  Op op_ = Op::None;
  bool a_done_ = false, w_done_ = false;
  AxilMasterOut out_;
  uint32_t rdata_ = 0;
  uint8_t resp_ = 0;
};

}  // namespace esp::sim
