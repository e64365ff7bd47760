// esp_engine building block: one SA table entry, read from card memory into
// local registers, and the checks the kernel makes on it.
//
// Only the first kSaReadBytes of an entry hold fields (the rest is reserved),
// so only those are read. The key stays in local memory: it is expanded into
// a local key schedule and never written anywhere.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/mem_io.hpp"
#include "esp/hls/replay_window.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

namespace sae = spec::sa_entry;

// Bytes of an SA entry that carry fields (up to and including tun_dst).
constexpr unsigned kSaReadBytes = (sae::tun_dst::offset + sae::tun_dst::size + kCtlBytes - 1) / kCtlBytes * kCtlBytes;
static_assert(kSaReadBytes <= sae::SIZE, "SA read past the entry");

struct SaParams {
  uint32_t spi;
  uint32_t flags;
  uint32_t window_bits;
  uint8_t salt[spec::SALT_BYTES];
  uint8_t icv_len;
  uint8_t ttl;
  uint8_t tos;
  uint64_t replay_offset;
  uint8_t key[sae::key::size];
  uint64_t tx_seq;
  uint64_t soft_bytes;
  uint64_t hard_bytes;
  uint64_t soft_packets;
  uint64_t hard_packets;
  uint16_t udp_sport;
  uint16_t udp_dport;
  uint32_t flow_label;
  uint8_t tun_src[sae::tun_src::size];
  uint8_t tun_dst[sae::tun_dst::size];

  bool has(uint32_t bit) const { return (flags & bit) != 0; }
  unsigned key_bytes() const { return has(sae::flags_bit::AES256) ? 32u : 16u; }
};

template <unsigned N>
inline void copy_bytes(const uint8_t* src, uint8_t* dst) {
copy_bytes_loop:
  for (unsigned i = 0; i < N; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    dst[i] = src[i];
  }
}

inline void sa_from_image(const uint8_t* img, SaParams& sa) {
  sa.spi = spec::get<sae::spi>(img);
  sa.flags = spec::get<sae::flags>(img);
  sa.window_bits = spec::get<sae::window_bits>(img);
  copy_bytes<sae::salt::size>(img + sae::salt::offset, sa.salt);
  sa.icv_len = spec::get<sae::icv_len>(img);
  sa.ttl = spec::get<sae::ttl>(img);
  sa.tos = spec::get<sae::tos>(img);
  sa.replay_offset = spec::get<sae::replay_offset>(img);
  copy_bytes<sae::key::size>(img + sae::key::offset, sa.key);
  sa.tx_seq = spec::get<sae::tx_seq>(img);
  sa.soft_bytes = spec::get<sae::soft_bytes>(img);
  sa.hard_bytes = spec::get<sae::hard_bytes>(img);
  sa.soft_packets = spec::get<sae::soft_packets>(img);
  sa.hard_packets = spec::get<sae::hard_packets>(img);
  sa.udp_sport = spec::get<sae::udp_sport>(img);
  sa.udp_dport = spec::get<sae::udp_dport>(img);
  sa.flow_label = spec::get<sae::flow_label>(img);
  copy_bytes<sae::tun_src::size>(img + sae::tun_src::offset, sa.tun_src);
  copy_bytes<sae::tun_dst::size>(img + sae::tun_dst::offset, sa.tun_dst);
}

// Reads entry `sa_index` (< sa_capacity, checked by the caller).
inline void read_sa(const ctl_word_t* sa_table, uint32_t sa_index, SaParams& sa) {
  uint8_t img[kSaReadBytes];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
  read_struct<kSaReadBytes>(sa_table, uint64_t(sa_index) * sae::SIZE, img, kSaReadBytes);
  sa_from_image(img, sa);
}

// Writes back the outbound sequence number (tx_seq) of entry `sa_index`.
inline void write_sa_tx_seq(ctl_word_t* sa_table, uint32_t sa_index, uint64_t tx_seq) {
  static_assert(sae::tx_seq::offset % kCtlBytes == 0, "tx_seq is not a ctl word");
  write_word(sa_table, (uint64_t(sa_index) * sae::SIZE + sae::tx_seq::offset) / kCtlBytes, tx_seq);
}

inline bool icv_len_valid(uint8_t icv_len) { return icv_len == 8 || icv_len == 12 || icv_len == 16; }

// The SA parameters the kernel cannot work with (CONTRACT.md: -> BAD_SA right
// after the direction check): an ICV length other than 8/12/16, and for an
// inbound SA a window that is not a power of two in MIN..MAX_WINDOW_BITS or a
// replay state that is not on a ctl-word boundary.
inline bool sa_params_valid(const SaParams& sa, bool inbound) {
  if (!icv_len_valid(sa.icv_len)) return false;
  if (!inbound) return true;
  return replay_window_valid(sa.window_bits) && sa.replay_offset % kCtlBytes == 0;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
