// The inbound anti-replay state of one SA, as the card keeps it (RFC 4303
// 3.4.3 and Appendix A, RFC 6479; CONTRACT.md DECRYPT steps 8, 9 and 11):
// the highest authenticated sequence number T (the `seq` of the SA's state
// line) and a ring of N = replay_ring_entries(W) = W / 32 entries
// {bits, block} (spec replay_entry). seq is bit (seq % 64) of entry
// (seq / 64) % N when that entry's block is seq / 64; an entry tagged with
// another block reads as all zero, so a jump of T clears nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "esp/spec/esp_spec.hpp"

namespace esp::ref {

class ReplayWindow {
 public:
  // window_bits: a power of two in MIN_WINDOW_BITS..MAX_WINDOW_BITS. T = 0
  // and every entry {0, 0} (a ring the host zeroed).
  explicit ReplayWindow(uint32_t window_bits);

  // Step 8: the full sequence number of a packet whose header carries
  // seq_lo. Without ESN it is seq_lo; with ESN the high half is inferred from
  // T and W (RFC 4303 A2.2). Returns false (REPLAY) when the inference needs
  // Th - 1 with Th = 0, or when the full number is 0.
  bool infer(uint32_t seq_lo, bool esn, uint64_t& seq) const;

  // Step 9: true if seq may be new: seq > T, or inside the window (T - seq < W)
  // with its bit clear (an entry of another block reads as zero).
  bool check(uint64_t seq) const;

  // Step 11 (only after the ICV verified): T = max(T, seq); entry
  // (seq / 64) % N becomes {bits | bit, block} if its block is seq / 64,
  // else {bit, seq / 64}. Nothing else changes.
  void commit(uint64_t seq);

  uint64_t top() const { return top_; }
  uint32_t window_bits() const { return window_bits_; }
  // The ring's entries, index = (block % N).
  const std::vector<spec::ReplayEntry>& entries() const { return ring_; }
  // The ring as the card keeps it at the SA's replay_offset
  // (spec::replay_ring_bytes(W) bytes, spec replay_entry layout).
  std::vector<uint8_t> ring_image() const;

  // What SA_INSTALL without KEEP_STATE loads: T from the state line and the
  // ring from its image (replay_ring_bytes(W) bytes; throws
  // std::invalid_argument on another size).
  void load(uint64_t top, const std::vector<uint8_t>& ring_image);
  // Test hook: sets T with a zeroed ring and only T's bit set, as if T had
  // been the only packet (T = 0: the fresh state).
  void reset(uint64_t top);

 private:
  uint32_t window_bits_;
  uint64_t top_ = 0;
  std::vector<spec::ReplayEntry> ring_;
};

}  // namespace esp::ref
