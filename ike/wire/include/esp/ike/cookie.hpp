// Stateless cookies for IKE_SA_INIT (RFC 7296 2.6): once a responder holds
// too many half-open IKE SAs it answers a request without a valid COOKIE
// notify with one, and keeps no state until the initiator returns it.
//
//   Cookie = <VersionIDofSecret> | SHA-256(Ni | IPi | SPIi | <secret>)
//
// VersionIDofSecret: 4 bytes, big-endian; IPi: 4 or 16 bytes; SPIi: 8 bytes,
// big-endian; secret: 32 bytes from OpenSSL's RAND, rotated every
// secret_lifetime seconds; the previous secret still verifies, so a cookie
// lives at least one lifetime and at most about two. The cookie is the data of
// the COOKIE notify (36 bytes).
//
// Thread-safety: a CookieJar is not thread-safe (make() and verify() may
// rotate the secret): one thread at a time. Secrets are wiped when replaced
// and when the jar dies; cookie_value() is re-entrant.
#pragma once

#include <cstddef>
#include <cstdint>

#include "esp/ike/bytes.hpp"
#include "esp/runtime/ip_addr.hpp"

namespace esp::ike {

inline constexpr std::size_t kCookieSecretLen = 32;
inline constexpr std::size_t kCookieLen = 4 + 32;

class CookieJar {
 public:
  // threshold: half-open IKE SAs at which cookies are required (0: always).
  // secret_lifetime: seconds, > 0 (throws std::invalid_argument otherwise).
  explicit CookieJar(std::size_t threshold = 30, std::int64_t secret_lifetime = 120);

  bool required(std::size_t half_open) const { return half_open >= threshold_; }

  // now: unix seconds, given by the caller (a clock that steps back rotates
  // nothing). The first call draws the first secret; once secret_lifetime
  // has passed since the current secret was drawn, it becomes the previous
  // one and a new one is drawn (after two lifetimes both are new).
  // Throws CryptoError if the RNG fails or ipi has no version.
  Bytes make(ByteView ni, std::uint64_t spi_i, const runtime::IpAddr& ipi, std::int64_t now);
  // Whether cookie is one make() gave for these values with the current or
  // the previous secret (compared in constant time). False for any other
  // length, an unknown version, or an IpAddr without a version.
  bool verify(ByteView cookie, ByteView ni, std::uint64_t spi_i, const runtime::IpAddr& ipi,
              std::int64_t now);

  // Version ID of the current secret (after the rotation due at now).
  std::uint32_t current_version(std::int64_t now);

 private:
  struct Secret {
    std::uint32_t version = 0;
    SecretBytes key;
  };
  void rotate(std::int64_t now);
  void draw(Secret& s, std::uint32_t version);

  std::size_t threshold_;
  std::int64_t lifetime_;
  bool have_current_ = false;
  bool have_previous_ = false;
  std::int64_t drawn_at_ = 0;
  Secret current_;
  Secret previous_;
};

// The cookie for a given secret (what CookieJar makes; exposed for tests).
// Throws CryptoError if ipi has no version (4 or 6) or SHA-256 fails.
Bytes cookie_value(std::uint32_t version, ByteView secret, ByteView ni, std::uint64_t spi_i,
                   const runtime::IpAddr& ipi);

}  // namespace esp::ike
