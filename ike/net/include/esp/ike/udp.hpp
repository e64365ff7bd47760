// IkeSockets: esp-iked's UDP sockets, the IKE port (500) and the NAT-T port
// (4500, RFC 3948 / RFC 7296 2.23), for each local address, on an EventLoop.
//
// Receiving (callbacks run on the loop):
//   port 500:  every datagram of at least an IKE header (28 bytes) -> on_ike;
//   port 4500: Non-ESP Marker + IKE message -> on_ike (marker removed),
//              ESP (non-zero SPI, 8 bytes at least) -> on_esp,
//              NAT-keepalive (the one byte 0xFF) -> counted, dropped;
//   anything else (too short, truncated) -> counted in rx_bad, dropped.
//   An exception from a callback is caught, counted (rx_cb_error) and passed
//   to on_error; nothing throws out of the loop.
//   Datagram::data points into a receive buffer that is reused after the
//   callback returns: copy what you keep.
// Sending returns false (and the system's reason in *why) instead of
// throwing; every failure is counted in tx_err.
//
// Local addresses: "%any" binds 0.0.0.0 and :: (IPV6_V6ONLY), "%any4" and
// "%any6" one of them, anything else is an IPv4/IPv6 literal. On wildcard
// sockets IP_PKTINFO / IPV6_RECVPKTINFO give each datagram's destination
// address (Datagram::local.addr) and IP_PKTINFO / IPV6_PKTINFO choose the
// source address of what we send.
//
// Threading: construction, bind(), on_*() and destruction on the loop's
// thread (or while the loop is not running). send_*() may be called from any
// thread, concurrently, once bind() has returned (and not while another
// bind() runs or the object is destroyed). counters() from any thread.
// The static functions are thread-safe. The EventLoop must outlive the
// IkeSockets; do not destroy an IkeSockets from inside its own callbacks.
// A callback may call on_ike()/on_esp() to replace callbacks, and bind().
// set_nat_rx_external() and deliver() on the loop's thread; nat_sockets()
// and classify_nat() from any thread (nat_sockets() not during a bind()).
// After a callback calls loop.stop(), no further datagram of the same burst is
// dispatched (they stay queued in the socket for the next run()).
//
// External NAT-port reading (the data plane): set_nat_rx_external(true) stops
// the loop from reading the NAT-port sockets; whoever reads them instead
// (esp::ike::dp::EspIo) classifies each datagram with classify_nat() and
// hands IKE messages back through deliver(). Sending is unchanged.
//
// Limits: IPv6 link-local peers (the scope id is not kept); no batching
// (recvmmsg/sendmmsg) yet; Path MTU discovery is the kernel's default.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "esp/ike/endpoint.hpp"
#include "esp/ike/event_loop.hpp"
#include "esp/ike/net_error.hpp"
#include "esp/ike/payloads.hpp"  // Bytes
#include "esp/runtime/ip_addr.hpp"

namespace esp::ike {

class IkeSockets {
 public:
  struct Datagram {
    Endpoint local, remote;           // local: our address and port it came to
    const std::uint8_t* data = nullptr;  // IKE message (no marker) or ESP packet
    std::size_t len = 0;
    bool on_nat_port = false;
  };
  struct Counters {
    std::uint64_t rx_ike = 0, rx_esp = 0, rx_keepalive = 0, rx_bad = 0;
    std::uint64_t tx_ike = 0, tx_esp = 0, tx_keepalive = 0, tx_err = 0;
    std::uint64_t rx_err = 0;       // recvmsg() failures
    std::uint64_t rx_cb_error = 0;  // exceptions thrown by on_ike/on_esp
  };

  // Ports 0 = ephemeral (tests): bind() picks one port for all addresses and
  // port()/nat_port() report it. Binds nothing yet.
  IkeSockets(EventLoop& loop, std::uint16_t port = 500, std::uint16_t nat_port = 4500);
  ~IkeSockets();
  IkeSockets(const IkeSockets&) = delete;
  IkeSockets& operator=(const IkeSockets&) = delete;

  // Binds both ports on each address (may be called again to add addresses).
  // All or nothing: on failure no socket of this call stays open and NetError
  // says which, e.g. "192.0.2.1[500]: Address already in use" or
  // "bad local address 'foo'".
  void bind(const std::vector<std::string>& local_addrs);
  std::uint16_t port() const { return port_; }
  std::uint16_t nat_port() const { return nat_port_; }
  // The bound local endpoints (wildcards as 0.0.0.0 / ::), in bind order.
  std::vector<Endpoint> bound() const;

