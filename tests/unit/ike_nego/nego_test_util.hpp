// Helpers for the esp_ike_nego tests: SA payloads written with the IANA
// numbers (RFC 7296 3.3.2, "IKEv2 Parameters"), as a peer would send them,
// and selectors in strongSwan's text form.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "esp/ike/payloads.hpp"
#include "esp/ike/proposal.hpp"
#include "esp/runtime/traffic_selector.hpp"

namespace esp::ike::test {

// IANA numbers, typed here on purpose (not taken from the code under test).
enum : std::uint8_t { ENCR = 1, PRF = 2, INTEG = 3, DH = 4, ESN = 5 };
enum : std::uint16_t {
  AES_CBC = 12, AES_GCM_16 = 20, NULL_AES_GMAC = 21,
  PRF_SHA256 = 5, PRF_SHA384 = 6, PRF_SHA512 = 7,
  HMAC_SHA256_128 = 12, HMAC_SHA384_192 = 13, HMAC_SHA512_256 = 14,
  MODP_2048 = 14, MODP_3072 = 15, ECP_256 = 19, ECP_384 = 20, ECP_521 = 21, CURVE_25519 = 31,
};

struct T {
  std::uint8_t type;
  std::uint16_t id;
  std::uint16_t key_bits = 0;  // 0: no Key Length attribute
};

inline Proposal prop(std::uint8_t number, ProtocolId proto, Bytes spi, std::initializer_list<T> ts) {
  Proposal p;
  p.number = number;
  p.protocol = proto;
  p.spi = std::move(spi);
  for (const T& t : ts) {
    Transform x;
    x.type = static_cast<TransformType>(t.type);
    x.id = t.id;
    if (t.key_bits) x.attributes.push_back(TransformAttribute{14, true, t.key_bits, {}});
    p.transforms.push_back(x);
  }
  return p;
}

inline SaPayload sa(std::initializer_list<Proposal> ps) { return SaPayload{std::vector<Proposal>(ps)}; }

inline std::vector<conf::Proposal> ike(const std::vector<std::string>& items) {
  return conf::parse_proposals(items, conf::ProposalKind::Ike);
}
inline std::vector<conf::Proposal> esp(const std::vector<std::string>& items) {
  return conf::parse_proposals(items, conf::ProposalKind::Esp);
}

inline runtime::TrafficSelector ts(const std::string& text) { return runtime::TrafficSelector::parse(text); }
inline std::vector<runtime::TrafficSelector> tss(std::initializer_list<const char*> texts) {
  std::vector<runtime::TrafficSelector> out;
  for (const char* t : texts) out.push_back(ts(t));
  return out;
}
inline std::vector<std::string> strs(const std::vector<runtime::TrafficSelector>& v) {
  std::vector<std::string> out;
  for (const auto& t : v) out.push_back(t.str());
  return out;
}

const Bytes kSpi4{0x11, 0x22, 0x33, 0x44};
const Bytes kSpi8{1, 2, 3, 4, 5, 6, 7, 8};

}  // namespace esp::ike::test
