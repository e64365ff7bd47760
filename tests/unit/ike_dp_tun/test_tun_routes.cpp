// esp_ike_dp's plaintext side: TunDevice and RouteTable (covering_prefixes():
// test_covering_prefixes.cpp).
//
// The TUN and route tests run in a private network namespace: the process
// unshares CLONE_NEWNET before the first of them (we run as root), so nothing
// reaches the host. The kernel is the reference: it answers ICMP/ICMPv6 echo
// requests written into the device, routes a UDP socket's datagram out of it,
// and iproute2 (`ip -j`) reports the routes and rules RouteTable installed.
#include <arpa/inet.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "esp/ike/route_table.hpp"
#include "esp/ike/tun_device.hpp"

namespace {

using esp::ike::NetError;
using esp::ike::dp::RouteTable;
using esp::ike::dp::TunDevice;
using esp::ike::dp::TunOptions;
using esp::runtime::IpAddr;
using esp::runtime::TrafficSelector;

IpAddr A(const std::string& s) { return IpAddr::parse(s); }
TrafficSelector TS(const std::string& s) { return TrafficSelector::parse(s); }

// ---------------------------------------------------------------- namespace helpers

// f() must throw NetError with `text` in its message.
template <class F>
void expect_net_error(F f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "no error; expected: " << text;
  } catch (const NetError& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

// Runs a shell command (iproute2) in our namespace; its stdout. Fails the
// test when it exits non-zero.
std::string sh(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  for (std::size_t n; p && (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  EXPECT_TRUE(p && ::pclose(p) == 0) << cmd << ": " << out;
  return out;
}

// "nodad" still leaves an IPv6 address tentative until the kernel's addrconf
// work runs (asynchronously: under load that took seconds in CI), and a
// tentative address takes no packets. Waits until `dev` has none.
void wait_no_tentative(const std::string& dev) {
  for (int i = 0; i < 500; ++i) {
    if (sh("ip -6 addr show dev " + dev + " tentative").empty()) return;
    ::usleep(10000);
  }
  ADD_FAILURE() << dev << ": an IPv6 address stayed tentative for 5 s";
}

// The link as iproute2 reports it (`ip -j -d link show`): mtu, flags and the
// TUN driver's own view in linkinfo.info_data (type, pi, multi_queue, ...).
nlohmann::json link(const std::string& dev) { return nlohmann::json::parse(sh("ip -j -d link show dev " + dev)).at(0); }

class Netns : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static bool done = false;
    static std::string error;
    if (!done) {
      done = true;
      if (::unshare(CLONE_NEWNET) != 0) error = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      else sh("ip link set lo up");
    }
    error_ = error;
  }
  void SetUp() override { ASSERT_TRUE(error_.empty()) << error_ << " (these tests need root)"; }
  static inline std::string error_;
};

// RFC 1071 one's-complement sum over a buffer, starting from `sum`.
std::uint32_t csum_add(std::uint32_t sum, const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += static_cast<std::uint32_t>(p[n - 1] << 8);
  return sum;
}
std::uint16_t csum_fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}
void put16(std::vector<std::uint8_t>& b, std::size_t off, std::uint16_t v) {
  b[off] = static_cast<std::uint8_t>(v >> 8);
  b[off + 1] = static_cast<std::uint8_t>(v);
}
std::uint16_t get16(const std::vector<std::uint8_t>& b, std::size_t off) {
  return static_cast<std::uint16_t>(b[off] << 8 | b[off + 1]);
}
// The upper-layer checksum of an IPv4 (proto at 9) or IPv6 (no extension
// headers) packet, pseudo-header included; 0 when it verifies.
std::uint16_t l4_verify(const std::vector<std::uint8_t>& p) {
  std::uint32_t s = 0;
  if ((p[0] >> 4) == 4) {
    const std::size_t ihl = (p[0] & 15u) * 4u;
    s = csum_add(s, &p[12], 8);
    s += p[9];
    s += static_cast<std::uint32_t>(p.size() - ihl);
    if (p[9] == 1) s = 0;  // ICMPv4 has no pseudo-header
    return csum_fold(csum_add(s, &p[ihl], p.size() - ihl));
  }
  s = csum_add(s, &p[8], 32);
  s += static_cast<std::uint32_t>(p.size() - 40);
  s += p[6];
  return csum_fold(csum_add(s, &p[40], p.size() - 40));
}

// An ICMP (v4) or ICMPv6 echo request src -> dst with `payload` bytes.
std::vector<std::uint8_t> echo_request(const IpAddr& src, const IpAddr& dst, std::uint16_t seq, std::size_t payload) {
  std::vector<std::uint8_t> p;
  const bool six = src.version == 6;
  const std::size_t ih = six ? 40 : 20;
  p.assign(ih + 8 + payload, 0);
  if (six) {
    p[0] = 0x60;
    put16(p, 4, static_cast<std::uint16_t>(8 + payload));
    p[6] = 58;
    p[7] = 64;
    std::copy(src.bytes.begin(), src.bytes.end(), p.begin() + 8);
    std::copy(dst.bytes.begin(), dst.bytes.end(), p.begin() + 24);
    p[ih] = 128;
  } else {
    p[0] = 0x45;
    put16(p, 2, static_cast<std::uint16_t>(p.size()));
    put16(p, 4, seq);
    p[8] = 64;
    p[9] = 1;
    std::copy(src.bytes.begin(), src.bytes.begin() + 4, p.begin() + 12);
    std::copy(dst.bytes.begin(), dst.bytes.begin() + 4, p.begin() + 16);
    put16(p, 10, csum_fold(csum_add(0, p.data(), 20)));
    p[ih] = 8;
  }
  put16(p, ih + 4, 0x4242);
  put16(p, ih + 6, seq);
  for (std::size_t i = 0; i < payload; ++i) p[ih + 8 + i] = static_cast<std::uint8_t>(i * 7 + seq);
  put16(p, ih + 2, l4_verify(p));  // the sum over a zero checksum field is the checksum
  return p;
}

// Reads queue q (waiting up to ~5 s for readability each time) until `want`
// accepts a packet; other packets (e.g. the kernel's IPv6 MLD reports) are
// ignored. Empty when none came.
template <class Pred>
std::vector<std::uint8_t> wait_packet(TunDevice& tun, unsigned q, Pred want, int tries = 50, std::size_t cap = 2048) {
  std::vector<std::uint8_t> b0(2048), b1(2048);
  std::uint8_t* bufs[2] = {b0.data(), b1.data()};
  std::uint32_t lens[2];
  for (int t = 0; t < tries; ++t) {
    pollfd pfd{tun.fd(q), POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    const std::size_t n = tun.read_burst(q, bufs, cap, lens, 2);
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<std::uint8_t> p(bufs[i], bufs[i] + lens[i]);
      if (want(p)) return p;
    }
  }
  return {};
}

bool is_echo_reply(const std::vector<std::uint8_t>& p, std::uint16_t seq) {
  if (p.size() < 28) return false;
  if ((p[0] >> 4) == 4) return p[9] == 1 && p[20] == 0 && get16(p, 26) == seq;
  return p.size() >= 48 && p[6] == 58 && p[40] == 129 && get16(p, 46) == seq;
}

// ---------------------------------------------------------------- TunDevice

using TunTest = Netns;

TEST_F(TunTest, CreatedUpWithMtuAndGoneWithTheObject) {
  {
    TunDevice tun(TunOptions{"dptun0", 1400, 1});
    EXPECT_EQ(tun.name(), "dptun0");
    EXPECT_EQ(tun.queues(), 1u);
    EXPECT_GE(tun.fd(0), 0);
    EXPECT_EQ(tun.fd(1), -1);
    EXPECT_EQ(static_cast<unsigned>(tun.ifindex()), ::if_nametoindex("dptun0"));
    const auto l = link("dptun0");
    EXPECT_EQ(l.at("mtu"), 1400);
    EXPECT_NE(std::find(l.at("flags").begin(), l.at("flags").end(), "UP"), l.at("flags").end()) << l.dump();
    const auto& info = l.at("linkinfo").at("info_data");
    EXPECT_EQ(info.at("type"), "tun");          // IFF_TUN, not IFF_TAP
    EXPECT_EQ(info.at("pi"), false);            // IFF_NO_PI
    EXPECT_EQ(info.at("multi_queue"), false);
    EXPECT_EQ(info.at("persist"), false);
    EXPECT_EQ(tun.mtu(), 1400u);
    tun.set_mtu(1280);
    EXPECT_EQ(link("dptun0").at("mtu"), 1280);
    EXPECT_EQ(tun.mtu(), 1280u);
    expect_net_error([&] { tun.set_mtu(70000); }, "TUN device dptun0: MTU 70000");
    EXPECT_EQ(tun.mtu(), 1280u);
    EXPECT_EQ(link("dptun0").at("mtu"), 1280);
  }
  EXPECT_EQ(::if_nametoindex("dptun0"), 0u);  // not persistent: gone with its fds
}

void expect_error(const TunOptions& o, const std::string& text) {
  expect_net_error([&] { TunDevice t(o); }, text);
}

TEST_F(TunTest, ErrorsNameTheDeviceAndTheReason) {
  expect_error(TunOptions{"dp_name_too_long", 1400, 1}, "TUN device dp_name_too_long: name longer than 15 characters");
  expect_error(TunOptions{"", 1400, 1}, "the name is empty");
  expect_error(TunOptions{"dp/x", 1400, 1}, "TUN device dp/x: not a valid interface name");
  expect_error(TunOptions{"dpbad0", 20, 1}, "TUN device dpbad0: MTU 20");
  expect_error(TunOptions{"dpbad0", 1400, 0}, "TUN device dpbad0: 0 queues");
  expect_error(TunOptions{"dpbad0", 1400, 257}, "TUN device dpbad0: 257 queues");
  // An existing link of that name is never taken over: another TUN or lo.
  {
    TunDevice a(TunOptions{"dpbusy0", 1400, 1});
    expect_error(TunOptions{"dpbusy0", 1400, 1}, "TUN device dpbusy0: /dev/net/tun: Device or resource busy");
    expect_error(TunOptions{"dpbusy0", 1400, 2}, "TUN device dpbusy0: /dev/net/tun: Device or resource busy");
    expect_error(TunOptions{"lo", 1400, 1}, "TUN device lo: /dev/net/tun: Device or resource busy");
  }
  TunDevice again(TunOptions{"dpbusy0", 1400, 1});  // free again once the first is gone
  EXPECT_EQ(again.name(), "dpbusy0");
  EXPECT_EQ(::if_nametoindex("dpbad0"), 0u);
  TunDevice numbered(TunOptions{"dpnum%d", 1400, 1});  // the kernel numbers it
  EXPECT_EQ(numbered.name(), "dpnum0");
  EXPECT_EQ(static_cast<unsigned>(numbered.ifindex()), ::if_nametoindex("dpnum0"));
}

// Drops CAP_NET_ADMIN from the effective set while it lives (it stays
// permitted, so the destructor raises it again).
struct WithoutNetAdmin {
  WithoutNetAdmin() : ok(set(false)) {}
  ~WithoutNetAdmin() { set(true); }
  static bool set(bool on) {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capget, &hdr, data) != 0) return false;
    const std::uint32_t bit = 1u << (CAP_NET_ADMIN % 32);
    auto& eff = data[CAP_NET_ADMIN / 32].effective;
    eff = on ? (eff | bit) : (eff & ~bit);
    return ::syscall(SYS_capset, &hdr, data) == 0;
  }
  const bool ok;
};

