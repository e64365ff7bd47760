// Bad input: truncation at every byte offset, length fields that lie, payload
// chains that go on and on, zero-length payloads, the critical bit, versions,
// SK/SKF placement. Every case must give an error with the right code and
// offset (never a crash: the suite also runs under ASan+UBSan, and each
// truncated copy is its own heap buffer so a read past it is caught).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "esp/ike/message.hpp"
#include "sa_init_vector.hpp"
#include "test_util.hpp"

namespace esp::ike {
namespace {

using test::fill;
using test::hex;
using test::to_hex;

const char* kHdr = "0102030405060708 0000000000000000";  // SPIs of the hand-written messages

// A message: header (next payload, exchange INFORMATIONAL, msg ID 1, length
// computed here) followed by the hand-written chain.
Bytes msg(std::uint8_t next, const std::string& chain_hex, std::uint8_t version = 0x20) {
  const Bytes chain = hex(chain_hex);
  Bytes m = hex(kHdr);
  m.push_back(next);
  m.push_back(version);
  m.push_back(37);
  m.push_back(0x08);
  const Bytes id = hex("00000001");
  m.insert(m.end(), id.begin(), id.end());
  const std::size_t total = 28 + chain.size();
  for (int s = 24; s >= 0; s -= 8) m.push_back(static_cast<std::uint8_t>(total >> s));
  m.insert(m.end(), chain.begin(), chain.end());
  return m;
}

void set_len(Bytes& m, std::size_t len) {
  for (int i = 0; i < 4; ++i) m[24 + i] = static_cast<std::uint8_t>(len >> (8 * (3 - i)));
}

// A message with one of every payload type this library decodes, and SK last.
Bytes every_payload_message() {
  Message m;
  m.header.spi_i = 1;
  m.header.spi_r = 2;
  m.header.exchange = ExchangeType::IkeAuth;
  Proposal p;
  p.protocol = ProtocolId::ESP;
  p.spi = hex("01020304");
  p.transforms = {Transform{TransformType::ENCR, 20, {TransformAttribute::key_length(128)}},
                  Transform{TransformType::ESN, 0, {TransformAttribute{7, false, 0, hex("00ff")}}}};
  m.payloads = {
      make_payload(PayloadType::SA, SaPayload{{p}}),
      make_payload(PayloadType::KE, KePayload{31, fill(32, 1)}),
      make_payload(PayloadType::IDi, IdPayload{IdType::FQDN, fill(5, 0x61)}),
      make_payload(PayloadType::CERT, CertPayload{CertEncoding::X509Signature, fill(9, 3)}),
      make_payload(PayloadType::CERTREQ, CertPayload{CertEncoding::X509Signature, fill(20, 3)}),
      make_payload(PayloadType::AUTH, AuthPayload{AuthMethod::SharedKeyMic, fill(32, 9)}),
      make_payload(PayloadType::Nonce, NoncePayload{fill(16, 0)}),
      make_notify(NotifyType::REKEY_SA, {}, ProtocolId::ESP, hex("01020304")),
      make_payload(PayloadType::Delete, DeletePayload{ProtocolId::ESP, 4, {hex("01020304")}}),
      make_payload(PayloadType::Vendor, VendorPayload{fill(3, 7)}),
      make_payload(PayloadType::TSi, TsPayload{{TrafficSelector{TsType::IPV4_ADDR_RANGE, 0, 0, 65535,
                                                                 hex("0a000000"), hex("0a0000ff")}}}),
      make_payload(PayloadType::TSr, TsPayload{{}}),
      make_payload(PayloadType::CP, RawPayload{hex("01000000")}),
      make_payload(PayloadType::SK, SkPayload{PayloadType::IDi, fill(40, 0x50)}),
  };
  auto b = build(m);
  EXPECT_TRUE(b.ok()) << b.error().to_string();
  return b.ok() ? b.value() : Bytes{};
}

std::vector<Bytes> valid_messages() {
  return {
      hex(test::kSaInitRequestHex),
      every_payload_message(),
      msg(53, "00 00 000a 0002 0002 e0e1"),  // SKF 2/2
      msg(200, "2b 00 0007 010203  00 00 0004"),  // unknown non-critical, then V
      msg(0, ""),                                 // no payloads at all
  };
}

TEST(ParseErrors, ValidMessagesParse) {
  for (const Bytes& m : valid_messages()) {
    auto r = parse(m);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
  }
}

// Cut at every offset: with the header's length unchanged (Truncated) and with
// the header's length patched to the cut (the last payload's length lies).
TEST(ParseErrors, TruncationAtEveryOffset) {
  for (const Bytes& full : valid_messages()) {
    for (std::size_t k = 0; k < full.size(); ++k) {
      std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(k));
      auto r = parse(cut.data(), cut.size());
      ASSERT_FALSE(r.ok()) << "cut at " << k << " of " << full.size();
      EXPECT_EQ(r.error().code, MsgErrc::Truncated) << k << ": " << r.error().to_string();
      if (k >= 28) {
        set_len(cut, k);
        auto r2 = parse(cut.data(), cut.size());
        ASSERT_FALSE(r2.ok()) << "cut at " << k << " with length patched";
        EXPECT_GE(r2.error().offset, 28u) << r2.error().to_string();
        EXPECT_LE(r2.error().offset, k) << r2.error().to_string();
      }
    }
  }
}

TEST(ParseErrors, NullAndEmpty) {
  EXPECT_EQ(parse(nullptr, 0).error().code, MsgErrc::Truncated);
  EXPECT_EQ(parse(nullptr, 100).error().code, MsgErrc::Truncated);
  EXPECT_EQ(parse_payload_chain(PayloadType::None, nullptr, 0).value().size(), 0u);
  EXPECT_EQ(parse_payload_chain(PayloadType::SA, nullptr, 0).error().code, MsgErrc::Truncated);
}

TEST(ParseErrors, HeaderLengthLies) {
  Bytes m = msg(43, "00 00 0008 01020304");
  set_len(m, m.size() + 1);
  EXPECT_EQ(parse(m).error().code, MsgErrc::Truncated);
  EXPECT_EQ(parse(m).error().offset, 24u);
  set_len(m, m.size() - 1);
  EXPECT_EQ(parse(m).error().code, MsgErrc::BadLength);
  set_len(m, 27);
  EXPECT_EQ(parse(m).error().code, MsgErrc::BadLength);
  set_len(m, 0xFFFFFFFFu);
  EXPECT_EQ(parse(m).error().code, MsgErrc::Truncated);
}

struct BadChain {
  const char* name;
  std::uint8_t first;
  const char* chain;
  MsgErrc code;
  std::size_t offset;  // absolute, in the message
};

// Offsets: the chain starts at 28.
const BadChain kBadChains[] = {
    // generic header
    {"payload_len_0", 43, "00 00 0000", MsgErrc::BadLength, 30},
    {"payload_len_3", 43, "00 00 0003 00", MsgErrc::BadLength, 30},
    {"payload_len_past_end", 43, "00 00 0009 01020304", MsgErrc::Truncated, 30},
    {"payload_len_short_rest_misread", 43, "00 00 0006 01020304", MsgErrc::BadLength, 34},
    {"next_announced_but_end", 43, "2b 00 0004", MsgErrc::Truncated, 32},
    {"partial_next_header", 43, "2b 00 0004 2b00", MsgErrc::Truncated, 32},
    {"trailing_after_last", 43, "00 00 0004 00000000", MsgErrc::BadLength, 32},
    // zero-length bodies where the RFC needs fields
    {"sa_empty", 33, "00 00 0004", MsgErrc::InvalidSyntax, 32},
    {"ke_empty", 34, "00 00 0004", MsgErrc::Truncated, 32},
    {"id_empty", 35, "00 00 0004", MsgErrc::Truncated, 32},
    {"cert_empty", 37, "00 00 0004", MsgErrc::Truncated, 32},
    {"auth_empty", 39, "00 00 0004", MsgErrc::Truncated, 32},
    {"nonce_empty", 40, "00 00 0004", MsgErrc::InvalidSyntax, 32},
    {"notify_empty", 41, "00 00 0004", MsgErrc::Truncated, 32},
    {"delete_empty", 42, "00 00 0004", MsgErrc::Truncated, 32},
    {"ts_empty", 44, "00 00 0004", MsgErrc::Truncated, 32},
    {"skf_empty", 53, "00 00 0004", MsgErrc::Truncated, 32},
    // nonce size limits
    {"nonce_15", 40, "00 00 0013 000102030405060708090a0b0c0d0e", MsgErrc::InvalidSyntax, 32},
    // SA internals
    {"proposal_len_0", 33, "00 00 000c 00 00 0000 01 01 00 00", MsgErrc::BadLength, 34},
    {"proposal_len_past_sa", 33, "00 00 000c 00 00 0009 01 01 00 00", MsgErrc::Truncated, 34},
    {"proposal_bad_last", 33, "00 00 000c 01 00 0008 01 01 00 00", MsgErrc::InvalidSyntax, 32},
    {"proposal_more_but_none", 33, "00 00 000c 02 00 0008 01 01 00 00", MsgErrc::Truncated, 40},
    {"proposal_after_last", 33, "00 00 0014 00 00 0008 01 01 00 00  00 00 0008 02 01 00 00",
     MsgErrc::InvalidSyntax, 40},
    {"spi_size_past_proposal", 33, "00 00 000c 00 00 0008 01 03 04 00", MsgErrc::Truncated, 38},
    {"transform_count_too_high", 33, "00 00 0014 00 00 0010 01 01 00 02  00 00 0008 04 00 0013",
     MsgErrc::InvalidSyntax, 48},
    {"transform_count_too_low", 33,
     "00 00 001c 00 00 0018 01 01 00 01  03 00 0008 04 00 0013  00 00 0008 02 00 0005",
     MsgErrc::InvalidSyntax, 39},  // the proposal's transform count
    {"transform_count_zero_but_bytes", 33, "00 00 0014 00 00 0010 01 01 00 00  00 00 0008 04 00 0013",
     MsgErrc::BadLength, 40},
    {"transform_len_0", 33, "00 00 0014 00 00 0010 01 01 00 01  00 00 0000 04 00 0013",
     MsgErrc::BadLength, 42},
    {"transform_len_past_proposal", 33, "00 00 0014 00 00 0010 01 01 00 01  00 00 0009 04 00 0013",
     MsgErrc::Truncated, 42},
    {"transform_bad_last", 33, "00 00 0014 00 00 0010 01 01 00 01  01 00 0008 04 00 0013",
     MsgErrc::InvalidSyntax, 40},
    {"attr_partial", 33, "00 00 0016 00 00 0012 01 01 00 01  00 00 000a 01 00 000c 800e",
     MsgErrc::Truncated, 48},
    {"tlv_attr_len_past", 33, "00 00 0018 00 00 0014 01 01 00 01  00 00 000c 01 00 000c 0001 0001",
     MsgErrc::Truncated, 50},
    {"key_length_as_tlv", 33, "00 00 0019 00 00 0015 01 01 00 01  00 00 000d 01 00 000c 000e 0001 00",
     MsgErrc::InvalidSyntax, 48},
    // ID sizes
    {"id_ipv4_5_bytes", 35, "00 00 000d 01 000000 c000020101", MsgErrc::InvalidSyntax, 36},
    {"id_ipv6_4_bytes", 35, "00 00 000c 05 000000 c0000201", MsgErrc::InvalidSyntax, 36},
    // Notify / Delete
    {"notify_spi_past", 41, "00 00 000a 03 04 4009 0102", MsgErrc::Truncated, 33},
    {"delete_count_lie_high", 42, "00 00 000c 03 04 0002 01020304", MsgErrc::Truncated, 34},
    {"delete_count_lie_low", 42, "00 00 0010 03 04 0001 01020304 05060708", MsgErrc::BadLength, 34},
    {"delete_count_without_size", 42, "00 00 0008 01 00 0001", MsgErrc::InvalidSyntax, 34},
    // TS
    {"ts_count_high", 44, "00 00 0018 02 000000  07 00 0010 0000 ffff c0000200 c00002ff",
     MsgErrc::Truncated, 52},
    {"ts_count_low", 44, "00 00 0018 00 000000  07 00 0010 0000 ffff c0000200 c00002ff",
     MsgErrc::BadLength, 36},
    {"ts_len_lie", 44, "00 00 0018 01 000000  07 00 0028 0000 ffff c0000200 c00002ff",
     MsgErrc::BadLength, 38},
    {"ts_ipv6_cut", 44, "00 00 0018 01 000000  08 00 0028 0000 ffff c0000200 c00002ff",
     MsgErrc::Truncated, 38},
    {"ts_unknown_type", 44, "00 00 0018 01 000000  09 00 0010 0000 ffff c0000200 c00002ff",
     MsgErrc::InvalidSyntax, 36},
    // SKF numbering
    {"skf_number_0", 53, "00 00 0008 0000 0002", MsgErrc::InvalidSyntax, 32},
    {"skf_total_0", 53, "00 00 0008 0001 0000", MsgErrc::InvalidSyntax, 32},
    {"skf_number_above_total", 53, "00 00 0008 0003 0002", MsgErrc::InvalidSyntax, 32},
    // SK must be last
    {"sk_not_last", 46, "23 00 0008 01020304  00 00 0004", MsgErrc::InvalidSyntax, 36},
    // the critical bit on a type nobody knows
    {"unknown_critical", 200, "00 80 0005 01", MsgErrc::UnsupportedCritical, 28},
    {"unknown_critical_second", 43, "c9 00 0004  00 81 0004", MsgErrc::UnsupportedCritical, 32},
};

class BadChainTest : public ::testing::TestWithParam<BadChain> {};

TEST_P(BadChainTest, ErrorCodeAndOffset) {
  const BadChain& c = GetParam();
  const Bytes m = msg(c.first, c.chain);
  auto r = parse(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(msg_errc_name(r.error().code), std::string(msg_errc_name(c.code))) << r.error().to_string();
  EXPECT_EQ(r.error().offset, c.offset) << r.error().to_string();
  EXPECT_FALSE(r.error().reason.empty());
}

INSTANTIATE_TEST_SUITE_P(Chains, BadChainTest, ::testing::ValuesIn(kBadChains),
                         [](const ::testing::TestParamInfo<BadChain>& i) { return i.param.name; });

TEST(ParseErrors, UnsupportedCriticalCarriesTheType) {
  auto r = parse(msg(43, "c9 00 0004  00 81 0004"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().payload_type, static_cast<PayloadType>(201));
  EXPECT_EQ(r.error().notify(), NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD);
  // Without the critical bit it is skipped and kept, and so is a known type
  // this library does not decode (CP) with the bit.
  auto ok = parse(msg(43, "c9 00 0004  2f 00 0005 01  00 80 0008 01000000"));
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  ASSERT_EQ(ok.value().payloads.size(), 3u);
  EXPECT_EQ(to_hex(ok.value().payloads[1].as<RawPayload>()->body), "01");
  EXPECT_TRUE(ok.value().payloads[2].critical);
  EXPECT_EQ(ok.value().payloads[2].type, PayloadType::CP);
}

TEST(ParseErrors, Versions) {
  auto r = parse(msg(0, "", 0x30));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, MsgErrc::InvalidMajorVersion);
  EXPECT_EQ(r.error().notify(), NotifyType::INVALID_MAJOR_VERSION);
  EXPECT_EQ(r.error().offset, 17u);
  EXPECT_EQ(parse(msg(0, "", 0x10)).error().code, MsgErrc::InvalidMajorVersion);  // IKEv1
  // A higher minor version is accepted and kept (RFC 7296 2.5).
  auto minor = parse(msg(0, "", 0x21));
  ASSERT_TRUE(minor.ok());
  EXPECT_EQ(minor.value().header.minor_version, 1);
  EXPECT_EQ(build(minor.value()).value()[17], 0x21);
}

// A chain of 300 one-word Vendor payloads each announcing another: a "loop"
// that would go on while there are bytes stops at kMaxPayloads.
TEST(ParseErrors, LongChainStopsAtTheLimit) {
  std::string chain;
  for (int i = 0; i < 300; ++i) chain += i + 1 < 300 ? "2b 00 0004 " : "00 00 0004 ";
  auto r = parse(msg(43, chain));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, MsgErrc::TooManyPayloads);
  EXPECT_EQ(r.error().offset, 28u + 4 * kMaxPayloads);
  // Exactly kMaxPayloads is fine.
  std::string exact;
  for (std::size_t i = 0; i < kMaxPayloads; ++i) exact += i + 1 < kMaxPayloads ? "2b 00 0004 " : "00 00 0004 ";
  auto ok = parse(msg(43, exact));
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok.value().payloads.size(), kMaxPayloads);
}

