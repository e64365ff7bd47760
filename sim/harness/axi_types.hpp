// Plain-C++ views of the esp_engine ports, so that the bus models do not
// depend on the Verilated model (engine_sim.cpp copies between the two).
#pragma once

#include <cstdint>

namespace esp::sim {

constexpr unsigned kAxiDataBytes = 64;  // m_axi: 512-bit data

// AXI4 master outputs of the RTL (what the memory slave samples).
struct AxiMasterOut {
  uint64_t awaddr = 0;
  uint8_t awlen = 0, awsize = 0, awburst = 0;
  bool awvalid = false;
  uint8_t wdata[kAxiDataBytes] = {};
  uint64_t wstrb = 0;
  bool wlast = false, wvalid = false;
  bool bready = false;
  uint64_t araddr = 0;
  uint8_t arlen = 0, arsize = 0, arburst = 0;
  bool arvalid = false;
  bool rready = false;
};

// AXI4 slave outputs of the memory model (what the RTL sees).
struct AxiSlaveOut {
  bool awready = false, wready = false;
  uint8_t bresp = 0;
  bool bvalid = false;
  bool arready = false;
  uint8_t rdata[kAxiDataBytes] = {};
  uint8_t rresp = 0;
  bool rlast = false, rvalid = false;
};

// AXI4-Lite master outputs of the harness (what the RTL's control slave sees).
struct AxilMasterOut {
  uint32_t awaddr = 0;
  bool awvalid = false;
  uint32_t wdata = 0;
  uint8_t wstrb = 0;
  bool wvalid = false;
  bool bready = false;
  uint32_t araddr = 0;
  bool arvalid = false;
  bool rready = false;
};

// AXI4-Lite slave outputs of the RTL.
struct AxilSlaveOut {
  bool awready = false, wready = false;
  uint8_t bresp = 0;
  bool bvalid = false;
  bool arready = false;
  uint32_t rdata = 0;
  uint8_t rresp = 0;
  bool rvalid = false;
};

constexpr uint8_t kRespOkay = 0, kRespSlvErr = 2, kRespDecErr = 3;

}  // namespace esp::sim
