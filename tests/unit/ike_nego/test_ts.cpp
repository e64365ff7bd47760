// Traffic selectors between the TS payloads (RFC 7296 3.13.1) and the
// runtime; config resolution; intersection.
#include <gtest/gtest.h>

#include "esp/ike/ts.hpp"
#include "nego_test_util.hpp"

namespace esp::ike {
namespace {

using namespace test;

TrafficSelector msg_ts(TsType type, std::uint8_t proto, std::uint16_t sp, std::uint16_t ep, Bytes a, Bytes b) {
  TrafficSelector t;
  t.type = type;
  t.ip_protocol = proto;
  t.start_port = sp;
  t.end_port = ep;
  t.start_addr = std::move(a);
  t.end_addr = std::move(b);
  return t;
}

Bytes v6(std::initializer_list<std::uint8_t> head, std::uint8_t last) {
  Bytes b(16, 0);
  std::copy(head.begin(), head.end(), b.begin());
  b[15] = last;
  return b;
}

TEST(TsConvert, FromPayloadTable) {
  struct Case {
    TrafficSelector in;
    const char* want;  // runtime str(), or nullptr
    const char* error;
  } cases[] = {
      {msg_ts(TsType::IPV4_ADDR_RANGE, 0, 0, 65535, {10, 1, 0, 0}, {10, 1, 255, 255}), "10.1.0.0/16", nullptr},
      {msg_ts(TsType::IPV4_ADDR_RANGE, 6, 80, 80, {192, 0, 2, 1}, {192, 0, 2, 9}), "192.0.2.1-192.0.2.9[tcp/80]",
       nullptr},
      {msg_ts(TsType::IPV4_ADDR_RANGE, 17, 500, 4500, {192, 0, 2, 1}, {192, 0, 2, 1}), "192.0.2.1[udp/500-4500]",
       nullptr},
      {msg_ts(TsType::IPV6_ADDR_RANGE, 0, 0, 65535, v6({0x20, 0x01, 0x0d, 0xb8}, 0),
              [] {
                Bytes b = v6({0x20, 0x01, 0x0d, 0xb8}, 0xff);
                std::fill(b.begin() + 4, b.end(), 0xff);
                return b;
              }()),
       "2001:db8::/32", nullptr},
      // ICMP echo request: type 8 code 0 in the port fields (RFC 4301 4.4.1.1).
      {msg_ts(TsType::IPV4_ADDR_RANGE, 1, 0x0800, 0x0800, {10, 0, 0, 0}, {10, 255, 255, 255}), nullptr, nullptr},
      {msg_ts(static_cast<TsType>(9), 0, 0, 65535, {10, 0, 0, 0}, {10, 0, 0, 1}), nullptr, "unsupported TS type 9"},
      {msg_ts(TsType::IPV4_ADDR_RANGE, 0, 0, 65535, v6({}, 1), v6({}, 2)), nullptr, "expected 4"},
      {msg_ts(TsType::IPV6_ADDR_RANGE, 0, 0, 65535, {10, 0, 0, 0}, {10, 0, 0, 1}), nullptr, "expected 16"},
      {msg_ts(TsType::IPV4_ADDR_RANGE, 0, 0, 65535, {10, 0, 0, 9}, {10, 0, 0, 1}), nullptr, ""},
      {msg_ts(TsType::IPV4_ADDR_RANGE, 6, 90, 80, {10, 0, 0, 1}, {10, 0, 0, 9}), nullptr, ""},
      {msg_ts(TsType::IPV4_ADDR_RANGE, 6, 65535, 0, {10, 0, 0, 1}, {10, 0, 0, 9}), nullptr, "OPAQUE"},
      {msg_ts(TsType::IPV4_ADDR_RANGE, 0, 80, 80, {10, 0, 0, 1}, {10, 0, 0, 9}), nullptr, ""},
      {msg_ts(TsType::IPV4_ADDR_RANGE, 47, 1, 2, {10, 0, 0, 1}, {10, 0, 0, 9}), nullptr, ""},
  };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const auto& c = cases[i];
    std::string why;
    auto r = ts_from_msg(c.in, &why);
    if (c.error) {
      EXPECT_FALSE(r) << i << ": " << r->str();
      EXPECT_FALSE(why.empty()) << i;
      EXPECT_NE(why.find(c.error), std::string::npos) << i << ": " << why;
      EXPECT_THROW(ts_from_msg(c.in), TsError) << i;
      continue;
    }
    ASSERT_TRUE(r) << i << ": " << why;
    if (c.want) {
      EXPECT_EQ(r->str(), c.want) << i;
    }
    // And back, byte for byte.
    TrafficSelector back = ts_to_msg(*r);
    EXPECT_EQ(back.type, c.in.type) << i;
    EXPECT_EQ(back.ip_protocol, c.in.ip_protocol) << i;
    EXPECT_EQ(back.start_port, c.in.start_port) << i;
    EXPECT_EQ(back.end_port, c.in.end_port) << i;
    EXPECT_EQ(back.start_addr, c.in.start_addr) << i;
    EXPECT_EQ(back.end_addr, c.in.end_addr) << i;
  }
  // ICMP ports pass through unchanged.
  auto icmp = ts_from_msg(cases[4].in);
  EXPECT_EQ(icmp.proto, 1);
  EXPECT_EQ(icmp.port_from, 0x0800);
  EXPECT_EQ(icmp.port_to, 0x0800);
}

TEST(TsConvert, PayloadBothWaysAndErrorsNameTheEntry) {
  auto sel = tss({"10.0.0.0/8", "2001:db8::/64[udp/4500]", "192.0.2.7[tcp/22]"});
  TsPayload p = make_ts_payload(sel);
  ASSERT_EQ(p.selectors.size(), 3u);
  EXPECT_EQ(p.selectors[1].type, TsType::IPV6_ADDR_RANGE);
  EXPECT_EQ(p.selectors[2].start_addr, (Bytes{192, 0, 2, 7}));
  EXPECT_EQ(strs(from_ts_payload(p)), strs(sel));

  p.selectors[2].end_addr = {192, 0, 2};
  try {
    from_ts_payload(p);
    FAIL() << "accepted a 3-byte address";
  } catch (const TsError& e) {
    EXPECT_NE(std::string(e.what()).find("TS 3: "), std::string::npos) << e.what();
  }
  EXPECT_THROW(ts_to_msg(runtime::TrafficSelector{}), TsError);
}

TEST(TsConfig, ResolveDynamic) {
  auto cfg = [](const char* text) {
    conf::TsConfig t;
    t.text = text;
    std::string s = text;
    if (s.rfind("dynamic", 0) == 0) {
      t.dynamic = true;
      if (s.size() > 7) {
        auto any = runtime::TrafficSelector::parse("0.0.0.0/0" + s.substr(7));
        t.ts.proto = any.proto;
        t.ts.port_from = any.port_from;
        t.ts.port_to = any.port_to;
      }
    } else {
      t.ts = runtime::TrafficSelector::parse(s);
    }
    return t;
  };
  const auto v4 = runtime::IpAddr::parse("192.0.2.1");
  const auto v6a = runtime::IpAddr::parse("2001:db8::1");
  EXPECT_EQ(strs(resolve_ts({cfg("dynamic")}, v4)), (std::vector<std::string>{"192.0.2.1"}));
  EXPECT_EQ(strs(resolve_ts({cfg("dynamic")}, v6a)), (std::vector<std::string>{"2001:db8::1"}));
  EXPECT_EQ(strs(resolve_ts({cfg("dynamic[udp/1701]"), cfg("10.1.0.0/16")}, v4)),
            (std::vector<std::string>{"192.0.2.1[udp/1701]", "10.1.0.0/16"}));
  EXPECT_EQ(strs(resolve_ts({cfg("10.1.0.0/16")}, runtime::IpAddr{})), (std::vector<std::string>{"10.1.0.0/16"}));
  EXPECT_THROW(resolve_ts({cfg("dynamic")}, runtime::IpAddr{}), TsError);
}

TEST(TsIntersect, Table) {
  struct Case {
    const char* a;
    const char* b;
    const char* want;  // nullptr: empty
  } cases[] = {
      {"10.0.0.0/8", "10.1.0.0/16", "10.1.0.0/16"},
      {"10.1.0.0/16", "10.0.0.0/8", "10.1.0.0/16"},
      {"10.1.0.0/16", "10.2.0.0/16", nullptr},
      {"10.0.0.0/24", "10.0.0.128-10.0.1.5", "10.0.0.128/25"},
      {"10.0.0.0/24", "10.0.0.200-10.0.1.5", "10.0.0.200-10.0.0.255"},
      {"10.0.0.5", "10.0.0.0/24", "10.0.0.5"},
      {"10.0.0.255", "10.0.1.0/24", nullptr},
      {"0.0.0.0/0", "192.0.2.0/24[tcp/80]", "192.0.2.0/24[tcp/80]"},
      {"10.0.0.0/8[tcp]", "10.1.0.0/16[udp]", nullptr},
      {"10.0.0.0/8[tcp]", "10.1.0.0/16", "10.1.0.0/16[tcp]"},
      {"10.0.0.0/8[tcp/1000-2000]", "10.0.0.0/8[tcp/1500-3000]", "10.0.0.0/8[tcp/1500-2000]"},
      {"10.0.0.0/8[tcp/1000-2000]", "10.0.0.0/8[tcp/2001-3000]", nullptr},
      {"10.0.0.0/8[icmp/8]", "10.0.0.0/8[icmp]", "10.0.0.0/8[icmp/8]"},
      {"10.0.0.0/8", "::/0", nullptr},
      {"::/0", "2001:db8::/32", "2001:db8::/32"},
      {"2001:db8::/32", "2001:db8:1::/48[udp/500]", "2001:db8:1::/48[udp/500]"},
      {"2001:db8::/48", "2001:db8:1::/48", nullptr},
  };
  for (const auto& c : cases) {
    auto got = intersect(ts(c.a), ts(c.b));
    if (!c.want) {
      EXPECT_FALSE(got) << c.a << " & " << c.b << " = " << got->str();
      continue;
    }
    ASSERT_TRUE(got) << c.a << " & " << c.b;
    EXPECT_EQ(got->str(), c.want) << c.a << " & " << c.b;
    EXPECT_EQ(*got, ts(c.want)) << c.a << " & " << c.b;
    // Symmetric, and within both.
    auto rev = intersect(ts(c.b), ts(c.a));
    ASSERT_TRUE(rev);
    EXPECT_EQ(*rev, *got);
    EXPECT_TRUE(ts_within(*got, ts(c.a)));
    EXPECT_TRUE(ts_within(*got, ts(c.b)));
  }
  EXPECT_FALSE(intersect(runtime::TrafficSelector{}, runtime::TrafficSelector{}));
}

TEST(TsIntersect, Within) {
  EXPECT_TRUE(ts_within(ts("10.1.0.0/16"), ts("10.0.0.0/8")));
  EXPECT_FALSE(ts_within(ts("10.0.0.0/8"), ts("10.1.0.0/16")));
  EXPECT_TRUE(ts_within(ts("10.1.0.0/16[tcp/80]"), ts("10.0.0.0/8")));
  EXPECT_FALSE(ts_within(ts("10.1.0.0/16"), ts("10.0.0.0/8[tcp]")));
  EXPECT_FALSE(ts_within(ts("10.1.0.0/16[udp/80]"), ts("10.0.0.0/8[tcp]")));
  EXPECT_FALSE(ts_within(ts("10.1.0.0/16[tcp/79-80]"), ts("10.0.0.0/8[tcp/80-90]")));
  EXPECT_FALSE(ts_within(ts("10.1.0.0/16"), ts("::/0")));
}

}  // namespace
}  // namespace esp::ike
