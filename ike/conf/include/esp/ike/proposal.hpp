// strongSwan proposal strings ("aes256gcm16-prfsha384-ecp384", ESP
// "aes256gcm16-esn") parsed into IKEv2 transform lists (RFC 7296 3.3.2,
// IANA "IKEv2 Parameters").
//
// What we support (issue 12 item 3); anything else is refused by name:
//   IKE  encryption aes128 aes256 (AES-CBC, "aes" = aes128),
//             aes128gcm16 aes256gcm16 (also written ...gcm128 or ...gcm)
//        integrity  sha256 sha384 sha512 (also sha2_256 ...)
//        PRF        prfsha256 prfsha384 prfsha512; when absent, derived from
//                   the integrity algorithms (as strongSwan does); an AEAD
//                   proposal without integrity must name one
//        DH         modp2048 modp3072 ecp256 ecp384 ecp521 curve25519 (x25519)
//        an IKE proposal needs a DH group. A proposal mixing AEAD and
//        classic encryption is split in two (AEAD first), as strongSwan does.
//   ESP  aes128gcm16 aes256gcm16 (AEAD), aes128gmac aes256gmac (integrity
//        only), esn / noesn (default noesn), a DH group = PFS.
//   "default" expands to our default list (see default_*_proposals()).
//
// Threading: pure functions over values.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace esp::ike::conf {

// IKEv2 transform types and IDs.
namespace xform {
constexpr uint8_t ENCR = 1, PRF = 2, INTEG = 3, DH = 4, ESN = 5;
constexpr uint16_t ENCR_AES_CBC = 12, ENCR_AES_GCM_16 = 20, ENCR_NULL_AUTH_AES_GMAC = 21;
constexpr uint16_t PRF_HMAC_SHA2_256 = 5, PRF_HMAC_SHA2_384 = 6, PRF_HMAC_SHA2_512 = 7;
constexpr uint16_t AUTH_HMAC_SHA2_256_128 = 12, AUTH_HMAC_SHA2_384_192 = 13, AUTH_HMAC_SHA2_512_256 = 14;
constexpr uint16_t MODP_2048 = 14, MODP_3072 = 15, ECP_256 = 19, ECP_384 = 20, ECP_521 = 21,
                   CURVE_25519 = 31;
constexpr uint16_t NO_ESN = 0, WITH_ESN = 1;
}  // namespace xform

struct Transform {
  uint8_t type = 0;
  uint16_t id = 0;
  uint16_t key_bits = 0;  // the Key Length attribute; 0 = none
  bool operator==(const Transform& o) const { return type == o.type && id == o.id && key_bits == o.key_bits; }
  bool operator!=(const Transform& o) const { return !(*this == o); }
};

enum class ProposalKind { Ike, Esp };

struct Proposal {
  ProposalKind kind = ProposalKind::Ike;
  // In the order written, duplicates removed; each list is the choices for
  // one transform type.
  std::vector<Transform> encr, prf, integ, dh, esn;

  bool aead() const;  // encryption is AES-GCM (no integrity transform)
  std::vector<Transform> all() const;  // encr, integ, prf, dh, esn (strongSwan order)
  std::string str() const;             // strongSwan's text form
  bool operator==(const Proposal& o) const {
    return kind == o.kind && encr == o.encr && prf == o.prf && integ == o.integ && dh == o.dh && esn == o.esn;
  }
};

class ProposalError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// One proposal string (one list item); may yield two proposals (AEAD split).
// Throws ProposalError naming the algorithm.
std::vector<Proposal> parse_proposal(const std::string& text, ProposalKind kind);
// A list as swanctl writes it (items already split); "default" expands.
std::vector<Proposal> parse_proposals(const std::vector<std::string>& items, ProposalKind kind);

std::vector<Proposal> default_ike_proposals();
std::vector<Proposal> default_esp_proposals();

}  // namespace esp::ike::conf