// The plaintext of an SK payload: parsed as a chain, with offsets relative to
// where the caller says it starts; an SK inside it is refused.
TEST(InnerChain, DecryptedPlaintext) {
  const Bytes plain = hex(
      "27 00 000c 01 000000 c0000201"    // IDi -> AUTH
      "21 00 000c 02 000000 01020304"    // AUTH -> SA
      "2c 00 0018 00 00 0014 01 03 04 01 aabbccdd 00 00 0008 05 00 0000"  // SA -> TSi
      "2d 00 0008 00 000000"             // TSi (no selectors) -> TSr
      "00 00 0008 00 000000");           // TSr
  auto r = parse_payload_chain(PayloadType::IDi, plain.data(), plain.size(), 32);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r.value().size(), 5u);
  EXPECT_EQ(r.value()[4].type, PayloadType::TSr);
  auto again = build_payload_chain(r.value());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value().first, PayloadType::IDi);
  EXPECT_EQ(to_hex(again.value().bytes), to_hex(plain));

  const Bytes nested = hex("2e 00 0008 01020304");  // V -> SK inside the plaintext
  const Bytes with_sk = hex("00 00 0008 01020304");
  auto e = parse_payload_chain(PayloadType::SK, with_sk.data(), with_sk.size(), 100);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, MsgErrc::InvalidSyntax);
  EXPECT_EQ(e.error().offset, 100u);
  auto t = parse_payload_chain(PayloadType::Vendor, nested.data(), nested.size() - 1, 100);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, MsgErrc::Truncated);
  EXPECT_EQ(t.error().offset, 102u);
}

