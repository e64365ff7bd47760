#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "esp/runtime/flow.hpp"

using esp::runtime::FlowKey;
using esp::runtime::IpAddr;
using esp::runtime::parse_flow;
using esp::runtime::selectors_match;
using esp::runtime::TrafficSelector;

namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, size_t off, unsigned v) {
  b[off] = uint8_t(v >> 8);
  b[off + 1] = uint8_t(v);
}

// An IPv4 header (no options unless opt_words) + payload.
Bytes ipv4(const char* src, const char* dst, uint8_t proto, const Bytes& l4, unsigned frag_off = 0, bool mf = false,
           unsigned opt_words = 0) {
  const size_t ihl = 20 + 4 * opt_words;
  Bytes b(ihl, 0);
  b[0] = uint8_t(0x40 | (ihl / 4));
  put16(b, 2, unsigned(ihl + l4.size()));
  put16(b, 6, (mf ? 0x2000u : 0u) | frag_off);
  b[8] = 64;
  b[9] = proto;
  const IpAddr s = IpAddr::parse(src), d = IpAddr::parse(dst);
  for (int i = 0; i < 4; ++i) {
    b[size_t(12 + i)] = s.bytes[size_t(i)];
    b[size_t(16 + i)] = d.bytes[size_t(i)];
  }
  b.insert(b.end(), l4.begin(), l4.end());
  return b;
}

struct Ext {
  uint8_t type;  // 0, 43, 60 (8*(n+1) bytes), 51 (AH), 44 (fragment)
  unsigned len_units = 0;
  unsigned frag_off = 0;
};

// An IPv6 header, extension headers in order, then the upper-layer proto.
Bytes ipv6(const char* src, const char* dst, const std::vector<Ext>& exts, uint8_t proto, const Bytes& l4) {
  Bytes b(40, 0);
  b[0] = 0x60;
  b[7] = 64;
  const IpAddr s = IpAddr::parse(src), d = IpAddr::parse(dst);
  for (int i = 0; i < 16; ++i) {
    b[size_t(8 + i)] = s.bytes[size_t(i)];
    b[size_t(24 + i)] = d.bytes[size_t(i)];
  }
  size_t next_at = 6;
  for (const Ext& e : exts) {
    b[next_at] = e.type;
    const size_t off = b.size();
    size_t len;
    if (e.type == 44) len = 8;
    else if (e.type == 51) len = (e.len_units + 2) * 4;
    else len = (e.len_units + 1) * 8;
    b.resize(off + len, 0);
    if (e.type == 44) put16(b, off + 2, e.frag_off << 3);
    else b[off + 1] = uint8_t(e.len_units);
    next_at = off;
  }
  b[next_at] = proto;
  b.insert(b.end(), l4.begin(), l4.end());
  put16(b, 4, unsigned(b.size() - 40));
  return b;
}

const Bytes kTcp = {0x04, 0xd2, 0x00, 0x50, 1, 2, 3, 4, 5, 6, 7, 8, 0x50, 0, 0, 0, 0, 0, 0, 0};  // 1234 -> 80
const Bytes kUdp = {0x01, 0xf4, 0x11, 0x94, 0, 8, 0, 0};  // 500 -> 4500
const Bytes kEcho = {8, 0, 0, 0, 0, 1, 0, 1};             // ICMP echo request
const Bytes kEcho6 = {128, 0, 0, 0, 0, 1, 0, 1};          // ICMPv6 echo request

struct FlowCase {
  std::string name;
  Bytes pkt;
  const char* src;
  const char* dst;
  unsigned proto, sport, dport;
  bool opaque;
};

