#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "esp/runtime/traffic_selector.hpp"

using esp::runtime::IpAddr;
using esp::runtime::TrafficSelector;

namespace {

struct ParseCase {
  const char* text;
  const char* from;
  const char* to;
  unsigned proto;
  unsigned port_from, port_to;
  int prefix_len;  // -1: not a prefix
  const char* str;  // what str() prints back
};

const ParseCase kParse[] = {
    {"10.1.0.0/16", "10.1.0.0", "10.1.255.255", 0, 0, 65535, 16, "10.1.0.0/16"},
    {"10.1.2.3/16", "10.1.0.0", "10.1.255.255", 0, 0, 65535, 16, "10.1.0.0/16"},
    {"192.0.2.1", "192.0.2.1", "192.0.2.1", 0, 0, 65535, 32, "192.0.2.1"},
    {"192.0.2.1/32", "192.0.2.1", "192.0.2.1", 0, 0, 65535, 32, "192.0.2.1"},
    {"0.0.0.0/0", "0.0.0.0", "255.255.255.255", 0, 0, 65535, 0, "0.0.0.0/0"},
    {"10.0.0.1-10.0.0.9", "10.0.0.1", "10.0.0.9", 0, 0, 65535, -1, "10.0.0.1-10.0.0.9"},
    {"10.0.0.0-10.0.0.255", "10.0.0.0", "10.0.0.255", 0, 0, 65535, 24, "10.0.0.0/24"},
    {"2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535, 32, "2001:db8::/32"},
    {"::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535, 0, "::/0"},
    {"2001:db8::1-2001:db8::5", "2001:db8::1", "2001:db8::5", 0, 0, 65535, -1, "2001:db8::1-2001:db8::5"},
    {"2001:db8::1/127", "2001:db8::", "2001:db8::1", 0, 0, 65535, 127, "2001:db8::/127"},
    {"10.0.0.0/8[tcp/80]", "10.0.0.0", "10.255.255.255", 6, 80, 80, 8, "10.0.0.0/8[tcp/80]"},
    {"10.0.0.0/8[tcp/http]", "10.0.0.0", "10.255.255.255", 6, 80, 80, 8, "10.0.0.0/8[tcp/80]"},
    {"10.0.0.0/8[tcp]", "10.0.0.0", "10.255.255.255", 6, 0, 65535, 8, "10.0.0.0/8[tcp]"},
    {"10.0.0.0/8[tcp/%any]", "10.0.0.0", "10.255.255.255", 6, 0, 65535, 8, "10.0.0.0/8[tcp]"},
    {"10.0.0.0/8[6/443]", "10.0.0.0", "10.255.255.255", 6, 443, 443, 8, "10.0.0.0/8[tcp/443]"},
    {"192.0.2.0/24[udp/500-600]", "192.0.2.0", "192.0.2.255", 17, 500, 600, 24, "192.0.2.0/24[udp/500-600]"},
    {"192.0.2.0/24[udp/isakmp-ipsec-nat-t]", "192.0.2.0", "192.0.2.255", 17, 500, 4500, 24,
     "192.0.2.0/24[udp/500-4500]"},
    {"192.0.2.0/24[udp/ipsec-nat-t]", "192.0.2.0", "192.0.2.255", 17, 4500, 4500, 24, "192.0.2.0/24[udp/4500]"},
    {"192.0.2.0/24[udp/1000-ipsec-nat-t]", "192.0.2.0", "192.0.2.255", 17, 1000, 4500, 24,
     "192.0.2.0/24[udp/1000-4500]"},
    {"192.0.2.0/24[udp/domain]", "192.0.2.0", "192.0.2.255", 17, 53, 53, 24, "192.0.2.0/24[udp/53]"},
    {"192.0.2.0/24[tcp/https]", "192.0.2.0", "192.0.2.255", 6, 443, 443, 24, "192.0.2.0/24[tcp/443]"},
    {"0.0.0.0/0[icmp/8]", "0.0.0.0", "255.255.255.255", 1, 0x0800, 0x08ff, 0, "0.0.0.0/0[icmp/8]"},
    {"0.0.0.0/0[icmp/3:4]", "0.0.0.0", "255.255.255.255", 1, 0x0304, 0x0304, 0, "0.0.0.0/0[icmp/3:4]"},
    {"0.0.0.0/0[icmp/0-8]", "0.0.0.0", "255.255.255.255", 1, 0x0000, 0x08ff, 0, "0.0.0.0/0[icmp/0-8]"},
    {"0.0.0.0/0[icmp/0x0301-0x0302]", "0.0.0.0", "255.255.255.255", 1, 0x0301, 0x0302, 0,
     "0.0.0.0/0[icmp/0x0301-0x0302]"},
    {"::/0[ipv6-icmp/128]", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 58, 0x8000, 0x80ff, 0,
     "::/0[ipv6-icmp/128]"},
    {"::/0[icmpv6/135:0]", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 58, 0x8700, 0x8700, 0,
     "::/0[ipv6-icmp/135:0]"},
    {"10.0.0.0/8[gre]", "10.0.0.0", "10.255.255.255", 47, 0, 65535, 8, "10.0.0.0/8[gre]"},
    {"10.0.0.0/8[sctp/9-10]", "10.0.0.0", "10.255.255.255", 132, 9, 10, 8, "10.0.0.0/8[sctp/9-10]"},
    {"10.0.0.0/8[99]", "10.0.0.0", "10.255.255.255", 99, 0, 65535, 8, "10.0.0.0/8[99]"},
    {"10.0.0.0/8[%any]", "10.0.0.0", "10.255.255.255", 0, 0, 65535, 8, "10.0.0.0/8"},
    {"10.0.0.0/8[udp/0-65535]", "10.0.0.0", "10.255.255.255", 17, 0, 65535, 8, "10.0.0.0/8[udp]"},
};

class TsParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(TsParse, ParsesAndPrintsBack) {
  const ParseCase& c = GetParam();
  const TrafficSelector t = TrafficSelector::parse(c.text);
  EXPECT_EQ(t.from, IpAddr::parse(c.from));
  EXPECT_EQ(t.to, IpAddr::parse(c.to));
  EXPECT_EQ(t.proto, c.proto);
  EXPECT_EQ(t.port_from, c.port_from);
  EXPECT_EQ(t.port_to, c.port_to);
  EXPECT_EQ(t.prefix_len(), c.prefix_len);
  EXPECT_EQ(t.is_prefix(), c.prefix_len >= 0);
  EXPECT_EQ(t.str(), c.str);
  // What str() prints parses back to the same selector.
  EXPECT_EQ(TrafficSelector::parse(t.str()), t) << t.str();
}

INSTANTIATE_TEST_SUITE_P(Table, TsParse, ::testing::ValuesIn(kParse));

struct BadCase {
  const char* text;
  const char* says;  // a piece of the message
};

const BadCase kBadSelectors[] = {
    {"dynamic", "dynamic"},
    {"%any", "%any"},
    {"[udp/500]", "needs an address"},
    {"[udp/500-600]", "needs an address"},
    {"", "needs an address"},
    {"10.0.0.0/33", "prefix length '33'"},
    {"10.0.0.0/x", "prefix length 'x'"},
    {"2001:db8::/129", "prefix length '129'"},
    {"10.0.0.300", "'10.0.0.300' is not an IPv4"},
    {"10.0.0.9-10.0.0.1", "start is above its end"},
    {"10.0.0.1-2001:db8::1", "mixes IPv4 and IPv6"},
    {"10.0.0.1-", "range end"},
    {"10.0.0.0/8[tcp/80", "no closing ']'"},
    {"10.0.0.0/8[foo/80]", "protocol 'foo'"},
    {"10.0.0.0/8[256]", "protocol '256'"},
    {"10.0.0.0/8[tcp/70000]", "port '70000'"},
    {"10.0.0.0/8[tcp/ssh]", "port 'ssh'"},
    {"10.0.0.0/8[tcp/80-]", "port '80-'"},
    {"10.0.0.0/8[tcp/ipsec-nat]", "port 'ipsec-nat'"},
    {"10.0.0.0/8[tcp/90-80]", "reversed"},
    {"10.0.0.0/8[gre/5]", "carries no ports"},
    {"10.0.0.0/8[%any/80]", "carries no ports"},
    {"0.0.0.0/0[icmp/256]", "ICMP type '256'"},
    {"0.0.0.0/0[icmp/3:256]", "type:code"},
    {"0.0.0.0/0[icmp/9-8]", "reversed"},
    {"0.0.0.0/0[icmp/0x0302-0x0301]", "reversed"},
    {"0.0.0.0/0[icmp/0x03-zz]", "0xHHHH-0xHHHH"},
};

class TsBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(TsBad, RefusedWithAReason) {
  const BadCase& c = GetParam();
  try {
    TrafficSelector::parse(c.text);
    FAIL() << "accepted '" << c.text << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::string("'") + c.text + "'"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Table, TsBad, ::testing::ValuesIn(kBadSelectors));

struct ContainsCase {
  const char* ts;
  const char* addr;
  unsigned proto;
  unsigned port;
  bool opaque;
  bool in;
};

const ContainsCase kContains[] = {
    {"10.1.0.0/16", "10.1.2.3", 6, 80, false, true},
    {"10.1.0.0/16", "10.2.0.0", 6, 80, false, false},
    {"10.1.0.0/16", "10.0.255.255", 6, 80, false, false},
    {"10.1.0.0/16", "10.1.255.255", 17, 1, false, true},
    {"10.1.0.0/16", "10.1.0.1", 17, 0, true, true},  // any ports: opaque ok
    {"10.1.0.0/16", "2001:db8::1", 6, 80, false, false},
    {"10.0.0.1-10.0.0.9", "10.0.0.1", 0, 0, false, true},
    {"10.0.0.1-10.0.0.9", "10.0.0.9", 0, 0, false, true},
    {"10.0.0.1-10.0.0.9", "10.0.0.10", 0, 0, false, false},
    {"10.0.0.1-10.0.0.9", "10.0.0.0", 0, 0, false, false},
    {"10.0.0.0/8[tcp/80]", "10.9.9.9", 6, 80, false, true},
    {"10.0.0.0/8[tcp/80]", "10.9.9.9", 6, 81, false, false},
    {"10.0.0.0/8[tcp/80]", "10.9.9.9", 17, 80, false, false},
    {"10.0.0.0/8[tcp/80]", "10.9.9.9", 6, 0, true, false},  // opaque vs a port
    {"10.0.0.0/8[tcp]", "10.9.9.9", 6, 0, true, true},
    {"10.0.0.0/8[udp/500-600]", "10.9.9.9", 17, 499, false, false},
    {"10.0.0.0/8[udp/500-600]", "10.9.9.9", 17, 500, false, true},
    {"10.0.0.0/8[udp/500-600]", "10.9.9.9", 17, 600, false, true},
    {"10.0.0.0/8[udp/500-600]", "10.9.9.9", 17, 601, false, false},
    {"0.0.0.0/0[icmp/8]", "1.2.3.4", 1, 0x0800, false, true},
    {"0.0.0.0/0[icmp/8]", "1.2.3.4", 1, 0x08ff, false, true},
    {"0.0.0.0/0[icmp/8]", "1.2.3.4", 1, 0x0000, false, false},
    {"0.0.0.0/0[icmp/3:4]", "1.2.3.4", 1, 0x0304, false, true},
    {"0.0.0.0/0[icmp/3:4]", "1.2.3.4", 1, 0x0303, false, false},
    {"2001:db8::/32", "2001:db8:1::1", 58, 0x8000, false, true},
    {"2001:db8::/32", "2001:db9::1", 58, 0x8000, false, false},
    {"2001:db8::/32", "10.0.0.1", 6, 80, false, false},
    {"::/0[ipv6-icmp/128]", "::1", 58, 0x8000, false, true},
    {"::/0[ipv6-icmp/128]", "::1", 58, 0x8100, false, false},
};

class TsContains : public ::testing::TestWithParam<ContainsCase> {};

TEST_P(TsContains, Table) {
  const ContainsCase& c = GetParam();
  const TrafficSelector t = TrafficSelector::parse(c.ts);
  EXPECT_EQ(t.contains(IpAddr::parse(c.addr), uint8_t(c.proto), uint16_t(c.port), c.opaque), c.in)
      << c.ts << " " << c.addr << " proto " << c.proto << " port " << c.port << " opaque " << c.opaque;
}

INSTANTIATE_TEST_SUITE_P(Table, TsContains, ::testing::ValuesIn(kContains));

TEST(TrafficSelector, Factories) {
  EXPECT_EQ(TrafficSelector::any(4).str(), "0.0.0.0/0");
  EXPECT_EQ(TrafficSelector::any(6).str(), "::/0");
  EXPECT_THROW(TrafficSelector::any(5), std::invalid_argument);
  EXPECT_EQ(TrafficSelector::prefix(IpAddr::parse("10.1.2.3"), 24).str(), "10.1.2.0/24");
  EXPECT_EQ(TrafficSelector::prefix(IpAddr::parse("10.1.2.3"), 0).str(), "0.0.0.0/0");
  EXPECT_EQ(TrafficSelector::prefix(IpAddr::parse("2001:db8::1"), 128).str(), "2001:db8::1");
  EXPECT_THROW(TrafficSelector::prefix(IpAddr::parse("10.1.2.3"), 33), std::invalid_argument);
  EXPECT_THROW(TrafficSelector::prefix(IpAddr{}, 8), std::invalid_argument);
  EXPECT_EQ(TrafficSelector::range(IpAddr::parse("10.0.0.3"), IpAddr::parse("10.0.0.4")).str(), "10.0.0.3-10.0.0.4");
  EXPECT_THROW(TrafficSelector::range(IpAddr::parse("10.0.0.4"), IpAddr::parse("10.0.0.3")), std::invalid_argument);
  EXPECT_THROW(TrafficSelector::range(IpAddr::parse("10.0.0.4"), IpAddr::parse("::1")), std::invalid_argument);
  const TrafficSelector t = TrafficSelector::any(4).with_proto(6, 1000, 2000);
  EXPECT_EQ(t.str(), "0.0.0.0/0[tcp/1000-2000]");
  EXPECT_EQ(t.family(), 4);
  EXPECT_FALSE(t.any_ports());
  EXPECT_THROW(TrafficSelector::any(4).with_proto(47, 1, 2), std::invalid_argument);
  EXPECT_THROW(TrafficSelector::any(4).with_proto(6, 2, 1), std::invalid_argument);
}

TEST(TrafficSelector, ValidateNamesTheField) {
  TrafficSelector t;
  try {
    t.validate("policy src");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("policy src: from address is unset"), std::string::npos) << e.what();
  }
  t = TrafficSelector::any(4);
  t.to = IpAddr::parse("::1");
  EXPECT_THROW(t.validate(), std::invalid_argument);
}

}  // namespace
