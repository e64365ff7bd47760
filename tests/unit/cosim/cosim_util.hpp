// Helpers of the cosim tests.
#pragma once

#include <cstdint>
#include <memory>

#include "esp/driver/cosim.hpp"
#include "esp/driver/device.hpp"

namespace cosim_test {

inline esp::driver::CosimOptions sim_opts(uint64_t seed = 1, double backpressure = 0.0) {
  esp::driver::CosimOptions c;
  c.seed = seed;
  c.backpressure = backpressure;
  return c;
}

inline std::unique_ptr<esp::driver::Device> open(const esp::driver::CosimOptions& c, uint64_t mem = 64ull << 20) {
  esp::driver::DeviceOptions o;
  o.backend = "cosim";
  o.card_memory_bytes = mem;
  return esp::driver::open_cosim_device(o, c);
}

}  // namespace cosim_test