  // What a datagram received on the NAT port is (RFC 3948 2.2, RFC 7296
  // 2.23): Ike = Non-ESP Marker then at least an IKE header (the message
  // starts kNonEspMarkerSize bytes in); Esp = a non-zero SPI and at least 8
  // bytes; Keepalive = the one byte 0xFF; Bad = anything else. The one
  // classification both readers (this object and EspIo) use.
  enum class NatKind { Ike, Esp, Keepalive, Bad };
  static NatKind classify_nat(const std::uint8_t* p, std::size_t len);

  // The NAT-port sockets bound so far: fd, local = bound address (0.0.0.0 /
  // :: for wildcards) and the NAT port. Owned by this object: use them, do
  // not close them; they live as long as it does.
  struct NatSocket {
    int fd;
    Endpoint local;
    bool wildcard;
  };
  std::vector<NatSocket> nat_sockets() const;

  // true: the loop stops reading the NAT-port sockets (someone else reads
  // them and hands IKE to deliver()); false: the loop reads them again.
  // Sockets that bind() creates later follow the current mode. Loop thread.
  void set_nat_rx_external(bool on);
  bool nat_rx_external() const { return nat_external_; }

  // Dispatches a datagram that someone else received as if this object had:
  // d.data is the IKE message (Non-ESP Marker already removed), counted in
  // rx_ike and passed to on_ike (an exception from it is caught, counted in
  // rx_cb_error and reported, as for datagrams read here). A datagram shorter
  // than an IKE header is counted in rx_bad and dropped. Loop thread.
  void deliver(const Datagram& d);

  void on_ike(std::function<void(const Datagram&)> cb);
  void on_esp(std::function<void(const Datagram&)> cb);
  // Text for the log: a callback's exception, a receive error.
  void on_error(std::function<void(const std::string&)> cb);

  // An IKE message from local to remote; the Non-ESP Marker is prepended when
  // local.port is the NAT port. local.port must be port() or nat_port();
  // local.addr may be unset (version 0) to let the kernel choose the source.
  bool send_ike(const Endpoint& local, const Endpoint& remote, const Bytes& msg,
                std::string* why = nullptr);
  // The one-byte 0xFF keepalive; local.port must be nat_port().
  bool send_keepalive(const Endpoint& local, const Endpoint& remote, std::string* why = nullptr);
  // An ESP packet (starting with its SPI) UDP-encapsulated; local.port must be
  // nat_port().
  bool send_esp(const Endpoint& local, const Endpoint& remote, const std::uint8_t* esp,
                std::size_t len, std::string* why = nullptr);

  Counters counters() const;

  // The local address the kernel would use to reach remote (a connect()ed UDP
  // socket's name), or nullopt when there is no route.
  static std::optional<runtime::IpAddr> source_for(const runtime::IpAddr& remote);
  // The host's addresses (getifaddrs), of interfaces that are up.
  static std::vector<runtime::IpAddr> local_addresses();

 private:
  struct Sock;
  struct AtomicCounters {
    std::atomic<std::uint64_t> rx_ike{0}, rx_esp{0}, rx_keepalive{0}, rx_bad{0};
    std::atomic<std::uint64_t> tx_ike{0}, tx_esp{0}, tx_keepalive{0}, tx_err{0};
    std::atomic<std::uint64_t> rx_err{0}, rx_cb_error{0};
  };
  using DatagramCb = std::function<void(const Datagram&)>;

  static std::unique_ptr<Sock> open_bound(const runtime::IpAddr& addr, std::uint16_t port,
                                          bool nat, int* err);
  void on_readable(Sock& s);
  void dispatch(const Sock& s, Datagram& d);
  void call(const std::shared_ptr<const DatagramCb>& cb, const Datagram& d);
  void watch_sock(Sock& s);
  void report(const std::string& text);
  const Sock* find_sock(const Endpoint& local, const Endpoint& remote, std::string* why) const;
  bool send_parts(const Endpoint& local, const Endpoint& remote, const std::uint8_t* a,
                  std::size_t alen, const std::uint8_t* b, std::size_t blen, std::string* why);

  EventLoop& loop_;
  std::uint16_t port_, nat_port_;
  std::vector<std::unique_ptr<Sock>> socks_;
  std::shared_ptr<const DatagramCb> on_ike_, on_esp_;
  std::function<void(const std::string&)> on_error_;
  std::vector<std::uint8_t> rx_buf_;
  bool nat_external_ = false;
  AtomicCounters c_;
};

}  // namespace esp::ike