TEST_F(TunTest, WithoutCapNetAdminTheErrorSaysSo) {
  WithoutNetAdmin guard;
  ASSERT_TRUE(guard.ok) << "capset: " << std::strerror(errno);
  expect_error(TunOptions{"dpcap0", 1400, 1},
               "TUN device dpcap0: /dev/net/tun: Operation not permitted (needs CAP_NET_ADMIN)");
}

TEST_F(TunTest, EchoRequestsAnsweredByTheKernel) {
  TunDevice tun(TunOptions{"dpecho0", 1400, 1});
  sh("ip addr add 10.77.0.1/24 dev dpecho0");
  sh("ip addr add 2001:db8:77::1/64 dev dpecho0 nodad");
  wait_no_tentative("dpecho0");
  struct Case {
    const char* ours;
    const char* kernel;
    std::uint16_t seq;
  };
  for (const Case& c : {Case{"10.77.0.2", "10.77.0.1", 1}, Case{"2001:db8:77::2", "2001:db8:77::1", 2}}) {
    SCOPED_TRACE(c.kernel);
    const auto req = echo_request(A(c.ours), A(c.kernel), c.seq, 56);
    ASSERT_TRUE(tun.write(0, req.data(), req.size()));
    const auto rep = wait_packet(tun, 0, [&](const auto& p) { return is_echo_reply(p, c.seq); });
    ASSERT_FALSE(rep.empty()) << "no echo reply";
    ASSERT_EQ(rep.size(), req.size());
    const bool six = rep[0] >> 4 == 6;
    const std::size_t ih = six ? 40 : 20;
    if (!six) {
      EXPECT_EQ(csum_fold(csum_add(0, rep.data(), 20)), 0) << "IPv4 header checksum";
      EXPECT_EQ(std::vector<std::uint8_t>(rep.begin() + 12, rep.begin() + 16),
                std::vector<std::uint8_t>(req.begin() + 16, req.begin() + 20));
    } else {
      EXPECT_EQ(std::vector<std::uint8_t>(rep.begin() + 24, rep.begin() + 40),
                std::vector<std::uint8_t>(req.begin() + 8, req.begin() + 24));
    }
    EXPECT_EQ(l4_verify(rep), 0) << "ICMP checksum";
    EXPECT_TRUE(std::equal(rep.begin() + static_cast<long>(ih) + 4, rep.end(), req.begin() + static_cast<long>(ih) + 4))
        << "identifier, sequence and data echoed";
  }
  const auto c = tun.counters();
  EXPECT_EQ(c.tx, 2u);
  EXPECT_GE(c.rx, 2u);
  EXPECT_EQ(c.tx_err, 0u);
  EXPECT_EQ(c.rx_err, 0u);
}

