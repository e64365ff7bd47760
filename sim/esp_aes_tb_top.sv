// Testbench top for esp_aes_pipe (sim/esp_aes_tb.cpp): an installed key is
// latched the cycle it is offered (key_gen_o counts the installs) and feeds
// the pipe's raw-key input, whose schedule is computed inside the pipe;
// blocks take the key that is latched in the cycle they are accepted. Two
// lanes, a 32-bit tag.
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

  // The raw key: esp_aes_pipe expands it on the fly, so an install is a
  // latch (key_ready_o stays high; key_gen_o counts the installs).
  logic [255:0] key_q;
  logic [1:0]   klen_q;
  logic [7:0]   gen_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      gen_q <= '0;
    end else if (key_valid_i) begin
      gen_q <= gen_q + 8'd1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (key_valid_i) begin
      key_q  <= key_i;
      klen_q <= klen_i;
    end
  end

  assign key_ready_o = 1'b1;

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
    .in_key_i    (key_q),
    .in_klen_i   (klen_q),
    .in_tag_i    (in_tag_i),
    .out_valid_o (out_valid_o),
    .out_ready_i (out_ready_i),
    .out_block_o (blk_out),
    .out_tag_o   (out_tag_o)
  );

endmodule

`default_nettype wire
