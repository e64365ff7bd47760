// The HLS AES and GCM against OpenSSL: known answers, random inputs, calls
// split in several pieces, in-place operation, tag_equal.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <stdexcept>

#include "esp/spec/esp_spec.hpp"
#include "gcm_test_util.hpp"

using esp_test::Bytes;
using esp_test::from_hex;
using esp_test::to_hex;

namespace {

const EVP_CIPHER* gcm_cipher(size_t key_bytes) {
  return key_bytes == 16 ? EVP_aes_128_gcm() : key_bytes == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
}
const EVP_CIPHER* ecb_cipher(size_t key_bytes) {
  return key_bytes == 16 ? EVP_aes_128_ecb() : key_bytes == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb();
}

struct Ctx {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  ~Ctx() { EVP_CIPHER_CTX_free(c); }
};

void ossl_check(int rc, const char* what) {
  if (rc != 1) throw std::runtime_error(what);
}

// OpenSSL AES-GCM encryption (96-bit IV): ciphertext and 16-byte tag.
void ossl_gcm_encrypt(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& pt, Bytes& ct, uint8_t tag[16]) {
  Ctx x;
  ossl_check(EVP_EncryptInit_ex(x.c, gcm_cipher(key.size()), nullptr, key.data(), iv.data()), "init");
  int n = 0;
  if (!aad.empty()) ossl_check(EVP_EncryptUpdate(x.c, nullptr, &n, aad.data(), static_cast<int>(aad.size())), "aad");
  ct.assign(pt.size() + 16, 0);
  int len = 0;
  if (!pt.empty()) ossl_check(EVP_EncryptUpdate(x.c, ct.data(), &len, pt.data(), static_cast<int>(pt.size())), "pt");
  int fin = 0;
  ossl_check(EVP_EncryptFinal_ex(x.c, ct.data() + len, &fin), "final");
  ct.resize(static_cast<size_t>(len + fin));
  ossl_check(EVP_CIPHER_CTX_ctrl(x.c, EVP_CTRL_GCM_GET_TAG, 16, tag), "tag");
}

Bytes ossl_ecb_block(const Bytes& key, const uint8_t in[16]) {
  Ctx x;
  ossl_check(EVP_EncryptInit_ex(x.c, ecb_cipher(key.size()), nullptr, key.data(), nullptr), "ecb init");
  EVP_CIPHER_CTX_set_padding(x.c, 0);
  Bytes out(32);
  int n = 0;
  ossl_check(EVP_EncryptUpdate(x.c, out.data(), &n, in, 16), "ecb");
  out.resize(static_cast<size_t>(n));
  return out;
}

Bytes random_bytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// Split points of [0, len): every piece but the last a multiple of 16 when
// `aligned`, arbitrary otherwise.
std::vector<unsigned> random_split(std::mt19937_64& rng, unsigned len, bool aligned) {
  std::vector<unsigned> pieces;
  unsigned left = len;
  while (left > 0) {
    unsigned n = static_cast<unsigned>(rng() % (left + 1));
    if (aligned) n -= n % 16;
    if (n == 0 || rng() % 4 == 0) n = left;  // often end in one go
    if (aligned && n != left && n % 16 != 0) n = left;
    pieces.push_back(n);
    left -= n;
  }
  if (pieces.empty() || rng() % 3 == 0) pieces.push_back(0);  // empty calls are allowed too
  return pieces;
}

// GCM through the HLS core with the AAD and the text each given in pieces.
void hls_gcm_split(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& in, bool encrypt,
                   const std::vector<unsigned>& aad_pieces, const std::vector<unsigned>& text_pieces, Bytes& out,
                   uint8_t tag[16]) {
  esp::hls::AesKeySchedule ks;
  esp::hls::aes_expand_key(key.data(), static_cast<unsigned>(key.size()), ks);
  esp::hls::GcmState st;
  esp::hls::gcm_start(st, ks, iv.data());
  unsigned pos = 0;
  for (unsigned n : aad_pieces) {
    esp::hls::gcm_aad(st, aad.data() + pos, n);
    pos += n;
  }
  EXPECT_EQ(pos, aad.size());
  out.assign(in.size(), 0);
  pos = 0;
  for (unsigned n : text_pieces) {
    esp::hls::gcm_crypt(st, ks, encrypt, in.data() + pos, out.data() + pos, n);
    pos += n;
  }
  EXPECT_EQ(pos, in.size());
  esp::hls::gcm_finish(st, ks, tag);
}

TEST(HlsAes, Fips197AppendixC) {
  const uint8_t pt[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                          0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  const char* expect[3] = {"69c4e0d86a7b0430d8cdb78070b4c55a", "dda97ca4864cdfe06eaf70a0ec0d7191",
                           "8ea2b7ca516745bfeafc49904b496089"};
  const unsigned sizes[3] = {16, 24, 32};
  for (int k = 0; k < 3; ++k) {
    uint8_t key[32];
    for (unsigned i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i);
    esp::hls::AesKeySchedule ks;
    esp::hls::aes_expand_key(key, sizes[k], ks);
    EXPECT_EQ(ks.rounds, 6 + sizes[k] / 4);
    uint8_t out[16];
    esp::hls::aes_encrypt_block(ks, pt, out);
    EXPECT_EQ(to_hex(out, 16), expect[k]) << sizes[k] << "-byte key";
    // in place
    uint8_t io[16];
    std::memcpy(io, pt, 16);
    esp::hls::aes_encrypt_block(ks, io, io);
    EXPECT_EQ(to_hex(io, 16), expect[k]);
  }
}

TEST(HlsAes, RandomBlocksMatchOpenSsl) {
  std::mt19937_64 rng(1);
  for (size_t key_bytes : {16u, 24u, 32u}) {
    for (int i = 0; i < 300; ++i) {
      const Bytes key = random_bytes(rng, key_bytes);
      const Bytes in = random_bytes(rng, 16);
      esp::hls::AesKeySchedule ks;
      esp::hls::aes_expand_key(key.data(), static_cast<unsigned>(key_bytes), ks);
      uint8_t out[16];
      esp::hls::aes_encrypt_block(ks, in.data(), out);
      ASSERT_EQ(to_hex(out, 16), to_hex(ossl_ecb_block(key, in.data()))) << "key " << to_hex(key);
    }
  }
}

TEST(HlsGhash, TableMultiplyMatchesBitSerial) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    const esp::hls::Gf128 x = {rng(), rng()}, h = {rng(), rng()};
    esp::hls::GhashKey k;
    esp::hls::ghash_key_init(k, h);
    const esp::hls::Gf128 a = esp::hls::gf128_mul(x, h), b = esp::hls::gf128_mul_key(x, k);
    ASSERT_EQ(a.hi, b.hi);
    ASSERT_EQ(a.lo, b.lo);
  }
  // the multiplicative identity is the block 0x80 00 .. 00 (x^0)
  const esp::hls::Gf128 one = {0x8000000000000000ull, 0}, h = {0x0123456789abcdefull, 0xfedcba9876543210ull};
  const esp::hls::Gf128 p = esp::hls::gf128_mul(one, h);
  EXPECT_EQ(p.hi, h.hi);
  EXPECT_EQ(p.lo, h.lo);
}

