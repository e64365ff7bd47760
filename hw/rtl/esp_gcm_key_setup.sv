// esp_gcm_key_setup: everything AES-GCM needs per key, computed once when an
// SA is installed (or first used) and then cached with it:
//   - the stage-aligned AES round keys (esp_aes_key_expand),
//   - H = E(K, 0^128), with one iterative AES round,
//   - H^1..H^4 for esp_ghash, with one GF(2^128) multiplier:
//       H^2 = H*H, H^3 = H^2*H, H^4 = H^2*H^2.
// Latency (measured by sim/esp_ghash_tb): out_valid_o 29 cycles (AES-128) /
// 32 (AES-256) after the key is accepted (schedule 1 + 10/12/13, E(K,0)
// 10/12/14, powers 3, handshakes); one key at a time (in_ready_o low while
// busy). Nothing here is on the packet path.
`default_nettype none

module esp_gcm_key_setup (
  input  wire logic                clk_i,
  input  wire logic                rst_ni,

  input  wire logic                in_valid_i,
  output      logic                in_ready_o,
  input  wire logic [255:0]        key_i,       // wire order, byte 0 in [255:248]
  input  wire logic [1:0]          klen_i,      // esp_aes_pkg::AesKlen*

  output      logic                out_valid_o,
  input  wire logic                out_ready_i,
  output      logic [14:0][127:0]  rk_o,        // stage aligned, see esp_aes_key_expand
  output      logic [1:0]          klen_o,
  output      logic [3:0][127:0]   hpow_o       // hpow_o[i] = H^(i+1)
);

  typedef enum logic [2:0] {StIdle, StExpand, StEnc, StPow, StDone} state_e;

  state_e             state_d, state_q;
  logic [3:0]         step_d, step_q;        // AES round / power step
  logic [127:0]       blk_d, blk_q;          // AES state, then H
  logic [14:0][127:0] rk_d, rk_q;
  logic [1:0]         klen_d, klen_q;
  logic [3:0][127:0]  hpow_d, hpow_q;

  // Key schedule.
  logic               kx_in_ready, kx_out_valid;
  logic [1:0]         kx_klen;
  logic [3:0]         kx_first;
  logic [14:0][127:0] kx_rk;

  esp_aes_key_expand u_key_expand (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .in_valid_i  (in_valid_i && (state_q == StIdle)),
    .in_ready_o  (kx_in_ready),
    .key_i       (key_i),
    .klen_i      (klen_i),
    .out_valid_o (kx_out_valid),
    .out_ready_i (state_q == StExpand),
    .rk_o        (kx_rk),
    .klen_o      (kx_klen)
  );

  // One AES round, iterated over the stage-aligned schedule.
  assign kx_first = esp_aes_pkg::aes_first_stage(kx_klen);

  logic [127:0] round_out;

  esp_aes_round u_round (
    .state_i (blk_q),
    .rk_i    (rk_q[step_q]),
    .last_i  (step_q == 4'd14),
    .state_o (round_out)
  );

  // One multiplier for the powers of H.
  logic [127:0] mul_a, mul_b, mul_z;

  always_comb begin
    unique case (step_q)
      4'd0:    begin mul_a = hpow_q[0]; mul_b = hpow_q[0]; end   // H^2
      4'd1:    begin mul_a = hpow_q[1]; mul_b = hpow_q[0]; end   // H^3
      default: begin mul_a = hpow_q[1]; mul_b = hpow_q[1]; end   // H^4
    endcase
  end

  esp_gf128_mul u_mul (
    .a_i (mul_a),
    .b_i (mul_b),
    .z_o (mul_z)
  );

  always_comb begin
    state_d  = state_q;
    step_d   = step_q;
    blk_d    = blk_q;
    rk_d     = rk_q;
    klen_d   = klen_q;
    hpow_d   = hpow_q;

    unique case (state_q)
      StIdle: begin
        if (in_valid_i && kx_in_ready) state_d = StExpand;
      end
      StExpand: begin
        if (kx_out_valid) begin
          rk_d     = kx_rk;
          klen_d   = kx_klen;
          // E(K, 0): the whitening of the all-zero block is the key itself.
          blk_d    = kx_rk[kx_first];
          step_d   = kx_first + 4'd1;
          state_d  = StEnc;
        end
      end
      StEnc: begin
        blk_d  = round_out;
        step_d = step_q + 4'd1;
        if (step_q == 4'd14) begin
          hpow_d[0] = round_out;
          step_d    = 4'd0;
          state_d   = StPow;
        end
      end
      StPow: begin
        unique case (step_q[1:0])
          2'd0:    hpow_d[1] = mul_z;
          2'd1:    hpow_d[2] = mul_z;
          default: hpow_d[3] = mul_z;
        endcase
        step_d = step_q + 4'd1;
        if (step_q == 4'd2) state_d = StDone;
      end
      StDone: begin
        if (out_ready_i) state_d = StIdle;
      end
      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
    end else begin
      state_q <= state_d;
    end
  end

  always_ff @(posedge clk_i) begin
    step_q   <= step_d;
    blk_q    <= blk_d;
    rk_q     <= rk_d;
    klen_q   <= klen_d;
    hpow_q   <= hpow_d;
  end

  assign in_ready_o  = (state_q == StIdle) && kx_in_ready;
  assign out_valid_o = (state_q == StDone);
  assign rk_o        = rk_q;
  assign klen_o      = klen_q;
  assign hpow_o      = hpow_q;

endmodule

`default_nettype wire
