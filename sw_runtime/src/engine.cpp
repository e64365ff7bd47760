// The Engine: card-memory layout, SA slots and generations, the inbound SPI
// table (host shadow + changed buckets written to the card), replay-region
// allocation, and packet batches through the kernel.
//
// Not thread-safe: one thread at a time per Engine. Table updates and kernel
// runs never overlap (Device::run returns when the kernel is done).
#include "esp/runtime/engine.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "esp/runtime/detail/batch_codec.hpp"
#include "esp/runtime/detail/card_layout.hpp"
#include "esp/runtime/detail/engine_access.hpp"
#include "esp/runtime/detail/region_alloc.hpp"
#include "esp/runtime/detail/spi_table.hpp"

namespace esp::runtime {

namespace {

using detail::kPktSlotBytes;

std::string handle_str(SaHandle h) {
  std::ostringstream os;
  os << "SA handle {index " << h.index << ", generation " << h.generation << "}";
  return os.str();
}

std::string spi_str(uint32_t spi) {
  std::ostringstream os;
  os << "0x" << std::hex << spi;
  return os.str();
}

// Card buffers, freed when the engine (or a failed constructor) goes.
class Buffers {
 public:
  explicit Buffers(driver::Device& dev) : dev_(dev) {}
  ~Buffers() {
    for (auto it = owned_.rbegin(); it != owned_.rend(); ++it) {
      try {
        dev_.free(*it);
      } catch (...) {  // a destructor must not throw; the device is going anyway
      }
    }
  }
  Buffers(const Buffers&) = delete;
  Buffers& operator=(const Buffers&) = delete;
  driver::CardBuffer alloc(uint64_t bytes) {
    owned_.push_back(dev_.alloc(bytes));
    return owned_.back();
  }

 private:
  driver::Device& dev_;
  std::vector<driver::CardBuffer> owned_;
};

EngineOptions resolve(const EngineOptions& in) {
  EngineOptions o = in;
  if (o.sa_capacity == 0) throw std::invalid_argument("EngineOptions.sa_capacity: must be at least 1, got 0");
  if (o.sa_capacity > (1u << 30)) {
    throw std::invalid_argument("EngineOptions.sa_capacity: at most 2^30, got " + std::to_string(o.sa_capacity));
  }
  if (o.max_batch_packets == 0) throw std::invalid_argument("EngineOptions.max_batch_packets: must be at least 1, got 0");
  if (o.max_batch_packets > (1u << 20)) {
    throw std::invalid_argument("EngineOptions.max_batch_packets: at most 2^20, got " +
                                std::to_string(o.max_batch_packets));
  }
  if (o.replay_region_bytes == 0) o.replay_region_bytes = detail::default_replay_region(o.sa_capacity);
  return o;
}

}  // namespace

struct Engine::Impl {
  struct Slot {
    uint32_t generation = 0;  // of the current or last install
    bool used = false;
    bool inbound = false;
    uint32_t spi = 0;
    uint64_t replay_off = 0, replay_len = 0;
  };
  // One request of the kernel run being built.
  struct Item {
    size_t req;
    uint64_t in_off, out_off;
    uint32_t in_len, out_cap;
  };

  driver::Device& dev;
  const EngineOptions opts;
  Buffers bufs;
  detail::CardLayout lay;
  detail::SpiTable spi;
  detail::RegionAllocator replay;
  std::vector<Slot> slots;
  std::vector<uint32_t> free_slots;  // a stack; lowest index on top at start
  size_t installed = 0;
  driver::KernelArgs args;

  // Scratch, reused across calls (per-batch host overhead).
  std::vector<uint8_t> sa_img, zeros, desc_img, compl_img, in_img, out_img;
  std::vector<detail::Descriptor> descs;
  std::vector<detail::Completion> comps;
  std::vector<uint32_t> changed;
  std::vector<Item> items;