TEST(HlsGcm, Sp80038dTestCase4) {
  // GCM spec (McGrew/Viega) test case 4: AES-128, 60-byte text, 20-byte AAD.
  const Bytes key = from_hex("feffe9928665731c6d6a8f9467308308");
  const Bytes iv = from_hex("cafebabefacedbaddecaf888");
  const Bytes pt = from_hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657"
      "ba637b39");
  const Bytes aad = from_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  Bytes ct;
  uint8_t tag[16];
  esp_test::hls_gcm(key, iv, aad, pt, true, ct, tag);
  EXPECT_EQ(to_hex(ct),
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0a"
            "ac973d58e091");
  EXPECT_EQ(to_hex(tag, 16), "5bc94fbc3221a5db94fae95ae7121a47");
}

TEST(HlsGcm, RandomMatchesOpenSsl) {
  std::mt19937_64 rng(2024);
  int runs = 0;
  for (size_t key_bytes : {16u, 24u, 32u}) {
    for (int i = 0; i < 400; ++i) {
      const Bytes key = random_bytes(rng, key_bytes);
      const Bytes iv = random_bytes(rng, 12);
      const Bytes aad = random_bytes(rng, rng() % 301);
      const Bytes pt = random_bytes(rng, rng() % 301);
      Bytes ref_ct;
      uint8_t ref_tag[16];
      ossl_gcm_encrypt(key, iv, aad, pt, ref_ct, ref_tag);

      // one call each
      Bytes ct;
      uint8_t tag[16];
      esp_test::hls_gcm(key, iv, aad, pt, true, ct, tag);
      ASSERT_EQ(to_hex(ct), to_hex(ref_ct)) << "key " << to_hex(key) << " aad " << aad.size() << " pt " << pt.size();
      ASSERT_EQ(to_hex(tag, 16), to_hex(ref_tag, 16)) << "aad " << aad.size() << " pt " << pt.size();

      // decrypt back, verify
      Bytes back;
      uint8_t dtag[16];
      esp_test::hls_gcm(key, iv, aad, ct, false, back, dtag);
      ASSERT_EQ(back, pt);
      ASSERT_TRUE(esp::hls::tag_equal(dtag, ref_tag, 16));

      // the API's multi-call rule (pieces of multiples of 16), and arbitrary splits
      for (bool aligned : {true, false}) {
        const auto ap = random_split(rng, static_cast<unsigned>(aad.size()), aligned);
        const auto tp = random_split(rng, static_cast<unsigned>(pt.size()), aligned);
        Bytes sct;
        uint8_t stag[16];
        hls_gcm_split(key, iv, aad, pt, true, ap, tp, sct, stag);
        ASSERT_EQ(to_hex(sct), to_hex(ref_ct)) << "aligned=" << aligned;
        ASSERT_EQ(to_hex(stag, 16), to_hex(ref_tag, 16)) << "aligned=" << aligned;
        Bytes sback;
        hls_gcm_split(key, iv, aad, ct, false, ap, random_split(rng, static_cast<unsigned>(ct.size()), aligned), sback,
                      stag);
        ASSERT_EQ(sback, pt);
        ASSERT_EQ(to_hex(stag, 16), to_hex(ref_tag, 16));
      }
      ++runs;
    }
  }
  EXPECT_EQ(runs, 1200);
}

