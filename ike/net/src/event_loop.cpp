// EventLoop on epoll + timerfd + eventfd.
#include "esp/ike/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace esp::ike {

namespace {

constexpr std::uint64_t kTimerToken = 1;
constexpr std::uint64_t kWakeToken = 2;
constexpr std::uint64_t kFirstWatchToken = 3;
constexpr int kMaxEvents = 64;

[[noreturn]] void fail(const std::string& what, int err) {
  throw NetError(what + ": " + std::strerror(err));
}

void add_fd(int epfd, int fd, std::uint64_t token) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = token;
  if (::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) fail("watch fd " + std::to_string(fd), errno);
}

// Reads (and so resets) a timerfd or an eventfd; nothing to read is fine.
void drain(int fd) {
  std::uint64_t v = 0;
  while (::read(fd, &v, sizeof v) < 0 && errno == EINTR) {
  }
}

}  // namespace

EventLoop::EventLoop() : next_token_(kFirstWatchToken) {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) fail("epoll_create1", errno);
  timerfd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  wakefd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  try {
    if (timerfd_ < 0) fail("timerfd_create", errno);
    if (wakefd_ < 0) fail("eventfd", errno);
    add_fd(epfd_, timerfd_, kTimerToken);
    add_fd(epfd_, wakefd_, kWakeToken);
  } catch (...) {
    if (timerfd_ >= 0) ::close(timerfd_);
    if (wakefd_ >= 0) ::close(wakefd_);
    ::close(epfd_);
    throw;
  }
}

EventLoop::~EventLoop() {
  ::close(wakefd_);
  ::close(timerfd_);
  ::close(epfd_);
}

EventLoop::TimerId EventLoop::add_timer(Clock::duration after, std::function<void()> fn) {
  if (after < Clock::duration::zero()) after = Clock::duration::zero();
  return timers_.add(Clock::now() + after, std::move(fn));
}

bool EventLoop::cancel_timer(TimerId id) { return timers_.cancel(id); }

void EventLoop::watch(int fd, std::function<void()> on_readable) {
  auto w = std::make_shared<Watch>(Watch{std::move(on_readable)});
  const auto it = fd_tokens_.find(fd);
  if (it != fd_tokens_.end()) {
    // A new object, so a callback replacing its own watch is not destroyed
    // while it runs (the dispatcher holds the old one).
    watches_[it->second] = std::move(w);
    return;
  }
  const std::uint64_t token = next_token_++;
  add_fd(epfd_, fd, token);
  fd_tokens_.emplace(fd, token);
  watches_.emplace(token, std::move(w));
}

void EventLoop::unwatch(int fd) {
  const auto it = fd_tokens_.find(fd);
  if (it == fd_tokens_.end()) return;
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);  // fails only if fd was closed already
  watches_.erase(it->second);
  fd_tokens_.erase(it);
}

void EventLoop::wake() {
  const std::uint64_t one = 1;
  // EAGAIN means the counter is saturated: a wake-up is pending anyway.
  while (::write(wakefd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    posted_.push_back(std::move(fn));
  }
  wake();
}

void EventLoop::stop() {
  stop_.store(true);
  wake();
}

bool EventLoop::in_loop_thread() const { return loop_thread_.load() == std::this_thread::get_id(); }

void EventLoop::arm_timerfd() {
  const auto next = timers_.next_deadline();
  if (next == armed_) return;
  itimerspec spec{};
  if (next) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(next->time_since_epoch()).count();
    if (ns <= 0) ns = 1;  // zero would disarm
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
  }
  if (::timerfd_settime(timerfd_, TFD_TIMER_ABSTIME, &spec, nullptr) != 0) fail("timerfd_settime", errno);
  armed_ = next;
}

void EventLoop::run_due_timers() {
  const TimerId newest = timers_.last_id();
  const Clock::time_point now = Clock::now();
  std::function<void()> fn;
  while (!stop_.load() && timers_.pop_due(now, newest, &fn)) {
    auto call = std::move(fn);
    call();
  }
}

void EventLoop::run_posted() {
  // If we leave early (stop, exception) with work queued, ring again.
  struct Rewake {
    EventLoop* loop;
    ~Rewake() {
      std::lock_guard<std::mutex> lock(loop->post_mu_);
      if (!loop->posted_.empty()) loop->wake();
    }
  } rewake{this};
  std::size_t n;
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    n = posted_.size();
  }
  // Only what was queued when we started: a function posting itself again
  // waits for the next round.
  for (std::size_t i = 0; i < n && !stop_.load(); ++i) {
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lock(post_mu_);
      fn = std::move(posted_.front());
      posted_.pop_front();
    }
    fn();
  }
}

void EventLoop::run() {
  struct Owner {
    EventLoop* loop;
    explicit Owner(EventLoop* l) : loop(l) { loop->loop_thread_.store(std::this_thread::get_id()); }
    ~Owner() { loop->loop_thread_.store(std::thread::id{}); }
  } owner(this);
  epoll_event evs[kMaxEvents];
  while (!stop_.exchange(false)) {
    arm_timerfd();
    const int n = ::epoll_wait(epfd_, evs, kMaxEvents, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("epoll_wait", errno);
    }
    for (int i = 0; i < n && !stop_.load(); ++i) {
      const std::uint64_t token = evs[i].data.u64;
      if (token == kTimerToken) {
        drain(timerfd_);
        armed_.reset();
        run_due_timers();
      } else if (token == kWakeToken) {
        drain(wakefd_);
        run_posted();
      } else {
        const auto it = watches_.find(token);
        if (it == watches_.end()) continue;  // unwatched earlier in this round
        const std::shared_ptr<Watch> w = it->second;
        w->fn();
      }
    }
  }
}

}  // namespace esp::ike
