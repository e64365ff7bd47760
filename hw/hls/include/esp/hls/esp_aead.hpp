// esp_engine building block: ESP's use of AES-GCM (CONTRACT.md: RFC 4106
// for GCM, RFC 4543 for GMAC), shared by encapsulation and decapsulation.
//
// An ESP packet in a local buffer reads `SPI | seq low | IV | text | ICV`
// (`esp` points at the SPI). The nonce is salt | IV. With GCM the AAD is
// SPI | [seq high |] seq low and the text is encrypted / decrypted between
// `src` and `dst`. With GMAC nothing is encrypted: the text is copied and
// the AAD is SPI | [seq high |] seq low | IV | text, where the text is the
// one in the packet (at esp + 16: `dst` when encrypting, `src` when
// decrypting), and GCM runs over an empty plaintext.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/aes.hpp"
#include "esp/hls/checksum.hpp"
#include "esp/hls/gcm.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

constexpr unsigned kEspIvOff = spec::ESP_HDR_BYTES;                 // IV after SPI | seq low
constexpr unsigned kEspTextOff = spec::ESP_HDR_BYTES + spec::IV_BYTES;  // text after the IV
constexpr unsigned kGcmTagBytes = 16;

struct EspAeadParams {
  const AesKeySchedule* ks;
  const uint8_t* salt;  // SALT_BYTES
  bool esn;             // AAD carries the high half of the sequence number
  uint32_t seq_hi;
  bool gmac;
};

inline void copy_text(const uint8_t* src, uint8_t* dst, unsigned len) {
copy_text_loop:
  for (unsigned i = 0; i < spec::MAX_PKT_BYTES; ++i) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 4 max = 9600)
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    if (i >= len) break;
    dst[i] = src[i];
  }
}

// Runs GCM/GMAC over one ESP packet; `tag` gets the full 16-byte GCM tag.
inline void esp_aead(const EspAeadParams& p, bool encrypt, const uint8_t* esp, const uint8_t* src, uint8_t* dst,
                     unsigned len, uint8_t tag[kGcmTagBytes]) {
  uint8_t nonce[12];
nonce_bytes:
  for (unsigned i = 0; i < 12; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    nonce[i] = i < spec::SALT_BYTES ? p.salt[i] : esp[kEspIvOff + i - spec::SALT_BYTES];
  }
  GcmState st;
  gcm_start(st, *p.ks, nonce);

  // SPI | [seq high |] seq low, and with GMAC the first 4 IV bytes behind it
  // so that the next AAD call starts on a 16-byte boundary.
  uint8_t head[16];
  unsigned head_len = spec::ESP_HDR_BYTES;
head_spi:
  for (unsigned i = 0; i < 4; ++i) head[i] = esp[i];
  if (p.esn) {
    put_be32(head + 4, p.seq_hi);
  head_seq_lo:
    for (unsigned i = 0; i < 4; ++i) head[8 + i] = esp[4 + i];
    head_len = 12;
  } else {
  head_seq_lo_only:
    for (unsigned i = 0; i < 4; ++i) head[4 + i] = esp[4 + i];
  }

  if (!p.gmac) {
    gcm_aad(st, head, head_len);
    gcm_crypt(st, *p.ks, encrypt, src, dst, len);
  } else {
    copy_text(src, dst, len);
    if (p.esn) {
    head_iv:
      for (unsigned i = 0; i < 4; ++i) head[12 + i] = esp[kEspIvOff + i];
      gcm_aad(st, head, 16);
      gcm_aad(st, esp + kEspIvOff + 4, 4 + len);  // IV[4..8) | text, contiguous in the packet
    } else {
      gcm_aad(st, esp, kEspTextOff + len);  // SPI | seq low | IV | text, contiguous in the packet
    }
  }
  gcm_finish(st, *p.ks, tag);
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
