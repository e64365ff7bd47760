#include "esp/runtime/events.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace esp::runtime {

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

const char* to_string(EventType t) {
  switch (t) {
    case EventType::SoftExpire: return "soft-expire";
    case EventType::HardExpire: return "hard-expire";
    case EventType::Acquire: return "acquire";
    case EventType::ReplayThreshold: return "replay-threshold";
    case EventType::AuthFailThreshold: return "auth-fail-threshold";
    case EventType::CardReset: return "card-reset";
  }
  return "unknown";
}

const char* to_string(ExpireCause c) {
  switch (c) {
    case ExpireCause::None: return "none";
    case ExpireCause::Bytes: return "bytes";
    case ExpireCause::Packets: return "packets";
    case ExpireCause::Seconds: return "seconds";
    case ExpireCause::Sequence: return "sequence";
  }
  return "unknown";
}

namespace {

std::string sa_part(const Event& e) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "sa %u:%u:%u spi 0x%08x dir %s", e.sa.card, e.sa.index, e.sa.generation, e.spi,
                e.dir == Direction::Inbound ? "in" : "out");
  return buf;
}

std::string endpoint(const IpAddr& a, uint16_t port) {
  std::string s = a.version == 6 ? "[" + a.str() + "]" : a.str();
  return s + ":" + std::to_string(port);
}

}  // namespace

std::string describe(const Event& e) {
  switch (e.type) {
    case EventType::SoftExpire:
    case EventType::HardExpire:
      return std::string("expire ") + (e.type == EventType::SoftExpire ? "soft " : "hard ") + sa_part(e) +
             " cause " + to_string(e.cause);
    case EventType::Acquire:
      return "acquire policy " + std::to_string(e.policy) + " reqid " + std::to_string(e.reqid) + " proto " +
             std::to_string(e.proto) + " " + endpoint(e.src, e.sport) + " -> " + endpoint(e.dst, e.dport);
    case EventType::ReplayThreshold:
    case EventType::AuthFailThreshold:
      return std::string(to_string(e.type)) + " " + sa_part(e) + " count " + std::to_string(e.count);
    case EventType::CardReset:
      return "card-reset card " + std::to_string(e.card);
  }
  return "unknown event " + std::to_string(int(e.type));
}

// ---- EventQueue ------------------------------------------------------------
//
// The ring is a bounded multi-producer multi-consumer queue: each cell carries
// a sequence number telling whose turn it is. Cell i starts at seq i; a
// producer that claimed position p (CAS on tail_) writes the event and sets
// seq = p + 1 (published); a consumer that claimed p (CAS on head_) copies it
// out and sets seq = p + cap (free for the producer of p + cap).
//
// The eventfd: signalled_ is true while the eventfd has been (or is about to
// be) written and not cleared. A producer writes the eventfd only when it
// turns signalled_ from false to true (one syscall per empty -> non-empty
// transition, not one per event). A consumer that found the ring empty clears
// signalled_, reads the eventfd to zero, then looks again: a producer it raced
// with is either seen there (and the consumer signals again) or saw
// signalled_ == false and writes the eventfd itself. All changes of
// signalled_ are read-modify-writes, so clearing it (acq_rel) synchronises
// with every producer that found it set: their claims are visible to the
// second look.

struct EventQueue::Delivery {
  std::mutex m;
  std::condition_variable cv;
  std::shared_ptr<const std::function<void(const Event&)>> cb;
  bool stop = false;
  bool running = false;  // the delivery thread is inside a callback
  std::thread th;
  std::thread::id tid;
};

namespace {

int make_eventfd() {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "EventQueue: eventfd");
  return fd;
}

void efd_write(int fd) {
  const uint64_t one = 1;
  // Cannot fail short of a counter at 2^64 - 2; EINTR does not apply to a
  // non-blocking eventfd write that fits.
  ssize_t r = ::write(fd, &one, sizeof one);
  (void)r;
}

void efd_drain(int fd) {
  uint64_t v = 0;
  ssize_t r = ::read(fd, &v, sizeof v);  // EAGAIN when already zero
  (void)r;
}

}  // namespace

