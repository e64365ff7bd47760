// The cosim backend: esp_engine's RTL in Verilator behind the Device interface.
//
// Built from sim/harness as its own library (esp_cosim), which registers
// "cosim" with the driver (driver::register_backend) from a static
// registrar; the target esp_driver links it whole-archive wherever the
// build has it, so open_device({.backend = "cosim"}) works in every program
// that links esp_driver.
//
// Its options are DeviceOptions::cosim, taken exactly as given (the driver
// reads no environment; esp/driver/device_env.hpp maps ESP_COSIM_* to them
// for tools and tests). A device prints its seed on stderr when
// CosimOptions::print_seed ("cosim: seed N").
#pragma once

#include <cstdint>
#include <memory>

#include "esp/driver/device.hpp"

namespace esp::driver {

// Whether this build lists cosim in driver::available_backends()
// (ESP_COSIM_DATAPATH: the RTL has the packet datapath). A completion whose
// status is not one of the spec fails the run with a DeviceError.
bool cosim_has_datapath();

// open_device() for cosim: opts.cosim as given.
std::unique_ptr<Device> open_cosim_device(const DeviceOptions& opts);
// The same with `cosim` in place of opts.cosim.
std::unique_ptr<Device> open_cosim_device(const DeviceOptions& opts, const CosimOptions& cosim);

struct CosimStats {
  uint64_t seed = 0;
  uint64_t cycles = 0;           // clock cycles since the model left reset
  uint64_t last_run_cycles = 0;  // AP_START write to the CTRL read that saw AP_DONE
  uint64_t runs = 0;
  uint64_t mem_beats_read = 0;
  uint64_t mem_beats_written = 0;
};

// Throws DeviceError when `dev` is not a cosim device.
CosimStats cosim_stats(const Device& dev);
inline uint64_t cosim_cycles(const Device& dev) { return cosim_stats(dev).cycles; }

}  // namespace esp::driver
