#include "esp/ike/gateway.hpp"

#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "esp/ike/esp_io.hpp"
#include "esp/ike/icmp_errors.hpp"
#include "esp/ike/net_error.hpp"
#include "esp/ike/route_table.hpp"
#include "esp/ike/sock_addr.hpp"
#include "esp/spec/esp_spec.hpp"
#include "inbox.hpp"

namespace esp::ike::dp {

namespace {

using runtime::Packet;
using runtime::PacketOp;
using runtime::PacketResult;
using runtime::SaId;
using runtime::Status;

// Status counters: the runtime's statuses by value (card statuses, then the
// host's, which lie above them), then the gateway's own.
constexpr std::size_t kRuntimeStatuses = spec::HOST_STATUS_MAX + 1;
enum GwStatus : std::size_t { kTooBig = kRuntimeStatuses, kTxError, kQueueFull, kStatusSlots };
const char* gw_status_name(std::size_t i) {
  switch (i) {
    case kTooBig: return "TOO_BIG";
    case kTxError: return "TX_ERROR";
    case kQueueFull: return "QUEUE_FULL";
    default: return "?";
  }
}
std::string status_name(std::size_t i) {
  if (i >= kRuntimeStatuses) return gw_status_name(i);
  Status s;
  if (Status::from_value(static_cast<std::uint16_t>(i), s)) return s.name();
  return fmt::format("STATUS_{}", i);
}
std::size_t status_slot(Status s) { return s.value() < kRuntimeStatuses ? s.value() : kRuntimeStatuses - 1; }

// Buffers: input room for the largest packet plus the headroom EspIo writes
// the outer header into; output room for the largest card output.
constexpr std::size_t kInCap = kRxHeadroom + spec::MAX_PKT_BYTES;
constexpr std::size_t kOutCap = spec::MAX_PKT_BYTES;
constexpr int kSocketBuffer = 8 << 20;  // receive buffer of the ciphertext sockets

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

// The outer destination of a card ENCRYPT output (IPv4 or IPv6 header).
bool outer_dst(const std::uint8_t* p, std::size_t len, runtime::IpAddr& dst) {
  if (len >= sizeof(iphdr) && (p[0] >> 4) == 4) {
    dst = runtime::IpAddr{};
    dst.version = 4;
    std::memcpy(dst.bytes.data(), p + offsetof(iphdr, daddr), 4);
    return true;
  }
  if (len >= sizeof(ip6_hdr) && (p[0] >> 4) == 6) {
    dst = runtime::IpAddr{};
    dst.version = 6;
    std::memcpy(dst.bytes.data(), p + offsetof(ip6_hdr, ip6_dst), 16);
    return true;
  }
  return false;
}

// The MTU of the kernel's route to `dst` (a connected UDP socket's IP_MTU);
// 0 when it cannot be read.
unsigned route_mtu(const runtime::IpAddr& dst) {
  int fam = dst.version == 6 ? AF_INET6 : AF_INET;
  int fd = ::socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_storage ss{};
  socklen_t sl = net_detail::to_sockaddr(dst, spec::NAT_T_PORT, &ss);
  unsigned mtu = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), sl) == 0) {
    int v = 0;
    socklen_t vl = sizeof v;
    if (::getsockopt(fd, fam == AF_INET ? IPPROTO_IP : IPPROTO_IPV6, fam == AF_INET ? IP_MTU : IPV6_MTU, &v, &vl) == 0 && v > 0)
      mtu = static_cast<unsigned>(v);
  }
  ::close(fd);
  return mtu;
}

// A preferred source for a tunnel route: an address of this host that
// packets can leave with, not loopback (127/8, ::1) nor IPv6 link-local
// (fe80::/10), which a local selector of 0.0.0.0/0 or ::/0 also contains.
bool usable_source(const runtime::IpAddr& a) {
  if (a.version == 4) return a.bytes[0] != 127;
  static const std::array<std::uint8_t, 16> kLoop6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (a.bytes == kLoop6) return false;
  return !(a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80);
}

}  // namespace

