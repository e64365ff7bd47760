// Anti-replay (RFC 4303 3.4.3, CONTRACT.md DECRYPT 8-11) and ESN inference
// (RFC 4303 Appendix A) in the reference model.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "ref_test_util.hpp"

namespace esp::ref {
namespace {

using spec::Status;
using testing::Pair;
using testing::SaParams;

const Bytes kInner = pkt::udp(4, 40, 5);

Status rx(Pair& p, uint64_t seq) { return p.rx.decrypt(p.packet_with_seq(seq, kInner)).status; }

TEST(Replay, InOrder) {
  Pair p(SaParams{});
  for (uint64_t s = 1; s <= 300; ++s) ASSERT_EQ(rx(p, s), Status::OK) << s;
  EXPECT_EQ(p.rx.counters(0).packets, 300u);
  EXPECT_EQ(p.rx.counters(0).replay, 0u);
}

TEST(Replay, ReorderedInsideWindowThenDuplicates) {
  SaParams sp;
  sp.window = 128;
  Pair p(sp);
  std::vector<uint64_t> seqs;
  for (uint64_t s = 1; s <= 128; ++s) seqs.push_back(s);
  std::shuffle(seqs.begin(), seqs.end(), std::mt19937(7));
  // Every packet is inside the window of the highest so far (all within 1..128).
  std::vector<Bytes> pkts;
  for (uint64_t s : seqs) pkts.push_back(p.packet_with_seq(s, kInner));
  for (size_t i = 0; i < pkts.size(); ++i) ASSERT_EQ(p.rx.decrypt(pkts[i]).status, Status::OK) << seqs[i];
  for (size_t i = 0; i < pkts.size(); ++i) {
    Output o = p.rx.decrypt(pkts[i]);
    ASSERT_EQ(o.status, Status::REPLAY) << seqs[i];
    EXPECT_EQ(o.seq, seqs[i]);
    EXPECT_EQ(o.sa_index, 0u);
    EXPECT_TRUE(o.data.empty());
  }
  EXPECT_EQ(p.rx.counters(0).replay, 128u);
  EXPECT_EQ(p.rx.counters(0).packets, 128u);
}

TEST(Replay, Duplicate) {
  Pair p(SaParams{});
  Bytes a = p.packet_with_seq(5, kInner);
  EXPECT_EQ(p.rx.decrypt(a).status, Status::OK);
  EXPECT_EQ(p.rx.decrypt(a).status, Status::REPLAY);
  EXPECT_EQ(p.rx.counters(0).replay, 1u);
}

TEST(Replay, LeftOfWindowAllSizes) {
  for (uint32_t w = 64; w <= 65536; w *= 2) {
    SCOPED_TRACE(w);
    SaParams sp;
    sp.window = w;
    Pair p(sp);
    const uint64_t top = uint64_t{10} * w + 17;
    ASSERT_EQ(rx(p, top), Status::OK);
    EXPECT_EQ(rx(p, top - w), Status::REPLAY) << "T - seq == W is outside";
    EXPECT_EQ(rx(p, top - w + 1), Status::OK) << "oldest inside";
    EXPECT_EQ(rx(p, top - 1), Status::OK);
    EXPECT_EQ(rx(p, top), Status::REPLAY);
    EXPECT_EQ(rx(p, 1), Status::REPLAY);
    EXPECT_EQ(rx(p, top + 1), Status::OK);
    EXPECT_EQ(p.rx.replay(0).entries().size(), w / 32) << "W/32 entries (CONTRACT DECRYPT 9)";
  }
}

// The window slides: packets inside it stay remembered across many blocks.
TEST(Replay, SlidingKeepsBits) {
  for (uint32_t w : {64u, 256u, 4096u}) {
    SaParams sp;
    sp.window = w;
    Pair p(sp);
    for (uint64_t s = 1; s <= 3 * uint64_t{w}; s += 3) ASSERT_EQ(rx(p, s), Status::OK);
    const uint64_t top = p.rx.replay(0).top();
    for (uint64_t s = top > w ? top - w + 1 : 1; s <= top; ++s) {
      const Status expect = (s - 1) % 3 == 0 ? Status::REPLAY : Status::OK;
      ASSERT_EQ(rx(p, s), expect) << "w " << w << " seq " << s;
    }
  }
}

TEST(Replay, JumpLargerThanRing) {
  for (uint32_t w : {64u, 1024u, 4096u}) {
    SaParams sp;
    sp.window = w;
    Pair p(sp);
    for (uint64_t s = 1; s <= 200; ++s) ASSERT_EQ(rx(p, s), Status::OK);
    const uint64_t far = 200 + w + 64 * 5 + 3;
    ASSERT_EQ(rx(p, far), Status::OK);
    // Only the new top's bit is set among the entries tagged with a block
    // inside the window; nothing was cleared (entries of blocks 0..3 keep
    // their bits, reading as zero).
    size_t bits = 0, old = 0;
    for (const spec::ReplayEntry& e : p.rx.replay(0).entries()) {
      if (e.block * 64 + 63 + w > far) bits += static_cast<size_t>(__builtin_popcountll(e.bits));
      if (e.block <= 3 && e.bits != 0) ++old;
    }
    EXPECT_EQ(bits, 1u);
    EXPECT_GE(old, w == 64 ? 0u : 3u) << "a jump clears nothing";
    EXPECT_EQ(rx(p, far - w + 1), Status::OK);
    EXPECT_EQ(rx(p, far - w), Status::REPLAY);
    EXPECT_EQ(rx(p, 200), Status::REPLAY);
    // A jump of exactly the ring (in blocks) and one of one block less.
    const uint64_t t = p.rx.replay(0).top();
    const uint64_t ring_bits = uint64_t{w} / 32 * 64;
    EXPECT_EQ(rx(p, t + ring_bits), Status::OK);
    EXPECT_EQ(rx(p, t + ring_bits - 1), Status::OK);
    EXPECT_EQ(rx(p, t + ring_bits - 1), Status::REPLAY);
  }
}

TEST(Replay, AuthFailDoesNotTouchWindow) {
  Pair p(SaParams{});
  Bytes a = p.packet_with_seq(9, kInner);
  Bytes bad = a;
  bad.back() ^= 1;
  Output o = p.rx.decrypt(bad);
  EXPECT_EQ(o.status, Status::AUTH_FAIL);
  EXPECT_EQ(p.rx.replay(0).top(), 0u);
  EXPECT_EQ(p.rx.decrypt(a).status, Status::OK);
  EXPECT_EQ(p.rx.counters(0).auth_fail, 1u);
  // A forged packet far ahead does not move the window either.
  Bytes far = p.packet_with_seq(100000, kInner);
  far[far.size() - 3] ^= 0x80;
  EXPECT_EQ(p.rx.decrypt(far).status, Status::AUTH_FAIL);
  EXPECT_EQ(p.rx.replay(0).top(), 9u);
}

TEST(Replay, SeqZeroIsReplay) {
  // A non-ESN receiver sees sequence field 0 from a sender past 2^32.
  SaParams sp;
  sp.esn = true;
  Pair p(sp);
  Bytes pkt0 = p.packet_with_seq(uint64_t{1} << 32, kInner);  // low half 0
  EXPECT_EQ(p.rx.decrypt(pkt0).status, Status::REPLAY) << "ESN, T = 0: full seq 0";
  runtime::SaConfig plain = p.in_cfg;
  plain.esn = false;
  RefEngine r(2);
  r.add_sa(plain);
  Output o = r.decrypt(pkt0);
  EXPECT_EQ(o.status, Status::REPLAY);
  EXPECT_EQ(o.seq, 0u);
  EXPECT_EQ(r.counters(0).replay, 1u);
}

TEST(Esn, InferenceAcrossLow32Wrap) {
  SaParams sp;
  sp.esn = true;
  sp.window = 256;
  Pair p(sp);
  const uint64_t start = (uint64_t{1} << 32) - 40;
  p.rx.set_replay_top(0, start - 1);
  std::vector<uint64_t> late;
  for (uint64_t s = start; s < start + 80; ++s) {
    if (s % 7 == 0) {  // held back, delivered after the wrap
      late.push_back(s);
      continue;
    }
    Output o = p.rx.decrypt(p.packet_with_seq(s, kInner));
    ASSERT_EQ(o.status, Status::OK) << std::hex << s;
    ASSERT_EQ(o.seq, s);
  }
  EXPECT_EQ(p.rx.replay(0).top(), start + 79);
  for (uint64_t s : late) {
    Output o = p.rx.decrypt(p.packet_with_seq(s, kInner));
    ASSERT_EQ(o.status, Status::OK) << std::hex << s;
    EXPECT_EQ(o.seq, s) << "high half inferred as Th - 1 for late pre-wrap packets";
  }
  // Pre-wrap duplicates are recognised with their full number.
  Output dup = p.rx.decrypt(p.packet_with_seq(start + 1, kInner));
  EXPECT_EQ(dup.status, Status::REPLAY);
  EXPECT_EQ(dup.seq, start + 1);
}

TEST(Esn, InferenceFarAheadIsNextBlock) {
  SaParams sp;
  sp.esn = true;
  sp.window = 64;
  Pair p(sp);
  p.rx.set_replay_top(0, (uint64_t{5} << 32) + 1000);
  // seq_lo below Tl - W + 1: next 2^32 block.
  const uint64_t next = (uint64_t{6} << 32) + 10;
  Output o = p.rx.decrypt(p.packet_with_seq(next, kInner));
  EXPECT_EQ(o.status, Status::OK);
  EXPECT_EQ(o.seq, next);
  // A sender whose high half the receiver cannot infer fails authentication (AAD).
  Pair q(sp);
  q.rx.set_replay_top(0, (uint64_t{5} << 32) + 1000);
  Output f = q.rx.decrypt(q.packet_with_seq((uint64_t{7} << 32) + 2000, kInner));
  EXPECT_EQ(f.status, Status::AUTH_FAIL);
  EXPECT_EQ(f.seq, (uint64_t{5} << 32) + 2000);
}

TEST(Esn, ThMinusOneUnderflowIsReplay) {
  SaParams sp;
  sp.esn = true;
  sp.window = 1024;
  Pair p(sp);
  // T = 0: a low half within W - 1 below 2^32 would need Th - 1 = -1.
  Bytes a = p.packet_with_seq((uint64_t{1} << 32) - 5, kInner);
  Output o = p.rx.decrypt(a);
  EXPECT_EQ(o.status, Status::REPLAY);
  EXPECT_EQ(o.seq, 0xFFFFFFFBu);
  EXPECT_EQ(p.rx.counters(0).replay, 1u);
  // With T = 100 (Tl < W - 1) a low half just below 2^32 also needs Th - 1.
  p.rx.set_replay_top(0, 100);
  EXPECT_EQ(p.rx.decrypt(a).status, Status::REPLAY);
  // ... but one below the window's wrapped bottom is in block Th = 0.
  EXPECT_EQ(rx(p, 50), Status::OK);
}

TEST(Esn, DirectInferenceTable) {
  // RFC 4303 A2.2 cases on the window object alone.
  ReplayWindow w(64);
  uint64_t seq = 0;
  w.reset((uint64_t{3} << 32) | 100);  // Tl = 100 >= W - 1
  ASSERT_TRUE(w.infer(100 - 63, true, seq));
  EXPECT_EQ(seq, (uint64_t{3} << 32) | 37);
  ASSERT_TRUE(w.infer(36, true, seq));
  EXPECT_EQ(seq, (uint64_t{4} << 32) | 36);
  w.reset((uint64_t{3} << 32) | 10);  // Tl = 10 < W - 1
  ASSERT_TRUE(w.infer(0xFFFFFFFFu - 52, true, seq));  // >= Tl - W + 1 mod 2^32
  EXPECT_EQ(seq, (uint64_t{2} << 32) | (0xFFFFFFFFu - 52));
  ASSERT_TRUE(w.infer(0xFFFFFFFFu - 53, true, seq));
  EXPECT_EQ(seq, (uint64_t{3} << 32) | (0xFFFFFFFFu - 53));
  ASSERT_TRUE(w.infer(11, true, seq));
  EXPECT_EQ(seq, (uint64_t{3} << 32) | 11);
  // Without ESN the field is the number.
  ASSERT_TRUE(w.infer(0xABCDEF, false, seq));
  EXPECT_EQ(seq, 0xABCDEFu);
  EXPECT_FALSE(w.infer(0, false, seq));
}

}  // namespace
}  // namespace esp::ref
