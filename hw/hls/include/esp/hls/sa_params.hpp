// esp_engine building block: one SA table entry, read from card memory into
// local registers, and the checks the kernel makes on it.
//
// The entry is the spec's value type (spec::SaEntry, unpacked from the bytes
// read over the port). Only the first kSaReadBytes of an entry hold fields
// (the rest is reserved), so only those are read. The key stays in local
// memory: it is expanded into a local key schedule and never written anywhere.
// The kernel keeps no copy of an entry across descriptors (the contract lets
// it read an installed SA's entry from card memory at any time), so there is
// no key on chip to wipe at SA_DELETE.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/engine_state.hpp"
#include "esp/hls/mem_io.hpp"
#include "esp/hls/replay_window.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

namespace sae = spec::sa_entry;

// The end of the last field of an entry (the rest is reserved).
#define ESP_HLS_FIELD_END(st, f) spec::st::f::offset + spec::st::f::size,
constexpr uint32_t kSaFieldEnds[] = {ESP_SPEC_FIELDS_sa_entry(ESP_HLS_FIELD_END)};
#undef ESP_HLS_FIELD_END
constexpr uint32_t sa_fields_end() {
  uint32_t end = 0;
  for (uint32_t e : kSaFieldEnds) end = e > end ? e : end;
  return end;
}
// Bytes of an SA entry that carry fields, in whole ctl words: all the kernel reads.
constexpr unsigned kSaReadBytes = (sa_fields_end() + kCtlBytes - 1) / kCtlBytes * kCtlBytes;
static_assert(kSaReadBytes <= sae::SIZE, "SA read past the entry");

// One SA as the kernel uses it: the spec's value type of an entry, with the
// flag tests the datapath makes.
struct SaParams : spec::SaEntry {
  bool has(uint32_t bit) const { return (flags & bit) != 0; }
  unsigned key_bytes() const { return has(sae::flags_bit::AES256) ? 32u : 16u; }
};

// Reads entry `sa_index` (< sa_capacity, checked by the caller): its field
// bytes over the structure port, unpacked (spec::unpack reads fields only,
// all inside the first kSaReadBytes).
inline void read_sa(const ctl_word_t* sa_table, uint32_t sa_index, SaParams& sa) {
  uint8_t img[kSaReadBytes];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
  read_struct<kSaReadBytes>(sa_table, uint64_t(sa_index) * sae::SIZE, img, kSaReadBytes);
  spec::unpack(img, static_cast<spec::SaEntry&>(sa));
}

// Reads entry `sa_index` (< sa_capacity) as the kernel sees it: a slot that
// is not installed (engine_state.hpp) reads as a slot that is not VALID.
inline void read_installed_sa(const ctl_word_t* sa_table, const EngineState& st, uint32_t sa_index, SaParams& sa) {
  read_sa(sa_table, sa_index, sa);
  if (!st.installed(sa_index)) sa.flags &= ~sae::flags_bit::VALID;
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
