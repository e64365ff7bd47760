// IkeSockets over loopback (127.0.0.1, 127.0.0.2, ::1) with ephemeral ports:
// two IkeSockets talk; the Non-ESP Marker is added and removed on the NAT
// port (checked on the wire with plain sockets, RFC 3948 2.2); keepalives are
// the one byte 0xFF and are counted; ESP goes to on_esp; garbage is counted
// and dropped; %any learns each datagram's local address (pktinfo) and sends
// from a chosen one; bind and send errors; source_for / local_addresses.
#include "esp/ike/udp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace esp::ike;
using esp::runtime::IpAddr;
using std::chrono::milliseconds;

namespace {

// Runs the loop until done() holds (checked every millisecond); a watchdog
// fails a test that would hang.
void run_until(EventLoop& loop, const std::function<bool()>& done) {
  const auto dog = loop.add_timer(std::chrono::seconds(60), [&loop] {
    ADD_FAILURE() << "timed out waiting for datagrams";
    loop.stop();
  });
  std::function<void()> check = [&] {
    if (done()) {
      loop.stop();
    } else {
      loop.add_timer(milliseconds(1), check);
    }
  };
  loop.add_timer(milliseconds(0), check);
  loop.run();
  loop.cancel_timer(dog);
}

socklen_t to_sa(const Endpoint& ep, sockaddr_storage* ss) {
  std::memset(ss, 0, sizeof *ss);
  if (ep.addr.version == 4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(ep.port);
    inet_pton(AF_INET, ep.addr.str().c_str(), &sin->sin_addr);
    return sizeof *sin;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(ep.port);
  inet_pton(AF_INET6, ep.addr.str().c_str(), &sin6->sin6_addr);
  return sizeof *sin6;
}

Endpoint from_sa(const sockaddr_storage& ss) {
  char text[INET6_ADDRSTRLEN] = {};
  Endpoint ep;
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
    ep.port = ntohs(sin->sin_port);
  } else {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
    ep.port = ntohs(sin6->sin6_port);
  }
  ep.addr = IpAddr::parse(text);
  return ep;
}

// A plain UDP socket: sees and sends exactly the bytes on the wire.
struct RawUdp {
  int fd = -1;
  Endpoint ep;
  explicit RawUdp(const std::string& addr) {
    ep.addr = IpAddr::parse(addr);
    fd = ::socket(ep.addr.version == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_storage ss;
    const socklen_t len = to_sa(ep, &ss);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
      throw std::runtime_error("raw socket on " + addr + ": " + std::strerror(errno));
    socklen_t got = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &got);
    ep = from_sa(ss);
  }
  ~RawUdp() { ::close(fd); }
  void send_to(const Endpoint& to, const Bytes& b) const {
    sockaddr_storage ss;
    const socklen_t len = to_sa(to, &ss);
    ASSERT_EQ(::sendto(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&ss), len),
              static_cast<ssize_t>(b.size()))
        << std::strerror(errno);
  }
  // The next datagram (waits up to a minute: only a broken test waits long).
  Bytes recv(Endpoint* from = nullptr) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 60000) != 1) {
      ADD_FAILURE() << "nothing received";
      return {};
    }
    Bytes b(70000);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const ssize_t n = ::recvfrom(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&ss), &len);
    b.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (from != nullptr) *from = from_sa(ss);
    return b;
  }
};

Endpoint ep(const std::string& addr, std::uint16_t port) { return Endpoint{IpAddr::parse(addr), port}; }

// A fake IKE message: a 28-byte header's worth and some body, all non-zero.
Bytes ike_msg(std::uint8_t tag, std::size_t len = 60) {
  Bytes b(len);
  for (std::size_t i = 0; i < len; ++i) b[i] = static_cast<std::uint8_t>(tag + i + 1);
  return b;
}

Bytes with_marker(const Bytes& m) {
  Bytes b(4 + m.size(), 0);
  std::copy(m.begin(), m.end(), b.begin() + 4);
  return b;
}

