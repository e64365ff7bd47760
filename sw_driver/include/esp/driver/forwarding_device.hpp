// A Device that passes every call to another Device it owns: the base for
// wrappers that watch or change one part of a card's behaviour (time its
// runs, fail a run on purpose in a test) and leave the rest as it is.
// Subclasses override the hook they care about and call this class's
// version for the forwarding. The wrapped device checks every call again.
#pragma once

#include <memory>
#include <string>

#include "esp/driver/device.hpp"

namespace esp::driver {

class ForwardingDevice : public Device {
 public:
  explicit ForwardingDevice(std::unique_ptr<Device> inner);
  std::string backend() const override { return inner_->backend(); }
  std::string description() const override { return inner_->description(); }
  Device& inner() { return *inner_; }

 protected:
  uint32_t do_read_reg(uint32_t offset) override { return inner_->read_reg(offset); }
  void do_write_reg(uint32_t offset, uint32_t value) override { inner_->write_reg(offset, value); }
  CardBuffer do_alloc(uint64_t bytes) override { return inner_->alloc(bytes); }
  void do_free(const CardBuffer& allocation) override { inner_->free(allocation); }
  void do_write(const CardBuffer& allocation, uint64_t offset, const void* src, uint64_t n) override {
    inner_->write(allocation, offset, src, n);
  }
  void do_read(const CardBuffer& allocation, uint64_t offset, void* dst, uint64_t n) override {
    inner_->read(allocation, offset, dst, n);
  }
  void do_write_gather(const CardBuffer& allocation, uint64_t base, const WriteSeg* segs, size_t n,
                       Gaps gaps) override;
  void do_read_scatter(const CardBuffer& allocation, uint64_t base, const ReadSeg* segs, size_t n,
                       Gaps gaps) override;
  // The wrapped device's whole run (arguments, start, wait for done).
  void do_run(const KernelArgs& args) override { inner_->run(args); }
  void do_reset_kernel() override { inner_->reset_kernel(); }
  void wait_done() override {}  // do_run() returns once the wrapped run is done

 private:
  std::unique_ptr<Device> inner_;
};

}  // namespace esp::driver
