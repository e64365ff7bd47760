// Errors of the Verilator harness (sim/harness). The cosim backend turns them
// into esp::driver::DeviceError; the harness itself knows nothing of sw_driver.
#pragma once

#include <stdexcept>

namespace esp::sim {

class SimError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace esp::sim
