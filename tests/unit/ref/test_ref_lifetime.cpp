// Soft / hard lifetimes (packets, bytes), the sequence-space hard expiry and
// NO_SPACE in the reference model (CONTRACT.md ENCRYPT 3-6, DECRYPT 6, 15, 16).
#include <gtest/gtest.h>

#include "ref_test_util.hpp"

namespace esp::ref {
namespace {

using spec::Status;
using testing::Pair;
using testing::SaParams;

TEST(Lifetime, SoftAndHardPackets) {
  SaParams sp;
  runtime::SaConfig c = testing::make_sa(sp, runtime::Direction::Outbound);
  c.soft.packets = 3;
  c.hard.packets = 5;
  RefEngine e(2);
  e.add_sa(c);
  const Bytes inner = pkt::udp(4, 10);
  for (uint64_t i = 1; i <= 5; ++i) {
    Output o = e.encrypt(0, inner);
    ASSERT_EQ(o.status, Status::OK);
    EXPECT_EQ(o.soft_expired, i >= 3) << i;
    EXPECT_EQ(o.seq, i);
  }
  Output o = e.encrypt(0, inner);
  EXPECT_EQ(o.status, Status::LIFETIME_EXPIRED);
  EXPECT_EQ(o.sa_index, 0u);
  EXPECT_EQ(o.seq, 0u);
  EXPECT_TRUE(o.data.empty());
  EXPECT_EQ(e.encrypt(0, inner).status, Status::LIFETIME_EXPIRED);
  Counters k = e.counters(0);
  EXPECT_EQ(k.packets, 5u);
  EXPECT_EQ(k.soft_events, 3u);
  EXPECT_EQ(k.hard_events, 2u);
  EXPECT_EQ(e.tx_seq(0), 5u) << "no sequence number consumed";
}

TEST(Lifetime, SoftAndHardBytesOutbound) {
  runtime::SaConfig c = testing::make_sa(SaParams{}, runtime::Direction::Outbound);
  const Bytes inner = pkt::udp(4, 72);  // 100 bytes
  ASSERT_EQ(inner.size(), 100u);
  c.soft.bytes = 250;
  c.hard.bytes = 300;
  RefEngine e(2);
  e.add_sa(c);
  EXPECT_FALSE(e.encrypt(0, inner).soft_expired);  // 100
  EXPECT_FALSE(e.encrypt(0, inner).soft_expired);  // 200
  EXPECT_TRUE(e.encrypt(0, inner).soft_expired);   // 300 >= 250
  EXPECT_EQ(e.encrypt(0, inner).status, Status::LIFETIME_EXPIRED);  // 300 >= 300
  EXPECT_EQ(e.counters(0).bytes, 300u);
}

TEST(Lifetime, InboundCountsOutputBytes) {
  SaParams sp;
  sp.mode = spec::Mode::TRANSPORT;
  Pair p(sp);
  const Bytes inner = pkt::udp(4, 72);  // 100 bytes
  p.rx.remove_sa(0);
  runtime::SaConfig c = p.in_cfg;
  c.soft.packets = 2;
  c.hard.bytes = 250;
  p.rx.add_sa_at(0, c);
  Output a = p.rx.decrypt(p.tx.encrypt(0, inner).data);
  ASSERT_EQ(a.status, Status::OK);
  EXPECT_FALSE(a.soft_expired);
  Output b = p.rx.decrypt(p.tx.encrypt(0, inner).data);
  EXPECT_TRUE(b.soft_expired);
  Output d = p.rx.decrypt(p.tx.encrypt(0, inner).data);  // 200 < 250: still allowed
  EXPECT_EQ(d.status, Status::OK);
  Output f = p.rx.decrypt(p.tx.encrypt(0, inner).data);  // 300 >= 250
  EXPECT_EQ(f.status, Status::LIFETIME_EXPIRED);
  EXPECT_EQ(f.sa_index, 0u);
  EXPECT_EQ(f.seq, 4u);
  Counters k = p.rx.counters(0);
  EXPECT_EQ(k.packets, 3u);
  EXPECT_EQ(k.bytes, 300u);
  EXPECT_EQ(k.soft_events, 2u);
  EXPECT_EQ(k.hard_events, 1u);
  EXPECT_EQ(p.rx.replay(0).top(), 3u) << "refused before the window";
}

TEST(Lifetime, SequenceSpaceNoEsn) {
  runtime::SaConfig c = testing::make_sa(SaParams{}, runtime::Direction::Outbound);
  c.seq_start = 0xFFFFFFFEull;
  RefEngine e(2);
  e.add_sa(c);
  const Bytes inner = pkt::udp(4, 1);
  EXPECT_EQ(e.encrypt(0, inner).seq, 0xFFFFFFFEull);
  Output last = e.encrypt(0, inner);
  EXPECT_EQ(last.status, Status::OK);
  EXPECT_EQ(last.seq, 0xFFFFFFFFull);
  Output o = e.encrypt(0, inner);
  EXPECT_EQ(o.status, Status::LIFETIME_EXPIRED);
  EXPECT_EQ(e.counters(0).hard_events, 1u);
  EXPECT_EQ(e.tx_seq(0), 0xFFFFFFFFull);
}

TEST(Lifetime, SequenceSpaceEsn) {
  SaParams sp;
  sp.esn = true;
  runtime::SaConfig c = testing::make_sa(sp, runtime::Direction::Outbound);
  c.seq_start = 0xFFFFFFFFull;  // ESN: no expiry at 2^32
  RefEngine e(2);
  e.add_sa(c);
  const Bytes inner = pkt::udp(4, 1);
  EXPECT_EQ(e.encrypt(0, inner).seq, 0xFFFFFFFFull);
  EXPECT_EQ(e.encrypt(0, inner).seq, 0x100000000ull);
  e.set_tx_seq(0, ~uint64_t{0} - 1);
  EXPECT_EQ(e.encrypt(0, inner).seq, ~uint64_t{0});
  EXPECT_EQ(e.encrypt(0, inner).status, Status::LIFETIME_EXPIRED);
}

TEST(Lifetime, HardLifetimeBeforeSequenceSpace) {
  runtime::SaConfig c = testing::make_sa(SaParams{}, runtime::Direction::Outbound);
  c.hard.packets = 1;
  RefEngine e(2);
  e.add_sa(c);
  ASSERT_EQ(e.encrypt(0, pkt::udp(4, 1)).status, Status::OK);
  e.set_tx_seq(0, 0xFFFFFFFFull);
  EXPECT_EQ(e.encrypt(0, pkt::udp(4, 1)).status, Status::LIFETIME_EXPIRED);
  EXPECT_EQ(e.counters(0).hard_events, 1u) << "one refusal, one count";
}

TEST(NoSpace, EncryptConsumesNothing) {
  SaParams sp;
  Pair p(sp);
  const Bytes inner = pkt::udp(4, 100);
  Output big = p.tx.encrypt(0, inner);
  ASSERT_EQ(big.status, Status::OK);
  const uint32_t need = static_cast<uint32_t>(big.data.size());
  Output o = p.tx.encrypt(0, inner, need - 1);
  EXPECT_EQ(o.status, Status::NO_SPACE);
  EXPECT_TRUE(o.data.empty());
  EXPECT_EQ(p.tx.tx_seq(0), 1u);
  EXPECT_EQ(p.tx.counters(0).packets, 1u);
  Output fit = p.tx.encrypt(0, inner, need);
  EXPECT_EQ(fit.status, Status::OK);
  EXPECT_EQ(fit.seq, 2u);
}

TEST(NoSpace, EncryptBeyondMaxPacket) {
  SaParams sp;
  sp.outer = 6;
  sp.udp = true;
  Pair p(sp);
  // Largest inner that fits: 40 + 8 + 16 + padded(n + 2) + 16 <= 9600.
  const size_t max_inner = 9600 - 40 - 8 - 16 - 16 - 2;  // 9518, n + 2 = 9520 is aligned
  Bytes ok = pkt::udp(4, max_inner - 28);
  Output a = p.tx.encrypt(0, ok);
  ASSERT_EQ(a.status, Status::OK);
  EXPECT_EQ(a.data.size(), 9600u);
  Bytes too_big = pkt::udp(4, max_inner - 27);
  EXPECT_EQ(p.tx.encrypt(0, too_big, 0xFFFFFFFFu).status, Status::NO_SPACE);
  EXPECT_EQ(p.rx.decrypt(a.data).data, ok);
}

TEST(NoSpace, DecryptCommitsWindow) {
  Pair p(SaParams{});
  const Bytes inner = pkt::udp(4, 100);
  Bytes pkt1 = p.tx.encrypt(0, inner).data;
  Output o = p.rx.decrypt(pkt1, static_cast<uint32_t>(inner.size() - 1));
  EXPECT_EQ(o.status, Status::NO_SPACE);
  EXPECT_EQ(o.seq, 1u);
  EXPECT_EQ(p.rx.counters(0).packets, 0u);
  EXPECT_EQ(p.rx.decrypt(pkt1).status, Status::REPLAY) << "the packet was authentic: window committed";
  Bytes pkt2 = p.tx.encrypt(0, inner).data;
  EXPECT_EQ(p.rx.decrypt(pkt2, static_cast<uint32_t>(inner.size())).status, Status::OK);
}

}  // namespace
}  // namespace esp::ref