// The flow ike/crypto will use: build the inner chain, put it (encrypted; here
// a stand-in IV | plaintext | ICV) into SK, send; receive, split the SK body,
// parse the plaintext as a chain starting with SK's Next Payload.
TEST(InnerChain, SkFlowWithStandInEncryption) {
  const std::vector<Payload> inner = {
      make_payload(PayloadType::IDi, IdPayload{IdType::FQDN, Bytes{'a', 'b'}}),
      make_payload(PayloadType::AUTH, AuthPayload{AuthMethod::SharedKeyMic, fill(32, 7)}),
      make_notify(NotifyType::INITIAL_CONTACT),
  };
  auto chain = build_payload_chain(inner);
  ASSERT_TRUE(chain.ok());
  Bytes body = fill(16, 0x10);  // "IV"
  body.insert(body.end(), chain.value().bytes.begin(), chain.value().bytes.end());
  const Bytes icv(16, 0xAA);
  body.insert(body.end(), icv.begin(), icv.end());
  Message m;
  m.header.exchange = ExchangeType::IkeAuth;
  m.header.message_id = 1;
  m.payloads = {make_payload(PayloadType::SK, SkPayload{chain.value().first, body})};
  auto wire = build(m);
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(wire.value()[16], 46);  // header Next Payload: SK
  EXPECT_EQ(wire.value()[28], 35);  // SK's Next Payload: IDi

  auto r = parse(wire.value());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const auto* sk = r.value().payloads.at(0).as<SkPayload>();
  ASSERT_NE(sk, nullptr);
  EncryptedParts parts;
  ASSERT_TRUE(split_encrypted(sk->encrypted, 16, 16, parts));
  auto got = parse_payload_chain(sk->inner_first, parts.ciphertext, parts.ciphertext_len, 28 + 4 + 16);
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  ASSERT_EQ(got.value().size(), 3u);
  EXPECT_EQ(got.value()[0].as<IdPayload>()->data, (Bytes{'a', 'b'}));
  EXPECT_EQ(got.value()[2].as<NotifyPayload>()->type, NotifyType::INITIAL_CONTACT);
}

