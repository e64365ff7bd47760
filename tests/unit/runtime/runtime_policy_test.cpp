// SPD, selectors, lifetimes and events through the Runtime: outbound packets
// looked up in the SPD (protect / bypass / discard / acquire), the inbound
// selector check (RFC 4301 5.2), soft and hard expiry by packets, bytes and
// seconds, replay and auth-failure thresholds.
#include <gtest/gtest.h>

#include <poll.h>

#include <chrono>
#include <thread>

#include "runtime_test_util.hpp"

namespace esp::runtime::test {
namespace {

Policy out_policy(const char* src, const char* dst, PolicyAction act, SaId sa = {}, uint32_t prio = 100) {
  Policy p;
  p.dir = Direction::Outbound;
  p.src = TrafficSelector::parse(src);
  p.dst = TrafficSelector::parse(dst);
  p.action = act;
  p.sa = sa;
  p.priority = prio;
  p.reqid = 5;
  return p;
}

Bytes flow(const char* src, const char* dst, uint16_t dport, uint32_t seed = 1) {
  ref::pkt::PacketSpec s;
  s.src = IpAddr::parse(src);
  s.dst = IpAddr::parse(dst);
  s.sport = 1234;
  s.dport = dport;
  s.payload_len = 60;
  s.seed = seed;
  return ref::pkt::build(s);
}

std::vector<Event> drain(Runtime& rt) {
  std::vector<Event> ev;
  rt.events().poll(ev);
  return ev;
}

TEST(RuntimePolicy, OutboundPacketsFollowTheSpd) {
  RtOpts o;
  auto rt = make_runtime(o);
  const SaId sa = rt->add_sa(tunnel_sa(0x1111, Direction::Outbound, true, 1));
  const PolicyId prot = rt->add_policy(out_policy("10.1.0.0/16", "10.2.0.0/16", PolicyAction::Protect, sa));
  const PolicyId byp = rt->add_policy(out_policy("10.1.0.0/16", "10.2.9.0/24[udp/53]", PolicyAction::Bypass, {}, 10));
  const PolicyId disc = rt->add_policy(out_policy("10.1.0.0/16", "10.3.0.0/16", PolicyAction::Discard));
  const PolicyId trap = rt->add_policy(out_policy("10.1.0.0/16", "10.4.0.0/16", PolicyAction::Protect));
  auto q = rt->open_queue();
  Burst b;
  b.add(PacketOp::Outbound, flow("10.1.0.5", "10.2.0.7", 80));   // protect
  b.add(PacketOp::Outbound, flow("10.1.0.5", "10.2.9.1", 53));   // bypass (higher priority)
  b.add(PacketOp::Outbound, flow("10.1.0.5", "10.2.9.1", 54));   // protect
  b.add(PacketOp::Outbound, flow("10.1.0.5", "10.3.0.1", 80));   // discard
  b.add(PacketOp::Outbound, flow("10.1.0.5", "10.4.0.1", 80));   // protect, no SA: acquire
  b.add(PacketOp::Outbound, flow("10.1.0.5", "10.4.0.2", 80));   // again: no second acquire (rate limit)
  b.add(PacketOp::Outbound, flow("172.16.0.1", "10.2.0.1", 80)); // no policy: the default, bypass
  b.run(*q);
  const std::vector<Status> want = {spec::Status::OK,       spec::HostStatus::BYPASS, spec::Status::OK,
                                    spec::HostStatus::DISCARD, spec::HostStatus::NO_SA, spec::HostStatus::NO_SA,
                                    spec::HostStatus::BYPASS};
  const std::vector<PolicyId> pol = {prot, byp, prot, disc, trap, trap, 0};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(b.res[i].status, want[i]) << i << ": " << b.res[i].status.name();
    EXPECT_EQ(b.res[i].policy, pol[i]) << i;
  }
  EXPECT_EQ(b.res[0].sa, sa);
  EXPECT_EQ(b.res[2].seq, 2u);
  const std::vector<Event> ev = drain(*rt);
  ASSERT_EQ(ev.size(), 1u) << "one acquire per policy per interval";
  EXPECT_EQ(ev[0].type, EventType::Acquire);
  EXPECT_EQ(ev[0].policy, trap);
  EXPECT_EQ(ev[0].reqid, 5u);
  EXPECT_EQ(ev[0].dst.str(), "10.4.0.1");
  EXPECT_EQ(ev[0].dport, 80);

