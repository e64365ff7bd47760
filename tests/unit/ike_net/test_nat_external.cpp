// IkeSockets' external NAT-port mode (the data plane reads port 4500 itself):
// classify_nat() against RFC 3948 2.2 / RFC 7296 2.23 framing; in external
// mode the loop does not read the NAT-port sockets (also ones bound later),
// a reader of nat_sockets()' fd gets the datagrams, and deliver() brings IKE
// to on_ike as if the loop had read it; back to internal mode the loop reads
// them again. Over 127.0.0.1 and ::1 with ephemeral ports.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/ike/msg_types.hpp"
#include "esp/ike/natt.hpp"
#include "esp/ike/udp.hpp"

using namespace esp::ike;
using esp::runtime::IpAddr;
using std::chrono::milliseconds;

namespace {

using NatKind = IkeSockets::NatKind;

socklen_t nat_to_sa(const Endpoint& ep, sockaddr_storage* ss) {
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

// A plain UDP sender bound to an ephemeral port of addr.
struct Sender {
  int fd = -1;
  explicit Sender(const std::string& addr) {
    const Endpoint ep{IpAddr::parse(addr), 0};
    fd = ::socket(ep.addr.version == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_storage ss;
    const socklen_t len = nat_to_sa(ep, &ss);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
      throw std::runtime_error("socket on " + addr + ": " + std::strerror(errno));
  }
  ~Sender() { ::close(fd); }
  void send_to(const Endpoint& to, const Bytes& b) const {
    sockaddr_storage ss;
    const socklen_t len = nat_to_sa(to, &ss);
    ASSERT_EQ(::sendto(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&ss), len),
              static_cast<ssize_t>(b.size()))
        << std::strerror(errno);
  }
};

bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

// Runs the loop for a few rounds (the fd events already pending are
// collected in the first epoll round), then stops.
void spin(EventLoop& loop) {
  loop.add_timer(milliseconds(20), [&loop] { loop.stop(); });
  loop.run();
}

void nat_run_until(EventLoop& loop, const std::function<bool()>& done) {
  const auto dog = loop.add_timer(std::chrono::seconds(60), [&loop] {
    ADD_FAILURE() << "timed out";
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

Bytes nat_ike_msg(std::uint8_t tag, std::size_t len = 60) {
  Bytes b(len);
  for (std::size_t i = 0; i < len; ++i) b[i] = static_cast<std::uint8_t>(tag + i + 1);
  return b;
}

Bytes nat_with_marker(const Bytes& m) {
  Bytes b(kNonEspMarkerSize + m.size(), 0);
  std::copy(m.begin(), m.end(), b.begin() + kNonEspMarkerSize);
  return b;
}

struct ClassifyCase {
  const char* name;
  Bytes data;
  NatKind want;
};

TEST(IkeSocketsNatKind, ClassifiesAsRfc3948Frames) {
  const std::vector<ClassifyCase> cases = {
      {"empty", {}, NatKind::Bad},
      {"keepalive 0xFF", {0xFF}, NatKind::Keepalive},
      {"one byte not 0xFF", {0xFE}, NatKind::Bad},
      {"two bytes 0xFF 0xFF", {0xFF, 0xFF}, NatKind::Bad},
      {"marker only", {0, 0, 0, 0}, NatKind::Bad},
      {"marker + 27 bytes (short IKE header)", nat_with_marker(nat_ike_msg(1, kIkeHeaderSize - 1)), NatKind::Bad},
      {"marker + IKE header", nat_with_marker(nat_ike_msg(1, kIkeHeaderSize)), NatKind::Ike},
      {"marker + IKE message", nat_with_marker(nat_ike_msg(2, 200)), NatKind::Ike},
      {"ESP SPI + seq (8 bytes)", {0, 0, 1, 0, 0, 0, 0, 1}, NatKind::Esp},
      {"ESP 7 bytes", {0, 0, 1, 0, 0, 0, 0}, NatKind::Bad},
      {"SPI 0x00000001", {0, 0, 0, 1, 0, 0, 0, 1, 9, 9, 9, 9}, NatKind::Esp},
      {"4 non-zero bytes", {1, 2, 3, 4}, NatKind::Bad},
  };
  for (const auto& c : cases)
    EXPECT_EQ(IkeSockets::classify_nat(c.data.data(), c.data.size()), c.want) << c.name;
  EXPECT_EQ(IkeSockets::classify_nat(nullptr, 10), NatKind::Bad);
}

class IkeSocketsExternal : public ::testing::TestWithParam<const char*> {};

TEST_P(IkeSocketsExternal, LoopLeavesNatPortToTheReaderAndDeliverReachesOnIke) {
  const std::string addr = GetParam();
  EventLoop loop;
  IkeSockets s(loop, 0, 0);
  s.bind({addr});
  std::vector<Bytes> got;
  std::vector<IkeSockets::Datagram> meta;
  s.on_ike([&](const IkeSockets::Datagram& d) {
    got.emplace_back(d.data, d.data + d.len);
    meta.push_back(d);
  });
  const std::vector<IkeSockets::NatSocket> nat = s.nat_sockets();
  ASSERT_EQ(nat.size(), 1u);
  EXPECT_EQ(nat[0].local, (Endpoint{IpAddr::parse(addr), s.nat_port()}));
  EXPECT_FALSE(nat[0].wildcard);
  EXPECT_EQ(loop.watch_count(), 2u);

  s.set_nat_rx_external(true);
  EXPECT_TRUE(s.nat_rx_external());
  EXPECT_EQ(loop.watch_count(), 1u);  // port 500 only
  s.set_nat_rx_external(true);        // idempotent
  EXPECT_EQ(loop.watch_count(), 1u);

  Sender peer(addr);
  const Bytes m = nat_ike_msg(7, 80);
  peer.send_to(Endpoint{IpAddr::parse(addr), s.nat_port()}, nat_with_marker(m));
  ASSERT_TRUE(readable(nat[0].fd, 60000));
  spin(loop);
  EXPECT_TRUE(got.empty()) << "the loop read the NAT port in external mode";
  EXPECT_EQ(s.counters().rx_ike, 0u);
  ASSERT_TRUE(readable(nat[0].fd, 0)) << "the datagram is still queued for the external reader";

  // The external reader: receive, classify, hand IKE back.
  Bytes buf(2048);
  sockaddr_storage from{};
  socklen_t flen = sizeof from;
  const ssize_t n = ::recvfrom(nat[0].fd, buf.data(), buf.size(), MSG_DONTWAIT,
                               reinterpret_cast<sockaddr*>(&from), &flen);
  ASSERT_EQ(n, static_cast<ssize_t>(m.size() + kNonEspMarkerSize));
  ASSERT_EQ(IkeSockets::classify_nat(buf.data(), static_cast<std::size_t>(n)), NatKind::Ike);
  IkeSockets::Datagram d;
  d.local = nat[0].local;
  d.remote = Endpoint{IpAddr::parse(addr), 1234};
  d.data = buf.data() + kNonEspMarkerSize;
  d.len = static_cast<std::size_t>(n) - kNonEspMarkerSize;
  d.on_nat_port = true;
  s.deliver(d);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], m);
  EXPECT_TRUE(meta[0].on_nat_port);
  EXPECT_EQ(meta[0].remote, d.remote);
  EXPECT_EQ(s.counters().rx_ike, 1u);

  // Too short to be IKE: counted, not passed on.
  d.len = kIkeHeaderSize - 1;
  s.deliver(d);
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(s.counters().rx_bad, 1u);

  // Back to internal: the loop reads the NAT port again.
  s.set_nat_rx_external(false);
  EXPECT_EQ(loop.watch_count(), 2u);
  peer.send_to(Endpoint{IpAddr::parse(addr), s.nat_port()}, nat_with_marker(nat_ike_msg(9, 40)));
  nat_run_until(loop, [&] { return got.size() == 2; });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], nat_ike_msg(9, 40));
  EXPECT_EQ(s.counters().rx_ike, 2u);
}

TEST(IkeSocketsExternalMode, SocketsBoundLaterFollowTheMode) {
  EventLoop loop;
  IkeSockets s(loop, 0, 0);
  s.set_nat_rx_external(true);
  s.bind({"127.0.0.1"});
  EXPECT_EQ(loop.watch_count(), 1u);
  s.bind({"127.0.0.2"});
  EXPECT_EQ(loop.watch_count(), 2u);  // two IKE-port sockets, no NAT-port one
  const auto nat = s.nat_sockets();
  ASSERT_EQ(nat.size(), 2u);
  EXPECT_EQ(nat[1].local, (Endpoint{IpAddr::parse("127.0.0.2"), s.nat_port()}));
  s.set_nat_rx_external(false);
  EXPECT_EQ(loop.watch_count(), 4u);
}

TEST_P(IkeSocketsExternal, DeliverCatchesTheCallbacksException) {
  const std::string addr = GetParam();
  EventLoop loop;
  IkeSockets s(loop, 0, 0);
  s.bind({addr});
  std::vector<std::string> errors;
  s.on_error([&](const std::string& e) { errors.push_back(e); });
  s.on_ike([](const IkeSockets::Datagram&) { throw std::runtime_error("boom"); });
  const Bytes m = nat_ike_msg(3, 40);
  IkeSockets::Datagram d;
  d.local = s.nat_sockets().at(0).local;
  d.remote = Endpoint{IpAddr::parse(addr), 4500};
  d.data = m.data();
  d.len = m.size();
  d.on_nat_port = true;
  EXPECT_NO_THROW(s.deliver(d));
  EXPECT_EQ(s.counters().rx_cb_error, 1u);
  EXPECT_EQ(s.counters().rx_ike, 1u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("boom"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Loopback, IkeSocketsExternal, ::testing::Values("127.0.0.1", "::1"));

}  // namespace
