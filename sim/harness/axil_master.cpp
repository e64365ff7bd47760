#include "axil_master.hpp"

#include "sim_error.hpp"

namespace esp::sim {

void AxilMaster::start_read(uint32_t addr) {
  if (busy()) throw SimError("AXI4-Lite master: a transaction is already in flight");
  op_ = Op::Read;
  a_done_ = false;
  out_.araddr = addr;
}

void AxilMaster::start_write(uint32_t addr, uint32_t data, uint8_t strb) {
  if (busy()) throw SimError("AXI4-Lite master: a transaction is already in flight");
  op_ = Op::Write;
  a_done_ = w_done_ = false;
  out_.awaddr = addr;
  out_.wdata = data;
  out_.wstrb = strb;
}

const AxilMasterOut& AxilMaster::drive() {
  const bool st_a = stall(), st_w = stall(), st_resp = stall();
  // A valid, once raised, stays up until its handshake.
  out_.arvalid = op_ == Op::Read && !a_done_ && (out_.arvalid || !st_a);
  out_.awvalid = op_ == Op::Write && !a_done_ && (out_.awvalid || !st_a);
  out_.wvalid = op_ == Op::Write && !w_done_ && (out_.wvalid || !st_w);
  out_.rready = op_ == Op::Read && !st_resp;
  out_.bready = op_ == Op::Write && !st_resp;
  return out_;
}

void AxilMaster::edge(const AxilSlaveOut& s) {
  if (op_ == Op::Read) {
    if (out_.arvalid && s.arready) a_done_ = true;
    if (s.rvalid && out_.rready) {
      if (!a_done_) throw SimError("AXI4-Lite: read data before the read address handshake");
      rdata_ = s.rdata;
      resp_ = s.rresp;
      op_ = Op::None;
      out_.arvalid = false;
    }
  } else if (op_ == Op::Write) {
    if (out_.awvalid && s.awready) a_done_ = true;
    if (out_.wvalid && s.wready) w_done_ = true;
    if (s.bvalid && out_.bready) {
      if (!a_done_ || !w_done_) throw SimError("AXI4-Lite: write response before address and data");
      resp_ = s.bresp;
      op_ = Op::None;
      out_.awvalid = out_.wvalid = false;
    }
  }
}

}  // namespace esp::sim