struct Received {
  IkeSockets::Datagram d;
  Bytes bytes;
};

// Records what arrives (copying the bytes: the buffer is reused).
void record(IkeSockets& s, std::vector<Received>* ike, std::vector<Received>* esp) {
  s.on_ike([ike](const IkeSockets::Datagram& d) { ike->push_back({d, Bytes(d.data, d.data + d.len)}); });
  s.on_esp([esp](const IkeSockets::Datagram& d) { esp->push_back({d, Bytes(d.data, d.data + d.len)}); });
}

class IkeSocketsFamily : public ::testing::TestWithParam<const char*> {};

TEST_P(IkeSocketsFamily, TwoSocketsTalkOnBothPorts) {
  const std::string addr = GetParam();
  EventLoop loop;
  IkeSockets a(loop, 0, 0), b(loop, 0, 0);
  a.bind({addr});
  b.bind({addr});
  for (const IkeSockets* s : {&a, &b}) {
    EXPECT_NE(s->port(), 0);
    EXPECT_NE(s->nat_port(), 0);
    EXPECT_NE(s->port(), s->nat_port());
  }
  std::vector<Received> a_ike, a_esp, b_ike, b_esp;
  record(a, &a_ike, &a_esp);
  // b answers every request from where it came to, to where it came from.
  b.on_ike([&](const IkeSockets::Datagram& d) {
    b_ike.push_back({d, Bytes(d.data, d.data + d.len)});
    Bytes reply(d.data, d.data + d.len);
    reply[0] ^= 0x80;
    std::string why;
    EXPECT_TRUE(b.send_ike(d.local, d.remote, reply, &why)) << why;
  });
  const Bytes m1 = ike_msg(1), m2 = ike_msg(2, 300);
  std::string why;
  ASSERT_TRUE(a.send_ike(ep(addr, a.port()), ep(addr, b.port()), m1, &why)) << why;
  ASSERT_TRUE(a.send_ike(ep(addr, a.nat_port()), ep(addr, b.nat_port()), m2, &why)) << why;
  run_until(loop, [&] { return a_ike.size() == 2; });

  ASSERT_EQ(b_ike.size(), 2u);
  std::sort(b_ike.begin(), b_ike.end(), [](auto& x, auto& y) { return x.bytes.size() < y.bytes.size(); });
  EXPECT_EQ(b_ike[0].bytes, m1);
  EXPECT_EQ(b_ike[0].d.local, ep(addr, b.port()));
  EXPECT_EQ(b_ike[0].d.remote, ep(addr, a.port()));
  EXPECT_FALSE(b_ike[0].d.on_nat_port);
  EXPECT_EQ(b_ike[1].bytes, m2);  // the marker is gone
  EXPECT_EQ(b_ike[1].d.local, ep(addr, b.nat_port()));
  EXPECT_EQ(b_ike[1].d.remote, ep(addr, a.nat_port()));
  EXPECT_TRUE(b_ike[1].d.on_nat_port);

  std::sort(a_ike.begin(), a_ike.end(), [](auto& x, auto& y) { return x.bytes.size() < y.bytes.size(); });
  EXPECT_EQ(a_ike[0].bytes[0], m1[0] ^ 0x80);
  EXPECT_EQ(a_ike[0].d.remote, ep(addr, b.port()));
  EXPECT_EQ(a_ike[1].bytes[0], m2[0] ^ 0x80);
  EXPECT_TRUE(a_ike[1].d.on_nat_port);
  EXPECT_TRUE(a_esp.empty());
  const auto ca = a.counters(), cb = b.counters();
  EXPECT_EQ(ca.tx_ike, 2u);
  EXPECT_EQ(ca.rx_ike, 2u);
  EXPECT_EQ(cb.tx_ike, 2u);
  EXPECT_EQ(cb.rx_ike, 2u);
  EXPECT_EQ(ca.rx_bad + cb.rx_bad + ca.tx_err + cb.tx_err, 0u);
}

