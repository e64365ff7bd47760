// What the host knows about one SA: everything needed to program it into the
// card's SA table.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "esp/runtime/ip_addr.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::runtime {

enum class Direction { Inbound, Outbound };

struct Lifetime {
  uint64_t bytes = 0;    // 0 = no limit
  uint64_t packets = 0;  // 0 = no limit
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

  // Throws std::invalid_argument naming the first bad field.
  void validate() const;
};

}  // namespace esp::runtime
