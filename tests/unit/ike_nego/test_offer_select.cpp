// Our SA offers and the responder's choice, against RFC 7296 3.3 and the
// behaviour strongSwan documents for its proposals (prefer_configured_
// proposals: our order wins; key lengths must be equal; ESP ESN/PFS rules).
#include <gtest/gtest.h>

#include "esp/ike/proposals.hpp"
#include "nego_test_util.hpp"

namespace esp::ike {
namespace {

using namespace test;

// Transforms of a msg Proposal as (type, id, key bits) for comparison.
std::vector<std::tuple<int, int, int>> flat(const Proposal& p) {
  std::vector<std::tuple<int, int, int>> out;
  for (const auto& t : p.transforms) out.emplace_back(static_cast<int>(t.type), t.id, t.key_length().value_or(0));
  return out;
}
std::vector<std::tuple<int, int, int>> flat(std::initializer_list<T> ts) {
  std::vector<std::tuple<int, int, int>> out;
  for (const T& t : ts) out.emplace_back(t.type, t.id, t.key_bits);
  return out;
}

TEST(Offer, IkeProposalsNumberedWithAllChoices) {
  SaPayload o = make_offer(ike({"aes256gcm16-prfsha384-ecp384", "aes128-sha256-modp2048"}), ProtocolId::IKE, {});
  ASSERT_EQ(o.proposals.size(), 2u);
  EXPECT_EQ(o.proposals[0].number, 1);
  EXPECT_EQ(o.proposals[1].number, 2);
  for (const auto& p : o.proposals) {
    EXPECT_EQ(p.protocol, ProtocolId::IKE);
    EXPECT_TRUE(p.spi.empty());
  }
  EXPECT_EQ(flat(o.proposals[0]), flat({{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}}));
  EXPECT_EQ(flat(o.proposals[1]),
            flat({{ENCR, AES_CBC, 128}, {PRF, PRF_SHA256}, {INTEG, HMAC_SHA256_128}, {DH, MODP_2048}}));

  SaPayload many =
      make_offer(ike({"aes128gcm16-aes256gcm16-prfsha256-prfsha512-x25519-ecp256"}), ProtocolId::IKE, kSpi8);
  ASSERT_EQ(many.proposals.size(), 1u);
  EXPECT_EQ(many.proposals[0].spi, kSpi8);
  EXPECT_EQ(flat(many.proposals[0]), flat({{ENCR, AES_GCM_16, 128},
                                           {ENCR, AES_GCM_16, 256},
                                           {PRF, PRF_SHA256},
                                           {PRF, PRF_SHA512},
                                           {DH, CURVE_25519},
                                           {DH, ECP_256}}));
}

TEST(Offer, EspEsnAndPfs) {
  struct Case {
    const char* proposal;
    bool skip_dh;
    std::vector<std::tuple<int, int, int>> want;
  } cases[] = {
      {"aes128gcm16", false, flat({{ENCR, AES_GCM_16, 128}, {ESN, 0}})},
      {"aes256gcm16-esn", false, flat({{ENCR, AES_GCM_16, 256}, {ESN, 1}})},
      {"aes256gcm16-esn-noesn", false, flat({{ENCR, AES_GCM_16, 256}, {ESN, 1}, {ESN, 0}})},
      {"aes256gcm16-ecp384-modp3072", false, flat({{ENCR, AES_GCM_16, 256}, {DH, ECP_384}, {DH, MODP_3072}, {ESN, 0}})},
      {"aes256gcm16-ecp384-modp3072", true, flat({{ENCR, AES_GCM_16, 256}, {ESN, 0}})},
      {"aes128gmac", false, flat({{ENCR, NULL_AES_GMAC, 128}, {ESN, 0}})},
  };
  for (const auto& c : cases) {
    SaPayload o = make_offer(esp({c.proposal}), ProtocolId::ESP, kSpi4, c.skip_dh);
    ASSERT_EQ(o.proposals.size(), 1u) << c.proposal;
    EXPECT_EQ(o.proposals[0].protocol, ProtocolId::ESP);
    EXPECT_EQ(o.proposals[0].spi, kSpi4);
    EXPECT_EQ(flat(o.proposals[0]), c.want) << c.proposal << " skip_dh=" << c.skip_dh;
  }
}

TEST(Offer, RefusesWhatCannotBeSent) {
  EXPECT_THROW(make_offer(ike({"aes128gcm16-prfsha256-ecp256"}), ProtocolId::IKE, kSpi4), std::invalid_argument);
  EXPECT_THROW(make_offer(esp({"aes128gcm16"}), ProtocolId::ESP, {}), std::invalid_argument);
  EXPECT_THROW(make_offer(esp({"aes128gcm16"}), ProtocolId::IKE, {}), std::invalid_argument);
  EXPECT_THROW(make_offer(ike({"aes128gcm16-prfsha256-ecp256"}), ProtocolId::ESP, kSpi4), std::invalid_argument);
  EXPECT_THROW(make_offer(esp({"aes128gcm16"}), ProtocolId::AH, kSpi4), std::invalid_argument);
  EXPECT_THROW(make_offer({}, ProtocolId::IKE, {}), std::invalid_argument);
}

const std::vector<std::string> kOurIke = {"aes256gcm16-prfsha384-ecp384", "aes128-sha256-modp2048"};

const Proposal kGcm256 = prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}});
const Proposal kCbc128 =
    prop(1, ProtocolId::IKE, {}, {{ENCR, AES_CBC, 128}, {INTEG, HMAC_SHA256_128}, {PRF, PRF_SHA256}, {DH, MODP_2048}});

