// Rate limit for acquire events: at most one acquire per policy per interval.
//
// Interval: 1 s by default. Linux XFRM answers the first packet of a flow with
// no SA by creating a larval state that suppresses further acquires for that
// selector until the daemon installs the SA or the larval state times out
// (net.core.xfrm_acq_expires, 30 s). The runtime has no larval state: it drops
// the packet, and raises the acquire again on a later packet once the interval
// has passed. 1 s keeps the daemon from being flooded (one event per policy
// per second whatever the packet rate) while an acquire lost to a full event
// queue, or a negotiation that failed, is retried soon; a daemon ignores
// acquires for a policy it is already negotiating (as strongSwan does). The
// runtime calls forget() when it installs the policy's SA or deletes the
// policy, so the next miss raises an acquire at once.
//
// Memory is bounded: a key is remembered only for one interval after it was
// allowed (entries older than that are dropped lazily, on the next allow()),
// and at most max_keys entries are kept; when that many keys were allowed
// within one interval, allow() says no for keys not already remembered
// (counted in denied_full()) until entries age out.
//
// Times are CLOCK_MONOTONIC ns (esp::runtime::monotonic_ns()). A time earlier
// than the key's last allowance (threads reading the clock in a different
// order than they take the lock) counts as within the interval.
//
// Thread-safe: an internal mutex, held for O(1) amortised work per call, so
// data-plane threads may call allow() directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "esp/runtime/sa_id.hpp"

namespace esp::runtime::detail {

class RateLimiter {
 public:
  static constexpr uint64_t kDefaultIntervalNs = 1000000000ull;  // 1 s
  static constexpr size_t kDefaultMaxKeys = size_t(1) << 20;

  explicit RateLimiter(uint64_t interval_ns = kDefaultIntervalNs, size_t max_keys = kDefaultMaxKeys);

  // True when no allow(key, t) returned true for t in (now_ns - interval,
  // now_ns] (and since the last forget(key)); records now_ns when it does.
  bool allow(PolicyId key, uint64_t now_ns);
  // The next allow(key, ...) is true (capacity permitting).
  void forget(PolicyId key);

  uint64_t interval_ns() const { return interval_; }
  size_t max_keys() const { return max_keys_; }
  size_t size() const;            // entries held (keys remembered, plus forgotten ones not aged out)
  uint64_t denied_full() const;   // allow() refused because max_keys entries were held

 private:
  void age(uint64_t now_ns);

  const uint64_t interval_;
  const size_t max_keys_;
  mutable std::mutex m_;
  std::unordered_map<PolicyId, uint64_t> last_;       // key -> time it was last allowed
  std::deque<std::pair<PolicyId, uint64_t>> order_;   // (key, time) in allowance order
  uint64_t denied_full_ = 0;
};

}  // namespace esp::runtime::detail
