// esp_sa_view: the fields of an SA entry (esp_spec_pkg::sa_entry_t, the
// card-memory image cast) in the forms the process stage and its units take
// (esp_unit_pkg::sa_view_t): integers as they are, the flags one by one,
// key, salt and tunnel addresses in wire order (byte 0 in the high bits).
// Combinational.
`default_nettype none

module esp_sa_view
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
(
  input  wire sa_entry_t sa_i,
  output      sa_view_t  sa_o
);

  // Byte arrays (element i = byte i) to wire order (byte 0 in the high bits).
  function automatic logic [255:0] wire32(logic [31:0][7:0] k);
    logic [255:0] r;
    for (int unsigned i = 0; i < 32; i++) r[8*(31-i) +: 8] = k[i];
    return r;
  endfunction
  function automatic logic [127:0] wire16(logic [15:0][7:0] a);
    logic [127:0] r;
    for (int unsigned i = 0; i < 16; i++) r[8*(15-i) +: 8] = a[i];
    return r;
  endfunction
  function automatic logic [31:0] wire4(logic [3:0][7:0] v);
    logic [31:0] r;
    for (int unsigned i = 0; i < 4; i++) r[8*(3-i) +: 8] = v[i];
    return r;
  endfunction

  assign sa_o.spi           = sa_i.spi;
  assign sa_o.generation    = sa_i.generation;
  assign sa_o.window_bits   = sa_i.window_bits;
  assign sa_o.icv_len       = sa_i.icv_len;
  assign sa_o.replay_offset = sa_i.replay_offset;
  assign sa_o.soft_bytes    = sa_i.soft_bytes;
  assign sa_o.hard_bytes    = sa_i.hard_bytes;
  assign sa_o.soft_packets  = sa_i.soft_packets;
  assign sa_o.hard_packets  = sa_i.hard_packets;
  assign sa_o.valid         = sa_i.flags[SA_ENTRY_FLAGS_VALID_BIT];
  assign sa_o.outbound      = sa_i.flags[SA_ENTRY_FLAGS_OUTBOUND_BIT];
  assign sa_o.tunnel        = sa_i.flags[SA_ENTRY_FLAGS_TUNNEL_BIT];
  assign sa_o.outer_v6      = sa_i.flags[SA_ENTRY_FLAGS_OUTER_V6_BIT];
  assign sa_o.esn           = sa_i.flags[SA_ENTRY_FLAGS_ESN_BIT];
  assign sa_o.udp_encap     = sa_i.flags[SA_ENTRY_FLAGS_UDP_ENCAP_BIT];
  assign sa_o.gmac          = sa_i.flags[SA_ENTRY_FLAGS_GMAC_BIT];
  assign sa_o.aes256        = sa_i.flags[SA_ENTRY_FLAGS_AES256_BIT];
  assign sa_o.key           = wire32(sa_i.key);
  assign sa_o.salt          = wire4(sa_i.salt);
  assign sa_o.ttl           = sa_i.ttl;
  assign sa_o.tos           = sa_i.tos;
  assign sa_o.flow_label    = sa_i.flow_label[19:0];
  assign sa_o.udp_sport     = sa_i.udp_sport;
  assign sa_o.udp_dport     = sa_i.udp_dport;
  assign sa_o.tun_src       = wire16(sa_i.tun_src);
  assign sa_o.tun_dst       = wire16(sa_i.tun_dst);

  logic unused_sa;   // other flag bits; reserved bytes
  assign unused_sa = ^{sa_i.flags[31:8], sa_i.flow_label[31:20], sa_i.rsvd0, sa_i.rsvd1, sa_i.rsvd2, sa_i.rsvd3};

endmodule : esp_sa_view

`default_nettype wire
