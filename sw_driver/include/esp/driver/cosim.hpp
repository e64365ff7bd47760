// The cosim backend: esp_engine's RTL in Verilator behind the Device interface.
//
// open_device({.backend = "cosim"}) uses cosim_options_from_env(opts,
// CosimOptions{}): DeviceOptions::seed, then these environment variables:
//   ESP_COSIM_SEED=<n>           seed of initial values, X and backpressure
//                                (replays a run whose seed was printed)
//   ESP_COSIM_TRACE=<file.fst>   write an FST waveform of the whole session
//   ESP_COSIM_BACKPRESSURE=<p>   probability 0..1 (0 = off)
//   ESP_COSIM_READ_LATENCY=<n>, ESP_COSIM_WRITE_LATENCY=<n>   cycles
//   ESP_COSIM_MAX_CYCLES=<n>     cycle limit of one kernel run
// open_cosim_device() takes its options exactly as given (tests that pin
// seeds, latencies or backpressure), except ESP_COSIM_TRACE, which applies
// to every device without a trace_path (a trace does not change the run). Every device prints its seed on stderr
// ("cosim: seed N (replay with ESP_COSIM_SEED=N)").
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "esp/driver/device.hpp"

namespace esp::driver {

struct CosimOptions {
  // 0: take DeviceOptions::seed, and when that is 0 too, a fresh random seed.
  uint64_t seed = 0;
  unsigned read_latency = 16;   // cycles from AR to the first R beat
  unsigned write_latency = 8;   // cycles from the last W beat to B
  double backpressure = 0.25;   // chance per cycle and channel of a withheld ready / late valid
  std::string trace_path;       // FST file, empty = none
  uint64_t max_run_cycles = 20'000'000;  // a run longer than this is a hang (DeviceError)
  bool print_seed = true;
};

// Whether this build lists cosim in driver::available_backends()
// (ESP_COSIM_DATAPATH: the RTL has the packet datapath). A completion whose
// status is not one of the spec fails the run with a DeviceError.
bool cosim_has_datapath();

// DeviceOptions::seed (when cosim.seed is 0) and the ESP_COSIM_* variables
// applied over `cosim`; throws DeviceError for a malformed value.
CosimOptions cosim_options_from_env(const DeviceOptions& opts, CosimOptions cosim);

// Seed: cosim.seed, else opts.seed, else a fresh random one.
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
