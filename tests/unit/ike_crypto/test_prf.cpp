// HMAC-SHA2 PRFs against RFC 4231's published outputs, prf+ (RFC 7296 2.13)
// built by hand from single PRF calls, and its limits.
#include "esp/ike/prf.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace esp::ike;

namespace {

Bytes ascii(const std::string &s) { return Bytes(s.begin(), s.end()); }

struct HmacVector {
  const char *name;
  Bytes key, data;
  const char *sha256, *sha384, *sha512;
};

// RFC 4231 section 4 (test case 5, truncated output, is left out).
std::vector<HmacVector> rfc4231() {
  const Bytes aa131(131, 0xaa);
  return {
      {"tc1", Bytes(20, 0x0b), ascii("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
       "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
       "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
      {"tc2", ascii("Jefe"), ascii("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
       "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
      {"tc3", Bytes(20, 0xaa), Bytes(50, 0xdd),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
       "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
       "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
      {"tc4", from_hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), Bytes(50, 0xcd),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
       "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
       "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"},
      {"tc6", aa131, ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
       "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
       "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
      {"tc7", aa131,
       ascii("This is a test using a larger than block-size key and a larger than block-size data. The key needs "
             "to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
       "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
       "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
  };
}

TEST(IkePrf, Rfc4231Vectors) {
  for (const auto &v : rfc4231()) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(to_hex(prf(PrfId::HmacSha256, v.key, v.data)), v.sha256);
    EXPECT_EQ(to_hex(prf(PrfId::HmacSha384, v.key, v.data)), v.sha384);
    EXPECT_EQ(to_hex(prf(PrfId::HmacSha512, v.key, v.data)), v.sha512);
  }
}

// RFC 3566 test cases 1-5 (full 128-bit output, as RFC 4434's PRF) and
// RFC 4434's 10- and 18-byte keys.
TEST(IkePrf, AesXcbcVectors) {
  const Bytes k16 = from_hex("000102030405060708090a0b0c0d0e0f");
  const Bytes m32 = from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const struct {
    Bytes key;
    size_t msg_len;
    const char *out;
  } v[] = {
      {k16, 0, "75f0251d528ac01c4573dfd584d79f29"},  {k16, 3, "5b376580ae2f19afe7219ceef172756f"},
      {k16, 16, "d2a246fa349b68a79998a4394ff7a263"}, {k16, 20, "47f51b4564966215b8985c63055ed308"},
      {k16, 32, "f54f0ec8d2b9f3d36807734bd5283fd4"},
      {from_hex("00010203040506070809"), 20, "0fa087af7d866e7653434e602fdde835"},
      {from_hex("000102030405060708090a0b0c0d0e0fedcb"), 20, "8cd3c93ae598a9803006ffb67c40e9e4"},
  };
  for (const auto &t : v) {
    EXPECT_EQ(to_hex(prf(PrfId::Aes128Xcbc, t.key, ByteView(m32.data(), t.msg_len))), t.out)
        << t.key.size() << "/" << t.msg_len;
  }
  // prf+ over XCBC: T1 = prf(K, S | 0x01).
  const uint8_t one = 1;
  EXPECT_EQ(prf_plus(PrfId::Aes128Xcbc, k16, m32, 16).expose(),
            prf(PrfId::Aes128Xcbc, k16, concat({m32, ByteView(&one, 1)})).expose());
}

TEST(IkePrf, IntegrityHmacIsTheSameHmacOverConcatenatedParts) {
  const auto v = rfc4231()[0];
  const Bytes whole = hmac(IntegId::HmacSha256_128, v.key, {ByteView(v.data.data(), 3),
                                                            ByteView(v.data.data() + 3, v.data.size() - 3)});
  EXPECT_EQ(to_hex(whole), v.sha256);
  EXPECT_EQ(to_hex(hmac(IntegId::HmacSha384_192, v.key, {v.data})), v.sha384);
  EXPECT_EQ(to_hex(hmac(IntegId::HmacSha512_256, v.key, {v.data})), v.sha512);
  EXPECT_THROW(hmac(IntegId::None, v.key, {v.data}), CryptoError);
}

TEST(IkePrf, PrfPlusIsChainedPrfCalls) {
  const Bytes key = from_hex("000102030405060708090a0b0c0d0e0f");
  const Bytes seed = ascii("seed for prf+");
  for (PrfId p : {PrfId::HmacSha256, PrfId::HmacSha384, PrfId::HmacSha512}) {
    SCOPED_TRACE(static_cast<int>(p));
    // T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02), T3 = prf(K, T2 | S | 0x03)
    const uint8_t one = 1, two = 2, three = 3;
    const SecretBytes t1 = prf(p, key, concat({seed, ByteView(&one, 1)}));
    const SecretBytes t2 = prf(p, key, concat({t1, seed, ByteView(&two, 1)}));
    const SecretBytes t3 = prf(p, key, concat({t2, seed, ByteView(&three, 1)}));
    const Bytes want = concat({t1, t2, t3});
    const size_t n = prf_out_len(p);
    for (size_t len : {size_t{0}, size_t{1}, n, n + 1, 2 * n + 7, 3 * n}) {
      EXPECT_EQ(prf_plus(p, key, seed, len).expose(), Bytes(want.begin(), want.begin() + len)) << len;
    }
  }
}

TEST(IkePrf, PrfPlusStopsAt255Blocks) {
  const Bytes key(32, 1), seed(8, 2);
  EXPECT_EQ(prf_plus(PrfId::HmacSha256, key, seed, 255 * 32).size(), 255u * 32);
  EXPECT_THROW(prf_plus(PrfId::HmacSha256, key, seed, 255 * 32 + 1), CryptoError);
}

TEST(IkePrf, TransformTables) {
  EXPECT_EQ(prf_from_id(5), PrfId::HmacSha256);
  EXPECT_EQ(prf_from_id(2), std::nullopt);  // HMAC-SHA1: not ours
  EXPECT_EQ(prf_from_id(4), PrfId::Aes128Xcbc);
  EXPECT_EQ(prf_out_len(PrfId::Aes128Xcbc), 16u);
  EXPECT_TRUE(prf_fixed_key(PrfId::Aes128Xcbc));
  EXPECT_FALSE(prf_fixed_key(PrfId::HmacSha256));
  EXPECT_EQ(encr_from_id(20), EncrId::AesGcm16);
  EXPECT_EQ(encr_from_id(19), std::nullopt);  // GCM-12
  EXPECT_EQ(integ_from_id(13), IntegId::HmacSha384_192);
  EXPECT_EQ(encr_keymat_len(EncrId::AesGcm16, 128), 20u);
  EXPECT_EQ(encr_keymat_len(EncrId::AesGcm16, 256), 36u);
  EXPECT_EQ(encr_keymat_len(EncrId::NullAuthAesGmac, 256), 36u);
  EXPECT_EQ(encr_keymat_len(EncrId::AesCbc, 128), 16u);
  EXPECT_THROW(encr_keymat_len(EncrId::AesCbc, 192), CryptoError);
  EXPECT_EQ(integ_key_len(IntegId::HmacSha512_256), 64u);
  EXPECT_EQ(integ_icv_len(IntegId::HmacSha512_256), 32u);
  EXPECT_EQ(integ_icv_len(IntegId::HmacSha384_192), 24u);
  EXPECT_EQ(integ_icv_len(IntegId::HmacSha256_128), 16u);
}

}  // namespace
