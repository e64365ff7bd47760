// Helpers for the ike_wire tests: the IKE SA cipher suites, SkCipher pairs
// with the same keys, and an IKE_AUTH-like set of inner payloads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "esp/ike/message.hpp"
#include "esp/ike/protect.hpp"
#include "esp/ike/sk_payload.hpp"
#include "esp/ike/transforms.hpp"

namespace esp::ike::test {

struct Suite {
  const char* name;
  EncrId encr;
  unsigned bits;
  IntegId integ;
};

inline const Suite kSuites[] = {
    {"aes128gcm16", EncrId::AesGcm16, 128, IntegId::None},
    {"aes256gcm16", EncrId::AesGcm16, 256, IntegId::None},
    {"aes128-sha256", EncrId::AesCbc, 128, IntegId::HmacSha256_128},
    {"aes256-sha384", EncrId::AesCbc, 256, IntegId::HmacSha384_192},
    {"aes256-sha512", EncrId::AesCbc, 256, IntegId::HmacSha512_256},
};

inline Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + 7 * i + (i >> 8));
  return b;
}

// Both ends of one direction of an IKE SA: tx seals, rx opens.
struct CipherPair {
  Bytes enc_key, integ_key;
  std::unique_ptr<SkCipher> tx, rx;
};

inline CipherPair cipher_pair(const Suite& s, std::uint8_t seed = 1) {
  CipherPair p;
  p.enc_key = pattern(encr_keymat_len(s.encr, s.bits), seed);
  p.integ_key = pattern(integ_key_len(s.integ), static_cast<std::uint8_t>(seed ^ 0x5a));
  p.tx = std::make_unique<SkCipher>(s.encr, s.bits, s.integ, p.enc_key, p.integ_key);
  p.rx = std::make_unique<SkCipher>(s.encr, s.bits, s.integ, p.enc_key, p.integ_key);
  return p;
}

inline IkeHeader auth_header(std::uint32_t message_id, std::uint8_t flags = flags::kInitiator) {
  IkeHeader h;
  h.spi_i = 0x0102030405060708ULL;
  h.spi_r = 0x1112131415161718ULL;
  h.exchange = ExchangeType::IkeAuth;
  h.flags = flags;
  h.message_id = message_id;
  return h;
}

// IDi, CERT (cert_len bytes), AUTH, SA (one ESP proposal), TSi, TSr, N.
inline std::vector<Payload> auth_inner(std::size_t cert_len, std::uint8_t seed = 3) {
  std::vector<Payload> v;
  v.push_back(make_payload(PayloadType::IDi, IdPayload{IdType::FQDN, Bytes{'m', 'o', 'o', 'n'}}));
  if (cert_len)
    v.push_back(make_payload(PayloadType::CERT,
                             CertPayload{CertEncoding::X509Signature, pattern(cert_len, seed)}));
  v.push_back(make_payload(PayloadType::AUTH,
                           AuthPayload{AuthMethod::SharedKeyMic, pattern(32, static_cast<std::uint8_t>(seed + 1))}));
  Proposal prop;
  prop.protocol = ProtocolId::ESP;
  prop.spi = {0xc1, 0xc2, 0xc3, 0xc4};
  Transform enc;
  enc.type = TransformType::ENCR;
  enc.id = transform_id::kEncrAesGcm16;
  enc.attributes.push_back(TransformAttribute::key_length(256));
  Transform esn;
  esn.type = TransformType::ESN;
  esn.id = transform_id::kEsnNo;
  prop.transforms = {enc, esn};
  v.push_back(make_payload(PayloadType::SA, SaPayload{{prop}}));
  TrafficSelector ts;
  ts.start_addr = {10, 1, 0, 0};
  ts.end_addr = {10, 1, 255, 255};
  v.push_back(make_payload(PayloadType::TSi, TsPayload{{ts}}));
  ts.start_addr = {10, 2, 0, 0};
  ts.end_addr = {10, 2, 255, 255};
  v.push_back(make_payload(PayloadType::TSr, TsPayload{{ts}}));
  v.push_back(make_notify(NotifyType::INITIAL_CONTACT));
  return v;
}

// The bytes of a chain (payloads have no operator==: compare these).
inline Bytes chain_bytes(const std::vector<Payload>& v) {
  auto c = build_payload_chain(v);
  return c ? c.value().bytes : Bytes{0xde, 0xad};
}

inline PayloadType chain_first(const std::vector<Payload>& v) {
  return v.empty() ? PayloadType::None : v.front().type;
}

}  // namespace esp::ike::test
