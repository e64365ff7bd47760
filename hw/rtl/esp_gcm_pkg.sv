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

  // Karatsuba's last step: the 255-bit product from the low halves' product
  // lo, the high halves' hi and the product of the sums s.
  function automatic logic [254:0] k1_join(input logic [126:0] lo, input logic [126:0] hi, input logic [126:0] s);
    logic [126:0] mid;
    mid = s ^ lo ^ hi;
    k1_join = {lo, 128'b0} ^ ({mid, 128'b0} >> 64) ^ {128'b0, hi};
  endfunction

  // 128 x 128 -> 255 bits, one Karatsuba level over schoolbook 64 x 64
  // (esp_ghash's loop product: the smallest in LUTs with yosys/ABC, and the
  // shallowest Karatsuba for the loop; see hw/rtl/GCM.md "Area").
  function automatic logic [254:0] clmul128_k1(input logic [127:0] a, input logic [127:0] b);
    clmul128_k1 = k1_join(clmul64(a[127:64], b[127:64]), clmul64(a[63:0], b[63:0]),
                          clmul64(a[127:64] ^ a[63:0], b[127:64] ^ b[63:0]));
  endfunction

  // The carry-less products on integer multipliers (DSP48E2: 27 x 18
  // signed, here 22 x 16 unsigned), esp_ghash's feed-forward products. The
  // coefficients of a (chunks of ClChA) and b (chunks of ClChB) are spread
  // 3 bits apart (bit 3k: x^k); the integer product of two spread chunks
  // holds each coefficient of their carry-less product in a 3-bit field as
  // the count of its terms (at most ClChB = 6: nothing carries out of a
  // field), so the field's low bit is the coefficient. clmul64(a, b) =
  // clmul64_fold(clmul64_terms(a, b)): the 88 chunk products' coefficients,
  // then their XOR at their places; apart so that a stage registers the
  // products (in the multipliers' output registers) and the next one XORs
  // them (hw/rtl/GCM.md "Area"). Spreading and gathering are wiring, written
  // as shift-and-mask steps whose ORed bits never overlap (cheap to simulate).
  localparam int unsigned ClChA   = 8;                 // coefficients per chunk of a
  localparam int unsigned ClChB   = 6;                 // of b
  localparam int unsigned ClNA    = 8;                 // chunks of a (64 coefficients)
  localparam int unsigned ClNB    = 11;                // of b (66)
  localparam int unsigned ClTerms = ClNA * ClNB;       // chunk products per 64 x 64
  localparam int unsigned ClCw    = ClChA + ClChB - 1; // coefficients of a chunk product (13)
  localparam int unsigned ClTermW = 16;                // their room in a terms vector
  localparam int unsigned Cl64W   = ClTerms * ClTermW;
  localparam int unsigned Cl128W  = 3 * Cl64W;         // lo, hi, mid (Karatsuba, as clmul128_k1)

  // bit k of x (8 bits) at bit 3k
  function automatic logic [23:0] cl_spread(input logic [7:0] x);
    logic [23:0] v;
    v = 24'(x);
    v = (v | (v << 8)) & 24'h00F00F;
    v = (v | (v << 4)) & 24'h0C30C3;
    v = (v | (v << 2)) & 24'h249249;
    cl_spread = v;
  endfunction

  // bit 3m of p at bit m (m < 16)
  function automatic logic [15:0] cl_gather(input logic [47:0] p);
    logic [47:0] v;
    v = p & 48'h249249249249;
    v = (v | (v >> 2)) & 48'h0C30C30C30C3;
    v = (v | (v >> 4)) & 48'h00F00F00F00F;
    v = (v | (v >> 8)) & 48'h0000FF0000FF;
    v = (v | (v >> 16)) & 48'h00000000FFFF;
    cl_gather = v[15:0];
  endfunction

  // The chunk products of a x b, taken in this package's bit order: chunk i
  // of a is a[56-8i +: 8] (x^(8i+7) .. x^(8i) from bit 0), chunk j of b
  // b[58-6j +: 6] (the last one {b[3:0], 2'b0}: x^65, x^64 are 0), so the
  // integer product's field r is the coefficient of x^(8i+6j+12-r): product
  // (i, j) in [ClTermW*(ClNB*i+j) +: ClCw].
  function automatic logic [Cl64W-1:0] clmul64_terms(input logic [63:0] a, input logic [63:0] b);
    logic [24*ClNA-1:0] sa;   // chunk i of a, spread, in [24*i +: 24]
    logic [24*ClNB-1:0] sb;
    logic [Cl64W-1:0]   t;
    for (int i = 0; i < ClNA; i++) sa[24*i +: 24] = cl_spread(a[56-8*i +: 8]);
    for (int j = 0; j < ClNB - 1; j++) sb[24*j +: 24] = cl_spread(8'(b[58-6*j +: 6]));
    sb[24*(ClNB-1) +: 24] = cl_spread(8'({b[3:0], 2'b00}));
    t = '0;
    for (int i = 0; i < ClNA; i++) begin
      for (int j = 0; j < ClNB; j++) begin
        t[ClTermW*(ClNB*i+j) +: ClTermW] = cl_gather(48'(sa[24*i +: 22]) * 48'(sb[24*j +: 16]));
      end
    end
    clmul64_terms = t;
  endfunction

  function automatic logic [126:0] clmul64_fold(input logic [Cl64W-1:0] t);
    // x^d at bit 128 - d of {z128, zh, zl} (x^127, x^128 of the last
    // products: 0); on 64-bit words: cheap to simulate
    logic [63:0] zl, zh;
    logic        z128;
    logic [12:0] v;
    int          off;
    zl = '0;
    zh = '0;
    z128 = 1'b0;
    for (int i = 0; i < ClNA; i++) begin
      for (int j = 0; j < ClNB; j++) begin
        v   = t[ClTermW*(ClNB*i+j) +: ClCw];
        off = 116 - ClChA*i - ClChB*j;
        if (off + ClCw <= 64) zl = zl ^ (64'(v) << off);
        else if (off >= 64) begin
          zh   = zh ^ (64'(v) << (off - 64));
          z128 = z128 ^ ((off - 64 + ClCw > 64) ? v[128 - off] : 1'b0);
        end else begin
          zl = zl ^ (64'(v) << off);
          zh = zh ^ (64'(v) >> (64 - off));
        end
      end
    end
    clmul64_fold = {z128, zh, zl[63:2]};
  endfunction

  function automatic logic [Cl128W-1:0] clmul128_terms(input logic [127:0] a, input logic [127:0] b);
    clmul128_terms = {clmul64_terms(a[127:64], b[127:64]), clmul64_terms(a[63:0], b[63:0]),
                      clmul64_terms(a[127:64] ^ a[63:0], b[127:64] ^ b[63:0])};
  endfunction

  // clmul128_k1(a, b) from clmul128_terms(a, b)
  function automatic logic [254:0] clmul128_fold(input logic [Cl128W-1:0] t);
    clmul128_fold = k1_join(clmul64_fold(t[2*Cl64W +: Cl64W]), clmul64_fold(t[Cl64W +: Cl64W]),
                            clmul64_fold(t[0 +: Cl64W]));
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
