#include "esp/runtime/detail/batch_codec.hpp"

#include <sstream>

namespace esp::runtime::detail {

driver::KernelArgs kernel_args(const CardLayout& lay, uint32_t n_desc) {
  namespace a = spec::arg;
  driver::KernelArgs args;
  args.set(a::SA_TABLE, lay.sa_table);
  args.set(a::REPLAY, lay.replay);
  args.set(a::COUNTERS, lay.counters);
  args.set(a::SPI_TABLE, lay.spi_table);
  args.set(a::DESC, lay.desc);
  args.set(a::COMPLETIONS, lay.completions);
  args.set(a::PKT_IN, lay.pkt_in);
  args.set(a::PKT_OUT, lay.pkt_out);
  args.set(a::SA_CAPACITY, uint64_t(lay.sa_capacity));
  args.set(a::SPI_BUCKETS_LOG2, uint64_t(lay.spi_buckets_log2));
  args.set(a::N_DESC, uint64_t(n_desc));
  return args;
}

void pack_descriptors(const Descriptor* d, size_t n, uint8_t* image) {
  for (size_t k = 0; k < n; ++k) spec::pack(d[k], image + k * spec::descriptor::SIZE);
}

void unpack_completions(const uint8_t* image, size_t n, Completion* c) {
  for (size_t k = 0; k < n; ++k) spec::unpack(image + k * spec::completion::SIZE, c[k]);
}

void fill_result(const Completion& c, Result& r) {
  r.status = c.status;
  r.soft_expired = (c.flags & spec::completion::flags_bit::SOFT_EXPIRED) != 0;
  r.sa_index = c.sa_index;
  r.spi = c.spi;
  r.seq = c.seq;
}

std::string completion_breach(const Descriptor& d, const Completion& c) {
  // The common case allocates nothing (this runs for every packet).
  const bool len_ok = c.status == spec::Status::OK ? c.out_length <= d.out_capacity : c.out_length == 0;
  if (c.out_offset == d.out_offset && len_ok) return std::string();
  std::ostringstream os;
  if (c.out_offset != d.out_offset) os << "out_offset " << c.out_offset << " (descriptor " << d.out_offset << ")";
  if (c.status == spec::Status::OK ? c.out_length > d.out_capacity : c.out_length != 0) {
    if (!os.str().empty()) os << ", ";
    os << "out_length " << c.out_length << " with status " << spec::status_name(c.status) << " (capacity "
       << d.out_capacity << ")";
  }
  return os.str();
}

}  // namespace esp::runtime::detail
