// The one interface the host stack uses to own an esp_engine card.
//
// A Device is register access to the kernel's AXI4-Lite control slave, card
// memory (allocate, write and read by range) and kernel runs. Backends:
//   swemu - the HLS kernel compiled for the host, over emulated card memory
//   xrt   - a real card through XRT (also XRT's noop emulation)
//   cosim - the RTL in Verilator (sim/harness, its own library that registers
//           itself with register_backend(); linked by target esp_driver)
//
// The contract is the base class's: every public method of Device checks its
// arguments here, once, the same for every backend, and only then calls the
// backend's protected do_* hook with arguments that are known to be good.
//
// Card buffers. alloc() returns an allocation: a CardBuffer whose handle
// names it. sub(buf, offset, size) is a CardBuffer for a range of it (same
// handle, addr + offset). write/read/run take an allocation or any sub-range
// of it alike, on every backend; a range must lie inside its allocation.
// free() takes the allocation itself: freeing a sub-range is a DeviceError
// (the allocation stays), and after free() the allocation and every sub-range
// of it are unknown buffers (DeviceError on use).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
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
  uint32_t handle = 0;  // the allocation's id (backend's own); 0 = none
  bool valid() const { return handle != 0; }
};

// The `size` bytes at `offset` of `buf` (an allocation or a range of one), as
// a CardBuffer of the same allocation. Throws DeviceError when `buf` is not
// valid, `size` is 0, or the range does not lie inside `buf`.
CardBuffer sub(const CardBuffer& buf, uint64_t offset, uint64_t size);

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

  // AXI4-Lite control slave, 32-bit registers at spec::reg offsets. An offset
  // that is not 4-aligned or not below spec::reg::SPACE_BYTES is a DeviceError.
  uint32_t read_reg(uint32_t offset);
  void write_reg(uint32_t offset, uint32_t value);

  // Card memory. An allocation is a whole number of 4 KiB pages, zero-filled;
  // its address is 4 KiB aligned on a card, swemu and cosim (XRT's noop
  // emulation reports one fake address for every buffer). 0 bytes is an error.
  CardBuffer alloc(uint64_t bytes);
  void free(const CardBuffer& allocation);
  // The n bytes at `offset` of `buf` (an allocation or a sub-range): the range
  // must lie inside `buf`; n = 0 checks the range and moves nothing.
  void write(const CardBuffer& buf, uint64_t offset, const void* src, uint64_t n);
  void read(const CardBuffer& buf, uint64_t offset, void* dst, uint64_t n);

  // One kernel run: every pointer argument a live buffer (allocation or
  // sub-range), every scalar within its spec width; then the backend programs
  // the arguments, starts and waits for ap_done.
  void run(const KernelArgs& args);

  // Checks the identity registers against the spec this host was built with:
  // ID, VERSION and SPEC_HASH must equal the host's, CAPS must hold every bit
  // of `required_caps`. The DeviceError names each register that differs with
  // the card's and the host's value.
  void check_identity(uint32_t required_caps = spec::caps::ALL);

 protected:
  // Backend hooks, called only after the public method's checks passed.
  virtual uint32_t do_read_reg(uint32_t offset) = 0;
  virtual void do_write_reg(uint32_t offset, uint32_t value) = 0;
  // bytes > 0; returns a new allocation: size >= bytes and a multiple of
  // 4 KiB, a handle no live allocation of this device has.
  virtual CardBuffer do_alloc(uint64_t bytes) = 0;
  // `allocation` is exactly what do_alloc returned.
  virtual void do_free(const CardBuffer& allocation) = 0;
  // `offset` is relative to `allocation`, n > 0, the range inside it.
  virtual void do_write(const CardBuffer& allocation, uint64_t offset, const void* src, uint64_t n) = 0;
  virtual void do_read(const CardBuffer& allocation, uint64_t offset, void* dst, uint64_t n) = 0;
  // The arguments are checked. The default drives the registers
  // (ap_ctrl_hs: arguments, AP_START) and calls wait_done().
  virtual void do_run(const KernelArgs& args);
  // Called by the default do_run() after AP_START; returns once ap_done is set.
  virtual void wait_done() = 0;

  // The allocation that `buf` lies in; throws DeviceError (naming `what`)
  // for an unknown or freed allocation or a range outside it.
  const CardBuffer& allocation_of(const CardBuffer& buf, const char* what) const;

 private:
  std::map<uint32_t, CardBuffer> allocs_;  // live allocations by handle
};

// Simulation knobs of the cosim backend (the RTL in Verilator).
struct CosimOptions {
  uint64_t seed = 0;             // initial values, X and backpressure; 0 = a fresh random seed
  unsigned read_latency = 16;    // cycles from AR to the first R beat
  unsigned write_latency = 8;    // cycles from the last W beat to B
  double backpressure = 0.25;    // chance per cycle and channel of a withheld ready / late valid, [0, 1)
  std::string trace_path;        // FST waveform of the whole session; empty = none
  uint64_t max_run_cycles = 20'000'000;  // a run longer than this is a hang (DeviceError)
  bool print_seed = true;        // print "cosim: seed N" on stderr when opening
};

// XRT's emulation modes the xrt backend knows. Noop: XRT's noop shim (no
// kernel executes, no register file); the backend sets XCL_EMULATION_MODE
// for XRT, which reads it once per process.
enum class XrtEmulation { None, Noop };

struct XrtOptions {
  unsigned device_index = 0;
  std::string xclbin;  // empty: only with Noop (the build's metadata-only xclbin)
  XrtEmulation emulation = XrtEmulation::None;
  // XRT's library tree (XILINX_XRT, which XRT reads). Empty: XILINX_XRT as
  // the process has it, or this build's tree when the process has none.
  std::string root;
};

// Everything a backend is opened with; the driver reads no environment
// variable (callers may fill this from theirs: esp/driver/device_env.hpp).
struct DeviceOptions {
  std::string backend = "swemu";
  // swemu / cosim: total emulated card memory.
  uint64_t card_memory_bytes = 1ull << 30;
  // The CAPS bits the caller needs (check_identity when opening).
  uint32_t required_caps = spec::caps::ALL;
  CosimOptions cosim;
  XrtOptions xrt;
};

// Backends this build lists, e.g. {"swemu", "xrt", "cosim"}.
std::vector<std::string> available_backends();

// Opens a device; throws DeviceError with a clear message when the backend is
// unknown, not built, or (xrt) when no card is present.
std::unique_ptr<Device> open_device(const DeviceOptions& opts);

// Adds a backend that open_device() opens by `name` (a library's static
// registrar, e.g. the cosim backend's). `listed`: whether
// available_backends() names it (open_device() opens it either way). Throws
// DeviceError when the name is taken.
using BackendFactory = std::function<std::unique_ptr<Device>(const DeviceOptions&)>;
void register_backend(const std::string& name, BackendFactory open, bool listed = true);

}  // namespace esp::driver
