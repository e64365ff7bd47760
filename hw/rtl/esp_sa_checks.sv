// esp_sa_checks: the SA parameter and lifetime checks of the HLS
// sa_params_valid (sa_params.hpp), hard_lifetime_reached,
// seq_space_exhausted and count_ok_packet (lifetime.hpp), combinational.
//
//   params_ok_o   icv_len 8/12/16 and, inbound, window_bits a power of two
//                 in MIN..MAX_WINDOW_BITS and replay_offset a multiple of
//                 CTL_WORD_BYTES (CONTRACT.md ENCRYPT 1 / DECRYPT 5)
//   hard_o        hard packet or byte lifetime reached (a limit of 0 is none)
//   seq_full_o    outbound: tx_seq >= 2^32-1 (no ESN) or 2^64-1 (ESN)
//   packets_o, bytes_o, soft_o, soft_events_o
//                 the counters after one more OK packet of add_bytes_i bytes,
//                 and whether the soft lifetime is then reached
`default_nettype none

module esp_sa_checks
  import esp_spec_pkg::*;
(
  input  wire logic        inbound_i,
  input  wire logic        esn_i,
  input  wire logic [7:0]  icv_len_i,
  input  wire logic [31:0] window_bits_i,
  input  wire logic [2:0]  replay_offset_lo_i,  // replay_offset % CTL_WORD_BYTES
  input  wire logic [63:0] tx_seq_i,
  input  wire logic [63:0] soft_bytes_i,
  input  wire logic [63:0] hard_bytes_i,
  input  wire logic [63:0] soft_packets_i,
  input  wire logic [63:0] hard_packets_i,
  input  wire logic [63:0] packets_i,
  input  wire logic [63:0] bytes_i,
  input  wire logic [63:0] soft_events_i,
  input  wire logic [31:0] add_bytes_i,

  output      logic        params_ok_o,
  output      logic        hard_o,
  output      logic        seq_full_o,
  output      logic [63:0] packets_o,
  output      logic [63:0] bytes_o,
  output      logic        soft_o,
  output      logic [63:0] soft_events_o
);

  localparam int unsigned CtlAlignBits = $clog2(CTL_WORD_BYTES);

  function automatic logic limit_reached(logic [63:0] limit, logic [63:0] value);
    return (limit != '0) && (value >= limit);
  endfunction

  logic icv_ok, window_ok;
  assign icv_ok    = (icv_len_i == 8'd8) | (icv_len_i == 8'd12) | (icv_len_i == 8'd16);
  assign window_ok = (window_bits_i >= 32'(MIN_WINDOW_BITS)) && (window_bits_i <= 32'(MAX_WINDOW_BITS)) &&
                     ((window_bits_i & (window_bits_i - 32'd1)) == '0);
  assign params_ok_o = icv_ok && (!inbound_i ||
                       (window_ok && replay_offset_lo_i[CtlAlignBits-1:0] == '0));

  assign hard_o     = limit_reached(hard_packets_i, packets_i) | limit_reached(hard_bytes_i, bytes_i);
  assign seq_full_o = esn_i ? (tx_seq_i == '1) : (tx_seq_i >= 64'h0000_0000_FFFF_FFFF);

  assign packets_o     = packets_i + 64'd1;
  assign bytes_o       = bytes_i + 64'(add_bytes_i);
  assign soft_o        = limit_reached(soft_packets_i, packets_o) | limit_reached(soft_bytes_i, bytes_o);
  assign soft_events_o = soft_o ? soft_events_i + 64'd1 : soft_events_i;

endmodule : esp_sa_checks

`default_nettype wire
