#include "gcm.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace esp::ref::gcm {
namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const EVP_CIPHER* cipher_for(const Bytes& key) {
  if (key.size() == 16) return EVP_aes_128_gcm();
  if (key.size() == 24) return EVP_aes_192_gcm();
  if (key.size() == 32) return EVP_aes_256_gcm();
  throw std::invalid_argument("gcm: key must be 16, 24 or 32 bytes");
}

void check(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string("gcm: OpenSSL failed in ") + what);
}

// Starts a context in the given direction with key and nonce, feeds the AAD.
Ctx start(bool encrypt, const Bytes& key, const Nonce& nonce, const Bytes& aad) {
  Ctx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw std::runtime_error("gcm: EVP_CIPHER_CTX_new");
  check(EVP_CipherInit_ex(ctx.get(), cipher_for(key), nullptr, nullptr, nullptr, encrypt ? 1 : 0), "init");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr),
        "set ivlen");
  check(EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data(), -1), "set key");
  if (!aad.empty()) {
    int outl = 0;
    check(EVP_CipherUpdate(ctx.get(), nullptr, &outl, aad.data(), static_cast<int>(aad.size())), "aad");
  }
  return ctx;
}

}  // namespace

Bytes seal(const Bytes& key, const Nonce& nonce, const Bytes& aad, const Bytes& plaintext, Tag& tag) {
  Ctx ctx = start(true, key, nonce, aad);
  Bytes out(plaintext.size() + 16);
  int outl = 0;
  if (!plaintext.empty()) {
    check(EVP_EncryptUpdate(ctx.get(), out.data(), &outl, plaintext.data(), static_cast<int>(plaintext.size())),
          "encrypt");
  }
  int finl = 0;
  check(EVP_EncryptFinal_ex(ctx.get(), out.data() + outl, &finl), "final");
  out.resize(static_cast<size_t>(outl + finl));
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag.size()), tag.data()), "get tag");
  return out;
}

bool open(const Bytes& key, const Nonce& nonce, const Bytes& aad, const Bytes& ciphertext, const Bytes& icv,
          Bytes& plaintext) {
  // Recover the plaintext (GCM's counter mode), then recompute the full tag by
  // sealing it again with the same nonce and AAD, and compare the ICV's bytes.
  Ctx ctx = start(false, key, nonce, aad);
  plaintext.assign(ciphertext.size() + 16, 0);
  int outl = 0;
  if (!ciphertext.empty()) {
    check(EVP_DecryptUpdate(ctx.get(), plaintext.data(), &outl, ciphertext.data(),
                            static_cast<int>(ciphertext.size())),
          "decrypt");
  }
  plaintext.resize(static_cast<size_t>(outl));
  Tag expect{};
  Bytes again = seal(key, nonce, aad, plaintext, expect);
  if (icv.empty() || icv.size() > expect.size() || again != ciphertext) return false;
  return equal_ct(expect.data(), icv.data(), icv.size());
}

bool equal_ct(const uint8_t* a, const uint8_t* b, size_t n) { return CRYPTO_memcmp(a, b, n) == 0; }

}  // namespace esp::ref::gcm
