// EventQueue, to_string and describe: the queue mode (eventfd readable exactly
// while events are pending), the bounded ring and its overflow count, callback
// mode (delivery thread, re-entrancy, switching), and a stress test with four
// producers, a poller on the fd and a callback consumer (label tsan: run under
// ThreadSanitizer by `make test`).
#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "esp/runtime/events.hpp"

using esp::runtime::Direction;
using esp::runtime::Event;
using esp::runtime::EventQueue;
using esp::runtime::EventType;
using esp::runtime::ExpireCause;
using esp::runtime::IpAddr;
using esp::runtime::SaId;

namespace {

// The fd as poll(2) sees it, without waiting.
bool fd_readable(const EventQueue& q) {
  pollfd p{q.fd(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

Event numbered(uint32_t card, uint64_t n) {
  Event e;
  e.type = EventType::ReplayThreshold;
  e.card = card;
  e.count = n;
  return e;
}

TEST(EventNames, EveryTypeAndCauseHasItsOwnName) {
  const std::vector<std::pair<EventType, std::string>> types = {
      {EventType::SoftExpire, "soft-expire"},           {EventType::HardExpire, "hard-expire"},
      {EventType::Acquire, "acquire"},                  {EventType::ReplayThreshold, "replay-threshold"},
      {EventType::AuthFailThreshold, "auth-fail-threshold"}, {EventType::CardReset, "card-reset"},
  };
  for (const auto& [t, name] : types) EXPECT_EQ(to_string(t), name);
  const std::vector<std::pair<ExpireCause, std::string>> causes = {
      {ExpireCause::None, "none"},       {ExpireCause::Bytes, "bytes"},       {ExpireCause::Packets, "packets"},
      {ExpireCause::Seconds, "seconds"}, {ExpireCause::Sequence, "sequence"},
  };
  for (const auto& [c, name] : causes) EXPECT_EQ(to_string(c), name);
}

TEST(EventDescribe, OneLinePerEventType) {
  auto sa_event = [](EventType t, Direction d, ExpireCause c, uint64_t count) {
    Event e;
    e.type = t;
    e.sa = SaId{1, 17, 3};
    e.spi = 0x1001;
    e.dir = d;
    e.cause = c;
    e.count = count;
    e.card = 1;
    return e;
  };
  Event acq;
  acq.type = EventType::Acquire;
  acq.policy = 7;
  acq.reqid = 3;
  acq.src = IpAddr::parse("192.0.2.1");
  acq.dst = IpAddr::parse("192.0.2.2");
  acq.proto = 6;
  acq.sport = 1234;
  acq.dport = 80;
  Event acq6 = acq;
  acq6.src = IpAddr::parse("2001:db8::1");
  acq6.dst = IpAddr::parse("2001:db8::2");
  acq6.proto = 17;
  Event reset;
  reset.type = EventType::CardReset;
  reset.card = 2;

  const std::vector<std::pair<Event, std::string>> cases = {
      {sa_event(EventType::SoftExpire, Direction::Outbound, ExpireCause::Bytes, 0),
       "expire soft sa 1:17:3 spi 0x00001001 dir out cause bytes"},
      {sa_event(EventType::HardExpire, Direction::Inbound, ExpireCause::Seconds, 0),
       "expire hard sa 1:17:3 spi 0x00001001 dir in cause seconds"},
      {sa_event(EventType::HardExpire, Direction::Outbound, ExpireCause::Sequence, 0),
       "expire hard sa 1:17:3 spi 0x00001001 dir out cause sequence"},
      {sa_event(EventType::ReplayThreshold, Direction::Inbound, ExpireCause::None, 100),
       "replay-threshold sa 1:17:3 spi 0x00001001 dir in count 100"},
      {sa_event(EventType::AuthFailThreshold, Direction::Inbound, ExpireCause::None, 5),
       "auth-fail-threshold sa 1:17:3 spi 0x00001001 dir in count 5"},
      {acq, "acquire policy 7 reqid 3 proto 6 192.0.2.1:1234 -> 192.0.2.2:80"},
      {acq6, "acquire policy 7 reqid 3 proto 17 [2001:db8::1]:1234 -> [2001:db8::2]:80"},
      {reset, "card-reset card 2"},
  };
  for (const auto& [e, want] : cases) {
    const std::string got = describe(e);
    EXPECT_EQ(got, want);
    EXPECT_EQ(got.find('\n'), std::string::npos);
  }
}

TEST(EventClock, MonotonicNsIsMonotonic) {
  uint64_t prev = esp::runtime::monotonic_ns();
  EXPECT_GT(prev, 0u);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t now = esp::runtime::monotonic_ns();
    ASSERT_GE(now, prev);
    prev = now;
  }
}

TEST(EventQueue, CapacityIsAtLeastTwoAndZeroIsRefused) {
  EXPECT_THROW(EventQueue(0), std::invalid_argument);
  EXPECT_EQ(EventQueue(1).capacity(), 2u);
  EXPECT_EQ(EventQueue(2).capacity(), 2u);
  EXPECT_EQ(EventQueue(1000).capacity(), 1000u);
}

TEST(EventQueue, FdIsReadableExactlyWhileEventsArePending) {
  EventQueue q(16);
  std::vector<Event> out;
  EXPECT_FALSE(fd_readable(q));
  EXPECT_FALSE(q.wait(0));
  EXPECT_EQ(q.poll(out), 0u);
  EXPECT_FALSE(fd_readable(q));

  for (uint64_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(q.push(numbered(0, i)));
    EXPECT_TRUE(fd_readable(q));
  }
  EXPECT_TRUE(q.wait(0));
  EXPECT_EQ(q.size(), 5u);

  // A partial drain leaves it readable; the last event clears it.
  EXPECT_EQ(q.poll(out, 2), 2u);
  EXPECT_TRUE(fd_readable(q));
  EXPECT_EQ(q.poll(out, 2), 2u);
  EXPECT_TRUE(fd_readable(q));
  EXPECT_EQ(q.poll(out, 1), 1u);  // stops at max with the queue empty
  EXPECT_FALSE(fd_readable(q));
  EXPECT_EQ(q.size(), 0u);
  ASSERT_EQ(out.size(), 5u);
  for (uint64_t i = 0; i < 5; ++i) EXPECT_EQ(out[i].count, i);  // oldest first

  // And again: readability comes back with the next push.
  ASSERT_TRUE(q.push(numbered(0, 9)));
  EXPECT_TRUE(fd_readable(q));
  out.clear();
  EXPECT_EQ(q.poll(out), 1u);
  EXPECT_FALSE(fd_readable(q));
  EXPECT_EQ(q.dropped(), 0u);
}

TEST(EventQueue, FullQueueDropsAndCountsAndStaysReadable) {
  // Several rounds so that positions wrap around the ring.
  for (size_t cap : {2u, 3u, 8u, 100u}) {
    EventQueue q(cap);
    uint64_t next = 0, dropped = 0;
    for (int round = 0; round < 4; ++round) {
      const uint64_t first = next;
      for (size_t i = 0; i < cap + 3; ++i) {
        const bool ok = q.push(numbered(0, next++));
        EXPECT_EQ(ok, i < cap) << "cap " << cap << " push " << i;
        if (!ok) ++dropped;
      }
      EXPECT_EQ(q.dropped(), dropped);
      EXPECT_EQ(q.size(), cap);
      EXPECT_TRUE(fd_readable(q));
      std::vector<Event> out;
      ASSERT_EQ(q.poll(out), cap);
      for (size_t i = 0; i < cap; ++i) EXPECT_EQ(out[i].count, first + i);  // the first cap kept
      EXPECT_FALSE(fd_readable(q));
    }
  }
}

TEST(EventQueue, WaitWakesWhenAnotherThreadPushes) {
  EventQueue q(8);
  std::thread producer([&] { q.push(numbered(3, 42)); });
  EXPECT_TRUE(q.wait(-1));
  producer.join();
  std::vector<Event> out;
  ASSERT_EQ(q.poll(out), 1u);
  EXPECT_EQ(out[0].card, 3u);
  EXPECT_EQ(out[0].count, 42u);
  EXPECT_FALSE(q.wait(0));
}

// Collects callback deliveries; wait_for(n) blocks until n arrived.
struct Sink {
  std::mutex m;
  std::condition_variable cv;
  std::vector<Event> got;
  std::set<std::thread::id> threads;
  void operator()(const Event& e) {
    std::lock_guard<std::mutex> lk(m);
    got.push_back(e);
    threads.insert(std::this_thread::get_id());
    cv.notify_all();
  }
  bool wait_for(size_t n) {
    std::unique_lock<std::mutex> lk(m);
    // A hang guard, not a timing assertion.
    return cv.wait_for(lk, std::chrono::seconds(60), [&] { return got.size() >= n; });
  }
};

TEST(EventQueueCallback, PendingAndLaterEventsGoToTheCallbackOnItsOwnThread) {
  EventQueue q(16);
  Sink sink;
  for (uint64_t i = 0; i < 3; ++i) q.push(numbered(0, i));
  q.set_callback([&](const Event& e) { sink(e); });
  for (uint64_t i = 3; i < 10; ++i) q.push(numbered(0, i));
  ASSERT_TRUE(sink.wait_for(10));
  q.set_callback(nullptr);
  {
    std::lock_guard<std::mutex> lk(sink.m);
    ASSERT_EQ(sink.got.size(), 10u);
    for (uint64_t i = 0; i < 10; ++i) EXPECT_EQ(sink.got[i].count, i);
    ASSERT_EQ(sink.threads.size(), 1u);
    EXPECT_NE(*sink.threads.begin(), std::this_thread::get_id());
  }
  // Back in queue mode: nothing left, and new events wait for poll().
  EXPECT_FALSE(fd_readable(q));
  q.push(numbered(0, 10));
  EXPECT_TRUE(fd_readable(q));
  std::vector<Event> out;
  ASSERT_EQ(q.poll(out), 1u);
  EXPECT_EQ(out[0].count, 10u);
  EXPECT_EQ(sink.got.size(), 10u);
}

TEST(EventQueueCallback, CallbackRunsUnderNoLockOfThePusher) {
  // A "runtime lock" held across push(): a callback that takes it would
  // deadlock if push() called it in place.
  EventQueue q(16);
  std::mutex runtime_lock;
  Sink sink;
  q.set_callback([&](const Event& e) {
    std::lock_guard<std::mutex> lk(runtime_lock);
    sink(e);
  });
  {
    std::lock_guard<std::mutex> lk(runtime_lock);
    for (uint64_t i = 0; i < 4; ++i) q.push(numbered(0, i));
  }
  ASSERT_TRUE(sink.wait_for(4));
  q.set_callback(nullptr);
}

TEST(EventQueueCallback, CallbackMayPushAndSwitchModesFromInside) {
  // On event 0 the callback pushes event 100 (as add_sa on an acquire might
  // raise another event); on event 100 it goes back to queue mode. Event
  // 101, pushed with it, must then be in the queue, not lost.
  EventQueue q(16);
  Sink sink;
  q.set_callback([&](const Event& e) {
    sink(e);
    if (e.count == 0) q.push(numbered(0, 100));
    if (e.count == 100) {
      q.push(numbered(0, 101));
      q.set_callback(nullptr);
    }
  });
  q.push(numbered(0, 0));
  ASSERT_TRUE(sink.wait_for(2));
  // 101 is pushed after the sink saw 100: wait for it (hang guard 60 s per
  // wait; a wake-up with nothing left is allowed, see the header).
  std::vector<Event> out;
  for (int tries = 0; out.empty() && tries < 100; ++tries) {
    ASSERT_TRUE(q.wait(60000));
    q.poll(out);
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].count, 101u);
  EXPECT_FALSE(fd_readable(q));
  std::lock_guard<std::mutex> lk(sink.m);
  ASSERT_EQ(sink.got.size(), 2u);
  EXPECT_EQ(sink.got[0].count, 0u);
  EXPECT_EQ(sink.got[1].count, 100u);
}

TEST(EventQueueCallback, SetCallbackReturnsOnlyOnceTheOldCallbackIsDone) {
  EventQueue q(16);
  std::mutex m;
  std::condition_variable cv;
  bool inside = false, release = false;
  std::atomic<bool> finished{false};
  q.set_callback([&](const Event&) {
    std::unique_lock<std::mutex> lk(m);
    inside = true;
    cv.notify_all();
    cv.wait(lk, [&] { return release; });
    finished = true;
  });
  q.push(numbered(0, 0));
  {
    std::unique_lock<std::mutex> lk(m);
    ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(60), [&] { return inside; }));
  }
  std::atomic<bool> finished_at_return{false};
  std::thread switcher([&] {
    q.set_callback(nullptr);
    finished_at_return = finished.load();
  });
  // Give the switcher time to reach set_callback: if set_callback did not
  // wait, it would return now, before the callback finishes.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard<std::mutex> lk(m);
    release = true;
  }
  cv.notify_all();
  switcher.join();
  EXPECT_TRUE(finished_at_return.load());
}

