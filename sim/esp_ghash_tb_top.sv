// Testbench top for esp_gcm_key_setup + esp_ghash (sim/esp_ghash_tb.cpp):
// the powers of H of the last installed key feed esp_ghash.
`default_nettype none

module esp_ghash_tb_top (
  input  wire logic         clk_i,
  input  wire logic         rst_ni,

  input  wire logic         key_valid_i,
  output      logic         key_ready_o,
  input  wire logic [255:0] key_i,
  input  wire logic [1:0]   klen_i,
  output      logic         key_done_o,     // pulse: the powers of H are latched

  input  wire logic         in_valid_i,
  output      logic         in_ready_o,
  input  wire logic [511:0] in_data_i,
  input  wire logic [6:0]   in_bytes_i,
  input  wire logic         in_first_i,
  input  wire logic         in_last_i,
  input  wire logic [15:0]  in_aad_len_i,
  input  wire logic [15:0]  in_txt_len_i,
  input  wire logic [31:0]  in_user_i,

  output      logic         out_valid_o,
  input  wire logic         out_ready_i,
  output      logic [127:0] out_s_o,
  output      logic [31:0]  out_user_o
);

  logic               ks_valid;
  logic [1:0]         unused_klen;
  logic [3:0][127:0]  ks_hpow, hpow_q;

  esp_gcm_key_setup u_key_setup (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .in_valid_i  (key_valid_i),
    .in_ready_o  (key_ready_o),
    .key_i       (key_i),
    .klen_i      (klen_i),
    .out_valid_o (ks_valid),
    .out_ready_i (1'b1),
    .klen_o      (unused_klen),
    .hpow_o      (ks_hpow)
  );

  always_ff @(posedge clk_i) begin
    if (ks_valid) hpow_q <= ks_hpow;
  end
  assign key_done_o = ks_valid;

  esp_ghash #(
    .LenW  (16),
    .UserW (32)
  ) u_ghash (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .in_valid_i   (in_valid_i),
    .in_ready_o   (in_ready_o),
    .in_data_i    (in_data_i),
    .in_bytes_i   (in_bytes_i),
    .in_first_i   (in_first_i),
    .in_last_i    (in_last_i),
    .in_aad_len_i (in_aad_len_i),
    .in_txt_len_i (in_txt_len_i),
    .in_hpow_i    (hpow_q),
    .in_user_i    (in_user_i),
    .out_valid_o  (out_valid_o),
    .out_ready_i  (out_ready_i),
    .out_s_o      (out_s_o),
    .out_user_o   (out_user_o)
  );

endmodule

`default_nettype wire
