// The cross-level equivalence harness: the card (the esp_engine kernel on a
// backend, through esp::runtime::Engine) next to the OpenSSL reference model
// (esp::ref::RefEngine), fed the same requests in the same order.
//
// A Twin owns one Engine and one RefEngine whose SA tables mirror each other
// slot for slot (every SA goes into the card first, then into the model at
// the card's slot). Twin::run() sends a batch through Engine::process() and,
// request by request, through RefEngine::process() with the same descriptor
// (opcode, SA index, out_capacity as the Engine computes it), then compares
// everything the card reports: status, SOFT_EXPIRED, sa_index, spi, seq and
// the output bytes. A mismatch is one gtest failure that names the first
// differing request (index and description) and, for the bytes, the first
// differing offset with both values.
//
// Tests are parameterised over the backends of this build among {swemu,
// cosim}; swemu must be there.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "esp/driver/device.hpp"
#include "esp/runtime/engine.hpp"
#include "ref/esp_ref.hpp"
#include "ref/packets.hpp"

namespace esp::eq {

using ref::Bytes;
using runtime::Direction;
using runtime::Result;
using runtime::SaConfig;
using runtime::SaHandle;
using spec::Mode;
using spec::Opcode;
using spec::Status;

// ---- backends

// The backends the equivalence suite runs on: "swemu" always (if this build
// lacks it, every test fails opening it: never a silent skip), then "cosim"
// when driver::available_backends() lists it.
std::vector<std::string> backends_under_test();

// Fixture base: GetParam() is the backend name.
class BackendTest : public ::testing::TestWithParam<std::string> {};

// Instantiates a BackendTest-derived suite on every backend under test.
#define ESP_EQ_INSTANTIATE(Suite) \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite, ::testing::ValuesIn(::esp::eq::backends_under_test()), \
                           [](const ::testing::TestParamInfo<std::string>& i) { return i.param; })

// ---- requests and the twin

// One request, for both sides.
struct Op {
  Opcode op = Opcode::ENCRYPT;  // any byte value (unknown opcodes are requests too)
  SaHandle sa{};                // ENCRYPT (and unknown opcodes): the card's handle; the model uses sa.index
  Bytes data;
  std::string what;             // shown when this request differs
  bool dummy = false;           // ENCRYPT a TFC dummy packet (Request::dummy, descriptor flag DUMMY)
};
Op enc(SaHandle h, Bytes data, std::string what);
// ENCRYPT of a TFC dummy packet (tunnel: data is the dummy payload; transport:
// an IP packet whose payload is the dummy payload).
Op enc_dummy(SaHandle h, Bytes data, std::string what);
Op dec(Bytes data, std::string what);

struct RunResult {
  std::vector<Result> card;
  std::vector<ref::Output> ref;
  size_t mismatches = 0;
  bool ok() const { return mismatches == 0; }
};

// A descriptor written straight to the card (what the Engine cannot send:
// USE_SA_INDEX, small out_capacity, misaligned offsets, any in_length).
struct RawDesc {
  uint8_t op = static_cast<uint8_t>(Opcode::DECRYPT);
  uint8_t flags = 0;          // descriptor flags (USE_SA_INDEX, DUMMY)
  uint32_t sa_index = 0;
  Bytes data;                 // copied to the descriptor's packet slot (+ in_shift)
  uint32_t out_capacity = spec::MAX_PKT_BYTES;
  uint32_t in_shift = 0;      // added to the (bus-aligned) in_offset
  uint32_t out_shift = 0;     // added to the (bus-aligned) out_offset
  int64_t in_length = -1;     // -1: data.size()
  std::string what;
};

struct TwinOptions {
  uint32_t sa_capacity = 64;
  uint32_t max_batch = 64;        // descriptors per kernel run
  uint64_t replay_bytes = 0;      // 0 = the Engine's default
};

class Twin {
 public:
  explicit Twin(const std::string& backend, const TwinOptions& o = {});
  ~Twin();
  Twin(const Twin&) = delete;
  Twin& operator=(const Twin&) = delete;

  // Installs into the card, then into the model at the card's slot.
  SaHandle add(const SaConfig& cfg);
  // Deletes from the card and the model.
  void remove(SaHandle h);

  // Both sides process `ops` in order; every difference is a gtest failure
  // naming `label` and the first differing request.
  RunResult run(const std::vector<Op>& ops, const std::string& label);

