// esp_batch_req: the requests esp_batch_ctrl gives its packet units
// (esp_ip_parse, esp_trailer, esp_aead, esp_hdr_build), from the SA in
// process (esp_sa_view), the packet's parse results and plan, and which
// step the sequencer is in. Combinational; each unit samples its request
// with its start (esp_unit_pkg).
`default_nettype none

module esp_batch_req
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
(
  input  wire logic        op_enc_i,       // ENCRYPT (else DECRYPT)
  input  wire logic        wipe_i,         // SA_DELETE: esp_aead wipes the key slot of sa_index_i
  input  wire logic        setup_i,        // SA_INSTALL: esp_aead sets the SA's key up in its slot
  input  wire sa_view_t    sa_i,
  input  wire pkt_ctx_t    pk_i,
  input  wire logic [31:0] sa_index_i,
  input  wire logic [63:0] seq_i,          // the packet's full sequence number
  input  wire parse_mode_e parse_mode_i,
  input  wire pkt_len_t    parse_avail_i,

  output      parse_req_t  parse_req_o,
  output      tr_req_t     tr_req_o,
  output      aead_req_t   aead_req_o,
  output      hb_req_t     hb_req_o
);

  localparam pkt_len_t EspTextOff = PKT_LEN_BITS'(ESP_HDR_BYTES + IV_BYTES);

  // DECRYPT: where the plaintext goes in obuf (tunnel: the inner packet from
  // byte 0; transport: behind the copied header block).
  pkt_len_t dec_pt_off;
  assign dec_pt_off = sa_i.tunnel ? '0 : pk_i.hdr_len;

  assign parse_req_o.mode  = parse_mode_i;
  assign parse_req_o.base  = '0;
  assign parse_req_o.avail = parse_avail_i;

  // (the head's esp_trailer checks a DECRYPT it finishes itself; an
  // ENCRYPT's trailer is on esp_aead's stream)
  assign tr_req_o.off = dec_pt_off;
  assign tr_req_o.len = pk_i.pt_len;

  assign aead_req_o.wipe       = wipe_i;
  assign aead_req_o.setup      = setup_i;
  assign aead_req_o.encrypt    = op_enc_i;
  assign aead_req_o.gmac       = sa_i.gmac;
  assign aead_req_o.esn        = sa_i.esn;
  assign aead_req_o.aes256     = wipe_i | sa_i.aes256;   // a wipe: all 15 round keys
  assign aead_req_o.key        = wipe_i ? '0 : sa_i.key;
  assign aead_req_o.sa_index   = sa_index_i;
  assign aead_req_o.generation = sa_i.generation;
  assign aead_req_o.salt       = sa_i.salt;
  assign aead_req_o.spi        = sa_i.spi;
  assign aead_req_o.seq        = seq_i;
  assign aead_req_o.src_off    = op_enc_i ? pk_i.pay_off : pk_i.esp_off + EspTextOff;
  assign aead_req_o.dst_off    = op_enc_i ? pk_i.esp_off + EspTextOff : dec_pt_off;
  assign aead_req_o.len        = pk_i.pt_len;
  assign aead_req_o.icv_len    = 5'(sa_i.icv_len);
  assign aead_req_o.trl        = op_enc_i;
  assign aead_req_o.pay_len    = pk_i.pay_len;
  assign aead_req_o.nh         = pk_i.nh;

  assign hb_req_o.op          = (!op_enc_i || !sa_i.tunnel) ? HB_UPDATE : (sa_i.outer_v6 ? HB_TUNNEL_V6 : HB_TUNNEL_V4);
  assign hb_req_o.udp         = op_enc_i & sa_i.udp_encap;
  assign hb_req_o.proto       = !op_enc_i ? pk_i.nh : (sa_i.udp_encap ? 8'(UDP_PROTO) : 8'(ESP_PROTO));
  assign hb_req_o.out_len     = pk_i.out_len;
  assign hb_req_o.tos         = sa_i.tos;
  assign hb_req_o.ttl         = sa_i.ttl;
  assign hb_req_o.flow_label  = sa_i.flow_label;
  assign hb_req_o.tun_src     = sa_i.tun_src;
  assign hb_req_o.tun_dst     = sa_i.tun_dst;
  assign hb_req_o.version     = pk_i.version;
  assign hb_req_o.ihl         = pk_i.ihl;
  assign hb_req_o.hdr_len     = pk_i.hdr_len;
  assign hb_req_o.nh_off      = pk_i.nh_off;
  assign hb_req_o.udp_sport   = sa_i.udp_sport;
  assign hb_req_o.udp_dport   = sa_i.udp_dport;
  assign hb_req_o.payload_sum = pk_i.sum;

  logic unused_req;   // what no unit request carries
  assign unused_req = ^{sa_i.window_bits, sa_i.replay_offset, sa_i.soft_bytes, sa_i.hard_bytes,
                        sa_i.soft_packets, sa_i.hard_packets, sa_i.valid, sa_i.outbound, sa_i.icv_len[7:5],
                        pk_i.pkt_len, pk_i.esp_len};

endmodule : esp_batch_req

`default_nettype wire
