// The gateway data plane end to end in a private network namespace: a
// datagram sent by the kernel into the TUN device is encrypted by the card
// (swemu), sent as ESP (raw, or in UDP on the NAT-T port) to 127.0.0.1,
// received by the same gateway, decrypted by an inbound SA with the same key
// and SPI, checked against its selectors and written back into the TUN
// device, where a packet socket sees it arrive. Also: DF packets too big for
// the path MTU get ICMP "fragmentation needed" and are counted; DF-clear ones
// are sent fragmented; ESP that fails (bad ICV, unknown SPI) is counted per
// status and per SA; a trap policy raises an acquire; the routes follow
// add_routes/remove_routes. Needs root (unshare, TUN).
#include "esp/ike/gateway.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "esp/ike/event_loop.hpp"
#include "esp/ike/udp.hpp"
#include "esp/runtime/runtime.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::ike::dp {
namespace {

using runtime::IpAddr;
using runtime::TrafficSelector;

void sh(const std::string& cmd) { ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd; }

bool wait_for(const std::function<bool()>& pred, int ms = 10000) {
  for (int i = 0; i < ms / 5; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

sockaddr_in v4(const char* a, std::uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(port);
  inet_pton(AF_INET, a, &s.sin_addr);
  return s;
}

class GatewayTest : public ::testing::Test {
 protected:
  std::unique_ptr<runtime::Runtime> rt;
  EventLoop loop;
  std::unique_ptr<IkeSockets> socks;
  std::unique_ptr<Gateway> gw;
  std::atomic<int> ike_seen{0};
  int tap = -1;  // AF_PACKET on the TUN device: what the gateway writes into the kernel
  runtime::SaId out_sa, in_sa;

  void SetUp() override {
    ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET): " << std::strerror(errno) << " (run as root)";
    sh("ip link set lo up");
    sh("ip addr add 10.1.0.5/32 dev lo");
    runtime::RuntimeOptions ro;
    ro.sa_capacity = 64;
    ro.housekeeping_ms = 0;
    ro.acquire_interval_ms = 0;
    rt = std::make_unique<runtime::Runtime>(ro);
    socks = std::make_unique<IkeSockets>(loop, 0, 0);
    socks->bind({"127.0.0.1"});
    socks->set_nat_rx_external(true);
  }
  void TearDown() override {
    if (gw) gw->stop();
    gw.reset();
    if (tap >= 0) ::close(tap);
  }

  void open_gateway(unsigned path_mtu = 0, unsigned threads = 1) {
    GatewayOptions go;
    go.tun.name = "gwtest0";
    go.path_mtu = path_mtu;
    go.threads = threads;
    gw = std::make_unique<Gateway>(*rt, socks->nat_sockets(), [this](const IkeSockets::Datagram&) { ike_seen++; }, go);
    gw->start();
    tap = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
    ASSERT_GE(tap, 0);
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_ALL);
    ll.sll_ifindex = static_cast<int>(if_nametoindex("gwtest0"));
    ASSERT_GT(ll.sll_ifindex, 0);
    ASSERT_EQ(::bind(tap, reinterpret_cast<sockaddr*>(&ll), sizeof ll), 0);
    int bytes = 8 << 20;
    ASSERT_EQ(::setsockopt(tap, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes), 0);
  }

  // An outbound SA 127.0.0.1 -> 127.0.0.1 and the inbound SA of the same SPI
  // and key: what the gateway sends comes back to it.
  void loop_sas(bool udp, std::uint32_t window_bits = spec::DEFAULT_WINDOW_BITS) {
    std::uint32_t spi = rt->get_spi();
    runtime::SaConfig out;
    out.spi = spi;
    out.direction = runtime::Direction::Outbound;
    out.key.assign(32, 0x5a);
    out.salt = {1, 2, 3, 4};
    out.tun_src = IpAddr::parse("127.0.0.1");
    out.tun_dst = IpAddr::parse("127.0.0.1");
    out.udp_encap = udp;
    out.udp_sport = out.udp_dport = socks->nat_port();
    out.reqid = 7;
    runtime::SaConfig in = out;
    in.direction = runtime::Direction::Inbound;
    in.window_bits = window_bits;
    in.src_ts = {TrafficSelector::parse("10.1.0.0/16")};
    in.dst_ts = {TrafficSelector::parse("10.2.0.0/16")};
    auto ids = rt->add_sas({in, out});
    in_sa = ids[0];
    out_sa = ids[1];
    runtime::Policy p;
    p.src = TrafficSelector::parse("10.1.0.0/16");
    p.dst = TrafficSelector::parse("10.2.0.0/16");
    p.sa = out_sa;
    p.reqid = 7;
    rt->add_policy(p);
    gw->add_routes("loop", {TrafficSelector::parse("10.1.0.0/16")}, {TrafficSelector::parse("10.2.0.0/16")},
                   IpAddr::parse("127.0.0.1"));
  }

  // Sends `payload` from 10.1.0.5:1000 to dst:2000 (routed into the TUN).
  void send_udp(const std::string& payload, const char* dst = "10.2.0.7", bool df = false, std::uint16_t sport = 1000) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    int pmtu = df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
    ASSERT_EQ(::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu), 0);
    auto src = v4("10.1.0.5", sport);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src), 0);
    auto to = v4(dst, 2000);
    ASSERT_EQ(::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(payload.size()));
    ::close(fd);
  }

  // UDP payloads of the IPv4 packets the gateway wrote into the kernel.
  std::vector<std::string> arrived() {
    std::vector<std::string> out;
    std::uint8_t buf[65536];
    for (;;) {
      sockaddr_ll from{};
      socklen_t fl = sizeof from;
      ssize_t n = ::recvfrom(tap, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n <= 0) break;
      if (from.sll_pkttype == PACKET_OUTGOING) continue;  // what the kernel sent into the TUN
      if (n < 28 || (buf[0] >> 4) != 4 || buf[9] != IPPROTO_UDP) continue;
      std::size_t ihl = std::size_t(buf[0] & 0xf) * 4;
      out.emplace_back(reinterpret_cast<char*>(buf) + ihl + 8, static_cast<std::size_t>(n) - ihl - 8);
    }
    return out;
  }

  std::vector<std::string> wait_arrivals(std::size_t n) {
    std::vector<std::string> all;
    wait_for([&] {
      auto a = arrived();
      all.insert(all.end(), a.begin(), a.end());
      return all.size() >= n;
    });
    return all;
  }

  std::uint64_t stat(const char* dir, const char* key) { return gw->stats()[dir][key].get<std::uint64_t>(); }
  std::uint64_t status(const char* name) {
    auto s = gw->stats()["status"];
    return s.contains(name) ? s[name].get<std::uint64_t>() : 0;
  }
};

