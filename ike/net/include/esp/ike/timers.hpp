// One-shot timers for esp-iked.
//
//   Timers        the interface the IKE state machine programs against
//                 (add_timer / cancel_timer / now);
//   TimerQueue    the ordered set of pending timers both implementations share;
//   ManualTimers  a Timers whose clock only moves when a test calls advance().
//   EventLoop (event_loop.hpp) is the real one, on a timerfd.
//
// Order: timers run by deadline; timers with the same deadline run in the
// order they were added (ids grow). A TimerId is never 0, so 0 can stand for
// "no timer".
//
// Thread-safety: none of these classes is thread-safe. A Timers is used from
// the one thread that runs it (EventLoop: the thread in run(); ManualTimers:
// the thread calling advance()). Callbacks may add and cancel timers,
// including cancelling ones that are already due in the same advance/dispatch.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

namespace esp::ike {

class Timers {
 public:
  using TimerId = std::uint64_t;
  using Clock = std::chrono::steady_clock;

  virtual ~Timers() = default;
  // Runs fn once, `after` from now() (a negative duration counts as zero).
  virtual TimerId add_timer(Clock::duration after, std::function<void()> fn) = 0;
  // false if the timer already ran, was cancelled, or is unknown.
  virtual bool cancel_timer(TimerId id) = 0;
  virtual Clock::time_point now() const = 0;
};

// Pending timers ordered by (deadline, id). Add, cancel and pop are O(log n).
class TimerQueue {
 public:
  using TimerId = Timers::TimerId;
  using Clock = Timers::Clock;

  TimerId add(Clock::time_point when, std::function<void()> fn);
  bool cancel(TimerId id);
  // The earliest deadline, or nullopt when nothing is pending.
  std::optional<Clock::time_point> next_deadline() const;
  // Removes the earliest timer if its deadline is <= now and its id is <=
  // max_id (ids added after a dispatch began are left for the next one); its
  // callback goes to *fn and its deadline to *when. false if there is none.
  bool pop_due(Clock::time_point now, TimerId max_id, std::function<void()>* fn,
               Clock::time_point* when = nullptr);
  // The id the last add() returned (0 before the first).
  TimerId last_id() const { return next_id_ - 1; }
  std::size_t size() const { return when_.size(); }

 private:
  std::map<std::pair<Clock::time_point, TimerId>, std::function<void()>> by_time_;
  std::unordered_map<TimerId, Clock::time_point> when_;
  TimerId next_id_ = 1;
};

// A manual clock for tests of the IKE state machine: time stands still until
// advance(d), which runs every timer due within d in deadline order, setting
// now() to each timer's deadline while it runs, then sets now() to the end.
// Timers that callbacks add inside the window run in the same advance().
class ManualTimers : public Timers {
 public:
  explicit ManualTimers(Clock::time_point start = Clock::time_point{}) : now_(start) {}

  TimerId add_timer(Clock::duration after, std::function<void()> fn) override;
  bool cancel_timer(TimerId id) override;
  Clock::time_point now() const override { return now_; }

  // Returns the number of timers that ran. A negative d counts as zero.
  std::size_t advance(Clock::duration d);
  // advance() to the next deadline and run what is due there; 0 if none.
  std::size_t run_next();
  std::optional<Clock::time_point> next_deadline() const { return q_.next_deadline(); }
  std::size_t pending() const { return q_.size(); }

 private:
  Clock::time_point now_;
  TimerQueue q_;
};

}  // namespace esp::ike
