// strongSwan's names of the transforms we negotiate (its crypter.c,
// signer.c, prf.c, key_exchange.c enum names): see proposals.hpp.
#include "esp/ike/proposals.hpp"

namespace esp::ike {

namespace {
std::string unknown(unsigned v) { return "UNKNOWN_" + std::to_string(v); }
}  // namespace

std::string encr_name(EncrId e) {
  switch (e) {
    case EncrId::AesCbc: return "AES_CBC";
    case EncrId::AesGcm16: return "AES_GCM_16";
    case EncrId::NullAuthAesGmac: return "NULL_AES_GMAC";
  }
  return unknown(static_cast<unsigned>(e));
}

std::string integ_name(IntegId i) {
  switch (i) {
    case IntegId::None: return "NONE";
    case IntegId::HmacSha256_128: return "HMAC_SHA2_256_128";
    case IntegId::HmacSha384_192: return "HMAC_SHA2_384_192";
    case IntegId::HmacSha512_256: return "HMAC_SHA2_512_256";
  }
  return unknown(static_cast<unsigned>(i));
}

std::string prf_name(PrfId p) {
  switch (p) {
    case PrfId::Aes128Xcbc: return "PRF_AES128_XCBC";
    case PrfId::HmacSha256: return "PRF_HMAC_SHA2_256";
    case PrfId::HmacSha384: return "PRF_HMAC_SHA2_384";
    case PrfId::HmacSha512: return "PRF_HMAC_SHA2_512";
  }
  return unknown(static_cast<unsigned>(p));
}

std::string dh_name(DhGroup g) {
  switch (g) {
    case DhGroup::Modp2048: return "MODP_2048";
    case DhGroup::Modp3072: return "MODP_3072";
    case DhGroup::Ecp256: return "ECP_256";
    case DhGroup::Ecp384: return "ECP_384";
    case DhGroup::Ecp521: return "ECP_521";
    case DhGroup::Curve25519: return "CURVE_25519";
  }
  return unknown(static_cast<unsigned>(g));
}

}  // namespace esp::ike
