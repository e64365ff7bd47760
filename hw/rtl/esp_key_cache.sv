// esp_key_cache: the tags of esp_aead's per-SA key store (hw/rtl/DATAPATH.md
// "esp_aead"). One entry per SA index below Entries (MaxSas), indexed by the
// SA index's low bits; an entry's tag is {SA index high bits, generation,
// aes256}. The key material itself ({klen, H^1..H^4, key}) lives in
// esp_gcm_core's key slots, slot = entry.
//
// Lookup: lk_valid_i with the tag fields; lk_hit_o / lk_slot_o are valid in
// the next cycle (synchronous read of a RAM-style tag array). The valid bits
// are a RAM of 64-bit words, cleared by a sweep after reset (Entries / 64
// cycles; init_done_o low meanwhile). fill_i (any later cycle) makes the
// looked-up entry hold the looked-up tag; inv_i (instead) empties it.
//
// In flight: use_push_i (a job took the looked-up slot) and use_pop_i (the
// oldest such job has read its slot in the core) keep the slots of up to
// MaxUse jobs in order; lk_busy_o = the looked-up slot is among them (its
// key material must not be overwritten yet). Combinational, from the cycle
// after the lookup.
`default_nettype none

module esp_key_cache #(
  parameter int unsigned Entries = 65536,
  parameter int unsigned MaxUse  = 16,
  localparam int unsigned IdxW   = Entries > 1 ? $clog2(Entries) : 1,
  localparam int unsigned TagW   = 32 - IdxW + 32 + 1
) (
  input  wire logic            clk_i,
  input  wire logic            rst_ni,
  output      logic            init_done_o,

  input  wire logic            lk_valid_i,
  input  wire logic [31:0]     lk_sa_index_i,
  input  wire logic [31:0]     lk_generation_i,
  input  wire logic            lk_aes256_i,
  output      logic            lk_hit_o,
  output      logic [IdxW-1:0] lk_slot_o,
  output      logic            lk_busy_o,

  input  wire logic            fill_i,
  input  wire logic            inv_i,

  input  wire logic            use_push_i,
  input  wire logic            use_pop_i
);

  localparam int unsigned Words = (Entries + 63) / 64;
  localparam int unsigned WordW = Words > 1 ? $clog2(Words) : 1;
  localparam int unsigned BitW  = Entries > 64 ? 6 : IdxW;
  localparam int unsigned UseW  = $clog2(MaxUse);

  logic [TagW-1:0]    tag_mem [Entries];
  logic [63:0]        vld_mem [Words];
  logic [TagW-1:0]    rd_tag_q, lk_tag_q;
  logic [63:0]        rd_vld_q;
  logic [IdxW-1:0]    lk_idx_q;
  logic [IdxW-1:0]    idx;
  logic [TagW-1:0]    tag;
  logic               init_q;   // the sweep is over
  logic [WordW-1:0]   clr_q;    // the valid word it clears

  assign idx = lk_sa_index_i[IdxW-1:0];
  assign tag = {lk_sa_index_i[31:IdxW], lk_generation_i, lk_aes256_i};

  function automatic logic [WordW-1:0] word_of(input logic [IdxW-1:0] i);
    return WordW'(i >> BitW);
  endfunction

  // Valid bits cleared after reset.
  esp_init_sweep #(.Count (Words)) u_sweep (.clk_i, .rst_ni, .addr_o (clr_q), .done_o (init_q));

  assign init_done_o = init_q;

  // RAM-style arrays: synchronous read, one write port each.
  always_ff @(posedge clk_i) begin
    if (lk_valid_i) begin
      rd_tag_q <= tag_mem[idx];
      rd_vld_q <= vld_mem[word_of(idx)];
    end
    if (fill_i) tag_mem[lk_idx_q] <= lk_tag_q;
    if (!init_q) vld_mem[clr_q] <= '0;
    else if (fill_i || inv_i) vld_mem[word_of(lk_idx_q)][lk_idx_q[BitW-1:0]] <= fill_i;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      lk_idx_q <= '0;
      lk_tag_q <= '0;
    end else if (lk_valid_i) begin
      lk_idx_q <= idx;
      lk_tag_q <= tag;
    end
  end

  assign lk_hit_o  = rd_vld_q[lk_idx_q[BitW-1:0]] && (rd_tag_q == lk_tag_q);
  assign lk_slot_o = lk_idx_q;

  // Slots of the jobs in flight, oldest at rd_q.
  logic [IdxW-1:0]   use_mem [MaxUse];
  logic [MaxUse-1:0] use_vld_q;
  logic [UseW-1:0]   use_wr_q, use_rd_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      use_vld_q <= '0;
      use_wr_q  <= '0;
      use_rd_q  <= '0;
    end else begin
      if (use_push_i) use_wr_q <= use_wr_q + 1'b1;
      if (use_pop_i)  use_rd_q <= use_rd_q + 1'b1;
      for (int unsigned e = 0; e < MaxUse; e++) begin
        if (use_push_i && use_wr_q == UseW'(e)) use_vld_q[e] <= 1'b1;
        else if (use_pop_i && use_rd_q == UseW'(e)) use_vld_q[e] <= 1'b0;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (use_push_i) use_mem[use_wr_q] <= lk_idx_q;
  end

  always_comb begin
    lk_busy_o = 1'b0;
    for (int unsigned e = 0; e < MaxUse; e++) begin
      if (use_vld_q[e] && use_mem[e] == lk_idx_q) lk_busy_o = 1'b1;
    end
  end

endmodule

`default_nettype wire
