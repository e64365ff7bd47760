// EventLoop: timers (order, cancel, callbacks adding/cancelling), post() from
// four threads, stop() from another thread and from callbacks, fd watches
// (unwatch own fd, unwatch another fd in the same round, replace a callback).
// No wall-clock asserts: only order and counts. Every run() is bounded by a
// watchdog timer that only fires in a hung test.
#include "esp/ike/event_loop.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace esp::ike;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// run() with a watchdog: a hung test fails instead of hanging.
void run_bounded(EventLoop& loop, seconds limit = seconds(60)) {
  const auto dog = loop.add_timer(limit, [&loop] {
    ADD_FAILURE() << "event loop test hung";
    loop.stop();
  });
  loop.run();
  loop.cancel_timer(dog);
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    ::close(r);
    ::close(w);
  }
  void put(const char* s) const { ASSERT_EQ(::write(w, s, strlen(s)), static_cast<ssize_t>(strlen(s))); }
  char get() const {
    char c = 0;
    EXPECT_EQ(::read(r, &c, 1), 1);
    return c;
  }
};

TEST(EventLoop, TimersFireInDeadlineOrder) {
  EventLoop loop;
  std::vector<int> ran;
  for (int ms : {40, 10, 30, 0, 20}) loop.add_timer(milliseconds(ms), [&ran, ms] { ran.push_back(ms); });
  loop.add_timer(milliseconds(50), [&] { loop.stop(); });
  EXPECT_EQ(loop.timer_count(), 6u);
  run_bounded(loop);
  EXPECT_EQ(ran, (std::vector<int>{0, 10, 20, 30, 40}));
  EXPECT_EQ(loop.timer_count(), 0u);
}

TEST(EventLoop, CancelledTimersDoNotRun) {
  EventLoop loop;
  std::vector<std::string> ran;
  const auto a = loop.add_timer(milliseconds(5), [&] { ran.push_back("a"); });
  const auto b = loop.add_timer(milliseconds(5), [&] { ran.push_back("b"); });
  EXPECT_TRUE(loop.cancel_timer(a));
  EXPECT_FALSE(loop.cancel_timer(a));
  EXPECT_FALSE(loop.cancel_timer(0));
  loop.add_timer(milliseconds(10), [&] { loop.stop(); });
  run_bounded(loop);
  EXPECT_EQ(ran, (std::vector<std::string>{"b"}));
  EXPECT_FALSE(loop.cancel_timer(b));  // already ran
}

TEST(EventLoop, ATimerCancelsAnotherDueInTheSameRound) {
  EventLoop loop;
  std::vector<std::string> ran;
  EventLoop::TimerId second = 0;
  // Both are due before run() starts, so they are dispatched in one round.
  loop.add_timer(milliseconds(0), [&] {
    ran.push_back("first");
    EXPECT_TRUE(loop.cancel_timer(second));
  });
  second = loop.add_timer(milliseconds(0), [&] { ran.push_back("second"); });
  loop.add_timer(milliseconds(5), [&] { loop.stop(); });
  run_bounded(loop);
  EXPECT_EQ(ran, (std::vector<std::string>{"first"}));
}

TEST(EventLoop, CallbacksAddTimers) {
  EventLoop loop;
  std::vector<std::string> ran;
  // A chain: each timer adds the next; a zero-delay timer added in a
  // callback runs later, never inside the running one.
  int depth = 0;
  std::function<void()> step = [&] {
    ran.push_back("step" + std::to_string(depth));
    if (++depth < 5) {
      loop.add_timer(milliseconds(depth % 2), step);
    } else {
      loop.add_timer(milliseconds(1), [&] { loop.stop(); });
    }
    ran.push_back("end" + std::to_string(depth - 1));
  };
  loop.add_timer(milliseconds(1), step);
  run_bounded(loop);
  std::vector<std::string> want;
  for (int i = 0; i < 5; ++i) {
    want.push_back("step" + std::to_string(i));
    want.push_back("end" + std::to_string(i));
  }
  EXPECT_EQ(ran, want);
}

TEST(EventLoop, ATimerReArmingAtZeroDoesNotStarveFdsOrPosts) {
  EventLoop loop;
  Pipe p;
  int spins = 0;
  bool fd_seen = false, post_seen = false;
  loop.watch(p.r, [&] {
    p.get();
    fd_seen = true;
    if (post_seen) loop.stop();
  });
  std::function<void()> spin = [&] {
    if (++spins == 1) {  // once spinning, make an fd readable and post
      p.put("x");
      loop.post([&] {
        post_seen = true;
        if (fd_seen) loop.stop();
      });
    }
    loop.add_timer(milliseconds(0), spin);  // due at once, but in a later round
  };
  loop.add_timer(milliseconds(0), spin);
  run_bounded(loop);
  EXPECT_TRUE(fd_seen);
  EXPECT_TRUE(post_seen);
  EXPECT_GE(spins, 1);
}

TEST(EventLoop, PostFromFourThreadsAllRunInOrderPerThread) {
  EventLoop loop;
  constexpr int kThreads = 4, kEach = 2000;
  std::vector<std::vector<int>> seen(kThreads);  // touched only on the loop thread
  int total = 0;
  std::vector<std::thread> threads;
  std::atomic<bool> off_loop{true};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        loop.post([&, t, i] {
          if (!loop.in_loop_thread()) off_loop = false;
          seen[static_cast<std::size_t>(t)].push_back(i);
          if (++total == kThreads * kEach) loop.stop();
        });
      }
    });
  }
  run_bounded(loop);
  for (auto& th : threads) th.join();
  EXPECT_EQ(total, kThreads * kEach);
  EXPECT_TRUE(off_loop.load());
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(seen[static_cast<std::size_t>(t)].size(), static_cast<std::size_t>(kEach));
    for (int i = 0; i < kEach; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)], i);
  }
}

