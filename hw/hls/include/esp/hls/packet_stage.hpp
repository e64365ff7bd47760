// esp_engine building block: one ring entry, decided. The checks every
// descriptor gets (CONTRACT.md "Every descriptor"), then a command
// (commands.hpp), ENCRYPT or DECRYPT.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/card_ports.hpp"
#include "esp/hls/commands.hpp"
#include "esp/hls/descriptor.hpp"
#include "esp/hls/esp_decap.hpp"
#include "esp/hls/esp_encap.hpp"
#include "esp/hls/mem_io.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

// Packet-buffer checks of an ENCRYPT / DECRYPT; false with c.status set
// when one fails.
inline bool check_packet_descriptor(const DescRec& d, ComplRec& c) {
  if (d.in_offset % kLineBytes != 0 || d.out_offset % kLineBytes != 0 || d.in_length == 0 ||
      d.in_length > spec::MAX_PKT_BYTES) {
    c.status = spec::Status::MALFORMED;
    return false;
  }
  return true;
}

// Decides one ring entry (unpacked as descriptor d and command k) into c.
// `in` / `out`: packet buffers of kPktBufBytes. Returns true for STOP.
inline bool process_entry(const CardPorts& cp, const DescRec& d, const CmdRec& k, uint8_t* in, uint8_t* out,
                          ComplRec& c) {
  using spec::Opcode;
  if (is_command(d.op)) {
    c = compl_start(0);
    return run_command(cp, k, c);
  }
  c = compl_start(d.out_offset);
  if (d.op != Opcode::ENCRYPT && d.op != Opcode::DECRYPT) {
    c.status = spec::Status::BAD_OPCODE;
    return false;
  }
  if (!check_packet_descriptor(d, c)) return false;
  if (d.op == Opcode::ENCRYPT) esp_encrypt(cp, d, in, out, c);
  else esp_decrypt(cp, d, in, out, c);
  return false;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
