// detail::LifetimeTimers: soft/hard deadlines per SA, each fired once, a soft
// not yet fired dropped by its hard; checked case by case, against a plain
// reference model under random operations, and with 1M SAs armed.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include "esp/runtime/detail/lifetime_timers.hpp"

using esp::runtime::EventType;
using esp::runtime::SaId;
using esp::runtime::detail::LifetimeTimers;
using Fired = std::vector<std::pair<SaId, EventType>>;

namespace {

constexpr EventType kSoft = EventType::SoftExpire;
constexpr EventType kHard = EventType::HardExpire;

SaId sa(uint32_t i) { return SaId{i % 4, i, 1 + i % 7}; }

struct Step {
  uint64_t now;
  Fired want;  // in order
};
struct Case {
  const char* name;
  uint64_t soft, hard;
  std::vector<Step> steps;
  bool armed_after;
};

TEST(LifetimeTimers, OneSaCaseByCase) {
  const SaId a = sa(1);
  const std::vector<Case> cases = {
      {"soft then hard", 10, 20, {{5, {}}, {10, {{a, kSoft}}}, {15, {}}, {20, {{a, kHard}}}, {99, {}}}, false},
      {"both due at once: hard only", 10, 20, {{25, {{a, kHard}}}, {99, {}}}, false},
      {"soft after hard never fires", 20, 10, {{15, {{a, kHard}}}, {30, {}}}, false},
      {"soft equal to hard never fires", 10, 10, {{10, {{a, kHard}}}, {30, {}}}, false},
      {"soft only fires once, SA stays armed", 10, 0, {{9, {}}, {10, {{a, kSoft}}}, {1000, {}}}, true},
      {"hard only", 0, 10, {{9, {}}, {10, {{a, kHard}}}}, false},
      {"neither: nothing kept", 0, 0, {{UINT64_MAX, {}}}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    LifetimeTimers t;
    t.arm(a, c.soft, c.hard);
    for (const Step& s : c.steps) {
      Fired got;
      t.expired(s.now, got);
      EXPECT_EQ(got, s.want) << "at " << s.now;
    }
    EXPECT_EQ(t.armed(a), c.armed_after);
  }
}

TEST(LifetimeTimers, EmptyAndUnknown) {
  LifetimeTimers t;
  EXPECT_EQ(t.next_deadline(), LifetimeTimers::kNone);
  EXPECT_FALSE(t.cancel(sa(1)));
  EXPECT_FALSE(t.rearm(sa(1), 5, 6));
  EXPECT_FALSE(t.armed(sa(1)));
  t.arm(sa(1), 50, 70);
  t.arm(sa(2), 0, 30);
  EXPECT_EQ(t.next_deadline(), 30u);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.pending(), 3u);
  // A different generation of the same slot is another SA.
  EXPECT_FALSE(t.cancel(SaId{sa(1).card, sa(1).index, sa(1).generation + 1}));
  EXPECT_TRUE(t.cancel(sa(2)));
  EXPECT_EQ(t.next_deadline(), 50u);
  EXPECT_TRUE(t.cancel(sa(1)));
  EXPECT_EQ(t.next_deadline(), LifetimeTimers::kNone);
  EXPECT_EQ(t.pending(), 0u);
}

TEST(LifetimeTimers, RearmMovesDeadlinesButAFiredSoftStaysFired) {
  const SaId a = sa(3);
  LifetimeTimers t;
  t.arm(a, 100, 200);
  ASSERT_TRUE(t.rearm(a, 50, 300));
  EXPECT_EQ(t.next_deadline(), 50u);
  Fired got;
  t.expired(60, got);
  EXPECT_EQ(got, (Fired{{a, kSoft}}));
  ASSERT_TRUE(t.rearm(a, 400, 500));  // soft already fired: not again
  got.clear();
  t.expired(450, got);
  EXPECT_TRUE(got.empty());
  ASSERT_TRUE(t.rearm(a, 0, 0));  // no limits any more; still armed
  EXPECT_EQ(t.next_deadline(), LifetimeTimers::kNone);
  EXPECT_TRUE(t.armed(a));
  // arm() starts afresh: the soft fires again.
  t.arm(a, 600, 0);
  got.clear();
  t.expired(600, got);
  EXPECT_EQ(got, (Fired{{a, kSoft}}));
}

// The semantics, written plainly: O(n) per call.
struct Model {
  struct R {
    uint64_t soft = 0, hard = 0;
    bool fired = false;
  };
  std::map<uint32_t, R> m;
  void arm(uint32_t i, uint64_t s, uint64_t h) {
    m.erase(i);
    if (s || h) m[i] = R{s, h, false};
  }
  bool cancel(uint32_t i) { return m.erase(i) != 0; }
  bool rearm(uint32_t i, uint64_t s, uint64_t h) {
    auto it = m.find(i);
    if (it == m.end()) return false;
    if (!it->second.fired) it->second.soft = s;
    it->second.hard = h;
    return true;
  }
  uint64_t next() const {
    uint64_t n = LifetimeTimers::kNone;
    for (const auto& [i, r] : m) {
      if (r.soft) n = std::min(n, r.soft);
      if (r.hard) n = std::min(n, r.hard);
    }
    return n;
  }
  // (deadline, id, type) of everything due, in no particular order.
  std::vector<std::tuple<uint64_t, uint32_t, EventType>> expired(uint64_t now) {
    std::vector<std::tuple<uint64_t, uint32_t, EventType>> out;
    for (auto it = m.begin(); it != m.end();) {
      R& r = it->second;
      if (r.hard && r.hard <= now) {
        out.emplace_back(r.hard, it->first, kHard);
        it = m.erase(it);
        continue;
      }
      if (r.soft && r.soft <= now) {
        out.emplace_back(r.soft, it->first, kSoft);
        r.soft = 0;
        r.fired = true;
      }
      ++it;
    }
    return out;
  }
};

TEST(LifetimeTimers, AgreesWithAPlainModelUnderRandomOperations) {
  std::mt19937_64 rng(11);
  constexpr uint32_t kIds = 500;
  LifetimeTimers t;
  Model model;
  uint64_t now = 1;
  size_t fired_total = 0;
  for (int op = 0; op < 60000; ++op) {
    const uint32_t i = uint32_t(rng() % kIds);
    auto deadline = [&] { return rng() % 5 == 0 ? 0 : now + rng() % 2000; };
    switch (rng() % 6) {
      case 0:
      case 1: {
        const uint64_t s = deadline(), h = deadline();
        t.arm(sa(i), s, h);
        model.arm(i, s, h);
        break;
      }
      case 2:
        ASSERT_EQ(t.cancel(sa(i)), model.cancel(i));
        break;
      case 3: {
        const uint64_t s = deadline(), h = deadline();
        ASSERT_EQ(t.rearm(sa(i), s, h), model.rearm(i, s, h));
        break;
      }
      default: {
        now += rng() % 60;
        Fired got;
        t.expired(now, got);
        auto want = model.expired(now);
        ASSERT_EQ(got.size(), want.size()) << "op " << op;
        // Same set, and earliest first.
        std::vector<std::pair<uint32_t, EventType>> g, w;
        for (const auto& [id, type] : got) g.emplace_back(id.index, type);
        for (const auto& [d, id, type] : want) w.emplace_back(id, type);
        std::sort(g.begin(), g.end());
        std::sort(w.begin(), w.end());
        ASSERT_EQ(g, w) << "op " << op;
        std::map<std::pair<uint32_t, EventType>, uint64_t> when;
        for (const auto& [d, id, type] : want) when[{id, type}] = d;
        for (size_t k = 1; k < got.size(); ++k) {
          const uint64_t before = when[std::make_pair(got[k - 1].first.index, got[k - 1].second)];
          const uint64_t after = when[std::make_pair(got[k].first.index, got[k].second)];
          ASSERT_LE(before, after);
        }
        fired_total += got.size();
        break;
      }
    }
    ASSERT_EQ(t.next_deadline(), model.next()) << "op " << op;
    ASSERT_EQ(t.size(), model.m.size()) << "op " << op;
    for (uint32_t k = 0; k < kIds; k += 50) ASSERT_EQ(t.armed(sa(k)), model.m.count(k) != 0);
  }
  EXPECT_GT(fired_total, 1000u);  // the test exercised expiry
}

TEST(LifetimeTimers, OneMillionSasEachFireOnceInDeadlineOrder) {
  constexpr uint32_t kSas = 1000000;
  constexpr uint64_t kSpan = 1000000000;  // deadlines within 1 s
  std::mt19937_64 rng(5);
  std::vector<uint64_t> soft(kSas), hard(kSas);
  LifetimeTimers t;
  t.reserve(kSas);
  uint64_t first = UINT64_MAX;
  for (uint32_t i = 0; i < kSas; ++i) {
    soft[i] = 1 + rng() % kSpan;
    hard[i] = soft[i] + 1 + rng() % kSpan;
    first = std::min(first, soft[i]);
    t.arm(SaId{0, i, 1}, soft[i], hard[i]);
  }
  EXPECT_EQ(t.size(), kSas);
  EXPECT_EQ(t.next_deadline(), first);

  constexpr uint64_t kStep = kSpan / 50;
  std::vector<uint8_t> soft_seen(kSas), hard_seen(kSas);
  Fired got;
  uint64_t bad_order = 0, bad_soft = 0;
  for (uint64_t now = 0; now <= 2 * kSpan + kStep; now += kStep) {
    got.clear();
    t.expired(now, got);
    uint64_t prev = 0;
    for (const auto& [id, type] : got) {
      const uint32_t i = id.index;
      const uint64_t d = type == kSoft ? soft[i] : hard[i];
      if (d < prev || d > now) ++bad_order;
      prev = d;
      (type == kSoft ? soft_seen : hard_seen)[i]++;
    }
    // A soft due in the same call as its hard is dropped.
    for (const auto& [id, type] : got) {
      if (type == kSoft && hard[id.index] <= now) ++bad_soft;
    }
  }
  EXPECT_EQ(bad_order, 0u);
  EXPECT_EQ(bad_soft, 0u);
  uint64_t hard_wrong = 0, soft_wrong = 0;
  for (uint32_t i = 0; i < kSas; ++i) {
    if (hard_seen[i] != 1) ++hard_wrong;
    // Steps are at multiples of kStep: soft fires alone iff some step lies in [soft, hard).
    const uint64_t step_at_or_after_soft = (soft[i] + kStep - 1) / kStep * kStep;
    const bool alone = step_at_or_after_soft < hard[i];
    if (soft_seen[i] != (alone ? 1 : 0)) ++soft_wrong;
  }
  EXPECT_EQ(hard_wrong, 0u);
  EXPECT_EQ(soft_wrong, 0u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.pending(), 0u);
  EXPECT_EQ(t.next_deadline(), LifetimeTimers::kNone);
}

}  // namespace
