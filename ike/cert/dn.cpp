// Distinguished names: strongSwan's text form <-> DER (dn.hpp).
#include "dn.hpp"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <cctype>
#include <memory>
#include <stdexcept>

namespace esp::ike::dn {
namespace {

struct NameFree {
  void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};
using NamePtr = std::unique_ptr<X509_NAME, NameFree>;

struct AttrName {
  const char* name;  // the first entry of an OID is the name printed
  const char* oid;   // dotted
  bool ia5;          // encoded as IA5String (else PrintableString or UTF8String)
};

// strongSwan 5.9's attribute names, OIDs and printed names (its x501rdns
// table and oid names), checked against libstrongswan by
// test_ike_cert_strongswan. "SN" is the surname there, not serialNumber.
const AttrName kNames[] = {
    {"C", "2.5.4.6", false},
    {"ST", "2.5.4.8", false},
    {"L", "2.5.4.7", false},
    {"O", "2.5.4.10", false},
    {"OU", "2.5.4.11", false},
    {"CN", "2.5.4.3", false},
    {"SN", "2.5.4.4", false},
    {"serialNumber", "2.5.4.5", false},
    {"E", "1.2.840.113549.1.9.1", true},
    {"Email", "1.2.840.113549.1.9.1", true},
    {"emailAddress", "1.2.840.113549.1.9.1", true},
    {"DC", "0.9.2342.19200300.100.1.25", false},
    {"UID", "0.9.2342.19200300.100.1.1", false},
    {"T", "2.5.4.12", false},
    {"D", "2.5.4.13", false},
    {"N", "2.5.4.41", false},
    {"G", "2.5.4.42", false},
    {"I", "2.5.4.43", false},
    {"ID", "2.5.4.45", false},
    {"dnQualifier", "2.5.4.46", false},
    {"pseudonym", "2.5.4.65", false},
    {"postalCode", "2.5.4.17", false},
    {"STREET", "2.5.4.9", false},
    {"employeeNumber", "2.16.840.1.113730.3.1.3", false},
    {"EN", "2.16.840.1.113730.3.1.3", false},
    {"unstructuredName", "1.2.840.113549.1.9.2", true},
    {"UN", "1.2.840.113549.1.9.2", true},
    {"ND", "0.2.262.1.10.7.20", false},
};

const AttrName* attr_by_oid(const std::string& oid) {
  for (const auto& n : kNames)
    if (oid == n.oid) return &n;
  return nullptr;
}

bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool printable_char(unsigned char c) {
  return std::isalnum(c) || c == ' ' || c == '\'' || c == '(' || c == ')' || c == '+' || c == ',' || c == '-' ||
         c == '.' || c == '/' || c == ':' || c == '=' || c == '?';
}

// Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = cp << 6 | (d & 0x3Fu);
    }
    const uint32_t min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// The dotted OID of an attribute name; empty if unknown.
std::string oid_for(const std::string& key, bool* ia5) {
  for (const auto& n : kNames) {
    if (iequals(key, n.name)) {
      *ia5 = n.ia5;
      return n.oid;
    }
  }
  return "";
}

bool dotted_oid(const std::string& key) {
  if (key.empty() || !std::isdigit(static_cast<unsigned char>(key[0]))) return false;
  bool dot = false;
  for (char c : key) {
    if (c == '.') {
      dot = true;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dot && key.back() != '.';
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && s[b] == ' ') ++b;
  while (e > b && s[e - 1] == ' ') --e;
  return s.substr(b, e - b);
}

void add_attr(X509_NAME* name, const std::string& key, const std::string& value, const std::string& text) {
  bool ia5 = false;
  std::string oid = oid_for(key, &ia5);
  if (oid.empty()) {
    if (!dotted_oid(key)) throw std::invalid_argument("DN '" + text + "': unknown attribute '" + key + "'");
    oid = key;
  }
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> obj(OBJ_txt2obj(oid.c_str(), 1), ASN1_OBJECT_free);
  if (!obj) throw std::invalid_argument("DN '" + text + "': bad OID '" + key + "'");
  if (value.empty()) throw std::invalid_argument("DN '" + text + "': empty value for '" + key + "'");
  int type;
  if (ia5) {
    for (char c : value)
      if (static_cast<unsigned char>(c) >= 0x80)
        throw std::invalid_argument("DN '" + text + "': '" + key + "' must be ASCII (IA5String)");
    type = V_ASN1_IA5STRING;
  } else {
    bool printable = true;
    for (char c : value) printable = printable && printable_char(static_cast<unsigned char>(c));
    type = printable ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING;
    if (!printable && !valid_utf8(value))
      throw std::invalid_argument("DN '" + text + "': value of '" + key + "' is not UTF-8");
  }
  if (X509_NAME_add_entry_by_OBJ(name, obj.get(), type, reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1)
    throw std::invalid_argument("DN '" + text + "': cannot encode '" + key + "'");
}

std::string hex(const Bytes& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

std::string escape(const std::string& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == ',' || c == '\\' || (c == ' ' && (i == 0 || i + 1 == v.size()))) out += '\\';
    out += c;
  }
  return out;
}

bool ascii_icase(const std::string& a, const std::string& b) { return iequals(a, b); }

}  // namespace

Bytes from_text(const std::string& text) {
  NamePtr name(X509_NAME_new());
  if (!name) throw std::runtime_error("X509_NAME_new failed");
  size_t i = 0;
  const size_t n = text.size();
  while (i < n && text[i] == ' ') ++i;
  // As strongSwan: "/C=CH/O=x" separates by '/', anything else by ','.
  const char sep = i < n && text[i] == '/' ? '/' : ',';
  size_t count = 0;
  while (true) {
    while (i < n && (text[i] == ' ' || text[i] == sep)) ++i;
    if (i >= n) break;
    const size_t eq = text.find('=', i);
    const size_t next = text.find(sep, i);
    if (eq == std::string::npos || (next != std::string::npos && next < eq))
      throw std::invalid_argument("DN '" + text + "': expected attribute=value at '" + text.substr(i) + "'");
    const std::string key = trim(text.substr(i, eq - i));
    if (key.empty()) throw std::invalid_argument("DN '" + text + "': missing attribute name before '='");
    i = eq + 1;
    while (i < n && text[i] == ' ') ++i;
    std::string value;
    size_t keep = 0;  // length of value up to its last escaped or non-space character
    for (; i < n && text[i] != sep; ++i) {
      if (text[i] == '\\') {
        if (i + 1 >= n) throw std::invalid_argument("DN '" + text + "': '\\' at the end");
        value += text[++i];
        keep = value.size();
      } else {
        value += text[i];
        if (text[i] != ' ') keep = value.size();
      }
    }
    value.resize(keep);
    add_attr(name.get(), key, value, text);
    ++count;
  }
  if (count == 0) throw std::invalid_argument("DN '" + text + "' has no attribute");
  unsigned char* der = nullptr;
  const int len = i2d_X509_NAME(name.get(), &der);
  if (len <= 0) throw std::invalid_argument("DN '" + text + "': cannot encode");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::optional<std::vector<Attr>> parse(ByteView der) {
  if (der.empty() || der.size > 65535) return std::nullopt;
  const unsigned char* p = der.data;
  NamePtr name(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size)));
  if (!name || p != der.data + der.size) return std::nullopt;
  std::vector<Attr> out;
  const int count = X509_NAME_entry_count(name.get());
  for (int k = 0; k < count; ++k) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name.get(), k);
    const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
    const ASN1_STRING* s = X509_NAME_ENTRY_get_data(e);
    if (!obj || !s) return std::nullopt;
    Attr a;
    const unsigned char* od = OBJ_get0_data(obj);
    a.oid.assign(od, od + OBJ_length(obj));
    a.nid = OBJ_obj2nid(obj);
    char buf[128] = {0};
    if (OBJ_obj2txt(buf, sizeof buf, obj, 1) > 0) a.oid_text = buf;
    a.type = ASN1_STRING_type(s);
    const unsigned char* sd = ASN1_STRING_get0_data(s);
    a.raw.assign(sd, sd + ASN1_STRING_length(s));
    unsigned char* u = nullptr;
    const int ul = ASN1_STRING_to_UTF8(&u, s);
    if (ul >= 0) {
      a.utf8 = std::string(reinterpret_cast<char*>(u), static_cast<size_t>(ul));
      OPENSSL_free(u);
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<std::string> to_text(ByteView der) {
  const auto attrs = parse(der);
  if (!attrs) return std::nullopt;
  std::string out;
  for (const auto& a : *attrs) {
    if (!out.empty()) out += ", ";
    const AttrName* an = attr_by_oid(a.oid_text);
    out += an ? an->name : (a.oid_text.empty() ? "?" : a.oid_text.c_str());
    out += '=';
    bool printable = a.utf8.has_value() && valid_utf8(*a.utf8) && !a.utf8->empty();
    if (printable)
      for (char c : *a.utf8) printable = printable && !(static_cast<unsigned char>(c) < 0x20 || c == 0x7f);
    if (printable) {
      out += escape(*a.utf8);
    } else {
      out += "#" + hex(a.raw);
    }
  }
  return out;
}

int match(const std::vector<Attr>& actual, const std::vector<Attr>& pattern, bool allow_wildcards) {
  if (actual.size() != pattern.size()) return -1;
  int wildcards = 0;
  for (size_t k = 0; k < actual.size(); ++k) {
    const Attr& a = actual[k];
    const Attr& p = pattern[k];
    if (a.oid != p.oid) return -1;
    if (allow_wildcards && p.utf8 && *p.utf8 == "*") {
      ++wildcards;
      continue;
    }
    if (a.type == p.type && a.raw == p.raw) continue;
    if (!a.utf8 || !p.utf8) return -1;
    // As strongSwan: case-insensitive only for two PrintableStrings or two
    // IA5String e-mail attributes; otherwise the UTF-8 must be equal.
    const bool icase = a.type == p.type && (a.type == V_ASN1_PRINTABLESTRING ||
                                            (a.type == V_ASN1_IA5STRING && a.oid_text == "1.2.840.113549.1.9.1"));
    if (icase ? !ascii_icase(*a.utf8, *p.utf8) : *a.utf8 != *p.utf8) return -1;
  }
  return wildcards;
}

}  // namespace esp::ike::dn
