// The Runtime's data plane on every backend of the build (swemu, cosim):
// two sites exchanging traffic through Queues over caller-owned buffers,
// the ESP bytes against the OpenSSL reference model, results in submit
// order with per-packet statuses, partial submits, host-decided statuses.
#include <gtest/gtest.h>

#include "runtime_test_util.hpp"

namespace esp::runtime::test {
namespace {

class RuntimeDatapath : public ::testing::TestWithParam<std::string> {
 protected:
  RtOpts opts() const {
    RtOpts o;
    o.backend = GetParam();
    return o;
  }
  size_t n_packets() const { return GetParam() == "cosim" ? 24 : 300; }
};

TEST_P(RuntimeDatapath, TwoSitesExchangeTrafficBothWaysBitExactWithTheReference) {
  auto a = make_runtime(opts());
  auto b = make_runtime(opts());
  // A -> B and B -> A, each with an inbound SPI from the receiver's get_spi.
  const uint32_t spi_ab = b->get_spi(), spi_ba = a->get_spi();
  const SaId a_out = a->add_sa(tunnel_sa(spi_ab, Direction::Outbound, true, 1));
  const SaId b_in = b->add_sa(tunnel_sa(spi_ab, Direction::Inbound, true, 1));
  const SaId b_out = b->add_sa(tunnel_sa(spi_ba, Direction::Outbound, false, 2, 16));
  const SaId a_in = a->add_sa(tunnel_sa(spi_ba, Direction::Inbound, false, 2, 16));
  // The reference model of A's card for the bytes.
  ref::RefEngine ref(1024);
  ref.add_sa_at(a_out.index, tunnel_sa(spi_ab, Direction::Outbound, true, 1));

  auto qa = a->open_queue(), qb = b->open_queue();
  const size_t n = n_packets();
  Burst enc;
  for (size_t i = 0; i < n; ++i) enc.add(PacketOp::Encrypt, inner((i * 37) % 1400, uint32_t(i)), a_out);
  enc.run(*qa);
  Burst dec;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(enc.res[i].status, Status(spec::Status::OK)) << i;
    EXPECT_EQ(enc.res[i].seq, i + 1);
    EXPECT_EQ(enc.res[i].spi, spi_ab);
    EXPECT_EQ(enc.res[i].sa, a_out);
    const ref::Output want = ref.encrypt(a_out.index, enc.in[i]);
    ASSERT_EQ(want.status, spec::Status::OK);
    EXPECT_EQ(enc.output(i), want.data) << "packet " << i << ": ESP bytes differ from the reference";
    dec.add(PacketOp::Decrypt, enc.output(i));
  }
  dec.run(*qb);
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(dec.res[i].status, Status(spec::Status::OK)) << i;
    EXPECT_EQ(dec.res[i].sa, b_in);
    EXPECT_EQ(dec.output(i), enc.in[i]) << i;
  }
  // And back.
  Burst back, back_dec;
  for (size_t i = 0; i < n; ++i) back.add(PacketOp::Encrypt, inner(64 + i, uint32_t(i), false), b_out);
  back.run(*qb);
  for (size_t i = 0; i < n; ++i) back_dec.add(PacketOp::Decrypt, back.output(i));
  back_dec.run(*qa);
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(back_dec.res[i].status, Status(spec::Status::OK)) << i;
    EXPECT_EQ(back_dec.res[i].sa, a_in);
    EXPECT_EQ(back_dec.output(i), back.in[i]);
  }
  EXPECT_EQ(b->query_sa(b_in).counters.packets, n);
  EXPECT_NE(b->query_sa(b_in).last_use_ns, 0u);
  EXPECT_EQ(a->query_sa(a_out).tx_seq, n);
  EXPECT_EQ(b->query_sa(b_in).replay_top, n);
}