TEST_F(TunTest, TooLongSkippedAndBadWritesCounted) {
  TunDevice tun(TunOptions{"dplong0", 1400, 1});
  sh("ip addr add 10.78.0.1/24 dev dplong0");
  // The 1028-byte reply does not fit a 512-byte buffer: counted, skipped.
  auto big = echo_request(A("10.78.0.2"), A("10.78.0.1"), 7, 1000);
  ASSERT_TRUE(tun.write(0, big.data(), big.size()));
  std::vector<std::uint8_t> b(512);
  std::uint8_t* bufs[1] = {b.data()};
  std::uint32_t len = 0;
  for (int t = 0; t < 50 && tun.counters().rx_too_long == 0; ++t) {
    pollfd pfd{tun.fd(0), POLLIN, 0};
    if (::poll(&pfd, 1, 100) > 0) {
      const std::size_t n = tun.read_burst(0, bufs, b.size(), &len, 1);
      if (n == 1) {
        EXPECT_FALSE(is_echo_reply(std::vector<std::uint8_t>(b.begin(), b.begin() + len), 7));
      }
    }
  }
  EXPECT_EQ(tun.counters().rx_too_long, 1u);
  // The next one fills the 512 bytes exactly, and it is the next one (the
  // long one is not returned late).
  auto small = echo_request(A("10.78.0.2"), A("10.78.0.1"), 8, 512 - 28);
  ASSERT_TRUE(tun.write(0, small.data(), small.size()));
  const auto rep = wait_packet(
      tun, 0, [](const auto& p) { return is_echo_reply(p, 7) || is_echo_reply(p, 8); }, 50, 512);
  ASSERT_EQ(rep.size(), 512u);
  EXPECT_TRUE(is_echo_reply(rep, 8));
  EXPECT_EQ(tun.counters().rx_too_long, 1u);

  const std::uint8_t junk[4] = {0x00, 1, 2, 3};
  const auto before = tun.counters();
  EXPECT_FALSE(tun.write(0, junk, sizeof junk));           // neither IPv4 nor IPv6
  EXPECT_FALSE(tun.write(0, junk, 0));                     // empty
  EXPECT_FALSE(tun.write(1, small.data(), small.size()));  // no queue 1
  EXPECT_EQ(tun.read_burst(3, bufs, b.size(), &len, 1), 0u);
  const auto after = tun.counters();
  EXPECT_EQ(after.tx_err - before.tx_err, 3u);
  EXPECT_EQ(after.rx_err - before.rx_err, 1u);
  EXPECT_EQ(after.tx, before.tx);
  // Nothing waiting: an empty burst, no error.
  EXPECT_EQ(tun.read_burst(0, bufs, b.size(), &len, 1), 0u);
  EXPECT_EQ(tun.counters().rx_err, after.rx_err);
}

