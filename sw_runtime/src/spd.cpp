#include "esp/runtime/spd.hpp"

#include <algorithm>
#include <atomic>
#include <map>

#include "esp/runtime/detail/policy_classifier.hpp"

namespace esp::runtime {

namespace detail {

// What a lookup returns for a policy; indexed by the classifier's payload.
struct SpdSlot {
  PolicyId id = 0;
  uint32_t priority = 0;
  PolicyAction action = PolicyAction::Discard;
  SaId sa;
  uint32_t reqid = 0;
};

struct SpdBase {
  PolicyClassifier cls[2][2];  // [outbound][ipv6]
};

// A policy added since the base was built: scanned after the tree.
struct SpdPending {
  uint8_t out = 0, v6 = 0;
  ClassifierRule rule;
};

struct SpdState {
  std::shared_ptr<const SpdBase> base;
  std::vector<SpdSlot> slots;
  std::vector<uint8_t> dead;  // per slot: removed since the base was built
  std::vector<SpdPending> pending;
  size_t live = 0;
};

}  // namespace detail

namespace {

using detail::ClassifierRule;
using detail::PolicyClassifier;
using detail::SpdSlot;

// Changes (adds + removes) since the last build that a writer lets sit in the
// pending list / dead marks before it rebuilds: kMaxPending, or 1/16 of the
// policies for large sets, so n one-at-a-time adds rebuild O(log n) times
// past 1024 policies (geometric growth) instead of n / kMaxPending times.
size_t pending_limit(size_t policies) { return std::max(Spd::kMaxPending, policies / 16); }

// Earlier in lookup order.
bool before(const SpdSlot& a, const SpdSlot& b) {
  return a.priority < b.priority || (a.priority == b.priority && a.id < b.id);
}

void put_ts(std::string& k, const TrafficSelector& t) {
  k.push_back(char(t.from.version));
  k.append(reinterpret_cast<const char*>(t.from.bytes.data()), t.from.bytes.size());
  k.append(reinterpret_cast<const char*>(t.to.bytes.data()), t.to.bytes.size());
  k.push_back(char(t.proto));
  for (uint16_t v : {t.port_from, t.port_to}) {
    k.push_back(char(v >> 8));
    k.push_back(char(v & 0xff));
  }
}

// Same direction, selectors and priority = a duplicate (XFRM's EEXIST).
std::string dup_key(const Policy& p) {
  std::string k;
  k.push_back(p.dir == Direction::Outbound ? 'o' : 'i');
  put_ts(k, p.src);
  put_ts(k, p.dst);
  for (int s = 24; s >= 0; s -= 8) k.push_back(char((p.priority >> s) & 0xff));
  return k;
}

std::string describe(const Policy& p) {
  return std::string(p.dir == Direction::Outbound ? "out " : "in ") + p.src.str() + " -> " + p.dst.str() +
         " priority " + std::to_string(p.priority);
}

}  // namespace

const char* to_string(PolicyAction a) {
  switch (a) {
    case PolicyAction::Protect:
      return "protect";
    case PolicyAction::Bypass:
      return "bypass";
    case PolicyAction::Discard:
      return "discard";
  }
  return "?";
}

void Policy::validate() const {
  src.validate("policy src");
  dst.validate("policy dst");
  if (src.family() != dst.family())
    throw std::invalid_argument("policy: src (" + src.str() + ") and dst (" + dst.str() + ") are of different families");
  if (src.proto != 0 && dst.proto != 0 && src.proto != dst.proto)
    throw std::invalid_argument("policy: proto of src (" + std::to_string(src.proto) + ") and dst (" +
                                std::to_string(dst.proto) + ") differ");
  if (action != PolicyAction::Protect && action != PolicyAction::Bypass && action != PolicyAction::Discard)
    throw std::invalid_argument("policy: action " + std::to_string(unsigned(action)) + " is not protect/bypass/discard");
  if (dir != Direction::Inbound && dir != Direction::Outbound)
    throw std::invalid_argument("policy: dir is not inbound/outbound");
}

struct Spd::Master {
  PolicyId next_id = 1;
  std::map<PolicyId, Policy> policies;
  std::unordered_map<std::string, PolicyId> dups;
  std::unordered_map<PolicyId, uint32_t> slot_of;  // in work
  detail::SpdState work;                           // what publish copies
  size_t changes = 0;                              // adds + removes since the base was built
};

Spd::Spd() : m_(std::make_unique<Master>()) {
  std::lock_guard<std::mutex> g(mu_);
  publish_locked(true);
}

Spd::~Spd() = default;

void Spd::publish_locked(bool rebuild) {
  Master& m = *m_;
  detail::SpdState& w = m.work;
  if (rebuild) {
    std::vector<std::pair<PolicyId, const Policy*>> order;
    order.reserve(m.policies.size());
    for (const auto& [id, p] : m.policies) order.emplace_back(id, &p);
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.second->priority < b.second->priority; });
    auto base = std::make_shared<detail::SpdBase>();
    std::vector<ClassifierRule> rules[2][2];
    w.slots.assign(order.size(), SpdSlot{});
    w.dead.assign(order.size(), 0);
    w.pending.clear();
    m.slot_of.clear();
    for (uint32_t i = 0; i < order.size(); ++i) {
      const Policy& p = *order[i].second;
      w.slots[i] = SpdSlot{order[i].first, p.priority, p.action, p.sa, p.reqid};
      m.slot_of[order[i].first] = i;
      rules[p.dir == Direction::Outbound][p.src.family() == 6].push_back(detail::make_rule(p.src, p.dst, i));
    }
    for (int d = 0; d < 2; ++d)
      for (int v6 = 0; v6 < 2; ++v6) base->cls[d][v6].build(std::move(rules[d][v6]), v6 ? 128 : 32);
    w.base = std::move(base);
    m.changes = 0;
  }
  w.live = m.policies.size();
  std::atomic_store(&current_, std::shared_ptr<const detail::SpdState>(std::make_shared<detail::SpdState>(w)));
}

