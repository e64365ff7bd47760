// esp-ike-load: an IKEv2 load generator. It sets up --count IKE_SAs, each
// with one CHILD_SA, against one responder (esp-iked or strongSwan), keeping
// at most --concurrency half-open at a time, over real UDP, and prints how
// many were established and how fast. The initiator side is esp-iked's
// protocol core with a host that installs nothing (no card): only the
// responder is measured.
//
//   esp-ike-load --target 192.0.2.2 --count 1000 --concurrency 50 --psk SECRET
//       --local-id load.example --remote-id gw.example [--json]
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <memory>

#include "esp/ike/conf_model.hpp"
#include "esp/ike/conf_syntax.hpp"
#include "esp/ike/credentials.hpp"
#include "esp/ike/event_loop.hpp"
#include "esp/ike/ike_manager.hpp"
#include "esp/ike/udp.hpp"
#include "esp/ike/wireshark_keys.hpp"

using namespace esp::ike;

namespace {

// Sends over IkeSockets; CHILD_SAs are agreed but not installed anywhere.
class LoadHost : public IkeHost {
 public:
  explicit LoadHost(IkeSockets& s, bool verbose) : socks_(s), verbose_(verbose) {}
  void send(const Endpoint& local, const Endpoint& remote, const Bytes& m) override {
    if (!socks_.send_ike(local, remote, m)) send_errors++;
  }
  void send_keepalive(const Endpoint& local, const Endpoint& remote) override { socks_.send_keepalive(local, remote); }
  esp::runtime::IpAddr source_for(const esp::runtime::IpAddr& remote) override {
    auto a = IkeSockets::source_for(remote);
    if (!a) throw std::runtime_error("no route to " + remote.str());
    return *a;
  }
  std::uint16_t ike_port() const override { return socks_.port(); }
  std::uint16_t nat_port() const override { return socks_.nat_port(); }
  std::uint32_t alloc_spi() override { return next_spi_++; }
  void release_spi(std::uint32_t) override {}
  ChildHandle install_child(const ChildInstall&, bool) override { return {}; }
  void move_policies(ChildHandle&, ChildHandle&) override {}
  void update_child(const ChildHandle&, const esp::runtime::SaUpdate&, const esp::runtime::SaUpdate&) override {}
  void delete_child(const ChildHandle&) override {}
  ChildUsage child_usage(const ChildHandle&) override { return {}; }
  std::int64_t unix_time() override { return static_cast<std::int64_t>(std::time(nullptr)); }
  void export_ike_keys(std::uint64_t, std::uint64_t, const IkeSuite&, const IkeSaKeys&) override {}
  void export_esp_keys(const EspSaKeyRecord&, const ChildDirKeys&) override {}
  void log(LogLevel l, const std::string& line) override {
    if (verbose_ || l <= LogLevel::Warning) std::cerr << "esp-ike-load: " << line << "\n";
  }
  std::uint64_t send_errors = 0;

 private:
  IkeSockets& socks_;
  bool verbose_;
  std::uint32_t next_spi_ = 0x10000;
};

}  // namespace

