// The initiator's check of the responder's SA payload (RFC 7296 2.7, 3.3.6:
// exactly one proposal, one of ours, one transform of each type, each one
// we offered).
#include <gtest/gtest.h>

#include "esp/ike/proposals.hpp"
#include "nego_test_util.hpp"

namespace esp::ike {
namespace {

using namespace test;

const SaPayload kIkeOffer =
    make_offer(ike({"aes256gcm16-prfsha384-ecp384-ecp256", "aes128-aes256-sha256-sha512-modp2048"}), ProtocolId::IKE, {});

TEST(CheckResponse, IkeTable) {
  struct Case {
    const char* name;
    SaPayload response;
    const char* want;   // Chosen::str() when accepted
    const char* error;  // a part of the error otherwise
  } cases[] = {
      {"first proposal", sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_256}})}),
       "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_256", nullptr},
      {"second proposal, transforms in another order",
       sa({prop(2, ProtocolId::IKE, {},
                {{DH, MODP_2048}, {INTEG, HMAC_SHA512_256}, {ENCR, AES_CBC, 256}, {PRF, PRF_SHA512}})}),
       "AES_CBC_256/HMAC_SHA2_512_256/PRF_HMAC_SHA2_512/MODP_2048", nullptr},
      {"two proposals",
       sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}}),
           prop(2, ProtocolId::IKE, {}, {{ENCR, AES_CBC, 128}, {INTEG, HMAC_SHA256_128}, {PRF, PRF_SHA256}, {DH, MODP_2048}})}),
       nullptr, "2 proposals; it must choose exactly one"},
      {"none", sa({}), nullptr, "0 proposals"},
      {"unknown number", sa({prop(3, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}})}),
       nullptr, "proposal number 3, which we did not offer"},
      {"key length not offered",
       sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 128}, {PRF, PRF_SHA384}, {DH, ECP_384}})}), nullptr,
       "ENCR 20 (128 bits), which we did not offer in proposal 1"},
      {"transform of the other proposal",
       sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, MODP_2048}})}), nullptr,
       "DH 14, which we did not offer in proposal 1"},
      {"PRF not offered", sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA256}, {DH, ECP_384}})}),
       nullptr, "PRF 5, which we did not offer"},
      {"missing DH", sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}})}), nullptr,
       "no DH group"},
      {"missing PRF", sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {DH, ECP_384}})}), nullptr, "no PRF"},
      {"missing encryption", sa({prop(1, ProtocolId::IKE, {}, {{PRF, PRF_SHA384}, {DH, ECP_384}})}), nullptr,
       "no encryption"},
      {"missing integrity for CBC", sa({prop(2, ProtocolId::IKE, {}, {{ENCR, AES_CBC, 128}, {PRF, PRF_SHA256}, {DH, MODP_2048}})}),
       nullptr, "no integrity algorithm for AES_CBC"},
      {"two DH groups",
       sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}, {DH, ECP_256}})}),
       nullptr, "two DH transforms"},
      {"unknown type", sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}, {9, 1}})}),
       nullptr, "unknown type 9"},
      {"ESN in IKE", sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}, {ESN, 0}})}),
       nullptr, "ESN 0, which we did not offer"},
      {"ESP protocol", sa({prop(1, ProtocolId::ESP, kSpi4, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}})}),
       nullptr, "protocol ESP, we offered IKE"},
      {"SPI in IKE_SA_INIT",
       sa({prop(1, ProtocolId::IKE, kSpi8, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}})}), nullptr,
       "SPI is 8 bytes, expected 0"},
  };
  for (const auto& c : cases) {
    CheckResult r = check_response(kIkeOffer, c.response, ProtocolId::IKE);
    if (c.want) {
      ASSERT_TRUE(r.chosen) << c.name << ": " << r.error;
      EXPECT_TRUE(r.error.empty()) << c.name;
      EXPECT_EQ(r.chosen->str(), c.want) << c.name;
      EXPECT_EQ(r.chosen->number, c.response.proposals[0].number) << c.name;
    } else {
      EXPECT_FALSE(r.chosen) << c.name << ": accepted " << r.chosen->str();
      EXPECT_NE(r.error.find(c.error), std::string::npos) << c.name << ": got '" << r.error << "'";
    }
  }
}

