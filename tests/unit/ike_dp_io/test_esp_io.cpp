// EspIo over 127.0.0.1 and ::1 in the test's private network namespace, with
// a real runtime (swemu) on both ends of the ESP:
//  - ESP in UDP sent by a plain socket from port 4500 reaches recv_burst; the
//    outer header it synthesises is decrypted by the card (an inbound
//    udp_encap SA; the ESP made by an outbound SA of the same key) -> OK and
//    the inner packet back; IKE (marker) goes to the sink without the marker,
//    keepalives and junk are counted, ESP packets land in bufs[k] in order;
//  - raw ESP sent by a raw socket of the test, likewise;
//  - send_burst: 64 card outputs (udp and raw SAs) arrive at a plain UDP /
//    raw ESP socket byte-equal to their ESP part, TTL and TOS of the card's
//    outer header kept, DF clear; malformed outputs count in tx_bad;
//  - the burst shared between sockets, a wildcard NAT socket (PKTINFO both
//    ways), several threads receiving / sending at once.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/ike/esp_io.hpp"
#include "esp/ike/natt.hpp"
#include "esp/runtime/runtime.hpp"
#include "ref/ip.hpp"
#include "ref/packets.hpp"

using namespace esp::ike;
using namespace esp::ike::dp;
using esp::runtime::IpAddr;
namespace rt = esp::runtime;
namespace spec = esp::spec;
using Bytes = std::vector<std::uint8_t>;

namespace {

constexpr std::uint16_t kNatT = static_cast<std::uint16_t>(spec::NAT_T_PORT);

socklen_t to_sa(const IpAddr& a, std::uint16_t port, sockaddr_storage* ss) {
  std::memset(ss, 0, sizeof *ss);
  if (a.version == 4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, a.bytes.data(), 4);
    return sizeof *sin;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  std::memcpy(&sin6->sin6_addr, a.bytes.data(), 16);
  return sizeof *sin6;
}

// A socket of the test: UDP bound to addr:port, or raw ESP.
struct TestSock {
  int fd = -1;
  int family = AF_INET;
  TestSock(const IpAddr& a, int type, int proto, std::uint16_t port = 0) {
    family = a.version == 4 ? AF_INET : AF_INET6;
    fd = ::socket(family, type | SOCK_CLOEXEC, proto);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    if (type == SOCK_DGRAM) {
      sockaddr_storage ss;
      const socklen_t len = to_sa(a, port, &ss);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
        throw std::runtime_error(std::string("bind: ") + std::strerror(errno));
    }
    const int big = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  }
  ~TestSock() { ::close(fd); }
  TestSock(const TestSock&) = delete;
  TestSock& operator=(const TestSock&) = delete;
  void send_to(const IpAddr& a, std::uint16_t port, const Bytes& b) const {
    sockaddr_storage ss;
    const socklen_t len = to_sa(a, port, &ss);
    ASSERT_EQ(::sendto(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&ss), len),
              static_cast<ssize_t>(b.size()))
        << std::strerror(errno);
  }
  // The next datagram, or empty after a minute (only a broken test waits).
  Bytes recv(sockaddr_storage* from = nullptr) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 60000) != 1) return {};
    Bytes b(70000);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const ssize_t n = ::recvfrom(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&ss), &len);
    b.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (from != nullptr) *from = ss;
    return b;
  }
};

struct Done {
  rt::Status status;
  Bytes out;
};