INSTANTIATE_TEST_SUITE_P(Loopback, IkeSocketsFamily, ::testing::Values("127.0.0.1", "::1"));

TEST(IkeSockets, MarkerOnTheWireOnlyOnTheNatPort) {
  EventLoop loop;
  IkeSockets s(loop, 0, 0);
  s.bind({"127.0.0.1"});
  RawUdp raw("127.0.0.1");
  const Bytes m = ike_msg(7);
  ASSERT_TRUE(s.send_ike(ep("127.0.0.1", s.nat_port()), raw.ep, m));
  Endpoint from;
  EXPECT_EQ(raw.recv(&from), with_marker(m));
  EXPECT_EQ(from, ep("127.0.0.1", s.nat_port()));
  ASSERT_TRUE(s.send_ike(ep("127.0.0.1", s.port()), raw.ep, m));
  EXPECT_EQ(raw.recv(&from), m);
  EXPECT_EQ(from, ep("127.0.0.1", s.port()));

  std::vector<Received> ike, esp;
  record(s, &ike, &esp);
  raw.send_to(ep("127.0.0.1", s.nat_port()), with_marker(m));
  raw.send_to(ep("127.0.0.1", s.port()), m);
  run_until(loop, [&] { return ike.size() == 2; });
  for (const Received& r : ike) {
    EXPECT_EQ(r.bytes, m);
    EXPECT_EQ(r.d.remote, raw.ep);
  }
  EXPECT_TRUE(esp.empty());
}

TEST(IkeSockets, KeepalivesAreOneByteCountedAndDropped) {
  EventLoop loop;
  IkeSockets s(loop, 0, 0);
  s.bind({"127.0.0.1"});
  RawUdp raw("127.0.0.1");
  ASSERT_TRUE(s.send_keepalive(ep("127.0.0.1", s.nat_port()), raw.ep));
  EXPECT_EQ(raw.recv(), Bytes{0xFF});
  std::string why;
  EXPECT_FALSE(s.send_keepalive(ep("127.0.0.1", s.port()), raw.ep, &why));
  EXPECT_NE(why.find("NAT port"), std::string::npos) << why;

  std::vector<Received> ike, esp;
  record(s, &ike, &esp);
  for (int i = 0; i < 3; ++i) raw.send_to(ep("127.0.0.1", s.nat_port()), Bytes{0xFF});
  run_until(loop, [&] { return s.counters().rx_keepalive == 3; });
  EXPECT_TRUE(ike.empty());
  EXPECT_TRUE(esp.empty());
  EXPECT_EQ(s.counters().tx_keepalive, 1u);
  EXPECT_EQ(s.counters().tx_err, 1u);
}

TEST(IkeSockets, EspInUdpGoesToOnEsp) {
  EventLoop loop;
  IkeSockets s(loop, 0, 0);
  s.bind({"127.0.0.1"});
  RawUdp raw("127.0.0.1");
  // SPI 0x01020304, sequence number 1, then "payload".
  const Bytes esp_pkt = {0x01, 0x02, 0x03, 0x04, 0, 0, 0, 1, 0xAA, 0xBB, 0xCC};
  std::vector<Received> ike, esp;
  record(s, &ike, &esp);
  raw.send_to(ep("127.0.0.1", s.nat_port()), esp_pkt);
  run_until(loop, [&] { return esp.size() == 1; });
  EXPECT_EQ(esp[0].bytes, esp_pkt);
  EXPECT_TRUE(esp[0].d.on_nat_port);
  EXPECT_EQ(esp[0].d.remote, raw.ep);
  EXPECT_TRUE(ike.empty());
  EXPECT_EQ(s.counters().rx_esp, 1u);

  ASSERT_TRUE(s.send_esp(ep("127.0.0.1", s.nat_port()), raw.ep, esp_pkt.data(), esp_pkt.size()));
  EXPECT_EQ(raw.recv(), esp_pkt);
  std::string why;
  const Bytes spi0 = {0, 0, 0, 0, 0, 0, 0, 1, 9, 9};
  EXPECT_FALSE(s.send_esp(ep("127.0.0.1", s.nat_port()), raw.ep, spi0.data(), spi0.size(), &why));
  EXPECT_NE(why.find("SPI 0"), std::string::npos) << why;
  EXPECT_FALSE(s.send_esp(ep("127.0.0.1", s.nat_port()), raw.ep, esp_pkt.data(), 7, &why));
  EXPECT_FALSE(s.send_esp(ep("127.0.0.1", s.port()), raw.ep, esp_pkt.data(), esp_pkt.size(), &why));
  EXPECT_NE(why.find("NAT port"), std::string::npos) << why;
  EXPECT_EQ(s.counters().tx_esp, 1u);
  EXPECT_EQ(s.counters().tx_err, 3u);
}