TEST_F(GatewayTest, RawEspGoesThroughTheCardBothWays) {
  open_gateway();
  loop_sas(false);
  send_udp("hello through the card");
  auto got = wait_arrivals(1);
  ASSERT_EQ(got.size(), 1u) << gw->stats().dump();
  EXPECT_EQ(got[0], "hello through the card");
  EXPECT_EQ(stat("tx", "encrypted"), 1u);
  EXPECT_EQ(stat("tx", "raw"), 1u);
  EXPECT_EQ(stat("rx", "raw"), 1u);
  EXPECT_EQ(stat("rx", "decrypted"), 1u);
  EXPECT_EQ(rt->query_sa(in_sa).counters.packets, 1u);
  EXPECT_EQ(rt->query_sa(out_sa).counters.packets, 1u);
}

TEST_F(GatewayTest, EspInUdpOnTheNatPortAndBursts) {
  open_gateway();
  loop_sas(true);
  const int n = 200;
  for (int i = 0; i < n; ++i) send_udp("datagram " + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 5, 'x'));
  auto got = wait_arrivals(n);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n)) << gw->stats().dump();
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(got[static_cast<std::size_t>(i)], "datagram " + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 5, 'x'));
  EXPECT_EQ(stat("tx", "udp"), static_cast<std::uint64_t>(n));
  EXPECT_EQ(stat("rx", "udp"), static_cast<std::uint64_t>(n));
  EXPECT_EQ(stat("tx", "raw"), 0u);
  EXPECT_EQ(ike_seen.load(), 0);
  // IKE on the NAT-T port (non-ESP marker) goes to the sink, not the card.
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  std::vector<std::uint8_t> ike(4 + 28, 0);
  ike[4] = 1;  // initiator SPI, not zero
  ike[4 + 17] = 0x20;  // version 2.0
  ike[4 + 18] = 34;    // IKE_SA_INIT
  ike[4 + 27] = 28;    // length
  auto to = v4("127.0.0.1", socks->nat_port());
  ASSERT_EQ(::sendto(fd, ike.data(), ike.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to), 32);
  ::close(fd);
  EXPECT_TRUE(wait_for([&] { return ike_seen.load() == 1; })) << gw->stats().dump();
}

