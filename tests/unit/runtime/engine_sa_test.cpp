// The Engine's SA table on the model card (swemu's card memory, the
// contract-1.0 card tables modelled): install, delete, handles, the card's
// SPI table and the card-memory layout, read back through the Device.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <stdexcept>

#include "esp/runtime/detail/card_layout.hpp"
#include "engine_test_util.hpp"

namespace spec = esp::spec;
namespace e = esp::spec::sa_entry;
using namespace esp::runtime;
using namespace esp::runtime::test;

TEST(EngineSa, LayoutFollowsTheOptions) {
  auto eng = make_model_engine(4096, 32);
  const detail::CardLayout& l = layout_of(*eng);
  EXPECT_EQ(l.sa_capacity, 4096u);
  EXPECT_EQ(l.spi_buckets_log2, 10u);
  EXPECT_GE(l.sa_table.size, 4096ull * e::SIZE);
  EXPECT_GE(l.sa_state.size, 4096ull * spec::sa_state::SIZE);
  EXPECT_EQ(l.ring_log2, 9u);  // 32 packets, 256 commands and a STOP
  EXPECT_GE(l.desc_ring.size, 512ull * spec::descriptor::SIZE);
  EXPECT_GE(l.cpl_ring.size, 512ull * spec::completion::SIZE);
  EXPECT_EQ(l.pkt_slot_bytes % spec::PKT_BUS_BYTES, 0u);
  EXPECT_GE(l.pkt_slot_bytes, spec::MAX_PKT_BYTES);
  EXPECT_GE(l.pkt_in.size, 32ull * l.pkt_slot_bytes);
  EXPECT_GE(l.pkt_out.size, 32ull * l.pkt_slot_bytes);
  EXPECT_EQ(l.replay_region_bytes, esp::runtime::detail::default_replay_region(4096));
  EXPECT_EQ(eng->options().replay_region_bytes, l.replay_region_bytes);
  EXPECT_EQ(eng->sa_count(), 0u);
}

TEST(EngineSa, BadOptionsAreRefused) {
  EXPECT_THROW(make_model_engine(0), std::invalid_argument);
  EXPECT_THROW(make_model_engine(16, 0), std::invalid_argument);
  EXPECT_THROW(Engine(nullptr), std::invalid_argument);
}

TEST(EngineSa, EntryOnTheCardDecodesToTheConfig) {
  auto eng = make_model_engine(64);
  SaConfig out = sa_config(0x1001, Direction::Outbound, 32);
  out.tun_src = IpAddr::parse("2001:db8::a");
  out.tun_dst = IpAddr::parse("2001:db8::b");
  out.esn = true;
  out.udp_encap = true;
  out.icv_len = 8;
  out.ttl = 17;
  out.tos = 0x10;
  out.flow_label = 0x12345;
  out.udp_sport = 50000;
  out.seq_start = 77;
  out.soft = {100000, 90};
  out.hard = {200000, 100};
  const SaHandle ho = eng->add_sa(out);
  const auto img = read_entry(*eng, ho.index);
  namespace fb = e::flags_bit;
  EXPECT_EQ(spec::get<e::spi>(img.data()), 0x1001u);
  EXPECT_EQ(spec::get<e::flags>(img.data()),
            fb::VALID | fb::OUTBOUND | fb::TUNNEL | fb::OUTER_V6 | fb::ESN | fb::UDP_ENCAP | fb::AES256);
  EXPECT_EQ(spec::get<e::generation>(img.data()), ho.generation);
  EXPECT_EQ(std::memcmp(img.data() + e::key::offset, out.key.data(), 32), 0);
  EXPECT_EQ(std::memcmp(img.data() + e::salt::offset, out.salt.data(), 4), 0);
  EXPECT_EQ(spec::get<e::icv_len>(img.data()), 8u);
  EXPECT_EQ(spec::get<e::ttl>(img.data()), 17u);
  EXPECT_EQ(spec::get<e::tos>(img.data()), 0x10u);
  EXPECT_EQ(spec::get<e::flow_label>(img.data()), 0x12345u);
  EXPECT_EQ(spec::get<e::udp_sport>(img.data()), 50000u);
  EXPECT_EQ(spec::get<e::udp_dport>(img.data()), spec::NAT_T_PORT);
  EXPECT_EQ(eng->sa_state(ho).tx_seq, 76u) << "seq_start - 1 in the state line";
  EXPECT_EQ(spec::get<e::soft_bytes>(img.data()), 100000u);
  EXPECT_EQ(spec::get<e::soft_packets>(img.data()), 90u);
  EXPECT_EQ(spec::get<e::hard_bytes>(img.data()), 200000u);
  EXPECT_EQ(spec::get<e::hard_packets>(img.data()), 100u);
  EXPECT_EQ(std::memcmp(img.data() + e::tun_src::offset, out.tun_src.bytes.data(), 16), 0);
  EXPECT_EQ(std::memcmp(img.data() + e::tun_dst::offset, out.tun_dst.bytes.data(), 16), 0);
  EXPECT_EQ(card_spi_lookup(*eng, 0x1001), 0u) << "outbound SAs are not in the SPI table";

  // Inbound SAs: distinct, aligned, non-overlapping replay states in the region.
  std::vector<std::pair<uint64_t, uint64_t>> states;
  for (uint32_t i = 0; i < 8; ++i) {
    SaConfig in = sa_config(0x2000 + i, Direction::Inbound);
    in.window_bits = 64u << i;  // 64 .. 8192
    const SaHandle h = eng->add_sa(in);
    const auto ii = read_entry(*eng, h.index);
    EXPECT_EQ(spec::get<e::flags>(ii.data()), fb::VALID | fb::TUNNEL);
    EXPECT_EQ(spec::get<e::window_bits>(ii.data()), in.window_bits);
    const uint64_t off = spec::get<e::replay_offset>(ii.data());
    EXPECT_EQ(off % spec::CTL_WORD_BYTES, 0u);
    EXPECT_LE(off + spec::replay_ring_bytes(in.window_bits), layout_of(*eng).replay_region_bytes);
    states.push_back({off, spec::replay_ring_bytes(in.window_bits)});
    EXPECT_EQ(card_spi_lookup(*eng, in.spi), h.index + 1);
  }
  std::sort(states.begin(), states.end());
  for (size_t i = 1; i < states.size(); ++i) EXPECT_LE(states[i - 1].first + states[i - 1].second, states[i].first);
}

