// IKE SA keys (RFC 7296 2.14, 2.18), CHILD_SA KEYMAT (2.17) and PSK AUTH
// (2.15): layout and lengths per negotiated suite, built from single prf /
// prf+ calls. The values themselves are cross-checked against
// python3-cryptography in crosscheck.py.
#include "esp/ike/auth.hpp"
#include "esp/ike/ike_keys.hpp"
#include "esp/ike/prf.hpp"

#include <gtest/gtest.h>

#include <cstring>

using namespace esp::ike;

namespace {

Bytes key_pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed * 13 + i);
  return b;
}

struct IkeCase {
  const char *name;  // strongSwan proposal
  IkeSuite suite;
  size_t d_len, a_len, e_len;
};

const IkeCase kIkeCases[] = {
    {"aes128gcm16-prfsha256", {EncrId::AesGcm16, 128, IntegId::None, PrfId::HmacSha256}, 32, 0, 20},
    {"aes256gcm16-prfsha384", {EncrId::AesGcm16, 256, IntegId::None, PrfId::HmacSha384}, 48, 0, 36},
    {"aes128-sha256-prfsha256", {EncrId::AesCbc, 128, IntegId::HmacSha256_128, PrfId::HmacSha256}, 32, 32, 16},
    {"aes256-sha384-prfsha384", {EncrId::AesCbc, 256, IntegId::HmacSha384_192, PrfId::HmacSha384}, 48, 48, 32},
    {"aes256-sha512-prfsha512", {EncrId::AesCbc, 256, IntegId::HmacSha512_256, PrfId::HmacSha512}, 64, 64, 32},
    {"aes128-sha512-prfsha256", {EncrId::AesCbc, 128, IntegId::HmacSha512_256, PrfId::HmacSha256}, 32, 64, 16},
};

TEST(IkeKeys, IkeSaKeysAreConsecutivePrfPlusOutput) {
  const Bytes ni = key_pattern(32, 1), nr = key_pattern(48, 2), gir = key_pattern(256, 3);
  const Bytes spii = key_pattern(8, 4), spir = key_pattern(8, 5);
  for (const auto &c : kIkeCases) {
    SCOPED_TRACE(c.name);
    const PrfId p = c.suite.prf;
    const SecretBytes seed = skeyseed(p, ni, nr, gir);
    EXPECT_EQ(seed.expose(), prf(p, concat({ni, nr}), gir).expose());
    const IkeSaKeys k = derive_ike_sa_keys(c.suite, seed, ni, nr, spii, spir);
    const size_t total = 3 * c.d_len + 2 * c.a_len + 2 * c.e_len;
    const Bytes stream = prf_plus(p, seed, concat({ni, nr, spii, spir}), total).expose();
    const Bytes got = concat({k.sk_d, k.sk_ai, k.sk_ar, k.sk_ei, k.sk_er, k.sk_pi, k.sk_pr});
    EXPECT_EQ(got, stream);
    EXPECT_EQ(k.sk_d.size(), c.d_len);
    EXPECT_EQ(k.sk_ai.size(), c.a_len);
    EXPECT_EQ(k.sk_er.size(), c.e_len);
    EXPECT_EQ(k.sk_pr.size(), c.d_len);
    EXPECT_NE(k.sk_ei.expose(), k.sk_er.expose());
  }
}

TEST(IkeKeys, XcbcSkeyseedKeysWithEightBytesOfEachNonce) {
  const Bytes ni = key_pattern(32, 1), nr = key_pattern(20, 2), gir = key_pattern(32, 3);
  const Bytes key = concat({ByteView(ni.data(), 8), ByteView(nr.data(), 8)});
  EXPECT_EQ(skeyseed(PrfId::Aes128Xcbc, ni, nr, gir).expose(), prf(PrfId::Aes128Xcbc, key, gir).expose());
  EXPECT_THROW(skeyseed(PrfId::Aes128Xcbc, key_pattern(7, 1), nr, gir), CryptoError);
  const IkeSuite s{EncrId::AesCbc, 128, IntegId::HmacSha256_128, PrfId::Aes128Xcbc};
  const IkeSaKeys k = derive_ike_sa_keys(s, skeyseed(PrfId::Aes128Xcbc, ni, nr, gir), ni, nr, key_pattern(8, 4),
                                         key_pattern(8, 5));
  EXPECT_EQ(k.sk_d.size(), 16u);
  EXPECT_EQ(k.sk_pr.size(), 16u);
}

TEST(IkeKeys, RekeySkeyseedUsesOldSkdAndNewSecret) {
  const Bytes old_skd = key_pattern(48, 7), gir = key_pattern(97, 8), ni = key_pattern(16, 9), nr = key_pattern(24, 10);
  EXPECT_EQ(skeyseed_rekey(PrfId::HmacSha384, old_skd, gir, ni, nr).expose(),
            prf(PrfId::HmacSha384, old_skd, concat({gir, ni, nr})).expose());
  EXPECT_NE(skeyseed_rekey(PrfId::HmacSha384, old_skd, gir, ni, nr).expose(),
            skeyseed_rekey(PrfId::HmacSha384, old_skd, gir, nr, ni).expose());
}

