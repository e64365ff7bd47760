#include "esp/runtime/detail/rate_limiter.hpp"

#include <stdexcept>

namespace esp::runtime::detail {

RateLimiter::RateLimiter(uint64_t interval_ns, size_t max_keys) : interval_(interval_ns), max_keys_(max_keys) {
  if (max_keys == 0) throw std::invalid_argument("RateLimiter: max_keys 0");
}

void RateLimiter::age(uint64_t now_ns) {
  while (!order_.empty()) {
    const auto& [key, t] = order_.front();
    if (now_ns < t || now_ns - t < interval_) break;
    auto it = last_.find(key);
    if (it != last_.end() && it->second == t) last_.erase(it);
    order_.pop_front();
  }
}

bool RateLimiter::allow(PolicyId key, uint64_t now_ns) {
  std::lock_guard<std::mutex> lk(m_);
  age(now_ns);
  auto it = last_.find(key);
  if (it != last_.end() && (now_ns < it->second || now_ns - it->second < interval_)) return false;
  if (order_.size() >= max_keys_) {
    ++denied_full_;
    return false;
  }
  last_[key] = now_ns;
  order_.emplace_back(key, now_ns);
  return true;
}

void RateLimiter::forget(PolicyId key) {
  std::lock_guard<std::mutex> lk(m_);
  last_.erase(key);  // its order_ entry ages out on its own
}

size_t RateLimiter::size() const {
  std::lock_guard<std::mutex> lk(m_);
  return order_.size();
}

uint64_t RateLimiter::denied_full() const {
  std::lock_guard<std::mutex> lk(m_);
  return denied_full_;
}

}  // namespace esp::runtime::detail
