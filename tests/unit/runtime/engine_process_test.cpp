// Packets through Engine::process() on the swemu backend (the HLS kernel on
// the host), checked against the OpenSSL reference model (tests/ref): same
// bytes, same statuses, every request gets its Result in order.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "engine_test_util.hpp"
#include "ref/esp_ref.hpp"
#include "ref/packets.hpp"

namespace spec = esp::spec;
namespace pkt = esp::ref::pkt;
using esp::ref::Bytes;
using esp::ref::RefEngine;
using esp::spec::Opcode;
using esp::spec::Status;
using namespace esp::runtime;
using namespace esp::runtime::test;

namespace {

Request enc(SaHandle h, Bytes data) { return Request{Opcode::ENCRYPT, h, std::move(data)}; }
Request dec(Bytes data) { return Request{Opcode::DECRYPT, SaHandle{}, std::move(data)}; }

std::vector<Bytes> traffic(uint32_t seed) {
  std::vector<Bytes> out;
  for (uint8_t v : {uint8_t(4), uint8_t(6)}) {
    for (size_t n : {0u, 1u, 63u, 100u, 1400u, 8000u}) out.push_back(pkt::udp(v, n, seed + uint32_t(n)));
  }
  out.push_back(pkt::tcp(4, 500, seed));
  out.push_back(pkt::icmp(6, 56, seed));
  return out;
}

struct Variant {
  const char* name;
  void (*tweak)(SaConfig&);
};

const Variant kVariants[] = {
    {"tunnel4_aes128", [](SaConfig&) {}},
    {"tunnel4_aes256_icv8", [](SaConfig& c) {
       c.key.assign(32, 0x3c);
       c.icv_len = 8;
     }},
    {"tunnel6_esn_icv12", [](SaConfig& c) {
       c.tun_src = IpAddr::parse("2001:db8::1");
       c.tun_dst = IpAddr::parse("2001:db8::2");
       c.flow_label = 0x54321;
       c.esn = true;
       c.icv_len = 12;
     }},
    {"transport_udp_encap", [](SaConfig& c) {
       c.mode = spec::Mode::TRANSPORT;
       c.udp_encap = true;
     }},
    {"tunnel4_gmac", [](SaConfig& c) { c.gmac = true; }},
};

}  // namespace

TEST(EngineProcess, EncryptMatchesReferenceAndDecryptRoundTrips) {
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(v.name);
    auto eng = make_engine(64, 8);
    RefEngine ref(64);
    SaConfig out = sa_config(0x5000, Direction::Outbound);
    v.tweak(out);
    SaConfig in = out;
    in.direction = Direction::Inbound;
    const SaHandle ho = eng->add_sa(out);
    const SaHandle hi = eng->add_sa(in);
    const uint32_t ro = ref.add_sa(out);

    const auto plain = traffic(11);
    std::vector<Request> reqs;
    for (const auto& p : plain) reqs.push_back(enc(ho, p));
    const auto res = eng->process(reqs);
    ASSERT_EQ(res.size(), plain.size());
    std::vector<Request> back;
    uint64_t bytes = 0;
    for (size_t i = 0; i < res.size(); ++i) {
      const auto want = ref.encrypt(ro, plain[i]);
      ASSERT_EQ(want.status, Status::OK) << i;
      EXPECT_EQ(res[i].status, Status::OK) << i << ": " << spec::status_name(res[i].status);
      EXPECT_EQ(res[i].seq, i + 1);
      EXPECT_EQ(res[i].spi, 0x5000u);
      EXPECT_EQ(res[i].sa_index, ho.index);
      EXPECT_FALSE(res[i].soft_expired);
      EXPECT_EQ(res[i].data, want.data) << "packet " << i << " differs from the reference";
      back.push_back(dec(res[i].data));
      bytes += plain[i].size();
    }
    const auto got = eng->process(back);
    ASSERT_EQ(got.size(), plain.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].status, Status::OK) << i << ": " << spec::status_name(got[i].status);
      EXPECT_EQ(got[i].sa_index, hi.index);
      EXPECT_EQ(got[i].seq, i + 1);
      EXPECT_EQ(got[i].data, plain[i]) << "packet " << i << " did not round-trip";
    }
    const SaCounters co = eng->counters(ho);
    EXPECT_EQ(co.packets, plain.size());
    EXPECT_EQ(co.bytes, bytes);
    EXPECT_EQ(eng->counters(hi).packets, plain.size());
  }
}

