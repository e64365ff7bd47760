// TunDevice: see tun_device.hpp. Linux only: /dev/net/tun (TUNSETIFF) and
// the classic interface ioctls (SIOCSIFMTU, SIOCGIFFLAGS/SIOCSIFFLAGS).
#include "esp/ike/tun_device.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace esp::ike::dp {

namespace {

constexpr unsigned kMaxQueues = 256;       // the kernel's MAX_TAP_QUEUES

std::string errno_text(int e) { return std::strerror(e); }

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw NetError(fmt::format("TUN device {}: {}", name, what));
}

// A socket for the interface ioctls, closed when it goes out of scope.
class CtlSocket {
 public:
  explicit CtlSocket(const std::string& dev) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) fd_ = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) fail(dev, "control socket: " + errno_text(errno));
  }
  ~CtlSocket() { ::close(fd_); }
  CtlSocket(const CtlSocket&) = delete;
  CtlSocket& operator=(const CtlSocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

ifreq make_ifreq(const std::string& name) {
  ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  std::memcpy(ifr.ifr_name, name.data(), name.size());  // length checked by the caller
  return ifr;
}

void apply_mtu(const std::string& name, unsigned mtu) {
  if (mtu > 65535) fail(name, fmt::format("MTU {}: out of range (at most 65535)", mtu));
  CtlSocket s(name);
  ifreq ifr = make_ifreq(name);
  ifr.ifr_mtu = static_cast<int>(mtu);
  if (::ioctl(s.fd(), SIOCSIFMTU, &ifr) < 0) fail(name, fmt::format("MTU {}: {}", mtu, errno_text(errno)));
}

}  // namespace

struct TunDevice::Queue {
  int fd = -1;
  // A read truncates a packet to the buffers it is given (and returns what
  // it copied): one byte behind the caller's buffer tells a complete packet
  // (at most cap bytes) from a longer one (cap + 1).
  std::uint8_t spill[16] = {};
  // rx* are written by the reading thread, tx* by the writing thread.
  alignas(64) std::atomic<std::uint64_t> rx{0}, rx_too_long{0}, rx_err{0};
  alignas(64) std::atomic<std::uint64_t> tx{0}, tx_err{0};
  ~Queue() {
    if (fd >= 0) ::close(fd);
  }
};

