// Names and small helpers of the msg library's types.
#include <string>

#include "esp/ike/message.hpp"

namespace esp::ike {

const char* payload_type_name(PayloadType t) {
  switch (t) {
    case PayloadType::None: return "none";
    case PayloadType::SA: return "SA";
    case PayloadType::KE: return "KE";
    case PayloadType::IDi: return "IDi";
    case PayloadType::IDr: return "IDr";
    case PayloadType::CERT: return "CERT";
    case PayloadType::CERTREQ: return "CERTREQ";
    case PayloadType::AUTH: return "AUTH";
    case PayloadType::Nonce: return "Ni/Nr";
    case PayloadType::Notify: return "N";
    case PayloadType::Delete: return "D";
    case PayloadType::Vendor: return "V";
    case PayloadType::TSi: return "TSi";
    case PayloadType::TSr: return "TSr";
    case PayloadType::SK: return "SK";
    case PayloadType::CP: return "CP";
    case PayloadType::EAP: return "EAP";
    case PayloadType::SKF: return "SKF";
  }
  return "unknown";
}

const char* msg_errc_name(MsgErrc c) {
  switch (c) {
    case MsgErrc::Truncated: return "Truncated";
    case MsgErrc::BadLength: return "BadLength";
    case MsgErrc::InvalidMajorVersion: return "InvalidMajorVersion";
    case MsgErrc::InvalidSyntax: return "InvalidSyntax";
    case MsgErrc::UnsupportedCritical: return "UnsupportedCritical";
    case MsgErrc::TooManyPayloads: return "TooManyPayloads";
    case MsgErrc::Unencodable: return "Unencodable";
  }
  return "?";
}

std::string MsgError::to_string() const {
  return std::string(msg_errc_name(code)) + " at offset " + std::to_string(offset) + ": " + reason;
}

NotifyType MsgError::notify() const {
  switch (code) {
    case MsgErrc::InvalidMajorVersion: return NotifyType::INVALID_MAJOR_VERSION;
    case MsgErrc::UnsupportedCritical: return NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD;
    default: return NotifyType::INVALID_SYNTAX;
  }
}

bool is_decoded_payload_type(PayloadType t) {
  return is_known_payload_type(t) && t != PayloadType::CP && t != PayloadType::EAP;
}

bool is_known_payload_type(PayloadType t) {
  const auto v = static_cast<unsigned>(t);
  return (v >= 33 && v <= 48) || t == PayloadType::SKF;
}

Payload make_payload(PayloadType type, PayloadBody body) {
  Payload p;
  p.type = type;
  p.body = std::move(body);
  return p;
}

Payload make_notify(NotifyType type, Bytes data, ProtocolId protocol, Bytes spi) {
  NotifyPayload n;
  n.protocol = protocol;
  n.spi = std::move(spi);
  n.type = type;
  n.data = std::move(data);
  return make_payload(PayloadType::Notify, std::move(n));
}

}  // namespace esp::ike
