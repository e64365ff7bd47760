// Every failure the contract names gets its own status (and counter) in the
// reference model: truncations, bad lengths, bad padding, flipped bits,
// unknown SPI, non-ESP traffic, bad SA / opcode.
#include <gtest/gtest.h>

#include <stdexcept>

#include "ref_test_util.hpp"

namespace esp::ref {
namespace {

using spec::Mode;
using spec::Status;
using testing::Pair;
using testing::SaParams;

// ---- descriptor and SA checks

TEST(Malformed, DescriptorChecks) {
  Pair p(SaParams{});
  EXPECT_EQ(p.tx.process(0, 0, false, pkt::udp(4, 1)).status, Status::BAD_OPCODE);
  // NOP and every byte that is no opcode (the commands 3..7 are opcodes).
  for (unsigned op : {0u, 8u, 9u, 0x42u, 0x80u, 0xFFu}) {
    EXPECT_EQ(p.tx.process(static_cast<uint8_t>(op), 0, false, pkt::udp(4, 1)).status, Status::BAD_OPCODE) << op;
  }
  // Commands are RefEngine methods (add_sa_at, update_sa, remove_sa...), not packet descriptors.
  for (unsigned op = 3; op <= 7; ++op) {
    EXPECT_THROW(p.tx.process(static_cast<uint8_t>(op), 0, false, pkt::udp(4, 1)), std::invalid_argument) << op;
  }
  EXPECT_EQ(p.tx.process(0, 0, false, {}).status, Status::BAD_OPCODE) << "opcode first";
  EXPECT_EQ(p.tx.encrypt(0, {}).status, Status::MALFORMED);
  EXPECT_EQ(p.tx.encrypt(99, {}).status, Status::MALFORMED) << "length before SA";
  EXPECT_EQ(p.tx.encrypt(0, Bytes(spec::MAX_PKT_BYTES + 1, 0x45)).status, Status::MALFORMED);
  EXPECT_EQ(p.rx.decrypt({}).status, Status::MALFORMED);
  EXPECT_EQ(p.tx.counters(0), Counters{});
}

TEST(Malformed, EncryptSaChecks) {
  Pair p(SaParams{});
  const Bytes inner = pkt::udp(4, 1);
  Output o = p.tx.encrypt(16, inner);  // capacity 16
  EXPECT_EQ(o.status, Status::BAD_SA);
  EXPECT_EQ(o.sa_index, spec::NO_SA_INDEX);
  o = p.tx.encrypt(3, inner);  // never installed
  EXPECT_EQ(o.status, Status::SA_DISABLED);
  EXPECT_EQ(o.sa_index, 3u);
  o = p.rx.encrypt(0, inner);  // inbound SA
  EXPECT_EQ(o.status, Status::BAD_SA);
  EXPECT_EQ(o.sa_index, 0u);
  EXPECT_EQ(o.spi, p.in_cfg.spi);
  p.tx.remove_sa(0);
  o = p.tx.encrypt(0, inner);
  EXPECT_EQ(o.status, Status::SA_DISABLED);
  EXPECT_EQ(o.spi, p.out_cfg.spi);
}

TEST(Malformed, EncryptInputParse) {
  SaParams sp;
  sp.mode = Mode::TRANSPORT;
  sp.outer = 6;
  Pair p(sp);
  const Bytes v4 = pkt::udp(4, 20);
  const Bytes v6 = pkt::udp(6, 20);
  auto enc = [&](Bytes b) { return p.tx.encrypt(0, b).status; };
  Bytes b = v4;
  b[0] = 0x55;
  EXPECT_EQ(enc(b), Status::MALFORMED) << "version 5";
  b = v4;
  b[0] = 0x44;
  EXPECT_EQ(enc(b), Status::MALFORMED) << "IHL 4";
  b = v4;
  put_be16(b, 2, static_cast<uint16_t>(v4.size() + 1));
  EXPECT_EQ(enc(b), Status::MALFORMED) << "total length > in_length";
  b = v4;
  put_be16(b, 2, 19);
  EXPECT_EQ(enc(b), Status::MALFORMED) << "total length < IHL*4";
  EXPECT_EQ(enc(Bytes(v4.begin(), v4.begin() + 19)), Status::MALFORMED);
  EXPECT_EQ(enc(Bytes(v6.begin(), v6.begin() + 39)), Status::MALFORMED);
  b = v6;
  put_be16(b, 4, static_cast<uint16_t>(v6.size() - 39));
  EXPECT_EQ(enc(b), Status::MALFORMED) << "payload length > in_length";
  // Transport IPv6: a Hop-by-Hop header running past the packet.
  pkt::PacketSpec s;
  s.version = 6;
  s.payload_len = 0;
  s.ipv6_ext = {{ip::kHopByHop, 1}};
  b = pkt::build(s);
  b[41] = 5;  // claims 48 bytes
  EXPECT_EQ(enc(b), Status::MALFORMED);
  EXPECT_EQ(p.tx.counters(0), Counters{}) << "ENCRYPT step 2 counts nothing";
  EXPECT_EQ(p.tx.tx_seq(0), 0u);
}

TEST(Malformed, EncryptTransportFragmentHeaderGoesBeforeEsp) {
  SaParams sp;
  sp.mode = Mode::TRANSPORT;
  sp.outer = 6;
  Pair p(sp);
  pkt::PacketSpec s;
  s.version = 6;
  s.payload_len = 30;
  s.ipv6_ext = {{ip::kFragment, 1}};
  Bytes inner = pkt::build(s);
  Output e = p.tx.encrypt(0, inner);
  ASSERT_EQ(e.status, Status::OK);
  EXPECT_EQ(e.data[6], ip::kFragment);
  EXPECT_EQ(e.data[40], 50);
  EXPECT_EQ(p.rx.decrypt(e.data).status, Status::MALFORMED) << "DECRYPT 1: Fragment header";
  EXPECT_EQ(p.rx.counters(0).bad_packet, 0u) << "before the SA lookup";
}

// ---- outer packet

TEST(Malformed, TruncatedAtEveryOffset) {
  for (bool udp : {false, true})
    for (uint8_t outer : {uint8_t{4}, uint8_t{6}}) {
      SaParams sp;
      sp.udp = udp;
      sp.outer = outer;
      Pair p(sp);
      const Bytes full = p.tx.encrypt(0, pkt::udp(4, 30)).data;
      for (size_t n = 0; n < full.size(); ++n) {
        Output o = p.rx.decrypt(Bytes(full.begin(), full.begin() + static_cast<long>(n)));
        ASSERT_EQ(o.status, Status::MALFORMED) << n;
      }
      EXPECT_EQ(p.rx.counters(0), Counters{}) << "all fail before the SA lookup";
      EXPECT_EQ(p.rx.decrypt(full).status, Status::OK);
    }
}

// Truncations with the IP (and UDP) lengths rewritten to match: each length
// is then judged by the ESP rules (DECRYPT 3 and 7, then the ICV).
TEST(Malformed, ShortenedWithConsistentLengths) {
  for (bool udp : {false, true})
    for (uint8_t outer : {uint8_t{4}, uint8_t{6}})
      for (uint8_t icv : {uint8_t{8}, uint8_t{12}, uint8_t{16}}) {
        SaParams sp;
        sp.udp = udp;
        sp.outer = outer;
        sp.icv = icv;
        Pair p(sp);
        const Bytes full = p.tx.encrypt(0, pkt::udp(4, 30)).data;
        const size_t hdr = (outer == 4 ? 20 : 40) + (udp ? 8 : 0);
        uint64_t bad = 0;
        for (size_t n = hdr; n < full.size(); ++n) {
          Bytes b(full.begin(), full.begin() + static_cast<long>(n));
          if (outer == 4) {
            put_be16(b, 2, static_cast<uint16_t>(n));
            ip::set_ipv4_checksum(b);
          } else {
            put_be16(b, 4, static_cast<uint16_t>(n - 40));
          }
          if (udp) put_be16(b, hdr - 8 + 4, static_cast<uint16_t>(n - hdr + 8));
          const size_t esp = n - hdr;
          Status expect;
          if (udp && esp >= 4 && b[hdr] == 0 && b[hdr + 1] == 0 && b[hdr + 2] == 0 && b[hdr + 3] == 0)
            expect = Status::NOT_ESP;
          else if (udp && esp == 1 && b[hdr] == 0xFF)
            expect = Status::NOT_ESP;
          else if (esp < 8)
            expect = Status::MALFORMED;
          else if (esp < 18u + icv || (esp - 16 - icv) % 4 != 0)
            expect = Status::MALFORMED, ++bad;
          else
            expect = Status::AUTH_FAIL;
          Output o = p.rx.decrypt(b);
          ASSERT_EQ(o.status, expect) << "length " << n;
          if (esp >= 8) {
            EXPECT_EQ(o.spi, sp.spi);
          }
        }
        EXPECT_EQ(p.rx.counters(0).bad_packet, bad);
      }
}

TEST(Malformed, OuterHeaderLengths) {
  Pair p(SaParams{});
  const Bytes full = p.tx.encrypt(0, pkt::udp(4, 30)).data;
  auto dec = [&](const Bytes& b) { return p.rx.decrypt(b).status; };
  Bytes b = full;
  b[0] = 0x46;  // IHL 6 (garbage option word = start of ESP)
  ip::set_ipv4_checksum(b);
  EXPECT_NE(dec(b), Status::OK);
  b = full;
  b[0] = 0x35;
  EXPECT_EQ(dec(b), Status::MALFORMED);
  b = full;
  put_be16(b, 2, static_cast<uint16_t>(full.size() + 4));
  EXPECT_EQ(dec(b), Status::MALFORMED);
  b = full;
  b.resize(full.size() + 11, 0);  // trailing bytes: ignored
  EXPECT_EQ(dec(b), Status::OK);
}

TEST(Malformed, Ipv4Fragments) {
  Pair p(SaParams{});
  const Bytes full = p.tx.encrypt(0, pkt::udp(4, 30)).data;
  for (uint16_t frag : {uint16_t{0x2000}, uint16_t{0x0001}, uint16_t{0x6000}, uint16_t{0x4001}}) {
    Bytes b = full;
    put_be16(b, 6, frag);
    ip::set_ipv4_checksum(b);
    EXPECT_EQ(p.rx.decrypt(b).status, Status::MALFORMED) << std::hex << frag;
  }
  EXPECT_EQ(p.rx.decrypt(full).status, Status::OK) << "DF alone is fine";
}

// ---- protocol dispatch and UDP encapsulation

Bytes ipv4_with(uint8_t proto, const Bytes& body) {
  Bytes p = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
  put_be16(p, 2, static_cast<uint16_t>(20 + body.size()));
  ip::set_ipv4_checksum(p);
  append(p, body);
  return p;
}

Bytes udp_with(uint16_t sport, uint16_t dport, const Bytes& payload, int len_delta = 0) {
  Bytes u;
  append_be16(u, sport);
  append_be16(u, dport);
  append_be16(u, static_cast<uint16_t>(8 + static_cast<int>(payload.size()) + len_delta));
  append_be16(u, 0);
  append(u, payload);
  return u;
}

TEST(Malformed, NotEspAndUdpRules) {
  SaParams sp;
  sp.udp = true;
  Pair p(sp);
  const Bytes full = p.tx.encrypt(0, pkt::udp(4, 30)).data;
  const Bytes esp(full.begin() + 28, full.end());
  auto dec = [&](const Bytes& b) { return p.rx.decrypt(b).status; };
  EXPECT_EQ(dec(ipv4_with(17, udp_with(4500, 4500, esp))), Status::OK);
  EXPECT_EQ(dec(ipv4_with(17, udp_with(4500, 9999, esp))), Status::REPLAY) << "one port 4500 is enough";
  EXPECT_EQ(dec(ipv4_with(17, udp_with(9999, 4500, esp))), Status::REPLAY);
  EXPECT_EQ(dec(ipv4_with(6, esp)), Status::NOT_ESP);
  EXPECT_EQ(dec(ipv4_with(51, esp)), Status::NOT_ESP);
  EXPECT_EQ(dec(ipv4_with(17, udp_with(1000, 2000, esp))), Status::NOT_ESP);
  EXPECT_EQ(dec(ipv4_with(17, udp_with(4500, 4500, {0xFF}))), Status::NOT_ESP) << "NAT keepalive";
  EXPECT_EQ(dec(ipv4_with(17, udp_with(4500, 4500, {0xFE}))), Status::MALFORMED);
  EXPECT_EQ(dec(ipv4_with(17, udp_with(4500, 4500, {0, 0, 0, 0, 1, 2, 3, 4, 5}))), Status::NOT_ESP)
      << "non-ESP marker";
  EXPECT_EQ(dec(ipv4_with(17, udp_with(4500, 4500, {0, 0, 0}))), Status::MALFORMED);
  EXPECT_EQ(dec(ipv4_with(17, udp_with(4500, 4500, esp, 1))), Status::MALFORMED) << "UDP length > rest";
  EXPECT_EQ(dec(ipv4_with(17, udp_with(4500, 4500, {}, -1))), Status::MALFORMED) << "UDP length 7";
  EXPECT_EQ(dec(ipv4_with(17, {0x11, 0x94, 0x11, 0x94, 0})), Status::MALFORMED) << "no room for UDP";
  EXPECT_EQ(dec(ipv4_with(17, udp_with(1000, 2000, {}, 1))), Status::MALFORMED) << "well-formed first";
  // ESP ending where the UDP length says: extra bytes after it are ignored.
  Bytes tail = udp_with(4500, 4500, esp);
  tail.insert(tail.end(), 5, 0xAB);
  p.rx.set_replay_top(0, 0);
  EXPECT_EQ(dec(ipv4_with(17, tail)), Status::OK);
}

// ---- SA lookup

TEST(Malformed, UnknownSpiAndLookup) {
  Pair p(SaParams{});
  Bytes full = p.tx.encrypt(0, pkt::udp(4, 30)).data;
  Bytes b = full;
  b[20] ^= 0x80;
  Output o = p.rx.decrypt(b);
  EXPECT_EQ(o.status, Status::UNKNOWN_SPI);
  EXPECT_EQ(o.sa_index, spec::NO_SA_INDEX);
  EXPECT_EQ(o.spi, get_be32(b, 20));
  EXPECT_EQ(o.seq, 1u);
  // USE_SA_INDEX
  EXPECT_EQ(p.rx.decrypt_with_sa(0, b).status, Status::UNKNOWN_SPI);
  EXPECT_EQ(p.rx.decrypt_with_sa(16, full).status, Status::BAD_SA);
  Output w = p.rx.decrypt_with_sa(0, full);
  EXPECT_EQ(w.status, Status::OK);
  // An outbound SA by index is BAD_SA; an outbound SA is never found by SPI.
  EXPECT_EQ(p.tx.decrypt_with_sa(0, full).status, Status::BAD_SA);
  EXPECT_EQ(p.tx.decrypt(full).status, Status::UNKNOWN_SPI);
  // A removed SA: its SPI is gone; by index it is disabled.
  p.rx.remove_sa(0);
  EXPECT_EQ(p.rx.decrypt(full).status, Status::UNKNOWN_SPI);
  EXPECT_EQ(p.rx.decrypt_with_sa(0, full).status, Status::SA_DISABLED);
}

TEST(Malformed, SeveralInboundSas) {
  RefEngine rx(8), tx(8);
  std::vector<runtime::SaConfig> outs;
  for (uint32_t i = 0; i < 5; ++i) {
    SaParams sp;
    sp.spi = 0xC0DE0000 + i;
    sp.key_len = i % 2 ? 32 : 16;
    tx.add_sa(testing::make_sa(sp, runtime::Direction::Outbound));
    EXPECT_EQ(rx.add_sa(testing::make_sa(sp, runtime::Direction::Inbound)), i);
  }
  SaParams dup;
  dup.spi = 0xC0DE0002;
  EXPECT_THROW(rx.add_sa(testing::make_sa(dup, runtime::Direction::Inbound)), std::runtime_error)
      << "inbound SPI already installed";
  for (uint32_t i = 0; i < 5; ++i) {
    Output o = rx.decrypt(tx.encrypt(i, pkt::udp(6, i)).data);
    EXPECT_EQ(o.status, Status::OK);
    EXPECT_EQ(o.sa_index, i);
  }
  rx.remove_sa(2);
  SaParams sp;
  sp.spi = 0xBEEF;
  EXPECT_EQ(rx.add_sa(testing::make_sa(sp, runtime::Direction::Inbound)), 2u) << "lowest free slot";
}

// ---- ICV, padding and inner packet

TEST(Malformed, FlippedBits) {
  for (bool gmac : {false, true}) {
    SaParams sp;
    sp.gmac = gmac;
    sp.icv = 12;
    Pair p(sp);
    const Bytes full = p.tx.encrypt(0, pkt::udp(4, 30)).data;
    // Every bit after the SPI: sequence number, IV, body and ICV.
    for (size_t byte = 24; byte < full.size(); ++byte)
      for (int bit = 0; bit < 8; ++bit) {
        Bytes b = full;
        b[byte] ^= static_cast<uint8_t>(1 << bit);
        Output o = p.rx.decrypt(b);
        // Sequence number 1 with its low bit flipped is 0: REPLAY before the ICV.
        const Status expect = (byte == 27 && bit == 0) ? Status::REPLAY : Status::AUTH_FAIL;
        ASSERT_EQ(o.status, expect) << "byte " << byte << " bit " << bit;
      }
    EXPECT_EQ(p.rx.counters(0).auth_fail, (full.size() - 24) * 8 - 1);
    EXPECT_EQ(p.rx.replay(0).top(), 0u);
    EXPECT_EQ(p.rx.decrypt(full).status, Status::OK);
  }
}

TEST(Malformed, BadPadding) {
  for (bool gmac : {false, true}) {
    SaParams sp;
    sp.gmac = gmac;
    sp.mode = Mode::TRANSPORT;
    Pair p(sp);
    const runtime::SaConfig& c = p.in_cfg;
    // 8 payload bytes | pad 1,2 | pad length 2 | next header 17.
    const Bytes good = testing::with_trailer(Bytes{11, 12, 13, 14, 15, 16, 17, 18}, 17);
    ASSERT_EQ(good, (Bytes{11, 12, 13, 14, 15, 16, 17, 18, 1, 2, 2, 17}));
    ASSERT_EQ(p.rx.decrypt(testing::craft_esp_v4(c, 1, good)).status, Status::OK);
    uint64_t seq = 2;
    auto try_plain = [&](const Bytes& plain) {
      Output o = p.rx.decrypt(testing::craft_esp_v4(c, seq, plain));
      // The packet was authentic: the window is committed.
      EXPECT_EQ(p.rx.decrypt(testing::craft_esp_v4(c, seq, plain)).status, Status::REPLAY);
      ++seq;
      return o.status;
    };
    Bytes b = good;
    b[9] = 3;  // pad bytes 1,2 -> 1,3
    EXPECT_EQ(try_plain(b), Status::BAD_PADDING);
    b = good;
    b[10] = 3;  // pad length 3 but bytes ..,10,1,2
    EXPECT_EQ(try_plain(b), Status::BAD_PADDING);
    b = good;
    b[10] = 11;  // pad_len + 2 > 12
    EXPECT_EQ(try_plain(b), Status::BAD_PADDING);
    b = good;
    b[10] = 10;  // pad_len + 2 == 12 but bytes are not 1..10
    EXPECT_EQ(try_plain(b), Status::BAD_PADDING);
    b = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 17};  // pad 1..10, no payload
    EXPECT_EQ(try_plain(b), Status::OK) << "pad_len + 2 == plaintext length is allowed";
    b = {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 6, 17};  // more padding than needed: allowed
    EXPECT_EQ(try_plain(b), Status::OK);
    EXPECT_EQ(p.rx.counters(0).bad_packet, 4u);
  }
}

TEST(Malformed, TunnelInnerPacket) {
  SaParams sp;
  Pair p(sp);
  const runtime::SaConfig& c = p.in_cfg;
  const Bytes inner = pkt::udp(6, 13);
  uint64_t seq = 1;
  auto dec = [&](const Bytes& plain) { return p.rx.decrypt(testing::craft_esp_v4(c, seq++, plain)); };
  EXPECT_EQ(dec(testing::with_trailer(inner, 41)).status, Status::OK);
  EXPECT_EQ(dec(testing::with_trailer(inner, 17)).status, Status::MALFORMED) << "next header not 4 / 41";
  EXPECT_EQ(dec(testing::with_trailer(inner, ip::kNoNext)).status, Status::DUMMY) << "dummy packet (step 13)";
  Bytes cut(inner.begin(), inner.end() - 1);
  EXPECT_EQ(dec(testing::with_trailer(cut, 41)).status, Status::MALFORMED) << "inner shorter than its length";
  EXPECT_EQ(dec(testing::with_trailer(Bytes{}, 4)).status, Status::MALFORMED) << "empty";
  Bytes tfc = inner;
  tfc.resize(inner.size() + 23, 0);
  Output o = dec(testing::with_trailer(tfc, 41));
  EXPECT_EQ(o.status, Status::OK);
  EXPECT_EQ(o.data, inner) << "TFC padding dropped";
  EXPECT_EQ(o.seq, seq - 1);
  EXPECT_EQ(p.rx.counters(0).bad_packet, 3u);
  EXPECT_EQ(p.rx.counters(0).dummy, 1u);
  EXPECT_EQ(p.rx.counters(0).bytes, 2 * inner.size());
}

TEST(Malformed, BadConfigsRejected) {
  RefEngine e(2);
  runtime::SaConfig c = testing::make_sa(SaParams{}, runtime::Direction::Outbound);
  auto rejects = [&](runtime::SaConfig x) { EXPECT_THROW(e.add_sa(x), std::invalid_argument); };
  runtime::SaConfig x = c;
  x.key.resize(24);
  rejects(x);
  x = c;
  x.icv_len = 4;
  rejects(x);
  x = c;
  x.seq_start = 0;
  rejects(x);
  x = c;
  x.seq_start = 0x100000000ull;
  rejects(x);
  x = c;
  x.tun_dst = pkt::v6({1, 2, 3, 4, 5, 6, 7, 8});
  rejects(x);
  x = testing::make_sa(SaParams{}, runtime::Direction::Inbound);
  x.window_bits = 100;
  rejects(x);
  x.window_bits = 32;
  rejects(x);
  x.window_bits = 131072;
  rejects(x);
  EXPECT_EQ(e.add_sa(c), 0u);
}

}  // namespace
}  // namespace esp::ref