// A runtime on swemu with one queue.
struct Card {
  std::unique_ptr<rt::Runtime> r;
  std::unique_ptr<rt::Queue> q;
  Card() {
    rt::RuntimeOptions o;
    o.cards[0].card_memory_bytes = 64ull << 20;
    o.sa_capacity = 64;
    o.housekeeping_ms = 0;
    r = std::make_unique<rt::Runtime>(o);
    q = r->open_queue();
  }
  std::vector<Done> run(rt::PacketOp op, const std::vector<Bytes>& in, rt::SaId sa = {}) {
    std::vector<Bytes> outb(in.size(), Bytes(spec::MAX_PKT_BYTES));
    std::vector<rt::Packet> p(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
      p[i].op = op;
      p[i].data = in[i].data();
      p[i].len = static_cast<std::uint32_t>(in[i].size());
      p[i].out = outb[i].data();
      p[i].out_cap = static_cast<std::uint32_t>(outb[i].size());
      p[i].sa = sa;
    }
    std::size_t took = 0;
    while (took < p.size()) took += q->submit(p.data() + took, p.size() - took);
    q->flush();
    std::vector<rt::PacketResult> res(in.size());
    std::size_t got = 0;
    while (got < res.size()) {
      const std::size_t k = q->poll(res.data() + got, res.size() - got, 5000);
      if (k == 0) throw std::runtime_error("the card did not answer");
      got += k;
    }
    std::vector<Done> out;
    for (std::size_t i = 0; i < in.size(); ++i) {
      outb[i].resize(res[i].status.ok() ? res[i].out_len : 0);
      out.push_back({res[i].status, outb[i]});
    }
    return out;
  }
};

rt::SaConfig sa(std::uint32_t spi, rt::Direction dir, bool udp, const IpAddr& src, const IpAddr& dst,
                std::uint16_t sport, std::uint16_t dport) {
  rt::SaConfig c;
  c.spi = spi;
  c.direction = dir;
  c.udp_encap = udp;
  c.key.assign(32, 0);
  for (std::size_t i = 0; i < c.key.size(); ++i) c.key[i] = static_cast<std::uint8_t>(spi * 7 + i);
  c.salt = {1, 2, 3, static_cast<std::uint8_t>(spi)};
  c.tun_src = src;
  c.tun_dst = dst;
  c.udp_sport = sport;
  c.udp_dport = dport;
  c.ttl = 33;
  c.tos = 0x28;
  return c;
}

// The ESP part of a card ENCRYPT output (after the outer header [+ UDP]).
Bytes esp_part(const Bytes& out) {
  std::size_t hdr = (out[0] >> 4) == 4 ? static_cast<std::size_t>(out[0] & 0x0F) * 4 : 40;
  const std::uint8_t proto = (out[0] >> 4) == 4 ? out[9] : out[6];
  if (proto == spec::UDP_PROTO) hdr += spec::UDP_HDR_BYTES;
  return Bytes(out.begin() + static_cast<std::ptrdiff_t>(hdr), out.end());
}

Bytes inner(std::size_t payload, std::uint32_t seed, std::uint8_t version = 4) {
  return esp::ref::pkt::udp(version, payload, seed);
}

Bytes with_marker(const Bytes& m) {
  Bytes b(kNonEspMarkerSize + m.size(), 0);
  std::copy(m.begin(), m.end(), b.begin() + kNonEspMarkerSize);
  return b;
}

// Receive buffers for recv_burst.
struct Bufs {
  static constexpr std::size_t kCap = kRxHeadroom + spec::MAX_PKT_BYTES;
  std::vector<Bytes> store;
  std::vector<std::uint8_t*> ptr;
  explicit Bufs(std::size_t n) : store(n, Bytes(kCap, 0xEE)) {
    for (auto& b : store) ptr.push_back(b.data());
  }
};

class EspIoFamily : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    addr = IpAddr::parse(GetParam());
    ike = std::make_unique<IkeSockets>(loop, 0, 0);
    ike->bind({GetParam()});
    ike->set_nat_rx_external(true);
    io = std::make_unique<EspIo>(ike->nat_sockets(), EspIo::Options{});
  }
  // Polls recv_burst until `want` ESP packets came (or a minute passed).
  std::size_t recv_all(Bufs& b, std::vector<RxPacket>& out, std::size_t want,
                       const EspIo::IkeSink& sink) {
    std::size_t got = 0;
    for (int i = 0; i < 60000 && got < want; ++i) {
      got += io->recv_burst(b.ptr.data() + got, Bufs::kCap, out.data() + got, out.size() - got, sink);
      if (got < want) ::usleep(1000);
    }
    return got;
  }
  IpAddr addr;
  EventLoop loop;
  std::unique_ptr<IkeSockets> ike;
  std::unique_ptr<EspIo> io;
};

