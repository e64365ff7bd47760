// Device's checked public methods (the one contract of every backend) and
// KernelArgs.
#include "esp/driver/device.hpp"

#include <limits>
#include <mutex>
#include <sstream>
#include <type_traits>

namespace esp::driver {
namespace {

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

}  // namespace

CardBuffer sub(const CardBuffer& buf, uint64_t offset, uint64_t size) {
  if (!buf.valid()) throw DeviceError("sub: invalid card buffer");
  if (size == 0) throw DeviceError("sub: an empty range is no card buffer");
  if (offset > buf.size || size > buf.size - offset) {
    throw DeviceError("sub: range [" + std::to_string(offset) + ", +" + std::to_string(size) + ") is outside the " +
                      std::to_string(buf.size) + "-byte card buffer at " + hex(buf.addr));
  }
  return CardBuffer{buf.addr + offset, size, buf.handle};
}

void KernelArgs::set(spec::arg::Index i, const CardBuffer& b) {
  if (!spec::arg::IS_POINTER[i]) {
    throw DeviceError(std::string("kernel argument '") + spec::arg::NAME[i] + "' is a scalar, not a buffer");
  }
  buf_[i] = b;
}

void KernelArgs::set(spec::arg::Index i, uint64_t scalar) {
  if (spec::arg::IS_POINTER[i]) {
    throw DeviceError(std::string("kernel argument '") + spec::arg::NAME[i] + "' is a buffer, not a scalar");
  }
  scalar_[i] = scalar;
}

uint64_t KernelArgs::value(unsigned i) const { return spec::arg::IS_POINTER[i] ? buf_[i].addr : scalar_[i]; }

// ------------------------------------------------------------------ registers

namespace {

void check_reg(const Device& d, uint32_t offset) {
  if (offset % 4 || offset >= spec::reg::SPACE_BYTES) {
    throw DeviceError(d.backend() + ": register offset " + hex(offset) + " is outside the control slave (" +
                      std::to_string(spec::reg::SPACE_BYTES) + " bytes of 32-bit registers)");
  }
}

}  // namespace

uint32_t Device::read_reg(uint32_t offset) {
  check_reg(*this, offset);
  std::shared_lock<std::shared_mutex> lock(mu_);
  return do_read_reg(offset);
}

void Device::write_reg(uint32_t offset, uint32_t value) {
  check_reg(*this, offset);
  // A write of AP_START runs the kernel on swemu: its buffers stay allocated.
  std::shared_lock<std::shared_mutex> lock(mu_);
  do_write_reg(offset, value);
}

// ---------------------------------------------------------------- card memory

CardBuffer Device::alloc(uint64_t bytes) {
  constexpr uint64_t kPage = 4096;
  if (bytes == 0) throw DeviceError(backend() + ": cannot allocate an empty card buffer");
  if (bytes > std::numeric_limits<uint64_t>::max() - kPage) {
    throw DeviceError(backend() + ": a card buffer of " + std::to_string(bytes) + " bytes overflows");
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  const CardBuffer b = do_alloc(bytes);
  if (!b.valid() || b.size < bytes || b.size % kPage || allocs_.count(b.handle)) {
    throw DeviceError(backend() + ": the backend returned a malformed allocation (handle " +
                      std::to_string(b.handle) + ", " + std::to_string(b.size) + " bytes for " +
                      std::to_string(bytes) + ")");
  }
  allocs_.emplace(b.handle, b);
  return b;
}

CardBuffer Device::allocation_of(const CardBuffer& buf, const char* what) const {
  if (!buf.valid()) throw DeviceError(backend() + " " + what + ": invalid card buffer");
  auto it = allocs_.find(buf.handle);
  if (it == allocs_.end()) {
    throw DeviceError(backend() + " " + what + ": unknown card buffer (handle " + std::to_string(buf.handle) +
                      " at " + hex(buf.addr) + ": never allocated or freed)");
  }
  const CardBuffer& a = it->second;
  if (buf.addr < a.addr || buf.addr - a.addr > a.size || buf.size > a.size - (buf.addr - a.addr)) {
    throw DeviceError(backend() + " " + what + ": card buffer [" + hex(buf.addr) + ", +" + std::to_string(buf.size) +
                      ") is not inside its " + std::to_string(a.size) + "-byte allocation at " + hex(a.addr));
  }
  return a;
}

void Device::free(const CardBuffer& allocation) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  const CardBuffer a = allocation_of(allocation, "free");
  if (allocation.addr != a.addr || allocation.size != a.size) {
    throw DeviceError(backend() + " free: [" + hex(allocation.addr) + ", +" + std::to_string(allocation.size) +
                      ") is a sub-range of the allocation at " + hex(a.addr) + "; free the allocation itself");
  }
  do_free(a);
  allocs_.erase(a.handle);
}

namespace {

// The range [offset, offset + n) of buf, checked; returns its offset in `a`.
uint64_t checked_range(const Device& d, const CardBuffer& a, const CardBuffer& buf, uint64_t offset, uint64_t n,
                       const char* what) {
  if (offset > buf.size || n > buf.size - offset) {
    std::ostringstream os;
    os << d.backend() << " " << what << ": range [" << offset << ", +" << n << ") is outside the " << buf.size
       << "-byte card buffer at 0x" << std::hex << buf.addr;
    throw DeviceError(os.str());
  }
  return (buf.addr - a.addr) + offset;
}

}  // namespace

void Device::write(const CardBuffer& buf, uint64_t offset, const void* src, uint64_t n) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  const CardBuffer a = allocation_of(buf, "write");
  const uint64_t at = checked_range(*this, a, buf, offset, n, "write");
  if (n == 0) return;
  if (!src) throw DeviceError(backend() + " write: no source bytes");
  do_write(a, at, src, n);
  count_write(n);
}

