// OpenSSL X.509 helpers for esp_ike_cert (private): owning pointers, reading
// certificate and key files, "is this ID in this certificate", hashes.
// Reentrant.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "esp/ike/bytes.hpp"
#include "esp/ike/msg_types.hpp"

namespace esp::ike::x509 {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The whole file; throws std::runtime_error("cannot read") when it cannot.
Bytes read_file(const std::string& path);

// Every certificate of a PEM file (one or more blocks) or the one of a DER
// file; empty if the bytes are neither.
std::vector<X509Ptr> certs_from(ByteView data);
// One DER certificate, exactly (no trailing bytes); null otherwise.
X509Ptr cert_from_der(ByteView der);
Bytes der_of(X509* x);
Bytes subject_der(X509* x);
Bytes issuer_der(X509* x);
bool is_ca(X509* x);
bool self_signed(X509* x);
// SHA-1 of the DER subjectPublicKeyInfo (RFC 7296 3.7 CERTREQ entries).
Bytes spki_sha1(X509* x);

// Is the ID (type + ID payload data) in the certificate? DER_ASN1_DN: the
// subject (RDN by RDN, no wildcards); FQDN / RFC822_ADDR / IPV4 / IPV6: a
// subjectAltName dNSName / rfc822Name / iPAddress equal to it (names
// case-insensitively).
bool has_id(X509* x, IdType t, ByteView data);
// The subjectAltNames, printed ("DNS:x", "IP:1.2.3.4", "email:a@b"), for messages.
std::string san_text(X509* x);

// A private key file (PEM or DER; PKCS#1, SEC1 or PKCS#8, encrypted or not).
// `passphrase` null: an encrypted key fails with *encrypted = true.
PkeyPtr load_private_key(ByteView data, const SecretBytes* passphrase, bool* encrypted);

}  // namespace esp::ike::x509