  // `descs` straight on the card through the Engine's ring
  // (runtime::detail::EngineAccess::run_descriptors: the Engine's queued
  // commands first, then these descriptors and a STOP, ring indices carried
  // on as in the Engine's own runs; packets at slot k of the Engine's
  // pkt_in / pkt_out, descriptor images from the runtime's batch codec):
  // completions as Results (data read at the completion's out_offset).
  // Fails the test if a completion breaks the contract
  // (runtime::detail::completion_breach: out_offset not the descriptor's,
  // out_length above out_capacity, or != 0 on failure).
  std::vector<Result> run_raw_card(const std::vector<RawDesc>& descs, const std::string& label);
  // run_raw_card, and the model's RefEngine::process with the same opcode,
  // sa_index, USE_SA_INDEX flag, input and out_capacity; compared like run().
  // (Offsets are not modelled: keep in_shift / out_shift 0 here.)
  RunResult run_raw(const std::vector<RawDesc>& descs, const std::string& label);

  // The card's and the model's counters of h are equal, and so are h's
  // state line (spec sa_state: seq and counters, as the last STOP wrote it
  // back) and, inbound, its replay ring image at replay_offset (else one
  // gtest failure listing every difference). Call it between runs.
  bool counters_match(SaHandle h, const std::string& label);
  // counters_match for every SA installed through this twin and still there.
  void expect_all_counters(const std::string& label);

  // Engine::update_sa (new addresses / encapsulation: SA_INSTALL KEEP_STATE
  // on the card) and the same change in the model (RefEngine::update_sa).
  void update(SaHandle h, const runtime::SaUpdate& u);
  // New soft / hard byte and packet lifetimes for an installed SA, which
  // the public API cannot change: h's entry rewritten in card memory and
  // SA_INSTALL KEEP_STATE queued and run (EngineAccess::queue_install); RefEngine::update_sa in the
  // model. Counters, seq and the replay window stay on both sides.
  void set_lifetimes(SaHandle h, const runtime::Lifetime& soft, const runtime::Lifetime& hard);

  runtime::Engine& card() { return *eng_; }
  ref::RefEngine& model() { return ref_; }
  const std::string& backend() const { return backend_; }

  // Test hooks behind the Engine's back. The card holds installed SAs on
  // chip (CONTRACT.md "The card's own state"), so each writes card memory
  // between runs and then has the engine send the SA's SA_INSTALL.
  // card_set_valid: clears (or sets) the VALID flag of h's SA entry, then
  // SA_INSTALL KEEP_STATE (an entry without VALID installs a slot that is
  // not VALID; seq, counters and the replay window stay).
  void card_set_valid(SaHandle h, bool valid);
  // h's SA entry image in card memory (spec::sa_entry::SIZE bytes).
  std::vector<uint8_t> card_entry(SaHandle h);
  // Writes h's entry image, then SA_INSTALL KEEP_STATE.
  void card_write_entry(SaHandle h, const std::vector<uint8_t>& img);
  // h's state line image in card memory (spec::sa_state::SIZE bytes).
  std::vector<uint8_t> card_state_line(SaHandle h);
  // An inbound SA's replay ring image in card memory
  // (spec::replay_ring_bytes(W) bytes at its replay_offset).
  std::vector<uint8_t> card_replay_ring(SaHandle h);
  // Both sides: an inbound SA's replay top T with only T's bit seen, as
  // RefEngine::set_replay_top; on the card its state line's seq (counters
  // kept) and its ring (zeroed, then T's entry {bit, T / 64}) written, then
  // SA_INSTALL without KEEP_STATE.
  void set_replay_top(SaHandle h, uint64_t top);
  // Both sides: h's counters become c (seq and the replay ring kept): on the
  // card its state line rewritten, then SA_INSTALL without KEEP_STATE; in
  // the model RefEngine::set_counters.
  void set_counters(SaHandle h, const ref::Counters& c);

 private:
  std::string backend_;
  std::unique_ptr<runtime::Engine> eng_;
  ref::RefEngine ref_;
  std::vector<SaHandle> live_;
  // One SA_INSTALL of h's slot (KEEP_STATE or not), queued in the engine and run at once;
  // a completion other than OK is a test failure.
  void card_install(SaHandle h, bool keep_state, const std::string& why);
  RunResult compare(std::vector<Result> card, std::vector<ref::Output> model, const std::vector<std::string>& what,
                    const std::vector<size_t>& in_sizes, const std::string& label);
};

// ---- comparisons and printing

std::string status_str(Status s);
std::string hex64(uint64_t v);
// "" when equal, else the lengths and the first differing offset with both values.
std::string bytes_diff(const Bytes& a, const Bytes& b, const char* a_name, const char* b_name);
// Differences between a card result and a model output ("" when none).
std::string result_diff(const Result& card, const ref::Output& model);
// Expects `got` to equal `want` (the original packet) for every OK card
// result at the given positions; one failure naming the first difference.
void expect_originals(const RunResult& r, const std::vector<Op>& ops, const std::vector<size_t>& at,
                      const std::vector<Bytes>& want, const std::string& label);

