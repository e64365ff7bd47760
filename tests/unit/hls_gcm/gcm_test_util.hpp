// Helpers shared by the hls_gcm tests.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/hls/aes.hpp"
#include "esp/hls/gcm.hpp"

namespace esp_test {

using Bytes = std::vector<uint8_t>;

inline Bytes from_hex(const std::string& h) {
  if (h.size() % 2 != 0) throw std::runtime_error("odd hex length");
  Bytes out(h.size() / 2);
  auto nib = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
    throw std::runtime_error("bad hex digit");
  };
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>((nib(h[2 * i]) << 4) | nib(h[2 * i + 1]));
  return out;
}

inline std::string to_hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}
inline std::string to_hex(const Bytes& b) { return to_hex(b.data(), b.size()); }

// One-shot GCM through the HLS core. Returns the ciphertext / plaintext in
// `out` and the full 16-byte tag.
inline void hls_gcm(const Bytes& key, const Bytes& nonce, const Bytes& aad, const Bytes& in, bool encrypt,
                    Bytes& out, uint8_t tag[16]) {
  esp::hls::AesKeySchedule ks;
  esp::hls::aes_expand_key(key.data(), static_cast<unsigned>(key.size()), ks);
  esp::hls::GcmState st;
  esp::hls::gcm_start(st, ks, nonce.data());
  esp::hls::gcm_aad(st, aad.data(), static_cast<unsigned>(aad.size()));
  out.assign(in.size(), 0);
  esp::hls::gcm_crypt(st, ks, encrypt, in.data(), out.data(), static_cast<unsigned>(in.size()));
  esp::hls::gcm_finish(st, ks, tag);
}

}  // namespace esp_test
