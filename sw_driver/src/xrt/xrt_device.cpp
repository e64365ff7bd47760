// xrt: an esp_engine card through XRT (Debian's libxrt), or XRT's `noop`
// emulation when DeviceOptions::xrt.emulation is Noop (the backend then sets
// XCL_EMULATION_MODE=noop for XRT, which reads it once per process).
//
//   open      xrt::device(index), load_xclbin, xrt::kernel(esp_engine) with
//             exclusive CU access (XRT 2.13 only allows register access to
//             an exclusively opened CU)
//   registers xrt::kernel::read_register / write_register; the host's ring
//             producer (DESC_PROD) is written this way before a run starts
//             and the kernel's CPL_PROD, MAX_SAS, MAX_SPI_BUCKETS_LOG2 and
//             PERF_* are read this way (xrt::run sets only the arguments)
//   memory    one xrt::bo per CardBuffer; write = bo.write + bo.sync(to
//             device, n, offset), read = bo.sync(from device, n, offset) +
//             bo.read, so only the range asked for crosses PCIe.
//             write_gather: every segment into the bo's host copy, then one
//             sync per run of touching segments (Gaps::Preserve) or one sync
//             over the covering range (Gaps::CallerOwned); read_scatter: the
//             same syncs from the device, then every segment out. A sync
//             never covers bytes outside the segments unless the caller owns
//             them: a gap's host copy may be stale (the kernel wrote the card
//             since) or another thread's write in flight. IoStats::syncs
//             counts every bo sync (also the zero-fill of a new allocation).
//   threads   the contract of device.hpp: I/O on disjoint ranges from any
//             thread (bo.write/read touch only their bytes of the host copy,
//             syncs only their ranges); allocations change only under
//             Device's exclusive lock, so bos_ lookups are safe; run() and
//             registers are serialised by the caller (run_, run_bos_)
//   run       xrt::run with the spec's argument order (pointer arguments
//             are the buffers' bos, scalars their values: ring_first,
//             ring_log2, sa_capacity, spi_buckets_log2), started through
//             XRT's scheduler and waited for with a deadline (ap_done comes
//             after the run's STOP)
//
// What XRT's noop shim (libxrt_noop, XRT 2.13) really does, and so what this
// backend can do under it:
//   - device open and xclbin load succeed; the xclbin is parsed (kernels,
//     arguments, compute units) but nothing is programmed;
//   - buffers are host memory (zero-filled); bo.write/read copy into and out
//     of it and syncs are no-ops, so data written reads back unchanged;
//     every buffer reports the same device address 0xdeadbeef;
//   - register reads and writes fail (the shim has no register file), so the
//     identity check is skipped in noop mode;
//   - a run's command completes immediately; no kernel executes, buffers are
//     left as they were.
//
// Debian's libxrt finds its shim library under $XILINX_XRT/lib/. The backend
// sets XILINX_XRT to DeviceOptions::xrt.root when given, else to the build's
// private tree (ESP_XRT_DEFAULT_ROOT: lib/ symlinks to the multiarch
// libraries) unless the process has XILINX_XRT already. It reads no
// environment variable itself: Device checked every argument before a hook.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <utility>
#include <vector>

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

#include "device_factory.hpp"

#ifndef ESP_XRT_DEFAULT_ROOT
#define ESP_XRT_DEFAULT_ROOT ""
#endif
#ifndef ESP_XRT_NOOP_XCLBIN
#define ESP_XRT_NOOP_XCLBIN ""
#endif

