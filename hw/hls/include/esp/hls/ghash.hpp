// esp_engine building block: GHASH (NIST SP 800-38D 6.3-6.4), the GF(2^128)
// multiply-accumulate under GCM, as Vitis HLS C++.
//
// A 128-bit block is held as two 64-bit halves in the spec's bit order: hi =
// bytes 0..7 big-endian, lo = bytes 8..15 big-endian, so that bit 0 of the
// block (SP 800-38D numbering: leftmost) is bit 63 of hi. The multiply is the
// right-shift algorithm of SP 800-38D 6.3 (Algorithm 1) in gf128_mul; GHASH
// itself (ghash_block) uses the same field arithmetic four bits at a time,
// with a 16-entry table of multiples of H made once per key (GhashKey):
// 32 steps instead of 128, each a shift by 4 with its reduction and one XOR.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

struct Gf128 {
  uint64_t hi;
  uint64_t lo;
};

inline Gf128 gf128_load(const uint8_t b[16]) {
  Gf128 x = {0, 0};
gf128_load_bytes:
  for (unsigned i = 0; i < 8; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    x.hi = (x.hi << 8) | b[i];
    x.lo = (x.lo << 8) | b[8 + i];
  }
  return x;
}

inline void gf128_store(const Gf128& x, uint8_t b[16]) {
gf128_store_bytes:
  for (unsigned i = 0; i < 8; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    b[i] = static_cast<uint8_t>(x.hi >> (56 - 8 * i));
    b[8 + i] = static_cast<uint8_t>(x.lo >> (56 - 8 * i));
  }
}

// X * Y in GF(2^128) with R = 11100001 || 0^120 (SP 800-38D 6.3).
inline Gf128 gf128_mul(const Gf128& x, const Gf128& y) {
  Gf128 z = {0, 0};
  Gf128 v = y;
gf128_mul_bits:
  for (unsigned i = 0; i < 128; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    // bit i of X (leftmost first), as an all-ones / all-zeros mask
    const uint64_t word = i < 64 ? x.hi : x.lo;
    const uint64_t xbit = (word >> (63 - (i % 64))) & 1u;
    const uint64_t take = 0 - xbit;
    z.hi ^= v.hi & take;
    z.lo ^= v.lo & take;
    // V = V >> 1, reduced by R when the bit shifted out was 1
    const uint64_t carry = 0 - (v.lo & 1u);
    v.lo = (v.lo >> 1) | (v.hi << 63);
    v.hi = (v.hi >> 1) ^ (0xE100000000000000ull & carry);
  }
  return z;
}

// X * x: one right shift, reduced by R when the bit shifted out was 1.
inline Gf128 gf128_mulx(const Gf128& v) {
  const uint64_t carry = 0 - (v.lo & 1u);
  Gf128 r;
  r.lo = (v.lo >> 1) | (v.hi << 63);
  r.hi = (v.hi >> 1) ^ (0xE100000000000000ull & carry);
  return r;
}

// Reduction of Z * x^4: the four bits shifted out of Z (lo bits 3..0, the
// coefficients of x^124..x^127) become x^128..x^131, and x^(128+k) =
// x^k (1 + x + x^2 + x^7), i.e. R >> k: entry `rem` is the XOR over its set
// bits b of 0xE1 << 56 >> (3 - b).
static const uint64_t kGhashRem4[16] = {
    0x0000000000000000ull, 0x1c20000000000000ull, 0x3840000000000000ull, 0x2460000000000000ull,
    0x7080000000000000ull, 0x6ca0000000000000ull, 0x48c0000000000000ull, 0x54e0000000000000ull,
    0xe100000000000000ull, 0xfd20000000000000ull, 0xd940000000000000ull, 0xc560000000000000ull,
    0x9180000000000000ull, 0x8da0000000000000ull, 0xa9c0000000000000ull, 0xb5e0000000000000ull,
};

// The multiples of H by every 4-bit polynomial: a nibble n of a block
// (leftmost bit first) stands for n3 + n2 x + n1 x^2 + n0 x^3, so m[8] = H,
// m[4] = H x, m[2] = H x^2, m[1] = H x^3 and m[n] is the XOR of those.
struct GhashKey {
  Gf128 m[16];
};

inline void ghash_key_init(GhashKey& k, const Gf128& h) {
  Gf128 p[4];  // H x^3, H x^2, H x, H  (for nibble bits 0..3)
  p[3] = h;
  p[2] = gf128_mulx(p[3]);
  p[1] = gf128_mulx(p[2]);
  p[0] = gf128_mulx(p[1]);
ghash_key_entries:
  for (unsigned n = 0; n < 16; ++n) {
ESP_HLS_PRAGMA(HLS UNROLL)
    Gf128 e = {0, 0};
  ghash_key_bits:
    for (unsigned b = 0; b < 4; ++b) {
ESP_HLS_PRAGMA(HLS UNROLL)
      const uint64_t take = 0 - static_cast<uint64_t>((n >> b) & 1u);
      e.hi ^= p[b].hi & take;
      e.lo ^= p[b].lo & take;
    }
    k.m[n] = e;
  }
}

// One Horner step: Z = Z x^4 ^ m[nib].
inline void gf128_mul_step(Gf128& z, const GhashKey& k, unsigned nib) {
ESP_HLS_PRAGMA(HLS INLINE)
  const unsigned rem = static_cast<unsigned>(z.lo & 0xFu);
  z.lo = (z.lo >> 4) | (z.hi << 60);
  z.hi = (z.hi >> 4) ^ kGhashRem4[rem] ^ k.m[nib].hi;
  z.lo ^= k.m[nib].lo;
}

// X * H with the table of H: Horner over the 32 nibbles of X, the last
// (highest powers of x: the low nibble of lo) first.
inline Gf128 gf128_mul_key(const Gf128& x, const GhashKey& k) {
  Gf128 z = {0, 0};
gf128_mul_lo_nibbles:
  for (unsigned i = 0; i < 16; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    gf128_mul_step(z, k, static_cast<unsigned>((x.lo >> (4 * i)) & 0xFu));
  }
gf128_mul_hi_nibbles:
  for (unsigned i = 0; i < 16; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    gf128_mul_step(z, k, static_cast<unsigned>((x.hi >> (4 * i)) & 0xFu));
  }
  return z;
}

// One GHASH step: acc = (acc ^ block) * H.
inline void ghash_block(Gf128& acc, const GhashKey& k, const uint8_t block[16]) {
  const Gf128 b = gf128_load(block);
  Gf128 t;
  t.hi = acc.hi ^ b.hi;
  t.lo = acc.lo ^ b.lo;
  acc = gf128_mul_key(t, k);
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
