// esp_fifo_sync_fv: the properties of esp_fifo_sync (hw/rtl/prim), checked
// by hw/formal/run_formal.py (yosys-smtbmc, bounded from reset).
//
// Data independence: the environment writes, as each accepted word, the
// number of words accepted before it (mod 2^Width); the FIFO then has kept
// order, lost nothing and duplicated nothing iff every word read is the
// number of words read before it. With Width large enough that the counts
// do not wrap within the bound, that is the whole FIFO contract, for every
// sequence of wvalid/rready the environment may choose. Besides: count_o is
// the occupancy (accepted - read), never above Depth; wready_o and rvalid_o
// are "not full" and "not empty"; a write into a full FIFO changes nothing.
`default_nettype none

module esp_fifo_sync_fv (
  input wire logic clk_i,
  input wire logic rst_ni,
  input wire logic wvalid_i,
  input wire logic rready_i
);
  localparam int unsigned Width = 6;
  localparam int unsigned Depth = 4;

  logic             wready, rvalid;
  logic [Width-1:0] rdata, wdata;
  logic [2:0]       count;
  logic [Width-1:0] n_wr_q, n_rd_q;

  assign wdata = n_wr_q;

  esp_fifo_sync #(
    .Width (Width),
    .Depth (Depth)
  ) dut (
    .clk_i,
    .rst_ni,
    .wvalid_i,
    .wready_o (wready),
    .wdata_i  (wdata),
    .rvalid_o (rvalid),
    .rready_i,
    .rdata_o  (rdata),
    .count_o  (count)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      n_wr_q <= '0;
      n_rd_q <= '0;
    end else begin
      if (wvalid_i && wready) n_wr_q <= n_wr_q + 1'b1;
      if (rvalid && rready_i) n_rd_q <= n_rd_q + 1'b1;
    end
  end

`ifdef FORMAL
  initial assume (!rst_ni);

  always @(posedge clk_i) begin
    if (rst_ni) begin
      // Order, no loss, no duplicate.
      if (rvalid) assert (rdata == n_rd_q);
      // Occupancy and the flags.
      assert (count == 3'(n_wr_q - n_rd_q));
      assert (count <= 3'(Depth));
      assert (wready == (count != 3'(Depth)));
      assert (rvalid == (count != 3'd0));
    end
  end
`endif

endmodule

`default_nettype wire
