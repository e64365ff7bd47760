// esp_init_sweep: after a reset, visits the addresses 0 .. Count-1 once, one
// per cycle (addr_o, while done_o is low), so that a unit can clear RAMs that
// have no reset of their own (BRAM / URAM-shaped arrays: valid bits,
// installed bits, the SPI table); done_o then stays high until the next
// reset, and the unit takes no request before.
`default_nettype none

module esp_init_sweep #(
  parameter int unsigned Count = 1024,
  localparam int unsigned Aw = (Count > 1) ? $clog2(Count) : 1
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  output      logic [Aw-1:0] addr_o,
  output      logic          done_o
);

  logic [Aw-1:0] addr_q;
  logic          done_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      addr_q <= '0;
      done_q <= 1'b0;
    end else if (!done_q) begin
      addr_q <= addr_q + 1'b1;
      if (addr_q == Aw'(Count - 1)) done_q <= 1'b1;
    end
  end

  assign addr_o = addr_q;
  assign done_o = done_q;

endmodule : esp_init_sweep

`default_nettype wire
