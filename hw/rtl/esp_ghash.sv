// esp_ghash: GHASH (NIST SP 800-38D 6.4) over a 512-bit stream, four blocks
// per cycle, for back-to-back messages that may each use a different H.
//
// A message is a run of beats from in_first_i to in_last_i. Each beat holds
// in_bytes_i (0..64) bytes from byte 0 (AXI order: byte k in [8k+7:8k]);
// bytes past in_bytes_i are taken as zero, so a partial last block is
// zero-padded as GCM requires. The caller lays AAD and ciphertext out on
// 16-byte boundaries (AAD zero-padded to a block, ciphertext from the next
// block), so a beat is 0..4 whole or zero-padded blocks. On the last beat
// in_aad_len_i / in_txt_len_i (bytes) give the length block L.
//
// With k = ceil(bytes/16) blocks X1..Xk in a beat (aggregated reduction):
//   Y' = (Y ^ X1)*H^k ^ X2*H^(k-1) ^ ... ^ Xk*H
// using H^1..H^4 (in_hpow_i[i] = H^(i+1)), computed once per key. The
// result is S = GHASH_H(A, C) = (Y ^ L)*H, the value GCM XORs with E(K, J0).
//
// The length block is one more block of the same sum, not a multiply of its
// own: on a last beat with k < 4 blocks L is block k+1 of that beat
// (k+1 blocks, H^(k+1)..H); a last beat with 4 blocks is hashed as an
// ordinary beat and L follows as a beat of its own (one block, H), for
// which in_ready_o is low for one cycle. So a message costs one extra cycle
// only when its last beat carries more than 48 bytes.
//
// One reduction per beat: the four products are carry-less (255 bits,
// Karatsuba), XORed, and reduced once. The three feed-forward ones are on
// integer multipliers (esp_gcm_pkg::clmul128_terms: 264 DSP48E2 each), the
// loop's in LUTs (clmul128_k1).
//
// Pipeline (registers G1..G3):
//   G1  mask, split into blocks, insert L, k; per lane its power of H
//   G2  the chunk products of X2*H^(k-1), ..., Xk*H (feed-forward)
//   G3  Y = reduce(((first ? 0 : Y) ^ X1)*H^k ^ P)   the only loop: one
//       multiply (1-level Karatsuba), one XOR, one reduction; P, the XOR
//       of G2's products at their places (clmul128_fold), beside the
//       loop's multiply
// out_s_o is G3's Y after a message's last block: latency 3 cycles from the
// last beat to out_valid_o (4 when L takes a beat of its own).
// Flow control: valid/ready, one enable: adv = !out_valid_o || out_ready_i,
// in_ready_o = adv, except the cycle L takes (low then).
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

  logic adv, in_fire;
  logic len_q;                    // L of the last message takes G1 now (a beat of its own)
  logic [127:0]     len_blk_q, h1_q;
  logic [UserW-1:0] len_user_q;

  assign adv        = !out_valid_o || out_ready_i;
  assign in_ready_o = adv && !len_q;
  assign in_fire    = in_valid_i && in_ready_o;

  // ---------------------------------------------------------------- G1
  // Lane j of a beat with k' blocks (k' = k, or k + 1 with L) is multiplied
  // by H^(k'-j); lanes at or past k' are zero (their power is don't-care).
  logic [3:0][127:0] g1_x_d, g1_h_d;
  logic [2:0]        nblk, kk;
  logic              room;         // a last beat with room for L
  logic [127:0]      len_blk;

  assign nblk    = 3'((in_bytes_i + 7'd15) >> 4);
  assign room    = in_last_i && (nblk != 3'd4);
  assign kk      = nblk + 3'(room);
  assign len_blk = {61'(in_aad_len_i), 3'b000, 61'(in_txt_len_i), 3'b000};

  always_comb begin
    for (int j = 0; j < 4; j++) begin
      for (int b = 0; b < 16; b++) begin
        g1_x_d[j][127-8*b -: 8] = (7'(16*j + b) < in_bytes_i) ? in_data_i[8*(16*j+b) +: 8] : 8'h00;
      end
      if (room && nblk == 3'(j)) g1_x_d[j] = len_blk;
      g1_h_d[j] = in_hpow_i[2'(kk - 3'(j) - 3'd1)];
    end
  end

  logic              g1_valid_q, g1_first_q, g1_last_q, g1_absorb_q;
  logic [3:0][127:0] g1_x_q, g1_h_q;
  logic [UserW-1:0]  g1_user_q;

  always_ff @(posedge clk_i) begin
    if (adv) begin
      if (len_q) begin
        // L alone: Y' = (Y ^ L) * H
        g1_first_q  <= 1'b0;
        g1_last_q   <= 1'b1;
        g1_absorb_q <= 1'b1;
        g1_x_q      <= {384'b0, len_blk_q};
        g1_h_q[0]   <= h1_q;
        g1_user_q   <= len_user_q;
      end else begin
        g1_first_q  <= in_first_i;
        g1_last_q   <= in_last_i && room;
        g1_absorb_q <= (kk != 3'd0);
        g1_x_q      <= g1_x_d;
        g1_h_q      <= g1_h_d;
        g1_user_q   <= in_user_i;
      end
    end
  end

  // The length block of a last beat without room, for the next cycle.
  always_ff @(posedge clk_i) begin
    if (adv && in_fire && in_last_i && !room) begin
      len_blk_q  <= len_blk;
      h1_q       <= in_hpow_i[0];
      len_user_q <= in_user_i;
    end
  end

  // ---------------------------------------------------------------- G2
  // The products are computed inside the register's enable (valid beats
  // only): the same logic in synthesis, and a Verilator model that skips
  // the multiplies of empty stages.
  localparam int unsigned TW = esp_gcm_pkg::Cl128W;

  logic              g2_valid_q, g2_first_q, g2_last_q, g2_absorb_q;
  logic [3*TW-1:0]   g2_t_q;    // lanes 1..3: X_j * H^(k-j), as chunk products
  logic [127:0]      g2_x0_q, g2_hk_q;
  logic [UserW-1:0]  g2_user_q;

  always_ff @(posedge clk_i) begin
    if (adv) begin
      g2_first_q  <= g1_first_q;
      g2_last_q   <= g1_last_q;
      g2_absorb_q <= g1_absorb_q;
      if (g1_valid_q) begin
        for (int j = 1; j < 4; j++) g2_t_q[TW*(j-1) +: TW] <= esp_gcm_pkg::clmul128_terms(g1_x_q[j], g1_h_q[j]);
      end
      g2_x0_q     <= g1_x_q[0];
      g2_hk_q     <= g1_h_q[0];
      g2_user_q   <= g1_user_q;
    end
  end

  // ---------------------------------------------------------------- G3
  logic              g3_valid_q, g3_last_q;
  logic [127:0]      g3_y_q;
  logic [UserW-1:0]  g3_user_q;

  logic [127:0] y_prev;

  assign y_prev = g2_first_q ? 128'h0 : g3_y_q;

  // X2*H^(k-1) ^ ... ^ Xk*H, unreduced, from G2's products (inside G3's
  // enable, as G2's products are computed inside G2's)
  function automatic logic [254:0] g2_sum(input logic [3*TW-1:0] t);
    logic [254:0] p;
    p = '0;
    for (int j = 0; j < 3; j++) p = p ^ esp_gcm_pkg::clmul128_fold(t[TW*j +: TW]);
    g2_sum = p;
  endfunction

  always_ff @(posedge clk_i) begin
    if (adv) begin
      if (g2_valid_q) begin
        g3_y_q <= g2_absorb_q ? esp_gcm_pkg::gf128_reduce(esp_gcm_pkg::clmul128_k1(y_prev ^ g2_x0_q, g2_hk_q)
                                                          ^ g2_sum(g2_t_q))
                              : y_prev;
      end
      g3_last_q <= g2_last_q;
      g3_user_q <= g2_user_q;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      len_q      <= 1'b0;
      g1_valid_q <= 1'b0;
      g2_valid_q <= 1'b0;
      g3_valid_q <= 1'b0;
    end else if (adv) begin
      len_q      <= in_fire && in_last_i && !room;
      g1_valid_q <= in_fire || len_q;
      g2_valid_q <= g1_valid_q;
      g3_valid_q <= g2_valid_q;
    end
  end

  assign out_valid_o = g3_valid_q && g3_last_q;
  assign out_s_o     = g3_y_q;
  assign out_user_o  = g3_user_q;

endmodule

`default_nettype wire
