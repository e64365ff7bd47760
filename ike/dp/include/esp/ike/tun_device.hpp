// TunDevice: the gateway's plaintext side, a Linux TUN device (IFF_TUN |
// IFF_NO_PI: each read()/write() is one bare IPv4 or IPv6 packet, no
// Ethernet header and no packet-information prefix). Packets the kernel
// routes to the device come out of read_burst(); packets given to write()
// enter the kernel's stack as if received on the device.
//
// The device is created by the constructor and is not persistent: the kernel
// removes it when the last queue fd is closed (the destructor). A device of
// the same name that exists already (another TUN, a persistent TUN, or any
// other link) is refused with "Device or resource busy" instead of being
// attached to. With queues > 1 the device is IFF_MULTI_QUEUE, one fd per
// queue; the kernel spreads flows over the queues by flow hash.
//
// Every fd is nonblocking and close-on-exec. read_burst() never blocks: wait
// for readability of fd(q) with an EventLoop / epoll / poll.
//
// Errors: the constructor and set_mtu() throw esp::ike::NetError naming the
// device and the system's reason, e.g.
// "TUN device esp0: /dev/net/tun: Operation not permitted (needs CAP_NET_ADMIN)",
// "TUN device esp0: Device or resource busy",
// "TUN device esp0: MTU 20: Invalid argument". read_burst() and write() never
// throw; their failures are counted.
//
// Threading: the constructor, set_mtu() and the destructor from one thread
// (the daemon's loop) while no data-plane thread uses the device (set_mtu()
// may run while other threads read and write: mtu() is atomic). read_burst()
// on queue q from one thread at a time; write() on queue q from one thread at
// a time, which may be another thread than the one reading q. Queues are
// independent. name(), ifindex(), queues(), fd(), mtu() and counters() from
// any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "esp/ike/net_error.hpp"

namespace esp::ike::dp {

struct TunOptions {
  std::string name = "esp0";  // at most IFNAMSIZ-1 (15) characters; "%d" lets the kernel number it
  unsigned mtu = 1400;        // 68..65535 (IPv6 needs 1280 at least on the device)
  unsigned queues = 1;        // 1..256; > 1: IFF_MULTI_QUEUE, one fd per queue
};

class TunDevice {
 public:
  struct Counters {
    std::uint64_t rx = 0;           // packets returned by read_burst()
    std::uint64_t tx = 0;           // packets written to the kernel
    std::uint64_t rx_too_long = 0;  // longer than read_burst()'s cap: skipped
    std::uint64_t rx_err = 0;       // read() failures other than EAGAIN, bad queue
    std::uint64_t tx_err = 0;       // write() failures (the kernel refused), bad queue
  };

  // Creates the device, one fd per queue, sets the MTU and brings the link up.
  explicit TunDevice(const TunOptions& o);
  ~TunDevice();  // closes the fds: the kernel removes the device with them
  TunDevice(const TunDevice&) = delete;
  TunDevice& operator=(const TunDevice&) = delete;

  const std::string& name() const { return name_; }  // as the kernel named it
  int ifindex() const { return ifindex_; }
  unsigned mtu() const { return mtu_.load(std::memory_order_relaxed); }
  unsigned queues() const { return static_cast<unsigned>(queues_.size()); }
  int fd(unsigned q) const;  // -1 when q >= queues()

  // Throws NetError (and keeps the old MTU) when the kernel refuses.
  void set_mtu(unsigned mtu);

  // Up to n packets from queue q: read() until EAGAIN or n; bufs[i] has cap
  // bytes, lens[i] gets the length. A packet longer than cap is counted
  // (rx_too_long) and skipped. Returns how many of bufs/lens were filled.
  // Never blocks; stops early on a read error (counted in rx_err).
  std::size_t read_burst(unsigned q, std::uint8_t* const* bufs, std::size_t cap, std::uint32_t* lens,
                         std::size_t n);
  // One IPv4/IPv6 packet to the kernel. false (counted in tx_err) on failure
  // (bad queue, empty, not IPv4/IPv6, the kernel refused); never throws.
  bool write(unsigned q, const std::uint8_t* pkt, std::size_t len);

  Counters counters() const;              // all queues
  Counters queue_counters(unsigned q) const;  // one queue (zeros when q >= queues())

 private:
  struct Queue;
  std::string name_;
  int ifindex_ = 0;
  std::atomic<unsigned> mtu_{0};
  std::vector<std::unique_ptr<Queue>> queues_;
};

}  // namespace esp::ike::dp