Proposal renumber(Proposal p, std::uint8_t n) {
  p.number = n;
  return p;
}

TEST(Select, IkeOurOrderWinsTable) {
  struct Case {
    const char* name;
    SaPayload theirs;
    const char* want;  // Chosen::str(), or nullptr for no choice
    int number;
  } cases[] = {
      {"same as ours", sa({kGcm256, renumber(kCbc128, 2)}), "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384", 1},
      {"peer prefers CBC, ours wins", sa({kCbc128, renumber(kGcm256, 2)}), "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384",
       2},
      {"peer has only our second", sa({kCbc128}), "AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", 1},
      {"key length differs",
       sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 128}, {PRF, PRF_SHA384}, {DH, ECP_384}})}), nullptr, 0},
      {"AES without Key Length",
       sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16}, {PRF, PRF_SHA384}, {DH, ECP_384}})}), nullptr, 0},
      {"DH group differs",
       sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_256}})}), nullptr, 0},
      {"PRF differs", sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA256}, {DH, ECP_384}})}),
       nullptr, 0},
      {"no PRF", sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {DH, ECP_384}})}), nullptr, 0},
      {"no DH", sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}})}), nullptr, 0},
      {"CBC without integrity",
       sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_CBC, 128}, {PRF, PRF_SHA256}, {DH, MODP_2048}})}), nullptr, 0},
      {"many choices, ours picked per type",
       sa({prop(7, ProtocolId::IKE, {},
                {{ENCR, AES_GCM_16, 128},
                 {ENCR, AES_GCM_16, 256},
                 {PRF, PRF_SHA256},
                 {PRF, PRF_SHA384},
                 {DH, ECP_256},
                 {DH, CURVE_25519},
                 {DH, ECP_384}})}),
       "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384", 7},
      {"integrity next to AEAD ignored",
       sa({prop(1, ProtocolId::IKE, {},
                {{ENCR, AES_GCM_16, 256}, {INTEG, HMAC_SHA256_128}, {PRF, PRF_SHA384}, {DH, ECP_384}})}),
       "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384", 1},
      {"unknown transform type skips the proposal",
       sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}, {6, 1}}),
           renumber(kCbc128, 2)}),
       "AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", 2},
      {"ESN in IKE skips the proposal",
       sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}, {ESN, 0}})}),
       nullptr, 0},
      {"ESP proposal skipped",
       sa({prop(1, ProtocolId::ESP, kSpi4, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}}),
           renumber(kCbc128, 2)}),
       "AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", 2},
      {"4-byte SPI in IKE skipped",
       sa({prop(1, ProtocolId::IKE, kSpi4, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}})}), nullptr, 0},
      {"zero 8-byte SPI skipped",
       sa({prop(1, ProtocolId::IKE, Bytes(8, 0), {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}})}),
       nullptr, 0},
      {"unsupported encryption only", sa({prop(1, ProtocolId::IKE, {}, {{ENCR, 3}, {PRF, PRF_SHA384}, {DH, ECP_384}})}),
       nullptr, 0},
      {"empty", sa({}), nullptr, 0},
  };
  const auto ours = ike(kOurIke);
  for (const auto& c : cases) {
    auto got = select_proposal(ours, c.theirs, ProtocolId::IKE);
    if (!c.want) {
      EXPECT_FALSE(got) << c.name << ": chose " << got->str();
      continue;
    }
    ASSERT_TRUE(got) << c.name;
    EXPECT_EQ(got->str(), c.want) << c.name;
    EXPECT_EQ(got->number, c.number) << c.name;
    EXPECT_EQ(got->protocol, ProtocolId::IKE);
  }
}