TEST(EventLoop, StopFromAnotherThread) {
  EventLoop loop;
  std::promise<void> running;
  loop.post([&] { running.set_value(); });
  std::thread stopper([&] {
    running.get_future().wait();
    loop.stop();
  });
  int ticks = 0;
  // Keeps the loop busy until stopped (a timer that re-arms itself).
  std::function<void()> tick = [&] {
    ++ticks;
    loop.add_timer(milliseconds(1), tick);
  };
  loop.add_timer(milliseconds(1), tick);
  run_bounded(loop);
  stopper.join();
  EXPECT_FALSE(loop.in_loop_thread());
  // The loop can run again afterwards.
  bool again = false;
  loop.post([&] {
    again = true;
    loop.stop();
  });
  run_bounded(loop);
  EXPECT_TRUE(again);
}

TEST(EventLoop, StopBeforeRunReturnsAtOnceAndOnlyOnce) {
  EventLoop loop;
  bool ran = false;
  loop.post([&] { ran = true; });
  loop.stop();
  loop.run();  // returns at once: nothing ran
  EXPECT_FALSE(ran);
  loop.post([&] { loop.stop(); });
  run_bounded(loop);
  EXPECT_TRUE(ran);
}

TEST(EventLoop, StopInsideACallbackSkipsTheRestOfTheRound) {
  EventLoop loop;
  std::vector<int> ran;
  loop.post([&] {
    ran.push_back(1);
    loop.stop();
  });
  loop.post([&] { ran.push_back(2); });
  run_bounded(loop);
  EXPECT_EQ(ran, (std::vector<int>{1}));
  loop.post([&] { loop.stop(); });
  run_bounded(loop);  // the leftover runs on the next run()
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
}

TEST(EventLoop, ExceptionFromACallbackLeavesRunAndTheLoopGoesOn) {
  EventLoop loop;
  loop.post([] { throw std::runtime_error("boom"); });
  bool after = false;
  loop.post([&] {
    after = true;
    loop.stop();
  });
  EXPECT_THROW(loop.run(), std::runtime_error);
  EXPECT_FALSE(after);
  run_bounded(loop);
  EXPECT_TRUE(after);
}

TEST(EventLoop, WatchAndUnwatchOwnFd) {
  EventLoop loop;
  Pipe p;
  std::string got;
  loop.watch(p.r, [&] {
    got += p.get();
    if (got.size() == 2) loop.unwatch(p.r);  // its own fd, from its callback
  });
  EXPECT_EQ(loop.watch_count(), 1u);
  p.put("abcd");  // stays readable: a watch left behind would be called again
  // Three more rounds of the loop, then stop.
  loop.post([&] { loop.post([&] { loop.post([&] { loop.stop(); }); }); });
  run_bounded(loop);
  EXPECT_EQ(got, "ab");
  EXPECT_EQ(loop.watch_count(), 0u);
  loop.unwatch(p.r);  // unknown now: ignored
}

TEST(EventLoop, UnwatchAnotherFdReadyInTheSameRound) {
  EventLoop loop;
  Pipe p1, p2;
  int calls = 0;
  loop.watch(p1.r, [&] {
    ++calls;
    p1.get();
    loop.unwatch(p2.r);
  });
  loop.watch(p2.r, [&] {
    ++calls;
    p2.get();
    loop.unwatch(p1.r);
  });
  p1.put("x");
  p2.put("y");
  // Both are ready before run(): whichever runs first silences the other.
  loop.post([&] { loop.post([&] { loop.stop(); }); });
  run_bounded(loop);
  EXPECT_EQ(calls, 1);
}

TEST(EventLoop, RewatchReplacesTheCallbackEvenFromInsideIt) {
  EventLoop loop;
  Pipe p;
  std::string log;
  loop.watch(p.r, [&] {
    log += std::string("old:") + p.get() + " ";
    loop.watch(p.r, [&] {
      log += std::string("new:") + p.get() + " ";
      loop.stop();
    });
  });
  EXPECT_EQ(loop.watch_count(), 1u);
  p.put("12");
  run_bounded(loop);
  EXPECT_EQ(log, "old:1 new:2 ");
}

TEST(EventLoop, WatchRefusesABadFd) {
  EventLoop loop;
  EXPECT_THROW(loop.watch(-1, [] {}), NetError);
  EXPECT_EQ(loop.watch_count(), 0u);
}

TEST(EventLoop, TimersPostsAndFdsInterleave) {
  EventLoop loop;
  Pipe p;
  std::vector<std::string> ran;
  loop.watch(p.r, [&] {
    ran.push_back(std::string("fd:") + p.get());
    loop.add_timer(milliseconds(0), [&] {
      ran.push_back("timer");
      loop.post([&] {
        ran.push_back("post");
        loop.stop();
      });
    });
  });
  std::thread writer([&] { p.put("w"); });
  run_bounded(loop);
  writer.join();
  EXPECT_EQ(ran, (std::vector<std::string>{"fd:w", "timer", "post"}));
}

}  // namespace
