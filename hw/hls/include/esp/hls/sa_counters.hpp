// esp_engine building block: the per-SA counters (spec struct sa_counters,
// value type spec::SaCounters), read over the structure port, updated in
// local registers, written back whole. Entry i sits at
// counters + i * sa_counters::SIZE. A descriptor changes its SA's counters
// at most once, after it has read them.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/mem_io.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

namespace sac = spec::sa_counters;

using SaCounters = spec::SaCounters;

inline void read_counters(const ctl_word_t* counters, uint32_t sa_index, SaCounters& c) {
  uint8_t img[sac::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
  read_struct<sac::SIZE>(counters, uint64_t(sa_index) * sac::SIZE, img, sac::SIZE);
  spec::unpack(img, c);
}

inline void write_counters(ctl_word_t* counters, uint32_t sa_index, const SaCounters& c) {
  uint8_t img[sac::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
  spec::pack(c, img);
  write_struct<sac::SIZE>(counters, uint64_t(sa_index) * sac::SIZE, img, sac::SIZE);
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
