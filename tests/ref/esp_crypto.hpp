// What encap and decap share: the GCM nonce and the ESP AAD (RFC 4106 5,
// RFC 4543 3.3, CONTRACT.md "GCM" / "GMAC").
#pragma once

#include <array>
#include <cstdint>

#include "bytes.hpp"
#include "gcm.hpp"

namespace esp::ref {

// Nonce = salt(4) | IV(8).
inline gcm::Nonce esp_nonce(const std::array<uint8_t, 4>& salt, const uint8_t* iv) {
  gcm::Nonce n{};
  for (size_t i = 0; i < 4; ++i) n[i] = salt[i];
  for (size_t i = 0; i < 8; ++i) n[4 + i] = iv[i];
  return n;
}

// AAD = SPI | seq low, or with ESN SPI | seq high | seq low.
inline Bytes esp_aad(uint32_t spi, uint64_t seq, bool esn) {
  Bytes aad;
  append_be32(aad, spi);
  if (esn) append_be32(aad, static_cast<uint32_t>(seq >> 32));
  append_be32(aad, static_cast<uint32_t>(seq));
  return aad;
}

}  // namespace esp::ref
