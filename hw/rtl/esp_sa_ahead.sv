// esp_sa_ahead: the head's reads ahead (hw/rtl/DATAPATH.md "64 B at the
// bus"), beside esp_batch_ctrl. The SA of the descriptor behind the head is
// read from the SA store in the cycle the head lets go of its packet
// (h_go_i), so that the head takes it the next cycle without StSaLd
// (esp_batch_ctrl's sa_fetch; pf_o, pf_idx_o):
//   - an ENCRYPT: its sa_index (n_enc_i, n_sa_i);
//   - a DECRYPT that looks its SPI up (n_lk_i, its packet classified:
//     n_spi_i): bucket 0 of the SPI table is read ahead too, in a cycle the
//     head reads none itself and while the head's descriptor is no command
//     (h_free_i: nothing writes the SPI table before that DECRYPT is taken);
//     on a hit, the SA it names (pf_lk_o, pf_spi_o: the head takes it for
//     that SPI only).
// Only an SA that nothing writes before the head takes it: not the head's
// own (h_sa_i), none of whose DECRYPTs is in the tail, below the run's
// sa_capacity (a bucket naming one beyond it: the head answers BAD_SA).
`default_nettype none

module esp_sa_ahead
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned MaxSpiBucketsLog2 = 14,
  parameter int unsigned MaxSas = 65536,
  parameter int unsigned OSlots = 4,
  localparam int unsigned OSlotW = (OSlots > 1) ? $clog2(OSlots) : 1
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,
  input  wire logic          run_start_i,
  input  wire logic [31:0]   sa_cap_i,       // the run's (esp_batch_ctrl's registers)
  input  wire logic [31:0]   log2_i,
  // the descriptor behind the head's
  input  wire logic          n_enc_i,
  input  wire logic [31:0]   n_sa_i,
  input  wire logic          n_lk_i,
  input  wire logic [31:0]   n_spi_i,
  // the head, this cycle
  input  wire logic          h_free_i,       // its descriptor is an ENCRYPT or DECRYPT (or not yet taken)
  input  wire logic          h_spi_rd_i,     // it reads a bucket
  input  wire logic          h_st_rd_i,      // it reads the store
  input  wire logic          h_go_i,         // it lets go of its packet (StNext next)
  input  wire logic [31:0]   h_sa_i,         // its SA (sa_idx_d)
  input  wire logic [(1<<OSlotW)-1:0]       tail_dec_v_i,   // the tail's DECRYPTs: their SA
  input  wire logic [(1<<OSlotW)-1:0][31:0] tail_dec_sa_i,
  // the SPI table (esp_card_state) and the SA store: the reads ahead
  output      logic          spi_rd_o,
  output      logic [31:0]   spi_rd_bucket_o,
  input  wire spi_bucket_t   spi_bucket_i,
  output      logic          st_rd_o,
  output      logic [31:0]   st_rd_idx_o,
  // the SA read in the cycle before (in the store's output now)
  output      logic          pf_o,
  output      logic [31:0]   pf_idx_o,
  output      logic          pf_lk_o,        // for a DECRYPT of SPI pf_spi_o
  output      logic [31:0]   pf_spi_o
);

  // the bucket read ahead: answer in spi_bucket_i now (rd_q), then held
  // (hit_q, idx_q) until the head lets go
  logic        rd_q, done_q, hit_q;
  logic [31:0] spi_q, idx_q;

  logic        log2_ok, hit, hit_now;
  logic [31:0] bucket0, bucket1, ref_now, idx_now;
  esp_spi_lookup #(.MaxLog2(MaxSpiBucketsLog2)) u_lookup (
    .spi_i     (rd_q ? spi_q : n_spi_i),
    .log2_i,
    .log2_ok_o (log2_ok),
    .bucket0_o (bucket0),
    .bucket1_o (bucket1),   // (bucket 0 only: a miss there leaves the lookup to the head)
    .bucket_i  (spi_bucket_i),
    .hit_o     (hit),
    .sa_ref_o  (ref_now)
  );
  assign hit_now = rd_q ? hit : hit_q;
  assign idx_now = rd_q ? ref_now - 32'd1 : idx_q;

  // once for each descriptor behind the head
  assign spi_rd_o        = n_lk_i && h_free_i && !h_spi_rd_i && !h_go_i && !rd_q && !done_q && log2_ok;
  assign spi_rd_bucket_o = bucket0;

  logic        cand, cand_lk;
  logic [31:0] cand_idx;
  always_comb begin
    cand_lk  = !n_enc_i && n_lk_i && (rd_q || done_q) && hit_now;
    cand     = n_enc_i || cand_lk;
    cand_idx = n_enc_i ? n_sa_i : idx_now;
  end
  assign st_rd_o     = h_go_i && !h_st_rd_i && cand && cand_idx < sa_cap_i && cand_idx < 32'(MaxSas) &&
                       cand_idx != h_sa_i &&
                       !sa_in_tail(MaxOSlots'(tail_dec_v_i), (32 * MaxOSlots)'(tail_dec_sa_i), cand_idx);
  assign st_rd_idx_o = cand_idx;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) {rd_q, done_q, hit_q, pf_o} <= '0;
    else begin
      pf_o <= st_rd_o;
      if (run_start_i || h_go_i) {rd_q, done_q, hit_q} <= '0;
      else begin
        rd_q <= spi_rd_o;
        if (spi_rd_o) done_q <= 1'b1;
        if (rd_q) hit_q <= hit;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (spi_rd_o) spi_q <= n_spi_i;
    if (rd_q) idx_q <= ref_now - 32'd1;
    pf_idx_o <= cand_idx;
    pf_lk_o  <= cand_lk;
    pf_spi_o <= spi_q;
  end

  logic unused_b1;
  assign unused_b1 = ^bucket1;

  // (esp_batch_ctrl, whose read ahead this is, gives its OSlots: the check holds for both)
  if ((1 << OSlotW) > MaxOSlots) begin : g_bad_slots
    $error("esp_sa_ahead: more output slots than esp_unit_pkg::sa_in_tail takes (MaxOSlots)");
  end

endmodule : esp_sa_ahead

`default_nettype wire