TEST_P(RuntimeDatapath, MixedBurstGivesOneResultPerPacketInOrder) {
  auto rt = make_runtime(opts());
  const uint32_t spi = rt->get_spi();
  const SaId out = rt->add_sa(tunnel_sa(spi, Direction::Outbound, true, 3));
  rt->add_sa(tunnel_sa(spi, Direction::Inbound, true, 3));
  const SaId gone = rt->add_sa(tunnel_sa(0x777, Direction::Outbound, true, 4));
  rt->del_sa(gone);
  auto q = rt->open_queue();
  Burst first;
  first.add(PacketOp::Encrypt, inner(100, 1), out);
  first.add(PacketOp::Encrypt, inner(200, 2), out);
  first.run(*q);
  Burst mix;
  mix.add(PacketOp::Decrypt, first.output(0));                    // OK
  mix.add(PacketOp::Encrypt, inner(10, 3), gone);                 // stale SA: host SA_DISABLED
  mix.add(PacketOp::Encrypt, Bytes(spec::MAX_PKT_BYTES + 1, 0x45), out);  // too long: MALFORMED
  mix.add(PacketOp::Decrypt, first.output(0));                    // replay
  mix.add(PacketOp::Encrypt, inner(300, 4), out, 64);             // output larger than out_cap: NO_SPACE
  mix.add(PacketOp::Decrypt, inner(50, 5));                       // not ESP
  Bytes bad = first.output(1);
  bad[bad.size() - 1] ^= 1;
  mix.add(PacketOp::Decrypt, bad);                                // auth failure
  mix.add(PacketOp::Decrypt, first.output(1));                    // OK
  mix.run(*q);
  const std::vector<Status> want = {spec::Status::OK,        spec::Status::SA_DISABLED, spec::Status::MALFORMED,
                                    spec::Status::REPLAY,    spec::Status::NO_SPACE,    spec::Status::NOT_ESP,
                                    spec::Status::AUTH_FAIL, spec::Status::OK};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(mix.res[i].status, want[i]) << "packet " << i << ": got " << mix.res[i].status.name();
  EXPECT_EQ(mix.output(0), first.in[0]);
  EXPECT_EQ(mix.output(7), first.in[1]);
  EXPECT_EQ(mix.res[4].out_len, 0u);
}

TEST_P(RuntimeDatapath, SubmitTakesWhatTheQueueHoldsAndTheRestLater) {
  auto rt = make_runtime(opts());
  const SaId out = rt->add_sa(tunnel_sa(0x100, Direction::Outbound, true, 5));
  QueueOptions qo;
  qo.depth = 8;
  auto q = rt->open_queue(qo);
  EXPECT_EQ(q->depth(), 8u);
  std::vector<Bytes> in, outb;
  std::vector<Packet> p(20);
  for (size_t i = 0; i < p.size(); ++i) {
    in.push_back(inner(40, uint32_t(i)));
    outb.emplace_back(in.back().size() + spec::MAX_ENCAP_OVERHEAD);
  }
  for (size_t i = 0; i < p.size(); ++i) {
    p[i].op = PacketOp::Encrypt;
    p[i].sa = out;
    p[i].data = in[i].data();
    p[i].len = uint32_t(in[i].size());
    p[i].out = outb[i].data();
    p[i].out_cap = uint32_t(outb[i].size());
    p[i].user = i;
  }
  EXPECT_EQ(q->submit(p.data(), p.size()), 8u);
  EXPECT_EQ(q->pending(), 8u);
  EXPECT_EQ(q->submit(p.data() + 8, 12), 0u);
  std::vector<PacketResult> r(20);
  size_t got = 0, sent = 8;
  while (got < 20) {
    got += q->poll(r.data() + got, 20 - got, 1000);
    sent += q->submit(p.data() + sent, 20 - sent);
  }
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(r[i].user, i);
    EXPECT_EQ(r[i].status, Status(spec::Status::OK));
    EXPECT_EQ(r[i].seq, i + 1);
  }
  EXPECT_EQ(q->pending(), 0u);
}

TEST_P(RuntimeDatapath, SeveralQueuesOnOneCardShareItsSas) {
  auto rt = make_runtime(opts());
  const SaId out = rt->add_sa(tunnel_sa(0x200, Direction::Outbound, true, 6));
  auto q1 = rt->open_queue(), q2 = rt->open_queue();
  Burst b1, b2;
  const size_t n = n_packets() / 2;
  for (size_t i = 0; i < n; ++i) {
    b1.add(PacketOp::Encrypt, inner(100, uint32_t(i)), out);
    b2.add(PacketOp::Encrypt, inner(100, uint32_t(i + 1000)), out);
  }
  b1.run(*q1);
  b2.run(*q2);
  std::vector<uint64_t> seqs;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(b1.res[i].status, Status(spec::Status::OK));
    ASSERT_EQ(b2.res[i].status, Status(spec::Status::OK));
    seqs.push_back(b1.res[i].seq);
    seqs.push_back(b2.res[i].seq);
  }
  std::sort(seqs.begin(), seqs.end());
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1) << "a sequence number repeated or skipped";
}

INSTANTIATE_TEST_SUITE_P(Backends, RuntimeDatapath, ::testing::ValuesIn(rt_backends()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace esp::runtime::test
