// Helpers shared by the Verilator testbenches of sim/: bytes <-> Verilator
// wide values, hex dumps, OpenSSL AES-ECB (the reference of single blocks).
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace esp::tb {

using Bytes = std::vector<uint8_t>;

// A big-endian byte string into a Verilator wide/narrow value of `nbytes`
// bytes: byte i goes to bits [8*(nbytes-1-i) +: 8].
template <typename W>
void put_be(W& w, const uint8_t* b, size_t nbytes) {
  for (size_t k = 0; k < (nbytes + 3) / 4; ++k) w[k] = 0;
  for (size_t i = 0; i < nbytes; ++i) {
    const size_t bit = 8 * (nbytes - 1 - i);
    w[bit / 32] |= static_cast<uint32_t>(b[i]) << (bit % 32);
  }
}

// The inverse of put_be.
template <typename W>
Bytes get_be(const W& w, size_t nbytes) {
  Bytes b(nbytes);
  for (size_t i = 0; i < nbytes; ++i) {
    const size_t bit = 8 * (nbytes - 1 - i);
    b[i] = static_cast<uint8_t>(w[bit / 32] >> (bit % 32));
  }
  return b;
}

inline std::string hex(const Bytes& b) {
  std::string s;
  char t[3];
  for (uint8_t x : b) {
    std::snprintf(t, sizeof t, "%02x", x);
    s += t;
  }
  return s;
}

// The RTL's key-length code (esp_aes_pkg::AesKlen*) of a 16/24/32-byte key.
inline uint8_t klen_of(size_t key_bytes) { return key_bytes == 16 ? 0 : key_bytes == 24 ? 1 : 2; }

// AES-128/192/256 (by key size) over whole blocks, by OpenSSL.
inline Bytes aes_ecb(const Bytes& key, const Bytes& in) {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  Bytes out(in.size() + 16);
  int n = 0, m = 0;
  bool ok = c != nullptr &&
            EVP_EncryptInit_ex(c, key.size() == 16 ? EVP_aes_128_ecb() : key.size() == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb(), nullptr, key.data(),
                               nullptr) == 1 &&
            EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
            EVP_EncryptUpdate(c, out.data(), &n, in.data(), static_cast<int>(in.size())) == 1 &&
            EVP_EncryptFinal_ex(c, out.data() + n, &m) == 1;
  EVP_CIPHER_CTX_free(c);
  if (!ok) throw std::runtime_error("OpenSSL AES-ECB failed");
  out.resize(in.size());
  return out;
}

}  // namespace esp::tb