TEST(EventQueueCallback, DestroyingTheQueueStopsTheDeliveryThread) {
  Sink sink;
  {
    EventQueue q(16);
    q.set_callback([&](const Event& e) { sink(e); });
    q.push(numbered(0, 1));
    ASSERT_TRUE(sink.wait_for(1));
  }
  EXPECT_EQ(sink.got.size(), 1u);
}

// The race a lost wake-up hides in: the producer pushes the next event just
// as the delivery thread finds the ring empty and clears the eventfd. The
// producer spins until the callback has taken the previous event, then waits
// a varying few hundred nanoseconds, so that its pushes sweep across the
// delivery thread's way from the callback back to sleep. Each event must
// still be delivered (a lost one leaves the producer waiting: hang guard 60 s).
TEST(EventQueueCallback, EventPushedWhileTheConsumerGoesIdleIsNotLost) {
  constexpr uint64_t kRounds = 5000;
  EventQueue q(4);
  std::atomic<uint64_t> taken{0};
  q.set_callback([&](const Event&) { taken.fetch_add(1, std::memory_order_release); });
  uint64_t lost_at = kRounds;
  std::atomic<uint64_t> sink{0};
  for (uint64_t k = 0; k < kRounds && lost_at == kRounds; ++k) {
    ASSERT_TRUE(q.push(numbered(0, k)));
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (taken.load(std::memory_order_acquire) != k + 1) {
      if (std::chrono::steady_clock::now() > give_up) {
        lost_at = k;
        break;
      }
    }
    for (uint64_t spin = 0; spin < (k * 7919) % 512; ++spin) sink.fetch_add(1, std::memory_order_relaxed);
  }
  q.set_callback(nullptr);
  EXPECT_EQ(lost_at, kRounds) << "event " << lost_at << " never reached the callback";
  EXPECT_EQ(q.dropped(), 0u);
}

