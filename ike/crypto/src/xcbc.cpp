#include "xcbc.hpp"

#include "ossl_util.hpp"

#include <openssl/crypto.h>

#include <cstring>

namespace esp::ike {

using namespace ossl;

namespace {

constexpr size_t kBlock = 16;

// AES-128 single-block encryptions under one key.
class Aes128 {
 public:
  explicit Aes128(const uint8_t key[kBlock]) : ctx_(EVP_CIPHER_CTX_new()) {
    Cipher c(EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr));
    if (!ctx_ || !c || !EVP_EncryptInit_ex2(ctx_.get(), c.get(), key, nullptr, nullptr) ||
        !EVP_CIPHER_CTX_set_padding(ctx_.get(), 0))
      fail("AES-128-ECB init");
  }
  void encrypt(const uint8_t in[kBlock], uint8_t out[kBlock]) {
    int len = 0;
    if (!EVP_EncryptUpdate(ctx_.get(), out, &len, in, kBlock) || len != kBlock) fail("AES-128-ECB");
  }

 private:
  CipherCtx ctx_;
};

// RFC 3566 2.3: AES-XCBC-MAC with a 16-byte key, full 128-bit output.
void xcbc_mac(const uint8_t key[kBlock], ByteView msg, uint8_t out[kBlock]) {
  Aes128 k(key);
  uint8_t k1[kBlock], k2[kBlock], k3[kBlock], c[kBlock];
  uint8_t konst[kBlock];
  std::memset(konst, 1, kBlock);
  k.encrypt(konst, k1);
  std::memset(konst, 2, kBlock);
  k.encrypt(konst, k2);
  std::memset(konst, 3, kBlock);
  k.encrypt(konst, k3);
  Aes128 e1(k1);
  std::memset(c, 0, kBlock);
  // All blocks but the last go through plain CBC-MAC under K1.
  const size_t n = msg.size == 0 ? 1 : (msg.size + kBlock - 1) / kBlock;
  for (size_t b = 0; b + 1 < n; ++b) {
    for (size_t i = 0; i < kBlock; ++i) c[i] = static_cast<uint8_t>(c[i] ^ msg.data[b * kBlock + i]);
    e1.encrypt(c, c);
  }
  const size_t last = msg.size - (n - 1) * kBlock;  // 0..16
  uint8_t m[kBlock];
  std::memset(m, 0, kBlock);
  if (last) std::memcpy(m, msg.data + (n - 1) * kBlock, last);
  const uint8_t *kx = k2;
  if (last < kBlock) {  // padded with 10*: K3
    m[last] = 0x80;
    kx = k3;
  }
  for (size_t i = 0; i < kBlock; ++i) c[i] = static_cast<uint8_t>(c[i] ^ m[i] ^ kx[i]);
  e1.encrypt(c, out);
  OPENSSL_cleanse(k1, kBlock);
  OPENSSL_cleanse(k2, kBlock);
  OPENSSL_cleanse(k3, kBlock);
  OPENSSL_cleanse(c, kBlock);
  OPENSSL_cleanse(m, kBlock);
}

}  // namespace

void aes_xcbc_prf128(ByteView key, std::initializer_list<ByteView> parts, uint8_t out[16]) {
  uint8_t k[kBlock];
  std::memset(k, 0, kBlock);
  if (key.size <= kBlock) {
    if (key.size) std::memcpy(k, key.data, key.size);
  } else {
    const uint8_t zero[kBlock] = {0};
    xcbc_mac(zero, key, k);
  }
  const SecretBytes msg = concat_secret(parts);
  xcbc_mac(k, msg, out);
  OPENSSL_cleanse(k, kBlock);
}

}  // namespace esp::ike
