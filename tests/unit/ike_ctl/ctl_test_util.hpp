// Test helpers for the control socket: a temporary directory and a raw
// connection that sends arbitrary bytes and reads reply lines.
#pragma once

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

namespace ctltest {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ike_ctl_XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string &name) const { return path_ + "/" + name; }
  const std::string &path() const { return path_; }

 private:
  std::string path_;
};

inline sockaddr_un addr_of(const std::string &path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  return a;
}

// A client that speaks bytes, not JSON. Reads wait at most 10 s (a hang is a
// failure, not a timing assertion).
class RawConn {
 public:
  explicit RawConn(const std::string &path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a = addr_of(path);
    if (::connect(fd_, reinterpret_cast<const sockaddr *>(&a), sizeof(a)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawConn() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConn(const RawConn &) = delete;
  RawConn &operator=(const RawConn &) = delete;
  bool connected() const { return fd_ >= 0; }

  bool send_all(const std::string &bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  // The next line (newline stripped); nullopt on EOF or after 10 s.
  std::optional<std::string> line() {
    for (;;) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string l = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return l;
      }
      if (!fill()) return std::nullopt;
    }
  }
  // True when the server closed the connection (after any unread lines).
  bool at_eof() {
    while (buf_.empty())
      if (!fill()) return eof_;
    return false;
  }

 private:
  bool fill() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return false;
    char b[65536];
    ssize_t n = ::recv(fd_, b, sizeof(b), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(b, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

}  // namespace ctltest
