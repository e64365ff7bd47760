#include "esp/ike/signature.hpp"

#include "ossl_util.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>
#include <fstream>
#include <iterator>

namespace esp::ike {

using namespace ossl;

namespace {

struct SchemeInfo {
  SigScheme scheme;
  bool rsa;
  const char *digest;
  Bytes alg_id;  // RFC 7427 Appendix A
};

const std::vector<SchemeInfo> &schemes() {
  static const std::vector<SchemeInfo> s = {
      {SigScheme::RsaPkcs1Sha256, true, "SHA256",
       {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00}},
      {SigScheme::RsaPkcs1Sha384, true, "SHA384",
       {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00}},
      {SigScheme::RsaPkcs1Sha512, true, "SHA512",
       {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00}},
      {SigScheme::EcdsaSha256, false, "SHA256", {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}},
      {SigScheme::EcdsaSha384, false, "SHA384", {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03}},
      {SigScheme::EcdsaSha512, false, "SHA512", {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04}},
  };
  return s;
}

const SchemeInfo &scheme_info(SigScheme s) {
  for (const auto &i : schemes())
    if (i.scheme == s) return i;
  throw CryptoError("unknown signature scheme");
}

// The scheme whose AlgorithmIdentifier this is; RSA's also without the NULL
// parameters, which some implementations omit.
const SchemeInfo *scheme_for(ByteView alg) {
  for (const auto &i : schemes()) {
    if (alg.size == i.alg_id.size() && std::memcmp(alg.data, i.alg_id.data(), alg.size) == 0) return &i;
    if (i.rsa && alg.size == i.alg_id.size() - 2 && alg.data[1] == 0x0b &&
        std::memcmp(alg.data + 2, i.alg_id.data() + 2, alg.size - 2) == 0)
      return &i;
  }
  return nullptr;
}

struct BioFree { void operator()(BIO *b) const { BIO_free(b); } };
struct X509Free { void operator()(X509 *x) const { X509_free(x); } };
struct MdCtxFree { void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); } };
struct SigFree { void operator()(ECDSA_SIG *s) const { ECDSA_SIG_free(s); } };
using BioPtr = std::unique_ptr<BIO, BioFree>;

bool is_pem(ByteView v) {
  static const char kDash[] = "-----BEGIN";
  for (size_t i = 0; i + sizeof kDash - 1 <= v.size; ++i)
    if (std::memcmp(v.data + i, kDash, sizeof kDash - 1) == 0) return true;
  return false;
}

BioPtr mem_bio(ByteView v) {
  BioPtr b(BIO_new_mem_buf(v.data, static_cast<int>(v.size)));
  if (!b) fail("BIO_new_mem_buf");
  return b;
}

int no_password(char *, int, int, void *) { return 0; }  // encrypted keys are refused, never prompted

EVP_PKEY *pk(void *p) { return static_cast<EVP_PKEY *>(p); }

bool pkey_is(void *p, const char *type) { return EVP_PKEY_is_a(pk(p), type) == 1; }

// P-256/384/521: (field bytes, digest, auth method) or nullopt.
struct CurveInfo {
  size_t field;
  const char *digest;
  uint8_t method;
};
std::optional<CurveInfo> curve_of(void *p) {
  if (!pkey_is(p, "EC")) return std::nullopt;
  char name[64] = {0};
  size_t len = 0;
  if (!EVP_PKEY_get_utf8_string_param(pk(p), OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len)) {
    ERR_clear_error();
    return std::nullopt;
  }
  const std::string n(name, len);
  if (n == "prime256v1" || n == "P-256") return CurveInfo{32, "SHA256", kAuthMethodEcdsa256};
  if (n == "secp384r1" || n == "P-384") return CurveInfo{48, "SHA384", kAuthMethodEcdsa384};
  if (n == "secp521r1" || n == "P-521") return CurveInfo{66, "SHA512", kAuthMethodEcdsa521};
  return std::nullopt;
}

Bytes digest_sign(void *key, const char *digest, ByteView data) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, pk(key), nullptr) <= 0)
    fail("signature init");
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data, data.size) <= 0) fail("signature length");
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data, data.size) <= 0) fail("signature");
  sig.resize(len);
  return sig;
}

