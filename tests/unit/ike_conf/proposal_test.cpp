// strongSwan proposal strings against the IANA "IKEv2 Parameters" registry:
// the expected transform IDs are typed here from the registry (RFC 7296
// 3.3.2 types: 1 ENCR, 2 PRF, 3 INTEG, 4 DH, 5 ESN), not taken from the code.
#include <gtest/gtest.h>

#include "esp/ike/proposal.hpp"

namespace esp::ike::conf {
namespace {

using T = Transform;
using V = std::vector<Transform>;

struct ProposalCase {
  const char* text;
  ProposalKind kind;
  V encr, prf, integ, dh, esn;
};

const ProposalCase kCases[] = {
    // ENCR_AES_GCM_16 = 20, PRF_HMAC_SHA2_384 = 6, ECP_384 = 20
    {"aes256gcm16-prfsha384-ecp384", ProposalKind::Ike, {{1, 20, 256}}, {{2, 6, 0}}, {}, {{4, 20, 0}}, {}},
    // PRF_HMAC_SHA2_256 = 5, Curve25519 = 31
    {"aes128gcm16-prfsha256-x25519", ProposalKind::Ike, {{1, 20, 128}}, {{2, 5, 0}}, {}, {{4, 31, 0}}, {}},
    {"aes128gcm16-prfsha256-curve25519", ProposalKind::Ike, {{1, 20, 128}}, {{2, 5, 0}}, {}, {{4, 31, 0}}, {}},
    // ENCR_AES_CBC = 12, AUTH_HMAC_SHA2_256_128 = 12, PRF derived = 5, MODP 2048 = 14
    {"aes256-sha256-modp2048", ProposalKind::Ike, {{1, 12, 256}}, {{2, 5, 0}}, {{3, 12, 0}}, {{4, 14, 0}}, {}},
    // AUTH_HMAC_SHA2_384_192 = 13 -> PRF 6; ECP 256 = 19, ECP 384 = 20
    {"aes128-sha384-ecp256-ecp384", ProposalKind::Ike, {{1, 12, 128}}, {{2, 6, 0}}, {{3, 13, 0}},
     {{4, 19, 0}, {4, 20, 0}}, {}},
    // AUTH_HMAC_SHA2_512_256 = 14, PRF 7, MODP 3072 = 15, ECP 521 = 21
    {"aes-sha512-prfsha512-modp3072-ecp521", ProposalKind::Ike, {{1, 12, 128}}, {{2, 7, 0}}, {{3, 14, 0}},
     {{4, 15, 0}, {4, 21, 0}}, {}},
    {"aes128-aes256-sha256-sha384-ecp256", ProposalKind::Ike, {{1, 12, 128}, {1, 12, 256}}, {{2, 5, 0}, {2, 6, 0}},
     {{3, 12, 0}, {3, 13, 0}}, {{4, 19, 0}}, {}},
    // AEAD with an integrity algorithm: the PRF comes from it, integrity dropped
    {"aes256gcm16-sha384-modp3072", ProposalKind::Ike, {{1, 20, 256}}, {{2, 6, 0}}, {}, {{4, 15, 0}}, {}},
    {"AES256GCM16-PRFSHA384-ECP384", ProposalKind::Ike, {{1, 20, 256}}, {{2, 6, 0}}, {}, {{4, 20, 0}}, {}},
    // ESP: ESN 0 = none (the default), 1 = extended
    {"aes128gcm16", ProposalKind::Esp, {{1, 20, 128}}, {}, {}, {}, {{5, 0, 0}}},
    {"aes256gcm16-esn", ProposalKind::Esp, {{1, 20, 256}}, {}, {}, {}, {{5, 1, 0}}},
    {"aes256gcm16-noesn", ProposalKind::Esp, {{1, 20, 256}}, {}, {}, {}, {{5, 0, 0}}},
    {"aes128gcm16-esn-noesn", ProposalKind::Esp, {{1, 20, 128}}, {}, {}, {}, {{5, 1, 0}, {5, 0, 0}}},
    // ENCR_NULL_AUTH_AES_GMAC = 21
    {"aes128gmac", ProposalKind::Esp, {{1, 21, 128}}, {}, {}, {}, {{5, 0, 0}}},
    // a DH group in ESP = PFS
    {"aes256gmac-esn-modp2048", ProposalKind::Esp, {{1, 21, 256}}, {}, {}, {{4, 14, 0}}, {{5, 1, 0}}},
    {"aes128gcm16-aes256gcm16-ecp256", ProposalKind::Esp, {{1, 20, 128}, {1, 20, 256}}, {}, {}, {{4, 19, 0}},
     {{5, 0, 0}}},
    {"aes128gcm128", ProposalKind::Esp, {{1, 20, 128}}, {}, {}, {}, {{5, 0, 0}}},
};

TEST(Proposal, Table) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.text);
    auto ps = parse_proposal(c.text, c.kind);
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0].encr, c.encr);
    EXPECT_EQ(ps[0].prf, c.prf);
    EXPECT_EQ(ps[0].integ, c.integ);
    EXPECT_EQ(ps[0].dh, c.dh);
    EXPECT_EQ(ps[0].esn, c.esn);
    // str() is a proposal string that parses back to the same transforms.
    auto again = parse_proposal(ps[0].str(), c.kind);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0], ps[0]) << ps[0].str();
  }
}

