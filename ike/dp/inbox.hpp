// Inbox: packets one data-plane thread hands to another (private to the
// gateway). With several threads per direction each SA belongs to one thread
// (outbound: by its SPD policy, inbound: by its SPI), so that its packets
// are encrypted and sent, or given to the card, in order: a thread that reads
// a packet of another thread's SA copies it into that thread's inbox.
//
// Fixed capacity, allocated once; FIFO. push() from any thread; take() from
// the owner only. fd() is an eventfd that is readable after a push: the owner
// polls it, and calls take() after clear().
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace esp::ike::dp {

class Inbox {
 public:
  // capacity packets of at most entry_bytes each. Throws std::system_error
  // when no eventfd can be made.
  Inbox(std::size_t capacity, std::size_t entry_bytes);
  ~Inbox();
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  // Copies a packet in; false when the inbox is full or the packet longer
  // than entry_bytes (the caller counts it: nothing is dropped silently).
  bool push(const std::uint8_t* p, std::size_t len);
  // Moves up to `max` packets, oldest first, into the buffers dst[i] (each
  // entry_bytes long); lens[i] gets each length. Returns how many.
  std::size_t take(std::uint8_t* const* dst, std::uint32_t* lens, std::size_t max);
  // Free entries now (a reader hands over at most this many without loss).
  std::size_t space();
  int fd() const { return efd_; }
  // Resets fd() (before take(), so that a push after it wakes the owner).
  void clear();

 private:
  std::mutex mu_;
  std::size_t cap_, entry_;
  std::vector<std::uint8_t> mem_;
  std::vector<std::uint32_t> lens_;
  std::size_t head_ = 0, count_ = 0;  // the FIFO: entries head_ .. head_+count_ (mod cap_)
  int efd_ = -1;
};

}  // namespace esp::ike::dp
