// IkeSockets: UDP 500/4500 with IP_PKTINFO / IPV6_PKTINFO on an EventLoop.
#include "esp/ike/udp.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>

#include "esp/ike/msg_types.hpp"
#include "esp/ike/natt.hpp"
#include "esp/ike/sock_addr.hpp"

namespace esp::ike {

using namespace net_detail;

struct IkeSockets::Sock {
  int fd = -1;
  Endpoint local;  // as bound: 0.0.0.0 / :: for wildcards
  bool wildcard = false;
  bool nat = false;
  Sock() = default;
  Sock(const Sock&) = delete;
  Sock& operator=(const Sock&) = delete;
  ~Sock() {
    if (fd >= 0) ::close(fd);
  }
};

namespace {

constexpr int kRecvBurst = 32;            // datagrams per wake-up, then let others run
constexpr std::size_t kRecvBuf = 65536;   // larger than any UDP payload
constexpr std::uint8_t kMarker[kNonEspMarkerSize] = {0, 0, 0, 0};

struct Wanted {
  runtime::IpAddr addr;
  bool optional = false;  // the IPv6 half of %any: skipped where IPv6 is absent
};

std::vector<Wanted> parse_addrs(const std::vector<std::string>& addrs) {
  std::vector<Wanted> out;
  for (const std::string& s : addrs) {
    if (s == "%any") {
      out.push_back({any_addr(4), false});
      out.push_back({any_addr(6), true});
    } else if (s == "%any4") {
      out.push_back({any_addr(4), false});
    } else if (s == "%any6") {
      out.push_back({any_addr(6), false});
    } else {
      try {
        out.push_back({runtime::IpAddr::parse(s), false});
      } catch (const std::exception&) {
        throw NetError("bad local address '" + s + "' (an IP address, %any, %any4 or %any6)");
      }
    }
  }
  return out;
}

std::string errtext(int err) { return std::strerror(err); }

bool set_opt(int fd, int level, int name) {
  const int one = 1;
  return ::setsockopt(fd, level, name, &one, sizeof one) == 0;
}

}  // namespace

// A non-blocking UDP socket bound to addr[port]; nullptr and *err on failure.
// *err == EAFNOSUPPORT when socket() itself says the family is absent.
std::unique_ptr<IkeSockets::Sock> IkeSockets::open_bound(const runtime::IpAddr& addr,
                                                         std::uint16_t port, bool nat, int* err) {
  const int fam = family_of(addr);
  const int fd = ::socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) {
    *err = errno;
    return nullptr;
  }
  auto s = std::make_unique<Sock>();
  s->fd = fd;
  s->nat = nat;
  s->wildcard = is_any(addr);
  const bool opts = fam == AF_INET6
                        ? set_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY) &&
                              set_opt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO)
                        : set_opt(fd, IPPROTO_IP, IP_PKTINFO);
  if (!opts) {
    *err = errno;
    return nullptr;
  }
  sockaddr_storage ss;
  const socklen_t len = to_sockaddr(addr, port, &ss);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    *err = errno;
    return nullptr;
  }
  sockaddr_storage got;
  socklen_t got_len = sizeof got;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&got), &got_len) != 0 ||
      !from_sockaddr(got, got_len, &s->local)) {
    *err = errno != 0 ? errno : EINVAL;
    return nullptr;
  }
  s->local.addr = addr;
  return s;
}

IkeSockets::IkeSockets(EventLoop& loop, std::uint16_t port, std::uint16_t nat_port)
    : loop_(loop), port_(port), nat_port_(nat_port), rx_buf_(kRecvBuf) {}

IkeSockets::~IkeSockets() {
  for (const auto& s : socks_) loop_.unwatch(s->fd);
}

void IkeSockets::bind(const std::vector<std::string>& local_addrs) {
  const std::vector<Wanted> wanted = parse_addrs(local_addrs);
  const std::uint16_t asked[2] = {port_, nat_port_};
  for (int attempt = 0;; ++attempt) {
    std::vector<std::unique_ptr<Sock>> fresh;
    std::uint16_t ports[2] = {port_, nat_port_};
    int err = 0;
    bool ours = false;  // the port that failed was one the kernel picked for us
    std::string where;
    for (const Wanted& w : wanted) {
      for (int nat = 0; nat < 2 && where.empty(); ++nat) {
        auto s = open_bound(w.addr, ports[nat], nat == 1, &err);
        if (!s) {
          if (err == EAFNOSUPPORT && w.optional && nat == 0) break;
          where = Endpoint{w.addr, ports[nat]}.str();
          ours = asked[nat] == 0;
          break;
        }
        if (ports[nat] == 0) ports[nat] = s->local.port;  // the kernel's pick, for the rest
        fresh.push_back(std::move(s));
      }
      if (!where.empty()) break;
    }
    if (where.empty()) {
      std::size_t watched = 0;
      try {
        for (const auto& s : fresh) {
          watch_sock(*s);
          ++watched;
        }
      } catch (...) {
        for (std::size_t i = 0; i < watched; ++i) loop_.unwatch(fresh[i]->fd);
        throw;
      }
      port_ = ports[0];
      nat_port_ = ports[1];
      for (auto& s : fresh) socks_.push_back(std::move(s));
      return;
    }
    // An ephemeral port the kernel gave one address may be taken on another:
    // try again with fresh picks.
    if (ours && err == EADDRINUSE && attempt < 16) continue;
    throw NetError(where + ": " + errtext(err));
  }
}

