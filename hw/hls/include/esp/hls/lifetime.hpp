// esp_engine building block: SA lifetimes (CONTRACT.md ENCRYPT 3 and 6,
// DECRYPT 6 and 16). A limit of 0 means none.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/sa_params.hpp"
#include "esp/hls/sa_state.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

inline bool limit_reached(uint64_t limit, uint64_t value) { return limit != 0 && value >= limit; }

// Hard packet/byte lifetime, checked before a packet is processed.
inline bool hard_lifetime_reached(const SaParams& sa, const SaCounters& c) {
  return limit_reached(sa.hard_packets, c.packets) || limit_reached(sa.hard_bytes, c.bytes);
}

// Outbound sequence space: the next number after tx_seq would wrap (32 bits
// without ESN, 64 bits with; a tx_seq already beyond 32 bits without ESN
// counts as used up).
inline bool seq_space_exhausted(const SaParams& sa, uint64_t tx_seq) {
  const uint64_t last = sa.has(spec::sa_entry::flags_bit::ESN) ? ~uint64_t(0) : uint64_t(0xFFFFFFFFu);
  return tx_seq >= last;
}

// Counts one packet of `bytes` processed OK; returns true (and counts a soft
// event, saturating) when the SA is then at or past its soft lifetime.
inline bool count_ok_packet(const SaParams& sa, SaCounters& c, uint64_t bytes) {
  c.packets += 1u;
  c.bytes += bytes;
  const bool soft = limit_reached(sa.soft_packets, c.packets) || limit_reached(sa.soft_bytes, c.bytes);
  if (soft) count_event(c.soft_events);
  return soft;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
