// Card memory on host arrays for tests that call the esp_engine top
// directly (contract 1.0): SA table, state lines, replay region, descriptor
// and completion rings, the two packet ports, and the card's own state (an
// EngineState, as swemu owns one). Written and read with the spec's value
// types and pack/unpack. The host side of the ring is modelled as a driver
// does it: descriptors are pushed at free-running indices (DESC_PROD), a run
// starts at the previous run's CPL_PROD.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "esp/hls/engine_state.hpp"
#include "esp/hls/esp_engine.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::hls_test {

namespace spec = esp::spec;
using Bytes = std::vector<uint8_t>;

constexpr unsigned kCap = 4;          // sa_capacity
constexpr unsigned kLog2 = 2;         // spi_buckets_log2
constexpr unsigned kRingLog2 = 4;     // default ring: 16 entries
constexpr uint64_t kReplayOffset = 64;  // SA i's replay ring: kReplayOffset + i * kReplayStride
constexpr uint64_t kReplayStride = spec::replay_ring_bytes(spec::MAX_WINDOW_BITS);
constexpr unsigned kPktLines = 2 * 160;

using Completion = spec::Completion;

class Card {
 public:
  explicit Card(unsigned ring_log2 = kRingLog2, unsigned sa_capacity = kCap)
      : ring_log2_(ring_log2),
        cap_arg_(sa_capacity),
        sa_(size_t(sa_capacity) * spec::sa_entry::SIZE / 8, 0),
        state_(size_t(sa_capacity) * spec::sa_state::SIZE / 8, 0),
        replay_((kReplayOffset + sa_capacity * kReplayStride) / 8 + 1, 0),
        desc_((size_t(1) << ring_log2) * spec::descriptor::SIZE / 8, 0),
        compl_((size_t(1) << ring_log2) * spec::completion::SIZE / 8, 0),
        in_(kPktLines),
        out_(kPktLines) {}

  // ---- card memory
  uint8_t* sa(unsigned i) { return bytes(sa_) + i * spec::sa_entry::SIZE; }
  uint8_t* state_line(unsigned i) { return bytes(state_) + i * spec::sa_state::SIZE; }
  static uint64_t replay_offset(unsigned i) { return kReplayOffset + i * kReplayStride; }
  uint8_t* in() { return reinterpret_cast<uint8_t*>(in_.data()); }
  uint8_t* out() { return reinterpret_cast<uint8_t*>(out_.data()); }
  size_t pkt_bytes() const { return kPktLines * spec::PKT_BUS_BYTES; }
  unsigned ring_size() const { return 1u << ring_log2_; }

  void set_sa(unsigned i, const spec::SaEntry& e) { spec::pack(e, sa(i)); }
  spec::SaEntry sa_entry(unsigned i) {
    spec::SaEntry e;
    spec::unpack(sa(i), e);
    return e;
  }
  spec::SaState state(unsigned i) {
    spec::SaState s;
    spec::unpack(state_line(i), s);
    return s;
  }
  void set_state(unsigned i, const spec::SaState& s) { spec::pack(s, state_line(i)); }
  spec::SaCounters sa_counters(unsigned i) { return state(i).counters; }
  uint64_t seq(unsigned i) { return state(i).seq; }
  // Entry k of the replay ring at byte offset `off` of the replay region.
  spec::ReplayEntry replay_entry(unsigned k, uint64_t off = kReplayOffset) {
    spec::ReplayEntry e;
    spec::unpack(bytes(replay_) + off + k * spec::replay_entry::SIZE, e);
    return e;
  }
  void set_replay_entry(unsigned k, const spec::ReplayEntry& e, uint64_t off = kReplayOffset) {
    spec::pack(e, bytes(replay_) + off + k * spec::replay_entry::SIZE);
  }

  // ---- the ring, as a driver fills it
  // The sa_capacity argument of the runs (the table holds the constructor's
  // count: a larger one is only for descriptors that must not read it).
  void set_capacity_arg(unsigned n) { cap_arg_ = n; }

  uint32_t desc_prod() const { return prod_; }
  uint32_t cpl_prod() const { return cpl_prod_; }
  void set_indices(uint32_t first) { prod_ = cpl_prod_ = first; }  // e.g. near 2^32

  uint32_t push(const spec::Descriptor& d) {
    spec::pack(d, slot_bytes(desc_, prod_, spec::descriptor::SIZE));
    return prod_++;
  }
  uint32_t push(const spec::Command& k) {
    spec::pack(k, slot_bytes(desc_, prod_, spec::command::SIZE));
    return prod_++;
  }
  uint32_t push_desc(spec::Opcode op, uint32_t sa_index, uint64_t in_off, uint32_t in_len, uint32_t out_cap,
                     uint64_t out_off, uint8_t flags = 0) {
    spec::Descriptor d;
    d.op = op;
    d.flags = flags;
    d.sa_index = sa_index;
    d.in_offset = in_off;
    d.in_length = in_len;
    d.out_capacity = out_cap;
    d.out_offset = out_off;
    return push(d);
  }
  uint32_t push_cmd(spec::Opcode op, uint32_t sa_index, uint8_t flags = 0, uint32_t spi = 0, uint32_t slot = 0) {
    spec::Command k;
    k.op = op;
    k.flags = flags;
    k.sa_index = sa_index;
    k.spi = spi;
    k.slot = slot;
    return push(k);
  }
  // A raw 32-byte ring entry (e.g. an opcode the spec does not define).
  uint32_t push_raw(const uint8_t* img) {
    std::memcpy(slot_bytes(desc_, prod_, spec::descriptor::SIZE), img, spec::descriptor::SIZE);
    return prod_++;
  }