TEST(EngineSa, InstallZeroesCountersAndReplayState) {
  auto eng = make_model_engine(1);  // one slot: every install lands in slot 0
  const detail::CardLayout& l = layout_of(*eng);
  std::vector<uint8_t> junk(std::max<uint64_t>(l.replay_region_bytes, spec::sa_state::SIZE), 0xA5);
  device_of(*eng).write(l.replay, 0, junk.data(), l.replay_region_bytes);
  device_of(*eng).write(l.sa_state, 0, junk.data(), spec::sa_state::SIZE);
  const SaHandle h = eng->add_sa(sa_config(0x77, Direction::Inbound));
  const SaCounters c = eng->counters(h);
  EXPECT_EQ(c.packets, 0u);
  EXPECT_EQ(c.bytes, 0u);
  EXPECT_EQ(c.auth_fail, 0u);
  EXPECT_EQ(c.replay, 0u);
  EXPECT_EQ(c.bad_packet, 0u);
  EXPECT_EQ(c.soft_events, 0u);
  EXPECT_EQ(c.hard_events, 0u);
  EXPECT_EQ(c.dummy, 0u);
  EXPECT_EQ(eng->sa_state(h).replay_top, 0u);
  const auto img = read_entry(*eng, h.index);
  const uint64_t off = spec::get<e::replay_offset>(img.data());
  std::vector<uint8_t> state(spec::replay_ring_bytes(spec::DEFAULT_WINDOW_BITS));
  device_of(*eng).read(l.replay, off, state.data(), state.size());
  EXPECT_TRUE(std::all_of(state.begin(), state.end(), [](uint8_t b) { return b == 0; }));
}

TEST(EngineSa, ThreeThousandSasInsertLookupDeleteWithoutLoss) {
  auto eng = make_model_engine(4096);
  std::mt19937 rng(42);
  std::set<uint32_t> used;
  std::vector<std::pair<uint32_t, SaHandle>> sas;
  while (sas.size() < 3000) {
    const auto spi = static_cast<uint32_t>(rng());
    if (spi == 0 || !used.insert(spi).second) continue;
    SaConfig c = sa_config(spi, Direction::Inbound);
    c.window_bits = 1024;
    sas.push_back({spi, eng->add_sa(c)});
  }
  EXPECT_EQ(eng->sa_count(), 3000u);
  std::set<uint32_t> indices;
  for (auto& [spi, h] : sas) {
    ASSERT_TRUE(eng->valid(h));
    ASSERT_TRUE(indices.insert(h.index).second) << "slot handed out twice";
    ASSERT_EQ(card_spi_lookup(*eng, spi), h.index + 1) << std::hex << spi;
    SaHandle f;
    ASSERT_TRUE(eng->find_inbound(spi, f));
    ASSERT_EQ(f.index, h.index);
    ASSERT_EQ(f.generation, h.generation);
  }
  for (size_t i = 0; i < sas.size(); i += 2) eng->delete_sa(sas[i].second);
  EXPECT_EQ(eng->sa_count(), 1500u);
  for (size_t i = 0; i < sas.size(); ++i) {
    const uint32_t want = i % 2 ? sas[i].second.index + 1 : 0u;
    ASSERT_EQ(card_spi_lookup(*eng, sas[i].first), want) << i;
    ASSERT_EQ(eng->valid(sas[i].second), i % 2 == 1);
  }
  for (size_t i = 0; i < sas.size(); i += 2) {
    SaConfig c = sa_config(sas[i].first, Direction::Inbound);
    c.window_bits = 1024;
    sas[i].second = eng->add_sa(c);
  }
  EXPECT_EQ(eng->sa_count(), 3000u);
  for (auto& [spi, h] : sas) ASSERT_EQ(card_spi_lookup(*eng, spi), h.index + 1);
  for (auto& [spi, h] : sas) eng->delete_sa(h);
  EXPECT_EQ(eng->sa_count(), 0u);
  // Nothing left on the card.
  EXPECT_TRUE(model_of(*eng).spi_slots.empty());
  EXPECT_TRUE(model_of(*eng).installed.empty());
}

