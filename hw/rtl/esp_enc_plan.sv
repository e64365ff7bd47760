// esp_enc_plan: the plan of an ENCRYPT output (the HLS plan_encap;
// hw/spec/CONTRACT.md ENCRYPT, "Output"), from the SA and esp_ip_parse's
// result: where the payload is, the plaintext length (payload, pad, pad
// length, next header: a multiple of ESP_ALIGN), where ESP goes and the
// output length (DECRYPT 7's ESP lengths are esp_batch_ctrl's). A dummy packet (descriptor flag DUMMY) has next header
// NH_NO_NEXT; in tunnel mode it is not parsed: its payload is the first
// in_length bytes. Combinational.
`default_nettype none

module esp_enc_plan
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
(
  input  wire logic       tunnel_i,      // the SA's
  input  wire logic       outer_v6_i,
  input  wire logic       udp_encap_i,
  input  wire logic [7:0] icv_len_i,
  input  wire logic       dummy_i,
  input  wire pkt_len_t   in_length_i,   // the descriptor's (<= MAX_PKT_BYTES)
  input  wire parse_rsp_t parse_i,       // PARSE_IP (tunnel) / PARSE_OUT (transport), STATUS_OK
  output      pkt_ctx_t   plan_o         // esp_len, sum: 0
);

  localparam pkt_len_t Align      = PKT_LEN_BITS'(ESP_ALIGN);
  localparam pkt_len_t EspTextOff = PKT_LEN_BITS'(ESP_HDR_BYTES + IV_BYTES);

  pkt_len_t   pkt_len, pay_off, pay_len, pt_len, outer_len, esp_off;
  logic [7:0] nh;
  always_comb begin
    pkt_len = (tunnel_i && dummy_i) ? in_length_i : parse_i.pkt_len;
    if (tunnel_i) begin
      pay_off   = '0;
      outer_len = PKT_LEN_BITS'(outer_v6_i ? IPV6_HDR_BYTES : IPV4_MIN_HDR);
      nh        = (parse_i.version == IP_VERSION4) ? IP_PROTO_IPV4 : IP_PROTO_IPV6;
    end else begin
      pay_off   = parse_i.hdr_len;
      outer_len = parse_i.hdr_len;
      nh        = parse_i.proto;
    end
    if (dummy_i) nh = 8'(NH_NO_NEXT);
    pay_len = pkt_len - pay_off;
    pt_len  = (pay_len + PKT_LEN_BITS'(2) + Align - PKT_LEN_BITS'(1)) & ~(Align - PKT_LEN_BITS'(1));
    esp_off = outer_len + (udp_encap_i ? PKT_LEN_BITS'(UDP_HDR_BYTES) : '0);
  end

  assign plan_o.version = parse_i.version;
  assign plan_o.pkt_len = pkt_len;
  assign plan_o.ihl     = parse_i.ihl;
  assign plan_o.hdr_len = parse_i.hdr_len;
  assign plan_o.nh_off  = parse_i.nh_off;
  assign plan_o.esp_off = esp_off;
  assign plan_o.esp_len = '0;
  assign plan_o.pay_off = pay_off;
  assign plan_o.pay_len = pay_len;
  assign plan_o.pt_len  = pt_len;
  assign plan_o.out_len = esp_off + EspTextOff + pt_len + PKT_LEN_BITS'(icv_len_i);
  assign plan_o.nh      = nh;
  assign plan_o.sum     = '0;

  logic unused_plan;
  assign unused_plan = ^{parse_i.status, parse_i.udp, parse_i.esp_off, parse_i.esp_len, parse_i.spi, parse_i.seq_lo};

endmodule : esp_enc_plan

`default_nettype wire
