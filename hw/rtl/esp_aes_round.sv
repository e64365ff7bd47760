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

  function automatic logic [7:0] xtime(input logic [7:0] b);
    xtime = {b[6:0], 1'b0} ^ (b[7] ? 8'h1b : 8'h00);
  endfunction

  logic [7:0] sb [16];   // SubBytes, in byte order
  logic [7:0] sr [16];   // ShiftRows
  logic [7:0] mc [16];   // MixColumns (or ShiftRows in the last round)

  for (genvar i = 0; i < 16; i++) begin : g_sbox
    esp_aes_sbox u_sbox (
      .in_i  (state_i[127-8*i -: 8]),
      .out_o (sb[i])
    );
  end

  for (genvar c = 0; c < 4; c++) begin : g_col
    for (genvar r = 0; r < 4; r++) begin : g_row
      assign sr[r + 4*c] = sb[r + 4*((c + r) % 4)];
    end

    logic [7:0] a0, a1, a2, a3;
    assign a0 = sr[4*c];
    assign a1 = sr[4*c + 1];
    assign a2 = sr[4*c + 2];
    assign a3 = sr[4*c + 3];

    // 2a0^3a1^a2^a3, a0^2a1^3a2^a3, a0^a1^2a2^3a3, 3a0^a1^a2^2a3
    assign mc[4*c]     = last_i ? a0 : xtime(a0 ^ a1) ^ a1 ^ a2 ^ a3;
    assign mc[4*c + 1] = last_i ? a1 : xtime(a1 ^ a2) ^ a2 ^ a3 ^ a0;
    assign mc[4*c + 2] = last_i ? a2 : xtime(a2 ^ a3) ^ a3 ^ a0 ^ a1;
    assign mc[4*c + 3] = last_i ? a3 : xtime(a3 ^ a0) ^ a0 ^ a1 ^ a2;
  end

  for (genvar i = 0; i < 16; i++) begin : g_ark
    assign state_o[127-8*i -: 8] = mc[i] ^ rk_i[127-8*i -: 8];
  end

endmodule

`default_nettype wire