void Device::read(const CardBuffer& buf, uint64_t offset, void* dst, uint64_t n) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  const CardBuffer a = allocation_of(buf, "read");
  const uint64_t at = checked_range(*this, a, buf, offset, n, "read");
  if (n == 0) return;
  if (!dst) throw DeviceError(backend() + " read: no destination");
  do_read(a, at, dst, n);
  count_read(n);
}

namespace {

// Checks every segment of a gather/scatter (Seg: WriteSeg or ReadSeg, ptr
// its src/dst); returns the bytes they move.
template <class Seg, class Ptr>
uint64_t checked_segments(const Device& d, const CardBuffer& a, const CardBuffer& buf, const Seg* segs, size_t n,
                          Ptr ptr, const char* what) {
  if (n && !segs) throw DeviceError(d.backend() + " " + what + ": " + std::to_string(n) + " segments but no array");
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    try {
      checked_range(d, a, buf, segs[i].offset, segs[i].n, what);
    } catch (const DeviceError& e) {
      throw DeviceError(std::string(e.what()) + " (segment " + std::to_string(i) + ")");
    }
    if (segs[i].n && !ptr(segs[i])) {
      throw DeviceError(d.backend() + " " + what + ": segment " + std::to_string(i) + " has no " +
                        (std::is_same<Seg, WriteSeg>::value ? "source bytes" : "destination"));
    }
    total = segs[i].n > std::numeric_limits<uint64_t>::max() - total ? std::numeric_limits<uint64_t>::max()
                                                                     : total + segs[i].n;
  }
  return total;
}

}  // namespace

void Device::write_gather(const CardBuffer& buf, const WriteSeg* segs, size_t n, Gaps gaps) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  const CardBuffer a = allocation_of(buf, "write_gather");
  const uint64_t bytes =
      checked_segments(*this, a, buf, segs, n, [](const WriteSeg& s) { return s.src; }, "write_gather");
  if (bytes == 0) return;
  do_write_gather(a, buf.addr - a.addr, segs, n, gaps);
  count_write(bytes);
}

void Device::read_scatter(const CardBuffer& buf, const ReadSeg* segs, size_t n, Gaps gaps) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  const CardBuffer a = allocation_of(buf, "read_scatter");
  const uint64_t bytes =
      checked_segments(*this, a, buf, segs, n, [](const ReadSeg& s) { return s.dst; }, "read_scatter");
  if (bytes == 0) return;
  do_read_scatter(a, buf.addr - a.addr, segs, n, gaps);
  count_read(bytes);
}

void Device::do_write_gather(const CardBuffer& allocation, uint64_t base, const WriteSeg* segs, size_t n, Gaps) {
  for (size_t i = 0; i < n; ++i) {
    if (segs[i].n) do_write(allocation, base + segs[i].offset, segs[i].src, segs[i].n);
  }
}