PolicyId Spd::add(const Policy& p) {
  p.validate();
  std::lock_guard<std::mutex> g(mu_);
  Master& m = *m_;
  std::string key = dup_key(p);
  if (auto it = m.dups.find(key); it != m.dups.end())
    throw DuplicatePolicy("policy " + describe(p) + " exists (id " + std::to_string(it->second) + ")");
  const PolicyId id = m.next_id++;
  m.policies.emplace(id, p);
  m.dups.emplace(std::move(key), id);
  const uint32_t slot = uint32_t(m.work.slots.size());
  m.work.slots.push_back(SpdSlot{id, p.priority, p.action, p.sa, p.reqid});
  m.work.dead.push_back(0);
  m.work.pending.push_back(detail::SpdPending{uint8_t(p.dir == Direction::Outbound), uint8_t(p.src.family() == 6),
                                              detail::make_rule(p.src, p.dst, slot)});
  m.slot_of[id] = slot;
  publish_locked(++m.changes > pending_limit(m.policies.size()));
  return id;
}

std::vector<PolicyId> Spd::add_batch(const std::vector<Policy>& ps) {
  std::vector<std::string> keys;
  keys.reserve(ps.size());
  for (size_t i = 0; i < ps.size(); ++i) {
    try {
      ps[i].validate();
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("add_batch: policy " + std::to_string(i) + ": " + e.what());
    }
    keys.push_back(dup_key(ps[i]));
  }
  std::lock_guard<std::mutex> g(mu_);
  Master& m = *m_;
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (auto it = m.dups.find(keys[i]); it != m.dups.end())
      throw DuplicatePolicy("add_batch: policy " + std::to_string(i) + " (" + describe(ps[i]) + ") exists (id " +
                            std::to_string(it->second) + ")");
    if (auto [it, fresh] = seen.emplace(keys[i], i); !fresh)
      throw DuplicatePolicy("add_batch: policy " + std::to_string(i) + " (" + describe(ps[i]) +
                            ") duplicates policy " + std::to_string(it->second) + " of the batch");
  }
  std::vector<PolicyId> ids;
  ids.reserve(ps.size());
  for (size_t i = 0; i < ps.size(); ++i) {
    const PolicyId id = m.next_id++;
    m.policies.emplace(id, ps[i]);
    m.dups.emplace(std::move(keys[i]), id);
    ids.push_back(id);
  }
  publish_locked(true);
  return ids;
}

