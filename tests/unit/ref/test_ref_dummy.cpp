// TFC dummy packets (RFC 4303 2.6) in the reference model: CONTRACT.md
// ENCRYPT "Dummy packets" and DECRYPT 13. Tunnel mode sends the input bytes
// as they are, transport mode the payload of an IP packet, both with next
// header NH_NO_NEXT; the receiver verifies, commits the window, counts
// `dummy` and delivers nothing.
#include <gtest/gtest.h>

#include "ref_test_util.hpp"

namespace esp::ref {
namespace {

using spec::Mode;
using spec::Status;
using testing::Pair;
using testing::SaParams;

using ip::kNoNext;

// One dummy-packet case: the SA and the IP version of the outer header
// (tunnel) or of the input packet (transport).
struct DummyCase {
  SaParams sa;
  uint8_t version;
  std::string name() const { return sa.name() + "_ip" + std::to_string(version); }
};

void PrintTo(const DummyCase& c, std::ostream* os) { *os << c.name(); }

std::vector<DummyCase> cases() {
  std::vector<DummyCase> out;
  uint32_t spi = 0x5000;
  for (Mode mode : {Mode::TUNNEL, Mode::TRANSPORT})
    for (uint8_t version : {uint8_t{4}, uint8_t{6}})
      for (int opt = 0; opt < 4; ++opt) {
        DummyCase c;
        c.sa.mode = mode;
        c.sa.outer = mode == Mode::TUNNEL ? version : 4;
        c.sa.esn = opt == 1 || opt == 3;
        c.sa.udp = opt == 2 || opt == 3;
        c.sa.gmac = opt == 3;
        c.sa.key_len = opt == 2 ? 32 : 16;
        c.sa.icv = opt == 1 ? 8 : 16;
        c.sa.spi = spi++;
        c.version = version;
        out.push_back(c);
      }
  return out;
}

// The input of a dummy ENCRYPT: tunnel, n raw bytes that are not an IP
// packet (first nibble 0); transport, an IP/UDP packet with n payload bytes.
Bytes dummy_input(const DummyCase& c, size_t n) {
  if (c.sa.mode == Mode::TRANSPORT) return pkt::udp(c.version, n, static_cast<uint32_t>(n) + 3);
  Bytes b = pkt::payload(n, static_cast<uint32_t>(n) + 5);
  b[0] &= 0x0F;
  return b;
}

// Opens the ESP in `out` with the SA's key: the plaintext (payload | pad |
// pad_len | next header). Fails the test when it does not verify.
Bytes open_esp(const runtime::SaConfig& c, const Bytes& out) {
  ip::Header h;
  EXPECT_TRUE(ip::parse(out, h));
  if (h.version == 6) {
    EXPECT_TRUE(ip::walk_v6_ext(out, h, {ip::kHopByHop, ip::kRouting, ip::kFragment}));
  }
  const size_t esp = h.hdr_len + (c.udp_encap ? 8 : 0);
  const size_t iv = esp + spec::ESP_HDR_BYTES;
  const size_t body = iv + spec::IV_BYTES;
  const size_t body_len = out.size() - body - c.icv_len;
  gcm::Nonce nonce{};
  for (size_t i = 0; i < 4; ++i) nonce[i] = c.salt[i];
  for (size_t i = 0; i < 8; ++i) nonce[4 + i] = out[iv + i];
  uint64_t seq = 0;
  for (size_t i = 0; i < 8; ++i) seq = seq << 8 | out[iv + i];
  Bytes aad;
  append_be32(aad, c.spi);
  if (c.esn) append_be32(aad, static_cast<uint32_t>(seq >> 32));
  append_be32(aad, static_cast<uint32_t>(seq));
  const auto at = [&out](size_t off) { return out.begin() + static_cast<std::ptrdiff_t>(off); };
  const Bytes text(at(body), at(body + body_len));
  const Bytes icv(at(body + body_len), out.end());
  Bytes plain;
  if (c.gmac) {
    aad.insert(aad.end(), at(iv), at(body));
    append(aad, text);
    gcm::Tag tag{};
    gcm::seal(c.key, nonce, aad, {}, tag);
    EXPECT_TRUE(gcm::equal_ct(tag.data(), icv.data(), icv.size())) << "GMAC ICV";
    plain = text;
  } else {
    EXPECT_TRUE(gcm::open(c.key, nonce, aad, text, icv, plain)) << "GCM ICV";
  }
  return plain;
}

class Dummy : public ::testing::TestWithParam<DummyCase> {};

TEST_P(Dummy, RoundTripFormatAndCounters) {
  const DummyCase& dc = GetParam();
  Pair p(dc.sa);
  uint64_t seq = 0;
  for (size_t n : {1, 2, 3, 4, 5, 57, 1400}) {
    SCOPED_TRACE(n);
    const Bytes in = dummy_input(dc, n);
    const Output e = p.tx.encrypt_dummy(0, in);
    ASSERT_EQ(e.status, Status::OK);
    EXPECT_EQ(e.seq, ++seq);
    EXPECT_EQ(e.sa_index, 0u);
    EXPECT_EQ(e.spi, dc.sa.spi);
    EXPECT_FALSE(e.soft_expired);

    // The ESP payload: tunnel, the input bytes; transport, what follows the
    // IP header, whose protocol field now says ESP (or UDP).
    Bytes payload = in;
    if (dc.sa.mode == Mode::TRANSPORT) {
      ip::Header h;
      ASSERT_TRUE(ip::parse(in, h));
      payload.erase(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(h.hdr_len));
      ip::Header oh;
      ASSERT_TRUE(ip::parse(e.data, oh));
      EXPECT_EQ(oh.proto, dc.sa.udp ? spec::UDP_PROTO : spec::ESP_PROTO);
      EXPECT_EQ(Bytes(e.data.begin() + 12, e.data.begin() + (dc.version == 4 ? 20 : 40)),
                Bytes(in.begin() + 12, in.begin() + (dc.version == 4 ? 20 : 40)))
          << "addresses kept";
    } else {
      EXPECT_EQ(e.data[0] >> 4, dc.version) << "outer header from the SA";
    }
    EXPECT_TRUE(pkt::checksums_ok(e.data));
    EXPECT_EQ(open_esp(p.out_cfg, e.data), testing::with_trailer(payload, kNoNext));

    const Output d = p.rx.decrypt(e.data);
    EXPECT_EQ(d.status, Status::DUMMY);
    EXPECT_TRUE(d.data.empty());
    EXPECT_FALSE(d.soft_expired);
    EXPECT_EQ(d.sa_index, 0u);
    EXPECT_EQ(d.spi, dc.sa.spi);
    EXPECT_EQ(d.seq, seq);
    EXPECT_EQ(p.rx.replay(0).top(), seq) << "the window advanced: the packet was authentic";
  }
  Counters want;
  want.dummy = seq;
  EXPECT_EQ(p.tx.counters(0), want) << "only dummy counts, not packets/bytes";
  EXPECT_EQ(p.rx.counters(0), want);
  EXPECT_EQ(p.tx.tx_seq(0), seq);
}

TEST_P(Dummy, ReplayOfADummyIsReplay) {
  Pair p(GetParam().sa);
  const Output e = p.tx.encrypt_dummy(0, dummy_input(GetParam(), 40));
  ASSERT_EQ(e.status, Status::OK);
  ASSERT_EQ(p.rx.decrypt(e.data).status, Status::DUMMY);
  const Output r = p.rx.decrypt(e.data);
  EXPECT_EQ(r.status, Status::REPLAY);
  EXPECT_EQ(r.seq, 1u);
  Counters want;
  want.dummy = 1;
  want.replay = 1;
  EXPECT_EQ(p.rx.counters(0), want);
}

TEST_P(Dummy, BadIcvIsAuthFailAndLeavesTheWindow) {
  Pair p(GetParam().sa);
  const Output e = p.tx.encrypt_dummy(0, dummy_input(GetParam(), 40));
  ASSERT_EQ(e.status, Status::OK);
  for (size_t back : {size_t{1}, size_t{GetParam().sa.icv} + 1}) {  // the ICV, the last text byte
    Bytes bad = e.data;
    bad[bad.size() - back] ^= 0x20;
    const Output a = p.rx.decrypt(bad);
    EXPECT_EQ(a.status, Status::AUTH_FAIL) << back;
    EXPECT_TRUE(a.data.empty());
  }
  EXPECT_EQ(p.rx.replay(0).top(), 0u);
  Counters want;
  want.auth_fail = 2;
  EXPECT_EQ(p.rx.counters(0), want);
  EXPECT_EQ(p.rx.decrypt(e.data).status, Status::DUMMY) << "the genuine one still passes";
}

INSTANTIATE_TEST_SUITE_P(Ref, Dummy, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<DummyCase>& i) { return i.param.name(); });

// Real and dummy packets share the sequence space and the window.
TEST(DummyMixed, InterleavedWithRealPackets) {
  SaParams sp;
  Pair p(sp);
  const Bytes inner = pkt::udp(4, 30);
  std::vector<Bytes> wire;
  for (int i = 0; i < 6; ++i) {
    const Output e = i % 2 ? p.tx.encrypt_dummy(0, pkt::payload(20, 9)) : p.tx.encrypt(0, inner);
    ASSERT_EQ(e.status, Status::OK);
    EXPECT_EQ(e.seq, uint64_t(i + 1));
    wire.push_back(e.data);
  }
  for (int i = 5; i >= 0; --i) {  // out of order, inside the window
    const Output d = p.rx.decrypt(wire[static_cast<size_t>(i)]);
    EXPECT_EQ(d.status, i % 2 ? Status::DUMMY : Status::OK) << i;
    if (i % 2 == 0) {
      EXPECT_EQ(d.data, inner);
    }
  }
  EXPECT_EQ(p.tx.counters(0).packets, 3u);
  EXPECT_EQ(p.tx.counters(0).bytes, 3 * inner.size());
  EXPECT_EQ(p.tx.counters(0).dummy, 3u);
  EXPECT_EQ(p.rx.counters(0).packets, 3u);
  EXPECT_EQ(p.rx.counters(0).bytes, 3 * inner.size());
  EXPECT_EQ(p.rx.counters(0).dummy, 3u);
}

// ENCRYPT: steps 1, 3 and 4 apply to a dummy; step 2 only in transport mode;
// no soft lifetime.
TEST(DummyEncrypt, ChecksThatStillApply) {
  SaParams tun;
  Pair t(tun);
  EXPECT_EQ(t.tx.encrypt_dummy(16, pkt::payload(8, 1)).status, Status::BAD_SA);
  EXPECT_EQ(t.rx.encrypt_dummy(0, pkt::payload(8, 1)).status, Status::BAD_SA) << "inbound SA";
  EXPECT_EQ(t.tx.encrypt_dummy(0, {}).status, Status::MALFORMED) << "in_length 0";
  EXPECT_EQ(t.tx.encrypt_dummy(0, Bytes(spec::MAX_PKT_BYTES + 1, 0)).status, Status::MALFORMED);
  const Output big = t.tx.encrypt_dummy(0, Bytes(100, 0), 64);
  EXPECT_EQ(big.status, Status::NO_SPACE);
  EXPECT_EQ(t.tx.tx_seq(0), 0u) << "NO_SPACE consumes no sequence number";
  EXPECT_EQ(t.tx.counters(0), Counters{});

  SaParams tra;
  tra.mode = Mode::TRANSPORT;
  Pair r(tra);
  Bytes not_ip = pkt::payload(40, 2);
  not_ip[0] = 0x20;
  EXPECT_EQ(r.tx.encrypt_dummy(0, not_ip).status, Status::MALFORMED) << "transport parses the IP packet";
  EXPECT_EQ(r.tx.counters(0), Counters{});
  Bytes trailing = pkt::udp(4, 10);
  const size_t ip_len = trailing.size();
  trailing.resize(ip_len + 6, 0xEE);  // Ethernet padding is not part of the packet
  const Output o = r.tx.encrypt_dummy(0, trailing);
  ASSERT_EQ(o.status, Status::OK);
  EXPECT_EQ(open_esp(r.out_cfg, o.data),
            testing::with_trailer(Bytes(trailing.begin() + 20, trailing.begin() + static_cast<std::ptrdiff_t>(ip_len)),
                                  kNoNext));
}

TEST(DummyEncrypt, LifetimesHardAppliesSoftDoesNot) {
  runtime::SaConfig c = testing::make_sa(SaParams{}, runtime::Direction::Outbound);
  c.soft.packets = 1;
  c.soft.bytes = 1;
  c.hard.packets = 2;
  RefEngine e(2);
  e.add_sa(c);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(e.encrypt_dummy(0, Bytes(50, 1)).soft_expired);
  EXPECT_EQ(e.counters(0).soft_events, 0u);
  EXPECT_TRUE(e.encrypt(0, pkt::udp(4, 1)).soft_expired);
  EXPECT_EQ(e.encrypt(0, pkt::udp(4, 1)).status, Status::OK);
  const Output x = e.encrypt_dummy(0, Bytes(50, 1));
  EXPECT_EQ(x.status, Status::LIFETIME_EXPIRED) << "hard lifetime (packets) stops dummies too";
  Counters want;
  want.packets = 2;
  want.bytes = 2 * pkt::udp(4, 1).size();
  want.soft_events = 2;
  want.hard_events = 1;
  want.dummy = 3;
  EXPECT_EQ(e.counters(0), want);

  // sequence space
  RefEngine s(1);
  s.add_sa(testing::make_sa(SaParams{}, runtime::Direction::Outbound));
  s.set_tx_seq(0, 0xFFFFFFFFull);
  EXPECT_EQ(s.encrypt_dummy(0, Bytes(8, 1)).status, Status::LIFETIME_EXPIRED);
  EXPECT_EQ(s.counters(0).hard_events, 1u);
}

// DECRYPT: a dummy needs no output room and does not count packets/bytes or
// the soft lifetime; the hard lifetime is checked before (step 6).
TEST(DummyDecrypt, NoRoomNoSoftLifetime) {
  SaParams sp;
  sp.mode = Mode::TRANSPORT;
  runtime::SaConfig out_cfg = testing::make_sa(sp, runtime::Direction::Outbound);
  runtime::SaConfig in_cfg = testing::make_sa(sp, runtime::Direction::Inbound);
  in_cfg.soft.packets = 1;
  in_cfg.hard.packets = 2;
  RefEngine tx(1), rx(1);
  tx.add_sa(out_cfg);
  rx.add_sa(in_cfg);
  const Output d1 = tx.encrypt_dummy(0, pkt::udp(6, 200));
  ASSERT_EQ(d1.status, Status::OK);
  const Output r1 = rx.decrypt(d1.data, 64);
  EXPECT_EQ(r1.status, Status::DUMMY) << "no NO_SPACE check";
  EXPECT_FALSE(r1.soft_expired);
  const Output o1 = tx.encrypt(0, pkt::udp(6, 1));
  const Output o2 = tx.encrypt(0, pkt::udp(6, 1));
  EXPECT_TRUE(rx.decrypt(o1.data).soft_expired);
  EXPECT_EQ(rx.decrypt(o2.data).status, Status::OK);
  const Output d2 = tx.encrypt_dummy(0, pkt::udp(6, 3));
  EXPECT_EQ(rx.decrypt(d2.data).status, Status::LIFETIME_EXPIRED);
  EXPECT_EQ(rx.counters(0).dummy, 1u);
  EXPECT_EQ(rx.counters(0).packets, 2u);
  EXPECT_EQ(rx.counters(0).soft_events, 2u);
  EXPECT_EQ(rx.counters(0).hard_events, 1u);
}

// Next header 59 from a peer, crafted by hand: the order of the trailer
// checks (BAD_PADDING before DUMMY) and an empty dummy.
TEST(DummyDecrypt, CraftedTrailers) {
  SaParams sp;
  Pair p(sp);
  const Output empty = p.rx.decrypt(testing::craft_esp_v4(p.in_cfg, 1, testing::with_trailer({}, kNoNext)));
  EXPECT_EQ(empty.status, Status::DUMMY);
  Bytes bad_pad = testing::with_trailer(pkt::payload(5, 1), kNoNext);  // 5 + pad 1 + 2
  bad_pad[5] = 7;
  EXPECT_EQ(p.rx.decrypt(testing::craft_esp_v4(p.in_cfg, 2, bad_pad)).status, Status::BAD_PADDING);
  const Output any = p.rx.decrypt(testing::craft_esp_v4(p.in_cfg, 3, testing::with_trailer(Bytes(9, 0x45), kNoNext)));
  EXPECT_EQ(any.status, Status::DUMMY) << "a tunnel dummy's payload is not parsed";
  EXPECT_EQ(p.rx.decrypt(testing::craft_esp_v4(p.in_cfg, 4, testing::with_trailer(Bytes(9, 0x45), 58))).status,
            Status::MALFORMED)
      << "other next headers are not dummies";
  Counters want;
  want.dummy = 2;
  want.bad_packet = 2;
  EXPECT_EQ(p.rx.counters(0), want);
  EXPECT_EQ(p.rx.replay(0).top(), 4u);
}

// The DUMMY flag is read on ENCRYPT only; process_flags is the descriptor.
TEST(DummyFlags, DescriptorFlagsByte) {
  SaParams sp;
  Pair p(sp);
  namespace fb = spec::descriptor::flags_bit;
  const uint8_t enc = static_cast<uint8_t>(spec::Opcode::ENCRYPT), dec = static_cast<uint8_t>(spec::Opcode::DECRYPT);
  const Bytes inner = pkt::udp(4, 20);
  const Output d = p.tx.process_flags(enc, 0, fb::DUMMY | fb::USE_SA_INDEX, inner);
  ASSERT_EQ(d.status, Status::OK);
  const Output o = p.tx.process_flags(enc, 0, 0, inner);
  ASSERT_EQ(o.status, Status::OK);
  EXPECT_EQ(p.rx.process_flags(dec, 0, fb::DUMMY | fb::USE_SA_INDEX, d.data).status, Status::DUMMY);
  const Output r = p.rx.process_flags(dec, 0, fb::DUMMY, o.data);
  EXPECT_EQ(r.status, Status::OK) << "DUMMY on a DECRYPT changes nothing";
  EXPECT_EQ(r.data, inner);
  EXPECT_EQ(p.rx.process_flags(dec, 16, fb::USE_SA_INDEX, o.data).status, Status::BAD_SA);
  EXPECT_EQ(p.tx.counters(0).dummy, 1u);
  EXPECT_EQ(p.tx.counters(0).packets, 1u);
}

}  // namespace
}  // namespace esp::ref
