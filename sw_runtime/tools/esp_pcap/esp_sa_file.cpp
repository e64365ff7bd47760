#include "esp_sa_file.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <istream>
#include <sstream>

namespace esp::pcaptool {

using runtime::IpAddr;

namespace {

constexpr size_t kFields = 8;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool has_hex_prefix(const std::string& s) { return s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'); }

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// "0x0a1b..." -> bytes; `what` names the field in errors.
std::vector<uint8_t> parse_hex(const std::string& text, const char* what) {
  const std::string digits = text.substr(2);
  if (digits.size() % 2) throw std::invalid_argument(std::string(what) + " '" + text + "' has an odd number of hex digits");
  std::vector<uint8_t> out;
  out.reserve(digits.size() / 2);
  for (size_t i = 0; i < digits.size(); i += 2) {
    const int hi = hex_value(digits[i]), lo = hex_value(digits[i + 1]);
    if (hi < 0 || lo < 0) throw std::invalid_argument(std::string(what) + " '" + text + "' is not hexadecimal");
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

}  // namespace

uint32_t parse_spi(const std::string& text) {
  if (text.find('*') != std::string::npos)
    throw std::invalid_argument("SPI '" + text + "': wildcard SPIs are not supported (the card looks SAs up by SPI)");
  uint64_t v = 0;
  size_t i = 0;
  unsigned base = 10;
  if (has_hex_prefix(text)) {
    base = 16;
    i = 2;
  }
  if (i == text.size()) throw std::invalid_argument("SPI '" + text + "' is empty");
  for (; i < text.size(); ++i) {
    const int d = base == 16 ? hex_value(text[i]) : (std::isdigit(static_cast<unsigned char>(text[i])) ? text[i] - '0' : -1);
    if (d < 0) throw std::invalid_argument("SPI '" + text + "' is not a number");
    v = v * base + static_cast<uint64_t>(d);
    if (v > 0xFFFFFFFFull) throw std::invalid_argument("SPI '" + text + "' does not fit in 32 bits");
  }
  if (v == 0) throw std::invalid_argument("SPI 0 is reserved (RFC 4303)");
  return static_cast<uint32_t>(v);
}

namespace {

// "ANY 128 bit authentication [no checking]" -> 16; "NULL" -> 0; else -1.
int auth_icv_bytes(const std::string& auth) {
  if (auth == "NULL") return 0;
  unsigned bits = 0;
  char tail[64] = {};
  if (std::sscanf(auth.c_str(), "ANY %u bit authentication %63[^\n]", &bits, tail) == 2 &&
      std::string(tail) == "[no checking]")
    return static_cast<int>(bits / 8);
  return -1;
}

}  // namespace

std::optional<IpAddr> parse_ip(const std::string& text, uint8_t family) {
  IpAddr a;
  a.version = family;
  const int af = family == 6 ? AF_INET6 : AF_INET;
  if (inet_pton(af, text.c_str(), a.bytes.data()) != 1) return std::nullopt;
  return a;
}

std::string ip_text(const IpAddr& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.version == 6 ? AF_INET6 : AF_INET, a.bytes.data(), buf, sizeof buf);
  return buf;
}

bool EspSaEntry::matches(const IpAddr& s, const IpAddr& d) const {
  if (s.version != family || d.version != family) return false;
  return (!src || *src == s) && (!dst || *dst == d);
}

std::vector<std::string> split_uat_line(const std::string& line) {
  std::vector<std::string> fields;
  size_t i = 0;
  const size_t n = line.size();
  auto skip_space = [&] {
    while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
  };
  for (;;) {
    skip_space();
    std::string f;
    if (i < n && line[i] == '"') {
      const size_t open = i++;
      bool closed = false;
      while (i < n) {
        const char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\') {
          f += c;
          continue;
        }
        if (i >= n) break;
        const char e = line[i++];
        if (e == 'x' || e == 'X') {
          const int hi = i < n ? hex_value(line[i]) : -1, lo = i + 1 < n ? hex_value(line[i + 1]) : -1;
          if (hi < 0 || lo < 0) throw std::invalid_argument("bad \\x escape in field " + std::to_string(fields.size() + 1));
          f += static_cast<char>(hi << 4 | lo);
          i += 2;
        } else {
          f += e;  // \" \\ and any other escaped character stand for themselves
        }
      }
      if (!closed)
        throw std::invalid_argument("unterminated quote in field " + std::to_string(fields.size() + 1) + " (column " +
                                    std::to_string(open + 1) + ")");
      skip_space();
      if (i < n && line[i] != ',')
        throw std::invalid_argument("unexpected text after the closing quote of field " + std::to_string(fields.size() + 1) +
                                    " (column " + std::to_string(i + 1) + ")");
    } else {
      const size_t start = i;
      while (i < n && line[i] != ',') {
        if (line[i] == '"')
          throw std::invalid_argument("stray quote in field " + std::to_string(fields.size() + 1) + " (column " +
                                      std::to_string(i + 1) + ")");
        ++i;
      }
      f = trim(line.substr(start, i - start));
    }
    fields.push_back(std::move(f));
    if (i >= n) break;
    ++i;  // the comma
  }
  return fields;
}

EspSaEntry parse_esp_sa_fields(const std::vector<std::string>& fields) {
  if (fields.size() != kFields)
    throw std::invalid_argument("expected " + std::to_string(kFields) + " fields (protocol, source, destination, SPI, "
                                "encryption, encryption key, authentication, authentication key), found " +
                                std::to_string(fields.size()));
  EspSaEntry e;
  const std::string& proto = fields[0];
  if (proto == "IPv4") {
    e.family = 4;
  } else if (proto == "IPv6") {
    e.family = 6;
  } else {
    throw std::invalid_argument("protocol '" + proto + "' is neither \"IPv4\" nor \"IPv6\"");
  }
  auto addr = [&](const std::string& text, const char* what) -> std::optional<IpAddr> {
    if (text == "*") return std::nullopt;
    auto a = parse_ip(text, e.family);
    if (!a)
      throw std::invalid_argument(std::string(what) + " '" + text + "' is not an " + proto +
                                  " address (or \"*\" for any)");
    return a;
  };
  e.src = addr(fields[1], "source address");
  e.dst = addr(fields[2], "destination address");
  e.spi = parse_spi(fields[3]);

  e.encryption = fields[4];
  const std::string& auth = fields[6];
  const int auth_icv = auth_icv_bytes(auth);
  if (auth_icv < 0)
    throw std::invalid_argument("authentication '" + auth + "' is not supported: AES-GCM/GMAC carry their own ICV; use "
                                "\"NULL\" (or \"ANY <bits> bit authentication [no checking]\")");
  unsigned icv = 0;
  char tail[64] = {};
  if (e.encryption == "AES-GCM [RFC4106]") {
    icv = auth_icv ? static_cast<unsigned>(auth_icv) : 16u;
  } else if (e.encryption == "AES-GMAC [RFC4543]") {
    e.gmac = true;
    icv = auth_icv ? static_cast<unsigned>(auth_icv) : 16u;
  } else if (std::sscanf(e.encryption.c_str(), "AES-GCM with %u octet ICV %63[^\n]", &icv, tail) == 2 &&
             std::string(tail) == "[RFC4106]") {
    if (auth_icv != 0 && static_cast<unsigned>(auth_icv) != icv)
      throw std::invalid_argument("authentication '" + auth + "' contradicts the " + std::to_string(icv) +
                                  "-octet ICV of '" + e.encryption + "'");
  } else {
    throw std::invalid_argument("encryption '" + e.encryption +
                                "' is not supported: the card does \"AES-GCM with 8|12|16 octet ICV [RFC4106]\", "
                                "\"AES-GCM [RFC4106]\" and \"AES-GMAC [RFC4543]\"");
  }
  if (icv != 8 && icv != 12 && icv != 16)
    throw std::invalid_argument("ICV of " + std::to_string(icv) + " octets is not 8, 12 or 16");
  e.icv_len = static_cast<uint8_t>(icv);

  const std::string& key_text = fields[5];
  std::vector<uint8_t> key;
  if (has_hex_prefix(key_text)) {
    key = parse_hex(key_text, "encryption key");
  } else {
    key.assign(key_text.begin(), key_text.end());  // Wireshark: a key without 0x is its ASCII bytes
  }
  if (key.size() == 28)
    throw std::invalid_argument("encryption key is 28 bytes (AES-192 + salt): the card does AES-128 and AES-256 only");
  if (key.size() != 20 && key.size() != 36)
    throw std::invalid_argument("encryption key is " + std::to_string(key.size()) +
                                " bytes; AES-GCM/GMAC takes key||salt: 20 bytes (AES-128) or 36 bytes (AES-256)");
  e.key.assign(key.begin(), key.end() - 4);
  for (size_t i = 0; i < 4; ++i) e.salt[i] = key[key.size() - 4 + i];

  const std::string& auth_key = fields[7];
  if (!(auth_key.empty() || auth_key == "0x" || auth_key == "0X"))
    throw std::invalid_argument("authentication key must be empty (\"\" or \"0x\") with AES-GCM/GMAC");
  return e;
}

std::vector<EspSaEntry> parse_esp_sa(std::istream& in, const std::string& name) {
  std::vector<EspSaEntry> out;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (lineno == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);  // UTF-8 BOM
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    try {
      EspSaEntry e = parse_esp_sa_fields(split_uat_line(line));
      e.line = lineno;
      out.push_back(std::move(e));
    } catch (const std::invalid_argument& ex) {
      throw SaFileError(name + ":" + std::to_string(lineno) + ": " + ex.what());
    }
  }
  if (in.bad()) throw SaFileError(name + ": read error");
  if (out.empty()) throw SaFileError(name + ": no SA lines");
  return out;
}

std::vector<EspSaEntry> load_esp_sa_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw SaFileError(path + ": cannot open SA file");
  return parse_esp_sa(f, path);
}

std::string format_esp_sa_line(const EspSaEntry& e) {
  std::ostringstream os;
  char spi[16];
  std::snprintf(spi, sizeof spi, "0x%08x", e.spi);
  os << '"' << (e.family == 6 ? "IPv6" : "IPv4") << "\",\"" << (e.src ? ip_text(*e.src) : "*") << "\",\""
     << (e.dst ? ip_text(*e.dst) : "*") << "\",\"" << spi << "\",\"";
  if (e.gmac) {
    os << "AES-GMAC [RFC4543]";
  } else {
    os << "AES-GCM with " << unsigned(e.icv_len) << " octet ICV [RFC4106]";
  }
  os << "\",\"0x";
  static const char* hex = "0123456789abcdef";
  auto put = [&](uint8_t b) { os << hex[b >> 4] << hex[b & 15]; };
  for (uint8_t b : e.key) put(b);
  for (uint8_t b : e.salt) put(b);
  os << "\",\"" << (e.gmac && e.icv_len != 16 ? "ANY " + std::to_string(e.icv_len * 8) + " bit authentication [no checking]" : "NULL")
     << "\",\"\"";
  return os.str();
}

}  // namespace esp::pcaptool
