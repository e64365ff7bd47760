// Testbench top for esp_aes_key_expand + esp_aes_pipe (sim/esp_aes_tb.cpp):
// the expanded key is latched when the schedule is done (key_gen_o counts the
// installs) and feeds the pipe's round-key bus; blocks take the key that is
// latched in the cycle they are accepted. Two lanes, a 32-bit tag.
`default_nettype none

module esp_aes_tb_top (
  input  wire logic         clk_i,
  input  wire logic         rst_ni,

  input  wire logic         key_valid_i,
  output      logic         key_ready_o,
  input  wire logic [255:0] key_i,
  input  wire logic [1:0]   klen_i,
  output      logic [7:0]   key_gen_o,

  input  wire logic         in_valid_i,
  output      logic         in_ready_o,
  input  wire logic [255:0] in_block_i,   // lane 1 in [255:128], lane 0 in [127:0]
  input  wire logic [31:0]  in_tag_i,

  output      logic         out_valid_o,
  input  wire logic         out_ready_i,
  output      logic [255:0] out_block_o,
  output      logic [31:0]  out_tag_o
);

  logic               kx_valid;
  logic [1:0]         kx_klen, klen_q;
  logic [14:0][127:0] kx_rk, rk_q;
  logic [7:0]         gen_q;

  esp_aes_key_expand u_key_expand (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .in_valid_i  (key_valid_i),
    .in_ready_o  (key_ready_o),
    .key_i       (key_i),
    .klen_i      (klen_i),
    .out_valid_o (kx_valid),
    .out_ready_i (1'b1),
    .rk_o        (kx_rk),
    .klen_o      (kx_klen)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      gen_q <= '0;
    end else if (kx_valid) begin
      gen_q <= gen_q + 8'd1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (kx_valid) begin
      rk_q     <= kx_rk;
      klen_q   <= kx_klen;
    end
  end

  assign key_gen_o = gen_q;

  logic [1:0][127:0] blk_in, blk_out;
  assign blk_in      = in_block_i;
  assign out_block_o = blk_out;

  esp_aes_pipe #(
    .Lanes (2),
    .TagW  (32)
  ) u_pipe (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .in_valid_i  (in_valid_i),
    .in_ready_o  (in_ready_o),
    .in_block_i  (blk_in),
    .in_rk_i     (rk_q),
    .in_klen_i   (klen_q),
    .in_tag_i    (in_tag_i),
    .out_valid_o (out_valid_o),
    .out_ready_i (out_ready_i),
    .out_block_o (blk_out),
    .out_tag_o   (out_tag_o)
  );

endmodule

`default_nettype wire
