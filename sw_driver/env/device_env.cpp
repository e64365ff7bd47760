#include "esp/driver/device_env.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

namespace esp::driver {
namespace {

const char* value_of(const char* name) {
  const char* s = std::getenv(name);
  return s && *s ? s : nullptr;
}

uint64_t env_u64(const char* name, uint64_t fallback, uint64_t max = std::numeric_limits<uint64_t>::max()) {
  const char* s = value_of(name);
  if (!s) return fallback;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 0);
  if (errno || !end || *end || *s == '-' || v > max) {
    throw DeviceError(std::string(name) + "='" + s + "' is not a number (0.." + std::to_string(max) + ")");
  }
  return v;
}

double env_prob(const char* name, double fallback) {
  const char* s = value_of(name);
  if (!s) return fallback;
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (!end || *end || !(v >= 0.0 && v < 1.0)) {
    throw DeviceError(std::string(name) + "='" + s + "' is not a probability in [0, 1)");
  }
  return v;
}

}  // namespace

void options_from_env(DeviceOptions& opts) {
  CosimOptions& c = opts.cosim;
  constexpr uint64_t kU32 = std::numeric_limits<unsigned>::max();
  c.seed = env_u64("ESP_COSIM_SEED", c.seed);
  c.read_latency = static_cast<unsigned>(env_u64("ESP_COSIM_READ_LATENCY", c.read_latency, kU32));
  c.write_latency = static_cast<unsigned>(env_u64("ESP_COSIM_WRITE_LATENCY", c.write_latency, kU32));
  c.backpressure = env_prob("ESP_COSIM_BACKPRESSURE", c.backpressure);
  c.max_run_cycles = env_u64("ESP_COSIM_MAX_CYCLES", c.max_run_cycles);
  if (const char* t = value_of("ESP_COSIM_TRACE")) c.trace_path = t;
  if (const char* m = value_of("XCL_EMULATION_MODE")) {
    opts.xrt.emulation = std::strcmp(m, "noop") == 0 ? XrtEmulation::Noop : XrtEmulation::None;
  }
  if (const char* r = value_of("XILINX_XRT")) opts.xrt.root = r;
}

}  // namespace esp::driver
