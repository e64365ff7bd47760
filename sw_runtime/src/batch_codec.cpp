#include "esp/runtime/detail/batch_codec.hpp"

#include <sstream>

namespace esp::runtime::detail {

driver::KernelArgs kernel_args(const CardLayout& lay, uint32_t ring_first) {
  namespace a = spec::arg;
  driver::KernelArgs args;
  args.set(a::SA_TABLE, lay.sa_table);
  args.set(a::SA_STATE, lay.sa_state);
  args.set(a::REPLAY, lay.replay);
  args.set(a::DESC_RING, lay.desc_ring);
  args.set(a::CPL_RING, lay.cpl_ring);
  args.set(a::PKT_IN, lay.pkt_in);
  args.set(a::PKT_OUT, lay.pkt_out);
  args.set(a::RING_FIRST, uint64_t(ring_first));
  args.set(a::RING_LOG2, uint64_t(lay.ring_log2));
  args.set(a::SA_CAPACITY, uint64_t(lay.sa_capacity));
  args.set(a::SPI_BUCKETS_LOG2, uint64_t(lay.spi_buckets_log2));
  return args;
}

bool is_command(spec::Opcode op) {
  switch (op) {
    case spec::Opcode::SA_INSTALL:
    case spec::Opcode::SA_DELETE:
    case spec::Opcode::SPI_SET:
    case spec::Opcode::STATE_SYNC:
    case spec::Opcode::STOP:
      return true;
    default:
      return false;
  }
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
