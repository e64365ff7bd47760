// The security policy database (RFC 4301 4.4.1): ordered policies with
// traffic selectors and an action, looked up per packet.
//
// Order: lower priority value wins; among equal priorities the policy added
// first wins (its PolicyId is smaller: ids are handed out increasing, from 1,
// never reused). A packet that matches no policy gets Match::id == 0 and
// action Discard (RFC 4301 5.1: no matching entry -> discard); the caller
// decides.
//
// Threading. Writers (add, add_batch, remove, set_sa, replace_sa, clear) may
// be called from any thread; they are serialised by an internal mutex, and
// each publishes a new immutable Snapshot before it returns (so a lookup that
// starts after a writer returned sees its change). Readers (snapshot(),
// Snapshot::lookup, Spd::lookup) take no lock on the data
// path: snapshot() is an atomic load of a shared_ptr (std::atomic_load), and a
// Snapshot stays valid and unchanged for as long as it is held, whatever
// writers do meanwhile. query, list and size are control-plane reads: they
// take the writers' mutex.
// set_sa and replace_sa publish a snapshot that shares the classifier and
// differs only in the SA: a lookup sees the old SA or the new one, never
// neither (the rekey switch).
//
// Cost of writers. The classifier (a decision tree, see
// esp/runtime/detail/policy_classifier.hpp) is rebuilt in full by add_batch,
// clear, and by the writer that brings the policies added or removed since the
// last build past max(kMaxPending, size() / 16). Until then added policies sit
// in a pending list that lookups scan after the tree (so a lookup costs up to
// that many extra rule checks just after one-at-a-time installs), and removed
// ones are marked dead in the snapshot. n one-at-a-time add() calls thus
// rebuild about n / kMaxPending times up to 1024 policies and then each time
// the set grew by 1/16 (10k adds: ~50 rebuilds, total cost ~16 full builds of
// the final set); every writer also copies the per-policy action table
// (O(n)). Use add_batch to install many at once: one build.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "esp/runtime/flow.hpp"
#include "esp/runtime/sa_config.hpp"
#include "esp/runtime/sa_id.hpp"
#include "esp/runtime/traffic_selector.hpp"

namespace esp::runtime {

namespace detail {
struct SpdState;
}

enum class PolicyAction : uint8_t { Protect, Bypass, Discard };

const char* to_string(PolicyAction a);

struct Policy {
  Direction dir = Direction::Outbound;
  TrafficSelector src, dst;
  uint32_t priority = 0;  // lower wins; equal: the earlier add wins
  PolicyAction action = PolicyAction::Protect;
  // Protect: the outbound SA. An invalid SaId means no SA yet: the runtime
  // raises an acquire for packets that match.
  SaId sa;
  uint32_t reqid = 0;

  // Throws std::invalid_argument naming the field: src/dst unset or invalid,
  // families of src and dst differ, protocols differ (neither being any).
  void validate() const;
};

// A policy with the same direction, selectors and priority is installed
// (XFRM's EEXIST).
class DuplicatePolicy : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct SpdMatch {
  PolicyId id = 0;  // 0 = no policy matched
  PolicyAction action = PolicyAction::Discard;
  SaId sa;
  uint32_t reqid = 0;
  bool matched() const { return id != 0; }
};

class Spd {
 public:
  using Match = SpdMatch;
  // Policies added or removed since the last full rebuild before the next
  // writer rebuilds (or size() / 16 if larger).
  static constexpr size_t kMaxPending = 64;

  // An immutable view of the SPD; cheap to copy, valid while held.
  class Snapshot {
   public:
    Snapshot() = default;
    Match lookup(Direction dir, const FlowKey& f) const;
    size_t size() const;

   private:
    friend class Spd;
    explicit Snapshot(std::shared_ptr<const detail::SpdState> s) : s_(std::move(s)) {}
    std::shared_ptr<const detail::SpdState> s_;
  };

  Spd();
  ~Spd();
  Spd(const Spd&) = delete;
  Spd& operator=(const Spd&) = delete;

  // Validates, then installs. Throws std::invalid_argument (bad policy) or
  // DuplicatePolicy.
  PolicyId add(const Policy& p);
  // All or nothing: validates all (including duplicates within the batch)
  // before installing any; ids in the order given; one rebuild.
  std::vector<PolicyId> add_batch(const std::vector<Policy>& ps);
  // Unknown id -> std::invalid_argument.
  void remove(PolicyId id);
  std::optional<Policy> query(PolicyId id) const;
  // The atomic outbound switch of a rekey. Unknown id -> std::invalid_argument.
  void set_sa(PolicyId id, SaId sa);
  // Every policy that protects with old_sa now protects with new_sa, in one
  // published snapshot. Returns how many.
  size_t replace_sa(SaId old_sa, SaId new_sa);
  void clear();
  size_t size() const;
  // Every policy with its id, in lookup order (priority, then id).
  std::vector<std::pair<PolicyId, Policy>> list() const;

  Snapshot snapshot() const;
  Match lookup(Direction dir, const FlowKey& f) const { return snapshot().lookup(dir, f); }

 private:
  struct Master;
  void publish_locked(bool rebuild);

  mutable std::mutex mu_;
  std::unique_ptr<Master> m_;                        // under mu_
  std::shared_ptr<const detail::SpdState> current_;  // std::atomic_load/atomic_store only
};

}  // namespace esp::runtime
