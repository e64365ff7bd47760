// IcmpErrors: the ICMPv4 fragmentation-needed (RFC 792, RFC 1191) and ICMPv6
// packet-too-big (RFC 4443 3.2) messages field by field, the ICMPv4 checksum
// by the reference model's RFC 1071 sum; the quote limits (RFC 1812 4.3.2.3:
// 576 bytes in all; RFC 4443 2.4(c): 1280); the cases that get no error (RFC
// 1812 4.3.2.7, RFC 4443 2.4(e)); may_fragment; and too_big() received by a
// raw ICMP / ICMPv6 socket in the private namespace, the ICMPv6 checksum the
// kernel put in checked over the pseudo-header (RFC 8200 8.1); the token
// bucket with no refill.
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "esp/ike/icmp_errors.hpp"
#include "ref/ip.hpp"
#include "ref/packets.hpp"

using namespace esp::ike::dp;
using esp::runtime::IpAddr;
namespace pkt = esp::ref::pkt;
namespace refip = esp::ref::ip;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes packet(std::uint8_t version, std::size_t total, bool df = true, pkt::L4 l4 = pkt::L4::UDP,
             const char* src = nullptr, const char* dst = nullptr) {
  pkt::PacketSpec s;
  s.version = version;
  s.l4 = l4;
  const std::size_t hdr = (version == 4 ? 20 : 40) + (l4 == pkt::L4::TCP ? 20 : 8);
  s.payload_len = total - hdr;
  s.df = df;
  s.seed = static_cast<std::uint32_t>(total);
  if (src != nullptr) s.src = IpAddr::parse(src);
  if (dst != nullptr) s.dst = IpAddr::parse(dst);
  Bytes b = pkt::build(s);
  EXPECT_EQ(b.size(), total);
  return b;
}

std::uint32_t rd32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

Bytes build(const Bytes& p, unsigned mtu, std::size_t cap = 2000) {
  Bytes out(cap);
  out.resize(IcmpErrors::build(p.data(), p.size(), mtu, out.data(), out.size()));
  return out;
}

struct V4Case {
  std::size_t total;
  unsigned mtu;
  std::size_t quote;  // RFC 1812: 576 - 20 (IP) - 8 (ICMP) at most
};

TEST(IcmpErrorsBuild, FragmentationNeededFieldByField) {
  for (const V4Case& c : {V4Case{1400, 1300, 548}, V4Case{577, 576, 548}, V4Case{301, 300, 301},
                          V4Case{548, 100, 548}, V4Case{9000, 1500, 548}}) {
    SCOPED_TRACE(c.total);
    const Bytes p = packet(4, c.total);
    const Bytes m = build(p, c.mtu);
    ASSERT_EQ(m.size(), 8 + c.quote);
    EXPECT_EQ(m[0], 3);  // destination unreachable
    EXPECT_EQ(m[1], 4);  // fragmentation needed and DF set
    EXPECT_EQ(m[4], 0);  // unused
    EXPECT_EQ(m[5], 0);
    EXPECT_EQ((m[6] << 8) | m[7], static_cast<int>(c.mtu));  // next-hop MTU (RFC 1191)
    EXPECT_EQ(Bytes(m.begin() + 8, m.end()), Bytes(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(c.quote)));
    EXPECT_NE((m[2] << 8) | m[3], 0);
    EXPECT_EQ(refip::fold(refip::sum16(m.data(), m.size())), 0) << "ICMP checksum (RFC 1071)";
    EXPECT_EQ(build(p, c.mtu, m.size() - 1).size(), 0u) << "a buffer one byte short";
  }
}