TEST(IkeSockets, GarbageIsCountedAndDropped) {
  EventLoop loop;
  IkeSockets s(loop, 0, 0);
  s.bind({"127.0.0.1"});
  RawUdp raw("127.0.0.1");
  std::vector<Received> ike, esp;
  record(s, &ike, &esp);
  struct Junk {
    bool nat;
    Bytes bytes;
  };
  const std::vector<Junk> junk = {
      {true, {}},                                 // empty datagram
      {true, {0x00}},                             // one byte, not a keepalive
      {true, {0xFF, 0xFF}},                       // two bytes
      {true, {0, 0, 0}},                          // shorter than the marker
      {true, {0, 0, 0, 0}},                       // marker alone
      {true, with_marker(ike_msg(1, 27))},        // marker + less than a header
      {true, {1, 2, 3, 4, 5, 6, 7}},              // SPI but no sequence number
      {false, {}},                                // port 500: empty
      {false, {0xFF}},                            // port 500: no keepalives there
      {false, ike_msg(3, 27)},                    // port 500: less than a header
  };
  for (const Junk& j : junk) raw.send_to(ep("127.0.0.1", j.nat ? s.nat_port() : s.port()), j.bytes);
  // Then something good on each port: the loop is still alive.
  raw.send_to(ep("127.0.0.1", s.port()), ike_msg(9, 28));
  raw.send_to(ep("127.0.0.1", s.nat_port()), with_marker(ike_msg(9, 28)));
  run_until(loop, [&] { return s.counters().rx_bad == junk.size() && ike.size() == 2; });
  EXPECT_EQ(s.counters().rx_ike, 2u);
  EXPECT_EQ(s.counters().rx_esp, 0u);
  EXPECT_EQ(s.counters().rx_keepalive, 0u);
  for (const Received& r : ike) EXPECT_EQ(r.bytes, ike_msg(9, 28));
}

TEST(IkeSockets, ACallbackThatThrowsIsCaughtAndCounted) {
  EventLoop loop;
  IkeSockets s(loop, 0, 0);
  s.bind({"127.0.0.1"});
  RawUdp raw("127.0.0.1");
  std::vector<std::string> errors;
  s.on_error([&](const std::string& e) { errors.push_back(e); });
  s.on_ike([](const IkeSockets::Datagram&) { throw std::runtime_error("bad state"); });
  s.on_esp([](const IkeSockets::Datagram&) { throw 42; });
  raw.send_to(ep("127.0.0.1", s.port()), ike_msg(1));
  raw.send_to(ep("127.0.0.1", s.nat_port()), Bytes{1, 2, 3, 4, 0, 0, 0, 1});
  run_until(loop, [&] { return s.counters().rx_cb_error == 2; });
  EXPECT_EQ(s.counters().rx_ike, 1u);
  EXPECT_EQ(s.counters().rx_esp, 1u);
  ASSERT_EQ(errors.size(), 2u);
  const bool named = errors[0].find("bad state") != std::string::npos ||
                     errors[1].find("bad state") != std::string::npos;
  EXPECT_TRUE(named) << errors[0] << " / " << errors[1];
}