std::vector<FlowCase> flow_cases() {
  return {
      {"v4_tcp", ipv4("10.0.0.1", "10.0.0.2", 6, kTcp), "10.0.0.1", "10.0.0.2", 6, 1234, 80, false},
      {"v4_udp", ipv4("10.0.0.1", "10.0.0.2", 17, kUdp), "10.0.0.1", "10.0.0.2", 17, 500, 4500, false},
      {"v4_sctp", ipv4("10.0.0.1", "10.0.0.2", 132, kUdp), "10.0.0.1", "10.0.0.2", 132, 500, 4500, false},
      {"v4_udplite", ipv4("10.0.0.1", "10.0.0.2", 136, kUdp), "10.0.0.1", "10.0.0.2", 136, 500, 4500, false},
      {"v4_options", ipv4("10.0.0.1", "10.0.0.2", 17, kUdp, 0, false, 3), "10.0.0.1", "10.0.0.2", 17, 500, 4500, false},
      {"v4_icmp", ipv4("10.0.0.1", "10.0.0.2", 1, kEcho), "10.0.0.1", "10.0.0.2", 1, 0x0800, 0x0800, false},
      {"v4_gre", ipv4("10.0.0.1", "10.0.0.2", 47, Bytes(4, 0)), "10.0.0.1", "10.0.0.2", 47, 0, 0, false},
      {"v4_first_fragment", ipv4("10.0.0.1", "10.0.0.2", 6, kTcp, 0, true), "10.0.0.1", "10.0.0.2", 6, 1234, 80,
       false},
      {"v4_later_fragment", ipv4("10.0.0.1", "10.0.0.2", 6, kTcp, 185, false), "10.0.0.1", "10.0.0.2", 6, 0, 0, true},
      {"v4_middle_fragment", ipv4("10.0.0.1", "10.0.0.2", 17, Bytes(2, 0), 1, true), "10.0.0.1", "10.0.0.2", 17, 0,
       0, true},
      {"v6_tcp", ipv6("2001:db8::1", "2001:db8::2", {}, 6, kTcp), "2001:db8::1", "2001:db8::2", 6, 1234, 80, false},
      {"v6_icmp", ipv6("2001:db8::1", "2001:db8::2", {}, 58, kEcho6), "2001:db8::1", "2001:db8::2", 58, 0x8000,
       0x8000, false},
      {"v6_hbh_rt_dst", ipv6("2001:db8::1", "2001:db8::2", {{0, 0}, {43, 2}, {60, 1}}, 17, kUdp), "2001:db8::1",
       "2001:db8::2", 17, 500, 4500, false},
      {"v6_ah", ipv6("2001:db8::1", "2001:db8::2", {{51, 4}}, 6, kTcp), "2001:db8::1", "2001:db8::2", 6, 1234, 80,
       false},
      {"v6_first_fragment", ipv6("2001:db8::1", "2001:db8::2", {{0, 0}, {44, 0, 0}}, 6, kTcp), "2001:db8::1",
       "2001:db8::2", 6, 1234, 80, false},
      {"v6_later_fragment", ipv6("2001:db8::1", "2001:db8::2", {{44, 0, 100}}, 6, Bytes(8, 0)), "2001:db8::1",
       "2001:db8::2", 6, 0, 0, true},
      {"v6_no_next", ipv6("2001:db8::1", "2001:db8::2", {}, 59, {}), "2001:db8::1", "2001:db8::2", 59, 0, 0, false},
  };
}

TEST(ParseFlow, Table) {
  for (const FlowCase& c : flow_cases()) {
    SCOPED_TRACE(c.name);
    FlowKey f;
    f.sport = 0xdead;  // parse_flow must set every field
    f.ports_opaque = !c.opaque;
    ASSERT_TRUE(parse_flow(c.pkt.data(), c.pkt.size(), f));
    EXPECT_EQ(f.src, IpAddr::parse(c.src));
    EXPECT_EQ(f.dst, IpAddr::parse(c.dst));
    EXPECT_EQ(f.proto, c.proto);
    EXPECT_EQ(f.sport, c.sport);
    EXPECT_EQ(f.dport, c.dport);
    EXPECT_EQ(f.ports_opaque, c.opaque);
    // Trailing bytes beyond the IP length (link padding) are ignored.
    Bytes padded = c.pkt;
    padded.resize(padded.size() + 7, 0xee);
    FlowKey g;
    ASSERT_TRUE(parse_flow(padded.data(), padded.size(), g));
    EXPECT_EQ(g.sport, c.sport);
  }
}

// Every cut of a packet short of its length field is refused.
TEST(ParseFlow, TruncatedIsFalse) {
  for (const FlowCase& c : flow_cases()) {
    SCOPED_TRACE(c.name);
    for (size_t len = 0; len < c.pkt.size(); ++len) {
      FlowKey f;
      EXPECT_FALSE(parse_flow(c.pkt.data(), len, f)) << "len " << len;
    }
  }
}

