// The RTL engine on the harness alone (sim::EngineSim, no driver): card
// memory laid out for one SA table, state lines, replay rings, the
// descriptor and completion rings and the packet buffers; descriptors and
// commands written into the ring, DESC_PROD published, runs started and
// clocked to ap_done. The tests of the contract 1.0 ring and commands use it
// (tests/unit/cosim/cosim_ring_test.cpp, cosim_replay_test.cpp).
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine_sim.hpp"
#include "esp/spec/esp_spec.hpp"

namespace cosim_card {

namespace spec = esp::spec;

// A descriptor or command image (32 bytes).
struct Desc {
  uint8_t b[spec::descriptor::SIZE] = {};
};

inline Desc packet(spec::Opcode op, uint32_t sa_index, uint64_t in_offset, uint32_t in_length, uint32_t out_capacity,
                   uint64_t out_offset, uint8_t flags = 0) {
  Desc d;
  spec::set<spec::descriptor::op>(d.b, uint8_t(op));
  spec::set<spec::descriptor::flags>(d.b, flags);
  spec::set<spec::descriptor::sa_index>(d.b, sa_index);
  spec::set<spec::descriptor::in_offset>(d.b, in_offset);
  spec::set<spec::descriptor::in_length>(d.b, in_length);
  spec::set<spec::descriptor::out_capacity>(d.b, out_capacity);
  spec::set<spec::descriptor::out_offset>(d.b, out_offset);
  return d;
}

inline Desc command(spec::Opcode op, uint32_t sa_index, uint32_t spi = 0, uint32_t slot = 0, uint8_t flags = 0) {
  Desc d;
  spec::set<spec::command::op>(d.b, uint8_t(op));
  spec::set<spec::command::flags>(d.b, flags);
  spec::set<spec::command::sa_index>(d.b, sa_index);
  spec::set<spec::command::spi>(d.b, spi);
  spec::set<spec::command::slot>(d.b, slot);
  return d;
}

inline Desc stop() { return command(spec::Opcode::STOP, spec::NO_SA_INDEX); }
inline Desc nop(uint64_t out_offset) { return packet(spec::Opcode::NOP, 0, 0, 100, 0, out_offset); }

struct Cpl {
  uint16_t status = 0, flags = 0;
  uint32_t sa_index = 0, out_length = 0, spi = 0;
  uint64_t out_offset = 0, seq = 0;
};

struct Sa {
  uint32_t spi = 0;
  uint32_t flags = 0;
  uint32_t window_bits = 1024;
  uint8_t icv_len = 16;
  uint64_t replay_offset = 0;
  uint8_t key_byte = 0;  // every key byte
};

class Card {
 public:
  static constexpr uint32_t kCapacity = 8;
  static constexpr uint64_t kPktBytes = 64 << 10;

  // (capacity: the SA table's entries and state lines, sa_capacity;
  // pkt_bytes: the input and output packet buffers, each; desc_skew: the
  // descriptor ring starts that many bytes into its buffer, 8-byte aligned)
  explicit Card(uint64_t seed = 1, double backpressure = 0.0, unsigned ring_log2 = 3, unsigned latency = 16,
                uint32_t capacity = kCapacity, uint64_t pkt_bytes = kPktBytes, uint32_t desc_skew = 0)
      : sa_capacity(capacity), sim_(config(seed, backpressure, latency)), ring_log2_(ring_log2),
        desc_skew_(desc_skew) {
    sa_ = sim_.memory().alloc(uint64_t(capacity) * spec::sa_entry::SIZE);
    st_ = sim_.memory().alloc(uint64_t(capacity) * spec::sa_state::SIZE);
    replay_ = sim_.memory().alloc(16 << 10);
    desc_ = sim_.memory().alloc((uint64_t(spec::descriptor::SIZE) << ring_log2) + desc_skew);
    cpl_ = sim_.memory().alloc(uint64_t(spec::completion::SIZE) << ring_log2);
    in_ = sim_.memory().alloc(pkt_bytes);
    out_ = sim_.memory().alloc(pkt_bytes);
    std::memset(host(cpl_), 0xEE, cpl_.size);  // sentinels: a slot the card does not write stays
    // idle once it has cleared its own tables after the reset
    while (!(sim_.read_reg(spec::reg::CTRL) & spec::reg::ctrl::AP_IDLE)) {
      if (sim_.cycles() > 1'000'000) throw std::runtime_error("not idle after the reset");
      sim_.step(256);
    }
    reset_cycles_ = sim_.cycles();
  }
  uint64_t reset_cycles() const { return reset_cycles_; }

