// The card kernel esp_engine (Vitis HLS top). The per-descriptor semantics
// are hw/spec/CONTRACT.md; the building blocks live in include/esp/hls/.
//
// Interfaces: the six structure ports share one 64-bit AXI4 master
// (gmem_ctl); the packet ports each have their own 512-bit master. All
// arguments and the block-level handshake are on the AXI4-Lite slave
// `control` (Vitis conventions, the register map of esp_spec.yaml).
//
// Dataflow:  desc --read_descriptors--> [desc_s] --process_descriptors-->
//            [compl_s] --write_completions--> completions
#include "esp/hls/esp_engine.hpp"

#include "esp/hls/descriptor.hpp"
#include "esp/hls/packet_stage.hpp"
#include "esp/hls/pragma.hpp"
#include "hls_stream.h"

extern "C" void esp_engine(ctl_word_t* sa_table, ctl_word_t* replay, ctl_word_t* counters,
                           ctl_word_t* spi_table, ctl_word_t* desc, ctl_word_t* completions,
                           pkt_word_t* pkt_in, pkt_word_t* pkt_out, unsigned n_desc,
                           unsigned sa_capacity, unsigned spi_buckets_log2) {
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = sa_table offset = slave bundle = gmem_ctl depth = 8192)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = replay offset = slave bundle = gmem_ctl depth = 8192)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = counters offset = slave bundle = gmem_ctl depth = 8192)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = spi_table offset = slave bundle = gmem_ctl depth = 8192)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = desc offset = slave bundle = gmem_ctl depth = 4096)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = completions offset = slave bundle = gmem_ctl depth = 4096)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = pkt_in offset = slave bundle = gmem_pin depth = 16384 max_read_burst_length = 64)
ESP_HLS_PRAGMA(HLS INTERFACE m_axi port = pkt_out offset = slave bundle = gmem_pout depth = 16384 max_write_burst_length = 64)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = sa_table bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = replay bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = counters bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = spi_table bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = desc bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = completions bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = pkt_in bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = pkt_out bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = n_desc bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = sa_capacity bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = spi_buckets_log2 bundle = control)
ESP_HLS_PRAGMA(HLS INTERFACE s_axilite port = return bundle = control)
ESP_HLS_PRAGMA(HLS DATAFLOW)
  hls::stream<esp::hls::DescRec> desc_s("desc_s");
  hls::stream<esp::hls::ComplRec> compl_s("compl_s");
ESP_HLS_PRAGMA(HLS STREAM variable = desc_s depth = 8)
ESP_HLS_PRAGMA(HLS STREAM variable = compl_s depth = 8)

  esp::hls::read_descriptors(desc, n_desc, desc_s);
  esp::hls::process_descriptors(sa_table, replay, counters, spi_table, pkt_in, pkt_out, n_desc, sa_capacity,
                                spi_buckets_log2, desc_s, compl_s);
  esp::hls::write_completions(completions, n_desc, compl_s);
}
