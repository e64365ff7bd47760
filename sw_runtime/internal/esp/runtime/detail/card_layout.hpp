// How the runtime lays out card memory and encodes the card's structures.
// Everything here comes from esp::spec (hw/spec/esp_spec.yaml); nothing types
// an offset by hand. No device access: unit-testable without a kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "esp/runtime/sa_config.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::runtime::detail {

constexpr uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// One packet slot in pkt_in / pkt_out: the largest packet, bus-aligned.
constexpr uint32_t kPktSlotBytes = static_cast<uint32_t>(round_up(spec::MAX_PKT_BYTES, spec::PKT_BUS_BYTES));

// Replay rings start at multiples of this (the card needs CTL_WORD_BYTES;
// a bus burst of 64 bytes keeps each ring on its own lines).
constexpr uint64_t kReplayAlign = 64;
static_assert(kReplayAlign % spec::CTL_WORD_BYTES == 0, "replay rings must be control-word aligned");

// Bytes reserved in pkt_out for the output of an input of in_len bytes: the
// input and the most ENCRYPT adds (spec::MAX_ENCAP_OVERHEAD; DECRYPT only
// shrinks), bus-aligned, never more than a packet slot.
inline uint32_t out_capacity_for(uint32_t in_len) {
  const uint64_t c = round_up(uint64_t(in_len) + spec::MAX_ENCAP_OVERHEAD, spec::PKT_BUS_BYTES);
  return c > kPktSlotBytes ? kPktSlotBytes : static_cast<uint32_t>(c);
}

// Bytes of pkt_in an input of in_len bytes occupies (at least one bus word).
inline uint64_t in_footprint(uint32_t in_len) {
  return in_len == 0 ? spec::PKT_BUS_BYTES : round_up(in_len, spec::PKT_BUS_BYTES);
}

// log2 of the SPI bucket count: the smallest (at least 1) with
// buckets * SPI_BUCKET_SLOTS >= 2 * sa_capacity (load factor <= 1/2).
unsigned spi_log2_for(uint32_t sa_capacity);

// Replay-region bytes one inbound SA takes (its replay ring, aligned).
inline uint64_t replay_footprint(uint32_t window_bits) {
  return round_up(spec::replay_ring_bytes(window_bits), kReplayAlign);
}

// log2 of the descriptor ring of an engine whose runs carry up to
// max_batch packets: room for a batch, kRingCommandRoom commands and the
// STOP (more commands go in command-only runs first), at most
// 2^MAX_RING_LOG2 entries. 0 when even a batch and its STOP do not fit.
constexpr uint32_t kRingCommandRoom = 256;
unsigned ring_log2_for(uint32_t max_batch);

// The replay ring image (spec::replay_ring_bytes(window_bits) bytes) of an
// inbound SA whose every sequence number up to `top` counts as seen (a card
// reprogrammed from the shadow): the entries of the blocks the window can
// still reach, each with the bits at or below top.
void encode_replay_seen(uint64_t top, uint32_t window_bits, uint8_t* img);

// The replay region EngineOptions::replay_region_bytes = 0 means: every slot
// an inbound SA at DEFAULT_WINDOW_BITS.
inline uint64_t default_replay_region(uint32_t sa_capacity) {
  return uint64_t(sa_capacity) * replay_footprint(spec::DEFAULT_WINDOW_BITS);
}

// The sa_entry image (spec::sa_entry::SIZE bytes, all written) of a validated
// config, marked VALID. Its sequence number goes in its state line
// (sa_state::seq = seq_start - 1 for an outbound SA).
void encode_sa_entry(const SaConfig& cfg, uint32_t generation, uint64_t replay_offset, uint8_t* img);

// Overwrites n bytes so that the compiler cannot drop the stores.
void secure_wipe(void* p, size_t n);

}  // namespace esp::runtime::detail
