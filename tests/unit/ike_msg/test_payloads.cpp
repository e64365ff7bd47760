// Every payload type: a value, the bytes RFC 7296 section 3 (RFC 7383 2.5 for
// SKF) says it is on the wire (written here by hand from the RFC's layouts),
// build() == those bytes, parse(those bytes) builds back to them, and the
// parsed fields are the ones the RFC layout puts there.
#include <gtest/gtest.h>

#include <string>

#include "esp/ike/message.hpp"
#include "test_util.hpp"

namespace esp::ike {
namespace {

using test::fill;
using test::hex;
using test::to_hex;

struct PayloadCase {
  const char* name;
  Payload payload;
  const char* chain_hex;  // generic header + body, as on the wire
};

Payload pl(PayloadType t, PayloadBody b, bool critical = false) {
  Payload p = make_payload(t, std::move(b));
  p.critical = critical;
  return p;
}

Bytes str(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::vector<PayloadCase> cases() {
  std::vector<PayloadCase> c;
  {
    Proposal p;
    p.number = 1;
    p.protocol = ProtocolId::ESP;
    p.spi = hex("aabbccdd");
    p.transforms.push_back(Transform{TransformType::ENCR, transform_id::kEncrAesGcm16,
                                     {TransformAttribute::key_length(256)}});
    p.transforms.push_back(Transform{TransformType::ESN, transform_id::kEsnNo, {}});
    c.push_back({"sa_esp", pl(PayloadType::SA, SaPayload{{p}}),
                 "00 00 0024"                            // generic header, 36 bytes
                 "00 00 0020 01 03 04 02  aabbccdd"      // last proposal, 32 bytes, #1, ESP, SPI 4, 2 transforms
                 "03 00 000c 01 00 0014  800e 0100"      // more, 12 bytes, ENCR 20, Key Length TV 256
                 "00 00 0008 05 00 0000"});              // last, ESN 0
  }
  {
    Proposal p1;
    p1.number = 1;
    p1.protocol = ProtocolId::IKE;
    p1.transforms.push_back(Transform{TransformType::DH, transform_id::kDhEcp256, {}});
    Proposal p2;
    p2.number = 2;
    p2.protocol = ProtocolId::IKE;
    p2.transforms.push_back(
        Transform{TransformType::ENCR, transform_id::kEncrAesCbc, {TransformAttribute{1, false, 0, hex("aabbcc")}}});
    c.push_back({"sa_two_proposals_tlv", pl(PayloadType::SA, SaPayload{{p1, p2}}),
                 "00 00 002b"
                 "02 00 0010 01 01 00 01  00 00 0008 04 00 0013"     // more proposals; DH 19
                 "00 00 0017 02 01 00 01  00 00 000f 01 00 000c  0001 0003 aabbcc"});  // TLV attr 1
  }
  c.push_back({"ke", pl(PayloadType::KE, KePayload{19, fill(8, 1)}),
               "00 00 0010 0013 0000 0102030405060708"});
  c.push_back({"idi_ipv4", pl(PayloadType::IDi, IdPayload{IdType::IPV4_ADDR, hex("c0000201")}),
               "00 00 000c 01 000000 c0000201"});
  c.push_back({"idr_fqdn", pl(PayloadType::IDr, IdPayload{IdType::FQDN, str("vpn.example.com")}),
               "00 00 0017 02 000000 76706e2e6578616d706c652e636f6d"});
  c.push_back({"idi_rfc822", pl(PayloadType::IDi, IdPayload{IdType::RFC822_ADDR, str("a@b.c")}),
               "00 00 000d 03 000000 6140622e63"});
  c.push_back({"idi_ipv6",
               pl(PayloadType::IDi, IdPayload{IdType::IPV6_ADDR, hex("20010db8000000000000000000000001")}),
               "00 00 0018 05 000000 20010db8000000000000000000000001"});
  c.push_back({"idi_dn", pl(PayloadType::IDi, IdPayload{IdType::DER_ASN1_DN, hex("3000")}),
               "00 00 000a 09 000000 3000"});
  c.push_back({"idi_key_id", pl(PayloadType::IDi, IdPayload{IdType::KEY_ID, hex("010203")}),
               "00 00 000b 0b 000000 010203"});
  c.push_back({"cert", pl(PayloadType::CERT, CertPayload{CertEncoding::X509Signature, hex("3003020100")}),
               "00 00 000a 04 3003020100"});
  c.push_back({"certreq", pl(PayloadType::CERTREQ, CertPayload{CertEncoding::X509Signature, fill(20, 0x40)}),
               "00 00 0019 04 404142434445464748494a4b4c4d4e4f50515253"});
  c.push_back({"auth_psk", pl(PayloadType::AUTH, AuthPayload{AuthMethod::SharedKeyMic, hex("deadbeef")}),
               "00 00 000c 02 000000 deadbeef"});
  c.push_back({"nonce", pl(PayloadType::Nonce, NoncePayload{fill(16, 0)}),
               "00 00 0014 000102030405060708090a0b0c0d0e0f"});
  c.push_back({"n_nat_d_src", make_notify(NotifyType::NAT_DETECTION_SOURCE_IP, fill(20, 0x80)),
               "00 00 001c 00 00 4004 808182838485868788898a8b8c8d8e8f90919293"});
  c.push_back({"n_nat_d_dst", make_notify(NotifyType::NAT_DETECTION_DESTINATION_IP, fill(20, 0x80)),
               "00 00 001c 00 00 4005 808182838485868788898a8b8c8d8e8f90919293"});
  c.push_back({"n_rekey_sa", make_notify(NotifyType::REKEY_SA, {}, ProtocolId::ESP, hex("aabbccdd")),
               "00 00 000c 03 04 4009 aabbccdd"});
  c.push_back({"n_invalid_ke", make_notify(NotifyType::INVALID_KE_PAYLOAD, hex("0013")),
               "00 00 000a 00 00 0011 0013"});
  c.push_back({"n_cookie", make_notify(NotifyType::COOKIE, fill(8, 0xc0)),
               "00 00 0010 00 00 4006 c0c1c2c3c4c5c6c7"});
  c.push_back({"n_transport", make_notify(NotifyType::USE_TRANSPORT_MODE), "00 00 0008 00 00 4007"});
  c.push_back({"n_frag_supported", make_notify(NotifyType::IKEV2_FRAGMENTATION_SUPPORTED),
               "00 00 0008 00 00 402e"});
  c.push_back({"n_mobike", make_notify(NotifyType::MOBIKE_SUPPORTED), "00 00 0008 00 00 400c"});
  c.push_back({"n_unsupported_critical", make_notify(NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD, hex("c8")),
               "00 00 0009 00 00 0001 c8"});
  c.push_back({"n_unknown_type_kept", make_notify(static_cast<NotifyType>(40000), hex("01")),
               "00 00 0009 00 00 9c40 01"});
  c.push_back({"delete_esp", pl(PayloadType::Delete, DeletePayload{ProtocolId::ESP, 4, {hex("aabbccdd"), hex("11223344")}}),
               "00 00 0010 03 04 0002 aabbccdd 11223344"});
  c.push_back({"delete_ike", pl(PayloadType::Delete, DeletePayload{ProtocolId::IKE, 0, {}}),
               "00 00 0008 01 00 0000"});
  c.push_back({"vendor", pl(PayloadType::Vendor, VendorPayload{fill(16, 0xa0)}),
               "00 00 0014 a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"});
  c.push_back({"vendor_empty", pl(PayloadType::Vendor, VendorPayload{}), "00 00 0004"});
  c.push_back({"tsi_ipv4",
               pl(PayloadType::TSi, TsPayload{{TrafficSelector{TsType::IPV4_ADDR_RANGE, 0, 0, 65535,
                                                                hex("c0000200"), hex("c00002ff")}}}),
               "00 00 0018 01 000000  07 00 0010 0000 ffff c0000200 c00002ff"});
  c.push_back({"tsr_ipv6_ipv4",
               pl(PayloadType::TSr,
                  TsPayload{{TrafficSelector{TsType::IPV6_ADDR_RANGE, 6, 80, 80,
                                             hex("20010db8000000000000000000000000"),
                                             hex("20010db800000000ffffffffffffffff")},
                             TrafficSelector{TsType::IPV4_ADDR_RANGE, 17, 500, 500, hex("0a000001"),
                                             hex("0a000001")}}}),
               "00 00 0040 02 000000"
               "08 06 0028 0050 0050 20010db8000000000000000000000000 20010db800000000ffffffffffffffff"
               "07 11 0010 01f4 01f4 0a000001 0a000001"});
  c.push_back({"sk", pl(PayloadType::SK, SkPayload{PayloadType::IDi, fill(8, 0xe0)}),
               "23 00 000c e0e1e2e3e4e5e6e7"});  // Next Payload = the first inner payload (IDi)
  c.push_back({"skf_first", pl(PayloadType::SKF, SkfPayload{PayloadType::IDi, 1, 2, fill(6, 0xe0)}),
               "23 00 000e 0001 0002 e0e1e2e3e4e5"});
  c.push_back({"skf_second", pl(PayloadType::SKF, SkfPayload{PayloadType::None, 2, 2, fill(2, 0xe0)}),
               "00 00 000a 0002 0002 e0e1"});
  c.push_back({"cp_raw", pl(PayloadType::CP, RawPayload{hex("01000000 0001 0000")}),
               "00 00 000c 01000000 0001 0000"});
  c.push_back({"unknown_noncritical_kept", pl(static_cast<PayloadType>(200), RawPayload{hex("010203")}),
               "00 00 0007 010203"});
  c.push_back({"vendor_critical_bit_kept", pl(PayloadType::Vendor, VendorPayload{hex("01020304")}, true),
               "00 80 0008 01020304"});
  return c;
}

// The 28-byte header the table's messages use, hand-written (RFC 7296 3.1).
Bytes header_hex(std::uint8_t next, std::size_t total) {
  Bytes h = hex("0102030405060708 0000000000000000");
  h.push_back(next);
  Bytes rest = hex("20 25 08 00000001");  // version 2.0, INFORMATIONAL, Initiator, msg ID 1
  h.insert(h.end(), rest.begin(), rest.end());
  for (int s = 24; s >= 0; s -= 8) h.push_back(static_cast<std::uint8_t>(total >> s));
  return h;
}

Message table_message(const Payload& p) {
  Message m;
  m.header.spi_i = 0x0102030405060708ULL;
  m.header.exchange = ExchangeType::Informational;
  m.header.flags = flags::kInitiator;
  m.header.message_id = 1;
  m.payloads.push_back(p);
  return m;
}

class PayloadRoundTrip : public ::testing::TestWithParam<PayloadCase> {};

TEST_P(PayloadRoundTrip, BuildIsTheRfcBytesAndParseBuildsBack) {
  const PayloadCase& c = GetParam();
  const Bytes chain = hex(c.chain_hex);
  Bytes wire = header_hex(static_cast<std::uint8_t>(c.payload.type), 28 + chain.size());
  wire.insert(wire.end(), chain.begin(), chain.end());

  auto built = build(table_message(c.payload));
  ASSERT_TRUE(built.ok()) << built.error().to_string();
  EXPECT_EQ(to_hex(built.value()), to_hex(wire));

  auto parsed = parse(wire);
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  ASSERT_EQ(parsed.value().payloads.size(), 1u);
  const Payload& p = parsed.value().payloads[0];
  EXPECT_EQ(p.type, c.payload.type);
  EXPECT_EQ(p.critical, c.payload.critical);
  EXPECT_EQ(p.body.index(), c.payload.body.index());
  auto rebuilt = build(parsed.value());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error().to_string();
  EXPECT_EQ(to_hex(rebuilt.value()), to_hex(wire));
}

INSTANTIATE_TEST_SUITE_P(AllPayloads, PayloadRoundTrip, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<PayloadCase>& i) { return i.param.name; });

// Parses one hand-written chain (header + body) on its own.
Payload parse_one(PayloadType t, const char* chain_hex) {
  const Bytes b = hex(chain_hex);
  auto r = parse_payload_chain(t, b.data(), b.size());
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  if (!r.ok() || r.value().size() != 1) return Payload{};
  return r.value()[0];
}

TEST(PayloadFields, SaProposalTransformsAndKeyLength) {
  Payload p = parse_one(PayloadType::SA,
                        "00 00 0024 00 00 0020 01 03 04 02 aabbccdd"
                        "03 00 000c 01 00 0014 800e 0100  00 00 0008 05 00 0001");
  const auto* sa = p.as<SaPayload>();
  ASSERT_NE(sa, nullptr);
  ASSERT_EQ(sa->proposals.size(), 1u);
  const Proposal& pr = sa->proposals[0];
  EXPECT_EQ(pr.number, 1);
  EXPECT_EQ(pr.protocol, ProtocolId::ESP);
  EXPECT_EQ(to_hex(pr.spi), "aabbccdd");
  ASSERT_EQ(pr.transforms.size(), 2u);
  EXPECT_EQ(pr.transforms[0].type, TransformType::ENCR);
  EXPECT_EQ(pr.transforms[0].id, 20);
  EXPECT_EQ(pr.transforms[0].key_length(), std::optional<std::uint16_t>(256));
  EXPECT_EQ(pr.transforms[1].type, TransformType::ESN);
  EXPECT_EQ(pr.transforms[1].id, 1);
  EXPECT_FALSE(pr.transforms[1].key_length().has_value());
}

TEST(PayloadFields, NotifyTsIdSkf) {
  Payload n = parse_one(PayloadType::Notify, "00 00 000c 03 04 4009 aabbccdd");
  ASSERT_NE(n.as<NotifyPayload>(), nullptr);
  EXPECT_EQ(n.as<NotifyPayload>()->type, NotifyType::REKEY_SA);
  EXPECT_EQ(n.as<NotifyPayload>()->protocol, ProtocolId::ESP);
  EXPECT_EQ(to_hex(n.as<NotifyPayload>()->spi), "aabbccdd");
  EXPECT_TRUE(n.as<NotifyPayload>()->data.empty());

  Payload ts = parse_one(PayloadType::TSi, "00 00 0018 01 000000 07 11 0010 01f4 01f5 c0000200 c00002ff");
  ASSERT_NE(ts.as<TsPayload>(), nullptr);
  ASSERT_EQ(ts.as<TsPayload>()->selectors.size(), 1u);
  const TrafficSelector& s = ts.as<TsPayload>()->selectors[0];
  EXPECT_EQ(s.type, TsType::IPV4_ADDR_RANGE);
  EXPECT_EQ(s.ip_protocol, 17);
  EXPECT_EQ(s.start_port, 500);
  EXPECT_EQ(s.end_port, 501);
  EXPECT_EQ(to_hex(s.start_addr), "c0000200");
  EXPECT_EQ(to_hex(s.end_addr), "c00002ff");

  Payload id = parse_one(PayloadType::IDr, "00 00 000c 01 000000 c0000201");
  ASSERT_NE(id.as<IdPayload>(), nullptr);
  EXPECT_EQ(id.as<IdPayload>()->type, IdType::IPV4_ADDR);

  Payload ke = parse_one(PayloadType::KE, "00 00 000a 001f 0000 0102");
  ASSERT_NE(ke.as<KePayload>(), nullptr);
  EXPECT_EQ(ke.as<KePayload>()->group, 31);
  EXPECT_EQ(to_hex(ke.as<KePayload>()->data), "0102");
}

TEST(PayloadFields, SkfFragmentFieldsInAMessage) {
  Bytes wire = header_hex(53, 28 + 14);
  Bytes chain = hex("23 00 000e 0003 0005 e0e1e2e3e4e5");  // fragment 3 of 5 with Next Payload set
  wire.insert(wire.end(), chain.begin(), chain.end());
  auto r = parse(wire);
  ASSERT_FALSE(r.ok());  // RFC 7383 2.5: Next Payload only in fragment 1
  EXPECT_EQ(r.error().code, MsgErrc::InvalidSyntax);
  wire[28] = 0;
  r = parse(wire);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const auto* f = r.value().payloads.at(0).as<SkfPayload>();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->number, 3);
  EXPECT_EQ(f->total, 5);
  EXPECT_EQ(f->inner_first, PayloadType::None);
  EXPECT_EQ(to_hex(f->encrypted), "e0e1e2e3e4e5");
}

}  // namespace
}  // namespace esp::ike
