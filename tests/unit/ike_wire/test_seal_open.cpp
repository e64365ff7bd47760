// seal_message / open_message without fragmentation: round trips for every
// IKE SA suite, the header the codec parses back, tampering with any byte,
// wrong keys, inner chains that do not parse once authenticated, and the
// size limits.
#include <gtest/gtest.h>

#include "esp/ike/protect.hpp"
#include "wire_util.hpp"

using namespace esp::ike;
using namespace esp::ike::test;

namespace {

TEST(IkeWireSeal, RoundTripEverySuite) {
  for (const Suite& s : kSuites) {
    SCOPED_TRACE(s.name);
    auto cp = cipher_pair(s);
    for (std::size_t cert : {0, 1, 15, 16, 17, 300, 1500}) {
      SCOPED_TRACE(cert);
      const auto inner = auth_inner(cert);
      const IkeHeader h = auth_header(1);
      auto sealed = seal_message(h, inner, *cp.tx, 0);
      ASSERT_TRUE(sealed) << sealed.error().to_string();
      ASSERT_EQ(sealed.value().size(), 1u);
      const Bytes& d = sealed.value()[0];
      EXPECT_EQ(d.size(), kSkOverhead + cp.tx->body_len(chain_bytes(inner).size()));
      EXPECT_EQ(fragment_count(*cp.tx, chain_bytes(inner).size(), 0), 1u);
      auto m = parse(d);
      ASSERT_TRUE(m) << m.error().to_string();
      const IkeHeader& g = m.value().header;
      EXPECT_EQ(g.spi_i, h.spi_i);
      EXPECT_EQ(g.spi_r, h.spi_r);
      EXPECT_EQ(g.exchange, ExchangeType::IkeAuth);
      EXPECT_EQ(g.flags, flags::kInitiator);
      EXPECT_EQ(g.message_id, 1u);
      EXPECT_EQ(g.next_payload, PayloadType::SK);
      EXPECT_EQ(g.length, d.size());
      ASSERT_EQ(m.value().payloads.size(), 1u);
      ASSERT_NE(m.value().payloads[0].as<SkPayload>(), nullptr);
      EXPECT_EQ(m.value().payloads[0].as<SkPayload>()->inner_first, PayloadType::IDi);
      bool auth = false;
      auto opened = open_message(d, m.value(), *cp.rx, &auth);
      ASSERT_TRUE(opened) << opened.error().to_string();
      EXPECT_TRUE(auth);
      EXPECT_EQ(chain_bytes(opened.value()), chain_bytes(inner));
    }
  }
}

TEST(IkeWireSeal, EmptyInformational) {
  // A liveness check (RFC 7296 2.4): an INFORMATIONAL with an empty SK.
  for (const Suite& s : kSuites) {
    SCOPED_TRACE(s.name);
    auto cp = cipher_pair(s);
    IkeHeader h = auth_header(9, flags::kResponse);
    h.exchange = ExchangeType::Informational;
    auto sealed = seal_message(h, {}, *cp.tx, 1280);
    ASSERT_TRUE(sealed);
    ASSERT_EQ(sealed.value().size(), 1u);
    auto m = parse(sealed.value()[0]);
    ASSERT_TRUE(m);
    EXPECT_EQ(m.value().payloads[0].as<SkPayload>()->inner_first, PayloadType::None);
    auto opened = open_message(sealed.value()[0], m.value(), *cp.rx);
    ASSERT_TRUE(opened) << opened.error().to_string();
    EXPECT_TRUE(opened.value().empty());
  }
}

TEST(IkeWireSeal, FreshIvEachTime) {
  for (const Suite& s : kSuites) {
    auto cp = cipher_pair(s);
    const auto inner = auth_inner(100);
    auto a = seal_message(auth_header(2), inner, *cp.tx, 0);
    auto b = seal_message(auth_header(2), inner, *cp.tx, 0);
    ASSERT_TRUE(a && b);
    const Bytes ivA(a.value()[0].begin() + 32, a.value()[0].begin() + 32 + 8);
    const Bytes ivB(b.value()[0].begin() + 32, b.value()[0].begin() + 32 + 8);
    EXPECT_NE(ivA, ivB) << s.name;
    EXPECT_NE(a.value()[0], b.value()[0]) << s.name;
  }
}

TEST(IkeWireSeal, AnyTamperedByteFails) {
  for (const Suite& s : kSuites) {
    SCOPED_TRACE(s.name);
    auto cp = cipher_pair(s);
    auto sealed = seal_message(auth_header(3), auth_inner(0), *cp.tx, 0);
    ASSERT_TRUE(sealed);
    const Bytes good = sealed.value()[0];
    std::size_t opened_tampered = 0, parsed_tampered = 0;
    for (std::size_t i = 0; i < good.size(); ++i) {
      for (std::uint8_t bit : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
        Bytes d = good;
        d[i] ^= bit;
        auto m = parse(d);
        if (!m) continue;  // the codec already refuses it
        ++parsed_tampered;
        bool auth = true;
        auto o = open_message(d, m.value(), *cp.rx, &auth);
        if (o) ++opened_tampered;
        else EXPECT_FALSE(auth) << "byte " << i;
      }
    }
    EXPECT_GT(parsed_tampered, good.size());  // most flips still parse: the ICV must catch them
    EXPECT_EQ(opened_tampered, 0u);
  }
}

TEST(IkeWireSeal, WrongKeyOrDirectionFails) {
  for (const Suite& s : kSuites) {
    auto a = cipher_pair(s, 1);
    auto b = cipher_pair(s, 2);
    auto sealed = seal_message(auth_header(4), auth_inner(50), *a.tx, 0);
    ASSERT_TRUE(sealed);
    auto m = parse(sealed.value()[0]);
    ASSERT_TRUE(m);
    bool auth = true;
    auto o = open_message(sealed.value()[0], m.value(), *b.rx, &auth);
    EXPECT_FALSE(o) << s.name;
    EXPECT_FALSE(auth);
    EXPECT_TRUE(open_message(sealed.value()[0], m.value(), *a.rx)) << s.name;
  }
}

TEST(IkeWireSeal, AuthenticatedButInnerDoesNotParse) {
  // An unknown payload type with the critical bit: it builds, but the
  // receiver must answer UNSUPPORTED_CRITICAL_PAYLOAD (RFC 7296 2.5).
  auto cp = cipher_pair(kSuites[0]);
  std::vector<Payload> inner = auth_inner(0);
  Payload odd;
  odd.type = static_cast<PayloadType>(200);
  odd.critical = true;
  odd.body = RawPayload{{1, 2, 3}};
  inner.insert(inner.begin() + 1, odd);
  auto sealed = seal_message(auth_header(5), inner, *cp.tx, 0);
  ASSERT_TRUE(sealed) << sealed.error().to_string();
  auto m = parse(sealed.value()[0]);
  ASSERT_TRUE(m);
  bool auth = false;
  auto o = open_message(sealed.value()[0], m.value(), *cp.rx, &auth);
  ASSERT_FALSE(o);
  EXPECT_TRUE(auth);
  EXPECT_EQ(o.error().code, MsgErrc::UnsupportedCritical);
  EXPECT_EQ(o.error().notify(), NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD);
  EXPECT_EQ(o.error().payload_type, static_cast<PayloadType>(200));
}

TEST(IkeWireSeal, ParsedMessageMustMatchDatagram) {
  auto cp = cipher_pair(kSuites[2]);
  auto a = seal_message(auth_header(6), auth_inner(10), *cp.tx, 0);
  auto b = seal_message(auth_header(6), auth_inner(20), *cp.tx, 0);
  ASSERT_TRUE(a && b);
  auto ma = parse(a.value()[0]);
  ASSERT_TRUE(ma);
  bool auth = true;
  auto o = open_message(b.value()[0], ma.value(), *cp.rx, &auth);
  EXPECT_FALSE(o);
  EXPECT_FALSE(auth);
  // The parse of this very datagram, edited: the caller goes on to trust
  // parsed, so it must say what the authenticated bytes say.
  auto ma2 = parse(a.value()[0]);
  ASSERT_TRUE(ma2);
  EXPECT_TRUE(open_message(a.value()[0], ma2.value(), *cp.rx));
  for (int edit = 0; edit < 6; ++edit) {
    Message m = ma2.value();
    switch (edit) {
      case 0: m.header.message_id ^= 1; break;
      case 1: m.header.flags ^= flags::kResponse; break;
      case 2: m.header.spi_r ^= 1; break;
      case 3: m.header.exchange = ExchangeType::Informational; break;
      case 4: m.payloads[0].as<SkPayload>()->inner_first = PayloadType::Notify; break;
      default: m.payloads.insert(m.payloads.begin(), make_notify(NotifyType::INITIAL_CONTACT)); break;
    }
    bool authd = true;
    EXPECT_FALSE(open_message(a.value()[0], m, *cp.rx, &authd)) << edit;
    EXPECT_FALSE(authd);
  }
  // No SK at the end.
  Message plain;
  plain.header = auth_header(6);
  plain.payloads.push_back(make_notify(NotifyType::INITIAL_CONTACT));
  auto pb = build(plain);
  ASSERT_TRUE(pb);
  auto mp = parse(pb.value());
  ASSERT_TRUE(mp);
  EXPECT_FALSE(open_message(pb.value(), mp.value(), *cp.rx));
  // A fragment is not for open_message.
  auto frags = seal_message(auth_header(7), auth_inner(3000), *cp.tx, 1280);
  ASSERT_TRUE(frags);
  ASSERT_GT(frags.value().size(), 1u);
  auto mf = parse(frags.value()[0]);
  ASSERT_TRUE(mf);
  EXPECT_FALSE(open_message(frags.value()[0], mf.value(), *cp.rx));
}

TEST(IkeWireSeal, SizeLimits) {
  auto cp = cipher_pair(kSuites[0]);
  // Two 40000-byte certificates: one SK payload cannot hold them.
  std::vector<Payload> big;
  for (std::uint8_t seed : {std::uint8_t{1}, std::uint8_t{2}})
    big.push_back(make_payload(PayloadType::CERT,
                               CertPayload{CertEncoding::X509Signature, pattern(40000, seed)}));
  auto whole = seal_message(auth_header(8), big, *cp.tx, 0);
  ASSERT_FALSE(whole);
  EXPECT_EQ(whole.error().code, MsgErrc::Unencodable);
  EXPECT_EQ(fragment_count(*cp.tx, chain_bytes(big).size(), 0), 0u);
  // Fragmented, it goes.
  auto frags = seal_message(auth_header(8), big, *cp.tx, 1280);
  ASSERT_TRUE(frags) << frags.error().to_string();
  EXPECT_EQ(frags.value().size(), fragment_count(*cp.tx, chain_bytes(big).size(), 1280));
  EXPECT_GT(frags.value().size(), 64u);
  // A fragment length with no room for data after the headers, IV and ICV.
  for (std::size_t len : {1, 36, 36 + 8 + 16 + 1}) {
    auto tiny = seal_message(auth_header(8), auth_inner(100), *cp.tx, len);
    ASSERT_FALSE(tiny) << len;
    EXPECT_EQ(tiny.error().code, MsgErrc::Unencodable);
    EXPECT_EQ(fragment_capacity(*cp.tx, len), 0u);
  }
  // One byte per fragment: the smallest that works.
  EXPECT_EQ(fragment_capacity(*cp.tx, 36 + 8 + 16 + 2), 1u);
  auto bytewise = seal_message(auth_header(8), auth_inner(0), *cp.tx, 36 + 8 + 16 + 2);
  ASSERT_TRUE(bytewise);
  EXPECT_EQ(bytewise.value().size(), chain_bytes(auth_inner(0)).size());
  // An inner payload that does not build.
  std::vector<Payload> bad = {Payload{}};
  EXPECT_FALSE(seal_message(auth_header(8), bad, *cp.tx, 0));
}

}  // namespace
