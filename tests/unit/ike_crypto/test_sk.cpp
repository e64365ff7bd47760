// The SK payload: round trips for every IKE cipher suite, GCM framing checked
// against a direct OpenSSL AES-GCM seal (nonce = salt | IV, AAD = prefix),
// foreign padding, and tampering with any byte of AAD, IV, ciphertext or ICV.
#include "esp/ike/sk_payload.hpp"

#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <cstring>

using namespace esp::ike;

namespace {

struct Suite {
  const char *name;
  EncrId encr;
  unsigned bits;
  IntegId integ;
};

const Suite kSuites[] = {
    {"aes128gcm16", EncrId::AesGcm16, 128, IntegId::None},
    {"aes256gcm16", EncrId::AesGcm16, 256, IntegId::None},
    {"aes128-sha256", EncrId::AesCbc, 128, IntegId::HmacSha256_128},
    {"aes256-sha384", EncrId::AesCbc, 256, IntegId::HmacSha384_192},
    {"aes256-sha512", EncrId::AesCbc, 256, IntegId::HmacSha512_256},
};

Bytes pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + 7 * i);
  return b;
}

// IKE header (IKE_AUTH request, next payload SK) + SK generic header, lengths
// set for a body of body_len bytes; fragment: an SKF header instead.
Bytes prefix_for(size_t body_len, bool fragment = false) {
  const size_t hdr = fragment ? 8 : 4;
  Bytes p = pattern(16, 0x11);  // SPIi | SPIr
  const size_t total = 28 + hdr + body_len;
  const uint8_t rest[] = {static_cast<uint8_t>(fragment ? 53 : 46), 0x20, 35, 0x08, 0, 0, 0, 1,
                          static_cast<uint8_t>(total >> 24), static_cast<uint8_t>(total >> 16),
                          static_cast<uint8_t>(total >> 8), static_cast<uint8_t>(total)};
  p.insert(p.end(), rest, rest + sizeof rest);
  const size_t plen = hdr + body_len;
  const uint8_t gh[] = {35, 0, static_cast<uint8_t>(plen >> 8), static_cast<uint8_t>(plen)};
  p.insert(p.end(), gh, gh + 4);
  if (fragment) {
    const uint8_t fh[] = {0, 1, 0, 2};  // fragment 1 of 2
    p.insert(p.end(), fh, fh + 4);
  }
  return p;
}

struct Keys {
  Bytes enc, integ;
};
Keys keys_for(const Suite &s, uint8_t seed) {
  return {pattern(encr_keymat_len(s.encr, s.bits), seed), pattern(integ_key_len(s.integ), seed ^ 0x5a)};
}

TEST(IkeSk, RoundTripEverySuiteAndLength) {
  for (const auto &s : kSuites) {
    SCOPED_TRACE(s.name);
    const Keys k = keys_for(s, 1);
    SkCipher tx(s.encr, s.bits, s.integ, k.enc, k.integ);
    const SkCipher rx(s.encr, s.bits, s.integ, k.enc, k.integ);
    for (size_t n : {0, 1, 14, 15, 16, 17, 31, 32, 33, 100, 1000}) {
      const Bytes plain = pattern(n, static_cast<uint8_t>(n));
      const size_t blen = tx.body_len(n);
      const Bytes prefix = prefix_for(blen);
      const Bytes body = tx.protect(prefix, plain);
      ASSERT_EQ(body.size(), blen) << n;
      if (s.encr == EncrId::AesGcm16) {
        EXPECT_EQ(blen, 8 + n + 1 + 16) << "GCM adds no padding";
      } else {
        EXPECT_EQ((blen - 16 - integ_icv_len(s.integ)) % 16, 0u);
        EXPECT_LT(blen - 16 - integ_icv_len(s.integ) - n - 1, 16u) << "minimal padding";
      }
      std::string why;
      const auto back = rx.unprotect(prefix, body, &why);
      ASSERT_TRUE(back) << n << ": " << why;
      EXPECT_EQ(*back, plain);
    }
  }
}

TEST(IkeSk, FragmentPrefix) {
  const Suite &s = kSuites[0];
  const Keys k = keys_for(s, 2);
  SkCipher c(s.encr, s.bits, s.integ, k.enc, k.integ);
  const Bytes plain = pattern(50, 3);
  const Bytes prefix = prefix_for(c.body_len(plain.size()), true);
  const Bytes body = c.protect(prefix, plain, true);
  EXPECT_EQ(c.unprotect(prefix, body, nullptr, true), plain);
  EXPECT_EQ(c.unprotect(prefix, body, nullptr, false), std::nullopt);  // lengths do not fit an SK header
  EXPECT_THROW(c.protect(prefix, plain, false), CryptoError);
}

