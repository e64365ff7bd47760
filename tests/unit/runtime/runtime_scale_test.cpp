// A 1M-SA table on one emulated card (swemu): installed in batches, then
// traffic through SAs spread over the whole table, encrypted by outbound SAs
// and decrypted by inbound SAs of the same table, and a batched teardown.
#include <gtest/gtest.h>

#include "esp/runtime/engine.hpp"
#include "runtime_test_util.hpp"

namespace esp::runtime::test {
namespace {

TEST(RuntimeScale, AMillionSaTableInstallsAndCarriesTraffic) {
  constexpr uint32_t kSas = 1u << 20;  // half outbound, half inbound
  RtOpts o;
  o.sa_capacity = kSas;
  o.card_memory = 768ull << 20;
  o.replay_bytes = replay_region_bytes_for(kSas / 2, 64);
  o.max_batch = 256;
  auto rt = make_runtime(o);
  std::vector<SaId> outs, ins;
  outs.reserve(kSas / 2);
  ins.reserve(kSas / 2);
  for (uint32_t base = 0; base < kSas / 2; base += 32768) {
    std::vector<SaConfig> cfgs;
    cfgs.reserve(2 * 32768);
    for (uint32_t i = base; i < base + 32768; ++i) {
      SaConfig out = tunnel_sa(0x10000 + i, Direction::Outbound, true, i, 16);
      SaConfig in = tunnel_sa(0x10000 + i, Direction::Inbound, true, i, 16);
      in.window_bits = 64;
      cfgs.push_back(std::move(out));
      cfgs.push_back(std::move(in));
    }
    const std::vector<SaId> ids = rt->add_sas(cfgs);
    for (size_t k = 0; k < ids.size(); k += 2) {
      outs.push_back(ids[k]);
      ins.push_back(ids[k + 1]);
    }
  }
  ASSERT_EQ(rt->sa_count(), size_t(kSas));
  EXPECT_THROW(rt->add_sa(tunnel_sa(0x5, Direction::Outbound, true, 1)), SaTableFull);

  // Traffic through 256 SA pairs spread over the table.
  auto q = rt->open_queue();
  Burst e;
  std::vector<size_t> pick;
  for (size_t k = 0; k < 256; ++k) pick.push_back((k * 2053) % outs.size());
  for (size_t k = 0; k < pick.size(); ++k) e.add(PacketOp::Encrypt, inner(64 + k, uint32_t(k)), outs[pick[k]]);
  e.run(*q);
  Burst d;
  for (size_t k = 0; k < pick.size(); ++k) {
    ASSERT_EQ(e.res[k].status, Status(spec::Status::OK)) << k;
    EXPECT_EQ(e.res[k].spi, 0x10000 + pick[k]);
    d.add(PacketOp::Decrypt, e.output(k));
  }
  d.run(*q);
  for (size_t k = 0; k < pick.size(); ++k) {
    ASSERT_EQ(d.res[k].status, Status(spec::Status::OK)) << k;
    EXPECT_EQ(d.res[k].sa, ins[pick[k]]);
    EXPECT_EQ(d.output(k), e.in[k]);
  }
  // Batched teardown of half the table, then the rest by flush.
  rt->del_sas(outs);
  EXPECT_EQ(rt->sa_count(), size_t(kSas / 2));
  rt->flush_sas();
  EXPECT_EQ(rt->sa_count(), 0u);
}

}  // namespace
}  // namespace esp::runtime::test
