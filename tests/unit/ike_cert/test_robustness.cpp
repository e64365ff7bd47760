// Malformed input never crashes and never throws where the API says it does
// not: every truncation and many bit flips of a DN and of certificates go
// through id_text / identity_of / id_matches / verify_peer; random DN texts
// either are refused with std::invalid_argument or survive
// text -> DER -> text -> DER unchanged. Deterministic (fixed seed).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "esp/ike/credentials.hpp"
#include "esp/ike/identity.hpp"
#include "swanctl_dirs.hpp"

using namespace esp::ike;
using namespace esp::ike::test;

namespace {

std::vector<Bytes> mutations(const Bytes& good, std::mt19937& rng, int flips) {
  std::vector<Bytes> out;
  for (size_t n = 0; n < good.size(); ++n) out.emplace_back(good.begin(), good.begin() + static_cast<long>(n));
  for (int i = 0; i < flips; ++i) {
    Bytes b = good;
    b[rng() % b.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    if (rng() % 3 == 0) b[rng() % b.size()] = static_cast<uint8_t>(rng());
    out.push_back(std::move(b));
  }
  return out;
}

TEST(IkeCertRobustness, MutatedDnsAndIds) {
  std::mt19937 rng(12345);
  const Bytes good = id_payload_for(conf::Identity::parse("C=CH, O=Test, OU=x\\, y, CN=Z\xc3\xbcrich, E=a@b")).data;
  const conf::Identity pattern = conf::Identity::parse("C=CH, O=*, OU=*, CN=*, E=*");
  int parsed = 0;
  for (const Bytes& b : mutations(good, rng, 3000)) {
    for (IdType t : {IdType::DER_ASN1_DN, IdType::FQDN, IdType::IPV4_ADDR, IdType::IPV6_ADDR, IdType::KEY_ID,
                     static_cast<IdType>(77)}) {
      const std::string text = id_text(t, b);
      EXPECT_FALSE(text.empty());
      (void)id_matches(pattern, t, b);
      try {
        const conf::Identity id = identity_of(t, b);
        if (t == IdType::DER_ASN1_DN) ++parsed;
        EXPECT_EQ(id.text, text);
      } catch (const std::invalid_argument&) {
        if (t == IdType::DER_ASN1_DN) {
          EXPECT_EQ(text, "(invalid ID_DER_ASN1_DN)");
        }
      }
    }
  }
  EXPECT_GT(parsed, 0);  // some mutations are still DNs (values changed)
}

TEST(IkeCertRobustness, RandomDnTextsRoundTripOrAreRefused) {
  std::mt19937 rng(777);
  const std::string alphabet[] = {"C", "CN", "O", "OU", "E", "DC", "2.5.4.97", "XX", "=", "=", ",", ", ", "/",
                                  "\\", " ", "*", "a", "Bc", "@", ".", "\xc3\xbc", "\xff", "_", "+", "1"};
  const size_t na = sizeof alphabet / sizeof alphabet[0];
  int accepted = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string t;
    if (i % 2) {  // anything
      const size_t len = 1 + rng() % 14;
      for (size_t k = 0; k < len; ++k) t += alphabet[rng() % na];
    } else {  // attribute=value pairs with awkward values
      static const char* keys[] = {"C", "cn", "O", "OU", "E", "DC", "2.5.4.97", "serialNumber", "UID", "street"};
      static const char* seps[] = {", ", ",", "/", " , "};
      const size_t n = 1 + rng() % 4;
      for (size_t k = 0; k < n; ++k) {
        if (k || rng() % 4 == 0) t += seps[rng() % 4];
        t += keys[rng() % 10];
        t += rng() % 3 ? "=" : " = ";
        const size_t vl = 1 + rng() % 5;
        for (size_t m = 0; m < vl; ++m) {
          for (char c : alphabet[10 + rng() % (na - 10)]) {
            if (c == '/' || c == ',' || c == '\\') t += '\\';
            t += c;
          }
        }
      }
    }
    conf::Identity id;  // taken as a DN whatever it looks like
    id.type = conf::Identity::Type::Dn;
    id.value = id.text = t;
    Bytes der;
    try {
      der = id_payload_for(id).data;
    } catch (const std::invalid_argument&) {
      continue;
    }
    ++accepted;
    const std::string printed = id_text(IdType::DER_ASN1_DN, der);
    SCOPED_TRACE(t + " -> " + printed);
    conf::Identity again;
    again.type = conf::Identity::Type::Dn;
    again.value = again.text = printed;
    EXPECT_EQ(id_payload_for(again).data, der);
    if (printed.find('*') == std::string::npos) {
      EXPECT_EQ(id_match(again, IdType::DER_ASN1_DN, der), kIdMatchPerfect);
    } else {
      EXPECT_GT(id_match(again, IdType::DER_ASN1_DN, der), kIdMatchNone);
    }
  }
  EXPECT_GT(accepted, 100);
}

TEST(IkeCertRobustness, MutatedCertificatesAreRefusedCleanly) {
  std::mt19937 rng(4242);
  TempDir d;
  gateway_dir(d);
  const conf::Config cfg = config(kSunSecret);
  const CredentialStore s = CredentialStore::load(d.path(), cfg);
  const Bytes moon = Pki::get().der("moon");
  const IdData id = id_payload_for(conf::Identity::parse("moon.example.com"));
  const int64_t now = validity(moon).first + 60;
  ASSERT_TRUE(s.verify_peer({moon}, id.type, id.data, conf::AuthConfig{}, now).ok);
  int refused = 0;
  std::vector<Bytes> all = mutations(moon, rng, 400);
  for (size_t i = 0; i < all.size(); i += (i < moon.size() ? 13 : 1)) {
    const PeerVerdict v = s.verify_peer({all[i]}, id.type, id.data, conf::AuthConfig{}, now);
    if (!v.ok) {
      ++refused;
      EXPECT_FALSE(v.why.empty());
    }
    // A mutation that still verifies can only be one the signature does not
    // cover (outside tbsCertificate and the signature value).
    (void)s.verify_peer({moon, all[i]}, id.type, id.data, conf::AuthConfig{}, now);
  }
  EXPECT_GT(refused, 300);
}

}  // namespace
