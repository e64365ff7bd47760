// esp-offload: types shared by the GCM core and its users.

`default_nettype none

package esp_gcm_pkg;

  // What the core does with a packet (per-packet sideband of esp_gcm_core).
  typedef enum logic [1:0] {
    GcmEncrypt = 2'd0,  // text is plaintext; GHASH over the output
    GcmDecrypt = 2'd1,  // text is ciphertext; GHASH over the input
    GcmGmac    = 2'd2,  // every byte is AAD, nothing is encrypted (RFC 4543)
    GcmRsvd    = 2'd3   // reserved: behaves as GcmDecrypt
  } gcm_mode_e;

  // ---------------------------------------------------------------------
  // GF(2^128) arithmetic in GCM's bit order (NIST SP 800-38D 6.3): a block
  // is reflected, bit 0 of the block (the first on the wire) is [127], the
  // coefficient of x^0. Everything below keeps that order (no bit reversal):
  // an n-bit vector v holds the polynomial sum v[n-1-k] x^k, so x^k sits at
  // [n-1-k] and multiplying by x is a shift right.
  //
  // The product is split in two so that a beat of four blocks is reduced
  // once (esp_ghash): clmul* give the 255-bit carry-less product, gf128_reduce
  // takes it modulo x^128 + x^7 + x^2 + x + 1. Karatsuba (a = a0 + x^h a1):
  //   a*b = a0 b0 + x^h ((a0+a1)(b0+b1) + a0 b0 + a1 b1) + x^2h a1 b1
  // three half-size products instead of four. Functions (word-level loops)
  // so that a stage computes them inside its register's enable (see
  // esp_aes_pkg); unrolled, each is an XOR network of AND terms.

  // Schoolbook, 64 x 64 -> 127 bits.
  function automatic logic [126:0] clmul64(input logic [63:0] a, input logic [63:0] b);
    logic [126:0] z;
    z = '0;
    for (int i = 0; i < 64; i++) begin
      if (a[63-i]) z = z ^ ({b, 63'b0} >> i);
    end
    clmul64 = z;
  endfunction

  // 128 x 128 -> 255 bits, one Karatsuba level over schoolbook 64 x 64
  // (esp_ghash's four products: the smallest with yosys/ABC, and
  // the shallowest Karatsuba for the loop; see hw/rtl/GCM.md "Area").
  function automatic logic [254:0] clmul128_k1(input logic [127:0] a, input logic [127:0] b);
    logic [126:0] lo, hi, mid;
    lo  = clmul64(a[127:64], b[127:64]);
    hi  = clmul64(a[63:0], b[63:0]);
    mid = clmul64(a[127:64] ^ a[63:0], b[127:64] ^ b[63:0]) ^ lo ^ hi;
    clmul128_k1 = {lo, 128'b0} ^ ({mid, 128'b0} >> 64) ^ {128'b0, hi};
  endfunction

  // z (255 bits: x^0..x^127 in [254:127], x^128..x^254 in [126:0]) modulo
  // x^128 + x^7 + x^2 + x + 1, using x^128 = 1 + x + x^2 + x^7 twice: the
  // high part times (1 + x + x^2 + x^7) reaches x^133, whose 6 bits above
  // x^127 are folded once more.
  function automatic logic [127:0] gf128_reduce(input logic [254:0] z);
    logic [133:0] t;
    logic [127:0] u;
    t = {z[126:0], 7'b0};
    t = t ^ (t >> 1) ^ (t >> 2) ^ (t >> 7);
    u = {t[5:0], 122'b0};
    u = u ^ (u >> 1) ^ (u >> 2) ^ (u >> 7);
    gf128_reduce = z[254:127] ^ t[133:6] ^ u;
  endfunction

endpackage

`default_nettype wire
