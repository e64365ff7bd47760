// The connection and secret model from realistic swanctl.conf files (PSK and
// certificate gateways in the style of strongSwan's documented examples),
// with strongSwan's documented defaults.
#include <gtest/gtest.h>

#include "conf_test_util.hpp"
#include "esp/ike/conf_model.hpp"

namespace esp::ike::conf {
namespace {

using test::TempDir;
using runtime::TrafficSelector;

Config load(const std::string& text) { return load_config(parse_conf_string(text, "swanctl.conf")); }

const char* kPskConf = R"(# site-to-site with a pre-shared key
connections {
   gw-gw {
      version = 2
      local_addrs  = 192.168.0.1
      remote_addrs = 192.168.0.2
      proposals = aes256gcm16-prfsha384-ecp384, aes128gcm16-prfsha256-x25519
      encap = yes
      dpd_delay = 30s
      rekey_time = 2h
      local {
         auth = psk
         id = moon.strongswan.org
      }
      remote {
         auth = psk
         id = sun.strongswan.org
      }
      children {
         net-net {
            local_ts  = 10.1.0.0/16
            remote_ts = 10.2.0.0/16, 10.3.0.0/16[tcp/443]
            esp_proposals = aes256gcm16-esn, aes128gcm16
            rekey_time = 30m
            start_action = trap
            dpd_action = restart
            replay_window = 4096
         }
         host-host {
            mode = transport
            esp_proposals = aes128gmac-modp2048
            life_time = 2h
         }
      }
   }
}

secrets {
   ike-moon-sun {
      id-1 = moon.strongswan.org
      id-2 = sun.strongswan.org
      secret = 0sv+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL
   }
   ike-hex {
      secret = 0x0102aBfF
   }
   ike-any {
      secret = "This is a strong secret"
   }
}
)";

TEST(ConfModel, PskGateway) {
  Config cfg = load(kPskConf);
  ASSERT_EQ(cfg.connections.size(), 1u);
  const ConnConfig& c = cfg.connections[0];
  EXPECT_EQ(c.name, "gw-gw");
  EXPECT_EQ(c.loc.line, 3u);
  EXPECT_EQ(c.version, 2u);
  EXPECT_EQ(c.local_addrs, std::vector<std::string>{"192.168.0.1"});
  EXPECT_EQ(c.remote_addrs, std::vector<std::string>{"192.168.0.2"});
  EXPECT_EQ(c.local_port, 500);
  ASSERT_EQ(c.proposals.size(), 2u);
  EXPECT_EQ(c.proposals[0].str(), "aes256gcm16-prfsha384-ecp384");
  EXPECT_EQ(c.proposals[1].str(), "aes128gcm16-prfsha256-curve25519");
  EXPECT_TRUE(c.encap);
  EXPECT_EQ(c.dpd_delay, 30u);
  EXPECT_EQ(c.rekey_time, 7200u);
  EXPECT_EQ(c.over_time, 720u);  // 10% of rekey_time
  EXPECT_EQ(c.rand_time, 720u);  // = over_time
  EXPECT_EQ(c.local.auth, AuthMethod::Psk);
  EXPECT_EQ(c.local.id.type, Identity::Type::Fqdn);
  EXPECT_EQ(c.local.id.value, "moon.strongswan.org");
  EXPECT_EQ(c.remote.id.value, "sun.strongswan.org");
  EXPECT_EQ(c.remote.loc.line, 15u);
  ASSERT_EQ(c.children.size(), 2u);

  const ChildConfig& nn = c.children[0];
  EXPECT_EQ(nn.name, "net-net");
  ASSERT_EQ(nn.local_ts.size(), 1u);
  EXPECT_FALSE(nn.local_ts[0].dynamic);
  EXPECT_EQ(nn.local_ts[0].ts, TrafficSelector::parse("10.1.0.0/16"));
  ASSERT_EQ(nn.remote_ts.size(), 2u);
  EXPECT_EQ(nn.remote_ts[1].ts.proto, 6);
  EXPECT_EQ(nn.remote_ts[1].ts.port_from, 443);
  ASSERT_EQ(nn.esp_proposals.size(), 2u);
  EXPECT_EQ(nn.esp_proposals[0].esn, (std::vector<Transform>{{5, 1, 0}}));
  EXPECT_EQ(nn.esp_proposals[1].esn, (std::vector<Transform>{{5, 0, 0}}));
  EXPECT_EQ(nn.rekey_time, 1800u);
  EXPECT_EQ(nn.life_time, 1980u);  // rekey_time * 1.1
  EXPECT_EQ(nn.rand_time, 180u);   // life - rekey
  EXPECT_EQ(nn.start_action, ChildAction::Trap);
  EXPECT_EQ(nn.dpd_action, ChildAction::Restart);
  EXPECT_EQ(nn.replay_window, 4096u);
  EXPECT_EQ(nn.mode, ChildMode::Tunnel);

  const ChildConfig& hh = c.children[1];
  EXPECT_EQ(hh.mode, ChildMode::Transport);
  ASSERT_EQ(hh.local_ts.size(), 1u);
  EXPECT_TRUE(hh.local_ts[0].dynamic);
  EXPECT_TRUE(hh.remote_ts[0].dynamic);
  EXPECT_EQ(hh.esp_proposals[0].dh, (std::vector<Transform>{{4, 14, 0}}));
  EXPECT_EQ(hh.rekey_time, 3600u);
  EXPECT_EQ(hh.life_time, 7200u);
  EXPECT_EQ(hh.rand_time, 3600u);
  EXPECT_EQ(c.child("host-host"), &hh);

  ASSERT_EQ(cfg.ike_secrets.size(), 3u);
  const IkeSecret& s = cfg.ike_secrets[0];
  EXPECT_EQ(s.name, "ike-moon-sun");
  ASSERT_EQ(s.ids.size(), 2u);
  EXPECT_EQ(s.ids[1].value, "sun.strongswan.org");
  // 0s = base64: the bytes python3 -c "import base64;
  // print(base64.b64decode('v+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL').hex())" prints.
  const std::vector<uint8_t> b64 = {0xbf, 0xe3, 0x64, 0xc5, 0x8f, 0x4b, 0x2d, 0x9b, 0xf0, 0x8f, 0x8a, 0x82,
                                    0x0b, 0x6a, 0x3f, 0x80, 0x6a, 0xd6, 0x0c, 0x5d, 0x9d, 0xdb, 0x58, 0xcb};
  EXPECT_EQ(s.secret.expose(), b64);
  EXPECT_EQ(cfg.ike_secrets[1].secret.expose(), (std::vector<uint8_t>{0x01, 0x02, 0xab, 0xff}));
  std::string plain = "This is a strong secret";
  EXPECT_EQ(cfg.ike_secrets[2].secret.expose(), std::vector<uint8_t>(plain.begin(), plain.end()));
  EXPECT_TRUE(cfg.ike_secrets[2].ids.empty());
}

const char* kCertConf = R"(connections {
   rw {
      local_addrs = 192.168.0.1, 2001:db8::1
      pools = 
      local {
         auth = pubkey
         certs = moonCert.pem
         id = "C=CH, O=strongSwan Project, CN=moon.strongswan.org"
      }
      remote {
         auth = ecdsa
         cacerts = strongswanCert.pem, otherCa.pem
         revocation = strict
         id = *@strongswan.org
      }
      children {
         rw {
            local_ts = 10.1.0.0/16, 2001:db8:1::/48
            esp_proposals = default
            rekey_bytes = 500M
            rekey_packets = 10k
            life_packets = 20k
            hw_offload = auto
            reqid = 7
         }
      }
      send_cert = always
      fragmentation = force
      mobike = no
      unique = replace
      keyingtries = 0
      reauth_time = 10h
      local_port = 4500
      remote_port = 4500
   }
}
secrets {
   ecdsa-moon {
      file = moonKey.pem
   }
   private-rsa {
      file = /etc/swanctl/private/rsa.pem
      secret = "key passphrase"
   }
}
)";

