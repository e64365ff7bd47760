// The connection and secret model esp-iked runs from, loaded from a
// swanctl.conf tree (conf_syntax.hpp):
//
//   connections { <name> { version local_addrs remote_addrs local_port
//     remote_port proposals encap dpd_delay dpd_timeout rekey_time reauth_time
//     over_time rand_time fragmentation mobike send_cert send_certreq
//     keyingtries unique
//     local[-suffix] { auth id certs pubkeys }
//     remote[-suffix] { auth id certs pubkeys cacerts revocation }
//     children { <name> { local_ts remote_ts esp_proposals mode start_action
//       close_action dpd_action rekey_time life_time rand_time rekey_bytes
//       life_bytes rand_bytes rekey_packets life_packets rand_packets
//       replay_window hw_offload reqid } } } }
//   secrets { ike<suffix> { id<suffix> secret }
//             private|rsa|ecdsa|pkcs8<suffix> { file secret } }
//
// Defaults are strongSwan's (swanctl.conf(5)): version 0 (any) -> 2,
// addresses %any, ports 500, proposals "default", rekey_time 4h (IKE) and
// 1h (CHILD), over_time 10% of max(rekey_time, reauth_time), IKE rand_time =
// over_time, child life_time = rekey_time * 1.1 (bytes and packets alike),
// child rand_* = life - rekey, replay_window 32, mode tunnel, start_action
// none, dpd_action clear, local auth pubkey, remote id %any.
//
// A key strongSwan knows that we do not implement (IKEv1, updown, pools,
// vips, EAP/XAuth, several authentication rounds, AH, ...) is a ConfError
// "not supported" with its file:line; a key strongSwan does not know is a
// ConfError "unknown key" (typos; with "did you mean 'x'?" when a supported
// key is within edit distance 2). A few such keys are accepted when set to
// strongSwan's default (ipcomp = no, policies = yes, aggressive = no, ...).
// close_action and dpd_action also take older strongSwan names (clear, hold,
// restart). Deliberate difference: a life_* set at or below its rekey_* is
// refused (strongSwan takes it; the SA would expire before its rekey).
//
// Secrets: the secret text in the tree is wiped (OPENSSL_cleanse) by
// load_config_file; the model holds keys in SecretBytes, wiped on
// destruction.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "esp/ike/bytes.hpp"
#include "esp/ike/conf_syntax.hpp"
#include "esp/ike/proposal.hpp"
#include "esp/runtime/traffic_selector.hpp"

