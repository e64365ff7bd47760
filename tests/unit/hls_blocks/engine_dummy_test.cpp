// TFC dummy packets (RFC 4303 2.6, CONTRACT.md ENCRYPT "Dummy packets" and
// DECRYPT 13) through the esp_engine top, compared with the reference model
// (tests/ref) descriptor by descriptor: completion fields, output bytes,
// counters, tx_seq and the replay top (the state lines' seq). The card holds
// the reference's SA table: slot 0 outbound, slot 1 its inbound twin, both
// installed by SA_INSTALL, the inbound SPI set by SPI_SET.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "engine_card.hpp"
#include "esp/runtime/detail/card_layout.hpp"
#include "esp/spec/esp_spec.hpp"
#include "ref/esp_ref.hpp"
#include "ref/packets.hpp"

namespace esp::hls_test {
namespace {

namespace sae = spec::sa_entry;
namespace fb = spec::sa_entry::flags_bit;
using runtime::Direction;
using spec::Mode;
using spec::Opcode;
using spec::Status;

constexpr unsigned kOutSa = 0;
constexpr unsigned kInSa = 1;
constexpr uint64_t kOutOff = 64 * 64;  // decrypt output, apart from the input at 0
constexpr uint8_t kDummy = spec::descriptor::flags_bit::DUMMY;

// Writes `cfg` into the card's slot `idx` as the runtime does (its SA entry
// encoder; the state line and replay ring are zero), installs it, and sets
// its SPI in the card's SPI table when inbound.
void install(Card& card, unsigned idx, const runtime::SaConfig& cfg) {
  runtime::detail::encode_sa_entry(cfg, /*generation=*/0, Card::replay_offset(idx), card.sa(idx));
  card.install(idx);
  if (cfg.direction == Direction::Inbound) card.map_spi(cfg.spi, idx);
}

// The card's counters of slot idx as the reference's type (both are spec::SaCounters).
ref::Counters card_counters(Card& card, unsigned idx) {
  ref::Counters k;
  static_cast<spec::SaCounters&>(k) = card.sa_counters(idx);
  return k;
}

struct Case {
  Mode mode;
  uint8_t version;  // tunnel: outer IP version; transport: the packet's
  uint32_t opts;    // ESN, UDP_ENCAP, GMAC, AES256 (as SA flags)
  uint8_t icv;
  std::string name() const {
    std::string s = std::string(mode == Mode::TUNNEL ? "tun" : "tra") + std::to_string(version);
    if (opts & fb::ESN) s += "_esn";
    if (opts & fb::UDP_ENCAP) s += "_udp";
    if (opts & fb::GMAC) s += "_gmac";
    if (opts & fb::AES256) s += "_256";
    return s + "_icv" + std::to_string(icv);
  }
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name(); }

runtime::SaConfig make_cfg(const Case& c, Direction dir) {
  runtime::SaConfig s;
  s.spi = 0x7100 + c.version;
  s.direction = dir;
  s.mode = c.mode;
  s.esn = (c.opts & fb::ESN) != 0;
  s.udp_encap = (c.opts & fb::UDP_ENCAP) != 0;
  s.gmac = (c.opts & fb::GMAC) != 0;
  s.key = ref::pkt::payload(c.opts & fb::AES256 ? 32 : 16, 11);
  s.salt = {0xCA, 0xFE, 0xBA, 0xBE};
  s.icv_len = c.icv;
  s.window_bits = 128;
  if (c.version == 4) {
    s.tun_src = ref::pkt::v4(10, 1, 0, 1);
    s.tun_dst = ref::pkt::v4(10, 1, 0, 2);
  } else {
    s.tun_src = ref::pkt::v6({0xfd00, 0, 0, 0, 0, 0, 0, 1});
    s.tun_dst = ref::pkt::v6({0xfd00, 0, 0, 0, 0, 0, 0, 2});
  }
  s.ttl = 33;
  s.tos = 0x28;
  s.flow_label = 0x12345;
  return s;
}

std::vector<Case> cases() {
  std::vector<Case> v;
  for (Mode mode : {Mode::TUNNEL, Mode::TRANSPORT})
    for (uint8_t version : {uint8_t{4}, uint8_t{6}})
      for (uint32_t opts : {0u, fb::ESN, fb::UDP_ENCAP | fb::AES256, fb::ESN | fb::UDP_ENCAP | fb::GMAC})
        v.push_back(Case{mode, version, opts, static_cast<uint8_t>(opts & fb::ESN ? 12 : 16)});
  return v;
}

// The card and the reference with the same two SAs.
struct Twin {
  Card card;
  ref::RefEngine model{kCap};
  explicit Twin(const Case& c) {
    for (unsigned idx : {kOutSa, kInSa}) {
      const runtime::SaConfig cfg = make_cfg(c, idx == kOutSa ? Direction::Outbound : Direction::Inbound);
      install(card, idx, cfg);
      model.add_sa_at(idx, cfg);
    }
  }

