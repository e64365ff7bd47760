// EspIo: ESP in UDP and raw ESP in bursts (recvmmsg / sendmmsg).
#include "esp/ike/esp_io.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "esp/ike/natt.hpp"
#include "esp/ike/net_error.hpp"
#include "esp/ike/sock_addr.hpp"

namespace esp::ike::dp {

namespace {

constexpr std::size_t kChunk = 64;  // messages per recvmmsg / sendmmsg call
constexpr std::size_t kIpv4Hdr = 20;  // IPv4 without options (the spec has only the IPv6 size)
constexpr std::size_t kIpv6Hdr = spec::IPV6_HDR_BYTES;
constexpr std::size_t kUdpHdr = spec::UDP_HDR_BYTES;
constexpr std::size_t kEspMin = spec::ESP_HDR_BYTES;
constexpr std::uint8_t kEspProto = static_cast<std::uint8_t>(spec::ESP_PROTO);
constexpr std::uint8_t kUdpProto = static_cast<std::uint8_t>(spec::UDP_PROTO);
constexpr std::uint8_t kDefaultTtl = 64;  // of synthesised outer headers
// Room for IP_PKTINFO or IPV6_PKTINFO plus two int options, either way.
constexpr std::size_t kCtrl = CMSG_SPACE(sizeof(in6_pktinfo)) + 2 * CMSG_SPACE(sizeof(int));

static_assert(kRxHeadroom >= kIpv6Hdr + kUdpHdr, "headroom fits the largest outer header");

std::uint16_t rd16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
void wr16(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

runtime::IpAddr addr4(const std::uint8_t* p) {
  runtime::IpAddr a;
  a.version = 4;
  std::memcpy(a.bytes.data(), p, 4);
  return a;
}
runtime::IpAddr addr6(const std::uint8_t* p) {
  runtime::IpAddr a;
  a.version = 6;
  std::memcpy(a.bytes.data(), p, 16);
  return a;
}


// The destination address IP_PKTINFO / IPV6_PKTINFO reported; version 0 if none.
runtime::IpAddr pktinfo_dst(const msghdr& m) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&m), c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
        c->cmsg_len >= CMSG_LEN(sizeof(in_pktinfo))) {
      in_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      return addr4(reinterpret_cast<const std::uint8_t*>(&pi.ipi_addr));
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
        c->cmsg_len >= CMSG_LEN(sizeof(in6_pktinfo))) {
      in6_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      return addr6(pi.ipi6_addr.s6_addr);
    }
  }
  return {};
}

std::uint16_t ipv4_checksum(const std::uint8_t* h, std::size_t len) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < len; i += 2) sum += rd16(h + i);
  while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// An IPv4 header (no options) for a payload of `payload` bytes at h[0..20).
void put_ipv4(std::uint8_t* h, std::size_t payload, std::uint8_t proto, const runtime::IpAddr& src,
              const runtime::IpAddr& dst) {
  std::memset(h, 0, kIpv4Hdr);
  h[0] = 0x45;
  wr16(h + 2, static_cast<std::uint32_t>(kIpv4Hdr + payload));
  h[8] = kDefaultTtl;
  h[9] = proto;
  std::memcpy(h + 12, src.bytes.data(), 4);
  std::memcpy(h + 16, dst.bytes.data(), 4);
  wr16(h + 10, ipv4_checksum(h, kIpv4Hdr));
}

void put_ipv6(std::uint8_t* h, std::size_t payload, std::uint8_t next, const runtime::IpAddr& src,
              const runtime::IpAddr& dst) {
  std::memset(h, 0, kIpv6Hdr);
  h[0] = 0x60;
  wr16(h + 4, static_cast<std::uint32_t>(payload));
  h[6] = next;
  h[7] = kDefaultTtl;
  std::memcpy(h + 8, src.bytes.data(), 16);
  std::memcpy(h + 24, dst.bytes.data(), 16);
}

