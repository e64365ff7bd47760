// cosim: the esp_engine RTL in Verilator, behind the Device interface; a
// library of its own (esp_cosim) that registers "cosim" with the driver.
//
// Registers go through AXI4-Lite transactions on the model (sim/harness
// AxilMaster); card memory is the harness's CardMemory, which the model reads
// and writes through the AXI4 memory slave. Device::run's AP_START write
// starts the kernel; wait_done() polls CTRL over AXI4-Lite, clocking the
// model, until AP_DONE, within a cycle limit (a hang is a DeviceError);
// then every completion of the run (ring_first .. CPL_PROD) must carry a
// status of the spec.
//
// Threads (device.hpp's contract): the clocked model reads and writes card
// memory in whole 64-byte bus windows (the memory slave copies a window per
// read beat), so a host write or read on another thread could touch bytes of
// a window the model is copying even when the two ranges are disjoint. The
// model only clocks inside sim_->read_reg / write_reg; sim_mu_ serialises
// those with do_write / do_read and with what wait_done reads of memory, so
// host I/O interleaves with the model between AXI4-Lite transactions. The
// buffer map (CardMemory) only changes in do_alloc / do_free, under Device's
// exclusive lock and sim_mu_. IoStats::syncs: one per write and read.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <mutex>
#include <random>
#include <sstream>

#include "engine_sim.hpp"
#include "esp/driver/cosim.hpp"
#include "sim_error.hpp"

namespace esp::driver {
namespace {

class CosimDevice final : public Device {
 public:
  explicit CosimDevice(const DeviceOptions& opts) : max_run_cycles_(opts.cosim.max_run_cycles) {
    const CosimOptions& c = opts.cosim;
    if (!(c.backpressure >= 0.0 && c.backpressure < 1.0)) {
      throw DeviceError("cosim: backpressure must be a probability in [0, 1)");
    }
    sim::SimConfig cfg;
    cfg.seed = c.seed;
    if (cfg.seed == 0) cfg.seed = (uint64_t(std::random_device{}()) << 32 | std::random_device{}()) | 1;
    cfg.timing.read_latency = c.read_latency;
    cfg.timing.write_latency = c.write_latency;
    cfg.timing.backpressure = c.backpressure;
    cfg.trace_path = c.trace_path;
    cfg.card_memory_bytes = opts.card_memory_bytes;
    if (c.print_seed) {
      std::fprintf(stderr, "cosim: seed %llu (replay with ESP_COSIM_SEED=%llu)%s%s\n",
                   static_cast<unsigned long long>(cfg.seed), static_cast<unsigned long long>(cfg.seed),
                   cfg.trace_path.empty() ? "" : ", FST trace ", cfg.trace_path.c_str());
    }
    try {
      sim_ = std::make_unique<sim::EngineSim>(cfg);
      wait_init();
    } catch (const sim::SimError& e) {
      throw DeviceError(std::string("cosim: ") + e.what());
    }
  }

  // After its reset the kernel clears its own tables (SPI table, installed
  // bits, SA store, key store) before it is idle: the device is ready then.
  void wait_init() {
    const uint64_t start = sim_->cycles();
    while (!(sim_->read_reg(spec::reg::CTRL) & spec::reg::ctrl::AP_IDLE)) {
      if (sim_->cycles() - start > kInitCycleLimit) throw DeviceError("cosim: esp_engine is not idle after its reset");
      sim_->step(256);
    }
  }

  void do_reset_kernel() override {
    try {
      sim_->reset();
      wait_init();
    } catch (const sim::SimError& e) {
      throw DeviceError(std::string("cosim: ") + e.what());
    }
  }

