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

U128 ClassifierRule::lo(unsigned field) const {
  switch (field) {
    case kSrc: return src_lo;
    case kDst: return dst_lo;
    case kProto: return u(proto_lo);
    case kSport: return u(sport_lo);
    default: return u(dport_lo);
  }
}

U128 ClassifierRule::hi(unsigned field) const {
  switch (field) {
    case kSrc: return src_hi;
    case kDst: return dst_hi;
    case kProto: return u(proto_hi);
    case kSport: return u(sport_hi);
    default: return u(dport_hi);
  }
}

U128 ClassifierKey::get(unsigned field) const {
  switch (field) {
    case kSrc: return src;
    case kDst: return dst;
    case kProto: return u(proto);
    case kSport: return u(sport);
    default: return u(dport);
  }
}

ClassifierRule make_rule(const TrafficSelector& src, const TrafficSelector& dst, uint32_t payload) {
  ClassifierRule r;
  r.src_lo = addr_value(src.from);
  r.src_hi = addr_value(src.to);
  r.dst_lo = addr_value(dst.from);
  r.dst_hi = addr_value(dst.to);
  const uint8_t proto = src.proto ? src.proto : dst.proto;
  r.proto_lo = proto;
  r.proto_hi = proto ? proto : 0xff;
  r.sport_lo = src.port_from;
  r.sport_hi = src.port_to;
  r.dport_lo = dst.port_from;
  r.dport_hi = dst.port_to;
  r.any_ports = src.any_ports() && dst.any_ports();
  r.payload = payload;
  return r;
}