// One data-plane thread: one direction, one runtime Queue, its buffers.
struct Worker {
  enum class Dir { Out, In };
  Gateway::Impl& gw;
  Dir dir;
  unsigned index;
  std::unique_ptr<runtime::Queue> q;
  std::vector<std::uint8_t> in_mem, out_mem;  // depth slots each
  std::vector<std::uint32_t> in_lens;          // per slot: the input's length
  std::vector<std::uint32_t> free_slots;       // a stack
  std::vector<std::uint8_t*> burst_bufs;
  std::vector<std::uint32_t> burst_lens, burst_slots;
  std::vector<RxPacket> rx;
  std::vector<Packet> pkts;
  std::vector<PacketResult> results;
  std::vector<TxPacket> tx;
  std::vector<std::uint32_t> tx_slots;
  std::vector<std::uint8_t> tx_ok_flags;
  std::thread thread;

  std::array<std::atomic<std::uint64_t>, kStatusSlots> status{};
  std::atomic<std::uint64_t> ok_packets{0}, ok_bytes{0}, sent{0};

  mutable std::mutex err_mu;
  std::unordered_map<SaId, std::map<std::size_t, std::uint64_t>> sa_err;  // under err_mu

  struct Mtu {
    unsigned mtu = 0;
    std::uint64_t until = 0;
  };
  std::unordered_map<SaId, Mtu> mtu_cache;

  Worker(Gateway::Impl& g, Dir d, unsigned i);
  std::uint8_t* in_buf(std::uint32_t slot) { return in_mem.data() + std::size_t(slot) * kInCap; }
  std::uint8_t* out_buf(std::uint32_t slot) { return out_mem.data() + std::size_t(slot) * kOutCap; }
  void count(std::size_t slot, SaId sa) {
    status[slot].fetch_add(1, std::memory_order_relaxed);
    if (!sa.valid()) return;
    std::lock_guard<std::mutex> g(err_mu);
    sa_err[sa][slot]++;
  }
  std::unique_ptr<Inbox> inbox;  // packets of this worker's SAs that another worker read (several workers only)
  std::vector<std::uint32_t> handed_slots;

  void run();
  void run_out();
  void run_in();
  void stage(std::size_t k, std::uint32_t slot, const std::uint8_t* data, std::uint32_t len);
  std::size_t take_inbox(std::size_t k);
  unsigned owner_of(const std::uint8_t* p, std::size_t len, const runtime::Spd::Snapshot* spd) const;
  void hand_over(unsigned owner, const std::uint8_t* p, std::uint32_t len);
  std::size_t handover_room() const;
  bool submit(std::size_t n);
  std::size_t complete(int timeout_ms);
  unsigned path_mtu(SaId sa, const std::uint8_t* outer, std::size_t len);
};

struct Gateway::Impl {
  runtime::Runtime& rt;
  GatewayOptions opts;
  IkeSink ike;
  std::unique_ptr<TunDevice> tun;
  std::unique_ptr<EspIo> io;
  std::unique_ptr<IcmpErrors> icmp;
  std::unique_ptr<RouteTable> routes;
  struct RouteRef {
    bool bypass = false;
    runtime::TrafficSelector ts;  // the route's addresses (not a bypass)
    runtime::IpAddr addr;         // its preferred source, or the peer of a bypass
  };
  std::map<std::string, std::vector<RouteRef>> route_keys;
  void warn(const std::string& text) const {
    if (opts.warn)
      opts.warn(text);
    else
      fmt::print(stderr, "esp-iked: {}\n", text);
  }
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<bool> stopping{false};
  int stop_fd = -1;
  bool started = false;

  Impl(runtime::Runtime& r, GatewayOptions o, IkeSink s) : rt(r), opts(std::move(o)), ike(std::move(s)) {}
  // Workers are stored out, in, out, in, ...
  Worker& worker(Worker::Dir d, unsigned i) { return *workers[2 * i + (d == Worker::Dir::Out ? 0 : 1)]; }
};