TEST(Select, UnknownAttributeMakesTransformUnusable) {
  Proposal p = kGcm256;
  p.transforms[0].attributes.push_back(TransformAttribute{15, true, 1, {}});
  EXPECT_FALSE(select_proposal(ike(kOurIke), sa({p}), ProtocolId::IKE));
  Proposal two_lengths = kGcm256;
  two_lengths.transforms[0].attributes.push_back(TransformAttribute::key_length(256));
  EXPECT_FALSE(select_proposal(ike(kOurIke), sa({two_lengths}), ProtocolId::IKE));
}

TEST(Select, IkeRekeyKeepsPeerSpi) {
  Proposal p = kGcm256;
  p.spi = kSpi8;
  p.number = 3;
  auto got = select_proposal(ike(kOurIke), sa({p}), ProtocolId::IKE);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->spi, kSpi8);
  EXPECT_EQ(got->number, 3);
  SelectOptions rekey;
  rekey.ike_spi_size = 8;
  EXPECT_EQ(select_proposal(ike(kOurIke), sa({p}), ProtocolId::IKE, rekey), got);
  SelectOptions init;
  init.ike_spi_size = 0;
  EXPECT_FALSE(select_proposal(ike(kOurIke), sa({p}), ProtocolId::IKE, init));
  EXPECT_TRUE(select_proposal(ike(kOurIke), sa({kGcm256}), ProtocolId::IKE, init));
  EXPECT_FALSE(select_proposal(ike(kOurIke), sa({kGcm256}), ProtocolId::IKE, rekey));
  SaPayload back = got->as_payload(Bytes{9, 9, 9, 9, 9, 9, 9, 9});
  ASSERT_EQ(back.proposals.size(), 1u);
  EXPECT_EQ(back.proposals[0].number, 3);
  EXPECT_EQ(back.proposals[0].spi, (Bytes{9, 9, 9, 9, 9, 9, 9, 9}));
  EXPECT_EQ(flat(back.proposals[0]), flat({{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}}));
}

