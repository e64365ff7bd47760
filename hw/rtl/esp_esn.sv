// esp_esn: the full 64-bit sequence number of an inbound packet (CONTRACT.md
// DECRYPT 8; RFC 4303 Appendix A2.2), the HLS infer_seq / esn_infer_high
// (esn.hpp), combinational.
//
//   Tl >= W-1:  seq_hi = Th     when seq_lo >= Tl - W + 1, else Th + 1
//   Tl <  W-1:  seq_hi = Th - 1 when seq_lo >= Tl - W + 1 (mod 2^32), else Th
// ok_o = 0 (REPLAY) for Th - 1 with Th = 0 (seq_o is then seq_lo) or a full
// number of 0. Without ESN seq_o = seq_lo.
`default_nettype none

module esp_esn (
  input  wire logic        esn_i,
  input  wire logic [63:0] top_i,
  input  wire logic [31:0] window_bits_i,
  input  wire logic [31:0] seq_lo_i,
  output      logic [63:0] seq_o,
  output      logic        ok_o
);

  logic [31:0] th, tl, bottom, hi;
  logic        below_zero;

  assign th     = top_i[63:32];
  assign tl     = top_i[31:0];
  assign bottom = tl - window_bits_i + 32'd1;  // mod 2^32

  always_comb begin
    below_zero = 1'b0;
    if (tl >= window_bits_i - 32'd1) begin
      hi = (seq_lo_i >= bottom) ? th : th + 32'd1;
    end else if (seq_lo_i >= bottom) begin
      below_zero = th == '0;
      hi         = th - 32'd1;
    end else begin
      hi = th;
    end
  end

  always_comb begin
    if (esn_i && !below_zero) seq_o = {hi, seq_lo_i};
    else seq_o = {32'd0, seq_lo_i};
    ok_o = !(esn_i && below_zero) && (seq_o != '0);
  end

endmodule : esp_esn

`default_nettype wire
