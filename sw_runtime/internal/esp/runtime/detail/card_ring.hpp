// The card's descriptor ring as the host drives it (CONTRACT.md "A run and
// its ring"): commands queued between runs, then one kernel run = the
// queued commands, the run's packet descriptors and a STOP, written at ring
// indices ring_first .. DESC_PROD-1 (slot = index mod 2^ring_log2),
// published with DESC_PROD, completed up to CPL_PROD. ring_first of a run
// is the CPL_PROD after the previous one (0 after a card reset).
//
// Threads: none of its own; the Engine's card lock serialises it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "esp/driver/device.hpp"
#include "esp/runtime/detail/batch_codec.hpp"

namespace esp::runtime::detail {

class CardRing {
 public:
  // The ring's buffers: 2^log2 descriptors and completions each; the first
  // run starts at ring index `first` (the card's CPL_PROD).
  void attach(const driver::CardBuffer& desc_ring, const driver::CardBuffer& cpl_ring, unsigned log2,
              uint32_t first = 0);
  uint32_t size() const { return uint32_t(1) << log2_; }
  // The ring_first of the next run (free-running).
  uint32_t next() const { return next_; }
  // After a card reset: the next run starts at index 0; queued commands are
  // dropped (the host queues what the reset card needs again).
  void restart();

  // A command for the next run (they go first, in the order queued).
  void queue(const Command& c) { cmds_.push_back(c); }
  size_t queued() const { return cmds_.size(); }
  // Copies of the queued commands, oldest first (tests).
  std::vector<Command> queued_commands() const { return {cmds_.begin(), cmds_.end()}; }

  // Queued commands a run with n packet descriptors can carry.
  size_t command_room(size_t n) const { return n + 1 >= size() ? 0 : size() - 1 - n; }

  // One kernel run: the oldest min(queued, command_room(n)) commands, the n
  // descriptors d (n + 1 <= size()), STOP with KEEP_STATE (the SAs' changed
  // state may stay on the card: the Engine queues a STATE_SYNC before it
  // reads a state line). `args` holds every pointer
  // argument; RING_FIRST is set here. Writes DESC_PROD, runs, checks that
  // CPL_PROD is the index after the STOP and that every command completed
  // OK, and reads the n descriptors' completions into `out`. Returns the
  // commands carried. Throws driver::DeviceError when the run fails or the
  // card breaks the ring contract (the carried commands are then gone:
  // whether they took effect is unknown); next() is then the card's
  // CPL_PROD when it can be read.
  size_t run(driver::Device& dev, driver::KernelArgs& args, const Descriptor* d, size_t n, Completion* out);

 private:
  void write_entries(driver::Device& dev, uint32_t first, size_t count);
  void read_completions(driver::Device& dev, uint32_t first, size_t count);

  driver::CardBuffer desc_, cpl_;
  unsigned log2_ = 0;
  uint32_t next_ = 0;
  std::deque<Command> cmds_;
  std::vector<uint8_t> img_;
  std::vector<Completion> cpl_vals_;
};

}  // namespace esp::runtime::detail