// The synthesised outer header of ESP in UDP, field by field.
void check_udp_outer(const RxPacket& p, const IpAddr& src, std::uint16_t sport, const IpAddr& dst,
                     std::uint16_t dport, std::size_t esp_len) {
  const std::uint8_t* d = p.data;
  const std::size_t ip = src.version == 4 ? 20 : 40;
  ASSERT_EQ(p.len, ip + 8 + esp_len);
  if (src.version == 4) {
    EXPECT_EQ(d[0], 0x45);
    EXPECT_EQ((d[2] << 8) | d[3], static_cast<int>(p.len));
    EXPECT_EQ(d[9], 17);
    EXPECT_EQ(esp::ref::ip::fold(esp::ref::ip::sum16(d, 20)), 0) << "IPv4 header checksum";
    EXPECT_EQ(0, std::memcmp(d + 12, src.bytes.data(), 4));
    EXPECT_EQ(0, std::memcmp(d + 16, dst.bytes.data(), 4));
  } else {
    EXPECT_EQ(d[0] >> 4, 6);
    EXPECT_EQ((d[4] << 8) | d[5], static_cast<int>(8 + esp_len));
    EXPECT_EQ(d[6], 17);
    EXPECT_NE(d[7], 0);
    EXPECT_EQ(0, std::memcmp(d + 8, src.bytes.data(), 16));
    EXPECT_EQ(0, std::memcmp(d + 24, dst.bytes.data(), 16));
  }
  const std::uint8_t* u = d + ip;
  EXPECT_EQ((u[0] << 8) | u[1], sport);
  // The card knows ESP-in-UDP by NAT_T_PORT: the synthesised header names
  // it whatever our NAT-T socket's number is.
  (void)dport;
  EXPECT_EQ((u[2] << 8) | u[3], static_cast<int>(esp::spec::NAT_T_PORT));
  EXPECT_EQ((u[4] << 8) | u[5], static_cast<int>(8 + esp_len));
}

TEST_P(EspIoFamily, EspInUdpIsDecryptedByTheCardIkeKeepaliveJunkAreSorted) {
  Card card;
  const std::uint32_t spi = card.r->get_spi();
  const std::uint16_t nat = ike->nat_port();
  // The peer at addr:4500 sends to our NAT port.
  const rt::SaId out = card.r->add_sa(sa(spi, rt::Direction::Outbound, true, addr, addr, kNatT, nat));
  const rt::SaId in = card.r->add_sa(sa(spi, rt::Direction::Inbound, true, addr, addr, kNatT, nat));
  std::vector<Bytes> plain;
  for (std::uint32_t i = 0; i < 3; ++i) plain.push_back(inner(100 + 50 * i, i, i == 1 ? 6 : 4));
  const std::vector<Done> enc = card.run(rt::PacketOp::Encrypt, plain, out);
  for (const Done& e : enc) ASSERT_TRUE(e.status.ok()) << e.status.name();

  TestSock peer(addr, SOCK_DGRAM, 0, kNatT);
  const Bytes ike_msg(60, 0x5A), junk = {1, 2, 3};
  peer.send_to(addr, nat, esp_part(enc[0].out));
  peer.send_to(addr, nat, with_marker(ike_msg));
  peer.send_to(addr, nat, {kNatKeepalive});
  peer.send_to(addr, nat, esp_part(enc[1].out));
  peer.send_to(addr, nat, junk);
  peer.send_to(addr, nat, esp_part(enc[2].out));

  std::vector<Bytes> ikes;
  std::vector<IkeSockets::Datagram> ike_meta;
  const EspIo::IkeSink sink = [&](const IkeSockets::Datagram& d) {
    ikes.emplace_back(d.data, d.data + d.len);
    ike_meta.push_back(d);
  };
  Bufs b(16);
  std::vector<RxPacket> rx(16);
  ASSERT_EQ(recv_all(b, rx, 3, sink), 3u);
  ASSERT_EQ(ikes.size(), 1u);
  EXPECT_EQ(ikes[0], ike_msg);
  EXPECT_EQ(ike_meta[0].local, (Endpoint{addr, nat}));
  EXPECT_EQ(ike_meta[0].remote, (Endpoint{addr, kNatT}));
  EXPECT_TRUE(ike_meta[0].on_nat_port);
  const EspIo::Counters c = io->counters();
  EXPECT_EQ(c.rx_udp, 3u);
  EXPECT_EQ(c.rx_ike, 1u);
  EXPECT_EQ(c.rx_keepalive, 1u);
  EXPECT_EQ(c.rx_bad, 1u);
  EXPECT_EQ(c.rx_raw + c.rx_err, 0u);

  std::vector<Bytes> cipher;
  for (std::size_t k = 0; k < 3; ++k) {
    SCOPED_TRACE(k);
    EXPECT_TRUE(rx[k].udp);
    EXPECT_EQ(rx[k].remote, (Endpoint{addr, kNatT}));
    EXPECT_EQ(rx[k].local, (Endpoint{addr, nat}));
    // The k-th ESP packet lies in bufs[k], its ESP kRxHeadroom bytes in.
    EXPECT_GE(rx[k].data, b.ptr[k]);
    EXPECT_EQ(rx[k].data + rx[k].len, b.ptr[k] + kRxHeadroom + esp_part(enc[k].out).size());
    check_udp_outer(rx[k], addr, kNatT, addr, nat, esp_part(enc[k].out).size());
    cipher.emplace_back(rx[k].data, rx[k].data + rx[k].len);
  }
  const std::vector<Done> dec = card.run(rt::PacketOp::Decrypt, cipher);
  for (std::size_t k = 0; k < 3; ++k) {
    ASSERT_TRUE(dec[k].status.ok()) << k << ": " << dec[k].status.name();
    EXPECT_EQ(dec[k].out, plain[k]) << k;
  }
  EXPECT_EQ(card.r->query_sa(in).counters.packets, 3u);
  // Nothing more queued.
  EXPECT_EQ(io->recv_burst(b.ptr.data(), Bufs::kCap, rx.data(), rx.size(), sink), 0u);
}

