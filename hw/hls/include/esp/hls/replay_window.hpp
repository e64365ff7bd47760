// esp_engine building block: the inbound anti-replay window (CONTRACT.md
// DECRYPT 9 and 11), check-then-commit, on the tagged replay ring (RFC 6479).
//
// The replay top T is the `seq` of the SA's state line (sa_state.hpp); the
// ring lives in card memory at replay + replay_offset: N = W/32 entries
// (replay_ring_entries) of {bits, block} (spec struct replay_entry). The bit
// of sequence number s is bit s%64 of `bits` of entry (s/64) % N when that
// entry's `block` is s/64, else 0 (an entry of an older block reads as all
// zero). N is a power of two, so the index is a mask; nothing is cleared when
// T jumps: the block tag makes stale entries read as zero.
//
// `replay_check` runs before decryption and changes nothing; `replay_commit`
// runs only once the ICV has verified and returns the new T. The names are
// shared with the RTL (esp_replay_window.sv) and the reference (check/commit).
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/mem_io.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

namespace rpe = spec::replay_entry;

constexpr unsigned kReplayEntryWords = rpe::SIZE / kCtlBytes;
static_assert(rpe::SIZE % kCtlBytes == 0, "replay_entry is not a whole number of ctl words");
static_assert(rpe::bits::offset % kCtlBytes == 0 && rpe::block::offset % kCtlBytes == 0,
              "replay_entry fields are ctl words");
static_assert(spec::MIN_WINDOW_BITS % 64 == 0, "windows are whole blocks");

// A window the card handles: a power of two in MIN..MAX_WINDOW_BITS.
inline bool replay_window_valid(uint32_t window_bits) {
  return window_bits >= spec::MIN_WINDOW_BITS && window_bits <= spec::MAX_WINDOW_BITS &&
         (window_bits & (window_bits - 1u)) == 0;
}

// Index of the ring entry of sequence number `seq` (entries: a power of two).
inline uint32_t replay_entry_index(uint64_t seq, uint32_t entries) {
  return static_cast<uint32_t>(seq / 64u) & (entries - 1u);
}

// Word index, in the replay port, of entry `idx` of the ring at word `ring_word`.
inline uint64_t replay_entry_word(uint64_t ring_word, uint32_t idx) {
  return ring_word + uint64_t(idx) * kReplayEntryWords;
}

// The 64 bits of block seq/64 as the ring holds them (0 for a stale entry).
inline uint64_t replay_block_bits(const ctl_word_t* replay, uint64_t ring_word, uint32_t window_bits, uint64_t seq) {
  const uint64_t w = replay_entry_word(ring_word, replay_entry_index(seq, spec::replay_ring_entries(window_bits)));
  const uint64_t block = read_word(replay, w + rpe::block::offset / kCtlBytes);
  return block == seq / 64u ? read_word(replay, w + rpe::bits::offset / kCtlBytes) : 0u;
}

// True when `seq` may be accepted: right of `top`, or inside the window and
// not seen yet. window_bits must satisfy replay_window_valid().
inline bool replay_check(const ctl_word_t* replay, uint64_t ring_word, uint32_t window_bits, uint64_t top,
                         uint64_t seq) {
  if (seq > top) return true;
  if (top - seq >= window_bits) return false;
  return ((replay_block_bits(replay, ring_word, window_bits, seq) >> (seq % 64u)) & 1u) == 0;
}

// Records `seq` (which passed replay_check and authenticated): its entry
// becomes {bits | bit, block} when it holds seq's block, else {bit, block};
// returns the new top, max(top, seq).
inline uint64_t replay_commit(ctl_word_t* replay, uint64_t ring_word, uint32_t window_bits, uint64_t top,
                              uint64_t seq) {
  const uint64_t bit = uint64_t(1) << (seq % 64u);
  const uint64_t w = replay_entry_word(ring_word, replay_entry_index(seq, spec::replay_ring_entries(window_bits)));
  write_word(replay, w + rpe::bits::offset / kCtlBytes, replay_block_bits(replay, ring_word, window_bits, seq) | bit);
  write_word(replay, w + rpe::block::offset / kCtlBytes, seq / 64u);
  return seq > top ? seq : top;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
