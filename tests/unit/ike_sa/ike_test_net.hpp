// Two (or more) esp-iked protocol cores in one process: each with its own
// Runtime on a swemu card, talking over an in-memory network that can drop,
// duplicate, reorder and NAT datagrams, under a manual clock.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "esp/ike/conf_model.hpp"
#include "esp/ike/credentials.hpp"
#include "esp/ike/ike_manager.hpp"
#include "esp/ike/runtime_host.hpp"
#include "esp/runtime/runtime.hpp"

namespace esp::ike::test {

struct Wire {
  Endpoint from, to;
  Bytes data;
};

class MemNet;

// One daemon: Runtime (swemu), host, manager.
class Peer : public RuntimeIkeHost {
 public:
  Peer(MemNet& net, std::string name, runtime::IpAddr addr, std::unique_ptr<runtime::Runtime> rt);
  void start(const std::string& swanctl_conf, const std::string& swanctl_dir = "", IkeOptions opts = {});

  void send(const Endpoint& local, const Endpoint& remote, const Bytes& message) override;
  void send_keepalive(const Endpoint& local, const Endpoint& remote) override;
  runtime::IpAddr source_for(const runtime::IpAddr&) override { return addr; }
  std::uint16_t ike_port() const override { return 500; }
  std::uint16_t nat_port() const override { return 4500; }
  std::int64_t unix_time() override;
  void export_ike_keys(std::uint64_t spi_i, std::uint64_t spi_r, const IkeSuite& suite, const IkeSaKeys& keys) override {
    ike_keys.push_back({spi_i, spi_r, suite, keys});
  }
  struct IkeKeys {
    std::uint64_t spi_i, spi_r;
    IkeSuite suite;
    IkeSaKeys keys;
  };
  std::vector<IkeKeys> ike_keys;  // every IKE SA's keys, as exported for Wireshark

  IkeManager& mgr() { return *mgr_; }
  runtime::Runtime& rt() { return *rt_; }
  nlohmann::json sas();  // list_sas at the net's time
  std::vector<std::string> log_lines;
  std::string name;
  runtime::IpAddr addr;
  unsigned keepalives_sent = 0;

 private:
  MemNet& net_;
  std::unique_ptr<runtime::Runtime> rt_;
  std::shared_ptr<const conf::Config> cfg_;
  std::shared_ptr<const CredentialStore> creds_;
  std::unique_ptr<IkeManager> mgr_;
};

class MemNet {
 public:
  Time now = Time{} + std::chrono::hours(1000);
  std::deque<Wire> queue;
  std::vector<Wire> delivered;  // everything that crossed the wire
  std::map<std::string, Peer*> hosts;  // by address text
  // Drop the next n datagrams matching the filter.
  std::function<bool(const Wire&)> drop;
  // NAT: datagrams from `inside` leave with `outside`'s address and port
  // `outside_port_base + original port`; replies are mapped back.
  bool nat = false;
  runtime::IpAddr nat_inside, nat_outside;
  std::uint16_t nat_port_offset = 20000;

  Peer& add(const std::string& name, const std::string& addr);
  void send(Wire w);
  // Delivers until nothing is in flight (max steps), running each peer's
  // due timers at the current time.
  std::size_t pump(std::size_t max = 10000);
  // Moves time forward in steps, pumping and ticking.
  void advance(std::chrono::seconds s, std::chrono::milliseconds step = std::chrono::milliseconds(500));
  void tick_all();

 private:
  std::vector<std::unique_ptr<Peer>> peers_;
};

// A runtime on a small swemu card.
std::unique_ptr<runtime::Runtime> small_runtime();

// Encrypts an IPv4 packet src->dst through a's outbound SA and decrypts it
// through b's card; true if b gets the same packet back.
bool traffic_passes(runtime::Runtime& a, runtime::SaId out, runtime::Runtime& b, const std::string& src,
                    const std::string& dst);

}  // namespace esp::ike::test