int main(int argc, char** argv) {
  std::string target, psk, local_id = "load.example", remote_id = "%any", proposal = "aes256gcm16-prfsha384-ecp384",
                          esp = "aes256gcm16", local_ts = "10.201.0.0/16", remote_ts = "10.202.0.0/16";
  unsigned count = 100, concurrency = 20, timeout = 120;
  std::uint16_t port = 500;
  bool json = false, verbose = false, teardown = true;
  CLI::App app{"esp-ike-load: IKE_SA + CHILD_SA setups against one responder"};
  app.add_option("--target", target, "responder address")->required();
  app.add_option("--port", port, "responder IKE port");
  app.add_option("--count", count, "IKE_SAs to set up");
  app.add_option("--concurrency", concurrency, "half-open IKE_SAs at most");
  app.add_option("--psk", psk, "pre-shared key (swanctl syntax: text, 0x.., 0s..)")->required();
  app.add_option("--local-id", local_id);
  app.add_option("--remote-id", remote_id);
  app.add_option("--proposal", proposal);
  app.add_option("--esp", esp);
  app.add_option("--local-ts", local_ts);
  app.add_option("--remote-ts", remote_ts);
  app.add_option("--timeout", timeout, "seconds for the whole run");
  app.add_flag("--json", json, "one JSON object on stdout");
  app.add_flag("--verbose", verbose);
  app.add_flag("!--no-teardown", teardown, "leave the IKE_SAs up when done");
  CLI11_PARSE(app, argc, argv);
  try {
    std::string text = "connections { load { remote_addrs = " + target + "\n remote_port = " + std::to_string(port) +
                       "\n proposals = " + proposal + "\n local { auth = psk\n id = " + local_id +
                       " }\n remote { auth = psk\n id = " + remote_id + " }\n children { net { local_ts = " + local_ts +
                       "\n remote_ts = " + remote_ts + "\n esp_proposals = " + esp +
                       " } } } }\nsecrets { ike-load { secret = " + psk + " } }\n";
    auto cfg = std::make_shared<const conf::Config>(conf::load_config(conf::parse_conf_string(text, "esp-ike-load")));
    auto creds = std::make_shared<const CredentialStore>(CredentialStore::load("/nonexistent-swanctl", *cfg));
    EventLoop loop;
    IkeSockets socks(loop, 0, 0);
    socks.bind({"%any"});
    LoadHost host(socks, verbose);
    IkeOptions opts;
    opts.retransmit_timeout = 2;
    opts.retransmit_tries = 3;
    opts.send_initial_contact = false;
    opts.randomize_rekey = false;
    opts.cookie_threshold = 1u << 30;
    IkeManager mgr(host, cfg, creds, opts);
    socks.on_ike([&](const IkeSockets::Datagram& d) { mgr.receive(d.local, d.remote, d.data, d.len, Clock::now()); });
    unsigned started = 0;
    Time t0 = Clock::now(), t_done{};
    Time deadline = t0 + std::chrono::seconds(timeout);
    std::function<void()> step = [&] {
      Time now = Clock::now();
      mgr.tick(now);
      while (started < count && mgr.half_open_count() < concurrency) {
        mgr.initiate_new_ike_sa("load", "net", now);
        started++;
      }
      if ((started == count && mgr.half_open_count() == 0) || now >= deadline) {
        t_done = now;
        loop.stop();
        return;
      }
      loop.add_timer(std::chrono::milliseconds(2), step);
    };
    loop.post(step);
    loop.run();
    double secs = std::chrono::duration<double>(t_done - t0).count();
    auto st = mgr.stats();
    std::uint64_t established = st.ike_established, children = st.child_installed;
    nlohmann::json r{{"target", target},           {"count", count},
                     {"concurrency", concurrency}, {"established", established},
                     {"child_sas", children},      {"failed", count - std::min<std::uint64_t>(count, established)},
                     {"seconds", secs},            {"setups_per_second", secs > 0 ? double(children) / secs : 0.0},
                     {"retransmits", st.retransmits}};
    if (teardown) {
      mgr.terminate_ike("load", Clock::now());
      Time end = Clock::now() + std::chrono::seconds(10);
      std::function<void()> drain = [&] {
        mgr.tick(Clock::now());
        if (mgr.ike_sa_count() == 0 || Clock::now() >= end) {
          loop.stop();
          return;
        }
        loop.add_timer(std::chrono::milliseconds(5), drain);
      };
      loop.post(drain);
      loop.run();
    }
    if (json)
      std::cout << r.dump() << std::endl;
    else
      std::cout << r.dump(2) << std::endl;
    return established == count ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "esp-ike-load: " << e.what() << std::endl;
    return 2;
  }
}
