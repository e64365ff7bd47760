// The IKEv2 transforms esp_ike_crypto implements (IANA "IKEv2 Parameters"
// numbers) and the key lengths RFC 7296 2.14 / 2.17 take from them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace esp::ike {

// Transform Type 2.
enum class PrfId : uint16_t {
  Aes128Xcbc = 4,  // RFC 4434 (fixed 16-byte key: see skeyseed())
  HmacSha256 = 5,  // RFC 4868
  HmacSha384 = 6,
  HmacSha512 = 7,
};

// Transform Type 1 (with a Key Length attribute of 128 or 256 bits).
enum class EncrId : uint16_t {
  AesCbc = 12,          // RFC 3602 (IKE SA only here)
  AesGcm16 = 20,        // RFC 4106 (ESP) / RFC 5282 (IKE SK payload)
  NullAuthAesGmac = 21, // RFC 4543 (ESP only)
};

// Transform Type 3.
enum class IntegId : uint16_t {
  None = 0,
  HmacSha256_128 = 12,  // RFC 4868
  HmacSha384_192 = 13,
  HmacSha512_256 = 14,
};

std::optional<PrfId> prf_from_id(uint16_t id);
std::optional<EncrId> encr_from_id(uint16_t id);
std::optional<IntegId> integ_from_id(uint16_t id);

bool encr_is_aead(EncrId e);  // GCM and GMAC: no separate integrity transform
// Whether key_bits is a valid Key Length attribute for e (128 or 256).
bool encr_key_bits_valid(EncrId e, unsigned key_bits);
// Bytes of key material an encryption transform takes: the AES key, plus the
// 4-byte salt for GCM (RFC 4106 8.1, RFC 5282 7.1) and GMAC (RFC 4543 3.2).
size_t encr_keymat_len(EncrId e, unsigned key_bits);
constexpr size_t kAeadSaltLen = 4;

// Integrity key length (the HMAC's output length, RFC 4868 2.1.1) and ICV.
size_t integ_key_len(IntegId i);
size_t integ_icv_len(IntegId i);

// The PRF's output length, which is also its preferred key length (SK_d,
// SK_pi, SK_pr, RFC 7296 2.14).
size_t prf_out_len(PrfId p);
// Whether the PRF takes a fixed-length key (AES-XCBC): SKEYSEED then keys it
// with the first half-key bytes of Ni and of Nr (RFC 7296 2.14).
bool prf_fixed_key(PrfId p);

}  // namespace esp::ike
