// The IKEv2 protocol core (RFC 7296): every IKE SA and CHILD_SA of the
// daemon, driven by received datagrams, commands and time. No sockets, no
// threads, no clock of its own: the host (ike_host.hpp) sends and installs,
// and the caller passes `now` (a steady-clock time point) to every call, so
// two managers can talk in one process under a manual clock.
//
// Exchanges: IKE_SA_INIT (cookies once half-open SAs reach a threshold,
// INVALID_KE_PAYLOAD retry, NAT detection, fragmentation and signature-hash
// negotiation), IKE_AUTH (PSK, certificates; the first CHILD_SA with
// traffic-selector narrowing, USE_TRANSPORT_MODE, ESN), CREATE_CHILD_SA (new
// CHILD_SA, CHILD_SA rekey with optional PFS, IKE SA rekey, collisions of
// RFC 7296 2.8.1), INFORMATIONAL (DELETE, liveness checks). One request of
// ours outstanding per IKE SA (window 1), retransmitted with exponential
// back-off until the give-up limit; the peer's last request answered again
// from a cache when it is retransmitted.
//
// Threading: not thread-safe; one thread drives a manager (the daemon's loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "esp/ike/conf_model.hpp"
#include "esp/ike/endpoint.hpp"
#include "esp/ike/ike_host.hpp"
#include "esp/runtime/sa_id.hpp"

namespace esp::ike {

class CredentialStore;

using Clock = std::chrono::steady_clock;
using Time = Clock::time_point;

struct IkeOptions {
  // Retransmission (strongSwan's charon.retransmit_*): timeout * base^n for
  // try n, `tries` retransmits, then the exchange (and the IKE SA) is given up.
  double retransmit_timeout = 4.0;  // seconds
  double retransmit_base = 1.8;
  unsigned retransmit_tries = 5;
  // Half-open IKE SAs from which IKE_SA_INIT requests must carry a cookie.
  std::size_t cookie_threshold = 10;
  // Half-open IKE SAs at which new IKE_SA_INIT requests are dropped.
  std::size_t half_open_limit = 1000;
  // An IKE message longer than this (IP packet bytes, as strongSwan's
  // charon.fragment_size) is sent in RFC 7383 fragments when both sides
  // support them.
  std::size_t fragment_size = 1280;
  // NAT keepalive interval (seconds) when we are behind a NAT; 0 = none.
  unsigned keepalive_interval = 20;
  // The peer's NAT-T port we float to (RFC 7296 2.23: 4500; strongSwan
  // floats to 4500 whatever its own remote_port).
  std::uint16_t peer_nat_port = spec::NAT_T_PORT;
  // Half-open IKE SAs are dropped after this many seconds.
  unsigned half_open_timeout = 30;
  // Jitter (rand_time) on rekey times: false in tests that want exact times.
  bool randomize_rekey = true;
  // INITIAL_CONTACT in our IKE_AUTH (the peer then drops older IKE SAs with
  // us); a load generator that sets up many IKE SAs to one peer turns it off.
  bool send_initial_contact = true;
};

// Per-manager counters (espctl stats).
struct IkeStats {
  std::uint64_t rx = 0, tx = 0, retransmits = 0, bad_messages = 0, cookies_sent = 0;
  std::uint64_t ike_established = 0, child_installed = 0, auth_failures = 0;
};

class IkeManager {
 public:
  // Throws conf::ConfError (file:line) for a setting the core does not
  // honour (start_action = trap, reauth_time, keyingtries, ...), as reload().
  IkeManager(IkeHost& host, std::shared_ptr<const conf::Config> cfg, std::shared_ptr<const CredentialStore> creds,
             IkeOptions opts = {});
  ~IkeManager();
  IkeManager(const IkeManager&) = delete;
  IkeManager& operator=(const IkeManager&) = delete;

  // A datagram for IKE (the non-ESP marker already removed on the NAT-T
  // port). Any input is safe: malformed or unauthenticated messages are
  // dropped (counted) and change no state of an established SA.
  void receive(const Endpoint& local, const Endpoint& remote, const std::uint8_t* data, std::size_t len,
               Time now);

  // Commands (espctl). Each returns a message for the user; throws
  // std::invalid_argument for an unknown connection / child name.
  // initiate: sets up the child (and its IKE SA when none is up yet).
  std::string initiate(const std::string& child, const std::string& ike, Time now);
  // Always a new IKE SA for connection `ike` with its child `child` (a load
  // generator's duplicates; initiate() reuses an IKE SA that is up).
  std::string initiate_new_ike_sa(const std::string& ike, const std::string& child, Time now);
  std::string terminate_ike(const std::string& ike, Time now);
  std::string terminate_child(const std::string& child, Time now);
  std::string rekey_child(const std::string& child, Time now);
  std::string rekey_ike(const std::string& ike, Time now);
  // A new configuration: connections that disappeared have their SAs closed;
  // start_action=start children are initiated.
  void reload(std::shared_ptr<const conf::Config> cfg, std::shared_ptr<const CredentialStore> creds, Time now);
  // Initiates every child with start_action = start and installs the trap
  // policies of every child with start_action = trap (the daemon calls it
  // once). reload() installs and removes traps as the configuration changes.
  void start(Time now);

  // The runtime's Acquire event: traffic matched the trap of `reqid` with no
  // SA. Initiates that child unless a CHILD_SA of it is installed or being
  // negotiated already. Returns what it did (for the log); unknown reqids
  // are ignored ("").
  std::string acquire(std::uint32_t reqid, Time now);
  // The installed traps, "conn/child: local_ts === remote_ts" (listings).
  std::vector<std::string> traps() const;

  // Runtime events for an installed SA (by SaId): soft expire starts the
  // CHILD_SA rekey, hard expire deletes it (the runtime has removed the SA).
  void sa_expired(runtime::SaId sa, bool hard, Time now);

  // Timers: call tick() when next_deadline() has passed (or any time).
  void tick(Time now);
  Time next_deadline() const;

  // Listings in the control protocol's schemas (ike/ctl/README.md).
  nlohmann::json list_sas(Time now) const;
  nlohmann::json list_conns() const;
  IkeStats stats() const;
  std::size_t ike_sa_count() const;
  std::size_t half_open_count() const;
  std::size_t child_sa_count() const;

  // Test helpers: the state of the first IKE SA of a connection ("" = none),
  // and the installed CHILD_SA handles.
  std::string ike_state(const std::string& conn) const;
  std::vector<ChildHandle> child_handles() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace esp::ike
