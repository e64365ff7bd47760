// A capture-like IKE_SA_INIT request built from values equals, byte for byte,
// the one written by hand from the RFC layouts (sa_init_vector.hpp), and
// parsing the hand-written one gives those values back.
#include <gtest/gtest.h>

#include "esp/ike/message.hpp"
#include "esp/ike/natt.hpp"
#include "sa_init_vector.hpp"
#include "test_util.hpp"

namespace esp::ike {
namespace {

using test::fill;
using test::hex;
using test::to_hex;

Message sa_init_request() {
  Message m;
  m.header.spi_i = 0x0102030405060708ULL;
  m.header.exchange = ExchangeType::IkeSaInit;
  m.header.flags = flags::kInitiator;
  Proposal p;
  p.number = 1;
  p.protocol = ProtocolId::IKE;
  p.transforms = {
      Transform{TransformType::ENCR, transform_id::kEncrAesCbc, {TransformAttribute::key_length(256)}},
      Transform{TransformType::PRF, transform_id::kPrfHmacSha256, {}},
      Transform{TransformType::INTEG, transform_id::kAuthHmacSha256_128, {}},
      Transform{TransformType::DH, transform_id::kDhEcp256, {}},
  };
  m.payloads.push_back(make_payload(PayloadType::SA, SaPayload{{p}}));
  m.payloads.push_back(make_payload(PayloadType::KE, KePayload{19, fill(64, 0)}));
  m.payloads.push_back(make_payload(PayloadType::Nonce, NoncePayload{fill(32, 0xa0)}));
  m.payloads.push_back(make_notify(NotifyType::NAT_DETECTION_SOURCE_IP, Bytes(20, 0x11)));
  m.payloads.push_back(make_notify(NotifyType::NAT_DETECTION_DESTINATION_IP, Bytes(20, 0x22)));
  m.payloads.push_back(make_notify(NotifyType::IKEV2_FRAGMENTATION_SUPPORTED));
  m.payloads.push_back(make_payload(PayloadType::Vendor, VendorPayload{hex("882fe56d6fd20dbc2251613b2ebe5beb")}));
  return m;
}

TEST(SaInit, BuildEqualsTheHandWrittenBytes) {
  auto b = build(sa_init_request());
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b.value().size(), 268u);
  EXPECT_EQ(to_hex(b.value()), to_hex(hex(test::kSaInitRequestHex)));
}

TEST(SaInit, ParseTheHandWrittenBytes) {
  const Bytes wire = hex(test::kSaInitRequestHex);
  auto r = parse(wire);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Message& m = r.value();
  EXPECT_EQ(m.header.spi_i, 0x0102030405060708ULL);
  EXPECT_EQ(m.header.spi_r, 0u);
  EXPECT_EQ(m.header.next_payload, PayloadType::SA);
  EXPECT_EQ(m.header.major_version, 2);
  EXPECT_EQ(m.header.minor_version, 0);
  EXPECT_EQ(m.header.exchange, ExchangeType::IkeSaInit);
  EXPECT_TRUE(m.header.initiator());
  EXPECT_FALSE(m.header.response());
  EXPECT_EQ(m.header.message_id, 0u);
  EXPECT_EQ(m.header.length, 268u);
  ASSERT_EQ(m.payloads.size(), 7u);
  const PayloadType order[] = {PayloadType::SA,     PayloadType::KE,     PayloadType::Nonce,
                               PayloadType::Notify, PayloadType::Notify, PayloadType::Notify,
                               PayloadType::Vendor};
  for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(m.payloads[i].type, order[i]) << i;
  const auto* sa = m.payloads[0].as<SaPayload>();
  ASSERT_NE(sa, nullptr);
  ASSERT_EQ(sa->proposals.at(0).transforms.size(), 4u);
  EXPECT_EQ(sa->proposals[0].transforms[0].key_length(), std::optional<std::uint16_t>(256));
  EXPECT_EQ(sa->proposals[0].transforms[3].type, TransformType::DH);
  EXPECT_EQ(sa->proposals[0].transforms[3].id, 19);
  EXPECT_EQ(m.payloads[1].as<KePayload>()->group, 19);
  EXPECT_EQ(m.payloads[1].as<KePayload>()->data.size(), 64u);
  EXPECT_EQ(m.payloads[2].as<NoncePayload>()->data.size(), 32u);
  ASSERT_NE(m.find_notify(NotifyType::NAT_DETECTION_SOURCE_IP), nullptr);
  EXPECT_EQ(m.find_notify(NotifyType::NAT_DETECTION_SOURCE_IP)->data, Bytes(20, 0x11));
  EXPECT_EQ(m.find_notify(NotifyType::NAT_DETECTION_DESTINATION_IP)->data, Bytes(20, 0x22));
  EXPECT_NE(m.find_notify(NotifyType::IKEV2_FRAGMENTATION_SUPPORTED), nullptr);
  EXPECT_EQ(m.find_notify(NotifyType::COOKIE), nullptr);
  EXPECT_NE(m.find(PayloadType::Vendor), nullptr);
  EXPECT_EQ(m.find(PayloadType::AUTH), nullptr);
}

// The responder's cookie answer (RFC 7296 2.6): HDR(R), N(COOKIE), hand-written.
TEST(SaInit, CookieResponseBytes) {
  Message m;
  m.header.spi_i = 0x0102030405060708ULL;
  m.header.exchange = ExchangeType::IkeSaInit;
  m.header.flags = flags::kResponse;
  m.payloads.push_back(make_notify(NotifyType::COOKIE, fill(16, 0x30)));
  auto b = build(m);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(to_hex(b.value()),
            to_hex(hex("0102030405060708 0000000000000000 29 20 22 20 00000000 00000034"
                       "00 00 0018 00 00 4006 303132333435363738393a3b3c3d3e3f")));
}

// On port 4500 the same message goes behind the 4-byte Non-ESP marker.
TEST(SaInit, FramedForPort4500) {
  const Bytes wire = hex(test::kSaInitRequestHex);
  const Bytes framed = add_non_esp_marker(wire);
  ASSERT_EQ(framed.size(), wire.size() + 4);
  EXPECT_EQ(to_hex(Bytes(framed.begin(), framed.begin() + 4)), "00000000");
  const Udp4500Class c = classify_udp4500(framed.data(), framed.size());
  ASSERT_EQ(c.kind, Udp4500Kind::Ike);
  auto r = parse(framed.data() + c.offset, framed.size() - c.offset);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value().payloads.size(), 7u);
}

