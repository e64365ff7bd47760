// TFC dummy packets (RFC 4303 2.6; CONTRACT.md ENCRYPT "Dummy packets",
// DECRYPT 13), card vs reference on every backend, for tunnel and transport,
// IPv4 and IPv6, GCM and GMAC, UDP encapsulation and ESN:
//   - ENCRYPT with Request::dummy (descriptor flag DUMMY): tunnel dummies of
//     any bytes (not IP), transport dummies after an IP header; each takes a
//     sequence number, counts only `dummy` (no packets/bytes, no soft or hard
//     packet lifetime), and the refusals (empty, not IP in transport, too
//     long, inbound SA) consume nothing;
//   - DECRYPT of those: status DUMMY, no data, the window advanced (the
//     dummy replayed is REPLAY), a dummy with a corrupted ICV is AUTH_FAIL
//     and leaves the window alone (the intact one is DUMMY after it);
//   - DECRYPT of dummies sealed here with OpenSSL (seal_esp, independent of
//     both sides): every pad length, an empty dummy, a dummy with bad pad
//     bytes (BAD_PADDING wins over DUMMY);
//   - the counters of both ends.
// Every run is compared request by request with the reference, and the
// statuses are also checked against the table the contract gives, so a card
// and a model that agree on a wrong answer still fail.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq {
namespace {

class EqDummy : public BackendTest {};

struct Kind {
  const char* name;
  Mode mode;
  uint8_t outer;  // version of the outer (tunnel) or the packet's own (transport) IP header
  uint8_t inner;  // tunnel: version of the real packets carried (transport: = outer)
  bool gmac, udp, esn;
  size_t key;
  uint8_t icv;
};

const Kind kKinds[] = {
    {"tun4 GCM-128", Mode::TUNNEL, 4, 4, false, false, false, 16, 16},
    {"tun6 GCM-256 ESN", Mode::TUNNEL, 6, 6, false, false, true, 32, 16},
    {"tun4 in6 GMAC-128 UDP ICV12", Mode::TUNNEL, 4, 6, true, true, false, 16, 12},
    {"tun6 in4 GMAC-256 UDP ICV8", Mode::TUNNEL, 6, 4, true, true, false, 32, 8},
    {"tra4 GCM-128", Mode::TRANSPORT, 4, 4, false, false, false, 16, 16},
    {"tra6 GCM-256 UDP", Mode::TRANSPORT, 6, 6, false, true, false, 32, 16},
    {"tra4 GMAC-128 UDP ESN", Mode::TRANSPORT, 4, 4, true, true, true, 16, 16},
    {"tra6 GMAC-256 ICV12", Mode::TRANSPORT, 6, 6, true, false, false, 32, 12},
};
constexpr size_t kNumKinds = sizeof kKinds / sizeof kKinds[0];

// Both ends of one SA in the twin (same SPI, key and salt): the card's
// outbound SA makes the packets its inbound SA takes.
struct Pair {
  const Kind* kind = nullptr;
  SaConfig out_cfg, in_cfg;
  SaHandle out, in;
};

Pair install(Twin& t, const Kind& k, uint32_t spi) {
  SaSpec s;
  s.mode = k.mode;
  s.outer = k.outer;
  s.key_len = k.key;
  s.esn = k.esn;
  s.udp = k.udp;
  s.gmac = k.gmac;
  s.icv = k.icv;
  Pair p;
  p.kind = &k;
  p.out_cfg = make_sa(s, Direction::Outbound, spi);
  p.in_cfg = make_sa(s, Direction::Inbound, spi);
  // Dummies count in no packet lifetime: with them counted, the soft
  // lifetime would flag a dummy and the hard one refuse the later packets.
  for (SaConfig* c : {&p.out_cfg, &p.in_cfg}) {
    c->soft.packets = 2;
    c->hard.packets = 3;
  }
  p.out = t.add(p.out_cfg);
  p.in = t.add(p.in_cfg);
  return p;
}

// A real packet of the version the SA carries.
Bytes real(const Kind& k, size_t payload_len, uint32_t seed) { return inner_packet(k.inner, payload_len, seed); }

// What a dummy's request carries: tunnel, n bytes of anything (not an IP
// packet: the first byte is 0); transport, an IP packet with n bytes after
// its header (n = 0: the bare header).
Bytes dummy_data(const Kind& k, size_t n, uint32_t seed) {
  if (k.mode == Mode::TUNNEL) {
    Bytes b = ref::pkt::payload(n, seed);
    if (!b.empty()) b[0] = 0;
    return b;
  }
  const size_t hdr = k.outer == 4 ? 20 : 40;
  Bytes p = inner_packet(k.outer, 0, seed);
  p.resize(hdr);
  const Bytes body = ref::pkt::payload(n, seed);
  p.insert(p.end(), body.begin(), body.end());
  fix_lengths(p);
  return p;
}

void expect_statuses(const RunResult& r, const std::vector<Op>& ops, const std::vector<Status>& want,
                     const std::string& label) {
  ASSERT_EQ(r.card.size(), want.size()) << label;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(status_str(r.card[i].status), status_str(want[i])) << label << ": #" << i << " (" << ops[i].what << ")";
  }
}

