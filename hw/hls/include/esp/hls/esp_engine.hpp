// The card kernel `esp_engine`: its top-level function, as the host sees it
// when the HLS C++ runs natively (swemu) and as Vitis HLS synthesises it.
#pragma once

#include "esp/hls/types.hpp"

// Argument order and meaning: hw/spec/esp_spec.yaml (registers.args).
extern "C" void esp_engine(ctl_word_t* sa_table, ctl_word_t* replay, ctl_word_t* counters,
                           ctl_word_t* spi_table, ctl_word_t* desc, ctl_word_t* completions,
                           pkt_word_t* pkt_in, pkt_word_t* pkt_out, unsigned n_desc,
                           unsigned sa_capacity, unsigned spi_buckets_log2);