  Impl(driver::Device& d, const EngineOptions& o)
      : dev(d),
        opts(o),
        bufs(d),
        spi(detail::spi_log2_for(o.sa_capacity)),
        replay(o.replay_region_bytes, detail::kReplayAlign),
        slots(o.sa_capacity) {
    const uint64_t cap = o.sa_capacity, batch = o.max_batch_packets;
    lay.sa_capacity = o.sa_capacity;
    lay.spi_buckets_log2 = spi.log2();
    lay.pkt_slot_bytes = kPktSlotBytes;
    lay.replay_region_bytes = o.replay_region_bytes;
    lay.sa_table = bufs.alloc(cap * spec::sa_entry::SIZE);
    lay.replay = bufs.alloc(std::max<uint64_t>(o.replay_region_bytes, detail::kReplayAlign));
    lay.counters = bufs.alloc(cap * spec::sa_counters::SIZE);
    lay.spi_table = bufs.alloc(spi.image_bytes());
    lay.desc = bufs.alloc(batch * spec::descriptor::SIZE);
    lay.completions = bufs.alloc(batch * spec::completion::SIZE);
    lay.pkt_in = bufs.alloc(batch * kPktSlotBytes);
    lay.pkt_out = bufs.alloc(batch * kPktSlotBytes);
    // Card buffers come zero-filled: an empty SPI table, no valid SA. Write
    // the SPI table anyway so that the card and the shadow agree by
    // construction, whatever the backend.
    dev.write(lay.spi_table, 0, spi.image(), spi.image_bytes());

    args = detail::kernel_args(lay, 0);

    free_slots.reserve(o.sa_capacity);
    for (uint32_t i = o.sa_capacity; i-- > 0;) free_slots.push_back(i);
    sa_img.assign(spec::sa_entry::SIZE, 0);
    desc_img.assign(batch * spec::descriptor::SIZE, 0);
    compl_img.assign(batch * spec::completion::SIZE, 0);
    in_img.assign(batch * kPktSlotBytes, 0);
    out_img.assign(batch * kPktSlotBytes, 0);
    items.reserve(batch);
    descs.resize(batch);
    comps.resize(batch);
  }

  ~Impl() {
    // Best effort: no key material stays behind in card memory.
    std::fill(sa_img.begin(), sa_img.end(), uint8_t(0));
    for (uint32_t i = 0; i < slots.size(); ++i) {
      if (!slots[i].used) continue;
      try {
        dev.write(lay.sa_table, uint64_t(i) * spec::sa_entry::SIZE, sa_img.data(), sa_img.size());
      } catch (...) {
      }
    }
  }

  bool valid(SaHandle h) const {
    return h.index < slots.size() && slots[h.index].used && slots[h.index].generation == h.generation &&
           h.generation != 0;
  }

  void require(SaHandle h, const char* what) const {
    if (!valid(h)) {
      std::string why = h.index >= slots.size() ? "index out of range (capacity " + std::to_string(slots.size()) + ")"
                        : !slots[h.index].used  ? "slot is free"
                                                : "slot now holds generation " + std::to_string(slots[h.index].generation);
      throw std::invalid_argument(std::string(what) + ": stale " + handle_str(h) + ": " + why);
    }
  }

  void write_zeros(const driver::CardBuffer& b, uint64_t off, uint64_t n) {
    if (zeros.size() < n) zeros.assign(n, 0);
    dev.write(b, off, zeros.data(), n);
  }

  void write_buckets(const std::vector<uint32_t>& bs) {
    for (uint32_t b : bs) {
      dev.write(lay.spi_table, uint64_t(b) * spec::spi_bucket::SIZE, spi.bucket_image(b), spec::spi_bucket::SIZE);
    }
  }

