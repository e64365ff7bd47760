// Proposal negotiation for IKE SAs and CHILD_SAs (RFC 7296 2.7, 3.3):
// our SA payload offer, the responder's choice among the peer's proposals,
// the initiator's check of the responder's one proposal, and the DH group
// dance of INVALID_KE_PAYLOAD (1.2, 1.3).
//
// How a responder chooses (select_proposal), as strongSwan does with
// prefer_configured_proposals (its default):
//   - our proposals in our order; for each, the peer's in theirs; the first
//     pair that matches wins, and keeps the PEER's proposal number and SPI;
//   - per transform type, our first choice that the peer also offers, with
//     the same Key Length (aes128gcm16 never matches aes256gcm16; an AES
//     transform without a Key Length attribute matches nothing);
//   - with AES-GCM/GMAC chosen, integrity transforms are ignored;
//   - IKE needs ENCR, PRF, DH (and INTEG without AEAD); ESP needs ENCR and
//     ESN (mandatory, RFC 7296 3.3.3: a peer proposal without ESN is
//     skipped); PFS (DH in ESP): when we have DH groups the peer must offer
//     one of them; when we have none the peer must offer none or NONE (0);
//   - a peer proposal is skipped when it has another protocol, a transform
//     type we do not know, a type the protocol has no use for (PRF in ESP,
//     ESN in IKE), or a wrong SPI size (IKE: 0 or 8; ESP: 4; a zero SPI is
//     refused). A transform with an attribute other than Key Length (3.3.6)
//     is ignored, as one we do not support.
//   - SelectOptions.skip_dh (a CHILD_SA in IKE_AUTH, which carries no KE):
//     DH transforms are ignored on both sides and no PFS group is chosen.
//
// Threading: pure functions over values; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/ike/dh.hpp"
#include "esp/ike/ike_keys.hpp"
#include "esp/ike/payloads.hpp"
#include "esp/ike/proposal.hpp"
#include "esp/ike/transforms.hpp"

namespace esp::ike {

// Our offer: one msg Proposal per conf::Proposal, numbered from 1, with all
// its transform choices; protocol IKE (spi empty for IKE_SA_INIT, 8 bytes for
// an IKE rekey) or ESP (4-byte SPI). A Key Length attribute for AES; ESN
// transforms for ESP (NO_ESN when the proposal has none). skip_dh leaves the
// DH transforms out (the CHILD_SA of IKE_AUTH, RFC 7296 1.2).
// Throws std::invalid_argument when a proposal's kind is not proto's, the SPI
// size is wrong for proto, or there are more than 255 proposals.
SaPayload make_offer(const std::vector<conf::Proposal>& ours, ProtocolId proto, const Bytes& spi, bool skip_dh = false);

// One chosen transform set.
struct Chosen {
  ProtocolId protocol = ProtocolId::IKE;
  std::uint8_t number = 0;  // the proposal number it came with
  Bytes spi;                // and the SPI (the peer's for select_proposal/check_response)
  EncrId encr = EncrId::AesGcm16;
  unsigned key_bits = 0;
  IntegId integ = IntegId::None;
  std::optional<PrfId> prf;   // IKE only
  std::optional<DhGroup> dh;  // IKE: always set; ESP: the PFS group, or none
  bool esn = false;           // ESP only

  // The responder's one-proposal SA payload: our number, transforms, and
  // `our_spi` (empty for IKE_SA_INIT, our 8-byte IKE SPI for an IKE rekey, our
  // inbound 4-byte SPI for ESP).
  SaPayload as_payload(const Bytes& our_spi) const;
  // Throws std::logic_error when prf is unset (not an IKE choice).
  IkeSuite ike_suite() const;
  ChildSuite child_suite() const;
  // strongSwan's form (its %P without the "IKE:"/"ESP:" prefix):
  // "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384",
  // "AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
  // "AES_GCM_16_128/NO_EXT_SEQ", "AES_GCM_16_256/ECP_384/EXT_SEQ".
  std::string str() const;

