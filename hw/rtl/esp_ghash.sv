// esp_ghash: GHASH (NIST SP 800-38D 6.4) over a 512-bit stream, four blocks
// per cycle, for back-to-back messages that may each use a different H.
//
// A message is a run of beats from in_first_i to in_last_i. Each beat holds
// in_bytes_i (0..64) bytes from byte 0 (AXI order: byte k in [8k+7:8k]);
// bytes past in_bytes_i are taken as zero, so a partial last block is
// zero-padded as GCM requires. The caller lays AAD and ciphertext out on
// 16-byte boundaries (AAD zero-padded to a block, ciphertext from the next
// block), so a beat is 0..4 whole or zero-padded blocks. On the last beat
// in_aad_len_i / in_txt_len_i (bytes) give the length block.
//
// With k = ceil(bytes/16) blocks X1..Xk in a beat (aggregated reduction):
//   Y' = (Y ^ X1)*H^k ^ X2*H^(k-1) ^ ... ^ Xk*H
// using H^1..H^4 (in_hpow_i[i] = H^(i+1)), computed once per key. The
// result is S = (Y ^ len(A)||len(C)) * H, the value GCM XORs with E(K, J0).
//
// Pipeline (registers G1..G4, one multiply deep each):
//   G1  mask, split into blocks, k
//   G2  X2..X4 products (feed-forward), select H^k
//   G3  Y = ((first ? 0 : Y) ^ X1)*H^k ^ P      (the only loop: one multiply)
//   G4  S = (Y ^ L)*H                          (last beat only)
// Latency: 4 cycles from the last beat to out_valid_o. One beat per cycle,
// no bubble between messages.
// Flow control: valid/ready, one enable: in_ready_o = !out_valid_o || out_ready_i.
`default_nettype none

module esp_ghash #(
  parameter int unsigned LenW  = 16,   // byte counts of AAD / ciphertext
  parameter int unsigned UserW = 1     // carried from the last beat to the output
) (
  input  wire logic                   clk_i,
  input  wire logic                   rst_ni,

  input  wire logic                   in_valid_i,
  output      logic                   in_ready_o,
  input  wire logic [511:0]           in_data_i,
  input  wire logic [6:0]             in_bytes_i,
  input  wire logic                   in_first_i,
  input  wire logic                   in_last_i,
  input  wire logic [LenW-1:0]        in_aad_len_i,
  input  wire logic [LenW-1:0]        in_txt_len_i,
  input  wire logic [3:0][127:0]      in_hpow_i,
  input  wire logic [UserW-1:0]       in_user_i,

  output      logic                   out_valid_o,
  input  wire logic                   out_ready_i,
  output      logic [127:0]           out_s_o,
  output      logic [UserW-1:0]       out_user_o
);

  logic adv;
  assign adv        = !out_valid_o || out_ready_i;
  assign in_ready_o = adv;

  // ---------------------------------------------------------------- G1
  logic [3:0][127:0] g1_x_d;
  logic [2:0]        g1_nblk_d;

  for (genvar j = 0; j < 4; j++) begin : g_blk
    for (genvar b = 0; b < 16; b++) begin : g_byte
      assign g1_x_d[j][127-8*b -: 8] =
          (7'(16*j + b) < in_bytes_i) ? in_data_i[8*(16*j+b) +: 8] : 8'h00;
    end
  end
  assign g1_nblk_d = 3'((in_bytes_i + 7'd15) >> 4);

  logic              g1_valid_q, g1_first_q, g1_last_q;
  logic [3:0][127:0] g1_x_q, g1_hpow_q;
  logic [2:0]        g1_nblk_q;
  logic [LenW-1:0]   g1_alen_q, g1_tlen_q;
  logic [UserW-1:0]  g1_user_q;

  always_ff @(posedge clk_i) begin
    if (adv) begin
      g1_first_q <= in_first_i;
      g1_last_q  <= in_last_i;
      g1_x_q     <= g1_x_d;
      g1_nblk_q  <= g1_nblk_d;
      g1_hpow_q  <= in_hpow_i;
      g1_alen_q  <= in_aad_len_i;
      g1_tlen_q  <= in_txt_len_i;
      g1_user_q  <= in_user_i;
    end
  end

  // ---------------------------------------------------------------- G2
  // Lane j (1..3) is multiplied by H^(k-j); lanes at or past k are zero.
  // The products are computed inside the registers' enables (valid beats
  // only): the same logic in synthesis, and a Verilator model that skips
  // the multiplies of empty stages.
  function automatic logic [127:0] g2_products(input logic [3:0][127:0] x, input logic [3:0][127:0] hpow,
                                               input logic [2:0] nblk);
    logic [127:0] p;
    p = '0;
    for (int j = 1; j < 4; j++) p = p ^ esp_gcm_pkg::gf128_mul(x[j], hpow[2'(nblk - 3'(j) - 3'd1)]);
    g2_products = p;
  endfunction

  logic [127:0]      g2_hk_d;
  assign g2_hk_d = g1_hpow_q[2'(g1_nblk_q - 3'd1)];

  logic              g2_valid_q, g2_first_q, g2_last_q, g2_absorb_q;
  logic [127:0]      g2_p_q, g2_x0_q, g2_hk_q, g2_h1_q;
  logic [LenW-1:0]   g2_alen_q, g2_tlen_q;
  logic [UserW-1:0]  g2_user_q;

  always_ff @(posedge clk_i) begin
    if (adv) begin
      g2_first_q  <= g1_first_q;
      g2_last_q   <= g1_last_q;
      g2_absorb_q <= (g1_nblk_q != 3'd0);
      if (g1_valid_q) g2_p_q <= g2_products(g1_x_q, g1_hpow_q, g1_nblk_q);
      g2_x0_q     <= g1_x_q[0];
      g2_hk_q     <= g2_hk_d;
      g2_h1_q     <= g1_hpow_q[0];
      g2_alen_q   <= g1_alen_q;
      g2_tlen_q   <= g1_tlen_q;
      g2_user_q   <= g1_user_q;
    end
  end

  // ---------------------------------------------------------------- G3
  logic              g3_valid_q, g3_last_q;
  logic [127:0]      g3_y_q, g3_h1_q;
  logic [LenW-1:0]   g3_alen_q, g3_tlen_q;
  logic [UserW-1:0]  g3_user_q;

  logic [127:0] y_prev;

  assign y_prev = g2_first_q ? 128'h0 : g3_y_q;

  always_ff @(posedge clk_i) begin
    if (adv) begin
      if (g2_valid_q) begin
        g3_y_q <= g2_absorb_q ? (esp_gcm_pkg::gf128_mul(y_prev ^ g2_x0_q, g2_hk_q) ^ g2_p_q) : y_prev;
      end
      g3_last_q <= g2_last_q;
      g3_h1_q   <= g2_h1_q;
      g3_alen_q <= g2_alen_q;
      g3_tlen_q <= g2_tlen_q;
      g3_user_q <= g2_user_q;
    end
  end

  // ---------------------------------------------------------------- G4
  logic [127:0] len_blk;

  assign len_blk = {61'(g3_alen_q) , 3'b000, 61'(g3_tlen_q), 3'b000};

  logic              out_valid_q;
  logic [127:0]      out_s_q;
  logic [UserW-1:0]  out_user_q;

  always_ff @(posedge clk_i) begin
    if (adv && g3_valid_q && g3_last_q) begin
      out_s_q    <= esp_gcm_pkg::gf128_mul(g3_y_q ^ len_blk, g3_h1_q);
      out_user_q <= g3_user_q;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      g1_valid_q  <= 1'b0;
      g2_valid_q  <= 1'b0;
      g3_valid_q  <= 1'b0;
      out_valid_q <= 1'b0;
    end else if (adv) begin
      g1_valid_q  <= in_valid_i;
      g2_valid_q  <= g1_valid_q;
      g3_valid_q  <= g2_valid_q;
      out_valid_q <= g3_valid_q && g3_last_q;
    end
  end

  assign out_valid_o = out_valid_q;
  assign out_s_o     = out_s_q;
  assign out_user_o  = out_user_q;

endmodule

`default_nettype wire
