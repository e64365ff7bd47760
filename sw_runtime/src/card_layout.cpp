#include "esp/runtime/detail/card_layout.hpp"

#include <openssl/crypto.h>

namespace esp::runtime::detail {

unsigned spi_log2_for(uint32_t sa_capacity) {
  const uint64_t need = 2ull * sa_capacity;
  unsigned log2 = 1;
  while ((uint64_t(1) << log2) * spec::SPI_BUCKET_SLOTS < need) ++log2;
  return log2;
}

void encode_sa_entry(const SaConfig& cfg, uint32_t generation, uint64_t replay_offset, uint8_t* img) {
  namespace e = spec::sa_entry;
  namespace fb = spec::sa_entry::flags_bit;
  std::memset(img, 0, e::SIZE);
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

  spec::set<e::spi>(img, cfg.spi);
  spec::set<e::flags>(img, flags);
  spec::set<e::generation>(img, generation);
  spec::set<e::window_bits>(img, inbound ? cfg.window_bits : 0u);
  set_bytes<e::salt>(img, cfg.salt.data(), cfg.salt.size());
  spec::set<e::icv_len>(img, cfg.icv_len);
  spec::set<e::ttl>(img, cfg.ttl);
  spec::set<e::tos>(img, cfg.tos);
  spec::set<e::replay_offset>(img, inbound ? replay_offset : 0u);
  set_bytes<e::key>(img, cfg.key.data(), cfg.key.size());
  spec::set<e::tx_seq>(img, inbound ? 0u : cfg.seq_start - 1);
  spec::set<e::soft_bytes>(img, cfg.soft.bytes);
  spec::set<e::hard_bytes>(img, cfg.hard.bytes);
  spec::set<e::soft_packets>(img, cfg.soft.packets);
  spec::set<e::hard_packets>(img, cfg.hard.packets);
  spec::set<e::udp_sport>(img, cfg.udp_sport);
  spec::set<e::udp_dport>(img, cfg.udp_dport);
  spec::set<e::flow_label>(img, cfg.flow_label);
  if (tunnel) {
    // An IPv4 address is its first 4 bytes; IpAddr keeps the rest zero.
    set_bytes<e::tun_src>(img, cfg.tun_src.bytes.data(), cfg.tun_src.version == 4 ? 4 : 16);
    set_bytes<e::tun_dst>(img, cfg.tun_dst.bytes.data(), cfg.tun_dst.version == 4 ? 4 : 16);
  }
}

void secure_wipe(void* p, size_t n) {
  if (p && n) OPENSSL_cleanse(p, n);
}

}  // namespace esp::runtime::detail
