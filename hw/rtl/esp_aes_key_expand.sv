// esp_aes_key_expand: AES-128 / AES-256 key schedule (FIPS-197 5.2),
// iterative, one round key per cycle (10 cycles for AES-128, 13 for AES-256).
//
// Run once per key (when an SA is installed or first used); the result is
// cached with the SA and never recomputed per packet.
//
// Round keys come out *stage aligned* for esp_aes_pipe, whose last stage is
// always the final round:
//   AES-256: rk_o[s] = round key s,      s = 0..14
//   AES-128: rk_o[4 + r] = round key r,  r = 0..10   (rk_o[0..3] = 0)
// Keys and blocks are big-endian: key byte 0 in key_i[255:248]; an AES-128
// key is the upper half key_i[255:128].
`default_nettype none

module esp_aes_key_expand (
  input  wire logic                clk_i,
  input  wire logic                rst_ni,

  input  wire logic                in_valid_i,
  output      logic                in_ready_o,
  input  wire logic [255:0]        key_i,
  input  wire logic                aes256_i,

  output      logic                out_valid_o,
  input  wire logic                out_ready_i,
  output      logic [14:0][127:0]  rk_o,
  output      logic                aes256_o
);

  typedef enum logic [1:0] {StIdle, StBusy, StDone} state_e;

  state_e          state_d, state_q;
  logic [3:0]      round_d, round_q;       // round key being produced
  logic [7:0]      rcon_d, rcon_q;
  logic            aes256_d, aes256_q;
  logic [127:0]    prev1_d, prev1_q;       // round key r-1
  logic [127:0]    prev2_d, prev2_q;       // round key r-2 (AES-256)
  logic [14:0][127:0] rk_d, rk_q;

  // One step of the schedule: four S-boxes on the last word of round key r-1.
  logic        rot;
  logic [31:0] last_w, sub_in, sub_out, t;
  logic [127:0] base, next_rk;
  logic [31:0]  nw0, nw1, nw2, nw3;
  logic [3:0]   wr_idx;

  assign rot    = !aes256_q || !round_q[0];
  assign last_w = prev1_q[31:0];
  assign sub_in = rot ? {last_w[23:0], last_w[31:24]} : last_w;

  for (genvar i = 0; i < 4; i++) begin : g_sub
    esp_aes_sbox u_sbox (
      .in_i  (sub_in[8*i +: 8]),
      .out_o (sub_out[8*i +: 8])
    );
  end

  assign t    = sub_out ^ (rot ? {rcon_q, 24'h0} : 32'h0);
  assign base = aes256_q ? prev2_q : prev1_q;
  assign nw0     = base[127:96] ^ t;
  assign nw1     = base[95:64]  ^ nw0;
  assign nw2     = base[63:32]  ^ nw1;
  assign nw3     = base[31:0]   ^ nw2;
  assign next_rk = {nw0, nw1, nw2, nw3};
  assign wr_idx  = aes256_q ? round_q : round_q + 4'd4;

  function automatic logic [7:0] xtime(input logic [7:0] b);
    xtime = {b[6:0], 1'b0} ^ (b[7] ? 8'h1b : 8'h00);
  endfunction

  always_comb begin
    state_d  = state_q;
    round_d  = round_q;
    rcon_d   = rcon_q;
    aes256_d = aes256_q;
    prev1_d  = prev1_q;
    prev2_d  = prev2_q;
    rk_d     = rk_q;

    unique case (state_q)
      StIdle: begin
        if (in_valid_i) begin
          aes256_d = aes256_i;
          rcon_d   = 8'h01;
          rk_d     = '0;
          if (aes256_i) begin
            rk_d[0] = key_i[255:128];
            rk_d[1] = key_i[127:0];
            prev2_d = key_i[255:128];
            prev1_d = key_i[127:0];
            round_d = 4'd2;
          end else begin
            rk_d[4] = key_i[255:128];
            prev1_d = key_i[255:128];
            round_d = 4'd1;
          end
          state_d = StBusy;
        end
      end
      StBusy: begin
        rk_d[wr_idx] = next_rk;
        prev2_d = prev1_q;
        prev1_d = next_rk;
        if (rot) rcon_d = xtime(rcon_q);
        round_d = round_q + 4'd1;
        if (round_q == (aes256_q ? 4'd14 : 4'd10)) state_d = StDone;
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

  // Datapath registers: no reset needed, qualified by the state.
  always_ff @(posedge clk_i) begin
    round_q  <= round_d;
    rcon_q   <= rcon_d;
    aes256_q <= aes256_d;
    prev1_q  <= prev1_d;
    prev2_q  <= prev2_d;
    rk_q     <= rk_d;
  end

  assign in_ready_o  = (state_q == StIdle);
  assign out_valid_o = (state_q == StDone);
  assign rk_o        = rk_q;
  assign aes256_o    = aes256_q;

endmodule

`default_nettype wire