// ---- SA configurations

struct SaSpec {
  Mode mode = Mode::TUNNEL;
  uint8_t outer = 4;  // tunnel: outer IP version
  size_t key_len = 16;
  bool esn = false;
  bool udp = false;
  bool gmac = false;
  uint8_t icv = 16;
  uint32_t window = spec::DEFAULT_WINDOW_BITS;
  uint64_t seq_start = 1;
  std::string name() const;
};

// A full config for one end; the key and salt come from the SPI.
SaConfig make_sa(const SaSpec& s, Direction dir, uint32_t spi);

// ---- packets

// An IP packet of `version` carrying payload_len bytes after a UDP, TCP or
// ICMP header (chosen by seed % 3).
Bytes inner_packet(uint8_t version, size_t payload_len, uint32_t seed);

// Makes ESP packets with any sequence number for an SA: a RefEngine holding
// the outbound end of `cfg` (whatever cfg's direction).
class Sender {
 public:
  explicit Sender(SaConfig cfg);
  // The ESP packet carrying `inner` with sequence number seq (>= 1).
  Bytes packet(uint64_t seq, const Bytes& inner);
  const SaConfig& config() const { return cfg_; }

 private:
  SaConfig cfg_;
  ref::RefEngine ref_{2};
};

// Both ends of one SA in a twin (the outbound and the inbound SA share the
// SPI), a sender for its inbound end, and the IP version of its packets.
struct SaPair {
  std::string name;
  SaSpec spec;
  uint8_t inner = 4;  // version of the packets it carries (transport: = outer)
  SaConfig out_cfg, in_cfg;
  SaHandle out, in;
  std::unique_ptr<Sender> snd;
  uint64_t next_seq = 1;  // of the sender

  // A plaintext packet of the right version.
  Bytes plain(size_t payload_len, uint32_t seed) const { return inner_packet(inner, payload_len, seed); }
  // ESP with sequence number seq carrying plain(payload_len, seed).
  Bytes esp(uint64_t seq, size_t payload_len, uint32_t seed) { return snd->packet(seq, plain(payload_len, seed)); }
  // ESP with the next fresh sequence number.
  Bytes next(size_t payload_len) {
    const uint64_t q = next_seq++;
    return esp(q, payload_len, static_cast<uint32_t>(q));
  }
};

// A twin with SAs of several kinds (both ends each; the card's outbound SAs
// number from 0x100000, the senders from 1):
//   0 tun4 in4 GCM-128        1 tun6 in6 GMAC-256 ESN    2 tra4 UDP GCM-128
//   3 tra6 UDP GCM-256 ICV12  4 tun4 in6 UDP ESN ICV8    5 tra6 GMAC-128
struct Rig {
  Twin t;
  std::vector<SaPair> sa;
  explicit Rig(const std::string& backend, const TwinOptions& o = {});
};

// payload | pad 1..n | pad_len | next_header, the shortest 4-byte aligned.
Bytes with_trailer(const Bytes& payload, uint8_t next_header);
// ESP (SPI .. ICV) over a plaintext given whole (trailer included), sealed
// with OpenSSL for cfg's key, salt, ESN, GMAC and ICV length; IV = seq.
Bytes seal_esp(const SaConfig& cfg, uint64_t seq, const Bytes& plaintext);
// An outer IP header (IPv4: 20 bytes, IPv6: 40) + [UDP 4500->4500] around
// `body`. proto: the IP protocol when no UDP (ESP_PROTO normally).
Bytes wrap_outer(const Bytes& body, uint8_t version, bool udp, uint8_t proto = spec::ESP_PROTO);
// wrap_outer(seal_esp(...)).
Bytes craft_esp(const SaConfig& cfg, uint64_t seq, const Bytes& plaintext, uint8_t outer_version = 4,
                bool udp = false);

// Sequence numbers that walk an inbound ESN SA's replay top from 0 up to
// `target` with jumps below 2^31 (so that RFC 4303 A2.2 infers each one
// right); the last one is target. Empty for target 0.
std::vector<uint64_t> climb(uint64_t target);

// ESP_EQ_FUZZ_ROUNDS=n (default 1): how many times over the randomised
// tests run, each round with other seeds (longer hunts by hand).
unsigned fuzz_rounds();

// Fixes the lengths (IPv4 total length + checksum, IPv6 payload length, UDP
// length when proto 17 right after a bare IP header) after the packet was
// resized.
void fix_lengths(Bytes& p);

}  // namespace esp::eq