  // One run: ring_first = CPL_PROD of the previous run, DESC_PROD = every
  // descriptor pushed. Completion slots are poisoned first. Returns CPL_PROD.
  // ring_log2_arg: the ring_log2 argument, when a test passes another than
  // the ring's.
  uint32_t run_ring(unsigned spi_log2 = kLog2, int ring_log2_arg = -1) {
    std::fill(compl_.begin(), compl_.end(), 0xEEEEEEEEEEEEEEEEull);
    unsigned cpl = 0xDEADBEEFu;
    const unsigned rl2 = ring_log2_arg < 0 ? ring_log2_ : static_cast<unsigned>(ring_log2_arg);
    esp_engine(ctl(sa_), ctl(state_), ctl(replay_), ctl(desc_), ctl(compl_), in_.data(), out_.data(), cpl_prod_, rl2,
               cap_arg_, spi_log2, prod_, &cpl, &engine_);
    run_first_ = cpl_prod_;
    cpl_prod_ = cpl;
    return cpl;
  }
  // Completion of descriptor `index` (free-running), as the last run left it.
  Completion completion_at(uint32_t index) {
    Completion c;
    spec::unpack(slot_bytes(compl_, index, spec::completion::SIZE), c);
    return c;
  }
  // Poisoned (never written by the last run)?
  bool completion_untouched(uint32_t index) {
    const uint8_t* p = slot_bytes(compl_, index, spec::completion::SIZE);
    return std::all_of(p, p + spec::completion::SIZE, [](uint8_t b) { return b == 0xEE; });
  }

  // ---- one-shot helpers: descriptor i of the next run, then run(n)
  void set_desc(unsigned i, spec::Opcode op, uint32_t sa_index, uint64_t in_off, uint32_t in_len, uint32_t out_cap,
                uint64_t out_off, uint8_t flags = 0) {
    prod_ = cpl_prod_ + i;
    push_desc(op, sa_index, in_off, in_len, out_cap, out_off, flags);
  }
  void run(unsigned n) {
    prod_ = cpl_prod_ + n;
    const uint32_t first = cpl_prod_;
    EXPECT_EQ(run_ring(), first + n);
  }
  Completion completion(unsigned i) { return completion_at(run_first_ + i); }

  // A run of one command (and nothing else): its completion.
  Completion command(spec::Opcode op, uint32_t sa_index, uint8_t flags = 0, uint32_t spi = 0, uint32_t slot = 0,
                     unsigned spi_log2 = kLog2) {
    const uint32_t i = push_cmd(op, sa_index, flags, spi, slot);
    run_ring(spi_log2);
    return completion_at(i);
  }
  // SA_INSTALL of slot i as it is in card memory (KEEP_STATE when keep).
  void install(unsigned i, bool keep = false) {
    const Completion c =
        command(spec::Opcode::SA_INSTALL, i, keep ? spec::descriptor::flags_bit::KEEP_STATE : uint8_t(0));
    EXPECT_EQ(c.status, spec::Status::OK) << "SA_INSTALL " << i;
  }
  // SPI_SET of the first free slot of the SPI's first bucket (for kLog2).
  void map_spi(uint32_t spi, uint32_t sa_index) {
    const uint32_t bucket = spec::spi_bucket_index(spi, 0, kLog2);
    for (uint32_t s = 0; s < spec::SPI_BUCKET_SLOTS; ++s) {
      const uint32_t slot = bucket * spec::SPI_BUCKET_SLOTS + s;
      if (engine_.spi_slot(slot).sa_ref != 0) continue;
      const Completion c = command(spec::Opcode::SPI_SET, sa_index, 0, spi, slot);
      EXPECT_EQ(c.status, spec::Status::OK) << "SPI_SET";
      return;
    }
    FAIL() << "bucket full";
  }

  esp::hls::EngineState& engine() { return engine_; }

 private:
  static uint8_t* bytes(std::vector<uint64_t>& v) { return reinterpret_cast<uint8_t*>(v.data()); }
  static ctl_word_t* ctl(std::vector<uint64_t>& v) { return reinterpret_cast<ctl_word_t*>(v.data()); }
  uint8_t* slot_bytes(std::vector<uint64_t>& ring, uint32_t index, unsigned size) {
    return bytes(ring) + (index & (ring_size() - 1u)) * size;
  }

  unsigned ring_log2_;
  unsigned cap_arg_;
  std::vector<uint64_t> sa_, state_, replay_, desc_, compl_;
  std::vector<pkt_word_t> in_, out_;
  esp::hls::EngineState engine_;
  uint32_t prod_ = 0, cpl_prod_ = 0, run_first_ = 0;
};

}  // namespace esp::hls_test
