// detail::RateLimiter: one acquire per policy per interval, forget(), the
// bound on what it remembers, and several threads at once.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "esp/runtime/detail/rate_limiter.hpp"

using esp::runtime::PolicyId;
using esp::runtime::detail::RateLimiter;

namespace {

struct Call {
  enum Kind { Allow, Forget } kind;
  PolicyId key;
  uint64_t now;
  bool want;  // Allow: the answer
};

struct LimiterCase {
  const char* name;
  uint64_t interval;
  size_t max_keys;
  std::vector<Call> calls;
};

TEST(RateLimiter, CaseByCase) {
  using C = Call;
  const std::vector<LimiterCase> cases = {
      {"one per key per interval",
       100,
       16,
       {{C::Allow, 1, 0, true},
        {C::Allow, 1, 50, false},
        {C::Allow, 1, 99, false},
        {C::Allow, 1, 100, true},
        {C::Allow, 2, 100, true},
        {C::Allow, 1, 150, false},
        {C::Allow, 2, 199, false},
        {C::Allow, 2, 200, true},
        {C::Allow, 1, 1000, true}}},
      {"a denied call does not restart the interval",
       100,
       16,
       {{C::Allow, 5, 10, true}, {C::Allow, 5, 90, false}, {C::Allow, 5, 110, true}}},
      {"forget allows at once",
       100,
       16,
       {{C::Allow, 1, 0, true},
        {C::Forget, 1, 0, false},
        {C::Allow, 1, 1, true},
        {C::Allow, 1, 2, false},
        {C::Forget, 9, 2, false},  // unknown key: nothing
        {C::Allow, 1, 3, false}}},
      {"a clock read earlier than the last allowance is within the interval",
       100,
       16,
       {{C::Allow, 1, 1000, true}, {C::Allow, 1, 990, false}, {C::Allow, 1, 1100, true}}},
      {"at most max_keys remembered: others refused until they age out",
       100,
       3,
       {{C::Allow, 1, 0, true},
        {C::Allow, 2, 10, true},
        {C::Allow, 3, 20, true},
        {C::Allow, 4, 30, false},
        {C::Allow, 1, 40, false},
        {C::Allow, 4, 100, true},  // key 1 aged out at 100
        {C::Allow, 5, 105, false},
        {C::Allow, 5, 110, true}}},
      {"interval 0 allows everything", 0, 4, {{C::Allow, 1, 5, true}, {C::Allow, 1, 5, true}, {C::Allow, 1, 5, true}}},
  };
  for (const LimiterCase& c : cases) {
    SCOPED_TRACE(c.name);
    RateLimiter rl(c.interval, c.max_keys);
    for (size_t k = 0; k < c.calls.size(); ++k) {
      const Call& call = c.calls[k];
      if (call.kind == Call::Forget) {
        rl.forget(call.key);
      } else {
        EXPECT_EQ(rl.allow(call.key, call.now), call.want) << "call " << k << " key " << call.key << " at " << call.now;
      }
    }
  }
}

TEST(RateLimiter, DefaultsAndRefusals) {
  RateLimiter rl;
  EXPECT_EQ(rl.interval_ns(), 1000000000u);
  EXPECT_EQ(rl.max_keys(), size_t(1) << 20);
  EXPECT_THROW(RateLimiter(100, 0), std::invalid_argument);

  RateLimiter small(100, 2);
  EXPECT_TRUE(small.allow(1, 0));
  EXPECT_TRUE(small.allow(2, 0));
  EXPECT_FALSE(small.allow(3, 0));
  EXPECT_FALSE(small.allow(1, 0));  // within its interval: not a capacity refusal
  EXPECT_EQ(small.denied_full(), 1u);
}

TEST(RateLimiter, MemoryIsBoundedByWhatOneIntervalAllowed) {
  // A new key every tick for a long time: only the last interval's keys stay.
  RateLimiter rl(100, 1 << 20);
  size_t most = 0;
  for (uint64_t t = 0; t < 200000; ++t) {
    ASSERT_TRUE(rl.allow(PolicyId(t + 1), t));
    most = std::max(most, rl.size());
  }
  EXPECT_LE(most, 101u);
  // forget + allow on one key within one interval cannot grow it past max_keys.
  RateLimiter tight(1000000, 8);
  for (int i = 0; i < 100; ++i) {
    tight.forget(1);
    tight.allow(1, 5);
    ASSERT_LE(tight.size(), 8u);
  }
}

TEST(RateLimiter, ManyThreadsOneKeyOneAllowancePerInterval) {
  // Eight threads hammer the same key at the same few instants: for each
  // instant group exactly one allow() is true.
  RateLimiter rl(100, 64);
  std::atomic<int> allowed{0};
  std::vector<std::thread> ts;
  for (int k = 0; k < 8; ++k) {
    ts.emplace_back([&] {
      for (uint64_t round = 0; round < 50; ++round) {
        for (int rep = 0; rep < 20; ++rep) {
          if (rl.allow(7, round * 1000)) allowed++;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  // Rounds 1000 ns apart with a 100 ns interval: at most one per round; a
  // thread that runs behind reads an earlier round time, which counts as
  // within the interval, so a round can also have none.
  EXPECT_GE(allowed.load(), 1);
  EXPECT_LE(allowed.load(), 50);
}

}  // namespace
