// CredentialStore, the peer's side: CERTREQ data, certificate chain and ID
// checks, raw public keys, PSK lookup (credentials.hpp).
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <ctime>

#include "store_impl.hpp"

namespace esp::ike {
namespace {

struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct CtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }  // the certs are owned elsewhere
};

std::string subject_text(X509* x) { return id_text(IdType::DER_ASN1_DN, x509::subject_der(x)); }

// The trust anchors for `remote`: its cacerts, or all of x509ca/ and named cacerts.
std::vector<const CertFile*> anchors(const CredentialStore::Impl& s, const conf::AuthConfig& remote) {
  std::vector<const CertFile*> out;
  if (remote.cacerts.empty()) {
    for (const auto& c : s.cas) out.push_back(&c);
    return out;
  }
  for (const auto& n : remote.cacerts) {
    const std::string p = s.resolve(n, "x509ca");
    for (const auto& c : s.cas)
      if (c.path == p) out.push_back(&c);
  }
  return out;
}

PeerVerdict refuse(std::string why, std::string subject = {}) {
  PeerVerdict v;
  v.why = std::move(why);
  v.subject = std::move(subject);
  return v;
}

// strongSwan's "which owner of a shared secret matches this id" (has_owner):
// the best match of the secret's ids; no ids = %any. `id` null: we have no
// id (%any), which matches only a %any owner.
int owner_match(const std::vector<conf::Identity>& ids, const IdData* id) {
  if (ids.empty()) return kIdMatchAny;
  int best = kIdMatchNone;
  for (const auto& o : ids) {
    const int m = id ? id_match(o, id->type, id->data)
                     : (o.type == conf::Identity::Type::Any ? kIdMatchAny : kIdMatchNone);
    best = std::max(best, m);
  }
  return best;
}

const SecretBytes* best_psk(const IdData* me, const IdData& peer, const conf::Config& cfg) {
  const SecretBytes* found = nullptr;
  int best_me = kIdMatchNone, best_other = kIdMatchNone;
  for (const auto& s : cfg.ike_secrets) {
    const int m = owner_match(s.ids, me), o = owner_match(s.ids, &peer);
    if (m == kIdMatchNone && o == kIdMatchNone) continue;
    if (o > best_other || (o == best_other && m > best_me)) {
      found = &s.secret;
      best_me = m;
      best_other = o;
    }
  }
  return found;
}

}  // namespace

Bytes CredentialStore::certreq_data(const conf::AuthConfig& remote) const {
  Bytes out;
  for (const CertFile* c : anchors(*impl_, remote)) {
    const Bytes h = x509::spki_sha1(c->x.get());
    out.insert(out.end(), h.begin(), h.end());
  }
  return out;
}

PeerVerdict CredentialStore::verify_peer(const std::vector<Bytes>& certs_der, IdType id_type, ByteView id_data,
                                         const conf::AuthConfig& remote, int64_t now) const {
  if (certs_der.empty()) return refuse("the peer sent no certificate");
  std::vector<x509::X509Ptr> got;
  for (size_t i = 0; i < certs_der.size(); ++i) {
    x509::X509Ptr x = x509::cert_from_der(certs_der[i]);
    if (!x) return refuse("CERT payload " + std::to_string(i + 1) + " is not a DER X.509 certificate");
    got.push_back(std::move(x));
  }
  X509* ee = got.front().get();
  const std::string subject = subject_text(ee);
  const std::string who = "certificate '" + subject + "'";

  if (!remote.certs.empty()) {  // the peer must use one of these certificates
    bool pinned = false;
    for (const auto& n : remote.certs) {
      const CertFile* cf = Impl::find(impl_->certs, impl_->resolve(n, "x509"));
      pinned = pinned || (cf && cf->der == certs_der.front());
    }
    if (!pinned) return refuse(who + " is not one of remote certs", subject);
  }

  const auto trust = anchors(*impl_, remote);
  if (trust.empty()) return refuse("no trusted CA certificate (x509ca/ or remote cacerts) to verify " + who, subject);
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE_CTX, CtxFree> ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return refuse("out of memory", subject);
  for (const CertFile* c : trust) X509_STORE_add_cert(store.get(), c->x.get());
  for (size_t i = 1; i < got.size(); ++i) sk_X509_push(untrusted.get(), got[i].get());
  for (const auto& c : impl_->certs)
    if (x509::is_ca(c.x.get())) sk_X509_push(untrusted.get(), c.x.get());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), ee, untrusted.get()) != 1) {
    ERR_clear_error();
    return refuse("cannot set up certificate verification", subject);
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now));
  // A CA of x509ca/ is trusted even when it is not self-signed (as strongSwan).
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  const int ok = X509_verify_cert(ctx.get());
  if (ok != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    X509* at = X509_STORE_CTX_get_current_cert(ctx.get());
    ERR_clear_error();
    std::string why = who + " not trusted: " + X509_verify_cert_error_string(err);
    if (at) why += " (at '" + subject_text(at) + "', depth " + std::to_string(depth) + ")";
    return refuse(why, subject);
  }
  ERR_clear_error();

  if (!x509::has_id(ee, id_type, id_data))
    return refuse("peer ID '" + id_text(id_type, id_data) + "' is not in its " + who + " (subjectAltNames " +
                      x509::san_text(ee) + ")",
                  subject);
  if (!id_matches(remote.id, id_type, id_data))
    return refuse("peer ID '" + id_text(id_type, id_data) + "' does not match remote id '" + remote.id.text + "'",
                  subject);
  PeerVerdict v;
  try {
    v.key.emplace(PublicKey::from_certificate(certs_der.front()));
  } catch (const CryptoError& e) {
    return refuse(who + ": " + e.what(), subject);
  }
  if (remote.auth == conf::AuthMethod::Rsa && !v.key->is_rsa())
    return refuse(who + " has no RSA key (remote auth = rsa)", subject);
  if (remote.auth == conf::AuthMethod::Ecdsa && !v.key->is_ec())
    return refuse(who + " has no ECDSA key (remote auth = ecdsa)", subject);
  v.ok = true;
  v.subject = subject;
  return v;
}

const PublicKey* CredentialStore::peer_pubkey(const conf::AuthConfig& remote) const {
  for (const auto& n : remote.pubkeys) {
    const std::string p = impl_->resolve(n, "pubkey");
    for (const auto& k : impl_->pubkeys)
      if (k.first == p) return k.second.get();
  }
  return nullptr;
}

const SecretBytes* CredentialStore::psk(const conf::Identity& local_id, IdType peer_t, ByteView peer_id,
                                        const conf::Config& cfg) const {
  const IdData peer{peer_t, Bytes(peer_id.begin(), peer_id.end())};
  if (local_id.type == conf::Identity::Type::Any) return best_psk(nullptr, peer, cfg);
  IdData me;
  try {
    me = id_payload_for(local_id);
  } catch (const std::invalid_argument&) {
    return best_psk(nullptr, peer, cfg);
  }
  return best_psk(&me, peer, cfg);
}

const SecretBytes* CredentialStore::psk(IdType local_t, ByteView local_id, IdType peer_t, ByteView peer_id,
                                        const conf::Config& cfg) const {
  const IdData me{local_t, Bytes(local_id.begin(), local_id.end())};
  const IdData peer{peer_t, Bytes(peer_id.begin(), peer_id.end())};
  return best_psk(&me, peer, cfg);
}

}  // namespace esp::ike