TEST(ParseFlow, GarbageIsFalse) {
  FlowKey f;
  EXPECT_FALSE(parse_flow(nullptr, 0, f));
  Bytes v5 = ipv4("10.0.0.1", "10.0.0.2", 6, kTcp);
  v5[0] = 0x55;
  EXPECT_FALSE(parse_flow(v5.data(), v5.size(), f));
  Bytes ihl4 = ipv4("10.0.0.1", "10.0.0.2", 6, kTcp);
  ihl4[0] = 0x44;
  EXPECT_FALSE(parse_flow(ihl4.data(), ihl4.size(), f));
  Bytes total_short = ipv4("10.0.0.1", "10.0.0.2", 6, kTcp);
  put16(total_short, 2, 19);  // below the header
  EXPECT_FALSE(parse_flow(total_short.data(), total_short.size(), f));
  Bytes l4_short = ipv4("10.0.0.1", "10.0.0.2", 6, Bytes(3, 0));  // 3 bytes of TCP
  EXPECT_FALSE(parse_flow(l4_short.data(), l4_short.size(), f));
  Bytes icmp_short = ipv4("10.0.0.1", "10.0.0.2", 1, Bytes(1, 8));
  EXPECT_FALSE(parse_flow(icmp_short.data(), icmp_short.size(), f));
  // An extension header whose length runs past the payload.
  Bytes ext_long = ipv6("2001:db8::1", "2001:db8::2", {{60, 0}}, 6, kTcp);
  ext_long[41] = 200;
  EXPECT_FALSE(parse_flow(ext_long.data(), ext_long.size(), f));
  // Payload length beyond the buffer.
  Bytes pl = ipv6("2001:db8::1", "2001:db8::2", {}, 6, kTcp);
  put16(pl, 4, 1000);
  EXPECT_FALSE(parse_flow(pl.data(), pl.size(), f));
}

struct MatchCase {
  std::vector<const char*> src_ts, dst_ts;
  std::string pkt_name;
  bool match;
};

TEST(SelectorsMatch, Table) {
  std::vector<FlowCase> cs = flow_cases();
  auto flow = [&](const std::string& name) {
    for (const FlowCase& c : cs)
      if (c.name == name) {
        FlowKey f;
        EXPECT_TRUE(parse_flow(c.pkt.data(), c.pkt.size(), f));
        return f;
      }
    ADD_FAILURE() << name;
    return FlowKey{};
  };
  const MatchCase kCases[] = {
      {{}, {}, "v4_tcp", true},
      {{"10.0.0.0/24"}, {"10.0.0.0/24"}, "v4_tcp", true},
      {{"10.0.0.0/24"}, {}, "v4_tcp", true},
      {{"10.0.1.0/24"}, {}, "v4_tcp", false},
      {{}, {"10.0.1.0/24"}, "v4_tcp", false},
      {{"10.0.1.0/24", "10.0.0.1"}, {"10.0.0.2"}, "v4_tcp", true},
      {{"10.0.0.0/24[tcp/1234]"}, {"10.0.0.0/24[tcp/80]"}, "v4_tcp", true},
      {{"10.0.0.0/24[tcp/1234]"}, {"10.0.0.0/24[tcp/81]"}, "v4_tcp", false},
      {{"10.0.0.0/24[tcp/80]"}, {"10.0.0.0/24[tcp/80]"}, "v4_tcp", false},  // sport 1234, not 80
      {{"10.0.0.0/24[udp]"}, {}, "v4_tcp", false},
      {{"10.0.0.0/24[udp]", "10.0.0.0/24[tcp]"}, {}, "v4_tcp", true},
      {{"10.0.0.0/24[tcp]"}, {"10.0.0.0/24[tcp/80]"}, "v4_later_fragment", false},
      {{"10.0.0.0/24[tcp]"}, {"10.0.0.0/24[tcp]"}, "v4_later_fragment", true},
      {{"0.0.0.0/0[icmp/8]"}, {"0.0.0.0/0[icmp/8:0]"}, "v4_icmp", true},
      {{"0.0.0.0/0[icmp/0]"}, {}, "v4_icmp", false},
      {{"::/0[ipv6-icmp/128]"}, {}, "v6_icmp", true},
      {{"0.0.0.0/0"}, {"0.0.0.0/0"}, "v6_tcp", false},  // family
      {{"2001:db8::/64[udp/500]"}, {"2001:db8::2[udp/4500]"}, "v6_hbh_rt_dst", true},
  };
  for (const MatchCase& c : kCases) {
    std::vector<TrafficSelector> s, d;
    std::string what;
    for (const char* t : c.src_ts) {
      s.push_back(TrafficSelector::parse(t));
      what += std::string(t) + " ";
    }
    what += "=> ";
    for (const char* t : c.dst_ts) {
      d.push_back(TrafficSelector::parse(t));
      what += std::string(t) + " ";
    }
    EXPECT_EQ(selectors_match(s, d, flow(c.pkt_name)), c.match) << what << c.pkt_name;
  }
}

}  // namespace
