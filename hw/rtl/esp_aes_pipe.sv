// esp_aes_pipe: fully pipelined AES-128/AES-256 encryption, `Lanes` blocks
// per cycle, one round per stage, round keys carried with each block.
//
//   stage 0      state = block ^ whitening key      (rk[0] AES-256, rk[4] AES-128)
//   stage 1..4   AES-256: full round with rk[s];  AES-128: pass through
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
  input  wire logic                         in_aes256_i,
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
  logic [3:0]               aes256_q;   // only stages 1..4 look at the key size

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
        always_ff @(posedge clk_i) if (adv) keys_q <= in_rk_i[14:1];
      end else begin : g_next
        always_ff @(posedge clk_i) if (adv) keys_q <= g_st[s-1].g_keys.keys_q[14:s+1];
      end
    end

    logic [Lanes-1:0][127:0] state_d;

    if (s == 0) begin : g_white
      logic [127:0] wkey;
      assign wkey = in_aes256_i ? in_rk_i[0] : in_rk_i[4];
      for (genvar l = 0; l < Lanes; l++) begin : g_lane
        assign state_d[l] = in_block_i[l] ^ wkey;
      end
      always_ff @(posedge clk_i) begin
        if (adv) begin
          aes256_q[s] <= in_aes256_i;
          tag_q[s]    <= in_tag_i;
        end
      end
    end else begin : g_round
      for (genvar l = 0; l < Lanes; l++) begin : g_lane
        logic [127:0] round_out;
        esp_aes_round u_round (
          .state_i (state_q[s-1][l]),
          .rk_i    (g_st[s-1].g_keys.keys_q[s]),
          .last_i  (s == NStages - 1),
          .state_o (round_out)
        );
        if (s <= 4) begin : g_opt
          // Rounds that only AES-256 has.
          assign state_d[l] = aes256_q[s-1] ? round_out : state_q[s-1][l];
        end else begin : g_all
          assign state_d[l] = round_out;
        end
      end
      if (s < 4) begin : g_size
        always_ff @(posedge clk_i) if (adv) aes256_q[s] <= aes256_q[s-1];
      end
      always_ff @(posedge clk_i) if (adv) tag_q[s] <= tag_q[s-1];
    end

    always_ff @(posedge clk_i) if (adv) state_q[s] <= state_d;
  end

  assign out_valid_o = valid_q[NStages-1];
  assign out_block_o = state_q[NStages-1];
  assign out_tag_o   = tag_q[NStages-1];

endmodule

`default_nettype wire
