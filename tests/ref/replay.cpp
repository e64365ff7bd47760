#include "replay.hpp"

#include <stdexcept>

namespace esp::ref {

ReplayWindow::ReplayWindow(uint32_t window_bits)
    : window_bits_(window_bits), ring_(spec::replay_ring_entries(window_bits)) {
  if (ring_.empty()) throw std::invalid_argument("esp_ref: replay window below 64 bits");
}

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

bool ReplayWindow::check(uint64_t seq) const {
  if (seq > top_) return true;
  if (top_ - seq >= window_bits_) return false;
  const spec::ReplayEntry& e = ring_[(seq / 64) % ring_.size()];
  const bool seen = e.block == seq / 64 && ((e.bits >> (seq % 64)) & 1u) != 0;
  return !seen;
}

void ReplayWindow::commit(uint64_t seq) {
  if (seq > top_) top_ = seq;
  spec::ReplayEntry& e = ring_[(seq / 64) % ring_.size()];
  const uint64_t bit = uint64_t{1} << (seq % 64);
  if (e.block == seq / 64) {
    e.bits |= bit;
  } else {
    e.bits = bit;
    e.block = seq / 64;
  }
}

std::vector<uint8_t> ReplayWindow::ring_image() const {
  std::vector<uint8_t> img(ring_.size() * spec::replay_entry::SIZE);
  for (size_t i = 0; i < ring_.size(); ++i) spec::pack(ring_[i], img.data() + i * spec::replay_entry::SIZE);
  return img;
}

void ReplayWindow::load(uint64_t top, const std::vector<uint8_t>& img) {
  if (img.size() != spec::replay_ring_bytes(window_bits_))
    throw std::invalid_argument("esp_ref: replay ring image of the wrong size");
  for (size_t i = 0; i < ring_.size(); ++i) spec::unpack(img.data() + i * spec::replay_entry::SIZE, ring_[i]);
  top_ = top;
}

void ReplayWindow::reset(uint64_t top) {
  for (auto& e : ring_) e = spec::ReplayEntry{};
  top_ = 0;
  if (top != 0) commit(top);
}

}  // namespace esp::ref