// The loop reads a socket unless it is a NAT-port one read externally.
void IkeSockets::watch_sock(Sock& s) {
  if (s.nat && nat_external_) return;
  Sock* raw = &s;
  loop_.watch(raw->fd, [this, raw] { on_readable(*raw); });
}

IkeSockets::NatKind IkeSockets::classify_nat(const std::uint8_t* p, std::size_t len) {
  switch (classify_udp4500(p, len).kind) {
    case Udp4500Kind::Ike:
      return NatKind::Ike;
    case Udp4500Kind::Esp:
      // classify_udp4500 says Esp for >= 8 bytes without the marker: the SPI
      // is non-zero (a zero SPI is the marker).
      return NatKind::Esp;
    case Udp4500Kind::Keepalive:
      return NatKind::Keepalive;
    case Udp4500Kind::Invalid:
    default:
      return NatKind::Bad;
  }
}

std::vector<IkeSockets::NatSocket> IkeSockets::nat_sockets() const {
  std::vector<NatSocket> out;
  for (const auto& s : socks_)
    if (s->nat) out.push_back(NatSocket{s->fd, s->local, s->wildcard});
  return out;
}

void IkeSockets::set_nat_rx_external(bool on) {
  if (on == nat_external_) return;
  nat_external_ = on;
  for (const auto& s : socks_) {
    if (!s->nat) continue;
    if (on) {
      loop_.unwatch(s->fd);
    } else {
      watch_sock(*s);
    }
  }
}

void IkeSockets::deliver(const Datagram& d) {
  if (d.data == nullptr || d.len < kIkeHeaderSize) {
    c_.rx_bad.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  c_.rx_ike.fetch_add(1, std::memory_order_relaxed);
  const std::shared_ptr<const DatagramCb> cb = on_ike_;
  call(cb, d);
}

std::vector<Endpoint> IkeSockets::bound() const {
  std::vector<Endpoint> out;
  for (const auto& s : socks_) out.push_back(s->local);
  return out;
}

void IkeSockets::on_ike(std::function<void(const Datagram&)> cb) {
  on_ike_ = std::make_shared<const DatagramCb>(std::move(cb));
}

void IkeSockets::on_esp(std::function<void(const Datagram&)> cb) {
  on_esp_ = std::make_shared<const DatagramCb>(std::move(cb));
}

void IkeSockets::on_error(std::function<void(const std::string&)> cb) { on_error_ = std::move(cb); }

void IkeSockets::report(const std::string& text) {
  if (!on_error_) return;
  try {
    on_error_(text);
  } catch (...) {  // a logger that throws must not take the loop down
  }
}

void IkeSockets::on_readable(Sock& s) {
  for (int i = 0; i < kRecvBurst && !loop_.stop_requested(); ++i) {
    sockaddr_storage from{};
    alignas(cmsghdr) unsigned char ctrl[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(in_pktinfo)) + 64];
    iovec iov{rx_buf_.data(), rx_buf_.size()};
    msghdr m{};
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctrl;
    m.msg_controllen = sizeof ctrl;
    const ssize_t n = ::recvmsg(s.fd, &m, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      c_.rx_err.fetch_add(1, std::memory_order_relaxed);
      report("receive on " + s.local.str() + ": " + errtext(errno));
      return;
    }
    Datagram d;
    d.local = s.local;
    d.on_nat_port = s.nat;
    if ((m.msg_flags & MSG_TRUNC) != 0 || !from_sockaddr(from, m.msg_namelen, &d.remote)) {
      c_.rx_bad.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
          c->cmsg_len >= CMSG_LEN(sizeof(in_pktinfo))) {
        in_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
        d.local.addr = from_in_addr(pi.ipi_addr);  // the header's destination
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
                 c->cmsg_len >= CMSG_LEN(sizeof(in6_pktinfo))) {
        in6_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
        d.local.addr = from_in6_addr(pi.ipi6_addr);
      }
    }
    d.data = rx_buf_.data();
    d.len = static_cast<std::size_t>(n);
    dispatch(s, d);
  }
}

