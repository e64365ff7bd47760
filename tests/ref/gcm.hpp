// AES-GCM through OpenSSL EVP (EVP_aes_128/192/256_gcm), 12-byte
// nonces, full 16-byte tags. The ESP code truncates tags to the ICV length.
#pragma once

#include <array>
#include <cstdint>

#include "bytes.hpp"

namespace esp::ref::gcm {

using Tag = std::array<uint8_t, 16>;
using Nonce = std::array<uint8_t, 12>;

// Encrypts plaintext (may be empty) with AAD; returns the ciphertext, sets tag.
// key: 16, 24 or 32 bytes (the card's SAs take 16 or 32). Throws std::runtime_error if OpenSSL fails.
Bytes seal(const Bytes& key, const Nonce& nonce, const Bytes& aad, const Bytes& plaintext, Tag& tag);

// Decrypts ciphertext and checks the first icv.size() bytes of the tag in
// constant time (CRYPTO_memcmp). Returns false (and leaves plaintext
// unspecified) when the tag does not verify.
bool open(const Bytes& key, const Nonce& nonce, const Bytes& aad, const Bytes& ciphertext,
          const Bytes& icv, Bytes& plaintext);

// True if a and b are equal, compared in constant time (CRYPTO_memcmp).
bool equal_ct(const uint8_t* a, const uint8_t* b, size_t n);

}  // namespace esp::ref::gcm
