// esp_engine building block: the inbound anti-replay window (CONTRACT.md
// DECRYPT 9 and 11), check-then-commit.
//
// The state of one SA lives in card memory at replay + replay_offset: the
// replay_state head (`top`, the highest authenticated sequence number, 0 =
// none yet) and behind it a ring bitmap of W/64 + REPLAY_EXTRA_WORDS 64-bit
// words; sequence number s is bit s%64 of word (s/64) % words. The extra
// word lets the ring hold the whole window whatever the position of `top` in
// its word, so a check never needs more than one bitmap word.
//
// `replay_check` runs before decryption and changes nothing; `replay_commit`
// runs only once the ICV has verified. Both take `top` as read by the caller
// (the ESN inference needs it first) and the word index of the state head in
// the replay port. The names are shared with the RTL (replay_window.sv).
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/mem_io.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

namespace rps = spec::replay_state;

constexpr unsigned kReplayHeadWords = rps::SIZE / kCtlBytes;
constexpr unsigned kMaxRingWords = spec::MAX_WINDOW_BITS / 64 + spec::REPLAY_EXTRA_WORDS;
static_assert(spec::MIN_WINDOW_BITS % 64 == 0, "windows are whole bitmap words");

// A window the card handles: a power of two in MIN..MAX_WINDOW_BITS.
inline bool replay_window_valid(uint32_t window_bits) {
  return window_bits >= spec::MIN_WINDOW_BITS && window_bits <= spec::MAX_WINDOW_BITS &&
         (window_bits & (window_bits - 1u)) == 0;
}

inline uint32_t replay_ring_words(uint32_t window_bits) { return window_bits / 64u + spec::REPLAY_EXTRA_WORDS; }

// Word index of the ring word holding sequence number `seq`.
inline uint32_t replay_ring_index(uint64_t seq, uint32_t ring_words) {
  return static_cast<uint32_t>((seq / 64u) % ring_words);
}

// The head of the replay state (spec::ReplayState) at word `state_word`.
inline uint64_t replay_read_top(const ctl_word_t* replay, uint64_t state_word) {
  uint8_t img[rps::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
  read_struct<rps::SIZE>(replay, state_word * kCtlBytes, img, rps::SIZE);
  spec::ReplayState head;
  spec::unpack(img, head);
  return head.top;
}

inline void replay_write_top(ctl_word_t* replay, uint64_t state_word, uint64_t top) {
  spec::ReplayState head;
  head.top = top;
  uint8_t img[rps::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
  spec::pack(head, img);
  write_struct<rps::SIZE>(replay, state_word * kCtlBytes, img, rps::SIZE);
}

// True when `seq` may be accepted: right of `top`, or inside the window and
// not seen yet. window_bits must satisfy replay_window_valid().
inline bool replay_check(const ctl_word_t* replay, uint64_t state_word, uint32_t window_bits, uint64_t top,
                         uint64_t seq) {
  if (seq > top) return true;
  if (top - seq >= window_bits) return false;
  const uint32_t words = replay_ring_words(window_bits);
  const uint64_t bits = read_word(replay, state_word + kReplayHeadWords + replay_ring_index(seq, words));
  return ((bits >> (seq % 64u)) & 1u) == 0;
}

// Records `seq` (which passed replay_check and authenticated): when it moves
// the window right, the ring words passed over are cleared (all of them when
// the jump is at least the whole ring) and `top` becomes `seq`; then the bit
// of `seq` is set.
inline void replay_commit(ctl_word_t* replay, uint64_t state_word, uint32_t window_bits, uint64_t top,
                          uint64_t seq) {
  const uint32_t words = replay_ring_words(window_bits);
  const uint64_t ring = state_word + kReplayHeadWords;
  const uint32_t seq_idx = replay_ring_index(seq, words);
  const uint64_t bit = uint64_t(1) << (seq % 64u);
  if (seq > top) {
    const uint64_t jump = seq / 64u - top / 64u;  // ring words the window moves over
    const uint32_t n_clear = jump >= words ? words : static_cast<uint32_t>(jump);
    uint32_t idx = static_cast<uint32_t>((top / 64u + 1u) % words);  // first word passed over
  replay_clear_words:
    for (uint32_t k = 0; k < kMaxRingWords; ++k) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 0 max = kMaxRingWords)
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
      if (k >= n_clear) break;
      write_word(replay, ring + idx, 0);
      idx = idx + 1u == words ? 0u : idx + 1u;
    }
    replay_write_top(replay, state_word, seq);
    if (jump != 0) {  // the word of seq was just cleared
      write_word(replay, ring + seq_idx, bit);
      return;
    }
  }
  write_word(replay, ring + seq_idx, read_word(replay, ring + seq_idx) | bit);
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