namespace esp::driver::detail {
namespace {

constexpr uint64_t kAlign = 4096;
// A batch takes milliseconds on the card; a run that has not completed after
// this long is reported instead of waited for forever.
constexpr std::chrono::seconds kRunDeadline{30};
constexpr std::chrono::milliseconds kWaitSlice{500};

bool is_dir(const std::string& p) {
  struct stat st {};
  return !p.empty() && ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

const char* state_name(ert_cmd_state s) {
  switch (s) {
    case ERT_CMD_STATE_NEW: return "NEW";
    case ERT_CMD_STATE_QUEUED: return "QUEUED";
    case ERT_CMD_STATE_RUNNING: return "RUNNING";
    case ERT_CMD_STATE_COMPLETED: return "COMPLETED";
    case ERT_CMD_STATE_ERROR: return "ERROR";
    case ERT_CMD_STATE_ABORT: return "ABORT";
    case ERT_CMD_STATE_SUBMITTED: return "SUBMITTED";
    case ERT_CMD_STATE_TIMEOUT: return "TIMEOUT";
    case ERT_CMD_STATE_NORESPONSE: return "NORESPONSE";
    default: return "?";
  }
}

// The variables XRT reads: XCL_EMULATION_MODE (noop) and XILINX_XRT (where
// libxrt_core / libxrt_noop are). Returns a note for error messages about
// where XRT looked.
std::string set_xrt_environment(const XrtOptions& o) {
  if (o.emulation == XrtEmulation::Noop) ::setenv("XCL_EMULATION_MODE", "noop", 1);
  if (!o.root.empty()) {
    ::setenv("XILINX_XRT", o.root.c_str(), 1);
    return "XILINX_XRT=" + o.root;
  }
  const std::string def = ESP_XRT_DEFAULT_ROOT;
  if (is_dir(def)) {
    ::setenv("XILINX_XRT", def.c_str(), 0);  // the process's own XILINX_XRT wins
    return "XILINX_XRT as set for the process, else " + def + ", this build's XRT library tree";
  }
  return "XILINX_XRT as set for the process: it must name a directory whose lib/ holds the XRT libraries";
}

// The ranges (offset, length) of a bo to sync for a gather/scatter whose
// segment i is at base + segs[i].offset: the runs of touching or overlapping
// non-empty segments, by offset; or the one covering range when the caller
// owns the gaps.
template <class Seg>
std::vector<std::pair<uint64_t, uint64_t>> sync_ranges(uint64_t base, const Seg* segs, size_t n, Gaps gaps) {
  std::vector<std::pair<uint64_t, uint64_t>> r;  // (start, end)
  r.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (segs[i].n) r.emplace_back(base + segs[i].offset, base + segs[i].offset + segs[i].n);
  }
  std::sort(r.begin(), r.end());
  size_t out = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    if (out && (gaps == Gaps::CallerOwned || r[i].first <= r[out - 1].second)) {
      r[out - 1].second = std::max(r[out - 1].second, r[i].second);
    } else {
      r[out++] = r[i];
    }
  }
  r.resize(out);
  for (auto& x : r) x.second -= x.first;  // (offset, length)
  return r;
}

class XrtDevice final : public Device {
 public:
  explicit XrtDevice(const DeviceOptions& opts)
      : index_(opts.xrt.device_index), noop_(opts.xrt.emulation == XrtEmulation::Noop) {
    const std::string where = set_xrt_environment(opts.xrt);
    try {
      device_ = xrt::device(index_);
    } catch (const std::exception& e) {
      const std::string why = e.what();
      std::ostringstream os;
      if (why.find("No such library") != std::string::npos || why.find("XILINX_XRT") != std::string::npos ||
          why.find("Failed to open library") != std::string::npos) {
        // XRT did not get as far as looking for a card.
        os << "xrt: XRT could not load its device library for device index " << index_ << ": " << why << " ("
           << where << "); XILINX_XRT must name a directory whose lib/ holds XRT's libxrt_core.so.2 and "
           << "libxrt_noop.so.2 (the build makes one in " << (*ESP_XRT_DEFAULT_ROOT ? ESP_XRT_DEFAULT_ROOT : "xrt/")
           << "). Use --backend swemu or cosim without a card.";
      } else if (noop_) {
        os << "xrt: XRT noop emulation could not open device index " << index_ << ": " << why << " (" << where
           << ")";
      } else {
        os << "xrt: no Xilinx device found by XRT (device index " << index_ << "): " << why
           << "; is the card installed and its driver (xocl) loaded? Use --backend swemu or cosim without a "
           << "card. (" << where << ")";
      }
      throw DeviceError(os.str());
    }

    xclbin_ = opts.xrt.xclbin;
    if (xclbin_.empty()) {
      if (!noop_) {
        throw DeviceError("xrt: no xclbin given for device " + std::to_string(index_) +
                          ": set DeviceOptions::xrt.xclbin (--xclbin) to the esp_engine .xclbin built by Vitis for "
                          "this card");
      }
      xclbin_ = ESP_XRT_NOOP_XCLBIN;  // metadata only: all noop mode needs
    }
    try {
      uuid_ = device_.load_xclbin(xclbin_);
    } catch (const std::exception& e) {
      throw DeviceError("xrt: cannot load xclbin '" + xclbin_ + "' on device " + std::to_string(index_) + ": " +
                        e.what());
    }
    try {
      kernel_ = xrt::kernel(device_, uuid_, spec::KERNEL_NAME, xrt::kernel::cu_access_mode::exclusive);
    } catch (const std::exception& e) {
      throw DeviceError(std::string("xrt: xclbin '") + xclbin_ + "' has no usable kernel '" + spec::KERNEL_NAME +
                        "': " + e.what());
    }
    check_kernel_layout();
    // Every pointer argument of esp_engine is connected to the same card
    // memory; buffers are allocated in the bank of the first one.
    for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
      if (spec::arg::IS_POINTER[i]) {
        group_ = kernel_.group_id(static_cast<int>(i));
        break;
      }
    }
  }

