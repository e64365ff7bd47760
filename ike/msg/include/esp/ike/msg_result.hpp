// Result of parsing or building an IKEv2 message: a value or an error with
// the byte offset (from the start of the parsed buffer) and a reason.
// Parsing never throws on bad input; the error says what the peer sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "esp/ike/msg_types.hpp"

namespace esp::ike {

enum class MsgErrc : std::uint8_t {
  Truncated,            // a length or count points past the bytes there are
  BadLength,            // a length field that cannot be right (too small, trailing bytes)
  InvalidMajorVersion,  // header major version != 2 (answer INVALID_MAJOR_VERSION)
  InvalidSyntax,        // a field with a value the RFC forbids (answer INVALID_SYNTAX)
  UnsupportedCritical,  // unknown payload with the critical bit (UNSUPPORTED_CRITICAL_PAYLOAD)
  TooManyPayloads,      // more payloads in one chain than kMaxPayloads
  Unencodable,          // build(): a value does not fit its field
};

const char* msg_errc_name(MsgErrc c);

struct MsgError {
  MsgErrc code = MsgErrc::InvalidSyntax;
  std::size_t offset = 0;  // byte offset of the offending field
  std::string reason;
  // For UnsupportedCritical: the payload type to put in the notify data.
  PayloadType payload_type = PayloadType::None;

  // "InvalidSyntax at offset 32: ..." for logs.
  std::string to_string() const;
  // The notify an IKE responder answers with (RFC 7296 2.21.1, 3.10.1).
  NotifyType notify() const;
};

template <class T>
class MsgResult {
 public:
  MsgResult(T v) : v_(std::move(v)) {}                // NOLINT(google-explicit-constructor)
  MsgResult(MsgError e) : v_(std::move(e)) {}         // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const MsgError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, MsgError> v_;
};

}  // namespace esp::ike