TEST(IkeSockets, StopInsideOnIkeEndsTheBurst) {
  EventLoop loop;
  IkeSockets s(loop, 0, 0);
  s.bind({"127.0.0.1"});
  RawUdp raw("127.0.0.1");
  std::vector<std::uint8_t> tags;
  s.on_ike([&](const IkeSockets::Datagram& d) {
    tags.push_back(d.data[0]);
    if (tags.size() == 1) loop.stop();
  });
  for (std::uint8_t t = 1; t <= 3; ++t) raw.send_to(ep("127.0.0.1", s.port()), ike_msg(t));
  // All three are queued in the socket before run(): one burst would take them all.
  while (s.counters().rx_ike == 0) {
    loop.run();  // returns after the first datagram
    ASSERT_LE(tags.size(), 1u);
  }
  EXPECT_EQ(tags, (std::vector<std::uint8_t>{2}));  // ike_msg(t)[0] == t + 1
  run_until(loop, [&] { return tags.size() == 3; });
  EXPECT_EQ(tags, (std::vector<std::uint8_t>{2, 3, 4}));
}

TEST(IkeSockets, AnyLearnsTheLocalAddressAndSendsFromAChosenOne) {
  EventLoop loop;
  IkeSockets s(loop, 0, 0);
  s.bind({"%any"});
  const std::vector<Endpoint> bound = s.bound();
  const std::vector<Endpoint> want = {ep("0.0.0.0", s.port()), ep("0.0.0.0", s.nat_port()),
                                      ep("::", s.port()), ep("::", s.nat_port())};
  EXPECT_EQ(bound, want);
  std::vector<Received> ike, esp;
  record(s, &ike, &esp);
  RawUdp raw4("127.0.0.1"), raw6("::1");
  struct Case {
    const RawUdp* raw;
    const char* to;
    bool nat;
  };
  const std::vector<Case> cases = {
      {&raw4, "127.0.0.1", false}, {&raw4, "127.0.0.2", false}, {&raw4, "127.0.0.3", true}, {&raw6, "::1", true}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const Bytes m = ike_msg(static_cast<std::uint8_t>(i));
    c.raw->send_to(ep(c.to, c.nat ? s.nat_port() : s.port()), c.nat ? with_marker(m) : m);
    run_until(loop, [&] { return ike.size() == i + 1; });
    SCOPED_TRACE(c.to);
    EXPECT_EQ(ike[i].bytes, m);
    EXPECT_EQ(ike[i].d.local, ep(c.to, c.nat ? s.nat_port() : s.port()));
    EXPECT_EQ(ike[i].d.remote, c.raw->ep);
    EXPECT_EQ(ike[i].d.on_nat_port, c.nat);
    // The answer leaves from the address the request came to.
    std::string why;
    ASSERT_TRUE(s.send_ike(ike[i].d.local, ike[i].d.remote, m, &why)) << why;
    Endpoint from;
    EXPECT_EQ(c.raw->recv(&from), c.nat ? with_marker(m) : m);
    EXPECT_EQ(from, ike[i].d.local);
  }
  // An unset local address lets the kernel choose.
  ASSERT_TRUE(s.send_ike(Endpoint{IpAddr{}, s.port()}, raw4.ep, ike_msg(5)));
  Endpoint from;
  EXPECT_EQ(raw4.recv(&from), ike_msg(5));
  EXPECT_EQ(from, ep("127.0.0.1", s.port()));
}