bool digest_verify(void *key, const char *digest, ByteView sig, ByteView data) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, pk(key), nullptr) <= 0)
    fail("verify init");
  const int r = EVP_DigestVerify(ctx.get(), sig.data, sig.size, data.data, data.size);
  ERR_clear_error();
  return r == 1;
}

bool reject(std::string *why, const std::string &reason) {
  if (why) *why = "signature AUTH: " + reason;
  return false;
}

}  // namespace

Bytes sig_algorithm_identifier(SigScheme s) { return scheme_info(s).alg_id; }

PrivateKey::PrivateKey(void *pkey) : pkey_(pkey) {}
PrivateKey::PrivateKey(PrivateKey &&o) noexcept : pkey_(o.pkey_) { o.pkey_ = nullptr; }
PrivateKey &PrivateKey::operator=(PrivateKey &&o) noexcept {
  if (this != &o) {
    EVP_PKEY_free(pk(pkey_));
    pkey_ = o.pkey_;
    o.pkey_ = nullptr;
  }
  return *this;
}
PrivateKey::~PrivateKey() { EVP_PKEY_free(pk(pkey_)); }

PrivateKey PrivateKey::load(ByteView v) {
  EVP_PKEY *k = nullptr;
  if (is_pem(v)) {
    BioPtr b = mem_bio(v);
    k = PEM_read_bio_PrivateKey(b.get(), nullptr, no_password, nullptr);
  } else {
    const unsigned char *p = v.data;
    k = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(v.size));
  }
  if (!k) fail("cannot read private key (PEM or DER, unencrypted)");
  if (!EVP_PKEY_is_a(k, "RSA") && !EVP_PKEY_is_a(k, "EC")) {
    EVP_PKEY_free(k);
    throw CryptoError("private key is neither RSA nor EC");
  }
  return PrivateKey(k);
}

