// esp_aes_sbox: the AES S-box (FIPS-197 5.1.1), combinational: the table of
// esp_aes_pkg (where it is computed from the definition, see there).
`default_nettype none

module esp_aes_sbox (
  input  wire logic [7:0] in_i,
  output      logic [7:0] out_o
);

  assign out_o = esp_aes_pkg::aes_sbox(in_i);

endmodule

`default_nettype wire