TEST(BuildErrors, RefusesWhatCannotBeEncoded) {
  auto expect_unencodable = [](std::vector<Payload> ps, const char* what) {
    Message m;
    m.payloads = std::move(ps);
    auto r = build(m);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, MsgErrc::Unencodable) << what;
  };
  expect_unencodable({make_payload(PayloadType::SK, SkPayload{}), make_notify(NotifyType::COOKIE)},
                     "SK not last");
  expect_unencodable({make_payload(PayloadType::SA, KePayload{})}, "body/type mismatch");
  expect_unencodable({make_payload(PayloadType::Nonce, NoncePayload{fill(15, 0)})}, "short nonce");
  expect_unencodable({make_payload(PayloadType::Nonce, NoncePayload{fill(257, 0)})}, "long nonce");
  expect_unencodable({make_payload(PayloadType::SA, SaPayload{})}, "SA without proposals");
  expect_unencodable({make_payload(PayloadType::TSi, TsPayload{{TrafficSelector{TsType::IPV6_ADDR_RANGE, 0, 0, 0,
                                                                                 fill(4, 0), fill(4, 0)}}})},
                     "TS address size");
  expect_unencodable({make_payload(PayloadType::IDi, IdPayload{IdType::IPV4_ADDR, fill(16, 0)})}, "ID size");
  expect_unencodable({make_payload(PayloadType::Delete, DeletePayload{ProtocolId::ESP, 4, {fill(3, 0)}})},
                     "delete SPI size");
  expect_unencodable({make_payload(PayloadType::SKF, SkfPayload{PayloadType::IDi, 2, 2, {}})},
                     "inner type in fragment 2");
  expect_unencodable({make_payload(PayloadType::Vendor, VendorPayload{Bytes(65532, 0)})}, "payload > 64 KiB");
  expect_unencodable({make_payload(PayloadType::None, RawPayload{})}, "type 0");
  std::vector<Payload> many(kMaxPayloads + 1, make_payload(PayloadType::Vendor, VendorPayload{}));
  expect_unencodable(many, "too many payloads");
  // The largest payload that fits.
  Message ok;
  ok.payloads = {make_payload(PayloadType::Vendor, VendorPayload{Bytes(65531, 0)})};
  ASSERT_TRUE(build(ok).ok());
  EXPECT_TRUE(parse(build(ok).value()).ok());
}