TunDevice::TunDevice(const TunOptions& o) : name_(o.name) {
  if (o.name.empty()) fail("(no name)", "the name is empty");
  if (o.name.size() >= IFNAMSIZ)
    fail(o.name, fmt::format("name longer than {} characters", IFNAMSIZ - 1));
  if (o.name.find_first_of("/: \t\n") != std::string::npos || o.name == "." || o.name == "..")
    fail(o.name, "not a valid interface name");
  if (o.queues == 0 || o.queues > kMaxQueues)
    fail(o.name, fmt::format("{} queues: must be 1..{}", o.queues, kMaxQueues));
  if (o.mtu < 68 || o.mtu > 65535) fail(o.name, fmt::format("MTU {}: must be 68..65535", o.mtu));

  for (unsigned q = 0; q < o.queues; ++q) {
    auto queue = std::make_unique<Queue>();
    queue->fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (queue->fd < 0) {
      const int e = errno;
      fail(name_, "/dev/net/tun: " + errno_text(e) +
                      (e == ENOENT ? " (no tun driver: modprobe tun)"
                                   : e == EACCES || e == EPERM ? " (needs CAP_NET_ADMIN)" : ""));
    }
    // The first queue creates the device and must not attach to an existing
    // one (IFF_TUN_EXCL); the others attach to the device it created.
    ifreq ifr = make_ifreq(name_);
    int flags = IFF_TUN | IFF_NO_PI;
    if (o.queues > 1) flags |= IFF_MULTI_QUEUE;
    if (q == 0) flags |= IFF_TUN_EXCL;
    ifr.ifr_flags = static_cast<short>(flags);
    if (::ioctl(queue->fd, TUNSETIFF, &ifr) < 0) {
      const int e = errno;
      fail(name_, (q == 0 ? "" : fmt::format("queue {}: ", q)) + "/dev/net/tun: " + errno_text(e) +
                      (e == EPERM ? " (needs CAP_NET_ADMIN)" : ""));
    }
    if (q == 0) name_.assign(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
    queues_.push_back(std::move(queue));
  }

  // From here on a failure closes the fds (the members' destructors), which
  // removes the device again.
  apply_mtu(name_, o.mtu);
  mtu_.store(o.mtu, std::memory_order_relaxed);
  CtlSocket s(name_);
  ifreq ifr = make_ifreq(name_);
  if (::ioctl(s.fd(), SIOCGIFINDEX, &ifr) < 0) fail(name_, "ifindex: " + errno_text(errno));
  ifindex_ = ifr.ifr_ifindex;
  ifr = make_ifreq(name_);
  if (::ioctl(s.fd(), SIOCGIFFLAGS, &ifr) < 0) fail(name_, "link flags: " + errno_text(errno));
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (::ioctl(s.fd(), SIOCSIFFLAGS, &ifr) < 0) fail(name_, "link up: " + errno_text(errno));
}

TunDevice::~TunDevice() = default;

int TunDevice::fd(unsigned q) const { return q < queues_.size() ? queues_[q]->fd : -1; }

void TunDevice::set_mtu(unsigned mtu) {
  if (mtu < 68) fail(name_, fmt::format("MTU {}: must be 68..65535", mtu));
  apply_mtu(name_, mtu);
  mtu_.store(mtu, std::memory_order_relaxed);
}

std::size_t TunDevice::read_burst(unsigned q, std::uint8_t* const* bufs, std::size_t cap, std::uint32_t* lens,
                                  std::size_t n) {
  if (q >= queues_.size()) {
    if (!queues_.empty()) queues_[0]->rx_err.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  Queue& qu = *queues_[q];
  std::size_t got = 0;
  // Each read consumes one packet; the bound keeps a flood of oversized
  // packets from holding the caller forever.
  for (std::size_t reads = 0; got < n && reads < 2 * n + 2; ++reads) {
    iovec iov[2];
    iov[0].iov_base = bufs[got];
    iov[0].iov_len = cap;
    iov[1].iov_base = qu.spill;
    iov[1].iov_len = sizeof qu.spill;
    const ssize_t r = ::readv(qu.fd, iov, 2);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) qu.rx_err.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    if (r == 0) break;
    if (static_cast<std::size_t>(r) > cap) {
      qu.rx_too_long.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    lens[got++] = static_cast<std::uint32_t>(r);
  }
  qu.rx.fetch_add(got, std::memory_order_relaxed);
  return got;
}

bool TunDevice::write(unsigned q, const std::uint8_t* pkt, std::size_t len) {
  if (q >= queues_.size()) {
    if (!queues_.empty()) queues_[0]->tx_err.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  Queue& qu = *queues_[q];
  const unsigned version = (pkt != nullptr && len > 0) ? (pkt[0] >> 4) : 0u;
  if (version != 4 && version != 6) {
    qu.tx_err.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  ssize_t r;
  do {
    r = ::write(qu.fd, pkt, len);
  } while (r < 0 && errno == EINTR);
  if (r < 0 || static_cast<std::size_t>(r) != len) {
    qu.tx_err.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  qu.tx.fetch_add(1, std::memory_order_relaxed);
  return true;
}

TunDevice::Counters TunDevice::queue_counters(unsigned q) const {
  Counters c;
  if (q >= queues_.size()) return c;
  const Queue& qu = *queues_[q];
  c.rx = qu.rx.load(std::memory_order_relaxed);
  c.tx = qu.tx.load(std::memory_order_relaxed);
  c.rx_too_long = qu.rx_too_long.load(std::memory_order_relaxed);
  c.rx_err = qu.rx_err.load(std::memory_order_relaxed);
  c.tx_err = qu.tx_err.load(std::memory_order_relaxed);
  return c;
}

TunDevice::Counters TunDevice::counters() const {
  Counters sum;
  for (unsigned q = 0; q < queues_.size(); ++q) {
    const Counters c = queue_counters(q);
    sum.rx += c.rx;
    sum.tx += c.tx;
    sum.rx_too_long += c.rx_too_long;
    sum.rx_err += c.rx_err;
    sum.tx_err += c.tx_err;
  }
  return sum;
}

}  // namespace esp::ike::dp