TEST(Proposal, MixedAeadAndClassicSplitsInTwo) {
  auto ps = parse_proposal("aes256gcm16-aes256-sha256-prfsha256-ecp256", ProposalKind::Ike);
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].encr, (V{{1, 20, 256}}));
  EXPECT_TRUE(ps[0].integ.empty());
  EXPECT_TRUE(ps[0].aead());
  EXPECT_EQ(ps[1].encr, (V{{1, 12, 256}}));
  EXPECT_EQ(ps[1].integ, (V{{3, 12, 0}}));
  EXPECT_FALSE(ps[1].aead());
  EXPECT_EQ(ps[0].dh, ps[1].dh);
}

TEST(Proposal, StrIsStrongSwanSyntax) {
  EXPECT_EQ(parse_proposal("aes256gcm16-prfsha384-ecp384", ProposalKind::Ike)[0].str(), "aes256gcm16-prfsha384-ecp384");
  EXPECT_EQ(parse_proposal("aes256-sha256-modp2048", ProposalKind::Ike)[0].str(), "aes256-sha256-prfsha256-modp2048");
  EXPECT_EQ(parse_proposal("aes128gcm16-prfsha256-x25519", ProposalKind::Ike)[0].str(),
            "aes128gcm16-prfsha256-curve25519");
  EXPECT_EQ(parse_proposal("aes256gmac-esn-modp2048", ProposalKind::Esp)[0].str(), "aes256gmac-modp2048-esn");
}

TEST(Proposal, Defaults) {
  auto ike = parse_proposals({"default"}, ProposalKind::Ike);
  ASSERT_EQ(ike.size(), 2u);
  EXPECT_TRUE(ike[0].aead());
  EXPECT_FALSE(ike[1].aead());
  for (const auto& p : ike) {
    EXPECT_FALSE(p.prf.empty());
    EXPECT_FALSE(p.dh.empty());
  }
  auto esp = parse_proposals({"default"}, ProposalKind::Esp);
  ASSERT_EQ(esp.size(), 1u);
  EXPECT_EQ(esp[0].encr, (V{{1, 20, 128}, {1, 20, 256}}));
  auto both = parse_proposals({"aes256gcm16-prfsha384-ecp384", "default"}, ProposalKind::Ike);
  EXPECT_EQ(both.size(), 3u);
}

TEST(Proposal, Refusals) {
  struct Bad {
    const char* text;
    ProposalKind kind;
    const char* names;  // what the message must contain
  } bad[] = {
      {"3des-sha1-modp1024", ProposalKind::Ike, "'3des'"},
      {"aes128-sha1-modp2048", ProposalKind::Ike, "'sha1'"},
      {"aes128-sha256-modp1024", ProposalKind::Ike, "'modp1024'"},
      {"aes128-sha256-modp4096", ProposalKind::Ike, "'modp4096'"},
      {"chacha20poly1305-prfsha256-x25519", ProposalKind::Ike, "'chacha20poly1305'"},
      {"chacha20poly1305", ProposalKind::Esp, "'chacha20poly1305'"},
      {"aes192-sha256-modp2048", ProposalKind::Ike, "'aes192'"},
      {"aes128gcm8-prfsha256-ecp256", ProposalKind::Ike, "'aes128gcm8'"},
      {"aes128-sha256-curve448", ProposalKind::Ike, "'curve448'"},
      {"aes128-sha256-prfsha1-ecp256", ProposalKind::Ike, "'prfsha1'"},
      {"aes128-sha256", ProposalKind::Ike, "no DH group"},
      {"sha256-ecp256", ProposalKind::Ike, "no encryption"},
      {"aes128-ecp256", ProposalKind::Ike, "without an integrity"},
      {"aes128gcm16-ecp256", ProposalKind::Ike, "needs a PRF"},
      {"aes128gmac-prfsha256-ecp256", ProposalKind::Ike, "'aes128gmac'"},
      {"aes128gcm16-prfsha256-ecp256-esn", ProposalKind::Ike, "'esn'"},
      {"aes128-sha256", ProposalKind::Esp, "'aes128'"},
      {"aes128gcm16-prfsha256", ProposalKind::Esp, "'prfsha256'"},
      {"esn", ProposalKind::Esp, "no AES-GCM"},
      {"aes128gcm16--esn", ProposalKind::Esp, "empty algorithm"},
      {"aes128gcm16-esn-", ProposalKind::Esp, "empty algorithm"},
      {"aes128gcm16-default", ProposalKind::Esp, "'default'"},
      {"aes128gcm16-foo", ProposalKind::Esp, "unknown algorithm 'foo'"},
      {"aes128gcm16-prfsha256-ecp256!", ProposalKind::Ike, "'ecp256!'"},
      {"", ProposalKind::Esp, "empty"},
  };
  for (const auto& b : bad) {
    try {
      parse_proposal(b.text, b.kind);
      ADD_FAILURE() << "accepted " << b.text;
    } catch (const ProposalError& e) {
      EXPECT_NE(std::string(e.what()).find(b.names), std::string::npos) << b.text << ": " << e.what();
    }
  }
  EXPECT_THROW(parse_proposals({}, ProposalKind::Esp), ProposalError);
}

}  // namespace
}  // namespace esp::ike::conf
