// esp_ike_dp's covering_prefixes(): checked against Python's
// ipaddress.summarize_address_range (the expected lists below were printed by
// /usr/bin/python3), against the runtime's TrafficSelector (each prefix's
// block, contiguity, membership) and against a brute-force prefix-trie count
// (the minimal cover) on random ranges. No namespace or root needed.
#include <cstdint>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "esp/ike/route_table.hpp"

namespace {

using esp::ike::dp::covering_prefixes;
using esp::runtime::IpAddr;
using esp::runtime::TrafficSelector;

IpAddr addr_of(const std::string& s) { return IpAddr::parse(s); }


std::vector<std::string> cover_strs(const std::string& from, const std::string& to) {
  std::vector<std::string> out;
  for (const auto& [a, len] : covering_prefixes(addr_of(from), addr_of(to))) out.push_back(a.str() + "/" + std::to_string(len));
  return out;
}

// ---------------------------------------------------------------- covering_prefixes

struct CoverCase {
  const char* from;
  const char* to;
  std::vector<std::string> expect;  // from ipaddress.summarize_address_range
};

const std::vector<CoverCase> kCoverCases = {
    {"192.0.2.7", "192.0.2.7", {"192.0.2.7/32"}},
    {"10.0.0.0", "10.0.0.255", {"10.0.0.0/24"}},
    {"10.0.0.1", "10.0.0.9", {"10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/30", "10.0.0.8/31"}},
    {"0.0.0.0", "255.255.255.255", {"0.0.0.0/0"}},
    {"0.0.0.0", "0.0.0.0", {"0.0.0.0/32"}},
    {"255.255.255.255", "255.255.255.255", {"255.255.255.255/32"}},
    {"128.0.0.0", "255.255.255.255", {"128.0.0.0/1"}},
    {"10.1.2.3", "10.1.9.200",
     {"10.1.2.3/32", "10.1.2.4/30", "10.1.2.8/29", "10.1.2.16/28", "10.1.2.32/27", "10.1.2.64/26", "10.1.2.128/25",
      "10.1.3.0/24", "10.1.4.0/22", "10.1.8.0/24", "10.1.9.0/25", "10.1.9.128/26", "10.1.9.192/29", "10.1.9.200/32"}},
    {"2001:db8::5", "2001:db8::5", {"2001:db8::5/128"}},
    {"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", {"::/0"}},
    {"2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", {"2001:db8::/32"}},
    {"2001:db8::1", "2001:db8::9", {"2001:db8::1/128", "2001:db8::2/127", "2001:db8::4/126", "2001:db8::8/127"}},
    {"2001:db8::ff:fffe", "2001:db8::1:0:1",
     {"2001:db8::ff:fffe/127", "2001:db8::100:0/104", "2001:db8::200:0/103", "2001:db8::400:0/102",
      "2001:db8::800:0/101", "2001:db8::1000:0/100", "2001:db8::2000:0/99", "2001:db8::4000:0/98",
      "2001:db8::8000:0/97", "2001:db8::1:0:0/127"}},
};

IpAddr next_addr(IpAddr a) {  // a + 1 (wraps)
  for (std::size_t i = (a.version == 4 ? 4 : 16); i-- > 0;)
    if (++a.bytes[i] != 0) break;
  return a;
}

IpAddr prev_addr(IpAddr a) {  // a - 1 (wraps)
  for (std::size_t i = (a.version == 4 ? 4 : 16); i-- > 0;)
    if (a.bytes[i]-- != 0) break;
  return a;
}

// The prefixes' blocks (as the runtime's TrafficSelector computes them) are
// aligned, ascending and contiguous, and exactly span [from, to].
void expect_exact_cover(const IpAddr& from, const IpAddr& to) {
  SCOPED_TRACE(from.str() + " - " + to.str());
  const auto ps = covering_prefixes(from, to);
  ASSERT_FALSE(ps.empty());
  IpAddr expect_next = from;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const TrafficSelector blk = TrafficSelector::prefix(ps[i].first, ps[i].second);
    EXPECT_EQ(blk.from, ps[i].first) << "host bits set in " << ps[i].first.str() << "/" << ps[i].second;
    EXPECT_EQ(blk.from, expect_next) << "gap or overlap before prefix " << i;
    expect_next = next_addr(blk.to);
  }
  EXPECT_EQ(TrafficSelector::prefix(ps.back().first, ps.back().second).to, to);
}

TEST(CoveringPrefixes, MatchesPythonIpaddress) {
  for (const auto& c : kCoverCases) {
    EXPECT_EQ(cover_strs(c.from, c.to), c.expect) << c.from << " - " << c.to;
    expect_exact_cover(addr_of(c.from), addr_of(c.to));
  }
}

