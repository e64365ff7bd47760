// The host's view of one esp_engine card: its card-memory layout, the SA table
// (slots, generations, SPI lookup), and packet batches.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/driver/device.hpp"
#include "esp/runtime/sa_config.hpp"

namespace esp::runtime {

namespace detail {
struct EngineAccess;  // tests only: esp/runtime/detail/engine_access.hpp (target esp_runtime_internal)
struct EnginePort;    // the runtime's queues: esp/runtime/detail/engine_port.hpp
}

// A handle on an installed SA. A handle whose slot has since been deleted or
// reused (different generation) is rejected.
struct SaHandle {
  uint32_t index = 0;
  uint32_t generation = 0;
};


struct EngineOptions {
  uint32_t sa_capacity = 4096;       // SA table entries
  uint32_t max_batch_packets = 256;  // descriptors per kernel run
  uint64_t replay_region_bytes = 0;  // 0 = enough for sa_capacity SAs at DEFAULT_WINDOW_BITS
                                     // (options() reports the resolved size)
};

// The replay_region_bytes that holds n_sa inbound SAs of window_bits each
// (their replay rings, spec::replay_ring_bytes, as the Engine aligns them).
uint64_t replay_region_bytes_for(uint32_t n_sa, uint32_t window_bits);

// One packet for the card.
//
// dummy (ENCRYPT only): send a TFC dummy packet (RFC 4303 2.6) on the SA:
// next header spec::NH_NO_NEXT (59), descriptor flag DUMMY. Tunnel mode:
// `data` is the dummy payload, any bytes (at least one), sent as they are
// inside ESP. Transport mode: `data` is an IP packet as for any ENCRYPT; the
// bytes after its header(s) are the dummy payload. It takes a sequence
// number like any packet and counts in SaCounters::dummy only. The receiver
// verifies it, advances its replay window and discards it (status DUMMY).
// Varying the dummy's length and timing is the caller's.
struct Request {
  spec::Opcode op = spec::Opcode::ENCRYPT;
  SaHandle sa;                 // ENCRYPT: the SA; DECRYPT: ignored (SPI lookup)
  std::vector<uint8_t> data;   // an IP packet (ENCRYPT: the plaintext packet; DECRYPT: the ESP packet)
  bool dummy = false;          // ENCRYPT: a dummy packet (above); process() refuses it on DECRYPT
};

// Its outcome: every request gets one, in order. A request whose data is
// longer than spec::MAX_PKT_BYTES is not sent to the card: MALFORMED, with
// sa_index spec::NO_SA_INDEX, spi 0, seq 0. A request whose op is a card
// command (SA_INSTALL .. STOP) goes to the card as a NOP: BAD_OPCODE, like
// any opcode that is no packet operation. An inbound dummy packet (authentic,
// next header 59) is status DUMMY with no data: nothing to deliver.
struct Result {
  spec::Status status = spec::Status::OK;
  bool soft_expired = false;
  uint32_t sa_index = spec::NO_SA_INDEX;
  uint32_t spi = 0;
  uint64_t seq = 0;
  std::vector<uint8_t> data;   // the output packet when status is OK
};

// One card: its SA table (with a host shadow from which a card that lost its
// memory is reprogrammed) and its kernel runs.
//
// Threads: every method may be called from any thread. One card lock orders
// SA-table changes (add, delete, update, reprogram) and kernel runs: a change
// waits for the run in progress and lands before the next one, never during
// one. The runtime's queues run their own batches through the same lock.
class Engine {
 public:
  Engine(std::unique_ptr<driver::Device> dev, const EngineOptions& opts = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const EngineOptions& options() const { return opts_; }

  // Installs an SA; throws std::invalid_argument (bad config), SaTableFull,
  // or DuplicateSpi (a std::runtime_error: inbound SPI already installed).
  // On any failure nothing is installed.
  SaHandle add_sa(const SaConfig& cfg);
  // Installs many SAs at once, all or nothing (same errors as add_sa, naming
  // the config's position). The card writes are coalesced: one device write
  // per contiguous range of each structure (SA table, state lines, replay
  // rings), not one per field or SA; the card loads them with the SA_INSTALL
  // and SPI_SET commands that go first in the next kernel run.
  std::vector<SaHandle> add_sas(const std::vector<SaConfig>& cfgs);
  // Removes an SA: its SA_DELETE (and the SPI_SET emptying its SPI slot)
  // run on the card at once, then its key material is wiped in card memory
  // and the slot is free; throws std::invalid_argument for a stale or
  // never-issued handle, driver::DeviceError when that run fails (the SA is
  // gone from the host all the same).
  void delete_sa(SaHandle h);
  // Removes many (all handles checked first: nothing is removed if one is
  // stale); their commands run in one go, the entry wipes are coalesced.
  void delete_sas(const std::vector<SaHandle>& hs);
  // New outer addresses / UDP encapsulation (NAT-T float, MOBIKE): rewrites
  // the SA's entry (installed again with KEEP_STATE in the next run); the
  // sequence number, replay window, counters,
  // keys and handle stay. Throws std::invalid_argument (stale handle, an
  // address family that differs from the other address, a zero port with
  // encapsulation).
  void update_sa(SaHandle h, const SaUpdate& u);
  // Where the card's sequence numbers of an SA stand (its state line in card
  // memory, which every kernel run writes back at its end).
  struct SaState {
    uint64_t tx_seq = 0;      // outbound: the last sequence number used
    uint64_t replay_top = 0;  // inbound: the highest authenticated one
  };
  SaState sa_state(SaHandle h);
  // Reinstalls everything from the host shadow after a card reset (the card
  // lost its memory and its own SA and SPI tables; its ring starts at 0
  // again): every installed SA's entry (each
  // outbound SA resuming after the highest sequence number it can have used),
  // each inbound SA's replay state (top at the highest sequence number it can
  // have accepted, every older number marked seen) and its counters (the
  // host's tallies of OK packets and bytes; the other counters restart at 0),
  // then SA_INSTALL of each and SPI_SET of every non-empty SPI slot, run at
  // once.
  void reprogram();
  // The card's counters of an installed SA (std::invalid_argument if stale).
  SaCounters counters(SaHandle h);
  size_t sa_count() const;
  // True while h names an installed SA (same slot, same generation).
  bool valid(SaHandle h) const;
  // The installed inbound SA with this SPI, if any (the host's copy of the
  // card's SPI table).
  bool find_inbound(uint32_t spi, SaHandle& out) const;

  // Kernel runs so far: how many, their descriptors, and the wall time spent
  // inside Device::run (the card's time; what is left is the host's), and
  // the CPU time of the running thread meanwhile (with swemu, the card's
  // share of the host CPU; with a real card, only waiting).
  struct RunStats {
    uint64_t runs = 0, packets = 0, run_ns = 0, run_cpu_ns = 0;
  };
  RunStats run_stats() const;

  // Runs the requests through the card, in kernel runs of at most
  // max_batch_packets, and returns one Result per request, in order. Throws
  // std::invalid_argument, before anything reaches the card, when an ENCRYPT
  // request's handle is stale or a request other than ENCRYPT asks for a
  // dummy; driver::DeviceError when the card fails.
  std::vector<Result> process(const std::vector<Request>& reqs);

 private:
  friend struct detail::EngineAccess;
  friend struct detail::EnginePort;
  struct Impl;
  std::unique_ptr<driver::Device> dev_;
  EngineOptions opts_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace esp::runtime