  // The daemon answers the acquire: an SA for the trap policy.
  const SaId sa2 = rt->add_sa(tunnel_sa(0x2222, Direction::Outbound, true, 2));
  rt->spd().set_sa(trap, sa2);
  Burst c;
  c.add(PacketOp::Outbound, flow("10.1.0.5", "10.4.0.1", 80));
  c.run(*q);
  EXPECT_EQ(c.res[0].status, Status(spec::Status::OK));
  EXPECT_EQ(c.res[0].sa, sa2);
  // A deleted SA behind a protect policy: no SA again.
  rt->del_sa(sa2);
  Burst d;
  d.add(PacketOp::Outbound, flow("10.1.0.5", "10.4.0.1", 80));
  d.run(*q);
  EXPECT_EQ(d.res[0].status, Status(spec::HostStatus::NO_SA));
  rt->del_policy(prot);
  EXPECT_FALSE(rt->query_policy(prot).has_value());
  EXPECT_THROW(rt->del_policy(prot), std::invalid_argument);
}

TEST(RuntimePolicy, InboundPacketsOutsideTheirSasSelectorsAreNotDelivered) {
  auto a = make_runtime(), b = make_runtime();
  const uint32_t spi = b->get_spi();
  const SaId out = a->add_sa(tunnel_sa(spi, Direction::Outbound, true, 4));
  SaConfig in = tunnel_sa(spi, Direction::Inbound, true, 4);
  in.src_ts = {TrafficSelector::parse("10.1.0.0/16")};
  in.dst_ts = {TrafficSelector::parse("10.2.0.0/16[udp]")};
  b->add_sa(in);
  auto qa = a->open_queue(), qb = b->open_queue();
  Burst e;
  e.add(PacketOp::Encrypt, flow("10.1.0.5", "10.2.0.7", 80), out);  // inside
  e.add(PacketOp::Encrypt, flow("10.9.0.5", "10.2.0.7", 80), out);  // source outside
  e.add(PacketOp::Encrypt, flow("10.1.0.5", "10.7.0.7", 80), out);  // destination outside
  e.run(*qa);
  Burst d;
  for (size_t i = 0; i < 3; ++i) d.add(PacketOp::Decrypt, e.output(i));
  d.run(*qb);
  EXPECT_EQ(d.res[0].status, Status(spec::Status::OK));
  EXPECT_EQ(d.output(0), e.in[0]);
  EXPECT_EQ(d.res[1].status, Status(spec::HostStatus::TS_MISMATCH));
  EXPECT_EQ(d.res[1].out_len, 0u);
  EXPECT_EQ(d.res[2].status, Status(spec::HostStatus::TS_MISMATCH));
}

TEST(RuntimePolicy, PacketAndByteLifetimesRaiseSoftThenHardExpiry) {
  auto rt = make_runtime();
  SaConfig c = tunnel_sa(0x3333, Direction::Outbound, true, 5);
  c.soft.packets = 4;
  c.hard.packets = 6;
  c.reqid = 9;
  const SaId sa = rt->add_sa(c);
  auto q = rt->open_queue();
  Burst b;
  for (int i = 0; i < 8; ++i) b.add(PacketOp::Encrypt, inner(50, uint32_t(i)), sa);
  b.run(*q);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(b.res[size_t(i)].status, Status(spec::Status::OK)) << i;
  EXPECT_FALSE(b.res[2].soft_expired);
  EXPECT_TRUE(b.res[3].soft_expired);
  EXPECT_EQ(b.res[6].status, Status(spec::Status::LIFETIME_EXPIRED));
  // The events come out of the housekeeping check (tick here).
  EXPECT_TRUE(drain(*rt).empty());
  rt->tick();
  const std::vector<Event> ev = drain(*rt);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].type, EventType::SoftExpire);
  EXPECT_EQ(ev[0].cause, ExpireCause::Packets);
  EXPECT_EQ(ev[0].sa, sa);
  EXPECT_EQ(ev[0].spi, 0x3333u);
  EXPECT_EQ(ev[0].reqid, 9u);
  EXPECT_EQ(ev[1].type, EventType::HardExpire);
  EXPECT_EQ(ev[1].cause, ExpireCause::Packets);
  EXPECT_FALSE(rt->valid(sa)) << "a hard expiry removes the SA, as XFRM does";
  rt->tick();
  EXPECT_TRUE(drain(*rt).empty()) << "each expiry is raised once";
}

