// What seal_message() puts on the wire, read back without esp_ike_crypto:
// the RFC 7383 2.5 fragment layout parsed by hand, and each fragment
// verified and decrypted with OpenSSL EVP directly (RFC 5282 AES-GCM: nonce
// = salt | IV, AAD = IKE header | SKF header; RFC 7296 3.14 AES-CBC with
// HMAC-SHA2 over everything before the ICV). The fragments' plaintexts,
// padding removed, joined in order, must be the inner payload chain. And the
// other way: fragments laid out by hand and sealed with EVP, with foreign
// padding, reassemble.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "esp/ike/protect.hpp"
#include "wire_util.hpp"

using namespace esp::ike;
using namespace esp::ike::test;

namespace {

std::uint32_t be(const Bytes& d, std::size_t at, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | d[at + i];
  return v;
}

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

const EVP_CIPHER* aes(const Suite& s) {
  if (s.encr == EncrId::AesGcm16) return s.bits == 128 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
  return s.bits == 128 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
}

const EVP_MD* md(IntegId i) {
  switch (i) {
    case IntegId::HmacSha256_128: return EVP_sha256();
    case IntegId::HmacSha384_192: return EVP_sha384();
    default: return EVP_sha512();
  }
}

// The inner bytes of a datagram whose encrypted payload's body starts at
// body_at (32 for SK, 36 for SKF), with padding removed; nullopt if the ICV
// does not verify.
std::optional<Bytes> evp_open(const Suite& s, const CipherPair& k, const Bytes& d,
                              std::size_t body_at) {
  const bool gcm = s.encr == EncrId::AesGcm16;
  const std::size_t ivl = gcm ? 8 : 16;
  const std::size_t icvl = gcm ? 16 : EVP_MD_get_size(md(s.integ)) / 2;
  if (d.size() < body_at + ivl + icvl) return std::nullopt;
  const std::uint8_t* iv = d.data() + body_at;
  const std::uint8_t* ct = iv + ivl;
  const int ctl = static_cast<int>(d.size() - body_at - ivl - icvl);
  const std::uint8_t* icv = d.data() + d.size() - icvl;
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> c(EVP_CIPHER_CTX_new());
  Bytes pt(static_cast<std::size_t>(ctl) + 16);
  int n = 0, m = 0;
  if (gcm) {
    const std::size_t klen = s.bits / 8;
    std::uint8_t nonce[12];
    std::copy(k.enc_key.begin() + static_cast<std::ptrdiff_t>(klen), k.enc_key.end(), nonce);
    std::copy(iv, iv + 8, nonce + 4);
    Bytes tag(icv, icv + 16);
    if (EVP_DecryptInit_ex(c.get(), aes(s), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1 ||
        EVP_DecryptInit_ex(c.get(), nullptr, nullptr, k.enc_key.data(), nonce) != 1 ||
        EVP_DecryptUpdate(c.get(), nullptr, &n, d.data(), static_cast<int>(body_at)) != 1 ||
        EVP_DecryptUpdate(c.get(), pt.data(), &n, ct, ctl) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) != 1 ||
        EVP_DecryptFinal_ex(c.get(), pt.data() + n, &m) != 1)
      return std::nullopt;
  } else {
    unsigned int maclen = 0;
    std::uint8_t mac[64];
    HMAC(md(s.integ), k.integ_key.data(), static_cast<int>(k.integ_key.size()), d.data(),
         d.size() - icvl, mac, &maclen);
    if (!std::equal(icv, icv + icvl, mac)) return std::nullopt;
    if (EVP_DecryptInit_ex(c.get(), aes(s), nullptr, k.enc_key.data(), iv) != 1 ||
        EVP_CIPHER_CTX_set_padding(c.get(), 0) != 1 ||
        EVP_DecryptUpdate(c.get(), pt.data(), &n, ct, ctl) != 1 ||
        EVP_DecryptFinal_ex(c.get(), pt.data() + n, &m) != 1)
      return std::nullopt;
  }
  pt.resize(static_cast<std::size_t>(n + m));
  if (pt.empty() || pt.back() + 1U > pt.size()) return std::nullopt;
  pt.resize(pt.size() - 1 - pt.back());
  return pt;
}

TEST(IkeWireIndependent, FragmentsDecryptWithEvp) {
  for (const Suite& s : kSuites) {
    for (std::size_t len : {576, 1280}) {
      SCOPED_TRACE(std::string(s.name) + " " + std::to_string(len));
      auto cp = cipher_pair(s, 9);
      const auto inner = auth_inner(2600);
      const Bytes plain = chain_bytes(inner);
      IkeHeader h = auth_header(0x01020304, flags::kResponse);
      auto sealed = seal_message(h, inner, *cp.tx, len);
      ASSERT_TRUE(sealed);
      const auto& frags = sealed.value();
      const std::size_t n = frags.size();
      ASSERT_GT(n, 1u);
      Bytes joined;
      for (std::size_t i = 0; i < n; ++i) {
        SCOPED_TRACE(i);
        const Bytes& d = frags[i];
        // IKE header (RFC 7296 3.1).
        EXPECT_EQ(be(d, 0, 4), 0x01020304u);
        EXPECT_EQ(be(d, 8, 4), 0x11121314u);
        EXPECT_EQ(d[16], 53) << "Next Payload: SKF";
        EXPECT_EQ(d[17], 0x20) << "version 2.0";
        EXPECT_EQ(d[18], 35) << "IKE_AUTH";
        EXPECT_EQ(d[19], flags::kResponse);
        EXPECT_EQ(be(d, 20, 4), 0x01020304u) << "the same Message ID in every fragment";
        EXPECT_EQ(be(d, 24, 4), d.size());
        // Encrypted Fragment payload header (RFC 7383 2.5).
        EXPECT_EQ(d[28], i == 0 ? 35 : 0) << "Next Payload: IDi in the first only";
        EXPECT_EQ(d[29], 0);
        EXPECT_EQ(be(d, 30, 2), d.size() - 28);
        EXPECT_EQ(be(d, 32, 2), i + 1);
        EXPECT_EQ(be(d, 34, 2), n);
        auto pt = evp_open(s, cp, d, 36);
        ASSERT_TRUE(pt.has_value()) << "EVP does not verify the fragment";
        EXPECT_FALSE(pt->empty());
        joined.insert(joined.end(), pt->begin(), pt->end());
        // Control: the same bytes with the AAD cut before Fragment Number
        // and Total Fragments must not verify.
        if (s.encr == EncrId::AesGcm16) {
          Bytes shifted(d.begin(), d.begin() + 32);
          shifted.insert(shifted.end(), d.begin() + 36, d.end());
          EXPECT_FALSE(evp_open(s, cp, shifted, 32).has_value());
        }
        Bytes flipped = d;
        flipped[33] ^= 1;
        EXPECT_FALSE(evp_open(s, cp, flipped, 36).has_value()) << "Fragment Number is authenticated";
      }
      EXPECT_EQ(joined, plain);
    }
  }
}

TEST(IkeWireIndependent, WholeMessageDecryptsWithEvp) {
  for (const Suite& s : kSuites) {
    SCOPED_TRACE(s.name);
    auto cp = cipher_pair(s, 10);
    const auto inner = auth_inner(700);
    auto sealed = seal_message(auth_header(2), inner, *cp.tx, 1280);
    ASSERT_TRUE(sealed);
    ASSERT_EQ(sealed.value().size(), 1u);
    const Bytes& d = sealed.value()[0];
    EXPECT_EQ(d[16], 46) << "Next Payload: SK";
    EXPECT_EQ(d[28], 35);
    EXPECT_EQ(be(d, 30, 2), d.size() - 28);
    auto pt = evp_open(s, cp, d, 32);
    ASSERT_TRUE(pt.has_value());
    EXPECT_EQ(*pt, chain_bytes(inner));
    // Control: another key does not verify.
    auto other = cipher_pair(s, 11);
    EXPECT_FALSE(evp_open(s, other, d, 32).has_value());
  }
}

// The other way: fragments laid out by hand (RFC 7383 2.5) and sealed with
// EVP directly, with padding of our choosing (RFC 7296 3.14 allows any), go
// through the Defragmenter.
Bytes evp_seal_fragment(const Suite& s, const CipherPair& k, std::uint32_t mid,
                        std::uint16_t number, std::uint16_t total, std::uint8_t first,
                        const Bytes& chunk) {
  const bool gcm = s.encr == EncrId::AesGcm16;
  const std::size_t ivl = gcm ? 8 : 16;
  const std::size_t icvl = gcm ? 16 : EVP_MD_get_size(md(s.integ)) / 2;
  Bytes pt = chunk;
  const std::size_t pad = gcm ? 3 : 16 + (16 - (chunk.size() + 1) % 16) % 16;  // one block extra
  for (std::size_t i = 0; i < pad; ++i) pt.push_back(static_cast<std::uint8_t>(0xa0 + i));
  pt.push_back(static_cast<std::uint8_t>(pad));
  const std::size_t size = 36 + ivl + pt.size() + icvl;
  Bytes d = {1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
             53, 0x20, 35, 0x08};
  for (int sh = 24; sh >= 0; sh -= 8) d.push_back(static_cast<std::uint8_t>(mid >> sh));
  for (int sh = 24; sh >= 0; sh -= 8) d.push_back(static_cast<std::uint8_t>(size >> sh));
  const std::size_t plen = size - 28;
  for (std::uint32_t v : {std::uint32_t{first}, 0u}) d.push_back(static_cast<std::uint8_t>(v));
  for (std::size_t v : {plen, std::size_t{number}, std::size_t{total}}) {
    d.push_back(static_cast<std::uint8_t>(v >> 8));
    d.push_back(static_cast<std::uint8_t>(v));
  }
  Bytes iv = pattern(ivl, static_cast<std::uint8_t>(number * 16));
  d.insert(d.end(), iv.begin(), iv.end());
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> c(EVP_CIPHER_CTX_new());
  Bytes ct(pt.size() + 16);
  int n = 0, m = 0;
  if (gcm) {
    std::uint8_t nonce[12];
    std::copy(k.enc_key.end() - 4, k.enc_key.end(), nonce);
    std::copy(iv.begin(), iv.end(), nonce + 4);
    EXPECT_EQ(EVP_EncryptInit_ex(c.get(), aes(s), nullptr, nullptr, nullptr), 1);
    EXPECT_EQ(EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr), 1);
    EXPECT_EQ(EVP_EncryptInit_ex(c.get(), nullptr, nullptr, k.enc_key.data(), nonce), 1);
    EXPECT_EQ(EVP_EncryptUpdate(c.get(), nullptr, &n, d.data(), 36), 1);
    EXPECT_EQ(EVP_EncryptUpdate(c.get(), ct.data(), &n, pt.data(), static_cast<int>(pt.size())), 1);
    EXPECT_EQ(EVP_EncryptFinal_ex(c.get(), ct.data() + n, &m), 1);
    ct.resize(static_cast<std::size_t>(n + m));
    d.insert(d.end(), ct.begin(), ct.end());
    std::uint8_t tag[16];
    EXPECT_EQ(EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
    d.insert(d.end(), tag, tag + 16);
  } else {
    EXPECT_EQ(EVP_EncryptInit_ex(c.get(), aes(s), nullptr, k.enc_key.data(), iv.data()), 1);
    EXPECT_EQ(EVP_CIPHER_CTX_set_padding(c.get(), 0), 1);
    EXPECT_EQ(EVP_EncryptUpdate(c.get(), ct.data(), &n, pt.data(), static_cast<int>(pt.size())), 1);
    EXPECT_EQ(EVP_EncryptFinal_ex(c.get(), ct.data() + n, &m), 1);
    ct.resize(static_cast<std::size_t>(n + m));
    d.insert(d.end(), ct.begin(), ct.end());
    unsigned int maclen = 0;
    std::uint8_t mac[64];
    HMAC(md(s.integ), k.integ_key.data(), static_cast<int>(k.integ_key.size()), d.data(),
         d.size(), mac, &maclen);
    d.insert(d.end(), mac, mac + icvl);
  }
  EXPECT_EQ(d.size(), size);
  return d;
}

TEST(IkeWireIndependent, EvpSealedFragmentsReassemble) {
  for (const Suite& s : kSuites) {
    SCOPED_TRACE(s.name);
    auto cp = cipher_pair(s, 12);
    const auto inner = auth_inner(1000);
    const Bytes plain = chain_bytes(inner);
    // Three fragments of uneven sizes.
    const std::size_t cut1 = 100, cut2 = 700;
    const Bytes parts[3] = {Bytes(plain.begin(), plain.begin() + cut1),
                            Bytes(plain.begin() + cut1, plain.begin() + cut2),
                            Bytes(plain.begin() + cut2, plain.end())};
    Defragmenter df;
    Defragmenter::Result r;
    for (std::uint16_t i : {std::uint16_t{3}, std::uint16_t{1}, std::uint16_t{2}}) {
      const Bytes d = evp_seal_fragment(s, cp, 77, i, 3, i == 1 ? 35 : 0, parts[i - 1]);
      auto msg = parse(d);
      ASSERT_TRUE(msg) << msg.error().to_string();
      r = df.add(d, msg.value(), *cp.rx);
      EXPECT_NE(r.state, Defragmenter::State::Dropped) << r.why;
    }
    ASSERT_EQ(r.state, Defragmenter::State::Complete) << r.why;
    EXPECT_EQ(chain_bytes(r.inner), plain);
    EXPECT_EQ(df.message_id(), 77u);
  }
}

}  // namespace
