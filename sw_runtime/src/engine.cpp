// The Engine's public methods: each takes the card lock and calls Impl
// (engine_sa.cpp: SA table; engine_run.cpp: kernel runs).
#include "esp/runtime/engine.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "engine_impl.hpp"
#include "esp/runtime/detail/engine_access.hpp"

namespace esp::runtime {

namespace detail {

Buffers::~Buffers() {
  for (auto it = owned_.rbegin(); it != owned_.rend(); ++it) {
    try {
      dev_.free(*it);
    } catch (...) {  // a destructor must not throw; the device is going anyway
    }
  }
}

driver::CardBuffer Buffers::alloc(uint64_t bytes) {
  owned_.push_back(dev_.alloc(bytes));
  return owned_.back();
}

ShadowBytes::ShadowBytes(size_t n) : p_(static_cast<uint8_t*>(std::calloc(n ? n : 1, 1))), n_(n) {
  if (!p_) throw std::bad_alloc();
}

ShadowBytes::~ShadowBytes() {
  // Only the pages that were ever written hold keys; wiping every page would
  // touch (and commit) all of them. Installed slots are wiped on delete and
  // by ~Impl; here the rest is released as it is.
  std::free(p_);
}

}  // namespace detail

namespace {

EngineOptions resolve(const EngineOptions& in) {
  EngineOptions o = in;
  if (o.sa_capacity == 0) throw std::invalid_argument("EngineOptions.sa_capacity: must be at least 1, got 0");
  if (o.sa_capacity > (1u << 30)) {
    throw std::invalid_argument("EngineOptions.sa_capacity: at most 2^30, got " + std::to_string(o.sa_capacity));
  }
  if (o.max_batch_packets == 0) throw std::invalid_argument("EngineOptions.max_batch_packets: must be at least 1, got 0");
  if (detail::ring_log2_for(o.max_batch_packets) == 0) {
    throw std::invalid_argument("EngineOptions.max_batch_packets: at most " +
                                std::to_string((1u << spec::MAX_RING_LOG2) - 1) +
                                " (a batch and its STOP in a ring of 2^MAX_RING_LOG2), got " +
                                std::to_string(o.max_batch_packets));
  }
  if (o.replay_region_bytes == 0) o.replay_region_bytes = detail::default_replay_region(o.sa_capacity);
  return o;
}

std::string handle_str(SaHandle h) {
  std::ostringstream os;
  os << "SA handle {index " << h.index << ", generation " << h.generation << "}";
  return os.str();
}

}  // namespace

Engine::Impl::Impl(driver::Device& d, const EngineOptions& o)
    : dev(d),
      opts(o),
      bufs(d),
      spi(detail::spi_log2_for(o.sa_capacity)),
      replay(o.replay_region_bytes, detail::kReplayAlign),
      slots(o.sa_capacity),
      live(new std::atomic<uint32_t>[o.sa_capacity]),
      images(size_t(o.sa_capacity) * spec::sa_entry::SIZE) {
  // The card's own tables: an SA table or SPI table that does not fit is the
  // caller's error, before anything is allocated.
  max_sas = dev.read_reg(spec::reg::MAX_SAS);
  max_spi_log2 = dev.read_reg(spec::reg::MAX_SPI_BUCKETS_LOG2);
  if (o.sa_capacity > max_sas) {
    throw std::invalid_argument("EngineOptions.sa_capacity: " + std::to_string(o.sa_capacity) +
                                " SAs do not fit the card's SA table: " + dev.backend() + " holds " +
                                std::to_string(max_sas) + " (MAX_SAS)");
  }
  if (spi.log2() > max_spi_log2) {
    throw std::invalid_argument("EngineOptions.sa_capacity: " + std::to_string(o.sa_capacity) +
                                " SAs need an SPI table of 2^" + std::to_string(spi.log2()) + " buckets; " +
                                dev.backend() + " holds 2^" + std::to_string(max_spi_log2) +
                                " (MAX_SPI_BUCKETS_LOG2)");
  }
  const uint64_t cap = o.sa_capacity, batch = o.max_batch_packets;
  for (uint32_t i = 0; i < o.sa_capacity; ++i) live[i].store(0, std::memory_order_relaxed);
  lay.sa_capacity = o.sa_capacity;
  lay.spi_buckets_log2 = spi.log2();
  lay.ring_log2 = detail::ring_log2_for(o.max_batch_packets);
  lay.pkt_slot_bytes = detail::kPktSlotBytes;
  lay.replay_region_bytes = o.replay_region_bytes;
  const uint64_t ring_entries = uint64_t(1) << lay.ring_log2;
  lay.sa_table = bufs.alloc(cap * spec::sa_entry::SIZE);
  lay.sa_state = bufs.alloc(cap * spec::sa_state::SIZE);
  lay.replay = bufs.alloc(std::max<uint64_t>(o.replay_region_bytes, detail::kReplayAlign));
  lay.desc_ring = bufs.alloc(ring_entries * spec::descriptor::SIZE);
  lay.cpl_ring = bufs.alloc(ring_entries * spec::completion::SIZE);
  lay.pkt_in = bufs.alloc(batch * detail::kPktSlotBytes);
  lay.pkt_out = bufs.alloc(batch * detail::kPktSlotBytes);
  own = detail::BatchBuffers{lay.pkt_in, lay.pkt_out, o.max_batch_packets, batch * detail::kPktSlotBytes};
  // A card just opened or reset holds no SA and an empty SPI table
  // (CONTRACT.md "The card's own state"); the first run starts at its
  // CPL_PROD (0 then).
  ring.attach(lay.desc_ring, lay.cpl_ring, lay.ring_log2, dev.read_reg(spec::reg::CPL_PROD));
  args = detail::kernel_args(lay, 0);

  free_slots.reserve(o.sa_capacity);
  for (uint32_t i = o.sa_capacity; i-- > 0;) free_slots.push_back(i);
}

Engine::Impl::~Impl() {
  // Best effort: no key material stays behind in card memory or the shadow.
  std::vector<SaHandle> hs;
  for (uint32_t i = 0; i < slots.size(); ++i) {
    if (slots[i].used) hs.push_back(SaHandle{i, slots[i].generation});
  }
  try {
    remove_many(hs.data(), hs.size());
  } catch (...) {
    for (const SaHandle& h : hs) detail::secure_wipe(image(h.index), spec::sa_entry::SIZE);
  }
}

void Engine::Impl::require(SaHandle h, const char* what) const {
  if (valid(h)) return;
  std::string why = h.index >= slots.size() ? "index out of range (capacity " + std::to_string(slots.size()) + ")"
                    : h.generation == 0     ? "generation 0 is never installed"
                    : !slots[h.index].used  ? "slot is free"
                                            : "slot now holds generation " + std::to_string(slots[h.index].generation);
  throw std::invalid_argument(std::string(what) + ": stale " + handle_str(h) + ": " + why);
}

Engine::Engine(std::unique_ptr<driver::Device> dev, const EngineOptions& opts)
    : dev_(std::move(dev)), opts_(resolve(opts)) {
  if (!dev_) throw std::invalid_argument("Engine: no device");
  impl_ = std::make_unique<Impl>(*dev_, opts_);
}

Engine::~Engine() = default;

SaHandle Engine::add_sa(const SaConfig& cfg) {
  std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->add_many(&cfg, 1).front();
}

std::vector<SaHandle> Engine::add_sas(const std::vector<SaConfig>& cfgs) {
  std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->add_many(cfgs.data(), cfgs.size());
}

void Engine::delete_sa(SaHandle h) {
  std::lock_guard<std::mutex> g(impl_->mu);
  impl_->remove_many(&h, 1);
}

void Engine::delete_sas(const std::vector<SaHandle>& hs) {
  std::lock_guard<std::mutex> g(impl_->mu);
  impl_->remove_many(hs.data(), hs.size());
}

void Engine::update_sa(SaHandle h, const SaUpdate& u) {
  std::lock_guard<std::mutex> g(impl_->mu);
  impl_->update(h, u);
}

Engine::SaState Engine::sa_state(SaHandle h) {
  std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->state(h);
}

void Engine::reprogram() {
  std::lock_guard<std::mutex> g(impl_->mu);
  impl_->reprogram();
}

SaCounters Engine::counters(SaHandle h) {
  std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->counters(h);
}

size_t Engine::sa_count() const {
  std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->installed;
}

bool Engine::valid(SaHandle h) const { return impl_->valid(h); }

bool Engine::find_inbound(uint32_t spi, SaHandle& out) const {
  std::lock_guard<std::mutex> g(impl_->mu);
  const uint32_t ref = impl_->spi.find(spi);
  if (ref == 0) return false;
  out = SaHandle{ref - 1, impl_->slots[ref - 1].generation};
  return true;
}

Engine::RunStats Engine::run_stats() const {
  RunStats r;
  r.runs = impl_->runs.load(std::memory_order_relaxed);
  r.packets = impl_->run_packets.load(std::memory_order_relaxed);
  r.run_ns = impl_->run_ns.load(std::memory_order_relaxed);
  r.run_cpu_ns = impl_->run_cpu_ns.load(std::memory_order_relaxed);
  return r;
}

std::vector<Result> Engine::process(const std::vector<Request>& reqs) {
  std::lock_guard<std::mutex> g(impl_->mu);
  return impl_->process(reqs);
}

uint64_t replay_region_bytes_for(uint32_t n_sa, uint32_t window_bits) {
  return uint64_t(n_sa) * detail::replay_footprint(window_bits);
}

// --- internal access ---

driver::Device& detail::EngineAccess::device(Engine& e) { return *e.dev_; }
const detail::CardLayout& detail::EngineAccess::layout(const Engine& e) { return e.impl_->lay; }
void detail::EngineAccess::wipe_card(Engine& e) {
  std::lock_guard<std::mutex> g(e.impl_->mu);
  e.impl_->wipe_card();
}
void detail::EngineAccess::run_descriptors(Engine& e, const Descriptor* d, size_t n, Completion* out) {
  std::lock_guard<std::mutex> g(e.impl_->mu);
  e.impl_->run_raw(e.impl_->own, d, n, out);
}
void detail::EngineAccess::queue_install(Engine& e, uint32_t index, bool keep_state) {
  std::lock_guard<std::mutex> g(e.impl_->mu);
  if (index >= e.impl_->slots.size()) throw std::invalid_argument("queue_install: index out of range");
  e.impl_->queue_install(index, keep_state);
}
void detail::EngineAccess::flush_commands(Engine& e) {
  std::lock_guard<std::mutex> g(e.impl_->mu);
  e.impl_->flush_commands();
}
void detail::EngineAccess::sync_state(Engine& e) {
  std::lock_guard<std::mutex> g(e.impl_->mu);
  e.impl_->sync_state();
}
std::vector<detail::Command> detail::EngineAccess::queued_commands(const Engine& e) {
  std::lock_guard<std::mutex> g(e.impl_->mu);
  return e.impl_->ring.queued_commands();
}
uint32_t detail::EngineAccess::ring_next(const Engine& e) {
  std::lock_guard<std::mutex> g(e.impl_->mu);
  return e.impl_->ring.next();
}

detail::BatchBuffers detail::EnginePort::alloc_batch(Engine& e, uint32_t max_packets) {
  if (max_packets == 0) throw std::invalid_argument("EnginePort::alloc_batch: max_packets must be at least 1");
  std::lock_guard<std::mutex> g(e.impl_->mu);
  driver::Device& d = *e.dev_;
  BatchBuffers b;
  b.max_packets = max_packets;
  b.pkt_bytes = uint64_t(max_packets) * kPktSlotBytes;
  b.pkt_in = d.alloc(b.pkt_bytes);
  try {
    b.pkt_out = d.alloc(b.pkt_bytes);
  } catch (...) {
    d.free(b.pkt_in);
    throw;
  }
  return b;
}

void detail::EnginePort::free_batch(Engine& e, const BatchBuffers& b) {
  std::lock_guard<std::mutex> g(e.impl_->mu);
  for (const driver::CardBuffer* c : {&b.pkt_in, &b.pkt_out}) {
    if (c->valid()) e.dev_->free(*c);
  }
}

driver::Device& detail::EnginePort::device(Engine& e) { return *e.dev_; }

void detail::EnginePort::run(Engine& e, const BatchBuffers& b, Descriptor* d, const DescInfo* info, Completion* out,
                             size_t n) {
  std::lock_guard<std::mutex> g(e.impl_->mu);
  e.impl_->run_locked(b, d, info, out, n);
}

uint32_t detail::EnginePort::live_generation(const Engine& e, uint32_t index) {
  if (index >= e.impl_->slots.size()) return 0;
  return e.impl_->live[index].load(std::memory_order_acquire);
}

spec::SaEntry detail::EnginePort::entry(Engine& e, uint32_t index) {
  std::lock_guard<std::mutex> g(e.impl_->mu);
  spec::SaEntry out;
  if (index >= e.impl_->slots.size()) return out;
  spec::unpack(e.impl_->image(index), out);
  secure_wipe(out.key, sizeof out.key);
  secure_wipe(out.salt, sizeof out.salt);
  return out;
}

std::vector<SaHandle> detail::EnginePort::installed(Engine& e) {
  std::lock_guard<std::mutex> g(e.impl_->mu);
  std::vector<SaHandle> out;
  out.reserve(e.impl_->installed);
  for (uint32_t i = 0; i < e.impl_->slots.size(); ++i) {
    if (e.impl_->slots[i].used) out.push_back(SaHandle{i, e.impl_->slots[i].generation});
  }
  return out;
}

}  // namespace esp::runtime
