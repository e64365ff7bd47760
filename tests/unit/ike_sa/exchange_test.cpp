// Two esp-iked cores in one process over the runtime on swemu: every
// exchange end to end, the SAs both sides install, and traffic through the
// cards with the keys they agreed.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <string>

#include "esp/ike/message.hpp"
#include "esp/ike/protect.hpp"
#include "esp/ike/sk_payload.hpp"
#include "esp/ike/conf_syntax.hpp"
#include "ike_test_net.hpp"
#include "ref/packets.hpp"

namespace esp::ike::test {
namespace {

using nlohmann::json;

struct Site {
  std::string name, addr, net;
};
const Site kMoon{"moon", "192.0.2.1", "10.1.0.0/16"};
const Site kSun{"sun", "192.0.2.2", "10.2.0.0/16"};

struct ConfOpts {
  std::string proposals = "aes256gcm16-prfsha384-ecp384";
  std::string esp = "aes256gcm16";
  std::string psk = "0sv+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL";
  std::string extra_conn;   // more keys in the connection
  std::string extra_child;  // more keys in the child
  std::string local_ts, remote_ts;
  std::string mode = "tunnel";
  std::string my_id, peer_id;  // default: <name>.example
};

std::string conf_for(const Site& me, const Site& peer, const ConfOpts& o) {
  return "connections {\n"
         "  gw {\n"
         "    local_addrs = " + me.addr + "\n"
         "    remote_addrs = " + peer.addr + "\n"
         "    proposals = " + o.proposals + "\n" + o.extra_conn +
         "    local { auth = psk\n id = " + (o.my_id.empty() ? me.name + ".example" : o.my_id) + " }\n"
         "    remote { auth = psk\n id = " + (o.peer_id.empty() ? peer.name + ".example" : o.peer_id) + " }\n"
         "    children {\n"
         "      net {\n"
         "        local_ts = " + (o.local_ts.empty() ? me.net : o.local_ts) + "\n"
         "        remote_ts = " + (o.remote_ts.empty() ? peer.net : o.remote_ts) + "\n"
         "        esp_proposals = " + o.esp + "\n"
         "        mode = " + o.mode + "\n" + o.extra_child +
         "      }\n"
         "    }\n"
         "  }\n"
         "}\n"
         "secrets {\n"
         "  ike-gw {\n"
         "    id-1 = " + (o.my_id.empty() ? me.name + ".example" : o.my_id) + "\n"
         "    id-2 = " + (o.peer_id.empty() ? peer.name + ".example" : o.peer_id) + "\n"
         "    secret = " + o.psk + "\n"
         "  }\n"
         "}\n";
}

class Exchange : public ::testing::Test {
 protected:
  MemNet net;
  Peer* moon = nullptr;
  Peer* sun = nullptr;

  void TearDown() override {
    if (!HasFailure()) return;
    for (const auto& l : moon->log_lines) std::cerr << l << "\n";
    for (const auto& l : sun->log_lines) std::cerr << l << "\n";
  }
  void SetUp() override {
    moon = &net.add("moon", kMoon.addr);
    sun = &net.add("sun", kSun.addr);
  }
  void start(const ConfOpts& m, const ConfOpts& s, IkeOptions opts = {}) {
    moon->start(conf_for(kMoon, kSun, m), "", opts);
    sun->start(conf_for(kSun, kMoon, s), "", opts);
  }
  void start(const ConfOpts& both = {}) { start(both, both); }
  void up() {
    moon->mgr().initiate("net", "", net.now);
    net.pump();
  }
  static const json& first_child(const json& sas) { return sas.at("ike-sas").at(0).at("child-sas").at(0); }

