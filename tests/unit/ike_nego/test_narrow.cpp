// Narrowing (RFC 7296 2.9) as responder and the initiator's check, with the
// RFC's examples: an initiator tunnelling 198.51.100.0/24 whose first TS is
// the packet's (198.51.100.43), responders allowing all of it, a part with
// the packet, a part without it, or nothing; and strongSwan's rule of
// narrowing to the config (the packet's selector is not kept on its own).
#include <gtest/gtest.h>

#include "esp/ike/ts.hpp"
#include "nego_test_util.hpp"

namespace esp::ike {
namespace {

using namespace test;
using Strs = std::vector<std::string>;

TsPayload payload(std::initializer_list<const char*> texts) { return make_ts_payload(tss(texts)); }

TEST(NarrowResponder, Rfc7296Examples) {
  struct Case {
    const char* name;
    std::initializer_list<const char*> our_local, our_remote;  // responder: local = TSr side
    std::initializer_list<const char*> tsi, tsr;
    Strs local, remote;  // empty: TS_UNACCEPTABLE
  } cases[] = {
      {"whole set allowed: same selectors back, packet TS absorbed",
       {"192.0.2.0/24"}, {"198.51.100.0/24"},
       {"198.51.100.43[tcp/33000]", "198.51.100.0/24"}, {"192.0.2.7[tcp/80]", "192.0.2.0/24"},
       {"192.0.2.0/24"}, {"198.51.100.0/24"}},
      {"part allowed, containing the first selector",
       {"192.0.2.0/24"}, {"198.51.100.0/25"},
       {"198.51.100.43[tcp/33000]", "198.51.100.0/24"}, {"192.0.2.7[tcp/80]", "192.0.2.0/24"},
       {"192.0.2.0/24"}, {"198.51.100.0/25"}},
      {"part allowed, not containing the first selector",
       {"192.0.2.0/24"}, {"198.51.100.128/25"},
       {"198.51.100.43[tcp/33000]", "198.51.100.0/24"}, {"192.0.2.7[tcp/80]", "192.0.2.0/24"},
       {"192.0.2.0/24"}, {"198.51.100.128/25"}},
      {"only the packet's host allowed",
       {"192.0.2.7"}, {"198.51.100.43"},
       {"198.51.100.43[tcp/33000]", "198.51.100.0/24"}, {"192.0.2.7[tcp/80]", "192.0.2.0/24"},
       {"192.0.2.7"}, {"198.51.100.43"}},
      {"nothing allowed", {"192.0.2.0/24"}, {"203.0.113.0/24"},
       {"198.51.100.43[tcp/33000]", "198.51.100.0/24"}, {"192.0.2.7[tcp/80]", "192.0.2.0/24"}, {}, {}},
      {"10.0.0.0/8 proposed, 10.1.0.0/16 configured", {"10.1.0.0/16"}, {"10.2.0.0/16"},
       {"10.0.0.0/8"}, {"10.0.0.0/8"}, {"10.1.0.0/16"}, {"10.2.0.0/16"}},
      {"10.1.0.0/16 proposed, 10.0.0.0/8 configured", {"10.0.0.0/8"}, {"0.0.0.0/0"},
       {"10.2.0.0/16"}, {"10.1.0.0/16"}, {"10.1.0.0/16"}, {"10.2.0.0/16"}},
      {"two configured subnets inside one proposed", {"10.1.0.0/16", "10.2.0.0/16"}, {"0.0.0.0/0"},
       {"172.16.0.0/12"}, {"10.0.0.0/8"}, {"10.1.0.0/16", "10.2.0.0/16"}, {"172.16.0.0/12"}},
      {"duplicates and contained results dropped", {"10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/8"}, {"0.0.0.0/0"},
       {"172.16.0.0/12"}, {"10.0.0.0/8"}, {"10.0.0.0/8"}, {"172.16.0.0/12"}},
      {"protocol and port narrowed", {"10.1.0.0/16[tcp/80]"}, {"0.0.0.0/0"},
       {"172.16.0.0/12"}, {"10.0.0.0/8"}, {"10.1.0.0/16[tcp/80]"}, {"172.16.0.0/12"}},
      {"one side empty is unacceptable", {"10.1.0.0/16"}, {"172.16.0.0/12[udp]"},
       {"172.16.0.0/12[tcp]"}, {"10.0.0.0/8"}, {}, {}},
      {"IPv6 proposed, IPv4 configured", {"10.1.0.0/16"}, {"0.0.0.0/0"},
       {"::/0"}, {"2001:db8::/32"}, {}, {}},
      {"both families, each narrowed", {"10.1.0.0/16", "2001:db8:1::/48"}, {"0.0.0.0/0", "::/0"},
       {"172.16.0.0/12", "2001:db8:2::/48"}, {"10.0.0.0/8", "2001:db8::/32"},
       {"10.1.0.0/16", "2001:db8:1::/48"}, {"172.16.0.0/12", "2001:db8:2::/48"}},
  };
  for (const auto& c : cases) {
    auto got = narrow_responder(tss(c.our_local), tss(c.our_remote), payload(c.tsi), payload(c.tsr));
    if (c.local.empty()) {
      EXPECT_FALSE(got) << c.name;
      continue;
    }
    ASSERT_TRUE(got) << c.name;
    EXPECT_EQ(strs(got->local), c.local) << c.name;
    EXPECT_EQ(strs(got->remote), c.remote) << c.name;
  }
}

TEST(NarrowResponder, InvalidPeerEntriesMatchNothing) {
  TsPayload tsr = payload({"10.0.0.0/8"});
  TrafficSelector bad = tsr.selectors[0];
  bad.start_addr = Bytes(16, 0);  // a 16-byte address in an IPv4 range
  tsr.selectors.insert(tsr.selectors.begin(), bad);
  auto got = narrow_responder(tss({"10.1.0.0/16"}), tss({"0.0.0.0/0"}), payload({"172.16.0.0/12"}), tsr);
  ASSERT_TRUE(got);
  EXPECT_EQ(strs(got->local), Strs{"10.1.0.0/16"});
  TsPayload only_bad;
  only_bad.selectors.push_back(bad);
  EXPECT_FALSE(narrow_responder(tss({"10.1.0.0/16"}), tss({"0.0.0.0/0"}), payload({"172.16.0.0/12"}), only_bad));
  EXPECT_FALSE(narrow_responder(tss({"10.1.0.0/16"}), tss({"0.0.0.0/0"}), payload({"172.16.0.0/12"}), TsPayload{}));
}

TEST(CheckInitiator, Table) {
  const auto local = tss({"198.51.100.43[tcp/33000]", "198.51.100.0/24"});
  const auto remote = tss({"192.0.2.7[tcp/80]", "192.0.2.0/24"});
  struct Case {
    const char* name;
    std::initializer_list<const char*> tsi, tsr;
    Strs local, remote;
    const char* error;
  } cases[] = {
      {"same back", {"198.51.100.43[tcp/33000]", "198.51.100.0/24"}, {"192.0.2.7[tcp/80]", "192.0.2.0/24"},
       {"198.51.100.0/24"}, {"192.0.2.0/24"}, nullptr},
      {"narrowed to the packet", {"198.51.100.43"}, {"192.0.2.7[tcp/80]"}, {"198.51.100.43"}, {"192.0.2.7[tcp/80]"},
       nullptr},
      {"narrowed to a part", {"198.51.100.128/25"}, {"192.0.2.0/26", "192.0.2.128/26"}, {"198.51.100.128/25"},
       {"192.0.2.0/26", "192.0.2.128/26"}, nullptr},
      {"wider than offered", {"198.51.100.0/23"}, {"192.0.2.0/24"}, {}, {}, "TSi 198.51.100.0/23 is not within"},
      {"protocol narrowed", {"198.51.100.0/24"}, {"192.0.2.7[udp/80]"}, {"198.51.100.0/24"}, {"192.0.2.7[udp/80]"},
       nullptr},
      {"other family", {"198.51.100.0/24"}, {"2001:db8::/32"}, {}, {}, "is not within"},
      {"empty TSr", {"198.51.100.0/24"}, {}, {}, {}, "TSr is empty"},
      {"empty TSi", {}, {"192.0.2.0/24"}, {}, {}, "TSi is empty"},
  };
  for (const auto& c : cases) {
    std::string why;
    auto got = check_initiator(local, remote, payload(c.tsi), payload(c.tsr), &why);
    if (c.error) {
      EXPECT_FALSE(got) << c.name;
      EXPECT_NE(why.find(c.error), std::string::npos) << c.name << ": got '" << why << "'";
      continue;
    }
    ASSERT_TRUE(got) << c.name << ": " << why;
    EXPECT_EQ(strs(got->local), c.local) << c.name;
    EXPECT_EQ(strs(got->remote), c.remote) << c.name;
  }
  std::string proto_why;
  EXPECT_FALSE(check_initiator(local, tss({"192.0.2.0/24[tcp]"}), payload({"198.51.100.0/24"}),
                               payload({"192.0.2.7[udp/80]"}), &proto_why));
  EXPECT_NE(proto_why.find("TSr 192.0.2.7[udp/80] is not within"), std::string::npos) << proto_why;
  TsPayload bad = payload({"198.51.100.0/24"});
  bad.selectors[0].start_port = 65535;
  bad.selectors[0].end_port = 0;
  std::string why;
  EXPECT_FALSE(check_initiator(local, remote, bad, payload({"192.0.2.0/24"}), &why));
  EXPECT_NE(why.find("TSi 1: OPAQUE"), std::string::npos) << why;
  EXPECT_FALSE(check_initiator(local, remote, bad, payload({"192.0.2.0/24"}), nullptr));
}

TEST(Transport, NatHostSubstituted) {
  // The peer behind a NAT proposes 10.0.0.5 (its own address); we see 203.0.113.9.
  const auto observed = runtime::IpAddr::parse("203.0.113.9");
  TsPayload tsi = payload({"10.0.0.5[udp/1701]", "10.0.0.0/24", "2001:db8::5"});
  TsPayload sub = substitute_nat_host(tsi, observed);
  EXPECT_EQ(strs(from_ts_payload(sub)), (Strs{"203.0.113.9[udp/1701]", "10.0.0.0/24", "2001:db8::5"}));
  EXPECT_EQ(strs(from_ts_payload(substitute_nat_host(tsi, runtime::IpAddr{}))), strs(from_ts_payload(tsi)));
  // Then narrowing against our transport-mode config (remote dynamic = the observed address) succeeds.
  auto n = narrow_responder(tss({"192.0.2.1"}), tss({"203.0.113.9"}), sub, payload({"192.0.2.1[udp/1701]"}));
  ASSERT_TRUE(n);
  EXPECT_EQ(strs(n->remote), Strs{"203.0.113.9[udp/1701]"});
  EXPECT_TRUE(transport_ok(*n, runtime::IpAddr::parse("192.0.2.1"), observed));
  EXPECT_FALSE(narrow_responder(tss({"192.0.2.1"}), tss({"203.0.113.9"}), tsi, payload({"192.0.2.1[udp/1701]"})));
}

TEST(Transport, HostsOnly) {
  const auto me = runtime::IpAddr::parse("192.0.2.1");
  const auto peer = runtime::IpAddr::parse("192.0.2.2");
  struct Case {
    std::initializer_list<const char*> local, remote;
    bool ok;
  } cases[] = {
      {{"192.0.2.1"}, {"192.0.2.2"}, true},
      {{"192.0.2.1[udp/1701]"}, {"192.0.2.2[udp/1701]"}, true},
      {{"192.0.2.1", "192.0.2.1[tcp/22]"}, {"192.0.2.2"}, true},
      {{"192.0.2.0/24"}, {"192.0.2.2"}, false},
      {{"192.0.2.1"}, {"192.0.2.2-192.0.2.3"}, false},
      {{"192.0.2.2"}, {"192.0.2.1"}, false},
      {{"192.0.2.1"}, {}, false},
  };
  for (const auto& c : cases) {
    Narrowed n{tss(c.local), tss(c.remote)};
    EXPECT_EQ(transport_ok(n, me, peer), c.ok) << strs(n.local).size();
  }
}

}  // namespace
}  // namespace esp::ike