TEST(ConfModel, CertificateGateway) {
  std::string text = kCertConf;
  // "pools =" (empty) is strongSwan's "no pools"; we take it out of the text
  // here and test the refusal of pools in conf_errors_test.
  text.replace(text.find("      pools = \n"), 15, "");
  Config cfg = load(text);
  ASSERT_EQ(cfg.connections.size(), 1u);
  const ConnConfig& c = cfg.connections[0];
  EXPECT_EQ(c.local_addrs, (std::vector<std::string>{"192.168.0.1", "2001:db8::1"}));
  EXPECT_EQ(c.remote_addrs, std::vector<std::string>{"%any"});
  EXPECT_EQ(c.local.auth, AuthMethod::Pubkey);
  EXPECT_EQ(c.local.certs, std::vector<std::string>{"moonCert.pem"});
  EXPECT_EQ(c.local.id.type, Identity::Type::Dn);
  EXPECT_EQ(c.local.id.value, "C=CH, O=strongSwan Project, CN=moon.strongswan.org");
  EXPECT_EQ(c.remote.auth, AuthMethod::Ecdsa);
  EXPECT_EQ(c.remote.cacerts, (std::vector<std::string>{"strongswanCert.pem", "otherCa.pem"}));
  EXPECT_EQ(c.remote.revocation, Revocation::Strict);
  EXPECT_EQ(c.remote.id.type, Identity::Type::Rfc822);
  EXPECT_EQ(c.send_cert, SendCert::Always);
  EXPECT_EQ(c.fragmentation, Fragmentation::Force);
  EXPECT_FALSE(c.mobike);
  EXPECT_EQ(c.unique, UniquePolicy::Replace);
  EXPECT_EQ(c.keyingtries, 0u);
  EXPECT_EQ(c.reauth_time, 36000u);
  EXPECT_EQ(c.over_time, 3600u);  // 10% of max(rekey 4h, reauth 10h)
  EXPECT_EQ(c.local_port, 4500);
  EXPECT_EQ(c.remote_port, 4500);
  EXPECT_EQ(c.proposals.size(), default_ike_proposals().size());

  const ChildConfig& ch = c.children.at(0);
  EXPECT_EQ(ch.local_ts.size(), 2u);
  EXPECT_EQ(ch.local_ts[1].ts.family(), 6);
  EXPECT_EQ(ch.esp_proposals, default_esp_proposals());
  EXPECT_EQ(ch.rekey_bytes, 500ull << 20);
  EXPECT_EQ(ch.life_bytes, (500ull << 20) * 11 / 10);
  EXPECT_EQ(ch.rand_bytes, ch.life_bytes - ch.rekey_bytes);
  EXPECT_EQ(ch.rekey_packets, 10240u);
  EXPECT_EQ(ch.life_packets, 20480u);
  EXPECT_EQ(ch.rand_packets, 10240u);
  EXPECT_EQ(ch.hw_offload, HwOffload::Auto);
  EXPECT_EQ(ch.reqid, 7u);

  ASSERT_EQ(cfg.private_keys.size(), 2u);
  EXPECT_EQ(cfg.private_keys[0].type, KeySecret::Type::Ecdsa);
  EXPECT_EQ(cfg.private_keys[0].file, "moonKey.pem");
  EXPECT_TRUE(cfg.private_keys[0].passphrase.empty());
  EXPECT_EQ(cfg.private_keys[1].type, KeySecret::Type::Any);
  EXPECT_EQ(cfg.private_keys[1].passphrase.size(), 14u);
}

