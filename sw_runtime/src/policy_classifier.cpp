#include "esp/runtime/detail/policy_classifier.hpp"

#include <algorithm>
#include <stdexcept>

namespace esp::runtime::detail {

namespace {

U128 u(uint64_t v) { return U128{0, v}; }
U128 operator|(U128 a, U128 b) { return {a.hi | b.hi, a.lo | b.lo}; }
U128 operator&(U128 a, U128 b) { return {a.hi & b.hi, a.lo & b.lo}; }
U128 operator^(U128 a, U128 b) { return {a.hi ^ b.hi, a.lo ^ b.lo}; }
U128 operator~(U128 a) { return {~a.hi, ~a.lo}; }

U128 shl(U128 x, unsigned s) {
  if (s == 0) return x;
  if (s >= 128) return {};
  if (s >= 64) return {x.lo << (s - 64), 0};
  return {(x.hi << s) | (x.lo >> (64 - s)), x.lo << s};
}

// The low n bits set (n <= 128).
U128 ones(unsigned n) {
  if (n >= 128) return {~uint64_t(0), ~uint64_t(0)};
  if (n >= 64) return {(n == 64) ? 0 : (~uint64_t(0) >> (128 - n)), ~uint64_t(0)};
  return {0, n == 0 ? 0 : (~uint64_t(0) >> (64 - n))};
}

inline uint32_t extract(const U128& x, unsigned shift, unsigned bits) {
  uint64_t v;
  if (shift >= 64) v = x.hi >> (shift - 64);
  else if (shift == 0) v = x.lo;
  else v = (x.lo >> shift) | (x.hi << (64 - shift));
  return uint32_t(v & ((uint64_t(1) << bits) - 1));
}

unsigned msb(U128 x) {  // x != 0
  if (x.hi) return 127 - unsigned(__builtin_clzll(x.hi));
  return 63 - unsigned(__builtin_clzll(x.lo));
}

bool is_zero(U128 x) { return x.hi == 0 && x.lo == 0; }

}  // namespace

U128 addr_value(const IpAddr& a) {
  U128 v;
  if (a.version == 4) {
    v.lo = uint64_t(a.bytes[0]) << 24 | uint64_t(a.bytes[1]) << 16 | uint64_t(a.bytes[2]) << 8 | a.bytes[3];
  } else {
    for (int i = 0; i < 8; ++i) v.hi = v.hi << 8 | a.bytes[size_t(i)];
    for (int i = 8; i < 16; ++i) v.lo = v.lo << 8 | a.bytes[size_t(i)];
  }
  return v;
}

ClassifierRule make_rule(const TrafficSelector& src, const TrafficSelector& dst, uint32_t payload) {
  ClassifierRule r;
  r.lo[kSrc] = addr_value(src.from);
  r.hi[kSrc] = addr_value(src.to);
  r.lo[kDst] = addr_value(dst.from);
  r.hi[kDst] = addr_value(dst.to);
  const uint8_t proto = src.proto ? src.proto : dst.proto;
  r.lo[kProto] = u(proto);
  r.hi[kProto] = u(proto ? proto : 0xff);
  r.lo[kSport] = u(src.port_from);
  r.hi[kSport] = u(src.port_to);
  r.lo[kDport] = u(dst.port_from);
  r.hi[kDport] = u(dst.port_to);
  r.any_ports = src.any_ports() && dst.any_ports();
  r.payload = payload;
  return r;
}

ClassifierKey make_key(const FlowKey& f) {
  ClassifierKey k;
  k.v[kSrc] = addr_value(f.src);
  k.v[kDst] = addr_value(f.dst);
  k.v[kProto] = u(f.proto);
  k.v[kSport] = u(f.ports_opaque ? 0 : f.sport);
  k.v[kDport] = u(f.ports_opaque ? 0 : f.dport);
  k.ports_opaque = f.ports_opaque;
  return k;
}

struct PolicyClassifier::Builder {
  PolicyClassifier& c;
  unsigned width[kFields];
  size_t budget;
  uint32_t empty_leaf = npos;

