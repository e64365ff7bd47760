// CredentialStore::load and our side: folders, encrypted PKCS#8 keys with a
// passphrase from secrets, errors naming the file, the local credential
// (certificate, intermediates, matching key, default id), raw public keys,
// CERTREQ data against `openssl x509 -pubkey | openssl pkey -pubin -outform
// DER | sha1sum`.
#include "esp/ike/credentials.hpp"

#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <string>

#include "swanctl_dirs.hpp"

using namespace esp::ike;
using namespace esp::ike::test;

namespace {

const std::string kConns =
    "connections {\n"
    "  moon { local { auth = pubkey\n certs = moon.pem\n id = moon.example.com }\n"
    "         remote { auth = pubkey\n id = sun.example.com\n cacerts = rootec.der } }\n"
    "  sun { local { auth = pubkey\n certs = sun.der } remote { auth = pubkey } }\n"
    "  badid { local { auth = pubkey\n certs = sun.der\n id = other.example.com } remote { auth = pubkey } }\n"
    "  nokey { local { auth = pubkey\n certs = inter.pem } remote { auth = pubkey } }\n"
    "  raw { local { auth = psk } remote { auth = pubkey\n pubkeys = moon.pub } }\n"
    "}\n";

std::string expect_error(const std::string& dir, const conf::Config& cfg) {
  try {
    CredentialStore::load(dir, cfg);
  } catch (const CredentialError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no CredentialError";
  return "";
}

TEST(IkeCredentials, LoadsFoldersWithEncryptedPkcs8) {
  TempDir d;
  gateway_dir(d);
  const conf::Config cfg = config(kConns + kSunSecret);
  const CredentialStore s = CredentialStore::load(d.path(), cfg);
  EXPECT_EQ(s.cert_count(), 3u);
  EXPECT_EQ(s.ca_count(), 2u);
  EXPECT_EQ(s.private_key_count(), 2u);
  EXPECT_EQ(s.pubkey_count(), 1u);
  // Missing folders are fine.
  TempDir empty;
  const CredentialStore e = CredentialStore::load(empty.path(), config(""));
  EXPECT_EQ(e.cert_count() + e.ca_count() + e.private_key_count() + e.pubkey_count(), 0u);
}

TEST(IkeCredentials, LocalCredentialChainKeyAndId) {
  TempDir d;
  gateway_dir(d);
  const conf::Config cfg = config(kConns + kSunSecret);
  const CredentialStore s = CredentialStore::load(d.path(), cfg);
  std::string why;

  // sun: its cert, the intermediate from x509/ (not the root), its key.
  const LocalCredential* sun = s.local(cfg.connection("sun")->local, &why);
  ASSERT_NE(sun, nullptr) << why;
  EXPECT_EQ(sun->cert_der, Pki::get().der("sun"));
  ASSERT_EQ(sun->intermediates_der.size(), 1u);
  EXPECT_EQ(sun->intermediates_der[0], Pki::get().der("inter"));
  EXPECT_EQ(sun->default_id.type, conf::Identity::Type::Dn);
  EXPECT_EQ(sun->default_id.text, "C=CH, O=Test, OU=Sun, CN=sun.example.com");
  EXPECT_EQ(sun->default_id_data.type, IdType::DER_ASN1_DN);
  EXPECT_TRUE(id_matches(sun->default_id, IdType::DER_ASN1_DN, sun->default_id_data.data));
  ASSERT_NE(sun->key, nullptr);
  EXPECT_TRUE(sun->key->is_ec());
  // The key signs what the certificate's public key verifies.
  const Bytes octets = {1, 2, 3, 4, 5};
  const Bytes auth = sign_digital_signature(*sun->key, SigScheme::EcdsaSha256, octets);
  EXPECT_TRUE(verify_digital_signature(PublicKey::from_certificate(sun->cert_der), auth, octets, &why)) << why;

  // moon: RSA, issued by a root in x509ca/: no intermediates; id in its SAN.
  const LocalCredential* moon = s.local(cfg.connection("moon")->local, &why);
  ASSERT_NE(moon, nullptr) << why;
  EXPECT_EQ(moon->cert_der, Pki::get().der("moon"));
  EXPECT_TRUE(moon->intermediates_der.empty());
  ASSERT_NE(moon->key, nullptr);
  EXPECT_TRUE(moon->key->is_rsa());
  EXPECT_EQ(moon->default_id.text, "C=CH, O=Test, CN=moon.example.com");

  // The local id must be in the certificate; a cert without key is no credential.
  EXPECT_EQ(s.local(cfg.connection("badid")->local, &why), nullptr);
  EXPECT_NE(why.find("'other.example.com' is not in certificate"), std::string::npos) << why;
  EXPECT_NE(why.find("DNS:sun.example.com"), std::string::npos) << why;
  EXPECT_EQ(s.local(cfg.connection("nokey")->local, &why), nullptr);
  EXPECT_NE(why.find("no private key"), std::string::npos) << why;
  EXPECT_EQ(s.local(cfg.connection("raw")->local, &why), nullptr);
  EXPECT_NE(why.find("no certs"), std::string::npos) << why;

  // Other ids of the certificate: DN, IP, email.
  for (const char* id : {"C=CH, O=Test, CN=moon.example.com", "192.0.2.1", "moon@example.com"}) {
    conf::AuthConfig a = cfg.connection("moon")->local;
    a.id = conf::Identity::parse(id);
    EXPECT_NE(s.local(a, &why), nullptr) << id << ": " << why;
  }
}

TEST(IkeCredentials, EncryptedKeyErrorsNameTheFile) {
  TempDir d;
  gateway_dir(d);
  // No secret for the encrypted key.
  std::string e = expect_error(d.path(), config(""));
  EXPECT_NE(e.find(d.path() + "/pkcs8/sun.p8"), std::string::npos) << e;
  EXPECT_NE(e.find("encrypted"), std::string::npos) << e;
  // A wrong passphrase.
  e = expect_error(d.path(), config("secrets { pkcs8-sun { file = sun.p8\n secret = wrong-pass } }"));
  EXPECT_NE(e.find("sun.p8"), std::string::npos) << e;
  EXPECT_NE(e.find("cannot decrypt"), std::string::npos) << e;
  EXPECT_EQ(e.find("wrong-pass"), std::string::npos) << e;  // never the secret
  // A secret naming a file that is not there.
  e = expect_error(d.path(), config(kSunSecret.substr(0, kSunSecret.size() - 3) +
                                    " private-x { file = gone.pem } }"));
  EXPECT_NE(e.find(d.path() + "/private/gone.pem"), std::string::npos) << e;
  // An absolute path in a secret is used as it is.
  const std::string abs = Pki::get().file("sun.p8");
  std::filesystem::remove(d.path() + "/pkcs8/sun.p8");
  const CredentialStore s = CredentialStore::load(
      d.path(), config(std::string("secrets { pkcs8-sun { file = ") + abs + "\n secret = \"" + Pki::kSunPass + "\" } }"));
  EXPECT_EQ(s.private_key_count(), 2u);
}

TEST(IkeCredentials, BadFilesAreErrorsNamingTheFile) {
  struct Case {
    std::string rel, content, config, want;
  };
  const Case cases[] = {
      {"x509/junk.pem", "not a certificate", "", "x509/junk.pem: not an X.509 certificate"},
      {"x509ca/junk.der", std::string("\x30\x03\x02\x01\x01", 5), "", "x509ca/junk.der: not an X.509 certificate"},
      {"private/junk.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "",
       "private/junk.key: not a private key"},
      {"pubkey/junk.pub", "garbage", "", "pubkey/junk.pub: "},
      {"", "", "connections { c { local { certs = missing.pem } } }", "x509/missing.pem: cannot open"},
      {"", "", "connections { c { remote { cacerts = /nonexistent/ca.pem } } }", "/nonexistent/ca.pem: cannot open"},
      {"", "", "connections { c { remote { pubkeys = none.pub } } }", "pubkey/none.pub: cannot open"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.want);
    TempDir d;
    if (!c.rel.empty()) d.write(c.rel, c.content);
    const std::string e = expect_error(d.path(), config(c.config));
    EXPECT_NE(e.find(c.want), std::string::npos) << e;
  }
}

TEST(IkeCredentials, RawPublicKeys) {
  TempDir d;
  gateway_dir(d);
  const conf::Config cfg = config(kConns + kSunSecret);
  const CredentialStore s = CredentialStore::load(d.path(), cfg);
  const PublicKey* k = s.peer_pubkey(cfg.connection("raw")->remote);
  ASSERT_NE(k, nullptr);
  const PublicKey from_cert = PublicKey::from_certificate(Pki::get().der("moon"));
  EXPECT_EQ(EVP_PKEY_eq(static_cast<EVP_PKEY*>(k->native()), static_cast<EVP_PKEY*>(from_cert.native())), 1);
  EXPECT_EQ(s.peer_pubkey(cfg.connection("sun")->remote), nullptr);
}

// What `openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha1sum` says.
Bytes openssl_spki_sha1(const std::string& cert_pem) {
  const std::string out = run(Pki::get().dir(), "openssl x509 -in " + cert_pem +
                                                    " -noout -pubkey | openssl pkey -pubin -outform DER | sha1sum");
  return from_hex(out.substr(0, 40));
}

TEST(IkeCredentials, CertreqIsSha1OfCaSpkiAsOpensslComputesIt) {
  TempDir d;
  gateway_dir(d);
  const conf::Config cfg = config(kConns + kSunSecret);
  const CredentialStore s = CredentialStore::load(d.path(), cfg);
  const Bytes rootec = openssl_spki_sha1("rootec.pem"), rootrsa = openssl_spki_sha1("rootrsa.pem");
  ASSERT_EQ(rootec.size(), 20u);
  // All of x509ca/ in file-name order (rootec.der, rootrsa.pem), or only the cacerts.
  EXPECT_EQ(s.certreq_data(cfg.connection("sun")->remote), concat({rootec, rootrsa}));
  EXPECT_EQ(s.certreq_data(cfg.connection("moon")->remote), rootec);
}

}  // namespace

namespace {

// Private keys in the forms swanctl's folders hold them, made by the openssl
// CLI: PKCS#8 PEM/DER, traditional PKCS#1 / SEC1 PEM and DER, traditional
// PEM with legacy (Proc-Type) encryption, encrypted PKCS#8 DER.
TEST(IkeCredentials, PrivateKeyForms) {
  const Pki& pki = Pki::get();
  TempDir work;
  const std::string w = work.path();
  const std::string pass = "p4ss word";
  run(w, "openssl pkey -in " + pki.file("moon.key") + " -traditional -out rsa1.pem");
  run(w, "openssl pkey -in " + pki.file("moon.key") + " -traditional -outform DER -out rsa1.der");
  run(w, "openssl pkey -in " + pki.file("moon.key") + " -traditional -aes256 -passout 'pass:" + pass +
             "' -out rsa1enc.pem");
  run(w, "openssl pkey -in " + pki.file("sun.key") + " -traditional -out ec1.pem");
  run(w, "openssl pkey -in " + pki.file("sun.key") + " -outform DER -out ec8.der");
  run(w, "openssl pkcs8 -topk8 -v2 aes-128-cbc -in " + pki.file("sun.key") + " -outform DER -passout 'pass:" +
             pass + "' -out ec8enc.der");
  struct Case {
    std::string file, dir, cert, secret_type;  // secret_type "" = no secret
  };
  const Case cases[] = {
      {"rsa1.pem", "rsa", "moon", ""},           {"rsa1.der", "private", "moon", ""},
      {"rsa1enc.pem", "rsa", "moon", "rsa"},     {"ec1.pem", "ecdsa", "sun", ""},
      {"ec8.der", "pkcs8", "sun", ""},           {"ec8enc.der", "private", "sun", "private"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    TempDir d;
    std::filesystem::create_directories(d.path() + "/" + c.dir);
    std::filesystem::copy_file(w + "/" + c.file, d.path() + "/" + c.dir + "/" + c.file);
    copy_in(d, c.cert + ".pem", "x509/" + c.cert + ".pem");
    std::string text = "connections { c { local { certs = " + c.cert + ".pem } } }\n";
    if (!c.secret_type.empty())
      text += "secrets { " + c.secret_type + "-k { file = " + c.file + "\n secret = \"" + pass + "\" } }\n";
    const conf::Config cfg = config(text);
    const CredentialStore s = CredentialStore::load(d.path(), cfg);
    EXPECT_EQ(s.private_key_count(), 1u);
    std::string why;
    const LocalCredential* lc = s.local(cfg.connection("c")->local, &why);
    ASSERT_NE(lc, nullptr) << why;
    EXPECT_EQ(lc->cert_der, pki.der(c.cert));
  }
}

}  // namespace