ClassifierKey make_key(const FlowKey& f) {
  ClassifierKey k;
  k.src = addr_value(f.src);
  k.dst = addr_value(f.dst);
  k.proto = f.proto;
  k.sport = f.ports_opaque ? 0 : f.sport;
  k.dport = f.ports_opaque ? 0 : f.dport;
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
    n.base = uint32_t(c.leaf_rank_.size());
    n.count = uint32_t(rules.size());
    c.nodes_.push_back(n);
    c.leaf_rank_.insert(c.leaf_rank_.end(), rules.begin(), rules.end());
    for (uint32_t r : rules) c.leaf_rules_.push_back(c.rules_[r]);
    c.stats_.leaves++;
    c.stats_.max_leaf = std::max(c.stats_.max_leaf, rules.size());
    c.stats_.max_depth = std::max(c.stats_.max_depth, depth);
    if (rules.empty()) empty_leaf = id;
    return id;
  }

  // Child indices [a, z] of a rule whose range clipped to the node's block is
  // [lo, hi], for a cut on bits [shift, shift + bits): when the bits above
  // the cut differ between lo and hi the range wraps the cut: every child.
  static void span(const U128& lo, const U128& hi, bool spans, unsigned shift, unsigned bits, uint32_t& a,
                   uint32_t& z) {
    const U128 above = ~ones(shift + bits);
    if (spans || !is_zero((lo ^ hi) & above)) {
      a = 0;
      z = uint32_t((size_t(1) << bits) - 1);
    } else {
      a = extract(lo, shift, bits);
      z = extract(hi, shift, bits);
    }
  }

  uint32_t build(const std::vector<uint32_t>& rules, const Region& reg, unsigned depth) {
    const size_t n = rules.size();
    if (n <= kLeafSize || depth >= kMaxDepth || c.leaf_rank_.size() + c.children_.size() > budget)
      return leaf(rules, depth);

    // A cut takes `bits` bits of one field at `shift`. Rules that span the
    // node's whole block in the field ("spanning") land in every child. The
    // first candidate window of a field sits just below the bits every other
    // ("narrow") rule shares: it refines the children's blocks (a packet that
    // differs in those shared bits matches no narrow rule, and the spanning
    // ones are in every child, so any child serves it). Lower windows, at
    // nibble steps down to 32 bits below, do not refine the block: they only sort rules (a rule
    // whose range wraps the window goes to every child), which is what a set
    // with an outlier (one rule far from the others) needs.
    std::vector<U128> clo(n), chi(n);
    std::vector<uint8_t> spans(n);
    struct Cut {
      unsigned field = 0, shift = 0, bits = 0;
      size_t max_child = SIZE_MAX, sum = 0;
      bool refine = false;
      U128 prefix;  // refine: the bits above the cut that every narrow rule shares
    } best;
    std::vector<int64_t> cnt;  // a difference array over the children
    // Pass 0 tries the refining windows; pass 1 the lower ones, only when no
    // refining cut halves the node (they cost more to evaluate).
    for (int pass = 0; pass < 2; ++pass) {
      if (pass == 1 && best.max_child <= n / 2) break;
      for (unsigned f = 0; f < kFields; ++f) {
        const U128 b = reg.base[f], t = top(reg, f);
        U128 diff, ref;
        bool any_narrow = false;
        for (size_t i = 0; i < n; ++i) {
          const ClassifierRule& r = c.rules_[rules[i]];
          const U128 rl = r.lo(f), rh = r.hi(f);
          clo[i] = rl < b ? b : rl;
          chi[i] = t < rh ? t : rh;
          spans[i] = clo[i] == b && chi[i] == t;
          if (spans[i]) continue;
          if (!any_narrow) ref = clo[i], any_narrow = true;
          diff = diff | (clo[i] ^ ref) | (chi[i] ^ ref);
        }
        if (!any_narrow || is_zero(diff)) continue;  // nothing this field can separate
        const unsigned top_end = msb(diff) + 1;
        // Pass 1: windows ending 4, 8, .. 32 bits below the refining one.
        const unsigned lowest = top_end > 32 ? top_end - 32 : 0;
        for (unsigned end = pass == 0 ? top_end : top_end - std::min(4u, top_end); end > lowest;
             end = pass == 0 ? 0 : (end > 4 ? end - 4 : 0)) {
          const bool refine = pass == 0;
          for (unsigned k = 1; k <= std::min(8u, end); ++k) {
            const unsigned shift = end - k;
            cnt.assign((size_t(1) << k) + 1, 0);
            size_t sum = 0;
            for (size_t i = 0; i < n; ++i) {
              uint32_t a, z;
              span(clo[i], chi[i], spans[i] != 0, shift, k, a, z);
              cnt[a]++;
              cnt[z + 1]--;
              sum += z - a + 1;
            }
            if (k > 1 && sum > size_t(kSpaceFactor) * n) break;
            int64_t run = 0, mx = 0;
            for (size_t j = 0; j < (size_t(1) << k); ++j) {
              run += cnt[j];
              mx = std::max(mx, run);
            }
            const Cut cand{f, shift, k, size_t(mx), sum, refine, ref & ~ones(end)};
            if (cand.max_child < best.max_child || (cand.max_child == best.max_child && cand.sum < best.sum))
              best = cand;
          }
        }
      }
    }
    if (best.max_child >= n) return leaf(rules, depth);

    const unsigned f = best.field;
    const U128 b = reg.base[f], t = top(reg, f);
    const size_t nchild = size_t(1) << best.bits;
    std::vector<std::vector<uint32_t>> lists(nchild);
    // Rules that cover a whole child block in the cut field (refining cuts).
    std::vector<std::vector<uint8_t>> full(nchild);
    for (size_t i = 0; i < n; ++i) {
      const ClassifierRule& r = c.rules_[rules[i]];
      const U128 rl = r.lo(f), rh = r.hi(f);
      const U128 lo = rl < b ? b : rl;
      const U128 hi = t < rh ? t : rh;
      const bool sp = lo == b && hi == t;
      uint32_t a, z;
      span(lo, hi, sp, best.shift, best.bits, a, z);
      for (uint32_t j = a; j <= z; ++j) {
        const U128 cb = best.prefix | shl(u(j), best.shift);
        const U128 ct = cb | ones(best.shift);
        lists[j].push_back(rules[i]);
        full[j].push_back(sp || (lo <= cb && ct <= hi));
      }
    }

    const uint32_t id = uint32_t(c.nodes_.size());
    c.nodes_.push_back(Node{});
    const uint32_t first_child = uint32_t(c.children_.size());
    c.children_.resize(c.children_.size() + nchild, npos);
    c.nodes_[id] = Node{0, uint8_t(f), uint8_t(best.shift), uint8_t(best.bits), first_child, 0};

    Region child = reg;
    if (best.refine) child.len[f] = width[f] - best.shift;
    auto all_full = [&](size_t j) {
      return std::all_of(full[j].begin(), full[j].end(), [](uint8_t v) { return v != 0; });
    };
    for (size_t j = 0; j < nchild; ++j) {
      uint32_t node;
      const bool same_as_prev = j > 0 && lists[j] == lists[j - 1];
      if (lists[j].empty()) {
        node = leaf(lists[j], depth + 1);
      } else if (same_as_prev && (!best.refine || lists[j].size() <= kLeafSize || (all_full(j) && all_full(j - 1)))) {
        // The previous child's subtree serves this one: a non-refining cut
        // gives both children the same block, a leaf checks its rules in
        // full, and when every rule covers both blocks whole in the cut field
        // the subtree routes both alike.
        node = c.children_[first_child + j - 1];
      } else {
        if (best.refine) child.base[f] = best.prefix | shl(u(j), best.shift);
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
  leaf_rank_.clear();
  slots_.clear();
  root_ = Node{};
  stats_ = Stats{};
  stats_.rules = rules_.size();
  Builder b{*this, {addr_bits, addr_bits, 8, 16, 16}, size_t(kRefBudget) * rules_.size() + 4096};
  Builder::Region root;
  std::vector<uint32_t> all(rules_.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  b.build(all, root, 0);
  stats_.nodes = nodes_.size();
  stats_.refs = leaf_rank_.size() + children_.size();
  // The lookup's layout: every child slot holds a copy of its node, so each
  // level of the walk reads one 12-byte entry.
  root_ = nodes_[0];
  slots_.resize(children_.size());
  for (size_t i = 0; i < children_.size(); ++i) slots_[i] = nodes_[children_[i]];
  nodes_.clear();
  nodes_.shrink_to_fit();
  children_.clear();
  children_.shrink_to_fit();
}

uint32_t PolicyClassifier::lookup(const ClassifierKey& k, const uint8_t* dead) const {
  const U128 v[kFields] = {k.src, k.dst, U128{0, k.proto}, U128{0, k.sport}, U128{0, k.dport}};
  const Node* n = &root_;
  while (!n->leaf) n = &slots_[n->base + extract(v[n->field], n->shift, n->bits)];
  // The leaf's rules are copies laid out in a row: the scan reads memory in
  // order; the dead mark is read only for a rule that matches.
  const ClassifierRule* r = leaf_rules_.data() + n->base;
  for (uint32_t i = 0; i < n->count; ++i) {
    if (!rule_matches(r[i], k)) continue;
    if (dead && dead[r[i].payload]) continue;
    return leaf_rank_[n->base + i];
  }
  return npos;
}

}  // namespace esp::runtime::detail
