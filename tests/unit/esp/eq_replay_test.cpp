// Anti-replay, card vs reference: in order, reordered inside the window,
// duplicates, left of the window, the window edges, jumps of exactly W, of
// the whole ring and beyond, forged packets that must not move the window,
// sequence number 0, ESN inference across 2^32 boundaries (with the card's
// own outbound SA starting just below 2^32), window sizes 64, 128, 1024,
// 4096 and once 65536; a long random stream interleaving several SAs.
// Statuses, completion fields (the inferred 64-bit seq) and counters equal.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq {
namespace {

class EqReplay : public BackendTest {};

// One inbound SA in a twin and a sender for it.
struct Rx {
  SaConfig cfg;
  SaHandle h;
  Sender snd;
  Rx(Twin& t, const SaSpec& s, uint32_t spi)
      : cfg(make_sa(s, Direction::Inbound, spi)), h(t.add(cfg)), snd(make_sa(s, Direction::Outbound, spi)) {}

  Bytes inner(uint64_t seq) const { return inner_packet(4, seq % 13, static_cast<uint32_t>(seq * 3 + cfg.spi)); }
  Op good(uint64_t seq, const std::string& tag = "") {
    return dec(snd.packet(seq, inner(seq)), desc(seq, tag));
  }
  // A packet with seq whose ICV does not verify.
  Op forged(uint64_t seq) {
    Bytes p = snd.packet(seq, inner(seq));
    p.back() ^= 0x01;
    return dec(std::move(p), desc(seq, "forged ICV"));
  }
  std::string desc(uint64_t seq, const std::string& tag) const {
    return "SPI " + hex64(cfg.spi) + " W " + std::to_string(cfg.window_bits) + (cfg.esn ? " ESN" : "") + " seq " +
           hex64(seq) + (tag.empty() ? "" : " " + tag);
  }
};

// The scripted scenario for one window size, starting from `base` (the SA
// has already seen base, or base is 0).
std::vector<Op> scenario(Rx& rx, uint64_t base) {
  const uint64_t W = rx.cfg.window_bits;
  const uint64_t ring = uint64_t{spec::replay_ring_entries(static_cast<uint32_t>(W))} * 64;  // bits the ring spans
  std::vector<Op> ops;
  uint64_t T = base;
  auto at = [&](uint64_t seq, const char* tag) {
    if (seq == 0 || (!rx.cfg.esn && seq > 0xFFFFFFFFull)) return;
    ops.push_back(rx.good(seq, tag));
    T = std::max(T, seq);
  };
  for (uint64_t i = 1; i <= 10; ++i) at(base + i, "in order");
  for (uint64_t i : {5, 10, 1}) at(base + i, "duplicate");
  at(base + 12, "reordered");
  at(base + 11, "reordered");
  at(base + 11, "duplicate");
  // The left edge: T - seq = W - 1 is inside, W is outside.
  at(base + 12 + W - 1, "jump W-1");
  at(base + 12, "edge W-1 (seen)");
  at(base + 13, "edge W-2 (unseen)");
  at(base + 11, "edge W (left of window)");
  at(base + 2, "far left");
  // A block ahead, delivered shuffled, then some of it again.
  {
    const uint64_t n = std::min<uint64_t>(W, 100);
    std::vector<uint64_t> blk;
    for (uint64_t i = 1; i <= n; ++i) blk.push_back(T + i);
    std::mt19937_64 g(W);
    std::shuffle(blk.begin(), blk.end(), g);
    for (uint64_t s : blk) at(s, "shuffled block");
    for (size_t i = 0; i < blk.size(); i += 7) at(blk[i], "duplicate of block");
  }
  // Jumps: exactly W, the whole ring, several rings; probes behind each.
  const uint64_t jumps[] = {1, 63, 64, 65, W - 1, W, W + 1, ring - 1, ring, ring + 1, 3 * ring + 7, 2 * W + 64};
  for (uint64_t j : jumps) {
    const uint64_t old = T;
    at(T + j, "jump");
    const uint64_t top = T;
    for (uint64_t back : {uint64_t(1), uint64_t(2), uint64_t(63), uint64_t(64), uint64_t(65), W - 1, W, W + 1,
                          j, j + 1}) {
      if (back < top) at(top - back, "probe behind jump");
    }
    if (old > 0) at(old, "old top");
  }
  // A forged packet ahead must not move the window.
  const uint64_t f = T + W / 2 + 1;
  ops.push_back(rx.forged(f));
  at(T + 3, "after forged");
  at(f - W - 1 > 0 ? f - W - 1 : 1, "left of forged, inside real window?");
  at(f, "genuine of forged");
  ops.push_back(rx.forged(f));  // now a replay: REPLAY wins over AUTH_FAIL
  return ops;
}

void scenario_test(const std::string& backend, bool esn, const std::vector<uint32_t>& windows) {
  TwinOptions o;
  o.max_batch = 29;  // window state must survive kernel-run boundaries
  o.sa_capacity = 16;
  o.replay_bytes = 256 * 1024;
  Twin t(backend, o);
  for (uint32_t w : windows) {
    SaSpec s;
    s.window = w;
    s.esn = esn;
    Rx rx(t, s, 0x7000u + w / 64);
    // Without ESN from 0; with ESN from just below the first 2^32 boundary,
    // so that the scenario crosses it (after walking the window up there).
    std::vector<Op> ops;
    uint64_t base = 0;
    if (esn) {
      base = (1ull << 32) - 3 * uint64_t(w) - 40;
      for (uint64_t q : climb(base)) ops.push_back(rx.good(q, "priming"));
    }
    const std::vector<Op> sc = scenario(rx, base);
    ops.insert(ops.end(), sc.begin(), sc.end());
    // Sequence number 0 (crafted: no sender makes it).
    ops.push_back(dec(craft_esp(rx.cfg, 0, with_trailer(rx.inner(0), 4)), rx.desc(0, "seq 0")));
    const std::string label = "replay scenario W " + std::to_string(w) + (esn ? " ESN" : "");
    const RunResult r = t.run(ops, label);
    size_t ok = 0, replay = 0;
    for (const auto& x : r.ref) {
      ok += x.status == Status::OK;
      replay += x.status == Status::REPLAY;
    }
    EXPECT_GT(ok, 100u) << label;  // the scenario means something
    EXPECT_GT(replay, 10u) << label;
    t.counters_match(rx.h, label);
  }
}

TEST_P(EqReplay, ScenarioWithoutEsn) { scenario_test(GetParam(), false, {64, 128, 1024, 4096}); }
TEST_P(EqReplay, ScenarioWithEsn) { scenario_test(GetParam(), true, {64, 128, 1024, 4096}); }
TEST_P(EqReplay, ScenarioWindow65536) {
  scenario_test(GetParam(), false, {65536});
  scenario_test(GetParam(), true, {65536});
}

// A random stream over four inbound SAs (W 64, 128, 1024, 4096) interleaved:
// steps forward, jumps, packets behind, duplicates, forgeries.
void fuzz_test(const std::string& backend, bool esn, uint64_t start, uint32_t seed, size_t n) {
  TwinOptions o;
  o.max_batch = 97;
  o.sa_capacity = 16;
  Twin t(backend, o);
  std::vector<std::unique_ptr<Rx>> rxs;
  std::vector<uint64_t> top;
  std::vector<std::vector<uint64_t>> seen;
  std::vector<Op> ops;
  for (uint32_t w : {64u, 128u, 1024u, 4096u}) {
    SaSpec s;
    s.window = w;
    s.esn = esn;
    s.gmac = w == 128;
    s.icv = w == 1024 ? 8 : 16;
    rxs.push_back(std::make_unique<Rx>(t, s, 0x9000u + w));
    for (uint64_t q : climb(start)) ops.push_back(rxs.back()->good(q, "priming"));
    top.push_back(start);
    seen.emplace_back();
  }
  std::mt19937_64 g(seed);
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(g); };
  const uint64_t max_seq = esn ? ~uint64_t{0} : 0xFFFFFFFFull;
  for (size_t i = 0; i < n; ++i) {
    const size_t k = static_cast<size_t>(pick(0, rxs.size() - 1));
    Rx& rx = *rxs[k];
    const uint64_t W = rx.cfg.window_bits;
    const uint64_t ring = uint64_t{spec::replay_ring_entries(static_cast<uint32_t>(W))} * 64;
    const uint64_t r = pick(0, 99);
    uint64_t seq = 0;
    bool forge = false;
    if (r < 40) {
      seq = top[k] + pick(1, std::max<uint64_t>(1, W / 8));
    } else if (r < 47) {
      seq = top[k] + pick(W / 2, 3 * ring);
    } else if (r < 48) {  // a huge jump (ESN: up to the 2^31 the inference allows, and past it)
      seq = top[k] + pick(1, esn ? (1ull << 31) + 4 * W : 1ull << 28);
    } else if (r < 78) {
      const uint64_t back = pick(0, W + W / 4);
      seq = top[k] > back ? top[k] - back : 1;
    } else if (r < 95) {
      seq = seen[k].empty() ? top[k] + 1 : seen[k][static_cast<size_t>(pick(0, seen[k].size() - 1))];
    } else {
      seq = top[k] + pick(1, W);
      forge = true;
    }
    if (seq == 0 || seq > max_seq) continue;
    if (forge) {
      ops.push_back(rx.forged(seq));
      continue;
    }
    ops.push_back(rx.good(seq, "fuzz"));
    top[k] = std::max(top[k], seq);
    seen[k].push_back(seq);
    if (seen[k].size() > 64) seen[k].erase(seen[k].begin());
  }
  const std::string label = std::string("replay fuzz") + (esn ? " ESN" : "") + " from " + hex64(start);
  const RunResult res = t.run(ops, label);
  size_t ok = 0;
  for (const auto& x : res.ref) ok += x.status == Status::OK;
  EXPECT_GT(ok, n / 3) << label;
  t.expect_all_counters(label);
}