TEST(EngineSa, FullTableIsAnErrorTheCallerSees) {
  auto eng = make_model_engine(8);
  std::vector<SaHandle> hs;
  for (uint32_t i = 0; i < 8; ++i) hs.push_back(eng->add_sa(sa_config(0x100 + i, Direction::Outbound)));
  EXPECT_THROW(eng->add_sa(sa_config(0x200, Direction::Outbound)), SaTableFull);
  try {
    eng->add_sa(sa_config(0x200, Direction::Inbound));
    ADD_FAILURE();
  } catch (const SaTableFull& ex) {
    EXPECT_NE(std::string(ex.what()).find("8 slots"), std::string::npos) << ex.what();
  }
  EXPECT_EQ(card_spi_lookup(*eng, 0x200), 0u) << "a refused install left an SPI behind";
  eng->delete_sa(hs[3]);
  const SaHandle h = eng->add_sa(sa_config(0x200, Direction::Inbound));
  EXPECT_EQ(h.index, hs[3].index);
  EXPECT_EQ(eng->sa_count(), 8u);
}

TEST(EngineSa, FullReplayRegionIsSaTableFull) {
  using esp::runtime::detail::replay_footprint;
  auto eng = make_model_engine(16, 8, 2 * replay_footprint(spec::DEFAULT_WINDOW_BITS));
  const SaHandle a = eng->add_sa(sa_config(1, Direction::Inbound));
  eng->add_sa(sa_config(2, Direction::Inbound));
  EXPECT_THROW(eng->add_sa(sa_config(3, Direction::Inbound)), SaTableFull);
  EXPECT_EQ(eng->sa_count(), 2u);
  EXPECT_EQ(card_spi_lookup(*eng, 3), 0u);
  SaConfig big = sa_config(4, Direction::Inbound);
  big.window_bits = spec::MAX_WINDOW_BITS;
  EXPECT_THROW(eng->add_sa(big), SaTableFull);
  EXPECT_NO_THROW(eng->add_sa(sa_config(5, Direction::Outbound)));  // no replay state needed
  eng->delete_sa(a);
  EXPECT_NO_THROW(eng->add_sa(sa_config(3, Direction::Inbound)));
}

// replay_region_bytes_for(n, w) holds exactly n inbound SAs of window w.
TEST(EngineSa, ReplayRegionForHoldsExactlyThatManySas) {
  const struct {
    uint32_t n, window;
  } cases[] = {{1, spec::MIN_WINDOW_BITS}, {3, 1024}, {4, spec::DEFAULT_WINDOW_BITS}, {2, spec::MAX_WINDOW_BITS}};
  for (const auto& c : cases) {
    SCOPED_TRACE("n " + std::to_string(c.n) + ", window " + std::to_string(c.window));
    EXPECT_GE(replay_region_bytes_for(c.n, c.window), uint64_t(c.n) * spec::replay_ring_bytes(c.window));
    auto eng = make_model_engine(16, 8, replay_region_bytes_for(c.n, c.window));
    for (uint32_t i = 0; i < c.n; ++i) {
      SaConfig in = sa_config(0x100 + i, Direction::Inbound);
      in.window_bits = c.window;
      EXPECT_NO_THROW(eng->add_sa(in));
    }
    SaConfig more = sa_config(0x200, Direction::Inbound);
    more.window_bits = c.window;
    EXPECT_THROW(eng->add_sa(more), SaTableFull);
  }
  EXPECT_EQ(replay_region_bytes_for(10, spec::DEFAULT_WINDOW_BITS), esp::runtime::detail::default_replay_region(10));
}