TEST(RuntimePolicy, SecondLifetimesAreKeptByTheHost) {
  auto rt = make_runtime();
  SaConfig c = tunnel_sa(0x4444, Direction::Outbound, true, 6);
  c.soft.seconds = 1;
  c.hard.seconds = 2;
  const SaId sa = rt->add_sa(c);
  rt->tick();
  EXPECT_TRUE(drain(*rt).empty());
  // An event fd that a daemon polls becomes readable.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  rt->tick();
  pollfd p{rt->events().fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 1);
  std::vector<Event> ev = drain(*rt);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, EventType::SoftExpire);
  EXPECT_EQ(ev[0].cause, ExpireCause::Seconds);
  EXPECT_TRUE(rt->valid(sa));
  EXPECT_TRUE(rt->query_sa(sa).soft_expired);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  rt->tick();
  ev = drain(*rt);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, EventType::HardExpire);
  EXPECT_EQ(ev[0].cause, ExpireCause::Seconds);
  EXPECT_FALSE(rt->valid(sa));
}

TEST(RuntimePolicy, ReplayAndAuthFailureThresholdsRaiseEvents) {
  RtOpts o;
  o.replay_event_every = 3;
  o.auth_fail_event_every = 2;
  auto a = make_runtime(), b = make_runtime(o);
  const uint32_t spi = b->get_spi();
  const SaId out = a->add_sa(tunnel_sa(spi, Direction::Outbound, true, 7));
  const SaId in = b->add_sa(tunnel_sa(spi, Direction::Inbound, true, 7));
  auto qa = a->open_queue(), qb = b->open_queue();
  Burst e;
  e.add(PacketOp::Encrypt, inner(50, 1), out);
  e.add(PacketOp::Encrypt, inner(50, 2), out);
  e.run(*qa);
  Burst d;
  for (int i = 0; i < 7; ++i) d.add(PacketOp::Decrypt, e.output(0));  // 1 OK + 6 replays
  Bytes forged = e.output(1);
  forged[forged.size() - 3] ^= 0x40;
  for (int i = 0; i < 4; ++i) d.add(PacketOp::Decrypt, forged);  // 4 auth failures
  d.run(*qb);
  std::vector<Event> ev = drain(*b);
  size_t replay = 0, auth = 0;
  for (const Event& x : ev) {
    EXPECT_EQ(x.sa, in);
    if (x.type == EventType::ReplayThreshold) {
      EXPECT_EQ(x.count, 3 * ++replay);
    } else if (x.type == EventType::AuthFailThreshold) {
      EXPECT_EQ(x.count, 2 * ++auth);
    }
  }
  EXPECT_EQ(replay, 2u);
  EXPECT_EQ(auth, 2u);
  EXPECT_EQ(b->query_sa(in).counters.replay, 6u);
  EXPECT_EQ(b->query_sa(in).counters.auth_fail, 4u);
}

}  // namespace
}  // namespace esp::runtime::test