TEST(Select, EspEsnAndPfsTable) {
  struct Case {
    const char* ours;
    std::initializer_list<T> theirs;
    bool skip_dh;
    const char* want;  // nullptr: no choice
  } cases[] = {
      {"aes128gcm16", {{ENCR, AES_GCM_16, 128}, {ESN, 0}}, false, "AES_GCM_16_128/NO_EXT_SEQ"},
      {"aes128gcm16", {{ENCR, AES_GCM_16, 128}, {ESN, 1}}, false, nullptr},
      {"aes128gcm16", {{ENCR, AES_GCM_16, 128}, {ESN, 1}, {ESN, 0}}, false, "AES_GCM_16_128/NO_EXT_SEQ"},
      {"aes128gcm16", {{ENCR, AES_GCM_16, 128}}, false, nullptr},  // ESN is mandatory in ESP
      {"aes128gcm16", {{ENCR, AES_GCM_16, 256}, {ESN, 0}}, false, nullptr},
      {"aes128gcm16-esn", {{ENCR, AES_GCM_16, 128}, {ESN, 0}, {ESN, 1}}, false, "AES_GCM_16_128/EXT_SEQ"},
      {"aes128gcm16-esn", {{ENCR, AES_GCM_16, 128}, {ESN, 0}}, false, nullptr},
      {"aes128gcm16-noesn-esn", {{ENCR, AES_GCM_16, 128}, {ESN, 1}, {ESN, 0}}, false, "AES_GCM_16_128/NO_EXT_SEQ"},
      // PFS: the peer asks for it, we have none -> no; unless it also offers NONE.
      {"aes128gcm16", {{ENCR, AES_GCM_16, 128}, {DH, ECP_256}, {ESN, 0}}, false, nullptr},
      {"aes128gcm16", {{ENCR, AES_GCM_16, 128}, {DH, ECP_256}, {DH, 0}, {ESN, 0}}, false, "AES_GCM_16_128/NO_EXT_SEQ"},
      // We require PFS.
      {"aes256gcm16-ecp256-modp3072",
       {{ENCR, AES_GCM_16, 256}, {DH, MODP_3072}, {DH, ECP_256}, {ESN, 0}},
       false,
       "AES_GCM_16_256/ECP_256/NO_EXT_SEQ"},
      {"aes256gcm16-ecp256", {{ENCR, AES_GCM_16, 256}, {ESN, 0}}, false, nullptr},
      {"aes256gcm16-ecp256", {{ENCR, AES_GCM_16, 256}, {DH, ECP_384}, {ESN, 0}}, false, nullptr},
      // IKE_AUTH: no KE, DH ignored on both sides.
      {"aes256gcm16-ecp256", {{ENCR, AES_GCM_16, 256}, {ESN, 0}}, true, "AES_GCM_16_256/NO_EXT_SEQ"},
      {"aes256gcm16", {{ENCR, AES_GCM_16, 256}, {DH, ECP_384}, {ESN, 0}}, true, "AES_GCM_16_256/NO_EXT_SEQ"},
      // AES-GMAC (integrity only) and integrity next to an AEAD.
      {"aes256gmac", {{ENCR, NULL_AES_GMAC, 256}, {ESN, 0}}, false, "NULL_AES_GMAC_256/NO_EXT_SEQ"},
      {"aes128gcm16",
       {{ENCR, AES_GCM_16, 128}, {INTEG, HMAC_SHA256_128}, {ESN, 0}},
       false,
       "AES_GCM_16_128/NO_EXT_SEQ"},
      // A PRF has no place in ESP.
      {"aes128gcm16", {{ENCR, AES_GCM_16, 128}, {PRF, PRF_SHA256}, {ESN, 0}}, false, nullptr},
      // The peer's CBC/HMAC is not something the card does.
      {"aes128gcm16", {{ENCR, AES_CBC, 128}, {INTEG, HMAC_SHA256_128}, {ESN, 0}}, false, nullptr},
  };
  for (const auto& c : cases) {
    SaPayload theirs;
    theirs.proposals.push_back(prop(5, ProtocolId::ESP, kSpi4, c.theirs));
    SelectOptions opt;
    opt.skip_dh = c.skip_dh;
    auto got = select_proposal(esp({c.ours}), theirs, ProtocolId::ESP, opt);
    if (!c.want) {
      EXPECT_FALSE(got) << c.ours << ": chose " << got->str();
      continue;
    }
    ASSERT_TRUE(got) << c.ours;
    EXPECT_EQ(got->str(), c.want) << c.ours;
    EXPECT_EQ(got->number, 5);
    EXPECT_EQ(got->spi, kSpi4);
    EXPECT_EQ(got->protocol, ProtocolId::ESP);
  }
}

TEST(Select, EspSpiMustBeFourNonZeroBytes) {
  const auto ours = esp({"aes128gcm16"});
  for (const Bytes& spi : {Bytes{}, kSpi8, Bytes{0, 0, 0, 0}, Bytes{1, 2, 3}}) {
    SaPayload theirs = sa({prop(1, ProtocolId::ESP, spi, {{ENCR, AES_GCM_16, 128}, {ESN, 0}})});
    EXPECT_FALSE(select_proposal(ours, theirs, ProtocolId::ESP)) << spi.size();
  }
}

TEST(Select, EspSecondOfOursWhenFirstDoesNotMatch) {
  const auto ours = esp({"aes256gcm16-esn", "aes128gcm16"});
  SaPayload theirs = sa({prop(1, ProtocolId::ESP, kSpi4, {{ENCR, AES_GCM_16, 256}, {ESN, 0}}),
                         prop(2, ProtocolId::ESP, kSpi4, {{ENCR, AES_GCM_16, 128}, {ESN, 0}})});
  auto got = select_proposal(ours, theirs, ProtocolId::ESP);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->str(), "AES_GCM_16_128/NO_EXT_SEQ");
  EXPECT_EQ(got->number, 2);
  ChildSuite s = got->child_suite();
  EXPECT_EQ(s.encr, EncrId::AesGcm16);
  EXPECT_EQ(s.encr_key_bits, 128u);
  EXPECT_EQ(s.integ, IntegId::None);
}

