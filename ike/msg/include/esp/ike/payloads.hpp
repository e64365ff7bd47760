// IKEv2 payload values (RFC 7296 section 3, RFC 7383 for SKF). Byte fields are
// kept as received; numeric fields use the enums of msg_types.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "esp/ike/msg_types.hpp"

namespace esp::ike {

using Bytes = std::vector<std::uint8_t>;

// Transform attribute (RFC 7296 3.3.5): TV (AF=1, 16-bit value) or TLV.
struct TransformAttribute {
  std::uint16_t type = 0;  // 15 bits, without the AF bit
  bool tv = true;
  std::uint16_t value = 0;  // TV only
  Bytes data;               // TLV only

  static TransformAttribute key_length(std::uint16_t bits) {
    return TransformAttribute{kAttrKeyLength, true, bits, {}};
  }
};

struct Transform {
  TransformType type = TransformType::ENCR;
  std::uint16_t id = 0;
  std::vector<TransformAttribute> attributes;

  // The Key Length attribute, if present.
  std::optional<std::uint16_t> key_length() const;
};

struct Proposal {
  std::uint8_t number = 1;
  ProtocolId protocol = ProtocolId::IKE;
  Bytes spi;  // empty for IKE_SA_INIT, 4 bytes for ESP/AH, 8 for an IKE rekey
  std::vector<Transform> transforms;
};

struct SaPayload {
  std::vector<Proposal> proposals;
};

struct KePayload {
  std::uint16_t group = 0;  // DH group number (transform type 4 ID)
  Bytes data;
};

// IDi or IDr (the payload type says which).
struct IdPayload {
  IdType type = IdType::FQDN;
  Bytes data;  // 4 bytes for IPV4_ADDR, 16 for IPV6_ADDR
};

// CERT or CERTREQ (the payload type says which).
struct CertPayload {
  CertEncoding encoding = CertEncoding::X509Signature;
  Bytes data;  // CERTREQ: concatenated 20-byte SHA-1 hashes of CA public keys
};

struct AuthPayload {
  AuthMethod method = AuthMethod::SharedKeyMic;
  Bytes data;
};

struct NoncePayload {
  Bytes data;  // 16..256 bytes (RFC 7296 3.9)
};

struct NotifyPayload {
  ProtocolId protocol = ProtocolId::None;
  Bytes spi;
  NotifyType type = NotifyType::INITIAL_CONTACT;
  Bytes data;
};

struct DeletePayload {
  ProtocolId protocol = ProtocolId::ESP;
  std::uint8_t spi_size = 4;  // 0 for IKE, 4 for ESP/AH
  std::vector<Bytes> spis;    // each spi_size bytes
};

struct VendorPayload {
  Bytes id;
};

struct TrafficSelector {
  TsType type = TsType::IPV4_ADDR_RANGE;
  std::uint8_t ip_protocol = 0;  // 0 = any
  std::uint16_t start_port = 0;
  std::uint16_t end_port = 65535;
  Bytes start_addr;  // 4 bytes (IPv4) or 16 (IPv6)
  Bytes end_addr;
};

// TSi or TSr (the payload type says which).
struct TsPayload {
  std::vector<TrafficSelector> selectors;
};

// SK (RFC 7296 3.14): IV | ciphertext | ICV as one opaque block; the
// algorithm decides the split (split_encrypted()). inner_first is the
// Next Payload field of SK: the type of the first payload inside.
struct SkPayload {
  PayloadType inner_first = PayloadType::None;
  Bytes encrypted;
};

// SKF (RFC 7383 2.5): one fragment of an SK payload. inner_first is the type
// of the first inner payload in fragment 1 and None in the others.
struct SkfPayload {
  PayloadType inner_first = PayloadType::None;
  std::uint16_t number = 1;  // 1-based
  std::uint16_t total = 1;
  Bytes encrypted;
};

// A payload this library does not decode (CP, EAP, and unknown types without
// the critical bit): its body, kept byte for byte.
struct RawPayload {
  Bytes body;
};

using PayloadBody = std::variant<SaPayload, KePayload, IdPayload, CertPayload, AuthPayload,
                                 NoncePayload, NotifyPayload, DeletePayload, VendorPayload,
                                 TsPayload, SkPayload, SkfPayload, RawPayload>;

struct Payload {
  PayloadType type = PayloadType::None;
  bool critical = false;
  PayloadBody body;

  template <class T>
  const T* as() const {
    return std::get_if<T>(&body);
  }
  template <class T>
  T* as() {
    return std::get_if<T>(&body);
  }
};

// Does this library decode payloads of type t (false: kept as RawPayload)?
bool is_decoded_payload_type(PayloadType t);
// Is t a payload type this library knows (decoded, or CP/EAP kept raw)? An
// unknown type with the critical bit set makes the message unsupported.
bool is_known_payload_type(PayloadType t);

// Convenience constructors (the payload type is the one the body implies; for
// ID/CERT/TS the caller chooses i/r or CERT/CERTREQ).
Payload make_payload(PayloadType type, PayloadBody body);
Payload make_notify(NotifyType type, Bytes data = {}, ProtocolId protocol = ProtocolId::None,
                    Bytes spi = {});

}  // namespace esp::ike
