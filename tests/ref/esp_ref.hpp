// esp_ref: the OpenSSL reference model of the esp_engine card.
//
// It implements hw/spec/CONTRACT.md step by step on byte vectors, so that the
// HLS kernel, the RTL and the host stack can be checked bit-exact against it:
// same output bytes, same status, same completion fields, same counters.
// RFC 4303 (ESP), RFC 4106 (AES-GCM, 8-byte IV = the sequence number),
// RFC 4543 (GMAC), RFC 3948 (UDP encapsulation), ESN (RFC 4303 App. A),
// anti-replay window (RFC 4303 3.4.3) with the card's ring layout.
//
// One RefEngine models one card: an SA table of `sa_capacity` slots, the
// inbound SPI lookup, and per SA its state line (spec sa_state: `seq` =
// tx_seq outbound / replay top T inbound, and the counters) and, inbound,
// its tagged replay ring. The card's commands (CONTRACT.md "Commands") are
// methods here, not descriptors: SA_INSTALL of a fresh SA = add_sa_at,
// SA_INSTALL KEEP_STATE = update_sa, SA_INSTALL of a state written by the
// host = load_state, SA_DELETE = remove_sa, SPI_SET = the SPI mapping that
// add_sa_at / remove_sa keep; STATE_SYNC / STOP change nothing observable.
//
// Where CONTRACT.md leaves a detail open, the model's reading is:
// - Completion `sa_index`/`spi` (ENCRYPT): filled once the descriptor's
//   sa_index is inside the table (the slot is read), so SA_DISABLED and the
//   wrong-direction BAD_SA report them; out of range -> NO_SA_INDEX, spi 0.
//   `seq` is reported only when a sequence number is consumed (status OK).
// - DECRYPT: `spi` and `seq` (the 32-bit header field) are filled as soon as
//   the 8 ESP header bytes are there (step 3); from step 8 on `seq` is the
//   full inferred 64-bit number. `sa_index` is filled once the SPI lookup
//   (or the USE_SA_INDEX check) succeeded.
// - A full sequence number of 0 is REPLAY with and without ESN (step 8);
//   step-8 REPLAYs count in `replay` like step 9.
// - ENCRYPT MALFORMED (step 2) counts nothing (the contract names no counter).
// - ESN inference computes the high half in 32-bit arithmetic (Th + 1 wraps).
// - Tunnel DECRYPT: next header must be 4 or 41 and the inner packet must
//   parse by its own version nibble (4 or 6); the two are not cross-checked.
// - UDP checksum over IPv6 uses the IPv6 header's destination field (no
//   Routing-header final destination).
// - remove_sa() (SA_DELETE, with the SPI_SET that empties its SPI slot)
//   leaves a slot that is not VALID and keeps the SPI of its last SA, so
//   USE_SA_INDEX on it gives SA_DISABLED and an ENCRYPT reports that SPI:
//   the card after an SA_INSTALL of that SA's entry with VALID cleared. (A
//   runtime that also zeroes a deleted SA's entry leaves SPI 0 there
//   instead; the model does not follow that.)
// - soft_events and hard_events stop at 2^32 - 1; the other counters wrap.
// - Descriptor flags: DUMMY is read on ENCRYPT only, USE_SA_INDEX on DECRYPT
//   only; a flag on the other opcode changes nothing.
//
// TFC dummy packets (RFC 4303 2.6): encrypt_dummy() (or process_flags() with
// descriptor flag DUMMY) sends one with next header NH_NO_NEXT; a DECRYPT
// that opens one completes with status DUMMY and no data (CONTRACT.md
// ENCRYPT "Dummy packets", DECRYPT 13). Both count only `dummy`.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <ostream>
#include <vector>

#include "bytes.hpp"
#include "esp/runtime/sa_config.hpp"
#include "esp/spec/esp_spec.hpp"
#include "replay.hpp"

namespace esp::ref {

// What the card writes on a completion, plus the output packet.
struct Output {
  spec::Status status = spec::Status::OK;
  bool soft_expired = false;   // completion flag SOFT_EXPIRED
  uint32_t sa_index = spec::NO_SA_INDEX;  // SA used, NO_SA_INDEX when none
  uint32_t spi = 0;
  uint64_t seq = 0;            // full 64 bits with ESN
  Bytes data;                  // output IP packet; empty unless status is OK (DUMMY: empty)
};

// The per-SA counters: the spec's value type (struct sa_counters, in the
// state line), all 0 to
// start with; equal when every field is (compared as packed images, so a
// counter the spec adds is compared too).
struct Counters : spec::SaCounters {
  bool operator==(const Counters& o) const {
    uint8_t a[spec::sa_counters::SIZE], b[spec::sa_counters::SIZE];
    spec::pack(*this, a);
    spec::pack(o, b);
    return std::memcmp(a, b, sizeof a) == 0;
  }
  bool operator!=(const Counters& o) const { return !(*this == o); }
};

// For test failure messages: every field by name.
inline void PrintTo(const Counters& c, std::ostream* os) {
#define ESP_REF_PRINT_COUNTER(st, f) *os << #f "=" << c.f << " ";
  ESP_SPEC_FIELDS_sa_counters(ESP_REF_PRINT_COUNTER)
#undef ESP_REF_PRINT_COUNTER
}

using Iv = std::array<uint8_t, 8>;

class RefEngine {
 public:
  explicit RefEngine(uint32_t sa_capacity = 4096);

