// ManualTimers (and the TimerQueue under it): deadline order, FIFO for equal
// deadlines, cancel, callbacks that add and cancel timers, now() while a
// timer runs.
#include "esp/ike/timers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace esp::ike;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

TEST(ManualTimers, RunInDeadlineOrderTiesInAddOrder) {
  struct Case {
    int after_ms;
    std::string name;
  };
  const std::vector<Case> cases = {{30, "c"}, {10, "a"}, {20, "b1"}, {20, "b2"}, {0, "z"}, {20, "b3"}};
  ManualTimers t;
  std::vector<std::string> ran;
  for (const Case& c : cases) t.add_timer(milliseconds(c.after_ms), [&ran, c] { ran.push_back(c.name); });
  EXPECT_EQ(t.pending(), cases.size());
  EXPECT_EQ(t.advance(milliseconds(25)), 5u);
  EXPECT_EQ(ran, (std::vector<std::string>{"z", "a", "b1", "b2", "b3"}));
  EXPECT_EQ(t.advance(milliseconds(4)), 0u);  // now 29 ms: c is not due
  EXPECT_EQ(t.advance(milliseconds(1)), 1u);
  EXPECT_EQ(ran.back(), "c");
  EXPECT_EQ(t.pending(), 0u);
}

TEST(ManualTimers, NowIsTheDeadlineWhileATimerRuns) {
  const auto start = Timers::Clock::time_point{} + seconds(100);
  ManualTimers t(start);
  std::vector<Timers::Clock::duration> seen;
  for (int ms : {7, 3, 5}) t.add_timer(milliseconds(ms), [&] { seen.push_back(t.now() - start); });
  t.advance(seconds(1));
  EXPECT_EQ(seen, (std::vector<Timers::Clock::duration>{milliseconds(3), milliseconds(5), milliseconds(7)}));
  EXPECT_EQ(t.now(), start + seconds(1));
}

TEST(ManualTimers, CancelOnlyPendingTimers) {
  ManualTimers t;
  int ran = 0;
  const auto a = t.add_timer(milliseconds(1), [&] { ++ran; });
  const auto b = t.add_timer(milliseconds(2), [&] { ran += 10; });
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(t.cancel_timer(b));
  EXPECT_FALSE(t.cancel_timer(b));       // already cancelled
  EXPECT_FALSE(t.cancel_timer(0));       // never an id
  EXPECT_FALSE(t.cancel_timer(b + 100)); // unknown
  t.advance(milliseconds(5));
  EXPECT_EQ(ran, 1);
  EXPECT_FALSE(t.cancel_timer(a));  // already ran
}

TEST(ManualTimers, CallbacksAddAndCancelTimers) {
  ManualTimers t;
  std::vector<std::string> ran;
  Timers::TimerId victim = 0;
  t.add_timer(milliseconds(10), [&] {
    ran.push_back("first");
    // Due inside this advance: runs in it, after what is already due at 10.
    t.add_timer(milliseconds(0), [&] { ran.push_back("added+0"); });
    t.add_timer(milliseconds(5), [&] { ran.push_back("added+5"); });
    t.add_timer(milliseconds(500), [&] { ran.push_back("added+500"); });
    EXPECT_TRUE(t.cancel_timer(victim));  // due at the same instant, not run yet
  });
  victim = t.add_timer(milliseconds(10), [&] { ran.push_back("victim"); });
  t.add_timer(milliseconds(10), [&] { ran.push_back("second"); });
  t.advance(milliseconds(100));
  EXPECT_EQ(ran, (std::vector<std::string>{"first", "second", "added+0", "added+5"}));
  EXPECT_EQ(t.pending(), 1u);
  EXPECT_EQ(t.run_next(), 1u);
  EXPECT_EQ(ran.back(), "added+500");
  EXPECT_EQ(t.run_next(), 0u);
}

TEST(ManualTimers, ATimerCanCancelItselfAndNegativeDurationsAreZero) {
  ManualTimers t;
  Timers::TimerId self = 0;
  bool cancel_result = true;
  self = t.add_timer(milliseconds(-5), [&] { cancel_result = t.cancel_timer(self); });
  EXPECT_EQ(t.next_deadline(), t.now());
  EXPECT_EQ(t.advance(milliseconds(-1)), 1u);  // zero: runs what is due now
  EXPECT_FALSE(cancel_result);                 // it is running: no longer pending
}

TEST(ManualTimers, ThousandsOfTimers) {
  ManualTimers t;
  constexpr int kN = 5000;
  std::vector<int> order;
  std::vector<Timers::TimerId> ids;
  // Deadlines in a scrambled order (i * 7919 mod kN is a permutation).
  for (int i = 0; i < kN; ++i) {
    const int d = (i * 7919) % kN;
    ids.push_back(t.add_timer(milliseconds(d), [&order, d] { order.push_back(d); }));
  }
  for (int i = 0; i < kN; i += 2) EXPECT_TRUE(t.cancel_timer(ids[static_cast<std::size_t>(i)]));
  EXPECT_EQ(t.advance(seconds(kN)), static_cast<std::size_t>(kN / 2));
  ASSERT_EQ(order.size(), static_cast<std::size_t>(kN / 2));
  for (std::size_t i = 1; i < order.size(); ++i) EXPECT_LT(order[i - 1], order[i]);
}

// The state machine codes against Timers&: both implementations fit.
void arm_three(Timers& t, std::vector<int>* out) {
  t.add_timer(milliseconds(2), [out] { out->push_back(2); });
  t.add_timer(milliseconds(1), [out] { out->push_back(1); });
  const auto id = t.add_timer(milliseconds(3), [out] { out->push_back(3); });
  t.cancel_timer(id);
}

TEST(ManualTimers, UsableThroughTheTimersInterface) {
  ManualTimers t;
  std::vector<int> out;
  arm_three(t, &out);
  t.advance(seconds(1));
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
}

}  // namespace
