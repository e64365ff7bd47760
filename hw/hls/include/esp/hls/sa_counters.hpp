// esp_engine building block: the per-SA counters (spec struct sa_counters),
// read into local registers, updated, written back. Entry i sits at
// counters + i * sa_counters::SIZE.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/mem_io.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

namespace sac = spec::sa_counters;

struct SaCounters {
  uint64_t packets;
  uint64_t bytes;
  uint64_t auth_fail;
  uint64_t replay;
  uint64_t bad_packet;
  uint64_t soft_events;
  uint64_t hard_events;
  uint64_t dummy;
};

// Which counter a single-counter bump addresses (its word in the entry).
enum class Counter : unsigned {
  AUTH_FAIL = sac::auth_fail::offset / kCtlBytes,
  REPLAY = sac::replay::offset / kCtlBytes,
  BAD_PACKET = sac::bad_packet::offset / kCtlBytes,
  SOFT_EVENTS = sac::soft_events::offset / kCtlBytes,
  HARD_EVENTS = sac::hard_events::offset / kCtlBytes,
  DUMMY = sac::dummy::offset / kCtlBytes,
};

inline uint64_t counters_word0(uint32_t sa_index) { return uint64_t(sa_index) * sac::SIZE / kCtlBytes; }

inline void read_counters(const ctl_word_t* counters, uint32_t sa_index, SaCounters& c) {
  uint8_t img[sac::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
  read_struct<sac::SIZE>(counters, uint64_t(sa_index) * sac::SIZE, img, sac::SIZE);
  c.packets = spec::get<sac::packets>(img);
  c.bytes = spec::get<sac::bytes>(img);
  c.auth_fail = spec::get<sac::auth_fail>(img);
  c.replay = spec::get<sac::replay>(img);
  c.bad_packet = spec::get<sac::bad_packet>(img);
  c.soft_events = spec::get<sac::soft_events>(img);
  c.hard_events = spec::get<sac::hard_events>(img);
  c.dummy = spec::get<sac::dummy>(img);
}

// Adds one to a single counter (read-modify-write of its word).
inline void bump_counter(ctl_word_t* counters, uint32_t sa_index, Counter which) {
  const uint64_t w = counters_word0(sa_index) + static_cast<unsigned>(which);
  write_word(counters, w, read_word(counters, w) + 1u);
}

// Writes back packets, bytes and soft_events (the words an OK completion
// changes).
inline void write_ok_counters(ctl_word_t* counters, uint32_t sa_index, const SaCounters& c) {
  const uint64_t w0 = counters_word0(sa_index);
  write_word(counters, w0 + sac::packets::offset / kCtlBytes, c.packets);
  write_word(counters, w0 + sac::bytes::offset / kCtlBytes, c.bytes);
  write_word(counters, w0 + sac::soft_events::offset / kCtlBytes, c.soft_events);
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
