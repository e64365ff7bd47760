// SA life cycles, card vs reference: SAs installed, used hard (replay window
// pushed far, sequence numbers consumed, counters and lifetimes moved),
// deleted and re-installed over many rounds, so that slots (the runtime
// reuses them LIFO), replay-region blocks (reused by windows of another
// size) and SPIs (re-keyed) are reused with state left behind. A new SA must
// start fresh on the card exactly as in the model: window empty (T = 0),
// tx_seq = seq_start - 1, counters 0, soft / hard lifetimes from 0.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq {
namespace {

class EqLifecycle : public BackendTest {};

struct Live {
  std::string name;
  SaSpec spec;
  SaConfig in_cfg, out_cfg;
  SaHandle in, out;
  std::unique_ptr<Sender> snd;
  uint64_t base = 0;  // the sender's numbers start above base + 10
};

TEST_P(EqLifecycle, SlotsWindowsAndSpisReused) {
  TwinOptions o;
  o.sa_capacity = 12;
  o.max_batch = 40;
  // Room for a few windows only, so that freed blocks are handed out again
  // (8 of the largest: 4 SAs of any size always find room).
  o.replay_bytes = 8 * (spec::replay_ring_bytes(4096) + 64);
  Twin t(GetParam(), o);
  std::mt19937 g(5);
  auto pick = [&](uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(g); };
  const uint32_t windows[] = {64, 128, 1024, 4096};
  std::vector<Live> live(4);
  uint32_t next_spi = 0xC000;

  auto install = [&](size_t k, uint32_t round, bool same_spi) {
    Live& l = live[k];
    SaSpec s;
    s.mode = pick(2) ? Mode::TUNNEL : Mode::TRANSPORT;
    s.outer = pick(2) ? 4 : 6;
    s.esn = pick(2) != 0;
    s.udp = pick(3) == 0;
    s.gmac = pick(4) == 0;
    s.key_len = pick(2) ? 16 : 32;
    s.window = windows[pick(4)];
    s.seq_start = s.esn && pick(2) ? (1ull << 32) - 5 : 1 + pick(3);
    const uint32_t spi = same_spi && l.in_cfg.spi != 0 ? l.in_cfg.spi : next_spi++;
    l.spec = s;
    l.in_cfg = make_sa(s, Direction::Inbound, spi);
    l.in_cfg.key = ref::pkt::payload(s.key_len, spi * 31 + round);  // a new key every round
    l.in_cfg.soft.packets = pick(2) ? 0 : 10 + pick(20);
    l.in_cfg.hard.bytes = pick(3) ? 0 : 3000 + pick(3000);
    l.out_cfg = make_sa(s, Direction::Outbound, spi);
    l.out_cfg.key = l.in_cfg.key;
    l.out_cfg.soft.bytes = pick(2) ? 0 : 500 + pick(2000);
    l.out_cfg.hard.packets = pick(3) ? 0 : 5 + pick(20);
    l.in = t.add(l.in_cfg);
    l.out = t.add(l.out_cfg);
    SaConfig sc = l.out_cfg;  // the peer's sender has no lifetimes
    sc.soft = sc.hard = {};
    l.snd = std::make_unique<Sender>(sc);
    l.base = s.seq_start - 1;
    // ESN from just below 2^32: the receiver's window moved there first (a
    // fresh window would infer the previous epoch), on both sides.
    if (l.base > 100) t.set_replay_top(l.in, l.base);
    l.name = "round " + std::to_string(round) + " SA " + std::to_string(k) + " " + s.name() + " W " +
             std::to_string(s.window) + " SPI " + hex64(spi) + " slots " + std::to_string(l.in.index) + "/" +
             std::to_string(l.out.index);
  };
  auto version = [&](const Live& l) {
    return l.spec.mode == Mode::TRANSPORT ? l.spec.outer : static_cast<uint8_t>(pick(2) ? 4 : 6);
  };

  for (size_t k = 0; k < live.size(); ++k) install(k, 0, false);
  for (uint32_t round = 0; round < 12; ++round) {
    const std::string label = "life cycle round " + std::to_string(round);
    // The card encrypts on every outbound SA.
    std::vector<Op> eops;
    for (Live& l : live) {
      for (uint32_t i = 0; i < 6; ++i) {
        eops.push_back(enc(l.out, inner_packet(version(l), 40 * i + pick(40), pick(1000)),
                           l.name + " encrypt " + std::to_string(i)));
      }
    }
    const RunResult er = t.run(eops, label + ", ENCRYPT");
    // Its packets come back through the card's inbound SAs, then the
    // senders' packets: in order, a duplicate, a jump far ahead, late ones,
    // left of the window, another jump.
    std::vector<Op> dops;
    for (size_t i = 0; i < er.card.size(); ++i) {
      if (er.card[i].status == Status::OK) dops.push_back(dec(er.card[i].data, "card output of " + eops[i].what));
    }
    for (Live& l : live) {
      const uint64_t b = l.base + 10;
      const uint64_t W = l.spec.window;
      for (uint64_t q : {b + 1, b + 2, b + 3, b + 2, b + 5 * W + 17, b + 4, b + 5 * W + 16, b + 4 * W + 17,
                         b + 4 * W + 18, b + 5 * W + 18, b + 7 * W}) {
        dops.push_back(dec(l.snd->packet(q, inner_packet(version(l), q % 50, static_cast<uint32_t>(q))),
                           l.name + " sender seq " + hex64(q)));
      }
    }
    t.run(dops, label + ", DECRYPT");
    t.expect_all_counters(label);
    // Replace one or two SAs: sometimes with the same SPI (a re-key), in
    // the slots just freed (LIFO), with a window of another size. The new
    // SA must start fresh: next round's requests are compared with the
    // model, whose SA is new.
    const size_t n = 1 + pick(2);
    for (size_t j = 0; j < n; ++j) {
      const size_t k = pick(static_cast<uint32_t>(live.size()));
      t.remove(live[k].out);
      t.remove(live[k].in);
      install(k, round + 1, pick(2) == 0);
    }
  }
}

ESP_EQ_INSTANTIATE(EqLifecycle);

}  // namespace
}  // namespace esp::eq
