// CredentialStore: loading swanctl's folders, our own credential
// (credentials.hpp). The peer's side is in peer.cpp.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "store_impl.hpp"

namespace esp::ike {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::error_code ec2;
    if (fs::is_regular_file(it->path(), ec2)) out.push_back(fs::path(it->path()).lexically_normal().string());
  }
  if (ec) throw CredentialError(dir + ": cannot list: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

Bytes read_or_throw(const std::string& path, const std::string& what) {
  try {
    return x509::read_file(path);
  } catch (const std::exception& e) {
    throw CredentialError(path + ": " + e.what() + (what.empty() ? "" : " (" + what + ")"));
  }
}

void load_certs(const std::string& path, std::vector<CertFile>& into, const std::string& what) {
  const Bytes data = read_or_throw(path, what);
  auto certs = x509::certs_from(data);
  if (certs.empty()) throw CredentialError(path + ": not an X.509 certificate (PEM or DER)");
  for (auto& x : certs) {
    // Cache the extensions now: later const calls only read the object.
    X509_check_purpose(x.get(), -1, 0);
    CertFile c;
    c.path = path;
    c.der = x509::der_of(x.get());
    c.x = std::move(x);
    into.push_back(std::move(c));
  }
}

const char* key_dir(conf::KeySecret::Type t) {
  switch (t) {
    case conf::KeySecret::Type::Rsa: return "rsa";
    case conf::KeySecret::Type::Ecdsa: return "ecdsa";
    case conf::KeySecret::Type::Pkcs8: return "pkcs8";
    case conf::KeySecret::Type::Any: break;
  }
  return "private";
}

std::unique_ptr<PrivateKey> load_key(const std::string& path, const conf::KeySecret* secret) {
  Bytes raw = read_or_throw(path, secret ? "secrets " + secret->name : "");
  const SecretBytes data{ByteView(raw)};
  if (!raw.empty()) OPENSSL_cleanse(raw.data(), raw.size());
  const SecretBytes* pass = secret && !secret->passphrase.empty() ? &secret->passphrase : nullptr;
  bool encrypted = false;
  x509::PkeyPtr k = x509::load_private_key(data, pass, &encrypted);
  if (!k) {
    if (encrypted)
      throw CredentialError(path + ": private key is encrypted and no secret names it (secrets { private-<name> { file = " +
                            fs::path(path).filename().string() + " secret = ... } })");
    if (pass) throw CredentialError(path + ": cannot decrypt private key (wrong passphrase in secrets " + secret->name + "?)");
    throw CredentialError(path + ": not a private key (PEM or DER; PKCS#1, SEC1 or PKCS#8)");
  }
  if (!EVP_PKEY_is_a(k.get(), "RSA") && !EVP_PKEY_is_a(k.get(), "EC"))
    throw CredentialError(path + ": private key is neither RSA nor EC");
  // Hand the key to esp_ike_crypto as unencrypted DER, wiped afterwards.
  unsigned char* der = nullptr;
  const int len = i2d_PrivateKey(k.get(), &der);
  if (len <= 0) throw CredentialError(path + ": cannot re-encode private key");
  SecretBytes plain{ByteView(der, static_cast<size_t>(len))};
  OPENSSL_clear_free(der, static_cast<size_t>(len));
  try {
    return std::make_unique<PrivateKey>(PrivateKey::load(plain));
  } catch (const CryptoError& e) {
    throw CredentialError(path + ": " + e.what());
  }
}

std::unique_ptr<PublicKey> load_pubkey(const std::string& path, const std::string& what) {
  const Bytes data = read_or_throw(path, what);
  try {
    return std::make_unique<PublicKey>(PublicKey::load(data));
  } catch (const CryptoError& e) {
    throw CredentialError(path + ": " + e.what());
  }
}

// Intermediates from x509/ that chain `ee` towards a CA: issuer first; stops
// at a trust anchor's child, at a self-signed cert, or when none is found.
std::vector<Bytes> chain_of(X509* ee, const CredentialStore::Impl& s) {
  std::vector<Bytes> out;
  std::vector<X509*> seen{ee};
  X509* cur = ee;
  for (int depth = 0; depth < 8 && !x509::self_signed(cur); ++depth) {
    bool anchored = false;
    for (const auto& ca : s.cas) anchored = anchored || X509_check_issued(ca.x.get(), cur) == X509_V_OK;
    if (anchored) break;
    X509* next = nullptr;
    for (const auto& c : s.certs) {
      if (std::find(seen.begin(), seen.end(), c.x.get()) != seen.end()) continue;
      if (x509::is_ca(c.x.get()) && X509_check_issued(c.x.get(), cur) == X509_V_OK) {
        next = c.x.get();
        break;
      }
    }
    if (!next || x509::self_signed(next)) break;
    out.push_back(x509::der_of(next));
    seen.push_back(next);
    cur = next;
  }
  return out;
}

}  // namespace

std::string CredentialStore::Impl::resolve(const std::string& name, const char* sub) const {
  const fs::path p = !name.empty() && name[0] == '/' ? fs::path(name) : fs::path(dir) / sub / name;
  return p.lexically_normal().string();
}

const CertFile* CredentialStore::Impl::find(const std::vector<CertFile>& list, const std::string& path) {
  for (const auto& c : list)
    if (c.path == path) return &c;
  return nullptr;
}

CredentialStore::CredentialStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CredentialStore::CredentialStore(CredentialStore&&) noexcept = default;
CredentialStore& CredentialStore::operator=(CredentialStore&&) noexcept = default;
CredentialStore::~CredentialStore() = default;