TEST(IcmpErrorsBuild, PacketTooBigFieldByField) {
  for (const auto& c : {V4Case{1500, 1400, 1232}, V4Case{1281, 1280, 1232}, V4Case{1000, 900, 1000},
                        V4Case{9000, 1280, 1232}}) {
    SCOPED_TRACE(c.total);
    const Bytes p = packet(6, c.total);
    const Bytes m = build(p, c.mtu);
    ASSERT_EQ(m.size(), 8 + c.quote);
    EXPECT_EQ(m[0], 2);  // packet too big
    EXPECT_EQ(m[1], 0);
    EXPECT_EQ((m[2] << 8) | m[3], 0) << "the kernel computes the ICMPv6 checksum";
    EXPECT_EQ(rd32(m.data() + 4), c.mtu);
    EXPECT_EQ(Bytes(m.begin() + 8, m.end()), Bytes(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(c.quote)));
  }
}

struct NoError {
  const char* name;
  Bytes pkt;
  unsigned mtu;
};

void set16(Bytes& b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

Bytes edit(Bytes b, const std::function<void(Bytes&)>& f) {
  f(b);
  return b;
}

TEST(IcmpErrorsBuild, NoErrorWhereTheRfcsForbidOrNothingIsWrong) {
  const Bytes v4 = packet(4, 1400);
  const Bytes v6 = packet(6, 1400);
  pkt::PacketSpec frag6;
  frag6.version = 6;
  frag6.payload_len = 1400;
  frag6.ipv6_ext = {{refip::kFragment}};
  const Bytes f6 = pkt::build(frag6);
  pkt::PacketSpec hbh_icmp;
  hbh_icmp.version = 6;
  hbh_icmp.l4 = pkt::L4::ICMP;
  hbh_icmp.payload_len = 1400;
  hbh_icmp.ipv6_ext = {{refip::kHopByHop}};
  const Bytes h6 = pkt::build(hbh_icmp);  // ICMPv6 echo request (128) after an 8-byte HbH
  const std::vector<NoError> none = {
      {"v4 DF clear (may be fragmented)", packet(4, 1400, false), 1300},
      {"v4 fits", v4, 1400},
      {"v4 MTU below 68", v4, 67},
      {"v4 non-first fragment", edit(v4, [](Bytes& b) { set16(b, 6, 0x4000 | 10); }), 1300},
      {"v4 ICMP destination unreachable", edit(packet(4, 1400, true, pkt::L4::ICMP), [](Bytes& b) { b[20] = 3; }), 1300},
      {"v4 ICMP time exceeded", edit(packet(4, 1400, true, pkt::L4::ICMP), [](Bytes& b) { b[20] = 11; }), 1300},
      {"v4 ICMP parameter problem", edit(packet(4, 1400, true, pkt::L4::ICMP), [](Bytes& b) { b[20] = 12; }), 1300},
      {"v4 ICMP redirect", edit(packet(4, 1400, true, pkt::L4::ICMP), [](Bytes& b) { b[20] = 5; }), 1300},
      {"v4 source 0.0.0.0", packet(4, 1400, true, pkt::L4::UDP, "0.0.0.0"), 1300},
      {"v4 source multicast", packet(4, 1400, true, pkt::L4::UDP, "224.0.0.9"), 1300},
      {"v4 source broadcast", packet(4, 1400, true, pkt::L4::UDP, "255.255.255.255"), 1300},
      {"v4 source class E", packet(4, 1400, true, pkt::L4::UDP, "240.0.0.1"), 1300},
      {"v4 to multicast", packet(4, 1400, true, pkt::L4::UDP, nullptr, "239.1.2.3"), 1300},
      {"v4 to the limited broadcast", packet(4, 1400, true, pkt::L4::UDP, nullptr, "255.255.255.255"), 1300},
      {"v4 IHL 4", edit(v4, [](Bytes& b) { b[0] = 0x44; }), 1300},
      {"v4 total length beyond the data", Bytes(v4.begin(), v4.end() - 1), 1300},
      {"v4 shorter than a header", Bytes(v4.begin(), v4.begin() + 19), 10},
      {"v6 fits", v6, 1400},
      {"v6 source ::", packet(6, 1400, true, pkt::L4::UDP, "::"), 1300},
      {"v6 source multicast", packet(6, 1400, true, pkt::L4::UDP, "ff02::1"), 1300},
      {"v6 ICMPv6 error (destination unreachable)", edit(packet(6, 1400, true, pkt::L4::ICMP), [](Bytes& b) { b[40] = 1; }), 1300},
      {"v6 ICMPv6 error after a Hop-by-Hop header", edit(h6, [](Bytes& b) { b[48] = 2; }), 1300},
      {"v6 non-first fragment", edit(f6, [](Bytes& b) { set16(b, 42, 8 << 3); }), 1300},
      {"v6 extension header past the end", edit(f6, [](Bytes& b) { set16(b, 4, 4); }), 10},
      {"v6 payload length beyond the data", Bytes(v6.begin(), v6.end() - 1), 1300},
      {"version 5", edit(v4, [](Bytes& b) { b[0] = 0x55; }), 1300},
      {"empty", {}, 1300},
  };
  for (const NoError& c : none) EXPECT_EQ(build(c.pkt, c.mtu).size(), 0u) << c.name;
  // And their positive controls: the same kinds of packet that do get one.
  const std::vector<NoError> some = {
      {"v4 ICMP echo request", packet(4, 1400, true, pkt::L4::ICMP), 1300},
      {"v6 ICMPv6 echo request after a Hop-by-Hop header", h6, 1300},
      {"v6 first fragment", f6, 1300},
      {"v6 to multicast (packet too big is allowed, RFC 4443 2.4(e.3))",
       packet(6, 1400, true, pkt::L4::UDP, nullptr, "ff02::1"), 1300},
      {"v4 ICMP with the quote", v4, 68},
  };
  for (const NoError& c : some) EXPECT_GT(build(c.pkt, c.mtu).size(), 0u) << c.name;
}

TEST(IcmpErrorsBuild, MayFragmentOnlyIpv4WithDfClear) {
  EXPECT_TRUE(may_fragment(packet(4, 100, false).data(), 100));
  EXPECT_FALSE(may_fragment(packet(4, 100, true).data(), 100));
  EXPECT_FALSE(may_fragment(packet(6, 100).data(), 100));
  const Bytes clear = packet(4, 100, false);
  EXPECT_FALSE(may_fragment(clear.data(), 99)) << "total length beyond the data";
  EXPECT_FALSE(may_fragment(clear.data(), 10));
  EXPECT_FALSE(may_fragment(nullptr, 0));
}

// A raw ICMP / ICMPv6 socket of the test, receiving only the error type.
struct Listener {
  int fd = -1;
  explicit Listener(int family) {
    fd = ::socket(family, SOCK_RAW | SOCK_CLOEXEC,
                  family == AF_INET ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6));
    EXPECT_GE(fd, 0);
    if (family == AF_INET6) {
      icmp6_filter f;
      ICMP6_FILTER_SETBLOCKALL(&f);
      ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
      ::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f);
      const int one = 1;
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    }
  }
  ~Listener() { ::close(fd); }
  // Next message (v4: with its IP header); *from / *to the addresses (v6).
  Bytes recv(int timeout_ms, in6_addr* from = nullptr, in6_addr* to = nullptr) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return {};
    Bytes b(4096);
    sockaddr_in6 name{};
    alignas(cmsghdr) unsigned char ctrl[256];
    iovec iov{b.data(), b.size()};
    msghdr m{};
    m.msg_name = &name;
    m.msg_namelen = sizeof name;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctrl;
    m.msg_controllen = sizeof ctrl;
    const ssize_t n = ::recvmsg(fd, &m, MSG_DONTWAIT);
    b.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (from != nullptr) *from = name.sin6_addr;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr && to != nullptr; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
        *to = pi.ipi6_addr;
      }
    }
    return b;
  }
};

