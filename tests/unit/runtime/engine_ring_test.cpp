// The Engine on contract 1.0, against ModelCard (model_card.hpp): what the
// card sees in its ring (commands queued and flushed in order, STOP last,
// ring_first = CPL_PROD of the run before, wrap-around), slot reuse after a
// delete, capacity errors, the card's SPI table kept by SPI_SET through
// cuckoo moves, a reset replaying every install, counters and sequence
// numbers through the state lines (after a STATE_SYNC: runs end with STOP
// KEEP_STATE).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine_test_util.hpp"
#include "esp/runtime/detail/card_layout.hpp"
#include "esp/runtime/detail/engine_access.hpp"
#include "model_card.hpp"

namespace esp::runtime::test {
namespace {

using Access = detail::EngineAccess;
using spec::Opcode;

struct Rig {
  ModelCard* card;
  std::unique_ptr<Engine> eng;
};

Rig rig(uint32_t capacity = 64, uint32_t batch = 8, uint32_t max_sas = 65536, uint32_t max_spi = 14) {
  auto dev = open_model_card(max_sas, max_spi);
  ModelCard* card = dev.get();
  EngineOptions o;
  o.sa_capacity = capacity;
  o.max_batch_packets = batch;
  return Rig{card, std::make_unique<Engine>(std::move(dev), o)};
}

std::vector<Opcode> ops(const ModelCard::Run& r) {
  std::vector<Opcode> out;
  for (const spec::Command& c : r.entries) out.push_back(c.op);
  return out;
}

Request encrypt(SaHandle h, size_t len = 40) {
  Request r;
  r.op = Opcode::ENCRYPT;
  r.sa = h;
  r.data.assign(len, 0x45);
  return r;
}

Request decrypt(uint32_t spi) {
  Request r;
  r.op = Opcode::DECRYPT;
  r.data = {uint8_t(spi >> 24), uint8_t(spi >> 16), uint8_t(spi >> 8), uint8_t(spi), 0, 0, 0, 1};
  return r;
}

TEST(EngineRing, CommandsGoFirstInTheNextRunInTheOrderQueued) {
  Rig r = rig();
  const SaHandle out = r.eng->add_sa(sa_config(0x100, Direction::Outbound));
  const std::vector<SaHandle> in = r.eng->add_sas({sa_config(0x200, Direction::Inbound), sa_config(0x300, Direction::Inbound)});
  EXPECT_TRUE(r.card->runs.empty()) << "an install alone starts no run";
  const std::vector<spec::Command> q = Access::queued_commands(*r.eng);
  ASSERT_EQ(q.size(), 5u);  // 3 SA_INSTALL, 2 SPI_SET (an empty table: no moves)
  EXPECT_EQ(q[0].op, Opcode::SA_INSTALL);
  EXPECT_EQ(q[0].sa_index, out.index);
  EXPECT_EQ(q[0].flags, 0u);
  // add_sa(outbound) queued one SA_INSTALL; add_sas its two, then their SPI_SETs.
  EXPECT_EQ(q[1].op, Opcode::SA_INSTALL);
  EXPECT_EQ(q[1].sa_index, in[0].index);
  EXPECT_EQ(q[2].op, Opcode::SA_INSTALL);
  EXPECT_EQ(q[2].sa_index, in[1].index);
  EXPECT_EQ(q[3].op, Opcode::SPI_SET);
  EXPECT_EQ(q[4].op, Opcode::SPI_SET);
  std::set<uint32_t> spis = {q[3].spi, q[4].spi};
  EXPECT_EQ(spis, (std::set<uint32_t>{0x200, 0x300}));

  const std::vector<Result> res = r.eng->process({encrypt(out), decrypt(0x300), decrypt(0x999)});
  ASSERT_EQ(r.card->runs.size(), 1u);
  EXPECT_EQ(r.card->breach, "");
  EXPECT_EQ(ops(r.card->runs[0]), (std::vector<Opcode>{Opcode::SA_INSTALL, Opcode::SA_INSTALL, Opcode::SA_INSTALL,
                                                       Opcode::SPI_SET, Opcode::SPI_SET, Opcode::ENCRYPT,
                                                       Opcode::DECRYPT, Opcode::DECRYPT, Opcode::STOP}));
  EXPECT_EQ(r.card->runs[0].ring_first, 0u);
  EXPECT_EQ(r.card->runs[0].desc_prod, 9u);
  EXPECT_EQ(Access::ring_next(*r.eng), 9u);
  EXPECT_TRUE(Access::queued_commands(*r.eng).empty());
  ASSERT_EQ(res.size(), 3u);
  EXPECT_EQ(res[0].status, spec::Status::OK);
  EXPECT_EQ(res[0].seq, 1u);
  EXPECT_EQ(res[1].status, spec::Status::OK);
  EXPECT_EQ(res[1].sa_index, in[1].index);
  EXPECT_EQ(res[2].status, spec::Status::UNKNOWN_SPI);

  // The next run starts where the card's CPL_PROD stands, carries no command.
  r.eng->process({encrypt(out)});
  ASSERT_EQ(r.card->runs.size(), 2u);
  EXPECT_EQ(r.card->runs[1].ring_first, 9u);
  EXPECT_EQ(ops(r.card->runs[1]), (std::vector<Opcode>{Opcode::ENCRYPT, Opcode::STOP}));
  EXPECT_EQ(r.card->breach, "");
}

TEST(EngineRing, DeleteRunsAtOnceThenWipesAndFreesTheSlot) {
  Rig r = rig(4);
  const SaHandle a = r.eng->add_sa(sa_config(0x10, Direction::Inbound));
  r.eng->process({decrypt(0x10)});
  const size_t before = r.card->runs.size();
  r.eng->delete_sa(a);
  ASSERT_EQ(r.card->runs.size(), before + 1) << "the SA_DELETE runs at once (a command-only run)";
  EXPECT_EQ(ops(r.card->runs.back()), (std::vector<Opcode>{Opcode::SPI_SET, Opcode::SA_DELETE, Opcode::STOP}));
  EXPECT_EQ(r.card->runs.back().entries[0].sa_index, spec::NO_SA_INDEX) << "the slot emptied";
  EXPECT_EQ(r.card->runs.back().entries[1].sa_index, a.index);
  EXPECT_FALSE(r.card->installed.count(a.index));
  EXPECT_TRUE(r.card->spi_slots.empty());
  EXPECT_EQ(read_entry(*r.eng, a.index), std::vector<uint8_t>(spec::sa_entry::SIZE, 0)) << "key wiped in card memory";

  // The slot is reused: a new generation, installed again before use.
  const SaHandle b = r.eng->add_sa(sa_config(0x20, Direction::Outbound));
  EXPECT_EQ(b.index, a.index);
  EXPECT_NE(b.generation, a.generation);
  EXPECT_THROW(r.eng->process({encrypt(a)}), std::invalid_argument);
  const std::vector<Result> res = r.eng->process({encrypt(b), decrypt(0x10)});
  EXPECT_EQ(ops(r.card->runs.back()),
            (std::vector<Opcode>{Opcode::SA_INSTALL, Opcode::ENCRYPT, Opcode::DECRYPT, Opcode::STOP}));
  EXPECT_EQ(res[0].status, spec::Status::OK);
  EXPECT_EQ(res[1].status, spec::Status::UNKNOWN_SPI);
  EXPECT_EQ(r.card->breach, "");
}

TEST(EngineRing, UpdateRewritesTheEntryAndInstallsItKeepingState) {
  Rig r = rig();
  const SaHandle h = r.eng->add_sa(sa_config(0x10, Direction::Outbound));
  r.eng->process({encrypt(h), encrypt(h)});
  SaUpdate u;
  u.tun_dst = IpAddr::parse("198.51.100.9");
  r.eng->update_sa(h, u);
  const std::vector<spec::Command> q = Access::queued_commands(*r.eng);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, Opcode::SA_INSTALL);
  EXPECT_EQ(q[0].flags, spec::descriptor::flags_bit::KEEP_STATE);
  spec::SaEntry e;
  spec::unpack(read_entry(*r.eng, h.index).data(), e);
  EXPECT_EQ(e.tun_dst[0], 198);
  EXPECT_EQ(r.eng->process({encrypt(h)})[0].seq, 3u) << "the sequence number goes on";
}

TEST(EngineRing, CountersAndSequenceNumbersComeFromTheStateLines) {
  Rig r = rig();
  SaConfig c = sa_config(0x10, Direction::Outbound);
  c.seq_start = 100;
  const SaHandle h = r.eng->add_sa(c);
  EXPECT_EQ(r.eng->sa_state(h).tx_seq, 99u) << "the state line the host wrote";
  const SaHandle in = r.eng->add_sa(sa_config(0x20, Direction::Inbound));
  r.eng->process({encrypt(h, 40), encrypt(h, 60), decrypt(0x20)});
  EXPECT_EQ(r.eng->sa_state(h).tx_seq, 101u);
  SaCounters k = r.eng->counters(h);
  EXPECT_EQ(k.packets, 2u);
  EXPECT_EQ(k.bytes, 100u);
  EXPECT_EQ(r.eng->counters(in).packets, 1u);
  // Written behind the engine's back, read back as is (the line is the source).
  spec::SaState st;
  st.seq = 7;
  st.counters.soft_events = 0xFFFFFFFFu;
  st.counters.hard_events = 3;
  st.counters.dummy = 5;
  uint8_t line[spec::sa_state::SIZE];
  spec::pack(st, line);
  device_of(*r.eng).write(layout_of(*r.eng).sa_state, uint64_t(in.index) * sizeof line, line, sizeof line);
  k = r.eng->counters(in);
  EXPECT_EQ(k.soft_events, 0xFFFFFFFFu);
  EXPECT_EQ(k.hard_events, 3u);
  EXPECT_EQ(k.dummy, 5u);
  EXPECT_EQ(r.eng->sa_state(in).replay_top, 7u);
}

// Runs end with STOP KEEP_STATE (the card may keep the changed state on
// chip); a state read after a run with packets first runs STATE_SYNC of all
// SAs once; reads with no packet run since, and command-only runs, add none.
TEST(EngineRing, StateReadsSyncTheCardOnceAfterPacketRuns) {
  Rig r = rig();
  const SaHandle h = r.eng->add_sa(sa_config(0x10, Direction::Outbound));
  r.eng->process({encrypt(h)});
  ASSERT_EQ(r.card->runs.size(), 1u);
  ASSERT_FALSE(r.card->runs[0].entries.empty());
  EXPECT_EQ(r.card->runs[0].entries.back().op, Opcode::STOP);
  EXPECT_EQ(r.card->runs[0].entries.back().flags, spec::descriptor::flags_bit::KEEP_STATE);
  EXPECT_EQ(r.eng->counters(h).packets, 1u);
  ASSERT_EQ(r.card->runs.size(), 2u) << "one STATE_SYNC run before the read";
  EXPECT_EQ(ops(r.card->runs[1]), (std::vector<Opcode>{Opcode::STATE_SYNC, Opcode::STOP}));
  EXPECT_EQ(r.card->runs[1].entries[0].sa_index, spec::NO_SA_INDEX);
  EXPECT_EQ(r.eng->sa_state(h).tx_seq, 1u);
  EXPECT_EQ(r.eng->counters(h).packets, 1u);
  EXPECT_EQ(r.card->runs.size(), 2u) << "nothing ran since the sync";
  const SaHandle h2 = r.eng->add_sa(sa_config(0x11, Direction::Outbound));
  Access::flush_commands(*r.eng);
  ASSERT_EQ(r.card->runs.size(), 3u);
  EXPECT_EQ(r.eng->counters(h2).packets, 0u);
  EXPECT_EQ(r.card->runs.size(), 3u) << "a command-only run changes no state";
  r.eng->process({encrypt(h2), encrypt(h2)});
  EXPECT_EQ(r.eng->sa_state(h2).tx_seq, 2u);
  EXPECT_EQ(r.card->runs.size(), 5u);
  EXPECT_EQ(r.card->breach, "");
}

TEST(EngineRing, TheRingWrapsAcrossRuns) {
  Rig r = rig(16, 8);
  const uint32_t size = uint32_t(1) << layout_of(*r.eng).ring_log2;
  const SaHandle h = r.eng->add_sa(sa_config(0x10, Direction::Outbound));
  uint64_t seq = 0;
  uint32_t first = 0;
  while (r.card->runs.size() < 3 * size / 9 + 2) {
    const std::vector<Result> res = r.eng->process(std::vector<Request>(8, encrypt(h)));
    for (const Result& x : res) ASSERT_EQ(x.seq, ++seq);
    const ModelCard::Run& run = r.card->runs.back();
    ASSERT_EQ(run.ring_first, first);
    first = run.desc_prod;
  }
  EXPECT_GT(first, 2 * size) << "the ring wrapped at least twice";
  EXPECT_EQ(r.card->breach, "");
}

TEST(EngineRing, CommandsBeyondTheRingGoInCommandOnlyRunsFirst) {
  Rig r = rig(1024, 8);
  const uint32_t size = uint32_t(1) << layout_of(*r.eng).ring_log2;
  std::vector<SaConfig> cfgs;
  for (uint32_t i = 0; i < 1000; ++i) cfgs.push_back(sa_config(0x1000 + i, i % 2 ? Direction::Inbound : Direction::Outbound));
  const std::vector<SaHandle> hs = r.eng->add_sas(cfgs);
  const size_t queued = Access::queued_commands(*r.eng).size();
  ASSERT_GT(queued, size) << "enough commands to need more than one run";
  const std::vector<Result> res = r.eng->process({encrypt(hs[0]), decrypt(0x1001)});
  EXPECT_EQ(res[0].status, spec::Status::OK);
  EXPECT_EQ(res[1].status, spec::Status::OK);
  size_t commands = 0;
  for (size_t k = 0; k < r.card->runs.size(); ++k) {
    const ModelCard::Run& run = r.card->runs[k];
    EXPECT_LE(run.entries.size(), size);
    EXPECT_EQ(run.entries.back().op, Opcode::STOP);
    commands += run.entries.size() - 1 - (k + 1 == r.card->runs.size() ? 2 : 0);
  }
  EXPECT_GE(r.card->runs.size(), 2u);
  EXPECT_EQ(commands, queued);
  EXPECT_EQ(r.card->installed.size(), 1000u);
  EXPECT_EQ(r.card->breach, "");
}

TEST(EngineRing, TheCardsSpiTableFollowsTheHostsThroughChurn) {
  // 96 SAs: 32 buckets of 8 slots, up to 90 in use (the SpiTable unit test
  // forces cuckoo moves; here every changed slot travels as an SPI_SET).
  Rig r = rig(96, 8, 65536, 14);
  const unsigned log2 = layout_of(*r.eng).spi_buckets_log2;
  std::mt19937 rng(7);
  std::vector<uint32_t> pool;
  for (uint32_t i = 0; i < 400; ++i) pool.push_back(0x10000 + i * 7919);
  std::vector<std::pair<uint32_t, SaHandle>> live;
  for (int step = 0; step < 600; ++step) {
    if (!live.empty() && (live.size() >= 90 || rng() % 3 == 0)) {
      const size_t k = rng() % live.size();
      r.eng->delete_sa(live[k].second);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
    } else {
      const uint32_t spi = pool[rng() % pool.size()];
      SaHandle h;
      if (r.eng->find_inbound(spi, h)) continue;
      live.emplace_back(spi, r.eng->add_sa(sa_config(spi, Direction::Inbound)));
    }
    if (step % 50 == 49) r.eng->process({decrypt(pool[0])});  // flush the queued SPI_SETs
  }
  r.eng->process({decrypt(pool[0])});
  ASSERT_EQ(r.card->breach, "");
  for (uint32_t spi : pool) {
    SaHandle h;
    const uint32_t want = r.eng->find_inbound(spi, h) ? h.index + 1 : 0u;
    ASSERT_EQ(r.card->lookup(spi, log2), want) << std::hex << spi;
  }
  // And through the card's own lookups (DECRYPT).
  std::vector<Request> reqs;
  for (uint32_t spi : pool) reqs.push_back(decrypt(spi));
  const std::vector<Result> res = r.eng->process(reqs);
  for (size_t i = 0; i < pool.size(); ++i) {
    SaHandle h;
    if (r.eng->find_inbound(pool[i], h)) {
      EXPECT_EQ(res[i].status, spec::Status::OK);
      EXPECT_EQ(res[i].sa_index, h.index);
    } else {
      EXPECT_EQ(res[i].status, spec::Status::UNKNOWN_SPI);
    }
  }
  EXPECT_EQ(r.card->spi_slots.size(), live.size());
}

TEST(EngineRing, ResetReplaysEveryInstallAndSpiSlotFromTheShadow) {
  Rig r = rig(64, 8);
  const SaHandle out = r.eng->add_sa(sa_config(0x10, Direction::Outbound));
  const SaHandle in = r.eng->add_sa(sa_config(0x20, Direction::Inbound));
  const SaHandle gone = r.eng->add_sa(sa_config(0x30, Direction::Inbound));
  r.eng->process({encrypt(out), encrypt(out), encrypt(out), decrypt(0x20)});
  r.eng->delete_sa(gone);
  Access::wipe_card(*r.eng);
  r.eng->reprogram();
  ASSERT_FALSE(r.card->runs.empty());
  const ModelCard::Run& run = r.card->runs.back();
  EXPECT_EQ(run.ring_first, 0u) << "after a reset the ring starts at 0";
  EXPECT_EQ(ops(run), (std::vector<Opcode>{Opcode::SA_INSTALL, Opcode::SA_INSTALL, Opcode::SPI_SET, Opcode::STOP}));
  EXPECT_EQ(r.card->installed, (std::set<uint32_t>{out.index, in.index}));
  EXPECT_EQ(r.card->lookup(0x20, layout_of(*r.eng).spi_buckets_log2), in.index + 1);
  EXPECT_EQ(r.card->lookup(0x30, layout_of(*r.eng).spi_buckets_log2), 0u);
  EXPECT_EQ(r.eng->sa_state(out).tx_seq, 3u) << "outbound resumes after the highest number used";
  EXPECT_EQ(r.eng->counters(out).packets, 3u) << "the host's tallies";
  EXPECT_EQ(r.eng->process({encrypt(out)})[0].seq, 4u);
  EXPECT_EQ(read_entry(*r.eng, gone.index), std::vector<uint8_t>(spec::sa_entry::SIZE, 0));
  EXPECT_EQ(r.card->breach, "");
}

TEST(EngineRing, CapacitiesBeyondTheCardAreAClearError) {
  struct Case {
    uint32_t capacity, max_sas, max_spi;
    const char* says;
  };
  const Case cases[] = {
      {2000, 1000, 14, "MAX_SAS"},
      {1000, 1000, 14, nullptr},        // 1000 SAs: 2^8 buckets
      {1000, 1000, 7, "MAX_SPI_BUCKETS_LOG2"},
      {1000, 1000, 8, nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.capacity);
    if (!c.says) {
      EXPECT_NO_THROW(rig(c.capacity, 8, c.max_sas, c.max_spi));
      continue;
    }
    try {
      rig(c.capacity, 8, c.max_sas, c.max_spi);
      ADD_FAILURE() << "no error";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
    }
  }
}

TEST(EngineRing, AFailedCommandFailsTheRunAndItsPackets) {
  Rig r = rig();
  const SaHandle h = r.eng->add_sa(sa_config(0x10, Direction::Outbound));
  r.card->fail_op = Opcode::SA_INSTALL;
  r.card->fail_status = spec::Status::BAD_SA;
  try {
    r.eng->process({encrypt(h)});
    ADD_FAILURE() << "no error";
  } catch (const driver::DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("SA_INSTALL"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("BAD_SA"), std::string::npos) << e.what();
  }
  // The ring goes on from the card's CPL_PROD.
  EXPECT_EQ(Access::ring_next(*r.eng), r.card->runs.back().desc_prod);
}

TEST(EngineRing, RawDescriptorsRunThroughTheRing) {
  Rig r = rig(16, 4);
  const SaHandle h = r.eng->add_sa(sa_config(0x10, Direction::Outbound));
  std::vector<detail::Descriptor> d(10);
  for (auto& x : d) {
    x.op = Opcode::ENCRYPT;
    x.sa_index = h.index;
    x.in_length = 40;
    x.out_capacity = 128;
  }
  std::vector<detail::Completion> c(d.size());
  Access::run_descriptors(*r.eng, d.data(), d.size(), c.data());
  for (size_t k = 0; k < c.size(); ++k) EXPECT_EQ(c[k].seq, k + 1);
  EXPECT_EQ(r.card->breach, "");
}

}  // namespace
}  // namespace esp::runtime::test