Worker::Worker(Gateway::Impl& g, Dir d, unsigned i) : gw(g), dir(d), index(i) {
  const std::size_t depth = gw.opts.depth, burst = gw.opts.burst;
  runtime::QueueOptions qo;
  qo.depth = depth;
  q = gw.rt.open_queue(qo);
  in_mem.resize(depth * kInCap);
  out_mem.resize(depth * kOutCap);
  in_lens.resize(depth);
  for (std::size_t s = depth; s-- > 0;) free_slots.push_back(static_cast<std::uint32_t>(s));
  burst_bufs.resize(burst);
  burst_lens.resize(burst);
  burst_slots.resize(burst);
  rx.resize(burst);
  pkts.resize(burst);
  results.resize(burst);
  tx.resize(burst);
  tx_slots.resize(burst);
  tx_ok_flags.resize(burst);
  handed_slots.reserve(burst);
  if (gw.opts.threads > 1) inbox = std::make_unique<Inbox>(depth, kInCap);
  for (auto& c : status) c.store(0, std::memory_order_relaxed);
}

// Hands pkts[0..n) to the queue; what it does not take is counted and freed.
bool Worker::submit(std::size_t n) {
  if (n == 0) return false;
  std::size_t took = q->submit(pkts.data(), n);
  for (std::size_t k = took; k < n; ++k) {
    count(kQueueFull, SaId{});
    free_slots.push_back(static_cast<std::uint32_t>(pkts[k].user));
  }
  return took > 0;
}

unsigned Worker::path_mtu(SaId sa, const std::uint8_t* outer, std::size_t len) {
  if (gw.opts.path_mtu) return gw.opts.path_mtu;
  std::uint64_t now = now_ns();
  auto it = mtu_cache.find(sa);
  if (it != mtu_cache.end() && it->second.until > now) return it->second.mtu;
  runtime::IpAddr dst;
  unsigned mtu = outer_dst(outer, len, dst) ? route_mtu(dst) : 0;
  if (mtu_cache.size() > 4096) mtu_cache.clear();
  mtu_cache[sa] = Mtu{mtu, now + 10'000'000'000ull};
  return mtu;
}

// Takes results (waiting up to timeout_ms for the first) and finishes them.
std::size_t Worker::complete(int timeout_ms) {
  std::size_t n = q->poll(results.data(), results.size(), timeout_ms);
  std::size_t ntx = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const PacketResult& r = results[k];
    auto slot = static_cast<std::uint32_t>(r.user);
    bool keep = false;  // the slot stays busy until the send below
    if (!r.status.ok()) {
      count(status_slot(r.status), r.sa);
    } else if (dir == Dir::In) {
      ok_packets.fetch_add(1, std::memory_order_relaxed);
      ok_bytes.fetch_add(r.out_len, std::memory_order_relaxed);
      if (gw.tun->write(index % gw.tun->queues(), out_buf(slot), r.out_len))
        sent.fetch_add(1, std::memory_order_relaxed);
      else
        count(kTxError, r.sa);
    } else {
      ok_packets.fetch_add(1, std::memory_order_relaxed);
      ok_bytes.fetch_add(r.out_len, std::memory_order_relaxed);
      const std::uint8_t* inner = in_buf(slot);
      const std::uint32_t inner_len = in_lens[slot];
      unsigned mtu = path_mtu(r.sa, out_buf(slot), r.out_len);
      if (mtu && r.out_len > mtu && !may_fragment(inner, inner_len)) {
        // What fits: the path MTU less this packet's overhead, less the
        // padding a shorter packet may need more.
        unsigned overhead = r.out_len > inner_len ? r.out_len - inner_len : 0;
        unsigned fit = mtu > overhead + (spec::ESP_ALIGN - 1) ? mtu - overhead - (spec::ESP_ALIGN - 1) : 0;
        gw.icmp->too_big(inner, inner_len, fit);
        count(kTooBig, r.sa);
      } else {
        tx[ntx] = TxPacket{out_buf(slot), r.out_len};
        tx_slots[ntx] = slot;
        ntx++;
        keep = true;
      }
    }
    if (!keep) free_slots.push_back(slot);
  }
  if (ntx) {
    static_assert(sizeof(bool) == 1, "bool flags");
    auto* ok = reinterpret_cast<bool*>(tx_ok_flags.data());
    gw.io->send_burst(tx.data(), ntx, ok);
    for (std::size_t k = 0; k < ntx; ++k) {
      if (ok[k])
        sent.fetch_add(1, std::memory_order_relaxed);
      else
        count(kTxError, SaId{});
      free_slots.push_back(tx_slots[k]);
    }
  }
  return n;
}