namespace esp::ike::conf {

// Secrets are esp::ike::SecretBytes (bytes.hpp): wiped when destroyed.

// An IKE identity as strongSwan's identification_create_from_string reads
// it: "%any"; "ipv4:"/"ipv6:" or an address; "@fqdn" or "fqdn:"/"dns:";
// "user@domain" or "email:"/"rfc822:"; a DN ("C=CH, O=x, CN=y") or "asn1dn:";
// anything else is an FQDN.
struct Identity {
  enum class Type { Any, Ipv4, Ipv6, Fqdn, Rfc822, Dn };
  Type type = Type::Any;
  std::string value;  // without the prefix ("@" of "@fqdn" removed)
  std::string text;   // as written
  static Identity parse(const std::string& text);  // throws std::invalid_argument
};

enum class AuthMethod { Pubkey, Rsa, Ecdsa, Psk };
enum class Revocation { Relaxed, IfUri, Strict };

struct AuthConfig {
  std::string section;  // "local", "local-1", ...; empty when absent (defaults)
  ConfLoc loc;
  AuthMethod auth = AuthMethod::Pubkey;
  Identity id;                          // local default: empty text (from cert/address)
  std::vector<std::string> certs;       // files in x509/ (or paths)
  std::vector<std::string> pubkeys;     // files in pubkey/
  std::vector<std::string> cacerts;     // remote only: files in x509ca/
  Revocation revocation = Revocation::Relaxed;  // remote only
};

struct TsConfig {
  bool dynamic = false;                  // "dynamic": the IKE address (then ts is unset)
  runtime::TrafficSelector ts;           // otherwise
  std::string text;                      // as written
};

enum class ChildMode { Tunnel, Transport };
enum class ChildAction { None, Trap, Start, Clear, Restart };
enum class HwOffload { No, Yes, Auto, Crypto, Packet };

struct ChildConfig {
  std::string name;
  ConfLoc loc;
  std::vector<TsConfig> local_ts, remote_ts;  // default: one dynamic
  std::vector<Proposal> esp_proposals;        // default: default_esp_proposals()
  ChildMode mode = ChildMode::Tunnel;
  ChildAction start_action = ChildAction::None;  // None, Trap, Start
  ChildAction close_action = ChildAction::None;  // None, Trap, Start
  ChildAction dpd_action = ChildAction::Clear;   // Clear (= none), Trap, Restart
  uint64_t rekey_time = 3600, life_time = 3960, rand_time = 360;  // seconds
  uint64_t rekey_bytes = 0, life_bytes = 0, rand_bytes = 0;
  uint64_t rekey_packets = 0, life_packets = 0, rand_packets = 0;
  uint32_t replay_window = 32;  // packets
  HwOffload hw_offload = HwOffload::No;
  uint32_t reqid = 0;  // 0 = assigned
};

enum class Fragmentation { No, Yes, Accept, Force };
enum class SendCert { IfAsked, Always, Never };
enum class UniquePolicy { No, Never, Keep, Replace };

struct ConnConfig {
  std::string name;
  ConfLoc loc;
  unsigned version = 2;  // 0 in the file (any) is read as 2
  std::vector<std::string> local_addrs{"%any"}, remote_addrs{"%any"};
  uint16_t local_port = 500, remote_port = 500;
  std::vector<Proposal> proposals;  // default: default_ike_proposals()
  bool encap = false;
  uint64_t dpd_delay = 0, dpd_timeout = 0;
  uint64_t rekey_time = 14400, reauth_time = 0, over_time = 1440, rand_time = 1440;
  Fragmentation fragmentation = Fragmentation::Yes;
  bool mobike = false;  // MOBIKE is never offered; `mobike = yes` is refused
  SendCert send_cert = SendCert::IfAsked;
  bool send_certreq = true;
  uint32_t keyingtries = 1;  // 0 = forever
  UniquePolicy unique = UniquePolicy::No;
  AuthConfig local, remote;
  std::vector<ChildConfig> children;

  const ChildConfig* child(const std::string& n) const;
};

struct IkeSecret {
  std::string name;  // "ike-gw"
  ConfLoc loc;
  std::vector<Identity> ids;  // empty: any
  SecretBytes secret;         // "0x..." hex and "0s..." base64 decoded
};

struct KeySecret {
  enum class Type { Any, Rsa, Ecdsa, Pkcs8 };  // private / rsa / ecdsa / pkcs8
  Type type = Type::Any;
  std::string name;
  ConfLoc loc;
  std::string file;      // in private/ (rsa/, ecdsa/, pkcs8/) or a path
  SecretBytes passphrase;
};

struct Config {
  std::vector<ConnConfig> connections;
  std::vector<IkeSecret> ike_secrets;
  std::vector<KeySecret> private_keys;

  const ConnConfig* connection(const std::string& n) const;
};

// Throws ConfError (file:line and what).
Config load_config(const ConfSection& root);
// parse_conf_file + load_config; wipes the secret text in the parsed tree.
Config load_config_file(const std::string& path);
// Overwrite every `secret` value under `secrets` in the tree.
void wipe_secrets(ConfSection& root);

// Pieces, exposed for tests.
void load_secrets(const ConfSection& secrets, Config& out);
SecretBytes decode_secret(const std::string& text);  // throws std::invalid_argument

}  // namespace esp::ike::conf