TEST(Select, KeGroupHintAndKeFits) {
  const auto ours = ike({"aes256gcm16-prfsha384-ecp384-ecp256"});
  SaPayload theirs =
      sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_256}, {DH, ECP_384}})});
  // Without a hint: our first choice; a KE of ECP_256 does not fit -> INVALID_KE_PAYLOAD asking ECP_384.
  auto plain = select_proposal(ours, theirs, ProtocolId::IKE);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->dh, DhGroup::Ecp384);
  EXPECT_FALSE(ke_fits(*plain, ECP_256));
  EXPECT_TRUE(ke_fits(*plain, ECP_384));
  // With the KE's group as hint, both allow it: chosen, fits.
  SelectOptions opt;
  opt.ke_group = ECP_256;
  auto hinted = select_proposal(ours, theirs, ProtocolId::IKE, opt);
  ASSERT_TRUE(hinted);
  EXPECT_EQ(hinted->dh, DhGroup::Ecp256);
  EXPECT_TRUE(ke_fits(*hinted, ECP_256));
  // A hint neither allows changes nothing.
  opt.ke_group = MODP_2048;
  auto other = select_proposal(ours, theirs, ProtocolId::IKE, opt);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->dh, DhGroup::Ecp384);
  // No PFS chosen: a KE never fits (it is ignored).
  Chosen nopfs;
  nopfs.protocol = ProtocolId::ESP;
  EXPECT_FALSE(ke_fits(nopfs, ECP_256));
}

TEST(Select, SuitesForKeyDerivation) {
  auto got = select_proposal(ike(kOurIke), sa({kCbc128}), ProtocolId::IKE);
  ASSERT_TRUE(got);
  IkeSuite s = got->ike_suite();
  EXPECT_EQ(s.encr, EncrId::AesCbc);
  EXPECT_EQ(s.encr_key_bits, 128u);
  EXPECT_EQ(s.integ, IntegId::HmacSha256_128);
  EXPECT_EQ(s.prf, PrfId::HmacSha256);
  Chosen child;
  child.protocol = ProtocolId::ESP;
  EXPECT_THROW(child.ike_suite(), std::logic_error);
}

TEST(KeGroups, FirstKeAllowedAndPromoted) {
  EXPECT_EQ(dh_for_first_ke(ike({"aes128gcm16-prfsha256-x25519-ecp256", "aes128-sha256-modp2048"})),
            DhGroup::Curve25519);
  EXPECT_EQ(dh_for_first_ke(esp({"aes128gcm16", "aes256gcm16-modp3072-ecp256"})), DhGroup::Modp3072);
  EXPECT_EQ(dh_for_first_ke(esp({"aes128gcm16"})), std::nullopt);
  EXPECT_EQ(dh_for_first_ke(ike({"default"})), DhGroup::Curve25519);  // strongSwan's default order starts with it

  const auto ours = ike(kOurIke);
  struct Case {
    std::uint16_t group;
    bool allowed;
  } cases[] = {{ECP_384, true}, {MODP_2048, true}, {ECP_256, false}, {CURVE_25519, false}, {0, false}, {1024, false}};
  for (const auto& c : cases) EXPECT_EQ(dh_allowed(ours, c.group), c.allowed) << c.group;

  auto promoted = promote_dh(
      ike({"aes256gcm16-prfsha384-ecp384-ecp256", "aes128-sha256-modp2048", "aes128gcm16-prfsha256-x25519-ecp256"}),
      ECP_256);
  ASSERT_EQ(promoted.size(), 3u);
  EXPECT_EQ(promoted[0].str(), "aes256gcm16-prfsha384-ecp256-ecp384");
  EXPECT_EQ(promoted[1].str(), "aes128gcm16-prfsha256-ecp256-curve25519");
  EXPECT_EQ(promoted[2].str(), "aes128-sha256-prfsha256-modp2048");
  EXPECT_EQ(dh_for_first_ke(promoted), DhGroup::Ecp256);
}

}  // namespace
}  // namespace esp::ike
