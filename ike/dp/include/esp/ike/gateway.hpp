// The gateway data plane of esp-iked: plaintext from a TUN device, ESP to
// and from the peers, every byte of ESP done by the card through runtime
// Queues (DESIGN.md, "Who programs the card, and how a packet travels").
//
//   outbound: TUN read burst -> Queue (PacketOp::Outbound: SPD lookup,
//             protect -> card ENCRYPT) -> path-MTU check -> EspIo send burst
//             (ESP in UDP on the NAT-T port, or raw ESP);
//   inbound:  EspIo receive burst (recvmmsg) -> Queue (DECRYPT: SPI lookup,
//             replay check, ICV, inner selector check) -> TUN write.
//
// Threads: `threads` outbound workers (each with its own TUN queue and its
// own runtime Queue) and `threads` inbound workers (each with its own
// Queue). Each SA belongs to one worker per direction (outbound: by the SPD
// policy its packets match; inbound: by its SPI), so that its packets are
// encrypted and sent, and given to the card, in sequence-number order (the
// peer's replay window); inbound worker 0 reads the ciphertext sockets, and
// a worker that reads a packet of another's SA hands it over (Inbox). The
// order inside one inner flow can change only when the TUN device moves the
// flow to another queue (it steers a flow to the queue its reverse
// direction was last written on).
// Buffers are allocated once per worker; nothing is allocated per packet.
// Every packet that does not make it is counted by its status (the runtime's
// statuses, plus the gateway's own: TOO_BIG for a DF packet that does not
// fit the path MTU after encapsulation, answered with ICMP; TX_ERROR when the
// socket refused it; QUEUE_FULL never happens with the default depths), in
// total and per SA (sa_errors()).
//
// Path MTU: `path_mtu`, or the MTU of the kernel's route to the peer (read
// per SA, refreshed every 10 s). An encrypted packet longer than it: when
// its inner packet may be fragmented (IPv4, DF clear) the kernel fragments
// the outer packet (RFC 4301 section 8); otherwise the sender gets ICMP
// "fragmentation needed" / "packet too big" with the MTU that fits, and the
// packet is counted as TOO_BIG.
//
// Routes: add_routes() installs routes for the remote traffic selectors via
// the TUN device (preferred source: a local address inside the local
// selectors, when the host has one), reference-counted, so a rekey's new
// CHILD_SA and the old one share them; remove_routes() drops a key's
// references. When a selector contains the peer's own address, a bypass
// route keeps the packets to the peer out of the tunnel (RouteTable's
// add_bypass); when no bypass can be made the selector is not routed.
//
// Threading: construct, start(), stop(), add_routes(), remove_routes() on
// one thread (the daemon's loop); stats() and sa_errors() from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "esp/ike/tun_device.hpp"
#include "esp/ike/udp.hpp"
#include "esp/runtime/runtime.hpp"

namespace esp::ike::dp {

struct GatewayOptions {
  TunOptions tun;                // --tun, --tun-mtu
  unsigned threads = 1;          // --dp-threads: workers per direction
  std::uint32_t route_table = 0; // --route-table: 0 = main
  unsigned path_mtu = 0;         // --path-mtu: 0 = the route's MTU towards the peer
  bool raw_esp = true;           // raw ESP (IP protocol 50) sockets for SAs without UDP encapsulation
  std::size_t burst = 64;        // packets per read / send burst
  std::size_t depth = 256;       // packets in flight per worker
  // Warnings (a route the kernel refused, a data-plane thread that stopped);
  // empty: stderr. Called from the thread that met the problem.
  std::function<void(const std::string&)> warn;
};

class Gateway {
 public:
  // IKE messages that arrive on the NAT-T port are read by the inbound
  // workers and handed to `ike` on the worker's thread (data valid during the
  // call: copy it and pass it to the loop).
  using IkeSink = std::function<void(const IkeSockets::Datagram&)>;

  // Opens the TUN device and the raw ESP sockets; nat: the IKE sockets' NAT-T
  // sockets (IkeSockets::nat_sockets(), after set_nat_rx_external(true)).
  // Throws NetError (or std::exception) saying what failed.
  Gateway(runtime::Runtime& rt, std::vector<IkeSockets::NatSocket> nat, IkeSink ike, GatewayOptions o);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  void start();  // the worker threads
  void stop();   // joins them; packets in flight finish first

  void add_routes(const std::string& key, const std::vector<runtime::TrafficSelector>& local_ts,
                  const std::vector<runtime::TrafficSelector>& remote_ts, const runtime::IpAddr& peer);
  void remove_routes(const std::string& key);
  std::vector<std::string> routes() const;

  const std::string& tun_name() const;

  // {"tun": {...}, "tx": {...}, "rx": {...}, "icmp": {...}, "status": {"NAME": n}, "threads": n}
  nlohmann::json stats() const;
  // Failed packets of one SA by status name (non-zero only).
  std::vector<std::pair<std::string, std::uint64_t>> sa_errors(runtime::SaId sa) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace esp::ike::dp
