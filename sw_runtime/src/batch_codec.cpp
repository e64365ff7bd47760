#include "esp/runtime/detail/batch_codec.hpp"

#include <cstring>
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
  namespace f = spec::descriptor;
  for (size_t k = 0; k < n; ++k) {
    uint8_t* p = image + k * f::SIZE;
    std::memset(p, 0, f::SIZE);
    spec::set<f::op>(p, static_cast<uint8_t>(d[k].op));
    spec::set<f::flags>(p, d[k].flags);
    spec::set<f::sa_index>(p, d[k].sa_index);
    spec::set<f::in_offset>(p, d[k].in_offset);
    spec::set<f::in_length>(p, d[k].in_length);
    spec::set<f::out_capacity>(p, d[k].out_capacity);
    spec::set<f::out_offset>(p, d[k].out_offset);
  }
}

void unpack_completions(const uint8_t* image, size_t n, Completion* c) {
  namespace f = spec::completion;
  for (size_t k = 0; k < n; ++k) {
    const uint8_t* p = image + k * f::SIZE;
    c[k].status = static_cast<spec::Status>(spec::get<f::status>(p));
    c[k].flags = spec::get<f::flags>(p);
    c[k].sa_index = spec::get<f::sa_index>(p);
    c[k].out_offset = spec::get<f::out_offset>(p);
    c[k].out_length = spec::get<f::out_length>(p);
    c[k].spi = spec::get<f::spi>(p);
    c[k].seq = spec::get<f::seq>(p);
  }
}

void fill_result(const Completion& c, Result& r) {
  r.status = c.status;
  r.soft_expired = (c.flags & spec::completion::flags_bit::SOFT_EXPIRED) != 0;
  r.sa_index = c.sa_index;
  r.spi = c.spi;
  r.seq = c.seq;
}

std::string completion_breach(const Descriptor& d, const Completion& c) {
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