// Four producers push numbered events; a poller drains through the fd until it
// has about half of them, then the queue switches to a callback consumer for
// the rest. Every event is received exactly once or counted as dropped, and
// each consumer sees every producer's events in push order. Run with a ring
// big enough for everything (no drop allowed) and with a small one (drops,
// wrap-around, producers meeting a full ring).
void stress(size_t capacity, bool expect_no_drop) {
  constexpr uint32_t kProducers = 4;
  constexpr uint64_t kPerProducer = 20000;
  constexpr uint64_t kTotal = kProducers * kPerProducer;
  EventQueue q(capacity);

  struct Seen {
    std::vector<std::vector<uint8_t>> got = std::vector<std::vector<uint8_t>>(kProducers, std::vector<uint8_t>(kPerProducer));
    std::vector<int64_t> last = std::vector<int64_t>(kProducers, -1);
    uint64_t n = 0;
    bool in_order = true;
    void take(const Event& e) {
      if (e.card >= kProducers || e.count >= kPerProducer) {
        in_order = false;
        return;
      }
      got[e.card][e.count]++;
      if (int64_t(e.count) <= last[e.card]) in_order = false;
      last[e.card] = int64_t(e.count);
      ++n;
    }
  };
  Seen by_poller, by_callback;
  std::atomic<uint32_t> finished{0};  // producers that pushed everything

  std::vector<std::thread> producers;
  for (uint32_t p = 0; p < kProducers; ++p) {
    producers.emplace_back([&q, &finished, p] {
      for (uint64_t i = 0; i < kPerProducer; ++i) q.push(numbered(p, i));
      finished.fetch_add(1);
    });
  }

  bool lost_wakeup = false;
  std::thread poller([&] {
    std::vector<Event> batch;
    while (by_poller.n < kTotal / 2) {
      // Once the producers are all done, an fd that is not readable must
      // mean an empty queue (no lost wake-up). Before that, a silent fd may
      // just mean the poller took everything so far: wait in short slices so
      // as to notice the producers finishing.
      const bool all_done = finished.load() == kProducers;
      pollfd p{q.fd(), POLLIN, 0};
      const int r = ::poll(&p, 1, all_done ? 0 : 10);
      if (r == 0) {
        if (!all_done) continue;
        if (q.size() != 0) lost_wakeup = true;
        break;
      }
      batch.clear();
      q.poll(batch, 256);
      for (const Event& e : batch) by_poller.take(e);
    }
  });

  std::mutex m;
  std::condition_variable cv;
  poller.join();
  q.set_callback([&](const Event& e) {
    std::lock_guard<std::mutex> lk(m);
    by_callback.take(e);
    cv.notify_all();
  });
  for (auto& t : producers) t.join();
  {
    std::unique_lock<std::mutex> lk(m);
    ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(120),
                            [&] { return by_poller.n + by_callback.n + q.dropped() >= kTotal; }))
        << "poller " << by_poller.n << " callback " << by_callback.n << " dropped " << q.dropped();
  }
  q.set_callback(nullptr);

  EXPECT_FALSE(lost_wakeup);
  EXPECT_TRUE(by_poller.in_order);
  EXPECT_TRUE(by_callback.in_order);
  EXPECT_EQ(by_poller.n + by_callback.n + q.dropped(), kTotal);
  uint64_t missing = 0, twice = 0;
  for (uint32_t p = 0; p < kProducers; ++p) {
    for (uint64_t i = 0; i < kPerProducer; ++i) {
      const int k = by_poller.got[p][i] + by_callback.got[p][i];
      if (k == 0) ++missing;
      if (k > 1) ++twice;
    }
  }
  EXPECT_EQ(twice, 0u);
  EXPECT_EQ(missing, q.dropped());
  if (expect_no_drop) {
    EXPECT_EQ(q.dropped(), 0u);
  }
  EXPECT_EQ(q.size(), 0u);
  EXPECT_FALSE(fd_readable(q));
}

TEST(EventQueueStress, FourProducersPollerThenCallbackNoDrop) { stress(4 * 20000, true); }
TEST(EventQueueStress, FourProducersPollerThenCallbackSmallRing) { stress(64, false); }

}  // namespace
