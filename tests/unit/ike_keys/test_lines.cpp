// The lines of ikev2_decryption_table and esp_sa, field by field, with the
// algorithm names Wireshark 4.0 carries (checked in libwireshark's strings:
// packet-isakmp.c / packet-esp.c), and the refusals.
#include <gtest/gtest.h>

#include <string>

#include "esp/ike/wireshark_keys.hpp"

namespace esp::ike {
namespace {

SecretBytes filled(size_t n, uint8_t start) {
  SecretBytes s(n);
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<uint8_t>(start + i);
  return s;
}

std::string text(const SecretBytes &s) { return std::string(s.data(), s.data() + s.size()); }

std::string hexs(size_t n, uint8_t start) { return to_hex(filled(n, start).expose()); }

struct IkeCase {
  EncrId encr;
  unsigned bits;
  IntegId integ;
  const char *encr_name;
  const char *integ_name;
  size_t ek, ak;
};

TEST(Ikev2Line, FieldsAndNames) {
  const IkeCase cases[] = {
      {EncrId::AesGcm16, 128, IntegId::None, "AES-GCM-128 with 16 octet ICV [RFC5282]", "NONE [RFC4306]", 20, 0},
      {EncrId::AesGcm16, 256, IntegId::None, "AES-GCM-256 with 16 octet ICV [RFC5282]", "NONE [RFC4306]", 36, 0},
      {EncrId::AesCbc, 128, IntegId::HmacSha256_128, "AES-CBC-128 [RFC3602]", "HMAC_SHA2_256_128 [RFC4868]", 16, 32},
      {EncrId::AesCbc, 256, IntegId::HmacSha256_128, "AES-CBC-256 [RFC3602]", "HMAC_SHA2_256_128 [RFC4868]", 32, 32},
      {EncrId::AesCbc, 256, IntegId::HmacSha384_192, "AES-CBC-256 [RFC3602]", "HMAC_SHA2_384_192 [RFC4868]", 32, 48},
      {EncrId::AesCbc, 256, IntegId::HmacSha512_256, "AES-CBC-256 [RFC3602]", "HMAC_SHA2_512_256 [RFC4868]", 32, 64},
  };
  for (const auto &c : cases) {
    IkeSuite s;
    s.encr = c.encr, s.encr_key_bits = c.bits, s.integ = c.integ;
    IkeSaKeys k;
    k.sk_ei = filled(c.ek, 0x10), k.sk_er = filled(c.ek, 0x40);
    k.sk_ai = filled(c.ak, 0x80), k.sk_ar = filled(c.ak, 0xa0);
    const std::string want = "0001020304050607,f0e0d0c0b0a09080," + hexs(c.ek, 0x10) + "," + hexs(c.ek, 0x40) +
                             ",\"" + c.encr_name + "\"," + hexs(c.ak, 0x80) + "," + hexs(c.ak, 0xa0) + ",\"" +
                             c.integ_name + "\"\n";
    EXPECT_EQ(text(ikev2_decryption_line(0x0001020304050607ULL, 0xf0e0d0c0b0a09080ULL, s, k)), want) << c.encr_name;
  }
}

TEST(Ikev2Line, Refusals) {
  IkeSaKeys gcm;
  gcm.sk_ei = filled(36, 1), gcm.sk_er = filled(36, 2);
  IkeSuite s;
  s.encr = EncrId::AesGcm16, s.encr_key_bits = 256;
  EXPECT_NO_THROW(ikev2_decryption_line(1, 2, s, gcm));
  s.encr_key_bits = 128;  // keys too long for GCM-128
  EXPECT_THROW(ikev2_decryption_line(1, 2, s, gcm), CryptoError);
  s.encr_key_bits = 192;  // no name
  EXPECT_THROW(ikev2_decryption_line(1, 2, s, gcm), CryptoError);
  s.encr_key_bits = 256, s.integ = IntegId::HmacSha256_128;  // AEAD with integrity
  EXPECT_THROW(ikev2_decryption_line(1, 2, s, gcm), CryptoError);
  s.encr = EncrId::NullAuthAesGmac, s.integ = IntegId::None;  // not an IKE cipher
  EXPECT_THROW(ikev2_decryption_line(1, 2, s, gcm), CryptoError);
  IkeSuite cbc;
  cbc.encr = EncrId::AesCbc, cbc.encr_key_bits = 256, cbc.integ = IntegId::None;
  IkeSaKeys k;
  k.sk_ei = filled(32, 1), k.sk_er = filled(32, 2);
  EXPECT_THROW(ikev2_decryption_line(1, 2, cbc, k), CryptoError);  // CBC without integrity
  cbc.integ = IntegId::HmacSha256_128;
  k.sk_ai = filled(32, 3), k.sk_ar = filled(31, 4);
  EXPECT_THROW(ikev2_decryption_line(1, 2, cbc, k), CryptoError);  // short SK_ar
  k.sk_ar = filled(32, 4);
  EXPECT_NO_THROW(ikev2_decryption_line(1, 2, cbc, k));
}

TEST(EspSaLine, FieldsAndNames) {
  struct Case {
    Bytes src, dst;
    uint32_t spi;
    EncrId encr;
    unsigned bits;
    const char *want_prefix;
  };
  const Case cases[] = {
      {{192, 0, 2, 1}, {198, 51, 100, 7}, 0xc0ffee01, EncrId::AesGcm16, 128,
       "\"IPv4\",\"192.0.2.1\",\"198.51.100.7\",\"0xc0ffee01\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x"},
      {{192, 0, 2, 1}, {198, 51, 100, 7}, 0x1000, EncrId::AesGcm16, 256,
       "\"IPv4\",\"192.0.2.1\",\"198.51.100.7\",\"0x00001000\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x"},
      {from_hex("20010db8000000000000000000000001"), from_hex("20010db8000000000000000000000002"), 7,
       EncrId::NullAuthAesGmac, 128,
       "\"IPv6\",\"2001:db8::1\",\"2001:db8::2\",\"0x00000007\",\"AES-GMAC [RFC4543]\",\"0x"},
  };
  for (const auto &c : cases) {
    EspSaKeyRecord r;
    r.src = c.src, r.dst = c.dst, r.spi = c.spi;
    r.suite.encr = c.encr, r.suite.encr_key_bits = c.bits;
    ChildDirKeys k;
    const size_t n = c.bits / 8 + 4;
    k.encr = filled(n, 0x33);
    EXPECT_EQ(text(esp_sa_line(r, k)), std::string(c.want_prefix) + hexs(n, 0x33) + "\",\"NULL\",\"\"\n");
  }
}

TEST(EspSaLine, Refusals) {
  EspSaKeyRecord r;
  r.src = {10, 0, 0, 1}, r.dst = {10, 0, 0, 2}, r.spi = 0x100;
  ChildDirKeys k;
  k.encr = filled(20, 1);
  EXPECT_NO_THROW(esp_sa_line(r, k));
  auto bad = r;
  bad.spi = 0;
  EXPECT_THROW(esp_sa_line(bad, k), CryptoError);
  bad = r, bad.dst = from_hex("20010db8000000000000000000000002");  // mixed families
  EXPECT_THROW(esp_sa_line(bad, k), CryptoError);
  bad = r, bad.src = {10, 0, 0};
  EXPECT_THROW(esp_sa_line(bad, k), CryptoError);
  bad = r, bad.suite.encr = EncrId::AesCbc, bad.suite.integ = IntegId::HmacSha256_128;
  EXPECT_THROW(esp_sa_line(bad, k), CryptoError);
  bad = r, bad.suite.encr_key_bits = 256;  // 20-byte key for AES-256
  EXPECT_THROW(esp_sa_line(bad, k), CryptoError);
  ChildDirKeys with_integ;
  with_integ.encr = filled(20, 1), with_integ.integ = filled(32, 2);
  EXPECT_THROW(esp_sa_line(r, with_integ), CryptoError);
}

}  // namespace
}  // namespace esp::ike