  ~XrtDevice() override {
    // A run still in flight owns CU state; let it finish before the bos go.
    if (run_) {
      try {
        run_.wait(kWaitSlice);
      } catch (...) {
      }
    }
  }

  bool noop() const { return noop_; }

  std::string backend() const override { return "xrt"; }
  std::string description() const override {
    std::ostringstream os;
    os << "xrt (device " << index_;
    if (noop_) {
      os << ", XRT noop emulation";
    } else {
      try {
        os << " " << device_.get_info<xrt::info::device::name>() << " at "
           << device_.get_info<xrt::info::device::bdf>();
      } catch (const std::exception&) {
      }
    }
    os << ", xclbin " << xclbin_ << " uuid " << uuid_.to_string() << ")";
    return os.str();
  }

 protected:
  uint32_t do_read_reg(uint32_t offset) override {
    try {
      return kernel_.read_register(offset);
    } catch (const std::exception& e) {
      throw DeviceError("xrt: read of register " + hex(offset) + " failed: " + e.what() + noop_note());
    }
  }

  void do_write_reg(uint32_t offset, uint32_t value) override {
    try {
      kernel_.write_register(offset, value);
    } catch (const std::exception& e) {
      throw DeviceError("xrt: write of register " + hex(offset) + " failed: " + e.what() + noop_note());
    }
  }

  CardBuffer do_alloc(uint64_t bytes) override {
    const uint64_t size = (bytes + kAlign - 1) / kAlign * kAlign;
    xrt::bo bo;
    try {
      bo = xrt::bo(device_, static_cast<size_t>(size), xrt::bo::flags::normal, group_);
      // Card memory is not cleared by XRT; the Device contract is zero-filled.
      auto* host = bo.map<uint8_t*>();
      std::memset(host, 0, static_cast<size_t>(size));
      bo.sync(XCL_BO_SYNC_BO_TO_DEVICE);
      add_syncs(1);
    } catch (const std::exception& e) {
      std::ostringstream os;
      os << "xrt: allocation of " << bytes << " bytes of card memory (bank " << group_ << ") failed: " << e.what();
      throw DeviceError(os.str());
    }
    CardBuffer b{bo.address(), size, ++next_handle_};
    bos_.emplace(b.handle, std::move(bo));
    return b;
  }

  void do_free(const CardBuffer& a) override { bos_.erase(a.handle); }

