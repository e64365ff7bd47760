// Several cards in one runtime, a card that loses its memory and is
// reprogrammed from the host shadow (no sequence number repeats under a key,
// nothing replayed passes), and make-before-break rekeys under traffic.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <unordered_map>

#include "esp/driver/forwarding_device.hpp"
#include "esp/runtime/detail/engine_access.hpp"
#include "esp/runtime/detail/runtime_access.hpp"
#include "runtime_test_util.hpp"

namespace esp::runtime::test {
namespace {

void wipe(Runtime& rt, uint32_t card) {
  detail::EngineAccess::wipe_card(detail::RuntimeAccess::engine(rt, card));
}

// The tests that touch card state run on every backend (cosim: the RTL).
class RuntimeCardsOn : public ::testing::TestWithParam<std::string> {
 protected:
  RtOpts opts(uint32_t cards = 1) const {
    RtOpts o;
    o.backend = GetParam();
    o.cards = cards;
    return o;
  }
  bool cosim() const { return GetParam() == "cosim"; }
};

TEST_P(RuntimeCardsOn, TrafficOverEveryCardInboundSpisFindTheirCard) {
  RtOpts oa = opts(3), ob = opts(4);
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
  const uint32_t rounds = cosim() ? 2 : 10;
  for (uint32_t k = 0; k < rounds; ++k) {
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
  for (const Pair& p : pairs) EXPECT_EQ(b->query_sa(p.in).counters.packets, rounds);
}

TEST_P(RuntimeCardsOn, AResetCardIsReprogrammedWithoutNonceReuseOrReplay) {
  auto a = make_runtime(opts()), b = make_runtime(opts());
  const size_t n = cosim() ? 6 : 30;
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
  auto send = [&](size_t per_sa, bool expect_ok) {
    Burst e;
    for (size_t k = 0; k < per_sa; ++k) {
      for (const SaId& s : outs) e.add(PacketOp::Encrypt, inner(100 + k, uint32_t(k)), s);
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
  EXPECT_EQ(send(n, true), 4u * n);

  // The sender's card loses its memory between two runs.
  wipe(*a, 0);
  EXPECT_EQ(send(2, false), 0u) << "a wiped card has no SA";
  a->reprogram_card(0);
  std::vector<Event> ev;
  a->events().poll(ev);
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().type, EventType::CardReset);
  EXPECT_EQ(send(n, true), 4u * n);
  for (const SaId& s : outs) {
    EXPECT_EQ(a->query_sa(s).counters.packets, 2u * n) << "counters restored from the shadow";
  }

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
  EXPECT_EQ(send(3, true), 12u);
}

// A card whose runs can be made to fail after the kernel did its work: the
// host then knows nothing of that run (as when a card resets mid-run).
class LosingDevice : public driver::ForwardingDevice {
 public:
  using ForwardingDevice::ForwardingDevice;
  bool lose_next_run = false;

 protected:
  void do_run(const driver::KernelArgs& args) override {
    ForwardingDevice::do_run(args);
    if (lose_next_run) {
      lose_next_run = false;
      throw driver::DeviceError("losing: the card reset before its completions were read");
    }
  }
};

std::unique_ptr<Runtime> losing_runtime(LosingDevice*& dev) {
  driver::DeviceOptions d;
  d.card_memory_bytes = 64ull << 20;
  auto ld = std::make_unique<LosingDevice>(driver::open_device(d));
  dev = ld.get();
  std::vector<std::unique_ptr<driver::Device>> devs;
  devs.push_back(std::move(ld));
  RuntimeOptions o;
  o.sa_capacity = 64;
  o.max_batch_packets = 32;
  o.housekeeping_ms = 0;
  return std::make_unique<Runtime>(std::move(devs), o);
}

TEST(RuntimeCards, ARunLostInAResetCountsAsEverythingItCouldHaveDone) {
  LosingDevice *da = nullptr, *db = nullptr;
  auto a = losing_runtime(da), b = losing_runtime(db);
  const uint32_t spi = b->get_spi();
  const SaId out = a->add_sa(tunnel_sa(spi, Direction::Outbound, true, 1));
  b->add_sa(tunnel_sa(spi, Direction::Inbound, true, 1));
  auto qa = a->open_queue(), qb = b->open_queue();
  Burst e1;
  for (int i = 0; i < 10; ++i) e1.add(PacketOp::Encrypt, inner(60, uint32_t(i)), out);
  e1.run(*qa);
  // The card encrypts the next 7 (sequence numbers 11..17), but the host
  // never learns it: every packet of that run is CARD_ERROR.
  da->lose_next_run = true;
  Burst lost;
  for (int i = 0; i < 7; ++i) lost.add(PacketOp::Encrypt, inner(60, uint32_t(i)), out);
  lost.run(*qa);
  for (const PacketResult& r : lost.res) EXPECT_EQ(r.status, Status(spec::HostStatus::CARD_ERROR));
  wipe(*a, 0);
  a->reprogram_card(0);
  Burst e2;
  e2.add(PacketOp::Encrypt, inner(60, 99), out);
  e2.run(*qa);
  ASSERT_EQ(e2.res[0].status, Status(spec::Status::OK));
  EXPECT_GT(e2.res[0].seq, 17u) << "a sequence number the lost run may have used is used again";

  // The receiver accepts packets 1..10 in a run whose completions are lost.
  db->lose_next_run = true;
  Burst d1;
  for (int i = 0; i < 10; ++i) d1.add(PacketOp::Decrypt, e1.output(size_t(i)));
  d1.run(*qb);
  wipe(*b, 0);
  b->reprogram_card(0);
  Burst again;
  for (int i = 0; i < 10; ++i) again.add(PacketOp::Decrypt, e1.output(size_t(i)));
  again.add(PacketOp::Decrypt, e2.output(0));
  again.run(*qb);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(again.res[size_t(i)].status, Status(spec::Status::REPLAY)) << i;
  EXPECT_EQ(again.res[10].status, Status(spec::Status::OK));
  EXPECT_EQ(again.output(10), e2.in[0]);
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

INSTANTIATE_TEST_SUITE_P(Backends, RuntimeCardsOn, ::testing::ValuesIn(rt_backends()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace esp::runtime::test
