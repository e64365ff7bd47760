// X.501 distinguished names in strongSwan's text form (private to
// esp_ike_cert; identity.hpp documents the syntax): text -> DER, DER -> text,
// and RDN-by-RDN comparison with "*" wildcards. Reentrant.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "esp/ike/bytes.hpp"

namespace esp::ike::dn {

// One attribute of a DN, as read from DER.
struct Attr {
  Bytes oid;          // DER content of the OBJECT IDENTIFIER
  std::string oid_text;  // dotted ("2.5.4.3")
  int nid = 0;        // OpenSSL's NID (0 if unknown)
  int type = 0;       // V_ASN1_PRINTABLESTRING, V_ASN1_UTF8STRING, ...
  Bytes raw;          // the string's content octets as encoded
  std::optional<std::string> utf8;  // the value as UTF-8, if it converts
};

// strongSwan's DN text to DER. Throws std::invalid_argument naming the problem.
Bytes from_text(const std::string& text);

// The attributes of a DER Name, in order; nullopt if `der` is not exactly one
// well-formed Name.
std::optional<std::vector<Attr>> parse(ByteView der);

// DER to strongSwan's text; nullopt if `der` is not a Name.
std::optional<std::string> to_text(ByteView der);

// Matches `actual` against `pattern`: the same number of attributes, the same
// OIDs in order, equal values (see identity.hpp); an RDN value "*" in the
// pattern matches anything when wildcards are allowed. Returns the number of
// wildcards used, or -1 for no match.
int match(const std::vector<Attr>& actual, const std::vector<Attr>& pattern, bool allow_wildcards);

}  // namespace esp::ike::dn