TEST(ConfModel, Defaults) {
  Config cfg = load("connections {\n  c {\n    children {\n      x {\n      }\n    }\n  }\n}\n");
  const ConnConfig& c = cfg.connections.at(0);
  EXPECT_EQ(c.version, 2u);
  EXPECT_EQ(c.local_addrs, std::vector<std::string>{"%any"});
  EXPECT_EQ(c.remote_port, 500);
  EXPECT_EQ(c.proposals, default_ike_proposals());
  EXPECT_FALSE(c.encap);
  EXPECT_EQ(c.rekey_time, 14400u);
  EXPECT_EQ(c.reauth_time, 0u);
  EXPECT_EQ(c.over_time, 1440u);
  EXPECT_EQ(c.rand_time, 1440u);
  EXPECT_EQ(c.fragmentation, Fragmentation::Yes);
  EXPECT_FALSE(c.mobike);  // never offered (strongSwan's default is yes)
  EXPECT_EQ(c.send_cert, SendCert::IfAsked);
  EXPECT_EQ(c.keyingtries, 1u);
  EXPECT_EQ(c.unique, UniquePolicy::No);
  EXPECT_EQ(c.local.auth, AuthMethod::Pubkey);
  EXPECT_EQ(c.remote.id.type, Identity::Type::Any);
  EXPECT_EQ(c.remote.id.text, "%any");
  const ChildConfig& x = c.children.at(0);
  EXPECT_EQ(x.rekey_time, 3600u);
  EXPECT_EQ(x.life_time, 3960u);
  EXPECT_EQ(x.rand_time, 360u);
  EXPECT_EQ(x.rekey_bytes, 0u);
  EXPECT_EQ(x.life_bytes, 0u);
  EXPECT_EQ(x.replay_window, 32u);
  EXPECT_EQ(x.mode, ChildMode::Tunnel);
  EXPECT_EQ(x.start_action, ChildAction::None);
  EXPECT_EQ(x.close_action, ChildAction::None);
  EXPECT_EQ(x.dpd_action, ChildAction::Clear);
  EXPECT_EQ(x.hw_offload, HwOffload::No);
  EXPECT_TRUE(x.local_ts.at(0).dynamic);
  EXPECT_EQ(x.esp_proposals, default_esp_proposals());
  // version = 0 (strongSwan's default, "any") is IKEv2 for us.
  EXPECT_EQ(load("connections { c {\n version = 0\n } }\n").connections.at(0).version, 2u);
  EXPECT_TRUE(load("").connections.empty());
}

