// esp_dec_watch: a decrypt's trailer check and inner header on the stream
// (hw/rtl/DATAPATH.md "esp_dec_watch"): CONTRACT.md DECRYPT 12-14 from the
// words esp_aead_out writes, so no one reads the plaintext back for them.
//
// It watches every write of a decrypt job (we_i with be_i, the registered
// obuf port of esp_aead_out; first_i / last_i mark the job's first and last
// write, dst_i / len_i its text at obuf bytes [dst_i, dst_i + len_i), whose
// bytes be_i marks exactly) and answers once per decrypt job, in job order,
// 3 cycles after its last write (valid_o, one cycle):
//   trl_ok   esp_trailer's TR_CHECK of the text would give STATUS_OK: len >= 2,
//            pad length byte P = text[len - 2] with P + 2 <= len, and the P
//            bytes before it are 1, 2, .., P
//   nh       text[len - 1], the next header byte
//   in_rsp   (with trl_ok) esp_ip_parse's PARSE_IP answer for the inner packet
//            (avail = len - 2 - P) when dst_i is a multiple of the bus width:
//            esp_classify on the text's first two words (PARSE_IP is always
//            decided there; in_slow never set for it, passed on all the same)
//
// The pad check needs no window of the text: a byte at text position p is
// "counting" (cnt) when it is 1, or when it is one more than the byte before
// it and that one is counting. Then cnt at len - 3 with text[len - 3] = P
// means exactly that the P bytes before the pad length byte are 1..P (by
// induction down from P: each step needs the byte before to be one less and
// counting, down to a 1). Per word this is a carry chain over the lanes
// (cnt = is_one | (is_next & cnt of the lane before)), carried from word to
// word; lanes outside the text break it.
`default_nettype none

module esp_dec_watch
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  localparam int unsigned OffW  = PKT_LEN_BITS,
  localparam int unsigned NB    = PKT_BUS_BYTES,
  localparam int unsigned LaneW = $clog2(PKT_BUS_BYTES),
  localparam int unsigned WAW   = OffW - LaneW,
  localparam int unsigned DW    = 8 * PKT_BUS_BYTES
) (
  input  wire logic            clk_i,
  input  wire logic            rst_ni,

  input  wire logic            we_i,
  input  wire logic            dec_i,       // the write's job is a decrypt (else ignored)
  input  wire logic            first_i,
  input  wire logic            last_i,
  input  wire logic [OffW-1:0] dst_i,
  input  wire logic [OffW-1:0] len_i,
  input  wire logic [WAW-1:0]  addr_i,
  input  wire logic [NB-1:0]   be_i,
  input  wire logic [DW-1:0]   data_i,

  output      logic            valid_o,
  output      logic            trl_ok_o,
  output      logic [7:0]      nh_o,
  output      logic            in_slow_o,
  output      parse_rsp_t      in_rsp_o
);

  logic watch;
  assign watch = we_i && dec_i;

  // ---------------------------------------------------- the counting chain
  logic          c_cnt_q, c_in_q;   // the last lane of the job's previous write
  logic [7:0]    c_b_q;
  logic [NB-1:0] cnt;
  always_comb begin
    logic       prev_cnt, prev_in;
    logic [7:0] prev_b, b;
    prev_cnt = first_i ? 1'b0 : c_cnt_q;
    prev_in  = first_i ? 1'b0 : c_in_q;
    prev_b   = c_b_q;
    for (int unsigned l = 0; l < NB; l++) begin
      b        = data_i[8*l +: 8];
      cnt[l]   = be_i[l] && (b == 8'd1 || (prev_in && b == prev_b + 8'd1 && prev_cnt));
      prev_cnt = cnt[l];
      prev_in  = be_i[l];
      prev_b   = b;
    end
  end

  // the text positions len - 3 (the last pad byte), len - 2 (pad length), len - 1 (nh)
  logic [OffW-1:0] a3, a2, a1;
  assign a3 = dst_i + len_i - OffW'(3);
  assign a2 = dst_i + len_i - OffW'(2);
  assign a1 = dst_i + len_i - OffW'(1);

  logic        s_cnt_q;
  logic [7:0]  s_b_q, pad_q, nh_q;
  logic [DW-1:0] w0_q, w1_q;
  logic [WAW-1:0] w0a;
  assign w0a = dst_i[OffW-1:LaneW];

  always_ff @(posedge clk_i) begin
    if (watch) begin
      c_cnt_q <= cnt[NB-1];
      c_in_q  <= be_i[NB-1];
      c_b_q   <= data_i[DW-8 +: 8];
      if (addr_i == a3[OffW-1:LaneW]) begin
        s_cnt_q <= cnt[a3[LaneW-1:0]];
        s_b_q   <= data_i[8*a3[LaneW-1:0] +: 8];
      end
      if (addr_i == a2[OffW-1:LaneW]) pad_q <= data_i[8*a2[LaneW-1:0] +: 8];
      if (addr_i == a1[OffW-1:LaneW]) nh_q  <= data_i[8*a1[LaneW-1:0] +: 8];
      if (addr_i == w0a) w0_q <= data_i;
      if (addr_i == w0a + WAW'(1)) w1_q <= data_i;
    end
  end

  // ------------------------------------------ the job's end: the answer
  logic            r_v_q;          // the cycle after the job's last write
  logic [OffW-1:0] r_len_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) r_v_q <= 1'b0;
    else         r_v_q <= watch && last_i;
  end
  always_ff @(posedge clk_i) begin
    if (watch && last_i) r_len_q <= len_i;
  end

  localparam pkt_len_t TrlB = PKT_LEN_BITS'(ESP_TRAILER_BYTES);
  logic     r_ok;
  pkt_len_t r_pay;
  always_comb begin
    r_ok  = r_len_q >= TrlB &&
            (pad_q == '0 || (r_len_q > TrlB && s_cnt_q && s_b_q == pad_q));
    r_pay = r_len_q - TrlB - PKT_LEN_BITS'(pad_q);
  end

  // esp_classify (2 cycles), with the trailer's answer beside it
  logic [1:0]       p_ok_q;
  logic [1:0][7:0]  p_nh_q;
  always_ff @(posedge clk_i) begin
    p_ok_q <= {p_ok_q[0], r_ok};
    p_nh_q <= {p_nh_q[0], nh_q};
  end

  esp_classify u_classify (
    .clk_i,
    .rst_ni,
    .valid_i (r_v_q),
    .mode_i  (PARSE_IP),
    .avail_i (r_ok ? r_pay : '0),
    .words_i ({w1_q, w0_q}),
    .valid_o,
    .slow_o  (in_slow_o),
    .rsp_o   (in_rsp_o)
  );

  assign trl_ok_o = p_ok_q[1];
  assign nh_o     = p_nh_q[1];

endmodule : esp_dec_watch

`default_nettype wire