  std::string backend() const override { return "cosim"; }
  std::string description() const override {
    const auto& c = sim_->config();
    std::ostringstream os;
    os << "cosim (esp_engine RTL in Verilator"
       << (cosim_has_datapath() ? "" : ", not listed in available_backends: built without ESP_COSIM_DATAPATH")
       << "; seed " << c.seed << ", read/write latency " << c.timing.read_latency << "/" << c.timing.write_latency
       << " cycles, backpressure " << c.timing.backpressure << ", " << (c.card_memory_bytes >> 20)
       << " MiB card memory)";
    return os.str();
  }

  CosimStats stats() const {
    std::lock_guard<std::mutex> lock(sim_mu_);
    CosimStats s;
    s.seed = sim_->config().seed;
    s.cycles = sim_->cycles();
    s.last_run_cycles = last_run_cycles_;
    s.runs = runs_;
    s.mem_beats_read = sim_->mem_slave().beats_read();
    s.mem_beats_written = sim_->mem_slave().beats_written();
    return s;
  }

 protected:
  uint32_t do_read_reg(uint32_t offset) override {
    std::lock_guard<std::mutex> lock(sim_mu_);
    try {
      return sim_->read_reg(offset);
    } catch (const sim::SimError& e) {
      throw DeviceError(std::string("cosim: ") + e.what());
    }
  }

  void do_write_reg(uint32_t offset, uint32_t value) override {
    std::lock_guard<std::mutex> lock(sim_mu_);
    shadow_[offset / 4] = value;
    if (offset == spec::reg::CTRL && (value & spec::reg::ctrl::AP_START)) run_start_ = sim_->cycles();
    try {
      sim_->write_reg(offset, value);
    } catch (const sim::SimError& e) {
      throw DeviceError(std::string("cosim: ") + e.what());
    }
  }

  CardBuffer do_alloc(uint64_t bytes) override {
    std::lock_guard<std::mutex> lock(sim_mu_);
    try {
      const auto b = sim_->memory().alloc(bytes);
      return CardBuffer{b.addr, b.size, b.handle};
    } catch (const sim::SimError& e) {
      throw DeviceError(std::string("cosim: ") + e.what());
    }
  }

  void do_free(const CardBuffer& a) override {
    std::lock_guard<std::mutex> lock(sim_mu_);
    try {
      sim_->memory().free(a.addr, a.handle);
    } catch (const sim::SimError& e) {
      throw DeviceError(std::string("cosim: ") + e.what());
    }
  }

  void do_write(const CardBuffer& a, uint64_t offset, const void* src, uint64_t n) override {
    std::lock_guard<std::mutex> lock(sim_mu_);
    std::memcpy(host_of(a) + offset, src, n);
  }

  void do_read(const CardBuffer& a, uint64_t offset, void* dst, uint64_t n) override {
    std::lock_guard<std::mutex> lock(sim_mu_);
    std::memcpy(dst, host_of(a) + offset, n);
  }

  void wait_done() override {
    for (;;) {
      const uint32_t ctrl = do_read_reg(spec::reg::CTRL);
      if (ctrl & spec::reg::ctrl::AP_DONE) break;
      std::lock_guard<std::mutex> lock(sim_mu_);
      if (sim_->cycles() - run_start_ >= max_run_cycles_) {
        std::ostringstream os;
        os << "cosim: esp_engine did not signal ap_done within " << (sim_->cycles() - run_start_)
           << " cycles (limit " << max_run_cycles_ << ", cycle " << sim_->cycles() << ", CTRL 0x" << std::hex
           << ctrl << std::dec << ", seed " << sim_->config().seed << "): the kernel hangs";
        append_bus_errors(os);
        throw DeviceError(os.str());
      }
    }
    std::lock_guard<std::mutex> lock(sim_mu_);
    last_run_cycles_ = sim_->cycles() - run_start_;
    ++runs_;
    std::ostringstream os;
    if (append_bus_errors(os)) throw DeviceError("cosim: the kernel's card-memory accesses failed:" + os.str());
    check_completions();
  }