void Device::do_read_scatter(const CardBuffer& allocation, uint64_t base, const ReadSeg* segs, size_t n, Gaps) {
  for (size_t i = 0; i < n; ++i) {
    if (segs[i].n) do_read(allocation, base + segs[i].offset, segs[i].dst, segs[i].n);
  }
}

void Device::count_write(uint64_t bytes) {
  writes_.fetch_add(1, std::memory_order_relaxed);
  write_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  if (!counts_own_syncs()) syncs_.fetch_add(1, std::memory_order_relaxed);
}

void Device::count_read(uint64_t bytes) {
  reads_.fetch_add(1, std::memory_order_relaxed);
  read_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  if (!counts_own_syncs()) syncs_.fetch_add(1, std::memory_order_relaxed);
}

IoStats Device::io_stats() const {
  IoStats s;
  s.writes = writes_.load(std::memory_order_relaxed);
  s.write_bytes = write_bytes_.load(std::memory_order_relaxed);
  s.reads = reads_.load(std::memory_order_relaxed);
  s.read_bytes = read_bytes_.load(std::memory_order_relaxed);
  s.runs = runs_.load(std::memory_order_relaxed);
  s.syncs = syncs_.load(std::memory_order_relaxed);
  return s;
}

// ----------------------------------------------------------------------- runs

void Device::run(const KernelArgs& args) {
  // Shared for the whole run: no buffer of it is freed while the kernel runs.
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    // The name only on an error: a run allocates nothing when all is well.
    auto name = [i] { return std::string("kernel argument '") + spec::arg::NAME[i] + "'"; };
    if (spec::arg::IS_POINTER[i]) {
      if (!args.buffer(i).valid()) throw DeviceError(backend() + ": " + name() + " has no buffer");
      try {
        allocation_of(args.buffer(i), "run");
      } catch (const DeviceError& e) {
        throw DeviceError(name() + ": " + e.what());
      }
    } else if (spec::arg::WIDTH[i] < 64 && args.scalar(i) >> spec::arg::WIDTH[i]) {
      throw DeviceError(backend() + ": " + name() + " = " + std::to_string(args.scalar(i)) + " does not fit its " +
                        std::to_string(spec::arg::WIDTH[i]) + " bits");
    }
  }
  runs_.fetch_add(1, std::memory_order_relaxed);
  do_run(args);
}

void Device::do_run(const KernelArgs& args) {
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    const uint64_t v = args.value(i);
    do_write_reg(spec::arg::OFFSET[i], static_cast<uint32_t>(v));
    if (spec::arg::WIDTH[i] == 64) do_write_reg(spec::arg::OFFSET[i] + 4, static_cast<uint32_t>(v >> 32));
  }
  do_write_reg(spec::reg::CTRL, spec::reg::ctrl::AP_START);
  wait_done();
}

void Device::reset_kernel() {
  std::unique_lock<std::shared_mutex> lock(mu_);
  do_reset_kernel();
}

void Device::do_reset_kernel() { throw DeviceError(backend() + ": this backend cannot reset the kernel from the host"); }

// ------------------------------------------------------------------- identity

void Device::check_identity(uint32_t required_caps) {
  const uint32_t id = read_reg(spec::reg::ID);
  const uint32_t ver = read_reg(spec::reg::VERSION);
  const uint32_t caps = read_reg(spec::reg::CAPS);
  const uint32_t hash = read_reg(spec::reg::SPEC_HASH);
  std::ostringstream os;
  os << std::hex;
  if (id != spec::KERNEL_ID) os << "; ID: card 0x" << id << ", host 0x" << spec::KERNEL_ID;
  if (ver != spec::VERSION) {
    os << "; VERSION: card 0x" << ver << " (" << std::dec << (ver >> 16) << "." << (ver & 0xFFFF) << "), host 0x"
       << std::hex << spec::VERSION << " (" << std::dec << spec::VERSION_MAJOR << "." << spec::VERSION_MINOR << ")"
       << std::hex;
  }
  if ((caps & required_caps) != required_caps) {
    os << "; CAPS: card 0x" << caps << ", host requires 0x" << required_caps << " (missing 0x"
       << (required_caps & ~caps) << ")";
  }
  if (hash != spec::SPEC_HASH) os << "; SPEC_HASH: card 0x" << hash << ", host 0x" << spec::SPEC_HASH;
  const std::string diff = os.str();
  if (!diff.empty()) {
    throw DeviceError(backend() + ": the card does not run this host's esp_engine:" + diff.substr(1));
  }
}

}  // namespace esp::driver