TEST(EngineProcess, BatchesLargerThanMaxBatchStayInOrder) {
  auto eng = make_engine(16, 4);
  const SaHandle ho = eng->add_sa(sa_config(0x77, Direction::Outbound));
  eng->add_sa(sa_config(0x77, Direction::Inbound));
  std::vector<Bytes> plain;
  std::vector<Request> reqs;
  for (uint32_t i = 0; i < 23; ++i) {
    plain.push_back(pkt::udp(i % 2 ? 6 : 4, 40 + 37 * i, i));
    reqs.push_back(enc(ho, plain.back()));
  }
  const auto res = eng->process(reqs);
  ASSERT_EQ(res.size(), 23u);
  std::vector<Request> back;
  for (size_t i = 0; i < res.size(); ++i) {
    ASSERT_EQ(res[i].status, Status::OK) << i;
    EXPECT_EQ(res[i].seq, i + 1);
    back.push_back(dec(res[i].data));
  }
  const auto got = eng->process(back);
  ASSERT_EQ(got.size(), 23u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].status, Status::OK) << i;
    EXPECT_EQ(got[i].data, plain[i]) << i;
  }
  EXPECT_TRUE(eng->process({}).empty());
}

TEST(EngineProcess, MixedEncryptDecryptBatch) {
  auto eng = make_engine(16, 5);
  const SaHandle a_out = eng->add_sa(sa_config(0xA, Direction::Outbound));
  const SaHandle b_out = eng->add_sa(sa_config(0xB, Direction::Outbound, 32));
  const SaHandle a_in = eng->add_sa(sa_config(0xA, Direction::Inbound));
  const SaHandle b_in = eng->add_sa(sa_config(0xB, Direction::Inbound, 32));
  // Round 1: ciphertexts to decrypt later.
  std::vector<Bytes> p1;
  std::vector<Request> r1;
  for (uint32_t i = 0; i < 6; ++i) {
    p1.push_back(pkt::udp(4, 100 + i, 100 + i));
    r1.push_back(enc(i % 2 ? b_out : a_out, p1.back()));
  }
  const auto c1 = eng->process(r1);
  // Round 2: decrypt those while encrypting new packets, interleaved.
  std::vector<Bytes> p2;
  std::vector<Request> r2;
  for (uint32_t i = 0; i < 6; ++i) {
    ASSERT_EQ(c1[i].status, Status::OK);
    r2.push_back(dec(c1[i].data));
    p2.push_back(pkt::tcp(6, 200 + i, 200 + i));
    r2.push_back(enc(i % 2 ? a_out : b_out, p2.back()));
  }
  const auto m = eng->process(r2);
  ASSERT_EQ(m.size(), 12u);
  std::vector<Request> r3;
  for (uint32_t i = 0; i < 6; ++i) {
    const Result& d = m[2 * i];
    EXPECT_EQ(d.status, Status::OK) << i;
    EXPECT_EQ(d.data, p1[i]) << i;
    EXPECT_EQ(d.sa_index, i % 2 ? b_in.index : a_in.index);
    const Result& e = m[2 * i + 1];
    ASSERT_EQ(e.status, Status::OK) << i;
    EXPECT_EQ(e.spi, i % 2 ? 0xAu : 0xBu);
    r3.push_back(dec(e.data));
  }
  const auto d3 = eng->process(r3);
  for (uint32_t i = 0; i < 6; ++i) {
    EXPECT_EQ(d3[i].status, Status::OK) << i;
    EXPECT_EQ(d3[i].data, p2[i]) << i;
  }
}

