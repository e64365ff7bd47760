// EspIo: the gateway data plane's ciphertext side. Receives ESP in bursts
// from the NAT-T port (ESP in UDP, RFC 3948; IkeSockets' own sockets, read in
// IkeSockets' external mode) and from raw ESP sockets (IP protocol 50), and
// shapes each packet as the card's DECRYPT input (outer IPv4/IPv6 header
// [+ UDP] + ESP, hw/spec/CONTRACT.md); sends the card's ENCRYPT outputs on
// the same sockets.
//
// Receiving (recv_burst): recvmmsg(MSG_DONTWAIT) over every socket, starting
// at a socket that rotates between calls, each socket first given its share
// of the burst. A datagram is received kRxHeadroom bytes into its buffer and
// the outer header written just in front of it:
//   NAT port, ESP  -> an IPv4 (or IPv6) header + UDP header synthesised from
//                     the addresses (the destination from IP_PKTINFO /
//                     IPV6_PKTINFO) and ports: lengths right, IPv4 header
//                     checksum right, TTL / hop limit 64, TOS 0, UDP
//                     checksum 0 (the kernel verified it; the card does not
//                     read it, CONTRACT DECRYPT 2);
//   NAT port, IKE  -> the IkeSink (Non-ESP Marker removed); not in out[];
//   NAT port, keepalive / junk -> counted, dropped;
//   raw IPv4       -> the kernel's IP header as received (reassembled);
//   raw IPv6       -> a synthesised IPv6 header (next header 50; extension
//                     headers the kernel consumed are not reproduced).
// The k-th ESP packet of out[] lies in bufs[k] (packets are moved down when
// an IKE message or junk took an earlier buffer), so a caller's buffer
// bookkeeping is by index.
//
// Sending (send_burst): each packet is a card ENCRYPT output: an outer IPv4
// header (no options) or IPv6 header (no extension headers) with protocol 17
// (then a UDP header) or 50, lengths consistent. UDP: the payload after the
// UDP header goes from the NAT socket bound to the outer source address (or
// the wildcard one, IP_PKTINFO / IPV6_PKTINFO choosing the source) to outer
// destination : UDP destination port; the UDP source port must be that
// socket's port. Raw: the ESP goes on the raw socket of its family, source =
// outer source (IP_PKTINFO / IPV6_PKTINFO), to the outer destination. The
// outer TTL/hop limit and TOS/traffic class go along per packet (IP_TTL,
// IP_TOS, IPV6_HOPLIMIT, IPV6_TCLASS). Sockets it sends on have path MTU
// discovery off (IP_PMTUDISC_DONT / IPV6_PMTUDISC_DONT): the kernel fragments
// outer packets larger than the link MTU (RFC 4301 8.1, DF clear).
//
// Threading: recv_burst() and send_burst() may be called from several
// threads at once; counters() from any thread. Construction and destruction
// with no call running. The IkeSockets owning the NAT sockets must outlive
// the EspIo and not bind() while it runs.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "esp/ike/endpoint.hpp"
#include "esp/ike/udp.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::ike::dp {

// Room in front of each receive buffer for the largest synthesised outer
// header: IPv6 (40) + UDP (8).
constexpr std::size_t kRxHeadroom = spec::IPV6_HDR_BYTES + spec::UDP_HDR_BYTES;

struct RxPacket {
  std::uint8_t* data = nullptr;  // outer IP header [+ UDP] + ESP: ready for runtime PacketOp::Decrypt
  std::uint32_t len = 0;
  Endpoint remote, local;        // raw ESP: ports 0
  bool udp = false;              // ESP-in-UDP, else raw ESP (IP protocol 50)
};

struct TxPacket {
  const std::uint8_t* data = nullptr;  // a card ENCRYPT output
  std::uint32_t len = 0;
};

class EspIo {
 public:
  // raw_esp: open raw ESP sockets; ipv4 / ipv6: of which families (an IPv6
  // raw socket on a host without IPv6 is skipped, not an error).
  struct Options {
    bool raw_esp = true;
    bool ipv4 = true;
    bool ipv6 = true;
  };
  // nat: IkeSockets::nat_sockets() (read and written here, never closed
  // here). Throws NetError naming the socket and the system's reason.
  EspIo(std::vector<IkeSockets::NatSocket> nat, const Options& o);
  ~EspIo();
  EspIo(const EspIo&) = delete;
  EspIo& operator=(const EspIo&) = delete;

  // Every socket to wait on for EPOLLIN.
  std::vector<int> fds() const;

  using IkeSink = std::function<void(const IkeSockets::Datagram&)>;
  // Up to n datagrams (see the top of this file). bufs[0..n) each hold cap
  // bytes (cap > kRxHeadroom); datagrams longer than cap - kRxHeadroom are
  // counted in rx_bad. ike runs on this thread, its data valid during the
  // call; it should not throw (an exception is caught and counted in
  // rx_err). Returns how many ESP packets are in out[].
  std::size_t recv_burst(std::uint8_t* const* bufs, std::size_t cap, RxPacket* out, std::size_t n,
                         const IkeSink& ike);

  // Sends p[0..n) (see the top of this file), one sendmmsg per socket and
  // chunk of the burst. ok[i] (ok may be null) = packet i was sent. A packet
  // that is not such an output is not sent (tx_bad); a send failure counts in
  // tx_err. Returns how many were sent.
  std::size_t send_burst(const TxPacket* p, std::size_t n, bool* ok);

  struct Counters {
    std::uint64_t rx_udp = 0, rx_raw = 0, rx_ike = 0, rx_keepalive = 0, rx_bad = 0, rx_err = 0,
                  tx_udp = 0, tx_raw = 0, tx_err = 0, tx_bad = 0;
  };
  Counters counters() const;

 private:
  struct Sock {
    int fd = -1;
    Endpoint local;         // NAT: bound address + port; raw: family only
    bool wildcard = false;
    bool udp = false;       // a NAT socket (not ours to close)
    int family = 0;         // AF_INET / AF_INET6
  };
  struct AtomicCounters {
    std::atomic<std::uint64_t> rx_udp{0}, rx_raw{0}, rx_ike{0}, rx_keepalive{0}, rx_bad{0},
        rx_err{0}, tx_udp{0}, tx_raw{0}, tx_err{0}, tx_bad{0};
  };

  std::size_t recv_sock(const Sock& s, std::uint8_t* const* bufs, std::size_t cap, RxPacket* out,
                        std::size_t first, std::size_t want, std::size_t* used, const IkeSink& ike);
  int pick_udp(const Endpoint& src) const;  // index into socks_, -1 none
  int pick_raw(int family) const;

  std::vector<Sock> socks_;
  std::atomic<std::size_t> rr_{0};
  AtomicCounters c_;
};

}  // namespace esp::ike::dp
