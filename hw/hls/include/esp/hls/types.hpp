// esp_engine port types. Under Vitis HLS, ap_int.h / hls_stream.h are Vitis's
// own; with g++ they are ours (hw/hls/compat/).
//
// Global scope on purpose: the extern "C" top (esp_engine.hpp) uses them.
#pragma once

#include "ap_int.h"
#include "hls_stream.h"

#include "esp/spec/esp_spec.hpp"

// 64-bit structure ports (SA table, state lines, replay rings, descriptor and
// completion rings): CTL_WORD_BYTES.
typedef ap_uint<64> ctl_word_t;
// 512-bit packet ports: PKT_BUS_BYTES.
typedef ap_uint<512> pkt_word_t;

static_assert(ctl_word_t::width == 8 * static_cast<int>(esp::spec::CTL_WORD_BYTES),
              "ctl_word_t must be CTL_WORD_BYTES wide");
static_assert(pkt_word_t::width == 8 * static_cast<int>(esp::spec::PKT_BUS_BYTES),
              "pkt_word_t must be PKT_BUS_BYTES wide");
#ifdef ESP_HLS_COMPAT_AP_INT
// Host code views card memory as arrays of these.
static_assert(sizeof(ctl_word_t) == esp::spec::CTL_WORD_BYTES, "compat ctl_word_t must have no padding");
static_assert(sizeof(pkt_word_t) == esp::spec::PKT_BUS_BYTES, "compat pkt_word_t must have no padding");
#endif
