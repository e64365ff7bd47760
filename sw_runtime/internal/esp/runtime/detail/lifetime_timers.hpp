// Host-kept lifetimes in seconds: per SA a soft and a hard deadline on
// CLOCK_MONOTONIC (nanoseconds, esp::runtime::monotonic_ns()), and which of
// them are due. The card counts bytes and packets; time is the host's.
//
// Each SA fires its soft deadline at most once and its hard deadline at most
// once per arm(). A hard expire means the SA stops: once it fired, the SA is
// forgotten here, and a soft deadline that had not fired yet is dropped (also
// when both are due in the same expired() call). A soft deadline not before
// the hard one therefore never fires.
//
// One indexed 4-ary min-heap over all pending deadlines plus a hash map from
// SaId to its record: arm, cancel and rearm are O(log n), next_deadline() is
// O(1), expired() O(k log n) for k due deadlines. Roughly 130 bytes per SA.
//
// Not thread-safe: the runtime calls it under its own lock.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "esp/runtime/events.hpp"
#include "esp/runtime/sa_id.hpp"

namespace esp::runtime::detail {

class LifetimeTimers {
 public:
  static constexpr uint64_t kNone = UINT64_MAX;  // next_deadline() with nothing pending

  // Room for `sas` SAs without rehashing or reallocating (the runtime calls
  // it with the SA capacity when a card is opened). Optional.
  void reserve(size_t sas);

  // Starts timing an SA: deadlines in ns (0 = no such limit). An SA already
  // armed is replaced (its old deadlines and what already fired are
  // forgotten). With both deadlines 0 nothing is kept.
  void arm(SaId sa, uint64_t soft_ns_deadline, uint64_t hard_ns_deadline);
  // Stops timing an SA (deleted, or rekeyed and gone). False when not armed.
  bool cancel(SaId sa);
  // New deadlines for an armed SA (e.g. update_sa changed its lifetime), 0 =
  // none. A deadline that already fired does not fire again. False (and
  // nothing done) when the SA is not armed.
  bool rearm(SaId sa, uint64_t soft_ns_deadline, uint64_t hard_ns_deadline);

  // The earliest pending deadline, kNone when nothing is pending.
  uint64_t next_deadline() const { return heap_.empty() ? kNone : heap_.front().deadline; }
  // Appends to `out` every deadline <= now_ns, earliest first, as
  // (sa, SoftExpire | HardExpire), and removes them.
  void expired(uint64_t now_ns, std::vector<std::pair<SaId, EventType>>& out);

  bool armed(SaId sa) const { return index_.count(sa) != 0; }
  size_t size() const { return index_.size(); }        // SAs armed
  size_t pending() const { return heap_.size(); }      // deadlines not fired yet

 private:
  static constexpr uint32_t kNoPos = UINT32_MAX;
  struct Record {
    SaId sa;
    uint64_t soft = 0, hard = 0;  // pending deadlines (0 = none or fired)
    bool soft_fired = false;
    uint32_t pos[2] = {kNoPos, kNoPos};  // heap positions of soft, hard
  };
  struct Node {
    uint64_t deadline;
    uint32_t rec;
    uint32_t kind;  // 0 soft, 1 hard
  };

  void set(uint32_t rec, uint32_t kind, uint64_t deadline);
  void heap_erase(uint32_t pos);
  void heap_place(uint32_t pos, Node n);
  void sift_up(uint32_t pos);
  void sift_down(uint32_t pos);
  void release(uint32_t rec);

  std::vector<Node> heap_;
  std::vector<Record> recs_;
  std::vector<uint32_t> free_;
  std::unordered_map<SaId, uint32_t> index_;
};

}  // namespace esp::runtime::detail
