// esp_bitmap: one bit per index below Bits, in a block RAM of 64-bit words
// (one synchronous read port, one write port; no reset), cleared by a sweep
// after a reset (Bits / 64 cycles: init_done_o low meanwhile, no operation
// taken).
//
// One operation per cycle (op_i) on bit idx_i: its word is read in that
// cycle, q_o is the bit as it was the next cycle, and with wr_i the word is
// written back in the next cycle with the bit set to val_i (a read-modify-
// write: block RAM has no bit enables). An operation on the word the one
// before writes takes that write's word (forwarding), so back-to-back
// operations on one word see each other in order.
//
// Replaces bit arrays read combinationally (LUT RAM: esp_sa_store's dirty
// and listed bits were 24,576 LUT of RAM64M8 in yosys's map, issue 14).
`default_nettype none

module esp_bitmap #(
  parameter int unsigned Bits = 65536,
  localparam int unsigned Iw = (Bits > 1) ? $clog2(Bits) : 1,
  localparam int unsigned Words = (Bits + 63) / 64,
  localparam int unsigned WordW = (Words > 1) ? $clog2(Words) : 1
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  output      logic          init_done_o,

  input  wire logic          op_i,
  input  wire logic [Iw-1:0] idx_i,
  input  wire logic          wr_i,
  input  wire logic          val_i,
  output      logic          q_o
);

  function automatic logic [WordW-1:0] word_of(input logic [Iw-1:0] i);
    return WordW'(i >> 6);
  endfunction

  logic [63:0]      mem [Words];
  logic [63:0]      rd_q;            // the word read by the operation before
  logic             op_q, wr_q, val_q;
  logic [Iw-1:0]    idx_q;
  logic [63:0]      lw_q;            // the word written in the cycle before
  logic [63:0]      cur, upd;        // op_q's word as it is, and as it is written
  logic             init_q;
  logic [WordW-1:0] clr_q;

  esp_init_sweep #(.Count (Words)) u_sweep (.clk_i, .rst_ni, .addr_o (clr_q), .done_o (init_q));
  assign init_done_o = init_q;

  // the word of the operation before: the RAM's, or the write it missed (in
  // the cycle of its read, the write of the operation before that)
  logic fwd_q;
  assign cur = fwd_q ? lw_q : rd_q;
  always_comb begin
    upd = cur;
    upd[idx_q[5:0]] = val_q;
  end
  assign q_o = cur[idx_q[5:0]];

  // one write port: the sweep's, then the operations'
  logic             we;
  logic [WordW-1:0] wa;
  logic [63:0]      wd;
  assign we = !init_q || (op_q && wr_q);
  assign wa = init_q ? word_of(idx_q) : clr_q;
  assign wd = init_q ? upd : '0;

  always_ff @(posedge clk_i) begin
    if (op_i) rd_q <= mem[word_of(idx_i)];
    if (we) mem[wa] <= wd;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      op_q <= 1'b0; fwd_q <= 1'b0;
    end else begin
      op_q   <= op_i && init_q;
      // the operation now reads the word the one before writes now
      fwd_q  <= op_i && op_q && wr_q && word_of(idx_i) == word_of(idx_q);
    end
  end
  always_ff @(posedge clk_i) begin
    wr_q <= wr_i; val_q <= val_i; idx_q <= idx_i;
    lw_q <= upd;
  end

endmodule : esp_bitmap

`default_nettype wire
