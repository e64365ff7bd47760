// 64k SAs on one card (issue 14, "Verification": 64k SAs round robin and
// zipf with re-installs between runs), card vs reference (tests/ref, every
// request compared, then every SA's counters, state line and replay ring).
// 32768 SA pairs (each an outbound and an inbound SA with the same SPI and
// keys: 65536 SAs, the whole SA table) of several kinds (tunnel over IPv4 /
// IPv6, transport, ESN, GCM-128 / -256, GMAC, ICV 8 / 12 / 16):
//   1. one ENCRYPT on every outbound SA, round robin (every SA cold: the
//      on-chip SA store and key store see each SA for the first time);
//   2. re-installs between runs: SA_INSTALL KEEP_STATE of every 61st pair
//      (Engine::update_sa), every 89th pair deleted for good (its slots
//      stay free), every 97th pair deleted and added again (a fresh SA in
//      the lowest free slots: its packets start over at 1);
//   3. the DECRYPTs of step 1's packets on the inbound SAs, in reverse
//      order (a deleted pair's: UNKNOWN_SPI; a re-added pair gets an
//      ENCRYPT of its new keys instead);
//   4. zipf-distributed traffic (s = 1 over the pairs, SAs hot and cold):
//      ENCRYPTs, each later DECRYPTed in order on its pair's inbound SA,
//      mixed in one run with sizes 64 B to 1500 B;
//   5. every SA's counters, state line and replay ring against the model.
// Fails e.g. when an SA's index loses high bits anywhere on the card (two
// SAs share a store line, a key or a replay ring), when a re-install keeps
// or drops the wrong state, or when the key store serves a stale key.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq {
namespace {

class EqScale : public BackendTest {};

constexpr uint32_t kSas = 65536;   // the RTL's MaxSas (hw/rtl esp_sa_store) and the HLS kernel's
constexpr uint32_t kPairs = kSas / 2;

struct ScalePair {
  SaSpec spec;
  uint32_t spi = 0;
  uint8_t inner = 4;
  SaHandle out, in;
  bool gone = false;   // deleted for good
};

SaSpec scale_spec(uint32_t k) {
  SaSpec s;
  s.mode = k % 4 == 3 ? Mode::TRANSPORT : Mode::TUNNEL;
  s.outer = k % 3 == 1 ? 6 : 4;
  s.esn = k % 2 == 1;
  s.key_len = k % 5 == 0 ? 32 : 16;
  s.gmac = k % 7 == 3;
  s.icv = k % 11 == 5 ? 12 : (k % 13 == 6 ? 8 : 16);
  s.window = 64;
  return s;
}

void add_pair(Twin& t, ScalePair& p, uint32_t k, uint32_t spi) {
  p.spec = scale_spec(k);
  p.spi = spi;
  p.inner = p.spec.mode == Mode::TUNNEL ? static_cast<uint8_t>(k % 5 == 2 ? 6 : 4) : p.spec.outer;
  p.out = t.add(make_sa(p.spec, Direction::Outbound, spi));
  p.in = t.add(make_sa(p.spec, Direction::Inbound, spi));
}

// Zipf(s = 1) ranks over n items (0 = the most frequent), by inverse CDF.
class Zipf {
 public:
  explicit Zipf(uint32_t n) : cdf_(n) {
    double sum = 0;
    for (uint32_t i = 0; i < n; ++i) cdf_[i] = (sum += 1.0 / (i + 1));
    for (double& c : cdf_) c /= sum;
  }
  uint32_t operator()(std::mt19937_64& r) const {
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(r);
    return static_cast<uint32_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }

 private:
  std::vector<double> cdf_;
};

// Every request OK, but those named "(UNKNOWN_SPI)": that status.
void expect_all_ok(const RunResult& r, const std::vector<Op>& ops, const std::string& label) {
  ASSERT_EQ(r.card.size(), ops.size()) << label;
  size_t bad = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Status want = ops[i].what.find("(UNKNOWN_SPI)") != std::string::npos ? Status::UNKNOWN_SPI : Status::OK;
    if (r.card[i].status != want && bad++ == 0) {
      ADD_FAILURE() << label << ": " << ops[i].what << ": " << status_str(r.card[i].status);
    }
  }
  EXPECT_EQ(bad, 0u) << label << ": requests with another status";
}

