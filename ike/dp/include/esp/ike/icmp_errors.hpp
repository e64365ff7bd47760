// ICMP errors of the gateway's tunnel: an inner packet read from the TUN
// device that does not fit the tunnel's MTU gets an ICMPv4 "fragmentation
// needed" (type 3 code 4, with the next-hop MTU, RFC 1191) or an ICMPv6
// "packet too big" (type 2 code 0, RFC 4443 3.2) back to its source, quoting
// as much of it as RFC 1812 4.3.2.3 (576 bytes in all) / RFC 4443 2.4(c)
// (1280 bytes in all) allow.
//
// Never sent about (RFC 1812 4.3.2.7, RFC 4443 2.4(e)): an ICMP / ICMPv6
// error message, a non-first fragment, a packet from an unspecified,
// multicast or (IPv4) broadcast or class E source, an IPv4 packet to a
// multicast or limited broadcast address; and not about a malformed packet,
// one that fits `mtu`, or an IPv4 packet with DF clear (that one may be
// fragmented instead: may_fragment()).
//
// The MTU is reported as given (68 at least for IPv4, else no message; an
// IPv6 tunnel MTU below 1280 is the caller's to avoid, RFC 8200 5).
//
// The messages go out on raw ICMP / ICMPv6 sockets: the kernel builds the IP
// header, picks the source address by routing and (IPv6) computes the ICMPv6
// checksum (RFC 3542 3.1); the sockets filter out everything they would
// receive. IPv6 sources with a scope (link-local) are not reachable (no scope
// id is known): such sends fail and count in err.
//
// Threading: too_big() and counters() from any thread, concurrently; the
// static functions are pure.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace esp::ike::dp {

// IPv4 with DF clear (and a well-formed header): may be fragmented. IPv6,
// DF-set IPv4 and anything malformed: no.
bool may_fragment(const std::uint8_t* pkt, std::size_t len);

class IcmpErrors {
 public:
  // Token bucket: `rate` messages per second refill, up to `burst` at once
  // (rate 0: only the first `burst` messages, ever; for tests).
  struct Options {
    double rate = 1000;
    unsigned burst = 50;
  };
  // Raw ICMP (IPv4) and ICMPv6 sockets (an absent IPv6 stack is skipped:
  // IPv6 sends then fail, counted in err). Throws NetError.
  IcmpErrors();
  explicit IcmpErrors(const Options& o);
  ~IcmpErrors();
  IcmpErrors(const IcmpErrors&) = delete;
  IcmpErrors& operator=(const IcmpErrors&) = delete;

  // `pkt` (an inner packet read from the TUN device) does not fit the
  // tunnel's MTU `mtu`: sends the error to its source. false (counted in
  // suppressed, rate_limited or err) when nothing was sent.
  bool too_big(const std::uint8_t* pkt, std::size_t len, unsigned mtu);

  // The ICMP / ICMPv6 message (no IP header) too_big() would send, written
  // to out[0..cap); its length, or 0 when none (suppressed, cap too small).
  // The ICMPv4 checksum is filled in; the ICMPv6 one is left 0 (the kernel
  // computes it over the pseudo-header with the source it picks).
  static std::size_t build(const std::uint8_t* pkt, std::size_t len, unsigned mtu,
                           std::uint8_t* out, std::size_t cap);

  struct Counters {
    std::uint64_t sent = 0, suppressed = 0, rate_limited = 0, err = 0;
  };
  Counters counters() const;

 private:
  bool take_token();

  int fd4_ = -1, fd6_ = -1;
  Options opt_;
  std::mutex mu_;  // the bucket
  double tokens_;
  std::chrono::steady_clock::time_point last_;
  std::atomic<std::uint64_t> sent_{0}, suppressed_{0}, rate_limited_{0}, err_{0};
};

}  // namespace esp::ike::dp
