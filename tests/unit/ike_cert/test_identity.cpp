// identity.hpp: ID payloads for configured identities, strongSwan's printing,
// matching with wildcards (strongSwan's identification_t rules), table-driven.
#include "esp/ike/identity.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace esp::ike;
using conf::Identity;

namespace {

Bytes str_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

// DER of Name { SET { SEQ { OID 2.5.4.6, PrintableString "CH" } },
//               SET { SEQ { OID 2.5.4.3, UTF8String "moon" } } } written by hand (X.690).
const Bytes kDnChMoon = {0x30, 0x1c, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 'C', 'H',
                         0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x04, 'm', 'o', 'o', 'n'};

TEST(IkeIdentity, PayloadForEachType) {
  struct Case {
    std::string text;
    IdType type;
    Bytes data;
  };
  const Case cases[] = {
      {"192.0.2.1", IdType::IPV4_ADDR, {192, 0, 2, 1}},
      {"ipv4:10.0.0.254", IdType::IPV4_ADDR, {10, 0, 0, 254}},
      {"2001:db8::1", IdType::IPV6_ADDR, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"@moon.strongswan.org", IdType::FQDN, str_bytes("moon.strongswan.org")},
      {"fqdn:192.0.2.1", IdType::FQDN, str_bytes("192.0.2.1")},
      {"moon", IdType::FQDN, str_bytes("moon")},
      {"carol@strongswan.org", IdType::RFC822_ADDR, str_bytes("carol@strongswan.org")},
      {"email:x", IdType::RFC822_ADDR, str_bytes("x")},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const IdData d = id_payload_for(Identity::parse(c.text));
    EXPECT_EQ(d.type, c.type);
    EXPECT_EQ(d.data, c.data);
  }
}

TEST(IkeIdentity, DnPayloadIsStrongSwansEncoding) {
  // C as PrintableString; "moon" is printable too, so PrintableString (0x13).
  const IdData d = id_payload_for(Identity::parse("C=CH, CN=moon"));
  EXPECT_EQ(d.type, IdType::DER_ASN1_DN);
  Bytes want = kDnChMoon;
  want[24] = 0x13;  // UTF8String -> PrintableString
  EXPECT_EQ(d.data, want) << to_hex(d.data);
  // The slash form and odd spacing give the same bytes.
  EXPECT_EQ(id_payload_for(Identity::parse("/C=CH/CN=moon")).data, want);
  EXPECT_EQ(id_payload_for(Identity::parse("  C = CH ,CN=moon  ")).data, want);
  // Not printable -> UTF8String (0x0c); E -> IA5String (0x16).
  EXPECT_EQ(id_payload_for(Identity::parse("CN=a_b")).data,
            (Bytes{0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x03, 'a', '_', 'b'}));
  const Bytes e = id_payload_for(Identity::parse("E=a@b")).data;
  ASSERT_EQ(e.size(), 22u);
  EXPECT_EQ(e[17], 0x16);
}

TEST(IkeIdentity, BadIdentitiesThrow) {
  for (const char* t : {"CN=", "C=CH, XX=y", "S=x", "C=CH,,=x", "C=CH, =y", "CN=a\\", "E=caf\xc3\xa9@x", "CN=\xff\xfe", "C=CH, 1.2.=x"}) {
    SCOPED_TRACE(t);
    EXPECT_THROW(id_payload_for(Identity::parse(t)), std::invalid_argument);
  }
  EXPECT_THROW(id_payload_for(Identity::parse("%any")), std::invalid_argument);
  EXPECT_THROW(id_payload_for(Identity::parse("")), std::invalid_argument);
  // A dotted OID is fine.
  EXPECT_NO_THROW(id_payload_for(Identity::parse("2.5.4.97=VATCH-1, CN=x")));
}

TEST(IkeIdentity, TextOfIds) {
  struct Case {
    IdType type;
    Bytes data;
    std::string text;
  };
  const Case cases[] = {
      {IdType::IPV4_ADDR, {192, 0, 2, 1}, "192.0.2.1"},
      {IdType::IPV4_ADDR, {192, 0, 2}, "(invalid ID_IPV4_ADDR)"},
      {IdType::IPV6_ADDR, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "2001:db8::1"},
      {IdType::IPV6_ADDR, {1, 2, 3, 4}, "(invalid ID_IPV6_ADDR)"},
      {IdType::FQDN, str_bytes("moon.strongswan.org"), "moon.strongswan.org"},
      {IdType::FQDN, {'a', 0, '\n', 'b'}, "a??b"},
      {IdType::FQDN, {}, "(invalid ID_FQDN)"},
      {IdType::RFC822_ADDR, str_bytes("a@b.c"), "a@b.c"},
      {IdType::KEY_ID, {0xde, 0xad, 0x01}, "dead01"},
      {IdType::DER_ASN1_DN, kDnChMoon, "C=CH, CN=moon"},
      {IdType::DER_ASN1_DN, {0x30, 0x03, 0x31, 0x01}, "(invalid ID_DER_ASN1_DN)"},
      {IdType::DER_ASN1_DN, Bytes(kDnChMoon.begin(), kDnChMoon.end() - 1), "(invalid ID_DER_ASN1_DN)"},
      {static_cast<IdType>(200), {1}, "(unknown ID type 200)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(id_text(c.type, c.data), c.text);
  }
  // Trailing bytes after a DN are refused.
  Bytes extra = kDnChMoon;
  extra.push_back(0);
  EXPECT_EQ(id_text(IdType::DER_ASN1_DN, extra), "(invalid ID_DER_ASN1_DN)");
}

TEST(IkeIdentity, DnTextRoundTrips) {
  for (const char* t : {"C=CH, O=strongSwan, CN=moon.strongswan.org", "C=CH, O=a\\, b, CN=x/y",
                        "CN=Z\xc3\xbcrich, E=a@b.c", "DC=org, DC=example, UID=jdoe", "2.5.4.97=VATCH-1, CN=x",
                        "CN=\\ padded\\ "}) {
    SCOPED_TRACE(t);
    const IdData d = id_payload_for(Identity::parse(t));
    EXPECT_EQ(id_text(d.type, d.data), t);
    EXPECT_EQ(id_payload_for(identity_of(d.type, d.data)).data, d.data);
  }
}

TEST(IkeIdentity, Matching) {
  struct Case {
    std::string pattern;
    std::string id;  // parsed with Identity::parse, sent as id_payload_for
    int match;
  };
  const Case cases[] = {
      {"%any", "192.0.2.1", kIdMatchAny},
      {"%any", "C=CH, CN=x", kIdMatchAny},
      {"192.0.2.1", "192.0.2.1", kIdMatchPerfect},
      {"192.0.2.1", "192.0.2.2", kIdMatchNone},
      {"192.0.2.1", "fqdn:192.0.2.1", kIdMatchNone},  // type matters
      {"2001:db8::1", "2001:0db8:0::0:1", kIdMatchPerfect},
      {"2001:db8::1", "192.0.2.1", kIdMatchNone},
      {"moon.example.com", "MOON.Example.COM", kIdMatchPerfect},
      {"moon.example.com", "sun.example.com", kIdMatchNone},
      {"*.example.com", "moon.example.com", kIdMatchOneWildcard},
      {"*.example.com", "a.b.example.com", kIdMatchOneWildcard},
      {"*.example.com", ".example.com", kIdMatchNone},  // '*' stands for at least one character
      {"*.example.com", "example.com", kIdMatchNone},
      {"*.example.com", "moon.example.org", kIdMatchNone},
      {"@*", "anything", kIdMatchAny},
      {"*@example.com", "carol@EXAMPLE.com", kIdMatchOneWildcard},
      {"*@example.com", "carol@example.org", kIdMatchNone},
      {"*@example.com", "fqdn:x@example.com", kIdMatchNone},
      {"carol@example.com", "Carol@example.com", kIdMatchPerfect},
      {"C=CH, O=Test, CN=moon", "C=CH, O=Test, CN=moon", kIdMatchPerfect},
      {"C=CH, O=Test, CN=moon", "C=ch, O=test, CN=MOON", kIdMatchPerfect},  // PrintableString: any case
      {"C=CH, O=Test, CN=moon", "C=CH, O=Test, CN=sun", kIdMatchNone},
      {"C=CH, O=Test, CN=moon", "C=CH, CN=moon", kIdMatchNone},
      {"C=CH, O=Test, CN=moon", "C=CH, CN=moon, O=Test", kIdMatchNone},  // order matters
      {"C=CH, O=Test, CN=*", "C=CH, O=Test, CN=sun", kIdMatchPerfect - 1},
      {"C=CH, O=*, CN=*", "C=CH, O=Test, CN=sun", kIdMatchPerfect - 2},
      {"C=CH, O=Test, CN=*", "C=CH, O=Test, OU=x, CN=sun", kIdMatchNone},
      {"C=CH, O=Test, CN=*", "C=CH, O=Test, OU=sun", kIdMatchNone},  // OID differs
      {"C=CH, O=Test, CN=*", "sun", kIdMatchNone},
      {"CN=Z\xc3\xbcrich", "CN=Z\xc3\xbcrich", kIdMatchPerfect},
      {"CN=Z\xc3\xbcrich", "CN=z\xc3\xbcrich", kIdMatchNone},  // UTF8String: exact
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.pattern + " vs " + c.id);
    const IdData d = id_payload_for(Identity::parse(c.id));
    EXPECT_EQ(id_match(Identity::parse(c.pattern), d.type, d.data), c.match);
    EXPECT_EQ(id_matches(Identity::parse(c.pattern), d.type, d.data), c.match > 0);
  }
  // A DN given in DER with other string types matches by value.
  EXPECT_TRUE(id_matches(Identity::parse("C=CH, CN=moon"), IdType::DER_ASN1_DN, kDnChMoon));
  // NUL bytes never match; a pattern that is no DN matches nothing.
  EXPECT_FALSE(id_matches(Identity::parse("*"), IdType::FQDN, Bytes{'a', 0}));
  Identity broken = Identity::parse("C=CH");
  broken.value = "C=CH, XX=1";
  EXPECT_FALSE(id_matches(broken, IdType::DER_ASN1_DN, kDnChMoon));
}

TEST(IkeIdentity, IdentityOf) {
  const Identity v4 = identity_of(IdType::IPV4_ADDR, Bytes{192, 0, 2, 1});
  EXPECT_EQ(v4.type, Identity::Type::Ipv4);
  EXPECT_EQ(v4.value, "192.0.2.1");
  const Identity f = identity_of(IdType::FQDN, str_bytes("moon"));
  EXPECT_EQ(f.type, Identity::Type::Fqdn);
  EXPECT_EQ(f.value, "moon");
  const Identity dn = identity_of(IdType::DER_ASN1_DN, kDnChMoon);
  EXPECT_EQ(dn.type, Identity::Type::Dn);
  EXPECT_EQ(dn.text, "C=CH, CN=moon");
  EXPECT_TRUE(id_matches(dn, IdType::DER_ASN1_DN, kDnChMoon));
  EXPECT_THROW(identity_of(IdType::KEY_ID, Bytes{1, 2}), std::invalid_argument);
  EXPECT_THROW(identity_of(IdType::IPV6_ADDR, Bytes{1, 2}), std::invalid_argument);
  EXPECT_THROW(identity_of(IdType::DER_ASN1_DN, Bytes{0x30, 0x05}), std::invalid_argument);
  EXPECT_THROW(identity_of(IdType::FQDN, Bytes{}), std::invalid_argument);
}

}  // namespace