  // Both sides agree on one CHILD_SA and traffic passes both ways.
  void expect_child_agrees() {
    json m = moon->sas(), s = sun->sas();
    ASSERT_EQ(m["ike-sas"].size(), 1u) << m.dump(2);
    ASSERT_EQ(s["ike-sas"].size(), 1u) << s.dump(2);
    EXPECT_EQ(m["ike-sas"][0]["state"], "ESTABLISHED");
    EXPECT_EQ(s["ike-sas"][0]["state"], "ESTABLISHED");
    EXPECT_EQ(m["ike-sas"][0]["initiator-spi"], s["ike-sas"][0]["initiator-spi"]);
    EXPECT_EQ(m["ike-sas"][0]["responder-spi"], s["ike-sas"][0]["responder-spi"]);
    ASSERT_EQ(m["ike-sas"][0]["child-sas"].size(), 1u) << m.dump(2);
    ASSERT_EQ(s["ike-sas"][0]["child-sas"].size(), 1u) << s.dump(2);
    const json& mc = first_child(m);
    const json& sc = first_child(s);
    EXPECT_EQ(mc["spi-in"], sc["spi-out"]);
    EXPECT_EQ(mc["spi-out"], sc["spi-in"]);
    EXPECT_EQ(mc["encr-alg"], sc["encr-alg"]);
    auto hm = moon->mgr().child_handles();
    auto hs = sun->mgr().child_handles();
    ASSERT_EQ(hm.size(), 1u);
    ASSERT_EQ(hs.size(), 1u);
    EXPECT_TRUE(traffic_passes(moon->rt(), hm[0].out, sun->rt(), "10.1.0.5", "10.2.0.7"));
    EXPECT_TRUE(traffic_passes(sun->rt(), hs[0].out, moon->rt(), "10.2.0.7", "10.1.0.5"));
  }
};

TEST_F(Exchange, PskSetupInstallsMatchingChildSas) {
  start();
  up();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  json m = moon->sas();
  EXPECT_EQ(m["ike-sas"][0]["local-id"], "moon.example");
  EXPECT_EQ(m["ike-sas"][0]["remote-id"], "sun.example");
  EXPECT_EQ(m["ike-sas"][0]["encr-alg"], "AES_GCM_16");
  EXPECT_EQ(m["ike-sas"][0]["encr-keysize"], 256);
  EXPECT_EQ(m["ike-sas"][0]["dh-group"], "ECP_384");
  EXPECT_EQ(first_child(m)["local-ts"], json::array({"10.1.0.0/16"}));
  EXPECT_EQ(first_child(m)["remote-ts"], json::array({"10.2.0.0/16"}));
  EXPECT_EQ(moon->rt().sa_count(), 2u);
  EXPECT_EQ(sun->rt().sa_count(), 2u);
}

struct SuiteCase {
  const char* ike;
  const char* esp;
};

class ExchangeSuites : public Exchange, public ::testing::WithParamInterface<SuiteCase> {};

TEST_P(ExchangeSuites, AgreeAndCarryTraffic) {
  ConfOpts o;
  o.proposals = GetParam().ike;
  o.esp = GetParam().esp;
  start(o);
  up();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
}

INSTANTIATE_TEST_SUITE_P(Proposals, ExchangeSuites,
                         ::testing::Values(SuiteCase{"aes128gcm16-prfsha256-x25519", "aes128gcm16"},
                                           SuiteCase{"aes256gcm16-prfsha512-ecp521", "aes256gcm16-esn"},
                                           SuiteCase{"aes128-sha256-modp2048", "aes128gmac"},
                                           SuiteCase{"aes256-sha384-ecp256", "aes256gmac"},
                                           SuiteCase{"aes256-sha512-modp3072", "aes128gcm16"}));

TEST_F(Exchange, InvalidKePayloadRetriesWithTheGroupAsked) {
  ConfOpts m, s;
  m.proposals = "aes256gcm16-prfsha384-ecp256-ecp384";  // first KE: ecp256
  s.proposals = "aes256gcm16-prfsha384-ecp384";
  start(m, s);
  up();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  EXPECT_EQ(moon->sas()["ike-sas"][0]["dh-group"], "ECP_384");
  // The first IKE_SA_INIT was answered with INVALID_KE_PAYLOAD.
  unsigned inits = 0;
  for (const auto& w : net.delivered) {
    auto h = parse_header(w.data.data(), w.data.size());
    if (h && h.value().exchange == ExchangeType::IkeSaInit && !h.value().response()) inits++;
  }
  EXPECT_EQ(inits, 2u);
}

TEST_F(Exchange, CookiesWhenHalfOpenThresholdIsReached) {
  IkeOptions opts;
  opts.cookie_threshold = 0;  // every IKE_SA_INIT needs a cookie
  start({}, {}, opts);
  up();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  EXPECT_EQ(sun->mgr().stats().cookies_sent, 1u);
}

TEST_F(Exchange, LostResponseIsRetransmittedFromTheCache) {
  start();
  int dropped = 0;
  net.drop = [&](const Wire& w) {
    auto h = parse_header(w.data.data(), w.data.size());
    if (h && h.value().exchange == ExchangeType::IkeAuth && h.value().response() && dropped == 0) {
      dropped++;
      return true;
    }
    return false;
  };
  up();
  EXPECT_EQ(moon->mgr().ike_state("gw"), "CONNECTING");
  net.advance(std::chrono::seconds(5));
  EXPECT_EQ(dropped, 1);
  EXPECT_EQ(moon->mgr().stats().retransmits, 1u);
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
}

TEST_F(Exchange, GivesUpWhenThePeerNeverAnswers) {
  IkeOptions opts;
  opts.retransmit_timeout = 1;
  opts.retransmit_tries = 3;
  start({}, {}, opts);
  net.drop = [](const Wire&) { return true; };
  up();
  net.advance(std::chrono::seconds(60));
  EXPECT_EQ(moon->mgr().ike_sa_count(), 0u);
  EXPECT_EQ(moon->mgr().stats().retransmits, 3u);
}

TEST_F(Exchange, WrongPskFailsOnBothSidesAndInstallsNothing) {
  ConfOpts m, s;
  s.psk = "0x0102030405060708";
  start(m, s);
  up();
  EXPECT_EQ(moon->mgr().ike_sa_count(), 0u);
  EXPECT_EQ(sun->mgr().ike_sa_count(), 0u);
  EXPECT_EQ(sun->mgr().stats().auth_failures, 1u);
  EXPECT_EQ(moon->rt().sa_count(), 0u);
  EXPECT_EQ(sun->rt().sa_count(), 0u);
}

TEST_F(Exchange, ChildRekeyMakesNewSasAndDeletesTheOld) {
  ConfOpts o;
  o.esp = "aes256gcm16-ecp256";  // PFS
  start(o);
  up();
  std::string old_in = first_child(moon->sas())["spi-in"];
  moon->mgr().rekey_child("net", net.now);
  net.pump();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  EXPECT_NE(first_child(moon->sas())["spi-in"], old_in);
  EXPECT_EQ(first_child(moon->sas())["dh-group"], "ECP_256");
  EXPECT_EQ(moon->rt().sa_count(), 2u);
  EXPECT_EQ(sun->rt().sa_count(), 2u);
}

TEST_F(Exchange, SimultaneousChildRekeyLeavesOnePair) {
  start();
  up();
  moon->mgr().rekey_child("net", net.now);
  sun->mgr().rekey_child("net", net.now);
  net.pump();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  // Both saw the collision; exactly one of them lost it (RFC 7296 2.8.1).
  auto count = [](const Peer* p, const std::string& what) {
    return std::count_if(p->log_lines.begin(), p->log_lines.end(),
                         [&](const std::string& l) { return l.find(what) != std::string::npos; });
  };
  EXPECT_EQ(count(moon, "collision lost") + count(sun, "collision lost"), 1);
  EXPECT_EQ(count(moon, "collision won") + count(sun, "collision won"), 1);
  EXPECT_EQ(moon->rt().sa_count(), 2u);
  EXPECT_EQ(sun->rt().sa_count(), 2u);
}

TEST_F(Exchange, IkeRekeyKeepsTheChildren) {
  start();
  up();
  std::string spi_i = moon->sas()["ike-sas"][0]["initiator-spi"];
  std::string child_in = first_child(moon->sas())["spi-in"];
  sun->mgr().rekey_ike("gw", net.now);
  net.pump();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  EXPECT_NE(moon->sas()["ike-sas"][0]["initiator-spi"], spi_i);
  EXPECT_EQ(first_child(moon->sas())["spi-in"], child_in);
  // The new IKE SA works: a child rekey over it.
  moon->mgr().rekey_child("net", net.now);
  net.pump();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
}

TEST_F(Exchange, DeleteChildAndIkeBothWays) {
  start();
  up();
  sun->mgr().terminate_child("net", net.now);
  net.pump();
  EXPECT_EQ(moon->mgr().child_sa_count(), 0u);
  EXPECT_EQ(sun->mgr().child_sa_count(), 0u);
  EXPECT_EQ(moon->rt().sa_count(), 0u);
  EXPECT_EQ(sun->rt().sa_count(), 0u);
  moon->mgr().initiate("net", "", net.now);
  net.pump();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  moon->mgr().terminate_ike("gw", net.now);
  net.pump();
  EXPECT_EQ(moon->mgr().ike_sa_count(), 0u);
  EXPECT_EQ(sun->mgr().ike_sa_count(), 0u);
  EXPECT_EQ(sun->rt().sa_count(), 0u);
}

TEST_F(Exchange, DeadPeerDetectionClearsTheSas) {
  ConfOpts o;
  o.extra_conn = "    dpd_delay = 10s\n";
  IkeOptions opts;
  opts.retransmit_timeout = 1;
  opts.retransmit_tries = 2;
  start(o, o, opts);
  up();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  net.advance(std::chrono::seconds(15));
  EXPECT_EQ(moon->mgr().ike_sa_count(), 1u);  // DPD answered
  net.drop = [&](const Wire& w) { return w.to.addr == sun->addr; };
  net.advance(std::chrono::seconds(30));
  EXPECT_EQ(moon->mgr().ike_sa_count(), 0u);
  EXPECT_EQ(moon->rt().sa_count(), 0u);
}

TEST_F(Exchange, NatTraversalFloatsTo4500AndEncapsulates) {
  net.nat = true;
  net.nat_inside = moon->addr;
  net.nat_outside = runtime::IpAddr::parse("198.51.100.9");
  ConfOpts m, s;
  s.extra_conn = "";
  // sun sees moon at the NAT's address.
  std::string sun_conf = conf_for(kSun, Site{"moon", "198.51.100.9", kMoon.net}, s);
  moon->start(conf_for(kMoon, kSun, m));
  sun->start(sun_conf);
  up();
  json mj = moon->sas(), sj = sun->sas();
  ASSERT_EQ(mj["ike-sas"].size(), 1u);
  EXPECT_EQ(mj["ike-sas"][0]["nat-local"], true);
  EXPECT_EQ(sj["ike-sas"][0]["nat-remote"], true);
  EXPECT_EQ(mj["ike-sas"][0]["remote-port"], 4500);
  EXPECT_EQ(sj["ike-sas"][0]["remote-port"], 4500 + 20000);
  EXPECT_EQ(first_child(mj)["encap"], true);
  EXPECT_EQ(first_child(sj)["encap"], true);
  auto hm = moon->mgr().child_handles();
  auto info = moon->rt().query_sa(hm[0].out);
  EXPECT_TRUE(info.udp_encap);
  EXPECT_EQ(info.udp_dport, 4500);
  net.advance(std::chrono::seconds(25));
  EXPECT_GE(moon->keepalives_sent, 1u);
  EXPECT_EQ(sun->keepalives_sent, 0u);
}

TEST_F(Exchange, FragmentedIkeAuth) {
  IkeOptions opts;
  opts.fragment_size = 200;
  start({}, {}, opts);
  up();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  bool saw_skf = false;
  for (const auto& w : net.delivered) {
    auto m = parse(w.data);
    if (m && !m.value().payloads.empty() && m.value().payloads.back().type == PayloadType::SKF) saw_skf = true;
  }
  EXPECT_TRUE(saw_skf);
}

struct IdCase {
  const char* moon_id;
  const char* sun_id;
  const char* moon_printed;  // what sun lists as remote-id
};

class ExchangeIds : public Exchange, public ::testing::WithParamInterface<IdCase> {};

TEST_P(ExchangeIds, IdentityTypesAuthenticate) {
  ConfOpts m, s;
  m.my_id = s.peer_id = GetParam().moon_id;
  m.peer_id = s.my_id = GetParam().sun_id;
  start(m, s);
  up();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  EXPECT_EQ(sun->sas()["ike-sas"][0]["remote-id"], GetParam().moon_printed);
}

INSTANTIATE_TEST_SUITE_P(Types, ExchangeIds,
                         ::testing::Values(IdCase{"192.0.2.1", "sun@example.com", "192.0.2.1"},
                                           IdCase{"2001:db8::1", "@sun.example", "2001:db8::1"},
                                           IdCase{"moon@example.com", "192.0.2.2", "moon@example.com"},
                                           IdCase{"\"C=CH, O=espi, CN=moon\"", "sun.example",
                                                  "C=CH, O=espi, CN=moon"}));

TEST_F(Exchange, SoftExpireFromTheCardRekeysAndHardExpireDeletes) {
  ConfOpts o;
  o.extra_child = "        rekey_packets = 3\n        life_packets = 1000\n";
  start(o);
  up();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());  // one packet each way
  std::string old_in = first_child(moon->sas())["spi-in"];
  auto hm = moon->mgr().child_handles();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(traffic_passes(moon->rt(), hm[0].out, sun->rt(), "10.1.0.5", "10.2.0.7"));
  // The card flags the soft limit; the runtime raises the event.
  moon->rt().tick();
  std::vector<runtime::Event> evs;
  moon->rt().events().poll(evs);
  bool soft = false;
  for (const auto& e : evs)
    if (e.type == runtime::EventType::SoftExpire) {
      soft = true;
      moon->mgr().sa_expired(e.sa, false, net.now);
    }
  ASSERT_TRUE(soft) << "no soft-expire event from the runtime";
  net.pump();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  EXPECT_NE(first_child(moon->sas())["spi-in"], old_in);
  // A hard expire: the SA is gone from the card and the peer is told.
  auto h = moon->mgr().child_handles();
  moon->rt().del_sa(h[0].out);  // what the runtime does at a hard limit
  moon->mgr().sa_expired(h[0].out, true, net.now);
  net.pump();
  EXPECT_EQ(moon->mgr().child_sa_count(), 0u);
  EXPECT_EQ(sun->mgr().child_sa_count(), 0u);
  EXPECT_EQ(moon->rt().sa_count(), 0u);
  EXPECT_EQ(sun->rt().sa_count(), 0u);
}

TEST_F(Exchange, NatMappingChangeUpdatesTheCard) {
  net.nat = true;
  net.nat_inside = moon->addr;
  net.nat_outside = runtime::IpAddr::parse("198.51.100.9");
  ConfOpts m, s;
  ConfOpts dpd = m;
  dpd.extra_conn = "    dpd_delay = 5s\n";
  moon->start(conf_for(kMoon, kSun, dpd));
  sun->start(conf_for(kSun, Site{"moon", "198.51.100.9", kMoon.net}, s));
  up();
  auto hs = sun->mgr().child_handles();
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(sun->rt().query_sa(hs[0].out).udp_dport, 4500 + 20000);
  // The NAT forgets the mapping and picks another port; moon's next message
  // (a liveness check) comes from it.
  net.nat_port_offset = 30000;
  net.advance(std::chrono::seconds(7));
  EXPECT_EQ(sun->sas()["ike-sas"][0]["remote-port"], 4500 + 30000);
  EXPECT_EQ(sun->rt().query_sa(hs[0].out).udp_dport, 4500 + 30000);
  EXPECT_EQ(sun->rt().query_sa(hs[0].in).udp_sport, 4500 + 30000);
}

TEST_F(Exchange, SimultaneousIkeRekeyLeavesOneIkeSa) {
  start();
  up();
  moon->mgr().rekey_ike("gw", net.now);
  sun->mgr().rekey_ike("gw", net.now);
  net.pump();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  // The survivor carries on: a CHILD_SA rekey and a delete over it.
  moon->mgr().rekey_child("net", net.now);
  net.pump();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  sun->mgr().terminate_ike("gw", net.now);
  net.pump();
  EXPECT_EQ(moon->mgr().ike_sa_count(), 0u);
  EXPECT_EQ(moon->rt().sa_count(), 0u);
}

TEST_F(Exchange, AuthenticatedUnknownCriticalPayloadIsAnswered) {
  start();
  up();
  ASSERT_EQ(moon->ike_keys.size(), 1u);
  const auto& k = moon->ike_keys[0];
  // An INFORMATIONAL request from moon (message ID 2) carrying a critical
  // payload of a type no one knows, protected with moon's real keys.
  SkCipher tx(k.suite.encr, k.suite.encr_key_bits, k.suite.integ, k.keys.sk_ei, k.keys.sk_ai);
  SkCipher rx(k.suite.encr, k.suite.encr_key_bits, k.suite.integ, k.keys.sk_er, k.keys.sk_ar);
  IkeHeader h;
  h.spi_i = k.spi_i;
  h.spi_r = k.spi_r;
  h.exchange = ExchangeType::Informational;
  h.flags = flags::kInitiator;
  h.message_id = 2;
  Payload odd;
  odd.type = static_cast<PayloadType>(200);
  odd.critical = true;
  odd.body = RawPayload{Bytes{1, 2, 3, 4}};
  auto sealed = seal_message(h, {odd}, tx, 0);
  ASSERT_TRUE(sealed.ok());
  net.delivered.clear();
  const Wire w{Endpoint{moon->addr, 500}, Endpoint{sun->addr, 500}, sealed.value()[0]};
  sun->mgr().receive(w.to, w.from, w.data.data(), w.data.size(), net.now);
  ASSERT_EQ(net.queue.size(), 1u);
  Bytes resp = net.queue.front().data;
  net.queue.clear();
  auto m = parse(resp);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m.value().header.response());
  EXPECT_EQ(m.value().header.message_id, 2u);
  auto inner = open_message(resp, m.value(), rx);
  ASSERT_TRUE(inner.ok());
  ASSERT_EQ(inner.value().size(), 1u);
  const auto* n = inner.value()[0].as<NotifyPayload>();
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->type, NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD);
  EXPECT_EQ(n->data, Bytes{200});
  // The IKE SA goes on (sun's own requests; moon's message IDs are the
  // test's to spend now).
  std::string old_in = first_child(sun->sas())["spi-in"];
  sun->mgr().rekey_child("net", net.now);
  net.pump();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  EXPECT_NE(first_child(sun->sas())["spi-in"], old_in);
}

