// Contract 1.0 through the public API, card vs reference: the card's own SA
// table persists across kernel runs (1024 SAs installed in waves, traffic
// interleaved over all of them), the descriptor ring wraps across many runs
// with commands mixed in, an SA update keeps counters and the replay window
// while lifetimes change, and the 32-bit event counters stop at 2^32 - 1.
// Every check also compares the state lines and replay rings the card wrote
// back (Twin::counters_match).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "eq_harness.hpp"
#include "esp/runtime/detail/engine_access.hpp"

namespace esp::eq {
namespace {

using Access = runtime::detail::EngineAccess;

class EqRing : public BackendTest {};

struct Pair {
  SaSpec spec;
  uint8_t inner = 4;
  SaConfig out_cfg, in_cfg;
  SaHandle out, in;
  std::string name;
};

// An SA pair of a kind chosen by k (modes, families, ESN, GMAC, key and ICV
// lengths, windows 64..4096), both ends in the twin.
Pair make_pair(Twin& t, uint32_t k, uint32_t spi) {
  Pair p;
  p.spec.mode = k % 3 == 2 ? Mode::TRANSPORT : Mode::TUNNEL;
  p.spec.outer = (k / 3) % 2 ? 6 : 4;
  p.spec.esn = k % 5 == 1;
  p.spec.udp = k % 7 == 3;
  p.spec.gmac = k % 11 == 4;
  p.spec.key_len = k % 2 ? 32 : 16;
  p.spec.icv = k % 13 == 5 ? 8 : 16;
  p.spec.window = 64u << (k % 7);  // 64 .. 4096
  p.inner = p.spec.mode == Mode::TRANSPORT ? p.spec.outer : static_cast<uint8_t>(k % 4 == 0 ? 6 : 4);
  p.out_cfg = make_sa(p.spec, Direction::Outbound, spi);
  p.in_cfg = make_sa(p.spec, Direction::Inbound, spi);
  p.out = t.add(p.out_cfg);
  p.in = t.add(p.in_cfg);
  p.name = p.spec.name() + " SPI " + hex64(spi);
  return p;
}

// 1024 SAs (512 pairs) installed in four waves, each wave's SA_INSTALLs
// going first in the next run; after each wave one batch over every pair
// installed so far, shuffled: an ENCRYPT on each outbound SA and the
// DECRYPT of the previous batch's card outputs through the inbound SAs. The
// SAs of earlier waves must still be there, with their sequence numbers,
// windows and counters.
TEST_P(EqRing, ThousandSasInstalledAcrossRuns) {
  TwinOptions o;
  o.sa_capacity = 1024;
  o.max_batch = 64;
  Twin t(GetParam(), o);
  std::vector<Pair> pairs;
  std::mt19937 g(14);
  std::vector<Op> back;          // card outputs to decrypt in the next batch
  std::vector<Bytes> back_plain;  // their plaintexts
  for (uint32_t wave = 0; wave < 4; ++wave) {
    for (uint32_t i = 0; i < 128; ++i) {
      const uint32_t k = wave * 128 + i;
      pairs.push_back(make_pair(t, k, 0x20000u + k * 3));
    }
    std::vector<Op> ops;
    std::vector<size_t> enc_at;
    for (size_t k = 0; k < pairs.size(); ++k) {
      const Pair& p = pairs[k];
      ops.push_back(enc(p.out, inner_packet(p.inner, (k * 37 + wave * 11) % 300, static_cast<uint32_t>(k + wave)),
                        "wave " + std::to_string(wave) + " " + p.name));
    }
    std::vector<size_t> order(ops.size() + back.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), g);
    std::vector<Op> batch;
    std::vector<size_t> dec_at;
    std::vector<Bytes> dec_want;
    for (size_t i : order) {
      if (i < ops.size()) {
        enc_at.push_back(batch.size());
        batch.push_back(ops[i]);
      } else {
        dec_at.push_back(batch.size());
        dec_want.push_back(back_plain[i - ops.size()]);
        batch.push_back(back[i - ops.size()]);
      }
    }
    const std::string label = "1024 SAs, wave " + std::to_string(wave);
    const RunResult r = t.run(batch, label);
    ASSERT_EQ(r.card.size(), batch.size());
    expect_originals(r, batch, dec_at, dec_want, label);
    // The encrypted packets come back next time (in the order of `order`).
    back.clear();
    back_plain.clear();
    size_t oks = 0;
    for (size_t j = 0; j < enc_at.size(); ++j) {
      const size_t at = enc_at[j];
      if (r.card[at].status != Status::OK) continue;
      ++oks;
      back.push_back(dec(r.card[at].data, "back: " + batch[at].what));
      back_plain.push_back(batch[at].data);
    }
    EXPECT_EQ(oks, enc_at.size()) << label;
    t.expect_all_counters(label);
  }
  // The last wave's outputs, and a duplicate of each: REPLAY on both sides.
  std::vector<Op> last = back;
  last.insert(last.end(), back.begin(), back.end());
  std::vector<size_t> at(back.size());
  for (size_t i = 0; i < at.size(); ++i) at[i] = i;
  const RunResult r = t.run(last, "1024 SAs, last decrypts and duplicates");
  expect_originals(r, last, at, back_plain, "1024 SAs, last decrypts");
  for (size_t i = back.size(); i < r.ref.size(); ++i) EXPECT_EQ(r.ref[i].status, Status::REPLAY);
  t.expect_all_counters("1024 SAs, end");
}

// Hundreds of small runs: the ring's indices go round it several times,
// with SA installs, deletes and address updates (commands) in some runs.
TEST_P(EqRing, RingWrapsAcrossManyRuns) {
  TwinOptions o;
  o.sa_capacity = 16;
  o.max_batch = 8;
  Twin t(GetParam(), o);
  std::vector<Pair> pairs;
  for (uint32_t k = 0; k < 3; ++k) pairs.push_back(make_pair(t, k, 0x3000u + k));
  std::vector<std::unique_ptr<Sender>> snd;
  std::vector<uint64_t> next_seq;
  for (const Pair& p : pairs) {
    snd.push_back(std::make_unique<Sender>(p.out_cfg));
    next_seq.push_back(1);
  }
  std::mt19937 g(3);
  auto pick = [&](uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(g); };
  const uint32_t ring = 1u << Access::layout(t.card()).ring_log2;
  size_t runs = 0;
  uint32_t spi = 0x3100;
  for (; Access::ring_next(t.card()) < 3 * ring + 17 && runs < 20000; ++runs) {
    if (runs % 37 == 5) {  // a re-key: delete and install in the same slots (commands before the next packets)
      const uint32_t k = pick(static_cast<uint32_t>(pairs.size()));
      t.remove(pairs[k].out);
      t.remove(pairs[k].in);
      pairs[k] = make_pair(t, k + 3 * static_cast<uint32_t>(runs), spi++);
      snd[k] = std::make_unique<Sender>(pairs[k].out_cfg);
      next_seq[k] = 1;
    }
    if (runs % 53 == 11 && pairs[0].spec.mode == Mode::TUNNEL) {
      runtime::SaUpdate u;
      u.tun_dst = pairs[0].spec.outer == 4 ? ref::pkt::v4(172, 16, 9, static_cast<uint8_t>(runs))
                                           : ref::pkt::v6({0xfd00, 0x9, 0, 0, 0, 0, 0, static_cast<uint16_t>(runs)});
      t.update(pairs[0].out, u);
    }
    std::vector<Op> ops;
    const uint32_t n = 1 + pick(8);
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t k = pick(static_cast<uint32_t>(pairs.size()));
      const Pair& p = pairs[k];
      if (pick(2)) {
        ops.push_back(enc(p.out, inner_packet(p.inner, pick(200), pick(1000)), "run " + std::to_string(runs)));
      } else {
        const uint64_t q = next_seq[k]++;
        ops.push_back(dec(snd[k]->packet(q, inner_packet(p.inner, pick(200), static_cast<uint32_t>(q))),
                          "run " + std::to_string(runs) + " " + p.name + " seq " + std::to_string(q)));
      }
    }
    const RunResult r = t.run(ops, "ring wrap, run " + std::to_string(runs));
    if (!r.ok()) break;
  }
  EXPECT_GE(Access::ring_next(t.card()), 3 * ring) << "the ring went round three times";
  t.expect_all_counters("ring wrap");
}

