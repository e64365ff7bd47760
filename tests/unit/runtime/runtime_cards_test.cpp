// Several cards in one runtime, a card that loses its memory and is
// reprogrammed from the host shadow (no sequence number repeats under a key,
// nothing replayed passes), and make-before-break rekeys under traffic.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <unordered_map>

#include "esp/runtime/detail/engine_access.hpp"
#include "esp/runtime/detail/runtime_access.hpp"
#include "runtime_test_util.hpp"

namespace esp::runtime::test {
namespace {

void wipe(Runtime& rt, uint32_t card) {
  detail::EngineAccess::wipe_card(detail::RuntimeAccess::engine(rt, card));
}

TEST(RuntimeCards, TrafficOverEveryCardInboundSpisFindTheirCard) {
  RtOpts oa, ob;
  oa.cards = 3;
  ob.cards = 4;
  auto a = make_runtime(oa), b = make_runtime(ob);
  struct Pair {
    SaId out, in;
  };
  std::vector<Pair> pairs;
  for (uint32_t i = 0; i < 24; ++i) {
    const uint32_t spi = b->get_spi();  // the least-loaded card of b
    Pair p;
    p.in = b->add_sa(tunnel_sa(spi, Direction::Inbound, true, i));
    p.out = a->add_sa(tunnel_sa(spi, Direction::Outbound, true, i));  // the least-loaded card of a
    EXPECT_EQ(p.in.card, b->card_of_spi(spi));
    pairs.push_back(p);
  }
  std::set<uint32_t> a_cards, b_cards;
  for (const Pair& p : pairs) a_cards.insert(p.out.card), b_cards.insert(p.in.card);
  EXPECT_EQ(a_cards.size(), 3u);
  EXPECT_EQ(b_cards.size(), 4u);

  auto qa = a->open_queue(), qb = b->open_queue();
  Burst e;
  for (uint32_t k = 0; k < 10; ++k) {
    for (size_t i = 0; i < pairs.size(); ++i) e.add(PacketOp::Encrypt, inner(40 + k * 50, uint32_t(i * 100 + k)), pairs[i].out);
  }
  e.run(*qa);
  Burst d;
  for (size_t i = 0; i < e.res.size(); ++i) {
    ASSERT_EQ(e.res[i].status, Status(spec::Status::OK)) << i;
    d.add(PacketOp::Decrypt, e.output(i));
  }
  d.run(*qb);
  std::map<uint32_t, uint64_t> per_card;
  for (size_t i = 0; i < d.res.size(); ++i) {
    ASSERT_EQ(d.res[i].status, Status(spec::Status::OK)) << i;
    EXPECT_EQ(d.output(i), e.in[i]);
    EXPECT_EQ(d.res[i].sa, pairs[i % pairs.size()].in);
    ++per_card[d.res[i].sa.card];
  }
  EXPECT_EQ(per_card.size(), 4u);
  for (const Pair& p : pairs) EXPECT_EQ(b->query_sa(p.in).counters.packets, 10u);
}

TEST(RuntimeCards, AResetCardIsReprogrammedWithoutNonceReuseOrReplay) {
  auto a = make_runtime(), b = make_runtime();
  std::vector<SaId> outs, ins;
  for (uint32_t i = 0; i < 4; ++i) {
    const uint32_t spi = b->get_spi();
    SaConfig oc = tunnel_sa(spi, Direction::Outbound, true, i);
    oc.soft.packets = 1000000;
    outs.push_back(a->add_sa(oc));
    ins.push_back(b->add_sa(tunnel_sa(spi, Direction::Inbound, true, i)));
  }
  auto qa = a->open_queue(), qb = b->open_queue();
  std::unordered_map<SaId, std::set<uint64_t>> ivs;  // every (key, IV) sent: the IV is the sequence number
  std::vector<Bytes> sent_esp;
  auto send = [&](int per_sa, bool expect_ok) {
    Burst e;
    for (int k = 0; k < per_sa; ++k) {
      for (const SaId& s : outs) e.add(PacketOp::Encrypt, inner(100 + size_t(k), uint32_t(k)), s);
    }
    e.run(*qa);
    Burst d;
    size_t ok = 0;
    for (size_t i = 0; i < e.res.size(); ++i) {
      if (e.res[i].status != Status(spec::Status::OK)) {
        EXPECT_FALSE(expect_ok) << i << " " << e.res[i].status.name();
        continue;
      }
      ++ok;
      EXPECT_TRUE(ivs[e.res[i].sa].insert(e.res[i].seq).second)
          << "sequence number " << e.res[i].seq << " used twice under one key";
      d.add(PacketOp::Decrypt, e.output(i));
      sent_esp.push_back(e.output(i));
    }
    d.run(*qb);
    size_t j = 0;
    for (size_t i = 0; i < e.res.size(); ++i) {
      if (e.res[i].status != Status(spec::Status::OK)) continue;
      EXPECT_EQ(d.res[j].status, Status(spec::Status::OK));
      EXPECT_EQ(d.output(j), e.in[i]) << "mis-decrypted";
      ++j;
    }
    return ok;
  };
  EXPECT_EQ(send(30, true), 120u);

  // The sender's card loses its memory between two runs.
  wipe(*a, 0);
  EXPECT_EQ(send(2, false), 0u) << "a wiped card has no SA";
  a->reprogram_card(0);
  std::vector<Event> ev;
  a->events().poll(ev);
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().type, EventType::CardReset);
  EXPECT_EQ(send(30, true), 120u);
  for (const SaId& s : outs) EXPECT_EQ(a->query_sa(s).counters.packets, 60u) << "counters restored from the shadow";

