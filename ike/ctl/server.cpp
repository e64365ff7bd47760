#include "esp/ike/ctl_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace esp::ike {

using nlohmann::json;

namespace {

std::string errtext(int e) { return std::strerror(e); }

void close_fd(int &fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

sockaddr_un unix_addr(const std::string &path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(a.sun_path))
    throw ControlError(path + ": a socket path must be 1 to " +
                       std::to_string(sizeof(a.sun_path) - 1) + " bytes long");
  std::memcpy(a.sun_path, path.data(), path.size());
  return a;
}

// The socket file at `path`: none (fine), stale (unlinked here), or refused.
void clear_stale_socket(const std::string &path, const sockaddr_un &addr) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw ControlError(path + ": " + errtext(errno));
  }
  if (!S_ISSOCK(st.st_mode))
    throw ControlError(path + ": exists and is not a socket; not replacing it");
  int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) throw ControlError(path + ": socket: " + errtext(errno));
  int rc = ::connect(probe, reinterpret_cast<const sockaddr *>(&addr), sizeof(addr));
  int e = errno;
  ::close(probe);
  if (rc == 0 || e == EAGAIN)
    throw ControlError(path + ": a daemon is already listening on this socket");
  if (e != ECONNREFUSED)
    throw ControlError(path + ": cannot probe the existing socket: " + errtext(e));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    throw ControlError(path + ": cannot remove the stale socket: " + errtext(errno));
}

// Everything a Reply may touch after the server is gone.
struct Shared {
  std::mutex mu;
  bool stopped = false;
  int wake_fd = -1;  // eventfd, closed with the last reference
  std::deque<std::pair<std::uint64_t, std::string>> done;  // client id, reply line

  ~Shared() { close_fd(wake_fd); }
  void wake() {
    std::uint64_t one = 1;
    ssize_t n = ::write(wake_fd, &one, sizeof(one));
    (void)n;  // EAGAIN: the counter is already non-zero, the server wakes anyway
  }
};

}  // namespace

struct ControlServer::Reply::State {
  std::shared_ptr<Shared> shared;
  std::uint64_t client;
  std::atomic<bool> sent{false};

  State(std::shared_ptr<Shared> s, std::uint64_t c) : shared(std::move(s)), client(c) {}
  ~State() { post(error_reply_line("request dropped by the daemon")); }
  void post(std::string line) {
    if (sent.exchange(true)) return;
    std::lock_guard<std::mutex> lock(shared->mu);
    if (shared->stopped) return;
    shared->done.emplace_back(client, std::move(line));
    shared->wake();
  }
};

void ControlServer::Reply::ok(const json &result) const { s_->post(ok_reply_line(result)); }
void ControlServer::Reply::error(const std::string &text) const {
  s_->post(error_reply_line(text));
}

namespace {

struct Client {
  int fd = -1;
  std::string in;
  std::string out;
  std::size_t out_off = 0;
  bool pending = false;      // a request is with the handler
  bool read_eof = false;     // the peer shut its side down
  bool close_after = false;  // close once `out` is written
};

}  // namespace

struct ControlServer::Impl {
  AsyncHandler handler;
  int listen_fd = -1;
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  std::map<std::uint64_t, Client> clients;
  std::uint64_t next_id = 1;
  dev_t dev = 0;
  ino_t ino = 0;
  bool stopped = false;

  void run();
  void accept_all();
  bool read_client(Client &c);    // false: drop it
  bool write_client(Client &c);   // false: drop it
  void process(std::uint64_t id, Client &c);
  void handle_line(std::uint64_t id, Client &c, std::string line);
  void drain_done();
  bool pump(std::uint64_t id, Client &c);  // false: drop it
  bool finished(const Client &c) const {
    if (!c.out.empty() || c.pending) return false;
    return c.close_after || (c.read_eof && c.in.empty());
  }
};

void ControlServer::Impl::accept_all() {
  for (;;) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a client that left already: nothing to do
    if (clients.size() >= kMaxClients) {
      std::string line = error_reply_line("too many control clients");
      ssize_t n = ::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      (void)n;
      ::close(fd);
      continue;
    }
    Client c;
    c.fd = fd;
    clients.emplace(next_id++, std::move(c));
  }
}