// An SA update between batches: new addresses and encapsulation
// (Engine::update_sa) and new lifetimes (entry rewritten + SA_INSTALL
// KEEP_STATE): tx_seq, counters and the replay window stay; the new soft and
// hard limits trip on exactly the packets the model says.
TEST_P(EqRing, UpdateKeepsCountersAndWindow) {
  TwinOptions o;
  o.max_batch = 16;
  Twin t(GetParam(), o);
  SaSpec s;
  s.window = 128;
  const uint32_t spi = 0x4400;
  const SaConfig out_cfg = make_sa(s, Direction::Outbound, spi);
  const SaConfig in_cfg = make_sa(s, Direction::Inbound, spi);
  const SaHandle out = t.add(out_cfg), in = t.add(in_cfg);
  Sender snd(out_cfg);
  auto pkt = [&](uint64_t q) { return dec(snd.packet(q, inner_packet(4, 20, static_cast<uint32_t>(q))), "seq " + std::to_string(q)); };
  std::vector<Op> ops;
  for (uint32_t i = 0; i < 10; ++i) ops.push_back(enc(out, inner_packet(4, 20 + i, i), "before update"));
  for (uint64_t q : {1u, 2u, 3u, 7u, 300u, 250u}) ops.push_back(pkt(q));
  t.run(ops, "before the update");
  t.expect_all_counters("before the update");

  runtime::SaUpdate u;
  u.tun_src = ref::pkt::v4(10, 7, 7, 7);
  u.tun_dst = ref::pkt::v4(10, 8, 8, 8);
  u.udp_encap = true;
  u.udp_sport = 4500;
  u.udp_dport = 4500;
  t.update(out, u);
  runtime::Lifetime soft, hard;
  soft.packets = 12;  // packets 11 and 12 of the SA: 12 trips soft
  hard.packets = 14;  // 15 is refused
  t.set_lifetimes(out, soft, hard);
  runtime::Lifetime isoft, ihard;
  isoft.packets = 8;  // the 8th accepted inbound packet trips soft
  ihard.packets = 8;  // and the packet after it is refused
  t.set_lifetimes(in, isoft, ihard);
  t.expect_all_counters("after the update");

  ops.clear();
  for (uint32_t i = 0; i < 6; ++i) ops.push_back(enc(out, inner_packet(4, 30 + i, 100 + i), "after update"));
  for (uint64_t q : {3u, 250u, 299u, 301u, 172u, 173u, 302u}) ops.push_back(pkt(q));
  const RunResult r = t.run(ops, "after the update");
  ASSERT_EQ(r.ref.size(), ops.size());
  // What the model says, so that the comparison means what it should.
  EXPECT_FALSE(r.ref[0].soft_expired);
  EXPECT_TRUE(r.ref[1].soft_expired);
  EXPECT_EQ(r.ref[0].seq, 11u) << "tx_seq kept across the update";
  EXPECT_EQ(r.ref[4].status, Status::LIFETIME_EXPIRED);
  EXPECT_EQ(r.ref[6].status, Status::REPLAY) << "seq 3: window kept";
  EXPECT_EQ(r.ref[7].status, Status::REPLAY) << "seq 250: window kept";
  EXPECT_EQ(r.ref[8].status, Status::OK);
  EXPECT_TRUE(r.ref[9].soft_expired) << "8th accepted inbound packet";
  EXPECT_EQ(r.ref[10].status, Status::LIFETIME_EXPIRED);
  ASSERT_EQ(r.card[0].status, Status::OK);
  EXPECT_EQ(r.card[0].data[9], spec::UDP_PROTO) << "new encapsulation";
  t.expect_all_counters("after the update");
}

