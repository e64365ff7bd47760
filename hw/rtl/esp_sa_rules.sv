// esp_sa_rules: the arithmetic the sequencer (esp_batch_ctrl) applies to
// its SA, state and packet, combinational, in one place: the parameter and
// lifetime checks (esp_sa_checks), the SPI lookup (esp_spi_lookup), the ESN
// inference (esp_esn), the anti-replay window (esp_replay_window) and where
// the replay ring entries are, the ENCRYPT plan (esp_enc_plan) and
// DECRYPT 7's ESP lengths.
//
//   room_o      ENCRYPT 4: the output may be this long (out_capacity, at most MAX_PKT_BYTES)
//   ct_len_o, esp_len_bad_o  DECRYPT 7: the ciphertext length, MALFORMED
//   ent_off_o   seq's ring entry: byte offset in the replay area
//   te_off_o    the top's ring entry (the one the SA store keeps): its offset
//   te_hit_o    seq's entry is the top's (te_ok_i: the SA has one on chip)
`default_nettype none

module esp_sa_rules
  import esp_spec_pkg::*;
  import esp_unit_pkg::*;
#(
  parameter int unsigned MaxSpiBucketsLog2 = 14
) (
  input  wire logic          inbound_i,
  input  wire sa_view_t      sa_i,
  input  wire sa_counters_t  ctr_i,
  input  wire logic [63:0]   top_i,          // the state line's seq (tx_seq / T)
  input  wire logic [31:0]   add_bytes_i,
  input  wire logic [31:0]   seq_lo_i,       // DECRYPT: the packet's
  input  wire logic [63:0]   seq_i,          // DECRYPT: the inferred one
  input  wire replay_entry_t entry_i,        // seq's ring entry
  input  wire logic          te_ok_i,
  input  wire logic [31:0]   log2_i,         // spi_buckets_log2
  input  wire spi_bucket_t   bucket_i,       // the bucket read
  input  wire parse_rsp_t    parse_i,
  input  wire logic          dummy_i,        // ENCRYPT: descriptor flag DUMMY
  input  wire logic [31:0]   in_length_i,
  input  wire logic [31:0]   out_capacity_i,
  input  wire pkt_len_t      esp_len_i,      // DECRYPT: the packet's ESP length

  output      logic          params_ok_o,
  output      logic          hard_o,
  output      sa_counters_t  hard_ctr_o,
  output      logic          seq_full_o,
  output      sa_counters_t  ok_ctr_o,
  output      logic          soft_o,
  output      logic [63:0]   inferred_seq_o,
  output      logic          inferred_ok_o,
  output      logic          fresh_o,
  output      logic          old_o,
  output      logic          pass_o,
  output      replay_entry_t commit_o,
  output      logic [63:0]   ent_off_o,
  output      logic [63:0]   te_off_o,
  output      logic          te_hit_o,
  output      logic          log2_ok_o,
  output      logic [31:0]   bucket0_o,
  output      logic [31:0]   bucket1_o,
  output      logic          spi_hit_o,
  output      logic [31:0]   sa_index_o,     // the hit's sa_ref - 1
  output      pkt_ctx_t      plan_o,
  output      logic [31:0]   room_o,
  output      pkt_len_t      ct_len_o,
  output      logic          esp_len_bad_o
);

  localparam pkt_len_t EspTextOff = PKT_LEN_BITS'(ESP_HDR_BYTES + IV_BYTES);

  logic [31:0] sa_ref;
  esp_spi_lookup #(.MaxLog2(MaxSpiBucketsLog2)) u_spi_lookup (
    .spi_i     (parse_i.spi),
    .log2_i,
    .log2_ok_o,
    .bucket0_o,
    .bucket1_o,
    .bucket_i,
    .hit_o     (spi_hit_o),
    .sa_ref_o  (sa_ref)
  );
  assign sa_index_o = sa_ref - 32'd1;

  esp_enc_plan u_enc_plan (
    .tunnel_i    (sa_i.tunnel),
    .outer_v6_i  (sa_i.outer_v6),
    .udp_encap_i (sa_i.udp_encap),
    .icv_len_i   (sa_i.icv_len),
    .dummy_i,
    .in_length_i (PKT_LEN_BITS'(in_length_i)),
    .parse_i,
    .plan_o
  );

  assign room_o        = (out_capacity_i < 32'(MAX_PKT_BYTES)) ? out_capacity_i : 32'(MAX_PKT_BYTES);
  assign ct_len_o      = esp_len_i - EspTextOff - PKT_LEN_BITS'(sa_i.icv_len);
  assign esp_len_bad_o = (esp_len_i < EspTextOff + PKT_LEN_BITS'(2) + PKT_LEN_BITS'(sa_i.icv_len)) | (ct_len_o[1:0] != 2'b00);


  esp_sa_checks u_sa_checks (
    .inbound_i,
    .sa_i,
    .ctr_i,
    .tx_seq_i    (top_i),
    .add_bytes_i,
    .params_ok_o,
    .hard_o,
    .hard_ctr_o,
    .seq_full_o,
    .ok_ctr_o,
    .soft_o
  );

  esp_esn u_esn (
    .esn_i         (sa_i.esn),
    .top_i,
    .window_bits_i (sa_i.window_bits),
    .seq_lo_i,
    .seq_o         (inferred_seq_o),
    .ok_o          (inferred_ok_o)
  );

  logic [15:0] idx, top_idx;
  esp_replay_window u_replay_window (
    .window_bits_i (sa_i.window_bits),
    .top_i,
    .seq_i,
    .fresh_o,
    .old_o,
    .idx_o         (idx),
    .top_idx_o     (top_idx),
    .entry_i,
    .check_pass_o  (pass_o),
    .commit_o
  );

  assign ent_off_o = sa_i.replay_offset + (64'(idx) << $clog2(REPLAY_ENTRY_SIZE));
  assign te_off_o  = sa_i.replay_offset + (64'(top_idx) << $clog2(REPLAY_ENTRY_SIZE));
  assign te_hit_o  = te_ok_i && idx == top_idx;

  logic unused_rules;
  assign unused_rules = ^{in_length_i[31:PKT_LEN_BITS]};

endmodule : esp_sa_rules

`default_nettype wire