// (ESP_EQ_FUZZ_ROUNDS: more rounds with other seeds.)
TEST_P(EqReplay, FuzzWithoutEsn) {
  for (uint32_t k = 0; k < fuzz_rounds(); ++k) {
    fuzz_test(GetParam(), false, 0, 1 + 100 * k, 1500);
    fuzz_test(GetParam(), false, 0xFFFFFFFFull - 20000, 2 + 100 * k, 600);  // up to the end of the 32-bit space
  }
}
TEST_P(EqReplay, FuzzWithEsn) {
  for (uint32_t k = 0; k < fuzz_rounds(); ++k) {
    fuzz_test(GetParam(), true, (1ull << 32) - 6000, 3 + 100 * k, 1500);  // across 2^32
    fuzz_test(GetParam(), true, (5ull << 32) - 3000, 4 + 100 * k, 600);   // across 5 * 2^32
  }
}

// ESN across the low-32 wrap with the card's own outbound SA: it starts at
// 2^32 - 8; its packets go back through the card's inbound SA reordered
// inside the window and duplicated. Also the window with T just past the
// wrap and late packets from before it.
TEST_P(EqReplay, EsnWrapThroughTheCard) {
  for (uint32_t w : {64u, 1024u}) {
    TwinOptions o;
    o.max_batch = 16;
    Twin t(GetParam(), o);
    SaSpec s;
    s.esn = true;
    s.window = w;
    s.seq_start = (1ull << 32) - 8;
    const uint32_t spi = 0x4242;
    const SaHandle out = t.add(make_sa(s, Direction::Outbound, spi));
    Rx rx(t, s, spi);
    std::vector<Op> eops;
    std::vector<Bytes> plain;
    for (uint32_t i = 0; i < 40; ++i) {
      plain.push_back(inner_packet(i % 2 ? 6 : 4, i * 5, i));
      eops.push_back(enc(out, plain.back(), "ESN wrap packet " + std::to_string(i)));
    }
    const std::string label = "ESN wrap W " + std::to_string(w);
    const RunResult er = t.run(eops, label + " ENCRYPT");
    ASSERT_EQ(er.ref.size(), eops.size());
    for (const auto& x : er.ref) ASSERT_EQ(x.status, Status::OK);
    EXPECT_EQ(er.ref.back().seq, (1ull << 32) + 31);

    std::vector<Op> dops;
    for (uint64_t q : climb((1ull << 32) - 200)) dops.push_back(rx.good(q, "priming"));
    // Order: 0..9 in order, 20..39 shuffled, then 10..19 (late, across the
    // wrap: inferred into the previous epoch), duplicates, very late.
    std::vector<size_t> order;
    for (size_t i = 0; i < 10; ++i) order.push_back(i);
    std::vector<size_t> mid;
    for (size_t i = 20; i < 40; ++i) mid.push_back(i);
    std::mt19937 g(w);
    std::shuffle(mid.begin(), mid.end(), g);
    order.insert(order.end(), mid.begin(), mid.end());
    for (size_t i = 10; i < 20; ++i) order.push_back(i);
    for (size_t i : {0u, 7u, 8u, 25u, 39u, 12u}) order.push_back(i);
    std::vector<size_t> at;
    std::vector<Bytes> want;
    for (size_t i : order) {
      dops.push_back(dec(er.ref[i].data, "ESN wrap packet " + std::to_string(i) + " seq " + hex64(er.ref[i].seq)));
      at.push_back(dops.size() - 1);
      want.push_back(plain[i]);
    }
    // Late packets from 2^32 - 200 .. behind the window (the inference puts
    // those more than W behind into the next epoch -> AUTH_FAIL).
    for (uint64_t back : {uint64_t(w) - 1, uint64_t(w), uint64_t(w) + 5, uint64_t(150)}) {
      dops.push_back(rx.good((1ull << 32) + 31 - back, "late"));
    }
    const RunResult dr = t.run(dops, label + " DECRYPT");
    // The first 40 after the priming are the new ones: every one must come back.
    std::vector<size_t> at_new(at.begin(), at.begin() + 40);
    std::vector<Bytes> want_new(want.begin(), want.begin() + 40);
    expect_originals(dr, dops, at_new, want_new, "[" + GetParam() + "] " + label);
    t.expect_all_counters(label);
  }
}