  esp::sim::EngineSim& sim() { return sim_; }
  uint32_t ring_size() const { return 1u << ring_log2_; }
  uint32_t first() const { return first_; }
  uint32_t prod() const { return prod_; }
  uint32_t sa_capacity;
  unsigned spi_buckets_log2 = 4;

  void set_sa(uint32_t i, const Sa& s) {
    uint8_t* e = host(sa_) + i * spec::sa_entry::SIZE;
    std::memset(e, 0, spec::sa_entry::SIZE);
    spec::set<spec::sa_entry::spi>(e, s.spi);
    spec::set<spec::sa_entry::flags>(e, s.flags);
    spec::set<spec::sa_entry::icv_len>(e, s.icv_len);
    spec::set<spec::sa_entry::window_bits>(e, s.window_bits);
    spec::set<spec::sa_entry::replay_offset>(e, s.replay_offset);
    std::memset(e + spec::sa_entry::key::offset, s.key_byte, spec::sa_entry::key::size);
  }
  uint8_t* sa_entry(uint32_t i) { return host(sa_) + i * spec::sa_entry::SIZE; }
  uint8_t* state_line(uint32_t i) { return host(st_) + i * spec::sa_state::SIZE; }
  uint64_t seq_of(uint32_t i) { return spec::get<spec::sa_state::seq>(state_line(i)); }
  template <class F>
  typename F::type counter(uint32_t i) {
    return spec::get<F>(state_line(i) + spec::sa_state::counters::offset);
  }
  uint8_t* replay_ring() { return host(replay_); }
  uint8_t* pkt_in() { return host(in_); }
  uint8_t* pkt_out() { return host(out_); }
  // Card addresses: the input packets, the descriptor ring (its size in bytes)
  uint64_t pkt_in_addr() const { return in_.addr; }
  uint64_t desc_ring_addr() const { return desc_.addr + desc_skew_; }
  uint64_t desc_ring_bytes() const { return uint64_t(spec::descriptor::SIZE) << ring_log2_; }

  // Descriptor i into its ring slot (not yet published).
  void put(uint32_t i, const Desc& d) {
    std::memcpy(host(desc_) + desc_skew_ + (i & (ring_size() - 1)) * spec::descriptor::SIZE, d.b, sizeof d.b);
  }
  // Descriptors at prod() onwards, then DESC_PROD past them.
  // (At most ring_size() ahead of CPL_PROD, as the contract asks of a host.)
  void publish(const std::vector<Desc>& ds) {
    if (prod_ + ds.size() - cpl_prod() > ring_size()) throw std::logic_error("test: more descriptors than the ring");
    for (const Desc& d : ds) put(prod_++, d);
    sim_.write_reg(spec::reg::DESC_PROD, prod_);
  }