  void do_write(const CardBuffer& a, uint64_t offset, const void* src, uint64_t n) override {
    xrt::bo& bo = bos_.at(a.handle);
    try {
      bo.write(src, static_cast<size_t>(n), static_cast<size_t>(offset));
      bo.sync(XCL_BO_SYNC_BO_TO_DEVICE, static_cast<size_t>(n), static_cast<size_t>(offset));
      add_syncs(1);
    } catch (const std::exception& e) {
      throw DeviceError("xrt write: " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                        " of the buffer at " + hex(a.addr) + " failed: " + e.what());
    }
  }

  void do_read(const CardBuffer& a, uint64_t offset, void* dst, uint64_t n) override {
    xrt::bo& bo = bos_.at(a.handle);
    try {
      bo.sync(XCL_BO_SYNC_BO_FROM_DEVICE, static_cast<size_t>(n), static_cast<size_t>(offset));
      add_syncs(1);
      bo.read(dst, static_cast<size_t>(n), static_cast<size_t>(offset));
    } catch (const std::exception& e) {
      throw DeviceError("xrt read: " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                        " of the buffer at " + hex(a.addr) + " failed: " + e.what());
    }
  }

  void do_write_gather(const CardBuffer& a, uint64_t base, const WriteSeg* segs, size_t n, Gaps gaps) override {
    xrt::bo& bo = bos_.at(a.handle);
    const auto ranges = sync_ranges(base, segs, n, gaps);
    try {
      for (size_t i = 0; i < n; ++i) {
        if (segs[i].n) bo.write(segs[i].src, static_cast<size_t>(segs[i].n), static_cast<size_t>(base + segs[i].offset));
      }
      for (const auto& [off, len] : ranges) {
        bo.sync(XCL_BO_SYNC_BO_TO_DEVICE, static_cast<size_t>(len), static_cast<size_t>(off));
        add_syncs(1);
      }
    } catch (const std::exception& e) {
      throw DeviceError("xrt write_gather: " + std::to_string(n) + " segments into the buffer at " + hex(a.addr) +
                        " failed: " + e.what());
    }
  }

  void do_read_scatter(const CardBuffer& a, uint64_t base, const ReadSeg* segs, size_t n, Gaps gaps) override {
    xrt::bo& bo = bos_.at(a.handle);
    const auto ranges = sync_ranges(base, segs, n, gaps);
    try {
      for (const auto& [off, len] : ranges) {
        bo.sync(XCL_BO_SYNC_BO_FROM_DEVICE, static_cast<size_t>(len), static_cast<size_t>(off));
        add_syncs(1);
      }
      for (size_t i = 0; i < n; ++i) {
        if (segs[i].n) bo.read(segs[i].dst, static_cast<size_t>(segs[i].n), static_cast<size_t>(base + segs[i].offset));
      }
    } catch (const std::exception& e) {
      throw DeviceError("xrt read_scatter: " + std::to_string(n) + " segments of the buffer at " + hex(a.addr) +
                        " failed: " + e.what());
    }
  }

  bool counts_own_syncs() const override { return true; }

