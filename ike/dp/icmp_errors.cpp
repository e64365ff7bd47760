// ICMPv4 fragmentation-needed / ICMPv6 packet-too-big for the tunnel.
#include "esp/ike/icmp_errors.hpp"

#include <linux/icmp.h>  // ICMP_FILTER
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "esp/ike/net_error.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::ike::dp {

namespace {

constexpr std::size_t kIpv4Hdr = 20;  // without options (the kernel builds ours)
constexpr std::size_t kIpv6Hdr = esp::spec::IPV6_HDR_BYTES;
constexpr std::size_t kIcmpHdr = 8;   // type, code, checksum, 4 bytes (RFC 792, RFC 4443 2.1)
constexpr std::size_t kIpv4ErrorMax = 576;   // RFC 1812 4.3.2.3: the whole error datagram
constexpr std::size_t kIpv6ErrorMax = 1280;  // RFC 4443 2.4(c): the IPv6 minimum MTU
constexpr unsigned kIpv4MinMtu = 68;         // RFC 791
constexpr std::uint8_t kProtoIcmp = 1, kProtoIcmpv6 = 58;
constexpr std::uint8_t kHopByHop = 0, kRouting = 43, kFragment = 44, kAh = 51, kDestOpts = 60;
constexpr std::uint8_t kDestUnreach = 3, kFragNeeded = 4, kPacketTooBig = 2;
constexpr std::uint16_t kDf = 0x4000, kOffsetMask = 0x1FFF;

std::uint16_t rd16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
void wr16(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

// A well-formed IPv4 header at pkt: its total length, else 0.
std::size_t ipv4_total(const std::uint8_t* pkt, std::size_t len) {
  if (pkt == nullptr || len < kIpv4Hdr || (pkt[0] >> 4) != 4) return 0;
  const std::size_t ihl = static_cast<std::size_t>(pkt[0] & 0x0F) * 4;
  const std::size_t total = rd16(pkt + 2);
  if (ihl < kIpv4Hdr || total < ihl || total > len) return 0;
  return total;
}

// ICMP types that are errors (RFC 792, RFC 1812 4.3.2.7): no error about them.
bool icmpv4_error_type(std::uint8_t t) { return t == 3 || t == 4 || t == 5 || t == 11 || t == 12; }

bool ipv4_bad_source(const std::uint8_t* a) {
  return a[0] == 0 || a[0] >= 224;  // "this network", multicast, class E, broadcast
}
bool ipv4_group_dest(const std::uint8_t* a) {
  return (a[0] >= 224 && a[0] < 240) || (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

std::size_t build_v4(const std::uint8_t* pkt, std::size_t len, unsigned mtu, std::uint8_t* out,
                     std::size_t cap) {
  const std::size_t total = ipv4_total(pkt, len);
  if (total == 0) return 0;
  const std::uint16_t frag = rd16(pkt + 6);
  if ((frag & kDf) == 0 || (frag & kOffsetMask) != 0) return 0;
  if (ipv4_bad_source(pkt + 12) || ipv4_group_dest(pkt + 16)) return 0;
  const std::size_t ihl = static_cast<std::size_t>(pkt[0] & 0x0F) * 4;
  if (pkt[9] == kProtoIcmp && (ihl >= total || icmpv4_error_type(pkt[ihl]))) return 0;
  if (mtu < kIpv4MinMtu || mtu > 0xFFFF || total <= mtu) return 0;
  const std::size_t quote = std::min(total, kIpv4ErrorMax - kIpv4Hdr - kIcmpHdr);
  const std::size_t n = kIcmpHdr + quote;
  if (out == nullptr || cap < n) return 0;
  out[0] = kDestUnreach;
  out[1] = kFragNeeded;
  wr16(out + 2, 0);
  wr16(out + 4, 0);  // unused
  wr16(out + 6, mtu);  // next-hop MTU (RFC 1191)
  std::memcpy(out + kIcmpHdr, pkt, quote);
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += rd16(out + i);
  if ((n & 1) != 0) sum += static_cast<std::uint32_t>(out[n - 1]) << 8;
  while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
  wr16(out + 2, static_cast<std::uint16_t>(~sum));
  return n;
}

std::size_t build_v6(const std::uint8_t* pkt, std::size_t len, unsigned mtu, std::uint8_t* out,
                     std::size_t cap) {
  if (pkt == nullptr || len < kIpv6Hdr || (pkt[0] >> 4) != 6) return 0;
  const std::size_t total = kIpv6Hdr + rd16(pkt + 4);
  if (total > len) return 0;
  const std::uint8_t* src = pkt + 8;
  if (src[0] == 0xFF || std::all_of(src, src + 16, [](std::uint8_t b) { return b == 0; })) return 0;
  // Walk the extension headers: a non-first fragment or an ICMPv6 error
  // gets nothing; headers that run past the packet make it malformed.
  std::uint8_t nh = pkt[6];
  std::size_t off = kIpv6Hdr;
  for (int guard = 0; guard < 64; ++guard) {
    if (nh == kHopByHop || nh == kRouting || nh == kDestOpts || nh == kAh) {
      if (off + 2 > total) return 0;
      const std::size_t hl = nh == kAh ? (static_cast<std::size_t>(pkt[off + 1]) + 2) * 4
                                       : (static_cast<std::size_t>(pkt[off + 1]) + 1) * 8;
      if (off + hl > total) return 0;
      nh = pkt[off];
      off += hl;
      continue;
    }
    if (nh == kFragment) {
      if (off + 8 > total) return 0;
      if ((rd16(pkt + off + 2) >> 3) != 0) return 0;  // not the first fragment
      nh = pkt[off];
      off += 8;
      continue;
    }
    break;
  }
  if (nh == kProtoIcmpv6 && (off >= total || pkt[off] < 128)) return 0;  // an error message
  if (total <= mtu) return 0;
  const std::size_t quote = std::min(total, kIpv6ErrorMax - kIpv6Hdr - kIcmpHdr);
  const std::size_t n = kIcmpHdr + quote;
  if (out == nullptr || cap < n) return 0;
  out[0] = kPacketTooBig;
  out[1] = 0;
  wr16(out + 2, 0);  // the kernel's
  out[4] = static_cast<std::uint8_t>(mtu >> 24);
  out[5] = static_cast<std::uint8_t>(mtu >> 16);
  out[6] = static_cast<std::uint8_t>(mtu >> 8);
  out[7] = static_cast<std::uint8_t>(mtu);
  std::memcpy(out + kIcmpHdr, pkt, quote);
  return n;
}

}  // namespace

bool may_fragment(const std::uint8_t* pkt, std::size_t len) {
  if (ipv4_total(pkt, len) == 0) return false;
  return (rd16(pkt + 6) & kDf) == 0;
}

IcmpErrors::IcmpErrors() : IcmpErrors(Options{}) {}

IcmpErrors::IcmpErrors(const Options& o)
    : opt_(o), tokens_(static_cast<double>(o.burst)), last_(std::chrono::steady_clock::now()) {
  fd4_ = ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd4_ < 0) throw NetError(std::string("raw ICMP socket: ") + std::strerror(errno));
  icmp_filter f4{};
  f4.data = ~0U;  // receive nothing
  if (::setsockopt(fd4_, SOL_RAW, ICMP_FILTER, &f4, sizeof f4) != 0) {
    const int err = errno;
    ::close(fd4_);
    throw NetError(std::string("raw ICMP socket filter: ") + std::strerror(err));
  }
  fd6_ = ::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
  if (fd6_ < 0) {
    if (errno == EAFNOSUPPORT) return;  // no IPv6 here
    const int err = errno;
    ::close(fd4_);
    throw NetError(std::string("raw ICMPv6 socket: ") + std::strerror(err));
  }
  icmp6_filter f6;
  ICMP6_FILTER_SETBLOCKALL(&f6);
  if (::setsockopt(fd6_, IPPROTO_ICMPV6, ICMP6_FILTER, &f6, sizeof f6) != 0) {
    const int err = errno;
    ::close(fd4_);
    ::close(fd6_);
    throw NetError(std::string("raw ICMPv6 socket filter: ") + std::strerror(err));
  }
}

IcmpErrors::~IcmpErrors() {
  if (fd4_ >= 0) ::close(fd4_);
  if (fd6_ >= 0) ::close(fd6_);
}

std::size_t IcmpErrors::build(const std::uint8_t* pkt, std::size_t len, unsigned mtu,
                              std::uint8_t* out, std::size_t cap) {
  if (pkt == nullptr || len == 0) return 0;
  switch (pkt[0] >> 4) {
    case 4:
      return build_v4(pkt, len, mtu, out, cap);
    case 6:
      return build_v6(pkt, len, mtu, out, cap);
    default:
      return 0;
  }
}

bool IcmpErrors::take_token() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  const double secs = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(static_cast<double>(opt_.burst), tokens_ + secs * opt_.rate);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

bool IcmpErrors::too_big(const std::uint8_t* pkt, std::size_t len, unsigned mtu) {
  std::uint8_t msg[kIpv6ErrorMax];
  const std::size_t n = build(pkt, len, mtu, msg, sizeof msg);
  if (n == 0) {
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (!take_token()) {
    rate_limited_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  sockaddr_storage to{};
  socklen_t to_len = 0;
  int fd = -1;
  if ((pkt[0] >> 4) == 4) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    std::memcpy(&sin.sin_addr, pkt + 12, 4);
    std::memcpy(&to, &sin, sizeof sin);
    to_len = sizeof sin;
    fd = fd4_;
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    std::memcpy(&sin6.sin6_addr, pkt + 8, 16);
    std::memcpy(&to, &sin6, sizeof sin6);
    to_len = sizeof sin6;
    fd = fd6_;
  }
  if (fd < 0) {
    err_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  ssize_t r;
  do {
    r = ::sendto(fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&to),
                 to_len);
  } while (r < 0 && errno == EINTR);
  if (r != static_cast<ssize_t>(n)) {
    err_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  sent_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

IcmpErrors::Counters IcmpErrors::counters() const {
  Counters c;
  c.sent = sent_.load(std::memory_order_relaxed);
  c.suppressed = suppressed_.load(std::memory_order_relaxed);
  c.rate_limited = rate_limited_.load(std::memory_order_relaxed);
  c.err = err_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace esp::ike::dp
