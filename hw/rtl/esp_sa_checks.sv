// esp_sa_checks: the SA parameter and lifetime checks of the HLS
// sa_params_valid (sa_params.hpp), hard_lifetime_reached,
// seq_space_exhausted and count_ok_packet (lifetime.hpp), combinational.
//
//   params_ok_o   icv_len 8/12/16 and, inbound, window_bits a power of two
//                 in MIN..MAX_WINDOW_BITS and replay_offset a multiple of
//                 CTL_WORD_BYTES (CONTRACT.md ENCRYPT 1 / DECRYPT 5)
//   hard_o        hard packet or byte lifetime reached (a limit of 0 is none);
//                 hard_ctr_o the counters after it (hard_events++, stops at 2^32-1)
//   seq_full_o    outbound: tx_seq_i (the state line's seq) >= 2^32-1 (no ESN) or 2^64-1 (ESN)
//   ok_ctr_o, soft_o
//                 the counters after one more OK packet of add_bytes_i bytes
//                 (packets, bytes, soft_events saturating at 2^32-1; the others as they are), and
//                 whether the soft lifetime is then reached
`default_nettype none

module esp_sa_checks
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
(
  input  wire logic         inbound_i,
  input  wire sa_view_t     sa_i,
  input  wire sa_counters_t ctr_i,
  input  wire logic [63:0]  tx_seq_i,      // outbound: the state line's seq
  input  wire logic [31:0]  add_bytes_i,

  output      logic         params_ok_o,
  output      logic         hard_o,
  output      sa_counters_t hard_ctr_o,
  output      logic         seq_full_o,
  output      sa_counters_t ok_ctr_o,
  output      logic         soft_o
);

  localparam int unsigned CtlAlignBits = $clog2(CTL_WORD_BYTES);

  function automatic logic limit_reached(logic [63:0] limit, logic [63:0] value);
    return (limit != '0) && (value >= limit);
  endfunction

  logic icv_ok, window_ok;
  assign icv_ok    = (sa_i.icv_len == 8'd8) | (sa_i.icv_len == 8'd12) | (sa_i.icv_len == 8'd16);
  assign window_ok = (sa_i.window_bits >= 32'(MIN_WINDOW_BITS)) && (sa_i.window_bits <= 32'(MAX_WINDOW_BITS)) &&
                     ((sa_i.window_bits & (sa_i.window_bits - 32'd1)) == '0);
  assign params_ok_o = icv_ok && (!inbound_i ||
                       (window_ok && sa_i.replay_offset[CtlAlignBits-1:0] == '0));

  assign hard_o     = limit_reached(sa_i.hard_packets, ctr_i.packets) | limit_reached(sa_i.hard_bytes, ctr_i.bytes);
  always_comb begin
    hard_ctr_o = ctr_i;
    if (ctr_i.hard_events != '1) hard_ctr_o.hard_events = ctr_i.hard_events + 32'd1;
  end
  assign seq_full_o = sa_i.esn ? (tx_seq_i == '1) : (tx_seq_i >= 64'h0000_0000_FFFF_FFFF);

  always_comb begin
    ok_ctr_o         = ctr_i;
    ok_ctr_o.packets = ctr_i.packets + 64'd1;
    ok_ctr_o.bytes   = ctr_i.bytes + 64'(add_bytes_i);
    soft_o           = limit_reached(sa_i.soft_packets, ok_ctr_o.packets) |
                       limit_reached(sa_i.soft_bytes, ok_ctr_o.bytes);
    if (soft_o && ctr_i.soft_events != '1) ok_ctr_o.soft_events = ctr_i.soft_events + 32'd1;  // stops at 2^32-1
  end

  logic unused_sa;   // what the checks do not look at
  assign unused_sa = ^{sa_i.spi, sa_i.generation, sa_i.replay_offset[63:CtlAlignBits], sa_i.valid, sa_i.outbound,
                       sa_i.tunnel, sa_i.outer_v6, sa_i.udp_encap, sa_i.gmac, sa_i.aes256, sa_i.key, sa_i.salt,
                       sa_i.ttl, sa_i.tos, sa_i.flow_label, sa_i.udp_sport, sa_i.udp_dport, sa_i.tun_src,
                       sa_i.tun_dst};

endmodule : esp_sa_checks

`default_nettype wire
