// Our offer on the wire, byte for byte as RFC 7296 3.3 lays out an SA
// payload (proposal and transform substructures, the Key Length attribute in
// TV form, 3.3.5), and a peer's SA payload parsed from bytes then selected.
#include <gtest/gtest.h>

#include "esp/ike/message.hpp"
#include "esp/ike/proposals.hpp"
#include "nego_test_util.hpp"

namespace esp::ike {
namespace {

using namespace test;

Bytes chain_bytes(const SaPayload& sa) {
  auto built = build_payload_chain({make_payload(PayloadType::SA, sa)});
  EXPECT_TRUE(built.ok()) << built.error().to_string();
  return built.ok() ? built.value().bytes : Bytes{};
}

TEST(Wire, IkeOfferBytes) {
  // SA payload: generic header (next 0, length 40), one proposal (last, length
  // 36, #1, IKE, SPI size 0, 3 transforms): ENCR AES-GCM-16 + Key Length 256,
  // PRF HMAC-SHA2-384, DH 20 (ECP-384).
  const Bytes want = {
      0x00, 0x00, 0x00, 0x28,                                                  // SA header
      0x00, 0x00, 0x00, 0x24, 0x01, 0x01, 0x00, 0x03,                          // proposal 1
      0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x14, 0x80, 0x0e, 0x01, 0x00,  // ENCR 20, KL 256
      0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x06,                          // PRF 6
      0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x14,                          // DH 20 (last)
  };
  EXPECT_EQ(chain_bytes(make_offer(ike({"aes256gcm16-prfsha384-ecp384"}), ProtocolId::IKE, {})), want);
}

TEST(Wire, EspOfferBytes) {
  // One ESP proposal (#1, protocol 3, SPI size 4, 2 transforms): ENCR
  // AES-GCM-16 + Key Length 128, ESN 0.
  const Bytes want = {
      0x00, 0x00, 0x00, 0x24,                                                  // SA header (36)
      0x00, 0x00, 0x00, 0x20, 0x01, 0x03, 0x04, 0x02,                          // proposal 1 (32)
      0x11, 0x22, 0x33, 0x44,                                                  // SPI
      0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x14, 0x80, 0x0e, 0x00, 0x80,  // ENCR 20, KL 128
      0x00, 0x00, 0x00, 0x08, 0x05, 0x00, 0x00, 0x00,                          // ESN 0 (last)
  };
  EXPECT_EQ(chain_bytes(make_offer(esp({"aes128gcm16"}), ProtocolId::ESP, kSpi4)), want);
}

TEST(Wire, PeerBytesSelected) {
  // A peer's two proposals: #1 AES-CBC-256/HMAC-SHA2-256-128/PRF-SHA2-256/MODP-2048,
  // #2 AES-GCM-16-128/PRF-SHA2-256/curve25519.
  const Bytes peer = {
      0x00, 0x00, 0x00, 0x54,                                                  // SA header (84)
      0x02, 0x00, 0x00, 0x2c, 0x01, 0x01, 0x00, 0x04,                          // proposal 1 (44), more
      0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x0c, 0x80, 0x0e, 0x01, 0x00,  // ENCR 12, KL 256
      0x03, 0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0x0c,                          // INTEG 12
      0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05,                          // PRF 5
      0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x0e,                          // DH 14
      0x00, 0x00, 0x00, 0x24, 0x02, 0x01, 0x00, 0x03,                          // proposal 2 (36), last
      0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x14, 0x80, 0x0e, 0x00, 0x80,  // ENCR 20, KL 128
      0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05,                          // PRF 5
      0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x1f,                          // DH 31
  };
  auto parsed = parse_payload_chain(PayloadType::SA, peer.data(), peer.size());
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  ASSERT_EQ(parsed.value().size(), 1u);
  const SaPayload* sa = parsed.value()[0].as<SaPayload>();
  ASSERT_NE(sa, nullptr);
  struct Case {
    std::vector<std::string> ours;
    const char* want;
    int number;
  } cases[] = {
      {{"aes128gcm16-prfsha256-x25519", "aes256-sha256-modp2048"}, "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519", 2},
      {{"aes256-sha256-modp2048", "aes128gcm16-prfsha256-x25519"},
       "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", 1},
      {{"aes128-sha256-modp2048", "aes256gcm16-prfsha256-x25519"}, nullptr, 0},
  };
  for (const auto& c : cases) {
    auto got = select_proposal(ike(c.ours), *sa, ProtocolId::IKE);
    if (!c.want) {
      EXPECT_FALSE(got) << c.ours[0];
      continue;
    }
    ASSERT_TRUE(got) << c.ours[0];
    EXPECT_EQ(got->str(), c.want);
    EXPECT_EQ(got->number, c.number);
  }
}

}  // namespace
}  // namespace esp::ike