TEST(CheckResponse, ExtraAttributeRefused) {
  SaPayload resp = sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}})});
  resp.proposals[0].transforms[1].attributes.push_back(TransformAttribute{15, true, 7, {}});
  CheckResult r = check_response(kIkeOffer, resp, ProtocolId::IKE);
  EXPECT_FALSE(r.chosen);
  EXPECT_NE(r.error.find("attribute we did not send"), std::string::npos) << r.error;
}

TEST(CheckResponse, IkeRekeySpi) {
  SaPayload offer = make_offer(ike({"aes256gcm16-prfsha384-ecp384"}), ProtocolId::IKE, kSpi8);
  Bytes theirs{8, 7, 6, 5, 4, 3, 2, 1};
  CheckResult ok = check_response(
      offer, sa({prop(1, ProtocolId::IKE, theirs, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}})}),
      ProtocolId::IKE);
  ASSERT_TRUE(ok.chosen) << ok.error;
  EXPECT_EQ(ok.chosen->spi, theirs);
  CheckResult empty = check_response(
      offer, sa({prop(1, ProtocolId::IKE, {}, {{ENCR, AES_GCM_16, 256}, {PRF, PRF_SHA384}, {DH, ECP_384}})}),
      ProtocolId::IKE);
  EXPECT_NE(empty.error.find("SPI is 0 bytes, expected 8"), std::string::npos) << empty.error;
}

TEST(CheckResponse, EspTable) {
  struct Case {
    const char* offer;
    std::initializer_list<T> response;
    Bytes spi;
    const char* want;
    const char* error;
  } cases[] = {
      {"aes128gcm16", {{ENCR, AES_GCM_16, 128}, {ESN, 0}}, kSpi4, "AES_GCM_16_128/NO_EXT_SEQ", nullptr},
      {"aes128gcm16-esn-noesn", {{ENCR, AES_GCM_16, 128}, {ESN, 1}}, kSpi4, "AES_GCM_16_128/EXT_SEQ", nullptr},
      {"aes128gcm16", {{ENCR, AES_GCM_16, 128}, {ESN, 1}}, kSpi4, nullptr, "ESN 1, which we did not offer"},
      {"aes128gcm16", {{ENCR, AES_GCM_16, 128}}, kSpi4, nullptr, "no ESN transform"},
      {"aes128gcm16", {{ENCR, AES_GCM_16, 128}, {ESN, 0}}, Bytes{0, 0, 0, 0}, nullptr, "SPI is zero"},
      {"aes128gcm16", {{ENCR, AES_GCM_16, 128}, {ESN, 0}}, kSpi8, nullptr, "SPI is 8 bytes, expected 4"},
      {"aes256gcm16-ecp384", {{ENCR, AES_GCM_16, 256}, {DH, ECP_384}, {ESN, 0}}, kSpi4, "AES_GCM_16_256/ECP_384/NO_EXT_SEQ",
       nullptr},
      {"aes256gcm16-ecp384", {{ENCR, AES_GCM_16, 256}, {ESN, 0}}, kSpi4, nullptr, "we require PFS"},
      {"aes256gcm16-ecp384", {{ENCR, AES_GCM_16, 256}, {DH, ECP_256}, {ESN, 0}}, kSpi4, nullptr, "DH 19, which we did not"},
      {"aes256gcm16", {{ENCR, AES_GCM_16, 256}, {DH, ECP_384}, {ESN, 0}}, kSpi4, nullptr, "DH 20, which we did not"},
      {"aes256gmac", {{ENCR, NULL_AES_GMAC, 256}, {ESN, 0}}, kSpi4, "NULL_AES_GMAC_256/NO_EXT_SEQ", nullptr},
  };
  for (const auto& c : cases) {
    SaPayload offer = make_offer(esp({c.offer}), ProtocolId::ESP, kSpi4);
    CheckResult r = check_response(offer, sa({prop(1, ProtocolId::ESP, c.spi, c.response)}), ProtocolId::ESP);
    if (c.want) {
      ASSERT_TRUE(r.chosen) << c.offer << ": " << r.error;
      EXPECT_EQ(r.chosen->str(), c.want) << c.offer;
      EXPECT_EQ(r.chosen->spi, c.spi);
    } else {
      EXPECT_FALSE(r.chosen) << c.offer << ": accepted " << r.chosen->str();
      EXPECT_NE(r.error.find(c.error), std::string::npos) << c.offer << ": got '" << r.error << "'";
    }
  }
}

