#include "esp/runtime/detail/lifetime_timers.hpp"

namespace esp::runtime::detail {

// A 4-ary heap: half the levels of a binary one, and a node's children share
// cache lines (with a million SAs most of the time goes to cache misses).
namespace {
constexpr uint32_t kArity = 4;
uint32_t parent_of(uint32_t pos) { return (pos - 1) / kArity; }
}  // namespace

void LifetimeTimers::reserve(size_t sas) {
  index_.reserve(sas);
  recs_.reserve(sas);
  heap_.reserve(2 * sas);
}

void LifetimeTimers::arm(SaId sa, uint64_t soft_ns_deadline, uint64_t hard_ns_deadline) {
  cancel(sa);
  if (soft_ns_deadline == 0 && hard_ns_deadline == 0) return;
  uint32_t rec;
  if (!free_.empty()) {
    rec = free_.back();
    free_.pop_back();
    recs_[rec] = Record{};
  } else {
    rec = uint32_t(recs_.size());
    recs_.emplace_back();
  }
  recs_[rec].sa = sa;
  index_.emplace(sa, rec);
  set(rec, 0, soft_ns_deadline);
  set(rec, 1, hard_ns_deadline);
}

bool LifetimeTimers::cancel(SaId sa) {
  auto it = index_.find(sa);
  if (it == index_.end()) return false;
  const uint32_t rec = it->second;
  index_.erase(it);
  release(rec);
  return true;
}

bool LifetimeTimers::rearm(SaId sa, uint64_t soft_ns_deadline, uint64_t hard_ns_deadline) {
  auto it = index_.find(sa);
  if (it == index_.end()) return false;
  const uint32_t rec = it->second;
  if (!recs_[rec].soft_fired) set(rec, 0, soft_ns_deadline);
  set(rec, 1, hard_ns_deadline);
  return true;
}

void LifetimeTimers::expired(uint64_t now_ns, std::vector<std::pair<SaId, EventType>>& out) {
  while (!heap_.empty() && heap_.front().deadline <= now_ns) {
    const Node n = heap_.front();
    Record& r = recs_[n.rec];
    if (n.kind == 1) {
      out.emplace_back(r.sa, EventType::HardExpire);
      index_.erase(r.sa);
      release(n.rec);  // drops a soft deadline still pending
      continue;
    }
    // Soft: dropped when the hard deadline is due in this same call.
    r.pos[0] = kNoPos;
    r.soft = 0;
    heap_erase(0);
    if (r.hard != 0 && r.hard <= now_ns) continue;
    r.soft_fired = true;
    out.emplace_back(r.sa, EventType::SoftExpire);
  }
}

void LifetimeTimers::set(uint32_t rec, uint32_t kind, uint64_t deadline) {
  Record& r = recs_[rec];
  (kind == 0 ? r.soft : r.hard) = deadline;
  const uint32_t pos = r.pos[kind];
  if (deadline == 0) {
    if (pos != kNoPos) {
      r.pos[kind] = kNoPos;
      heap_erase(pos);
    }
    return;
  }
  if (pos == kNoPos) {
    heap_.push_back(Node{deadline, rec, kind});
    r.pos[kind] = uint32_t(heap_.size() - 1);
    sift_up(r.pos[kind]);
    return;
  }
  const uint64_t old = heap_[pos].deadline;
  heap_[pos].deadline = deadline;
  if (deadline < old) {
    sift_up(pos);
  } else {
    sift_down(pos);
  }
}

void LifetimeTimers::release(uint32_t rec) {
  Record& r = recs_[rec];
  for (uint32_t kind = 0; kind < 2; ++kind) {
    if (r.pos[kind] != kNoPos) {
      const uint32_t pos = r.pos[kind];
      r.pos[kind] = kNoPos;
      heap_erase(pos);
    }
  }
  r = Record{};
  free_.push_back(rec);
}

// Removes the node at pos; the caller has already forgotten its position.
void LifetimeTimers::heap_erase(uint32_t pos) {
  const uint32_t last = uint32_t(heap_.size() - 1);
  if (pos != last) {
    const Node moved = heap_[last];
    heap_.pop_back();
    heap_place(pos, moved);
    if (pos > 0 && heap_[pos].deadline < heap_[parent_of(pos)].deadline) {
      sift_up(pos);
    } else {
      sift_down(pos);
    }
  } else {
    heap_.pop_back();
  }
}

void LifetimeTimers::heap_place(uint32_t pos, Node n) {
  heap_[pos] = n;
  recs_[n.rec].pos[n.kind] = pos;
}

void LifetimeTimers::sift_up(uint32_t pos) {
  const Node n = heap_[pos];
  while (pos > 0) {
    const uint32_t parent = parent_of(pos);
    if (heap_[parent].deadline <= n.deadline) break;
    heap_place(pos, heap_[parent]);
    pos = parent;
  }
  heap_place(pos, n);
}

void LifetimeTimers::sift_down(uint32_t pos) {
  const Node n = heap_[pos];
  const uint32_t size = uint32_t(heap_.size());
  for (;;) {
    const uint32_t first = kArity * pos + 1;
    if (first >= size) break;
    uint32_t child = first;
    const uint32_t end = first + kArity < size ? first + kArity : size;
    for (uint32_t c = first + 1; c < end; ++c) {
      if (heap_[c].deadline < heap_[child].deadline) child = c;
    }
    if (n.deadline <= heap_[child].deadline) break;
    heap_place(pos, heap_[child]);
    pos = child;
  }
  heap_place(pos, n);
}

}  // namespace esp::runtime::detail