bool set_int(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

std::string err_text(int err) { return std::strerror(err); }

// One packet of a send burst, parsed.
struct Plan {
  int sock = -1;
  const std::uint8_t* payload = nullptr;
  std::size_t len = 0;
  runtime::IpAddr src, dst;
  std::uint16_t dport = 0;
  std::uint8_t ttl = 0, tos = 0;
  bool udp = false;
};

// A card ENCRYPT output -> plan (without the socket); false if it is none.
bool parse_output(const std::uint8_t* d, std::size_t len, Plan* p, std::uint16_t* sport) {
  if (d == nullptr || len < 1) return false;
  const unsigned version = d[0] >> 4;
  std::size_t hdr = 0, total = 0;
  std::uint8_t proto = 0;
  if (version == 4) {
    if (len < kIpv4Hdr || (d[0] & 0x0F) != 5) return false;  // no options
    total = rd16(d + 2);
    if (total < kIpv4Hdr || total > len) return false;
    if ((rd16(d + 6) & 0x3FFF) != 0) return false;  // a fragment (MF or offset)
    hdr = kIpv4Hdr;
    proto = d[9];
    p->tos = d[1];
    p->ttl = d[8];
    p->src = addr4(d + 12);
    p->dst = addr4(d + 16);
  } else if (version == 6) {
    if (len < kIpv6Hdr) return false;
    total = kIpv6Hdr + rd16(d + 4);
    if (total > len) return false;
    hdr = kIpv6Hdr;
    proto = d[6];
    p->tos = static_cast<std::uint8_t>(((d[0] & 0x0F) << 4) | (d[1] >> 4));
    p->ttl = d[7];
    p->src = addr6(d + 8);
    p->dst = addr6(d + 24);
  } else {
    return false;
  }
  if (net_detail::is_any(p->dst) || net_detail::is_any(p->src)) return false;
  const std::uint8_t* rest = d + hdr;
  std::size_t rest_len = total - hdr;
  if (proto == kUdpProto) {
    if (rest_len < kUdpHdr) return false;
    const std::size_t ulen = rd16(rest + 4);
    if (ulen < kUdpHdr || ulen > rest_len) return false;
    p->udp = true;
    p->dport = rd16(rest + 2);
    if (p->dport == 0) return false;
    p->payload = rest + kUdpHdr;
    p->len = ulen - kUdpHdr;
    // Only ESP: a zero SPI would read as the Non-ESP Marker (RFC 3948 2.2).
    if (IkeSockets::classify_nat(p->payload, p->len) != IkeSockets::NatKind::Esp) return false;
    *sport = rd16(rest);  // must be the port of the socket it goes from (pick_udp)
    return true;
  }
  if (proto == kEspProto) {
    if (rest_len < kEspMin) return false;
    p->payload = rest;
    p->len = rest_len;
    return true;
  }
  return false;
}

}  // namespace

EspIo::EspIo(std::vector<IkeSockets::NatSocket> nat, const Options& o) {
  std::vector<int> opened;
  auto fail = [&](const std::string& what, int err) {
    for (int fd : opened) ::close(fd);
    throw NetError(what + ": " + err_text(err));
  };
  for (const IkeSockets::NatSocket& n : nat) {
    Sock s;
    s.fd = n.fd;
    s.local = n.local;
    s.wildcard = n.wildcard;
    s.udp = true;
    s.family = n.local.addr.version == 6 ? AF_INET6 : AF_INET;
    const bool ok = s.family == AF_INET6
                        ? set_int(s.fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DONT)
                        : set_int(s.fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT);
    if (!ok) fail("path MTU discovery off on " + n.local.str(), errno);
    socks_.push_back(s);
  }
  if (o.raw_esp) {
    for (int family : {AF_INET, AF_INET6}) {
      if ((family == AF_INET && !o.ipv4) || (family == AF_INET6 && !o.ipv6)) continue;
      const char* name = family == AF_INET ? "raw ESP socket (IPv4)" : "raw ESP socket (IPv6)";
      const int fd = ::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
      if (fd < 0) {
        if (family == AF_INET6 && errno == EAFNOSUPPORT) continue;  // no IPv6 here
        fail(name, errno);
      }
      opened.push_back(fd);
      const bool ok = family == AF_INET6
                          ? set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) &&
                                set_int(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DONT)
                          : set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT);
      if (!ok) fail(name, errno);
      Sock s;
      s.fd = fd;
      s.family = family;
      s.local.addr.version = family == AF_INET6 ? 6 : 4;
      socks_.push_back(s);
    }
  }
}

EspIo::~EspIo() {
  for (const Sock& s : socks_)
    if (!s.udp) ::close(s.fd);
}

std::vector<int> EspIo::fds() const {
  std::vector<int> out;
  for (const Sock& s : socks_) out.push_back(s.fd);
  return out;
}

