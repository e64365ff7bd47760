// esp_key_cache: the tags of esp_aead's per-SA key store (hw/rtl/DATAPATH.md
// "esp_aead"). One entry per SA index below Entries (MaxSas), indexed by the
// SA index's low bits; an entry's tag is {SA index high bits, generation,
// aes256}. The key material itself ({klen, H^1..H^4, key}) lives in
// esp_gcm_core's key slots, slot = entry.
//
// Lookup: lk_valid_i with the tag fields; lk_hit_o is valid in the next
// cycle, lk_slot_o from then until the next lookup (synchronous read of a
// RAM-style tag array). The valid bits are an esp_bitmap (block RAM, cleared
// by a sweep after reset: Entries / 64 cycles, init_done_o low meanwhile).
// fill_i (any later cycle, not a lookup's) makes the looked-up entry hold
// the looked-up tag; inv_i (instead) empties it.
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

  localparam int unsigned UseW  = $clog2(MaxUse);

  logic [TagW-1:0]    tag_mem [Entries];
  logic [TagW-1:0]    rd_tag_q, lk_tag_q;
  logic               rd_vld;
  logic [IdxW-1:0]    lk_idx_q;
  logic [IdxW-1:0]    idx;
  logic [TagW-1:0]    tag;

  assign idx = lk_sa_index_i[IdxW-1:0];
  assign tag = {lk_sa_index_i[31:IdxW], lk_generation_i, lk_aes256_i};

  // The tags: a RAM-style array (synchronous read, one write port).
  always_ff @(posedge clk_i) begin
    if (lk_valid_i) rd_tag_q <= tag_mem[idx];
    if (fill_i) tag_mem[lk_idx_q] <= lk_tag_q;
  end

  // The valid bits: read by a lookup, written by a fill or an invalidation.
  esp_bitmap #(.Bits (Entries)) u_valid (
    .clk_i, .rst_ni, .init_done_o,
    .op_i  (lk_valid_i || fill_i || inv_i),
    .idx_i (lk_valid_i ? idx : lk_idx_q),
    .wr_i  (!lk_valid_i),
    .val_i (fill_i),
    .q_o   (rd_vld)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      lk_idx_q <= '0;
      lk_tag_q <= '0;
    end else if (lk_valid_i) begin
      lk_idx_q <= idx;
      lk_tag_q <= tag;
    end
  end

  assign lk_hit_o  = rd_vld && (rd_tag_q == lk_tag_q);
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
