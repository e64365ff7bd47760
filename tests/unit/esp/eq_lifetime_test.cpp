// Lifetimes, card vs reference: soft and hard limits in packets and bytes on
// outbound and inbound SAs (SOFT_EXPIRED on the completion, soft_events,
// LIFETIME_EXPIRED and hard_events), their order against the other checks
// (CONTRACT ENCRYPT 2-4, DECRYPT 5-9), and sequence-number exhaustion: an
// outbound SA at 2^32-1 without ESN (or 2^64-1 with ESN) sends one packet
// and is then LIFETIME_EXPIRED for good; it never wraps.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq {
namespace {

class EqLifetime : public BackendTest {};

SaConfig with_lifetimes(SaConfig c, uint64_t soft_p, uint64_t hard_p, uint64_t soft_b, uint64_t hard_b) {
  c.soft.packets = soft_p;
  c.hard.packets = hard_p;
  c.soft.bytes = soft_b;
  c.hard.bytes = hard_b;
  return c;
}

std::string lt_name(const SaConfig& c) {
  return "soft " + std::to_string(c.soft.packets) + "p/" + std::to_string(c.soft.bytes) + "B, hard " +
         std::to_string(c.hard.packets) + "p/" + std::to_string(c.hard.bytes) + "B";
}

// Limits tried on both directions: {soft packets, hard packets, soft bytes, hard bytes}.
const uint64_t kLimits[][4] = {
    {3, 5, 0, 0},        // packets
    {0, 0, 1000, 2500},  // bytes (a packet that crosses the hard limit still passes)
    {4, 4, 0, 0},        // soft = hard
    {1, 0, 0, 0},        // soft only, from the first packet
    {0, 1, 0, 0},        // hard only: one packet
    {6, 0, 0, 3000},     // packets soft, bytes hard
    {0, 9, 700, 0},      // bytes soft, packets hard
    {2, 3, 100, 400},    // everything
};

TEST_P(EqLifetime, OutboundSoftAndHard) {
  Twin t(GetParam());
  std::vector<SaHandle> hs;
  std::vector<Op> ops;
  for (size_t i = 0; i < std::size(kLimits); ++i) {
    SaSpec s;
    s.mode = i % 2 ? Mode::TRANSPORT : Mode::TUNNEL;
    s.esn = i % 3 == 0;
    const SaConfig c = with_lifetimes(make_sa(s, Direction::Outbound, 0x300u + static_cast<uint32_t>(i)),
                                      kLimits[i][0], kLimits[i][1], kLimits[i][2], kLimits[i][3]);
    hs.push_back(t.add(c));
  }
  // Interleaved over the SAs, with failures in between that must not count:
  // MALFORMED input, NO_SPACE output.
  for (uint32_t round = 0; round < 12; ++round) {
    for (size_t i = 0; i < hs.size(); ++i) {
      const std::string tag = "SA " + std::to_string(i) + " round " + std::to_string(round);
      ops.push_back(enc(hs[i], inner_packet(round % 2 ? 6 : 4, 100 + 37 * round, round), tag));
      if (round == 2) ops.push_back(enc(hs[i], Bytes{0x45, 0, 0}, tag + " malformed"));
      if (round == 3) ops.push_back(enc(hs[i], inner_packet(4, 9560, 1), tag + " NO_SPACE"));
    }
  }
  t.run(ops, "outbound lifetimes");
  t.expect_all_counters("outbound lifetimes");
}

TEST_P(EqLifetime, InboundSoftAndHard) {
  Twin t(GetParam());
  std::vector<SaHandle> hs;
  std::vector<std::unique_ptr<Sender>> snd;
  std::vector<SaConfig> cfgs;
  for (size_t i = 0; i < std::size(kLimits); ++i) {
    SaSpec s;
    s.mode = i % 2 ? Mode::TRANSPORT : Mode::TUNNEL;
    s.udp = i % 3 == 1;
    const uint32_t spi = 0x500u + static_cast<uint32_t>(i);
    cfgs.push_back(with_lifetimes(make_sa(s, Direction::Inbound, spi), kLimits[i][0], kLimits[i][1], kLimits[i][2],
                                  kLimits[i][3]));
    hs.push_back(t.add(cfgs.back()));
    snd.push_back(std::make_unique<Sender>(make_sa(s, Direction::Outbound, spi)));
  }
  std::vector<Op> ops;
  for (uint32_t round = 0; round < 12; ++round) {
    for (size_t i = 0; i < hs.size(); ++i) {
      const std::string tag = lt_name(cfgs[i]) + " SA " + std::to_string(i) + " seq " + std::to_string(round + 1);
      const Bytes p = snd[i]->packet(round + 1, inner_packet(round % 2 ? 6 : 4, 90 + 41 * round, round));
      ops.push_back(dec(p, tag));
      if (round == 1) {
        Bytes bad = p;
        bad.back() ^= 0x80;
        ops.push_back(dec(bad, tag + " forged"));  // AUTH_FAIL (or, once hard-expired, LIFETIME_EXPIRED)
        ops.push_back(dec(p, tag + " replayed"));
      }
      if (round == 5) {
        Bytes shortp = p;
        shortp.resize(shortp.size() - 3);
        fix_lengths(shortp);
        ops.push_back(dec(shortp, tag + " short ESP"));  // MALFORMED after the lifetime check
      }
    }
  }
  t.run(ops, "inbound lifetimes");
  t.expect_all_counters("inbound lifetimes");
}

// seq_start at the end of the sequence space: one packet, then refused for
// good (hard_events counts each); NO_SPACE or MALFORMED before it must not
// consume it; the receiver accepts the last number.
TEST_P(EqLifetime, SequenceNumberExhaustion) {
  struct Case {
    bool esn;
    uint64_t start;
  };
  const Case cases[] = {{false, 0xFFFFFFFFull},
                        {false, 0xFFFFFFFDull},
                        {true, ~uint64_t{0}},
                        {true, ~uint64_t{0} - 2},
                        {true, 0xFFFFFFFFull}};  // ESN: 2^32-1 is nothing special
  for (const Case& c : cases) {
    Twin t(GetParam());
    SaSpec s;
    s.esn = c.esn;
    s.seq_start = c.start;
    s.window = 64;
    const uint32_t spi = 0xE000;
    const SaHandle out = t.add(make_sa(s, Direction::Outbound, spi));
    const SaHandle in = t.add(make_sa(s, Direction::Inbound, spi));
    const std::string label = std::string(c.esn ? "ESN" : "32-bit") + " seq_start " + hex64(c.start);
    std::vector<Op> ops;
    ops.push_back(enc(out, inner_packet(4, 9560, 1), "NO_SPACE first"));
    ops.push_back(enc(out, Bytes{0x60, 0, 0, 0}, "MALFORMED first"));
    for (uint32_t i = 0; i < 8; ++i) ops.push_back(enc(out, inner_packet(6, 10 + i, i), "packet " + std::to_string(i)));
    ops.push_back(enc(out, inner_packet(4, 9560, 1), "oversize after exhaustion"));  // LIFETIME_EXPIRED: step 3 < 4
    ops.push_back(enc(out, Bytes{0x45, 0, 0}, "malformed after exhaustion"));       // MALFORMED: step 2 < 3
    const RunResult r = t.run(ops, label + " ENCRYPT");
    size_t ok = 0;
    for (const auto& x : r.ref) ok += x.status == Status::OK;
    const uint64_t room = (c.esn ? ~uint64_t{0} : 0xFFFFFFFFull) - c.start + 1;
    EXPECT_EQ(ok, std::min<uint64_t>(room, 8)) << label;
    // The card itself: the last numbers in order, then refused for good.
    ASSERT_EQ(r.card.size(), ops.size());
    for (uint64_t i = 0; i < 8; ++i) {
      const Result& x = r.card[2 + i];
      if (i < room) {
        EXPECT_EQ(x.status, Status::OK) << label << " packet " << i;
        EXPECT_EQ(x.seq, c.start + i) << label << " packet " << i;
      } else {
        EXPECT_EQ(x.status, Status::LIFETIME_EXPIRED) << label << " packet " << i << ": " << status_str(x.status);
      }
    }
    t.counters_match(out, label);

    // The receiver takes the packets (ESN: its replay top set just below,
    // on both sides, so that the high half is inferred right).
    std::vector<Op> dops;
    if (c.esn) t.set_replay_top(in, c.start - 1);
    for (size_t i = 0; i < r.ref.size(); ++i) {
      if (r.ref[i].status == Status::OK) dops.push_back(dec(r.ref[i].data, ops[i].what));
    }
    const RunResult d = t.run(dops, label + " DECRYPT");
    for (const auto& x : d.ref) EXPECT_EQ(x.status, Status::OK) << label;
    t.counters_match(in, label);

    // Exhausted stays exhausted in later kernel runs (no wrap to 0 or 1).
    const RunResult later = t.run({enc(out, inner_packet(4, 1, 9), "later run, IPv4"),
                                   enc(out, inner_packet(6, 0, 9), "later run, IPv6")},
                                  label + " ENCRYPT, later run");
    ASSERT_EQ(later.card.size(), 2u);
    for (const Result& x : later.card) {
      if (room <= 8) {
        EXPECT_EQ(x.status, Status::LIFETIME_EXPIRED) << label << " later run: " << status_str(x.status);
        EXPECT_EQ(x.seq, 0u) << label << " later run";
      }
    }
    t.counters_match(out, label + " later run");
  }
}

// Hard-expired inbound SA: the lifetime check comes after the SA checks and
// before lengths, sequence inference and replay (CONTRACT DECRYPT 5-9).
TEST_P(EqLifetime, InboundExpiryOrder) {
  Twin t(GetParam());
  SaSpec s;
  s.window = 64;
  s.esn = true;
  const uint32_t spi = 0x6100;
  SaConfig ic = with_lifetimes(make_sa(s, Direction::Inbound, spi), 0, 2, 0, 0);
  const SaHandle in = t.add(ic);
  Sender snd(make_sa(s, Direction::Outbound, spi));
  std::vector<Op> ops;
  const Bytes p1 = snd.packet(1, inner_packet(4, 10, 1));
  ops.push_back(dec(p1, "seq 1"));
  ops.push_back(dec(snd.packet(2, inner_packet(4, 10, 2)), "seq 2"));
  ops.push_back(dec(snd.packet(3, inner_packet(4, 10, 3)), "seq 3: expired"));
  ops.push_back(dec(p1, "replay of seq 1: expired first"));
  Bytes shortp = p1;
  shortp.resize(shortp.size() - 2);
  fix_lengths(shortp);
  ops.push_back(dec(shortp, "short ESP: expired first"));
  Bytes tiny = p1;
  tiny.resize(20 + 7);
  fix_lengths(tiny);
  ops.push_back(dec(tiny, "7 ESP bytes: MALFORMED before the SPI lookup"));
  Bytes other = p1;
  other[20] ^= 0x40;  // another SPI
  ops.push_back(dec(other, "unknown SPI"));
  t.run(ops, "inbound expiry order");
  t.counters_match(in, "inbound expiry order");
}

ESP_EQ_INSTANTIATE(EqLifetime);

}  // namespace
}  // namespace esp::eq
