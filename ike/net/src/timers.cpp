// TimerQueue and ManualTimers.
#include "esp/ike/timers.hpp"

#include <limits>

namespace esp::ike {

TimerQueue::TimerId TimerQueue::add(Clock::time_point when, std::function<void()> fn) {
  const TimerId id = next_id_++;
  by_time_.emplace(std::make_pair(when, id), std::move(fn));
  when_.emplace(id, when);
  return id;
}

bool TimerQueue::cancel(TimerId id) {
  const auto it = when_.find(id);
  if (it == when_.end()) return false;
  by_time_.erase(std::make_pair(it->second, id));
  when_.erase(it);
  return true;
}

std::optional<TimerQueue::Clock::time_point> TimerQueue::next_deadline() const {
  if (by_time_.empty()) return std::nullopt;
  return by_time_.begin()->first.first;
}

bool TimerQueue::pop_due(Clock::time_point now, TimerId max_id, std::function<void()>* fn,
                         Clock::time_point* when) {
  if (by_time_.empty()) return false;
  const auto it = by_time_.begin();
  if (it->first.first > now || it->first.second > max_id) return false;
  if (when != nullptr) *when = it->first.first;
  *fn = std::move(it->second);
  when_.erase(it->first.second);
  by_time_.erase(it);
  return true;
}

ManualTimers::TimerId ManualTimers::add_timer(Clock::duration after, std::function<void()> fn) {
  if (after < Clock::duration::zero()) after = Clock::duration::zero();
  return q_.add(now_ + after, std::move(fn));
}

bool ManualTimers::cancel_timer(TimerId id) { return q_.cancel(id); }

std::size_t ManualTimers::advance(Clock::duration d) {
  if (d < Clock::duration::zero()) d = Clock::duration::zero();
  const Clock::time_point end = now_ + d;
  std::size_t ran = 0;
  std::function<void()> fn;
  Clock::time_point when;
  while (q_.pop_due(end, std::numeric_limits<TimerId>::max(), &fn, &when)) {
    if (when > now_) now_ = when;
    ++ran;
    auto call = std::move(fn);
    call();
  }
  now_ = end;
  return ran;
}

std::size_t ManualTimers::run_next() {
  const auto next = q_.next_deadline();
  if (!next) return 0;
  return advance(*next > now_ ? *next - now_ : Clock::duration::zero());
}

}  // namespace esp::ike