// A packet for this worker's queue from slot `slot` (its input already there).
void Worker::stage(std::size_t k, std::uint32_t slot, const std::uint8_t* data, std::uint32_t len) {
  Packet& p = pkts[k];
  p = Packet{};
  p.op = dir == Dir::Out ? PacketOp::Outbound : PacketOp::Decrypt;
  p.data = data;
  p.len = len;
  p.out = out_buf(slot);
  p.out_cap = kOutCap;
  p.user = slot;
  in_lens[slot] = len;  // outbound: the inner length, for the path-MTU answer after the card
}

// Packets other workers handed over, into free slots (as many as fit in
// pkts from k on). Returns the new k.
std::size_t Worker::take_inbox(std::size_t k) {
  if (!inbox) return k;
  inbox->clear();
  std::size_t room = std::min(free_slots.size(), pkts.size() - k);
  for (std::size_t j = 0; j < room; ++j) {
    burst_slots[j] = free_slots[free_slots.size() - 1 - j];
    burst_bufs[j] = in_buf(burst_slots[j]);
  }
  std::size_t n = inbox->take(burst_bufs.data(), burst_lens.data(), room);
  for (std::size_t j = 0; j < n; ++j) stage(k + j, burst_slots[j], in_buf(burst_slots[j]), burst_lens[j]);
  free_slots.resize(free_slots.size() - n);
  if (n) inbox->clear();  // more may be left: poll again at once
  return k + n;
}

// The worker (of this direction) that owns a packet's SA: outbound by the
// SPD policy it matches, inbound by its SPI. Only with several workers.
unsigned Worker::owner_of(const std::uint8_t* p, std::size_t len, const runtime::Spd::Snapshot* spd) const {
  const unsigned n = gw.opts.threads;
  auto spread = [n](std::uint64_t v) {
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdull;
    v ^= v >> 33;
    return static_cast<unsigned>(v % n);
  };
  if (dir == Dir::Out) {
    runtime::FlowKey f;
    if (!spd || !runtime::parse_flow(p, len, f)) return index;
    auto m = spd->lookup(runtime::Direction::Outbound, f);
    return m.matched() ? spread(m.id) : index;
  }
  // Decrypt input: outer IPv4/IPv6 header [+ UDP] + ESP; the SPI follows.
  if (len < 1) return index;
  std::size_t off = 0;
  std::uint8_t proto = 0;
  if ((p[0] >> 4) == 4 && len >= sizeof(iphdr)) {
    off = std::size_t(p[0] & 0xf) * 4;
    proto = p[offsetof(iphdr, protocol)];
  } else if ((p[0] >> 4) == 6 && len >= sizeof(ip6_hdr)) {
    off = sizeof(ip6_hdr);
    proto = p[offsetof(ip6_hdr, ip6_nxt)];
  } else {
    return index;
  }
  if (proto == spec::UDP_PROTO) off += spec::UDP_HDR_BYTES;
  if (off + 4 > len) return index;
  std::uint32_t spi = (std::uint32_t(p[off]) << 24) | (std::uint32_t(p[off + 1]) << 16) | (std::uint32_t(p[off + 2]) << 8) | p[off + 3];
  return spread(spi);
}

// A packet of another worker's SA goes to its inbox (counted when full).
void Worker::hand_over(unsigned owner, const std::uint8_t* p, std::uint32_t len) {
  Worker& w = gw.worker(dir, owner);
  if (!w.inbox->push(p, len)) count(kQueueFull, SaId{});
}

// How many packets this worker may read now without overfilling another
// worker's inbox (any of them may own every packet it reads): what is not
// read stays in the kernel (the socket, the TUN queue) instead of being lost.
std::size_t Worker::handover_room() const {
  std::size_t room = SIZE_MAX;
  for (unsigned i = 0; i < gw.opts.threads; ++i)
    if (i != index) room = std::min(room, gw.worker(dir, i).inbox->space());
  return room;
}

