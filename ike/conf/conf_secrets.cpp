// The secrets section, identities and secret bytes: see conf_model.hpp.
#include <openssl/crypto.h>

#include <cctype>

#include "conf_keys.hpp"
#include "esp/ike/conf_model.hpp"
#include "esp/runtime/ip_addr.hpp"

namespace esp::ike::conf {

using detail::convert;
using detail::other_key;
using detail::other_section;

namespace {

bool has_prefix(const std::string& s, const char* p) { return s.compare(0, std::string(p).size(), p) == 0; }

bool is_ip(const std::string& s, uint8_t version) {
  try {
    return runtime::IpAddr::parse(s).version == version;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int b64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

Identity Identity::parse(const std::string& text) {
  Identity id;
  id.text = text;
  auto set = [&](Type t, const std::string& v) {
    if (v.empty()) throw std::invalid_argument("empty identity '" + text + "'");
    id.type = t;
    id.value = v;
    return id;
  };
  if (text.empty() || text == "%any") return id;
  if (text == "%any4" || text == "%any6") return id;
  if (has_prefix(text, "ipv4:")) {
    if (!is_ip(text.substr(5), 4)) throw std::invalid_argument("'" + text + "' is not an IPv4 address");
    return set(Type::Ipv4, text.substr(5));
  }
  if (has_prefix(text, "ipv6:")) {
    if (!is_ip(text.substr(5), 6)) throw std::invalid_argument("'" + text + "' is not an IPv6 address");
    return set(Type::Ipv6, text.substr(5));
  }
  if (has_prefix(text, "fqdn:")) return set(Type::Fqdn, text.substr(5));
  if (has_prefix(text, "dns:")) return set(Type::Fqdn, text.substr(4));
  if (has_prefix(text, "email:")) return set(Type::Rfc822, text.substr(6));
  if (has_prefix(text, "rfc822:")) return set(Type::Rfc822, text.substr(7));
  if (has_prefix(text, "userfqdn:")) return set(Type::Rfc822, text.substr(9));
  for (const char* p : {"keyid:", "asn1dn:", "asn1gn:", "md5:", "sha1:", "ldap:", "%"})
    if (has_prefix(text, p))
      throw std::invalid_argument("identity '" + text +
                                  "' is not supported (we support IPv4, IPv6, FQDN, RFC822 and DN identities)");
  if (has_prefix(text, "@#")) throw std::invalid_argument("key-id identity '" + text + "' is not supported");
  if (text[0] == '@') return set(Type::Fqdn, text.substr(1));
  if (text.find('=') != std::string::npos) return set(Type::Dn, text);
  if (is_ip(text, 4)) return set(Type::Ipv4, text);
  if (is_ip(text, 6)) return set(Type::Ipv6, text);
  if (text.find('@') != std::string::npos) return set(Type::Rfc822, text);
  return set(Type::Fqdn, text);
}

SecretBytes decode_secret(const std::string& text) {
  std::vector<uint8_t> out;
  if (has_prefix(text, "0x") || has_prefix(text, "0X")) {
    std::string h = text.substr(2);
    if (h.empty() || h.size() % 2) throw std::invalid_argument("a 0x secret needs an even, non-zero number of hex digits");
    for (size_t i = 0; i < h.size(); i += 2) {
      int a = hex_digit(h[i]), b = hex_digit(h[i + 1]);
      if (a < 0 || b < 0) {
        OPENSSL_cleanse(h.data(), h.size());
        if (!out.empty()) OPENSSL_cleanse(out.data(), out.size());
        throw std::invalid_argument("a 0x secret has a character that is not a hex digit");
      }
      out.push_back(static_cast<uint8_t>(a << 4 | b));
    }
    OPENSSL_cleanse(h.data(), h.size());
  } else if (has_prefix(text, "0s") || has_prefix(text, "0S")) {
    uint32_t acc = 0;
    int bits = 0;
    size_t pad = 0, digits = 0;
    for (size_t i = 2; i < text.size(); ++i) {
      char c = text[i];
      if (c == '=') {
        ++pad;
        continue;
      }
      int d = b64_digit(c);
      if (d < 0 || pad) {
        if (!out.empty()) OPENSSL_cleanse(out.data(), out.size());
        throw std::invalid_argument("a 0s secret is not valid base64");
      }
      ++digits;
      acc = (acc << 6) | static_cast<uint32_t>(d);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push_back(static_cast<uint8_t>(acc >> bits));
        acc &= (1u << bits) - 1;
      }
    }
    acc = 0;
    if (digits == 0 || (digits + pad) % 4 != 0 || pad > 2 || digits % 4 == 1) {
      if (!out.empty()) OPENSSL_cleanse(out.data(), out.size());
      throw std::invalid_argument("a 0s secret is not valid base64");
    }
  } else {
    out.assign(text.begin(), text.end());
  }
  if (out.empty()) throw std::invalid_argument("empty secret");
  SecretBytes secret{ByteView(out)};
  OPENSSL_cleanse(out.data(), out.size());
  return secret;
}

void load_secrets(const ConfSection& secrets, Config& out) {
  if (!secrets.values.empty()) {
    const auto& v = secrets.values.front();
    throw ConfError(v.loc, "unknown key '" + v.name + "' in secrets (expected sections such as ike-x { ... })");
  }
  for (const auto& s : secrets.sections) {
    const std::string where = "secret '" + s.name + "'";
    auto prefixed = [&](const char* p) { return has_prefix(s.name, p); };
    if (prefixed("ike")) {
      IkeSecret sec;
      sec.name = s.name;
      sec.loc = s.loc;
      bool have = false;
      for (const auto& v : s.values) {
        if (v.name == "secret") {
          sec.secret = convert(v, decode_secret);
          have = true;
        } else if (has_prefix(v.name, "id")) {
          sec.ids.push_back(convert(v, Identity::parse));
        } else {
          other_key(v, where, {}, {"secret", "id"});
        }
      }
      if (!s.sections.empty()) other_section(s.sections.front(), where, {});
      if (!have) throw ConfError(s.loc, where + " has no 'secret'");
      out.ike_secrets.push_back(std::move(sec));
      continue;
    }
    KeySecret::Type type;
    if (prefixed("private")) type = KeySecret::Type::Any;
    else if (prefixed("rsa")) type = KeySecret::Type::Rsa;
    else if (prefixed("ecdsa")) type = KeySecret::Type::Ecdsa;
    else if (prefixed("pkcs8")) type = KeySecret::Type::Pkcs8;
    else {
      for (const char* p : {"eap", "xauth", "ntlm", "pkcs12", "token", "ppk", "ed25519", "ed448"})
        if (prefixed(p))
          throw ConfError(s.loc, where + " is not supported (we support ike, private, rsa, ecdsa and pkcs8 secrets)");
      throw ConfError(s.loc, "unknown secret type '" + s.name +
                                 "' (expected ike<suffix>, private<suffix>, rsa<suffix>, ecdsa<suffix> or pkcs8<suffix>)");
    }
    KeySecret key;
    key.type = type;
    key.name = s.name;
    key.loc = s.loc;
    for (const auto& v : s.values) {
      if (v.name == "file") {
        if (v.value.empty()) throw ConfError(v.loc, "'file' is empty");
        key.file = v.value;
      } else if (v.name == "secret") {
        key.passphrase = SecretBytes(ByteView(reinterpret_cast<const uint8_t*>(v.value.data()), v.value.size()));
      } else {
        other_key(v, where, {}, {"file", "secret"});
      }
    }
    if (!s.sections.empty()) other_section(s.sections.front(), where, {});
    if (key.file.empty()) throw ConfError(s.loc, where + " has no 'file'");
    out.private_keys.push_back(std::move(key));
  }
}

void wipe_secrets(ConfSection& root) {
  for (auto& top : root.sections) {
    if (top.name != "secrets") continue;
    for (auto& s : top.sections)
      for (auto& v : s.values)
        if (v.name == "secret" && !v.value.empty()) {
          OPENSSL_cleanse(&v.value[0], v.value.size());
          v.value.clear();
        }
  }
}

}  // namespace esp::ike::conf