TEST_F(Exchange, SettingsTheCoreWouldIgnoreAreRefusedWithFileAndLine) {
  struct Case {
    const char* conn_extra;
    const char* child_extra;
    const char* what;
  } cases[] = {
      {"    reauth_time = 24h\n", "", "reauth_time"},
      {"    keyingtries = 0\n", "", "keyingtries"},
      {"    unique = replace\n", "", "unique"},
      {"    fragmentation = force\n", "", "fragmentation"},
      {"", "        close_action = start\n", "close_action"},
      {"", "        dpd_action = trap\n", "dpd_action = trap"},
  };
  for (const auto& c : cases) {
    ConfOpts o;
    o.extra_conn = c.conn_extra;
    o.extra_child = c.child_extra;
    try {
      moon->start(conf_for(kMoon, kSun, o));
      ADD_FAILURE() << c.what << " was accepted";
    } catch (const conf::ConfError& e) {
      EXPECT_NE(std::string(e.what()).find(c.what), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("moon.conf:"), std::string::npos) << e.what();
    }
  }
}

// An Outbound packet 10.1.0.5 -> 10.2.0.7 through moon's SPD: its status.
runtime::Status outbound_status(runtime::Runtime& rt) {
  ref::pkt::PacketSpec s;
  s.version = 4;
  s.l4 = ref::pkt::L4::UDP;
  s.payload_len = 32;
  s.src = runtime::IpAddr::parse("10.1.0.5");
  s.dst = runtime::IpAddr::parse("10.2.0.7");
  s.sport = 1000;
  s.dport = 2000;
  Bytes plain = ref::pkt::build(s), out(2048);
  auto q = rt.open_queue();
  runtime::Packet p;
  p.op = runtime::PacketOp::Outbound;
  p.data = plain.data();
  p.len = static_cast<std::uint32_t>(plain.size());
  p.out = out.data();
  p.out_cap = static_cast<std::uint32_t>(out.size());
  EXPECT_EQ(q->submit(&p, 1), 1u);
  q->flush();
  runtime::PacketResult r;
  EXPECT_EQ(q->poll(&r, 1, 5000), 1u);
  return r.status;
}

