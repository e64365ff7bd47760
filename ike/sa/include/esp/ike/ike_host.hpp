// What the IKEv2 protocol core (IkeManager) needs from the world around it:
// sending datagrams, the runtime's SA table (SPIs, CHILD_SA install, update,
// delete, counters), wall-clock time, key export and logging. The daemon
// implements it over sockets and the Runtime; tests implement it over an
// in-memory network.
//
// Threading: IkeManager calls its host from the one thread that drives it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "esp/ike/bytes.hpp"
#include "esp/ike/endpoint.hpp"
#include "esp/ike/ike_keys.hpp"
#include "esp/runtime/sa_config.hpp"
#include "esp/runtime/sa_id.hpp"
#include "esp/runtime/traffic_selector.hpp"

namespace esp::ike {

struct EspSaKeyRecord;  // wireshark_keys.hpp

// One CHILD_SA to program: both directions, fully formed (SPIs, keys, mode,
// encapsulation, outer addresses, lifetimes, selectors), and the policies
// (local_ts -> remote_ts protected by `out`, the reverse checked by `in`).
struct ChildInstall {
  std::string name;  // the child config's name, for logs
  std::uint32_t reqid = 0;
  runtime::SaConfig in, out;
  std::vector<runtime::TrafficSelector> local_ts, remote_ts;
};

// What the host installed for a CHILD_SA; the core keeps it and hands it back.
struct ChildHandle {
  runtime::SaId in, out;
  std::vector<runtime::PolicyId> policies;
  bool valid() const { return in.valid() || out.valid(); }
};

// Counters of an installed CHILD_SA, and what the card holds for it, read
// from the card.
struct ChildUsage {
  std::uint64_t bytes_in = 0, packets_in = 0, bytes_out = 0, packets_out = 0;
  std::int64_t use_in = -1, use_out = -1;  // seconds since the last packet; -1 = none yet
  bool on_card = false;                    // the fields below were read
  std::uint32_t card_spi_in = 0, card_spi_out = 0;
  unsigned card_key_bits = 0;
  bool card_encap = false, card_esn = false;
  // Packets of this CHILD_SA the host's data plane counted as failed, by
  // status name ("REPLAY", "AUTH_FAIL", "TOO_BIG", ...); non-zero only.
  std::vector<std::pair<std::string, std::uint64_t>> dp_errors;
};

enum class LogLevel { Error = 0, Warning = 1, Info = 2, Debug = 3 };

// A trap (start_action = trap): policies local_ts -> remote_ts that protect
// with no SA yet, so that matching traffic raises an acquire (the runtime's
// Acquire event, carrying `reqid`) instead of leaving unprotected. They rank
// below every CHILD_SA's own policies, so an installed CHILD_SA of the same
// selectors takes the traffic, and the trap catches it again once the
// CHILD_SA is gone (as XFRM's trap policies do).
struct TrapInstall {
  std::string conn, child;
  std::uint32_t reqid = 0;
  std::vector<runtime::TrafficSelector> local_ts, remote_ts;
  runtime::IpAddr peer;  // the connection's first remote address (version 0: none)
};
struct TrapHandle {
  std::uint32_t reqid = 0;
  std::vector<runtime::PolicyId> policies;
  std::vector<runtime::TrafficSelector> local_ts, remote_ts;
};

class IkeHost {
 public:
  virtual ~IkeHost() = default;

  // Sends one IKE message (the non-ESP marker is the host's business when
  // local.port is the NAT-T port). Never throws; a failure is logged.
  virtual void send(const Endpoint& local, const Endpoint& remote, const Bytes& message) = 0;
  virtual void send_keepalive(const Endpoint& local, const Endpoint& remote) = 0;
  // The local address to reach `remote` from (source address selection).
  virtual runtime::IpAddr source_for(const runtime::IpAddr& remote) = 0;
  // Ports the daemon listens on (500 and 4500 unless tests move them).
  virtual std::uint16_t ike_port() const = 0;
  virtual std::uint16_t nat_port() const = 0;

  // An inbound SPI, unique and reserved until installed or released.
  virtual std::uint32_t alloc_spi() = 0;
  virtual void release_spi(std::uint32_t spi) = 0;
  // Installs both SAs and, with `policies`, the policies (a rekey installs
  // none: move_policies() then hands the old SA's over). Throws
  // std::exception saying why (SA table full, ...): the core answers the peer
  // with an error.
  virtual ChildHandle install_child(const ChildInstall& c, bool policies) = 0;
  // Make before break: the policies `from` owns now protect with to.out and
  // belong to `to` (from.policies is emptied).
  virtual void move_policies(ChildHandle& from, ChildHandle& to) = 0;
  // New outer addresses / encapsulation after a NAT mapping change.
  virtual void update_child(const ChildHandle& h, const runtime::SaUpdate& in, const runtime::SaUpdate& out) = 0;
  // Removes the SAs and the policies the handle owns; never throws.
  virtual void delete_child(const ChildHandle& h) = 0;
  virtual ChildUsage child_usage(const ChildHandle& h) = 0;
  // Trap policies (above). Hosts without an SPD keep the defaults: nothing
  // installed, so traps never fire there. install_trap throws std::exception
  // saying why; remove_trap never throws.
  virtual TrapHandle install_trap(const TrapInstall& t) {
    TrapHandle h;
    h.reqid = t.reqid;
    h.local_ts = t.local_ts;
    h.remote_ts = t.remote_ts;
    return h;
  }
  virtual void remove_trap(const TrapHandle& h) { (void)h; }

  // Wall-clock seconds (certificate validity).
  virtual std::int64_t unix_time() = 0;

  // Key export for Wireshark (--wireshark-keys); hosts without it do nothing.
  virtual void export_ike_keys(std::uint64_t spi_i, std::uint64_t spi_r, const IkeSuite& suite,
                               const IkeSaKeys& keys) = 0;
  virtual void export_esp_keys(const EspSaKeyRecord& sa, const ChildDirKeys& keys) = 0;

  // Log lines never carry key material.
  virtual void log(LogLevel level, const std::string& line) = 0;
};

}  // namespace esp::ike