TEST(IcmpErrorsSend, FragmentationNeededArrivesAtTheSource) {
  Listener l(AF_INET);
  IcmpErrors e;
  const Bytes p = packet(4, 1400, true, pkt::L4::UDP, "127.0.0.1", "127.0.0.2");
  ASSERT_TRUE(e.too_big(p.data(), p.size(), 1300));
  const Bytes got = l.recv(60000);
  ASSERT_GE(got.size(), 20u);
  const std::size_t ihl = static_cast<std::size_t>(got[0] & 0x0F) * 4;
  EXPECT_EQ(got[9], 1);  // ICMP
  EXPECT_LE(got.size(), 576u);
  EXPECT_EQ(Bytes(got.begin() + static_cast<std::ptrdiff_t>(ihl), got.end()), build(p, 1300));
  EXPECT_EQ(got[16], 127);  // to the inner packet's source
  EXPECT_EQ(got[19], 1);
  const Bytes df_clear = packet(4, 1400, false, pkt::L4::UDP, "127.0.0.1", "127.0.0.2");
  EXPECT_FALSE(e.too_big(df_clear.data(), df_clear.size(), 1300));
  const IcmpErrors::Counters c = e.counters();
  EXPECT_EQ(c.sent, 1u);
  EXPECT_EQ(c.suppressed, 1u);
  EXPECT_EQ(c.rate_limited + c.err, 0u);
}

