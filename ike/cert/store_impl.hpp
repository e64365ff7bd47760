// CredentialStore's data (private to esp_ike_cert; credentials.cpp loads it,
// peer.cpp uses it for the peer's side). Immutable after load.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "esp/ike/credentials.hpp"
#include "x509_util.hpp"

namespace esp::ike {

struct CertFile {
  std::string path;
  x509::X509Ptr x;
  Bytes der;
};

struct CredentialStore::Impl {
  std::string dir;
  std::vector<CertFile> certs;  // x509/ and certs named by path
  std::vector<CertFile> cas;    // x509ca/ and cacerts named by path
  std::vector<std::pair<std::string, std::unique_ptr<PrivateKey>>> keys;
  std::vector<std::pair<std::string, std::unique_ptr<PublicKey>>> pubkeys;
  std::vector<std::unique_ptr<LocalCredential>> locals;  // one per cert of `certs` with a key

  // `name` as swanctl finds it: absolute as it is, else dir/sub/name; normalised.
  std::string resolve(const std::string& name, const char* sub) const;
  // The first certificate read from `path` in `list`, or null.
  static const CertFile* find(const std::vector<CertFile>& list, const std::string& path);
};

}  // namespace esp::ike
