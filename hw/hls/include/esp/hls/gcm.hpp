// esp_engine building block: AES-GCM (NIST SP 800-38D) with a 96-bit IV, as
// Vitis HLS C++, incremental: gcm_start, gcm_aad (any number of calls),
// gcm_crypt (any number of calls), gcm_finish.
//
// The state buffers a partial block, so any split of the AAD and of the text
// over several calls gives the same result as one call (the usual caller
// splits at multiples of 16 bytes, which never leaves a partial block
// between calls). All AAD must come before the first gcm_crypt: AAD given
// after text has started is ignored. One call handles at most
// kGcmMaxCallBytes bytes (static loop bound).
#pragma once

#include <cassert>
#include <cstdint>

#include "esp/hls/aes.hpp"
#include "esp/hls/ghash.hpp"
#include "esp/hls/pragma.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

constexpr unsigned kGcmNonceBytes = 12;
// Largest length of one gcm_aad / gcm_crypt call: a packet plus headers
// (GMAC hashes SPI | seq | IV | text as AAD).
constexpr unsigned kGcmMaxCallBytes = spec::MAX_PKT_BYTES + 2 * spec::PKT_BUS_BYTES;
// Loop bound of one call: whole blocks plus a leading and a trailing partial one.
constexpr unsigned kGcmMaxSegments = kGcmMaxCallBytes / 16 + 2;

struct GcmState {
  Gf128 h;                       // hash key H = E(K, 0^128)
  GhashKey hk;                   // multiples of H (ghash.hpp)
  Gf128 acc;                     // GHASH accumulator
  uint8_t nonce[kGcmNonceBytes]; // IV; J0 = IV || 0^31 || 1
  uint32_t ctr;                  // counter (last 32 bits) of the next keystream block
  uint8_t ksb[16];               // keystream of the current text block
  uint8_t buf[16];               // AAD or ciphertext bytes of the current block, not hashed yet
  unsigned fill;                 // bytes in buf (0..15 between calls)
  bool in_text;                  // the AAD is closed, text has started
  uint64_t aad_bytes;            // len(A) in bytes
  uint64_t text_bytes;           // len(C) in bytes
};

inline void gcm_counter_block(const GcmState& st, uint32_t ctr, uint8_t cb[16]) {
gcm_counter_nonce:
  for (unsigned i = 0; i < kGcmNonceBytes; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    cb[i] = st.nonce[i];
  }
  cb[12] = static_cast<uint8_t>(ctr >> 24);
  cb[13] = static_cast<uint8_t>(ctr >> 16);
  cb[14] = static_cast<uint8_t>(ctr >> 8);
  cb[15] = static_cast<uint8_t>(ctr);
}

inline void gcm_start(GcmState& st, const AesKeySchedule& ks, const uint8_t nonce[12]) {
  uint8_t zero[16];
gcm_start_clear:
  for (unsigned i = 0; i < 16; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    zero[i] = 0;
    st.ksb[i] = 0;
    st.buf[i] = 0;
  }
  uint8_t hb[16];
  aes_encrypt_block(ks, zero, hb);
  st.h = gf128_load(hb);
  ghash_key_init(st.hk, st.h);
  st.acc.hi = 0;
  st.acc.lo = 0;
gcm_start_nonce:
  for (unsigned i = 0; i < kGcmNonceBytes; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    st.nonce[i] = nonce[i];
  }
  st.ctr = 2;  // inc32(J0): counter 1 is J0 itself, which masks the tag
  st.fill = 0;
  st.in_text = false;
  st.aad_bytes = 0;
  st.text_bytes = 0;
}

// Hashes the partial block in buf, zero-padded (end of the AAD or the text).
inline void gcm_flush_partial(GcmState& st) {
  if (st.fill == 0) return;
gcm_flush_pad:
  for (unsigned j = 0; j < 16; ++j) {
ESP_HLS_PRAGMA(HLS UNROLL)
    if (j >= st.fill) st.buf[j] = 0;
  }
  ghash_block(st.acc, st.hk, st.buf);
  st.fill = 0;
}

