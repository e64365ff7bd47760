// esp_bitmap_fv: the properties of esp_bitmap (hw/rtl/prim), checked by
// hw/formal/run_formal.py (yosys-smtbmc, bounded from reset). Its RAM starts
// with any content (no reset); a reference bit vector, all clear after
// reset, takes the same operations: after the sweep, every operation's q_o
// (the cycle after) is the reference's bit before it, back-to-back
// operations on one word included. Bits 128 (two words: a sweep of 2
// cycles), 14 cycles.
`default_nettype none

module esp_bitmap_fv (
  input wire logic       clk_i,
  input wire logic       rst_ni,
  input wire logic       op_i,
  input wire logic [6:0] idx_i,
  input wire logic       wr_i,
  input wire logic       val_i
);
  localparam int unsigned Bits = 128;

  logic         init, q;
  logic [127:0] ref_q;
  logic         op_q, want_q;

  esp_bitmap #(.Bits (Bits)) dut (
    .clk_i, .rst_ni, .init_done_o (init), .op_i, .idx_i, .wr_i, .val_i, .q_o (q)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ref_q <= '0; op_q <= 1'b0; want_q <= 1'b0;
    end else begin
      op_q <= op_i;
      if (op_i) begin
        want_q <= ref_q[idx_i];
        if (wr_i) ref_q[idx_i] <= val_i;
      end
    end
  end

`ifdef FORMAL
  initial assume (!rst_ni);

  always @(posedge clk_i) begin
    if (rst_ni) begin
      if (!init) assume (!op_i);   // no operation before the sweep is over
      if (op_q) assert (q == want_q);
    end
  end
`endif

endmodule

`default_nettype wire
