// The card's batch formats, encoded once: where an Engine's structures live in
// card memory (CardLayout), the kernel arguments that point the card at them,
// descriptor and command images in and completion images out (esp::spec
// layouts). The Engine's ring (card_ring.hpp) goes through here, so nothing
// else packs a descriptor or reads a completion field by field.
#pragma once

#include <cstdint>
#include <string>

#include "esp/driver/device.hpp"
#include "esp/runtime/engine.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::runtime::detail {

// Where the engine put its structures in card memory (one buffer each). The
// SPI table is the card's own (SPI_SET commands), not in card memory.
struct CardLayout {
  driver::CardBuffer sa_table;     // sa_capacity * spec::sa_entry::SIZE
  driver::CardBuffer sa_state;     // sa_capacity * spec::sa_state::SIZE
  driver::CardBuffer replay;       // replay rings, replay_region_bytes
  driver::CardBuffer desc_ring;    // 2^ring_log2 * spec::descriptor::SIZE
  driver::CardBuffer cpl_ring;     // 2^ring_log2 * spec::completion::SIZE
  driver::CardBuffer pkt_in;       // max_batch_packets * pkt_slot_bytes
  driver::CardBuffer pkt_out;      // max_batch_packets * pkt_slot_bytes
  uint32_t sa_capacity = 0;
  uint32_t spi_buckets_log2 = 0;
  uint32_t ring_log2 = 0;
  uint32_t pkt_slot_bytes = 0;     // MAX_PKT_BYTES rounded up to PKT_BUS_BYTES
  uint64_t replay_region_bytes = 0;
};

// One descriptor, command and completion, as values (generated from the
// spec with their pack/unpack).
using Descriptor = spec::Descriptor;
using Command = spec::Command;
using Completion = spec::Completion;

// The kernel arguments of a run on `lay` whose first descriptor is ring
// index ring_first (pkt_in / pkt_out: the layout's; a run over other packet
// buffers sets them).
driver::KernelArgs kernel_args(const CardLayout& lay, uint32_t ring_first);

// n descriptors' image.
void pack_descriptors(const Descriptor* d, size_t n, uint8_t* image);
// Whether an opcode is a command (SA_INSTALL .. STOP).
bool is_command(spec::Opcode op);
// n completions from their image.
void unpack_completions(const uint8_t* image, size_t n, Completion* c);

// What the Engine reports of a completion (status, SOFT_EXPIRED, sa_index,
// spi, seq; not the data).
void fill_result(const Completion& c, Result& r);

// "" when completion c keeps the contract for descriptor d (out_offset of
// the descriptor; out_length at most out_capacity when OK, 0 otherwise),
// else what it breaks.
std::string completion_breach(const Descriptor& d, const Completion& c);

}  // namespace esp::runtime::detail