TEST_P(EqDummy, SentVerifiedCountedAndDiscardedOnEveryPath) {
  TwinOptions o;
  o.sa_capacity = 2 * kNumKinds;
  o.max_batch = 64;
  Twin t(GetParam(), o);
  std::vector<Pair> pairs;
  for (size_t k = 0; k < kNumKinds; ++k) pairs.push_back(install(t, kKinds[k], 0xD000 + uint32_t(k)));

  // 1. ENCRYPT: real and dummy packets interleaved, seq 1..6 on every SA.
  //    Per SA: real0, dummyA, real1 (SOFT_EXPIRED: packets 2), dummyB, dummyC,
  //    dummyD; the dummies carry no SOFT_EXPIRED and the hard packet
  //    lifetime (3) is never reached.
  constexpr size_t kPerSa = 6;
  const size_t kDummySizes[] = {1, 0, 1400, 37};  // A, B (tunnel: 1 byte), C, D
  std::vector<Op> enc_ops;
  std::vector<Status> enc_want;
  std::vector<Bytes> reals;  // per SA: real0, real1
  for (size_t k = 0; k < kNumKinds; ++k) {
    const Pair& p = pairs[k];
    const Kind& kd = *p.kind;
    const std::string n = std::string(kd.name) + ": ";
    reals.push_back(real(kd, 100, uint32_t(10 * k + 1)));
    reals.push_back(real(kd, 700, uint32_t(10 * k + 2)));
    auto dsize = [&](size_t i) { return kd.mode == Mode::TUNNEL && kDummySizes[i] == 0 ? size_t(1) : kDummySizes[i]; };
    enc_ops.push_back(enc(p.out, reals[2 * k], n + "real0"));
    enc_ops.push_back(enc_dummy(p.out, dummy_data(kd, dsize(0), uint32_t(k)), n + "dummyA"));
    enc_ops.push_back(enc(p.out, reals[2 * k + 1], n + "real1"));
    enc_ops.push_back(enc_dummy(p.out, dummy_data(kd, dsize(1), uint32_t(k + 100)), n + "dummyB"));
    enc_ops.push_back(enc_dummy(p.out, dummy_data(kd, dsize(2), uint32_t(k + 200)), n + "dummyC"));
    enc_ops.push_back(enc_dummy(p.out, dummy_data(kd, dsize(3), uint32_t(k + 300)), n + "dummyD"));
    for (size_t i = 0; i < kPerSa; ++i) enc_want.push_back(Status::OK);
  }
  const RunResult e = t.run(enc_ops, "encrypt");
  ASSERT_TRUE(e.ok());
  expect_statuses(e, enc_ops, enc_want, "encrypt");
  for (size_t i = 0; i < e.card.size(); ++i) {
    EXPECT_EQ(e.card[i].seq, i % kPerSa + 1) << enc_ops[i].what;
    EXPECT_EQ(e.card[i].soft_expired, i % kPerSa == 2) << enc_ops[i].what << ": only real1 reaches the soft lifetime";
  }

  // 2. Refused dummies consume no sequence number and count nothing.
  std::vector<Op> bad_ops;
  std::vector<Status> bad_want;
  for (size_t k = 0; k < kNumKinds; ++k) {
    const Pair& p = pairs[k];
    const std::string n = std::string(p.kind->name) + ": ";
    bad_ops.push_back(enc_dummy(p.out, {}, n + "empty dummy"));
    bad_want.push_back(Status::MALFORMED);
    if (p.kind->mode == Mode::TRANSPORT) {
      Bytes junk = ref::pkt::payload(64, 9);
      junk[0] = 0;  // version 0
      bad_ops.push_back(enc_dummy(p.out, junk, n + "transport dummy that is not IP"));
      bad_want.push_back(Status::MALFORMED);
    }
    bad_ops.push_back(enc_dummy(p.out, dummy_data(*p.kind, spec::MAX_PKT_BYTES - (p.kind->mode == Mode::TUNNEL ? 0 : 40), 5),
                                n + "dummy too long for its output"));
    bad_want.push_back(Status::NO_SPACE);
    bad_ops.push_back(enc_dummy(p.in, dummy_data(*p.kind, 20, 6), n + "dummy on the inbound SA"));
    bad_want.push_back(Status::BAD_SA);
  }
  const RunResult b = t.run(bad_ops, "refused dummies");
  EXPECT_TRUE(b.ok());
  expect_statuses(b, bad_ops, bad_want, "refused dummies");

  // 3. DECRYPT what the card sent: DUMMY for every dummy (no data), the real
  //    packets as they were sent; a dummy with a corrupted ICV fails and does
  //    not move the window (the intact copy then passes); a replayed dummy
  //    and a replayed packet are REPLAY.
  std::vector<Op> dec_ops;
  std::vector<Status> dec_want;
  std::vector<size_t> real_at;
  std::vector<Bytes> real_want;
  for (size_t k = 0; k < kNumKinds; ++k) {
    const std::string n = std::string(pairs[k].kind->name) + ": ";
    const Result* r = &e.card[k * kPerSa];
    Bytes bad_icv = r[5].data;
    bad_icv.back() ^= 0x01;
    const struct {
      const Bytes& data;
      const char* what;
      Status want;
    } rows[] = {
        {r[0].data, "real0", Status::OK},    {r[1].data, "dummyA", Status::DUMMY},
        {r[2].data, "real1", Status::OK},    {r[3].data, "dummyB", Status::DUMMY},
        {r[4].data, "dummyC", Status::DUMMY}, {bad_icv, "dummyD with a corrupted ICV", Status::AUTH_FAIL},
        {r[5].data, "dummyD", Status::DUMMY}, {r[1].data, "dummyA again", Status::REPLAY},
        {r[0].data, "real0 again", Status::REPLAY},
    };
    for (const auto& row : rows) {
      if (row.want == Status::OK) {
        real_at.push_back(dec_ops.size());
        real_want.push_back(reals[2 * k + (row.what[4] == '1' ? 1 : 0)]);
      }
      dec_ops.push_back(dec(row.data, n + row.what));
      dec_want.push_back(row.want);
    }
  }
  const RunResult d = t.run(dec_ops, "decrypt");
  EXPECT_TRUE(d.ok());
  expect_statuses(d, dec_ops, dec_want, "decrypt");
  expect_originals(d, dec_ops, real_at, real_want, "decrypt");
  for (size_t i = 0; i < d.card.size(); ++i) {
    if (d.card[i].status != Status::DUMMY) continue;
    EXPECT_TRUE(d.card[i].data.empty()) << dec_ops[i].what << ": a dummy delivers nothing";
    EXPECT_FALSE(d.card[i].soft_expired) << dec_ops[i].what << ": a dummy reaches no lifetime";
    EXPECT_EQ(d.card[i].sa_index, pairs[i / 9].in.index) << dec_ops[i].what;
  }

  // 4. Dummies sealed here (OpenSSL, not the card's nor the model's ENCRYPT)
  //    at sequence numbers 100.. on each inbound SA: every pad length 0..3
  //    (payloads 0..3 and 1021 bytes), then bad pad bytes (BAD_PADDING, the
  //    window committed: its replay is REPLAY), a replay of the first.
  std::vector<Op> sealed_ops;
  std::vector<Status> sealed_want;
  for (size_t k = 0; k < kNumKinds; ++k) {
    const Pair& p = pairs[k];
    const Kind& kd = *p.kind;
    const std::string n = std::string(kd.name) + ": sealed ";
    uint64_t seq = 100;
    auto sealed = [&](const Bytes& plaintext, uint64_t q) {
      return craft_esp(p.in_cfg, q, plaintext, kd.outer, kd.udp);
    };
    for (size_t len : {0, 1, 2, 3, 1021}) {
      const Bytes pt = with_trailer(ref::pkt::payload(len, uint32_t(len + k)), spec::NH_NO_NEXT);
      sealed_ops.push_back(dec(sealed(pt, seq++), n + "dummy, " + std::to_string(len) + " payload bytes"));
      sealed_want.push_back(Status::DUMMY);
    }
    Bytes bad_pad = ref::pkt::payload(4, 77);  // 8 bytes with the trailer: aligned
    for (uint8_t x : {uint8_t{1}, uint8_t{9}, uint8_t{2}, uint8_t(spec::NH_NO_NEXT)}) bad_pad.push_back(x);
    const uint64_t bad_seq = seq++;
    sealed_ops.push_back(dec(sealed(bad_pad, bad_seq), n + "dummy with pad bytes 1, 9"));
    sealed_want.push_back(Status::BAD_PADDING);
    sealed_ops.push_back(dec(sealed(bad_pad, bad_seq), n + "dummy with pad bytes 1, 9 again"));
    sealed_want.push_back(Status::REPLAY);
    sealed_ops.push_back(dec(sealed(with_trailer({}, spec::NH_NO_NEXT), 100), n + "first dummy again"));
    sealed_want.push_back(Status::REPLAY);
  }
  const RunResult s = t.run(sealed_ops, "sealed dummies");
  EXPECT_TRUE(s.ok());
  expect_statuses(s, sealed_ops, sealed_want, "sealed dummies");

  // 5. Counters: the same on both sides, and what the contract says.
  t.expect_all_counters("after the dummies");
  for (size_t k = 0; k < kNumKinds; ++k) {
    const Pair& p = pairs[k];
    SCOPED_TRACE(p.kind->name);
    const uint64_t real_bytes = reals[2 * k].size() + reals[2 * k + 1].size();
    const runtime::SaCounters co = t.card().counters(p.out);
    EXPECT_EQ(co.dummy, 4u);
    EXPECT_EQ(co.packets, 2u);
    EXPECT_EQ(co.bytes, real_bytes);
    EXPECT_EQ(co.soft_events, 1u);
    EXPECT_EQ(co.hard_events, 0u);
    const runtime::SaCounters ci = t.card().counters(p.in);
    EXPECT_EQ(ci.dummy, 4u + 5u);
    EXPECT_EQ(ci.packets, 2u);
    EXPECT_EQ(ci.bytes, real_bytes);
    EXPECT_EQ(ci.auth_fail, 1u);
    EXPECT_EQ(ci.replay, 2u + 2u);
    EXPECT_EQ(ci.bad_packet, 1u);
    EXPECT_EQ(ci.soft_events, 1u);
    EXPECT_EQ(ci.hard_events, 0u);
  }
}

ESP_EQ_INSTANTIATE(EqDummy);

}  // namespace
}  // namespace esp::eq
