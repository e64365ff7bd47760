// Smoke test of the esp_engine top called directly on host arrays laid out
// with the spec accessors: encrypt with an outbound SA, decrypt with the
// inbound twin, for every mode / option combination; a flipped bit ->
// AUTH_FAIL; a replay -> REPLAY; a few descriptor-level failures. One
// encrypted packet is also opened with OpenSSL directly (nonce, AAD, ICV).
// The full bit-exact comparison against the reference model lives with the
// cross-backend tests.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "engine_card.hpp"
#include "esp/spec/esp_spec.hpp"

namespace {

namespace spec = esp::spec;
namespace sae = spec::sa_entry;
namespace fb = spec::sa_entry::flags_bit;
using esp::hls_test::Bytes;
using esp::hls_test::Card;
using esp::hls_test::Completion;
using esp::hls_test::kCap;
using spec::Status;

constexpr uint32_t kSpi = 0x0A0B0C0D;
constexpr unsigned kOutSa = 0;
constexpr unsigned kInSa = 1;
constexpr uint64_t kReplayOffset = esp::hls_test::kReplayOffset;

struct Config {
  uint32_t flags;  // TUNNEL, OUTER_V6, ESN, UDP_ENCAP, GMAC, AES256
  unsigned icv;
  bool inner_v6;
  std::string name() const {
    std::string s = flags & fb::TUNNEL ? (flags & fb::OUTER_V6 ? "tun6" : "tun4") : "transport";
    s += inner_v6 ? "_in6" : "_in4";
    if (flags & fb::ESN) s += "_esn";
    if (flags & fb::UDP_ENCAP) s += "_udp";
    if (flags & fb::GMAC) s += "_gmac";
    if (flags & fb::AES256) s += "_256";
    return s + "_icv" + std::to_string(icv);
  }
};

Bytes test_key() {
  Bytes k(32);
  for (unsigned i = 0; i < 32; ++i) k[i] = static_cast<uint8_t>(0x10 + 7 * i);
  return k;
}
const uint8_t kSalt[4] = {0xCA, 0xFE, 0xBA, 0xBE};

void put16(uint8_t* p, unsigned v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// An IPv4 or IPv6 UDP packet with `data` payload bytes and valid IPv4 checksum.
Bytes make_packet(bool v6, unsigned data) {
  const unsigned hdr = v6 ? 40 : 20;
  Bytes p(hdr + 8 + data);
  for (size_t i = hdr; i < p.size(); ++i) p[i] = static_cast<uint8_t>(i * 13 + 1);
  if (v6) {
    p[0] = 0x60;
    put16(&p[4], static_cast<unsigned>(p.size() - 40));
    p[6] = 17;
    p[7] = 64;
    for (unsigned i = 0; i < 16; ++i) {
      p[8 + i] = static_cast<uint8_t>(0x20 + i);
      p[24 + i] = static_cast<uint8_t>(0x40 + i);
    }
  } else {
    p[0] = 0x45;
    put16(&p[2], static_cast<unsigned>(p.size()));
    p[8] = 64;
    p[9] = 17;
    const uint8_t addrs[8] = {10, 0, 0, 1, 10, 0, 0, 2};
    std::memcpy(&p[12], addrs, 8);
    uint32_t sum = 0;
    for (unsigned i = 0; i < 20; i += 2) sum += (uint32_t(p[i]) << 8) | p[i + 1];
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    put16(&p[10], ~sum & 0xFFFF);
  }
  put16(&p[hdr + 4], 8 + data);
  return p;
}

void install(Card& card, const Config& c, uint64_t tx_seq, uint64_t top) {
  const Bytes key = test_key();
  for (unsigned idx : {kOutSa, kInSa}) {
    spec::SaEntry e;
    e.spi = kSpi;
    e.flags = fb::VALID | c.flags | (idx == kOutSa ? fb::OUTBOUND : 0u);
    e.window_bits = 128;
    std::memcpy(e.salt, kSalt, sizeof e.salt);
    e.icv_len = static_cast<uint8_t>(c.icv);
    e.ttl = 33;
    e.tos = 0x28;
    e.replay_offset = kReplayOffset;
    std::memcpy(e.key, key.data(), sizeof e.key);
    e.udp_sport = 4500;
    e.udp_dport = 4500;
    e.flow_label = 0x12345;
    for (unsigned i = 0; i < 16; ++i) {
      e.tun_src[i] = static_cast<uint8_t>(0xA0 + i);
      e.tun_dst[i] = static_cast<uint8_t>(0xB0 + i);
    }
    card.set_sa(idx, e);
    spec::SaState st;
    st.seq = idx == kOutSa ? tx_seq : top;
    card.set_state(idx, st);
    card.install(idx);
  }
  card.map_spi(kSpi, kInSa);
}

// Encrypts `pkt` (placed at pkt_in 0) into pkt_out 0; returns the ESP packet.
Bytes encrypt(Card& card, const Bytes& pkt, Completion& c) {
  std::memcpy(card.in(), pkt.data(), pkt.size());
  card.set_desc(0, spec::Opcode::ENCRYPT, kOutSa, 0, static_cast<uint32_t>(pkt.size()), 160 * 64, 0);
  card.run(1);
  c = card.completion(0);
  return Bytes(card.out(), card.out() + c.out_length);
}

Bytes decrypt(Card& card, const Bytes& esp, Completion& c) {
  std::memcpy(card.in(), esp.data(), esp.size());
  card.set_desc(0, spec::Opcode::DECRYPT, 0, 0, static_cast<uint32_t>(esp.size()), 160 * 64, 64 * 64);
  card.run(1);
  c = card.completion(0);
  return Bytes(card.out() + 64 * 64, card.out() + 64 * 64 + c.out_length);
}

std::vector<Config> all_configs() {
  std::vector<Config> v;
  const uint32_t modes[] = {0u, fb::TUNNEL, fb::TUNNEL | fb::OUTER_V6};
  for (uint32_t mode : modes)
    for (uint32_t opt : {0u, fb::ESN, fb::UDP_ENCAP, fb::GMAC, fb::AES256, fb::ESN | fb::UDP_ENCAP | fb::GMAC})
      for (bool inner_v6 : {false, true})
        for (unsigned icv : {8u, 12u, 16u}) v.push_back(Config{mode | opt, icv, inner_v6});
  return v;
}

TEST(EngineSmoke, RoundTripAllConfigs) {
  for (const Config& cfg : all_configs()) {
    SCOPED_TRACE(cfg.name());
    for (unsigned data : {0u, 1u, 2u, 3u, 57u, 1400u}) {
      Card card;
      install(card, cfg, 0, 0);
      const Bytes pkt = make_packet(cfg.inner_v6, data);
      Completion ce{};
      const Bytes esp = encrypt(card, pkt, ce);
      ASSERT_EQ(ce.status, Status::OK) << data;
      EXPECT_EQ(ce.sa_index, kOutSa);
      EXPECT_EQ(ce.spi, kSpi);
      EXPECT_EQ(ce.seq, 1u);
      // the bytes of the last output line past out_length are zero
      for (unsigned i = ce.out_length; i % 64 != 0; ++i) ASSERT_EQ(card.out()[i], 0) << i;

      Completion cd{};
      const Bytes got = decrypt(card, esp, cd);
      ASSERT_EQ(cd.status, Status::OK) << data;
      EXPECT_EQ(cd.sa_index, kInSa);
      EXPECT_EQ(cd.spi, kSpi);
      EXPECT_EQ(cd.seq, 1u);
      EXPECT_EQ(cd.out_offset, 64u * 64u);
      ASSERT_EQ(got, pkt) << data;
      EXPECT_EQ(card.sa_counters(kOutSa).packets, 1u);
      EXPECT_EQ(card.sa_counters(kOutSa).bytes, pkt.size());
      EXPECT_EQ(card.sa_counters(kInSa).packets, 1u);

      Completion cr{};
      decrypt(card, esp, cr);
      EXPECT_EQ(cr.status, Status::REPLAY);
      EXPECT_EQ(cr.out_length, 0u);
      EXPECT_EQ(card.sa_counters(kInSa).replay, 1u);
    }
  }
}

TEST(EngineSmoke, FlippedBitIsAuthFailAndLeavesTheWindow) {
  for (const Config& cfg : {Config{fb::TUNNEL, 16, false}, Config{fb::GMAC | fb::ESN, 12, true}}) {
    SCOPED_TRACE(cfg.name());
    Card card;
    install(card, cfg, 41, 0);
    const Bytes pkt = make_packet(cfg.inner_v6, 100);
    Completion c{};
    const Bytes esp = encrypt(card, pkt, c);
    ASSERT_EQ(c.status, Status::OK);
    ASSERT_EQ(c.seq, 42u);
    for (size_t pos : {esp.size() - 1, esp.size() - 40, size_t(esp.size() / 2)}) {
      Bytes bad = esp;
      bad[pos] ^= 0x04;
      decrypt(card, bad, c);
      EXPECT_EQ(c.status, Status::AUTH_FAIL) << pos;
      EXPECT_EQ(c.seq, 42u);
      EXPECT_EQ(c.out_length, 0u);
    }
    EXPECT_EQ(card.sa_counters(kInSa).auth_fail, 3u);
    EXPECT_EQ(card.seq(kInSa), 0u);
    const Bytes got = decrypt(card, esp, c);
    EXPECT_EQ(c.status, Status::OK);
    EXPECT_EQ(got, pkt);
    EXPECT_EQ(card.seq(kInSa), 42u);
  }
}

// ESN across the 2^32 boundary; the ESP packet opened with OpenSSL directly.
TEST(EngineSmoke, EsnAcrossLow32WrapMatchesOpenSsl) {
  const Config cfg{fb::TUNNEL | fb::ESN, 16, false};
  Card card;
  install(card, cfg, 0xFFFFFFFFull, 0xFFFFFFF0ull);
  const Bytes pkt = make_packet(false, 33);
  Completion c{};
  const Bytes esp_pkt = encrypt(card, pkt, c);
  ASSERT_EQ(c.status, Status::OK);
  ASSERT_EQ(c.seq, 0x100000000ull);
  EXPECT_EQ(card.seq(kOutSa), 0x100000000ull);

  // outer IPv4 | ESP
  ASSERT_GT(esp_pkt.size(), 20u + 16u + 16u);
  EXPECT_EQ(esp_pkt[0], 0x45);
  EXPECT_EQ(esp_pkt[1], 0x28);
  EXPECT_EQ(esp_pkt[8], 33);
  EXPECT_EQ(esp_pkt[9], 50);
  const uint8_t* esp = esp_pkt.data() + 20;
  const size_t ct_len = esp_pkt.size() - 20 - 16 - 16;
  const uint8_t want_hdr[16] = {0x0A, 0x0B, 0x0C, 0x0D, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
  EXPECT_EQ(Bytes(esp, esp + 16), Bytes(want_hdr, want_hdr + 16));

  uint8_t nonce[12];
  std::memcpy(nonce, kSalt, 4);
  std::memcpy(nonce + 4, esp + 8, 8);
  const uint8_t aad[12] = {0x0A, 0x0B, 0x0C, 0x0D, 0, 0, 0, 1, 0, 0, 0, 0};
  const Bytes key = test_key();
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ASSERT_EQ(EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key.data(), nonce), 1);
  int len = 0;
  ASSERT_EQ(EVP_DecryptUpdate(ctx, nullptr, &len, aad, 12), 1);
  Bytes pt(ct_len);
  ASSERT_EQ(EVP_DecryptUpdate(ctx, pt.data(), &len, esp + 16, static_cast<int>(ct_len)), 1);
  ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, const_cast<uint8_t*>(esp + 16 + ct_len)), 1);
  uint8_t fin[16];
  EXPECT_EQ(EVP_DecryptFinal_ex(ctx, fin, &len), 1) << "ICV does not verify with OpenSSL";
  EVP_CIPHER_CTX_free(ctx);
  // plaintext = inner packet | pad 1,2,.. | pad_len | 4
  Bytes want = pkt;
  const unsigned pad = (4 - (pkt.size() + 2) % 4) % 4;
  for (unsigned i = 0; i < pad; ++i) want.push_back(static_cast<uint8_t>(i + 1));
  want.push_back(static_cast<uint8_t>(pad));
  want.push_back(4);
  EXPECT_EQ(pt, want);

