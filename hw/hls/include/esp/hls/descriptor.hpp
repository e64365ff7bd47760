// esp_engine building block: the descriptor ring and the completion ring
// (CONTRACT.md "A run and its ring"). Descriptor i sits at slot
// i mod 2^ring_log2 of desc_ring, its completion at the same slot of
// cpl_ring. A ring entry is read once and unpacked both as a packet
// descriptor and as a command (same size, same op/flags/sa_index).
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/mem_io.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

namespace dsc = spec::descriptor;
namespace cmd = spec::command;
namespace cpl = spec::completion;

static_assert(cmd::SIZE == dsc::SIZE, "a command fills a descriptor slot");
static_assert(spec::command::SIZE % kCtlBytes == 0, "command is not a whole number of ctl words");

// Typical descriptors per run, for the tripcount estimates (the run length
// is a runtime value).
constexpr unsigned kTypicalRun = 1024;

// A descriptor, a command and a completion as the kernel passes them: the
// spec's value types, unpacked from / packed into their card-memory images.
using DescRec = spec::Descriptor;
using CmdRec = spec::Command;
using ComplRec = spec::Completion;

// A completion as it starts: no SA, no output, no SPI or sequence number.
inline ComplRec compl_start(uint64_t out_offset) {
  ComplRec c;
  c.status = spec::Status::OK;
  c.flags = 0;
  c.sa_index = spec::NO_SA_INDEX;
  c.out_offset = out_offset;
  c.out_length = 0;
  c.spi = 0;
  c.seq = 0;
  return c;
}

// Ring slot of free-running index i in a ring of 2^ring_log2 entries.
inline uint32_t ring_slot(uint32_t i, unsigned ring_log2) { return i & ((uint32_t(1) << ring_log2) - 1u); }

inline void read_ring_entry(const ctl_word_t* desc_ring, uint32_t slot, DescRec& d, CmdRec& k) {
  uint8_t img[dsc::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
  read_struct<dsc::SIZE>(desc_ring, uint64_t(slot) * dsc::SIZE, img, dsc::SIZE);
  spec::unpack(img, d);
  spec::unpack(img, k);
}

inline void write_ring_completion(ctl_word_t* cpl_ring, uint32_t slot, const ComplRec& c) {
  uint8_t img[cpl::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
  spec::pack(c, img);
  write_struct<cpl::SIZE>(cpl_ring, uint64_t(slot) * cpl::SIZE, img, cpl::SIZE);
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
