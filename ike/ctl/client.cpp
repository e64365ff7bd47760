#include "esp/ike/ctl_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace esp::ike {

using nlohmann::json;

ControlClient::ControlClient(std::string path) : path_(std::move(path)) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path_.empty() || path_.size() >= sizeof(a.sun_path))
    throw ControlError("cannot connect to " + path_ + ": path too long or empty");
  std::memcpy(a.sun_path, path_.data(), path_.size());
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    throw ControlError("cannot connect to " + path_ + ": socket: " + std::strerror(errno));
  if (::connect(fd_, reinterpret_cast<const sockaddr *>(&a), sizeof(a)) != 0) {
    int e = errno;
    ::close(fd_);
    fd_ = -1;
    throw ControlError("cannot connect to " + path_ + ": " + std::strerror(e) +
                       " (is esp-iked running?)");
  }
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) ::close(fd_);
}

void ControlClient::fail(const std::string &why) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  in_.clear();
  throw ControlError(path_ + ": " + why);
}

json ControlClient::call_raw(const json &req, int timeout_ms) {
  if (fd_ < 0) throw ControlError(path_ + ": not connected (an earlier call failed)");
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  auto wait = [&](short ev) {
    for (;;) {
      int ms = -1;
      if (timeout_ms >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        ms = left.count() < 0 ? 0 : static_cast<int>(left.count());
      }
      pollfd p{fd_, ev, 0};
      int n = ::poll(&p, 1, ms);
      if (n > 0) return;
      if (n == 0) fail("no reply within " + std::to_string(timeout_ms) + " ms");
      if (errno != EINTR) fail(std::string("poll: ") + std::strerror(errno));
    }
  };

  const std::string line = json_line(req);
  std::size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::send(fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      off += static_cast<std::size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      wait(POLLOUT);
    } else if (errno != EINTR) {
      fail(std::string("send: ") + std::strerror(errno) + " (did esp-iked stop?)");
    }
  }

  std::size_t scanned = 0;
  for (;;) {
    std::size_t nl = in_.find('\n', scanned);
    if (nl != std::string::npos) {
      std::string reply = in_.substr(0, nl);
      in_.erase(0, nl + 1);
      json j = json::parse(reply, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("ok") || !j["ok"].is_boolean())
        fail("the daemon's reply is not {\"ok\":...} JSON");
      return j;
    }
    scanned = in_.size();
    if (in_.size() > kMaxReplyLine)
      fail("reply longer than " + std::to_string(kMaxReplyLine) + " bytes");
    wait(POLLIN);
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      in_.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      fail("the daemon closed the connection without a reply");
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      fail(std::string("recv: ") + std::strerror(errno));
    }
  }
}

json ControlClient::call(const json &req, int timeout_ms) {
  json reply = call_raw(req, timeout_ms);
  if (!reply["ok"].get<bool>()) {
    const json &e = reply.contains("error") ? reply["error"] : json();
    throw ControlRemoteError(e.is_string() ? e.get<std::string>() : "the daemon reported an error");
  }
  return reply.contains("result") ? reply["result"] : json::object();
}

}  // namespace esp::ike
