// DNs against the openssl CLI: certificates made with `openssl req -subj`,
// their subjects printed by `openssl x509 -subject -nameopt RFC2253` (most
// significant RDN last, so reversed here) must be what id_text prints for the
// subject's DER; and the DER id_payload_for makes from that text must equal
// the subject by OpenSSL's X509_NAME_cmp.
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "esp/ike/identity.hpp"
#include "pki.hpp"

using namespace esp::ike;
using esp::ike::test::run;
using esp::ike::test::slurp_bytes;
using esp::ike::test::TempDir;

namespace {

// "CN=x,O=a\, b,C=CH" -> "C=CH, O=a\, b, CN=x"; emailAddress is strongSwan's E.
std::string from_rfc2253(const std::string& s) {
  std::vector<std::string> rdns(1);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      rdns.back() += s.substr(i, 2);
      ++i;
    } else if (s[i] == ',') {
      rdns.emplace_back();
    } else {
      rdns.back() += s[i];
    }
  }
  std::string out;
  for (auto it = rdns.rbegin(); it != rdns.rend(); ++it) {
    std::string r = *it;
    if (r.rfind("emailAddress=", 0) == 0) r = "E=" + r.substr(13);
    if (!out.empty()) out += ", ";
    out += r;
  }
  return out;
}

struct NameFree {
  void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};

std::unique_ptr<X509_NAME, NameFree> name_of(const Bytes& der) {
  const unsigned char* p = der.data();
  return std::unique_ptr<X509_NAME, NameFree>(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
}

Bytes subject_of(const Bytes& cert) {
  const unsigned char* p = cert.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(cert.size()));
  EXPECT_NE(x, nullptr);
  unsigned char* der = nullptr;
  const int n = i2d_X509_NAME(X509_get_subject_name(x), &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

TEST(IkeDnOpenssl, SubjectTextAndDerAgreeWithOpenssl) {
  TempDir t;
  t.write("openssl.cnf", "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n");
  run(t.path(), "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k.pem");
  struct Case {
    std::string subj;  // for openssl -subj
    std::string text;  // what strongSwan prints
  };
  const std::vector<Case> cases = {
      {"/C=CH/O=strongSwan/CN=moon.strongswan.org", "C=CH, O=strongSwan, CN=moon.strongswan.org"},
      {"/C=DE/ST=Bayern/L=M\xc3\xbcnchen/O=Example GmbH/OU=IT/CN=gw", "C=DE, ST=Bayern, L=M\xc3\xbcnchen, O=Example GmbH, OU=IT, CN=gw"},
      {"/C=CH/O=a, b/CN=x", "C=CH, O=a\\, b, CN=x"},
      {"/O=Test/CN=carol/emailAddress=carol@example.com", "O=Test, CN=carol, E=carol@example.com"},
      {"/CN=only", "CN=only"},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.subj);
    const std::string f = "c" + std::to_string(++n);
    run(t.path(), "openssl req -new -x509 -utf8 -config openssl.cnf -key k.pem -days 1 -subj '" + c.subj +
                      "' -outform DER -out " + f + ".der");
    std::string printed = run(t.path(), "openssl x509 -inform DER -in " + f +
                                            ".der -noout -subject -nameopt RFC2253,-esc_msb");
    ASSERT_EQ(printed.rfind("subject=", 0), 0u) << printed;
    printed = printed.substr(8);
    while (!printed.empty() && (printed.back() == '\n' || printed.back() == ' ')) printed.pop_back();
    const std::string openssl_text = from_rfc2253(printed);
    EXPECT_EQ(openssl_text, c.text);  // the table agrees with openssl

    const Bytes subject = subject_of(slurp_bytes(t.path() + "/" + f + ".der"));
    EXPECT_EQ(id_text(IdType::DER_ASN1_DN, subject), openssl_text);

    const IdData ours = id_payload_for(conf::Identity::parse(openssl_text));
    auto a = name_of(ours.data), b = name_of(subject);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(X509_NAME_cmp(a.get(), b.get()), 0) << to_hex(ours.data) << " vs " << to_hex(subject);
    EXPECT_EQ(id_match(conf::Identity::parse(openssl_text), IdType::DER_ASN1_DN, subject), kIdMatchPerfect);
  }
}

}  // namespace
