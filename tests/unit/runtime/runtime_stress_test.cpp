// Threads: one control thread adds, updates, queries and deletes SAs and
// policies (and rekeys by switching policies) while four data-plane threads,
// each with its own queues, push traffic over two cards per side. Every
// packet on a stable SA must come back OK and decrypt to what was sent;
// packets on SAs the control thread churns may find them gone (a status,
// never a crash). Runs in make test's ThreadSanitizer stage (label tsan).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "runtime_test_util.hpp"

namespace esp::runtime::test {
namespace {

TEST(RuntimeStress, ControlThreadChurnsWhileFourDataPlaneThreadsPushTraffic) {
  RtOpts o;
  o.cards = 2;
  o.max_batch = 32;
  auto a = make_runtime(o), b = make_runtime(o);
  constexpr int kStable = 8;
  std::vector<SaId> outs;
  for (uint32_t i = 0; i < kStable; ++i) {
    const uint32_t spi = b->get_spi();
    b->add_sa(tunnel_sa(spi, Direction::Inbound, true, i));
    outs.push_back(a->add_sa(tunnel_sa(spi, Direction::Outbound, true, i)));
  }
  // Outbound traffic to 10.2.0.0/16 through the SPD, protected by stable SA 0.
  Policy p;
  p.dir = Direction::Outbound;
  p.src = TrafficSelector::parse("10.1.0.0/16");
  p.dst = TrafficSelector::parse("10.2.0.0/16");
  p.action = PolicyAction::Protect;
  p.sa = outs[0];
  const PolicyId stable_policy = a->add_policy(p);

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> churn_ops{0};
  std::atomic<uint32_t> churn_out{0};  // SaId.index of the latest churn SA (approximate, for the data plane to use)
  std::atomic<uint32_t> churn_gen{0};
  std::atomic<uint32_t> churn_card{0};

  std::thread control([&] {
    uint32_t seed = 1000;
    std::vector<std::pair<SaId, SaId>> live;  // (a out, b in)
    std::vector<PolicyId> pols;
    while (!stop.load()) {
      ++seed;
      const uint32_t spi = b->get_spi();
      const SaId in = b->add_sa(tunnel_sa(spi, Direction::Inbound, true, seed));
      const SaId out = a->add_sa(tunnel_sa(spi, Direction::Outbound, true, seed));
      live.emplace_back(out, in);
      churn_card.store(out.card);
      churn_out.store(out.index);
      churn_gen.store(out.generation);
      Policy cp;
      cp.dir = Direction::Outbound;
      cp.src = TrafficSelector::parse("10.1.0.0/16");
      cp.dst = TrafficSelector::parse("10.9." + std::to_string(seed % 250) + ".0/24");
      cp.action = PolicyAction::Protect;
      cp.sa = out;
      cp.priority = 50;
      pols.push_back(a->add_policy(cp));
      SaUpdate u;
      u.tun_dst = IpAddr::parse(seed % 2 ? "192.0.2.2" : "192.0.2.3");
      a->update_sa(out, u);
      (void)a->query_sa(out);
      (void)b->query_sa(in);
      // The stable policy moves between stable SAs (a rekey's outbound switch).
      a->spd().set_sa(stable_policy, outs[seed % kStable]);
      a->tick();
      b->tick();
      if (live.size() > 6) {
        a->del_sa(live.front().first);
        b->del_sa(live.front().second);
        live.erase(live.begin());
        a->del_policy(pols.front());
        pols.erase(pols.begin());
      }
      b->release_spi(b->get_spi());
      ++churn_ops;
    }
  });

  std::atomic<uint64_t> ok{0}, bad{0}, churn_results{0};
  auto worker = [&](int t) {
    auto qa = a->open_queue(), qb = b->open_queue();
    for (int it = 0; it < 40; ++it) {
      Burst e;
      for (int k = 0; k < 12; ++k) {
        const size_t len = size_t(20 + (t * 131 + it * 17 + k * 29) % 900);
        if (k % 4 == 3) {
          e.add(PacketOp::Outbound, inner(len, uint32_t(t * 100000 + it * 100 + k)));
        } else {
          e.add(PacketOp::Encrypt, inner(len, uint32_t(t * 100000 + it * 100 + k)), outs[size_t(k + t) % kStable]);
        }
      }
      // One packet on the newest churn SA, which may be gone by now.
      e.add(PacketOp::Encrypt, inner(100, 7), SaId{churn_card.load(), churn_out.load(), churn_gen.load()});
      e.run(*qa);
      Burst d;
      std::vector<size_t> idx;
      for (size_t i = 0; i < e.res.size(); ++i) {
        if (i + 1 == e.res.size()) {
          const Status s = e.res[i].status;
          if (!(s == Status(spec::Status::OK) || s == Status(spec::Status::SA_DISABLED))) ++bad;
          ++churn_results;
          continue;
        }
        if (e.res[i].status != Status(spec::Status::OK)) {
          ++bad;
          continue;
        }
        d.add(PacketOp::Decrypt, e.output(i));
        idx.push_back(i);
      }
      d.run(*qb);
      for (size_t j = 0; j < idx.size(); ++j) {
        if (d.res[j].status == Status(spec::Status::OK) && d.output(j) == e.in[idx[j]]) {
          ++ok;
        } else {
          ++bad;
        }
      }
    }
  };
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) workers.emplace_back(worker, t);
  for (auto& w : workers) w.join();
  stop = true;
  control.join();
  EXPECT_EQ(bad.load(), 0u);
  EXPECT_EQ(ok.load(), 4u * 40u * 12u);
  EXPECT_EQ(churn_results.load(), 4u * 40u);
  EXPECT_GT(churn_ops.load(), 0u);
}

}  // namespace
}  // namespace esp::runtime::test
