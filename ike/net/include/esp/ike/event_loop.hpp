// EventLoop: esp-iked's single-threaded event loop (Linux: epoll, one timerfd
// for all timers, one eventfd for post() and stop()).
//
// Threading:
//   - One thread calls run(); it runs every callback (timers, watched fds,
//     posted functions), one at a time.
//   - post() and stop() may be called from ANY thread, also while run() is
//     executing and from inside callbacks.
//   - Everything else (add_timer, cancel_timer, watch, unwatch) is for the
//     loop's thread: from callbacks, or before/between run() calls. Other
//     threads post() a function that does it.
//   - now() may be called from any thread (it reads the steady clock).
//
// Callbacks may add and cancel timers and watch/unwatch fds, their own
// included; a cancelled timer or unwatched fd is not called afterwards, not
// even for an event already collected in the same epoll round.
// Timers run in deadline order (ties in the order added); timers added by a
// timer callback run in a later round even if already due, so I/O and posted
// work are not starved. Posted functions run in the order posted (FIFO).
//
// An exception escaping a callback leaves run() and propagates to its caller;
// the loop stays consistent (the callback was already removed/consumed) and
// run() may be called again.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "esp/ike/net_error.hpp"
#include "esp/ike/timers.hpp"

namespace esp::ike {

class EventLoop : public Timers {
 public:
  // Throws NetError if epoll/timerfd/eventfd cannot be created.
  EventLoop();
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // One-shot timer (Timers). Loop thread only.
  TimerId add_timer(Clock::duration after, std::function<void()> fn) override;
  bool cancel_timer(TimerId id) override;
  Clock::time_point now() const override { return Clock::now(); }

  // Calls on_readable (level-triggered) while fd is readable, or on error/hang
  // up (the callback's read then reports it). Watching an fd again replaces
  // its callback. unwatch() an fd before closing it; unknown fds are ignored.
  // watch() throws NetError if epoll refuses the fd. Loop thread only.
  void watch(int fd, std::function<void()> on_readable);
  void unwatch(int fd);

  // Runs fn on the loop's thread, soon, in FIFO order. Any thread. Functions
  // still queued when the loop is destroyed are destroyed without running.
  void post(std::function<void()> fn);

  // Runs until stop(). Only one thread may be in run() at a time, and a
  // callback must not call run() (no nesting).
  void run();
  // Makes run() return after the callback now running (if any); a stop()
  // while the loop is not running makes the next run() return at once. Each
  // stop() ends at most one run(). Any thread.
  void stop();
  // True on the thread currently inside run().
  bool in_loop_thread() const;
  // A stop() is pending: long callbacks (a burst of datagrams) may end early.
  bool stop_requested() const { return stop_.load(); }

  std::size_t timer_count() const { return timers_.size(); }
  std::size_t watch_count() const { return fd_tokens_.size(); }

 private:
  struct Watch {
    std::function<void()> fn;
  };

  void wake();
  void arm_timerfd();
  void run_due_timers();
  void run_posted();

  int epfd_ = -1;
  int timerfd_ = -1;
  int wakefd_ = -1;

  TimerQueue timers_;
  std::optional<Clock::time_point> armed_;  // what the timerfd is set to

  // Each watch gets a fresh token (epoll data), so an event collected for an
  // fd that was unwatched (and maybe reused) in the same round finds nothing.
  std::unordered_map<std::uint64_t, std::shared_ptr<Watch>> watches_;
  std::unordered_map<int, std::uint64_t> fd_tokens_;
  std::uint64_t next_token_;

  std::mutex post_mu_;
  std::deque<std::function<void()>> posted_;
  std::atomic<bool> stop_{false};
  std::atomic<std::thread::id> loop_thread_{};
};

}  // namespace esp::ike
