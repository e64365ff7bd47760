#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "esp/runtime/spd.hpp"

using esp::runtime::Direction;
using esp::runtime::DuplicatePolicy;
using esp::runtime::FlowKey;
using esp::runtime::IpAddr;
using esp::runtime::Policy;
using esp::runtime::PolicyAction;
using esp::runtime::PolicyId;
using esp::runtime::SaId;
using esp::runtime::Spd;
using esp::runtime::TrafficSelector;

namespace {

Policy pol(const char* src, const char* dst, uint32_t prio = 100, PolicyAction a = PolicyAction::Protect,
           SaId sa = {}, Direction dir = Direction::Outbound) {
  Policy p;
  p.dir = dir;
  p.src = TrafficSelector::parse(src);
  p.dst = TrafficSelector::parse(dst);
  p.priority = prio;
  p.action = a;
  p.sa = sa;
  return p;
}

FlowKey flow(const char* src, const char* dst, uint8_t proto = 6, uint16_t sport = 1234, uint16_t dport = 80) {
  FlowKey f;
  f.src = IpAddr::parse(src);
  f.dst = IpAddr::parse(dst);
  f.proto = proto;
  f.sport = sport;
  f.dport = dport;
  return f;
}

SaId sa(uint32_t i) { return SaId{0, i, 1}; }

TEST(Spd, AddQueryRemove) {
  Spd spd;
  EXPECT_EQ(spd.size(), 0u);
  EXPECT_FALSE(spd.lookup(Direction::Outbound, flow("10.1.0.1", "10.2.0.1")).matched());
  const PolicyId a = spd.add(pol("10.1.0.0/16", "10.2.0.0/16", 100, PolicyAction::Protect, sa(7)));
  const PolicyId b = spd.add(pol("10.1.0.0/16", "10.3.0.0/16", 100, PolicyAction::Bypass));
  EXPECT_NE(a, 0u);
  EXPECT_GT(b, a);
  EXPECT_EQ(spd.size(), 2u);
  ASSERT_TRUE(spd.query(a).has_value());
  EXPECT_EQ(spd.query(a)->dst.str(), "10.2.0.0/16");
  EXPECT_EQ(spd.query(a)->sa, sa(7));

  const Spd::Match m = spd.lookup(Direction::Outbound, flow("10.1.0.1", "10.2.0.1"));
  EXPECT_EQ(m.id, a);
  EXPECT_EQ(m.action, PolicyAction::Protect);
  EXPECT_EQ(m.sa, sa(7));
  EXPECT_EQ(spd.lookup(Direction::Outbound, flow("10.1.0.1", "10.3.0.1")).action, PolicyAction::Bypass);
  // Inbound policies are another table.
  EXPECT_FALSE(spd.lookup(Direction::Inbound, flow("10.1.0.1", "10.2.0.1")).matched());

  spd.remove(a);
  EXPECT_FALSE(spd.query(a).has_value());
  EXPECT_FALSE(spd.lookup(Direction::Outbound, flow("10.1.0.1", "10.2.0.1")).matched());
  EXPECT_EQ(spd.size(), 1u);
  EXPECT_THROW(spd.remove(a), std::invalid_argument);
  EXPECT_THROW(spd.remove(0), std::invalid_argument);
  EXPECT_THROW(spd.set_sa(a, sa(1)), std::invalid_argument);
  // Ids are not reused.
  EXPECT_GT(spd.add(pol("10.1.0.0/16", "10.2.0.0/16")), b);
}

TEST(Spd, NoMatchIsDiscard) {
  Spd spd;
  spd.add(pol("10.1.0.0/16", "10.2.0.0/16", 1, PolicyAction::Bypass));
  const Spd::Match m = spd.lookup(Direction::Outbound, flow("192.0.2.1", "10.2.0.1"));
  EXPECT_EQ(m.id, 0u);
  EXPECT_EQ(m.action, PolicyAction::Discard);
  EXPECT_FALSE(m.sa.valid());
}

TEST(Spd, DuplicateIsRefused) {
  Spd spd;
  spd.add(pol("10.1.0.0/16", "10.2.0.0/16", 100));
  try {
    spd.add(pol("10.1.0.0/16", "10.2.0.0/16", 100, PolicyAction::Bypass));
    FAIL();
  } catch (const DuplicatePolicy& e) {
    EXPECT_NE(std::string(e.what()).find("exists"), std::string::npos) << e.what();
  }
  // Another priority, direction or selector is another policy.
  EXPECT_NO_THROW(spd.add(pol("10.1.0.0/16", "10.2.0.0/16", 101)));
  EXPECT_NO_THROW(spd.add(pol("10.1.0.0/16", "10.2.0.0/16", 100, PolicyAction::Protect, {}, Direction::Inbound)));
  EXPECT_NO_THROW(spd.add(pol("10.1.0.0/16", "10.2.0.0/16[tcp]", 100)));
  EXPECT_EQ(spd.size(), 4u);
}

TEST(Spd, ValidationNamesTheField) {
  struct Bad {
    Policy p;
    const char* says;
  };
  Policy unset;
  Policy families = pol("10.0.0.0/8", "::/0");
  Policy protos = pol("10.0.0.0/8[tcp]", "10.0.0.0/8[udp]");
  Policy ports = pol("10.0.0.0/8", "10.0.0.0/8");
  ports.dst.port_from = 5;
  Policy reversed = pol("10.0.0.0/8", "10.0.0.0/8");
  std::swap(reversed.src.from, reversed.src.to);
  const Bad kBad[] = {
      {unset, "policy src: from address is unset"},
      {families, "different families"},
      {protos, "proto of src (6) and dst (17) differ"},
      {ports, "policy dst: ports 5-65535 on protocol 0"},
      {reversed, "policy src: from (10.255.255.255) is above to"},
  };
  Spd spd;
  for (const Bad& b : kBad) {
    try {
      spd.add(b.p);
      ADD_FAILURE() << "accepted: " << b.says;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(b.says), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(spd.size(), 0u);
  // One side any protocol, the other tcp: fine.
  EXPECT_NO_THROW(spd.add(pol("10.0.0.0/8", "10.0.0.0/8[tcp/80]")));
}

TEST(Spd, PriorityThenInsertionOrder) {
  Spd spd;
  const PolicyId wide = spd.add(pol("0.0.0.0/0", "0.0.0.0/0", 200, PolicyAction::Discard));
  const PolicyId first = spd.add(pol("10.0.0.0/8", "0.0.0.0/0", 100, PolicyAction::Protect, sa(1)));
  const PolicyId second = spd.add(pol("10.1.0.0/16", "0.0.0.0/0", 100, PolicyAction::Protect, sa(2)));
  const PolicyId top = spd.add(pol("10.1.2.0/24[tcp/1234]", "0.0.0.0/0", 50, PolicyAction::Bypass));
  EXPECT_EQ(spd.lookup(Direction::Outbound, flow("10.1.2.3", "1.1.1.1")).id, top);
  EXPECT_EQ(spd.lookup(Direction::Outbound, flow("10.1.2.3", "1.1.1.1", 6, 1235)).id, first);  // equal prio: earlier
  EXPECT_EQ(spd.lookup(Direction::Outbound, flow("11.1.2.3", "1.1.1.1")).id, wide);
  const auto l = spd.list();
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[0].first, top);
  EXPECT_EQ(l[1].first, first);
  EXPECT_EQ(l[2].first, second);
  EXPECT_EQ(l[3].first, wide);
  spd.remove(first);
  EXPECT_EQ(spd.lookup(Direction::Outbound, flow("10.1.2.3", "1.1.1.1", 6, 1235)).id, second);
}

TEST(Spd, SetSaAndReplaceSa) {
  Spd spd;
  const PolicyId a = spd.add(pol("10.1.0.0/16", "10.2.0.0/16", 1, PolicyAction::Protect, sa(1)));
  const PolicyId b = spd.add(pol("10.3.0.0/16", "10.2.0.0/16", 1, PolicyAction::Protect, sa(1)));
  spd.add(pol("10.4.0.0/16", "10.2.0.0/16", 1, PolicyAction::Protect, sa(2)));
  const PolicyId nosa = spd.add(pol("10.5.0.0/16", "10.2.0.0/16", 1, PolicyAction::Protect));
  EXPECT_FALSE(spd.lookup(Direction::Outbound, flow("10.5.0.1", "10.2.0.1")).sa.valid());  // acquire case
  spd.set_sa(nosa, sa(9));
  EXPECT_EQ(spd.lookup(Direction::Outbound, flow("10.5.0.1", "10.2.0.1")).sa, sa(9));
  EXPECT_EQ(spd.query(nosa)->sa, sa(9));

  EXPECT_EQ(spd.replace_sa(sa(1), sa(3)), 2u);
  EXPECT_EQ(spd.lookup(Direction::Outbound, flow("10.1.0.1", "10.2.0.1")).sa, sa(3));
  EXPECT_EQ(spd.lookup(Direction::Outbound, flow("10.3.0.1", "10.2.0.1")).sa, sa(3));
  EXPECT_EQ(spd.lookup(Direction::Outbound, flow("10.4.0.1", "10.2.0.1")).sa, sa(2));
  EXPECT_EQ(spd.query(a)->sa, sa(3));
  EXPECT_EQ(spd.query(b)->sa, sa(3));
  EXPECT_EQ(spd.replace_sa(sa(1), sa(4)), 0u);
}

TEST(Spd, SnapshotIsImmutable) {
  Spd spd;
  const PolicyId a = spd.add(pol("10.1.0.0/16", "10.2.0.0/16", 1, PolicyAction::Protect, sa(1)));
  const Spd::Snapshot old = spd.snapshot();
  spd.set_sa(a, sa(2));
  spd.add(pol("10.9.0.0/16", "10.2.0.0/16"));
  spd.remove(a);
  for (int i = 0; i < 200; ++i) spd.add(pol("10.10.0.0/16", "10.2.0.0/16", uint32_t(1000 + i)));  // rebuilds
  EXPECT_EQ(old.size(), 1u);
  EXPECT_EQ(old.lookup(Direction::Outbound, flow("10.1.0.1", "10.2.0.1")).sa, sa(1));
  EXPECT_FALSE(old.lookup(Direction::Outbound, flow("10.9.0.1", "10.2.0.1")).matched());
  EXPECT_FALSE(spd.lookup(Direction::Outbound, flow("10.1.0.1", "10.2.0.1")).matched());
  EXPECT_EQ(spd.snapshot().size(), 201u);
}

TEST(Spd, AddBatchIsAllOrNothing) {
  Spd spd;
  spd.add(pol("10.1.0.0/16", "10.2.0.0/16", 1));
  std::vector<Policy> batch = {pol("10.3.0.0/16", "10.2.0.0/16"), pol("10.1.0.0/16", "10.2.0.0/16", 1)};
  EXPECT_THROW(spd.add_batch(batch), DuplicatePolicy);
  batch = {pol("10.3.0.0/16", "10.2.0.0/16"), pol("10.3.0.0/16", "10.2.0.0/16")};
  EXPECT_THROW(spd.add_batch(batch), DuplicatePolicy);
  batch = {pol("10.3.0.0/16", "10.2.0.0/16"), pol("10.3.0.0/16", "::/0")};
  try {
    spd.add_batch(batch);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("policy 1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(spd.size(), 1u);
  batch = {pol("10.3.0.0/16", "10.2.0.0/16", 5, PolicyAction::Bypass), pol("10.3.0.0/16", "10.2.0.0/16", 4)};
  const auto ids = spd.add_batch(batch);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_EQ(spd.lookup(Direction::Outbound, flow("10.3.0.1", "10.2.0.1")).id, ids[1]);
  spd.clear();
  EXPECT_EQ(spd.size(), 0u);
  EXPECT_FALSE(spd.lookup(Direction::Outbound, flow("10.3.0.1", "10.2.0.1")).matched());
}

TEST(Spd, Ipv6AndOpaque) {
  Spd spd;
  const PolicyId port = spd.add(pol("2001:db8:1::/48", "2001:db8:2::/48[tcp/443]", 1));
  const PolicyId all = spd.add(pol("2001:db8:1::/48", "2001:db8:2::/48", 2, PolicyAction::Bypass));
  FlowKey f = flow("2001:db8:1::5", "2001:db8:2::7", 6, 999, 443);
  EXPECT_EQ(spd.lookup(Direction::Outbound, f).id, port);
  f.ports_opaque = true;
  f.sport = f.dport = 0;
  EXPECT_EQ(spd.lookup(Direction::Outbound, f).id, all);
  EXPECT_FALSE(spd.lookup(Direction::Outbound, flow("10.0.0.1", "10.0.0.2")).matched());
  EXPECT_FALSE(spd.lookup(Direction::Outbound, FlowKey{}).matched());
}

// The reference: a linear scan of the policies by (priority, id).
struct Model {
  std::map<PolicyId, Policy> ps;
  Spd::Match lookup(Direction dir, const FlowKey& f) const {
    const Policy* best = nullptr;
    PolicyId best_id = 0;
    for (const auto& [id, p] : ps) {
      if (p.dir != dir) continue;
      if (!p.src.contains(f.src, f.proto, f.sport, f.ports_opaque) ||
          !p.dst.contains(f.dst, f.proto, f.dport, f.ports_opaque))
        continue;
      if (!best || p.priority < best->priority) best = &p, best_id = id;
    }
    Spd::Match m;
    if (best) m = Spd::Match{best_id, best->action, best->sa, best->reqid};
    return m;
  }
};

Policy rand_policy(std::mt19937_64& rng) {
  auto side = [&](bool v6) {
    IpAddr a;
    a.version = v6 ? 6 : 4;
    if (v6) {
      a.bytes[0] = 0x20;
      a.bytes[1] = 0x01;
      a.bytes[3] = uint8_t(rng() % 8);
      a.bytes[5] = uint8_t(rng() % 8);
      return TrafficSelector::prefix(a, unsigned(16 + rng() % 33));
    }
    a.bytes[0] = 10;
    a.bytes[1] = uint8_t(rng() % 8);
    a.bytes[2] = uint8_t(rng() % 8);
    a.bytes[3] = uint8_t(rng());
    return TrafficSelector::prefix(a, unsigned(8 + rng() % 25));
  };
  const bool v6 = rng() % 3 == 0;
  Policy p;
  p.dir = rng() % 4 ? Direction::Outbound : Direction::Inbound;
  p.src = side(v6);
  p.dst = side(v6);
  if (rng() % 3 == 0) {
    p.dst.proto = rng() % 2 ? 6 : 17;
    if (rng() % 2) p.dst.port_from = p.dst.port_to = uint16_t(rng() % 4);
  }
  p.priority = uint32_t(rng() % 8);
  p.action = PolicyAction(rng() % 3);
  p.sa = sa(uint32_t(rng() % 16));
  p.reqid = uint32_t(rng());
  return p;
}

FlowKey rand_flow(std::mt19937_64& rng) {
  const bool v6 = rng() % 3 == 0;
  FlowKey f;
  for (IpAddr* a : {&f.src, &f.dst}) {
    a->version = v6 ? 6 : 4;
    if (v6) {
      a->bytes[0] = 0x20;
      a->bytes[1] = 0x01;
      a->bytes[3] = uint8_t(rng() % 8);
      a->bytes[5] = uint8_t(rng() % 8);
      a->bytes[15] = uint8_t(rng());
    } else {
      a->bytes[0] = 10;
      a->bytes[1] = uint8_t(rng() % 8);
      a->bytes[2] = uint8_t(rng() % 8);
      a->bytes[3] = uint8_t(rng());
    }
  }
  f.proto = rng() % 2 ? 6 : 17;
  f.sport = uint16_t(rng() % 4);
  f.dport = uint16_t(rng() % 4);
  f.ports_opaque = rng() % 8 == 0;
  return f;
}

// Adds, removes, batches, SA switches and clears in random order (crossing
// the pending-list rebuilds), checked against the linear model after each.
TEST(Spd, RandomOperationsMatchModel) {
  std::mt19937_64 rng(11);
  Spd spd;
  Model model;
  for (int step = 0; step < 3000; ++step) {
    const unsigned op = unsigned(rng() % 100);
    if (op < 55) {
      const Policy p = rand_policy(rng);
      try {
        model.ps.emplace(spd.add(p), p);
      } catch (const DuplicatePolicy&) {
      }
    } else if (op < 85 && !model.ps.empty()) {
      auto it = model.ps.begin();
      std::advance(it, long(rng() % model.ps.size()));
      spd.remove(it->first);
      model.ps.erase(it);
    } else if (op < 95 && !model.ps.empty()) {
      auto it = model.ps.begin();
      std::advance(it, long(rng() % model.ps.size()));
      it->second.sa = sa(uint32_t(100 + step));
      spd.set_sa(it->first, it->second.sa);
    } else if (op < 99) {
      std::vector<Policy> batch;
      for (int i = 0; i < 40; ++i) batch.push_back(rand_policy(rng));
      try {
        const auto ids = spd.add_batch(batch);
        for (size_t i = 0; i < ids.size(); ++i) model.ps.emplace(ids[i], batch[i]);
      } catch (const DuplicatePolicy&) {
      }
    } else {
      spd.clear();
      model.ps.clear();
    }
    ASSERT_EQ(spd.size(), model.ps.size());
    const Spd::Snapshot snap = spd.snapshot();
    for (int q = 0; q < 20; ++q) {
      const FlowKey f = rand_flow(rng);
      const Direction dir = rng() % 4 ? Direction::Outbound : Direction::Inbound;
      const Spd::Match want = model.lookup(dir, f);
      const Spd::Match got = snap.lookup(dir, f);
      ASSERT_EQ(got.id, want.id) << "step " << step << " " << f.src.str() << " -> " << f.dst.str();
      ASSERT_EQ(got.action, want.action);
      ASSERT_EQ(got.sa, want.sa);
      ASSERT_EQ(got.reqid, want.reqid);
    }
  }
}

// 10k policies one add() at a time (the pending list keeps this from
// rebuilding 10k times), then every one of them is found.
TEST(Spd, TenThousandSingleAdds) {
  Spd spd;
  std::vector<PolicyId> ids;
  for (uint32_t i = 0; i < 10000; ++i) {
    IpAddr s = IpAddr::parse("10.0.0.0"), d = IpAddr::parse("172.16.0.0");
    s.bytes[1] = uint8_t(i >> 8);
    s.bytes[2] = uint8_t(i);
    d.bytes[2] = uint8_t(i % 251);
    Policy p;
    p.src = TrafficSelector::prefix(s, 24);
    p.dst = TrafficSelector::prefix(d, 24);
    p.sa = sa(i + 1);
    ids.push_back(spd.add(p));
  }
  EXPECT_EQ(spd.size(), 10000u);
  const Spd::Snapshot snap = spd.snapshot();
  for (uint32_t i = 0; i < 10000; ++i) {
    const std::string s = "10." + std::to_string(i >> 8 & 0xff) + "." + std::to_string(i & 0xff) + ".9";
    const std::string d = "172.16." + std::to_string(i % 251) + ".1";
    const Spd::Match m = snap.lookup(Direction::Outbound, flow(s.c_str(), d.c_str()));
    ASSERT_EQ(m.id, ids[i]) << s << " -> " << d;
    ASSERT_EQ(m.sa, sa(i + 1));
  }
}

// The rekey switch under readers: a lookup sees the old or the new SA, never
// neither, while another writer adds and removes unrelated policies.
TEST(Spd, SetSaIsAtomicForReaders) {
  Spd spd;
  const PolicyId id = spd.add(pol("10.1.0.0/16", "10.2.0.0/16", 5, PolicyAction::Protect, sa(1)));
  std::atomic<bool> stop{false};
  std::atomic<long> bad{0}, seen_new{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t)
    readers.emplace_back([&] {
      const FlowKey f = flow("10.1.0.1", "10.2.0.1");
      while (!stop.load()) {
        const Spd::Match m = spd.lookup(Direction::Outbound, f);
        if (m.id != id || !m.sa.valid() || m.sa.index < 1 || m.sa.index > 2000) bad++;
        if (m.sa.index > 1) seen_new++;
      }
    });
  std::thread churn([&] {
    for (uint32_t i = 0; i < 300; ++i) {
      const std::string s = "10.9." + std::to_string(i % 200) + ".0/24";
      const PolicyId x = spd.add(pol(s.c_str(), "10.2.0.0/16", 1 + i, PolicyAction::Bypass));
      if (i % 2) spd.remove(x);
    }
  });
  for (uint32_t i = 2; i <= 2000; ++i) {
    if (i % 2) spd.set_sa(id, sa(i));
    else spd.replace_sa(spd.query(id)->sa, sa(i));
  }
  churn.join();
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(spd.lookup(Direction::Outbound, flow("10.1.0.1", "10.2.0.1")).sa, sa(2000));
}

}  // namespace
