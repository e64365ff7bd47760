// swemu: the HLS kernel compiled for the host, behind the Device interface.
//
// The kernel's AXI4-Lite register file is modelled here (ap_ctrl_hs, argument
// registers, the read-only identity registers); card memory is host memory,
// one allocation per buffer so that AddressSanitizer sees any access outside
// a buffer. Writing AP_START runs the kernel to completion.
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>

#include "device_factory.hpp"
#include "esp/hls/esp_engine.hpp"

namespace esp::driver::detail {
namespace {

constexpr uint64_t kBase = 0x1000000000ull;  // first card address handed out
constexpr uint64_t kAlign = 4096;

class SwemuDevice final : public Device {
 public:
  explicit SwemuDevice(uint64_t capacity) : capacity_(capacity), regs_(spec::reg::SPACE_BYTES / 4, 0) {
    regs_[spec::reg::CTRL / 4] = spec::reg::ctrl::AP_IDLE;
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

  uint32_t read_reg(uint32_t offset) override {
    check_reg(offset);
    switch (offset) {
      case spec::reg::ID: return spec::KERNEL_ID;
      case spec::reg::VERSION: return spec::VERSION;
      case spec::reg::CAPS: return spec::caps::ALL;
      case spec::reg::SPEC_HASH: return spec::SPEC_HASH;
      default: break;
    }
    const uint32_t v = regs_[offset / 4];
    if (offset == spec::reg::CTRL) regs_[offset / 4] &= ~spec::reg::ctrl::AP_DONE;  // clear on read
    return v;
  }

  void write_reg(uint32_t offset, uint32_t value) override {
    check_reg(offset);
    if (offset == spec::reg::CTRL) {
      if (value & spec::reg::ctrl::AP_START) start();
      return;
    }
    if (offset == spec::reg::ISR) {
      regs_[offset / 4] ^= value;  // toggle on write
      return;
    }
    regs_[offset / 4] = value;
  }

  CardBuffer alloc(uint64_t bytes) override {
    if (bytes == 0) throw DeviceError("swemu: cannot allocate an empty card buffer");
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

  void free(const CardBuffer& buf) override {
    auto it = bufs_.find(buf.addr);
    if (it == bufs_.end() || it->second.buf.handle != buf.handle) throw DeviceError("swemu: free of an unknown buffer");
    used_ -= it->second.buf.size;
    std::free(it->second.host);
    bufs_.erase(it);
  }

  void write(const CardBuffer& buf, uint64_t offset, const void* src, uint64_t n) override {
    check_range(buf, offset, n, "swemu write");
    std::memcpy(host_of(buf) + offset, src, n);
  }

  void read(const CardBuffer& buf, uint64_t offset, void* dst, uint64_t n) override {
    check_range(buf, offset, n, "swemu read");
    std::memcpy(dst, host_of(buf) + offset, n);
  }

 protected:
  void wait_done() override {
    // start() runs the kernel synchronously; AP_DONE is set when it returns.
    if (!(read_reg(spec::reg::CTRL) & spec::reg::ctrl::AP_DONE)) throw DeviceError("swemu: kernel did not complete");
  }

 private:
  struct Buf {
    CardBuffer buf;
    uint8_t* host;
  };

  void check_reg(uint32_t offset) const {
    if (offset % 4 || offset >= spec::reg::SPACE_BYTES) {
      std::ostringstream os;
      os << "swemu: register offset 0x" << std::hex << offset << " is outside the control slave";
      throw DeviceError(os.str());
    }
  }

  uint8_t* host_of(const CardBuffer& buf) {
    auto it = bufs_.find(buf.addr);
    if (it == bufs_.end() || it->second.buf.handle != buf.handle) throw DeviceError("swemu: unknown card buffer");
    return it->second.host;
  }

  // Card address held by argument i -> host pointer (must point into a buffer).
  uint8_t* arg_ptr(unsigned i) {
    const uint64_t addr = uint64_t(regs_[spec::arg::OFFSET[i] / 4]) | (uint64_t(regs_[spec::arg::OFFSET[i] / 4 + 1]) << 32);
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

  uint32_t arg_u32(unsigned i) const { return regs_[spec::arg::OFFSET[i] / 4]; }

  void start() {
    namespace a = spec::arg;
    uint32_t& ctrl = regs_[spec::reg::CTRL / 4];
    ctrl = (ctrl & ~(spec::reg::ctrl::AP_IDLE | spec::reg::ctrl::AP_DONE)) | spec::reg::ctrl::AP_START;
    auto ctl = [&](unsigned i) { return reinterpret_cast<ctl_word_t*>(arg_ptr(i)); };
    auto pkt = [&](unsigned i) { return reinterpret_cast<pkt_word_t*>(arg_ptr(i)); };
    esp_engine(ctl(a::SA_TABLE), ctl(a::REPLAY), ctl(a::COUNTERS), ctl(a::SPI_TABLE), ctl(a::DESC),
               ctl(a::COMPLETIONS), pkt(a::PKT_IN), pkt(a::PKT_OUT), arg_u32(a::N_DESC), arg_u32(a::SA_CAPACITY),
               arg_u32(a::SPI_BUCKETS_LOG2));
    ctrl = (ctrl & ~spec::reg::ctrl::AP_START) | spec::reg::ctrl::AP_DONE | spec::reg::ctrl::AP_IDLE |
           spec::reg::ctrl::AP_READY;
    if (regs_[spec::reg::GIE / 4] & 1u) regs_[spec::reg::ISR / 4] |= regs_[spec::reg::IER / 4] & 1u;
  }

  uint64_t capacity_;
  uint64_t used_ = 0;
  uint64_t next_addr_ = kBase;
  uint32_t next_handle_ = 0;
  std::vector<uint32_t> regs_;
  std::map<uint64_t, Buf> bufs_;
};

}  // namespace

std::unique_ptr<Device> open_swemu(const DeviceOptions& opts) {
  auto dev = std::make_unique<SwemuDevice>(opts.card_memory_bytes);
  dev->check_identity();
  return dev;
}

}  // namespace esp::driver::detail