  // the inbound side infers the high half from top = 0xFFFFFFF0
  const Bytes got = decrypt(card, esp_pkt, c);
  EXPECT_EQ(c.status, Status::OK);
  EXPECT_EQ(c.seq, 0x100000000ull);
  EXPECT_EQ(got, pkt);
  EXPECT_EQ(card.seq(kInSa), 0x100000000ull);
}

TEST(EngineSmoke, BatchOfFailures) {
  const Config cfg{fb::TUNNEL, 16, false};
  Card card;
  install(card, cfg, 0, 0);
  const Bytes pkt = make_packet(false, 64);
  std::memcpy(card.in(), pkt.data(), pkt.size());
  const uint32_t n = static_cast<uint32_t>(pkt.size());
  card.set_desc(0, spec::Opcode::NOP, kOutSa, 0, n, 4096, 0);
  card.set_desc(1, spec::Opcode::ENCRYPT, kOutSa, 32, n, 4096, 0);    // unaligned in_offset
  card.set_desc(2, spec::Opcode::ENCRYPT, kCap, 0, n, 4096, 0);       // SA out of range
  card.set_desc(3, spec::Opcode::ENCRYPT, kInSa, 0, n, 4096, 0);      // inbound SA
  card.set_desc(4, spec::Opcode::ENCRYPT, kOutSa, 0, n, 64, 0);       // no room
  card.set_desc(5, spec::Opcode::ENCRYPT, kOutSa, 0, n, 4096, 128);   // OK
  card.set_desc(6, spec::Opcode::DECRYPT, kOutSa, 0, n, 4096, 0);     // not ESP (UDP, port 0)
  card.set_desc(7, spec::Opcode::ENCRYPT, kOutSa, 0, 0, 4096, 0);     // empty
  card.run(8);
  const Status want[8] = {Status::BAD_OPCODE, Status::MALFORMED, Status::BAD_SA,  Status::BAD_SA,
                          Status::NO_SPACE,   Status::OK,        Status::NOT_ESP, Status::MALFORMED};
  for (unsigned i = 0; i < 8; ++i) {
    const Completion c = card.completion(i);
    EXPECT_EQ(c.status, want[i]) << i;
    EXPECT_EQ(c.out_offset, i == 5 ? 128u : 0u) << i;
    if (c.status != Status::OK) {
      EXPECT_EQ(c.out_length, 0u) << i;
    }
  }
  EXPECT_EQ(card.completion(0).sa_index, spec::NO_SA_INDEX);
  EXPECT_EQ(card.completion(2).sa_index, spec::NO_SA_INDEX);
  EXPECT_EQ(card.completion(3).sa_index, kInSa);
  EXPECT_EQ(card.completion(5).seq, 1u);  // NO_SPACE consumed no sequence number
  EXPECT_EQ(card.sa_counters(kOutSa).packets, 1u);
}

