// esp_sa_view: the fields of an SA entry as read from the SA table (the
// first SA_READ_BYTES of it, card-memory byte order) in the forms the
// process stage and its units take: integers as they are, the flags one
// by one, keys, salts and tunnel addresses in wire order (byte 0 in the high
// bits). Combinational.
`default_nettype none

module esp_sa_view
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
(
  input  wire logic [8*sa_read_bytes()-1:0] sa_i,
  output      logic [31:0]  spi_o,
  output      logic [31:0]  generation_o,
  output      logic [31:0]  window_bits_o,
  output      logic [7:0]   icv_len_o,
  output      logic [63:0]  replay_offset_o,
  output      logic [63:0]  tx_seq_o,
  output      logic [63:0]  soft_bytes_o,
  output      logic [63:0]  hard_bytes_o,
  output      logic [63:0]  soft_packets_o,
  output      logic [63:0]  hard_packets_o,
  output      logic         valid_o,
  output      logic         outbound_o,
  output      logic         tunnel_o,
  output      logic         outer_v6_o,
  output      logic         esn_o,
  output      logic         udp_encap_o,
  output      logic         gmac_o,
  output      logic         aes256_o,
  output      logic [255:0] key_o,        // wire order
  output      logic [31:0]  salt_o,       // wire order
  output      logic [7:0]   ttl_o,
  output      logic [7:0]   tos_o,
  output      logic [19:0]  flow_label_o,
  output      logic [15:0]  udp_sport_o,
  output      logic [15:0]  udp_dport_o,
  output      logic [127:0] tun_src_o,    // wire order
  output      logic [127:0] tun_dst_o     // wire order
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
  assign spi_o           = sa_i[8*SA_ENTRY_SPI_OFFSET +: SA_ENTRY_SPI_WIDTH];
  assign flags           = sa_i[8*SA_ENTRY_FLAGS_OFFSET +: SA_ENTRY_FLAGS_WIDTH];
  assign generation_o    = sa_i[8*SA_ENTRY_GENERATION_OFFSET +: SA_ENTRY_GENERATION_WIDTH];
  assign window_bits_o   = sa_i[8*SA_ENTRY_WINDOW_BITS_OFFSET +: SA_ENTRY_WINDOW_BITS_WIDTH];
  assign icv_len_o       = sa_i[8*SA_ENTRY_ICV_LEN_OFFSET +: SA_ENTRY_ICV_LEN_WIDTH];
  assign replay_offset_o = sa_i[8*SA_ENTRY_REPLAY_OFFSET_OFFSET +: SA_ENTRY_REPLAY_OFFSET_WIDTH];
  assign tx_seq_o        = sa_i[8*SA_ENTRY_TX_SEQ_OFFSET +: SA_ENTRY_TX_SEQ_WIDTH];
  assign soft_bytes_o    = sa_i[8*SA_ENTRY_SOFT_BYTES_OFFSET +: SA_ENTRY_SOFT_BYTES_WIDTH];
  assign hard_bytes_o    = sa_i[8*SA_ENTRY_HARD_BYTES_OFFSET +: SA_ENTRY_HARD_BYTES_WIDTH];
  assign soft_packets_o  = sa_i[8*SA_ENTRY_SOFT_PACKETS_OFFSET +: SA_ENTRY_SOFT_PACKETS_WIDTH];
  assign hard_packets_o  = sa_i[8*SA_ENTRY_HARD_PACKETS_OFFSET +: SA_ENTRY_HARD_PACKETS_WIDTH];
  assign valid_o         = flags[SA_ENTRY_FLAGS_VALID_BIT];
  assign outbound_o      = flags[SA_ENTRY_FLAGS_OUTBOUND_BIT];
  assign tunnel_o        = flags[SA_ENTRY_FLAGS_TUNNEL_BIT];
  assign outer_v6_o      = flags[SA_ENTRY_FLAGS_OUTER_V6_BIT];
  assign esn_o           = flags[SA_ENTRY_FLAGS_ESN_BIT];
  assign udp_encap_o     = flags[SA_ENTRY_FLAGS_UDP_ENCAP_BIT];
  assign gmac_o          = flags[SA_ENTRY_FLAGS_GMAC_BIT];
  assign aes256_o        = flags[SA_ENTRY_FLAGS_AES256_BIT];
  assign key_o           = bswap256(sa_i[8*SA_ENTRY_KEY_OFFSET +: 8*SA_ENTRY_KEY_BYTES]);
  assign salt            = sa_i[8*SA_ENTRY_SALT_OFFSET +: 8*SA_ENTRY_SALT_BYTES];
  assign salt_o          = {salt[7:0], salt[15:8], salt[23:16], salt[31:24]};
  assign ttl_o           = sa_i[8*SA_ENTRY_TTL_OFFSET +: SA_ENTRY_TTL_WIDTH];
  assign tos_o           = sa_i[8*SA_ENTRY_TOS_OFFSET +: SA_ENTRY_TOS_WIDTH];
  assign flow            = sa_i[8*SA_ENTRY_FLOW_LABEL_OFFSET +: SA_ENTRY_FLOW_LABEL_WIDTH];
  assign flow_label_o    = flow[19:0];
  assign udp_sport_o     = sa_i[8*SA_ENTRY_UDP_SPORT_OFFSET +: SA_ENTRY_UDP_SPORT_WIDTH];
  assign udp_dport_o     = sa_i[8*SA_ENTRY_UDP_DPORT_OFFSET +: SA_ENTRY_UDP_DPORT_WIDTH];
  assign tun_src_o       = bswap128(sa_i[8*SA_ENTRY_TUN_SRC_OFFSET +: 8*SA_ENTRY_TUN_SRC_BYTES]);
  assign tun_dst_o       = bswap128(sa_i[8*SA_ENTRY_TUN_DST_OFFSET +: 8*SA_ENTRY_TUN_DST_BYTES]);

  logic unused_sa;   // other flag bits; reserved bytes
  assign unused_sa = ^{flags[31:8], flow[31:20], sa_i[8*(SA_ENTRY_TOS_OFFSET+1) +: 8],
                       sa_i[8*(SA_ENTRY_FLOW_LABEL_OFFSET+4) +: 8*(SA_ENTRY_TUN_SRC_OFFSET-SA_ENTRY_FLOW_LABEL_OFFSET-4)]};

endmodule : esp_sa_view

`default_nettype wire