void Worker::run_out() {
  const unsigned tq = index % gw.tun->queues();
  const bool several = gw.opts.threads > 1;
  pollfd fds[3] = {{gw.tun->fd(tq), POLLIN, 0}, {gw.stop_fd, POLLIN, 0}, {inbox ? inbox->fd() : -1, POLLIN, 0}};
  while (!gw.stopping.load(std::memory_order_relaxed)) {
    std::size_t k = take_inbox(0);
    std::size_t room = std::min(free_slots.size(), pkts.size() - k);
    bool held = false;  // the others' inboxes are full: wait for them
    if (several && room) {
      std::size_t r = std::min(room, handover_room());
      held = r == 0;
      room = r;
    }
    std::size_t n = 0;
    if (room) {
      for (std::size_t j = 0; j < room; ++j) {
        burst_slots[j] = free_slots[free_slots.size() - 1 - j];
        burst_bufs[j] = in_buf(burst_slots[j]);
      }
      n = gw.tun->read_burst(tq, burst_bufs.data(), kInCap, burst_lens.data(), room);
      runtime::Spd::Snapshot spd;
      if (several && n) spd = gw.rt.spd().snapshot();
      std::size_t used = 0;  // slots taken from the top of the free stack
      std::vector<std::uint32_t>& handed = handed_slots;
      handed.clear();
      for (std::size_t j = 0; j < n; ++j) {
        std::uint32_t slot = burst_slots[j];
        used++;
        unsigned owner = several ? owner_of(in_buf(slot), burst_lens[j], &spd) : index;
        if (owner != index) {
          hand_over(owner, in_buf(slot), burst_lens[j]);
          handed.push_back(slot);
          continue;
        }
        stage(k++, slot, in_buf(slot), burst_lens[j]);
      }
      free_slots.resize(free_slots.size() - used);
      free_slots.insert(free_slots.end(), handed.begin(), handed.end());
    }
    submit(k);
    // A full burst: more is probably waiting. Read on (the batch grows)
    // while slots are free; results are taken once the device is drained
    // or the slots are used up.
    if (room && n == room && !free_slots.empty()) continue;
    if (q->pending()) {
      complete(n == 0 && k == 0 ? 1 : 0);
      continue;
    }
    if (n == 0 && k == 0) ::poll(fds, held ? 0 : (inbox ? 3 : 2), held ? 1 : 100);
  }
}

void Worker::run_in() {
  // One worker reads the ciphertext sockets (so each SA's packets stay in
  // the order they arrived) and hands the others their SAs' packets.
  const bool reader = index == 0;
  const bool several = gw.opts.threads > 1;
  std::vector<pollfd> fds;
  if (reader)
    for (int fd : gw.io->fds()) fds.push_back({fd, POLLIN, 0});
  fds.push_back({gw.stop_fd, POLLIN, 0});
  if (inbox) fds.push_back({inbox->fd(), POLLIN, 0});
  const std::uint8_t* base = in_mem.data();
  while (!gw.stopping.load(std::memory_order_relaxed)) {
    std::size_t k = take_inbox(0);
    std::size_t room = std::min(free_slots.size(), pkts.size() - k);
    bool held = false;  // as in run_out
    if (reader && several && room) {
      std::size_t r = std::min(room, handover_room());
      held = r == 0;
      room = r;
    }
    std::size_t n = 0;
    if (reader && room) {
      for (std::size_t j = 0; j < room; ++j) burst_bufs[j] = in_buf(free_slots[free_slots.size() - 1 - j]);
      n = gw.io->recv_burst(burst_bufs.data(), kInCap, rx.data(), room, gw.ike);
      // Which slot each ESP packet landed in; those slots leave the free stack.
      for (std::size_t j = 0; j < n; ++j) {
        auto slot = static_cast<std::uint32_t>(static_cast<std::size_t>(rx[j].data - base) / kInCap);
        unsigned owner = several ? owner_of(rx[j].data, rx[j].len, nullptr) : index;
        if (owner != index) {
          hand_over(owner, rx[j].data, rx[j].len);  // the slot stays free
          continue;
        }
        stage(k++, slot, rx[j].data, rx[j].len);
        free_slots.erase(std::find(free_slots.begin(), free_slots.end(), slot));
      }
    }
    submit(k);
    if (reader && room && n == room && !free_slots.empty()) continue;  // as in run_out
    if (q->pending()) {
      complete(n == 0 && k == 0 ? 1 : 0);
      continue;
    }
    if (n == 0 && k == 0) ::poll(held ? nullptr : fds.data(), held ? 0 : fds.size(), held ? 1 : 100);
  }
}

