// esp_engine building block: an SA's state line (spec struct sa_state, value
// type spec::SaState: `seq` and the counters), one line of sa_state::SIZE
// bytes per SA index in the sa_state region. `seq` is tx_seq for an outbound
// SA and the replay top T for an inbound one. A descriptor reads its SA's
// line once and writes it back whole when it changed it (write-through: the
// line in card memory is always the SA's state, so SA_DELETE, STATE_SYNC and
// STOP have nothing left to write).
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/mem_io.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

namespace sas = spec::sa_state;

using SaCounters = spec::SaCounters;
using SaState = spec::SaState;

static_assert(sas::SIZE % kCtlBytes == 0, "sa_state is not a whole number of ctl words");

inline void read_state(const ctl_word_t* sa_state, uint32_t sa_index, SaState& s) {
  uint8_t img[sas::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
  read_struct<sas::SIZE>(sa_state, uint64_t(sa_index) * sas::SIZE, img, sas::SIZE);
  spec::unpack(img, s);
}

inline void write_state(ctl_word_t* sa_state, uint32_t sa_index, const SaState& s) {
  uint8_t img[sas::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
  spec::pack(s, img);
  write_struct<sas::SIZE>(sa_state, uint64_t(sa_index) * sas::SIZE, img, sas::SIZE);
}

// soft_events / hard_events: +1, staying at 2^32-1 once there.
inline void count_event(uint32_t& events) {
  if (events != 0xFFFFFFFFu) events += 1u;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