  // A run from first(): arguments, AP_START.
  void start() {
    namespace a = spec::arg;
    const uint64_t v[a::COUNT] = {sa_.addr, st_.addr, replay_.addr, desc_.addr + desc_skew_, cpl_.addr, in_.addr,
                                  out_.addr, first_, ring_log2_, sa_capacity, spi_buckets_log2};
    for (unsigned i = 0; i < a::COUNT; ++i) {
      sim_.write_reg(a::OFFSET[i], uint32_t(v[i]));
      if (a::WIDTH[i] == 64) sim_.write_reg(a::OFFSET[i] + 4, uint32_t(v[i] >> 32));
    }
    sim_.write_reg(spec::reg::CTRL, spec::reg::ctrl::AP_START);
    start_cycle_ = sim_.cycles();
  }
  bool done() { return (sim_.read_reg(spec::reg::CTRL) & spec::reg::ctrl::AP_DONE) != 0; }
  // Clocks the model until ap_done; the next run starts at CPL_PROD.
  void wait(uint64_t limit = 2'000'000) {
    while (!done()) {
      if (sim_.cycles() - start_cycle_ > limit) throw std::runtime_error("the run does not end");
    }
    run_cycles_ = sim_.cycles() - start_cycle_;
    first_ = cpl_prod();
    const auto errs = sim_.take_bus_errors();
    if (!errs.empty()) throw std::runtime_error("bus error: " + errs.front());
  }
  void run(const std::vector<Desc>& ds) {
    publish(ds);
    start();
    wait();
  }
  uint64_t run_cycles() const { return run_cycles_; }

  uint32_t cpl_prod() { return sim_.read_reg(spec::reg::CPL_PROD); }
  uint64_t reg64(uint32_t lo) { return sim_.read_reg(lo) | uint64_t(sim_.read_reg(lo + 4)) << 32; }

  const uint8_t* cpl_raw(uint32_t i) { return host(cpl_) + (i & (ring_size() - 1)) * spec::completion::SIZE; }
  Cpl cpl(uint32_t i) {
    const uint8_t* c = cpl_raw(i);
    Cpl r;
    r.status = spec::get<spec::completion::status>(c);
    r.flags = spec::get<spec::completion::flags>(c);
    r.sa_index = spec::get<spec::completion::sa_index>(c);
    r.out_offset = spec::get<spec::completion::out_offset>(c);
    r.out_length = spec::get<spec::completion::out_length>(c);
    r.spi = spec::get<spec::completion::spi>(c);
    r.seq = spec::get<spec::completion::seq>(c);
    return r;
  }

 private:
  static esp::sim::SimConfig config(uint64_t seed, double backpressure, unsigned latency) {
    esp::sim::SimConfig c;
    c.seed = seed;
    c.timing.backpressure = backpressure;
    c.timing.read_latency = latency;
    c.timing.write_latency = latency / 2;
    c.card_memory_bytes = 16ull << 20;
    return c;
  }
  uint8_t* host(const esp::sim::CardMemory::Buffer& b) { return sim_.memory().host(b.addr, b.handle); }

  esp::sim::EngineSim sim_;
  unsigned ring_log2_;
  uint32_t desc_skew_;
  esp::sim::CardMemory::Buffer sa_, st_, replay_, desc_, cpl_, in_, out_;
  uint32_t first_ = 0, prod_ = 0;
  uint64_t start_cycle_ = 0, run_cycles_ = 0, reset_cycles_ = 0;
};

// An IPv4 packet of `len` bytes, protocol `proto`, payload bytes from `seed`.
inline std::vector<uint8_t> ipv4(uint16_t len, uint8_t proto, uint8_t seed = 3) {
  std::vector<uint8_t> p(len, 0);
  p[0] = 0x45;
  p[2] = uint8_t(len >> 8);
  p[3] = uint8_t(len);
  p[6] = 0x40;
  p[8] = 64;
  p[9] = proto;
  for (size_t i = 12; i < len; ++i) p[i] = uint8_t(i * 7 + seed);
  uint32_t sum = 0;  // the header checksum (RFC 791)
  for (size_t i = 0; i < 20; i += 2) sum += uint32_t(p[i]) << 8 | p[i + 1];
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  p[10] = uint8_t(~sum >> 8);
  p[11] = uint8_t(~sum);
  return p;
}

}  // namespace cosim_card
