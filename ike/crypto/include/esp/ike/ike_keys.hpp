// Key material of an IKE SA (RFC 7296 2.14, rekeyed 2.18) and of a CHILD_SA
// (2.17). Nonces are the Nonce payloads' data, SPIs the 8-byte IKE SPIs as
// they appear in the IKE header.
#pragma once

#include "esp/ike/bytes.hpp"
#include "esp/ike/transforms.hpp"

#include <optional>

namespace esp::ike {

// The IKE SA's negotiated transforms, which fix the key lengths.
struct IkeSuite {
  EncrId encr = EncrId::AesGcm16;
  unsigned encr_key_bits = 128;
  IntegId integ = IntegId::None;  // None for AEAD
  PrfId prf = PrfId::HmacSha256;
};

struct IkeSaKeys {
  SecretBytes sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
};

// SKEYSEED = prf(Ni | Nr, g^ir)  (initial IKE SA). With a fixed-key PRF
// (AES-XCBC) the key is the first 8 bytes of Ni | the first 8 bytes of Nr.
SecretBytes skeyseed(PrfId p, ByteView ni, ByteView nr, ByteView g_ir);
// SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)  (IKE SA rekey, 2.18): p
// is the OLD IKE SA's PRF, the nonces those of the CREATE_CHILD_SA exchange.
SecretBytes skeyseed_rekey(PrfId old_prf, ByteView old_sk_d, ByteView g_ir, ByteView ni, ByteView nr);

// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
//     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
// with SK_d/SK_pi/SK_pr of the PRF's key length, SK_a* of the integrity key
// length (none for AEAD), SK_e* of encr_keymat_len (salt included for GCM).
IkeSaKeys derive_ike_sa_keys(const IkeSuite &suite, ByteView skeyseed, ByteView ni, ByteView nr,
                             ByteView spi_i, ByteView spi_r);

// The transforms of a CHILD_SA (ESP): AES-GCM-16 or AES-GMAC (integ None), or
// an encryption with a separate integrity transform.
struct ChildSuite {
  EncrId encr = EncrId::AesGcm16;
  unsigned encr_key_bits = 128;
  IntegId integ = IntegId::None;
};

// Keys of one direction. For GCM/GMAC encr is key | 4-byte salt, the layout
// the card's SA table and RFC 4106 8.1 use.
struct ChildDirKeys {
  SecretBytes encr, integ;
};

struct ChildSaKeys {
  ChildDirKeys i_to_r;  // the SA carrying initiator-to-responder traffic
  ChildDirKeys r_to_i;
};

// KEYMAT = prf+(SK_d, Ni | Nr), or prf+(SK_d, g^ir (new) | Ni | Nr) with PFS
// (g_ir given). Taken in the order encr, integ for initiator-to-responder,
// then encr, integ for responder-to-initiator (2.17). p is the IKE SA's PRF.
ChildSaKeys derive_child_sa_keys(PrfId p, const ChildSuite &suite, ByteView sk_d, ByteView ni, ByteView nr,
                                 std::optional<ByteView> g_ir = std::nullopt);

}  // namespace esp::ike