TEST(IkeSockets, BindErrorsNameTheEndpointAndKeepNothing) {
  EventLoop loop;
  RawUdp taken("127.0.0.1");
  {
    IkeSockets s(loop, taken.ep.port, 0);
    try {
      s.bind({"127.0.0.1"});
      ADD_FAILURE() << "bind to a taken port succeeded";
    } catch (const NetError& e) {
      EXPECT_EQ(std::string(e.what()), "127.0.0.1[" + std::to_string(taken.ep.port) + "]: Address already in use");
    }
    EXPECT_TRUE(s.bound().empty());
    EXPECT_EQ(loop.watch_count(), 0u);
  }
  {
    // The IKE port binds, then the NAT port fails: the IKE port is closed again.
    IkeSockets s(loop, 0, taken.ep.port);
    EXPECT_THROW(s.bind({"127.0.0.1"}), NetError);
    EXPECT_TRUE(s.bound().empty());
    EXPECT_EQ(loop.watch_count(), 0u);
  }
  {
    IkeSockets s(loop, 0, 0);
    for (const char* bad : {"not-an-address", "192.0.2.300", "%anything", ""}) {
      try {
        s.bind({"127.0.0.1", bad});
        ADD_FAILURE() << bad;
      } catch (const NetError& e) {
        EXPECT_NE(std::string(e.what()).find("bad local address"), std::string::npos) << e.what();
      }
    }
    EXPECT_TRUE(s.bound().empty());
    // A second bind() adds addresses on the same ports.
    s.bind({"127.0.0.1"});
    s.bind({"::1"});
    const std::vector<Endpoint> want = {ep("127.0.0.1", s.port()), ep("127.0.0.1", s.nat_port()),
                                        ep("::1", s.port()), ep("::1", s.nat_port())};
    EXPECT_EQ(s.bound(), want);
    EXPECT_EQ(loop.watch_count(), 4u);
  }
  EXPECT_EQ(loop.watch_count(), 0u);  // the destructor unwatched
}

TEST(IkeSockets, SendErrorsReturnFalseWithAReason) {
  EventLoop loop;
  IkeSockets s(loop, 0, 0);
  s.bind({"127.0.0.1"});
  const Endpoint to = ep("127.0.0.1", 9);
  struct Case {
    Endpoint local, remote;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {ep("127.0.0.1", static_cast<std::uint16_t>(s.port() + s.nat_port())), to, "not ours"},
      {ep("127.0.0.1", s.port()), Endpoint{}, "not set"},
      {ep("127.0.0.1", s.port()), ep("::1", 9), "families differ"},
      {ep("::1", s.port()), ep("::1", 9), "no socket"},
      {ep("127.0.0.2", s.port()), to, "no socket"},  // bound to 127.0.0.1 only
      {ep("127.0.0.1", s.port()), ep("127.0.0.1", 0), "127.0.0.1[0]"},  // the kernel refuses port 0
  };
  for (const Case& c : cases) {
    std::string why;
    EXPECT_FALSE(s.send_ike(c.local, c.remote, ike_msg(1), &why)) << c.reason;
    EXPECT_NE(why.find(c.reason), std::string::npos) << why;
  }
  // More than a UDP datagram holds: the kernel's EMSGSIZE, as text.
  std::string why;
  EXPECT_FALSE(s.send_ike(ep("127.0.0.1", s.port()), to, Bytes(70000, 1), &why));
  EXPECT_NE(why.find(std::strerror(EMSGSIZE)), std::string::npos) << why;
  EXPECT_EQ(s.counters().tx_err, cases.size() + 1);
  EXPECT_EQ(s.counters().tx_ike, 0u);
}