TEST(EngineProcess, EveryRequestGetsItsStatusWithFailuresInTheMiddle) {
  auto eng = make_engine(16, 4);  // the batch spans several kernel runs
  RefEngine ref(16);
  const SaConfig out_cfg = sa_config(0xC0DE, Direction::Outbound);
  SaConfig in_cfg = out_cfg;
  in_cfg.direction = Direction::Inbound;
  const SaConfig orphan_cfg = sa_config(0xDEAD, Direction::Outbound);  // no inbound SA has this SPI
  const SaHandle ho = eng->add_sa(out_cfg);
  const SaHandle hi = eng->add_sa(in_cfg);
  const SaHandle hx = eng->add_sa(orphan_cfg);
  const uint32_t ro = ref.add_sa(out_cfg);
  ref.add_sa(in_cfg);
  const uint32_t rx = ref.add_sa(orphan_cfg);

  // Ciphertexts made beforehand (also through the reference, to keep it in step).
  const Bytes p = pkt::udp(4, 300, 5);
  std::vector<Request> pre = {enc(ho, p), enc(ho, p), enc(hx, p)};
  const auto c = eng->process(pre);
  for (const auto& r : c) ASSERT_EQ(r.status, Status::OK);
  ref.encrypt(ro, p);
  ref.encrypt(ro, p);
  ref.encrypt(rx, p);
  Bytes tampered = c[0].data;
  tampered[tampered.size() - 20] ^= 0x01;

  Bytes not_ip = pkt::udp(4, 50, 6);
  not_ip[0] = 0x00;  // version nibble 0
  const Bytes big = pkt::udp(4, spec::MAX_PKT_BYTES - 10 - 28, 7);  // encapsulated: above MAX_PKT_BYTES
  const Bytes huge(spec::MAX_PKT_BYTES + 1, 0x45);                   // cannot even be sent

  std::vector<Request> reqs = {
      enc(ho, pkt::udp(4, 64, 1)),            // 0 OK
      enc(ho, not_ip),                        // 1 MALFORMED
      dec(c[2].data),                         // 2 UNKNOWN_SPI
      dec(tampered),                          // 3 AUTH_FAIL
      dec(c[0].data),                         // 4 OK
      dec(c[0].data),                         // 5 REPLAY
      enc(ho, huge),                          // 6 MALFORMED, never sent
      dec(Bytes{}),                           // 7 MALFORMED (in_length 0)
      Request{Opcode::NOP, ho, p},            // 8 BAD_OPCODE
      enc(hi, p),                             // 9 BAD_SA (inbound SA)
      enc(ho, big),                           // 10 NO_SPACE
      dec(c[1].data),                         // 11 OK
      enc(ho, pkt::udp(6, 64, 2)),            // 12 OK
  };
  const Status want[] = {Status::OK,          Status::MALFORMED, Status::UNKNOWN_SPI, Status::AUTH_FAIL,
                         Status::OK,          Status::REPLAY,    Status::MALFORMED,   Status::MALFORMED,
                         Status::BAD_OPCODE,  Status::BAD_SA,    Status::NO_SPACE,    Status::OK,
                         Status::OK};
  const auto res = eng->process(reqs);
  ASSERT_EQ(res.size(), reqs.size());
  for (size_t i = 0; i < res.size(); ++i) {
    EXPECT_EQ(res[i].status, want[i]) << "request " << i << ": " << spec::status_name(res[i].status);
    if (res[i].status != Status::OK) {
      EXPECT_TRUE(res[i].data.empty()) << i;
    }
    if (i == 6) {
      EXPECT_EQ(res[i].sa_index, esp::spec::NO_SA_INDEX);
      continue;
    }
    // Same outcome as the reference model, request by request.
    const auto r = ref.process(static_cast<uint8_t>(reqs[i].op),
                               reqs[i].op == Opcode::DECRYPT ? 0u : (reqs[i].sa.index == ho.index ? ro : 1u),
                               false, reqs[i].data);
    EXPECT_EQ(res[i].status, r.status) << i;
    EXPECT_EQ(res[i].data, r.data) << i;
  }
  EXPECT_EQ(res[0].seq, 3u);
  EXPECT_EQ(res[12].seq, 4u) << "failed encrypts must not consume sequence numbers";
  EXPECT_EQ(res[4].data, p);
  EXPECT_EQ(res[11].data, p);
  const SaCounters ci = eng->counters(hi);
  EXPECT_EQ(ci.packets, 2u);
  EXPECT_EQ(ci.auth_fail, 1u);
  EXPECT_EQ(ci.replay, 1u);
}