TEST_P(EspIoFamily, RawEspIsDecryptedByTheCard) {
  Card card;
  const std::uint32_t spi = card.r->get_spi();
  card.r->add_sa(sa(spi, rt::Direction::Inbound, false, addr, addr, kNatT, kNatT));
  const rt::SaId out = card.r->add_sa(sa(spi, rt::Direction::Outbound, false, addr, addr, kNatT, kNatT));
  std::vector<Bytes> plain;
  for (std::uint32_t i = 0; i < 4; ++i) plain.push_back(inner(64 + 300 * i, 10 + i, i % 2 == 0 ? 6 : 4));
  const std::vector<Done> enc = card.run(rt::PacketOp::Encrypt, plain, out);
  {
    TestSock raw(addr, SOCK_RAW, IPPROTO_ESP);
    for (const Done& e : enc) {
      ASSERT_TRUE(e.status.ok());
      raw.send_to(addr, 0, esp_part(e.out));
    }
  }
  Bufs b(8);
  std::vector<RxPacket> rx(8);
  ASSERT_EQ(recv_all(b, rx, 4, nullptr), 4u);
  std::vector<Bytes> cipher;
  for (std::size_t k = 0; k < 4; ++k) {
    SCOPED_TRACE(k);
    EXPECT_FALSE(rx[k].udp);
    EXPECT_EQ(rx[k].remote, (Endpoint{addr, 0}));
    EXPECT_EQ(rx[k].local, (Endpoint{addr, 0}));
    const Bytes want = esp_part(enc[k].out);
    const std::size_t ip = addr.version == 4 ? 20 : 40;
    ASSERT_EQ(rx[k].len, ip + want.size());
    EXPECT_EQ(Bytes(rx[k].data + ip, rx[k].data + rx[k].len), want);
    EXPECT_EQ(rx[k].data[addr.version == 4 ? 9 : 6], spec::ESP_PROTO);
    if (addr.version == 6) {
      EXPECT_EQ((rx[k].data[4] << 8) | rx[k].data[5], static_cast<int>(want.size()));
    }
    cipher.emplace_back(rx[k].data, rx[k].data + rx[k].len);
  }
  EXPECT_EQ(io->counters().rx_raw, 4u);
  const std::vector<Done> dec = card.run(rt::PacketOp::Decrypt, cipher);
  for (std::size_t k = 0; k < 4; ++k) {
    ASSERT_TRUE(dec[k].status.ok()) << k << ": " << dec[k].status.name();
    EXPECT_EQ(dec[k].out, plain[k]) << k;
  }
}

