// Runtime events: what the runtime tells an IKE daemon (soft / hard expire,
// acquire, replay and authentication-failure thresholds, card reset), and the
// one queue they come out of.
//
// The EventQueue contract
// -----------------------
// Producers (the runtime's control and data-plane threads) call push(); the
// consumer takes events in one of two modes:
//
//  * Queue mode (the default): the consumer polls. fd() is an eventfd that is
//    readable while events are pending: put it in poll/epoll/select (or call
//    wait()), then drain with poll(). When poll() has drained everything and no
//    push() is running concurrently, fd() is not readable any more. An event
//    whose push() has returned is never missed: it is in the queue and fd() is
//    readable until poll() takes it. Under concurrent pushes fd() may be
//    readable with nothing left (a push that raced with the drain): poll() then
//    returns 0; just wait again.
//
//  * Callback mode, after set_callback(f) with a non-empty f: every event still
//    pending and every later one goes to f instead, called on a delivery thread
//    the EventQueue owns, one event at a time, in queue order. The delivery
//    thread holds no runtime lock and no EventQueue lock while it calls f, so f
//    may call back into the runtime (add_sa on an acquire, del_sa on a hard
//    expire, ...) and into this queue (push, set_callback). f must not destroy
//    the EventQueue and must not throw (an exception escaping f terminates
//    the process, as from any std::thread). A slow f does not slow the
//    producers: events wait in the ring meanwhile (and past its capacity are
//    dropped, as in queue mode). set_callback(nullptr) (or an empty function)
//    goes back to queue mode. set_callback returns once the previous callback
//    is not running any more (unless called from the callback itself), so
//    after set_callback(g) returns, the old callback is not called again; do
//    not call it while holding a lock that the callback takes. In callback
//    mode poll() and wait() still work but compete with the delivery thread;
//    do not use them.
//
// Every pushed event is delivered exactly once (to poll() or to the callback)
// or counted in dropped(), never both.
//
// Bounded, never blocking the data plane: push() takes no lock and never
// waits for the consumer (a lock-free ring of `capacity` events, plus one
// eventfd write when the queue goes from empty to non-empty). When the queue
// is full the event is dropped and counted: dropped() only grows, so a
// consumer that sees it change knows it lost events (an overflow); a full queue
// also keeps fd() readable. The events that matter are repeated by the
// runtime (an acquire is raised again by the next packet after the rate-limit
// interval, a threshold at the next crossing), so a consumer that saw an
// overflow re-queries the SAs it cares about (query_sa) rather than assume.
//
// Threading: push(), dropped(), size(), capacity() and fd() are safe from any
// thread at any time. poll() and wait() are safe from any thread (several
// consumers share the events between them). set_callback() is safe from any
// thread, including the callback itself. The destructor stops the delivery
// thread; it must not run concurrently with any other call or from the
// callback.
//
// Events never carry key material; describe() prints no key.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "esp/runtime/ip_addr.hpp"
#include "esp/runtime/sa_config.hpp"
#include "esp/runtime/sa_id.hpp"

namespace esp::runtime {

enum class EventType {
  SoftExpire,         // a soft limit was reached: rekey (the SA keeps working)
  HardExpire,         // a hard limit was reached: the SA has stopped
  Acquire,            // an outbound packet matched a protect policy with no SA
  ReplayThreshold,    // an SA's replay counter reached its threshold
  AuthFailThreshold,  // an SA's authentication-failure counter reached its threshold
  CardReset,          // a card was reset and reprogrammed from the host's shadow
};

// Which limit an expire event is about (None for the other events).
enum class ExpireCause { None, Bytes, Packets, Seconds, Sequence };

// One event. Fields that do not apply to its type are left at their defaults.
struct Event {
  EventType type = EventType::SoftExpire;
  uint64_t time_ns = 0;  // CLOCK_MONOTONIC when it was raised (monotonic_ns())

  // Expire and threshold events: the SA.
  SaId sa;
  uint32_t spi = 0;
  Direction dir = Direction::Outbound;
  ExpireCause cause = ExpireCause::None;  // expire events
  uint64_t count = 0;                     // threshold events: the counter's value

  // Acquire: the policy, its reqid, and the packet that triggered it (the
  // selector XFRM's acquire carries).
  PolicyId policy = 0;
  uint32_t reqid = 0;
  IpAddr src, dst;
  uint8_t proto = 0;
  uint16_t sport = 0, dport = 0;

  // The card concerned (CardReset; the SA's card for SA events).
  uint32_t card = 0;
};

// CLOCK_MONOTONIC in nanoseconds: the clock of Event::time_ns and of the
// runtime's lifetimes in seconds.
uint64_t monotonic_ns();

const char* to_string(EventType t);    // "soft-expire", "hard-expire", "acquire", ...
const char* to_string(ExpireCause c);  // "none", "bytes", "packets", "seconds", "sequence"

// One line, in the spirit of `ip xfrm monitor`, e.g.
//   "expire soft sa 0:17:3 spi 0x00001001 dir out cause bytes"
//   "acquire policy 7 reqid 3 proto 6 192.0.2.1:1234 -> 192.0.2.2:80"
// Never a key (events hold none).
std::string describe(const Event& e);

class EventQueue {
 public:
  // capacity: events held before push() drops (at least 2; 0 throws
  // std::invalid_argument). Throws std::system_error when no eventfd can be
  // made.
  explicit EventQueue(size_t capacity = 4096);
  ~EventQueue();
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // Adds an event; false (and counted in dropped()) when the queue is full.
  // Lock-free; any thread.
  bool push(const Event& e);

  // The eventfd that is readable while events are pending (above). Owned by
  // the queue: do not read, write or close it.
  int fd() const { return efd_; }

  // Moves up to `max` pending events to the end of `out`, oldest first;
  // returns how many. Never blocks.
  size_t poll(std::vector<Event>& out, size_t max = SIZE_MAX);

  // Waits until fd() is readable or timeout_ms passes (-1: no timeout; 0:
  // just check). True when events are (probably) pending.
  bool wait(int timeout_ms);

  // Callback mode (above); an empty function goes back to queue mode.
  void set_callback(std::function<void(const Event&)> cb);

  // Events dropped because the queue was full, since construction.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // Events pending (approximate while pushes or polls run).
  size_t size() const;
  size_t capacity() const { return cap_; }

 private:
  struct Cell {
    std::atomic<uint64_t> seq;
    Event ev;
  };
  bool pop(Event& out);
  bool empty_now() const;
  void signal();
  void clear_signal();
  void deliver_loop();

  size_t cap_;
  std::unique_ptr<Cell[]> cells_;
  alignas(64) std::atomic<uint64_t> head_{0};  // next position to pop
  alignas(64) std::atomic<uint64_t> tail_{0};  // next position to push
  alignas(64) std::atomic<bool> signalled_{false};
  std::atomic<uint64_t> dropped_{0};
  int efd_ = -1;   // readable while events are pending
  int wake_ = -1;  // wakes the delivery thread (mode change, shutdown)

  struct Delivery;  // the delivery thread and its state (events.cpp)
  std::unique_ptr<Delivery> delivery_;
};

}  // namespace esp::runtime
