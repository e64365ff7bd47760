// libFuzzer target over esp-iked's protocol core (ike/sa/): datagrams from an
// unauthenticated peer into a responder (PSK and certificate connections),
// with time moving on between them. Beyond "no crash, no leak, no UB"
// (ASan/UBSan), every input must leave no authenticated IKE SA and no
// CHILD_SA installed: nothing changes state without authentication.
//
// Input: bytes not starting with 0xFF are one datagram (so the message
// parser's corpus seeds this target too); 0xFF then records of
// [flags(1): bit 0 = NAT-T port, bit 1 = tick 31 s before][len(2, BE)][bytes].
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>

#include "esp/ike/conf_model.hpp"
#include "esp/ike/conf_syntax.hpp"
#include "esp/ike/credentials.hpp"
#include "esp/ike/ike_manager.hpp"
#include "esp/ike/wireshark_keys.hpp"

using namespace esp::ike;

namespace {

class FuzzHost : public IkeHost {
 public:
  void send(const Endpoint&, const Endpoint&, const Bytes& m) override { sent += m.size(); }
  void send_keepalive(const Endpoint&, const Endpoint&) override {}
  esp::runtime::IpAddr source_for(const esp::runtime::IpAddr&) override { return esp::runtime::IpAddr::parse("192.0.2.2"); }
  std::uint16_t ike_port() const override { return 500; }
  std::uint16_t nat_port() const override { return 4500; }
  std::uint32_t alloc_spi() override { return next_spi++; }
  void release_spi(std::uint32_t) override {}
  ChildHandle install_child(const ChildInstall&, bool) override {
    installed++;
    return {};
  }
  void move_policies(ChildHandle&, ChildHandle&) override {}
  void update_child(const ChildHandle&, const esp::runtime::SaUpdate&, const esp::runtime::SaUpdate&) override {}
  void delete_child(const ChildHandle&) override {}
  ChildUsage child_usage(const ChildHandle&) override { return {}; }
  std::int64_t unix_time() override { return 1767225600; }  // fixed: repeatable runs
  void export_ike_keys(std::uint64_t, std::uint64_t, const IkeSuite&, const IkeSaKeys&) override {}
  void export_esp_keys(const EspSaKeyRecord&, const ChildDirKeys&) override {}
  void log(LogLevel, const std::string&) override {}
  std::size_t sent = 0;
  unsigned installed = 0;
  std::uint32_t next_spi = 0x1000;
};

const char* kConf =
    "connections {\n"
    "  psk { local_addrs = 192.0.2.2\n remote_addrs = %any\n"
    "    proposals = aes256gcm16-prfsha384-ecp384, aes128-sha256-modp2048, aes128gcm16-prfsha256-x25519\n"
    "    local { auth = psk\n id = gw.example }\n remote { auth = psk\n id = %any }\n"
    "    children { net { local_ts = 10.2.0.0/16\n remote_ts = 10.1.0.0/16\n"
    "      esp_proposals = aes256gcm16, aes128gmac-esn } } }\n"
    "  cert { local_addrs = 192.0.2.2\n remote_addrs = %any\n proposals = aes128gcm16-prfsha256-ecp256\n"
    "    local { auth = psk\n id = other.example }\n remote { auth = pubkey\n id = %any }\n"
    "    children { net { esp_proposals = aes128gcm16 } } }\n"
    "}\n"
    "secrets { ike-1 { secret = 0sv+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL } }\n";

struct Shared {
  std::shared_ptr<const conf::Config> cfg;
  std::shared_ptr<const CredentialStore> creds;
  Shared() {
    cfg = std::make_shared<const conf::Config>(conf::load_config(conf::parse_conf_string(kConf, "fuzz.conf")));
    creds = std::make_shared<const CredentialStore>(CredentialStore::load("/nonexistent-swanctl", *cfg));
  }
};

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Shared shared;
  FuzzHost host;
  IkeOptions opts;
  opts.cookie_threshold = 2;  // the cookie path too
  opts.randomize_rekey = false;
  IkeManager mgr(host, shared.cfg, shared.creds, opts);
  Time now = Time{} + std::chrono::hours(1);
  Endpoint local{esp::runtime::IpAddr::parse("192.0.2.2"), 500};
  Endpoint remote{esp::runtime::IpAddr::parse("192.0.2.1"), 500};
  if (size == 0 || data[0] != 0xFF) {
    mgr.receive(local, remote, data, size, now);
  } else {
    std::size_t i = 1;
    while (i + 3 <= size) {
      std::uint8_t flags = data[i];
      std::size_t len = std::size_t(data[i + 1]) << 8 | data[i + 2];
      i += 3;
      if (len > size - i) len = size - i;
      Endpoint l = local, r = remote;
      if (flags & 1) l.port = r.port = 4500;
      if (flags & 2) {
        now += std::chrono::seconds(31);
        mgr.tick(now);
      }
      mgr.receive(l, r, data + i, len, now);
      i += len;
    }
  }
  now += std::chrono::seconds(3600);
  mgr.tick(now);
  check(host.installed == 0);
  check(mgr.child_sa_count() == 0);
  check(mgr.ike_sa_count() == mgr.half_open_count());
  return 0;
}