TEST(CoveringPrefixes, PythonCountsOfTheWorstCases) {
  // summarize_address_range gives 62 and 254 prefixes (the maxima).
  EXPECT_EQ(covering_prefixes(addr_of("0.0.0.1"), addr_of("255.255.255.254")).size(), 62u);
  EXPECT_EQ(covering_prefixes(addr_of("::1"), addr_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")).size(), 254u);
  expect_exact_cover(addr_of("0.0.0.1"), addr_of("255.255.255.254"));
  expect_exact_cover(addr_of("::1"), addr_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"));
}

TEST(CoveringPrefixes, SmallRangesEnumerated) {
  // Every address near the range is in exactly one prefix iff it is in the range.
  for (const auto& [f, t] : std::vector<std::pair<std::string, std::string>>{
           {"10.0.0.1", "10.0.0.9"}, {"10.0.3.250", "10.0.5.3"}, {"2001:db8::ff:fffe", "2001:db8::100:1"},
           {"192.168.0.0", "192.168.1.255"}, {"2001:db8::7", "2001:db8::7"}}) {
    const TrafficSelector range = TrafficSelector::range(addr_of(f), addr_of(t));
    std::vector<TrafficSelector> blocks;
    for (const auto& [a, len] : covering_prefixes(addr_of(f), addr_of(t))) blocks.push_back(TrafficSelector::prefix(a, len));
    IpAddr x = addr_of(f);
    for (int i = 0; i < 40; ++i) x = prev_addr(x);  // none of the ranges is near 0
    IpAddr end = addr_of(t);
    for (int i = 0; i < 40; ++i) end = next_addr(end);
    for (; !(x == end); x = next_addr(x)) {
      int n = 0;
      for (const auto& b : blocks) n += b.contains(x) ? 1 : 0;
      ASSERT_EQ(n, range.contains(x) ? 1 : 0) << x.str() << " in " << f << "-" << t;
    }
  }
}

// The minimal number of prefixes for [a, b] in a space of `bits` bits: walk
// the binary trie, a node inside the range is one prefix (textbook recursion).
std::size_t trie_count(std::uint64_t base, unsigned k, std::uint64_t a, std::uint64_t b) {
  const std::uint64_t last = k == 64 ? ~std::uint64_t{0} : base + ((std::uint64_t{1} << k) - 1);
  if (last < a || base > b) return 0;
  if (a <= base && last <= b) return 1;
  return trie_count(base, k - 1, a, b) + trie_count(base + (std::uint64_t{1} << (k - 1)), k - 1, a, b);
}

IpAddr v4(std::uint32_t v) {
  IpAddr a;
  a.version = 4;
  for (int i = 0; i < 4; ++i) a.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
  return a;
}
IpAddr v6_low(std::uint64_t v) {  // 2001:db8:1:2:<v>
  IpAddr a = addr_of("2001:db8:1:2::");
  for (int i = 0; i < 8; ++i) a.bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return a;
}

TEST(CoveringPrefixes, RandomRangesAreMinimalAndExact) {
  std::mt19937_64 rng(20261206);
  for (int i = 0; i < 300; ++i) {
    std::uint32_t a = static_cast<std::uint32_t>(rng()), b = static_cast<std::uint32_t>(rng());
    if (i % 3 == 0) b = a + static_cast<std::uint32_t>(rng() % 5000);  // short ranges too
    if (a > b) std::swap(a, b);
    EXPECT_EQ(covering_prefixes(v4(a), v4(b)).size(), trie_count(0, 32, a, b)) << v4(a).str() << "-" << v4(b).str();
    expect_exact_cover(v4(a), v4(b));
    std::uint64_t c = rng(), d = rng();
    if (c > d) std::swap(c, d);
    // Inside one /64 the count is the 64-bit trie's.
    EXPECT_EQ(covering_prefixes(v6_low(c), v6_low(d)).size(), trie_count(0, 64, c, d));
    expect_exact_cover(v6_low(c), v6_low(d));
  }
}

TEST(CoveringPrefixes, BadRangesRefused) {
  EXPECT_THROW(covering_prefixes(addr_of("10.0.0.9"), addr_of("10.0.0.1")), std::invalid_argument);
  EXPECT_THROW(covering_prefixes(addr_of("10.0.0.1"), addr_of("2001:db8::1")), std::invalid_argument);
  EXPECT_THROW(covering_prefixes(IpAddr{}, IpAddr{}), std::invalid_argument);
}

}  // namespace
