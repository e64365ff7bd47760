// esp_engine building block: the full 64-bit sequence number of an inbound
// packet (CONTRACT.md DECRYPT 8; RFC 4303 Appendix A2.2 for ESN).
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

// The high 32 bits of an extended sequence number from the low 32 bits seen
// in the packet, the highest authenticated number `top` and the window W:
//   Tl >= W-1:  Th     when seq_lo >= Tl - W + 1, else Th + 1
//   Tl <  W-1:  Th - 1 when seq_lo >= Tl - W + 1 (mod 2^32), else Th
// Returns false when the result would be Th - 1 with Th == 0 (a number below
// zero: a replay).
inline bool esn_infer_high(uint64_t top, uint32_t window_bits, uint32_t seq_lo, uint32_t& seq_hi) {
  const uint32_t th = static_cast<uint32_t>(top >> 32);
  const uint32_t tl = static_cast<uint32_t>(top);
  const uint32_t bottom = tl - window_bits + 1u;  // mod 2^32
  if (tl >= window_bits - 1u) {
    seq_hi = seq_lo >= bottom ? th : th + 1u;
    return true;
  }
  if (seq_lo >= bottom) {
    if (th == 0) return false;
    seq_hi = th - 1u;
    return true;
  }
  seq_hi = th;
  return true;
}

// The full sequence number: the 32-bit field without ESN, the inferred
// 64-bit number with ESN. Returns false (-> REPLAY) for an impossible number:
// below zero (seq is then left at seq_lo), or zero itself.
inline bool infer_seq(bool esn, uint64_t top, uint32_t window_bits, uint32_t seq_lo, uint64_t& seq) {
  seq = seq_lo;
  if (esn) {
    uint32_t hi = 0;
    if (!esn_infer_high(top, window_bits, seq_lo, hi)) return false;
    seq = (uint64_t(hi) << 32) | seq_lo;
  }
  return seq != 0;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
