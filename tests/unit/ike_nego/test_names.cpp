// Names for listings, as strongSwan prints them (its transform enum names;
// "selected proposal: IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/
// MODP_2048" in charon's log), and checked against the strings of the
// installed libstrongswan (Debian's strongSwan, a dependency of the tests,
// scripts/deps.sh).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "esp/ike/proposals.hpp"

namespace esp::ike {
namespace {

struct Name {
  std::string ours;
  const char* want;
};

std::vector<Name> all_names() {
  return {
      {encr_name(EncrId::AesGcm16), "AES_GCM_16"},
      {encr_name(EncrId::AesCbc), "AES_CBC"},
      {encr_name(EncrId::NullAuthAesGmac), "NULL_AES_GMAC"},
      {integ_name(IntegId::HmacSha256_128), "HMAC_SHA2_256_128"},
      {integ_name(IntegId::HmacSha384_192), "HMAC_SHA2_384_192"},
      {integ_name(IntegId::HmacSha512_256), "HMAC_SHA2_512_256"},
      {prf_name(PrfId::HmacSha256), "PRF_HMAC_SHA2_256"},
      {prf_name(PrfId::HmacSha384), "PRF_HMAC_SHA2_384"},
      {prf_name(PrfId::HmacSha512), "PRF_HMAC_SHA2_512"},
      {prf_name(PrfId::Aes128Xcbc), "PRF_AES128_XCBC"},
      {dh_name(DhGroup::Modp2048), "MODP_2048"},
      {dh_name(DhGroup::Modp3072), "MODP_3072"},
      {dh_name(DhGroup::Ecp256), "ECP_256"},
      {dh_name(DhGroup::Ecp384), "ECP_384"},
      {dh_name(DhGroup::Ecp521), "ECP_521"},
      {dh_name(DhGroup::Curve25519), "CURVE_25519"},
  };
}

TEST(Names, StrongSwanEnumNames) {
  for (const auto& n : all_names()) EXPECT_EQ(n.ours, n.want);
  EXPECT_EQ(integ_name(IntegId::None), "NONE");
  EXPECT_EQ(dh_name(static_cast<DhGroup>(22)), "UNKNOWN_22");
  EXPECT_EQ(encr_name(static_cast<EncrId>(3)), "UNKNOWN_3");
}

TEST(Names, ChosenPrintsLikeStrongSwan) {
  Chosen gcm;
  gcm.encr = EncrId::AesGcm16;
  gcm.key_bits = 256;
  gcm.prf = PrfId::HmacSha384;
  gcm.dh = DhGroup::Ecp384;
  EXPECT_EQ(gcm.str(), "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384");
  Chosen cbc;
  cbc.encr = EncrId::AesCbc;
  cbc.key_bits = 128;
  cbc.integ = IntegId::HmacSha256_128;
  cbc.prf = PrfId::HmacSha256;
  cbc.dh = DhGroup::Modp2048;
  EXPECT_EQ(cbc.str(), "AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
  Chosen child;
  child.protocol = ProtocolId::ESP;
  child.encr = EncrId::AesGcm16;
  child.key_bits = 128;
  child.dh = DhGroup::Curve25519;
  child.esn = true;
  EXPECT_EQ(child.str(), "AES_GCM_16_128/CURVE_25519/EXT_SEQ");
}

// Every name is one libstrongswan carries (NUL-terminated in its rodata).
TEST(Names, PresentInLibstrongswan) {
  const char* path = "/usr/lib/ipsec/libstrongswan.so.0";
  std::ifstream f(path, std::ios::binary);
  ASSERT_TRUE(f) << path << " missing: install strongSwan (scripts/deps.sh)";
  std::string blob((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto has = [&](const std::string& s) { return blob.find(s + '\0') != std::string::npos; };
  for (const auto& n : all_names()) EXPECT_TRUE(has(n.want)) << n.want;
  EXPECT_TRUE(has("NO_EXT_SEQ"));
  EXPECT_TRUE(has("EXT_SEQ"));
  EXPECT_FALSE(has("AES_GCM_16_NOT_A_NAME"));  // the check can fail
}

}  // namespace
}  // namespace esp::ike