TEST(CheckResponse, PfsOptionalWhenNoneOffered) {
  // A hand-made offer with DH groups and NONE: the responder may pick either.
  SaPayload offer = sa({prop(1, ProtocolId::ESP, kSpi4, {{ENCR, AES_GCM_16, 128}, {DH, ECP_256}, {DH, 0}, {ESN, 0}})});
  CheckResult without = check_response(offer, sa({prop(1, ProtocolId::ESP, kSpi4, {{ENCR, AES_GCM_16, 128}, {ESN, 0}})}),
                                       ProtocolId::ESP);
  ASSERT_TRUE(without.chosen) << without.error;
  EXPECT_FALSE(without.chosen->dh);
  CheckResult none = check_response(
      offer, sa({prop(1, ProtocolId::ESP, kSpi4, {{ENCR, AES_GCM_16, 128}, {DH, 0}, {ESN, 0}})}), ProtocolId::ESP);
  ASSERT_TRUE(none.chosen) << none.error;
  EXPECT_FALSE(none.chosen->dh);
  CheckResult with = check_response(
      offer, sa({prop(1, ProtocolId::ESP, kSpi4, {{ENCR, AES_GCM_16, 128}, {DH, ECP_256}, {ESN, 0}})}), ProtocolId::ESP);
  ASSERT_TRUE(with.chosen) << with.error;
  EXPECT_EQ(with.chosen->dh, DhGroup::Ecp256);
}

// The responder's answer (as_payload) passes the initiator's check and gives
// the same choice: the two halves agree with each other.
TEST(CheckResponse, SelectThenCheckRoundTrip) {
  struct Case {
    ProtocolId proto;
    std::vector<std::string> initiator, responder;
    Bytes ispi, rspi;
  } cases[] = {
      {ProtocolId::IKE, {"default"}, {"aes256gcm16-prfsha384-ecp384", "aes128-sha256-modp2048"}, {}, {}},
      {ProtocolId::IKE, {"aes128-aes256-sha256-sha384-x25519-modp3072"}, {"aes256-sha384-modp3072"}, kSpi8,
       Bytes{1, 1, 1, 1, 2, 2, 2, 2}},
      {ProtocolId::ESP, {"aes128gcm16-aes256gcm16-esn-noesn-ecp256"}, {"aes256gcm16-esn-ecp256"}, kSpi4, Bytes{5, 6, 7, 8}},
      {ProtocolId::ESP, {"aes128gmac", "aes128gcm16"}, {"aes128gcm16"}, kSpi4, Bytes{5, 6, 7, 8}},
  };
  for (const auto& c : cases) {
    const auto kind = c.proto == ProtocolId::IKE ? conf::ProposalKind::Ike : conf::ProposalKind::Esp;
    SaPayload offer = make_offer(conf::parse_proposals(c.initiator, kind), c.proto, c.ispi);
    auto chosen = select_proposal(conf::parse_proposals(c.responder, kind), offer, c.proto);
    ASSERT_TRUE(chosen) << c.responder[0];
    EXPECT_EQ(chosen->spi, c.ispi);
    CheckResult r = check_response(offer, chosen->as_payload(c.rspi), c.proto);
    ASSERT_TRUE(r.chosen) << r.error;
    Chosen want = *chosen;
    want.spi = c.rspi;
    EXPECT_EQ(*r.chosen, want) << r.chosen->str() << " vs " << want.str();
    want.esn = !want.esn;
    EXPECT_NE(*r.chosen, want);
  }
}

}  // namespace
}  // namespace esp::ike
