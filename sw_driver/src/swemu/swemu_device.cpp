// swemu: the HLS kernel compiled for the host, behind the Device interface.
//
// The kernel's AXI4-Lite register file is esp::spec::CtrlRegs, the model
// generated from the spec with the RTL's register block (same behaviour);
// card memory is host memory, one allocation per buffer so that
// AddressSanitizer sees any access outside a buffer. Writing AP_START runs
// the kernel to completion. Device checked every argument before a hook.
//
// Contract 1.0: the kernel's own registers. The host writes DESC_PROD; a run
// takes descriptors from ring_first up to its STOP (or up to DESC_PROD as it
// was at AP_START: the kernel runs to completion on the calling thread, so
// DESC_PROD cannot advance during a run) and the device then sets CPL_PROD.
// MAX_SAS / MAX_SPI_BUCKETS_LOG2 are the HLS kernel's table sizes
// (esp::hls::kMaxSas, kMaxSpiBucketsLog2); PERF_* read 0 (no clock). The
// card's own state (installed SAs, SPI table: esp::hls::EngineState) belongs
// to the device and survives runs; the device has no card reset, so it is
// empty only when the device is opened.
//
// Threads (device.hpp's contract): the kernel runs on the thread that calls
// run() and touches only the words of card memory its arguments lead it to;
// write/read on other threads memcpy into disjoint bytes of the same host
// allocations. bufs_ only changes in do_alloc/do_free, under Device's
// exclusive lock; every other hook (and the kernel's arg_ptr lookups) only
// looks it up, under the shared lock. regs_ belongs to the run/register
// thread. IoStats::syncs: one per write and read (no transfer is needed).
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <sstream>

#include "device_factory.hpp"
#include "esp/hls/esp_engine.hpp"
#include "esp/spec/esp_ctrl_regs.hpp"

namespace esp::driver::detail {
namespace {

constexpr uint64_t kBase = 0x1000000000ull;  // first card address handed out
constexpr uint64_t kAlign = 4096;

class SwemuDevice final : public Device {
 public:
  explicit SwemuDevice(uint64_t capacity) : capacity_(capacity) {
    regs_.set_max_sas(hls::kMaxSas);
    regs_.set_max_spi_buckets_log2(hls::kMaxSpiBucketsLog2);
    // PERF_CYCLES / PERF_IDLE stay 0: the kernel on the host has no clock.
  }
  ~SwemuDevice() override {
    for (auto& [addr, b] : bufs_) std::free(b.host);
  }

  std::string backend() const override { return "swemu"; }
  std::string description() const override {
    std::ostringstream os;
    os << "swemu (HLS esp_engine on the host, " << (capacity_ >> 20) << " MiB card memory)";
    return os.str();
  }

 protected:
  uint32_t do_read_reg(uint32_t offset) override { return regs_.read(offset); }

  void do_write_reg(uint32_t offset, uint32_t value) override {
    regs_.write(offset, value);
    if (!regs_.start_pending()) return;
    // The run completes (ready, done, idle) also when the kernel's arguments
    // do not point into card memory; that error is then the caller's.
    std::exception_ptr err;
    regs_.run([&] {
      try {
        start();
      } catch (...) {
        err = std::current_exception();
      }
    });
    if (err) std::rethrow_exception(err);
  }

  CardBuffer do_alloc(uint64_t bytes) override {
    const uint64_t size = (bytes + kAlign - 1) / kAlign * kAlign;
    if (size > capacity_ - used_) {
      std::ostringstream os;
      os << "swemu: card memory exhausted: " << bytes << " bytes asked, " << (capacity_ - used_) << " of "
         << capacity_ << " free";
      throw DeviceError(os.str());
    }
    void* host = std::aligned_alloc(kAlign, size);
    if (!host) throw DeviceError("swemu: host allocation of card memory failed");
    std::memset(host, 0, size);
    CardBuffer b{next_addr_, size, ++next_handle_};
    bufs_[b.addr] = Buf{b, static_cast<uint8_t*>(host)};
    next_addr_ += size + kAlign;  // a guard page of address space between buffers
    used_ += size;
    return b;
  }

