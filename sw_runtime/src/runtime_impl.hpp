// Runtime internals (private to runtime*.cpp and queue*.cpp): the cards with
// their engines and executor threads, per-SA host state, SPI reservations,
// the SPD, events, lifetimes and the housekeeping thread.
//
// Locks, always taken in this order: Impl::ctl (host tables) -> a card's
// Engine lock (inside Engine / EnginePort) -> leaf locks (pending lists,
// an executor's job queue, a queue's completion lock, the EventQueue's own).
// Data-plane threads never take ctl.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "esp/runtime/detail/engine_port.hpp"
#include "esp/runtime/detail/lifetime_timers.hpp"
#include "esp/runtime/detail/rate_limiter.hpp"
#include "esp/runtime/engine.hpp"
#include "esp/runtime/runtime.hpp"

namespace esp::runtime {

namespace detail {

// One card's kernel runs, on a thread of its own: the queues hand it batches
// and fill their next one while it runs.
class CardExecutor {
 public:
  CardExecutor();
  ~CardExecutor();
  CardExecutor(const CardExecutor&) = delete;
  CardExecutor& operator=(const CardExecutor&) = delete;
  void post(std::function<void()> job);

 private:
  void loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::thread thread_;
};

// The traffic selectors of an SA (RFC 4301 5.2 inbound check).
struct SaSelectors {
  std::vector<TrafficSelector> src, dst;
};

// Host state of one SA slot of a card. The atomics are touched by data-plane
// threads; the rest only under Runtime::Impl::ctl.
struct SlotMeta {
  std::atomic<uint64_t> last_use_ns{0};
  std::atomic<uint32_t> soft_gen{0};  // the generation whose soft expiry was noted
  std::atomic<uint32_t> hard_gen{0};  // the generation whose hard expiry was noted
  std::atomic<uint64_t> replays{0}, auth_fails{0};
  std::shared_ptr<const SaSelectors> ts;  // std::atomic_load / atomic_store; null = any
  std::atomic<bool> has_ts{false};
  // ctl
  uint32_t reqid = 0;
  uint64_t installed_ns = 0;
  Lifetime soft, hard;
  bool soft_fired = false;
};

struct Card {
  uint32_t id = 0;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<SlotMeta[]> meta;
  std::atomic<size_t> load{0};  // SAs installed
  std::unique_ptr<CardExecutor> exec;
};

}  // namespace detail

struct Runtime::Impl {
  RuntimeOptions opts;
  std::vector<std::unique_ptr<detail::Card>> cards;
  Spd spd;
  EventQueue events;

  mutable std::mutex ctl;
  std::unordered_set<uint32_t> reserved;             // get_spi'd, not yet installed
  std::unordered_map<uint32_t, SaId> inbound;        // installed inbound SPIs
  detail::LifetimeTimers timers;

  // Leaf: expiries the data plane noted, handled by tick().
  std::mutex pend_mu;
  std::vector<std::pair<SaId, EventType>> pending;
  detail::RateLimiter acquires;  // thread-safe

  std::mutex hk_mu;
  std::condition_variable hk_cv;
  bool hk_stop = false;
  std::thread housekeeping;

  Impl(std::vector<std::unique_ptr<driver::Device>> devs, const RuntimeOptions& o);
  ~Impl();

  detail::Card& card(uint32_t c);
  detail::Card& card_of(SaId sa, const char* what);
  detail::SlotMeta& meta(SaId sa) { return cards[sa.card]->meta[sa.index]; }
  bool live(SaId sa) const;

  // Data plane -> housekeeping (leaf lock).
  void note_expiry(SaId sa, EventType t);
  void raise_acquire(const Spd::Match& m, const Packet& p);
  void raise(Event e);

  // ctl held
  std::vector<SaId> add_locked(const std::vector<SaConfig>& cfgs);
  void del_locked(const std::vector<SaId>& sas);
  void tick_locked(std::vector<SaId>& to_delete);
};

}  // namespace esp::runtime
