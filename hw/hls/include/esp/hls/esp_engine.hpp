// The card kernel `esp_engine`: its top-level function, as the host sees it
// when the HLS C++ runs natively (swemu, unit tests) and as Vitis HLS
// synthesises it.
//
// Arguments: the kernel arguments of hw/spec/esp_spec.yaml (registers.args)
// in their order, then the kernel's own registers: desc_prod (DESC_PROD, as
// the host wrote it before ap_start) and cpl_prod (CPL_PROD, set at the end
// of the run). The run: engine_run.hpp; in short, descriptors ring_first up
// to the first STOP, or up to desc_prod when there is none (this kernel
// cannot wait for the host to advance DESC_PROD).
//
// The card's own state (installed SAs, the SPI table; engine_state.hpp)
// persists across runs. Under Vitis HLS it is static on-chip memory inside
// the top. On the host, where several devices share one process, each device
// owns an esp::hls::EngineState and passes it as the last argument (host
// builds only); a card reset is EngineState::reset().
#pragma once

#include "esp/hls/engine_state.hpp"
#include "esp/hls/types.hpp"

#if defined(__SYNTHESIS__)
#define ESP_ENGINE_HOST_STATE
#else
#define ESP_ENGINE_HOST_STATE , esp::hls::EngineState* state
#endif

extern "C" void esp_engine(ctl_word_t* sa_table, ctl_word_t* sa_state, ctl_word_t* replay, ctl_word_t* desc_ring,
                           ctl_word_t* cpl_ring, pkt_word_t* pkt_in, pkt_word_t* pkt_out, unsigned ring_first,
                           unsigned ring_log2, unsigned sa_capacity, unsigned spi_buckets_log2, unsigned desc_prod,
                           unsigned* cpl_prod ESP_ENGINE_HOST_STATE);