TEST(EngineProcess, StaleHandleThrowsBeforeAnythingRuns) {
  auto eng = make_engine(16);
  const SaHandle ho = eng->add_sa(sa_config(0x31, Direction::Outbound));
  const SaHandle dead = eng->add_sa(sa_config(0x32, Direction::Outbound));
  eng->delete_sa(dead);
  std::vector<Request> reqs = {enc(ho, pkt::udp(4, 10, 1)), enc(dead, pkt::udp(4, 10, 2))};
  EXPECT_THROW(eng->process(reqs), std::invalid_argument);
  EXPECT_EQ(eng->counters(ho).packets, 0u);
  const auto res = eng->process({enc(ho, pkt::udp(4, 10, 1))});
  ASSERT_EQ(res[0].status, Status::OK);
  EXPECT_EQ(res[0].seq, 1u) << "the refused batch consumed a sequence number";
}

TEST(EngineProcess, DummyOnAnythingButEncryptThrowsBeforeAnythingRuns) {
  auto eng = make_engine(16);
  const SaHandle ho = eng->add_sa(sa_config(0x33, Direction::Outbound));
  for (const uint8_t op : {uint8_t(Opcode::DECRYPT), uint8_t(0x7F)}) {
    std::vector<Request> reqs = {enc(ho, pkt::udp(4, 10, 1)), enc(ho, pkt::udp(4, 10, 2))};
    reqs[1].op = static_cast<Opcode>(op);
    reqs[1].dummy = true;
    EXPECT_THROW(eng->process(reqs), std::invalid_argument) << "opcode " << unsigned(op);
  }
  const auto res = eng->process({enc(ho, pkt::udp(4, 10, 1))});
  ASSERT_EQ(res[0].status, Status::OK);
  EXPECT_EQ(res[0].seq, 1u) << "a refused batch consumed a sequence number";
}

TEST(EngineProcess, LifetimesReachTheCompletions) {
  auto eng = make_engine(16);
  SaConfig c = sa_config(0x41, Direction::Outbound);
  c.soft.packets = 2;
  c.hard.packets = 3;
  const SaHandle h = eng->add_sa(c);
  std::vector<Request> reqs;
  for (uint32_t i = 0; i < 4; ++i) reqs.push_back(enc(h, pkt::udp(4, 20, i)));
  const auto res = eng->process(reqs);
  EXPECT_EQ(res[0].status, Status::OK);
  EXPECT_FALSE(res[0].soft_expired);
  EXPECT_EQ(res[1].status, Status::OK);
  EXPECT_TRUE(res[1].soft_expired);
  EXPECT_EQ(res[2].status, Status::OK);
  EXPECT_TRUE(res[2].soft_expired);
  EXPECT_EQ(res[3].status, Status::LIFETIME_EXPIRED);
  const SaCounters k = eng->counters(h);
  EXPECT_EQ(k.packets, 3u);
  EXPECT_EQ(k.soft_events, 2u);
  EXPECT_EQ(k.hard_events, 1u);
}
