// The host runtime: one control plane over N esp_engine cards, shaped like
// strongSwan's kernel_ipsec_t (get_spi, add_sa, update_sa, query_sa, del_sa,
// flush; add_policy, del_policy, query_policy), with Linux XFRM's events
// (soft/hard expire, acquire) and the data plane's Queues (queue.hpp).
//
// Cards. Each SA lives on one card. An inbound SA's card is named by its SPI
// (card_of_spi: spi mod cards()), so a received packet goes to the card that
// holds its SA; get_spi() hands out SPIs for the least-loaded card. An
// outbound SA goes where SaConfig::card says, or (-1) to the least-loaded
// card.
//
// Card state. The runtime keeps a shadow of every card's SA table, SPI table
// and of how far each SA's sequence numbers can have gone: reprogram_card()
// rebuilds a card that lost its memory (a reset) so that no outbound sequence
// number repeats under a key (each outbound SA resumes after every number it
// can have used) and no packet accepted before can be accepted again (each
// inbound SA's window restarts at the highest number it can have accepted,
// every older number marked seen).
//
// Lifetimes. Bytes and packets are counted by the card (the SA entry's soft
// and hard limits; the card flags soft and refuses past hard). Seconds are
// kept by the host: a housekeeping thread checks deadlines (and the cards'
// counters for byte/packet expiry and replay/auth-failure thresholds) every
// RuntimeOptions::housekeeping_ms and raises events (events.hpp). A hard
// expiry removes the SA from its card, as XFRM deletes an expired state; its
// SaId then names no SA.
//
// Threads. Every method of Runtime may be called from any thread, also while
// data-plane threads run Queues: control-plane calls are serialised per card
// and take effect between kernel runs, never during one. Event callbacks run
// on the EventQueue's delivery thread, never under a runtime lock, so they may
// call back into the runtime.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "esp/driver/device.hpp"
#include "esp/runtime/events.hpp"
#include "esp/runtime/queue.hpp"
#include "esp/runtime/sa_config.hpp"
#include "esp/runtime/sa_id.hpp"
#include "esp/runtime/spd.hpp"

namespace esp::runtime {

struct RuntimeOptions {
  // One entry per card (at least one); DeviceOptions::backend picks swemu,
  // cosim or xrt for each.
  std::vector<driver::DeviceOptions> cards{driver::DeviceOptions{}};
  uint32_t sa_capacity = 65536;      // SA table entries per card
  uint64_t replay_region_bytes = 0;  // per card; 0 = every slot an inbound SA at DEFAULT_WINDOW_BITS
  uint32_t max_batch_packets = 256;  // descriptors per kernel run
  size_t event_capacity = 65536;     // events held before they count as dropped
  uint32_t housekeeping_ms = 100;    // lifetime / counter checks; 0 = only when tick() is called
  uint64_t acquire_interval_ms = 1000;  // at most one acquire per policy per interval
  uint64_t replay_event_every = 0;   // a ReplayThreshold event each time an SA's replay count passes a multiple; 0 = off
  uint64_t auth_fail_event_every = 0;  // the same for auth failures; 0 = off
  PolicyAction default_outbound = PolicyAction::Bypass;  // Outbound packets no policy matches (as Linux without a policy)
};

// query_sa: what the host and the card know of an SA (never its key).
struct SaInfo {
  SaId id;
  uint32_t spi = 0;
  Direction direction = Direction::Outbound;
  spec::Mode mode = spec::Mode::TUNNEL;
  bool esn = false, udp_encap = false, gmac = false;
  unsigned key_bits = 0;
  uint8_t icv_len = 0;
  uint32_t window_bits = 0;
  IpAddr tun_src, tun_dst;
  uint16_t udp_sport = 0, udp_dport = 0;
  uint32_t reqid = 0;
  Lifetime soft, hard;
  std::vector<TrafficSelector> src_ts, dst_ts;
  SaCounters counters;        // read from the card now
  uint64_t tx_seq = 0;        // outbound: the last sequence number the card used
  uint64_t replay_top = 0;    // inbound: the highest authenticated sequence number
  uint64_t installed_ns = 0;  // CLOCK_MONOTONIC
  uint64_t last_use_ns = 0;   // last packet through the SA; 0 = none yet
  bool soft_expired = false;  // a soft-expire event was raised
};

namespace detail {
struct RuntimeAccess;  // tests only: esp/runtime/detail/runtime_access.hpp
}

// One card's activity (Runtime::card_stats).
struct CardStats {
  uint32_t card = 0;
  size_t sas = 0;               // installed
  uint64_t runs = 0;            // kernel runs
  uint64_t packets = 0;         // descriptors in them
  uint64_t run_ns = 0;          // wall time inside the card's runs
  uint64_t run_cpu_ns = 0;      // CPU time of the thread running them (swemu: the card's share of the host CPU)
  driver::IoStats io;           // the device's writes, reads and syncs
};

class Runtime {
 public:
  // Opens every card of opts.cards.
  explicit Runtime(const RuntimeOptions& opts);
  // Over devices the caller opened (tests, tools); opts.cards is ignored.
  Runtime(std::vector<std::unique_ptr<driver::Device>> devices, const RuntimeOptions& opts);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  const RuntimeOptions& options() const;
  uint32_t cards() const;
  uint32_t card_of_spi(uint32_t spi) const { return spi % cards(); }
  std::string describe_card(uint32_t card) const;

