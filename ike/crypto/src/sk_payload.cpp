#include "esp/ike/sk_payload.hpp"

#include "esp/ike/prf.hpp"
#include "ossl_util.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>

namespace esp::ike {

using namespace ossl;

namespace {

constexpr size_t kIkeHeaderLen = 28;
constexpr size_t kGcmIvLen = 8;
constexpr size_t kGcmTagLen = 16;
constexpr size_t kCbcBlock = 16;

uint32_t be32(const uint8_t *p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}
uint16_t be16(const uint8_t *p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

}  // namespace

std::string sk_check_prefix(ByteView prefix, size_t body_len, bool fragment_header) {
  const size_t hdr = fragment_header ? 8 : 4;
  if (prefix.size < kIkeHeaderLen + hdr) return "message prefix shorter than IKE header + payload header";
  const uint64_t total = uint64_t{prefix.size} + body_len;
  if (be32(prefix.data + 24) != total)
    return "IKE header length " + std::to_string(be32(prefix.data + 24)) + " != message length " +
           std::to_string(total);
  const uint8_t *ph = prefix.data + prefix.size - hdr;
  if (be16(ph + 2) != hdr + body_len)
    return "encrypted payload length " + std::to_string(be16(ph + 2)) + " != " + std::to_string(hdr + body_len);
  return {};
}

struct SkCipher::Impl {
  EncrId encr;
  IntegId integ;
  Cipher cipher;
  SecretBytes key;   // AES key
  SecretBytes salt;  // GCM
  SecretBytes integ_key;
  uint64_t counter = 0;  // next GCM IV

  bool gcm() const { return encr == EncrId::AesGcm16; }
};

SkCipher::SkCipher(EncrId encr, unsigned key_bits, IntegId integ, ByteView enc_key, ByteView integ_key)
    : impl_(std::make_unique<Impl>()) {
  if (encr == EncrId::NullAuthAesGmac) throw CryptoError("SK payload: AES-GMAC is not an IKE cipher");
  if (encr_is_aead(encr) != (integ == IntegId::None))
    throw CryptoError("SK payload: AES-GCM takes no integrity transform, AES-CBC needs one");
  const size_t need = encr_keymat_len(encr, key_bits);
  if (enc_key.size != need)
    throw CryptoError("SK payload: encryption key is " + std::to_string(enc_key.size) + " bytes, expected " +
                      std::to_string(need));
  if (integ_key.size != integ_key_len(integ))
    throw CryptoError("SK payload: integrity key is " + std::to_string(integ_key.size) + " bytes, expected " +
                      std::to_string(integ_key_len(integ)));
  impl_->encr = encr;
  impl_->integ = integ;
  const size_t klen = key_bits / 8;
  impl_->key = SecretBytes(ByteView(enc_key.data, klen));
  if (impl_->gcm()) impl_->salt = SecretBytes(ByteView(enc_key.data + klen, kAeadSaltLen));
  impl_->integ_key = SecretBytes(integ_key);
  const char *name = impl_->gcm() ? (key_bits == 128 ? "AES-128-GCM" : "AES-256-GCM")
                                  : (key_bits == 128 ? "AES-128-CBC" : "AES-256-CBC");
  impl_->cipher.reset(EVP_CIPHER_fetch(nullptr, name, nullptr));
  if (!impl_->cipher) fail(std::string("EVP_CIPHER_fetch ") + name);
  uint8_t r[8];
  if (RAND_bytes(r, sizeof r) != 1) fail("RAND_bytes");
  for (uint8_t b : r) impl_->counter = impl_->counter << 8 | b;
}

SkCipher::SkCipher(SkCipher &&) noexcept = default;
SkCipher &SkCipher::operator=(SkCipher &&) noexcept = default;
SkCipher::~SkCipher() = default;

size_t SkCipher::iv_len() const { return impl_->gcm() ? kGcmIvLen : kCbcBlock; }
size_t SkCipher::icv_len() const { return impl_->gcm() ? kGcmTagLen : integ_icv_len(impl_->integ); }

size_t SkCipher::body_len(size_t plaintext_len) const {
  size_t enc = plaintext_len + 1;  // Pad Length
  if (!impl_->gcm()) enc = (enc + kCbcBlock - 1) / kCbcBlock * kCbcBlock;
  return iv_len() + enc + icv_len();
}

Bytes SkCipher::protect(ByteView prefix, ByteView plaintext, bool fragment) {
  uint8_t iv[kCbcBlock];
  if (impl_->gcm()) {
    const uint64_t c = impl_->counter++;
    for (size_t i = 0; i < kGcmIvLen; ++i) iv[i] = static_cast<uint8_t>(c >> (56 - 8 * i));
  } else if (RAND_bytes(iv, kCbcBlock) != 1) {
    fail("RAND_bytes");
  }
  return protect_with_iv(prefix, plaintext, ByteView(iv, iv_len()), fragment);
}

Bytes SkCipher::protect_with_iv(ByteView prefix, ByteView plaintext, ByteView iv, bool fragment) const {
  if (iv.size != iv_len()) throw CryptoError("SK payload: IV must be " + std::to_string(iv_len()) + " bytes");
  const size_t blen = body_len(plaintext.size);
  const std::string bad = sk_check_prefix(prefix, blen, fragment);
  if (!bad.empty()) throw CryptoError("SK payload: " + bad);
  const size_t enc_len = blen - iv_len() - icv_len();
  const size_t pad = enc_len - plaintext.size - 1;
  // Inner payloads | Padding (zeros) | Pad Length.
  SecretBytes inner(enc_len);
  if (plaintext.size) std::memcpy(inner.data(), plaintext.data, plaintext.size);
  inner[enc_len - 1] = static_cast<uint8_t>(pad);

  Bytes body(blen);
  std::memcpy(body.data(), iv.data, iv.size);
  uint8_t *ct = body.data() + iv.size;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) fail("EVP_CIPHER_CTX_new");
  int outl = 0;
  const int in_len = static_cast<int>(enc_len);
  if (impl_->gcm()) {
    uint8_t nonce[kAeadSaltLen + kGcmIvLen];
    std::memcpy(nonce, impl_->salt.data(), kAeadSaltLen);
    std::memcpy(nonce + kAeadSaltLen, iv.data, kGcmIvLen);
    if (!EVP_EncryptInit_ex2(ctx.get(), impl_->cipher.get(), impl_->key.data(), nonce, nullptr) ||
        !EVP_EncryptUpdate(ctx.get(), nullptr, &outl, prefix.data, static_cast<int>(prefix.size)) ||
        !EVP_EncryptUpdate(ctx.get(), ct, &outl, inner.data(), in_len) || outl != in_len ||
        !EVP_EncryptFinal_ex(ctx.get(), ct + enc_len, &outl) ||
        !EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kGcmTagLen, ct + enc_len))
      fail("SK payload: AES-GCM encrypt");
    OPENSSL_cleanse(nonce, sizeof nonce);
  } else {
    if (!EVP_EncryptInit_ex2(ctx.get(), impl_->cipher.get(), impl_->key.data(), iv.data, nullptr) ||
        !EVP_CIPHER_CTX_set_padding(ctx.get(), 0) ||
        !EVP_EncryptUpdate(ctx.get(), ct, &outl, inner.data(), in_len) || outl != in_len ||
        !EVP_EncryptFinal_ex(ctx.get(), ct + enc_len, &outl) || outl != 0)
      fail("SK payload: AES-CBC encrypt");
    const Bytes mac = hmac(impl_->integ, impl_->integ_key, {prefix, ByteView(body.data(), iv.size + enc_len)});
    std::memcpy(ct + enc_len, mac.data(), icv_len());
  }
  return body;
}

