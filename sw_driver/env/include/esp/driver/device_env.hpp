// The environment-variable convention of the tools and tests for device
// options: library esp_device_env, not the driver (which reads no
// environment). A program that wants it calls options_from_env() on its
// DeviceOptions before open_device().
//
//   ESP_COSIM_SEED=<n>           cosim.seed (replays a run whose seed was printed)
//   ESP_COSIM_READ_LATENCY=<n>   cosim.read_latency, cycles
//   ESP_COSIM_WRITE_LATENCY=<n>  cosim.write_latency, cycles
//   ESP_COSIM_BACKPRESSURE=<p>   cosim.backpressure, probability in [0, 1)
//   ESP_COSIM_MAX_CYCLES=<n>     cosim.max_run_cycles
//   ESP_COSIM_TRACE=<file.fst>   cosim.trace_path
//   XCL_EMULATION_MODE=noop      xrt.emulation = Noop (another value: None,
//                                XRT reads the variable itself)
//   XILINX_XRT=<dir>             xrt.root
// An unset or empty variable leaves its field as it is.
#pragma once

#include "esp/driver/device.hpp"

namespace esp::driver {

// Applies the variables above to `opts`; throws DeviceError naming the
// variable when a value is malformed.
void options_from_env(DeviceOptions& opts);

}  // namespace esp::driver
