#include "esp/runtime/sa_config.hpp"

#include <sstream>
#include <stdexcept>

namespace esp::runtime {
namespace {

[[noreturn]] void bad(const char* field, const std::string& why) {
  throw std::invalid_argument(std::string("SaConfig.") + field + ": " + why);
}

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

void check_addr(const char* field, const IpAddr& a, bool required) {
  if (a.version == 4 || a.version == 6) return;
  if (a.version == 0) {
    if (required) bad(field, "must be set (an IPv4 or IPv6 address) for an outbound tunnel-mode SA");
    return;
  }
  bad(field, "address version must be 4 or 6, got " + std::to_string(a.version));
}

}  // namespace

void SaConfig::validate() const {
  if (spi == 0) bad("spi", "must not be 0 (reserved, RFC 4303 2.1)");
  if (direction != Direction::Inbound && direction != Direction::Outbound) {
    bad("direction", "must be Inbound or Outbound, got " + std::to_string(static_cast<int>(direction)));
  }
  if (mode != spec::Mode::TRANSPORT && mode != spec::Mode::TUNNEL) {
    bad("mode", "must be TRANSPORT or TUNNEL, got " + std::to_string(static_cast<unsigned>(mode)));
  }
  if (key.size() != 16 && key.size() != 32) {
    bad("key", "must be 16 or 32 bytes (AES-128 / AES-256), got " + std::to_string(key.size()) + " bytes");
  }
  if (icv_len != 8 && icv_len != 12 && icv_len != 16) {
    bad("icv_len", "must be 8, 12 or 16, got " + std::to_string(icv_len));
  }
  if (flow_label > 0xFFFFFu) bad("flow_label", "must fit in 20 bits, got " + hex(flow_label));
  if (udp_encap && udp_sport == 0) bad("udp_sport", "must not be 0 with udp_encap");
  if (udp_encap && udp_dport == 0) bad("udp_dport", "must not be 0 with udp_encap");

  if (direction == Direction::Inbound) {
    const uint32_t w = window_bits;
    if (w < spec::MIN_WINDOW_BITS || w > spec::MAX_WINDOW_BITS || (w & (w - 1)) != 0) {
      bad("window_bits", "must be a power of two in " + std::to_string(spec::MIN_WINDOW_BITS) + ".." +
                             std::to_string(spec::MAX_WINDOW_BITS) + ", got " + std::to_string(w));
    }
  } else {
    if (seq_start == 0) bad("seq_start", "must be at least 1, got 0");
    if (!esn && seq_start > 0xFFFFFFFFull) {
      bad("seq_start", "must be below 2^32 without ESN, got " + std::to_string(seq_start));
    }
  }

  // The outer header: an outbound tunnel SA builds it from both addresses.
  // Inbound SAs do not use them; if given they must still be well-formed.
  const bool need_addrs = mode == spec::Mode::TUNNEL && direction == Direction::Outbound;
  check_addr("tun_src", tun_src, need_addrs);
  check_addr("tun_dst", tun_dst, need_addrs);
  if (mode == spec::Mode::TUNNEL && tun_src.version != 0 && tun_dst.version != 0 &&
      tun_src.version != tun_dst.version) {
    bad("tun_dst", "must be of the same family as tun_src: tun_src " + tun_src.str() + " (IPv" +
                       std::to_string(tun_src.version) + "), tun_dst " + tun_dst.str() + " (IPv" +
                       std::to_string(tun_dst.version) + ")");
  }
  if (mode == spec::Mode::TUNNEL && (tun_src.version == 0) != (tun_dst.version == 0)) {
    bad(tun_src.version == 0 ? "tun_src" : "tun_dst", "must be set when the other tunnel address is");
  }
}

}  // namespace esp::runtime
