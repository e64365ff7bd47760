// esp_gf128_mul: multiplication in GF(2^128) as GCM defines it
// (NIST SP 800-38D 6.3), combinational: z_o = a_i * b_i.
//
// GCM bit order: a block is big-endian (byte 0 in [127:120]) and bit 7 of
// byte 0, i.e. [127], is the coefficient of x^0; [0] is that of x^127. The
// field polynomial is x^128 + x^7 + x^2 + x + 1.
//
// Internally the operands are bit-reversed (wiring only) so that index i is
// the coefficient of x^i, multiplied carry-less into 255 bits, and reduced in
// two folds (x^128 = x^7 + x^2 + x + 1). The result is a XOR network: every
// output bit is a XOR of AND terms, depth ~log2(128*2) in 2-input gates plus
// ~3 levels for the reduction. Registers are left to the user
// (esp_ghash puts one multiply between two register stages).
`default_nettype none

module esp_gf128_mul (
  input  wire logic [127:0] a_i,
  input  wire logic [127:0] b_i,
  output      logic [127:0] z_o
);

  logic [127:0] a, b;
  logic [254:0] prod;
  logic [126:0] hi;
  logic [133:0] fold1;
  logic [5:0]   over;
  logic [127:0] fold2, low;

  for (genvar i = 0; i < 128; i++) begin : g_rev
    assign a[i]       = a_i[127-i];
    assign b[i]       = b_i[127-i];
    assign z_o[127-i] = low[i];
  end

  // Carry-less product.
  always_comb begin
    prod = '0;
    for (int i = 0; i < 128; i++) begin
      prod = prod ^ ({255{a[i]}} & ({127'b0, b} << i));
    end
  end

  // Reduction: hi * x^128 = hi * (x^7 + x^2 + x + 1), twice.
  assign hi    = prod[254:128];
  assign fold1 = {7'b0, hi} ^ {6'b0, hi, 1'b0} ^ {5'b0, hi, 2'b0} ^ {hi, 7'b0};
  assign over  = fold1[133:128];
  assign fold2 = {122'b0, over} ^ {121'b0, over, 1'b0} ^ {120'b0, over, 2'b0}
               ^ {115'b0, over, 7'b0};
  assign low   = prod[127:0] ^ fold1[127:0] ^ fold2;

endmodule

`default_nettype wire
