// Private: swemu's model of esp_engine's AXI4-Lite control slave, the same
// register behaviour as the RTL's (hw/rtl/esp_ctrl_regs.sv, Vitis
// ap_ctrl_hs): the conformance suite (tests/unit/driver) runs one register
// table on both.
//   CTRL  AP_START set by a host write of 1, cleared when the kernel is done;
//         AP_DONE, AP_READY set at completion, cleared when CTRL is read;
//         AP_IDLE always (the kernel runs synchronously); AUTO_RESTART rw
//   GIE bit 0, IER bits 1:0 rw; ISR bits 1:0 set at completion when enabled
//         in IER, toggled by a write of 1
//   argument words rw (64-bit pointers: lo, hi); ID, VERSION, CAPS,
//   SPEC_HASH read-only from the spec; any other offset reads 0, ignores writes
#pragma once

#include <cstdint>

#include "esp/spec/esp_spec.hpp"

namespace esp::driver::detail {

class SwemuRegs {
 public:
  // offset: 4-aligned, inside the slave (Device checked it).
  uint32_t read(uint32_t offset);
  // Returns true when the write starts the kernel (AP_START written as 1).
  bool write(uint32_t offset, uint32_t value);
  // The kernel finished: done, ready, interrupts.
  void complete();
  uint64_t arg(unsigned i) const { return arg_[i]; }

 private:
  bool ap_start_ = false, ap_done_ = false, ap_ready_ = false, auto_restart_ = false;
  uint32_t gie_ = 0, ier_ = 0, isr_ = 0;
  uint64_t arg_[spec::arg::COUNT] = {};
};

}  // namespace esp::driver::detail
