// esp_fifo_sync: synchronous FIFO, first-word fall-through.
//
// Depth a power of two. The storage is a plain array with an asynchronous
// read (LUTRAM on UltraScale+ for the depths used here), so rdata_o is valid
// in the cycle rvalid_o is. A write when full is dropped: users that keep
// credits (esp_gcm_core) never write into a full FIFO.
`default_nettype none

module esp_fifo_sync #(
  parameter int unsigned Width = 8,
  parameter int unsigned Depth = 16,
  localparam int unsigned AW   = $clog2(Depth)
) (
  input  wire logic             clk_i,
  input  wire logic             rst_ni,

  input  wire logic             wvalid_i,
  output      logic             wready_o,   // not full
  input  wire logic [Width-1:0] wdata_i,

  output      logic             rvalid_o,   // not empty
  input  wire logic             rready_i,
  output      logic [Width-1:0] rdata_o,

  output      logic [AW:0]      count_o
);

  logic [Width-1:0] mem_q [Depth];
  logic [AW:0]      wptr_q, rptr_q;
  logic             wfire, rfire;

  assign count_o  = wptr_q - rptr_q;
  assign wready_o = count_o != (AW+1)'(Depth);
  assign rvalid_o = wptr_q != rptr_q;
  assign wfire    = wvalid_i && wready_o;
  assign rfire    = rvalid_o && rready_i;
  assign rdata_o  = mem_q[rptr_q[AW-1:0]];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q <= '0;
      rptr_q <= '0;
    end else begin
      if (wfire) wptr_q <= wptr_q + 1'b1;
      if (rfire) rptr_q <= rptr_q + 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (wfire) mem_q[wptr_q[AW-1:0]] <= wdata_i;
  end

endmodule

`default_nettype wire
