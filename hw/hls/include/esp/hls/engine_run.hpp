// esp_engine building block: one run over the descriptor ring (CONTRACT.md
// "A run and its ring").
//
// Descriptors ring_first, ring_first+1, ... are decided in order, each at
// slot i mod 2^ring_log2 of desc_ring, its completion written at the same
// slot of cpl_ring before the next is read. The run ends after STOP; it also
// ends when it reaches desc_prod without a STOP. desc_prod is the value of
// DESC_PROD when the run started: this kernel (in Vitis HLS, whose scalar
// arguments are sampled at ap_start, and natively on the host, where nothing
// can advance DESC_PROD while the kernel function runs) cannot wait for the
// host to publish more, so it returns there. It never takes more than
// 2^ring_log2 descriptors (the host publishes no more than that ahead), and a
// ring_log2 above MAX_RING_LOG2 takes none. The result is the new CPL_PROD:
// the index after the last completed descriptor.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/card_ports.hpp"
#include "esp/hls/descriptor.hpp"
#include "esp/hls/mem_io.hpp"
#include "esp/hls/packet_stage.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

inline uint32_t engine_run(const CardPorts& cp, const ctl_word_t* desc_ring, ctl_word_t* cpl_ring,
                           uint32_t ring_first, unsigned ring_log2, uint32_t desc_prod) {
  if (ring_log2 > spec::MAX_RING_LOG2) return ring_first;
  const uint32_t ring_size = uint32_t(1) << ring_log2;
  const uint32_t published = desc_prod - ring_first;  // free-running indices
  const uint32_t n = published < ring_size ? published : ring_size;
  // Packet buffers (block RAM): the input packet (+ room for the ESP trailer
  // appended in place) and the output packet.
  uint8_t in[kPktBufBytes];
  uint8_t out[kPktBufBytes];
ESP_HLS_PRAGMA(HLS ARRAY_RESHAPE variable = in cyclic factor = 64)
ESP_HLS_PRAGMA(HLS ARRAY_RESHAPE variable = out cyclic factor = 64)
  uint32_t i = ring_first;
ring_loop:
  for (uint32_t k = 0; k < n; ++k) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 1 max = kTypicalRun)
    const uint32_t slot = ring_slot(i, ring_log2);
    DescRec d;
    CmdRec cmd;
    read_ring_entry(desc_ring, slot, d, cmd);
    ComplRec c;
    const bool stop = process_entry(cp, d, cmd, in, out, c);
    write_ring_completion(cpl_ring, slot, c);
    ++i;
    if (stop) break;
  }
  return i;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
