// esp-iked: the IKEv2 daemon around the protocol core (IkeManager), and the
// gateway around the card (dp::Gateway: TUN <-> card <-> ESP; its own
// threads). One event loop thread owns the manager; it reads the UDP
// sockets (500, and the IKE messages the gateway finds on 4500),
// the runtime's event queue (soft/hard expire -> rekey/delete, acquire ->
// initiate a start_action = trap child), its timers
// and signals (SIGTERM/SIGINT: delete every IKE SA and stop; SIGHUP: reload),
// and answers the control socket (espctl) through ControlServer's thread,
// which posts each request into the loop.
//
// Threading: construct, run() and destroy on one thread; stop() from any.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "esp/ike/gateway.hpp"
#include "esp/ike/ike_manager.hpp"
#include "esp/ike/runtime_host.hpp"

namespace esp::ike {

struct DaemonOptions {
  std::string conf_path;                // --conf
  std::string swanctl_dir;              // x509/, x509ca/, private/ (default: the conf file's directory)
  std::string backend = "swemu";        // --backend swemu|cosim|xrt
  std::uint32_t cards = 1;
  std::uint32_t sa_capacity = 65536;
  std::uint64_t card_memory_bytes = 1ull << 30;
  std::string control = "/run/esp-iked.ctl";  // --control
  std::string wireshark_keys;           // --wireshark-keys DIR
  LogLevel log_level = LogLevel::Info;  // --log-level
  std::uint16_t port = 500, nat_port = 4500;
  IkeOptions ike;
  bool dataplane = true;                // --no-dataplane: IKE only, no TUN, no ESP forwarding
  dp::GatewayOptions gateway;           // --tun, --tun-mtu, --dp-threads, --route-table, --path-mtu
};

class Daemon {
 public:
  // Loads the configuration and credentials (a ConfError / CredentialError
  // names the file and line), opens the cards, binds the sockets and the
  // control socket. Throws std::exception saying what failed.
  explicit Daemon(DaemonOptions opts);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs until stop() or a terminating signal; returns the exit status.
  int run();
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace esp::ike
