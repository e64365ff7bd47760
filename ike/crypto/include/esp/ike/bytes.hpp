// Byte buffers for IKE key material: Bytes for public data, SecretBytes for
// keys (wiped with OPENSSL_cleanse when destroyed or reassigned), and
// CryptoError, the one exception type of esp_ike_crypto.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace esp::ike {

using Bytes = std::vector<uint8_t>;

// A read-only view of bytes (C++17 has no std::span).
struct ByteView {
  const uint8_t *data = nullptr;
  size_t size = 0;
  ByteView() = default;
  ByteView(const uint8_t *d, size_t n) : data(d), size(n) {}
  ByteView(const Bytes &b) : data(b.data()), size(b.size()) {}  // NOLINT: implicit on purpose
  const uint8_t *begin() const { return data; }
  const uint8_t *end() const { return data + size; }
  bool empty() const { return size == 0; }
};

// Key material. Never logged; the bytes are wiped when the object dies, is
// moved from, or is assigned.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : b_(n, 0) {}
  explicit SecretBytes(ByteView v) : b_(v.begin(), v.end()) {}
  SecretBytes(const SecretBytes &o) : b_(o.b_) {}
  SecretBytes(SecretBytes &&o) noexcept : b_(std::move(o.b_)) { o.b_.clear(); }
  SecretBytes &operator=(const SecretBytes &o);
  SecretBytes &operator=(SecretBytes &&o) noexcept;
  ~SecretBytes() { wipe(); }

  uint8_t *data() { return b_.data(); }
  const uint8_t *data() const { return b_.data(); }
  size_t size() const { return b_.size(); }
  bool empty() const { return b_.empty(); }
  uint8_t &operator[](size_t i) { return b_[i]; }
  uint8_t operator[](size_t i) const { return b_[i]; }
  operator ByteView() const { return ByteView(b_.data(), b_.size()); }  // NOLINT
  // A copy of part of the bytes.
  SecretBytes slice(size_t off, size_t n) const;
  // Appends (the buffer may reallocate: the old storage is wiped first).
  void append(ByteView v);
  // Public copy, for tests and for values that are not secret.
  Bytes expose() const { return b_; }
  void wipe();

 private:
  std::vector<uint8_t> b_;
};

class CryptoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// a | b | ... (plain concatenation).
Bytes concat(std::initializer_list<ByteView> parts);
// The same, for parts of which one is secret (the result is wiped).
SecretBytes concat_secret(std::initializer_list<ByteView> parts);
std::string to_hex(ByteView v);
// Hex to bytes; whitespace is skipped. Throws CryptoError on a bad digit or an
// odd count.
Bytes from_hex(const std::string &hex);

}  // namespace esp::ike
