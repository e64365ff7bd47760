// What the host knows about one SA: everything needed to program it into the
// card's SA table.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/runtime/ip_addr.hpp"
#include "esp/runtime/traffic_selector.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::runtime {

enum class Direction { Inbound, Outbound };

// The card's counters of one SA: the spec's sa_counters value (packets,
// bytes, auth_fail, replay, bad_packet, soft_events, hard_events, dummy).
// `dummy`: TFC dummy packets sent (outbound) or received and discarded
// (inbound), counted there only, never in packets/bytes.
using SaCounters = spec::SaCounters;

// A lifetime limit: bytes and packets are counted by the card, seconds
// (since install) by the host.
struct Lifetime {
  uint64_t bytes = 0;    // 0 = no limit
  uint64_t packets = 0;  // 0 = no limit
  uint64_t seconds = 0;  // 0 = no limit
};

// The SA table has no free slot, the replay region has no room for the SA's
// window, or the SPI table cannot place the SPI.
class SaTableFull : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An inbound SA with this SPI is already installed (or the SPI is reserved).
class DuplicateSpi : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SaConfig {
  uint32_t spi = 0;
  Direction direction = Direction::Outbound;
  spec::Mode mode = spec::Mode::TUNNEL;
  bool esn = false;
  bool udp_encap = false;  // RFC 3948
  bool gmac = false;       // RFC 4543: integrity only
  std::vector<uint8_t> key;            // 16 or 32 bytes (AES-128 / AES-256)
  std::array<uint8_t, 4> salt{};       // RFC 4106 salt
  uint8_t icv_len = 16;                // 8, 12 or 16
  uint32_t window_bits = spec::DEFAULT_WINDOW_BITS;  // inbound; power of two
  // Tunnel mode: outer header. Both addresses of the same family; that family
  // is the outer IP version. Transport mode ignores them.
  IpAddr tun_src, tun_dst;
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint32_t flow_label = 0;
  uint16_t udp_sport = spec::NAT_T_PORT;
  uint16_t udp_dport = spec::NAT_T_PORT;
  uint64_t seq_start = 1;  // outbound: sequence number of the first packet
  Lifetime soft, hard;
  uint32_t reqid = 0;      // the IKE daemon's request id (events carry it)
  int32_t card = -1;       // Runtime: the card of an outbound SA (-1: least loaded); inbound SAs go where their SPI says
  // The SA's traffic selectors (RFC 4301 5.2): an inbound SA's decrypted
  // packets must come from one of src_ts and go to one of dst_ts (empty:
  // any), else the runtime reports TS_MISMATCH instead of delivering them.
  std::vector<TrafficSelector> src_ts, dst_ts;

  // Throws std::invalid_argument naming the first bad field.
  void validate() const;
};

// An SA's new peer addresses / encapsulation (NAT-T float, MOBIKE), as
// strongSwan's update_sa: the sequence number, replay window, counters and
// keys stay as they are. Unset fields keep their value.
struct SaUpdate {
  std::optional<IpAddr> tun_src, tun_dst;
  std::optional<bool> udp_encap;
  std::optional<uint16_t> udp_sport, udp_dport;
};

}  // namespace esp::runtime