  SaHandle add(const SaConfig& cfg) {
    cfg.validate();
    const bool inbound = cfg.direction == Direction::Inbound;
    if (inbound && spi.find(cfg.spi) != 0) {
      throw DuplicateSpi("add_sa: an inbound SA with SPI " + spi_str(cfg.spi) + " is already installed");
    }
    if (free_slots.empty()) {
      throw SaTableFull("add_sa: SA table full: all " + std::to_string(slots.size()) + " slots in use");
    }
    const uint32_t index = free_slots.back();
    Slot& s = slots[index];
    uint64_t roff = 0, rlen = 0;
    if (inbound) {
      rlen = detail::replay_footprint(cfg.window_bits);
      auto off = replay.alloc(rlen);
      if (!off) {
        throw SaTableFull("add_sa: replay region full: no room for a " + std::to_string(cfg.window_bits) +
                          "-bit window (" + std::to_string(rlen) + " bytes; " + std::to_string(replay.free_bytes()) +
                          " of " + std::to_string(replay.size()) + " bytes free, largest block " +
                          std::to_string(replay.largest_free()) + ")");
      }
      roff = *off;
      changed.clear();
      const auto r = spi.insert(cfg.spi, index + 1, changed);
      if (r != detail::SpiTable::Insert::Ok) {
        replay.free(roff, rlen);
        throw SaTableFull("add_sa: SPI table cannot place SPI " + spi_str(cfg.spi) + " (" +
                          std::to_string(spi.size()) + " SPIs in " + std::to_string(spi.buckets()) +
                          " buckets; no cuckoo path within " + std::to_string(detail::SpiTable::kMaxPathLength) +
                          " moves)");
      }
    }
    uint32_t gen = s.generation + 1;
    if (gen == 0) gen = 1;  // 0 is never a live generation

    try {
      if (inbound) write_zeros(lay.replay, roff, rlen);
      write_zeros(lay.counters, uint64_t(index) * spec::sa_counters::SIZE, spec::sa_counters::SIZE);
      detail::encode_sa_entry(cfg, gen, roff, sa_img.data());
      dev.write(lay.sa_table, uint64_t(index) * spec::sa_entry::SIZE, sa_img.data(), sa_img.size());
      detail::secure_wipe(sa_img.data(), sa_img.size());
      // Last: the card can find the SA only once its entry is complete.
      if (inbound) write_buckets(changed);
    } catch (...) {
      detail::secure_wipe(sa_img.data(), sa_img.size());
      if (inbound) {
        uint32_t b = 0;
        spi.erase(cfg.spi, b);
        try {
          changed.push_back(b);
          write_buckets(changed);
          write_zeros(lay.sa_table, uint64_t(index) * spec::sa_entry::SIZE, spec::sa_entry::SIZE);
        } catch (...) {
        }
        replay.free(roff, rlen);
      }
      throw;
    }

    free_slots.pop_back();
    s.generation = gen;
    s.used = true;
    s.inbound = inbound;
    s.spi = cfg.spi;
    s.replay_off = roff;
    s.replay_len = rlen;
    ++installed;
    return SaHandle{index, gen};
  }

  void remove(SaHandle h) {
    require(h, "delete_sa");
    Slot& s = slots[h.index];
    if (s.inbound) {
      uint32_t b = 0;
      if (spi.erase(s.spi, b)) {
        dev.write(lay.spi_table, uint64_t(b) * spec::spi_bucket::SIZE, spi.bucket_image(b), spec::spi_bucket::SIZE);
      }
    }
    // The whole entry: VALID cleared, key and salt gone.
    write_zeros(lay.sa_table, uint64_t(h.index) * spec::sa_entry::SIZE, spec::sa_entry::SIZE);
    if (s.inbound) replay.free(s.replay_off, s.replay_len);
    s.used = false;
    s.inbound = false;
    s.spi = 0;
    s.replay_off = s.replay_len = 0;
    free_slots.push_back(h.index);
    --installed;
  }

  SaCounters counters(SaHandle h) {
    require(h, "counters");
    uint8_t img[spec::sa_counters::SIZE];
    dev.read(lay.counters, uint64_t(h.index) * spec::sa_counters::SIZE, img, sizeof img);
    SaCounters out;
    spec::unpack(img, out);
    return out;
  }

  std::vector<Result> process(const std::vector<Request>& reqs) {
    for (size_t i = 0; i < reqs.size(); ++i) {
      if (reqs[i].op == spec::Opcode::ENCRYPT && !valid(reqs[i].sa)) {
        require(reqs[i].sa, ("process: request " + std::to_string(i) + " (ENCRYPT)").c_str());
      }
      if (reqs[i].dummy && reqs[i].op != spec::Opcode::ENCRYPT) {
        throw std::invalid_argument("process: request " + std::to_string(i) +
                                    ": dummy packets are sent with ENCRYPT only (opcode " +
                                    std::to_string(unsigned(static_cast<uint8_t>(reqs[i].op))) + ")");
      }
    }
    std::vector<Result> results(reqs.size());
    size_t next = 0;
    while (next < reqs.size()) {
      items.clear();
      uint64_t in_used = 0, out_used = 0;
      while (next < reqs.size() && items.size() < opts.max_batch_packets) {
        const Request& r = reqs[next];
        if (r.data.size() > spec::MAX_PKT_BYTES) {
          // Cannot be placed in a packet slot: refused here, never sent.
          results[next].status = spec::Status::MALFORMED;
          ++next;
          continue;
        }
        const uint32_t len = static_cast<uint32_t>(r.data.size());
        const uint32_t cap = detail::out_capacity_for(len);
        items.push_back(Item{next, in_used, out_used, len, cap});
        in_used += detail::in_footprint(len);
        out_used += cap;
        ++next;
      }
      if (!items.empty()) run(reqs, results, in_used);
    }
    return results;
  }

