// Private: the backends compiled into this build.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "esp/driver/device.hpp"

namespace esp::driver::detail {

struct Backend {
  std::string name;
  std::function<std::unique_ptr<Device>(const DeviceOptions&)> open;
  bool listed = true;  // in available_backends(); open_device() takes it either way
};

const std::vector<Backend>& backends();

std::unique_ptr<Device> open_swemu(const DeviceOptions& opts);
#ifdef ESP_HAVE_XRT
std::unique_ptr<Device> open_xrt(const DeviceOptions& opts);
#endif
#ifdef ESP_HAVE_COSIM
std::unique_ptr<Device> open_cosim(const DeviceOptions& opts);
#endif

}  // namespace esp::driver::detail