  // Installs an SA in the lowest free slot and returns its index (0, 1, 2...).
  // Throws std::invalid_argument for a config the card cannot take (key not
  // 16/32 bytes, ICV not 8/12/16, window not a power of two in 64..65536,
  // seq_start 0 or beyond the sequence space, tunnel outbound SA without two
  // addresses of one family), std::runtime_error when the table is full or an
  // inbound SA already has this SPI.
  uint32_t add_sa(const runtime::SaConfig& cfg);
  // The same into a chosen slot (to mirror another engine's slot choice);
  // the slot must be free.
  void add_sa_at(uint32_t index, const runtime::SaConfig& cfg);
  // SA_DELETE: clears VALID and removes the inbound SPI mapping. The state
  // (counters, seq, ring) stays readable.
  void remove_sa(uint32_t index);
  // SA_INSTALL with KEEP_STATE on an installed SA: a new config (lifetimes,
  // addresses, encapsulation...) with seq, counters and replay state kept.
  // Throws std::invalid_argument for a bad config or one that changes the
  // direction, SPI, ESN or window; std::logic_error if index is not installed.
  void update_sa(uint32_t index, const runtime::SaConfig& cfg);
  // SA_INSTALL without KEEP_STATE of an installed SA whose state line (and,
  // inbound, replay ring: replay_ring_bytes(W) bytes, empty = all zero) the
  // host wrote: seq (tx_seq / T) and the counters from `line`.
  void load_state(uint32_t index, const spec::SaState& line, const std::vector<uint8_t>& ring_image = {});

  uint32_t capacity() const { return static_cast<uint32_t>(slots_.size()); }
  bool valid(uint32_t index) const;
  // The config last installed in the slot (default-constructed if none).
  const runtime::SaConfig& config(uint32_t index) const;
  Counters counters(uint32_t index) const;
  uint64_t tx_seq(uint32_t index) const;            // last sequence number sent
  const ReplayWindow& replay(uint32_t index) const;  // inbound SAs only
  // The SA's state line: seq = tx_seq (outbound) or T (inbound), counters.
  spec::SaState state_line(uint32_t index) const;
  // Its image as the card writes it back (spec::sa_state::SIZE bytes).
  std::vector<uint8_t> state_line_image(uint32_t index) const;

  // A descriptor with opcode ENCRYPT: encapsulates an IP packet.
  Output encrypt(uint32_t sa_index, const Bytes& ip_packet, uint32_t out_capacity = spec::MAX_PKT_BYTES);
  // ENCRYPT with descriptor flag DUMMY: a TFC dummy packet (next header 59).
  // Tunnel mode: `in` is the ESP payload as it is (any bytes, not parsed);
  // transport mode: `in` is an IP packet whose payload is the dummy payload.
  Output encrypt_dummy(uint32_t sa_index, const Bytes& in, uint32_t out_capacity = spec::MAX_PKT_BYTES);
  // A descriptor with opcode DECRYPT: SPI lookup among inbound SAs.
  Output decrypt(const Bytes& ip_packet, uint32_t out_capacity = spec::MAX_PKT_BYTES);
  // DECRYPT with descriptor flag USE_SA_INDEX.
  Output decrypt_with_sa(uint32_t sa_index, const Bytes& ip_packet,
                         uint32_t out_capacity = spec::MAX_PKT_BYTES);
  // Any packet descriptor: op (raw byte, so unknown opcodes can be
  // modelled: NOP and values that are no opcode are BAD_OPCODE), sa_index,
  // USE_SA_INDEX flag, input, out_capacity. Offsets are not modelled. A
  // command opcode (SA_INSTALL..STOP) throws std::invalid_argument: commands
  // are the methods above.
  Output process(uint8_t op, uint32_t sa_index, bool use_sa_index, const Bytes& in,
                 uint32_t out_capacity = spec::MAX_PKT_BYTES);
  // The same with the descriptor's flags byte (spec descriptor.flags:
  // USE_SA_INDEX, DUMMY) instead of the one bool.
  Output process_flags(uint8_t op, uint32_t sa_index, uint8_t flags, const Bytes& in,
                       uint32_t out_capacity = spec::MAX_PKT_BYTES);

  // ---- test hooks (not card behaviour)
  // ENCRYPT with an explicit 8-byte IV instead of the sequence number, for
  // published known-answer vectors.
  Output encrypt_with_iv(uint32_t sa_index, const Bytes& ip_packet, const Iv& iv,
                         uint32_t out_capacity = spec::MAX_PKT_BYTES);
  // Sets an inbound SA's replay top T (bitmap: only T's bit).
  void set_replay_top(uint32_t sa_index, uint64_t top);
  // Sets an outbound SA's tx_seq (the last sequence number sent).
  void set_tx_seq(uint32_t sa_index, uint64_t tx_seq);
  // Sets an SA's counters (as a state line the host wrote would).
  void set_counters(uint32_t sa_index, const Counters& c);

 private:
  struct Slot {
    bool used = false;   // a config was ever installed (the slot has an SPI)
    bool valid = false;  // VALID flag
    runtime::SaConfig cfg;
    uint64_t tx_seq = 0;
    Counters counters;
    std::unique_ptr<ReplayWindow> replay;
  };

  Output encap(uint32_t sa_index, const Bytes& in, const Iv* iv_override, bool dummy, uint32_t out_capacity);
  Output decap(bool use_sa_index, uint32_t sa_index, const Bytes& in, uint32_t out_capacity);
  static bool hard_expired(const Slot& s);
  // soft_events / hard_events += 1, stopping at 2^32 - 1.
  static void count_event(uint32_t& c);
  static void count_ok(Slot& s, size_t bytes, Output& out);
  const Slot& slot(uint32_t index) const;

  std::vector<Slot> slots_;
  std::map<uint32_t, uint32_t> spi_to_sa_;  // inbound SPI -> SA index
};

// Checks a config the way add_sa does; throws std::invalid_argument.
void check_sa_config(const runtime::SaConfig& cfg);

}  // namespace esp::ref