std::size_t EspIo::recv_burst(std::uint8_t* const* bufs, std::size_t cap, RxPacket* out,
                              std::size_t n, const IkeSink& ike) {
  if (n == 0 || bufs == nullptr || out == nullptr || cap <= kRxHeadroom || socks_.empty()) return 0;
  const std::size_t ns = socks_.size();
  const std::size_t start = rr_.fetch_add(1, std::memory_order_relaxed) % ns;
  const std::size_t share = (n + ns - 1) / ns;
  std::size_t got = 0;     // ESP packets in out[]
  std::size_t budget = n;  // datagrams still to read
  // Sockets found drained in the first pass (beyond the 64th: never marked).
  std::uint64_t drained = 0;
  // First pass: each socket its share; second: what is left, to the busy ones.
  for (int pass = 0; pass < 2 && budget > 0 && got < n; ++pass) {
    for (std::size_t i = 0; i < ns && budget > 0 && got < n; ++i) {
      const std::size_t k = (start + i) % ns;
      const std::uint64_t bit = k < 64 ? std::uint64_t{1} << k : 0;
      if (pass == 1 && (drained & bit) != 0) continue;
      const std::size_t want = std::min({pass == 0 ? share : budget, budget, n - got});
      std::size_t used = 0;
      got += recv_sock(socks_[k], bufs, cap, out, got, want, &used, ike);
      budget -= used;
      if (used < want) drained |= bit;
    }
  }
  return got;
}