void IkeSockets::dispatch(const Sock& s, Datagram& d) {
  std::shared_ptr<const DatagramCb> cb;
  if (s.nat) {
    switch (classify_nat(d.data, d.len)) {
      case NatKind::Ike:
        d.data += kNonEspMarkerSize;
        d.len -= kNonEspMarkerSize;
        c_.rx_ike.fetch_add(1, std::memory_order_relaxed);
        cb = on_ike_;
        break;
      case NatKind::Esp:
        c_.rx_esp.fetch_add(1, std::memory_order_relaxed);
        cb = on_esp_;
        break;
      case NatKind::Keepalive:
        c_.rx_keepalive.fetch_add(1, std::memory_order_relaxed);
        return;
      case NatKind::Bad:
      default:
        c_.rx_bad.fetch_add(1, std::memory_order_relaxed);
        return;
    }
  } else {
    if (d.len < kIkeHeaderSize) {
      c_.rx_bad.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    c_.rx_ike.fetch_add(1, std::memory_order_relaxed);
    cb = on_ike_;
  }
  call(cb, d);
}

void IkeSockets::call(const std::shared_ptr<const DatagramCb>& cb, const Datagram& d) {
  if (!cb || !*cb) return;
  try {
    (*cb)(d);
  } catch (const std::exception& e) {
    c_.rx_cb_error.fetch_add(1, std::memory_order_relaxed);
    report("handler for a datagram from " + d.remote.str() + " failed: " + e.what());
  } catch (...) {
    c_.rx_cb_error.fetch_add(1, std::memory_order_relaxed);
    report("handler for a datagram from " + d.remote.str() + " failed");
  }
}

const IkeSockets::Sock* IkeSockets::find_sock(const Endpoint& local, const Endpoint& remote,
                                              std::string* why) const {
  auto fail = [&](const std::string& text) -> const Sock* {
    if (why != nullptr) *why = text;
    return nullptr;
  };
  if (remote.addr.version != 4 && remote.addr.version != 6)
    return fail("remote address " + remote.str() + " is not set");
  const bool local_set = local.addr.version != 0 && !is_any(local.addr);
  if (local.addr.version != 0 && local.addr.version != remote.addr.version)
    return fail("cannot send from " + local.str() + " to " + remote.str() + ": address families differ");
  bool nat;
  if (local.port != 0 && local.port == nat_port_) {
    nat = true;
  } else if (local.port != 0 && local.port == port_) {
    nat = false;
  } else {
    return fail("local port of " + local.str() + " is not ours (" + std::to_string(port_) + "/" +
                std::to_string(nat_port_) + ")");
  }
  const Sock* wildcard = nullptr;
  const Sock* any = nullptr;
  for (const auto& s : socks_) {
    if (s->nat != nat || s->local.addr.version != remote.addr.version) continue;
    if (local_set && s->local.addr == local.addr) return s.get();
    if (s->wildcard && wildcard == nullptr) wildcard = s.get();
    if (any == nullptr) any = s.get();
  }
  if (wildcard != nullptr) return wildcard;
  if (!local_set && any != nullptr) return any;
  return fail("no socket bound for " + local.str());
}

bool IkeSockets::send_parts(const Endpoint& local, const Endpoint& remote, const std::uint8_t* a,
                            std::size_t alen, const std::uint8_t* b, std::size_t blen,
                            std::string* why) {
  const Sock* s = find_sock(local, remote, why);
  if (s == nullptr) {
    c_.tx_err.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  sockaddr_storage to;
  const socklen_t to_len = to_sockaddr(remote.addr, remote.port, &to);
  iovec iov[2];
  int iovcnt = 0;
  if (alen > 0) iov[iovcnt++] = iovec{const_cast<std::uint8_t*>(a), alen};
  if (blen > 0) iov[iovcnt++] = iovec{const_cast<std::uint8_t*>(b), blen};
  msghdr m{};
  m.msg_name = &to;
  m.msg_namelen = to_len;
  m.msg_iov = iov;
  m.msg_iovlen = static_cast<std::size_t>(iovcnt);
  alignas(cmsghdr) unsigned char ctrl[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  // On a wildcard socket the source address is chosen per datagram.
  if (s->wildcard && local.addr.version != 0 && !is_any(local.addr)) {
    m.msg_control = ctrl;
    cmsghdr* c = reinterpret_cast<cmsghdr*>(ctrl);
    if (local.addr.version == 4) {
      in_pktinfo pi{};
      pi.ipi_spec_dst = to_in_addr(local.addr);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof pi);
      std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
      m.msg_controllen = CMSG_SPACE(sizeof pi);
    } else {
      in6_pktinfo pi{};
      pi.ipi6_addr = to_in6_addr(local.addr);
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof pi);
      std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
      m.msg_controllen = CMSG_SPACE(sizeof pi);
    }
  }
  ssize_t r;
  do {
    r = ::sendmsg(s->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    const int err = errno;
    c_.tx_err.fetch_add(1, std::memory_order_relaxed);
    if (why != nullptr) *why = local.str() + " -> " + remote.str() + ": " + errtext(err);
    return false;
  }
  return true;
}

bool IkeSockets::send_ike(const Endpoint& local, const Endpoint& remote, const Bytes& msg,
                          std::string* why) {
  const bool nat = local.port != 0 && local.port == nat_port_;
  if (!send_parts(local, remote, kMarker, nat ? kNonEspMarkerSize : 0, msg.data(), msg.size(), why))
    return false;
  c_.tx_ike.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool IkeSockets::send_keepalive(const Endpoint& local, const Endpoint& remote, std::string* why) {
  if (local.port == 0 || local.port != nat_port_) {
    c_.tx_err.fetch_add(1, std::memory_order_relaxed);
    if (why != nullptr) *why = "a NAT-keepalive goes from the NAT port, not " + local.str();
    return false;
  }
  const std::uint8_t ka = kNatKeepalive;
  if (!send_parts(local, remote, &ka, 1, nullptr, 0, why)) return false;
  c_.tx_keepalive.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool IkeSockets::send_esp(const Endpoint& local, const Endpoint& remote, const std::uint8_t* esp,
                          std::size_t len, std::string* why) {
  auto fail = [&](const std::string& text) {
    c_.tx_err.fetch_add(1, std::memory_order_relaxed);
    if (why != nullptr) *why = text;
    return false;
  };
  if (local.port == 0 || local.port != nat_port_)
    return fail("ESP in UDP goes from the NAT port, not " + local.str());
  // The peer would take a zero SPI for the Non-ESP Marker (RFC 3948 2.2).
  if (esp == nullptr || len < 8 || (esp[0] | esp[1] | esp[2] | esp[3]) == 0)
    return fail("not an ESP packet (shorter than SPI + sequence number, or SPI 0)");
  if (!send_parts(local, remote, esp, len, nullptr, 0, why)) return false;
  c_.tx_esp.fetch_add(1, std::memory_order_relaxed);
  return true;
}

IkeSockets::Counters IkeSockets::counters() const {
  Counters c;
  c.rx_ike = c_.rx_ike.load(std::memory_order_relaxed);
  c.rx_esp = c_.rx_esp.load(std::memory_order_relaxed);
  c.rx_keepalive = c_.rx_keepalive.load(std::memory_order_relaxed);
  c.rx_bad = c_.rx_bad.load(std::memory_order_relaxed);
  c.tx_ike = c_.tx_ike.load(std::memory_order_relaxed);
  c.tx_esp = c_.tx_esp.load(std::memory_order_relaxed);
  c.tx_keepalive = c_.tx_keepalive.load(std::memory_order_relaxed);
  c.tx_err = c_.tx_err.load(std::memory_order_relaxed);
  c.rx_err = c_.rx_err.load(std::memory_order_relaxed);
  c.rx_cb_error = c_.rx_cb_error.load(std::memory_order_relaxed);
  return c;
}

std::optional<runtime::IpAddr> IkeSockets::source_for(const runtime::IpAddr& remote) {
  sockaddr_storage to;
  const socklen_t to_len = to_sockaddr(remote, 500, &to);
  if (to_len == 0) return std::nullopt;
  const int fd = ::socket(family_of(remote), SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) return std::nullopt;
  std::optional<runtime::IpAddr> out;
  // connect() on UDP sends nothing: it only looks up the route.
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), to_len) == 0) {
    sockaddr_storage me;
    socklen_t me_len = sizeof me;
    Endpoint ep;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&me), &me_len) == 0 &&
        from_sockaddr(me, me_len, &ep) && !is_any(ep.addr))
      out = ep.addr;
  }
  ::close(fd);
  return out;
}

std::vector<runtime::IpAddr> IkeSockets::local_addresses() {
  std::vector<runtime::IpAddr> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || (i->ifa_flags & IFF_UP) == 0) continue;
    runtime::IpAddr a;
    if (i->ifa_addr->sa_family == AF_INET) {
      sockaddr_in sin;
      std::memcpy(&sin, i->ifa_addr, sizeof sin);
      a = from_in_addr(sin.sin_addr);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      sockaddr_in6 sin6;
      std::memcpy(&sin6, i->ifa_addr, sizeof sin6);
      a = from_in6_addr(sin6.sin6_addr);
    } else {
      continue;
    }
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace esp::ike