int udp_send(const IpAddr& dst, std::uint16_t port, const std::string& data) {
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  std::memcpy(&sa.sin_addr, dst.bytes.data(), 4);
  const auto r = ::sendto(s, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  EXPECT_EQ(r, static_cast<ssize_t>(data.size())) << std::strerror(errno);
  return s;  // the caller closes it (keeps the source port distinct meanwhile)
}

bool is_udp_to(const std::vector<std::uint8_t>& p, const IpAddr& dst, std::uint16_t port) {
  return p.size() >= 28 && (p[0] >> 4) == 4 && p[9] == 17 && std::equal(p.begin() + 16, p.begin() + 20, dst.bytes.begin()) &&
         get16(p, 22) == port;
}

TEST_F(TunTest, RoutedUdpComesOutWithThePreferredSource) {
  TunDevice tun(TunOptions{"dpudp0", 1400, 1});
  sh("ip addr replace 10.66.0.1/32 dev lo");
  RouteTable rt(tun.ifindex());
  rt.add(TS("10.88.0.0/24"), A("10.66.0.1"));
  const int s = udp_send(A("10.88.0.5"), 9999, "hello, tunnel");
  const auto p = wait_packet(tun, 0, [](const auto& q) { return is_udp_to(q, A("10.88.0.5"), 9999); });
  ::close(s);
  ASSERT_FALSE(p.empty());
  EXPECT_EQ(std::vector<std::uint8_t>(p.begin() + 12, p.begin() + 16), std::vector<std::uint8_t>({10, 66, 0, 1}));
  EXPECT_EQ(csum_fold(csum_add(0, p.data(), 20)), 0);
  EXPECT_EQ(l4_verify(p), 0) << "UDP checksum (no offload on the TUN)";
  EXPECT_EQ(std::string(p.begin() + 28, p.end()), "hello, tunnel");
}

TEST_F(TunTest, MultiQueueSpreadsFlowsAndWritesOnEveryQueue) {
  TunDevice tun(TunOptions{"dpmq0", 1400, 2});
  ASSERT_EQ(tun.queues(), 2u);
  const auto info = link("dpmq0").at("linkinfo").at("info_data");
  EXPECT_EQ(info.at("multi_queue"), true);
  EXPECT_EQ(info.at("numqueues"), 2);
  EXPECT_EQ(info.at("pi"), false);
  ASSERT_GE(tun.fd(1), 0);
  EXPECT_NE(tun.fd(0), tun.fd(1));
  sh("ip addr add 10.99.0.1/24 dev dpmq0");
  constexpr int kFlows = 32;
  std::vector<int> socks;
  for (int i = 0; i < kFlows; ++i) socks.push_back(udp_send(A("10.99.0.2"), 7000, "flow " + std::to_string(i)));
  std::set<std::string> seen;
  int per_queue[2] = {0, 0};
  std::vector<std::uint8_t> b(2048);
  std::uint8_t* bufs[1] = {b.data()};
  std::uint32_t len = 0;
  for (int t = 0; t < 100 && static_cast<int>(seen.size()) < kFlows; ++t) {
    pollfd pfd[2] = {{tun.fd(0), POLLIN, 0}, {tun.fd(1), POLLIN, 0}};
    if (::poll(pfd, 2, 100) <= 0) continue;
    for (unsigned q = 0; q < 2; ++q)
      while (tun.read_burst(q, bufs, b.size(), &len, 1) == 1) {
        std::vector<std::uint8_t> p(b.begin(), b.begin() + len);
        if (is_udp_to(p, A("10.99.0.2"), 7000) && seen.insert(std::string(p.begin() + 28, p.end())).second)
          ++per_queue[q];
      }
  }
  for (int s : socks) ::close(s);
  EXPECT_EQ(static_cast<int>(seen.size()), kFlows);
  EXPECT_GT(per_queue[0], 0) << "queue 0 got no flow";
  EXPECT_GT(per_queue[1], 0) << "queue 1 got no flow";
  EXPECT_EQ(tun.queue_counters(0).rx + tun.queue_counters(1).rx, tun.counters().rx);
  // Writes enter the kernel from either queue (the answer may come on either).
  for (unsigned q = 0; q < 2; ++q) {
    const auto seq = static_cast<std::uint16_t>(20 + q);
    const auto req = echo_request(A("10.99.0.2"), A("10.99.0.1"), seq, 8);
    ASSERT_TRUE(tun.write(q, req.data(), req.size()));
    EXPECT_EQ(tun.queue_counters(q).tx, 1u);
    std::vector<std::uint8_t> rep;
    for (unsigned t = 0; t < 40 && rep.empty(); ++t)
      rep = wait_packet(tun, t % 2, [&](const auto& p) { return is_echo_reply(p, seq); }, 1);
    EXPECT_FALSE(rep.empty()) << "no reply to the request written on queue " << q;
  }
}

// ---------------------------------------------------------------- RouteTable

// The kernel's routes of a table via iproute2: dst (always "a/len") -> route.
std::map<std::string, nlohmann::json> kernel_routes(int family, const std::string& table) {
  const auto j = nlohmann::json::parse(sh(std::string("ip ") + (family == 6 ? "-6" : "-4") + " -j route show table " + table));
  std::map<std::string, nlohmann::json> out;
  for (const auto& r : j) {
    std::string dst = r.value("dst", "");
    if (dst == "default") dst = family == 6 ? "::/0" : "0.0.0.0/0";
    if (dst.find('/') == std::string::npos) dst += family == 6 ? "/128" : "/32";
    out[dst] = r;
  }
  return out;
}

std::vector<nlohmann::json> kernel_rules(int family, std::uint32_t prio) {
  std::vector<nlohmann::json> out;
  for (const auto& r : nlohmann::json::parse(sh(std::string("ip ") + (family == 6 ? "-6" : "-4") + " -j rule show")))
    if (r.value("priority", 0u) == prio) out.push_back(r);
  return out;
}

using RouteTest = Netns;

TEST_F(RouteTest, RefcountedAddAndRemove) {
  TunDevice tun(TunOptions{"dprt0", 1400, 1});
  RouteTable rt(tun.ifindex());
  rt.add(TS("10.2.0.0/24"));
  auto k = kernel_routes(4, "main");
  ASSERT_EQ(k.count("10.2.0.0/24"), 1u);
  EXPECT_EQ(k["10.2.0.0/24"]["dev"], "dprt0");
  EXPECT_EQ(k["10.2.0.0/24"]["protocol"], "static");
  EXPECT_EQ(k["10.2.0.0/24"]["scope"], "link");
  rt.add(TS("10.2.0.0/24[tcp/80]"));  // ports do not matter to routing: the same route
  EXPECT_EQ(rt.installed(), std::vector<std::string>{"10.2.0.0/24 dev dprt0 table main (2 refs)"});
  rt.remove(TS("10.2.0.0/24"));
  EXPECT_EQ(kernel_routes(4, "main").count("10.2.0.0/24"), 1u);
  EXPECT_EQ(rt.installed(), std::vector<std::string>{"10.2.0.0/24 dev dprt0 table main (1 ref)"});
  rt.remove(TS("10.2.0.0/24"));
  EXPECT_EQ(kernel_routes(4, "main").count("10.2.0.0/24"), 0u);
  EXPECT_TRUE(rt.installed().empty());
  rt.remove(TS("10.2.0.0/24"));  // never added (any more): nothing happens
}

TEST_F(RouteTest, RangeInstalledAsItsPrefixes) {
  TunDevice tun(TunOptions{"dprt1", 1400, 1});
  RouteTable rt(tun.ifindex());
  rt.add(TS("10.0.0.1-10.0.0.9"));
  rt.add(TS("2001:db8::1-2001:db8::9"));
  std::set<std::string> ours;
  for (const auto& [dst, r] : kernel_routes(4, "main"))
    if (r.value("dev", "") == "dprt1") ours.insert(dst);
  for (const auto& [dst, r] : kernel_routes(6, "main"))
    if (r.value("dev", "") == "dprt1" && r.value("protocol", "") == "static") ours.insert(dst);
  EXPECT_EQ(ours, (std::set<std::string>{"10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/30", "10.0.0.8/31", "2001:db8::1/128",
                                         "2001:db8::2/127", "2001:db8::4/126", "2001:db8::8/127"}));
  EXPECT_EQ(rt.installed().size(), 8u);
  rt.remove(TS("10.0.0.1-10.0.0.9"));
  rt.remove(TS("2001:db8::1-2001:db8::9"));
  for (const auto& [dst, r] : kernel_routes(4, "main")) EXPECT_NE(r.value("dev", ""), "dprt1") << dst;
  for (const auto& [dst, r] : kernel_routes(6, "main")) EXPECT_NE(r.value("protocol", ""), "static") << dst;
}

TEST_F(RouteTest, PreferredSourceAndErrors) {
  TunDevice tun(TunOptions{"dprt2", 1400, 1});
  sh("ip addr replace 10.67.0.1/32 dev lo");
  sh("ip addr replace 2001:db8:67::1/128 dev lo nodad");
  wait_no_tentative("lo");
  RouteTable rt(tun.ifindex());
  rt.add(TS("10.3.0.0/16"), A("10.67.0.1"));
  rt.add(TS("2001:db8:3::/48"), A("2001:db8:67::1"));
  EXPECT_EQ(kernel_routes(4, "main")["10.3.0.0/16"].value("prefsrc", ""), "10.67.0.1");
  EXPECT_EQ(kernel_routes(6, "main")["2001:db8:3::/48"].value("prefsrc", ""), "2001:db8:67::1");
  EXPECT_EQ(rt.installed(), (std::vector<std::string>{"10.3.0.0/16 dev dprt2 src 10.67.0.1 table main (1 ref)",
                                                       "2001:db8:3::/48 dev dprt2 src 2001:db8:67::1 table main (1 ref)"}));
  // Not an address of this host: the kernel refuses, nothing stays.
  expect_net_error([&] { rt.add(TS("10.7.0.0/24"), A("192.0.2.99")); },
                   "route 10.7.0.0/24 dev dprt2 src 192.0.2.99 table main: Invalid argument");
  EXPECT_THROW(rt.add(TS("10.7.0.0/24"), A("2001:db8:67::1")), NetError);  // family mismatch
  EXPECT_EQ(kernel_routes(4, "main").count("10.7.0.0/24"), 0u);
  EXPECT_EQ(rt.installed().size(), 2u);
  // A device that does not exist.
  RouteTable none(999999);
  expect_net_error([&] { none.add(TS("10.8.0.0/24")); }, "route 10.8.0.0/24 dev #999999 table main: No such device");
  EXPECT_THROW(RouteTable(0), NetError);
  EXPECT_THROW(RouteTable(tun.ifindex(), 255), NetError);
}

TEST_F(RouteTest, OneRouteSharedBySources) {
  TunDevice tun(TunOptions{"dprt8", 1400, 1});
  sh("ip addr replace 10.68.0.1/32 dev lo && ip addr replace 10.68.0.2/32 dev lo");
  RouteTable rt(tun.ifindex());
  rt.add(TS("10.12.0.0/24"), A("10.68.0.1"));
  rt.add(TS("10.12.0.0/24"), A("10.68.0.2"));  // a second CHILD_SA, another local selector
  EXPECT_EQ(rt.installed(),
            std::vector<std::string>{"10.12.0.0/24 dev dprt8 src 10.68.0.1 table main (2 refs, also for src 10.68.0.2)"});
  rt.remove(TS("10.12.0.0/24"), A("10.68.0.9"));  // never added: nothing
  rt.remove(TS("10.12.0.0/24"), A("10.68.0.1"));  // the route stays, with the remaining source
  EXPECT_EQ(kernel_routes(4, "main")["10.12.0.0/24"].value("prefsrc", ""), "10.68.0.2");
  EXPECT_EQ(rt.installed(), std::vector<std::string>{"10.12.0.0/24 dev dprt8 src 10.68.0.2 table main (1 ref)"});
  rt.remove(TS("10.12.0.0/24"), A("10.68.0.2"));
  EXPECT_EQ(kernel_routes(4, "main").count("10.12.0.0/24"), 0u);
}

TEST_F(RouteTest, PreExistingRouteNeverDeleted) {
  TunDevice tun(TunOptions{"dprt3", 1400, 1});
  sh("ip route add 10.4.0.0/24 dev lo");
  {
    RouteTable rt(tun.ifindex());
    rt.add(TS("10.4.0.0/24"));
    EXPECT_EQ(rt.installed(), std::vector<std::string>{"10.4.0.0/24 dev dprt3 table main (1 ref, not ours)"});
    rt.remove(TS("10.4.0.0/24"));
    EXPECT_EQ(kernel_routes(4, "main")["10.4.0.0/24"].value("dev", ""), "lo");
    rt.add(TS("10.4.0.0/24"));
    rt.add(TS("10.5.0.0/24"));
  }
  // The destructor took ours and left the other.
  const auto k = kernel_routes(4, "main");
  EXPECT_EQ(k.count("10.5.0.0/24"), 0u);
  ASSERT_EQ(k.count("10.4.0.0/24"), 1u);
  EXPECT_EQ(k.at("10.4.0.0/24").value("dev", ""), "lo");
  sh("ip route del 10.4.0.0/24 dev lo");
}

TEST_F(RouteTest, DestructorCleansUpEverything) {
  TunDevice tun(TunOptions{"dprt4", 1400, 1});
  {
    RouteTable rt(tun.ifindex());
    rt.add(TS("10.9.0.0/24"));
    rt.add(TS("10.9.0.0/24"));
    rt.add(TS("10.10.0.1-10.10.0.6"));
    rt.add(TS("2001:db8:9::/48"));
    EXPECT_EQ(rt.installed().size(), 6u);  // 10.10.0.1/32 .2/31 .4/31 .6/32
  }
  for (const auto& [dst, r] : kernel_routes(4, "main")) EXPECT_NE(r.value("dev", ""), "dprt4") << dst;
  for (const auto& [dst, r] : kernel_routes(6, "main")) EXPECT_NE(r.value("protocol", ""), "static") << dst;
}

TEST_F(RouteTest, OwnTableWithItsRules) {
  TunDevice tun(TunOptions{"dprt5", 1400, 1});
  {
    RouteTable rt(tun.ifindex(), 220);
    EXPECT_EQ(rt.table(), 220u);
    for (int fam : {4, 6}) {
      const auto rules = kernel_rules(fam, 220);
      ASSERT_EQ(rules.size(), 1u) << "IPv" << fam;
      EXPECT_EQ(rules[0].value("table", ""), "220");
      EXPECT_EQ(rules[0].value("src", ""), "all");
    }
    rt.add(TS("10.11.0.0/24"));
    rt.add(TS("2001:db8:11::/48"));
    EXPECT_EQ(kernel_routes(4, "220").count("10.11.0.0/24"), 1u);
    EXPECT_EQ(kernel_routes(6, "220").count("2001:db8:11::/48"), 1u);
    EXPECT_EQ(kernel_routes(4, "main").count("10.11.0.0/24"), 0u);
    EXPECT_EQ(rt.installed()[0], "10.11.0.0/24 dev dprt5 table 220 (1 ref)");
    // The kernel now sends 10.11.0.0/24 through the device.
    const auto got = sh("ip -j route get 10.11.0.7");
    EXPECT_EQ(nlohmann::json::parse(got)[0].value("dev", ""), "dprt5") << got;
  }
  EXPECT_TRUE(kernel_rules(4, 220).empty());
  EXPECT_TRUE(kernel_rules(6, 220).empty());
  EXPECT_TRUE(kernel_routes(4, "220").empty());
  EXPECT_TRUE(kernel_routes(6, "220").empty());
}

TEST_F(RouteTest, ExistingRuleLeftAlone) {
  TunDevice tun(TunOptions{"dprt6", 1400, 1});
  sh("ip -4 rule add from all lookup 221 priority 221");
  { RouteTable rt(tun.ifindex(), 221); }
  EXPECT_EQ(kernel_rules(4, 221).size(), 1u);  // not ours: kept
  EXPECT_TRUE(kernel_rules(6, 221).empty());   // ours: removed
  sh("ip -4 rule del from all lookup 221 priority 221");
}

}  // namespace

