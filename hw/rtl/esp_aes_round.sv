// esp_aes_round: one AES encryption round, combinational.
//
//   out = AddRoundKey(MixColumns(ShiftRows(SubBytes(in))), rk)   (last_i = 0)
//   out = AddRoundKey(ShiftRows(SubBytes(in)), rk)                (last_i = 1)
//
// Block layout everywhere in the AES/GCM modules: big-endian, byte 0 of the
// block (the first on the wire, FIPS-197 in[0]) in bits [127:120]; the state
// is column-major, state[r][c] = byte r + 4c.
`default_nettype none

module esp_aes_round (
  input  wire logic [127:0] state_i,
  input  wire logic [127:0] rk_i,
  input  wire logic         last_i,
  output      logic [127:0] state_o
);

  assign state_o = esp_aes_pkg::aes_round(state_i, rk_i, last_i);

endmodule

`default_nettype wire