  // The receiver's card loses its memory: after reprogramming, nothing sent
  // before passes again, and new traffic does.
  wipe(*b, 0);
  b->reprogram_card(0);
  Burst replay;
  for (const Bytes& p : sent_esp) replay.add(PacketOp::Decrypt, p);
  replay.run(*qb);
  for (size_t i = 0; i < replay.res.size(); ++i) {
    EXPECT_EQ(replay.res[i].status, Status(spec::Status::REPLAY)) << "replayed packet " << i << " passed";
  }
  EXPECT_EQ(send(10, true), 40u);
}

TEST(RuntimeCards, AThousandMakeBeforeBreakRekeysLoseNothing) {
  auto a = make_runtime(), b = make_runtime();
  uint32_t seed = 1;
  uint32_t spi = b->get_spi();
  SaId in = b->add_sa(tunnel_sa(spi, Direction::Inbound, true, seed));
  SaId out = a->add_sa(tunnel_sa(spi, Direction::Outbound, true, seed));
  Policy p;
  p.dir = Direction::Outbound;
  p.src = TrafficSelector::parse("10.1.0.0/16");
  p.dst = TrafficSelector::parse("10.2.0.0/16");
  p.action = PolicyAction::Protect;
  p.sa = out;
  a->add_policy(p);
  auto qa = a->open_queue(), qb = b->open_queue();
  size_t sent = 0, delivered = 0;
  for (int r = 0; r < 1000; ++r) {
    // Traffic before the switch, still in the queue when it happens.
    std::vector<Bytes> in_pkts, out_bufs;
    std::vector<Packet> pk(8);
    for (size_t i = 0; i < pk.size(); ++i) {
      in_pkts.push_back(inner(30 + i, uint32_t(r * 8 + i)));
      out_bufs.emplace_back(in_pkts.back().size() + spec::MAX_ENCAP_OVERHEAD);
    }
    for (size_t i = 0; i < pk.size(); ++i) {
      pk[i].op = PacketOp::Outbound;
      pk[i].data = in_pkts[i].data();
      pk[i].len = uint32_t(in_pkts[i].size());
      pk[i].out = out_bufs[i].data();
      pk[i].out_cap = uint32_t(out_bufs[i].size());
      pk[i].user = i;
    }
    ASSERT_EQ(qa->submit(pk.data(), 4), 4u);
    // Make-before-break: the new inbound SA first, then the outbound switch.
    ++seed;
    const uint32_t nspi = b->get_spi();
    const SaId nin = b->add_sa(tunnel_sa(nspi, Direction::Inbound, true, seed));
    const SaId nout = a->add_sa(tunnel_sa(nspi, Direction::Outbound, true, seed));
    ASSERT_EQ(a->switch_outbound(out, nout), 1u);
    ASSERT_EQ(qa->submit(pk.data() + 4, 4), 4u);
    std::vector<PacketResult> res(8);
    size_t got = 0;
    while (got < 8) got += qa->poll(res.data() + got, 8 - got, 1000);
    Burst d;
    for (size_t i = 0; i < 8; ++i) {
      ASSERT_EQ(res[i].status, Status(spec::Status::OK)) << "rekey " << r << " packet " << i;
      d.add(PacketOp::Decrypt, Bytes(out_bufs[i].begin(), out_bufs[i].begin() + res[i].out_len));
    }
    sent += 8;
    d.run(*qb);
    for (size_t i = 0; i < 8; ++i) {
      if (d.res[i].status == Status(spec::Status::OK) && d.output(i) == in_pkts[i]) ++delivered;
    }
    // The old SAs drained: remove them.
    a->del_sa(out);
    b->del_sa(in);
    out = nout;
    in = nin;
  }
  EXPECT_EQ(delivered, sent);
  EXPECT_EQ(a->sa_count(), 1u);
  EXPECT_EQ(b->sa_count(), 1u);
}

}  // namespace
}  // namespace esp::runtime::test