std::size_t EspIo::recv_sock(const Sock& s, std::uint8_t* const* bufs, std::size_t cap,
                             RxPacket* out, std::size_t first, std::size_t want, std::size_t* used,
                             const IkeSink& ike) {
  const std::size_t room = cap - kRxHeadroom;
  std::size_t esp = 0;
  *used = 0;
  while (*used < want) {
    const std::size_t k = std::min(kChunk, want - *used);
    mmsghdr msgs[kChunk];
    iovec iov[kChunk];
    sockaddr_storage names[kChunk];
    alignas(cmsghdr) unsigned char ctrl[kChunk][kCtrl];
    const std::size_t base = first + esp;  // buffers from here on are free
    for (std::size_t j = 0; j < k; ++j) {
      iov[j] = iovec{bufs[base + j] + kRxHeadroom, room};
      msgs[j] = mmsghdr{};
      msgs[j].msg_hdr.msg_name = &names[j];
      msgs[j].msg_hdr.msg_namelen = sizeof names[j];
      msgs[j].msg_hdr.msg_iov = &iov[j];
      msgs[j].msg_hdr.msg_iovlen = 1;
      msgs[j].msg_hdr.msg_control = ctrl[j];
      msgs[j].msg_hdr.msg_controllen = kCtrl;
    }
    const int r = ::recvmmsg(s.fd, msgs, static_cast<unsigned>(k), MSG_DONTWAIT, nullptr);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) c_.rx_err.fetch_add(1, std::memory_order_relaxed);
      return esp;
    }
    for (std::size_t j = 0; j < static_cast<std::size_t>(r); ++j) {
      const msghdr& m = msgs[j].msg_hdr;
      std::uint8_t* data = bufs[base + j] + kRxHeadroom;
      const std::size_t len = msgs[j].msg_len;
      Endpoint remote;
      if ((m.msg_flags & MSG_TRUNC) != 0 || !net_detail::from_sockaddr(names[j], m.msg_namelen, &remote)) {
        c_.rx_bad.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      RxPacket p;
      p.remote = remote;
      if (s.udp) {
        p.udp = true;
        p.local = s.local;
        const runtime::IpAddr dst = pktinfo_dst(m);
        if (dst.version == s.local.addr.version) p.local.addr = dst;
        if (net_detail::is_any(p.local.addr) || p.local.addr.version != remote.addr.version) {
          c_.rx_bad.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        const IkeSockets::NatKind kind = IkeSockets::classify_nat(data, len);
        if (kind == IkeSockets::NatKind::Ike) {
          c_.rx_ike.fetch_add(1, std::memory_order_relaxed);
          if (!ike) continue;
          IkeSockets::Datagram d;
          d.local = p.local;
          d.remote = remote;
          d.data = data + kNonEspMarkerSize;
          d.len = len - kNonEspMarkerSize;
          d.on_nat_port = true;
          try {
            ike(d);
          } catch (...) {
            c_.rx_err.fetch_add(1, std::memory_order_relaxed);
          }
          continue;
        }
        if (kind == IkeSockets::NatKind::Keepalive) {
          c_.rx_keepalive.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        if (kind != IkeSockets::NatKind::Esp) {
          c_.rx_bad.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
      } else if (s.family == AF_INET) {
        // The kernel's IPv4 header, as received, then the ESP.
        const std::size_t ihl = len >= 1 ? static_cast<std::size_t>(data[0] & 0x0F) * 4 : 0;
        if (len < kIpv4Hdr || (data[0] >> 4) != 4 || ihl < kIpv4Hdr || ihl + kEspMin > len ||
            data[9] != kEspProto || rd16(data + 2) != len) {
          c_.rx_bad.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        p.remote = Endpoint{addr4(data + 12), 0};
        p.local = Endpoint{addr4(data + 16), 0};
      } else {
        p.remote.port = 0;
        p.local = Endpoint{pktinfo_dst(m), 0};
        if (p.local.addr.version != 6 || len < kEspMin) {
          c_.rx_bad.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
      }
      // An ESP packet: into buffer first + esp (moved down if an earlier
      // datagram of this call was not ESP), the outer header in front.
      std::uint8_t* at = bufs[first + esp] + kRxHeadroom;
      if (at != data) std::memmove(at, data, len);
      std::size_t hdr = 0;
      if (s.udp) {
        const bool v4 = p.local.addr.version == 4;
        hdr = (v4 ? kIpv4Hdr : kIpv6Hdr) + kUdpHdr;
        std::uint8_t* h = at - hdr;
        const std::size_t udp_len = kUdpHdr + len;
        if (v4) {
          put_ipv4(h, udp_len, kUdpProto, p.remote.addr, p.local.addr);
        } else {
          put_ipv6(h, udp_len, kUdpProto, p.remote.addr, p.local.addr);
        }
        std::uint8_t* u = at - kUdpHdr;
        // The card knows ESP-in-UDP by the NAT-T port (CONTRACT.md, DECRYPT
        // 2); it came in on our NAT-T socket, whatever number that has
        // (tests move it): the header says NAT_T_PORT.
        wr16(u, p.remote.port);
        wr16(u + 2, spec::NAT_T_PORT);
        wr16(u + 4, static_cast<std::uint32_t>(udp_len));
        wr16(u + 6, 0);
        c_.rx_udp.fetch_add(1, std::memory_order_relaxed);
      } else if (s.family == AF_INET6) {
        hdr = kIpv6Hdr;
        put_ipv6(at - hdr, len, kEspProto, p.remote.addr, p.local.addr);
        c_.rx_raw.fetch_add(1, std::memory_order_relaxed);
      } else {
        c_.rx_raw.fetch_add(1, std::memory_order_relaxed);
      }
      p.data = at - hdr;
      p.len = static_cast<std::uint32_t>(hdr + len);
      out[first + esp] = p;
      ++esp;
    }
    *used += static_cast<std::size_t>(r);
    if (static_cast<std::size_t>(r) < k) break;  // drained
  }
  return esp;
}

int EspIo::pick_udp(const Endpoint& src) const {
  int wildcard = -1;
  for (std::size_t i = 0; i < socks_.size(); ++i) {
    const Sock& s = socks_[i];
    if (!s.udp || s.local.addr.version != src.addr.version || s.local.port != src.port) continue;
    if (s.local.addr == src.addr) return static_cast<int>(i);
    if (s.wildcard && wildcard < 0) wildcard = static_cast<int>(i);
  }
  return wildcard;
}

int EspIo::pick_raw(int family) const {
  for (std::size_t i = 0; i < socks_.size(); ++i)
    if (!socks_[i].udp && socks_[i].family == family) return static_cast<int>(i);
  return -1;
}

std::size_t EspIo::send_burst(const TxPacket* p, std::size_t n, bool* ok) {
  if (ok != nullptr) std::fill(ok, ok + n, false);
  if (p == nullptr) return 0;
  std::size_t sent = 0;
  for (std::size_t base = 0; base < n; base += kChunk) {
    const std::size_t k = std::min(kChunk, n - base);
    Plan plan[kChunk];
    for (std::size_t j = 0; j < k; ++j) {
      Plan& pl = plan[j];
      std::uint16_t sport = 0;
      if (!parse_output(p[base + j].data, p[base + j].len, &pl, &sport)) {
        c_.tx_bad.fetch_add(1, std::memory_order_relaxed);
        pl.sock = -1;
        continue;
      }
      pl.sock = pl.udp ? pick_udp(Endpoint{pl.src, sport})
                       : pick_raw(pl.src.version == 6 ? AF_INET6 : AF_INET);
      if (pl.sock < 0) c_.tx_err.fetch_add(1, std::memory_order_relaxed);  // no socket for it
    }
    // One sendmmsg run per socket, packets in burst order.
    for (std::size_t si = 0; si < socks_.size(); ++si) {
      const Sock& s = socks_[si];
      mmsghdr msgs[kChunk];
      iovec iov[kChunk];
      sockaddr_storage names[kChunk];
      alignas(cmsghdr) unsigned char ctrl[kChunk][kCtrl];
      std::size_t idx[kChunk];
      std::size_t m = 0;
      for (std::size_t j = 0; j < k; ++j) {
        const Plan& pl = plan[j];
        if (pl.sock != static_cast<int>(si)) continue;
        iov[m] = iovec{const_cast<std::uint8_t*>(pl.payload), pl.len};
        msgs[m] = mmsghdr{};
        msghdr& h = msgs[m].msg_hdr;
        h.msg_name = &names[m];
        h.msg_namelen = net_detail::to_sockaddr(pl.dst, pl.udp ? pl.dport : 0, &names[m]);
        h.msg_iov = &iov[m];
        h.msg_iovlen = 1;
        std::memset(ctrl[m], 0, kCtrl);
        h.msg_control = ctrl[m];
        h.msg_controllen = kCtrl;
        std::size_t clen = 0;
        auto put = [&](int level, int type, const void* v, std::size_t vlen) {
          cmsghdr* c = reinterpret_cast<cmsghdr*>(ctrl[m] + clen);
          c->cmsg_level = level;
          c->cmsg_type = type;
          c->cmsg_len = CMSG_LEN(vlen);
          std::memcpy(CMSG_DATA(c), v, vlen);
          clen += CMSG_SPACE(vlen);
        };
        const bool choose_src = !s.udp || s.wildcard;
        if (s.family == AF_INET) {
          if (choose_src) {
            in_pktinfo pi{};
            std::memcpy(&pi.ipi_spec_dst, pl.src.bytes.data(), 4);
            put(IPPROTO_IP, IP_PKTINFO, &pi, sizeof pi);
          }
          const int tos = pl.tos;
          put(IPPROTO_IP, IP_TOS, &tos, sizeof tos);
          if (pl.ttl != 0) {
            const int ttl = pl.ttl;
            put(IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
          }
        } else {
          if (choose_src) {
            in6_pktinfo pi{};
            std::memcpy(&pi.ipi6_addr, pl.src.bytes.data(), 16);
            put(IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof pi);
          }
          const int tclass = pl.tos;
          put(IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass);
          if (pl.ttl != 0) {
            const int hops = pl.ttl;
            put(IPPROTO_IPV6, IPV6_HOPLIMIT, &hops, sizeof hops);
          }
        }
        h.msg_controllen = clen;
        idx[m++] = base + j;
      }
      std::size_t done = 0;
      while (done < m) {
        const int r = ::sendmmsg(s.fd, msgs + done, static_cast<unsigned>(m - done),
                                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {  // msgs[done] failed: count it, go on with the next
          c_.tx_err.fetch_add(1, std::memory_order_relaxed);
          ++done;
          continue;
        }
        for (std::size_t q = done; q < done + static_cast<std::size_t>(r); ++q)
          if (ok != nullptr) ok[idx[q]] = true;
        (s.udp ? c_.tx_udp : c_.tx_raw).fetch_add(static_cast<std::uint64_t>(r), std::memory_order_relaxed);
        sent += static_cast<std::size_t>(r);
        done += static_cast<std::size_t>(r);
      }
    }
  }
  return sent;
}

EspIo::Counters EspIo::counters() const {
  Counters c;
  c.rx_udp = c_.rx_udp.load(std::memory_order_relaxed);
  c.rx_raw = c_.rx_raw.load(std::memory_order_relaxed);
  c.rx_ike = c_.rx_ike.load(std::memory_order_relaxed);
  c.rx_keepalive = c_.rx_keepalive.load(std::memory_order_relaxed);
  c.rx_bad = c_.rx_bad.load(std::memory_order_relaxed);
  c.rx_err = c_.rx_err.load(std::memory_order_relaxed);
  c.tx_udp = c_.tx_udp.load(std::memory_order_relaxed);
  c.tx_raw = c_.tx_raw.load(std::memory_order_relaxed);
  c.tx_err = c_.tx_err.load(std::memory_order_relaxed);
  c.tx_bad = c_.tx_bad.load(std::memory_order_relaxed);
  return c;
}

}  // namespace esp::ike::dp
