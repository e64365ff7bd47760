// Signature AUTH: RFC 7427 (method 14) and RFC 4754 (methods 9-11) with keys
// OpenSSL generates here, loaded back from PEM and DER; tampering, wrong keys,
// unknown algorithms refused. Interop with python3-cryptography's signatures
// and certificates is in crosscheck.py.
#include "esp/ike/signature.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

using namespace esp::ike;

namespace {

Bytes pem_of(EVP_PKEY *k, bool priv) {
  BIO *b = BIO_new(BIO_s_mem());
  EXPECT_EQ(priv ? PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr) : PEM_write_bio_PUBKEY(b, k),
            1);
  char *data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  Bytes out(data, data + n);
  BIO_free(b);
  return out;
}

Bytes der_of_private(EVP_PKEY *k) {
  unsigned char *der = nullptr;
  const int n = i2d_PrivateKey(k, &der);
  EXPECT_GT(n, 0);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

struct Generated {
  Bytes pem, der, pub_pem;
};

Generated generate(const char *type, const char *arg) {
  EVP_PKEY *k = std::string(type) == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", arg);
  EXPECT_NE(k, nullptr);
  Generated g{pem_of(k, true), der_of_private(k), pem_of(k, false)};
  EVP_PKEY_free(k);
  return g;
}

const Bytes kOctets = {'R', 'e', 'a', 'l', 'M', 'e', 's', 's', 'a', 'g', 'e', '1', 0, 1, 2, 3};

TEST(IkeSignature, DigitalSignatureRoundTripAndTampering) {
  const Generated rsa = generate("RSA", nullptr), ec = generate("EC", "P-256");
  struct Case {
    const Generated &key;
    SigScheme scheme;
  };
  const Case cases[] = {{rsa, SigScheme::RsaPkcs1Sha256}, {rsa, SigScheme::RsaPkcs1Sha384},
                        {rsa, SigScheme::RsaPkcs1Sha512}, {ec, SigScheme::EcdsaSha256},
                        {ec, SigScheme::EcdsaSha384},     {ec, SigScheme::EcdsaSha512}};
  for (const auto &c : cases) {
    SCOPED_TRACE(static_cast<int>(c.scheme));
    const PrivateKey priv = PrivateKey::load(c.key.pem);
    const PublicKey pub = PublicKey::load(c.key.pub_pem);
    const Bytes auth = sign_digital_signature(priv, c.scheme, kOctets);
    const Bytes alg = sig_algorithm_identifier(c.scheme);
    ASSERT_GT(auth.size(), 1 + alg.size());
    EXPECT_EQ(auth[0], alg.size());
    EXPECT_EQ(Bytes(auth.begin() + 1, auth.begin() + 1 + static_cast<long>(alg.size())), alg);
    std::string why;
    EXPECT_TRUE(verify_digital_signature(pub, auth, kOctets, &why)) << why;
    EXPECT_TRUE(verify_digital_signature(priv.public_key(), auth, kOctets, &why)) << why;
    Bytes other = kOctets;
    other.back() ^= 1;
    EXPECT_FALSE(verify_digital_signature(pub, auth, other, &why));
    for (size_t i = 0; i < auth.size(); i += 7) {
      Bytes bad = auth;
      bad[i] ^= 0x10;
      EXPECT_FALSE(verify_digital_signature(pub, bad, kOctets)) << i;
    }
    EXPECT_FALSE(verify_digital_signature(pub, Bytes(auth.begin(), auth.begin() + 1 + alg.size()), kOctets));
    EXPECT_FALSE(verify_digital_signature(pub, Bytes{}, kOctets));
    EXPECT_FALSE(verify_digital_signature(pub, Bytes{200, 1, 2}, kOctets, &why));
  }
}

TEST(IkeSignature, KeyTypeMustFitTheScheme) {
  const Generated rsa = generate("RSA", nullptr), ec = generate("EC", "P-384");
  const PrivateKey r = PrivateKey::load(rsa.der), e = PrivateKey::load(ec.der);  // DER this time
  EXPECT_TRUE(r.is_rsa());
  EXPECT_TRUE(e.is_ec());
  EXPECT_THROW(sign_digital_signature(r, SigScheme::EcdsaSha256, kOctets), CryptoError);
  EXPECT_THROW(sign_digital_signature(e, SigScheme::RsaPkcs1Sha256, kOctets), CryptoError);
  // An ECDSA signature presented to an RSA key, and another key of the same type.
  std::string why;
  EXPECT_FALSE(verify_digital_signature(r.public_key(), sign_digital_signature(e, SigScheme::EcdsaSha384, kOctets),
                                        kOctets, &why));
  EXPECT_NE(why.find("does not fit"), std::string::npos) << why;
  const PrivateKey e2 = PrivateKey::load(generate("EC", "P-384").pem);
  EXPECT_FALSE(verify_digital_signature(e2.public_key(), sign_digital_signature(e, SigScheme::EcdsaSha384, kOctets),
                                        kOctets));
}

TEST(IkeSignature, EcdsaMethods9To11) {
  const struct {
    const char *curve;
    uint8_t method;
    size_t len;
  } curves[] = {{"P-256", kAuthMethodEcdsa256, 64}, {"P-384", kAuthMethodEcdsa384, 96}, {"P-521", kAuthMethodEcdsa521, 132}};
  for (const auto &c : curves) {
    SCOPED_TRACE(c.curve);
    const PrivateKey k = PrivateKey::load(generate("EC", c.curve).pem);
    EXPECT_EQ(k.ecdsa_auth_method(), c.method);
    const Bytes sig = sign_ecdsa_method(k, kOctets);
    EXPECT_EQ(sig.size(), c.len);
    std::string why;
    EXPECT_TRUE(verify_ecdsa_method(k.public_key(), c.method, sig, kOctets, &why)) << why;
    Bytes bad = sig;
    bad[c.len / 2] ^= 1;
    EXPECT_FALSE(verify_ecdsa_method(k.public_key(), c.method, bad, kOctets));
    EXPECT_FALSE(verify_ecdsa_method(k.public_key(), c.method, Bytes(sig.begin(), sig.end() - 1), kOctets));
    EXPECT_FALSE(verify_ecdsa_method(k.public_key(), c.method == 9 ? 10 : 9, sig, kOctets, &why));
  }
}

TEST(IkeSignature, BadKeyFilesAreErrors) {
  EXPECT_THROW(PrivateKey::load(Bytes{1, 2, 3}), CryptoError);
  const std::string junk = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  EXPECT_THROW(PrivateKey::load(Bytes(junk.begin(), junk.end())), CryptoError);
  EXPECT_THROW(PublicKey::load(Bytes{}), CryptoError);
  EXPECT_THROW(PublicKey::from_certificate(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}), CryptoError);
  EXPECT_THROW(PrivateKey::load_file("/nonexistent/esp-ike-key.pem"), CryptoError);
  // An Ed25519 key: readable, but not a key we sign IKE with.
  EVP_PKEY *ed = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  ASSERT_NE(ed, nullptr);
  const Bytes pem = pem_of(ed, true);
  EVP_PKEY_free(ed);
  EXPECT_THROW(PrivateKey::load(pem), CryptoError);
}

}  // namespace