TEST_P(EspIoFamily, SendBurstOfCardOutputsArrivesByteEqual) {
  Card card;
  const std::uint16_t nat = ike->nat_port();
  const rt::SaId out_udp = card.r->add_sa(sa(0x1001, rt::Direction::Outbound, true, addr, addr, nat, kNatT));
  const rt::SaId out_raw = card.r->add_sa(sa(0x1002, rt::Direction::Outbound, false, addr, addr, nat, kNatT));
  constexpr std::size_t kN = 64;
  std::vector<Bytes> plain;
  for (std::uint32_t i = 0; i < kN; ++i) plain.push_back(inner(20 + 7 * i, 100 + i, i % 3 == 0 ? 6 : 4));
  const std::vector<Done> eu = card.run(rt::PacketOp::Encrypt, plain, out_udp);
  const std::vector<Done> er = card.run(rt::PacketOp::Encrypt, plain, out_raw);
  TestSock peer(addr, SOCK_DGRAM, 0, kNatT);
  TestSock raw(addr, SOCK_RAW, IPPROTO_ESP);
  for (const std::vector<Done>* e : {&eu, &er}) {
    std::vector<TxPacket> tx(kN);
    for (std::size_t i = 0; i < kN; ++i) {
      ASSERT_TRUE((*e)[i].status.ok());
      tx[i] = TxPacket{(*e)[i].out.data(), static_cast<std::uint32_t>((*e)[i].out.size())};
    }
    bool ok[kN];
    EXPECT_EQ(io->send_burst(tx.data(), kN, ok), kN);
    for (std::size_t i = 0; i < kN; ++i) EXPECT_TRUE(ok[i]) << i;
  }
  for (std::size_t i = 0; i < kN; ++i) EXPECT_EQ(peer.recv(), esp_part(eu[i].out)) << "udp " << i;
  for (std::size_t i = 0; i < kN; ++i) {
    const Bytes got = raw.recv();
    const Bytes want = esp_part(er[i].out);
    if (addr.version == 6) {
      EXPECT_EQ(got, want) << "raw " << i;
      continue;
    }
    // IPv4 raw sockets see the IP header the kernel built from our options.
    ASSERT_GE(got.size(), 20u);
    EXPECT_EQ(Bytes(got.begin() + 20, got.end()), want) << "raw " << i;
    EXPECT_EQ(got[8], 33) << "TTL from the card's outer header";
    EXPECT_EQ(got[1], 0x28) << "TOS from the card's outer header";
    EXPECT_EQ(got[6] & 0x40, 0) << "DF clear (IP_PMTUDISC_DONT)";
    EXPECT_EQ(0, std::memcmp(got.data() + 12, addr.bytes.data(), 4));
  }
  const EspIo::Counters c = io->counters();
  EXPECT_EQ(c.tx_udp, kN);
  EXPECT_EQ(c.tx_raw, kN);
  EXPECT_EQ(c.tx_err + c.tx_bad, 0u);
}

