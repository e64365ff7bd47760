// ControlClient: espctl's end of the control socket (ctl_protocol.hpp). One
// connection, kept open for several calls.
//
// Thread-safety: none; one object per thread.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "esp/ike/ctl_protocol.hpp"

namespace esp::ike {

class ControlClient {
 public:
  // Connects. Throws ControlError
  // "cannot connect to PATH: reason (is esp-iked running?)".
  explicit ControlClient(std::string path);
  ~ControlClient();
  ControlClient(const ControlClient &) = delete;
  ControlClient &operator=(const ControlClient &) = delete;

  // Sends `req`, waits up to timeout_ms (< 0: forever) for the reply line and
  // returns its "result". Throws ControlRemoteError with the daemon's text
  // when the reply is {"ok":false,...}, ControlError on anything else (the
  // connection closed, no reply in time, a reply that is not one); after a
  // ControlError the connection is closed and every later call throws.
  nlohmann::json call(const nlohmann::json &req, int timeout_ms);
  // The same, returning the whole reply object ({"ok":...}) as it came;
  // throws only ControlError.
  nlohmann::json call_raw(const nlohmann::json &req, int timeout_ms);

  const std::string &path() const { return path_; }

 private:
  [[noreturn]] void fail(const std::string &why);
  std::string path_;
  int fd_ = -1;
  std::string in_;  // bytes after the last reply line
};

}  // namespace esp::ike
