// The one interface the host stack uses to own an esp_engine card.
//
// A Device is register access to the kernel's AXI4-Lite control slave, card
// memory (allocate, write and read by range) and kernel runs. Backends:
//   swemu - the HLS kernel compiled for the host, over emulated card memory
//   xrt   - a real card through XRT (also XRT's noop emulation)
//   cosim - the RTL in Verilator (sim/)
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/spec/esp_spec.hpp"

namespace esp::driver {

// Any failure of the card or its backend. The message says what and where.
class DeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A range of card memory. `addr` is the card (device) address the kernel sees.
struct CardBuffer {
  uint64_t addr = 0;
  uint64_t size = 0;
  uint32_t handle = 0;  // backend's own id; 0 = none
  bool valid() const { return handle != 0; }
};

// The values of one kernel run, in the spec's argument order: pointer
// arguments take a buffer, scalar arguments a value.
class KernelArgs {
 public:
  void set(spec::arg::Index i, const CardBuffer& b);
  void set(spec::arg::Index i, uint64_t scalar);
  const CardBuffer& buffer(unsigned i) const { return buf_[i]; }
  uint64_t scalar(unsigned i) const { return scalar_[i]; }
  // The register value of argument i (a pointer's card address, or the scalar).
  uint64_t value(unsigned i) const;

 private:
  CardBuffer buf_[spec::arg::COUNT] = {};
  uint64_t scalar_[spec::arg::COUNT] = {};
};

class Device {
 public:
  virtual ~Device() = default;
  Device() = default;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  virtual std::string backend() const = 0;      // "swemu", "xrt", "cosim"
  virtual std::string description() const = 0;  // human-readable, for logs

  // AXI4-Lite control slave, 32-bit registers at spec::reg offsets.
  virtual uint32_t read_reg(uint32_t offset) = 0;
  virtual void write_reg(uint32_t offset, uint32_t value) = 0;

  // Card memory. Buffers are aligned to at least 4 KiB and zero-filled.
  virtual CardBuffer alloc(uint64_t bytes) = 0;
  virtual void free(const CardBuffer& buf) = 0;
  virtual void write(const CardBuffer& buf, uint64_t offset, const void* src, uint64_t n) = 0;
  virtual void read(const CardBuffer& buf, uint64_t offset, void* dst, uint64_t n) = 0;

  // One kernel run: program every argument, start, wait for ap_done.
  // The default drives the registers (ap_ctrl_hs); backends may override.
  virtual void run(const KernelArgs& args);

  // Checks ID, VERSION and SPEC_HASH against the spec this host was built with.
  void check_identity();

 protected:
  // Bounds check shared by backends: throws DeviceError naming the buffer.
  static void check_range(const CardBuffer& buf, uint64_t offset, uint64_t n, const char* what);
  // Called by the default run() after ap_start; must return once ap_done is set.
  virtual void wait_done() = 0;
};

struct DeviceOptions {
  std::string backend = "swemu";
  // swemu / cosim: total emulated card memory.
  uint64_t card_memory_bytes = 1ull << 30;
  // xrt: which card and which xclbin to load.
  unsigned device_index = 0;
  std::string xclbin;
  // cosim: simulation knobs (seed, latency, backpressure, trace).
  uint64_t seed = 0;
};

// Backends compiled into this build, e.g. {"swemu", "xrt"}.
std::vector<std::string> available_backends();

// Opens a device; throws DeviceError with a clear message when the backend is
// unknown, not built, or (xrt) when no card is present.
std::unique_ptr<Device> open_device(const DeviceOptions& opts);

}  // namespace esp::driver
