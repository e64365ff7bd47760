// esp_card_state: the card's own state (CONTRACT.md "The card's own state"),
// kept across runs until a reset empties it:
//   - the installed bit of every SA index below MaxSas (an esp_bitmap:
//     block RAM; a read's bit the next cycle, a write sets or clears one
//     bit; one of them per cycle);
//   - the SPI table: 2^MaxBucketsLog2 buckets of SPI_BUCKET_SLOTS spi_slot's,
//     one RAM per slot position (2^MaxBucketsLog2 x 64 bits each) so that a
//     lookup reads a whole bucket in one cycle (rd_bucket_o, the cycle after
//     rd_i) and SPI_SET writes one slot.
// After a reset both are cleared by a sweep (2^MaxBucketsLog2 cycles, the
// installed bits' MaxSas / 64 alongside); init_done_o is low until it is
// over and the engine does not start a run before.
`default_nettype none

module esp_card_state
  import esp_spec_pkg::*;
#(
  parameter int unsigned MaxSas = 65536,
  parameter int unsigned MaxBucketsLog2 = 14,
  localparam int unsigned Slots = SPI_BUCKET_SLOTS,
  localparam int unsigned Buckets = 1 << MaxBucketsLog2,
  localparam int unsigned Iw = (MaxSas > 1) ? $clog2(MaxSas) : 1,
  localparam int unsigned SlotW = $clog2(Slots)
) (
  input  wire logic        clk_i,
  input  wire logic        rst_ni,
  output      logic        init_done_o,

  // installed bits (sa < MaxSas)
  input  wire logic        inst_rd_i,
  input  wire logic [31:0] inst_idx_i,
  output      logic        inst_o,            // the cycle after inst_rd_i
  input  wire logic        inst_we_i,         // (not with inst_rd_i)
  input  wire logic [31:0] inst_widx_i,
  input  wire logic        inst_wval_i,

  // SPI table
  input  wire logic        rd_i,
  input  wire logic [31:0] rd_bucket_i,       // < Buckets
  output      spi_bucket_t rd_bucket_o,
  input  wire logic        wr_i,
  input  wire logic [31:0] wr_slot_i,         // bucket * Slots + slot, < Slots * Buckets
  input  wire spi_slot_t   wr_val_i
);

  localparam int unsigned Sweep = Buckets;   // (the installed bits: esp_bitmap's own sweep)
  logic                       init_q;   // the sweep is over
  logic [((Sweep > 1) ? $clog2(Sweep) : 1)-1:0] clr_q;   // the address it clears

  logic inst_init;
  esp_init_sweep #(.Count (Sweep)) u_sweep (.clk_i, .rst_ni, .addr_o (clr_q), .done_o (init_q));
  assign init_done_o = init_q && inst_init;

  esp_bitmap #(.Bits (MaxSas)) u_inst (
    .clk_i, .rst_ni, .init_done_o (inst_init),
    .op_i  (inst_rd_i || inst_we_i),
    .idx_i (Iw'(inst_we_i ? inst_widx_i : inst_idx_i)),
    .wr_i  (inst_we_i),
    .val_i (inst_wval_i),
    .q_o   (inst_o)
  );

  // one RAM per slot position (one write port: the sweep or SPI_SET; one
  // synchronous read port: the lookup)
  logic [MaxBucketsLog2-1:0] sw_addr, rd_addr;
  logic [SlotW-1:0]          sw_slot;
  assign sw_addr = init_q ? wr_slot_i[SlotW +: MaxBucketsLog2] : MaxBucketsLog2'(clr_q);
  assign sw_slot = wr_slot_i[SlotW-1:0];
  assign rd_addr = rd_bucket_i[MaxBucketsLog2-1:0];
  for (genvar s = 0; s < Slots; s++) begin : g_slot
    logic [63:0] mem [Buckets];
    always_ff @(posedge clk_i) begin
      if (!init_q) begin
        if (32'(clr_q) < Buckets) mem[sw_addr] <= '0;
      end
      else if (wr_i && sw_slot == SlotW'(s)) mem[sw_addr] <= wr_val_i;
      if (rd_i) rd_bucket_o.slots[s] <= mem[rd_addr];
    end
  end

  logic unused_cs;
  assign unused_cs = ^{inst_idx_i[31:Iw], inst_widx_i[31:Iw], wr_slot_i[31:SlotW+MaxBucketsLog2],
                       rd_bucket_i[31:MaxBucketsLog2]};

endmodule : esp_card_state

`default_nettype wire
