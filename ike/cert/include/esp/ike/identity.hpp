// IKE identities (RFC 7296 3.5) as esp-iked uses them: the ID payload for a
// configured identity (conf::Identity, strongSwan's syntax), strongSwan's
// printing of an ID payload, and matching a received ID against a configured
// pattern the way strongSwan's identification_t.matches() does.
//
// DNs in text are strongSwan's: "C=CH, O=strongSwan, CN=moon.strongswan.org",
// most significant RDN first, one attribute per RDN; a text starting with '/'
// ("/C=CH/O=strongSwan/CN=moon") is separated by '/' instead of ','.
// Attribute names as strongSwan 5.9 (any case): C ST L O OU CN SN (surname!)
// serialNumber E (Email, emailAddress) DC UID T D N G I ID dnQualifier
// pseudonym postalCode STREET employeeNumber (EN) unstructuredName (UN) ND;
// also a dotted OID ("2.5.4.97=x", our extension). A backslash escapes the
// next character ("O=a\, b", our extension: strongSwan has no escapes).
// Values are encoded as strongSwan encodes them: PrintableString when the
// value fits, else UTF8String; E and UN as IA5String (ASCII only).
// test_ike_cert_strongswan checks encoding and printing against libstrongswan.
//
// Thread-safety: all functions are reentrant (no shared state).
#pragma once

#include <string>

#include "esp/ike/bytes.hpp"
#include "esp/ike/conf_model.hpp"
#include "esp/ike/msg_types.hpp"

namespace esp::ike {

// The body of an ID payload (after its 4-byte header): the ID type and data.
struct IdData {
  IdType type = IdType::FQDN;
  Bytes data;
  bool operator==(const IdData& o) const { return type == o.type && data == o.data; }
};

// Ipv4/Ipv6 -> IPV4_ADDR/IPV6_ADDR (4/16 bytes), Fqdn -> FQDN, Rfc822 ->
// RFC822_ADDR (the text's bytes), Dn -> DER_ASN1_DN (DER of the X.501 Name).
// Throws std::invalid_argument for a bad DN or address, and for %any (which
// cannot be sent).
IdData id_payload_for(const conf::Identity& id);

// strongSwan's printing: "192.0.2.1", "2001:db8::1", "moon.strongswan.org",
// "a@b.c", "C=CH, O=strongSwan, CN=moon"; KEY_ID and DER_ASN1_GN as hex.
// Non-printable characters in an FQDN or RFC822 ID print as '?'; a DN value
// that is not printable text prints as '#' and its hex. Differences from
// strongSwan, so that a printed DN parses back: ',' '\' and leading/trailing
// spaces in DN values are escaped with '\', and UTF-8 prints as UTF-8
// (strongSwan prints '?' for each non-ASCII byte). Data that does not
// parse prints as "(invalid ID_IPV4_ADDR)" etc. Never throws.
std::string id_text(IdType t, ByteView data);

// How well an ID matches a pattern, on strongSwan's scale (id_match_t):
// 0 none, 1 the pattern is %any, 2..19 a match with wildcards (fewer
// wildcards is higher; FQDN/RFC822 with a leading '*' is 19), 20 perfect.
enum IdMatch : int { kIdMatchNone = 0, kIdMatchAny = 1, kIdMatchOneWildcard = 19, kIdMatchPerfect = 20 };
int id_match(const conf::Identity& pattern, IdType t, ByteView data);

// id_match(...) > kIdMatchNone. %any matches all; otherwise the types must
// agree and: addresses by value; FQDN and RFC822 case-insensitively, where a
// pattern starting with '*' ("*.example.com", "*@example.com", "*") matches
// every ID that ends with the rest and is longer than it (a pattern "*"
// alone is a %any match, 1); DNs RDN by RDN (same attributes in the same
// order; two PrintableStrings or two IA5String e-mail values compare
// case-insensitively, anything else by its UTF-8 exactly, whatever the string
// types), where an RDN value "*" in the pattern matches any value. A pattern
// that does not parse (bad DN) matches nothing. test_ike_cert_strongswan
// compares this with libstrongswan's identification_t.matches().
bool id_matches(const conf::Identity& pattern, IdType t, ByteView data);

// The conf::Identity of an ID payload, for listings and secret lookup: type
// and value, text = id_text(t, data). Throws std::invalid_argument for IDs a
// conf::Identity cannot hold (KEY_ID, DER_ASN1_GN, unknown types) and for
// data that does not parse (a wrong address length, a bad DN).
conf::Identity identity_of(IdType t, ByteView data);

}  // namespace esp::ike
