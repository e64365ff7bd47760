// Signature AUTH (RFC 7296 2.15 over <SignedOctets>): Digital Signature
// (Auth Method 14, RFC 7427) with RSA PKCS#1 v1.5 or ECDSA and SHA-2, and
// the older ECDSA methods 9/10/11 (RFC 4754: r | s, hash fixed by the curve).
// Keys load from PEM or DER as swanctl's private/ and x509/ folders hold them.
#pragma once

#include "esp/ike/bytes.hpp"

#include <memory>
#include <optional>
#include <string>

namespace esp::ike {

enum class SigScheme {
  RsaPkcs1Sha256,
  RsaPkcs1Sha384,
  RsaPkcs1Sha512,
  EcdsaSha256,
  EcdsaSha384,
  EcdsaSha512,
};

// IKEv2 Auth Method numbers.
constexpr uint8_t kAuthMethodPsk = 2;
constexpr uint8_t kAuthMethodEcdsa256 = 9;
constexpr uint8_t kAuthMethodEcdsa384 = 10;
constexpr uint8_t kAuthMethodEcdsa521 = 11;
constexpr uint8_t kAuthMethodDigitalSignature = 14;

// RFC 7427 Appendix A: the DER AlgorithmIdentifier of a scheme.
Bytes sig_algorithm_identifier(SigScheme s);

class PublicKey;

// A private key (RSA or EC). Move-only; OpenSSL wipes it when freed.
class PrivateKey {
 public:
  // PEM (PKCS#8, "RSA PRIVATE KEY", "EC PRIVATE KEY") or DER. Throws
  // CryptoError (never with key bytes in the message).
  static PrivateKey load(ByteView pem_or_der);
  static PrivateKey load_file(const std::string &path);
  PrivateKey(PrivateKey &&) noexcept;
  PrivateKey &operator=(PrivateKey &&) noexcept;
  ~PrivateKey();
  bool is_rsa() const;
  bool is_ec() const;
  // For EC keys: the Auth Method 9/10/11 of its curve, if it is P-256/384/521.
  std::optional<uint8_t> ecdsa_auth_method() const;
  PublicKey public_key() const;
  void *native() const;  // EVP_PKEY*

 private:
  explicit PrivateKey(void *pkey);
  void *pkey_;
};

class PublicKey {
 public:
  // SubjectPublicKeyInfo in PEM or DER.
  static PublicKey load(ByteView pem_or_der);
  // The subject public key of an X.509 certificate (PEM or DER).
  static PublicKey from_certificate(ByteView pem_or_der);
  PublicKey(PublicKey &&) noexcept;
  PublicKey &operator=(PublicKey &&) noexcept;
  ~PublicKey();
  bool is_rsa() const;
  bool is_ec() const;
  void *native() const;  // EVP_PKEY*

 private:
  friend class PrivateKey;
  explicit PublicKey(void *pkey);
  void *pkey_;
};

// AUTH data for Auth Method 14: ASN.1 Length (1 byte) | AlgorithmIdentifier |
// Signature (PKCS#1 v1.5, or DER ECDSA-Sig-Value). Throws CryptoError when the
// key does not fit the scheme.
Bytes sign_digital_signature(const PrivateKey &key, SigScheme s, ByteView signed_octets);
// Verifies Auth Method 14 data; the scheme is read from the
// AlgorithmIdentifier and must be one of ours and fit the key's type. On
// failure returns false with the reason in *why.
bool verify_digital_signature(const PublicKey &key, ByteView auth_data, ByteView signed_octets,
                              std::string *why = nullptr);

// Auth Methods 9/10/11 (RFC 4754): r | s, each the curve's size, with
// SHA-256/384/512 for P-256/384/521.
Bytes sign_ecdsa_method(const PrivateKey &key, ByteView signed_octets);
bool verify_ecdsa_method(const PublicKey &key, uint8_t auth_method, ByteView auth_data, ByteView signed_octets,
                         std::string *why = nullptr);

}  // namespace esp::ike