void Spd::remove(PolicyId id) {
  std::lock_guard<std::mutex> g(mu_);
  Master& m = *m_;
  const auto it = m.policies.find(id);
  if (it == m.policies.end()) throw std::invalid_argument("Spd::remove: no policy with id " + std::to_string(id));
  m.dups.erase(dup_key(it->second));
  m.policies.erase(it);
  const uint32_t slot = m.slot_of.at(id);
  m.slot_of.erase(id);
  m.work.dead[slot] = 1;
  auto& pend = m.work.pending;
  pend.erase(std::remove_if(pend.begin(), pend.end(), [&](const detail::SpdPending& p) { return p.rule.payload == slot; }),
             pend.end());
  publish_locked(++m.changes > pending_limit(m.policies.size()));
}

std::optional<Policy> Spd::query(PolicyId id) const {
  std::lock_guard<std::mutex> g(mu_);
  const auto it = m_->policies.find(id);
  if (it == m_->policies.end()) return std::nullopt;
  return it->second;
}

void Spd::set_sa(PolicyId id, SaId sa) {
  std::lock_guard<std::mutex> g(mu_);
  Master& m = *m_;
  const auto it = m.policies.find(id);
  if (it == m.policies.end()) throw std::invalid_argument("Spd::set_sa: no policy with id " + std::to_string(id));
  it->second.sa = sa;
  m.work.slots[m.slot_of.at(id)].sa = sa;
  publish_locked(false);
}

size_t Spd::replace_sa(SaId old_sa, SaId new_sa) {
  std::lock_guard<std::mutex> g(mu_);
  Master& m = *m_;
  size_t n = 0;
  for (auto& [id, p] : m.policies) {
    if (p.action != PolicyAction::Protect || p.sa != old_sa) continue;
    p.sa = new_sa;
    m.work.slots[m.slot_of.at(id)].sa = new_sa;
    ++n;
  }
  if (n) publish_locked(false);
  return n;
}

void Spd::clear() {
  std::lock_guard<std::mutex> g(mu_);
  m_->policies.clear();
  m_->dups.clear();
  publish_locked(true);
}

size_t Spd::size() const {
  std::lock_guard<std::mutex> g(mu_);
  return m_->policies.size();
}

std::vector<std::pair<PolicyId, Policy>> Spd::list() const {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<std::pair<PolicyId, Policy>> out(m_->policies.begin(), m_->policies.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second.priority < b.second.priority; });
  return out;
}

Spd::Snapshot Spd::snapshot() const { return Snapshot(std::atomic_load(&current_)); }

size_t Spd::Snapshot::size() const { return s_ ? s_->live : 0; }

Spd::Match Spd::Snapshot::lookup(Direction dir, const FlowKey& f) const {
  Match out;
  if (!s_ || (f.src.version != 4 && f.src.version != 6) || f.dst.version != f.src.version) return out;
  const detail::SpdState& s = *s_;
  const detail::ClassifierKey k = detail::make_key(f);
  const uint8_t out_dir = dir == Direction::Outbound;
  const uint8_t v6 = f.src.version == 6;
  const PolicyClassifier& cls = s.base->cls[out_dir][v6];
  uint32_t best = PolicyClassifier::npos;
  if (const uint32_t r = cls.lookup(k, s.dead.data()); r != PolicyClassifier::npos) best = cls.rule(r).payload;
  for (const detail::SpdPending& p : s.pending) {
    if (p.out != out_dir || p.v6 != v6 || !detail::rule_matches(p.rule, k)) continue;
    if (best == PolicyClassifier::npos || before(s.slots[p.rule.payload], s.slots[best])) best = p.rule.payload;
  }
  if (best == PolicyClassifier::npos) return out;
  const SpdSlot& sl = s.slots[best];
  out.id = sl.id;
  out.action = sl.action;
  out.sa = sl.sa;
  out.reqid = sl.reqid;
  return out;
}

}  // namespace esp::runtime