void Worker::run() {
  try {
    if (dir == Dir::Out)
      run_out();
    else
      run_in();
    // Finish what is in flight.
    q->flush();
    while (q->pending()) complete(100);
  } catch (const std::exception& e) {
    // A data-plane thread never takes the daemon down; it says why it stopped.
    gw.warn(fmt::format("data-plane thread {} {} stopped: {}", dir == Dir::Out ? "out" : "in", index, e.what()));
  }
}

Gateway::Gateway(runtime::Runtime& rt, std::vector<IkeSockets::NatSocket> nat, IkeSink ike, GatewayOptions o)
    : impl_(std::make_unique<Impl>(rt, std::move(o), std::move(ike))) {
  auto& m = *impl_;
  if (m.opts.threads == 0) m.opts.threads = 1;
  if (m.opts.burst == 0) m.opts.burst = 64;
  if (m.opts.depth < m.opts.burst) m.opts.depth = m.opts.burst;
  m.opts.tun.queues = m.opts.threads;
  m.tun = std::make_unique<TunDevice>(m.opts.tun);
  EspIo::Options io;
  io.raw_esp = m.opts.raw_esp;
  m.io = std::make_unique<EspIo>(std::move(nat), io);
  // Bursts of ESP must not overflow the sockets while the card works:
  // large receive buffers (SO_RCVBUFFORCE needs CAP_NET_ADMIN, which a
  // gateway has; otherwise what rmem_max allows).
  for (int fd : m.io->fds()) {
    int bytes = kSocketBuffer;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }
  m.icmp = std::make_unique<IcmpErrors>();
  m.routes = std::make_unique<RouteTable>(m.tun->ifindex(), m.opts.route_table);
  m.stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (m.stop_fd < 0) throw NetError("gateway: eventfd failed");
  for (unsigned i = 0; i < m.opts.threads; ++i) {
    m.workers.push_back(std::make_unique<Worker>(m, Worker::Dir::Out, i));
    m.workers.push_back(std::make_unique<Worker>(m, Worker::Dir::In, i));
  }
}

Gateway::~Gateway() {
  stop();
  if (impl_->stop_fd >= 0) ::close(impl_->stop_fd);
}

void Gateway::start() {
  auto& m = *impl_;
  if (m.started) return;
  m.started = true;
  m.stopping.store(false);
  for (auto& w : m.workers) w->thread = std::thread([w = w.get()] { w->run(); });
}

void Gateway::stop() {
  auto& m = *impl_;
  if (!m.started) return;
  m.stopping.store(true);
  std::uint64_t one = 1;
  if (::write(m.stop_fd, &one, sizeof one) < 0) {
  }
  for (auto& w : m.workers)
    if (w->thread.joinable()) w->thread.join();
  m.started = false;
}

const std::string& Gateway::tun_name() const { return impl_->tun->name(); }

void Gateway::add_routes(const std::string& key, const std::vector<runtime::TrafficSelector>& local_ts,
                         const std::vector<runtime::TrafficSelector>& remote_ts, const runtime::IpAddr& peer) {
  auto& m = *impl_;
  if (m.route_keys.count(key)) return;
  auto locals = IkeSockets::local_addresses();
  std::vector<Impl::RouteRef> done;
  for (const auto& r : remote_ts) {
    // Selectors with ports or a protocol are routed by their addresses.
    runtime::TrafficSelector addr_only = runtime::TrafficSelector::range(r.from, r.to);
    if (peer.version && r.family() == peer.version && r.contains(peer)) {
      // The IKE and ESP packets to the peer must not enter the tunnel: a
      // bypass route for the peer first, or no route for this selector.
      try {
        m.routes->add_bypass(peer);
        done.push_back(Impl::RouteRef{true, addr_only, peer});
      } catch (const std::exception& e) {
        m.warn(fmt::format("no route for {} via {}: it holds the peer {}, and {}", addr_only.str(), m.tun->name(),
                           peer.str(), e.what()));
        continue;
      }
    }
    runtime::IpAddr src;
    for (const auto& l : local_ts) {
      if (l.family() != r.family()) continue;
      for (const auto& a : locals)
        if (a.version == l.family() && usable_source(a) && l.contains(a)) {
          src = a;
          break;
        }
      if (src.version) break;
    }
    try {
      m.routes->add(addr_only, src);
      done.push_back(Impl::RouteRef{false, addr_only, src});
    } catch (const std::exception& e) {
      m.warn(fmt::format("route {} via {}: {}", addr_only.str(), m.tun->name(), e.what()));
    }
  }
  m.route_keys.emplace(key, std::move(done));
}

