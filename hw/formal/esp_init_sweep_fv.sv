// esp_init_sweep_fv: the properties of esp_init_sweep (hw/rtl/prim), checked
// by hw/formal/run_formal.py (yosys-smtbmc, bounded from reset). A reference
// count of the cycles since reset says what must happen: addresses 0 ..
// Count-1 in order, one per cycle, each exactly once, and done_o from the
// cycle after the last one on, for good (Count 5: not a power of two, so the
// address does not simply wrap into done).
`default_nettype none

module esp_init_sweep_fv (
  input wire logic clk_i,
  input wire logic rst_ni
);
  localparam int unsigned Count = 5;

  logic [2:0] addr;
  logic       done;
  logic [3:0] n_q;   // cycles since reset, held at 15

  esp_init_sweep #(.Count (Count)) dut (.clk_i, .rst_ni, .addr_o (addr), .done_o (done));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) n_q <= '0;
    else if (n_q != 4'd15) n_q <= n_q + 1'b1;
  end

`ifdef FORMAL
  initial assume (!rst_ni);

  always @(posedge clk_i) begin
    if (rst_ni) begin
      assert (done == (n_q >= 4'(Count)));
      if (!done) assert (addr == 3'(n_q));
    end
  end
`endif

endmodule

`default_nettype wire
