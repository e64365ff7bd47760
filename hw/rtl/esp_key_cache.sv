// esp_key_cache: the tags of esp_aead's key cache (hw/rtl/DATAPATH.md
// "esp_aead"). Direct mapped on the SA index's low bits; an entry's tag is
// {SA index high bits, generation, aes256}. The keys themselves (round keys
// and H^1..H^4) live in esp_gcm_core's key slots, one slot per entry.
//
// Lookup: lk_valid_i with the tag fields; lk_hit_o / lk_slot_o are valid in
// the next cycle (synchronous read of a RAM-style tag array; the valid bits
// are flip-flops so that reset empties the cache). fill_i (any later
// cycle) makes the looked-up entry hold the looked-up tag; inv_i (instead)
// empties it.
`default_nettype none

module esp_key_cache #(
  parameter int unsigned Entries = 256,
  localparam int unsigned IdxW   = Entries > 1 ? $clog2(Entries) : 1,
  localparam int unsigned TagW   = 32 - IdxW + 32 + 1
) (
  input  wire logic            clk_i,
  input  wire logic            rst_ni,

  input  wire logic            lk_valid_i,
  input  wire logic [31:0]     lk_sa_index_i,
  input  wire logic [31:0]     lk_generation_i,
  input  wire logic            lk_aes256_i,
  output      logic            lk_hit_o,
  output      logic [IdxW-1:0] lk_slot_o,

  input  wire logic            fill_i,
  input  wire logic            inv_i
);

  logic [TagW-1:0]    tag_mem [Entries];
  logic [Entries-1:0] vld_q;
  logic [TagW-1:0]    rd_tag_q, lk_tag_q;
  logic               rd_vld_q;
  logic [IdxW-1:0]    lk_idx_q;
  logic [IdxW-1:0]    idx;
  logic [TagW-1:0]    tag;

  assign idx = lk_sa_index_i[IdxW-1:0];
  assign tag = {lk_sa_index_i[31:IdxW], lk_generation_i, lk_aes256_i};

  // RAM-style tag array: synchronous read, one write port.
  always_ff @(posedge clk_i) begin
    if (lk_valid_i) rd_tag_q <= tag_mem[idx];
    if (fill_i) tag_mem[lk_idx_q] <= lk_tag_q;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      vld_q    <= '0;
      rd_vld_q <= 1'b0;
      lk_idx_q <= '0;
      lk_tag_q <= '0;
    end else begin
      if (lk_valid_i) begin
        rd_vld_q <= vld_q[idx];
        lk_idx_q <= idx;
        lk_tag_q <= tag;
      end
      if (fill_i) vld_q[lk_idx_q] <= 1'b1;
      else if (inv_i) vld_q[lk_idx_q] <= 1'b0;
    end
  end

  assign lk_hit_o  = rd_vld_q && (rd_tag_q == lk_tag_q);
  assign lk_slot_o = lk_idx_q;

endmodule

`default_nettype wire
