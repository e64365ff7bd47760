// esp_engine building block: descriptors in, completions out, and the two
// dataflow stages that move them between card memory and the packet stage.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/mem_io.hpp"
#include "esp/spec/esp_spec.hpp"
#include "hls_stream.h"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

namespace dsc = spec::descriptor;
namespace cpl = spec::completion;

// Largest batch the tripcount estimates assume (n_desc is a runtime value).
constexpr unsigned kTypicalBatch = 1024;

// A descriptor and a completion as the kernel's stages pass them: the spec's
// value types, unpacked from / packed into their card-memory images.
using DescRec = spec::Descriptor;
using ComplRec = spec::Completion;

// A completion as it starts: no SA, no output, the descriptor's out_offset.
inline ComplRec compl_start(const DescRec& d) {
  ComplRec c;
  c.status = spec::Status::OK;
  c.flags = 0;
  c.sa_index = spec::NO_SA_INDEX;
  c.out_offset = d.out_offset;
  c.out_length = 0;
  c.spi = 0;
  c.seq = 0;
  return c;
}

// Dataflow stage 1: reads the n descriptors of the batch.
inline void read_descriptors(const ctl_word_t* desc, unsigned n, ::hls::stream<DescRec>& out) {
read_desc_loop:
  for (unsigned i = 0; i < n; ++i) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 1 max = kTypicalBatch)
    uint8_t img[dsc::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
    read_struct<dsc::SIZE>(desc, uint64_t(i) * dsc::SIZE, img, dsc::SIZE);
    DescRec d;
    spec::unpack(img, d);
    out.write(d);
  }
}

// Dataflow stage 3: writes one completion per descriptor, in order.
inline void write_completions(ctl_word_t* completions, unsigned n, ::hls::stream<ComplRec>& in) {
write_compl_loop:
  for (unsigned i = 0; i < n; ++i) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 1 max = kTypicalBatch)
    uint8_t img[cpl::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
    spec::pack(in.read(), img);
    write_struct<cpl::SIZE>(completions, uint64_t(i) * cpl::SIZE, img, cpl::SIZE);
  }
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