// Every header field at a non-trivial value (RFC 7296 3.1), hand-written.
TEST(Header, AllFieldsBothWays) {
  const Bytes wire = hex(
      "f0e1d2c3b4a59687 0123456789abcdef"  // SPIs
      "00 20 24 38"                         // no payloads, 2.0, CREATE_CHILD_SA, flags R|V|I
      "deadbeef 0000001c");                 // message ID, length 28
  auto r = parse(wire);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const IkeHeader& h = r.value().header;
  EXPECT_EQ(h.spi_i, 0xf0e1d2c3b4a59687ULL);
  EXPECT_EQ(h.spi_r, 0x0123456789abcdefULL);
  EXPECT_EQ(h.exchange, ExchangeType::CreateChildSa);
  EXPECT_EQ(h.flags, flags::kInitiator | flags::kVersion | flags::kResponse);
  EXPECT_TRUE(h.initiator());
  EXPECT_TRUE(h.response());
  EXPECT_EQ(h.message_id, 0xdeadbeefu);
  EXPECT_TRUE(r.value().payloads.empty());
  auto hdr = parse_header(wire.data(), wire.size());
  ASSERT_TRUE(hdr.ok());
  EXPECT_EQ(hdr.value().length, 28u);

  Message m;
  m.header.spi_i = 0xf0e1d2c3b4a59687ULL;
  m.header.spi_r = 0x0123456789abcdefULL;
  m.header.exchange = ExchangeType::CreateChildSa;
  m.header.flags = 0x38;
  m.header.message_id = 0xdeadbeef;
  auto b = build(m);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(to_hex(b.value()), to_hex(wire));
}

TEST(Header, ErrorText) {
  auto r = parse(hex("0102030405060708 0000000000000000 00 20 22 08 00000000 0000001d 00"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), "BadLength at offset 28: 1 bytes after the last payload");
  EXPECT_STREQ(payload_type_name(PayloadType::SKF), "SKF");
  EXPECT_STREQ(payload_type_name(static_cast<PayloadType>(99)), "unknown");
  EXPECT_TRUE(is_error_notify(NotifyType::INVALID_KE_PAYLOAD));
  EXPECT_FALSE(is_error_notify(NotifyType::COOKIE));
  EXPECT_TRUE(is_decoded_payload_type(PayloadType::TSr));
  EXPECT_FALSE(is_decoded_payload_type(PayloadType::EAP));
  EXPECT_TRUE(is_known_payload_type(PayloadType::EAP));
  EXPECT_FALSE(is_known_payload_type(static_cast<PayloadType>(49)));
}

}  // namespace
}  // namespace esp::ike