TEST(SplitEncrypted, IvCiphertextIcv) {
  const Bytes body = fill(40, 0);
  EncryptedParts p;
  ASSERT_TRUE(split_encrypted(body, 8, 16, p));
  EXPECT_EQ(p.iv, body.data());
  EXPECT_EQ(p.ciphertext, body.data() + 8);
  EXPECT_EQ(p.ciphertext_len, 16u);
  EXPECT_EQ(p.icv, body.data() + 24);
  EXPECT_TRUE(split_encrypted(body, 24, 16, p));
  EXPECT_EQ(p.ciphertext_len, 0u);
  EXPECT_FALSE(split_encrypted(body, 25, 16, p));
  EXPECT_FALSE(split_encrypted(body, 41, 0, p));
  EXPECT_FALSE(split_encrypted(body, 8, static_cast<std::size_t>(-1), p));
}

// Deterministic mutations of the valid messages (flipped bytes, lengths set to
// extremes): parse never crashes, and whatever it accepts builds to bytes that
// parse and build again to the same bytes.
TEST(ParseErrors, MutationsParseOrFailCleanly) {
  std::uint32_t state = 12345;
  auto rnd = [&state]() {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  std::size_t accepted = 0;
  for (const Bytes& base : valid_messages()) {
    for (int n = 0; n < 3000; ++n) {
      Bytes m = base;
      const int flips = 1 + static_cast<int>(rnd() % 4);
      for (int f = 0; f < flips && !m.empty(); ++f) {
        const std::size_t at = rnd() % m.size();
        const std::uint32_t kind = rnd() % 3;
        m[at] = kind == 0 ? static_cast<std::uint8_t>(rnd()) : kind == 1 ? 0x00 : 0xFF;
      }
      auto r = parse(m);
      if (!r.ok()) continue;
      ++accepted;
      auto b1 = build(r.value());
      ASSERT_TRUE(b1.ok()) << b1.error().to_string();
      auto r2 = parse(b1.value());
      ASSERT_TRUE(r2.ok()) << r2.error().to_string();
      auto b2 = build(r2.value());
      ASSERT_TRUE(b2.ok());
      ASSERT_EQ(to_hex(b1.value()), to_hex(b2.value()));
    }
  }
  EXPECT_GT(accepted, 0u);
}

}  // namespace
}  // namespace esp::ike
