// The runtime half of an IkeHost: CHILD_SAs go into the card through
// esp::runtime::Runtime (SPIs from get_spi, both SAs in one add_sas, outbound
// policies in its SPD, make-before-break with switch_outbound, counters from
// query_sa), keys to Wireshark files when asked, log lines to a sink. The
// network half (send, source address, ports) is left to the subclass: the
// daemon's sockets, or the tests' in-memory network.
//
// Threading: called from the thread that drives the IkeManager; the Runtime
// itself is thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "esp/ike/ike_host.hpp"
#include "esp/ike/wireshark_keys.hpp"
#include "esp/runtime/runtime.hpp"

namespace esp::ike {

using LogSink = std::function<void(LogLevel, const std::string&)>;

// "error", "warning", "info", "debug" (throws std::invalid_argument).
LogLevel parse_log_level(const std::string& s);
const char* log_level_name(LogLevel l);

class RuntimeIkeHost : public IkeHost {
 public:
  // wireshark_dir: empty = no key export. sink: where log lines at or above
  // `level` go.
  RuntimeIkeHost(runtime::Runtime& rt, std::string wireshark_dir, LogSink sink, LogLevel level);
  ~RuntimeIkeHost() override;

  std::uint32_t alloc_spi() override;
  void release_spi(std::uint32_t spi) override;
  ChildHandle install_child(const ChildInstall& c, bool policies) override;
  void move_policies(ChildHandle& from, ChildHandle& to) override;
  void update_child(const ChildHandle& h, const runtime::SaUpdate& in, const runtime::SaUpdate& out) override;
  void delete_child(const ChildHandle& h) override;
  ChildUsage child_usage(const ChildHandle& h) override;
  TrapHandle install_trap(const TrapInstall& t) override;
  void remove_trap(const TrapHandle& h) override;
  std::int64_t unix_time() override;
  void export_ike_keys(std::uint64_t spi_i, std::uint64_t spi_r, const IkeSuite& suite, const IkeSaKeys& keys) override;
  void export_esp_keys(const EspSaKeyRecord& sa, const ChildDirKeys& keys) override;
  void log(LogLevel level, const std::string& line) override;

  runtime::Runtime& runtime() { return rt_; }
  void set_log_level(LogLevel l) { level_ = l; }

 private:
  // Trap policies rank below every CHILD_SA policy (lower priority wins).
  static constexpr std::uint32_t kTrapRank = 1000000;
  std::vector<runtime::PolicyId> add_policies(const std::vector<runtime::TrafficSelector>& local_ts,
                                              const std::vector<runtime::TrafficSelector>& remote_ts, runtime::SaId sa,
                                              std::uint32_t reqid, std::uint32_t rank);

  runtime::Runtime& rt_;
  std::unique_ptr<WiresharkKeyLog> keys_;
  LogSink sink_;
  LogLevel level_;
};

}  // namespace esp::ike
