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
  const char* name;  // the first entry of a NID is the one printed
  int nid;
};

// strongSwan's attribute names (its x501rdns table and oid names).
const AttrName kNames[] = {
    {"C", NID_countryName},
    {"ST", NID_stateOrProvinceName},
    {"L", NID_localityName},
    {"O", NID_organizationName},
    {"OU", NID_organizationalUnitName},
    {"CN", NID_commonName},
    {"SN", NID_serialNumber},
    {"serialNumber", NID_serialNumber},
    {"E", NID_pkcs9_emailAddress},
    {"Email", NID_pkcs9_emailAddress},
    {"emailAddress", NID_pkcs9_emailAddress},
    {"DC", NID_domainComponent},
    {"UID", NID_userId},
    {"S", NID_surname},
    {"G", NID_givenName},
    {"I", NID_initials},
    {"T", NID_title},
    {"D", NID_description},
    {"N", NID_name},
    {"dnQualifier", NID_dnQualifier},
    {"pseudonym", NID_pseudonym},
    {"UN", NID_pkcs9_unstructuredName},
    {"unstructuredName", NID_pkcs9_unstructuredName},
    {"street", NID_streetAddress},
};

bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool ia5_nid(int nid) {
  return nid == NID_pkcs9_emailAddress || nid == NID_domainComponent || nid == NID_pkcs9_unstructuredName;
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

ASN1_OBJECT* object_for(const std::string& key, int* nid) {
  for (const auto& n : kNames) {
    if (iequals(key, n.name)) {
      *nid = n.nid;
      return OBJ_nid2obj(n.nid);  // static object: not freed
    }
  }
  return nullptr;
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
  int nid = 0;
  ASN1_OBJECT* obj = object_for(key, &nid);
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> owned(nullptr, ASN1_OBJECT_free);
  if (!obj) {
    if (!dotted_oid(key)) throw std::invalid_argument("DN '" + text + "': unknown attribute '" + key + "'");
    owned.reset(OBJ_txt2obj(key.c_str(), 1));
    if (!owned) throw std::invalid_argument("DN '" + text + "': bad OID '" + key + "'");
    obj = owned.get();
  }
  if (value.empty()) throw std::invalid_argument("DN '" + text + "': empty value for '" + key + "'");
  int type;
  if (ia5_nid(nid)) {
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
  if (X509_NAME_add_entry_by_OBJ(name, obj, type, reinterpret_cast<const unsigned char*>(value.data()),
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
    if (c == ',' || c == '/' || c == '\\' || (c == ' ' && (i == 0 || i + 1 == v.size()))) out += '\\';
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
  size_t count = 0;
  while (true) {
    while (i < n && (text[i] == ' ' || text[i] == ',' || text[i] == '/')) ++i;
    if (i >= n) break;
    const size_t eq = text.find('=', i);
    const size_t sep = text.find_first_of(",/", i);
    if (eq == std::string::npos || (sep != std::string::npos && sep < eq))
      throw std::invalid_argument("DN '" + text + "': expected attribute=value at '" + text.substr(i) + "'");
    const std::string key = trim(text.substr(i, eq - i));
    if (key.empty()) throw std::invalid_argument("DN '" + text + "': missing attribute name before '='");
    i = eq + 1;
    while (i < n && text[i] == ' ') ++i;
    std::string value;
    size_t keep = 0;  // length of value up to its last escaped or non-space character
    for (; i < n && text[i] != ',' && text[i] != '/'; ++i) {
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
    const char* nm = nullptr;
    for (const auto& n : kNames) {
      if (n.nid == a.nid && a.nid != NID_undef) {
        nm = n.name;
        break;
      }
    }
    if (nm) {
      out += nm;
    } else {
      out += a.oid_text.empty() ? "?" : a.oid_text;
    }
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
    const bool icase = a.type == V_ASN1_PRINTABLESTRING || p.type == V_ASN1_PRINTABLESTRING ||
                       a.nid == NID_countryName || ia5_nid(a.nid);
    if (icase ? !ascii_icase(*a.utf8, *p.utf8) : *a.utf8 != *p.utf8) return -1;
  }
  return wildcards;
}

}  // namespace esp::ike::dn
