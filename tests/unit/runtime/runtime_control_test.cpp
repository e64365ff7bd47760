// The Runtime's control plane (kernel_ipsec_t-shaped): get_spi, add_sa(s)
// with coalesced card writes, update_sa (NAT-T float / MOBIKE) keeping the
// sequence number and replay window, query_sa, del_sa(s), flush, errors.
#include <gtest/gtest.h>

#include <set>

#include "runtime_test_util.hpp"

namespace esp::runtime::test {
namespace {

TEST(RuntimeControl, GetSpiIsRandomUniqueAbove255AndReservedUntilInstalledOrReleased) {
  auto rt = make_runtime();
  std::set<uint32_t> seen;
  for (int i = 0; i < 5000; ++i) {
    const uint32_t spi = rt->get_spi();
    EXPECT_GE(spi, 256u);
    EXPECT_TRUE(seen.insert(spi).second) << "SPI handed out twice: " << spi;
  }
  const uint32_t spi = *seen.begin();
  rt->add_sa(tunnel_sa(spi, Direction::Inbound, true, 1));
  EXPECT_THROW(rt->release_spi(spi), std::invalid_argument);  // installed: no longer reserved
  EXPECT_THROW(rt->add_sa(tunnel_sa(spi, Direction::Inbound, true, 2)), DuplicateSpi);
  const uint32_t other = *seen.rbegin();
  rt->release_spi(other);
  EXPECT_THROW(rt->release_spi(other), std::invalid_argument);
}

TEST(RuntimeControl, GetSpiOfACardNamesThatCard) {
  RtOpts o;
  o.cards = 3;
  auto rt = make_runtime(o);
  for (uint32_t c = 0; c < 3; ++c) {
    for (int i = 0; i < 50; ++i) {
      const uint32_t spi = rt->get_spi(c);
      EXPECT_EQ(rt->card_of_spi(spi), c);
      const SaId sa = rt->add_sa(tunnel_sa(spi, Direction::Inbound, true, uint32_t(i)));
      EXPECT_EQ(sa.card, c);
    }
  }
  // An inbound SA cannot be put on another card than its SPI names.
  SaConfig c = tunnel_sa(rt->get_spi(1), Direction::Inbound, true, 9);
  c.card = 2;
  EXPECT_THROW(rt->add_sa(c), std::invalid_argument);
}

TEST(RuntimeControl, BatchedInstallIsOneDeviceWritePerContiguousRange) {
  auto rt = make_runtime();
  driver::Device& dev = rt->device(0);
  std::vector<SaConfig> cfgs;
  for (uint32_t i = 0; i < 500; ++i) cfgs.push_back(tunnel_sa(0x1000 + i, Direction::Outbound, true, i));
  const driver::IoStats before = dev.io_stats();
  const std::vector<SaId> ids = rt->add_sas(cfgs);
  const driver::IoStats after = dev.io_stats();
  ASSERT_EQ(ids.size(), 500u);
  // 500 consecutive slots: the SA table range and the state-line range.
  EXPECT_EQ(after.writes - before.writes, 2u);
  // One at a time costs at least that per SA.
  const driver::IoStats b1 = dev.io_stats();
  rt->add_sa(tunnel_sa(0x9000, Direction::Outbound, true, 1));
  EXPECT_EQ(dev.io_stats().writes - b1.writes, 2u);

  // Inbound: SA table, state lines and replay rings contiguous; the SPI
  // table is the card's own (SPI_SET commands in the next run), no write.
  std::vector<SaConfig> in;
  for (uint32_t i = 0; i < 300; ++i) in.push_back(tunnel_sa(0x20000 + i, Direction::Inbound, true, i));
  const driver::IoStats b2 = dev.io_stats();
  rt->add_sas(in);
  const uint64_t w = dev.io_stats().writes - b2.writes;
  EXPECT_EQ(w, 3u);
  EXPECT_EQ(rt->sa_count(), 801u);
}

TEST(RuntimeControl, BatchedInstallIsAllOrNothing) {
  RtOpts o;
  o.sa_capacity = 8;
  auto rt = make_runtime(o);
  std::vector<SaConfig> cfgs;
  for (uint32_t i = 0; i < 9; ++i) cfgs.push_back(tunnel_sa(0x300 + i, Direction::Inbound, true, i));
  EXPECT_THROW(rt->add_sas(cfgs), SaTableFull);
  EXPECT_EQ(rt->sa_count(), 0u);
  cfgs.resize(3);
  cfgs[2].key.resize(5);  // bad
  try {
    rt->add_sas(cfgs);
    FAIL() << "a bad key length was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("config 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("key"), std::string::npos) << e.what();
  }
  cfgs[2] = cfgs[0];  // duplicate inbound SPI inside the batch
  EXPECT_THROW(rt->add_sas(cfgs), DuplicateSpi);
  EXPECT_EQ(rt->sa_count(), 0u);
  EXPECT_FALSE(rt->find_inbound(0x300).has_value());
}

TEST(RuntimeControl, UpdateSaKeepsTheSequenceNumberAndTheReplayWindow) {
  auto a = make_runtime(), b = make_runtime();
  const uint32_t spi = b->get_spi();
  const SaId out = a->add_sa(tunnel_sa(spi, Direction::Outbound, true, 7));
  const SaId in = b->add_sa(tunnel_sa(spi, Direction::Inbound, true, 7));
  auto qa = a->open_queue(), qb = b->open_queue();
  Burst e1;
  for (int i = 0; i < 5; ++i) e1.add(PacketOp::Encrypt, inner(80, uint32_t(i)), out);
  e1.run(*qa);
  Burst d1;
  for (int i = 0; i < 5; ++i) d1.add(PacketOp::Decrypt, e1.output(size_t(i)));
  d1.run(*qb);

  // The peer floats: new outer addresses and UDP encapsulation on 4500.
  SaUpdate u;
  u.tun_src = IpAddr::parse("198.51.100.7");
  u.tun_dst = IpAddr::parse("203.0.113.9");
  u.udp_encap = true;
  a->update_sa(out, u);
  b->update_sa(in, u);
  EXPECT_TRUE(a->valid(out));
  const SaInfo ai = a->query_sa(out);
  EXPECT_TRUE(ai.udp_encap);
  EXPECT_EQ(ai.tun_dst.str(), "203.0.113.9");
  EXPECT_EQ(ai.tx_seq, 5u);

  Burst e2;
  e2.add(PacketOp::Encrypt, inner(80, 9), out);
  e2.run(*qa);
  ASSERT_EQ(e2.res[0].status, Status(spec::Status::OK));
  EXPECT_EQ(e2.res[0].seq, 6u) << "update_sa reset the sequence number";
  const Bytes esp = e2.output(0);
  ASSERT_GE(esp.size(), 28u);
  EXPECT_EQ(esp[9], spec::UDP_PROTO);
  EXPECT_EQ(IpAddr::parse("203.0.113.9").bytes[0], esp[16]);
  Burst d2;
  d2.add(PacketOp::Decrypt, esp);
  d2.add(PacketOp::Decrypt, e1.output(2));  // replayed from before the float: the window is still there
  d2.run(*qb);
  EXPECT_EQ(d2.res[0].status, Status(spec::Status::OK));
  EXPECT_EQ(d2.res[1].status, Status(spec::Status::REPLAY));
  EXPECT_EQ(b->query_sa(in).replay_top, 6u);

  SaUpdate bad;
  bad.tun_dst = IpAddr::parse("2001:db8::1");  // other family than tun_src
  EXPECT_THROW(a->update_sa(out, bad), std::invalid_argument);
}

TEST(RuntimeControl, QuerySaReportsConfigCountersAndUseButNeverTheKey) {
  auto rt = make_runtime();
  SaConfig c = tunnel_sa(0x4242, Direction::Outbound, true, 3, 16);
  c.reqid = 77;
  c.soft.packets = 100;
  c.hard.seconds = 3600;
  c.src_ts = {TrafficSelector::parse("10.1.0.0/16")};
  const SaId sa = rt->add_sa(c);
  SaInfo i = rt->query_sa(sa);
  EXPECT_EQ(i.spi, 0x4242u);
  EXPECT_EQ(i.direction, Direction::Outbound);
  EXPECT_EQ(i.key_bits, 128u);
  EXPECT_EQ(i.reqid, 77u);
  EXPECT_EQ(i.soft.packets, 100u);
  EXPECT_EQ(i.hard.seconds, 3600u);
  ASSERT_EQ(i.src_ts.size(), 1u);
  EXPECT_EQ(i.src_ts[0].str(), "10.1.0.0/16");
  EXPECT_EQ(i.last_use_ns, 0u);
  EXPECT_NE(i.installed_ns, 0u);
  auto q = rt->open_queue();
  Burst b;
  b.add(PacketOp::Encrypt, inner(100, 1), sa);
  b.run(*q);
  i = rt->query_sa(sa);
  EXPECT_EQ(i.counters.packets, 1u);
  EXPECT_GT(i.last_use_ns, 0u);
  EXPECT_EQ(i.tx_seq, 1u);
}

TEST(RuntimeControl, DeleteFlushAndStaleIds) {
  RtOpts o;
  o.cards = 2;
  auto rt = make_runtime(o);
  std::vector<SaConfig> cfgs;
  for (uint32_t i = 0; i < 40; ++i) {
    cfgs.push_back(tunnel_sa(0x500 + i, i % 2 ? Direction::Inbound : Direction::Outbound, true, i));
  }
  const std::vector<SaId> ids = rt->add_sas(cfgs);
  EXPECT_EQ(rt->sa_count(), 40u);
  EXPECT_EQ(rt->list_sas().size(), 40u);
  rt->del_sa(ids[0]);
  EXPECT_FALSE(rt->valid(ids[0]));
  EXPECT_THROW(rt->del_sa(ids[0]), std::invalid_argument);
  EXPECT_THROW(rt->query_sa(ids[0]), std::invalid_argument);
  EXPECT_THROW(rt->del_sas({ids[1], ids[1]}), std::invalid_argument);
  EXPECT_TRUE(rt->valid(ids[1])) << "a failed batch delete removed something";
  rt->del_sas({ids[1], ids[2]});
  EXPECT_FALSE(rt->find_inbound(0x501).has_value());
  EXPECT_TRUE(rt->find_inbound(0x503).has_value());
  rt->flush_sas();
  EXPECT_EQ(rt->sa_count(), 0u);
  EXPECT_FALSE(rt->find_inbound(0x503).has_value());
  // The slot is reused with another generation: the old id stays stale.
  const SaId again = rt->add_sa(cfgs[4]);
  EXPECT_FALSE(rt->valid(ids[4]) && again == ids[4]);
}

}  // namespace
}  // namespace esp::runtime::test
