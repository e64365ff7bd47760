// The Engine's state (private to engine*.cpp): the card-memory layout, the
// ring with its queued commands, the SA slots with their host shadow (entry
// image with the key, how far the sequence numbers can have gone, host
// tallies), the SPI table (the card mirrors it through SPI_SET), the
// replay-region allocator, and the card lock that orders SA-table changes
// between kernel runs.
#pragma once

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "esp/runtime/detail/batch_codec.hpp"
#include "esp/runtime/detail/card_layout.hpp"
#include "esp/runtime/detail/card_ring.hpp"
#include "esp/runtime/detail/engine_port.hpp"
#include "esp/runtime/detail/region_alloc.hpp"
#include "esp/runtime/detail/spi_table.hpp"
#include "esp/runtime/detail/write_batch.hpp"
#include "esp/runtime/engine.hpp"

namespace esp::runtime {

namespace detail {

// Card buffers, freed when the engine (or a failed constructor) goes.
class Buffers {
 public:
  explicit Buffers(driver::Device& dev) : dev_(dev) {}
  ~Buffers();
  Buffers(const Buffers&) = delete;
  Buffers& operator=(const Buffers&) = delete;
  driver::CardBuffer alloc(uint64_t bytes);

 private:
  driver::Device& dev_;
  std::vector<driver::CardBuffer> owned_;
};

// calloc'd bytes (pages untouched until used: a 1M-entry shadow costs only
// what is installed), wiped and freed on destruction.
class ShadowBytes {
 public:
  explicit ShadowBytes(size_t n);
  ~ShadowBytes();
  ShadowBytes(const ShadowBytes&) = delete;
  ShadowBytes& operator=(const ShadowBytes&) = delete;
  uint8_t* at(size_t off) { return p_ + off; }
  const uint8_t* at(size_t off) const { return p_ + off; }

 private:
  uint8_t* p_;
  size_t n_;
};

}  // namespace detail

struct Engine::Impl {
  struct Slot {
    uint32_t generation = 0;  // of the current or last install
    bool used = false;
    bool inbound = false;
    bool esn = false;
    uint32_t spi = 0;
    uint32_t window_bits = 0;
    uint64_t replay_off = 0, replay_len = 0;
    // The shadow: what a reprogrammed card needs beyond the entry image.
    uint64_t tx_bound = 0;   // outbound: no sequence number above this can have been used
    uint64_t rx_bound = 0;   // inbound: no sequence number above this can have been accepted
    uint64_t packets = 0, bytes = 0;  // host tallies of OK completions
  };

  driver::Device& dev;
  const EngineOptions opts;
  detail::Buffers bufs;
  detail::CardLayout lay;
  uint32_t max_sas = 0, max_spi_log2 = 0;  // the card's MAX_SAS, MAX_SPI_BUCKETS_LOG2
  detail::CardRing ring;
  detail::SpiTable spi;
  detail::RegionAllocator replay;
  std::vector<Slot> slots;
  std::unique_ptr<std::atomic<uint32_t>[]> live;  // per slot: generation when installed, 0 when free
  detail::ShadowBytes images;                      // per slot: its sa_entry image (key included)
  std::vector<uint32_t> free_slots;  // a stack; lowest index on top at start
  size_t installed = 0;
  driver::KernelArgs args;
  detail::BatchBuffers own;  // process()'s batch: the layout's pkt_in/pkt_out

  // Kernel runs: how many, their descriptors, and the time inside Device::run.
  std::atomic<uint64_t> runs{0}, run_packets{0}, run_ns{0}, run_cpu_ns{0};

  // The card lock: SA-table changes and kernel runs never overlap.
  mutable std::mutex mu;
  // A run with packets ended since the last STATE_SYNC of every SA: the card
  // may hold changed state lines / replay entries (its STOPs keep them).
  bool state_on_card = false;

  // Scratch (under mu), reused across calls.
  std::vector<uint8_t> stale;  // run_locked: per descriptor, its SA went away since submit
  std::vector<detail::Descriptor> descs;
  std::vector<detail::Descriptor> raw_copy;  // run_raw: descriptors with command opcodes made NOPs
  std::vector<detail::Completion> comps;
  std::vector<detail::DescInfo> infos;
  std::vector<uint32_t> changed;
  detail::WriteBatch wb;

  Impl(driver::Device& d, const EngineOptions& o);
  ~Impl();

  uint8_t* image(uint32_t index) { return images.at(size_t(index) * spec::sa_entry::SIZE); }
  bool valid(SaHandle h) const {
    return h.index < slots.size() && h.generation != 0 && live[h.index].load(std::memory_order_acquire) == h.generation;
  }
  void require(SaHandle h, const char* what) const;

  // engine_sa.cpp (callers hold mu)
  std::vector<SaHandle> add_many(const SaConfig* cfgs, size_t n);
  void remove_many(const SaHandle* hs, size_t n);
  void update(SaHandle h, const SaUpdate& u);
  // SA h's state line from card memory (after sync_state()); `what` names
  // the caller in require()'s error.
  spec::SaState state_line(SaHandle h, const char* what);
  Engine::SaState state(SaHandle h);
  // STATE_SYNC of every changed SA when the card may hold some (one run),
  // so card memory has every state line and replay entry.
  void sync_state();
  SaCounters counters(SaHandle h);
  void reprogram();
  void wipe_card();
  // The SA_INSTALL (KEEP_STATE or not) of slot `index`, queued.
  void queue_install(uint32_t index, bool keep_state);
  // SPI_SET of each slot in `changed` (sorted, each once), queued.
  void queue_spi_sets();

  // engine_run.cpp (callers hold mu)
  // One kernel run of n descriptors (n + 1 <= ring size) and as many queued
  // commands as fit; times it into the run stats.
  void ring_run(const detail::BatchBuffers& b, const detail::Descriptor* d, size_t n, detail::Completion* out);
  // Command-only runs until no command is queued.
  void flush_commands();
  // n descriptors in as many runs as the ring needs (queued commands first).
  void run_raw(const detail::BatchBuffers& b, const detail::Descriptor* d, size_t n, detail::Completion* out);
  void run_locked(const detail::BatchBuffers& b, detail::Descriptor* d, const detail::DescInfo* info,
                  detail::Completion* out, size_t n);
  std::vector<Result> process(const std::vector<Request>& reqs);
};

}  // namespace esp::runtime