TEST(ConfModel, TemplatesAndIncludes) {
  TempDir d;
  d.write("conf.d/gw.conf",
          "connections {\n"
          "  gw-a : connections.base {\n"
          "    remote_addrs = 192.0.2.10\n"
          "    children { net : connections.base.children.net {\n"
          "        remote_ts = 10.10.0.0/16\n"
          "    } }\n"
          "  }\n"
          "  gw-b : connections.base {\n"
          "    remote_addrs = 192.0.2.11\n"
          "    children { net : connections.base.children.net {\n"
          "        remote_ts = 10.11.0.0/16\n"
          "    } }\n"
          "  }\n"
          "}\n");
  d.write("secrets.conf", "secrets {\n  ike-1 {\n    secret = 0x00112233\n  }\n}\n");
  std::string main = d.write("swanctl.conf",
                             "connections {\n"
                             "  base {\n"
                             "    local_addrs = 192.0.2.1\n"
                             "    proposals = aes256gcm16-prfsha384-ecp384\n"
                             "    local { auth = psk }\n"
                             "    remote { auth = psk }\n"
                             "    children { net {\n"
                             "      local_ts = 10.1.0.0/16\n"
                             "      esp_proposals = aes256gcm16-esn\n"
                             "    } }\n"
                             "  }\n"
                             "}\n"
                             "include conf.d/*.conf\n"
                             "include secrets.conf\n");
  Config cfg = load_config_file(main);
  ASSERT_EQ(cfg.connections.size(), 3u);  // the template is a connection too, as in strongSwan
  const ConnConfig* b = cfg.connection("gw-b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->local_addrs, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(b->remote_addrs, std::vector<std::string>{"192.0.2.11"});
  EXPECT_EQ(b->local.auth, AuthMethod::Psk);
  EXPECT_EQ(b->proposals.at(0).str(), "aes256gcm16-prfsha384-ecp384");
  const ChildConfig* net = b->child("net");
  ASSERT_TRUE(net);
  EXPECT_EQ(net->local_ts.at(0).ts, TrafficSelector::parse("10.1.0.0/16"));
  EXPECT_EQ(net->remote_ts.at(0).ts, TrafficSelector::parse("10.11.0.0/16"));
  EXPECT_EQ(net->esp_proposals.at(0).esn.at(0).id, 1);
  EXPECT_EQ(b->loc.file, d.path() + "/conf.d/gw.conf");
  EXPECT_EQ(b->loc.line, 8u);
  ASSERT_EQ(cfg.ike_secrets.size(), 1u);
  EXPECT_EQ(cfg.ike_secrets[0].secret.size(), 4u);
}

TEST(ConfModel, WipeSecrets) {
  ConfSection root = parse_conf_string("secrets {\n ike-a {\n  secret = topsecret\n }\n}\n", "w.conf");
  wipe_secrets(root);
  EXPECT_EQ(root.find("secrets.ike-a")->value("secret")->value, "");
}

TEST(ConfModel, Identities) {
  struct Case {
    const char* text;
    Identity::Type type;
    const char* value;
  } cases[] = {
      {"%any", Identity::Type::Any, ""},
      {"192.0.2.1", Identity::Type::Ipv4, "192.0.2.1"},
      {"2001:db8::1", Identity::Type::Ipv6, "2001:db8::1"},
      {"ipv4:192.0.2.1", Identity::Type::Ipv4, "192.0.2.1"},
      {"moon.strongswan.org", Identity::Type::Fqdn, "moon.strongswan.org"},
      {"@moon.strongswan.org", Identity::Type::Fqdn, "moon.strongswan.org"},
      {"fqdn:moon", Identity::Type::Fqdn, "moon"},
      {"carol@strongswan.org", Identity::Type::Rfc822, "carol@strongswan.org"},
      {"email:carol@strongswan.org", Identity::Type::Rfc822, "carol@strongswan.org"},
      {"C=CH, O=strongSwan, CN=carol", Identity::Type::Dn, "C=CH, O=strongSwan, CN=carol"},
  };
  for (const auto& c : cases) {
    Identity id = Identity::parse(c.text);
    EXPECT_EQ(id.type, c.type) << c.text;
    EXPECT_EQ(id.value, c.value) << c.text;
  }
  for (const char* bad : {"keyid:0102", "@#0102", "ipv4:300.1.1.1", "ipv6:1.2.3.4", "fqdn:", "%foo"})
    EXPECT_THROW(Identity::parse(bad), std::invalid_argument) << bad;
}

TEST(ConfModel, DecodeSecret) {
  EXPECT_EQ(decode_secret("0x00ff").expose(), (std::vector<uint8_t>{0x00, 0xff}));
  // RFC 4648 section 10 test vectors.
  auto str = [](const char* s) {
    std::string t = s;
    return std::vector<uint8_t>(t.begin(), t.end());
  };
  EXPECT_EQ(decode_secret("0sZg==").expose(), str("f"));
  EXPECT_EQ(decode_secret("0sZm8=").expose(), str("fo"));
  EXPECT_EQ(decode_secret("0sZm9v").expose(), str("foo"));
  EXPECT_EQ(decode_secret("0sZm9vYg==").expose(), str("foob"));
  EXPECT_EQ(decode_secret("0sZm9vYmE=").expose(), str("fooba"));
  EXPECT_EQ(decode_secret("0sZm9vYmFy").expose(), str("foobar"));
  for (const char* bad : {"", "0x", "0x1", "0xgg", "0s", "0sZ", "0sZm9=v", "0s====", "0sZ===", "0s!!!!"})
    EXPECT_THROW(decode_secret(bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace esp::ike::conf
