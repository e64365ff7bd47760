// Test helpers: a temporary directory, running the openssl CLI, and a small
// PKI it makes once per test run (every private key is generated here; none
// is committed).
#pragma once

#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "esp/ike/bytes.hpp"

namespace esp::ike::test {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ike_cert_test.XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    if (!d) throw std::runtime_error("mkdtemp failed");
    path_ = d;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string write(const std::string& rel, const std::string& text) const {
    const std::string full = path_ + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(full).parent_path());
    std::ofstream(full, std::ios::binary) << text;
    return full;
  }

 private:
  std::string path_;
};

inline std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
inline Bytes slurp_bytes(const std::string& p) {
  const std::string s = slurp(p);
  return Bytes(s.begin(), s.end());
}

// Runs a shell command in `dir`; throws with the command and its output if it fails.
inline std::string run(const std::string& dir, const std::string& cmd) {
  const std::string full = "cd '" + dir + "' && (" + cmd + ") 2>&1";
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + cmd);
  std::string out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  if (rc != 0) throw std::runtime_error("command failed (" + std::to_string(rc) + "): " + cmd + "\n" + out);
  return out;
}

// notBefore / notAfter of a certificate as unix seconds (OpenSSL's reading).
inline std::pair<int64_t, int64_t> validity(const Bytes& der) {
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!x) throw std::runtime_error("validity: not a certificate");
  struct tm a {}, b {};
  ASN1_TIME_to_tm(X509_get0_notBefore(x), &a);
  ASN1_TIME_to_tm(X509_get0_notAfter(x), &b);
  X509_free(x);
  return {static_cast<int64_t>(timegm(&a)), static_cast<int64_t>(timegm(&b))};
}

// The PKI (files in dir()):
//   rootrsa  RSA-2048 root CA   "C=CH, O=Test, CN=Root RSA"
//   rootec   P-384 root CA      "C=CH, O=Test, CN=Root EC"
//   inter    P-256 intermediate "C=CH, O=Test, CN=Inter EC" under rootec
//   other    P-256 root CA      "C=CH, O=Other, CN=Other CA"
//   moon     RSA-2048, under rootrsa, "C=CH, O=Test, CN=moon.example.com",
//            SAN DNS:moon.example.com IP:192.0.2.1 email:moon@example.com
//   sun      P-256, under inter, "C=CH, O=Test, OU=Sun, CN=sun.example.com",
//            SAN DNS:sun.example.com IP:2001:db8::1; sun.p8 = its key as
//            encrypted PKCS#8 (AES-256-CBC, passphrase kSunPass)
//   expired  P-256, under rootrsa, one day of validity, SAN DNS:old.example.com
//   foreign  P-256, under other, SAN DNS:foreign.example.com
// <name>.pem (cert), <name>.key (PEM key), <name>.der (cert DER),
// moon.pub (SubjectPublicKeyInfo PEM), tampered.der (moon with a signature
// byte flipped).
class Pki {
 public:
  static constexpr const char* kSunPass = "correct horse 42";
  static const Pki& get() {
    static Pki pki;
    return pki;
  }
  const std::string& dir() const { return tmp_.path(); }
  std::string file(const std::string& name) const { return dir() + "/" + name; }
  Bytes der(const std::string& name) const { return slurp_bytes(file(name + ".der")); }

 private:
  Pki() {
    tmp_.write("openssl.cnf",
               "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n"
               "[ca]\nbasicConstraints = critical,CA:true\nkeyUsage = critical,keyCertSign,cRLSign\n"
               "subjectKeyIdentifier = hash\n");
    tmp_.write("ext.cnf",
               "[ca]\nbasicConstraints = critical,CA:true\nkeyUsage = critical,keyCertSign,cRLSign\n"
               "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
               "[moon]\nbasicConstraints = CA:false\n"
               "subjectAltName = DNS:moon.example.com, IP:192.0.2.1, email:moon@example.com\n"
               "[sun]\nbasicConstraints = CA:false\nsubjectAltName = DNS:sun.example.com, IP:2001:db8::1\n"
               "[expired]\nbasicConstraints = CA:false\nsubjectAltName = DNS:old.example.com\n"
               "[foreign]\nbasicConstraints = CA:false\nsubjectAltName = DNS:foreign.example.com\n");
    const std::string d = dir();
    auto key = [&](const std::string& name, const std::string& alg) {
      run(d, "openssl genpkey " + alg + " -out " + name + ".key");
    };
    const std::string rsa = "-algorithm RSA -pkeyopt rsa_keygen_bits:2048";
    const std::string p256 = "-algorithm EC -pkeyopt ec_paramgen_curve:P-256";
    const std::string p384 = "-algorithm EC -pkeyopt ec_paramgen_curve:P-384";
    auto root = [&](const std::string& name, const std::string& alg, const std::string& subj) {
      key(name, alg);
      run(d, "openssl req -new -x509 -config openssl.cnf -extensions ca -key " + name + ".key -subj '" + subj +
                 "' -days 3650 -out " + name + ".pem");
    };
    int serial = 100;
    auto issue = [&](const std::string& name, const std::string& alg, const std::string& subj,
                     const std::string& ca, const std::string& ext, int days) {
      key(name, alg);
      run(d, "openssl req -new -config openssl.cnf -key " + name + ".key -subj '" + subj + "' -out " + name + ".csr");
      run(d, "openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca + ".key -set_serial " +
                 std::to_string(++serial) + " -days " + std::to_string(days) + " -extfile ext.cnf -extensions " +
                 ext + " -out " + name + ".pem");
    };
    root("rootrsa", rsa, "/C=CH/O=Test/CN=Root RSA");
    root("rootec", p384, "/C=CH/O=Test/CN=Root EC");
    root("other", p256, "/C=CH/O=Other/CN=Other CA");
    issue("inter", p256, "/C=CH/O=Test/CN=Inter EC", "rootec", "ca", 3650);
    issue("moon", rsa, "/C=CH/O=Test/CN=moon.example.com", "rootrsa", "moon", 365);
    issue("sun", p256, "/C=CH/O=Test/OU=Sun/CN=sun.example.com", "inter", "sun", 365);
    issue("expired", p256, "/C=CH/O=Test/CN=old.example.com", "rootrsa", "expired", 1);
    issue("foreign", p256, "/C=CH/O=Test/CN=foreign.example.com", "other", "foreign", 365);
    for (const char* n : {"rootrsa", "rootec", "other", "inter", "moon", "sun", "expired", "foreign"})
      run(d, std::string("openssl x509 -in ") + n + ".pem -outform DER -out " + n + ".der");
    run(d, "openssl pkey -in moon.key -pubout -out moon.pub");
    run(d, std::string("openssl pkcs8 -topk8 -v2 aes-256-cbc -in sun.key -out sun.p8 -passout 'pass:") + kSunPass +
               "'");
    Bytes t = der("moon");
    t.back() ^= 0x01;  // the last byte of the signature BIT STRING
    tmp_.write("tampered.der", std::string(t.begin(), t.end()));
  }
  TempDir tmp_;
};

}  // namespace esp::ike::test