// The acquire events the runtime raised since the last call.
std::vector<runtime::Event> acquires(runtime::Runtime& rt) {
  std::vector<runtime::Event> evs, out;
  rt.events().poll(evs);
  for (const auto& e : evs)
    if (e.type == runtime::EventType::Acquire) out.push_back(e);
  return out;
}

TEST_F(Exchange, TrapPolicyTurnsTrafficIntoANegotiation) {
  ConfOpts m;
  m.extra_child = "        start_action = trap\n";
  start(m, ConfOpts{});
  moon->mgr().start(net.now);
  net.pump();
  EXPECT_EQ(moon->sas()["ike-sas"].size(), 0u) << "a trap must not initiate by itself";
  ASSERT_EQ(moon->mgr().traps().size(), 1u);
  EXPECT_NE(moon->mgr().traps()[0].find("10.1.0.0/16 === 10.2.0.0/16"), std::string::npos) << moon->mgr().traps()[0];

  // Traffic meets the trap: no SA yet, an acquire with the child's reqid.
  EXPECT_EQ(outbound_status(moon->rt()), runtime::Status(spec::HostStatus::NO_SA));
  auto acq = acquires(moon->rt());
  ASSERT_EQ(acq.size(), 1u);
  EXPECT_NE(moon->mgr().acquire(acq[0].reqid, net.now), "");
  EXPECT_EQ(moon->mgr().acquire(acq[0].reqid, net.now), "") << "a second acquire while negotiating starts nothing";
  EXPECT_EQ(moon->mgr().acquire(acq[0].reqid + 1000, net.now), "") << "an unknown reqid is ignored";
  net.pump();
  expect_child_agrees();
  // The CHILD_SA's own policy now ranks above the trap.
  EXPECT_TRUE(outbound_status(moon->rt()).ok());
  EXPECT_EQ(moon->mgr().acquire(acq[0].reqid, net.now), "") << "installed: nothing to do";

  // Once the CHILD_SA is gone, the trap catches the traffic again.
  moon->mgr().terminate_child("net", net.now);
  net.pump();
  EXPECT_EQ(moon->mgr().child_sa_count(), 0u);
  EXPECT_EQ(outbound_status(moon->rt()), runtime::Status(spec::HostStatus::NO_SA));

  // A reload without the trap removes its policies: no policy matches now.
  auto cfg = std::make_shared<const conf::Config>(
      conf::load_config(conf::parse_conf_string(conf_for(kMoon, kSun, ConfOpts{}), "moon.conf", ".")));
  moon->mgr().reload(cfg, std::make_shared<const CredentialStore>(CredentialStore::load("/nonexistent-swanctl", *cfg)),
                     net.now);
  EXPECT_TRUE(moon->mgr().traps().empty());
  EXPECT_NE(outbound_status(moon->rt()), runtime::Status(spec::HostStatus::NO_SA));
}