TEST(IkeSk, EveryTamperedByteIsRejected) {
  for (const auto &s : kSuites) {
    SCOPED_TRACE(s.name);
    const Keys k = keys_for(s, 4);
    SkCipher c(s.encr, s.bits, s.integ, k.enc, k.integ);
    const Bytes plain = pattern(37, 9);
    const Bytes prefix = prefix_for(c.body_len(plain.size()));
    const Bytes body = c.protect(prefix, plain);
    ASSERT_EQ(c.unprotect(prefix, body), plain);
    for (size_t i = 0; i < prefix.size(); ++i) {  // AAD / integrity-covered header
      Bytes p = prefix;
      p[i] ^= 0x80;
      EXPECT_EQ(c.unprotect(p, body), std::nullopt) << "prefix byte " << i;
    }
    for (size_t i = 0; i < body.size(); ++i) {  // IV, ciphertext, ICV
      for (int flip : {0x01, 0x80}) {
        Bytes b = body;
        b[i] = static_cast<uint8_t>(b[i] ^ flip);
        std::string why;
        EXPECT_EQ(c.unprotect(prefix, b, &why), std::nullopt) << "body byte " << i;
        EXPECT_NE(why.find("ICV mismatch"), std::string::npos) << why;
      }
    }
  }
}

TEST(IkeSk, WrongKeysAreRejected) {
  for (const auto &s : kSuites) {
    SCOPED_TRACE(s.name);
    const Keys k = keys_for(s, 5);
    SkCipher c(s.encr, s.bits, s.integ, k.enc, k.integ);
    const Bytes plain = pattern(20, 1);
    const Bytes prefix = prefix_for(c.body_len(plain.size()));
    const Bytes body = c.protect(prefix, plain);
    Keys other = k;
    other.enc.back() ^= 1;  // GCM: the salt; CBC: the key
    const auto wrong = SkCipher(s.encr, s.bits, s.integ, other.enc, other.integ).unprotect(prefix, body);
    if (s.encr == EncrId::AesGcm16) {
      EXPECT_EQ(wrong, std::nullopt);
    } else {
      // The HMAC does not cover the encryption key: CBC decrypts to garbage,
      // which the Pad Length check may or may not catch.
      EXPECT_NE(wrong, std::optional<Bytes>(plain));
    }
    if (!other.integ.empty()) {
      other = k;
      other.integ[0] ^= 1;
      EXPECT_EQ(SkCipher(s.encr, s.bits, s.integ, other.enc, other.integ).unprotect(prefix, body), std::nullopt);
    }
  }
}

TEST(IkeSk, FreshIvEachMessage) {
  for (const auto &s : kSuites) {
    const Keys k = keys_for(s, 6);
    SkCipher c(s.encr, s.bits, s.integ, k.enc, k.integ);
    const Bytes prefix = prefix_for(c.body_len(10));
    const Bytes a = c.protect(prefix, Bytes(10, 0)), b = c.protect(prefix, Bytes(10, 0));
    EXPECT_NE(Bytes(a.begin(), a.begin() + c.iv_len()), Bytes(b.begin(), b.begin() + c.iv_len())) << s.name;
    EXPECT_NE(a, b);
  }
}

TEST(IkeSk, MalformedInputsGetAReason) {
  const Suite &cbc = kSuites[2];
  const Keys k = keys_for(cbc, 7);
  SkCipher c(cbc.encr, cbc.bits, cbc.integ, k.enc, k.integ);
  const Bytes prefix = prefix_for(c.body_len(5));
  const Bytes body = c.protect(prefix, Bytes(5, 1));
  std::string why;
  EXPECT_EQ(c.unprotect(prefix, Bytes(body.begin(), body.begin() + 20), &why), std::nullopt);
  EXPECT_NE(why.find("too short"), std::string::npos) << why;
  Bytes odd = body;
  odd.insert(odd.begin() + 20, 0);
  EXPECT_EQ(c.unprotect(prefix_for(odd.size()), odd, &why), std::nullopt);
  EXPECT_NE(why.find("blocks"), std::string::npos) << why;
  EXPECT_EQ(c.unprotect(Bytes(10, 0), body, &why), std::nullopt);
  EXPECT_NE(why.find("shorter"), std::string::npos) << why;
  EXPECT_EQ(c.unprotect(prefix, Bytes(), &why), std::nullopt);
  EXPECT_EQ(c.unprotect(ByteView(), ByteView(), &why), std::nullopt);
  // protect refuses a prefix whose lengths do not count the body.
  EXPECT_THROW(c.protect(prefix_for(c.body_len(5) + 1), Bytes(5, 1)), CryptoError);
  EXPECT_THROW(c.protect_with_iv(prefix, Bytes(5, 1), Bytes(8, 0)), CryptoError);  // CBC IV is 16 bytes
}

