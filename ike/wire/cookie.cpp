// IKE_SA_INIT cookies (RFC 7296 2.6).
#include "esp/ike/cookie.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace esp::ike {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::size_t ip_len(const runtime::IpAddr& ip) {
  if (ip.version == 4) return 4;
  if (ip.version == 6) return 16;
  return 0;
}

}  // namespace

Bytes cookie_value(std::uint32_t version, ByteView secret, ByteView ni, std::uint64_t spi_i,
                   const runtime::IpAddr& ipi) {
  const std::size_t alen = ip_len(ipi);
  if (alen == 0) throw CryptoError("cookie: IP address without a version");
  std::uint8_t spi[8];
  for (std::size_t i = 0; i < 8; ++i) spi[i] = static_cast<std::uint8_t>(spi_i >> (56 - 8 * i));
  Bytes out(kCookieLen);
  for (std::size_t i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(version >> (24 - 8 * i));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned int mdlen = 0;
  if (!ctx || !EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) ||
      (ni.size != 0 && !EVP_DigestUpdate(ctx.get(), ni.data, ni.size)) ||
      !EVP_DigestUpdate(ctx.get(), ipi.bytes.data(), alen) ||
      !EVP_DigestUpdate(ctx.get(), spi, sizeof spi) ||
      (secret.size != 0 && !EVP_DigestUpdate(ctx.get(), secret.data, secret.size)) ||
      !EVP_DigestFinal_ex(ctx.get(), out.data() + 4, &mdlen) || mdlen != kCookieLen - 4) {
    ERR_clear_error();
    throw CryptoError("cookie: SHA-256 failed");
  }
  return out;
}

CookieJar::CookieJar(std::size_t threshold, std::int64_t secret_lifetime)
    : threshold_(threshold), lifetime_(secret_lifetime) {
  if (secret_lifetime <= 0) throw std::invalid_argument("CookieJar: secret_lifetime must be > 0");
}

void CookieJar::draw(Secret& s, std::uint32_t version) {
  SecretBytes key(kCookieSecretLen);
  if (RAND_priv_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    ERR_clear_error();
    throw CryptoError("cookie: RAND_priv_bytes failed");
  }
  s.version = version;
  s.key = std::move(key);  // the old secret is wiped
}

void CookieJar::rotate(std::int64_t now) {
  if (!have_current_) {
    std::uint8_t v[4];
    if (RAND_bytes(v, sizeof v) != 1) {
      ERR_clear_error();
      throw CryptoError("cookie: RAND_bytes failed");
    }
    draw(current_, std::uint32_t{v[0]} << 24 | std::uint32_t{v[1]} << 16 |
                       std::uint32_t{v[2]} << 8 | std::uint32_t{v[3]});
    have_current_ = true;
    drawn_at_ = now;
    return;
  }
  if (now <= drawn_at_) return;  // no time passed, or the clock stepped back
  const std::uint64_t elapsed = static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(drawn_at_);
  const auto life = static_cast<std::uint64_t>(lifetime_);
  if (elapsed < life) return;
  const std::uint32_t next = current_.version + 1U;
  if (elapsed >= 2 * life) {
    // Both the current and the one before it are past their time.
    previous_.key.wipe();
    have_previous_ = false;
  } else {
    previous_.version = current_.version;
    previous_.key = std::move(current_.key);
    have_previous_ = true;
  }
  draw(current_, next);
  drawn_at_ = now;
}

std::uint32_t CookieJar::current_version(std::int64_t now) {
  rotate(now);
  return current_.version;
}

Bytes CookieJar::make(ByteView ni, std::uint64_t spi_i, const runtime::IpAddr& ipi,
                      std::int64_t now) {
  rotate(now);
  return cookie_value(current_.version, current_.key, ni, spi_i, ipi);
}

bool CookieJar::verify(ByteView cookie, ByteView ni, std::uint64_t spi_i,
                       const runtime::IpAddr& ipi, std::int64_t now) {
  if (cookie.size != kCookieLen || ip_len(ipi) == 0) return false;
  rotate(now);
  const std::uint32_t version = std::uint32_t{cookie.data[0]} << 24 |
                                std::uint32_t{cookie.data[1]} << 16 |
                                std::uint32_t{cookie.data[2]} << 8 | std::uint32_t{cookie.data[3]};
  const Secret* s = nullptr;
  if (version == current_.version) s = &current_;
  else if (have_previous_ && version == previous_.version) s = &previous_;
  if (s == nullptr) return false;
  const Bytes want = cookie_value(s->version, s->key, ni, spi_i, ipi);
  return CRYPTO_memcmp(want.data(), cookie.data, kCookieLen) == 0;
}

}  // namespace esp::ike
