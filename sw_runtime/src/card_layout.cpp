#include "esp/runtime/detail/card_layout.hpp"

#include <openssl/crypto.h>

#include <cstring>

namespace esp::runtime::detail {

namespace {
// At most the array's size of n bytes into a value type's byte-array field.
template <size_t N>
void copy_bytes(uint8_t (&dst)[N], const uint8_t* src, size_t n) {
  std::memcpy(dst, src, n < N ? n : N);
}
}  // namespace

unsigned spi_log2_for(uint32_t sa_capacity) {
  const uint64_t need = 2ull * sa_capacity;
  unsigned log2 = 1;
  while ((uint64_t(1) << log2) * spec::SPI_BUCKET_SLOTS < need) ++log2;
  return log2;
}

unsigned ring_log2_for(uint32_t max_batch) {
  const uint64_t need = uint64_t(max_batch) + kRingCommandRoom + 1;
  unsigned log2 = 0;
  while ((uint64_t(1) << log2) < need && log2 < spec::MAX_RING_LOG2) ++log2;
  return uint64_t(max_batch) + 1 <= (uint64_t(1) << log2) ? log2 : 0u;
}

void encode_replay_seen(uint64_t top, uint32_t window_bits, uint8_t* img) {
  const uint32_t n = spec::replay_ring_entries(window_bits);
  std::memset(img, 0, spec::replay_ring_bytes(window_bits));
  if (top == 0) return;
  const uint64_t last = top / 64;
  const uint64_t first = last >= n - 1 ? last - (n - 1) : 0;
  for (uint64_t b = first; b <= last; ++b) {
    spec::ReplayEntry e;
    e.block = b;
    const unsigned hi = b == last ? unsigned(top % 64) : 63u;
    e.bits = hi == 63 ? ~uint64_t(0) : (uint64_t(1) << (hi + 1)) - 1;
    spec::pack(e, img + (b % n) * spec::replay_entry::SIZE);
  }
}

void encode_sa_entry(const SaConfig& cfg, uint32_t generation, uint64_t replay_offset, uint8_t* img) {
  namespace fb = spec::sa_entry::flags_bit;
  const bool inbound = cfg.direction == Direction::Inbound;
  const bool tunnel = cfg.mode == spec::Mode::TUNNEL;

  uint32_t flags = fb::VALID;
  if (!inbound) flags |= fb::OUTBOUND;
  if (tunnel) flags |= fb::TUNNEL;
  if (tunnel && cfg.tun_src.version == 6) flags |= fb::OUTER_V6;
  if (cfg.esn) flags |= fb::ESN;
  if (cfg.udp_encap) flags |= fb::UDP_ENCAP;
  if (cfg.gmac) flags |= fb::GMAC;
  if (cfg.key.size() == 32) flags |= fb::AES256;

  spec::SaEntry e;
  e.spi = cfg.spi;
  e.flags = flags;
  e.generation = generation;
  e.window_bits = inbound ? cfg.window_bits : 0u;
  copy_bytes(e.salt, cfg.salt.data(), cfg.salt.size());
  e.icv_len = cfg.icv_len;
  e.ttl = cfg.ttl;
  e.tos = cfg.tos;
  e.replay_offset = inbound ? replay_offset : 0u;
  copy_bytes(e.key, cfg.key.data(), cfg.key.size());
  e.soft_bytes = cfg.soft.bytes;
  e.hard_bytes = cfg.hard.bytes;
  e.soft_packets = cfg.soft.packets;
  e.hard_packets = cfg.hard.packets;
  e.udp_sport = cfg.udp_sport;
  e.udp_dport = cfg.udp_dport;
  e.flow_label = cfg.flow_label;
  if (tunnel) {
    // An IPv4 address is its first 4 bytes; IpAddr keeps the rest zero.
    copy_bytes(e.tun_src, cfg.tun_src.bytes.data(), cfg.tun_src.version == 4 ? 4 : 16);
    copy_bytes(e.tun_dst, cfg.tun_dst.bytes.data(), cfg.tun_dst.version == 4 ? 4 : 16);
  }
  spec::pack(e, img);
  secure_wipe(&e, sizeof e);  // the key and salt
}

void secure_wipe(void* p, size_t n) {
  if (p && n) OPENSSL_cleanse(p, n);
}

}  // namespace esp::runtime::detail
