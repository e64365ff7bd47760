// PolicyClassifier against a linear scan of TrafficSelector::contains (the
// reference shares no code with the tree) over many random rule sets.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "esp/runtime/detail/policy_classifier.hpp"
#include "esp/runtime/flow.hpp"
#include "esp/runtime/traffic_selector.hpp"

using esp::runtime::FlowKey;
using esp::runtime::IpAddr;
using esp::runtime::TrafficSelector;
using esp::runtime::detail::ClassifierRule;
using esp::runtime::detail::make_key;
using esp::runtime::detail::make_rule;
using esp::runtime::detail::PolicyClassifier;

namespace {

struct Pair {
  TrafficSelector src, dst;
};

// Addresses near a few bases, so that rules overlap and nest.
IpAddr rand_addr(std::mt19937_64& rng, uint8_t family) {
  IpAddr a;
  a.version = family;
  const unsigned base = unsigned(rng() % 4);
  if (family == 4) {
    a.bytes[0] = uint8_t(10 + base);
    a.bytes[1] = uint8_t(rng() % 4);
    a.bytes[2] = uint8_t(rng() % 16);
    a.bytes[3] = uint8_t(rng());
  } else {
    a.bytes[0] = 0x20;
    a.bytes[1] = 0x01;
    a.bytes[2] = 0x0d;
    a.bytes[3] = uint8_t(0xb8 + base);
    a.bytes[5] = uint8_t(rng() % 4);
    a.bytes[7] = uint8_t(rng() % 16);
    for (size_t i = 8; i < 16; ++i) a.bytes[i] = (rng() % 3 == 0) ? uint8_t(rng()) : 0;
  }
  return a;
}

// A range across a power-of-two boundary (what a cut splits), a few
// addresses wide on either side.
TrafficSelector straddle(std::mt19937_64& rng, uint8_t family) {
  IpAddr a = rand_addr(rng, family);
  const size_t last = family == 4 ? 3 : 15;
  const size_t byte = last - size_t(rng() % 3);  // boundary at a multiple of 2^8, 2^16 or 2^24
  for (size_t i = byte; i <= last; ++i) a.bytes[i] = 0;
  IpAddr lo = a, hi = a;
  unsigned down = unsigned(1 + rng() % 40), up = unsigned(rng() % 40);
  while (down--)
    for (size_t i = last + 1; i-- > 0;)
      if (lo.bytes[i]-- != 0) break;
  while (up--)
    for (size_t i = last + 1; i-- > 0;)
      if (++hi.bytes[i] != 0) break;
  return TrafficSelector::range(lo, hi);
}

TrafficSelector rand_side(std::mt19937_64& rng, uint8_t family) {
  const unsigned bits = family == 4 ? 32 : 128;
  switch (rng() % 6) {
    case 0:
      return TrafficSelector::any(family);
    case 1: {  // a range
      IpAddr a = rand_addr(rng, family), b = rand_addr(rng, family);
      if (esp::runtime::compare_addr(a, b) > 0) std::swap(a, b);
      return TrafficSelector::range(a, b);
    }
    default: {  // prefixes, biased to the lengths a gateway uses
      const unsigned lens4[] = {8, 12, 16, 20, 24, 28, 32};
      const unsigned lens6[] = {32, 40, 48, 56, 64, 96, 128};
      unsigned len = family == 4 ? lens4[rng() % 7] : lens6[rng() % 7];
      if (rng() % 5 == 0) len = unsigned(rng() % (bits + 1));
      return TrafficSelector::prefix(rand_addr(rng, family), len);
    }
  }
}

Pair rand_pair(std::mt19937_64& rng, uint8_t family, bool straddling) {
  Pair p{rand_side(rng, family), rand_side(rng, family)};
  if (straddling) {
    p.src = straddle(rng, family);
    if (rng() % 2) p.dst = straddle(rng, family);
  }
  const uint8_t icmp = family == 4 ? 1 : 58;
  switch (rng() % 6) {
    case 0:
    case 1:
      break;  // any protocol
    case 2:
      p.src.proto = 6;
      break;
    case 3: {  // tcp/udp with port ranges on either side
      const uint8_t proto = rng() % 2 ? 6 : 17;
      auto ports = [&](TrafficSelector& t) {
        t.proto = proto;
        switch (rng() % 3) {
          case 0:
            break;
          case 1:
            t.port_from = t.port_to = uint16_t(rng() % 4 == 0 ? 80 + rng() % 4 : rng());
            break;
          default: {
            uint16_t a = uint16_t(rng() % 2048), b = uint16_t(rng() % 2048);
            if (a > b) std::swap(a, b);
            t.port_from = a;
            t.port_to = b;
          }
        }
      };
      ports(p.src);
      ports(p.dst);
      if (rng() % 3 == 0) p.src.proto = 0;  // one side any, the other tcp/udp
      if (p.src.proto == 0) p.src.port_from = 0, p.src.port_to = 0xffff;
      break;
    }
    case 4: {  // icmp type / type:code
      p.dst.proto = icmp;
      const uint16_t type = uint16_t(rng() % 3 == 0 ? 8 : rng() % 16);
      p.dst.port_from = uint16_t(type << 8);
      p.dst.port_to = uint16_t(rng() % 2 ? (type << 8 | 0xff) : (type << 8));
      break;
    }
    default:
      p.src.proto = p.dst.proto = uint8_t(rng() % 2 ? 47 : 17);
  }
  return p;
}

FlowKey rand_flow(std::mt19937_64& rng, uint8_t family, const std::vector<Pair>& rules) {
  FlowKey f;
  auto near = [&](const TrafficSelector& t, bool from) {
    IpAddr a = from ? t.from : t.to;
    // +-1 around a boundary.
    const size_t last = family == 4 ? 3 : 15;
    if (rng() % 2) {
      if (from) {
        for (size_t i = last + 1; i-- > 0;)
          if (a.bytes[i]-- != 0) break;
      } else {
        for (size_t i = last + 1; i-- > 0;)
          if (++a.bytes[i] != 0) break;
      }
    }
    return a;
  };
  if (!rules.empty() && rng() % 4 != 0) {
    const Pair& p = rules[rng() % rules.size()];
    f.src = near(p.src, rng() % 2);
    f.dst = near(p.dst, rng() % 2);
    f.proto = p.src.proto ? p.src.proto : (p.dst.proto ? p.dst.proto : uint8_t(rng() % 3 ? 6 : 17));
    f.sport = rng() % 2 ? p.src.port_from : uint16_t(p.src.port_to + (rng() % 2));
    f.dport = rng() % 2 ? p.dst.port_to : uint16_t(p.dst.port_from - (rng() % 2));
  } else {
    f.src = rand_addr(rng, family);
    f.dst = rand_addr(rng, family);
    const uint8_t protos[] = {6, 17, 1, 58, 47, 132};
    f.proto = protos[rng() % 6];
    f.sport = uint16_t(rng() % 3 == 0 ? 80 : rng() % 4096);
    f.dport = uint16_t(rng());
  }
  if (f.proto == 1 || f.proto == 58) f.dport = f.sport;  // ICMP: both carry type<<8|code
  if (rng() % 10 == 0) {
    f.ports_opaque = true;
    f.sport = f.dport = 0;
  }
  return f;
}

uint32_t reference(const std::vector<Pair>& rules, const std::vector<uint8_t>& dead, const FlowKey& f) {
  for (uint32_t i = 0; i < rules.size(); ++i) {
    if (dead[i]) continue;
    if (rules[i].src.contains(f.src, f.proto, f.sport, f.ports_opaque) &&
        rules[i].dst.contains(f.dst, f.proto, f.dport, f.ports_opaque))
      return i;
  }
  return PolicyClassifier::npos;
}

void check_random_sets(uint8_t family, unsigned sets, unsigned seed, bool straddling = false) {
  std::mt19937_64 rng(seed);
  size_t hits = 0, total = 0;
  for (unsigned s = 0; s < sets; ++s) {
    const size_t n = s % 5 == 0 ? size_t(rng() % 2000) : size_t(rng() % 300);
    std::vector<Pair> rules;
    std::vector<ClassifierRule> crs;
    for (size_t i = 0; i < n; ++i) {
      rules.push_back(rand_pair(rng, family, straddling && rng() % 4 != 0));
      // payload = index: dead[] is indexed by it.
      crs.push_back(make_rule(rules.back().src, rules.back().dst, uint32_t(i)));
    }
    std::vector<uint8_t> dead(n, 0);
    if (s % 3 == 1)
      for (auto& d : dead) d = rng() % 4 == 0;
    PolicyClassifier c;
    c.build(crs, family == 4 ? 32 : 128);
    ASSERT_EQ(c.size(), n);
    for (int q = 0; q < 400; ++q) {
      const FlowKey f = rand_flow(rng, family, rules);
      const uint32_t want = reference(rules, dead, f);
      const uint32_t got = c.lookup(make_key(f), dead.data());
      ++total;
      hits += want != PolicyClassifier::npos;
      ASSERT_EQ(got, want) << "set " << s << " (" << n << " rules) flow " << f.src.str() << " -> " << f.dst.str()
                           << " proto " << int(f.proto) << " " << f.sport << " -> " << f.dport << " opaque "
                           << f.ports_opaque << "; want rule "
                           << (want == PolicyClassifier::npos ? std::string("none")
                                                              : rules[want].src.str() + " -> " + rules[want].dst.str())
                           << ", got "
                           << (got == PolicyClassifier::npos ? std::string("none")
                                                             : rules[got].src.str() + " -> " + rules[got].dst.str());
    }
  }
  // The flows exercise both outcomes.
  EXPECT_GT(hits, total / 5);
  EXPECT_LT(hits, total - total / 20);
}

TEST(PolicyClassifier, RandomIpv4MatchesLinearScan) { check_random_sets(4, 150, 1); }
TEST(PolicyClassifier, RandomIpv6MatchesLinearScan) { check_random_sets(6, 150, 2); }
// Ranges that straddle cut boundaries: children of one cut that share a rule
// list but not the rules' shapes.
TEST(PolicyClassifier, RandomStraddlingRangesMatchLinearScan) {
  check_random_sets(4, 100, 3, true);
  check_random_sets(6, 100, 4, true);
}

struct Case {
  std::vector<std::pair<const char*, const char*>> rules;  // priority order
  const char* src;
  const char* dst;
  unsigned proto, sport, dport;
  bool opaque;
  int want;  // rule index, -1 = none
};

TEST(PolicyClassifier, Table) {
  const std::vector<std::pair<const char*, const char*>> gw = {
      {"10.1.0.0/16[tcp/22]", "10.2.0.0/16"},   // 0
      {"10.1.0.0/16", "10.2.0.0/16[udp/53]"},   // 1
      {"10.1.2.0/24", "10.2.0.0/16"},           // 2
      {"10.1.0.0/16", "10.2.0.0/16"},           // 3
      {"0.0.0.0/0[icmp/8]", "0.0.0.0/0"},       // 4
      {"10.0.0.1-10.0.0.9", "0.0.0.0/0"},       // 5
      {"0.0.0.0/0", "0.0.0.0/0"},               // 6
  };
  const Case kCases[] = {
      {gw, "10.1.2.3", "10.2.0.1", 6, 22, 1000, false, 0},
      {gw, "10.1.2.3", "10.2.0.1", 6, 22, 1000, true, 2},  // opaque: skips the port rule
      {gw, "10.1.2.3", "10.2.0.1", 17, 9, 53, false, 1},
      {gw, "10.1.2.3", "10.2.0.1", 17, 9, 54, false, 2},
      {gw, "10.1.3.3", "10.2.0.1", 17, 9, 54, false, 3},
      {gw, "10.9.9.9", "10.2.0.1", 1, 0x0800, 0x0800, false, 4},
      {gw, "10.9.9.9", "10.2.0.1", 1, 0x0000, 0x0000, false, 6},
      {gw, "10.0.0.9", "1.1.1.1", 6, 1, 1, false, 5},
      {gw, "10.0.0.10", "1.1.1.1", 6, 1, 1, false, 6},
      {{{"10.1.0.0/16", "10.2.0.0/16"}}, "10.1.0.0", "10.3.0.0", 6, 1, 1, false, -1},
      {{}, "10.1.0.0", "10.3.0.0", 6, 1, 1, false, -1},
  };
  for (const Case& c : kCases) {
    std::vector<ClassifierRule> crs;
    for (const auto& [s, d] : c.rules)
      crs.push_back(make_rule(TrafficSelector::parse(s), TrafficSelector::parse(d), uint32_t(crs.size())));
    PolicyClassifier cls;
    cls.build(crs, 32);
    FlowKey f;
    f.src = IpAddr::parse(c.src);
    f.dst = IpAddr::parse(c.dst);
    f.proto = uint8_t(c.proto);
    f.sport = uint16_t(c.sport);
    f.dport = uint16_t(c.dport);
    f.ports_opaque = c.opaque;
    const uint32_t got = cls.lookup(make_key(f));
    EXPECT_EQ(got == PolicyClassifier::npos ? -1 : int(got), c.want) << c.src << " -> " << c.dst;
  }
}

// 4k host-pair policies over distinct /24s: the tree must actually split
// them (a structure check, not a timing one): leaves stay small.
TEST(PolicyClassifier, SplitsPrefixPairs) {
  std::vector<ClassifierRule> crs;
  for (uint32_t i = 0; i < 4096; ++i) {
    IpAddr s = IpAddr::parse("10.0.0.0"), d = IpAddr::parse("172.16.0.0");
    s.bytes[1] = uint8_t(i >> 8);
    s.bytes[2] = uint8_t(i);
    d.bytes[1] = uint8_t(16 + (i * 7 >> 8) % 16);
    d.bytes[2] = uint8_t(i * 7);
    crs.push_back(make_rule(TrafficSelector::prefix(s, 24), TrafficSelector::prefix(d, 24), i));
  }
  crs.push_back(make_rule(TrafficSelector::any(4), TrafficSelector::any(4), 4096));  // default
  PolicyClassifier c;
  c.build(crs, 32);
  EXPECT_GT(c.stats().leaves, 256u);
  EXPECT_LE(c.stats().max_leaf, PolicyClassifier::kLeafSize + 1);
  EXPECT_LE(c.stats().refs, PolicyClassifier::kRefBudget * crs.size() + 4096 + 256 * 8);
}

}  // namespace
