// esp_engine building block: dataflow stage 2, the packet processor. For
// each descriptor from stage 1 it makes the checks every descriptor gets
// (CONTRACT.md "Every descriptor"), runs ENCRYPT or DECRYPT, and hands the
// completion to stage 3.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/descriptor.hpp"
#include "esp/hls/esp_decap.hpp"
#include "esp/hls/esp_encap.hpp"
#include "esp/hls/mem_io.hpp"
#include "esp/spec/esp_spec.hpp"
#include "hls_stream.h"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

// Opcode and packet-buffer checks; false with c.status set when one fails.
inline bool check_descriptor(const DescRec& d, ComplRec& c) {
  using spec::Opcode;
  using spec::Status;
  if (d.op != Opcode::ENCRYPT && d.op != Opcode::DECRYPT) {
    c.status = Status::BAD_OPCODE;
    return false;
  }
  if (d.in_offset % kLineBytes != 0 || d.out_offset % kLineBytes != 0 || d.in_length == 0 ||
      d.in_length > spec::MAX_PKT_BYTES) {
    c.status = Status::MALFORMED;
    return false;
  }
  return true;
}

inline void process_descriptors(ctl_word_t* sa_table, ctl_word_t* replay, ctl_word_t* counters,
                                const ctl_word_t* spi_table, const pkt_word_t* pkt_in, pkt_word_t* pkt_out,
                                unsigned n, unsigned sa_capacity, unsigned spi_log2, ::hls::stream<DescRec>& descs,
                                ::hls::stream<ComplRec>& compls) {
  // Packet buffers (block RAM): the input packet (+ room for the ESP trailer
  // appended in place) and the output packet.
  uint8_t in[kPktBufBytes];
  uint8_t out[kPktBufBytes];
ESP_HLS_PRAGMA(HLS ARRAY_RESHAPE variable = in cyclic factor = 64)
ESP_HLS_PRAGMA(HLS ARRAY_RESHAPE variable = out cyclic factor = 64)
process_desc_loop:
  for (unsigned i = 0; i < n; ++i) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 1 max = kTypicalBatch)
    const DescRec d = descs.read();
    ComplRec c = compl_start(d);
    if (check_descriptor(d, c)) {
      if (d.op == spec::Opcode::ENCRYPT)
        esp_encrypt(sa_table, counters, pkt_in, pkt_out, sa_capacity, d, in, out, c);
      else
        esp_decrypt(sa_table, replay, counters, spi_table, pkt_in, pkt_out, sa_capacity, spi_log2, d, in, out, c);
    }
    compls.write(c);
  }
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
