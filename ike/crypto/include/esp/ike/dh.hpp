// Diffie-Hellman for IKEv2 (RFC 7296 3.4, the KE payload's Key Exchange Data)
// through OpenSSL 3 EVP:
//   14, 15  MODP 2048/3072 (RFC 3526): g^x mod p, big-endian, padded to the
//           prime's length; the shared secret is padded likewise.
//   19-21   ECP 256/384/521 (RFC 5903): x || y, each the field's length; the
//           shared secret is x alone.
//   31      curve25519 (RFC 8031): the 32-byte u-coordinate; an all-zero
//           shared secret is refused.
#pragma once

#include "esp/ike/bytes.hpp"

#include <memory>
#include <optional>

namespace esp::ike {

// IKEv2 Transform Type 4 IDs (IANA).
enum class DhGroup : uint16_t {
  Modp2048 = 14,
  Modp3072 = 15,
  Ecp256 = 19,
  Ecp384 = 20,
  Ecp521 = 21,
  Curve25519 = 31,
};

// The group for an IANA number, or nullopt when we do not support it.
std::optional<DhGroup> dh_group_from_id(uint16_t id);
const char *dh_group_name(DhGroup g);  // strongSwan's: modp2048, ecp256, x25519...
// Length of the KE payload's Key Exchange Data for the group.
size_t dh_public_len(DhGroup g);
// Length of the shared secret g^ir.
size_t dh_shared_len(DhGroup g);

// One ephemeral key pair. Move-only; the private key is freed (and wiped by
// OpenSSL) with the object.
class DhKey {
 public:
  // A fresh key pair from OpenSSL's RNG.
  static DhKey generate(DhGroup g);
  // A known key pair, for test vectors: priv is the big-endian private value
  // (the RFC 7748 scalar for curve25519), pub the Key Exchange Data. For
  // curve25519 pub may be empty (derived from priv); for the other groups it
  // is required and must match priv (checked by OpenSSL's pair-wise check).
  static DhKey from_private(DhGroup g, ByteView priv, ByteView pub);

  DhKey(DhKey &&) noexcept;
  DhKey &operator=(DhKey &&) noexcept;
  ~DhKey();

  DhGroup group() const { return group_; }
  // Our Key Exchange Data (dh_public_len(group()) bytes).
  Bytes public_value() const;
  // g^ir from the peer's Key Exchange Data. Throws CryptoError with the reason
  // when the data has the wrong length, is not a valid element of the group
  // (MODP: not in [2, p-2]; ECP: not on the curve; curve25519: gives the
  // all-zero secret) or OpenSSL fails.
  SecretBytes shared_secret(ByteView peer_public) const;

 private:
  struct Impl;
  DhKey(DhGroup g, std::unique_ptr<Impl> impl);
  DhGroup group_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace esp::ike