inline void gcm_aad(GcmState& st, const uint8_t* aad, unsigned len) {
  if (st.in_text) return;  // AAD after text: ignored (see the top of this file)
  assert(len <= kGcmMaxCallBytes);
  unsigned pos = 0;
gcm_aad_segments:
  for (unsigned seg = 0; seg < kGcmMaxSegments; ++seg) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 1 max = 64)
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    if (pos >= len) break;
    const unsigned room = 16 - st.fill;
    const unsigned n = len - pos < room ? len - pos : room;
    if (n == 16) {
      ghash_block(st.acc, st.hk, aad + pos);  // whole aligned block: straight from the input
    } else {
    gcm_aad_bytes:
      for (unsigned j = 0; j < 16; ++j) {
ESP_HLS_PRAGMA(HLS UNROLL)
        if (j >= st.fill && j < st.fill + n) st.buf[j] = aad[pos + j - st.fill];
      }
      st.fill += n;
      if (st.fill == 16) {
        ghash_block(st.acc, st.hk, st.buf);
        st.fill = 0;
      }
    }
    pos += n;
  }
  st.aad_bytes += len;
}

inline void gcm_crypt(GcmState& st, const AesKeySchedule& ks, bool encrypt, const uint8_t* in, uint8_t* out,
                      unsigned len) {
  if (!st.in_text) {
    gcm_flush_partial(st);
    st.in_text = true;
  }
  assert(len <= kGcmMaxCallBytes);
  unsigned pos = 0;
gcm_crypt_segments:
  for (unsigned seg = 0; seg < kGcmMaxSegments; ++seg) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 1 max = 604)
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    if (pos >= len) break;
    if (st.fill == 0) {
      uint8_t cb[16];
      gcm_counter_block(st, st.ctr, cb);
      aes_encrypt_block(ks, cb, st.ksb);
      st.ctr = st.ctr + 1u;  // inc32: modulo 2^32
    }
    const unsigned room = 16 - st.fill;
    const unsigned n = len - pos < room ? len - pos : room;
  gcm_crypt_bytes:
    for (unsigned j = 0; j < 16; ++j) {
ESP_HLS_PRAGMA(HLS UNROLL)
      if (j >= st.fill && j < st.fill + n) {
        const unsigned k = pos + j - st.fill;
        const uint8_t x = in[k];  // read before the write: in may equal out
        const uint8_t y = static_cast<uint8_t>(x ^ st.ksb[j]);
        out[k] = y;
        st.buf[j] = encrypt ? y : x;  // GHASH runs over the ciphertext
      }
    }
    st.fill += n;
    pos += n;
    if (st.fill == 16) {
      ghash_block(st.acc, st.hk, st.buf);
      st.fill = 0;
    }
  }
  st.text_bytes += len;
}

inline void gcm_finish(GcmState& st, const AesKeySchedule& ks, uint8_t tag[16]) {
  gcm_flush_partial(st);
  st.in_text = true;
  // len(A) || len(C), in bits, 64-bit big-endian each
  Gf128 lens;
  lens.hi = st.aad_bytes * 8u;
  lens.lo = st.text_bytes * 8u;
  uint8_t lb[16];
  gf128_store(lens, lb);
  ghash_block(st.acc, st.hk, lb);
  uint8_t j0[16];
  uint8_t ekj0[16];
  gcm_counter_block(st, 1u, j0);
  aes_encrypt_block(ks, j0, ekj0);
  uint8_t s[16];
  gf128_store(st.acc, s);
gcm_tag_bytes:
  for (unsigned i = 0; i < 16; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    tag[i] = static_cast<uint8_t>(s[i] ^ ekj0[i]);
  }
}

// Constant-time comparison of n bytes: every byte is read, no early exit.
inline bool tag_equal(const uint8_t* a, const uint8_t* b, unsigned n) {
  uint8_t diff = 0;
tag_equal_bytes:
  for (unsigned i = 0; i < n; ++i) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 8 max = 16)
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
  }
  return diff == 0;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