TEST(IkeKeys, BadIkeInputsAreRefused) {
  const Bytes n = key_pattern(16, 1), spi = key_pattern(8, 2), seed = key_pattern(32, 3);
  const IkeSuite gcm_with_integ{EncrId::AesGcm16, 128, IntegId::HmacSha256_128, PrfId::HmacSha256};
  const IkeSuite cbc_without{EncrId::AesCbc, 128, IntegId::None, PrfId::HmacSha256};
  const IkeSuite gmac{EncrId::NullAuthAesGmac, 128, IntegId::None, PrfId::HmacSha256};
  const IkeSuite ok{};
  EXPECT_THROW(derive_ike_sa_keys(gcm_with_integ, seed, n, n, spi, spi), CryptoError);
  EXPECT_THROW(derive_ike_sa_keys(cbc_without, seed, n, n, spi, spi), CryptoError);
  EXPECT_THROW(derive_ike_sa_keys(gmac, seed, n, n, spi, spi), CryptoError);
  EXPECT_THROW(derive_ike_sa_keys(ok, seed, n, n, key_pattern(4, 1), spi), CryptoError);
  EXPECT_THROW(skeyseed(PrfId::HmacSha256, Bytes(), n, seed), CryptoError);
  EXPECT_NO_THROW(derive_ike_sa_keys(ok, seed, n, n, spi, spi));
}

struct ChildCase {
  const char *name;  // strongSwan esp_proposal
  ChildSuite suite;
  size_t e_len, a_len;
};

const ChildCase kChildCases[] = {
    {"aes128gcm16", {EncrId::AesGcm16, 128, IntegId::None}, 20, 0},
    {"aes256gcm16", {EncrId::AesGcm16, 256, IntegId::None}, 36, 0},
    {"aes128gmac", {EncrId::NullAuthAesGmac, 128, IntegId::None}, 20, 0},
    {"aes256gmac", {EncrId::NullAuthAesGmac, 256, IntegId::None}, 36, 0},
    {"aes256-sha256", {EncrId::AesCbc, 256, IntegId::HmacSha256_128}, 32, 32},
};

TEST(IkeKeys, ChildKeymatOrderAndPfs) {
  const Bytes skd = key_pattern(32, 11), ni = key_pattern(32, 12), nr = key_pattern(32, 13), gir = key_pattern(32, 14);
  for (const auto &c : kChildCases) {
    SCOPED_TRACE(c.name);
    for (bool pfs : {false, true}) {
      const auto k = pfs ? derive_child_sa_keys(PrfId::HmacSha256, c.suite, skd, ni, nr, ByteView(gir))
                         : derive_child_sa_keys(PrfId::HmacSha256, c.suite, skd, ni, nr);
      const Bytes seed = pfs ? concat({gir, ni, nr}) : concat({ni, nr});
      const Bytes want = prf_plus(PrfId::HmacSha256, skd, seed, 2 * (c.e_len + c.a_len)).expose();
      EXPECT_EQ(concat({k.i_to_r.encr, k.i_to_r.integ, k.r_to_i.encr, k.r_to_i.integ}), want);
      EXPECT_EQ(k.i_to_r.encr.size(), c.e_len);
      EXPECT_EQ(k.r_to_i.integ.size(), c.a_len);
    }
    EXPECT_NE(derive_child_sa_keys(PrfId::HmacSha256, c.suite, skd, ni, nr).i_to_r.encr.expose(),
              derive_child_sa_keys(PrfId::HmacSha256, c.suite, skd, ni, nr, ByteView(gir)).i_to_r.encr.expose());
  }
  EXPECT_THROW(derive_child_sa_keys(PrfId::HmacSha256, {EncrId::AesGcm16, 128, IntegId::HmacSha256_128}, skd, ni, nr),
               CryptoError);
  EXPECT_THROW(derive_child_sa_keys(PrfId::HmacSha256, {EncrId::AesGcm16, 192, IntegId::None}, skd, ni, nr),
               CryptoError);
}

TEST(IkeAuth, PskAuthIsTheKeyPadConstruction) {
  const Bytes msg = key_pattern(300, 20), nonce = key_pattern(32, 21), skp = key_pattern(32, 22);
  // ID payload data: ID_FQDN (2), 3 reserved bytes, "moon.strongswan.org".
  Bytes id = {2, 0, 0, 0};
  const char *fqdn = "moon.strongswan.org";
  id.insert(id.end(), fqdn, fqdn + std::strlen(fqdn));
  const Bytes octets = auth_signed_octets(PrfId::HmacSha256, msg, nonce, skp, id);
  EXPECT_EQ(octets, concat({msg, nonce, prf(PrfId::HmacSha256, skp, id)}));

  const std::string psk_s = "This is a strong password";
  const Bytes psk(psk_s.begin(), psk_s.end());
  const std::string pad_s = "Key Pad for IKEv2";
  const Bytes pad(pad_s.begin(), pad_s.end());
  for (PrfId p : {PrfId::HmacSha256, PrfId::HmacSha384, PrfId::HmacSha512}) {
    const Bytes auth = psk_auth(p, psk, octets);
    EXPECT_EQ(auth, prf(p, prf(p, psk, pad), octets).expose());
    EXPECT_TRUE(psk_auth_verify(p, psk, octets, auth));
    for (size_t i = 0; i < auth.size(); ++i) {
      Bytes bad = auth;
      bad[i] ^= 0x04;
      EXPECT_FALSE(psk_auth_verify(p, psk, octets, bad)) << i;
    }
    EXPECT_FALSE(psk_auth_verify(p, psk, octets, Bytes(auth.begin(), auth.end() - 1)));
    EXPECT_FALSE(psk_auth_verify(p, Bytes(psk.begin(), psk.end() - 1), octets, auth));
  }
  EXPECT_THROW(auth_signed_octets(PrfId::HmacSha256, msg, nonce, skp, Bytes(3, 0)), CryptoError);
}

}  // namespace