TEST(HlsGcm, InPlaceAndLongestCall) {
  std::mt19937_64 rng(7);
  for (size_t key_bytes : {16u, 32u}) {
    const Bytes key = random_bytes(rng, key_bytes);
    const Bytes iv = random_bytes(rng, 12);
    // the largest packet as text, and a GMAC-style AAD of header + packet
    const unsigned max_pkt = esp::spec::MAX_PKT_BYTES;
    for (unsigned text_len : {max_pkt, 0u}) {
      const Bytes aad = random_bytes(rng, text_len == 0 ? max_pkt + 16 : 12);
      const Bytes pt = random_bytes(rng, text_len);
      Bytes ref_ct;
      uint8_t ref_tag[16];
      ossl_gcm_encrypt(key, iv, aad, pt, ref_ct, ref_tag);

      esp::hls::AesKeySchedule ks;
      esp::hls::aes_expand_key(key.data(), static_cast<unsigned>(key_bytes), ks);
      Bytes buf = pt;
      esp::hls::GcmState st;
      esp::hls::gcm_start(st, ks, iv.data());
      esp::hls::gcm_aad(st, aad.data(), static_cast<unsigned>(aad.size()));
      esp::hls::gcm_crypt(st, ks, true, buf.data(), buf.data(), static_cast<unsigned>(buf.size()));
      uint8_t tag[16];
      esp::hls::gcm_finish(st, ks, tag);
      EXPECT_EQ(buf, ref_ct);
      EXPECT_EQ(to_hex(tag, 16), to_hex(ref_tag, 16));

      esp::hls::gcm_start(st, ks, iv.data());
      esp::hls::gcm_aad(st, aad.data(), static_cast<unsigned>(aad.size()));
      esp::hls::gcm_crypt(st, ks, false, buf.data(), buf.data(), static_cast<unsigned>(buf.size()));
      esp::hls::gcm_finish(st, ks, tag);
      EXPECT_EQ(buf, pt);
      EXPECT_TRUE(esp::hls::tag_equal(tag, ref_tag, 16));
    }
  }
}

TEST(HlsGcm, AadAfterTextIsIgnored) {
  const Bytes key(16, 0x11), iv(12, 0x22), aad(20, 0x33), pt(40, 0x44);
  Bytes ref_ct;
  uint8_t ref_tag[16];
  ossl_gcm_encrypt(key, iv, aad, pt, ref_ct, ref_tag);
  esp::hls::AesKeySchedule ks;
  esp::hls::aes_expand_key(key.data(), 16, ks);
  esp::hls::GcmState st;
  esp::hls::gcm_start(st, ks, iv.data());
  esp::hls::gcm_aad(st, aad.data(), 20);
  Bytes ct(pt.size());
  esp::hls::gcm_crypt(st, ks, true, pt.data(), ct.data(), 40);
  esp::hls::gcm_aad(st, aad.data(), 20);
  uint8_t tag[16];
  esp::hls::gcm_finish(st, ks, tag);
  EXPECT_EQ(ct, ref_ct);
  EXPECT_EQ(to_hex(tag, 16), to_hex(ref_tag, 16));
}

TEST(HlsGcm, TagEqual) {
  uint8_t a[16], b[16];
  for (unsigned i = 0; i < 16; ++i) a[i] = b[i] = static_cast<uint8_t>(0xA0 + i);
  EXPECT_TRUE(esp::hls::tag_equal(a, b, 16));
  EXPECT_TRUE(esp::hls::tag_equal(a, b, 0));
  for (unsigned n : {8u, 12u, 16u}) {
    EXPECT_TRUE(esp::hls::tag_equal(a, b, n));
    for (unsigned i = 0; i < 16; ++i) {
      for (unsigned bit = 0; bit < 8; ++bit) {
        b[i] = static_cast<uint8_t>(b[i] ^ (1u << bit));
        // a difference inside the first n bytes fails, beyond them it is not looked at
        EXPECT_EQ(esp::hls::tag_equal(a, b, n), i >= n) << "n " << n << " byte " << i << " bit " << bit;
        b[i] = static_cast<uint8_t>(b[i] ^ (1u << bit));
      }
    }
  }
  // every byte different, and only the last one
  uint8_t c[16];
  for (unsigned i = 0; i < 16; ++i) c[i] = static_cast<uint8_t>(~a[i]);
  EXPECT_FALSE(esp::hls::tag_equal(a, c, 16));
  std::memcpy(c, a, 16);
  c[15] = static_cast<uint8_t>(c[15] ^ 0x80);
  EXPECT_FALSE(esp::hls::tag_equal(a, c, 16));
  EXPECT_TRUE(esp::hls::tag_equal(a, c, 15));
}

}  // namespace
