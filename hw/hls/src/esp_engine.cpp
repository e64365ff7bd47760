// The card kernel esp_engine (Vitis HLS top). The per-descriptor semantics
// are hw/spec/CONTRACT.md; the building blocks live in include/esp/hls/, the
// run over the ring in engine_run.hpp.
//
// Interfaces: the five structure ports share one 64-bit AXI4 master
// (gmem_ctl); the packet ports each have their own 512-bit master. All
// arguments, the kernel registers DESC_PROD / CPL_PROD and the block-level
// handshake are on the AXI4-Lite slave `control` (Vitis conventions, the
// register map of esp_spec.yaml; the two kernel registers are bound to the
// spec's offsets, checked below). MAX_SAS, MAX_SPI_BUCKETS_LOG2 and PERF_*
// are not driven by this kernel: its host wrapper sets them (swemu: the
// kMaxSas / kMaxSpiBucketsLog2 of engine_state.hpp, PERF_* = 0).
// Not checked with Vitis here (no Vitis in CI): that the offset= bindings
// give exactly the spec's map (an output scalar's ap_vld bit must not land
// on MAX_SAS at 0xD8), and that the ports bundled in CardPorts keep their
// m_axi interfaces.
#include "esp/hls/esp_engine.hpp"

#include "esp/hls/card_ports.hpp"
#include "esp/hls/engine_run.hpp"
#include "esp/hls/engine_state.hpp"
#include "esp/hls/pragma.hpp"

static_assert(esp::spec::reg::DESC_PROD == 0xD0, "desc_prod pragma offset");
static_assert(esp::spec::reg::CPL_PROD == 0xD4, "cpl_prod pragma offset");

extern "C" void esp_engine(ctl_word_t* sa_table, ctl_word_t* sa_state, ctl_word_t* replay, ctl_word_t* desc_ring,
                           ctl_word_t* cpl_ring, pkt_word_t* pkt_in, pkt_word_t* pkt_out, unsigned ring_first,
                           unsigned ring_log2, unsigned sa_capacity, unsigned spi_buckets_log2, unsigned desc_prod,
                           unsigned* cpl_prod ESP_ENGINE_HOST_STATE) {
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = sa_table offset = slave bundle = gmem_ctl depth = 8192)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = sa_state offset = slave bundle = gmem_ctl depth = 8192)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = replay offset = slave bundle = gmem_ctl depth = 8192)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = desc_ring offset = slave bundle = gmem_ctl depth = 4096)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = cpl_ring offset = slave bundle = gmem_ctl depth = 4096)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = pkt_in offset = slave bundle = gmem_pin depth = 16384 max_read_burst_length = 64)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = pkt_out offset = slave bundle = gmem_pout depth = 16384 max_write_burst_length = 64)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = sa_table bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = sa_state bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = replay bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = desc_ring bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = cpl_ring bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = pkt_in bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = pkt_out bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = ring_first bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = ring_log2 bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = sa_capacity bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = spi_buckets_log2 bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = desc_prod offset = 0xD0 bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = cpl_prod offset = 0xD4 bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = return bundle = control)
#if defined(__SYNTHESIS__)
  static esp::hls::EngineState state_mem;  // on-chip, kept across runs
  esp::hls::EngineState* state = &state_mem;
#endif
  const esp::hls::CardPorts cp{sa_table, sa_state, replay, pkt_in, pkt_out, sa_capacity, spi_buckets_log2, state};
  *cpl_prod = esp::hls::engine_run(cp, desc_ring, cpl_ring, ring_first, ring_log2, desc_prod);
}