TEST_P(EqScale, SixtyFourKSasRoundRobinZipfReinstalls) {
  TwinOptions o;
  o.sa_capacity = kSas;
  o.max_batch = 256;
  Twin t(GetParam(), o);
  std::vector<ScalePair> p(kPairs);
  for (uint32_t k = 0; k < kPairs; ++k) add_pair(t, p[k], k, 0x10000u + k);

  // 1. every outbound SA once, round robin
  std::vector<Op> ops;
  for (uint32_t k = 0; k < kPairs; ++k) {
    ops.push_back(enc(p[k].out, inner_packet(p[k].inner, 20 + k % 40, k), "pair " + std::to_string(k) + " ENCRYPT"));
  }
  const RunResult r1 = t.run(ops, "64k SAs: round robin ENCRYPT");
  expect_all_ok(r1, ops, "64k SAs: round robin ENCRYPT");
  std::vector<Bytes> esp(kPairs);
  for (uint32_t k = 0; k < kPairs && k < r1.card.size(); ++k) esp[k] = r1.card[k].data;

  // 2. re-installs between runs
  for (uint32_t k = 0; k < kPairs; k += 61) {
    runtime::SaUpdate u;
    u.udp_encap = p[k].spec.udp;
    t.update(p[k].out, u);
    t.update(p[k].in, u);
  }
  for (uint32_t k = 3; k < kPairs; k += 89) {
    t.remove(p[k].out);
    t.remove(p[k].in);
    p[k].gone = true;
  }
  for (uint32_t k = 5; k < kPairs; k += 97) {
    if (p[k].gone) continue;
    t.remove(p[k].out);
    t.remove(p[k].in);
    add_pair(t, p[k], k + 1, 0x90000u + k);   // another kind, another SPI and keys
    esp[k].clear();
  }

  // 3. the DECRYPTs of step 1, reverse order (a re-added pair: a fresh packet of its new keys)
  ops.clear();
  for (uint32_t k = kPairs; k-- > 0;) {
    if (p[k].gone) {
      ops.push_back(dec(esp[k], "deleted pair " + std::to_string(k) + " DECRYPT (UNKNOWN_SPI)"));
    } else if (esp[k].empty()) {
      ops.push_back(enc(p[k].out, inner_packet(p[k].inner, 30, k), "re-added pair " + std::to_string(k) + " ENCRYPT"));
    } else {
      ops.push_back(dec(esp[k], "pair " + std::to_string(k) + " DECRYPT"));
    }
  }
  const RunResult r3 = t.run(ops, "64k SAs: DECRYPT after re-installs");
  expect_all_ok(r3, ops, "64k SAs: DECRYPT after re-installs");
  t.expect_all_counters("64k SAs: after the round robin");

  // 4. zipf: ENCRYPTs, each DECRYPTed later in order on its pair's inbound SA
  std::mt19937_64 rng(0x5CA1Eu);
  const Zipf zipf(kPairs);
  std::vector<std::vector<Bytes>> pending(kPairs);
  std::vector<size_t> taken(kPairs, 0);
  std::vector<uint32_t> queue;   // pairs with an ENCRYPT output not yet DECRYPTed, in order
  for (int round = 0; round < 2; ++round) {
    ops.clear();
    std::vector<uint32_t> enc_pair;
    for (int i = 0; i < 6000; ++i) {
      uint32_t k = zipf(rng);
      while (p[k].gone) k = (k + 1) % kPairs;
      const size_t len = (i % 9 == 0) ? 1400 : 20 + (i % 7) * 6;
      ops.push_back(enc(p[k].out, inner_packet(p[k].inner, len, static_cast<uint32_t>(i)),
                        "zipf " + std::to_string(round) + " pair " + std::to_string(k) + " ENCRYPT"));
      enc_pair.push_back(k);
    }
    // the previous round's outputs, DECRYPTed in this run between the ENCRYPTs
    std::vector<Op> mixed;
    size_t qi = 0;
    for (size_t i = 0; i < ops.size(); ++i) {
      mixed.push_back(ops[i]);
      if (qi < queue.size()) {
        const uint32_t k = queue[qi++];
        mixed.push_back(dec(pending[k][taken[k]++], "zipf pair " + std::to_string(k) + " DECRYPT"));
      }
    }
    for (; qi < queue.size(); ++qi) {
      const uint32_t k = queue[qi];
      mixed.push_back(dec(pending[k][taken[k]++], "zipf pair " + std::to_string(k) + " DECRYPT"));
    }
    const std::string label = "64k SAs: zipf round " + std::to_string(round);
    const RunResult r = t.run(mixed, label);
    expect_all_ok(r, mixed, label);
    // this round's ENCRYPT outputs, for the next round's DECRYPTs
    queue.clear();
    size_t e = 0;
    for (size_t i = 0; i < mixed.size() && i < r.card.size(); ++i) {
      if (mixed[i].op != Opcode::ENCRYPT) continue;
      const uint32_t k = enc_pair[e++];
      pending[k].push_back(r.card[i].data);
      queue.push_back(k);
    }
    // a KEEP_STATE re-install of the hottest pairs between the runs
    for (uint32_t k = 0; k < 8; ++k) {
      if (p[k].gone) continue;
      runtime::SaUpdate u;
      u.udp_encap = p[k].spec.udp;
      t.update(p[k].out, u);
      t.update(p[k].in, u);
    }
  }
  t.expect_all_counters("64k SAs: after zipf");
}

ESP_EQ_INSTANTIATE(EqScale);

}  // namespace
}  // namespace esp::eq