  // Per field, the block [base, base | ones(width - len)] packets of a node lie
  // in (or match none of its rules).
  struct Region {
    U128 base[kFields];
    unsigned len[kFields] = {};
  };

  U128 top(const Region& r, unsigned f) const { return r.base[f] | ones(width[f] - r.len[f]); }

  uint32_t leaf(const std::vector<uint32_t>& rules, unsigned depth) {
    if (rules.empty() && empty_leaf != npos) return empty_leaf;
    const uint32_t id = uint32_t(c.nodes_.size());
    Node n;
    n.leaf = 1;
    n.base = uint32_t(c.leaf_rules_.size());
    n.count = uint32_t(rules.size());
    c.nodes_.push_back(n);
    c.leaf_rules_.insert(c.leaf_rules_.end(), rules.begin(), rules.end());
    c.stats_.leaves++;
    c.stats_.max_leaf = std::max(c.stats_.max_leaf, rules.size());
    c.stats_.max_depth = std::max(c.stats_.max_depth, depth);
    if (rules.empty()) empty_leaf = id;
    return id;
  }

  uint32_t build(const std::vector<uint32_t>& rules, const Region& reg, unsigned depth) {
    const size_t n = rules.size();
    if (n <= kLeafSize || depth >= kMaxDepth || c.leaf_rules_.size() + c.children_.size() > budget)
      return leaf(rules, depth);

    // The rules' ranges clipped to this node's block, per field.
    std::vector<U128> clo(n), chi(n);
    struct Cut {
      unsigned field = 0, shift = 0, bits = 0;
      size_t max_child = SIZE_MAX, sum = 0;
      U128 prefix;  // the bits above the cut that every narrow rule shares
    } best;
    std::vector<uint32_t> cnt;
    for (unsigned f = 0; f < kFields; ++f) {
      const U128 b = reg.base[f], t = top(reg, f);
      // Rules that span the whole block in this field land in every child
      // whatever the cut; the cut goes below the bits the other ("narrow")
      // rules share. A packet that differs there matches no narrow rule, and
      // the spanning ones are in every child, so any child serves it.
      U128 diff, ref;
      bool any_narrow = false;
      for (size_t i = 0; i < n; ++i) {
        const ClassifierRule& r = c.rules_[rules[i]];
        clo[i] = r.lo[f] < b ? b : r.lo[f];
        chi[i] = t < r.hi[f] ? t : r.hi[f];
        if (clo[i] == b && chi[i] == t) continue;
        if (!any_narrow) ref = clo[i], any_narrow = true;
        diff = diff | (clo[i] ^ ref) | (chi[i] ^ ref);
      }
      if (!any_narrow || is_zero(diff)) continue;  // nothing this field can separate
      const unsigned top_bit = msb(diff);
      const unsigned kmax = std::min(8u, top_bit + 1);
      Cut fc;
      for (unsigned k = 1; k <= kmax; ++k) {
        const unsigned shift = top_bit + 1 - k;
        const U128 prefix = ref & ~ones(shift + k);
        cnt.assign((size_t(1) << k) + 1, 0);
        size_t sum = 0;
        for (size_t i = 0; i < n; ++i) {
          uint32_t a = 0, z = uint32_t((size_t(1) << k) - 1);
          if (!(clo[i] == b && chi[i] == t)) {
            a = extract(clo[i], shift, k);
            z = extract(chi[i], shift, k);
          }
          cnt[a]++;
          cnt[z + 1]--;
          sum += z - a + 1;
        }
        if (k > 1 && sum > size_t(kSpaceFactor) * n) break;
        size_t run = 0, mx = 0;
        for (size_t j = 0; j < (size_t(1) << k); ++j) {
          run += cnt[j];
          mx = std::max(mx, run);
        }
        fc = Cut{f, shift, k, mx, sum, prefix};
      }
      if (fc.max_child < best.max_child || (fc.max_child == best.max_child && fc.sum < best.sum)) best = fc;
    }
    if (best.max_child >= n) return leaf(rules, depth);

    const unsigned f = best.field;
    const U128 b = reg.base[f], t = top(reg, f);
    const size_t nchild = size_t(1) << best.bits;
    std::vector<std::vector<uint32_t>> lists(nchild);
    // Rules that cover a whole child block in the cut field.
    std::vector<std::vector<uint8_t>> full(nchild);
    const U128 prefix = best.prefix;
    const uint32_t all_children = uint32_t(nchild - 1);
    for (size_t i = 0; i < n; ++i) {
      const ClassifierRule& r = c.rules_[rules[i]];
      const U128 lo = r.lo[f] < b ? b : r.lo[f];
      const U128 hi = t < r.hi[f] ? t : r.hi[f];
      const bool spans = lo == b && hi == t;
      const uint32_t a = spans ? 0 : extract(lo, best.shift, best.bits);
      const uint32_t z = spans ? all_children : extract(hi, best.shift, best.bits);
      for (uint32_t j = a; j <= z; ++j) {
        const U128 cb = prefix | shl(u(j), best.shift);
        const U128 ct = cb | ones(best.shift);
        lists[j].push_back(rules[i]);
        full[j].push_back(spans || (lo <= cb && ct <= hi));
      }
    }

    const uint32_t id = uint32_t(c.nodes_.size());
    c.nodes_.push_back(Node{});
    const uint32_t first_child = uint32_t(c.children_.size());
    c.children_.resize(c.children_.size() + nchild, npos);
    c.nodes_[id] = Node{0, uint8_t(f), uint8_t(best.shift), uint8_t(best.bits), first_child, 0};

    Region child = reg;
    child.len[f] = width[f] - best.shift;
    for (size_t j = 0; j < nchild; ++j) {
      uint32_t node;
      const bool same_as_prev = j > 0 && lists[j] == lists[j - 1];
      const bool all_full = std::all_of(full[j].begin(), full[j].end(), [](uint8_t v) { return v != 0; }) &&
                            j > 0 && std::all_of(full[j - 1].begin(), full[j - 1].end(), [](uint8_t v) { return v != 0; });
      if (lists[j].empty()) {
        node = leaf(lists[j], depth + 1);
      } else if (same_as_prev && (lists[j].size() <= kLeafSize || all_full)) {
        // A leaf checks its rules in full, so it serves any block; an inner
        // node serves the next block too when every rule covers both blocks
        // whole in the cut field (its cuts then route both alike).
        node = c.children_[first_child + j - 1];
      } else {
        child.base[f] = prefix | shl(u(j), best.shift);
        node = build(lists[j], child, depth + 1);
      }
      c.children_[first_child + j] = node;
    }
    c.stats_.max_depth = std::max(c.stats_.max_depth, depth);
    return id;
  }
};

void PolicyClassifier::build(std::vector<ClassifierRule> rules, unsigned addr_bits) {
  if (addr_bits != 32 && addr_bits != 128) throw std::invalid_argument("PolicyClassifier: addr_bits must be 32 or 128");
  rules_ = std::move(rules);
  nodes_.clear();
  children_.clear();
  leaf_rules_.clear();
  stats_ = Stats{};
  stats_.rules = rules_.size();
  Builder b{*this, {addr_bits, addr_bits, 8, 16, 16}, size_t(kRefBudget) * rules_.size() + 4096};
  Builder::Region root;
  std::vector<uint32_t> all(rules_.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  b.build(all, root, 0);
  stats_.nodes = nodes_.size();
  stats_.refs = leaf_rules_.size() + children_.size();
}

uint32_t PolicyClassifier::lookup(const ClassifierKey& k, const uint8_t* dead) const {
  if (nodes_.empty()) return npos;
  const Node* n = &nodes_[0];
  while (!n->leaf) n = &nodes_[children_[n->base + extract(k.v[n->field], n->shift, n->bits)]];
  const uint32_t* r = leaf_rules_.data() + n->base;
  for (uint32_t i = 0; i < n->count; ++i) {
    const ClassifierRule& rule = rules_[r[i]];
    if (dead && dead[rule.payload]) continue;
    if (rule_matches(rule, k)) return r[i];
  }
  return npos;
}

}  // namespace esp::runtime::detail
