// Every refusal of the model names the file:line of the offending key and
// says what is wrong: unsupported strongSwan features, unknown keys (typos),
// bad values, unsupported algorithms.
#include <gtest/gtest.h>

#include "conf_test_util.hpp"
#include "esp/ike/conf_model.hpp"

namespace esp::ike::conf {
namespace {

using test::expect_conf_error;
using test::TempDir;

// A connection whose line 5 (inside `conn`), 8 (inside `local`) or 12
// (inside the child) is replaced by the line under test.
std::string conn_with(const std::string& conn_line, const std::string& local_line = "",
                      const std::string& child_line = "") {
  return "connections {\n"                 // 1
         "  gw {\n"                        // 2
         "    local_addrs = 192.0.2.1\n"   // 3
         "    remote_addrs = 192.0.2.2\n"  // 4
         "    " + conn_line + "\n"         // 5
         "    local {\n"                   // 6
         "      auth = psk\n"              // 7
         "      " + local_line + "\n"      // 8
         "    }\n"                         // 9
         "    children {\n"                // 10
         "      net {\n"                   // 11
         "        " + child_line + "\n"    // 12
         "      }\n"                       // 13
         "    }\n"                         // 14
         "  }\n"                           // 15
         "}\n";
}

void expect_model_error(const std::string& text, unsigned line, const std::string& what) {
  expect_conf_error([&] { load_config(parse_conf_string(text, "gw.conf")); }, "gw.conf", line, what, text);
}

TEST(ConfErrors, ConnectionKeys) {
  struct Case {
    const char* line;
    const char* what;
  } cases[] = {
      {"version = 1", "IKEv1 (version = 1) is not supported"},
      {"version = 3", "expected 0, 1 or 2"},
      {"vips = 0.0.0.0", "'vips' in connection 'gw' is not supported: virtual IPs"},
      {"pools = pool1", "'pools' in connection 'gw' is not supported"},
      {"aggressive = yes", "'aggressive' in connection 'gw' is not supported: IKEv1"},
      {"mobike = yes", "'mobike = yes' is not supported: MOBIKE (RFC 4555)"},
      {"ppk_id = x", "not supported: post-quantum"},
      {"childless = force", "not supported: childless"},
      {"proposal = aes128gcm16-prfsha256-ecp256", "unknown key 'proposal' in connection 'gw' (did you mean 'proposals'?)"},
      {"rekeytime = 1h", "unknown key 'rekeytime' in connection 'gw' (did you mean 'rekey_time'?)"},
      {"send_cert_req = yes", "(did you mean 'send_certreq'?)"},
      {"frobnicate = yes", "unknown key 'frobnicate' in connection 'gw'"},
      {"proposals = 3des-sha1-modp1024", "'proposals': algorithm '3des' in proposal '3des-sha1-modp1024' is not supported"},
      {"proposals = aes128-sha256-modp1024", "'modp1024'"},
      {"proposals = aes128gcm16-prfsha256-ecp256, chacha20poly1305-prfsha256-x25519", "'chacha20poly1305'"},
      {"proposals =", "no proposals"},
      {"encap = maybe", "'encap': expected yes or no, got 'maybe'"},
      {"dpd_delay = 30x", "'dpd_delay': expected a duration"},
      {"rekey_time = -1", "'rekey_time': expected a duration"},
      {"local_port = 0", "'local_port': '0' is out of range 1..65535"},
      {"remote_port = 70000", "out of range"},
      {"local_addrs = 10.0.0.300", "'local_addrs'"},
      {"remote_addrs = %defaultroute", "'%defaultroute' is not supported"},
      {"remote_addrs = ,", "empty address list"},
      {"fragmentation = sometimes", "expected one of yes, no, accept, force"},
      {"send_cert = ifasked2", "expected one of ifasked, always, never"},
      {"unique = yes", "expected one of no, never, keep, replace"},
      {"keyingtries = 4294967296", "out of range"},
      {"mystery { }", "unknown section 'mystery' in connection 'gw'"},
  };
  for (const auto& c : cases) expect_model_error(conn_with(c.line), 5, c.what);
  try {
    load_config(parse_conf_string(conn_with("frobnicate = yes"), "gw.conf"));
    ADD_FAILURE();
  } catch (const ConfError& e) {
    EXPECT_EQ(std::string(e.what()).find("did you mean"), std::string::npos) << e.what();
  }
  // A second round is refused where it appears (here `local` after local-2).
  expect_model_error(conn_with("local-2 { auth = pubkey }"), 6, "'local' in connection 'gw' is not supported: several authentication rounds");
  // Keys strongSwan knows, set to strongSwan's default: accepted.
  for (const char* ok : {"aggressive = no", "pull = yes", "childless = allow", "mediation = no", "dscp = 000000",
                         "version = 0", "version = 2"})
    EXPECT_NO_THROW(load_config(parse_conf_string(conn_with(ok), "gw.conf"))) << ok;
}

TEST(ConfErrors, AuthKeys) {
  struct Case {
    const char* line;
    const char* what;
  } cases[] = {
      {"auth = eap-mschapv2", "EAP ('eap-mschapv2') is not supported"},
      {"auth = xauth-generic", "XAuth ('xauth-generic') is IKEv1"},
      {"auth = ed25519", "expected one of pubkey, rsa, ecdsa, psk"},
      {"auth = rsa-sha256", "expected one of pubkey, rsa, ecdsa, psk"},
      {"eap_id = %any", "'eap_id' in 'local' of connection 'gw' is not supported: EAP"},
      {"round = 1", "several authentication rounds"},
      {"cacerts = ca.pem", "unknown key 'cacerts' in 'local'"},
      {"revocation = strict", "unknown key 'revocation' in 'local'"},
      {"id = keyid:0102", "'id': identity 'keyid:0102' is not supported"},
      {"cert-1 { file = x.pem }", "section 'cert-1' in 'local' of connection 'gw' is not supported"},
      {"certz = a.pem", "unknown key 'certz' in 'local' of connection 'gw' (did you mean 'certs'?)"},
  };
  for (const auto& c : cases) expect_model_error(conn_with("", c.line), 8, c.what);
  expect_model_error("connections {\n gw {\n  remote {\n   revocation = sometimes\n  }\n }\n}\n", 4,
                     "expected one of relaxed, ifuri, strict");
  expect_model_error("connections {\n gw {\n  remote {\n   groups = admins\n  }\n }\n}\n", 4,
                     "'groups' in 'remote' of connection 'gw' is not supported");
}

TEST(ConfErrors, ChildKeys) {
  struct Case {
    const char* line;
    const char* what;
  } cases[] = {
      {"updown = /usr/lib/ipsec/_updown iptables", "'updown' in child 'net' of connection 'gw' is not supported: updown scripts"},
      {"ah_proposals = sha256", "AH"},
      {"ipcomp = yes", "IPComp"},
      {"mark_in = 42", "XFRM marks"},
      {"mode = beet", "mode 'beet' is not supported"},
      {"mode = tunel", "expected one of tunnel, transport"},
      {"start_action = trap|start", "expected one of none, trap, start"},
      {"close_action = later", "expected one of none, trap, start, clear, hold, restart"},
      {"dpd_action = pause", "expected one of clear, none, trap, restart, start, hold"},
      {"esp_proposals = aes128-sha256", "'aes128' (AES-CBC) in ESP proposal"},
      {"esp_proposals = aes128gcm16-sha1", "'sha1'"},
      {"esp_proposals = aes256gcm16-modp1536", "'modp1536'"},
      {"esp_proposals = chacha20poly1305", "'chacha20poly1305'"},
      {"esp_proposals = aes192gcm16", "'aes192gcm16'"},
      {"local_ts = 10.0.0.0/33", "'local_ts'"},
      {"remote_ts = 10.0.0.1-10.0.0.0", "'remote_ts'"},
      {"remote_ts = 10.0.0.0/8[bogus]", "'remote_ts'"},
      {"local_ts = dynamicx", "'dynamicx' is not a traffic selector"},
      {"rekey_time = 1h\n        life_time = 1h", "rekey_time (3600) must be less than life_time (3600)"},
      {"rekey_bytes = 1G\n        life_bytes = 1M", "rekey_bytes"},
      {"replay_window = 1k5", "'replay_window'"},
      {"reqid = 0x100000000", "out of range"},
      {"hw_offload = maybe", "expected one of no, yes, auto, crypto, packet"},
      {"life_packets = 10q", "'life_packets'"},
      {"local_tss = 10.0.0.0/8", "unknown key 'local_tss' in child 'net' of connection 'gw' (did you mean 'local_ts'?)"},
      {"sub { }", "unknown section 'sub' in child 'net'"},
  };
  for (const auto& c : cases) {
    std::string line = c.line;
    unsigned at = 12 + (line.find('\n') == std::string::npos ? 0 : 1);
    expect_model_error(conn_with("", "", c.line), at, c.what);
  }
  for (const char* ok : {"ipcomp = no", "policies = yes", "hostaccess = no", "copy_df = yes",
                         "local_ts = dynamic[udp/500]", "start_action = start", "dpd_action = clear",
                         "close_action = restart", "dpd_action = hold"})
    EXPECT_NO_THROW(load_config(parse_conf_string(conn_with("", "", ok), "gw.conf"))) << ok;
}

TEST(ConfErrors, TopLevelAndSecrets) {
  expect_model_error("pools {\n  p { addrs = 10.3.0.0/24 }\n}\n", 1, "section 'pools' in the top level is not supported");
  expect_model_error("\nauthorities { }\n", 2, "'authorities' in the top level is not supported");
  expect_model_error("conections {\n}\n", 1, "unknown section 'conections' in the top level");
  expect_model_error("a = b\n", 1, "unknown key 'a' in the top level");
  expect_model_error("connections {\n  x = y\n}\n", 2, "unknown key 'x' in connections");
  expect_model_error("connections {\n  c {\n    children {\n      x = y\n    }\n  }\n}\n", 4,
                     "unknown key 'x' in children");
  expect_model_error("secrets {\n  eap-carol {\n    secret = x\n  }\n}\n", 2, "secret 'eap-carol' is not supported");
  expect_model_error("secrets {\n  xauth {\n    secret = x\n  }\n}\n", 2, "not supported");
  expect_model_error("secrets {\n  psk-1 {\n    secret = x\n  }\n}\n", 2, "unknown secret type 'psk-1'");
  expect_model_error("secrets {\n  ike-1 {\n    id = a\n  }\n}\n", 2, "secret 'ike-1' has no 'secret'");
  expect_model_error("secrets {\n  ike-1 {\n    secret = 0xabc\n  }\n}\n", 3, "'secret': a 0x secret needs an even");
  expect_model_error("secrets {\n  ike-1 {\n    secret = \"\"\n  }\n}\n", 3, "empty secret");
  expect_model_error("secrets {\n  ike-1 {\n    secret = s\n    secrte = a\n  }\n}\n", 4,
                     "unknown key 'secrte' in secret 'ike-1' (did you mean 'secret'?)");
  expect_model_error("secrets {\n  ike-1 {\n    secret = s\n    id = keyid:01\n  }\n}\n", 4, "not supported");
  expect_model_error("secrets {\n  private-1 {\n    secret = s\n  }\n}\n", 2, "has no 'file'");
  expect_model_error("secrets {\n  rsa {\n    file = k.pem\n    slot = 1\n  }\n}\n", 4, "unknown key 'slot'");
  expect_model_error("secrets {\n  x = 1\n}\n", 2, "unknown key 'x' in secrets");
}

TEST(ConfErrors, InIncludedFileAndTemplate) {
  TempDir d;
  std::string inc = d.write("conf.d/peer.conf",
                            "connections {\n"
                            "  peer : connections.base {\n"
                            "    children {\n"
                            "      c {\n"
                            "        esp_proposals = aes128gcm16-esn\n"
                            "        updown = /bin/true\n"
                            "      }\n"
                            "    }\n"
                            "  }\n"
                            "}\n");
  std::string main = d.write("swanctl.conf", "connections {\n  base {\n    remote_addrs = 192.0.2.9\n  }\n}\ninclude conf.d/*.conf\n");
  expect_conf_error([&] { load_config_file(main); }, inc, 6, "'updown'");
  // An error inherited from a template is reported where it is written.
  std::string main2 = d.write("two.conf",
                              "connections {\n"
                              "  base {\n"
                              "    proposals = aes128-md5-modp2048\n"
                              "  }\n"
                              "  gw : connections.base { }\n"
                              "}\n");
  expect_conf_error([&] { load_config_file(main2); }, main2, 3, "'md5'");
}

}  // namespace
}  // namespace esp::ike::conf