TEST_F(Exchange, TrafficSelectorsAreNarrowed) {
  ConfOpts m, s;
  m.local_ts = "10.0.0.0/8";
  m.remote_ts = "10.0.0.0/8";
  start(m, s);
  up();
  json mc = first_child(moon->sas());
  EXPECT_EQ(mc["local-ts"], json::array({"10.1.0.0/16"}));
  EXPECT_EQ(mc["remote-ts"], json::array({"10.2.0.0/16"}));
}

TEST_F(Exchange, TransportMode) {
  ConfOpts o;
  o.mode = "transport";
  o.local_ts = "dynamic";
  o.remote_ts = "dynamic";
  start(o);
  up();
  json mc = first_child(moon->sas());
  EXPECT_EQ(mc["mode"], "TRANSPORT");
  EXPECT_EQ(mc["local-ts"], json::array({"192.0.2.1/32"}));
}

TEST_F(Exchange, GarbageAndTamperedMessagesChangeNothing) {
  start();
  up();
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
  json before = sun->sas();
  // Every message that crossed the wire, bit-flipped and truncated, replayed at sun.
  std::vector<Wire> seen = net.delivered;
  for (const auto& w : seen) {
    if (!(w.to.addr == sun->addr)) continue;
    for (std::size_t i = 0; i < w.data.size(); i += 7) {
      Bytes b = w.data;
      b[i] ^= 0x40;
      sun->mgr().receive(w.to, w.from, b.data(), b.size(), net.now);
      sun->mgr().receive(w.to, w.from, b.data(), i, net.now);
    }
  }
  net.queue.clear();
  // Altered IKE_SA_INITs are new requests: half-open SAs, never authenticated,
  // gone after the half-open timeout. The established SA is untouched.
  EXPECT_EQ(sun->mgr().ike_sa_count(), 1u + sun->mgr().half_open_count());
  net.drop = [](const Wire&) { return true; };
  net.advance(std::chrono::seconds(35));
  net.drop = nullptr;
  json after = sun->sas();
  EXPECT_EQ(after["ike-sas"].size(), 1u);
  EXPECT_EQ(after["ike-sas"][0]["initiator-spi"], before["ike-sas"][0]["initiator-spi"]);
  EXPECT_EQ(first_child(after)["spi-in"], first_child(before)["spi-in"]);
  EXPECT_GT(sun->mgr().stats().bad_messages, 0u);
  ASSERT_NO_FATAL_FAILURE(expect_child_agrees());
}

}  // namespace
}  // namespace esp::ike::test