  void do_free(const CardBuffer& a) override {
    auto it = bufs_.find(a.addr);
    used_ -= it->second.buf.size;
    std::free(it->second.host);
    bufs_.erase(it);
  }

  void do_write(const CardBuffer& a, uint64_t offset, const void* src, uint64_t n) override {
    std::memcpy(bufs_.at(a.addr).host + offset, src, n);
  }

  void do_read(const CardBuffer& a, uint64_t offset, void* dst, uint64_t n) override {
    std::memcpy(dst, bufs_.at(a.addr).host + offset, n);
  }

  // One buffer lookup per call, then a memcpy per segment (in order: a later
  // overlapping write segment wins).
  void do_write_gather(const CardBuffer& a, uint64_t base, const WriteSeg* segs, size_t n, Gaps) override {
    uint8_t* host = bufs_.at(a.addr).host + base;
    for (size_t i = 0; i < n; ++i) {
      if (segs[i].n) std::memcpy(host + segs[i].offset, segs[i].src, segs[i].n);
    }
  }

  void do_read_scatter(const CardBuffer& a, uint64_t base, const ReadSeg* segs, size_t n, Gaps) override {
    const uint8_t* host = bufs_.at(a.addr).host + base;
    for (size_t i = 0; i < n; ++i) {
      if (segs[i].n) std::memcpy(segs[i].dst, host + segs[i].offset, segs[i].n);
    }
  }

  void wait_done() override {
    // start() runs the kernel synchronously; AP_DONE is set when it returns.
    if (!(do_read_reg(spec::reg::CTRL) & spec::reg::ctrl::AP_DONE)) {
      throw DeviceError("swemu: kernel did not complete");
    }
  }

 private:
  struct Buf {
    CardBuffer buf;
    uint8_t* host;
  };

  // Card address held by argument i -> host pointer (must point into a buffer).
  uint8_t* arg_ptr(unsigned i) {
    const uint64_t addr = regs_.arg(i);
    auto it = bufs_.upper_bound(addr);
    if (it != bufs_.begin()) {
      --it;
      if (addr - it->first < it->second.buf.size) return it->second.host + (addr - it->first);
    }
    std::ostringstream os;
    os << "swemu: kernel argument '" << spec::arg::NAME[i] << "' = 0x" << std::hex << addr
       << " is not in any card buffer";
    throw DeviceError(os.str());
  }

  // A kernel reset: the card's own state and CPL_PROD are emptied.
  void do_reset_kernel() override {
    state_.reset();
    regs_.set_cpl_prod(0);
  }

  uint32_t arg_u32(unsigned i) const { return static_cast<uint32_t>(regs_.arg(i)); }

  void start() {
    namespace a = spec::arg;
    auto ctl = [&](unsigned i) { return reinterpret_cast<ctl_word_t*>(arg_ptr(i)); };
    auto pkt = [&](unsigned i) { return reinterpret_cast<pkt_word_t*>(arg_ptr(i)); };
    unsigned cpl_prod = 0;
    esp_engine(ctl(a::SA_TABLE), ctl(a::SA_STATE), ctl(a::REPLAY), ctl(a::DESC_RING), ctl(a::CPL_RING),
               pkt(a::PKT_IN), pkt(a::PKT_OUT), arg_u32(a::RING_FIRST), arg_u32(a::RING_LOG2),
               arg_u32(a::SA_CAPACITY), arg_u32(a::SPI_BUCKETS_LOG2), regs_.desc_prod(), &cpl_prod, &state_);
    regs_.set_cpl_prod(cpl_prod);
  }

  uint64_t capacity_;
  uint64_t used_ = 0;
  uint64_t next_addr_ = kBase;
  uint32_t next_handle_ = 0;
  spec::CtrlRegs regs_;
  hls::EngineState state_;  // the card's own state, across runs
  std::map<uint64_t, Buf> bufs_;
};

}  // namespace

std::unique_ptr<Device> open_swemu(const DeviceOptions& opts) {
  auto dev = std::make_unique<SwemuDevice>(opts.card_memory_bytes);
  dev->check_identity(opts.required_caps);
  return dev;
}

}  // namespace esp::driver::detail