void Gateway::remove_routes(const std::string& key) {
  auto& m = *impl_;
  auto it = m.route_keys.find(key);
  if (it == m.route_keys.end()) return;
  // In reverse: the tunnel route goes before the peer's bypass.
  for (auto r = it->second.rbegin(); r != it->second.rend(); ++r) {
    try {
      if (r->bypass)
        m.routes->remove_bypass(r->addr);
      else
        m.routes->remove(r->ts, r->addr);
    } catch (const std::exception& e) {
      m.warn(fmt::format("removing the route {}: {}", r->bypass ? r->addr.str() : r->ts.str(), e.what()));
    }
  }
  m.route_keys.erase(it);
}

std::vector<std::string> Gateway::routes() const { return impl_->routes->installed(); }

nlohmann::json Gateway::stats() const {
  auto& m = *impl_;
  std::array<std::uint64_t, kStatusSlots> st{};
  std::uint64_t enc = 0, enc_bytes = 0, sent = 0, dec = 0, dec_bytes = 0, written = 0;
  for (const auto& w : m.workers) {
    for (std::size_t i = 0; i < kStatusSlots; ++i) st[i] += w->status[i].load(std::memory_order_relaxed);
    if (w->dir == Worker::Dir::Out) {
      enc += w->ok_packets.load(std::memory_order_relaxed);
      enc_bytes += w->ok_bytes.load(std::memory_order_relaxed);
      sent += w->sent.load(std::memory_order_relaxed);
    } else {
      dec += w->ok_packets.load(std::memory_order_relaxed);
      dec_bytes += w->ok_bytes.load(std::memory_order_relaxed);
      written += w->sent.load(std::memory_order_relaxed);
    }
  }
  nlohmann::json status = nlohmann::json::object();
  for (std::size_t i = 1; i < kStatusSlots; ++i)
    if (st[i]) status[status_name(i)] = st[i];
  auto tc = m.tun->counters();
  auto ic = m.io->counters();
  auto cc = m.icmp->counters();
  return {{"tun", {{"name", m.tun->name()}, {"mtu", m.tun->mtu()}, {"rx", tc.rx}, {"tx", tc.tx}, {"rx-too-long", tc.rx_too_long},
                   {"rx-err", tc.rx_err}, {"tx-err", tc.tx_err}}},
          {"tx", {{"encrypted", enc}, {"bytes", enc_bytes}, {"sent", sent}, {"udp", ic.tx_udp}, {"raw", ic.tx_raw},
                  {"err", ic.tx_err}, {"bad", ic.tx_bad}}},
          {"rx", {{"udp", ic.rx_udp}, {"raw", ic.rx_raw}, {"ike", ic.rx_ike}, {"keepalive", ic.rx_keepalive},
                  {"bad", ic.rx_bad}, {"err", ic.rx_err}, {"decrypted", dec}, {"bytes", dec_bytes}, {"written", written}}},
          {"icmp", {{"sent", cc.sent}, {"suppressed", cc.suppressed}, {"rate-limited", cc.rate_limited}, {"err", cc.err}}},
          {"status", status},
          {"threads", m.opts.threads}};
}

std::vector<std::pair<std::string, std::uint64_t>> Gateway::sa_errors(runtime::SaId sa) const {
  std::map<std::size_t, std::uint64_t> sum;
  for (const auto& w : impl_->workers) {
    std::lock_guard<std::mutex> g(w->err_mu);
    auto it = w->sa_err.find(sa);
    if (it == w->sa_err.end()) continue;
    for (const auto& [slot, n] : it->second) sum[slot] += n;
  }
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto& [slot, n] : sum) out.emplace_back(status_name(slot), n);
  return out;
}

}  // namespace esp::ike::dp