  void run(const std::vector<Request>& reqs, std::vector<Result>& results, uint64_t in_used) {
    const size_t n = items.size();
    uint8_t* in = in_img.data();
    for (size_t k = 0; k < n; ++k) {
      const Item& it = items[k];
      const Request& r = reqs[it.req];
      if (it.in_len) std::memcpy(in + it.in_off, r.data.data(), it.in_len);
      const uint64_t end = it.in_off + detail::in_footprint(it.in_len);
      std::memset(in + it.in_off + it.in_len, 0, end - (it.in_off + it.in_len));  // no stale bytes on the card

      detail::Descriptor& d = descs[k];
      d.op = r.op;
      d.flags = r.dummy ? spec::descriptor::flags_bit::DUMMY : 0;
      d.sa_index = r.op == spec::Opcode::DECRYPT ? 0u : r.sa.index;
      d.in_offset = it.in_off;
      d.in_length = it.in_len;
      d.out_capacity = it.out_cap;
      d.out_offset = it.out_off;
    }
    detail::pack_descriptors(descs.data(), n, desc_img.data());
    dev.write(lay.desc, 0, desc_img.data(), n * spec::descriptor::SIZE);
    dev.write(lay.pkt_in, 0, in, in_used);
    args.set(spec::arg::N_DESC, uint64_t(n));
    dev.run(args);
    dev.read(lay.completions, 0, compl_img.data(), n * spec::completion::SIZE);
    detail::unpack_completions(compl_img.data(), n, comps.data());

    // The outputs: one read of the range that holds every OK output.
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t k = 0; k < n; ++k) {
      const detail::Completion& c = comps[k];
      const std::string breach = detail::completion_breach(descs[k], c);
      if (!breach.empty()) {
        throw driver::DeviceError(dev.backend() + ": completion " + std::to_string(k) +
                                  " breaks the contract: " + breach);
      }
      detail::fill_result(c, results[items[k].req]);
      if (c.status != spec::Status::OK) continue;
      lo = std::min(lo, c.out_offset);
      hi = std::max(hi, c.out_offset + c.out_length);
    }
    if (hi > lo) dev.read(lay.pkt_out, lo, out_img.data() + lo, hi - lo);
    for (size_t k = 0; k < n; ++k) {
      const detail::Completion& c = comps[k];
      if (c.status != spec::Status::OK) continue;
      results[items[k].req].data.assign(out_img.data() + c.out_offset, out_img.data() + c.out_offset + c.out_length);
    }
  }
};

Engine::Engine(std::unique_ptr<driver::Device> dev, const EngineOptions& opts)
    : dev_(std::move(dev)), opts_(resolve(opts)) {
  if (!dev_) throw std::invalid_argument("Engine: no device");
  impl_ = std::make_unique<Impl>(*dev_, opts_);
}

Engine::~Engine() = default;

driver::Device& detail::EngineAccess::device(Engine& e) { return *e.dev_; }
const detail::CardLayout& detail::EngineAccess::layout(const Engine& e) { return e.impl_->lay; }

SaHandle Engine::add_sa(const SaConfig& cfg) { return impl_->add(cfg); }
void Engine::delete_sa(SaHandle h) { impl_->remove(h); }
SaCounters Engine::counters(SaHandle h) { return impl_->counters(h); }
size_t Engine::sa_count() const { return impl_->installed; }
bool Engine::valid(SaHandle h) const { return impl_->valid(h); }

bool Engine::find_inbound(uint32_t spi, SaHandle& out) const {
  const uint32_t ref = impl_->spi.find(spi);
  if (ref == 0) return false;
  out = SaHandle{ref - 1, impl_->slots[ref - 1].generation};
  return true;
}

uint64_t replay_region_bytes_for(uint32_t n_sa, uint32_t window_bits) {
  return uint64_t(n_sa) * detail::replay_footprint(window_bits);
}

std::vector<Result> Engine::process(const std::vector<Request>& reqs) { return impl_->process(reqs); }

}  // namespace esp::runtime