  // One descriptor on both; the card's output bytes, or empty.
  Bytes run(Opcode op, uint8_t flags, const Bytes& in, uint32_t out_cap, ref::Output& want, Completion& got) {
    std::memset(card.out(), 0xA5, card.pkt_bytes());
    std::memcpy(card.in(), in.data(), in.size());
    const uint64_t out_off = op == Opcode::ENCRYPT ? 0 : kOutOff;
    card.set_desc(0, op, op == Opcode::ENCRYPT ? kOutSa : 0, 0, static_cast<uint32_t>(in.size()), out_cap, out_off,
                  flags);
    card.run(1);
    got = card.completion(0);
    want = model.process_flags(static_cast<uint8_t>(op), op == Opcode::ENCRYPT ? kOutSa : 0, flags, in, out_cap);
    return Bytes(card.out() + out_off, card.out() + out_off + got.out_length);
  }

  // Runs one descriptor and checks the card against the model; returns the output.
  Bytes check(Opcode op, uint8_t flags, const Bytes& in, uint32_t out_cap = 64 * 64) {
    ref::Output want;
    Completion got{};
    const Bytes data = run(op, flags, in, out_cap, want, got);
    EXPECT_EQ(got.status, want.status) << spec::status_name(got.status) << " vs " << spec::status_name(want.status);
    EXPECT_EQ(got.sa_index, want.sa_index);
    EXPECT_EQ(got.spi, want.spi);
    EXPECT_EQ(got.seq, want.seq);
    EXPECT_EQ(got.flags, want.soft_expired ? spec::completion::flags_bit::SOFT_EXPIRED : 0);
    EXPECT_EQ(data, want.data);
    if (got.status != Status::OK) {
      EXPECT_EQ(got.out_length, 0u);
      const uint64_t off = op == Opcode::ENCRYPT ? 0 : kOutOff;
      size_t written = 0;
      for (uint64_t i = 0; i < 2 * spec::PKT_BUS_BYTES; ++i) written += card.out()[off + i] != 0xA5;
      EXPECT_EQ(written, 0u) << "pkt_out written";
    }
    for (unsigned idx : {kOutSa, kInSa}) EXPECT_EQ(card_counters(card, idx), model.counters(idx)) << "SA " << idx;
    EXPECT_EQ(card.seq(kOutSa), model.tx_seq(kOutSa));
    EXPECT_EQ(card.seq(kInSa), model.replay(kInSa).top());
    return data;
  }
};

// Tunnel: any bytes (first nibble not 4/6, so a parse would fail); transport:
// an IP/UDP packet of the case's version.
Bytes dummy_input(const Case& c, size_t n) {
  if (c.mode == Mode::TRANSPORT) return ref::pkt::udp(c.version, n, static_cast<uint32_t>(n));
  Bytes b = ref::pkt::payload(n, static_cast<uint32_t>(n) + 1);
  b[0] = static_cast<uint8_t>(b[0] & 0x0F);
  return b;
}

class EngineDummy : public ::testing::TestWithParam<Case> {};

TEST_P(EngineDummy, RoundTripMatchesReference) {
  Twin t(GetParam());
  for (size_t n : {1, 2, 3, 4, 5, 63, 64, 65, 1400}) {
    SCOPED_TRACE(n);
    const Bytes esp = t.check(Opcode::ENCRYPT, kDummy, dummy_input(GetParam(), n));
    ASSERT_FALSE(esp.empty());
    t.check(Opcode::DECRYPT, 0, esp);
    EXPECT_EQ(t.model.counters(kInSa).dummy, t.model.counters(kOutSa).dummy);
  }
  EXPECT_EQ(t.model.counters(kInSa).dummy, 9u) << "the reference saw every dummy";
  EXPECT_EQ(t.model.counters(kInSa).packets, 0u);
}

TEST_P(EngineDummy, ReplayAuthFailAndRealPackets) {
  const Case& c = GetParam();
  Twin t(c);
  const Bytes d1 = t.check(Opcode::ENCRYPT, kDummy, dummy_input(c, 30));
  const Bytes real = t.check(Opcode::ENCRYPT, 0, ref::pkt::udp(c.version, 20));
  const Bytes d3 = t.check(Opcode::ENCRYPT, kDummy, dummy_input(c, 31));
  Bytes bad = d3;
  bad[bad.size() - 1] ^= 0x01;
  t.check(Opcode::DECRYPT, 0, bad);  // AUTH_FAIL: window untouched
  t.check(Opcode::DECRYPT, 0, d3);   // DUMMY, top 3
  t.check(Opcode::DECRYPT, 0, d3);   // REPLAY
  t.check(Opcode::DECRYPT, kDummy, real);  // OK: the flag means nothing on DECRYPT
  t.check(Opcode::DECRYPT, 0, d1, 64);     // DUMMY: no room needed
  t.check(Opcode::DECRYPT, 0, d1);         // REPLAY
  const ref::Counters k = t.model.counters(kInSa);
  EXPECT_EQ(k.dummy, 2u);
  EXPECT_EQ(k.replay, 2u);
  EXPECT_EQ(k.auth_fail, 1u);
  EXPECT_EQ(k.packets, 1u);
}

INSTANTIATE_TEST_SUITE_P(Hls, EngineDummy, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.name(); });

// One run of several descriptors: dummies and real packets share the
// sequence numbers in descriptor order (CONTRACT.md "A run and its ring").
TEST(EngineDummyBatch, DummiesAndRealPacketsInOneRun) {
  const Case c{Mode::TUNNEL, 6, fb::ESN, 16};
  Twin t(c);
  constexpr uint64_t kSlot = 16 * spec::PKT_BUS_BYTES;  // bytes per packet slot
  const std::vector<std::pair<uint8_t, Bytes>> ins = {{kDummy, dummy_input(c, 100)},
                                                      {0, ref::pkt::udp(4, 90)},
                                                      {kDummy, dummy_input(c, 7)},
                                                      {kDummy, Bytes(1000, 0x33)},
                                                      {0, ref::pkt::tcp(6, 300)}};
  std::memset(t.card.out(), 0xA5, t.card.pkt_bytes());
  for (unsigned i = 0; i < ins.size(); ++i) {
    std::memcpy(t.card.in() + i * kSlot, ins[i].second.data(), ins[i].second.size());
    const uint32_t cap = i == 3 ? 256 : static_cast<uint32_t>(kSlot);  // #3: NO_SPACE, no number consumed
    t.card.set_desc(i, Opcode::ENCRYPT, kOutSa, i * kSlot, static_cast<uint32_t>(ins[i].second.size()), cap,
                    i * kSlot, ins[i].first);
  }
  t.card.run(static_cast<unsigned>(ins.size()));
  std::vector<Bytes> wire;
  for (unsigned i = 0; i < ins.size(); ++i) {
    SCOPED_TRACE(i);
    const uint32_t cap = i == 3 ? 256 : static_cast<uint32_t>(kSlot);
    const ref::Output want = t.model.process_flags(static_cast<uint8_t>(Opcode::ENCRYPT), kOutSa, ins[i].first,
                                                   ins[i].second, cap);
    const Completion got = t.card.completion(i);
    EXPECT_EQ(got.status, want.status);
    EXPECT_EQ(got.seq, want.seq);
    EXPECT_EQ(got.out_offset, i * kSlot);
    const Bytes data(t.card.out() + i * kSlot, t.card.out() + i * kSlot + got.out_length);
    EXPECT_EQ(data, want.data);
    if (want.status == Status::OK) wire.push_back(data);
  }
  EXPECT_EQ(card_counters(t.card, kOutSa), t.model.counters(kOutSa));
  EXPECT_EQ(t.model.counters(kOutSa).dummy, 2u);
  EXPECT_EQ(t.model.counters(kOutSa).packets, 2u);
  ASSERT_EQ(wire.size(), 4u);
  for (const Bytes& w : wire) t.check(Opcode::DECRYPT, 0, w);  // DUMMY, OK, DUMMY, OK
  EXPECT_EQ(t.model.counters(kInSa).dummy, 2u);
  EXPECT_EQ(t.model.counters(kInSa).packets, 2u);
}

// The checks a dummy ENCRYPT still gets, and the lifetimes it does not touch.
TEST(EngineDummyLimits, ChecksAndLifetimes) {
  const Case tun{Mode::TUNNEL, 4, 0, 16};
  Twin t(tun);
  t.check(Opcode::ENCRYPT, kDummy, Bytes(200, 0x00), 128);  // NO_SPACE
  t.check(Opcode::ENCRYPT, kDummy, Bytes(spec::MAX_PKT_BYTES, 0x11), spec::MAX_PKT_BYTES);  // NO_SPACE
  t.check(Opcode::ENCRYPT, kDummy, Bytes(spec::MAX_PKT_BYTES - 100, 0x11), spec::MAX_PKT_BYTES);  // OK

  const Case tra{Mode::TRANSPORT, 6, 0, 16};
  Twin r(tra);
  Bytes not_ip(60, 0x22);
  r.check(Opcode::ENCRYPT, kDummy, not_ip);  // MALFORMED: transport parses
  Bytes padded = ref::pkt::udp(4, 9);
  padded.resize(padded.size() + 7, 0xEE);
  const Bytes esp = r.check(Opcode::ENCRYPT, kDummy, padded);  // trailing bytes ignored
  r.check(Opcode::DECRYPT, 0, esp);

  // Soft limits do not fire on dummies; the hard limit stops them.
  runtime::SaConfig out_cfg = make_cfg(tra, Direction::Outbound);
  out_cfg.soft.packets = 1;
  out_cfg.hard.packets = 1;
  Twin l(tra);
  spec::set<sae::soft_packets>(l.card.sa(kOutSa), 1);
  spec::set<sae::hard_packets>(l.card.sa(kOutSa), 1);
  l.card.install(kOutSa, /*keep=*/true);  // only the entry changed
  l.model.remove_sa(kOutSa);
  l.model.add_sa_at(kOutSa, out_cfg);
  l.check(Opcode::ENCRYPT, kDummy, ref::pkt::udp(6, 5));  // OK, no SOFT_EXPIRED
  l.check(Opcode::ENCRYPT, 0, ref::pkt::udp(6, 5));       // OK, SOFT_EXPIRED
  l.check(Opcode::ENCRYPT, kDummy, ref::pkt::udp(6, 5));  // LIFETIME_EXPIRED
  EXPECT_EQ(l.model.counters(kOutSa).hard_events, 1u);
  EXPECT_EQ(l.model.counters(kOutSa).dummy, 1u);
}

}  // namespace
}  // namespace esp::hls_test
