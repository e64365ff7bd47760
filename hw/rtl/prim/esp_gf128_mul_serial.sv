// esp_gf128_mul_serial: multiplication in GF(2^128) as GCM defines it
// (NIST SP 800-38D 6.3), digit-serial: z_o = a_i * b_i in 128 / W cycles.
//
// GCM bit order: a block is big-endian (byte 0 in [127:120]) and bit 7 of
// byte 0, i.e. [127], is the coefficient of x^0; [0] is that of x^127. The
// field polynomial is x^128 + x^7 + x^2 + x + 1.
//
// b is taken in digits of W coefficients, the highest degrees first
// (b[W*s +: W] at step s): Horner, z = z * x^W + a * digit, reduced at each
// step (esp_gcm_pkg::gf128_reduce). Each step is an a x W carry-less product
// instead of a 128 x 128 one: for esp_gcm_key_setup's powers of H, once per
// key, off the packet path (hw/rtl/GCM.md "Area").
//
//   start_i  takes a_i and b_i (ignored while busy_o)
//   busy_o   a product is being computed: 128 / W cycles from the start
//   done_o   one-cycle pulse when it is: z_o = a * b, held until the next start
`default_nettype none

module esp_gf128_mul_serial #(
  parameter int unsigned W = 16    // coefficients per step; divides 128
) (
  input  wire logic          clk_i,
  input  wire logic          rst_ni,

  input  wire logic          start_i,
  input  wire logic [127:0]  a_i,
  input  wire logic [127:0]  b_i,
  output      logic          busy_o,
  output      logic          done_o,
  output      logic [127:0]  z_o
);

  localparam int unsigned N  = 128 / W;
  localparam int unsigned Sw = (N > 1) ? $clog2(N) : 1;

  initial begin
    if (W * N != 128) $error("esp_gf128_mul_serial: W %0d does not divide 128", W);
  end

  // z * x^W + a * d (d[W-1-m]: the coefficient of x^m), reduced; 255-bit
  // products in esp_gcm_pkg's order (x^k at [254-k]).
  function automatic logic [127:0] horner(input logic [127:0] z, input logic [127:0] a,
                                          input logic [W-1:0] d);
    logic [254:0] t;
    t = {z, 127'b0} >> W;
    for (int m = 0; m < W; m++) begin
      if (d[W-1-m]) t = t ^ ({a, 127'b0} >> m);
    end
    horner = esp_gcm_pkg::gf128_reduce(t);
  endfunction

  logic [127:0]  a_q, b_q, z_q;
  logic [Sw-1:0] step_q;
  logic          busy_q, done_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q <= 1'b0;
      done_q <= 1'b0;
    end else begin
      done_q <= busy_q && step_q == Sw'(N - 1);
      if (start_i && !busy_q) busy_q <= 1'b1;
      else if (busy_q && step_q == Sw'(N - 1)) busy_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (start_i && !busy_q) begin
      a_q    <= a_i;
      b_q    <= b_i;
      z_q    <= '0;
      step_q <= '0;
    end else if (busy_q) begin
      z_q    <= horner(z_q, a_q, b_q[W*step_q +: W]);
      step_q <= step_q + Sw'(1);
    end
  end

  assign busy_o = busy_q;
  assign done_o = done_q;
  assign z_o    = z_q;

endmodule

`default_nettype wire
