// PSK lookup precedence, as strongSwan's credential manager chooses a shared
// key (mem_cred has_owner / credential_manager get_shared): a secret
// qualifies when one of its ids matches our id or the peer's; the best match
// for the peer wins, then the best for us, then the first in the file.
#include <gtest/gtest.h>

#include <string>

#include "esp/ike/credentials.hpp"
#include "swanctl_dirs.hpp"

using namespace esp::ike;
using namespace esp::ike::test;

namespace {

std::string secret_name(const SecretBytes* s) {
  if (!s) return "(none)";
  const Bytes b = s->expose();
  return std::string(b.begin(), b.end());
}

TEST(IkePsk, PrecedenceTable) {
  TempDir d;
  const CredentialStore store = CredentialStore::load(d.path(), config(""));
  const std::string all =
      "secrets {\n"
      "  ike-any { secret = any }\n"
      "  ike-peer { id = sun.example.com\n secret = peer }\n"
      "  ike-both { id-a = moon.example.com\n id-b = sun.example.com\n secret = both }\n"
      "  ike-wild { id = *.example.com\n secret = wild }\n"
      "  ike-me { id = moon.example.com\n secret = me }\n"
      "  ike-ip { id = 192.0.2.9\n secret = ip }\n"
      "}\n";
  const std::string no_any =
      "secrets {\n"
      "  ike-both { id-a = moon.example.com\n id-b = sun.example.com\n secret = both }\n"
      "  ike-wild { id = *.example.com\n secret = wild }\n"
      "  ike-me { id = moon.example.com\n secret = me }\n"
      "}\n";
  const std::string only_peer = "secrets { ike-peer { id = sun.example.com\n secret = peer } }\n";
  struct Case {
    const std::string& secrets;
    std::string me, peer, want;
  };
  const Case cases[] = {
      {all, "moon.example.com", "sun.example.com", "both"},      // perfect for both
      {all, "moon.example.com", "carol.example.com", "wild"},    // peer by wildcard beats %any
      {all, "moon.example.com", "198.51.100.1", "any"},          // only %any fits the peer
      {all, "venus.example.org", "sun.example.com", "peer"},     // tie on the peer: first in file
      {all, "192.0.2.9", "198.51.100.1", "any"},                 // our id alone is weaker than %any for the peer
      {all, "198.51.100.1", "192.0.2.9", "ip"},
      {no_any, "moon.example.com", "198.51.100.1", "both"},      // our id alone qualifies; first of the best
      {no_any, "venus.example.org", "sun.example.com", "both"},
      {no_any, "venus.example.org", "198.51.100.1", "(none)"},
      {only_peer, "%any", "sun.example.com", "peer"},
      {only_peer, "moon.example.com", "mars.example.com", "(none)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.me + " / " + c.peer);
    const conf::Config cfg = config(c.secrets);
    const IdData peer = id_payload_for(conf::Identity::parse(c.peer));
    const conf::Identity me = conf::Identity::parse(c.me);
    EXPECT_EQ(secret_name(store.psk(me, peer.type, peer.data, cfg)), c.want);
    if (me.type != conf::Identity::Type::Any) {
      const IdData mine = id_payload_for(me);
      EXPECT_EQ(secret_name(store.psk(mine.type, mine.data, peer.type, peer.data, cfg)), c.want);
    }
  }
}

}  // namespace
