// CredentialStore::verify_peer over the openssl-made PKI: chains through a
// received or a local intermediate, trust anchors (all of x509ca/ or the
// connection's cacerts), validity at a given time (taken from the
// certificates, no wall clock), tampered signatures, the peer's ID in its
// certificate and against the configured remote id, the key type.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "esp/ike/credentials.hpp"
#include "swanctl_dirs.hpp"

using namespace esp::ike;
using namespace esp::ike::test;

namespace {

struct VerifyCase {
  std::string name;
  std::vector<std::string> certs;  // PKI names (".der"), or "tampered", "garbage"
  std::string id;                  // Identity text of the peer's ID payload
  std::string remote;              // the remote section's body
  int64_t at;                      // seconds after moon's notBefore (or see `when`)
  std::string when;                // "" | "expired-after" | "before"
  std::string why;                 // "" = accepted, else part of the reason
};

TEST(IkeVerifyPeer, Table) {
  const Pki& pki = Pki::get();
  // Our side trusts both roots; the peer side (x509/ empty) the same roots.
  TempDir gw, peer;
  gateway_dir(gw);
  copy_in(peer, "rootrsa.pem", "x509ca/rootrsa.pem");
  copy_in(peer, "rootec.pem", "x509ca/rootec.pem");

  const int64_t t0 = validity(pki.der("moon")).first;
  const auto expired = validity(pki.der("expired"));
  const std::vector<VerifyCase> cases = {
      {"moon by FQDN", {"moon"}, "moon.example.com", "", 60, "", ""},
      {"moon by IPv4", {"moon"}, "192.0.2.1", "", 60, "", ""},
      {"moon by email", {"moon"}, "moon@example.com", "", 60, "", ""},
      {"moon by DN", {"moon"}, "C=CH, O=Test, CN=moon.example.com", "", 60, "", ""},
      // openssl wrote O and CN as UTF8String (exact), C as PrintableString (any case).
      {"moon, DN, C in other case", {"moon"}, "C=ch, O=Test, CN=moon.example.com", "", 60, "", ""},
      {"moon, DN, O in other case", {"moon"}, "C=CH, O=TEST, CN=moon.example.com", "", 60, "", "is not in its certificate"},
      {"moon, ID not in cert", {"moon"}, "sun.example.com", "", 60, "", "is not in its certificate"},
      {"moon, IPv6 not in cert", {"moon"}, "2001:db8::1", "", 60, "", "is not in its certificate"},
      {"moon, remote id wildcard", {"moon"}, "moon.example.com", "id = *.example.com", 60, "", ""},
      {"moon, remote id other", {"moon"}, "moon.example.com", "id = sun.example.com", 60, "", "does not match remote id"},
      {"moon, remote id DN wildcard", {"moon"}, "C=CH, O=Test, CN=moon.example.com", "id = \"C=CH, O=Test, CN=*\"", 60, "", ""},
      {"moon, cacerts rootrsa", {"moon"}, "moon.example.com", "cacerts = rootrsa.pem", 60, "", ""},
      {"moon, cacerts rootec only", {"moon"}, "moon.example.com", "cacerts = rootec.pem", 60, "", "unable to get local issuer"},
      {"moon, auth ecdsa", {"moon"}, "moon.example.com", "auth = ecdsa", 60, "", "no ECDSA key"},
      {"moon, auth rsa", {"moon"}, "moon.example.com", "auth = rsa", 60, "", ""},
      {"moon, not yet valid", {"moon"}, "moon.example.com", "", 0, "before", "not yet valid"},
      {"sun with intermediate", {"sun", "inter"}, "sun.example.com", "", 60, "", ""},
      {"sun by IPv6", {"sun", "inter"}, "2001:db8::1", "", 60, "", ""},
      {"sun without intermediate (peer)", {"sun"}, "sun.example.com", "", 60, "", "unable to get local issuer"},
      {"sun, intermediate first", {"inter", "sun"}, "sun.example.com", "", 60, "", "is not in its certificate"},
      {"foreign CA", {"foreign"}, "foreign.example.com", "", 60, "", "unable to get local issuer"},
      {"foreign with its CA as intermediate", {"foreign", "other"}, "foreign.example.com", "", 60, "", "self-signed certificate in certificate chain"},
      {"expired", {"expired"}, "old.example.com", "", 1, "expired-after", "certificate has expired"},
      {"expired, while valid", {"expired"}, "old.example.com", "", -1, "expired-after", ""},
      {"tampered", {"tampered"}, "moon.example.com", "", 60, "", "signature failure"},
      {"garbage", {"garbage"}, "moon.example.com", "", 60, "", "CERT payload 1 is not a DER X.509 certificate"},
      {"none", {}, "moon.example.com", "", 60, "", "no certificate"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const conf::Config cfg = config("connections { c { remote { " + c.remote + "\n} } }");
    const conf::AuthConfig& remote = cfg.connection("c")->remote;
    std::vector<Bytes> ders;
    for (const auto& n : c.certs) {
      if (n == "tampered") {
        ders.push_back(slurp_bytes(pki.file("tampered.der")));
      } else if (n == "garbage") {
        ders.push_back(Bytes{0x30, 0x82, 0x01});
      } else {
        ders.push_back(pki.der(n));
      }
    }
    int64_t now = t0 + c.at;
    if (c.when == "expired-after") now = expired.second + c.at;
    if (c.when == "before") now = t0 - 3600;
    const IdData id = id_payload_for(conf::Identity::parse(c.id));
    const CredentialStore store = CredentialStore::load(peer.path(), cfg);
    const PeerVerdict v = store.verify_peer(ders, id.type, id.data, remote, now);
    if (c.why.empty()) {
      EXPECT_TRUE(v.ok) << v.why;
      EXPECT_TRUE(v.key.has_value());
      const std::map<std::string, std::string> subjects = {
          {"moon", "C=CH, O=Test, CN=moon.example.com"},
          {"sun", "C=CH, O=Test, OU=Sun, CN=sun.example.com"},
          {"expired", "C=CH, O=Test, CN=old.example.com"}};
      EXPECT_EQ(v.subject, subjects.at(c.certs[0]));
    } else {
      EXPECT_FALSE(v.ok);
      EXPECT_FALSE(v.key.has_value());
      EXPECT_NE(v.why.find(c.why), std::string::npos) << v.why;
    }
  }

  // Our gateway has the intermediate in x509/: sun alone verifies there.
  const conf::Config cfg = config(kSunSecret);
  const CredentialStore gws = CredentialStore::load(gw.path(), cfg);
  const IdData sun_id = id_payload_for(conf::Identity::parse("sun.example.com"));
  const conf::AuthConfig any;  // remote id: empty text (%any)
  const PeerVerdict v = gws.verify_peer({pki.der("sun")}, sun_id.type, sun_id.data, any, t0 + 60);
  EXPECT_TRUE(v.ok) << v.why;

  // The key handed back checks the peer's AUTH (signature.hpp).
  const PrivateKey sun_key = PrivateKey::load(slurp_bytes(pki.file("sun.key")));
  const Bytes octets = {9, 8, 7};
  ASSERT_TRUE(v.key.has_value());
  std::string why;
  EXPECT_TRUE(verify_digital_signature(*v.key, sign_digital_signature(sun_key, SigScheme::EcdsaSha384, octets),
                                       octets, &why))
      << why;
}

}  // namespace
