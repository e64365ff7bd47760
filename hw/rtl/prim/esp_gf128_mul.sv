// esp_gf128_mul: multiplication in GF(2^128) as GCM defines it
// (NIST SP 800-38D 6.3), combinational: z_o = a_i * b_i.
//
// GCM bit order: a block is big-endian (byte 0 in [127:120]) and bit 7 of
// byte 0, i.e. [127], is the coefficient of x^0; [0] is that of x^127. The
// field polynomial is x^128 + x^7 + x^2 + x + 1.
//
// The product is esp_gcm_pkg::gf128_mul: the carry-less product (one
// Karatsuba level over three 64 x 64 schoolbook products, an XOR network of
// AND terms), then the reduction. Registers are left to the user.
`default_nettype none

module esp_gf128_mul (
  input  wire logic [127:0] a_i,
  input  wire logic [127:0] b_i,
  output      logic [127:0] z_o
);

  assign z_o = esp_gcm_pkg::gf128_mul(a_i, b_i);

endmodule

`default_nettype wire