TEST_P(EspIoFamily, MalformedOutputsAreNotSent) {
  Card card;
  const std::uint16_t nat = ike->nat_port();
  const rt::SaId su = card.r->add_sa(sa(0x2001, rt::Direction::Outbound, true, addr, addr, nat, kNatT));
  const Bytes good = card.run(rt::PacketOp::Encrypt, {inner(40, 1)}, su)[0].out;
  const bool v4 = addr.version == 4;
  const std::size_t ip = v4 ? 20 : 40;
  auto mutate = [&](auto f) {
    Bytes b = good;
    f(b);
    return b;
  };
  auto set16 = [](Bytes& b, std::size_t at, std::uint32_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
  };
  auto fix_v4 = [&](Bytes& b) {  // a valid header checksum, so only the named fault remains
    if (!v4) return;
    set16(b, 10, 0);
    set16(b, 10, esp::ref::ip::fold(esp::ref::ip::sum16(b.data(), 20)));
  };
  struct Case {
    const char* name;
    Bytes data;
  };
  const std::vector<Case> bad = {
      {"empty", {}},
      {"version 5", mutate([](Bytes& b) { b[0] = static_cast<std::uint8_t>(0x50 | (b[0] & 0x0F)); })},
      {"shorter than the IP header", Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(ip - 1))},
      {"truncated (length field says more)", Bytes(good.begin(), good.end() - 1)},
      {"protocol TCP", mutate([&](Bytes& b) { b[v4 ? 9 : 6] = 6; fix_v4(b); })},
      {"UDP length below 8", mutate([&](Bytes& b) { set16(b, ip + 4, 7); })},
      {"UDP length beyond the packet", mutate([&](Bytes& b) { set16(b, ip + 4, static_cast<std::uint32_t>(b.size() - ip + 1)); })},
      {"UDP destination port 0", mutate([&](Bytes& b) { set16(b, ip + 2, 0); })},
      {"zero SPI (the Non-ESP Marker)", mutate([&](Bytes& b) { std::fill(b.begin() + static_cast<std::ptrdiff_t>(ip + 8), b.begin() + static_cast<std::ptrdiff_t>(ip + 12), 0); })},
      {"unspecified source", mutate([&](Bytes& b) { std::fill(b.begin() + (v4 ? 12 : 8), b.begin() + (v4 ? 16 : 24), 0); fix_v4(b); })},
  };
  std::vector<TxPacket> tx;
  for (const Case& c : bad) tx.push_back({c.data.data(), static_cast<std::uint32_t>(c.data.size())});
  tx.push_back({good.data(), static_cast<std::uint32_t>(good.size())});
  tx.push_back({nullptr, 100});
  std::vector<std::uint8_t> okv(tx.size(), 1);
  bool ok[16];
  ASSERT_LE(tx.size(), 16u);
  EXPECT_EQ(io->send_burst(tx.data(), tx.size(), ok), 1u);
  for (std::size_t i = 0; i < bad.size(); ++i) EXPECT_FALSE(ok[i]) << bad[i].name;
  EXPECT_TRUE(ok[bad.size()]);
  EXPECT_FALSE(ok[bad.size() + 1]);
  EXPECT_EQ(io->counters().tx_bad, bad.size() + 1);
  EXPECT_EQ(io->counters().tx_udp, 1u);
  // A UDP source port we are not bound to: no socket for it (tx_err).
  const Bytes other = mutate([&](Bytes& b) { set16(b, ip, static_cast<std::uint32_t>(nat + 1)); });
  const TxPacket o{other.data(), static_cast<std::uint32_t>(other.size())};
  EXPECT_EQ(io->send_burst(&o, 1, nullptr), 0u);
  EXPECT_EQ(io->counters().tx_err, 1u);
}

INSTANTIATE_TEST_SUITE_P(Loopback, EspIoFamily, ::testing::Values("127.0.0.1", "::1"));