std::optional<Bytes> SkCipher::unprotect(ByteView prefix, ByteView body, std::string *why, bool fragment) const {
  auto reject = [why](const std::string &reason) -> std::optional<Bytes> {
    if (why) *why = "SK payload: " + reason;
    return std::nullopt;
  };
  const size_t ivl = iv_len(), icvl = icv_len();
  if (body.size < ivl + icvl + (impl_->gcm() ? 1 : kCbcBlock)) return reject("body too short");
  const size_t enc_len = body.size - ivl - icvl;
  if (!impl_->gcm() && enc_len % kCbcBlock != 0) return reject("ciphertext is not a whole number of blocks");
  const std::string bad = sk_check_prefix(prefix, body.size, fragment);
  if (!bad.empty()) return reject(bad);
  const uint8_t *iv = body.data;
  const uint8_t *ct = body.data + ivl;
  const uint8_t *icv = ct + enc_len;

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) fail("EVP_CIPHER_CTX_new");
  SecretBytes inner(enc_len);
  int outl = 0;
  const int in_len = static_cast<int>(enc_len);
  if (impl_->gcm()) {
    uint8_t nonce[kAeadSaltLen + kGcmIvLen];
    std::memcpy(nonce, impl_->salt.data(), kAeadSaltLen);
    std::memcpy(nonce + kAeadSaltLen, iv, kGcmIvLen);
    uint8_t tag[kGcmTagLen];
    std::memcpy(tag, icv, kGcmTagLen);
    const bool ok = EVP_DecryptInit_ex2(ctx.get(), impl_->cipher.get(), impl_->key.data(), nonce, nullptr) &&
                    EVP_DecryptUpdate(ctx.get(), nullptr, &outl, prefix.data, static_cast<int>(prefix.size)) &&
                    EVP_DecryptUpdate(ctx.get(), inner.data(), &outl, ct, in_len) && outl == in_len &&
                    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kGcmTagLen, tag);
    OPENSSL_cleanse(nonce, sizeof nonce);
    if (!ok) fail("SK payload: AES-GCM decrypt");
    // The tag is checked (in constant time) here; on a mismatch nothing
    // decrypted leaves this function.
    if (EVP_DecryptFinal_ex(ctx.get(), inner.data() + enc_len, &outl) <= 0) {
      ERR_clear_error();
      return reject("ICV mismatch");
    }
  } else {
    const Bytes mac = hmac(impl_->integ, impl_->integ_key, {prefix, ByteView(body.data, ivl + enc_len)});
    if (CRYPTO_memcmp(mac.data(), icv, icvl) != 0) return reject("ICV mismatch");
    if (!EVP_DecryptInit_ex2(ctx.get(), impl_->cipher.get(), impl_->key.data(), iv, nullptr) ||
        !EVP_CIPHER_CTX_set_padding(ctx.get(), 0) ||
        !EVP_DecryptUpdate(ctx.get(), inner.data(), &outl, ct, in_len) || outl != in_len ||
        !EVP_DecryptFinal_ex(ctx.get(), inner.data() + enc_len, &outl))
      fail("SK payload: AES-CBC decrypt");
  }
  // Padding's content is not checked (RFC 7296 3.14: any value); its length
  // must fit.
  const size_t pad = inner[enc_len - 1];
  if (pad + 1 > enc_len) return reject("Pad Length " + std::to_string(pad) + " exceeds the encrypted data");
  return Bytes(inner.data(), inner.data() + (enc_len - 1 - pad));
}

}  // namespace esp::ike
