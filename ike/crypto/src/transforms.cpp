#include "esp/ike/transforms.hpp"

#include "esp/ike/bytes.hpp"

#include <string>

namespace esp::ike {

std::optional<PrfId> prf_from_id(uint16_t id) {
  switch (id) {
    case 4: return PrfId::Aes128Xcbc;
    case 5: return PrfId::HmacSha256;
    case 6: return PrfId::HmacSha384;
    case 7: return PrfId::HmacSha512;
    default: return std::nullopt;
  }
}

std::optional<EncrId> encr_from_id(uint16_t id) {
  switch (id) {
    case 12: return EncrId::AesCbc;
    case 20: return EncrId::AesGcm16;
    case 21: return EncrId::NullAuthAesGmac;
    default: return std::nullopt;
  }
}

std::optional<IntegId> integ_from_id(uint16_t id) {
  switch (id) {
    case 0: return IntegId::None;
    case 12: return IntegId::HmacSha256_128;
    case 13: return IntegId::HmacSha384_192;
    case 14: return IntegId::HmacSha512_256;
    default: return std::nullopt;
  }
}

bool encr_is_aead(EncrId e) { return e == EncrId::AesGcm16 || e == EncrId::NullAuthAesGmac; }

bool encr_key_bits_valid(EncrId, unsigned key_bits) { return key_bits == 128 || key_bits == 256; }

size_t encr_keymat_len(EncrId e, unsigned key_bits) {
  if (!encr_key_bits_valid(e, key_bits))
    throw CryptoError("AES key length " + std::to_string(key_bits) + " bits is not supported");
  return key_bits / 8 + (encr_is_aead(e) ? kAeadSaltLen : 0);
}

size_t integ_key_len(IntegId i) {
  switch (i) {
    case IntegId::None: return 0;
    case IntegId::HmacSha256_128: return 32;
    case IntegId::HmacSha384_192: return 48;
    case IntegId::HmacSha512_256: return 64;
  }
  throw CryptoError("unknown integrity transform");
}

size_t integ_icv_len(IntegId i) { return integ_key_len(i) / 2; }

bool prf_fixed_key(PrfId p) { return p == PrfId::Aes128Xcbc; }

size_t prf_out_len(PrfId p) {
  switch (p) {
    case PrfId::Aes128Xcbc: return 16;
    case PrfId::HmacSha256: return 32;
    case PrfId::HmacSha384: return 48;
    case PrfId::HmacSha512: return 64;
  }
  throw CryptoError("unknown PRF");
}

}  // namespace esp::ike
