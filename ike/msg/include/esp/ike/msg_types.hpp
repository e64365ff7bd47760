// IKEv2 numbers (RFC 7296 section 3 and the IANA "IKEv2 Parameters"
// registry), typed once. Enums are open: a value that is not named here is
// still representable (static_cast) and is kept as received.
#pragma once

#include <cstdint>

namespace esp::ike {

// IKE header, RFC 7296 3.1.
inline constexpr std::size_t kIkeHeaderSize = 28;
inline constexpr std::size_t kGenericPayloadHeaderSize = 4;
inline constexpr std::uint8_t kIkeMajorVersion = 2;

enum class ExchangeType : std::uint8_t {
  IkeSaInit = 34,
  IkeAuth = 35,
  CreateChildSa = 36,
  Informational = 37,
};

// Header flags (RFC 7296 3.1): bit 3 Initiator, bit 4 Version, bit 5 Response.
namespace flags {
inline constexpr std::uint8_t kInitiator = 0x08;
inline constexpr std::uint8_t kVersion = 0x10;
inline constexpr std::uint8_t kResponse = 0x20;
}  // namespace flags

// Payload type numbers (RFC 7296 3.2, RFC 7383 2.5 for SKF).
enum class PayloadType : std::uint8_t {
  None = 0,
  SA = 33,
  KE = 34,
  IDi = 35,
  IDr = 36,
  CERT = 37,
  CERTREQ = 38,
  AUTH = 39,
  Nonce = 40,
  Notify = 41,
  Delete = 42,
  Vendor = 43,
  TSi = 44,
  TSr = 45,
  SK = 46,
  CP = 47,
  EAP = 48,
  SKF = 53,
};

// Security protocol identifiers (RFC 7296 3.3.1).
enum class ProtocolId : std::uint8_t {
  None = 0,  // notify not about an SA
  IKE = 1,
  AH = 2,
  ESP = 3,
};

// Transform types (RFC 7296 3.3.2).
enum class TransformType : std::uint8_t {
  ENCR = 1,
  PRF = 2,
  INTEG = 3,
  DH = 4,
  ESN = 5,
};

// Transform attribute types (RFC 7296 3.3.5); Key Length is always TV.
inline constexpr std::uint16_t kAttrKeyLength = 14;

// A few transform IDs the daemon uses (IANA registry), for readability.
namespace transform_id {
inline constexpr std::uint16_t kEncrAesCbc = 12;
inline constexpr std::uint16_t kEncrAesGcm16 = 20;
inline constexpr std::uint16_t kPrfHmacSha256 = 5;
inline constexpr std::uint16_t kAuthHmacSha256_128 = 12;
inline constexpr std::uint16_t kDhModp2048 = 14;
inline constexpr std::uint16_t kDhEcp256 = 19;
inline constexpr std::uint16_t kDhCurve25519 = 31;
inline constexpr std::uint16_t kEsnNo = 0;
inline constexpr std::uint16_t kEsnYes = 1;
}  // namespace transform_id

// Identification types (RFC 7296 3.5).
enum class IdType : std::uint8_t {
  IPV4_ADDR = 1,
  FQDN = 2,
  RFC822_ADDR = 3,
  IPV6_ADDR = 5,
  DER_ASN1_DN = 9,
  DER_ASN1_GN = 10,
  KEY_ID = 11,
};

// Certificate encodings (RFC 7296 3.6).
enum class CertEncoding : std::uint8_t {
  X509Signature = 4,
  CRL = 7,
  RawRsaKey = 11,
  HashUrlX509 = 12,
  HashUrlBundle = 13,
};

// Authentication methods (RFC 7296 3.8, RFC 4754, RFC 7427).
enum class AuthMethod : std::uint8_t {
  RsaSignature = 1,
  SharedKeyMic = 2,
  DssSignature = 3,
  EcdsaSha256P256 = 9,
  EcdsaSha384P384 = 10,
  EcdsaSha512P521 = 11,
  DigitalSignature = 14,
};

// Notify message types (RFC 7296 3.10.1, RFC 4555, RFC 7383, RFC 7427).
enum class NotifyType : std::uint16_t {
  // errors (< 16384)
  UNSUPPORTED_CRITICAL_PAYLOAD = 1,
  INVALID_IKE_SPI = 4,
  INVALID_MAJOR_VERSION = 5,
  INVALID_SYNTAX = 7,
  INVALID_MESSAGE_ID = 9,
  INVALID_SPI = 11,
  NO_PROPOSAL_CHOSEN = 14,
  INVALID_KE_PAYLOAD = 17,
  AUTHENTICATION_FAILED = 24,
  SINGLE_PAIR_REQUIRED = 34,
  NO_ADDITIONAL_SAS = 35,
  INTERNAL_ADDRESS_FAILURE = 36,
  FAILED_CP_REQUIRED = 37,
  TS_UNACCEPTABLE = 38,
  INVALID_SELECTORS = 39,
  UNACCEPTABLE_ADDRESSES = 40,   // RFC 4555
  UNEXPECTED_NAT_DETECTED = 41,  // RFC 4555
  TEMPORARY_FAILURE = 43,
  CHILD_SA_NOT_FOUND = 44,
  // status (>= 16384)
  INITIAL_CONTACT = 16384,
  SET_WINDOW_SIZE = 16385,
  ADDITIONAL_TS_POSSIBLE = 16386,
  IPCOMP_SUPPORTED = 16387,
  NAT_DETECTION_SOURCE_IP = 16388,
  NAT_DETECTION_DESTINATION_IP = 16389,
  COOKIE = 16390,
  USE_TRANSPORT_MODE = 16391,
  HTTP_CERT_LOOKUP_SUPPORTED = 16392,
  REKEY_SA = 16393,
  ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
  NON_FIRST_FRAGMENTS_ALSO = 16395,
  MOBIKE_SUPPORTED = 16396,         // RFC 4555
  ADDITIONAL_IP4_ADDRESS = 16397,   // RFC 4555
  ADDITIONAL_IP6_ADDRESS = 16398,   // RFC 4555
  NO_ADDITIONAL_ADDRESSES = 16399,  // RFC 4555
  UPDATE_SA_ADDRESSES = 16400,      // RFC 4555
  COOKIE2 = 16401,                  // RFC 4555
  NO_NATS_ALLOWED = 16402,          // RFC 4555
  IKEV2_FRAGMENTATION_SUPPORTED = 16430,  // RFC 7383
  SIGNATURE_HASH_ALGORITHMS = 16431,      // RFC 7427
};

inline constexpr bool is_error_notify(NotifyType t) {
  return static_cast<std::uint16_t>(t) < 16384;
}

// Traffic selector types (RFC 7296 3.13.1).
enum class TsType : std::uint8_t {
  IPV4_ADDR_RANGE = 7,
  IPV6_ADDR_RANGE = 8,
};

// Name of a payload type for messages ("SA", "N", "unknown").
const char* payload_type_name(PayloadType t);

}  // namespace esp::ike
