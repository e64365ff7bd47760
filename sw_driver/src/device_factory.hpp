// Private: the backends compiled into the driver library itself (others, as
// cosim, register themselves through register_backend()).
#pragma once

#include <memory>

#include "esp/driver/device.hpp"

namespace esp::driver::detail {

std::unique_ptr<Device> open_swemu(const DeviceOptions& opts);
#ifdef ESP_HAVE_XRT
std::unique_ptr<Device> open_xrt(const DeviceOptions& opts);
#endif

}  // namespace esp::driver::detail