TEST(IcmpErrorsSend, PacketTooBigArrivesWithAValidChecksum) {
  Listener l(AF_INET6);
  IcmpErrors e;
  const Bytes p = packet(6, 1500, true, pkt::L4::TCP, "::1", "2001:db8::7");
  ASSERT_TRUE(e.too_big(p.data(), p.size(), 1400));
  in6_addr from{}, to{};
  const Bytes got = l.recv(60000, &from, &to);
  const Bytes want = build(p, 1400);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(got[0], 2);
  EXPECT_EQ(Bytes(got.begin() + 4, got.end()), Bytes(want.begin() + 4, want.end()));
  // RFC 8200 8.1: source, destination, upper-layer length, next header 58.
  Bytes pseudo(16 + 16 + 4 + 4, 0);
  std::memcpy(pseudo.data(), &from, 16);
  std::memcpy(pseudo.data() + 16, &to, 16);
  pseudo[34] = static_cast<std::uint8_t>(got.size() >> 8);
  pseudo[35] = static_cast<std::uint8_t>(got.size());
  pseudo[39] = 58;
  EXPECT_EQ(refip::fold(refip::sum16(got.data(), got.size(), refip::sum16(pseudo.data(), pseudo.size()))), 0);
  EXPECT_EQ(e.counters().sent, 1u);
}

TEST(IcmpErrorsSend, TokenBucketLimits) {
  Listener l(AF_INET);
  IcmpErrors::Options o;
  o.rate = 0;  // no refill: exactly `burst` messages
  o.burst = 3;
  IcmpErrors e(o);
  const Bytes p = packet(4, 1000, true, pkt::L4::UDP, "127.0.0.1", "127.0.0.2");
  int sent = 0;
  for (int i = 0; i < 5; ++i) sent += e.too_big(p.data(), p.size(), 600) ? 1 : 0;
  EXPECT_EQ(sent, 3);
  const IcmpErrors::Counters c = e.counters();
  EXPECT_EQ(c.sent, 3u);
  EXPECT_EQ(c.rate_limited, 2u);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(l.recv(60000).empty()) << i;
  EXPECT_TRUE(l.recv(0).empty());
  // A suppressed packet does not take a token (nor does it count as limited).
  const Bytes fits = packet(4, 500, true, pkt::L4::UDP, "127.0.0.1", "127.0.0.2");
  EXPECT_FALSE(e.too_big(fits.data(), fits.size(), 600));
  EXPECT_EQ(e.counters().suppressed, 1u);
  EXPECT_EQ(e.counters().rate_limited, 2u);
}

}  // namespace
