// The credentials esp-iked authenticates with, loaded from a swanctl
// directory the way swanctl --load-creds finds them:
//   x509/    our certificates and intermediate CA certificates
//   x509ca/  trust anchors
//   private/ rsa/ ecdsa/ pkcs8/   private keys (encrypted ones need a
//            secrets { private-x { file secret } } entry; rsa-x, ecdsa-x,
//            pkcs8-x for the other folders)
//   pubkey/  raw public keys (remote { pubkeys })
// Each folder may be missing. Files are PEM or DER. Certificate checks use
// OpenSSL's X509_STORE at a time the caller gives (no wall clock inside).
// Revocation (CRL, OCSP) is not checked.
//
// Thread-safety: a CredentialStore is immutable after load(); its const
// methods may run concurrently from several threads. Pointers it returns live
// as long as the store (moving the store keeps them valid).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/ike/bytes.hpp"
#include "esp/ike/conf_model.hpp"
#include "esp/ike/identity.hpp"
#include "esp/ike/msg_types.hpp"
#include "esp/ike/signature.hpp"

namespace esp::ike {

// A credential file that cannot be used: what() names the file and the reason
// (never key bytes or passphrases).
class CredentialError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What we send in IKE_AUTH with certificate authentication.
struct LocalCredential {
  Bytes cert_der;                        // end-entity certificate (CERT payload, encoding 4)
  std::vector<Bytes> intermediates_der;  // CA certs from x509/ chaining it towards a CA, issuer first
  const PrivateKey* key = nullptr;       // the private key whose public key is the cert's
  conf::Identity default_id;             // the cert's subject DN (strongSwan's default local id)
  IdData default_id_data;                // that DN as an ID payload: the cert's subject DER, as it is
  std::string cert_file;                 // where the cert was read (for logs)
};

// The result of verify_peer. ok: key is the end-entity's public key (to check
// AUTH with signature.hpp); otherwise why says what failed.
struct PeerVerdict {
  bool ok = false;
  std::string why;
  std::optional<PublicKey> key;
  std::string subject;  // the end-entity's subject DN, strongSwan's text (empty if unparsable)
};

class CredentialStore {
 public:
  // Loads every file of the folders above, and the files that `cfg` names:
  // AuthConfig::certs / cacerts / pubkeys (relative names in x509/ x509ca/
  // pubkey/, absolute paths as they are) and KeySecret::file (relative names
  // in private/ rsa/ ecdsa/ pkcs8/ by the secret's type). A private key's
  // passphrase is the KeySecret naming that file. Throws CredentialError
  // naming the file and the reason: unreadable, not a certificate / key,
  // encrypted without a secret, wrong passphrase, a named file missing.
  static CredentialStore load(const std::string& swanctl_dir, const conf::Config& cfg);

  CredentialStore(CredentialStore&&) noexcept;
  CredentialStore& operator=(CredentialStore&&) noexcept;
  ~CredentialStore();

  // The credential for a connection's local auth section: its first cert
  // (AuthConfig::certs) that has a private key and, when `local.id` has text,
  // holds that id (subject DN or a subjectAltName of the id's type). nullptr
  // and the reason in *why (if given) when there is none.
  const LocalCredential* local(const conf::AuthConfig& local, std::string* why) const;

  // CERTREQ data (RFC 7296 3.7): the SHA-1 of each trusted CA's
  // subjectPublicKeyInfo, 20 bytes each, concatenated; remote.cacerts if
  // given, otherwise every CA of x509ca/ (in file-name order).
  Bytes certreq_data(const conf::AuthConfig& remote) const;

  // Verifies the peer. certs_der: the CERT payloads' data (X.509 Signature
  // encoding), end-entity first, intermediates after. The chain must end at a
  // trust anchor (remote.cacerts if given, else any of x509ca/; untrusted
  // helpers: the received intermediates and the CA certs of x509/), every
  // certificate valid at `now` (unix seconds) with good signatures. Then the
  // peer's ID payload must be in the end-entity cert (DN = its subject, else
  // a subjectAltName of the ID's type), remote.id must match the ID payload
  // (id_matches), and remote.auth rsa/ecdsa must fit the key type.
  PeerVerdict verify_peer(const std::vector<Bytes>& certs_der, IdType id_type, ByteView id_data,
                          const conf::AuthConfig& remote, int64_t now) const;

  // The first raw public key of remote.pubkeys, or nullptr when it has none.
  const PublicKey* peer_pubkey(const conf::AuthConfig& remote) const;

  // The PSK for an IKE SA, chosen as strongSwan's credential manager does: an
  // `ike` secret qualifies when one of its ids matches our id OR one matches
  // the peer's (a secret without ids matches both as %any); the best is the
  // one matching the peer's id best, then ours best (id_match scale); on a
  // tie the first in the file. nullptr if none qualifies. Points into `cfg`.
  const SecretBytes* psk(const conf::Identity& local_id, IdType peer_t, ByteView peer_id,
                         const conf::Config& cfg) const;
  // The same with our ID as sent (type + data).
  const SecretBytes* psk(IdType local_t, ByteView local_id, IdType peer_t, ByteView peer_id,
                         const conf::Config& cfg) const;

  // For listings and tests: what was loaded.
  size_t cert_count() const;        // x509/ and named certs
  size_t ca_count() const;          // x509ca/ and named cacerts
  size_t private_key_count() const;
  size_t pubkey_count() const;

  struct Impl;  // opaque (defined inside esp_ike_cert)

 private:
  explicit CredentialStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace esp::ike
