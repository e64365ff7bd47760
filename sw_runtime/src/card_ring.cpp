#include "esp/runtime/detail/card_ring.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace esp::runtime::detail {

void CardRing::attach(const driver::CardBuffer& desc_ring, const driver::CardBuffer& cpl_ring, unsigned log2,
                      uint32_t first) {
  if (log2 > spec::MAX_RING_LOG2) throw std::invalid_argument("CardRing: ring_log2 " + std::to_string(log2) + " above MAX_RING_LOG2");
  desc_ = desc_ring;
  cpl_ = cpl_ring;
  log2_ = log2;
  next_ = first;
  cmds_.clear();
}

void CardRing::restart() {
  next_ = 0;
  cmds_.clear();
}

void CardRing::write_entries(driver::Device& dev, uint32_t first, size_t count) {
  // Ring slots first % size .. : at most two contiguous ranges.
  const size_t at = first & (size() - 1);
  const size_t head = std::min(count, size_t(size()) - at);
  dev.write(desc_, uint64_t(at) * spec::descriptor::SIZE, img_.data(), head * spec::descriptor::SIZE);
  if (count > head) {
    dev.write(desc_, 0, img_.data() + head * spec::descriptor::SIZE, (count - head) * spec::descriptor::SIZE);
  }
}

void CardRing::read_completions(driver::Device& dev, uint32_t first, size_t count) {
  const size_t at = first & (size() - 1);
  const size_t head = std::min(count, size_t(size()) - at);
  img_.resize(count * spec::completion::SIZE);
  dev.read(cpl_, uint64_t(at) * spec::completion::SIZE, img_.data(), head * spec::completion::SIZE);
  if (count > head) {
    dev.read(cpl_, 0, img_.data() + head * spec::completion::SIZE, (count - head) * spec::completion::SIZE);
  }
  cpl_vals_.resize(count);
  unpack_completions(img_.data(), count, cpl_vals_.data());
}

size_t CardRing::run(driver::Device& dev, driver::KernelArgs& args, const Descriptor* d, size_t n, Completion* out) {
  if (!desc_.valid()) throw std::logic_error("CardRing: run before attach");
  if (n + 1 > size()) {
    throw std::invalid_argument("CardRing: " + std::to_string(n) + " descriptors and a STOP do not fit a ring of " +
                                std::to_string(size()));
  }
  const size_t nc = std::min(cmds_.size(), command_room(n));
  const size_t total = nc + n + 1;
  const uint32_t first = next_;
  const uint32_t end = first + static_cast<uint32_t>(total);  // free-running: wraps at 2^32

  img_.assign(total * spec::descriptor::SIZE, 0);
  for (size_t k = 0; k < nc; ++k) spec::pack(cmds_[k], img_.data() + k * spec::descriptor::SIZE);
  pack_descriptors(d, n, img_.data() + nc * spec::descriptor::SIZE);
  Command stop;
  stop.op = spec::Opcode::STOP;
  stop.flags = spec::descriptor::flags_bit::KEEP_STATE;  // no write-back: state() syncs when it reads
  stop.sa_index = spec::NO_SA_INDEX;
  spec::pack(stop, img_.data() + (total - 1) * spec::descriptor::SIZE);

  // Taken off the queue now: a failed run leaves their effect unknown.
  std::vector<Command> carried(cmds_.begin(), cmds_.begin() + static_cast<std::ptrdiff_t>(nc));
  cmds_.erase(cmds_.begin(), cmds_.begin() + static_cast<std::ptrdiff_t>(nc));

  uint32_t cpl_prod = 0;
  try {
    write_entries(dev, first, total);
    dev.write_reg(spec::reg::DESC_PROD, end);
    args.set(spec::arg::RING_FIRST, uint64_t(first));
    args.set(spec::arg::RING_LOG2, uint64_t(log2_));
    dev.run(args);
    cpl_prod = dev.read_reg(spec::reg::CPL_PROD);
  } catch (...) {
    try {
      next_ = dev.read_reg(spec::reg::CPL_PROD);
    } catch (...) {
      next_ = end;
    }
    throw;
  }
  next_ = cpl_prod;
  if (cpl_prod != end) {
    throw driver::DeviceError(dev.backend() + ": CPL_PROD is " + std::to_string(cpl_prod) + " after a run of ring " +
                              "indices " + std::to_string(first) + ".." + std::to_string(end - 1) + " (expected " +
                              std::to_string(end) + ")");
  }
  read_completions(dev, first, total);
  for (size_t k = 0; k < total; ++k) {
    if (k >= nc && k < nc + n) continue;
    const Completion& c = cpl_vals_[k];
    if (c.status != spec::Status::OK) {
      const Command& cmd = k < nc ? carried[k] : stop;
      throw driver::DeviceError(dev.backend() + ": command " + spec::opcode_name(cmd.op) + " (sa_index " +
                                std::to_string(cmd.sa_index) + ", ring index " + std::to_string(first + k) +
                                ") completed with " + spec::status_name(c.status));
    }
  }
  for (size_t k = 0; k < n; ++k) out[k] = cpl_vals_[nc + k];
  return nc;
}

}  // namespace esp::runtime::detail