TEST(IkeSk, BadConstructionIsRefused) {
  const Bytes k20(20, 1), k16(16, 1), k32(32, 1);
  EXPECT_THROW(SkCipher(EncrId::AesGcm16, 128, IntegId::HmacSha256_128, k20, k32), CryptoError);
  EXPECT_THROW(SkCipher(EncrId::AesCbc, 128, IntegId::None, k16, Bytes()), CryptoError);
  EXPECT_THROW(SkCipher(EncrId::AesGcm16, 128, IntegId::None, k16, Bytes()), CryptoError);  // no salt
  EXPECT_THROW(SkCipher(EncrId::AesCbc, 128, IntegId::HmacSha256_128, k16, k16), CryptoError);
  EXPECT_THROW(SkCipher(EncrId::AesCbc, 192, IntegId::HmacSha256_128, Bytes(24, 1), k32), CryptoError);
  EXPECT_THROW(SkCipher(EncrId::NullAuthAesGmac, 128, IntegId::None, k20, Bytes()), CryptoError);
}

// AES-GCM straight from OpenSSL, for framing the library did not build.
Bytes gcm_seal(const Bytes &key_salt, const Bytes &iv, const Bytes &aad, const Bytes &inner) {
  const size_t klen = key_salt.size() - 4;
  Bytes nonce(key_salt.end() - 4, key_salt.end());
  nonce.insert(nonce.end(), iv.begin(), iv.end());
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  Bytes out(iv);
  out.resize(iv.size() + inner.size() + 16);
  int len = 0;
  EXPECT_EQ(EVP_EncryptInit_ex(ctx, klen == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm(), nullptr, key_salt.data(),
                               nonce.data()),
            1);
  EXPECT_EQ(EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())), 1);
  EXPECT_EQ(EVP_EncryptUpdate(ctx, out.data() + iv.size(), &len, inner.data(), static_cast<int>(inner.size())), 1);
  EXPECT_EQ(EVP_EncryptFinal_ex(ctx, out.data() + iv.size() + inner.size(), &len), 1);
  EXPECT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out.data() + iv.size() + inner.size()), 1);
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

TEST(IkeSk, GcmFramingMatchesPlainAesGcm) {
  for (unsigned bits : {128u, 256u}) {
    const Bytes ks = pattern(bits / 8 + 4, 0x33);
    SkCipher c(EncrId::AesGcm16, bits, IntegId::None, ks, Bytes());
    const Bytes iv = pattern(8, 0x70), payload = pattern(23, 0x01);
    // Ours against OpenSSL's: inner = payload | Pad Length 0.
    Bytes inner = payload;
    inner.push_back(0);
    const Bytes prefix = prefix_for(8 + inner.size() + 16);
    EXPECT_EQ(c.protect_with_iv(prefix, payload, iv), gcm_seal(ks, iv, prefix, inner));
    // A peer's padding (any content, RFC 7296 3.14) is accepted and removed.
    Bytes padded = payload;
    for (int i = 0; i < 5; ++i) padded.push_back(0xab);
    padded.push_back(5);
    const Bytes p2 = prefix_for(8 + padded.size() + 16);
    EXPECT_EQ(c.unprotect(p2, gcm_seal(ks, iv, p2, padded)), payload);
    // Only padding: no inner payloads.
    const Bytes just = {3, 3, 3, 3};
    const Bytes p3 = prefix_for(8 + just.size() + 16);
    EXPECT_EQ(c.unprotect(p3, gcm_seal(ks, iv, p3, just)), Bytes());
    // A Pad Length beyond the data is refused.
    const Bytes over = {1, 2, 3, 4};  // 4 bytes of padding + Pad Length do not fit in 4
    std::string why;
    EXPECT_EQ(c.unprotect(p3, gcm_seal(ks, iv, p3, over), &why), std::nullopt);
    EXPECT_NE(why.find("Pad Length"), std::string::npos) << why;
  }
}

}  // namespace

namespace {

// Arbitrary bytes from the wire: unprotect answers nullopt (or, for CBC, what
// a matching ICV would allow: nothing here) and never reads out of bounds
// (the sanitizer build checks the latter).
TEST(IkeSk, ArbitraryInputNeverCrashes) {
  uint32_t x = 12345;
  auto next = [&x] {
    x = x * 1103515245u + 12345u;
    return static_cast<uint8_t>(x >> 16);
  };
  for (const auto &s : kSuites) {
    const Keys k = keys_for(s, 9);
    const SkCipher c(s.encr, s.bits, s.integ, k.enc, k.integ);
    for (int iter = 0; iter < 300; ++iter) {
      Bytes body(next() % 120);
      for (auto &b : body) b = next();
      // Half the time the prefix's lengths agree with the body, so the
      // checks past the length checks run too.
      Bytes prefix = iter % 2 ? prefix_for(body.size()) : Bytes(next() % 40);
      EXPECT_EQ(c.unprotect(prefix, body), std::nullopt);
    }
  }
}

}  // namespace
