// First-match packet classifier over 5 range fields (source and destination
// address, protocol, source and destination port): the SPD's lookup.
//
// Rules are given in priority order (index 0 wins). lookup() returns the index
// of the first rule that matches, skipping rules whose payload is marked dead
// (the SPD's removals between rebuilds).
//
// Algorithm: a HiCuts/HyperCuts-style decision tree. Every field is a W-bit
// unsigned number (addresses 32 or 128 bits, protocol 8, ports 16). An inner
// node cuts one field into 2^k equal parts by extracting k bits of it
// (k <= 8), after skipping the bits that every rule of the node has in common
// (a packet that differs there matches none of them, and every leaf checks
// its rules in full). The field and k are chosen per node: for each field the
// largest k whose children hold at most kSpaceFactor * n rule references, then
// the field whose fullest child is smallest. A node becomes a leaf when it
// holds <= kLeafSize rules, when no cut separates its rules, at depth
// kMaxDepth, or once the tree holds kRefBudget * n rule references: a leaf is
// scanned in priority order with a full match, so the tree is correct for any
// rule set; the bounds only keep it small. Adjacent children with the same
// rule list share one node.
//
// Why not a library: DPDK's librte-acl (Debian librte-acl) does this and
// better, but rte_acl_create allocates from DPDK's EAL heap, so every process
// using the runtime would need rte_eal_init (hugepages or --no-huge, a
// process-wide singleton owning command-line arguments and cores), which an
// IKE daemon, the Python module and the unit tests should not carry. No other
// Debian package offers a multi-field range classifier as a library
// (nftables/libnftnl classify in the kernel; libpcap/BPF is one filter, not
// first-match over thousands).
//
// Threading: build() is not thread-safe; after it, lookup() is const and safe
// from any number of threads (the SPD publishes built classifiers immutably).
#pragma once

#include <cstdint>
#include <vector>

#include "esp/runtime/flow.hpp"
#include "esp/runtime/traffic_selector.hpp"

namespace esp::runtime::detail {

// A 128-bit unsigned number (addresses; IPv4 in the low 32 bits).
struct U128 {
  uint64_t hi = 0, lo = 0;
  bool operator<(const U128& o) const { return hi < o.hi || (hi == o.hi && lo < o.lo); }
  bool operator<=(const U128& o) const { return !(o < *this); }
  bool operator==(const U128& o) const { return hi == o.hi && lo == o.lo; }
  bool operator!=(const U128& o) const { return !(*this == o); }
};

U128 addr_value(const IpAddr& a);

enum Field : unsigned { kSrc = 0, kDst = 1, kProto = 2, kSport = 3, kDport = 4, kFields = 5 };

// 80 bytes: the leaf scan reads these, so they are kept small.
struct ClassifierRule {
  U128 src_lo, src_hi, dst_lo, dst_hi;  // inclusive
  uint16_t sport_lo = 0, sport_hi = 0xffff, dport_lo = 0, dport_hi = 0xffff;
  uint8_t proto_lo = 0, proto_hi = 0xff;
  bool any_ports = true;  // both port ranges full: also matches opaque ports
  uint32_t payload = 0;   // the caller's index (e.g. an SPD slot)

  U128 lo(unsigned field) const;
  U128 hi(unsigned field) const;
};

struct ClassifierKey {
  U128 src, dst;
  uint16_t sport = 0, dport = 0;
  uint8_t proto = 0;
  bool ports_opaque = false;
  U128 get(unsigned field) const;
};

// The rule of a policy's two selectors (validated, same family) and the key
// of a flow. Opaque ports look up as port 0 (only any-port rules accept them).
ClassifierRule make_rule(const TrafficSelector& src, const TrafficSelector& dst, uint32_t payload);
ClassifierKey make_key(const FlowKey& f);

inline bool rule_matches(const ClassifierRule& r, const ClassifierKey& k) {
  if (k.ports_opaque && !r.any_ports) return false;
  return !(k.src < r.src_lo || r.src_hi < k.src || k.dst < r.dst_lo || r.dst_hi < k.dst || k.proto < r.proto_lo ||
           k.proto > r.proto_hi || k.sport < r.sport_lo || k.sport > r.sport_hi || k.dport < r.dport_lo ||
           k.dport > r.dport_hi);
}

class PolicyClassifier {
 public:
  static constexpr uint32_t npos = 0xffffffffu;
  static constexpr unsigned kLeafSize = 8;
  static constexpr unsigned kMaxDepth = 24;
  static constexpr unsigned kSpaceFactor = 4;
  static constexpr unsigned kRefBudget = 48;

  struct Stats {
    size_t rules = 0, nodes = 0, leaves = 0, refs = 0;
    unsigned max_depth = 0;
    size_t max_leaf = 0;
  };

  // addr_bits: 32 (IPv4) or 128 (IPv6). rules in priority order.
  void build(std::vector<ClassifierRule> rules, unsigned addr_bits);

  // Index (into the rules given to build) of the first matching rule whose
  // payload p has dead[p] == 0 (dead may be null: none dead), or npos.
  uint32_t lookup(const ClassifierKey& k, const uint8_t* dead = nullptr) const;

  const ClassifierRule& rule(uint32_t i) const { return rules_[i]; }
  size_t size() const { return rules_.size(); }
  const Stats& stats() const { return stats_; }

 private:
  struct Node {
    uint8_t leaf = 1;
    uint8_t field = 0;
    uint8_t shift = 0;
    uint8_t bits = 0;
    uint32_t base = 0;   // inner: first child in children_; leaf: first rule in leaf_rules_/leaf_rank_
    uint32_t count = 0;  // leaf: number of rules
  };
  struct Builder;

  std::vector<ClassifierRule> rules_;
  std::vector<Node> nodes_;
  std::vector<uint32_t> children_;  // build only: node index per child slot
  Node root_;                        // the lookup's tree: root_ and, per child
  std::vector<Node> slots_;          // slot, a copy of the child's node
  std::vector<ClassifierRule> leaf_rules_;  // copies, leaf by leaf
  std::vector<uint32_t> leaf_rank_;         // their indices in rules_
  Stats stats_;
};

}  // namespace esp::runtime::detail
