// Batches that mix what a card running ahead must keep in order, card vs
// reference: SA slots deleted and reused with the new SA's packets in the
// run that carries its SA_INSTALL (next to packets of the old SA's SPI and
// of other SAs); windows of 64 and 65536 bits with jumps past the ring while
// older packets of the same SA are in the same batch; 64-byte packets mixed
// with 9000-byte ones. Counters, state lines and replay rings compared.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq {
namespace {

class EqMix : public BackendTest {};

// An IP packet of exactly `total` bytes (L4 chosen by seed).
Bytes sized_packet(uint8_t version, size_t total, uint32_t seed) {
  const size_t bare = inner_packet(version, 0, seed).size();
  return inner_packet(version, total > bare ? total - bare : 0, seed);
}

// Slots freed and reused: the runtime hands out the slots just freed, so
// the new SA's SA_INSTALL (after the old one's SA_DELETE) goes first in the
// run that carries the new SA's packets, next to a late packet of the old SA
// (same SPI re-keyed: AUTH_FAIL; new SPI: UNKNOWN_SPI) and the other SAs'
// traffic. Some rounds install and delete an SA in a slot with no packet in
// between before the final one goes in.
TEST_P(EqMix, DeleteAndReuseSlotsBetweenAndWithinBatches) {
  TwinOptions o;
  o.sa_capacity = 16;
  o.max_batch = 48;
  Rig rig(GetParam(), o);
  Twin& t = rig.t;
  auto traffic = [&](std::vector<Op>& ops, SaPair& p, uint32_t n, const std::string& tag) {
    for (uint32_t i = 0; i < n; ++i) {
      ops.push_back(enc(p.out, p.plain(10 + 7 * i, i), tag + " " + p.name + " encrypt"));
      ops.push_back(dec(p.next(5 + 3 * i), tag + " " + p.name + " decrypt"));
    }
  };
  uint32_t spi = 0xD000;
  for (uint32_t round = 0; round < 6; ++round) {
    const std::string label = "slot reuse round " + std::to_string(round);
    std::vector<Op> ops;
    for (SaPair& p : rig.sa) traffic(ops, p, 2, label);
    t.run(ops, label + ", before");

    SaPair& p = rig.sa[round % rig.sa.size()];
    const Bytes late = p.next(30);  // sealed with the old key, never delivered before the delete
    const uint32_t old_in = p.in.index, old_out = p.out.index;
    t.remove(p.out);
    t.remove(p.in);
    if (round % 2 == 1) {  // an SA that lives in the slot with no packet at all
      SaSpec tmp = p.spec;
      const SaHandle a = t.add(make_sa(tmp, Direction::Inbound, spi++));
      EXPECT_TRUE(a.index == old_in || a.index == old_out) << label << ": slot " << a.index;
      t.remove(a);
    }
    const bool same_spi = round % 3 != 2;
    const uint32_t new_spi = same_spi ? p.in_cfg.spi : spi++;
    p.in_cfg = make_sa(p.spec, Direction::Inbound, new_spi);
    p.in_cfg.key = ref::pkt::payload(p.spec.key_len, new_spi * 31 + round + 1);  // a new key in any case
    p.out_cfg = make_sa(p.spec, Direction::Outbound, new_spi);
    p.out_cfg.key = p.in_cfg.key;
    p.in = t.add(p.in_cfg);
    p.out = t.add(p.out_cfg);
    EXPECT_TRUE((p.in.index == old_in && p.out.index == old_out) || (p.in.index == old_out && p.out.index == old_in))
        << label << ": the freed slots are reused";
    p.snd = std::make_unique<Sender>(p.out_cfg);
    p.next_seq = 1;

    ops.clear();
    traffic(ops, p, 2, label + ", new SA first");
    ops.push_back(dec(late, label + ": late packet of the deleted SA"));
    for (SaPair& q : rig.sa) traffic(ops, q, 1, label + ", after");
    ops.push_back(enc(p.out, p.plain(33, 1), label + ": new SA again"));
    const RunResult r = t.run(ops, label + ", after");
    ASSERT_EQ(r.ref.size(), ops.size());
    EXPECT_EQ(r.ref[0].status, Status::OK) << "the new SA's first packet";
    EXPECT_EQ(r.ref[0].seq, 1u) << "a fresh state line";
    EXPECT_EQ(r.ref[4].status, same_spi ? Status::AUTH_FAIL : Status::UNKNOWN_SPI);
    t.expect_all_counters(label);
  }
}

// One inbound SA, W 64 or 65536 (with and without ESN, crossing 2^32):
// in-order packets, then in the same batch jumps past the whole ring
// (2W bits), exactly the ring, W - 1, W and W + 1, each followed by older
// packets of the same SA (some unseen inside the window, some left of it,
// duplicates of the jump, numbers whose ring entry holds an older block)
// and a forged packet ahead. Once in one kernel run, once across runs of 7.
TEST_P(EqMix, WindowJumpsWithOlderPacketsInTheSameBatch) {
  for (uint32_t w : {64u, 65536u}) {
    for (bool esn : {false, true}) {
      for (uint32_t batch : {512u, 7u}) {
        TwinOptions o;
        o.max_batch = batch;
        o.sa_capacity = 4;
        o.replay_bytes = 2 * spec::replay_ring_bytes(65536) + 128;
        Twin t(GetParam(), o);
        SaSpec s;
        s.window = w;
        s.esn = esn;
        const uint32_t spi = 0xE000 + w / 64 + (esn ? 1 : 0);
        const SaConfig in_cfg = make_sa(s, Direction::Inbound, spi);
        const SaHandle h = t.add(in_cfg);
        Sender snd(make_sa(s, Direction::Outbound, spi));
        const std::string label = "W " + std::to_string(w) + (esn ? " ESN" : "") + " batch " + std::to_string(batch);
        auto good = [&](uint64_t q, const std::string& tag) {
          return dec(snd.packet(q, inner_packet(4, q % 17, static_cast<uint32_t>(q))), tag + " seq " + hex64(q));
        };
        uint64_t base = 0;
        if (esn) {
          base = (1ull << 32) - 3ull * w - 100;
          std::vector<Op> prime;
          for (uint64_t q : climb(base)) prime.push_back(good(q, "priming"));
          t.run(prime, label + ", priming");
        }
        const uint64_t ring = uint64_t{spec::replay_ring_entries(w)} * 64;  // bits the ring spans: 2W
        std::vector<Op> ops;
        uint64_t top = base;
        for (uint64_t i = 1; i <= 20; ++i) ops.push_back(good(base + i, "in order"));
        top = base + 20;
        for (uint64_t jump : {3 * ring + 5, ring, uint64_t{w} - 1, uint64_t{w}, uint64_t{w} + 1}) {
          const uint64_t old = top;
          top += jump;
          ops.push_back(good(top, "jump " + std::to_string(jump)));
          for (uint64_t q : {old, old - 1, old + 1, top - 1, top - w + 1, top - w, top - ring / 2, top, top - 64,
                             top - 65, top - 1}) {
            if (q != 0) ops.push_back(good(q, "behind jump " + std::to_string(jump)));
          }
          Bytes forged = snd.packet(top + 3, inner_packet(4, 9, 1));
          forged.back() ^= 0x20;
          ops.push_back(dec(forged, label + " forged ahead of " + hex64(top)));
        }
        const RunResult r = t.run(ops, label);
        size_t ok = 0, replay = 0;
        for (const auto& x : r.ref) {
          ok += x.status == Status::OK;
          replay += x.status == Status::REPLAY;
        }
        EXPECT_GT(ok, 30u) << label;
        EXPECT_GT(replay, 10u) << label;
        EXPECT_EQ(t.model().state_line(h.index).seq, top) << label;
        t.expect_all_counters(label);
      }
    }
  }
}

// 64-byte and 9000-byte packets in one batch on every kind of SA, both
// directions; then the card's ENCRYPT outputs come back through its inbound
// SAs, again mixed with fresh packets of both sizes.
TEST_P(EqMix, SmallAndJumboPacketsInOneBatch) {
  TwinOptions o;
  o.max_batch = 64;
  Rig rig(GetParam(), o);
  Twin& t = rig.t;
  std::mt19937 g(9000);
  const size_t sizes[] = {64, 9000, 64, 64, 9000, 1500, 64, 9000};
  std::vector<Op> ops;
  for (size_t i = 0; i < 48; ++i) {
    SaPair& p = rig.sa[i % rig.sa.size()];
    const size_t n = sizes[(i + i / 6) % 8];
    if ((i / 3) % 2 == 0) {
      ops.push_back(enc(p.out, sized_packet(p.inner, n, static_cast<uint32_t>(i)), p.name + " " + std::to_string(n) + " B"));
    } else {
      const uint64_t q = p.next_seq++;
      ops.push_back(dec(p.snd->packet(q, sized_packet(p.inner, n, static_cast<uint32_t>(q))),
                        p.name + " " + std::to_string(n) + " B seq " + std::to_string(q)));
    }
  }
  const RunResult r = t.run(ops, "64 B and 9000 B");
  ASSERT_EQ(r.card.size(), ops.size());
  std::vector<Op> back;
  std::vector<Bytes> want;  // the original of each DECRYPT in back, empty for the fresh ENCRYPTs
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].op == Opcode::ENCRYPT) {
      EXPECT_EQ(r.ref[i].status, Status::OK) << ops[i].what;
      if (r.card[i].status == Status::OK) {
        back.push_back(dec(r.card[i].data, "back: " + ops[i].what));
        want.push_back(ops[i].data);
      }
    }
    if (i % 5 == 0) {  // fresh small and jumbo ones in between
      SaPair& p = rig.sa[(i / 5) % rig.sa.size()];
      back.push_back(enc(p.out, sized_packet(p.inner, i % 2 ? 9000 : 64, static_cast<uint32_t>(i + 7)),
                         "fresh " + p.name));
      want.emplace_back();
    }
  }
  // Any order inside the batch: each SA's numbers stay inside its window.
  std::vector<size_t> order(back.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), g);
  std::vector<Op> mixed;
  std::vector<size_t> at;
  std::vector<Bytes> originals;
  for (size_t i : order) {
    if (back[i].op == Opcode::DECRYPT) {
      at.push_back(mixed.size());
      originals.push_back(want[i]);
    }
    mixed.push_back(back[i]);
  }
  const RunResult r2 = t.run(mixed, "64 B and 9000 B, back through the card");
  expect_originals(r2, mixed, at, originals, "[" + GetParam() + "] 64 B and 9000 B, back through the card");
  EXPECT_GT(at.size(), 20u);
  t.expect_all_counters("64 B and 9000 B");
}

