// esp_aes_pipe: fully pipelined AES-128/192/256 encryption, `Lanes` blocks
// per cycle, one round per stage, round keys carried with each block.
//
//   stage 0      state = block ^ whitening key      (rk[first]: 0 AES-256, 2 AES-192, 4 AES-128)
//   stage 1..4   full round with rk[s] when s > first, else pass through
//   stage 5..13  full round with rk[s]
//   stage 14     final round (no MixColumns) with rk[14]
//
// Latency: 15 cycles from in_valid_i & in_ready_o to out_valid_o.
// Throughput: Lanes blocks per cycle, any mix of keys and key sizes back to
// back: every stage register carries the round keys its later stages need
// (stage s holds rk[s+1..14]), so a new key costs no bubble and no flush.
// in_rk_i is the stage-aligned schedule of esp_aes_key_expand.
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
  input  wire logic [14:0][127:0]           in_rk_i,
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
  logic [Lanes-1:0][127:0]  state_q  [NStages];
  logic [TagW-1:0]          tag_q    [NStages];
  logic [3:0][3:0]          first_q;    // stages 0..3: the key's first stage (for stages 1..4)

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
    // Round keys still needed downstream of this stage.
    if (s < NStages - 1) begin : g_keys
      logic [14:s+1][127:0] keys_q;
      if (s == 0) begin : g_first
        always_ff @(posedge clk_i) if (adv && in_valid_i) keys_q <= in_rk_i[14:1];
      end else begin : g_next
        always_ff @(posedge clk_i) if (adv && valid_q[s-1]) keys_q <= g_st[s-1].g_keys.keys_q[14:s+1];
      end
    end

    if (s == 0) begin : g_white
      logic [127:0] wkey;
      logic [3:0] first;
      assign first = esp_aes_pkg::aes_first_stage(in_klen_i);
      assign wkey  = in_rk_i[first];
      always_ff @(posedge clk_i) begin
        if (adv) begin
          first_q[s]  <= first;
          tag_q[s]    <= in_tag_i;
          if (in_valid_i) begin
            for (int l = 0; l < Lanes; l++) state_q[s][l] <= in_block_i[l] ^ wkey;
          end
        end
      end
    end else begin : g_round
      // The stage computes a round, or passes the block on: stages 1..4 are
      // the extra rounds of AES-192 (3, 4) and AES-256 (1..4).
      logic take;
      if (s <= 4) begin : g_opt
        assign take = first_q[s-1] < 4'(s);
      end else begin : g_all
        assign take = 1'b1;
      end
`ifdef SYNTHESIS
      // Synthesis: one esp_aes_round per lane (its round fixed), so that a
      // round is synthesised once and instantiated, not inlined at each of
      // the pipe's 70 calls (yosys).
      logic [Lanes-1:0][127:0] rnd;
      for (genvar l = 0; l < Lanes; l++) begin : g_lane
        esp_aes_round #(
          .Fixed (1'b1),
          .Last  (s == NStages - 1)
        ) u_round (
          .state_i (state_q[s-1][l]),
          .rk_i    (g_st[s-1].g_keys.keys_q[s]),
          .last_i  (1'b0),
          .state_o (rnd[l])
        );
      end
      always_ff @(posedge clk_i) begin
        if (adv && valid_q[s-1]) begin
          for (int l = 0; l < Lanes; l++) state_q[s][l] <= take ? rnd[l] : state_q[s-1][l];
        end
      end
`else
      // Simulation: the same round inside the stage registers' enable, so
      // that a Verilator model skips the rounds of empty stages.
      always_ff @(posedge clk_i) begin
        if (adv && valid_q[s-1]) begin
          for (int l = 0; l < Lanes; l++) begin
            state_q[s][l] <= take ? esp_aes_pkg::aes_round(state_q[s-1][l], g_st[s-1].g_keys.keys_q[s],
                                                           s == NStages - 1)
                                  : state_q[s-1][l];
          end
        end
      end
`endif
      if (s < 4) begin : g_size
        always_ff @(posedge clk_i) if (adv) first_q[s] <= first_q[s-1];
      end
      always_ff @(posedge clk_i) if (adv) tag_q[s] <= tag_q[s-1];
    end
  end

  assign out_valid_o = valid_q[NStages-1];
  assign out_block_o = state_q[NStages-1];
  assign out_tag_o   = tag_q[NStages-1];

endmodule

`default_nettype wire