TEST(EngineSmoke, LifetimesAndDisabled) {
  const Config cfg{0, 16, false};
  Card card;
  install(card, cfg, 0, 0);
  spec::set<sae::soft_packets>(card.sa(kOutSa), 2);
  spec::set<sae::hard_packets>(card.sa(kOutSa), 3);
  card.install(kOutSa, /*keep=*/true);  // only the entry changed
  const Bytes pkt = make_packet(false, 10);
  Completion c{};
  encrypt(card, pkt, c);
  EXPECT_EQ(c.status, Status::OK);
  EXPECT_EQ(c.flags, 0);
  encrypt(card, pkt, c);
  EXPECT_EQ(c.status, Status::OK);
  EXPECT_EQ(c.flags, spec::completion::flags_bit::SOFT_EXPIRED);
  encrypt(card, pkt, c);
  EXPECT_EQ(c.status, Status::OK);
  encrypt(card, pkt, c);
  EXPECT_EQ(c.status, Status::LIFETIME_EXPIRED);
  EXPECT_EQ(card.sa_counters(kOutSa).hard_events, 1u);
  EXPECT_EQ(card.sa_counters(kOutSa).soft_events, 2u);
  // sequence space without ESN (a new state line: SA_INSTALL without KEEP_STATE)
  spec::set<sae::hard_packets>(card.sa(kOutSa), 0);
  spec::SaState st = card.state(kOutSa);
  st.seq = 0xFFFFFFFFull;
  card.set_state(kOutSa, st);
  card.install(kOutSa);
  encrypt(card, pkt, c);
  EXPECT_EQ(c.status, Status::LIFETIME_EXPIRED);
  EXPECT_EQ(card.sa_counters(kOutSa).hard_events, 2u);
  // disabled slot (an entry without VALID installed)
  st = card.state(kOutSa);
  st.seq = 5;
  card.set_state(kOutSa, st);
  spec::set<sae::flags>(card.sa(kOutSa), fb::OUTBOUND);
  card.install(kOutSa);
  encrypt(card, pkt, c);
  EXPECT_EQ(c.status, Status::SA_DISABLED);
  // inbound SA with a window that is not a power of two
  spec::set<sae::flags>(card.sa(kOutSa), fb::VALID | fb::OUTBOUND);
  card.install(kOutSa, /*keep=*/true);
  const Bytes esp = encrypt(card, pkt, c);
  ASSERT_EQ(c.status, Status::OK);
  EXPECT_EQ(c.seq, 6u);
  spec::set<sae::window_bits>(card.sa(kInSa), 100);
  card.install(kInSa, true);
  decrypt(card, esp, c);
  EXPECT_EQ(c.status, Status::BAD_SA);
  spec::set<sae::window_bits>(card.sa(kInSa), 64);
  card.install(kInSa, true);
  decrypt(card, esp, c);
  EXPECT_EQ(c.status, Status::OK);
}

}  // namespace