// Same-SA bursts in one batch, the other SAs' packets between them at
// every distance 0..40: ENCRYPT bursts whose soft and hard packet lifetimes
// trip inside the batch (tx_seq continuous, the limits on exactly the
// packets the model says); DECRYPT duplicates where the first copy is good
// (the second is REPLAY) and where the first copy fails authentication (the
// second, genuine, passes), a forged copy after a good one (REPLAY before
// the ICV).
TEST_P(EqMix, SameSaBurstsAtEveryDistance) {
  TwinOptions o;
  o.max_batch = 256;
  o.sa_capacity = 128;
  Rig rig(GetParam(), o);
  Twin& t = rig.t;
  SaPair& a = rig.sa[0];
  SaPair& b = rig.sa[1];
  for (uint32_t d = 0; d <= 40; d += (d < 8 ? 1 : 8)) {
    const std::string label = "distance " + std::to_string(d);
    // A fresh outbound SA with lifetimes a few packets ahead.
    SaSpec s;
    SaConfig oc = make_sa(s, Direction::Outbound, 0xF000 + d);
    oc.soft.packets = 3;
    oc.hard.packets = 5;
    const SaHandle burst = t.add(oc);
    std::vector<Op> ops;
    std::vector<size_t> enc_at;
    uint32_t filler = 0;
    auto fill = [&]() {
      for (uint32_t i = 0; i < d; ++i) {
        SaPair& p = rig.sa[2 + (filler++ % 4)];
        ops.push_back(filler % 2 ? enc(p.out, p.plain(20, filler), "filler") : dec(p.next(20), "filler"));
      }
    };
    for (uint32_t i = 0; i < 7; ++i) {
      enc_at.push_back(ops.size());
      ops.push_back(enc(burst, inner_packet(4, 10 + i, i), label + " burst packet " + std::to_string(i)));
      fill();
    }
    // Duplicates on two inbound SAs.
    const uint64_t qa = a.next_seq++, qb = b.next_seq++;
    const Bytes good_a = a.esp(qa, 12, 1), good_b = b.esp(qb, 12, 2);
    Bytes forged_a = good_a, forged_b = good_b;
    forged_a.back() ^= 1;
    forged_b.back() ^= 1;
    const size_t first = ops.size();
    ops.push_back(dec(good_a, label + " good first"));
    fill();
    ops.push_back(dec(good_a, label + " its duplicate"));
    fill();
    ops.push_back(dec(forged_a, label + " forged after good"));
    ops.push_back(dec(forged_b, label + " forged first"));
    fill();
    ops.push_back(dec(good_b, label + " genuine after forged"));
    fill();
    ops.push_back(dec(good_b, label + " duplicate of genuine"));
    const RunResult r = t.run(ops, label);
    ASSERT_EQ(r.ref.size(), ops.size());
    // The model's answers, so that the comparison means what it says.
    for (size_t i = 0; i < enc_at.size(); ++i) {
      const ref::Output& x = r.ref[enc_at[i]];
      EXPECT_EQ(x.status, i < 5 ? Status::OK : Status::LIFETIME_EXPIRED) << label << " burst " << i;
      if (i < 5) {
        EXPECT_EQ(x.seq, i + 1) << label;
        EXPECT_EQ(x.soft_expired, i >= 2) << label << " burst " << i;
      }
    }
    std::vector<Status> want = {Status::OK, Status::REPLAY, Status::REPLAY, Status::AUTH_FAIL, Status::OK,
                                Status::REPLAY};
    std::vector<size_t> dups;
    for (size_t i = first; i < ops.size(); ++i) {
      if (ops[i].what.rfind(label + " ", 0) == 0 && ops[i].what.find("burst") == std::string::npos) dups.push_back(i);
    }
    ASSERT_EQ(dups.size(), want.size());
    for (size_t k = 0; k < dups.size(); ++k) EXPECT_EQ(r.ref[dups[k]].status, want[k]) << ops[dups[k]].what;
    t.expect_all_counters(label);
  }
}

ESP_EQ_INSTANTIATE(EqMix);

}  // namespace
}  // namespace esp::eq