CredentialStore CredentialStore::load(const std::string& swanctl_dir, const conf::Config& cfg) {
  auto s = std::make_unique<Impl>();
  s->dir = swanctl_dir;
  for (const auto& f : files_in(s->resolve("x509", ""))) load_certs(f, s->certs, "");
  for (const auto& f : files_in(s->resolve("x509ca", ""))) load_certs(f, s->cas, "");

  // Certificates and public keys the connections name.
  for (const auto& c : cfg.connections) {
    for (const conf::AuthConfig* a : {&c.local, &c.remote}) {
      const std::string what = "connection " + c.name + " " + (a->section.empty() ? "auth" : a->section);
      for (const auto& n : a->certs) {
        const std::string p = s->resolve(n, "x509");
        if (!Impl::find(s->certs, p)) load_certs(p, s->certs, what + " certs");
      }
      for (const auto& n : a->cacerts) {
        const std::string p = s->resolve(n, "x509ca");
        if (!Impl::find(s->cas, p)) load_certs(p, s->cas, what + " cacerts");
      }
    }
  }
  std::set<std::string> pub_paths;
  for (const auto& f : files_in(s->resolve("pubkey", ""))) pub_paths.insert(f);
  for (const auto& p : pub_paths) s->pubkeys.emplace_back(p, load_pubkey(p, ""));
  for (const auto& c : cfg.connections) {
    for (const conf::AuthConfig* a : {&c.local, &c.remote}) {
      for (const auto& n : a->pubkeys) {
        const std::string p = s->resolve(n, "pubkey");
        if (pub_paths.insert(p).second)
          s->pubkeys.emplace_back(p, load_pubkey(p, "connection " + c.name + " pubkeys"));
      }
    }
  }

  // Private keys: every file of the key folders and every file a secret names.
  std::vector<std::string> key_paths;
  for (const char* d : {"private", "rsa", "ecdsa", "pkcs8"})
    for (const auto& f : files_in(s->resolve(d, ""))) key_paths.push_back(f);
  std::vector<std::pair<std::string, const conf::KeySecret*>> secret_paths;
  for (const auto& k : cfg.private_keys) {
    if (k.file.empty()) throw CredentialError("secrets " + k.name + ": no file");
    const std::string p = s->resolve(k.file, key_dir(k.type));
    secret_paths.emplace_back(p, &k);
    if (std::find(key_paths.begin(), key_paths.end(), p) == key_paths.end()) key_paths.push_back(p);
  }
  for (const auto& p : key_paths) {
    const conf::KeySecret* secret = nullptr;
    for (const auto& sp : secret_paths)
      if (sp.first == p) {
        secret = sp.second;
        break;
      }
    s->keys.emplace_back(p, load_key(p, secret));
  }

  // Our credentials: each certificate with its private key.
  for (const auto& c : s->certs) {
    EVP_PKEY* pub = X509_get0_pubkey(c.x.get());
    if (!pub) continue;
    const PrivateKey* key = nullptr;
    for (const auto& k : s->keys)
      if (EVP_PKEY_eq(pub, static_cast<EVP_PKEY*>(k.second->native())) == 1) {
        key = k.second.get();
        break;
      }
    if (!key) continue;
    auto lc = std::make_unique<LocalCredential>();
    lc->cert_der = c.der;
    lc->key = key;
    lc->cert_file = c.path;
    lc->default_id_data = IdData{IdType::DER_ASN1_DN, x509::subject_der(c.x.get())};
    try {
      lc->default_id = identity_of(IdType::DER_ASN1_DN, lc->default_id_data.data);
    } catch (const std::invalid_argument& e) {
      throw CredentialError(c.path + ": certificate subject: " + e.what());
    }
    lc->intermediates_der = chain_of(c.x.get(), *s);
    s->locals.push_back(std::move(lc));
  }
  ERR_clear_error();
  return CredentialStore(std::move(s));
}

const LocalCredential* CredentialStore::local(const conf::AuthConfig& local, std::string* why) const {
  std::string reasons;
  auto fail = [&](const std::string& r) {
    if (!reasons.empty()) reasons += "; ";
    reasons += r;
  };
  if (local.certs.empty()) fail("no certs in the local auth section" + (local.section.empty() ? "" : " '" + local.section + "'"));
  for (const auto& n : local.certs) {
    const std::string p = impl_->resolve(n, "x509");
    const CertFile* cf = Impl::find(impl_->certs, p);
    if (!cf) {
      fail(p + ": certificate not loaded");
      continue;
    }
    const LocalCredential* lc = nullptr;
    for (const auto& l : impl_->locals)
      if (l->cert_der == cf->der) lc = l.get();
    if (!lc) {
      fail(p + ": no private key matches the certificate");
      continue;
    }
    if (local.id.type != conf::Identity::Type::Any) {
      IdData d;
      try {
        d = id_payload_for(local.id);
      } catch (const std::invalid_argument& e) {
        fail(std::string("local id: ") + e.what());
        continue;
      }
      if (!x509::has_id(cf->x.get(), d.type, d.data)) {
        fail("local id '" + local.id.text + "' is not in certificate " + p + " (subject '" +
             id_text(IdType::DER_ASN1_DN, x509::subject_der(cf->x.get())) + "', subjectAltNames " +
             x509::san_text(cf->x.get()) + ")");
        continue;
      }
    }
    return lc;
  }
  if (why) *why = reasons;
  return nullptr;
}

size_t CredentialStore::cert_count() const { return impl_->certs.size(); }
size_t CredentialStore::ca_count() const { return impl_->cas.size(); }
size_t CredentialStore::private_key_count() const { return impl_->keys.size(); }
size_t CredentialStore::pubkey_count() const { return impl_->pubkeys.size(); }

}  // namespace esp::ike