  bool operator==(const Chosen& o) const {
    return protocol == o.protocol && number == o.number && spi == o.spi && encr == o.encr && key_bits == o.key_bits &&
           integ == o.integ && prf == o.prf && dh == o.dh && esn == o.esn;
  }
  bool operator!=(const Chosen& o) const { return !(*this == o); }
};

struct SelectOptions {
  // Ignore DH transforms (a CHILD_SA created in IKE_AUTH).
  bool skip_dh = false;
  // The group of the KE payload that came with the SA payload. When set and
  // both sides allow it in the proposal being matched, it is chosen over our
  // first choice (saves an INVALID_KE_PAYLOAD round trip); the proposal order
  // is not changed by it. Unset: strictly our first choice, as strongSwan.
  std::optional<std::uint16_t> ke_group;
  // IKE only: the SPI size the exchange requires (0 in IKE_SA_INIT, 8 for an
  // IKE rekey); unset accepts either. Other sizes are always skipped.
  std::optional<std::size_t> ike_spi_size;
};

// Responder: see the top of this file. nullopt -> NO_PROPOSAL_CHOSEN.
std::optional<Chosen> select_proposal(const std::vector<conf::Proposal>& ours, const SaPayload& theirs,
                                      ProtocolId proto, const SelectOptions& opt = {});

// Responder, IKE_SA_INIT / CREATE_CHILD_SA with KE: does a KE payload of
// `ke_group` fit the chosen proposal? When false and chosen.dh is set, answer
// INVALID_KE_PAYLOAD with *chosen.dh (RFC 7296 1.2); when false and no DH
// was chosen (ESP without PFS), the KE payload is ignored (strongSwan: "agreed
// on a non-PFS proposal").
bool ke_fits(const Chosen& chosen, std::uint16_t ke_group);

// Initiator: check the responder's SA payload against what we offered:
// exactly one proposal, of proto, a number we sent, SPI size right (ESP 4,
// IKE that of our offer) and not zero, each transform type at most once and
// each transform one we offered in that proposal (same ID and Key Length,
// no other attributes), every type the proposal needs present (ENCR; IKE:
// PRF, DH, INTEG unless AEAD; ESP: ESN if offered, DH if offered without
// NONE). Error text says what is wrong; chosen is set exactly when error is
// empty.
struct CheckResult {
  std::optional<Chosen> chosen;
  std::string error;
};
CheckResult check_response(const SaPayload& offered, const SaPayload& response, ProtocolId proto);

// The initiator's first KE: the first DH group of the first proposal that
// has one (strongSwan's get_algorithm over the list); nullopt when none has
// (ESP without PFS) or the group is not one we implement.
std::optional<DhGroup> dh_for_first_ke(const std::vector<conf::Proposal>& ours);
// Initiator after INVALID_KE_PAYLOAD with `requested`: true if any of our
// proposals allows it (and we implement it). Retry with that group; the
// offer may stay as it was or be reordered with promote_dh.
bool dh_allowed(const std::vector<conf::Proposal>& ours, std::uint16_t requested);
// Our proposals with `group` moved to the front of each DH list, and the
// proposals without it moved after those with it (strongSwan's
// promote_transform after INVALID_KE_PAYLOAD), order otherwise kept.
std::vector<conf::Proposal> promote_dh(const std::vector<conf::Proposal>& ours, std::uint16_t group);

// Names for listings (strongSwan's enum names, as swanctl and vici print
// them): "AES_GCM_16", "AES_CBC", "NULL_AES_GMAC"; "HMAC_SHA2_256_128";
// "PRF_HMAC_SHA2_256", "PRF_AES128_XCBC"; "MODP_2048", "ECP_256",
// "CURVE_25519"; a value we do not name gives "UNKNOWN_<n>". integ_name of
// IntegId::None is "NONE".
std::string encr_name(EncrId e);
std::string integ_name(IntegId i);
std::string prf_name(PrfId p);
std::string dh_name(DhGroup g);

}  // namespace esp::ike