// A fake ESP packet: SPI 0x100 + i, sequence number i, some bytes.
Bytes fake_esp(std::uint32_t i, std::size_t len = 64) {
  Bytes b(len, static_cast<std::uint8_t>(i));
  const std::uint32_t spi = 0x100 + i;
  for (int k = 0; k < 4; ++k) {
    b[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(spi >> (24 - 8 * k));
    b[static_cast<std::size_t>(4 + k)] = static_cast<std::uint8_t>(i >> (24 - 8 * k));
  }
  return b;
}

std::uint32_t esp_seq(const RxPacket& p) {
  const std::uint8_t* e = p.data + p.len - 64 + 4;  // fake_esp() packets are 64 bytes
  return (std::uint32_t{e[0]} << 24) | (std::uint32_t{e[1]} << 16) | (std::uint32_t{e[2]} << 8) | e[3];
}

class EspIoV4 : public EspIoFamily {};

TEST_P(EspIoV4, BurstIsSharedFairlyBetweenSockets) {
  TestSock peer(addr, SOCK_DGRAM, 0, kNatT);
  TestSock raw(addr, SOCK_RAW, IPPROTO_ESP);
  for (std::uint32_t i = 0; i < 40; ++i) {
    peer.send_to(addr, ike->nat_port(), fake_esp(i));
    raw.send_to(addr, 0, fake_esp(1000 + i));
  }
  // Three sockets (NAT, raw IPv4, raw IPv6): a share of 6 each, the rest to
  // the busy ones, whichever starts.
  for (int round = 0; round < 4; ++round) {
    Bufs b(16);
    std::vector<RxPacket> rx(16);
    ASSERT_EQ(io->recv_burst(b.ptr.data(), Bufs::kCap, rx.data(), 16, nullptr), 16u);
    const auto udp = std::count_if(rx.begin(), rx.end(), [](const RxPacket& p) { return p.udp; });
    EXPECT_GE(udp, 6) << round;
    EXPECT_LE(udp, 10) << round;
  }
}

TEST_P(EspIoV4, TruncatedDatagramsAndAThrowingSinkAreCounted) {
  TestSock peer(addr, SOCK_DGRAM, 0, kNatT);
  peer.send_to(addr, ike->nat_port(), fake_esp(1, 200));  // longer than the buffer
  peer.send_to(addr, ike->nat_port(), with_marker(Bytes(40, 7)));
  peer.send_to(addr, ike->nat_port(), fake_esp(2));
  const std::size_t cap = kRxHeadroom + 100;
  Bufs b(4);
  std::vector<RxPacket> rx(4);
  int calls = 0;
  const EspIo::IkeSink sink = [&](const IkeSockets::Datagram&) {
    ++calls;
    throw std::runtime_error("sink failed");
  };
  ASSERT_EQ(io->recv_burst(b.ptr.data(), cap, rx.data(), 4, sink), 1u);
  EXPECT_EQ(esp_seq(rx[0]), 2u);
  EXPECT_EQ(rx[0].data + rx[0].len, b.ptr[0] + kRxHeadroom + 64);
  EXPECT_EQ(calls, 1);
  const EspIo::Counters c = io->counters();
  EXPECT_EQ(c.rx_bad, 1u);
  EXPECT_EQ(c.rx_err, 1u);
  EXPECT_EQ(c.rx_ike, 1u);
  EXPECT_EQ(c.rx_udp, 1u);
  EXPECT_EQ(io->recv_burst(b.ptr.data(), kRxHeadroom, rx.data(), 4, sink), 0u) << "no room at all";
}

TEST_P(EspIoV4, SeveralThreadsReceiveEachPacketOnce) {
  for (const auto& n : ike->nat_sockets()) {
    const int big = 8 << 20;
    ASSERT_EQ(::setsockopt(n.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big), 0);
  }
  TestSock peer(addr, SOCK_DGRAM, 0, kNatT);
  constexpr std::uint32_t kTotal = 600;
  for (std::uint32_t i = 0; i < kTotal; ++i) peer.send_to(addr, ike->nat_port(), fake_esp(i));
  std::vector<std::uint32_t> seen[3];
  std::vector<std::thread> th;
  std::atomic<std::uint32_t> total{0};
  for (auto& v : seen) {
    th.emplace_back([&, out = &v] {
      Bufs b(8);
      std::vector<RxPacket> rx(8);
      for (int idle = 0; idle < 200 && total.load() < kTotal;) {
        const std::size_t k = io->recv_burst(b.ptr.data(), Bufs::kCap, rx.data(), rx.size(), nullptr);
        for (std::size_t j = 0; j < k; ++j) out->push_back(esp_seq(rx[j]));
        total += static_cast<std::uint32_t>(k);
        if (k == 0) {
          ++idle;
          ::usleep(1000);
        }
      }
    });
  }
  for (auto& t : th) t.join();
  std::set<std::uint32_t> all;
  std::size_t count = 0;
  for (const auto& v : seen) {
    all.insert(v.begin(), v.end());
    count += v.size();
  }
  EXPECT_EQ(count, kTotal);
  EXPECT_EQ(all.size(), kTotal);
  EXPECT_EQ(io->counters().rx_udp, kTotal);
}

TEST_P(EspIoV4, SeveralThreadsSendAtOnce) {
  Card card;
  const rt::SaId out = card.r->add_sa(sa(0x4001, rt::Direction::Outbound, true, addr, addr, ike->nat_port(), kNatT));
  constexpr std::size_t kPer = 64, kThreads = 3;
  std::vector<Bytes> plain;
  for (std::uint32_t i = 0; i < kPer * kThreads; ++i) plain.push_back(inner(16, i));
  const std::vector<Done> enc = card.run(rt::PacketOp::Encrypt, plain, out);
  TestSock peer(addr, SOCK_DGRAM, 0, kNatT);
  const int big = 8 << 20;
  ASSERT_EQ(::setsockopt(peer.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big), 0);
  std::vector<std::thread> th;
  std::atomic<std::size_t> sent{0};
  for (std::size_t t = 0; t < kThreads; ++t) {
    th.emplace_back([&, t] {
      std::vector<TxPacket> tx;
      for (std::size_t i = t * kPer; i < (t + 1) * kPer; ++i)
        tx.push_back({enc[i].out.data(), static_cast<std::uint32_t>(enc[i].out.size())});
      sent += io->send_burst(tx.data(), tx.size(), nullptr);
    });
  }
  for (auto& t : th) t.join();
  EXPECT_EQ(sent.load(), kPer * kThreads);
  std::set<Bytes> want, got;
  for (const Done& e : enc) want.insert(esp_part(e.out));
  for (std::size_t i = 0; i < kPer * kThreads; ++i) got.insert(peer.recv());
  EXPECT_EQ(got, want);
  EXPECT_EQ(io->counters().tx_udp, kPer * kThreads);
}

INSTANTIATE_TEST_SUITE_P(Loopback, EspIoV4, ::testing::Values("127.0.0.1"));

TEST(EspIoWildcard, LearnsTheLocalAddressAndSendsFromTheOuterSource) {
  EventLoop loop;
  IkeSockets ike(loop, 0, 0);
  ike.bind({"%any"});
  ike.set_nat_rx_external(true);
  EspIo io(ike.nat_sockets(), EspIo::Options{});
  const IpAddr peer_addr = IpAddr::parse("127.0.0.1"), us = IpAddr::parse("127.0.0.5");
  TestSock peer(peer_addr, SOCK_DGRAM, 0, kNatT);
  peer.send_to(us, ike.nat_port(), fake_esp(1));
  Bufs b(2);
  std::vector<RxPacket> rx(2);
  std::size_t got = 0;
  for (int i = 0; i < 60000 && got == 0; ++i) {
    got = io.recv_burst(b.ptr.data(), Bufs::kCap, rx.data(), 2, nullptr);
    if (got == 0) ::usleep(1000);
  }
  ASSERT_EQ(got, 1u);
  EXPECT_EQ(rx[0].local, (Endpoint{us, ike.nat_port()}));
  check_udp_outer(rx[0], peer_addr, kNatT, us, ike.nat_port(), 64);

  Card card;
  const rt::SaId out = card.r->add_sa(sa(0x3001, rt::Direction::Outbound, true, us, peer_addr, ike.nat_port(), kNatT));
  const Bytes o = card.run(rt::PacketOp::Encrypt, {inner(30, 3)}, out)[0].out;
  const TxPacket t{o.data(), static_cast<std::uint32_t>(o.size())};
  bool ok = false;
  ASSERT_EQ(io.send_burst(&t, 1, &ok), 1u);
  EXPECT_TRUE(ok);
  sockaddr_storage from{};
  EXPECT_EQ(peer.recv(&from), esp_part(o));
  const auto* sin = reinterpret_cast<const sockaddr_in*>(&from);
  EXPECT_EQ(0, std::memcmp(&sin->sin_addr, us.bytes.data(), 4)) << "source chosen with IP_PKTINFO";
  EXPECT_EQ(ntohs(sin->sin_port), ike.nat_port());
}

TEST(EspIo, FdsAreTheNatSocketsAndTheRawOnes) {
  EventLoop loop;
  IkeSockets ike(loop, 0, 0);
  ike.bind({"127.0.0.1", "::1"});
  EspIo all(ike.nat_sockets(), EspIo::Options{});
  EXPECT_EQ(all.fds().size(), 4u);
  EspIo::Options o;
  o.raw_esp = false;
  EspIo udp_only(ike.nat_sockets(), o);
  const std::vector<int> fds = udp_only.fds();
  ASSERT_EQ(fds.size(), 2u);
  EXPECT_EQ(fds[0], ike.nat_sockets()[0].fd);
  EXPECT_EQ(fds[1], ike.nat_sockets()[1].fd);
  o.raw_esp = true;
  o.ipv6 = false;
  EXPECT_EQ(EspIo(ike.nat_sockets(), o).fds().size(), 3u);
}

}  // namespace
