#include "replay.hpp"

#include "esp/spec/esp_spec.hpp"

namespace esp::ref {

ReplayWindow::ReplayWindow(uint32_t window_bits)
    : window_bits_(window_bits), ring_(window_bits / 64 + spec::REPLAY_EXTRA_WORDS, 0) {}

bool ReplayWindow::infer(uint32_t seq_lo, bool esn, uint64_t& seq) const {
  seq = seq_lo;
  if (esn) {
    const uint32_t th = static_cast<uint32_t>(top_ >> 32);
    const uint32_t tl = static_cast<uint32_t>(top_);
    const uint32_t w = window_bits_;
    const uint32_t bottom = tl - w + 1;  // Tl - W + 1, mod 2^32
    uint32_t seq_hi = 0;
    if (tl >= w - 1) {
      // Window inside one 2^32 block: below its bottom means the next block.
      seq_hi = seq_lo >= bottom ? th : th + 1;  // th + 1 wraps like a 32-bit register
    } else {
      // Window straddles the block boundary: above its (wrapped) bottom means the previous block.
      if (seq_lo >= bottom) {
        if (th == 0) return false;
        seq_hi = th - 1;
      } else {
        seq_hi = th;
      }
    }
    seq = (static_cast<uint64_t>(seq_hi) << 32) | seq_lo;
  }
  return seq != 0;
}

bool ReplayWindow::bit(uint64_t seq) const {
  const uint64_t word = (seq / 64) % ring_.size();
  return (ring_[word] >> (seq % 64)) & 1u;
}

bool ReplayWindow::check(uint64_t seq) const {
  if (seq > top_) return true;
  if (top_ - seq >= window_bits_) return false;
  return !bit(seq);
}

void ReplayWindow::commit(uint64_t seq) {
  if (seq > top_) {
    const uint64_t from_block = top_ / 64;
    const uint64_t to_block = seq / 64;
    if (to_block - from_block >= ring_.size()) {
      for (auto& w : ring_) w = 0;
    } else {
      for (uint64_t b = from_block + 1; b <= to_block; ++b) ring_[b % ring_.size()] = 0;
    }
    top_ = seq;
  }
  ring_[(seq / 64) % ring_.size()] |= uint64_t{1} << (seq % 64);
}

void ReplayWindow::reset(uint64_t top) {
  for (auto& w : ring_) w = 0;
  top_ = top;
  if (top != 0) ring_[(top / 64) % ring_.size()] |= uint64_t{1} << (top % 64);
}

}  // namespace esp::ref
