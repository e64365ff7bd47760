// The control protocol between espctl and esp-iked (ike/ctl/README.md):
// a Unix stream socket, one JSON object per line each way.
//   request: {"cmd":"list-sas"} | {"cmd":"list-conns"} | {"cmd":"stats"} |
//            {"cmd":"initiate","child":N[,"ike":N][,"timeout":S]} |
//            {"cmd":"terminate","ike":N} | {"cmd":"terminate","child":N} |
//            {"cmd":"rekey","child":N} | {"cmd":"rekey","ike":N} | {"cmd":"reload"}
//   reply:   {"ok":true,"result":{...}} | {"ok":false,"error":"text"}
// Several requests per connection, answered in order.
//
// Thread-safety: everything here is a pure function or a constant; safe from
// any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace esp::ike {

// Where esp-iked listens unless --control says otherwise.
inline constexpr const char *kDefaultControlPath = "/run/esp-iked.ctl";
// The longest request line the server reads (newline excluded); a longer one
// gets an error reply and the connection is closed.
inline constexpr std::size_t kMaxRequestLine = 64 * 1024;
// The longest reply line the client accepts (a list-sas of many SAs is big).
inline constexpr std::size_t kMaxReplyLine = 64 * 1024 * 1024;
// initiate's "timeout" when the request has none, and its upper bound (s).
inline constexpr int kDefaultInitiateTimeout = 30;
inline constexpr int kMaxInitiateTimeout = 3600;

// Every failure of the control socket, on either side: cannot bind or
// connect, the peer closed, no reply in time, a malformed reply.
class ControlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The daemon answered {"ok":false,"error":...}: what() is that text.
class ControlRemoteError : public ControlError {
 public:
  using ControlError::ControlError;
};

// nullopt when `req` is a well-formed request: an object whose "cmd" is one of
// the commands above with exactly the arguments that command takes (names
// strings of 1..255 bytes without control characters, timeout an integer
// 1..3600).
// Otherwise the error text the server replies with.
std::optional<std::string> validate_request(const nlohmann::json &req);

// The reply lines, newline included. Strings that are not valid UTF-8 are
// repaired (U+FFFD), never a throw.
std::string ok_reply_line(const nlohmann::json &result);
std::string error_reply_line(const std::string &error);
// One JSON value on one line, newline included (same UTF-8 repair).
std::string json_line(const nlohmann::json &j);

}  // namespace esp::ike
