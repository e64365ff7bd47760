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
//
// Threads. The same on every backend (swemu, xrt, cosim):
//   - write / read / write_gather / read_scatter may be called from several
//     threads at once, and from other threads while run() executes on one
//     thread, as long as their ranges (with Gaps::CallerOwned: their covering
//     ranges) are disjoint from each other's and from every range the
//     running kernel reads or writes. The kernel moves
//     whole words of card memory: "disjoint" is at the granularity of
//     spec::PKT_BUS_BYTES-aligned words (the runtime's layouts are aligned so).
//   - alloc / free may be called from any thread: they wait for I/O and runs
//     in progress and exclude them while they change the set of allocations
//     (a reader-writer lock in Device). Freeing a buffer that another thread
//     still uses is the caller's error, as on the heap.
//   - run() and register access (read_reg / write_reg / check_identity) are
//     serialised by the caller: one thread at a time drives the kernel.
//   - io_stats() may be called from any thread at any time.
// Hooks are called with Device's lock held (shared for I/O, registers and
// runs; exclusive for alloc / free), so a backend's allocation map is never
// changed while a hook looks something up in it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
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

// One range of a write_gather: the n bytes at src go to `offset` of the
// buffer. n = 0 moves nothing (src may then be null).
struct WriteSeg {
  uint64_t offset = 0;
  const void* src = nullptr;
  uint64_t n = 0;
};

// One range of a read_scatter: the n bytes at `offset` of the buffer go to dst.
struct ReadSeg {
  uint64_t offset = 0;
  void* dst = nullptr;
  uint64_t n = 0;
};

// What may happen to the bytes between the segments of a write_gather or a
// read_scatter (inside the range from the lowest segment start to the
// highest segment end).
enum class Gaps {
  // They belong to others (the kernel, other threads): untouched, on the
  // card and in any host copy. On xrt, one bo sync per run of touching or
  // overlapping segments (never over a gap).
  Preserve,
  // They are the caller's scratch (e.g. the padding between packets in a
  // batch it owns): the backend may move them in either direction, so xrt
  // makes the whole call one bo sync over the covering range. Their card
  // contents are undefined afterwards (write_gather) / unchanged (read_scatter).
  CallerOwned,
};

// Counters of a Device's public I/O and runs since it was opened, counted by
// the Device base class for calls that passed their checks:
//   writes, write_bytes  write() and write_gather() calls that moved at least
//                        one byte (a write_gather is one write), and the bytes
//   reads, read_bytes    read() and read_scatter() likewise
//   runs                 run() calls (kernel runs started)
//   syncs                host <-> card transfers: on xrt the bo syncs the
//                        backend issued (including the one that zero-fills a
//                        new allocation); on swemu and cosim, whose card
//                        memory is host memory, the equivalent: one per
//                        counted write and read (what xrt needs at least)
struct IoStats {
  uint64_t writes = 0, write_bytes = 0;
  uint64_t reads = 0, read_bytes = 0;
  uint64_t runs = 0;
  uint64_t syncs = 0;
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

  // Many ranges of one buffer (an allocation or a sub-range) in one call.
  // Every segment is checked as write()/read() check their range (inside
  // `buf`; a segment with n > 0 needs src/dst) before any byte moves; n = 0
  // segments (or no segments) are allowed and move nothing. Segments may come
  // in any order; where write segments overlap, the later one wins. `gaps`
  // says what the backend may do with the bytes between segments (see Gaps).
  void write_gather(const CardBuffer& buf, const WriteSeg* segs, size_t n, Gaps gaps = Gaps::Preserve);
  void read_scatter(const CardBuffer& buf, const ReadSeg* segs, size_t n, Gaps gaps = Gaps::Preserve);

  // The I/O counters (see IoStats); relaxed atomics, any thread.
  IoStats io_stats() const;

  // One kernel run: every pointer argument a live buffer (allocation or
  // sub-range), every scalar within its spec width; then the backend programs
  // the arguments, starts and waits for ap_done.
  void run(const KernelArgs& args);

  // A reset of the kernel, as a card reset does: the card's own state
  // (installed SAs, SPI table, on-chip copies of SA state, key material,
  // CPL_PROD) is emptied; card memory keeps its contents. Not while a run
  // goes on (run() holds the device). A backend that cannot reset the kernel
  // from the host throws DeviceError.
  void reset_kernel();

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
  // Segment i's bytes are at offset `base + segs[i].offset` of `allocation`
  // (base: where the caller's buffer starts in it); every segment is checked,
  // n is at least 1, segments with n = 0 may be among them (skip them). The
  // defaults call do_write / do_read once per non-empty segment, in order.
  virtual void do_write_gather(const CardBuffer& allocation, uint64_t base, const WriteSeg* segs, size_t n,
                               Gaps gaps);
  virtual void do_read_scatter(const CardBuffer& allocation, uint64_t base, const ReadSeg* segs, size_t n,
                               Gaps gaps);
  // The arguments are checked. The default drives the registers
  // (ap_ctrl_hs: arguments, AP_START) and calls wait_done().
  virtual void do_run(const KernelArgs& args);
  // Called by the default do_run() after AP_START; returns once ap_done is set.
  virtual void wait_done() = 0;
  // The default throws DeviceError (the backend cannot reset the kernel).
  virtual void do_reset_kernel();

  // The allocation that `buf` lies in; throws DeviceError (naming `what`)
  // for an unknown or freed allocation or a range outside it. For hooks:
  // the caller holds Device's lock (every hook is called with it held).
  CardBuffer allocation_of(const CardBuffer& buf, const char* what) const;

  // Backends that count their own host <-> card transfers return true and
  // report each with add_syncs(); otherwise Device counts one sync per
  // counted write and read (IoStats::syncs).
  virtual bool counts_own_syncs() const { return false; }
  void add_syncs(uint64_t n) { syncs_.fetch_add(n, std::memory_order_relaxed); }

 private:
  void count_write(uint64_t bytes);
  void count_read(uint64_t bytes);

  // Shared: I/O, registers, runs (and their hooks); exclusive: alloc / free.
  mutable std::shared_mutex mu_;
  std::map<uint32_t, CardBuffer> allocs_;  // live allocations by handle
  std::atomic<uint64_t> writes_{0}, write_bytes_{0}, reads_{0}, read_bytes_{0}, runs_{0}, syncs_{0};
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
