// IKE identities <-> ID payloads (identity.hpp).
#include "esp/ike/identity.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "dn.hpp"
#include "esp/runtime/ip_addr.hpp"

namespace esp::ike {
namespace {

using conf::Identity;

const char* type_name(IdType t) {
  switch (t) {
    case IdType::IPV4_ADDR: return "ID_IPV4_ADDR";
    case IdType::FQDN: return "ID_FQDN";
    case IdType::RFC822_ADDR: return "ID_RFC822_ADDR";
    case IdType::IPV6_ADDR: return "ID_IPV6_ADDR";
    case IdType::DER_ASN1_DN: return "ID_DER_ASN1_DN";
    case IdType::DER_ASN1_GN: return "ID_DER_ASN1_GN";
    case IdType::KEY_ID: return "ID_KEY_ID";
  }
  return nullptr;
}

std::string invalid(IdType t) {
  const char* n = type_name(t);
  return n ? std::string("(invalid ") + n + ")"
           : "(unknown ID type " + std::to_string(static_cast<unsigned>(t)) + ")";
}

Bytes address_bytes(const std::string& text, unsigned version) {
  const runtime::IpAddr a = runtime::IpAddr::parse(text);
  if (a.version != version)
    throw std::invalid_argument("'" + text + "' is not an IPv" + std::to_string(version) + " address");
  return Bytes(a.bytes.begin(), a.bytes.begin() + (version == 4 ? 4 : 16));
}

std::string address_text(ByteView data, unsigned version) {
  runtime::IpAddr a;
  a.version = static_cast<uint8_t>(version);
  for (size_t i = 0; i < data.size; ++i) a.bytes[i] = data.data[i];
  return a.str();
}

unsigned char lower(unsigned char c) { return static_cast<unsigned char>(std::tolower(c)); }

// FQDN / RFC822: case-insensitive, a leading '*' in the pattern matches any
// non-empty prefix. IDs with a NUL never match (as strongSwan).
int match_string(const std::string& pattern, ByteView data) {
  for (uint8_t c : data)
    if (c == 0) return kIdMatchNone;
  auto eq_tail = [&](size_t skip) {  // pattern[skip..] == data's last (size - skip) bytes
    const size_t n = pattern.size() - skip;
    if (data.size < n) return false;
    const uint8_t* d = data.data + (data.size - n);
    for (size_t i = 0; i < n; ++i)
      if (lower(static_cast<unsigned char>(pattern[skip + i])) != lower(d[i])) return false;
    return true;
  };
  if (pattern.size() == data.size && eq_tail(0)) return kIdMatchPerfect;
  if (pattern == "*") return data.empty() ? kIdMatchNone : kIdMatchAny;  // as strongSwan
  if (!pattern.empty() && pattern[0] == '*' && data.size >= pattern.size() && eq_tail(1)) return kIdMatchOneWildcard;
  return kIdMatchNone;
}

}  // namespace

IdData id_payload_for(const Identity& id) {
  IdData out;
  switch (id.type) {
    case Identity::Type::Any:
      throw std::invalid_argument("identity '" + id.text + "' is %any and cannot be sent in an ID payload");
    case Identity::Type::Ipv4:
      out.type = IdType::IPV4_ADDR;
      out.data = address_bytes(id.value, 4);
      break;
    case Identity::Type::Ipv6:
      out.type = IdType::IPV6_ADDR;
      out.data = address_bytes(id.value, 6);
      break;
    case Identity::Type::Fqdn:
      out.type = IdType::FQDN;
      out.data.assign(id.value.begin(), id.value.end());
      break;
    case Identity::Type::Rfc822:
      out.type = IdType::RFC822_ADDR;
      out.data.assign(id.value.begin(), id.value.end());
      break;
    case Identity::Type::Dn:
      out.type = IdType::DER_ASN1_DN;
      out.data = dn::from_text(id.value);
      break;
  }
  if (out.data.empty()) throw std::invalid_argument("identity '" + id.text + "' is empty");
  return out;
}

std::string id_text(IdType t, ByteView data) {
  switch (t) {
    case IdType::IPV4_ADDR:
      return data.size == 4 ? address_text(data, 4) : invalid(t);
    case IdType::IPV6_ADDR:
      return data.size == 16 ? address_text(data, 6) : invalid(t);
    case IdType::FQDN:
    case IdType::RFC822_ADDR: {
      if (data.empty()) return invalid(t);
      std::string s;
      for (uint8_t c : data) s += (c < 0x20 || c >= 0x7f) ? '?' : static_cast<char>(c);
      return s;
    }
    case IdType::DER_ASN1_DN: {
      try {
        auto s = dn::to_text(data);
        return s ? *s : invalid(t);
      } catch (const std::exception&) {
        return invalid(t);
      }
    }
    case IdType::DER_ASN1_GN:
    case IdType::KEY_ID:
      return data.empty() ? invalid(t) : to_hex(data);
  }
  return invalid(t);
}

int id_match(const Identity& pattern, IdType t, ByteView data) {
  switch (pattern.type) {
    case Identity::Type::Any:
      return kIdMatchAny;
    case Identity::Type::Ipv4:
    case Identity::Type::Ipv6: {
      const bool v4 = pattern.type == Identity::Type::Ipv4;
      if (t != (v4 ? IdType::IPV4_ADDR : IdType::IPV6_ADDR)) return kIdMatchNone;
      try {
        const Bytes want = address_bytes(pattern.value, v4 ? 4 : 6);
        return ByteView(want).size == data.size && std::equal(want.begin(), want.end(), data.data)
                   ? kIdMatchPerfect
                   : kIdMatchNone;
      } catch (const std::invalid_argument&) {
        return kIdMatchNone;
      }
    }
    case Identity::Type::Fqdn:
      return t == IdType::FQDN ? match_string(pattern.value, data) : kIdMatchNone;
    case Identity::Type::Rfc822:
      return t == IdType::RFC822_ADDR ? match_string(pattern.value, data) : kIdMatchNone;
    case Identity::Type::Dn: {
      if (t != IdType::DER_ASN1_DN) return kIdMatchNone;
      try {
        const auto want = dn::parse(dn::from_text(pattern.value));
        const auto got = dn::parse(data);
        if (!want || !got) return kIdMatchNone;
        const int wc = dn::match(*got, *want, true);
        if (wc < 0) return kIdMatchNone;
        return std::max(kIdMatchPerfect - wc, 2);
      } catch (const std::invalid_argument&) {
        return kIdMatchNone;
      }
    }
  }
  return kIdMatchNone;
}

bool id_matches(const Identity& pattern, IdType t, ByteView data) { return id_match(pattern, t, data) > kIdMatchNone; }

Identity identity_of(IdType t, ByteView data) {
  Identity id;
  switch (t) {
    case IdType::IPV4_ADDR:
      if (data.size != 4) throw std::invalid_argument("ID_IPV4_ADDR of " + std::to_string(data.size) + " bytes");
      id.type = Identity::Type::Ipv4;
      break;
    case IdType::IPV6_ADDR:
      if (data.size != 16) throw std::invalid_argument("ID_IPV6_ADDR of " + std::to_string(data.size) + " bytes");
      id.type = Identity::Type::Ipv6;
      break;
    case IdType::FQDN:
    case IdType::RFC822_ADDR:
      if (data.empty()) throw std::invalid_argument(std::string("empty ") + type_name(t));
      for (uint8_t c : data)
        if (c == 0) throw std::invalid_argument(std::string(type_name(t)) + " with a NUL byte");
      id.type = t == IdType::FQDN ? Identity::Type::Fqdn : Identity::Type::Rfc822;
      id.value.assign(data.begin(), data.end());
      id.text = id_text(t, data);
      return id;
    case IdType::DER_ASN1_DN:
      if (!dn::parse(data)) throw std::invalid_argument("ID_DER_ASN1_DN is not a DER distinguished name");
      id.type = Identity::Type::Dn;
      break;
    default:
      throw std::invalid_argument(std::string("ID type ") + (type_name(t) ? type_name(t) : "unknown") +
                                  " has no conf::Identity");
  }
  id.text = id_text(t, data);
  id.value = id.text;
  return id;
}

}  // namespace esp::ike