// RFC 4303 A2.2 at its edges (CONTRACT DECRYPT 8): a fresh ESN SA (T = 0)
// and numbers in the "previous epoch" (Th - 1 with Th = 0 -> REPLAY), a full
// number of 0, T exactly at W - 1 and W - 2 (the two branches), and T near
// 2^64 where Th + 1 overflows (T set with the replay-top hook on both
// sides). Packets are sealed for the number the sender means; the receiver
// infers, so a wrong inference is an AUTH_FAIL on both sides.
TEST_P(EqReplay, EsnInferenceEdges) {
  for (uint32_t w : {64u, 4096u}) {
    TwinOptions o;
    o.max_batch = 8;
    Twin t(GetParam(), o);
    const std::string label = "ESN inference edges W " + std::to_string(w);
    uint32_t spi = 0x5100;
    auto fresh = [&](uint64_t top) {
      SaSpec s;
      s.esn = true;
      s.window = w;
      auto rx = std::make_unique<Rx>(t, s, spi++);
      if (top) t.set_replay_top(rx->h, top);
      return rx;
    };
    auto crafted = [](Rx& rx, uint64_t seq, const char* tag) {
      return dec(craft_esp(rx.cfg, seq, with_trailer(rx.inner(seq), 4)), rx.desc(seq, tag));
    };
    std::vector<std::unique_ptr<Rx>> keep;
    std::vector<Op> ops;
    const uint64_t two32 = 1ull << 32;
    {
      keep.push_back(fresh(0));
      Rx& rx = *keep.back();
      ops.push_back(crafted(rx, two32 - w + 1, "T=0: previous epoch"));
      ops.push_back(crafted(rx, two32 - 1, "T=0: previous epoch"));
      ops.push_back(crafted(rx, 0, "T=0: full number 0"));
      ops.push_back(crafted(rx, two32 - w, "T=0: just below the previous epoch"));
    }
    for (uint64_t top : {uint64_t(w) - 1, uint64_t(w) - 2, uint64_t(w), two32 + w - 2, two32 + w - 1}) {
      keep.push_back(fresh(top));
      Rx& rx = *keep.back();
      const uint64_t block = top & ~uint64_t{0xFFFFFFFF};
      for (uint64_t q : std::vector<uint64_t>{top + 1, top - 1, block, block - 1, block - w + top % two32,
                                              top + two32 - w, top + two32 - w + 1}) {
        ops.push_back(crafted(rx, q, ("T=" + hex64(top)).c_str()));
      }
    }
    for (uint64_t top : {~uint64_t{0} - 5, ~uint64_t{0} - w - 3}) {
      keep.push_back(fresh(top));
      Rx& rx = *keep.back();
      for (uint64_t q : std::vector<uint64_t>{top - 1, top + 1, 3, ~uint64_t{0}, 0, top - w}) {
        ops.push_back(crafted(rx, q, ("near 2^64, T=" + hex64(top)).c_str()));
      }
    }
    t.run(ops, label);
    t.expect_all_counters(label);
  }
}

ESP_EQ_INSTANTIATE(EqReplay);

}  // namespace
}  // namespace esp::eq
