#include "esp/ike/prf.hpp"

#include "ossl_util.hpp"
#include "xcbc.hpp"

#include <openssl/core_names.h>

namespace esp::ike {

using namespace ossl;

namespace {

const char *prf_digest(PrfId p) {
  switch (p) {
    case PrfId::HmacSha256: return "SHA256";
    case PrfId::HmacSha384: return "SHA384";
    case PrfId::HmacSha512: return "SHA512";
    case PrfId::Aes128Xcbc: break;
  }
  throw CryptoError("not an HMAC PRF");
}

const char *integ_digest(IntegId i) {
  switch (i) {
    case IntegId::HmacSha256_128: return "SHA256";
    case IntegId::HmacSha384_192: return "SHA384";
    case IntegId::HmacSha512_256: return "SHA512";
    case IntegId::None: break;
  }
  throw CryptoError("no HMAC for this integrity transform");
}

// HMAC(key, part0 | part1 | ...) into out (out_len bytes exactly).
void hmac_into(const char *digest, ByteView key, std::initializer_list<ByteView> parts, uint8_t *out,
               size_t out_len) {
  static const uint8_t kEmpty = 0;
  Mac mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) fail("EVP_MAC_fetch HMAC");
  MacCtx ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) fail("EVP_MAC_CTX_new");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char *>(digest), 0),
      OSSL_PARAM_construct_end()};
  // A zero-length key is legal for HMAC; OpenSSL wants a non-null pointer.
  if (!EVP_MAC_init(ctx.get(), key.size ? key.data : &kEmpty, key.size, params)) fail("HMAC init");
  for (const auto &p : parts)
    if (p.size && !EVP_MAC_update(ctx.get(), p.data, p.size)) fail("HMAC update");
  size_t len = 0;
  if (!EVP_MAC_final(ctx.get(), out, &len, out_len) || len != out_len) fail("HMAC final");
}

// prf(key, part0 | part1 | ...) into out (prf_out_len(p) bytes).
void prf_into(PrfId p, ByteView key, std::initializer_list<ByteView> parts, uint8_t *out) {
  if (p == PrfId::Aes128Xcbc) {
    aes_xcbc_prf128(key, parts, out);
  } else {
    hmac_into(prf_digest(p), key, parts, out, prf_out_len(p));
  }
}

}  // namespace

SecretBytes prf(PrfId p, ByteView key, ByteView data) {
  SecretBytes out(prf_out_len(p));
  prf_into(p, key, {data}, out.data());
  return out;
}

Bytes hmac(IntegId i, ByteView key, std::initializer_list<ByteView> data) {
  Bytes out(integ_key_len(i));
  hmac_into(integ_digest(i), key, data, out.data(), out.size());
  return out;
}

SecretBytes prf_plus(PrfId p, ByteView key, ByteView seed, size_t len) {
  const size_t block = prf_out_len(p);
  const size_t blocks = (len + block - 1) / block;
  if (blocks > 255)
    throw CryptoError("prf+: " + std::to_string(len) + " bytes need more than 255 PRF blocks");
  SecretBytes out(blocks * block);
  for (size_t n = 1; n <= blocks; ++n) {
    const uint8_t counter = static_cast<uint8_t>(n);
    ByteView prev = n == 1 ? ByteView() : ByteView(out.data() + (n - 2) * block, block);
    prf_into(p, key, {prev, seed, ByteView(&counter, 1)}, out.data() + (n - 1) * block);
  }
  return out.slice(0, len);
}

}  // namespace esp::ike
