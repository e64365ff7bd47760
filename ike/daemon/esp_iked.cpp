// esp-iked: the IKEv2 daemon. Runs in the foreground, logs to stderr.
//   esp-iked --conf FILE [--backend swemu|cosim|xrt] [--control SOCKET]
//            [--wireshark-keys DIR] [--log-level LEVEL]
//            [--tun NAME] [--tun-mtu N] [--dp-threads N] [--route-table N]
//            [--path-mtu N] [--no-dataplane] [--keepalive-interval S]
#include <CLI/CLI.hpp>

#include <iostream>

#include "esp/ike/daemon.hpp"

int main(int argc, char** argv) {
  esp::ike::DaemonOptions o;
  std::string level = "info";
  CLI::App app{"esp-iked: IKEv2 daemon that programs the SAs it agrees into the card"};
  app.add_option("--conf", o.conf_path, "swanctl.conf-style configuration")->required();
  app.add_option("--swanctl-dir", o.swanctl_dir,
                 "directory with x509/, x509ca/, private/ (default: the configuration's directory)");
  app.add_option("--backend", o.backend, "card backend")->check(CLI::IsMember({"swemu", "cosim", "xrt"}));
  app.add_option("--cards", o.cards, "number of cards")->check(CLI::Range(1, 16));
  app.add_option("--sa-capacity", o.sa_capacity, "SA table entries per card");
  app.add_option("--control", o.control, "control socket (espctl)");
  app.add_option("--wireshark-keys", o.wireshark_keys,
                 "write ikev2_decryption_table and esp_sa (Wireshark key files) into DIR");
  app.add_option("--log-level", level, "error, warning, info or debug")
      ->check(CLI::IsMember({"error", "warning", "info", "debug"}));
  app.add_option("--port", o.port, "IKE port (default 500)");
  app.add_option("--nat-port", o.nat_port, "NAT-T port (default 4500)");
  app.add_option("--retransmit-timeout", o.ike.retransmit_timeout, "seconds before the first retransmit");
  app.add_option("--retransmit-tries", o.ike.retransmit_tries, "retransmits before giving up");
  app.add_option("--cookie-threshold", o.ike.cookie_threshold, "half-open IKE SAs from which cookies are required");
  app.add_option("--fragment-size", o.ike.fragment_size, "largest IKE datagram before RFC 7383 fragmentation");
  app.add_option("--keepalive-interval", o.ike.keepalive_interval,
                 "seconds between NAT-T keepalives from behind a NAT (default 20, as charon.keep_alive)")
      ->check(CLI::Range(1, 3600));
  bool no_dp = false;
  app.add_flag("--no-dataplane", no_dp, "IKE only: no TUN device, no ESP forwarding");
  app.add_option("--tun", o.gateway.tun.name, "TUN device of the gateway (default esp0)");
  app.add_option("--tun-mtu", o.gateway.tun.mtu, "MTU of the TUN device (default 1400)")->check(CLI::Range(576, 9000));
  app.add_option("--dp-threads", o.gateway.threads, "data-plane threads per direction (default 1)")->check(CLI::Range(1, 64));
  app.add_option("--route-table", o.gateway.route_table, "routing table for the tunnels' routes (default 0: main)");
  app.add_option("--path-mtu", o.gateway.path_mtu, "path MTU towards the peers (default 0: the route's MTU)");
  CLI11_PARSE(app, argc, argv);
  o.dataplane = !no_dp;
  try {
    o.log_level = esp::ike::parse_log_level(level);
    esp::ike::Daemon d(o);
    return d.run();
  } catch (const std::exception& e) {
    std::cerr << "esp-iked: " << e.what() << std::endl;
    return 1;
  }
}