namespace esp::runtime::test {
namespace {

// A test that changes an SA's entry behind the engine's back has the card
// load it again with the SA_INSTALL it queues (the equivalence harness).
TEST(EngineRing, AnInstallQueuedByATestLoadsTheEntryAsItIsNow) {
  Rig r = rig();
  const SaHandle h = r.eng->add_sa(sa_config(0x10, Direction::Outbound));
  r.eng->process({encrypt(h)});
  std::vector<uint8_t> img = read_entry(*r.eng, h.index);
  spec::set<spec::sa_entry::flags>(img.data(), 0u);  // VALID cleared
  device_of(*r.eng).write(layout_of(*r.eng).sa_table, uint64_t(h.index) * img.size(), img.data(), img.size());
  EXPECT_EQ(r.eng->process({encrypt(h)})[0].status, spec::Status::OK) << "not loaded before its SA_INSTALL";
  Access::queue_install(*r.eng, h.index, true);
  EXPECT_EQ(r.eng->process({encrypt(h)})[0].status, spec::Status::SA_DISABLED);
  EXPECT_THROW(Access::queue_install(*r.eng, 1u << 20, false), std::invalid_argument);
}

}  // namespace
}  // namespace esp::runtime::test

namespace esp::runtime::test {
namespace {

// A packet request with a command opcode never runs as a command.
TEST(EngineRing, ARequestWithACommandOpcodeIsABadOpcodeNotACommand) {
  Rig r = rig();
  const SaHandle h = r.eng->add_sa(sa_config(0x10, Direction::Outbound));
  std::vector<Request> reqs;
  for (Opcode op : {Opcode::SA_INSTALL, Opcode::SA_DELETE, Opcode::SPI_SET, Opcode::STATE_SYNC, Opcode::STOP}) {
    Request q = encrypt(h);
    q.op = op;
    reqs.push_back(q);
  }
  reqs.push_back(encrypt(h));
  const std::vector<Result> res = r.eng->process(reqs);
  for (size_t k = 0; k + 1 < res.size(); ++k) EXPECT_EQ(res[k].status, spec::Status::BAD_OPCODE) << k;
  EXPECT_EQ(res.back().status, spec::Status::OK) << "the run went on past them";
  EXPECT_EQ(ops(r.card->runs.back()),
            (std::vector<Opcode>{Opcode::SA_INSTALL, Opcode::NOP, Opcode::NOP, Opcode::NOP, Opcode::NOP, Opcode::NOP,
                                 Opcode::ENCRYPT, Opcode::STOP}));
  EXPECT_TRUE(r.card->installed.count(h.index));
  EXPECT_EQ(r.card->breach, "");
}

}  // namespace
}  // namespace esp::runtime::test
