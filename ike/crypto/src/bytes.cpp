#include "esp/ike/bytes.hpp"

#include <openssl/crypto.h>

#include <cctype>
#include <cstring>

namespace esp::ike {

SecretBytes &SecretBytes::operator=(const SecretBytes &o) {
  if (this != &o) {
    wipe();
    b_ = o.b_;
  }
  return *this;
}

SecretBytes &SecretBytes::operator=(SecretBytes &&o) noexcept {
  if (this != &o) {
    wipe();
    b_ = std::move(o.b_);
    o.b_.clear();
  }
  return *this;
}

void SecretBytes::wipe() {
  if (!b_.empty()) OPENSSL_cleanse(b_.data(), b_.size());
  b_.clear();
}

SecretBytes SecretBytes::slice(size_t off, size_t n) const {
  if (off > b_.size() || n > b_.size() - off) throw CryptoError("SecretBytes::slice out of range");
  return SecretBytes(ByteView(b_.data() + off, n));
}

void SecretBytes::append(ByteView v) {
  if (v.empty()) return;
  std::vector<uint8_t> n;
  n.reserve(b_.size() + v.size);
  n.insert(n.end(), b_.begin(), b_.end());
  n.insert(n.end(), v.begin(), v.end());
  wipe();
  b_ = std::move(n);
}

Bytes concat(std::initializer_list<ByteView> parts) {
  size_t n = 0;
  for (const auto &p : parts) n += p.size;
  Bytes out;
  out.reserve(n);
  for (const auto &p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

SecretBytes concat_secret(std::initializer_list<ByteView> parts) {
  size_t n = 0;
  for (const auto &p : parts) n += p.size;
  SecretBytes out(n);
  size_t off = 0;
  for (const auto &p : parts) {
    if (p.size) std::memcpy(out.data() + off, p.data, p.size);
    off += p.size;
  }
  return out;
}

std::string to_hex(ByteView v) {
  static const char *digits = "0123456789abcdef";
  std::string s;
  s.reserve(v.size * 2);
  for (uint8_t b : v) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Bytes from_hex(const std::string &hex) {
  Bytes out;
  int hi = -1;
  for (char c : hex) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    int v = hex_value(c);
    if (v < 0) throw CryptoError(std::string("from_hex: bad digit '") + c + "'");
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0) throw CryptoError("from_hex: odd number of digits");
  return out;
}

}  // namespace esp::ike
