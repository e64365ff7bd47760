// esp_aes_round: one AES encryption round, combinational.
//
//   out = AddRoundKey(MixColumns(ShiftRows(SubBytes(in))), rk)   (last)
//   out = AddRoundKey(ShiftRows(SubBytes(in)), rk)                (not last)
//
// last is last_i, or, with Fixed, the parameter Last (last_i unused): a
// pipeline stage whose round is known at elaboration synthesises only that
// round's logic (esp_gcm_key_setup iterates one with last_i).
//
// Block layout everywhere in the AES/GCM modules: big-endian, byte 0 of the
// block (the first on the wire, FIPS-197 in[0]) in bits [127:120]; the state
// is column-major, state[r][c] = byte r + 4c.
`default_nettype none

module esp_aes_round #(
  parameter bit Fixed = 1'b0,
  parameter bit Last  = 1'b0
) (
  input  wire logic [127:0] state_i,
  input  wire logic [127:0] rk_i,
  input  wire logic         last_i,
  output      logic [127:0] state_o
);

  logic last;
  assign last    = Fixed ? Last : last_i;
  assign state_o = esp_aes_pkg::aes_round(state_i, rk_i, last);

endmodule

`default_nettype wire