  // --- SAs ---
  // A random inbound SPI, never 0-255, unique among installed and reserved
  // SPIs, reserved until an inbound SA is added with it or release_spi().
  // With `card`, an SPI of that card.
  uint32_t get_spi();
  uint32_t get_spi(uint32_t card);
  void release_spi(uint32_t spi);

  // Installs one SA (all or nothing). Throws std::invalid_argument (bad
  // config), SaTableFull (no slot, replay room or SPI placement on its
  // card), DuplicateSpi.
  SaId add_sa(const SaConfig& cfg);
  // Installs many: all or nothing; card writes coalesced (one device write per
  // contiguous card-memory range and structure). Results in input order.
  std::vector<SaId> add_sas(const std::vector<SaConfig>& cfgs);
  void update_sa(SaId sa, const SaUpdate& u);
  SaInfo query_sa(SaId sa);
  // Removes an SA, wipes its key in card memory and in the host shadow.
  void del_sa(SaId sa);
  void del_sas(const std::vector<SaId>& sas);  // batched writes and wipes
  // Every SA, on every card.
  void flush_sas();
  bool valid(SaId sa) const;
  std::optional<SaId> find_inbound(uint32_t spi) const;
  size_t sa_count() const;
  std::vector<SaId> list_sas() const;

  // Make-before-break: every outbound policy that protects with `old_sa` now
  // protects with `new_sa`, atomically for lookups; `old_sa` stays installed
  // (the caller deletes it once drained). Returns how many policies moved.
  size_t switch_outbound(SaId old_sa, SaId new_sa);

  // --- SPD ---
  PolicyId add_policy(const Policy& p);
  void del_policy(PolicyId id);
  std::optional<Policy> query_policy(PolicyId id) const;
  void flush_policies();
  Spd& spd();

  // --- events, data plane, cards ---
  EventQueue& events();
  std::unique_ptr<Queue> open_queue(const QueueOptions& opts = {});

  // Reprograms `card` from the host shadow after it lost its memory; raises
  // a CardReset event. Queues keep working; packets that were in the card
  // when it failed got CARD_ERROR.
  void reprogram_card(uint32_t card);

  // Runs the housekeeping checks now (lifetimes, counters, thresholds).
  void tick();

  CardStats card_stats(uint32_t card) const;

  // The device of a card (tests and tools that look at card memory).
  driver::Device& device(uint32_t card);

  struct Impl;  // internal (src/runtime_impl.hpp)

 private:
  friend struct detail::RuntimeAccess;
  std::unique_ptr<Impl> impl_;
};

}  // namespace esp::runtime
