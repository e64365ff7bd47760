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

struct DescRec {
  uint8_t op;
  uint8_t flags;
  uint32_t sa_index;
  uint64_t in_offset;
  uint32_t in_length;
  uint32_t out_capacity;
  uint64_t out_offset;
};

struct ComplRec {
  uint16_t status;
  uint16_t flags;
  uint32_t sa_index;
  uint64_t out_offset;
  uint32_t out_length;
  uint32_t spi;
  uint64_t seq;
};

inline DescRec desc_from_image(const uint8_t* img) {
  DescRec d;
  d.op = spec::get<dsc::op>(img);
  d.flags = spec::get<dsc::flags>(img);
  d.sa_index = spec::get<dsc::sa_index>(img);
  d.in_offset = spec::get<dsc::in_offset>(img);
  d.in_length = spec::get<dsc::in_length>(img);
  d.out_capacity = spec::get<dsc::out_capacity>(img);
  d.out_offset = spec::get<dsc::out_offset>(img);
  return d;
}

inline void compl_to_image(const ComplRec& c, uint8_t* img) {
compl_clear:
  for (unsigned i = 0; i < cpl::SIZE; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    img[i] = 0;
  }
  spec::set<cpl::status>(img, c.status);
  spec::set<cpl::flags>(img, c.flags);
  spec::set<cpl::sa_index>(img, c.sa_index);
  spec::set<cpl::out_offset>(img, c.out_offset);
  spec::set<cpl::out_length>(img, c.out_length);
  spec::set<cpl::spi>(img, c.spi);
  spec::set<cpl::seq>(img, c.seq);
}

// A completion as it starts: no SA, no output, the descriptor's out_offset.
inline ComplRec compl_start(const DescRec& d) {
  ComplRec c;
  c.status = static_cast<uint16_t>(spec::Status::OK);
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
    out.write(desc_from_image(img));
  }
}

// Dataflow stage 3: writes one completion per descriptor, in order.
inline void write_completions(ctl_word_t* completions, unsigned n, ::hls::stream<ComplRec>& in) {
write_compl_loop:
  for (unsigned i = 0; i < n; ++i) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 1 max = kTypicalBatch)
    uint8_t img[cpl::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
    compl_to_image(in.read(), img);
    write_struct<cpl::SIZE>(completions, uint64_t(i) * cpl::SIZE, img, cpl::SIZE);
  }
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