  // One run through XRT's scheduler: arguments in the spec's order (checked
  // by Device::run: live buffers, scalars within their width).
  void do_run(const KernelArgs& args) override {
    if (run_) wait_done();  // one batch at a time
    run_bos_.clear();
    xrt::run r;
    try {
      r = xrt::run(kernel_);
    } catch (const std::exception& e) {
      throw DeviceError(std::string("xrt: cannot create a run of ") + spec::KERNEL_NAME + ": " + e.what());
    }
    for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
      const int idx = static_cast<int>(i);
      try {
        if (spec::arg::IS_POINTER[i]) {
          const CardBuffer& b = args.buffer(i);
          const CardBuffer whole = allocation_of(b, "run");
          xrt::bo& bo = bos_.at(whole.handle);
          if (b.addr == whole.addr && b.size == whole.size) {
            r.set_arg(idx, bo);
          } else {
            // A sub-range of an allocation: a sub-buffer, kept until the run is done.
            run_bos_.emplace_back(bo, static_cast<size_t>(b.size), static_cast<size_t>(b.addr - whole.addr));
            r.set_arg(idx, run_bos_.back());
          }
        } else if (spec::arg::WIDTH[i] == 32) {
          r.set_arg(idx, static_cast<uint32_t>(args.scalar(i)));
        } else {
          r.set_arg(idx, args.scalar(i));
        }
      } catch (const std::exception& e) {
        throw DeviceError(std::string("xrt: cannot set kernel argument '") + spec::arg::NAME[i] + "': " + e.what());
      }
    }
    try {
      r.start();
    } catch (const std::exception& e) {
      throw DeviceError(std::string("xrt: cannot start ") + spec::KERNEL_NAME + ": " + e.what());
    }
    run_ = std::move(r);
    wait_done();
  }

  void wait_done() override {
    const auto deadline = std::chrono::steady_clock::now() + kRunDeadline;
    if (run_) {
      xrt::run r = std::move(run_);
      run_ = xrt::run();
      ert_cmd_state s = ERT_CMD_STATE_NEW;
      try {
        do {
          s = r.wait(kWaitSlice);
        } while (s == ERT_CMD_STATE_TIMEOUT && std::chrono::steady_clock::now() < deadline);
      } catch (const std::exception& e) {
        throw DeviceError(std::string("xrt: waiting for ") + spec::KERNEL_NAME + " failed: " + e.what());
      }
      if (s == ERT_CMD_STATE_COMPLETED) return;
      if (s == ERT_CMD_STATE_TIMEOUT) {
        try {
          r.abort();
        } catch (const std::exception&) {
        }
        throw DeviceError(std::string("xrt: ") + spec::KERNEL_NAME + " did not complete within " +
                          std::to_string(kRunDeadline.count()) + " s; the run was aborted");
      }
      throw DeviceError(std::string("xrt: ") + spec::KERNEL_NAME + " run ended in state " + state_name(s));
    }
    // A start through write_reg(CTRL, AP_START): poll ap_done / ap_idle.
    while (true) {
      const uint32_t ctrl = do_read_reg(spec::reg::CTRL);
      if (ctrl & (spec::reg::ctrl::AP_DONE | spec::reg::ctrl::AP_IDLE)) return;
      if (std::chrono::steady_clock::now() >= deadline) {
        throw DeviceError(std::string("xrt: ") + spec::KERNEL_NAME + " did not raise ap_done within " +
                          std::to_string(kRunDeadline.count()) + " s (CTRL " + hex(ctrl) + ")");
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

 private:
  std::string noop_note() const {
    return noop_ ? " (XRT noop emulation has no kernel register file)" : "";
  }

  // The kernel XRT found must have the spec's arguments at the spec's offsets,
  // whatever built the xclbin.
  void check_kernel_layout() {
    for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
      uint32_t off = 0;
      try {
        off = kernel_.offset(static_cast<int>(i));
      } catch (const std::exception& e) {
        throw DeviceError(std::string("xrt: kernel '") + spec::KERNEL_NAME + "' in '" + xclbin_ +
                          "' has no argument " + std::to_string(i) + " ('" + spec::arg::NAME[i] + "'): " + e.what());
      }
      if (off != spec::arg::OFFSET[i]) {
        throw DeviceError(std::string("xrt: kernel '") + spec::KERNEL_NAME + "' in '" + xclbin_ + "' has argument " +
                          std::to_string(i) + " at register " + hex(off) + ", the spec puts '" + spec::arg::NAME[i] +
                          "' at " + hex(spec::arg::OFFSET[i]));
      }
    }
  }

  unsigned index_;
  bool noop_;
  std::string xclbin_;
  xrt::device device_;
  xrt::uuid uuid_;
  xrt::kernel kernel_;
  int group_ = 0;
  xrt::run run_;
  std::vector<xrt::bo> run_bos_;
  uint32_t next_handle_ = 0;
  std::map<uint32_t, xrt::bo> bos_;  // allocations by handle
};

}  // namespace

std::unique_ptr<Device> open_xrt(const DeviceOptions& opts) {
  auto dev = std::make_unique<XrtDevice>(opts);
  // The noop shim has no register file: the identity registers are only
  // there on a card.
  if (!dev->noop()) dev->check_identity(opts.required_caps);
  return dev;
}

}  // namespace esp::driver::detail
