// The inbound anti-replay state of one SA, as the card keeps it (RFC 4303
// 3.4.3 and Appendix A; CONTRACT.md DECRYPT steps 8, 9 and 11): the highest
// authenticated sequence number T and a ring of W/64 + REPLAY_EXTRA_WORDS
// 64-bit words, seq being bit (seq % 64) of word ((seq / 64) % words).
#pragma once

#include <cstdint>
#include <vector>

namespace esp::ref {

class ReplayWindow {
 public:
  // window_bits: a power of two in MIN_WINDOW_BITS..MAX_WINDOW_BITS.
  explicit ReplayWindow(uint32_t window_bits);

  // Step 8: the full sequence number of a packet whose header carries
  // seq_lo. Without ESN it is seq_lo; with ESN the high half is inferred from
  // T and W (RFC 4303 A2.2). Returns false (REPLAY) when the inference needs
  // Th - 1 with Th = 0, or when the full number is 0.
  bool infer(uint32_t seq_lo, bool esn, uint64_t& seq) const;

  // Step 9: true if seq may be new: seq > T, or inside the window (T - seq < W)
  // with its bit clear.
  bool check(uint64_t seq) const;

  // Step 11 (only after the ICV verified): advance T, clearing the ring words
  // passed over (all of them for a jump of at least the whole ring), and set
  // the bit of seq.
  void commit(uint64_t seq);

  uint64_t top() const { return top_; }
  uint32_t window_bits() const { return window_bits_; }
  const std::vector<uint64_t>& ring() const { return ring_; }

  // Test hook: sets T (and only its bit) as if `top` had been the last packet.
  void reset(uint64_t top);

 private:
  bool bit(uint64_t seq) const;
  uint32_t window_bits_;
  uint64_t top_ = 0;
  std::vector<uint64_t> ring_;
};

}  // namespace esp::ref
