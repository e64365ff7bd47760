#include "esp/driver/forwarding_device.hpp"

namespace esp::driver {

ForwardingDevice::ForwardingDevice(std::unique_ptr<Device> inner) : inner_(std::move(inner)) {
  if (!inner_) throw DeviceError("ForwardingDevice: no device to forward to");
}

// Segment offsets are relative to `base` within the allocation: hand the
// wrapped device the sub-range that starts there (base == size: every
// segment is empty, nothing to move).
void ForwardingDevice::do_write_gather(const CardBuffer& allocation, uint64_t base, const WriteSeg* segs, size_t n,
                                       Gaps gaps) {
  if (base < allocation.size) inner_->write_gather(sub(allocation, base, allocation.size - base), segs, n, gaps);
}

void ForwardingDevice::do_read_scatter(const CardBuffer& allocation, uint64_t base, const ReadSeg* segs, size_t n,
                                       Gaps gaps) {
  if (base < allocation.size) inner_->read_scatter(sub(allocation, base, allocation.size - base), segs, n, gaps);
}

}  // namespace esp::driver