 private:
  uint8_t* host_of(const CardBuffer& buf) {
    try {
      return sim_->memory().host(buf.addr, buf.handle);
    } catch (const sim::SimError& e) {
      throw DeviceError(std::string("cosim: ") + e.what());
    }
  }

  bool append_bus_errors(std::ostringstream& os) {
    const auto errs = sim_->take_bus_errors();
    for (const auto& e : errs) os << "\n  " << e;
    return !errs.empty();
  }

  uint64_t arg_value(unsigned i) const {
    const unsigned w = spec::arg::OFFSET[i] / 4;
    uint64_t v = shadow_[w];
    if (spec::arg::WIDTH[i] == 64) v |= uint64_t(shadow_[w + 1]) << 32;
    return v;
  }

  // Every completion of the run (ring_first .. CPL_PROD, at their ring
  // slots) must carry a status of the spec: the RTL decides every
  // descriptor itself (a value outside the status enum is an RTL bug, never
  // passed off as a result).
  void check_completions() {
    const uint32_t first = uint32_t(arg_value(spec::arg::RING_FIRST));
    const uint32_t n = sim_->read_reg(spec::reg::CPL_PROD) - first;
    const uint64_t base = arg_value(spec::arg::CPL_RING);
    const unsigned log2 = unsigned(std::min<uint64_t>(arg_value(spec::arg::RING_LOG2), spec::MAX_RING_LOG2));
    const uint32_t mask = (uint32_t(1) << log2) - 1;
    // (a run longer than the ring left only its last 2^ring_log2 there)
    for (uint32_t k = n > mask ? n - mask - 1 : 0; k < n; ++k) {
      const uint32_t i = first + k;
      const uint8_t* c = sim_->memory().at(base + uint64_t(i & mask) * spec::completion::SIZE, spec::completion::SIZE);
      if (!c) return;  // reported as a bus error already
      const uint16_t st = spec::get<spec::completion::status>(c);
      if (std::find(std::begin(spec::kStatusAll), std::end(spec::kStatusAll), spec::Status(st)) !=
          std::end(spec::kStatusAll)) {
        continue;
      }
      std::ostringstream os;
      os << "cosim: descriptor " << i << " completed with status " << st
         << ", which is no status of the spec (seed " << sim_->config().seed << ")";
      throw DeviceError(os.str());
    }
  }

  static constexpr uint64_t kInitCycleLimit = 1'000'000;
  mutable std::mutex sim_mu_;  // the model and its card memory (see the top)
  std::unique_ptr<sim::EngineSim> sim_;
  uint32_t shadow_[spec::reg::SPACE_BYTES / 4] = {};
  uint64_t max_run_cycles_;
  uint64_t run_start_ = 0;
  uint64_t last_run_cycles_ = 0;
  uint64_t runs_ = 0;
};

}  // namespace

bool cosim_has_datapath() {
#ifdef ESP_COSIM_DATAPATH
  return true;
#else
  return false;
#endif
}

std::unique_ptr<Device> open_cosim_device(const DeviceOptions& opts) {
  auto dev = std::make_unique<CosimDevice>(opts);
  dev->check_identity(opts.required_caps);
  return dev;
}

std::unique_ptr<Device> open_cosim_device(const DeviceOptions& opts, const CosimOptions& cosim) {
  DeviceOptions o = opts;
  o.cosim = cosim;
  return open_cosim_device(o);
}

CosimStats cosim_stats(const Device& dev) {
  const auto* c = dynamic_cast<const CosimDevice*>(&dev);
  if (!c) throw DeviceError("cosim_stats: the device is '" + dev.backend() + "', not cosim");
  return c->stats();
}

namespace {

// Registers "cosim" with the driver when the program starts. The library is
// linked whole-archive (target esp_driver), so this object is always in.
[[maybe_unused]] const bool kRegistered = [] {
  register_backend("cosim", [](const DeviceOptions& o) { return open_cosim_device(o); }, cosim_has_datapath());
  return true;
}();

}  // namespace

}  // namespace esp::driver