TEST_F(GatewayTest, TwoThreadsPerDirectionKeepEachSaInOrder) {
  // Flows from 8 source ports spread over both TUN queues; the SA's packets
  // must still be encrypted, sent and decrypted in sequence-number order:
  // with the smallest window, a packet more than 64 behind would be a
  // REPLAY, and none is.
  open_gateway(0, 2);
  loop_sas(true, spec::MIN_WINDOW_BITS);
  // One socket per flow, kept open: the kernel picks a flow's TUN queue by
  // its socket's hash, as it would by the 5-tuple of forwarded traffic.
  std::vector<int> socks8;
  for (int f = 0; f < 8; ++f) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    auto src = v4("10.1.0.5", static_cast<std::uint16_t>(1000 + f));
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src), 0);
    socks8.push_back(fd);
  }
  const int n = 400;
  auto to = v4("10.2.0.7", 2000);
  for (int i = 0; i < n; ++i) {
    std::string m = "flow " + std::to_string(i % 8) + " packet " + std::to_string(i);
    ASSERT_EQ(::sendto(socks8[static_cast<std::size_t>(i % 8)], m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(m.size()));
  }
  for (int fd : socks8) ::close(fd);
  auto got = wait_arrivals(n);
  EXPECT_EQ(got.size(), static_cast<std::size_t>(n)) << gw->stats().dump();
  // Nothing failed (BYPASS: what the kernel sends into a new link, IPv6
  // neighbour discovery, matches no policy).
  const auto st = gw->stats();
  for (const auto& [name, count] : st["status"].items()) EXPECT_EQ(name, "BYPASS") << st.dump();
  EXPECT_EQ(gw->stats()["threads"], 2u);
  EXPECT_EQ(rt->query_sa(in_sa).counters.packets, static_cast<std::uint64_t>(n));
  // (The order inside one flow is not checked: the TUN device steers a flow
  // to the queue its reverse direction was last written on, and here, on
  // loopback, the reverse of a flow is the flow itself, so flows move
  // between the queues while they run.)
}

TEST_F(GatewayTest, TooBigForThePathMtuGetsIcmpUnlessItMayBeFragmented) {
  open_gateway(400);
  loop_sas(false);
  int icmp = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);
  ASSERT_GE(icmp, 0);
  send_udp(std::string(500, 'd'), "10.2.0.7", true);
  // ICMP fragmentation needed, to the sender, with an MTU that fits.
  unsigned mtu = 0;
  ASSERT_TRUE(wait_for([&] {
    std::uint8_t buf[2048];
    ssize_t n = ::recv(icmp, buf, sizeof buf, 0);
    if (n < 28) return false;
    std::size_t ihl = std::size_t(buf[0] & 0xf) * 4;
    if (buf[ihl] != ICMP_DEST_UNREACH || buf[ihl + 1] != ICMP_FRAG_NEEDED) return false;
    mtu = (unsigned(buf[ihl + 6]) << 8) | buf[ihl + 7];
    return true;
  })) << gw->stats().dump();
  ::close(icmp);
  EXPECT_GT(mtu, 300u);
  EXPECT_LE(mtu, 400u - 20 - 8 - 8 - 2 - 16);
  EXPECT_EQ(status("TOO_BIG"), 1u);
  auto errs = gw->sa_errors(out_sa);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].first, "TOO_BIG");
  // A packet of the MTU the ICMP gave fits.
  send_udp(std::string(mtu - 28, 'e'), "10.2.0.7", true);
  auto fit = wait_arrivals(1);
  ASSERT_EQ(fit.size(), 1u) << gw->stats().dump();
  EXPECT_EQ(fit[0], std::string(mtu - 28, 'e'));
  // DF clear: sent anyway (the kernel fragments the outer packet). Another
  // destination: the kernel learnt the path MTU of 10.2.0.7 from our ICMP
  // and would fragment the inner packet itself.
  send_udp(std::string(500, 'f'), "10.2.0.8", false);
  auto got = wait_arrivals(1);
  ASSERT_EQ(got.size(), 1u) << gw->stats().dump();
  EXPECT_EQ(got[0], std::string(500, 'f'));
  EXPECT_EQ(status("TOO_BIG"), 1u);
}

