// esp_aes_sbox_rom: two registered S-box lookups for esp_aes_pipe's rounds,
// in one block RAM: a 256 x 16 ROM of {xtime(S(x)), S(x)} (FIPS-197 5.1.1
// and 4.2.1: the bytes a MixColumns column takes from x, 2.S and S; 3.S is
// their XOR), read on two ports with enable (a RAMB18E2 in true dual-port
// mode, 2 x 18 bits, on UltraScale+: yosys maps it there by rom_style). The
// read is the stage's register: esp_aes_pkg::aes_round_mix makes the round
// from the two lookups of each state byte after it. The table is computed
// from esp_aes_pkg's S-box when the ROM is initialised.
`default_nettype none

module esp_aes_sbox_rom (
  input  wire logic        clk_i,
  input  wire logic        en_i,
  input  wire logic [7:0]  a0_i,
  input  wire logic [7:0]  a1_i,
  output      logic [15:0] q0_o,    // {2.S(a0), S(a0)} of the last enabled cycle
  output      logic [15:0] q1_o
);

  (* rom_style = "block" *) logic [15:0] rom [256];

  initial begin
    for (int i = 0; i < 256; i++) rom[i] = esp_aes_pkg::aes_sbox_mix(8'(i));
  end

  always_ff @(posedge clk_i) begin
    if (en_i) begin
      q0_o <= rom[a0_i];
      q1_o <= rom[a1_i];
    end
  end

endmodule

`default_nettype wire
