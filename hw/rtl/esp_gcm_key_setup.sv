// esp_gcm_key_setup: the powers of H that AES-GCM needs per key, computed
// once when an SA's key is first used (esp_aead keeps them per SA):
//   - H = E(K, 0^128) with two AES rounds per cycle (iterated), their round
//     keys made on the fly as in esp_aes_pipe (esp_aes_pkg::aes_key_step):
//     the whitening of the all-zero block is the key's first 16 bytes;
//   - H^1..H^4 for esp_ghash, with one digit-serial GF(2^128) multiplier
//     (esp_gf128_mul_serial, 16 coefficients a cycle: 8 cycles a product):
//       H^2 = H*H, H^3 = H^2*H, H^4 = H^2*H^2.
// Latency: out_valid_o Nr/2 + 1 + 3 * (1 + 8 + 1) cycles after the key is
// accepted (36 AES-128, 38 AES-256); one key at a time (in_ready_o low while
// busy).
// Not on the packet path, but a key store miss waits for it (esp_aead).
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
  output      logic [1:0]          klen_o,
  output      logic [3:0][127:0]   hpow_o       // hpow_o[i] = H^(i+1)
);

  typedef enum logic [2:0] {StIdle, StEnc, StPowGo, StPow, StDone} state_e;

  state_e             state_d, state_q;
  logic [3:0]         step_d, step_q;        // AES rounds step_q, step_q+1 (odd, 1..Nr-1) / power step
  logic [3:0]         nr;                    // rounds of the key: 10 / 14
  logic [127:0]       blk_d, blk_q;          // AES state, then H
  logic [7:0][31:0]   win_d, win_q;          // key expansion window (round key step_q at its offset)
  logic [1:0]         klen_d, klen_q;
  logic [3:0][127:0]  hpow_d, hpow_q;

  assign nr = 4'(14) - esp_aes_pkg::aes_first_stage(klen_q);

  // Two AES rounds (Nr is even), iterated; their round keys from the window
  // and from the window one step on.
  logic [127:0]     round_mid, round_out;
  logic [7:0][31:0] win_mid;

  assign win_mid = esp_aes_pkg::aes_key_step(win_q, klen_q, step_q);

  esp_aes_round u_round0 (
    .state_i (blk_q),
    .rk_i    (esp_aes_pkg::aes_window_rk(win_q, klen_q)),
    .last_i  (1'b0),
    .state_o (round_mid)
  );

  esp_aes_round u_round1 (
    .state_i (round_mid),
    .rk_i    (esp_aes_pkg::aes_window_rk(win_mid, klen_q)),
    .last_i  (step_q + 4'd1 == nr),
    .state_o (round_out)
  );

  // One multiplier for the powers of H (StPowGo starts the product of step
  // step_q, StPow waits for it).
  logic [127:0] mul_a, mul_b, mul_z;
  logic         mul_go, mul_busy, mul_done;

  always_comb begin
    unique case (step_q)
      4'd0:    begin mul_a = hpow_q[0]; mul_b = hpow_q[0]; end   // H^2
      4'd1:    begin mul_a = hpow_q[1]; mul_b = hpow_q[0]; end   // H^3
      default: begin mul_a = hpow_q[1]; mul_b = hpow_q[1]; end   // H^4
    endcase
  end

  assign mul_go = state_q == StPowGo;
  logic unused_busy;
  assign unused_busy = mul_busy;   // (StPow waits for done)

  esp_gf128_mul_serial #(.W(16)) u_mul (
    .clk_i,
    .rst_ni,
    .start_i (mul_go),
    .a_i     (mul_a),
    .b_i     (mul_b),
    .busy_o  (mul_busy),
    .done_o  (mul_done),
    .z_o     (mul_z)
  );

  always_comb begin
    state_d  = state_q;
    step_d   = step_q;
    blk_d    = blk_q;
    win_d    = win_q;
    klen_d   = klen_q;
    hpow_d   = hpow_q;

    unique case (state_q)
      StIdle: begin
        if (in_valid_i) begin
          klen_d  = klen_i;
          blk_d   = key_i[255:128];     // E(K, 0): whitening of zero = round key 0
          win_d   = esp_aes_pkg::aes_key_step(esp_aes_pkg::aes_key_window(key_i, klen_i), klen_i, 4'd0);
          step_d  = 4'd1;
          state_d = StEnc;
        end
      end
      StEnc: begin
        blk_d  = round_out;
        win_d  = esp_aes_pkg::aes_key_step(win_mid, klen_q, step_q + 4'd1);
        step_d = step_q + 4'd2;
        if (step_q + 4'd1 == nr) begin
          hpow_d[0] = round_out;
          step_d    = 4'd0;
          state_d   = StPowGo;
        end
      end
      StPowGo: state_d = StPow;
      StPow: if (mul_done) begin
        unique case (step_q[1:0])
          2'd0:    hpow_d[1] = mul_z;
          2'd1:    hpow_d[2] = mul_z;
          default: hpow_d[3] = mul_z;
        endcase
        step_d = step_q + 4'd1;
        state_d = (step_q == 4'd2) ? StDone : StPowGo;
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
    win_q    <= win_d;
    klen_q   <= klen_d;
    hpow_q   <= hpow_d;
  end

  assign in_ready_o  = (state_q == StIdle);
  assign out_valid_o = (state_q == StDone);
  assign klen_o      = klen_q;
  assign hpow_o      = hpow_q;

endmodule

`default_nettype wire