TEST_F(GatewayTest, FailedPacketsAreCountedByStatusAndSa) {
  open_gateway();
  loop_sas(false);
  // Capture one real ESP packet with a raw socket, then replay it, tamper it
  // and send it with an unknown SPI.
  int raw = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ESP);
  ASSERT_GE(raw, 0);
  send_udp("original");
  ASSERT_EQ(wait_arrivals(1).size(), 1u);
  std::vector<std::uint8_t> esp;
  ASSERT_TRUE(wait_for([&] {
    std::uint8_t buf[2048];
    ssize_t n = ::recv(raw, buf, sizeof buf, 0);
    if (n <= 20) return false;
    std::size_t ihl = std::size_t(buf[0] & 0xf) * 4;
    esp.assign(buf + ihl, buf + n);
    return true;
  }));
  auto to = v4("127.0.0.1", 0);
  auto send_esp = [&](const std::vector<std::uint8_t>& p) {
    ASSERT_EQ(::sendto(raw, p.data(), p.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to), static_cast<ssize_t>(p.size()));
  };
  send_esp(esp);  // a replay
  auto bad = esp;
  bad[bad.size() - 1] ^= 1;  // the ICV
  bad[7] = static_cast<std::uint8_t>(bad[7] + 5);  // a new sequence number, so it is not a replay
  send_esp(bad);
  auto unknown = esp;
  unknown[0] ^= 0x80;  // another SPI
  send_esp(unknown);
  ASSERT_TRUE(wait_for([&] { return status("REPLAY") == 1 && status("AUTH_FAIL") == 1 && status("UNKNOWN_SPI") == 1; }))
      << gw->stats().dump();
  ::close(raw);
  std::map<std::string, std::uint64_t> per_sa;
  for (const auto& [name, n] : gw->sa_errors(in_sa)) per_sa[name] = n;
  EXPECT_EQ(per_sa["REPLAY"], 1u);
  EXPECT_EQ(per_sa["AUTH_FAIL"], 1u);
  EXPECT_EQ(per_sa.count("UNKNOWN_SPI"), 0u) << "an unknown SPI names no SA";
  EXPECT_EQ(stat("rx", "decrypted"), 1u);
}

TEST_F(GatewayTest, TrapPolicyRaisesAnAcquireAndCountsNoSa) {
  open_gateway();
  runtime::Policy p;
  p.src = TrafficSelector::parse("10.1.0.0/16");
  p.dst = TrafficSelector::parse("10.4.0.0/16");
  p.reqid = 9;  // no SA: a trap
  rt->add_policy(p);
  gw->add_routes("trap", {p.src}, {p.dst}, IpAddr::parse("127.0.0.1"));
  send_udp("wants a tunnel", "10.4.0.1");
  ASSERT_TRUE(wait_for([&] { return status("NO_SA") == 1; })) << gw->stats().dump();
  std::vector<runtime::Event> evs;
  ASSERT_TRUE(wait_for([&] {
    rt->events().poll(evs);
    for (const auto& e : evs)
      if (e.type == runtime::EventType::Acquire && e.reqid == 9) return true;
    return false;
  }));
}

// `ip route get` of an address: the device the kernel would send it out of.
std::string route_dev(const std::string& addr) {
  std::string cmd = "ip -o route get " + addr + " 2>&1";
  FILE* f = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (f && std::fgets(buf, sizeof buf, f)) out += buf;
  if (f) ::pclose(f);
  auto p = out.find(" dev ");
  if (p == std::string::npos) return out;
  auto e = out.find(' ', p + 5);
  return out.substr(p + 5, e - p - 5);
}

TEST_F(GatewayTest, RoutesFollowTheSelectorsAndKeepThePeerOut) {
  // An uplink with a default route, the way to the peer 198.51.100.7.
  sh("ip link add wan0 type veth peer name wan1 && ip addr add 203.0.113.1/24 dev wan0 && ip link set wan1 up && ip link set wan0 up");
  sh("ip route add default via 203.0.113.254");
  open_gateway();
  auto routes = [&] {
    std::string all;
    for (const auto& r : gw->routes()) all += r + "\n";
    return all;
  };
  gw->add_routes("a", {TrafficSelector::parse("10.1.0.0/16")},
                 {TrafficSelector::parse("10.2.0.0/16"), TrafficSelector::parse("198.51.100.0/24")},
                 IpAddr::parse("198.51.100.7"));
  std::string r = routes();
  EXPECT_NE(r.find("10.2.0.0/16"), std::string::npos) << r;
  EXPECT_NE(r.find("src 10.1.0.5"), std::string::npos) << r;
  EXPECT_EQ(route_dev("10.2.3.4"), "gwtest0");
  EXPECT_EQ(route_dev("198.51.100.8"), "gwtest0") << r;
  EXPECT_EQ(route_dev("198.51.100.7"), "wan0") << "the peer stays outside the tunnel:\n" << r;
  gw->add_routes("b", {TrafficSelector::parse("10.1.0.0/16")}, {TrafficSelector::parse("10.2.0.0/16")}, IpAddr{});
  gw->remove_routes("a");
  EXPECT_EQ(route_dev("10.2.3.4"), "gwtest0") << "still referenced by b";
  EXPECT_EQ(route_dev("198.51.100.8"), "wan0") << routes();
  EXPECT_EQ(routes().find("bypass"), std::string::npos) << routes();
  gw->remove_routes("b");
  EXPECT_EQ(routes().find("10.2.0.0/16"), std::string::npos) << routes();
  EXPECT_EQ(route_dev("10.2.3.4"), "wan0");
}

}  // namespace
}  // namespace esp::ike::dp
