// esp_aes_pipe: fully pipelined AES-128/256 encryption, `Lanes` blocks
// per cycle, one round per stage, the key schedule computed in the pipe.
//
//   stage 0      state = block ^ round key 0 (the key's first 16 bytes)
//   stage 1..4   full round when s > first, else pass through
//                (first = 4 AES-128, 0 AES-256: esp_aes_pkg::aes_first_stage)
//   stage 5..13  full round
//   stage 14     final round (no MixColumns)
// A round's register is its S-box lookups (esp_aes_sbox_rom, block RAM:
// 8 RAMB18 per lane and round); the rest of the round is logic behind it.
//
// Latency: 15 cycles from in_valid_i & in_ready_o to out_valid_o.
// Throughput: Lanes blocks per cycle, any mix of keys and key sizes back to
// back. The raw key (in_key_i, 256 bits, wire order) enters with the blocks;
// every stage register carries the last 8 words of the key expansion
// (esp_aes_pkg::aes_key_window / aes_key_step): a stage that takes a round
// uses round key r from its input window and appends the 4 words of round
// key r+1 for the next one, in parallel with the round. No per-key state,
// no key setup: a new key costs no bubble and no flush; 256 bits per stage
// travel instead of the whole schedule.
//
// Flow control: valid/ready with one pipeline-wide enable,
//   in_ready_o = !out_valid_o || out_ready_i.
// Tie out_ready_i to 1 (and flow-control with credits upstream, as
// esp_gcm_core does) to get a pipeline without any enable.
// in_tag_i is carried alongside, unchanged, and leaves with its block.
`default_nettype none

module esp_aes_pipe #(
  parameter int unsigned Lanes = 1,
  parameter int unsigned TagW  = 1
) (
  input  wire logic                         clk_i,
  input  wire logic                         rst_ni,

  input  wire logic                         in_valid_i,
  output      logic                         in_ready_o,
  input  wire logic [Lanes-1:0][127:0]      in_block_i,
  input  wire logic [255:0]                 in_key_i,    // byte 0 in [255:248]; AES-128 in [255:128]
  input  wire logic [1:0]                   in_klen_i,   // esp_aes_pkg::AesKlen*
  input  wire logic [TagW-1:0]              in_tag_i,

  output      logic                         out_valid_o,
  input  wire logic                         out_ready_i,
  output      logic [Lanes-1:0][127:0]      out_block_o,
  output      logic [TagW-1:0]              out_tag_o
);

  localparam int unsigned NStages = 15;

  logic                     adv;
  logic [NStages-1:0]       valid_q;
  logic [Lanes-1:0][127:0]  white_q;            // stage 0: block ^ round key 0
  logic [Lanes-1:0][127:0]  y        [NStages]; // the state after stage s (s > 0: from its registers)
  logic [TagW-1:0]          tag_q    [NStages];
  logic [1:0]               klen_q   [NStages-1];
  logic [7:0][31:0]         win_q    [NStages-1];   // key expansion window after stage s

  assign adv        = !valid_q[NStages-1] || out_ready_i;
  assign in_ready_o = adv;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else if (adv) begin
      valid_q <= {valid_q[NStages-2:0], in_valid_i};
    end
  end

  for (genvar s = 0; s < NStages; s++) begin : g_st
    if (s == 0) begin : g_white
      // Round key 0 is the key's first four words, whatever its size.
      always_ff @(posedge clk_i) begin
        if (adv) begin
          tag_q[s] <= in_tag_i;
          if (in_valid_i) begin
            for (int l = 0; l < Lanes; l++) white_q[l] <= in_block_i[l] ^ in_key_i[255:128];
            klen_q[s] <= in_klen_i;
            win_q[s]  <= esp_aes_pkg::aes_key_step(esp_aes_pkg::aes_key_window(in_key_i, in_klen_i),
                                                   in_klen_i, 4'd0);
          end
        end
      end
      assign y[s] = white_q;
    end else begin : g_round
      // The stage computes a round, or passes the block on: stages 1..4 are
      // the extra rounds of AES-256. Its register is the S-box read of its
      // input y[s-1] (esp_aes_sbox_rom: block RAM, 16 lookups per lane),
      // with the round key and `take`; the rest of the round (ShiftRows,
      // MixColumns, AddRoundKey: esp_aes_pkg::aes_round_mix) is the logic
      // after it, in front of the next stage's reads.
      logic         take, en;
      logic [3:0]   first, rnd_idx;
      logic [127:0] rk;
      assign first   = esp_aes_pkg::aes_first_stage(klen_q[s-1]);
      assign take    = (s > 4) || (first < 4'(s));
      assign rnd_idx = 4'(s) - first;          // round key index when take
      assign rk      = esp_aes_pkg::aes_window_rk(win_q[s-1], klen_q[s-1]);
      assign en      = adv && valid_q[s-1];

      logic [Lanes-1:0][15:0][15:0] t;         // t[l][i]: {2.S, S} of byte i of lane l's input
      for (genvar l = 0; l < Lanes; l++) begin : g_lane
        for (genvar p = 0; p < 8; p++) begin : g_sb
          esp_aes_sbox_rom u_sb (
            .clk_i,
            .en_i (en),
            .a0_i (y[s-1][l][127 - 16*p -: 8]),
            .a1_i (y[s-1][l][119 - 16*p -: 8]),
            .q0_o (t[l][2*p]),
            .q1_o (t[l][2*p + 1])
          );
        end
      end

      logic         take_q;
      logic [127:0] rk_q;
      always_ff @(posedge clk_i) begin
        if (en) begin
          take_q <= take;
          rk_q   <= rk;
        end
      end
      if (s <= 4) begin : g_pass
        // (a stage AES-128 passes through: its input as it was)
        logic [Lanes-1:0][127:0] byp_q;
        always_ff @(posedge clk_i) if (en) byp_q <= y[s-1];
        for (genvar l = 0; l < Lanes; l++) begin : g_y
          assign y[s][l] = take_q ? esp_aes_pkg::aes_round_mix(t[l], rk_q, 1'b0) : byp_q[l];
        end
      end else begin : g_full
        logic unused_take;
        assign unused_take = take_q;
        for (genvar l = 0; l < Lanes; l++) begin : g_y
          assign y[s][l] = esp_aes_pkg::aes_round_mix(t[l], rk_q, s == NStages - 1);
        end
      end
      // The next round key, in parallel with this round (none after the last).
      if (s < NStages - 1) begin : g_key
        always_ff @(posedge clk_i) begin
          if (en) begin
            klen_q[s] <= klen_q[s-1];
            win_q[s]  <= take ? esp_aes_pkg::aes_key_step(win_q[s-1], klen_q[s-1], rnd_idx)
                              : win_q[s-1];
          end
        end
      end else begin : g_nokey
        logic [3:0] unused_rnd_idx;
        assign unused_rnd_idx = rnd_idx;
      end
      always_ff @(posedge clk_i) if (adv) tag_q[s] <= tag_q[s-1];
    end
  end

  assign out_valid_o = valid_q[NStages-1];
  assign out_block_o = y[NStages-1];
  assign out_tag_o   = tag_q[NStages-1];

endmodule

`default_nettype wire
