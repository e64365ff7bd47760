// What the runtime's queues use of an Engine beyond its public API: batch
// buffers of their own in card memory, and kernel runs over them under the
// card lock (so that SA-table changes fall between runs). Internal to
// sw_runtime (target esp_runtime_internal).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "esp/driver/device.hpp"
#include "esp/runtime/detail/batch_codec.hpp"
#include "esp/runtime/engine.hpp"

namespace esp::runtime::detail {

// One batch's card buffers: max_packets packet slots in and out (the
// descriptors and completions go through the engine's ring).
struct BatchBuffers {
  driver::CardBuffer pkt_in, pkt_out;
  uint32_t max_packets = 0;
  uint64_t pkt_bytes = 0;  // size of pkt_in and of pkt_out
};

// What the host knows of one descriptor beyond the descriptor itself.
//   generation  ENCRYPT: the SA's generation when the packet was submitted;
//               a slot reinstalled since then is not used (the descriptor
//               becomes a NOP and its completion SA_DISABLED).
//   spi, seq_lo DECRYPT: read from the ESP header by the host (valid when
//               has_esp), for the shadow's bound on what a lost run can have
//               accepted.
struct DescInfo {
  uint32_t generation = 0;
  bool has_esp = false;
  uint32_t spi = 0;
  uint32_t seq_lo = 0;
};

struct EnginePort {
  static BatchBuffers alloc_batch(Engine& e, uint32_t max_packets);
  static void free_batch(Engine& e, const BatchBuffers& b);
  static driver::Device& device(Engine& e);

  // Runs n descriptors whose input packets are already in b.pkt_in: puts
  // them in the engine's ring after its queued commands, runs the kernel
  // (more than one run when the ring needs it), reads and checks the
  // completions into `out` (n of them), and updates the host shadow, all
  // under the card lock.
  // Throws driver::DeviceError when the card fails (the shadow then assumes
  // the worst of every descriptor of the run).
  static void run(Engine& e, const BatchBuffers& b, Descriptor* d, const DescInfo* info, Completion* out, size_t n);

  // The live generation of slot `index` (0 = free), without the card lock.
  static uint32_t live_generation(const Engine& e, uint32_t index);
  // The shadow's entry of an installed slot with its key and salt zeroed
  // (under the card lock).
  static spec::SaEntry entry(Engine& e, uint32_t index);
  // Every installed SA (under the card lock).
  static std::vector<SaHandle> installed(Engine& e);
};

}  // namespace esp::runtime::detail