// soft_events and hard_events are 32-bit on the card and stop at 2^32 - 1
// (counters set near the top through the state line).
TEST_P(EqRing, EventCountersSaturate) {
  Twin t(GetParam());
  SaSpec s;
  const SaHandle soft_sa = t.add(make_sa(s, Direction::Outbound, 0x4500));
  const SaHandle hard_sa = t.add(make_sa(s, Direction::Outbound, 0x4501));
  const SaConfig in_cfg = make_sa(s, Direction::Inbound, 0x4502);
  const SaHandle hard_in = t.add(in_cfg);
  runtime::Lifetime one, none;
  one.packets = 1;
  t.set_lifetimes(soft_sa, one, none);
  t.set_lifetimes(hard_sa, none, one);
  t.set_lifetimes(hard_in, none, one);
  ref::Counters c;
  c.packets = 1;
  c.soft_events = 0xFFFFFFFDu;
  t.set_counters(soft_sa, c);
  c.soft_events = 0;
  c.hard_events = 0xFFFFFFFEu;
  t.set_counters(hard_sa, c);
  t.set_counters(hard_in, c);
  Sender snd(make_sa(s, Direction::Outbound, 0x4502));
  std::vector<Op> ops;
  for (uint32_t i = 0; i < 5; ++i) {
    ops.push_back(enc(soft_sa, inner_packet(4, 10, i), "soft"));
    ops.push_back(enc(hard_sa, inner_packet(4, 10, i), "hard"));
    ops.push_back(dec(snd.packet(i + 1, inner_packet(4, 10, i)), "inbound hard"));
  }
  t.run(ops, "event counters at the top");
  EXPECT_EQ(t.model().counters(soft_sa.index).soft_events, 0xFFFFFFFFu);
  EXPECT_EQ(t.model().counters(hard_sa.index).hard_events, 0xFFFFFFFFu);
  EXPECT_EQ(t.model().counters(hard_in.index).hard_events, 0xFFFFFFFFu);
  t.expect_all_counters("event counters at the top");
}

ESP_EQ_INSTANTIATE(EqRing);

}  // namespace
}  // namespace esp::eq
