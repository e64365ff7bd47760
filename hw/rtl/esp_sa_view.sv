// esp_sa_view: the fields of an SA entry as read from the SA table (the
// first SA_READ_BYTES of it, card-memory byte order) in the forms the
// process stage and its units take: integers as they are, the flags one
// by one, keys, salts and tunnel addresses in wire order (byte 0 in the high
// bits): esp_unit_pkg::sa_view_t. Combinational.
`default_nettype none

module esp_sa_view
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
  import esp_unit_pkg::*;
(
  input  wire logic [8*sa_read_bytes()-1:0] sa_i,
  output      sa_view_t     sa_o
);

  // Card-memory byte order (byte 0 in the low bits) to wire order.
  function automatic logic [255:0] bswap256(logic [255:0] v);
    logic [255:0] r;
    for (int unsigned i = 0; i < 32; i++) r[8*i +: 8] = v[8*(31-i) +: 8];
    return r;
  endfunction
  function automatic logic [127:0] bswap128(logic [127:0] v);
    logic [127:0] r;
    for (int unsigned i = 0; i < 16; i++) r[8*i +: 8] = v[8*(15-i) +: 8];
    return r;
  endfunction

  logic [31:0] flags, salt, flow;
  assign sa_o.spi          = sa_i[8*SA_ENTRY_SPI_OFFSET +: SA_ENTRY_SPI_WIDTH];
  assign flags             = sa_i[8*SA_ENTRY_FLAGS_OFFSET +: SA_ENTRY_FLAGS_WIDTH];
  assign sa_o.generation   = sa_i[8*SA_ENTRY_GENERATION_OFFSET +: SA_ENTRY_GENERATION_WIDTH];
  assign sa_o.window_bits  = sa_i[8*SA_ENTRY_WINDOW_BITS_OFFSET +: SA_ENTRY_WINDOW_BITS_WIDTH];
  assign sa_o.icv_len      = sa_i[8*SA_ENTRY_ICV_LEN_OFFSET +: SA_ENTRY_ICV_LEN_WIDTH];
  assign sa_o.replay_offset= sa_i[8*SA_ENTRY_REPLAY_OFFSET_OFFSET +: SA_ENTRY_REPLAY_OFFSET_WIDTH];
  assign sa_o.tx_seq       = sa_i[8*SA_ENTRY_TX_SEQ_OFFSET +: SA_ENTRY_TX_SEQ_WIDTH];
  assign sa_o.soft_bytes   = sa_i[8*SA_ENTRY_SOFT_BYTES_OFFSET +: SA_ENTRY_SOFT_BYTES_WIDTH];
  assign sa_o.hard_bytes   = sa_i[8*SA_ENTRY_HARD_BYTES_OFFSET +: SA_ENTRY_HARD_BYTES_WIDTH];
  assign sa_o.soft_packets = sa_i[8*SA_ENTRY_SOFT_PACKETS_OFFSET +: SA_ENTRY_SOFT_PACKETS_WIDTH];
  assign sa_o.hard_packets = sa_i[8*SA_ENTRY_HARD_PACKETS_OFFSET +: SA_ENTRY_HARD_PACKETS_WIDTH];
  assign sa_o.valid        = flags[SA_ENTRY_FLAGS_VALID_BIT];
  assign sa_o.outbound     = flags[SA_ENTRY_FLAGS_OUTBOUND_BIT];
  assign sa_o.tunnel       = flags[SA_ENTRY_FLAGS_TUNNEL_BIT];
  assign sa_o.outer_v6     = flags[SA_ENTRY_FLAGS_OUTER_V6_BIT];
  assign sa_o.esn          = flags[SA_ENTRY_FLAGS_ESN_BIT];
  assign sa_o.udp_encap    = flags[SA_ENTRY_FLAGS_UDP_ENCAP_BIT];
  assign sa_o.gmac         = flags[SA_ENTRY_FLAGS_GMAC_BIT];
  assign sa_o.aes256       = flags[SA_ENTRY_FLAGS_AES256_BIT];
  assign sa_o.key          = bswap256(sa_i[8*SA_ENTRY_KEY_OFFSET +: 8*SA_ENTRY_KEY_BYTES]);
  assign salt              = sa_i[8*SA_ENTRY_SALT_OFFSET +: 8*SA_ENTRY_SALT_BYTES];
  assign sa_o.salt         = {salt[7:0], salt[15:8], salt[23:16], salt[31:24]};
  assign sa_o.ttl          = sa_i[8*SA_ENTRY_TTL_OFFSET +: SA_ENTRY_TTL_WIDTH];
  assign sa_o.tos          = sa_i[8*SA_ENTRY_TOS_OFFSET +: SA_ENTRY_TOS_WIDTH];
  assign flow              = sa_i[8*SA_ENTRY_FLOW_LABEL_OFFSET +: SA_ENTRY_FLOW_LABEL_WIDTH];
  assign sa_o.flow_label   = flow[19:0];
  assign sa_o.udp_sport    = sa_i[8*SA_ENTRY_UDP_SPORT_OFFSET +: SA_ENTRY_UDP_SPORT_WIDTH];
  assign sa_o.udp_dport    = sa_i[8*SA_ENTRY_UDP_DPORT_OFFSET +: SA_ENTRY_UDP_DPORT_WIDTH];
  assign sa_o.tun_src      = bswap128(sa_i[8*SA_ENTRY_TUN_SRC_OFFSET +: 8*SA_ENTRY_TUN_SRC_BYTES]);
  assign sa_o.tun_dst      = bswap128(sa_i[8*SA_ENTRY_TUN_DST_OFFSET +: 8*SA_ENTRY_TUN_DST_BYTES]);

  logic unused_sa;   // other flag bits; reserved bytes
  assign unused_sa = ^{flags[31:8], flow[31:20], sa_i[8*(SA_ENTRY_TOS_OFFSET+1) +: 8],
                       sa_i[8*(SA_ENTRY_FLOW_LABEL_OFFSET+4) +: 8*(SA_ENTRY_TUN_SRC_OFFSET-SA_ENTRY_FLOW_LABEL_OFFSET-4)]};

endmodule : esp_sa_view

`default_nettype wire
