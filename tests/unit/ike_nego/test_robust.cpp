// Whatever a peer sends, selection, checks and narrowing neither crash nor
// read out of bounds (run under ASan+UBSan), and what they accept obeys
// their contract: a choice is always one both sides allowed. Deterministic
// (fixed seed).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "esp/ike/proposals.hpp"
#include "esp/ike/ts.hpp"
#include "nego_test_util.hpp"

namespace esp::ike {
namespace {

using namespace test;

struct Gen {
  std::mt19937 rng{12};
  unsigned pick(unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(rng); }
  Bytes bytes(std::size_t n) {
    Bytes b(n);
    for (auto& v : b) v = static_cast<std::uint8_t>(pick(256));
    return b;
  }
  std::uint16_t near(std::initializer_list<std::uint16_t> common) {
    if (pick(4) == 0) return static_cast<std::uint16_t>(pick(65536));
    return *(common.begin() + pick(static_cast<unsigned>(common.size())));
  }
  Proposal proposal() {
    Proposal p;
    p.number = static_cast<std::uint8_t>(pick(4));
    p.protocol = static_cast<ProtocolId>(pick(5));
    static const std::size_t sizes[] = {0, 4, 8, 3, 16};
    p.spi = bytes(sizes[pick(5)]);
    const unsigned n = pick(9);
    for (unsigned i = 0; i < n; ++i) {
      Transform t;
      t.type = static_cast<TransformType>(pick(4) == 0 ? pick(256) : 1 + pick(5));
      t.id = near({0, 1, 3, 5, 6, 7, 12, 13, 14, 15, 19, 20, 21, 31});
      const unsigned attrs = pick(3);
      for (unsigned a = 0; a < attrs; ++a)
        t.attributes.push_back(TransformAttribute{static_cast<std::uint16_t>(pick(3) ? 14 : pick(32768)), pick(5) != 0,
                                                  near({128, 256, 192, 0}), bytes(pick(3))});
      p.transforms.push_back(t);
    }
    return p;
  }
  // A valid proposal with a few random changes.
  Proposal mutated(const std::vector<Proposal>& seeds) {
    Proposal p = seeds[pick(static_cast<unsigned>(seeds.size()))];
    const unsigned n = pick(3);
    for (unsigned i = 0; i < n; ++i) {
      Proposal r = proposal();
      auto& ts = p.transforms;
      switch (pick(5)) {
        case 0:
          if (!ts.empty()) ts.erase(ts.begin() + pick(static_cast<unsigned>(ts.size())));
          break;
        case 1:
          if (!r.transforms.empty()) ts.push_back(r.transforms[0]);
          break;
        case 2: p.number = r.number; break;
        case 3: p.spi = r.spi; break;
        default: std::shuffle(ts.begin(), ts.end(), rng); break;
      }
    }
    return p;
  }
  SaPayload sa_payload(const std::vector<Proposal>& seeds) {
    SaPayload s;
    const unsigned n = pick(4);
    for (unsigned i = 0; i < n; ++i) s.proposals.push_back(pick(2) ? proposal() : mutated(seeds));
    return s;
  }
  TsPayload ts_payload() {
    TsPayload p;
    const unsigned n = pick(4);
    for (unsigned i = 0; i < n; ++i) {
      TrafficSelector t;
      t.type = static_cast<TsType>(pick(4) == 0 ? pick(256) : 7 + pick(2));
      t.ip_protocol = static_cast<std::uint8_t>(pick(2) ? 0 : near({1, 6, 17, 47, 58}));
      t.start_port = pick(2) ? 0 : near({0, 80, 500, 65535});
      t.end_port = pick(2) ? 65535 : near({0, 80, 4500, 65535});
      static const std::size_t sizes[] = {4, 16, 0, 5};
      const std::size_t len = sizes[pick(4)];
      t.start_addr = Bytes(len, 10);
      t.end_addr = Bytes(pick(5) == 0 ? sizes[pick(4)] : len, 10);
      if (!t.start_addr.empty()) t.start_addr.back() = static_cast<std::uint8_t>(pick(256));
      if (!t.end_addr.empty()) t.end_addr.back() = static_cast<std::uint8_t>(pick(256));
      p.selectors.push_back(t);
    }
    return p;
  }
};

TEST(Robust, RandomSaPayloads) {
  Gen g;
  const auto ours_ike = ike({"default", "aes256gcm16-prfsha384-ecp384"});
  const auto ours_esp = esp({"aes256gcm16-esn-noesn-ecp256", "aes128gcm16", "aes128gmac"});
  const SaPayload offer_ike = make_offer(ours_ike, ProtocolId::IKE, {});
  const SaPayload offer_esp = make_offer(ours_esp, ProtocolId::ESP, kSpi4);
  // Seeds: what a peer with the same proposals would send, and would answer.
  std::vector<Proposal> seeds = offer_ike.proposals;
  for (const auto& p : offer_esp.proposals) seeds.push_back(p);
  seeds.push_back(prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}}));
  seeds.push_back(prop(3, ProtocolId::ESP, kSpi4, {{ENCR, NULL_AES_GMAC, 128}, {ESN, 0}}));
  unsigned chosen = 0, checked = 0;
  for (int i = 0; i < 20000; ++i) {
    SaPayload s = g.sa_payload(seeds);
    for (ProtocolId proto : {ProtocolId::IKE, ProtocolId::ESP}) {
      const auto& ours = proto == ProtocolId::IKE ? ours_ike : ours_esp;
      SelectOptions opt;
      opt.skip_dh = g.pick(2);
      if (g.pick(2)) opt.ke_group = g.near({19, 20, 31, 14, 0});
      if (auto c = select_proposal(ours, s, proto, opt)) {
        ++chosen;
        // The choice is one of the peer's proposals, taken as it was.
        bool from_peer = std::any_of(s.proposals.begin(), s.proposals.end(), [&](const Proposal& p) {
          return p.number == c->number && p.spi == c->spi && p.protocol == proto;
        });
        EXPECT_TRUE(from_peer);
        (void)c->str();
      }
      CheckResult r = check_response(proto == ProtocolId::IKE ? offer_ike : offer_esp, s, proto);
      EXPECT_NE(r.chosen.has_value(), !r.error.empty());
      if (r.chosen) ++checked;
    }
  }
  // The generator reaches the accepting paths too.
  EXPECT_GT(chosen, 10u);
  EXPECT_GT(checked, 0u);
}

TEST(Robust, RandomTsPayloads) {
  Gen g;
  const auto local = tss({"10.0.0.0/8", "2001:db8::/32[udp/500]"});
  const auto remote = tss({"10.10.0.0/16[tcp]", "0.0.0.0/0"});
  unsigned narrowed = 0;
  for (int i = 0; i < 20000; ++i) {
    TsPayload tsi = g.ts_payload(), tsr = g.ts_payload();
    if (auto n = narrow_responder(local, remote, tsi, tsr)) {
      ++narrowed;
      for (const auto& t : n->local)
        EXPECT_TRUE(std::any_of(local.begin(), local.end(), [&](const auto& o) { return ts_within(t, o); }));
      for (const auto& t : n->remote)
        EXPECT_TRUE(std::any_of(remote.begin(), remote.end(), [&](const auto& o) { return ts_within(t, o); }));
    }
    std::string why;
    auto c = check_initiator(local, remote, tsi, tsr, &why);
    EXPECT_NE(c.has_value(), !why.empty());
    try {
      (void)from_ts_payload(tsi);
    } catch (const TsError&) {
    }
  }
  EXPECT_GT(narrowed, 10u);
}

}  // namespace
}  // namespace esp::ike