bool ControlServer::Impl::read_client(Client &c) {
  char buf[16384];
  ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
  if (n > 0) {
    c.in.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  if (n == 0) {
    c.read_eof = true;
    return true;
  }
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

bool ControlServer::Impl::write_client(Client &c) {
  while (c.out_off < c.out.size()) {
    ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c.out_off += static_cast<std::size_t>(n);
  }
  c.out.clear();
  c.out_off = 0;
  return true;
}

// Answers the complete lines in `in`, one at a time: the next only once the
// reply to the previous one is written.
void ControlServer::Impl::process(std::uint64_t id, Client &c) {
  while (!c.pending && c.out.empty() && !c.close_after) {
    std::size_t nl = c.in.find('\n');
    std::size_t len = nl == std::string::npos ? c.in.size() : nl;
    if (len > kMaxRequestLine) {
      c.out = error_reply_line("request line longer than " + std::to_string(kMaxRequestLine) +
                               " bytes; closing the connection");
      c.close_after = true;
      c.in.clear();
      return;
    }
    if (nl == std::string::npos && !(c.read_eof && !c.in.empty())) return;
    std::string line = c.in.substr(0, len);
    c.in.erase(0, nl == std::string::npos ? len : nl + 1);
    handle_line(id, c, std::move(line));
  }
}

// Answers and writes until the client has nothing more to be answered or the
// socket takes no more.
bool ControlServer::Impl::pump(std::uint64_t id, Client &c) {
  for (;;) {
    process(id, c);
    if (c.out.empty()) return true;
    if (!write_client(c)) return false;
    if (!c.out.empty()) return true;  // the rest once POLLOUT says so
  }
}

void ControlServer::Impl::handle_line(std::uint64_t id, Client &c, std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.find_first_not_of(" \t") == std::string::npos) return;  // blank: nothing asked
  json req;
  try {
    req = json::parse(line);
  } catch (const json::exception &e) {
    c.out = error_reply_line(std::string("bad JSON: ") + e.what());
    return;
  }
  if (auto err = validate_request(req)) {
    c.out = error_reply_line(*err);
    return;
  }
  c.pending = true;
  auto state = std::make_shared<Reply::State>(shared, id);
  try {
    handler(req, Reply(state));
  } catch (const std::exception &e) {
    state->post(error_reply_line(e.what()));
  } catch (...) {
    state->post(error_reply_line("internal error in the request handler"));
  }
  state.reset();
  drain_done();  // a synchronous answer is there already
}

void ControlServer::Impl::drain_done() {
  std::deque<std::pair<std::uint64_t, std::string>> done;
  {
    std::lock_guard<std::mutex> lock(shared->mu);
    done.swap(shared->done);
    std::uint64_t v;
    ssize_t n = ::read(shared->wake_fd, &v, sizeof(v));
    (void)n;
  }
  for (auto &d : done) {
    auto it = clients.find(d.first);
    if (it == clients.end() || !it->second.pending) continue;  // the client left
    it->second.pending = false;
    it->second.out = std::move(d.second);
  }
}

void ControlServer::Impl::run() {
  std::vector<pollfd> fds;
  std::vector<std::uint64_t> ids;
  for (;;) {
    fds.clear();
    ids.clear();
    fds.push_back({shared->wake_fd, POLLIN, 0});
    fds.push_back({listen_fd, POLLIN, 0});
    for (auto &[id, c] : clients) {
      short ev = 0;
      if (!c.out.empty()) ev |= POLLOUT;
      if (!c.pending && c.out.empty() && !c.read_eof && !c.close_after) ev |= POLLIN;
      fds.push_back({c.fd, ev, 0});
      ids.push_back(id);
    }
    int n = ::poll(fds.data(), fds.size(), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // cannot happen with valid descriptors; stop serving rather than spin
    }
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      if (shared->stopped) return;
    }
    if (fds[0].revents != 0) drain_done();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto it = clients.find(ids[i]);
      if (it == clients.end()) continue;
      Client &c = it->second;
      short re = fds[i + 2].revents;
      bool alive = true;
      if (re & POLLOUT) alive = write_client(c);
      if (alive && (re & POLLIN)) alive = read_client(c);
      if (alive && (re & (POLLERR | POLLNVAL))) alive = false;
      // Hung up both ways with nothing left to read: no reply can reach it.
      if (alive && (re & POLLHUP) && !(re & POLLIN)) alive = false;
      if (alive) alive = pump(ids[i], c);
      if (!alive || finished(c)) {
        close_fd(c.fd);
        clients.erase(it);
      }
    }
    if (fds[1].revents & POLLIN) accept_all();
  }
}

ControlServer::ControlServer(std::string path, Handler h)
    : ControlServer(std::move(path), AsyncHandler([h = std::move(h)](const json &req, Reply r) {
                      r.ok(h(req));
                    })) {}

ControlServer::ControlServer(std::string path, AsyncHandler h)
    : path_(std::move(path)), impl_(std::make_unique<Impl>()) {
  if (!h) throw ControlError(path_ + ": no request handler");
  impl_->handler = std::move(h);
  sockaddr_un addr = unix_addr(path_);
  clear_stale_socket(path_, addr);

  impl_->shared->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->shared->wake_fd < 0) throw ControlError(path_ + ": eventfd: " + errtext(errno));
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ControlError(path_ + ": socket: " + errtext(errno));
  impl_->listen_fd = fd;
  auto fail = [&](const std::string &what, int e, bool unlink_it) {
    close_fd(impl_->listen_fd);
    if (unlink_it) ::unlink(path_.c_str());
    throw ControlError(path_ + ": " + what + ": " + errtext(e));
  };
  if (::bind(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) != 0)
    fail("bind", errno, false);
  // Nobody can connect before listen(): the mode is 0600 before anyone can.
  if (::chmod(path_.c_str(), 0600) != 0) fail("chmod", errno, true);
  struct stat st{};
  if (::stat(path_.c_str(), &st) != 0) fail("stat", errno, true);
  impl_->dev = st.st_dev;
  impl_->ino = st.st_ino;
  if (::listen(fd, 16) != 0) fail("listen", errno, true);
  thread_ = std::thread([impl = impl_.get()] { impl->run(); });
}

void ControlServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  {
    std::lock_guard<std::mutex> lock(impl_->shared->mu);
    impl_->shared->stopped = true;
    impl_->shared->done.clear();
    impl_->shared->wake();
  }
  if (thread_.joinable()) thread_.join();
  for (auto &[id, c] : impl_->clients) close_fd(c.fd);
  impl_->clients.clear();
  close_fd(impl_->listen_fd);
  // Only our own file: a daemon started since may own the path now.
  struct stat st{};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == impl_->dev && st.st_ino == impl_->ino)
    ::unlink(path_.c_str());
}

ControlServer::~ControlServer() { stop(); }

}  // namespace esp::ike