EventQueue::EventQueue(size_t capacity) : cap_(capacity < 2 ? 2 : capacity) {
  if (capacity == 0) throw std::invalid_argument("EventQueue: capacity 0");
  cells_.reset(new Cell[cap_]);
  for (size_t i = 0; i < cap_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  efd_ = make_eventfd();
  try {
    wake_ = make_eventfd();
  } catch (...) {
    ::close(efd_);
    throw;
  }
  delivery_ = std::make_unique<Delivery>();
}

EventQueue::~EventQueue() {
  {
    std::lock_guard<std::mutex> lk(delivery_->m);
    delivery_->stop = true;
  }
  delivery_->cv.notify_all();
  efd_write(wake_);
  if (delivery_->th.joinable()) delivery_->th.join();
  ::close(efd_);
  ::close(wake_);
}

bool EventQueue::push(const Event& e) {
  uint64_t pos = tail_.load(std::memory_order_relaxed);
  Cell* c;
  for (;;) {
    c = &cells_[pos % cap_];
    const uint64_t seq = c->seq.load(std::memory_order_acquire);
    const auto dif = int64_t(seq - pos);
    if (dif == 0) {
      if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
    } else if (dif < 0) {
      // The cell still holds the event of position pos - cap: full.
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    } else {
      pos = tail_.load(std::memory_order_relaxed);
    }
  }
  c->ev = e;
  c->seq.store(pos + 1, std::memory_order_release);
  signal();
  return true;
}

bool EventQueue::pop(Event& out) {
  uint64_t pos = head_.load(std::memory_order_relaxed);
  Cell* c;
  for (;;) {
    c = &cells_[pos % cap_];
    const uint64_t seq = c->seq.load(std::memory_order_acquire);
    const auto dif = int64_t(seq - (pos + 1));
    if (dif == 0) {
      if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
    } else if (dif < 0) {
      return false;  // not published yet: empty (or a push in progress, which will signal)
    } else {
      pos = head_.load(std::memory_order_relaxed);
    }
  }
  out = c->ev;
  c->seq.store(pos + cap_, std::memory_order_release);
  return true;
}

bool EventQueue::empty_now() const {
  // Claimed positions count: a push in progress makes the queue non-empty.
  const uint64_t h = head_.load(std::memory_order_acquire);
  const uint64_t t = tail_.load(std::memory_order_acquire);
  return t <= h;
}

size_t EventQueue::size() const {
  const uint64_t h = head_.load(std::memory_order_acquire);
  const uint64_t t = tail_.load(std::memory_order_acquire);
  return t > h ? size_t(t - h) : 0;
}

void EventQueue::signal() {
  if (!signalled_.exchange(true, std::memory_order_acq_rel)) efd_write(efd_);
}

void EventQueue::clear_signal() {
  // acq_rel on the flag is all the ordering the second look needs (see the
  // comment at the top); no fence (TSan does not model fences).
  signalled_.exchange(false, std::memory_order_acq_rel);
  efd_drain(efd_);
  if (!empty_now()) {
    // Raced with a push: keep the fd readable. This may write the eventfd a
    // second time (harmless: it only counts).
    signalled_.store(true, std::memory_order_release);
    efd_write(efd_);
  }
}

size_t EventQueue::poll(std::vector<Event>& out, size_t max) {
  size_t n = 0;
  Event ev;
  while (n < max) {
    if (!pop(ev)) {
      clear_signal();
      return n;
    }
    out.push_back(ev);
    ++n;
  }
  // Stopped at max: if that emptied the queue, the fd must not stay readable.
  if (empty_now()) clear_signal();
  return n;
}

bool EventQueue::wait(int timeout_ms) {
  pollfd p{efd_, POLLIN, 0};
  for (;;) {
    int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    return r > 0 && (p.revents & POLLIN);
  }
}

void EventQueue::set_callback(std::function<void(const Event&)> cb) {
  Delivery& d = *delivery_;
  std::unique_lock<std::mutex> lk(d.m);
  if (cb) {
    d.cb = std::make_shared<const std::function<void(const Event&)>>(std::move(cb));
    if (!d.th.joinable()) {
      d.th = std::thread([this] { deliver_loop(); });
      d.tid = d.th.get_id();
    }
  } else {
    d.cb.reset();
  }
  d.cv.notify_all();
  efd_write(wake_);  // out of its poll(): look at the mode again
  if (std::this_thread::get_id() != d.tid) d.cv.wait(lk, [&] { return !d.running; });
  // Back to queue mode: the delivery thread may have handed over the last
  // event without coming back to find the queue empty; the fd must not stay
  // readable for nothing (clear_signal signals again if events are pending).
  if (!d.cb) clear_signal();
}

void EventQueue::deliver_loop() {
  Delivery& d = *delivery_;
  for (;;) {
    std::shared_ptr<const std::function<void(const Event&)>> f;
    Event ev;
    {
      std::unique_lock<std::mutex> lk(d.m);
      d.cv.wait(lk, [&] { return d.stop || d.cb; });
      if (d.stop) return;
      // Taken under the lock, with the callback of this moment: set_callback
      // cannot switch between taking an event and handing it over.
      if (pop(ev)) {
        f = d.cb;
        d.running = true;
      }
    }
    if (f) {
      (*f)(ev);
      {
        std::lock_guard<std::mutex> lk(d.m);
        d.running = false;
      }
      d.cv.notify_all();
      continue;
    }
    clear_signal();
    pollfd p[2] = {{efd_, POLLIN, 0}, {wake_, POLLIN, 0}};
    int r = ::poll(p, 2, -1);
    if (r > 0 && (p[1].revents & POLLIN)) efd_drain(wake_);
  }
}

}  // namespace esp::runtime