std::string dev_for(const std::string& addr) {
  return nlohmann::json::parse(sh("ip -j route get " + addr)).at(0).value("dev", "");
}

TEST_F(RouteTest, BypassKeepsThePeerOutOfTheTunnel) {
  TunDevice tun(TunOptions{"dprt7", 1400, 1}), up(TunOptions{"dpup0", 1400, 1});  // up: the "uplink"
  sh("ip addr add 10.50.0.1/24 dev dpup0 && ip addr add 2001:db8:50::1/64 dev dpup0 nodad");
  wait_no_tentative("dpup0");
  sh("ip route add default via 10.50.0.254 dev dpup0 && ip -6 route add default via 2001:db8:50::fe dev dpup0");
  {  // main table: the peer's route copied as a host route
    RouteTable rt(tun.ifindex());
    rt.add_bypass(A("198.51.100.7"));
    rt.add_bypass(A("198.51.100.7"));
    rt.add(TS("198.51.100.0/24"));
    rt.add_bypass(A("2001:db8:100::7"));
    rt.add(TS("2001:db8:100::/48"));
    EXPECT_EQ(dev_for("198.51.100.7"), "dpup0");
    EXPECT_EQ(dev_for("198.51.100.8"), "dprt7");
    EXPECT_EQ(dev_for("2001:db8:100::7"), "dpup0");
    EXPECT_EQ(dev_for("2001:db8:100::8"), "dprt7");
    rt.remove_bypass(A("2001:db8:100::7"));
    EXPECT_EQ(kernel_routes(4, "main")["198.51.100.7/32"].value("gateway", ""), "10.50.0.254");
    EXPECT_EQ(rt.installed(), (std::vector<std::string>{"198.51.100.0/24 dev dprt7 table main (1 ref)",
                                                        "2001:db8:100::/48 dev dprt7 table main (1 ref)",
                                                        "bypass 198.51.100.7/32 via 10.50.0.254 dev dpup0 table main (2 refs)"}));
    for (const auto& [peer, text] : std::vector<std::pair<std::string, std::string>>{
             {"10.50.0.1", "bypass 10.50.0.1: the route to the peer: it is an address of this host"},
             {"198.51.100.9", "it goes through the tunnel device already"}}) {
      expect_net_error([&] { rt.add_bypass(A(peer)); }, text);
    }
    rt.remove_bypass(A("198.51.100.7"));
    EXPECT_EQ(dev_for("198.51.100.7"), "dpup0");
    rt.remove_bypass(A("198.51.100.7"));
    EXPECT_EQ(dev_for("198.51.100.7"), "dprt7");
    rt.add_bypass(A("192.0.2.1"));
    EXPECT_EQ(kernel_routes(4, "main").count("192.0.2.1/32"), 1u);
  }
  EXPECT_EQ(kernel_routes(4, "main").count("192.0.2.1/32"), 0u);  // the destructor took it
  {  // own table: everything into the tunnel except the peer (throw routes)
    RouteTable rt(tun.ifindex(), 220);
    rt.add(TS("0.0.0.0/0"));
    rt.add(TS("::/0"));
    rt.add_bypass(A("198.51.100.7"));
    rt.add_bypass(A("2001:db8:100::7"));
    EXPECT_EQ(dev_for("198.51.100.7"), "dpup0");
    EXPECT_EQ(dev_for("203.0.113.1"), "dprt7");
    EXPECT_EQ(dev_for("2001:db8:100::7"), "dpup0");
    EXPECT_EQ(dev_for("2001:db8:100::8"), "dprt7");
    EXPECT_EQ(kernel_routes(4, "220")["198.51.100.7/32"].value("type", ""), "throw");
    const auto inst = rt.installed();
    EXPECT_NE(std::find(inst.begin(), inst.end(), "bypass 198.51.100.7/32 throw table 220 (1 ref)"), inst.end());
  }
  EXPECT_EQ(dev_for("203.0.113.1"), "dpup0");
  EXPECT_TRUE(kernel_routes(4, "220").empty());
}