TEST(IkeSockets, SourceForAndLocalAddresses) {
  EXPECT_EQ(IkeSockets::source_for(IpAddr::parse("127.0.0.1")), IpAddr::parse("127.0.0.1"));
  EXPECT_EQ(IkeSockets::source_for(IpAddr::parse("::1")), IpAddr::parse("::1"));
  EXPECT_EQ(IkeSockets::source_for(IpAddr{}), std::nullopt);
  const auto addrs = IkeSockets::local_addresses();
  EXPECT_NE(std::find(addrs.begin(), addrs.end(), IpAddr::parse("127.0.0.1")), addrs.end());
  EXPECT_NE(std::find(addrs.begin(), addrs.end(), IpAddr::parse("::1")), addrs.end());
  // Whatever routes a local address picks is itself one of the host's.
  for (const IpAddr& a : addrs) {
    const auto src = IkeSockets::source_for(a);
    if (src) {
      EXPECT_NE(std::find(addrs.begin(), addrs.end(), *src), addrs.end()) << a.str();
    }
  }
}

// iproute2's answer: the "src" of `ip -o route get ADDR`, or "" (no route).
std::string ip_route_src(const std::string& addr) {
  std::string ip;
  for (const char* c : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
    if (::access(c, X_OK) == 0) {
      ip = c;
      break;
    }
  if (ip.empty()) {
    ADD_FAILURE() << "iproute2's ip not found (scripts/deps.sh installs it)";
    return "";
  }
  FILE* f = ::popen((ip + " -o route get " + addr + " 2>/dev/null").c_str(), "r");
  std::string out;
  char buf[512];
  while (f != nullptr && std::fgets(buf, sizeof buf, f) != nullptr) out += buf;
  if (f != nullptr) ::pclose(f);
  const auto at = out.find(" src ");
  if (at == std::string::npos) return "";
  const auto begin = at + 5;
  return out.substr(begin, out.find(' ', begin) - begin);
}

TEST(IkeSockets, SourceForAgreesWithIpRouteGet) {
  std::vector<std::string> targets = {"127.0.0.1", "127.0.0.9", "::1", "192.0.2.1", "198.51.100.7",
                                      "2001:db8::7", "203.0.113.200"};
  for (const IpAddr& a : IkeSockets::local_addresses()) {
    const bool link_local = a.version == 6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
    if (!link_local) targets.push_back(a.str());  // fe80:: needs a scope id
  }
  for (const std::string& t : targets) {
    const std::string want = ip_route_src(t);
    const auto got = IkeSockets::source_for(IpAddr::parse(t));
    EXPECT_EQ(got ? got->str() : std::string(), want) << "route to " << t;
  }
}

TEST(IkeSocketsThreads, SendFromFourThreadsWhileTheLoopReceives) {
  EventLoop loop;
  IkeSockets a(loop, 0, 0), b(loop, 0, 0);
  a.bind({"127.0.0.1"});
  b.bind({"127.0.0.1"});
  constexpr int kThreads = 4, kEach = 25;  // few enough for the socket buffer
  std::vector<std::vector<int>> got(kThreads);
  b.on_esp([&](const IkeSockets::Datagram& d) {
    ASSERT_EQ(d.len, 12u);
    got[d.data[8]].push_back(d.data[9]);
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const Bytes pkt = {0xC0, 0, 0, 1, 0, 0, 0, static_cast<std::uint8_t>(i + 1),
                           static_cast<std::uint8_t>(t), static_cast<std::uint8_t>(i), 0, 0};
        EXPECT_TRUE(a.send_esp(ep("127.0.0.1", a.nat_port()), ep("127.0.0.1", b.nat_port()), pkt.data(),
                               pkt.size()));
      }
    });
  }
  run_until(loop, [&] { return b.counters().rx_esp == kThreads * kEach; });
  for (auto& th : threads) th.join();
  EXPECT_EQ(a.counters().tx_esp, static_cast<std::uint64_t>(kThreads * kEach));
  for (int t = 0; t < kThreads; ++t) {
    // One sender's datagrams over loopback keep their order.
    std::vector<int> want(kEach);
    for (int i = 0; i < kEach; ++i) want[static_cast<std::size_t>(i)] = i;
    EXPECT_EQ(got[static_cast<std::size_t>(t)], want);
  }
}

}  // namespace
