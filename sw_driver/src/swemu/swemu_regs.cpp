#include "swemu/swemu_regs.hpp"

namespace esp::driver::detail {

namespace ctrl = spec::reg::ctrl;

uint32_t SwemuRegs::read(uint32_t offset) {
  switch (offset) {
    case spec::reg::CTRL: {
      const uint32_t v = (ap_start_ ? ctrl::AP_START : 0) | (ap_done_ ? ctrl::AP_DONE : 0) | ctrl::AP_IDLE |
                         (ap_ready_ ? ctrl::AP_READY : 0) | (auto_restart_ ? ctrl::AUTO_RESTART : 0);
      ap_done_ = ap_ready_ = false;  // clear on read
      return v;
    }
    case spec::reg::GIE: return gie_;
    case spec::reg::IER: return ier_;
    case spec::reg::ISR: return isr_;
    case spec::reg::ID: return spec::KERNEL_ID;
    case spec::reg::VERSION: return spec::VERSION;
    case spec::reg::CAPS: return spec::caps::ALL;
    case spec::reg::SPEC_HASH: return spec::SPEC_HASH;
    default: break;
  }
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    if (offset == spec::arg::OFFSET[i]) return static_cast<uint32_t>(arg_[i]);
    if (spec::arg::WIDTH[i] == 64 && offset == spec::arg::OFFSET[i] + 4) return static_cast<uint32_t>(arg_[i] >> 32);
  }
  return 0;
}

bool SwemuRegs::write(uint32_t offset, uint32_t value) {
  switch (offset) {
    case spec::reg::CTRL:
      auto_restart_ = value & ctrl::AUTO_RESTART;
      if (value & ctrl::AP_START) {
        ap_start_ = true;
        return true;
      }
      return false;
    case spec::reg::GIE: gie_ = value & 1u; return false;
    case spec::reg::IER: ier_ = value & 3u; return false;
    case spec::reg::ISR: isr_ ^= value & 3u; return false;
    default: break;
  }
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    if (offset == spec::arg::OFFSET[i]) arg_[i] = (arg_[i] & ~uint64_t{0xFFFFFFFF}) | value;
    if (spec::arg::WIDTH[i] == 64 && offset == spec::arg::OFFSET[i] + 4) {
      arg_[i] = (arg_[i] & uint64_t{0xFFFFFFFF}) | (uint64_t{value} << 32);
    }
  }
  return false;
}

void SwemuRegs::complete() {
  ap_start_ = false;
  ap_done_ = ap_ready_ = true;
  isr_ |= ier_ & 3u;  // bit 0 ap_done, bit 1 ap_ready
}

}  // namespace esp::driver::detail