TEST(EngineSa, DuplicateInboundSpiIsRejected) {
  auto eng = make_model_engine(16);
  const SaHandle h = eng->add_sa(sa_config(0xABC, Direction::Inbound));
  EXPECT_THROW(eng->add_sa(sa_config(0xABC, Direction::Inbound)), DuplicateSpi);
  try {
    eng->add_sa(sa_config(0xABC, Direction::Inbound));
  } catch (const std::runtime_error& ex) {  // what the header promised callers
    EXPECT_NE(std::string(ex.what()).find("0xabc"), std::string::npos) << ex.what();
  }
  EXPECT_EQ(eng->sa_count(), 1u);
  // Outbound SAs may share an SPI with an inbound one (different peers).
  EXPECT_NO_THROW(eng->add_sa(sa_config(0xABC, Direction::Outbound)));
  eng->delete_sa(h);
  EXPECT_NO_THROW(eng->add_sa(sa_config(0xABC, Direction::Inbound)));
}

TEST(EngineSa, BadConfigInstallsNothing) {
  auto eng = make_model_engine(16);
  SaConfig c = sa_config(0x10, Direction::Inbound);
  c.key.resize(20);
  EXPECT_THROW(eng->add_sa(c), std::invalid_argument);
  c = sa_config(0x10, Direction::Inbound);
  c.window_bits = 1000;
  EXPECT_THROW(eng->add_sa(c), std::invalid_argument);
  EXPECT_EQ(eng->sa_count(), 0u);
  EXPECT_EQ(card_spi_lookup(*eng, 0x10), 0u);
}

TEST(EngineSa, StaleHandlesAreRejected) {
  auto eng = make_model_engine(16);
  const SaHandle h = eng->add_sa(sa_config(0x55, Direction::Inbound));
  EXPECT_TRUE(eng->valid(h));
  eng->delete_sa(h);
  EXPECT_FALSE(eng->valid(h));
  EXPECT_THROW(eng->delete_sa(h), std::invalid_argument);
  EXPECT_THROW(eng->counters(h), std::invalid_argument);
  EXPECT_THROW(eng->delete_sa(SaHandle{}), std::invalid_argument);          // never issued
  EXPECT_THROW(eng->delete_sa(SaHandle{99, 1}), std::invalid_argument);     // out of range
  const SaHandle h2 = eng->add_sa(sa_config(0x56, Direction::Inbound));
  ASSERT_EQ(h2.index, h.index);  // the slot is reused ...
  EXPECT_THROW(eng->delete_sa(h), std::invalid_argument);  // ... but the old handle stays dead
  EXPECT_TRUE(eng->valid(h2));
  EXPECT_EQ(card_spi_lookup(*eng, 0x56), h2.index + 1);
}

TEST(EngineSa, GenerationBumpsOnEveryInstall) {
  auto eng = make_model_engine(1);
  uint32_t last = 0;
  for (int i = 0; i < 5; ++i) {
    const SaHandle h = eng->add_sa(sa_config(0x99, i % 2 ? Direction::Inbound : Direction::Outbound));
    EXPECT_EQ(h.index, 0u);
    EXPECT_EQ(h.generation, last + 1);
    EXPECT_EQ(spec::get<e::generation>(read_entry(*eng, 0).data()), h.generation);
    last = h.generation;
    eng->delete_sa(h);
  }
  // A refused install does not consume a generation.
  const SaHandle a = eng->add_sa(sa_config(0x99, Direction::Outbound));
  EXPECT_THROW(eng->add_sa(sa_config(0x98, Direction::Outbound)), SaTableFull);
  eng->delete_sa(a);
  EXPECT_EQ(eng->add_sa(sa_config(0x99, Direction::Outbound)).generation, a.generation + 1);
}

TEST(EngineSa, DeleteWipesTheEntryAndKey) {
  auto eng = make_model_engine(16);
  for (Direction dir : {Direction::Inbound, Direction::Outbound}) {
    const SaConfig c = sa_config(0xBEEF, dir, 32);
    const SaHandle h = eng->add_sa(c);
    auto img = read_entry(*eng, h.index);
    ASSERT_EQ(std::memcmp(img.data() + e::key::offset, c.key.data(), 32), 0);
    eng->delete_sa(h);
    img = read_entry(*eng, h.index);
    for (uint32_t i = 0; i < e::key::size; ++i) EXPECT_EQ(img[e::key::offset + i], 0) << "key byte " << i;
    EXPECT_TRUE(std::all_of(img.begin(), img.end(), [](uint8_t b) { return b == 0; })) << "entry not wiped";
    EXPECT_EQ(card_spi_lookup(*eng, 0xBEEF), 0u);
  }
}
