// esp_trailer: the ESP trailer check (hw/rtl/DATAPATH.md "esp_trailer").
//
// DECRYPT 12, the HLS check_trailer: reads the plaintext of req_i.len bytes
// at req_i.off in the output buffer: pad length byte, next header byte and
// the pad bytes (up to 255, over several words), which must be 1..pad_len.
// (An ENCRYPT's trailer is built on esp_aead's stream, aead_req_t.trl; the
// head's DECRYPTs the tail does not finish are this unit's only jobs.)
//
// Ports (req_i: esp_unit_pkg::tr_req_t, sampled with start_i; rsp_o: tr_rsp_t)
//   start_i          one-cycle job start (ignored while busy_o); sampled with it:
//   req_i.off        buffer byte offset of the plaintext
//   req_i.len        plaintext bytes (>= 2; < 2 gives BAD_PADDING, where the
//                    HLS function is undefined)
//   rd_re_o, rd_addr_o[Aw-1:0], rd_data_i[511:0]  output-buffer read port (1-cycle latency)
//   busy_o           a job is running
//   done_o           one-cycle pulse at the end of a job; held until the next start:
//   rsp_o.status[15:0]   STATUS_OK or STATUS_BAD_PADDING
//   rsp_o.pad_len[7:0]   the pad length byte
//   rsp_o.pt_len         req_i.len
//   rsp_o.pay_len        with STATUS_OK: payload length (check_trailer's result)
//   rsp_o.nh[7:0]        the plaintext's last byte
//
// Cycles (from the start_i cycle to the done_o cycle): 5 with pad_len 0 (or
// BAD_PADDING by the length), else 6 + the words the pad bytes touch (1..5).
`default_nettype none

module esp_trailer
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned Depth = 256,
  localparam int unsigned Aw = $clog2(Depth),
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,

  input  wire logic                     start_i,
  input  wire tr_req_t req_i,

  output      logic                     rd_re_o,
  output      logic [Aw-1:0]            rd_addr_o,
  input  wire logic [Dw-1:0]            rd_data_i,

  output      logic                     busy_o,
  output      logic                     done_o,
  output      tr_rsp_t rsp_o
);


  localparam int unsigned Lw = $clog2(PKT_BUS_BYTES);

  typedef enum logic [2:0] {
    S_IDLE, S_CR0, S_CR1, S_CR2, S_CHK, S_PAD
  } state_e;

  state_e      state_q, state_d;
  pkt_len_t    off_q, off_d, len_q, len_d;
  logic [7:0]  nh_q, nh_d;
  logic [7:0]  pad_q, pad_d;
  pkt_len_t    pt_len_q, pt_len_d, pay_len_q, pay_len_d;
  logic [15:0] status_q, status_d;
  logic        done_q, done_d;
  pkt_sum_t    pos_q, pos_d;        // the pad length byte
  logic [Aw-1:0] rw_q, rw_d;        // the next pad word to read
  logic [Aw-1:0] last_w_q, last_w_d;
  logic        pend_q, pend_d;      // a pad word read is under way
  logic [9:0]  pend_base_q, pend_base_d;  // its first byte minus the first pad byte (-63..254)
  logic        bad_q, bad_d;
  logic [Dw-1:0] w0_q;

  pkt_sum_t    c_pos, c_end;
  logic [7:0]  c_lane_pad, c_lane_nh;
  pkt_sum_t    c_nh_pos;
  assign c_pos      = {1'b0, req_i.off} + {1'b0, req_i.len} - PktSumBits'(ESP_TRAILER_BYTES);
  assign c_nh_pos   = pos_q + PktSumBits'(1);
  assign c_lane_pad = w0_q[8*pos_q[Lw-1:0] +: 8];
  assign c_lane_nh  = rd_data_i[8*c_nh_pos[Lw-1:0] +: 8];
  assign c_end      = {1'b0, off_q} + {1'b0, pay_len_q};  // first pad byte

  // One word of pad bytes: lanes whose relative position is in [0, pad) must be rel + 1.
  logic pad_word_bad;
  always_comb begin
    pad_word_bad = 1'b0;
    for (int unsigned l = 0; l < PKT_BUS_BYTES; l++) begin
      logic [9:0] rel;
      rel = pend_base_q + 10'(l);
      if (!rel[9] && rel < {2'd0, pad_q} && rd_data_i[8*l +: 8] != rel[7:0] + 8'd1) pad_word_bad = 1'b1;
    end
  end

  always_comb begin
    state_d     = state_q;
    off_d       = off_q;
    len_d       = len_q;
    nh_d        = nh_q;
    pad_d       = pad_q;
    pt_len_d    = pt_len_q;
    pay_len_d   = pay_len_q;
    status_d    = status_q;
    done_d      = 1'b0;
    pos_d       = pos_q;
    rw_d        = rw_q;
    last_w_d    = last_w_q;
    pend_d      = 1'b0;
    pend_base_d = pend_base_q;
    bad_d       = bad_q;
    rd_re_o     = 1'b0;
    rd_addr_o   = Aw'(pos_q >> Lw);

    unique case (state_q)
      S_IDLE: begin
        if (start_i) begin
          off_d = req_i.off;
          len_d = req_i.len;
          bad_d = 1'b0;
          pt_len_d = req_i.len;
          pos_d    = c_pos;
          if (req_i.len < PKT_LEN_BITS'(ESP_TRAILER_BYTES)) begin
            status_d = STATUS_BAD_PADDING;
            done_d   = 1'b1;
          end else begin
            state_d = S_CR0;
          end
        end
      end

      S_CR0: begin
        rd_re_o = 1'b1;
        state_d = S_CR1;
      end
      S_CR1: begin
        rd_re_o   = 1'b1;
        rd_addr_o = Aw'(c_nh_pos >> Lw);
        state_d   = S_CR2;
      end
      S_CR2: begin
        pad_d = c_lane_pad;
        nh_d  = c_lane_nh;
        state_d = S_CHK;
      end
      S_CHK: begin
        pay_len_d = len_q - PKT_LEN_BITS'(ESP_TRAILER_BYTES) - PKT_LEN_BITS'(pad_q);
        if (PKT_LEN_BITS'(pad_q) + PKT_LEN_BITS'(ESP_TRAILER_BYTES) > len_q) begin
          status_d = STATUS_BAD_PADDING;
          done_d   = 1'b1;
          state_d  = S_IDLE;
        end else if (pad_q == '0) begin
          status_d = STATUS_OK;
          done_d   = 1'b1;
          state_d  = S_IDLE;
        end else begin
          state_d = S_PAD;
          // first pad byte at pos_q - pad, last at pos_q - 1
          rw_d     = Aw'((pos_q - {7'd0, pad_q}) >> Lw);
          last_w_d = Aw'((pos_q - PktSumBits'(1)) >> Lw);
        end
      end
      S_PAD: begin
        // c_end = first pad byte (pay_len_q is set)
        if (pend_q && pad_word_bad) bad_d = 1'b1;
        if (rw_q != last_w_q + Aw'(1)) begin
          rd_re_o     = 1'b1;
          rd_addr_o   = rw_q;
          rw_d        = rw_q + Aw'(1);
          pend_d      = 1'b1;
          pend_base_d = 10'({1'b0, rw_q, Lw'(0)} - c_end);
        end else begin  // the last word's check is in this cycle
          status_d = bad_q || (pend_q && pad_word_bad) ? STATUS_BAD_PADDING : STATUS_OK;
          done_d   = 1'b1;
          state_d  = S_IDLE;
        end
      end
      default: state_d = S_IDLE;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= S_IDLE;
      off_q       <= '0;
      len_q       <= '0;
      nh_q        <= '0;
      pad_q       <= '0;
      pt_len_q    <= '0;
      pay_len_q   <= '0;
      status_q    <= STATUS_OK;
      done_q      <= 1'b0;
      pos_q       <= '0;
      rw_q        <= '0;
      last_w_q    <= '0;
      pend_q      <= 1'b0;
      pend_base_q <= '0;
      bad_q       <= 1'b0;
    end else begin
      state_q     <= state_d;
      off_q       <= off_d;
      len_q       <= len_d;
      nh_q        <= nh_d;
      pad_q       <= pad_d;
      pt_len_q    <= pt_len_d;
      pay_len_q   <= pay_len_d;
      status_q    <= status_d;
      done_q      <= done_d;
      pos_q       <= pos_d;
      rw_q        <= rw_d;
      last_w_q    <= last_w_d;
      pend_q      <= pend_d;
      pend_base_q <= pend_base_d;
      bad_q       <= bad_d;
    end
  end

  always_ff @(posedge clk_i) begin
    if (state_q == S_CR1) w0_q <= rd_data_i;
  end

  assign busy_o        = state_q != S_IDLE;
  assign done_o        = done_q;
  assign rsp_o.status      = status_q;
  assign rsp_o.pad_len     = pad_q;
  assign rsp_o.pt_len      = pt_len_q;
  assign rsp_o.pay_len     = pay_len_q;
  assign rsp_o.nh = nh_q;

endmodule

`default_nettype wire