PrivateKey PrivateKey::load_file(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw CryptoError(path + ": cannot open");
  Bytes raw{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  const SecretBytes data{ByteView(raw)};
  if (!raw.empty()) OPENSSL_cleanse(raw.data(), raw.size());
  try {
    return load(data);
  } catch (const CryptoError &e) {
    throw CryptoError(path + ": " + e.what());
  }
}

bool PrivateKey::is_rsa() const { return pkey_is(pkey_, "RSA"); }
bool PrivateKey::is_ec() const { return pkey_is(pkey_, "EC"); }
void *PrivateKey::native() const { return pkey_; }

std::optional<uint8_t> PrivateKey::ecdsa_auth_method() const {
  auto c = curve_of(pkey_);
  if (!c) return std::nullopt;
  return c->method;
}

PublicKey PrivateKey::public_key() const {
  // Re-encode only the public half (SubjectPublicKeyInfo).
  unsigned char *der = nullptr;
  const int len = i2d_PUBKEY(pk(pkey_), &der);
  if (len <= 0) fail("i2d_PUBKEY");
  const unsigned char *p = der;
  EVP_PKEY *pub = d2i_PUBKEY(nullptr, &p, len);
  OPENSSL_free(der);
  if (!pub) fail("d2i_PUBKEY");
  return PublicKey(pub);
}

PublicKey::PublicKey(void *pkey) : pkey_(pkey) {}
PublicKey::PublicKey(PublicKey &&o) noexcept : pkey_(o.pkey_) { o.pkey_ = nullptr; }
PublicKey &PublicKey::operator=(PublicKey &&o) noexcept {
  if (this != &o) {
    EVP_PKEY_free(pk(pkey_));
    pkey_ = o.pkey_;
    o.pkey_ = nullptr;
  }
  return *this;
}
PublicKey::~PublicKey() { EVP_PKEY_free(pk(pkey_)); }
bool PublicKey::is_rsa() const { return pkey_is(pkey_, "RSA"); }
bool PublicKey::is_ec() const { return pkey_is(pkey_, "EC"); }
void *PublicKey::native() const { return pkey_; }

PublicKey PublicKey::load(ByteView v) {
  EVP_PKEY *k = nullptr;
  if (is_pem(v)) {
    BioPtr b = mem_bio(v);
    k = PEM_read_bio_PUBKEY(b.get(), nullptr, no_password, nullptr);
  } else {
    const unsigned char *p = v.data;
    k = d2i_PUBKEY(nullptr, &p, static_cast<long>(v.size));
  }
  if (!k) fail("cannot read public key (SubjectPublicKeyInfo, PEM or DER)");
  return PublicKey(k);
}

PublicKey PublicKey::from_certificate(ByteView v) {
  std::unique_ptr<X509, X509Free> x;
  if (is_pem(v)) {
    BioPtr b = mem_bio(v);
    x.reset(PEM_read_bio_X509(b.get(), nullptr, no_password, nullptr));
  } else {
    const unsigned char *p = v.data;
    x.reset(d2i_X509(nullptr, &p, static_cast<long>(v.size)));
  }
  if (!x) fail("cannot read X.509 certificate (PEM or DER)");
  EVP_PKEY *k = X509_get_pubkey(x.get());
  if (!k) fail("certificate has no usable public key");
  return PublicKey(k);
}

Bytes sign_digital_signature(const PrivateKey &key, SigScheme s, ByteView signed_octets) {
  const SchemeInfo &si = scheme_info(s);
  if (si.rsa ? !key.is_rsa() : !key.is_ec()) throw CryptoError("signature AUTH: key type does not fit the scheme");
  const Bytes sig = digest_sign(key.native(), si.digest, signed_octets);
  Bytes out;
  out.push_back(static_cast<uint8_t>(si.alg_id.size()));
  out.insert(out.end(), si.alg_id.begin(), si.alg_id.end());
  out.insert(out.end(), sig.begin(), sig.end());
  return out;
}

bool verify_digital_signature(const PublicKey &key, ByteView auth, ByteView signed_octets, std::string *why) {
  if (auth.size < 2) return reject(why, "AUTH data too short");
  const size_t alen = auth.data[0];
  if (auth.size < 1 + alen + 1) return reject(why, "AlgorithmIdentifier longer than the AUTH data");
  const SchemeInfo *si = scheme_for(ByteView(auth.data + 1, alen));
  if (!si) return reject(why, "unsupported signature algorithm");
  if (si->rsa ? !key.is_rsa() : !key.is_ec()) return reject(why, "signature algorithm does not fit the key");
  if (!digest_verify(key.native(), si->digest, ByteView(auth.data + 1 + alen, auth.size - 1 - alen), signed_octets))
    return reject(why, "signature does not verify");
  return true;
}

Bytes sign_ecdsa_method(const PrivateKey &key, ByteView signed_octets) {
  auto c = curve_of(key.native());
  if (!c) throw CryptoError("ECDSA AUTH: key is not on P-256, P-384 or P-521");
  const Bytes der = digest_sign(key.native(), c->digest, signed_octets);
  const unsigned char *p = der.data();
  std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) fail("d2i_ECDSA_SIG");
  const BIGNUM *r = nullptr, *s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes out(2 * c->field);
  if (BN_bn2binpad(r, out.data(), static_cast<int>(c->field)) < 0 ||
      BN_bn2binpad(s, out.data() + c->field, static_cast<int>(c->field)) < 0)
    fail("BN_bn2binpad");
  return out;
}

bool verify_ecdsa_method(const PublicKey &key, uint8_t method, ByteView auth, ByteView signed_octets,
                         std::string *why) {
  auto c = curve_of(key.native());
  if (!c) return reject(why, "key is not on P-256, P-384 or P-521");
  if (c->method != method) return reject(why, "Auth Method " + std::to_string(method) + " does not fit the key's curve");
  if (auth.size != 2 * c->field) return reject(why, "ECDSA signature has the wrong length");
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM *r = BN_bin2bn(auth.data, static_cast<int>(c->field), nullptr);
  BIGNUM *s = BN_bin2bn(auth.data + c->field, static_cast<int>(c->field), nullptr);
  if (!sig || !r || !s || !ECDSA_SIG_set0(sig.get(), r, s)) {
    BN_free(r);
    BN_free(s);
    fail("ECDSA_SIG_set0");
  }
  unsigned char *der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) fail("i2d_ECDSA_SIG");
  const bool ok = digest_verify(key.native(), c->digest, ByteView(der, static_cast<size_t>(len)), signed_octets);
  OPENSSL_free(der);
  return ok ? true : reject(why, "signature does not verify");
}

}  // namespace esp::ike
