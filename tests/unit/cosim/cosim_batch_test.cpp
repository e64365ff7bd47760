// Runs on the RTL engine, bit-exact against the swemu backend (the HLS
// kernel), through the Device API: every SA installed by SA_INSTALL at the
// head of the ring, the descriptors, a STOP; the descriptor and SA checks,
// and datapath work (an ENCRYPT that goes through, DECRYPT errors,
// NO_SPACE) with its card-memory writes (packet, state lines); backpressure
// and seed independence; replay by seed; the hang guard; bus errors; the FST
// trace. The whole contract is the equivalence suite's (tests/unit/esp,
// cosim joins it with ESP_COSIM_DATAPATH); the ring and the commands
// themselves are test_cosim_ring's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "cosim_util.hpp"

namespace {

using esp::driver::CardBuffer;
using esp::driver::Device;
using esp::driver::DeviceError;
using esp::driver::KernelArgs;
namespace spec = esp::spec;
using cosim_test::open;
using cosim_test::sim_opts;

constexpr uint32_t kCapacity = 4;

struct Desc {
  uint8_t op;
  uint32_t sa_index;
  uint64_t in_offset;
  uint32_t in_length;
  uint32_t out_capacity;
  uint64_t out_offset;
};

struct Sa {
  uint32_t spi;
  uint32_t flags;
  uint8_t icv_len;
};

// The SA table of the tests: 0 invalid, 1 inbound, 2 outbound with icv_len 10
// (unusable), 3 a good outbound tunnel SA (all-zero key, IPv4 tunnel).
std::vector<Sa> sa_table() {
  namespace f = spec::sa_entry::flags_bit;
  return {{0x1000, 0, 16}, {0x1001, f::VALID, 16}, {0x1002, f::VALID | f::OUTBOUND, 10},
          {0x1003, f::VALID | f::OUTBOUND | f::TUNNEL, 16}};
}

// Descriptors decided before any packet byte is read, in the contract's order.
std::vector<Desc> early_batch() {
  const uint8_t E = uint8_t(spec::Opcode::ENCRYPT), D = uint8_t(spec::Opcode::DECRYPT);
  return {
      {uint8_t(spec::Opcode::NOP), 0, 0, 100, 4096, 0},        // BAD_OPCODE
      {8, 3, 64, 100, 4096, 128},                              // BAD_OPCODE (before anything else)
      {0xFF, 99, 3, 0, 0, 5},                                  // BAD_OPCODE wins over MALFORMED
      {E, 3, 1, 100, 4096, 0},                                 // MALFORMED: in_offset
      {D, 0, 0, 100, 4096, 32},                                // MALFORMED: out_offset
      {E, 3, 64, 0, 4096, 0},                                  // MALFORMED: in_length 0
      {D, 0, 0, spec::MAX_PKT_BYTES + 1, 20000, 0},            // MALFORMED: in_length
      {E, 99, 1, 100, 4096, 0},                                // MALFORMED wins over BAD_SA
      {E, kCapacity, 0, 100, 4096, 192},                       // BAD_SA: index
      {E, 0xFFFFFFFF, 0, 100, 4096, 0},                        // BAD_SA: index
      {E, 0, 0, 100, 4096, 256},                               // SA_DISABLED
      {E, 1, 0, 100, 4096, 320},                               // BAD_SA: inbound SA
      {E, 2, 0, spec::MAX_PKT_BYTES, 4096, 384},               // BAD_SA: icv_len 10
  };
}

struct Batch {
  CardBuffer sa, st, replay, desc, cpl, cpl_all, in, out;
  KernelArgs args;
  uint32_t ring = 0;   // slots
  uint32_t first = 0;  // index of the first test descriptor (after the installs)
  uint32_t prod = 0;   // DESC_PROD
};

// Packets written into pkt_in before the run: {offset, bytes}.
using Packets = std::vector<std::pair<uint64_t, std::vector<uint8_t>>>;

uint8_t* desc_image(std::vector<uint8_t>& img, size_t i) { return img.data() + i * spec::descriptor::SIZE; }

// Descriptor i into its ring slot.
void put(Device& d, Batch& b, const uint8_t* desc) {
  d.write(b.desc, uint64_t(b.prod++ & (b.ring - 1)) * spec::descriptor::SIZE, desc, spec::descriptor::SIZE);
}

void put_command(Device& d, Batch& b, spec::Opcode op, uint32_t sa_index) {
  uint8_t c[spec::command::SIZE] = {};
  spec::set<spec::command::op>(c, uint8_t(op));
  spec::set<spec::command::sa_index>(c, sa_index);
  put(d, b, c);
}

// The ring: SA_INSTALL of every SA (when `install`), the descriptors, STOP.
// The completion ring starts `cpl_skew` bytes into its allocation (b.cpl_all).
Batch make_batch(Device& d, const std::vector<Desc>& descs, const Packets& pkts = {}, bool install = true,
                 uint64_t cpl_skew = 0) {
  Batch b;
  const uint32_t n = uint32_t(descs.size()) + (install ? kCapacity : 0) + 1;
  uint32_t log2 = 0;
  while ((1u << log2) < n + 1) ++log2;  // a free slot after STOP keeps its sentinel
  b.ring = 1u << log2;
  b.sa = d.alloc(kCapacity * spec::sa_entry::SIZE);
  b.st = d.alloc(kCapacity * spec::sa_state::SIZE);
  b.replay = d.alloc(4096);
  b.desc = d.alloc(uint64_t(b.ring) * spec::descriptor::SIZE);
  b.cpl_all = d.alloc(uint64_t(b.ring) * spec::completion::SIZE + spec::PKT_BUS_BYTES);
  b.cpl = esp::driver::sub(b.cpl_all, cpl_skew, uint64_t(b.ring) * spec::completion::SIZE);
  b.in = d.alloc(64 << 10);
  b.out = d.alloc(64 << 10);
  const auto sas = sa_table();
  for (uint32_t i = 0; i < kCapacity; ++i) {
    uint8_t e[spec::sa_entry::SIZE] = {};
    spec::set<spec::sa_entry::spi>(e, sas[i].spi);
    spec::set<spec::sa_entry::flags>(e, sas[i].flags);
    spec::set<spec::sa_entry::icv_len>(e, sas[i].icv_len);
    spec::set<spec::sa_entry::window_bits>(e, 1024);
    d.write(b.sa, i * spec::sa_entry::SIZE, e, sizeof e);
  }
  if (install) {
    for (uint32_t i = 0; i < kCapacity; ++i) put_command(d, b, spec::Opcode::SA_INSTALL, i);
  }
  b.first = b.prod;
  std::vector<uint8_t> img(descs.size() * spec::descriptor::SIZE, 0);
  for (size_t i = 0; i < descs.size(); ++i) {
    uint8_t* p = desc_image(img, i);
    spec::set<spec::descriptor::op>(p, descs[i].op);
    spec::set<spec::descriptor::sa_index>(p, descs[i].sa_index);
    spec::set<spec::descriptor::in_offset>(p, descs[i].in_offset);
    spec::set<spec::descriptor::in_length>(p, descs[i].in_length);
    spec::set<spec::descriptor::out_capacity>(p, descs[i].out_capacity);
    spec::set<spec::descriptor::out_offset>(p, descs[i].out_offset);
    put(d, b, p);
  }
  put_command(d, b, spec::Opcode::STOP, spec::NO_SA_INDEX);
  for (const auto& [off, bytes] : pkts) d.write(b.in, off, bytes.data(), bytes.size());
  // Sentinels in the completion ring: what the kernel does not write stays.
  std::vector<uint8_t> junk(b.cpl_all.size, 0xEE);
  d.write(b.cpl_all, 0, junk.data(), junk.size());
  namespace a = spec::arg;
  b.args.set(a::SA_TABLE, b.sa);
  b.args.set(a::SA_STATE, b.st);
  b.args.set(a::REPLAY, b.replay);
  b.args.set(a::DESC_RING, b.desc);
  b.args.set(a::CPL_RING, b.cpl);
  b.args.set(a::PKT_IN, b.in);
  b.args.set(a::PKT_OUT, b.out);
  b.args.set(a::RING_FIRST, 0);
  b.args.set(a::RING_LOG2, log2);
  b.args.set(a::SA_CAPACITY, kCapacity);
  b.args.set(a::SPI_BUCKETS_LOG2, 1);
  return b;
}

// Publishes the ring up to b.prod and runs from ring_first = CPL_PROD.
void run_batch(Device& d, Batch& b, uint32_t ring_first = 0) {
  b.args.set(spec::arg::RING_FIRST, ring_first);
  d.write_reg(spec::reg::DESC_PROD, b.prod);
  d.run(b.args);
}

// The completions of the test descriptors, then every slot after the STOP's.
std::vector<uint8_t> completions(Device& d, const Batch& b) {
  std::vector<uint8_t> ring(b.cpl.size), got;
  d.read(b.cpl, 0, ring.data(), ring.size());
  for (uint32_t i = b.first; i + 1 < b.prod; ++i) {
    const uint8_t* c = ring.data() + uint64_t(i & (b.ring - 1)) * spec::completion::SIZE;
    got.insert(got.end(), c, c + spec::completion::SIZE);
  }
  got.insert(got.end(), ring.begin() + long(b.prod) * spec::completion::SIZE, ring.end());
  return got;
}

std::vector<uint8_t> run_and_read(Device& d, const std::vector<Desc>& descs) {
  Batch b = make_batch(d, descs);
  run_batch(d, b);
  return completions(d, b);
}

std::vector<uint8_t> on_swemu(const std::vector<Desc>& descs) {
  esp::driver::DeviceOptions o;
  o.backend = "swemu";
  o.card_memory_bytes = 64ull << 20;
  auto d = esp::driver::open_device(o);
  return run_and_read(*d, descs);
}

std::string describe(const uint8_t* c) {
  char s[200];
  std::snprintf(s, sizeof s, "status %u flags %u sa_index 0x%x out_offset %llu out_length %u spi 0x%x seq %llu",
                unsigned(spec::get<spec::completion::status>(c)), unsigned(spec::get<spec::completion::flags>(c)),
                spec::get<spec::completion::sa_index>(c),
                static_cast<unsigned long long>(spec::get<spec::completion::out_offset>(c)),
                spec::get<spec::completion::out_length>(c), spec::get<spec::completion::spi>(c),
                static_cast<unsigned long long>(spec::get<spec::completion::seq>(c)));
  return s;
}

void expect_same(const std::vector<uint8_t>& want, const std::vector<uint8_t>& got, size_t n, const char* what) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* w = want.data() + i * spec::completion::SIZE;
    const uint8_t* g = got.data() + i * spec::completion::SIZE;
    EXPECT_EQ(0, std::memcmp(w, g, spec::completion::SIZE))
        << what << ": completion " << i << "\n  want " << describe(w) << "\n  got  " << describe(g);
  }
  for (size_t k = n * spec::completion::SIZE; k < got.size(); ++k) {
    ASSERT_EQ(got[k], 0xEE) << what << ": byte " << k << " after the last completion was written";
  }
}

TEST(CosimBatch, EarlyStatusesMatchSwemu) {
  const auto descs = early_batch();
  const auto want = on_swemu(descs);
  // Spot checks of the reference itself (the contract's order).
  const auto st = [&](size_t i) { return spec::Status(spec::get<spec::completion::status>(want.data() + 32 * i)); };
  EXPECT_EQ(st(0), spec::Status::BAD_OPCODE);
  EXPECT_EQ(st(3), spec::Status::MALFORMED);
  EXPECT_EQ(st(8), spec::Status::BAD_SA);
  EXPECT_EQ(st(10), spec::Status::SA_DISABLED);
  EXPECT_EQ(st(12), spec::Status::BAD_SA);
  for (double bp : {0.0, 0.3, 0.7}) {
    for (uint64_t seed : {1ull, 2ull, 0xC0FFEEull}) {
      auto d = open(sim_opts(seed, bp));
      const auto got = run_and_read(*d, descs);
      const std::string what = "seed " + std::to_string(seed) + " backpressure " + std::to_string(bp);
      expect_same(want, got, descs.size(), what.c_str());
    }
  }
}

TEST(CosimBatch, OddBatchSizesAndLatencies) {
  auto descs = early_batch();
  for (size_t n : {size_t(1), size_t(2), size_t(5)}) {
    std::vector<Desc> part(descs.begin(), descs.begin() + static_cast<long>(n));
    const auto want = on_swemu(part);
    for (unsigned lat : {0u, 1u, 40u}) {
      auto o = sim_opts(n * 100 + lat, 0.2);
      o.read_latency = lat;
      o.write_latency = lat;
      auto d = open(o);
      expect_same(want, run_and_read(*d, part), n, ("latency " + std::to_string(lat)).c_str());
    }
  }
}

TEST(CosimBatch, ASeedReplaysTheRunCycleForCycle) {
  const auto descs = early_batch();
  uint64_t cycles[3] = {};
  for (int i = 0; i < 3; ++i) {
    auto d = open(sim_opts(i < 2 ? 42 : 43, 0.5));
    run_and_read(*d, descs);
    cycles[i] = esp::driver::cosim_stats(*d).last_run_cycles;
  }
  EXPECT_EQ(cycles[0], cycles[1]) << "same seed, same cycles";
  EXPECT_NE(cycles[0], cycles[2]) << "another seed, other backpressure (vanishingly unlikely to tie)";
  auto fast = open(sim_opts(42, 0.0));
  run_and_read(*fast, descs);
  EXPECT_LT(esp::driver::cosim_stats(*fast).last_run_cycles, cycles[0]) << "backpressure costs cycles";
}

// An IPv4 packet of `len` bytes (header 20 bytes, protocol `proto`; UDP
// gets a well-formed header without the NAT-T port).
std::vector<uint8_t> ipv4(uint16_t len, uint8_t proto) {
  std::vector<uint8_t> p(len, 0);
  p[0] = 0x45;
  p[2] = static_cast<uint8_t>(len >> 8);
  p[3] = static_cast<uint8_t>(len);
  p[6] = 0x40;
  p[8] = 64;
  p[9] = proto;
  for (size_t i = 12; i < len; ++i) p[i] = static_cast<uint8_t>(i * 7 + 3);
  if (proto == 17 && len >= 28) {  // UDP 53 -> 53, length to the end
    p[20] = 0;
    p[21] = 53;
    p[22] = 0;
    p[23] = 53;
    p[24] = static_cast<uint8_t>((len - 20) >> 8);
    p[25] = static_cast<uint8_t>(len - 20);
  }
  return p;
}

// Datapath work: what the RTL writes (completions, output packets, tx_seq,
// counters) equals what the HLS kernel writes, byte for byte.
TEST(CosimBatch, DatapathWorkMatchesSwemu) {
  const uint8_t E = uint8_t(spec::Opcode::ENCRYPT), D = uint8_t(spec::Opcode::DECRYPT);
  const std::vector<Desc> descs = {
      {E, 3, 0, 100, 4096, 0},       // OK: IPv4 in an IPv4 tunnel
      {D, 0, 0, 100, 4096, 4096},    // NOT_ESP: UDP without the NAT-T port
      {D, 0, 128, 100, 4096, 8192},  // UNKNOWN_SPI: ESP, empty SPI table
      {E, 3, 256, 60, 100, 12288},   // NO_SPACE: 60 + 20 + 16 + 64 + 16 > 100
      {E, 3, 256, 60, 4096, 16384},  // OK: the next sequence number
      {E, 3, 384, 19, 4096, 20480},  // MALFORMED: shorter than an IPv4 header
  };
  const Packets pkts = {{0, ipv4(100, 17)}, {128, ipv4(100, 50)}, {256, ipv4(60, 6)}, {384, ipv4(19, 6)}};
  struct Image {
    std::vector<uint8_t> cpl, out, sa, st;
  };
  auto run = [&](Device& d) {
    Batch b = make_batch(d, descs, pkts);
    run_batch(d, b);
    Image m;
    m.cpl = completions(d, b);
    m.out.resize(24576);
    m.sa.resize(b.sa.size);
    m.st.resize(b.st.size);
    d.read(b.out, 0, m.out.data(), m.out.size());
    d.read(b.sa, 0, m.sa.data(), m.sa.size());
    d.read(b.st, 0, m.st.data(), m.st.size());
    return m;
  };
  esp::driver::DeviceOptions o;
  o.backend = "swemu";
  o.card_memory_bytes = 64ull << 20;
  const Image want = run(*esp::driver::open_device(o));
  const auto st = [&](size_t i) { return spec::Status(spec::get<spec::completion::status>(want.cpl.data() + 32 * i)); };
  ASSERT_EQ(st(0), spec::Status::OK);
  ASSERT_EQ(st(1), spec::Status::NOT_ESP);
  ASSERT_EQ(st(2), spec::Status::UNKNOWN_SPI);
  ASSERT_EQ(st(3), spec::Status::NO_SPACE);
  ASSERT_EQ(st(4), spec::Status::OK);
  ASSERT_EQ(st(5), spec::Status::MALFORMED);
  for (double bp : {0.0, 0.4}) {
    auto d = open(sim_opts(11, bp));
    const Image got = run(*d);
    const std::string what = "backpressure " + std::to_string(bp);
    for (size_t i = 0; i < descs.size(); ++i) {
      const uint8_t* w = want.cpl.data() + i * spec::completion::SIZE;
      const uint8_t* g = got.cpl.data() + i * spec::completion::SIZE;
      EXPECT_EQ(0, std::memcmp(w, g, spec::completion::SIZE))
          << what << ": completion " << i << "\n  want " << describe(w) << "\n  got  " << describe(g);
    }
    for (size_t k = 0; k < want.out.size(); ++k) {
      ASSERT_EQ(got.out[k], want.out[k]) << what << ": pkt_out byte " << k;
    }
    EXPECT_EQ(got.sa, want.sa) << what << ": SA table";
    EXPECT_EQ(got.st, want.st) << what << ": state lines (tx_seq, counters)";
  }
}

// esp_writeback writes two completions in one beat where the first starts a
// bus beat and the next is decided (hw/rtl/esp_writeback.sv): with the ring
// at 0, 8, 32 and 40 bytes into its allocation the pairs are slots (0,1),
// (1,2) or none, and never the ring's last slot with slot 0. Every
// completion as swemu writes it, each output packet and the state lines,
// and no byte of the allocation outside the written slots touched (the
// 0xEE sentinels before and after the ring), at W backpressure 0 and 0.5.
TEST(CosimBatch, CompletionsAtAnyRingPlacement) {
  const uint8_t E = uint8_t(spec::Opcode::ENCRYPT), D = uint8_t(spec::Opcode::DECRYPT);
  std::vector<Desc> descs;
  for (uint32_t i = 0; i < 26; ++i) {
    const uint64_t out = uint64_t(i) * 2048;
    switch (i % 7) {
      case 3: descs.push_back({E, 3, 256, 60, 100, out}); break;          // NO_SPACE
      case 5: descs.push_back({D, 0, 128, 100, 2048, out}); break;        // UNKNOWN_SPI
      case 6: descs.push_back({E, 3, 384, 19, 2048, out}); break;         // MALFORMED
      default: descs.push_back({E, 3, (i % 2) ? 0u : 256u, (i % 2) ? 100u : 60u, 2048, out});  // OK
    }
  }
  const Packets pkts = {{0, ipv4(100, 17)}, {128, ipv4(100, 50)}, {256, ipv4(60, 6)}, {384, ipv4(19, 6)}};
  struct Image {
    std::vector<uint8_t> cpl, all, out, st;
  };
  auto run = [&](Device& d, uint64_t skew) {
    Batch b = make_batch(d, descs, pkts, true, skew);
    run_batch(d, b);
    Image m;
    m.cpl = completions(d, b);
    m.all.resize(b.cpl_all.size);
    d.read(b.cpl_all, 0, m.all.data(), m.all.size());
    m.out.resize(b.out.size);
    d.read(b.out, 0, m.out.data(), m.out.size());
    m.st.resize(b.st.size);
    d.read(b.st, 0, m.st.data(), m.st.size());
    return m;
  };
  esp::driver::DeviceOptions o;
  o.backend = "swemu";
  o.card_memory_bytes = 64ull << 20;
  const Image want = run(*esp::driver::open_device(o), 0);
  for (uint64_t skew : {0u, 8u, 32u, 40u}) {
    for (double bp : {0.0, 0.5}) {
      auto so = sim_opts(5 + unsigned(skew), bp);
      auto d = open(so);
      const Image got = run(*d, skew);
      const std::string what = "ring at +" + std::to_string(skew) + ", backpressure " + std::to_string(bp);
      expect_same(want.cpl, got.cpl, descs.size(), what.c_str());
      for (uint64_t k = 0; k < skew; ++k) ASSERT_EQ(got.all[k], 0xEE) << what << ": byte " << k << " before the ring";
      for (uint64_t k = skew + got.all.size() - spec::PKT_BUS_BYTES; k < got.all.size(); ++k) {
        ASSERT_EQ(got.all[k], 0xEE) << what << ": byte " << k << " after the ring";
      }
      EXPECT_EQ(got.out, want.out) << what << ": pkt_out";
      EXPECT_EQ(got.st, want.st) << what << ": state lines";
    }
  }
}

TEST(CosimBatch, AHangIsADeviceErrorNamingTheCycles) {
  auto o = sim_opts(3, 0.0);
  o.read_latency = 1u << 30;  // card memory never answers a read
  o.max_run_cycles = 5000;
  auto d = open(o);
  try {
    run_and_read(*d, early_batch());
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("did not signal ap_done within"), std::string::npos) << m;
    EXPECT_NE(m.find("limit 5000"), std::string::npos) << m;
    EXPECT_NE(m.find("seed 3"), std::string::npos) << m;
  }
}

TEST(CosimBatch, AccessOutsideCardMemoryIsReported) {
  auto o = sim_opts(4, 0.0);
  o.max_run_cycles = 100000;
  auto d = open(o);
  Batch b = make_batch(*d, early_batch());
  // Device::run refuses an argument outside card memory itself (the
  // conformance suite); here the buffers are good but a ring larger than
  // them runs the kernel's reads past the descriptor buffer into the
  // unmapped gap (and, without a STOP there, the run hangs too).
  const uint32_t past = uint32_t(b.desc.size / spec::descriptor::SIZE);
  b.args.set(spec::arg::RING_LOG2, spec::MAX_RING_LOG2);
  b.prod = past + 8;
  try {
    run_batch(*d, b, past);
    FAIL() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("outside every card buffer"), std::string::npos) << e.what();
  }
}

TEST(CosimBatch, FstTraceIsWritten) {
  // per process: two runs of this test at once (two build trees) must not share it
  const std::string path = ::testing::TempDir() + "cosim_trace_test." + std::to_string(::getpid()) + ".fst";
  std::remove(path.c_str());
  {
    auto o = sim_opts(8, 0.1);
    o.trace_path = path;
    auto d = open(o);
    run_and_read(*d, {early_batch()[0], early_batch()[10]});
  }
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  ASSERT_TRUE(f.good()) << path;
  EXPECT_GT(f.tellg(), 1000) << path;
  std::remove(path.c_str());
}

}  // namespace

namespace {

// The cost of a descriptor decided from the descriptor alone, in cycles of
// the model (deterministic, not wall-clock): the fetch stage reads the
// descriptors in blocks (one read for several, the reads in flight
// together) and the write-back stage posts the completions, so the
// latencies overlap and the cost per descriptor is a few cycles, far below
// a round trip (hw/rtl/README.md).
TEST(CosimBatch, CyclesPerDescriptorDecidedEarly) {
  const Desc nop{uint8_t(spec::Opcode::NOP), 0, 0, 100, 4096, 0};
  for (unsigned lat : {1u, 16u}) {
    uint64_t prev = 0;
    for (size_t n : {size_t(8), size_t(16)}) {
      auto o = sim_opts(1, 0.0);
      o.read_latency = lat;
      o.write_latency = lat / 2;
      auto d = open(o);
      Batch b = make_batch(*d, std::vector<Desc>(n, nop), {}, false);
      run_batch(*d, b);
      const auto s = esp::driver::cosim_stats(*d);
      // the descriptors and the STOP (bus-aligned here) read once, no
      // packet; a completion beat each, or one for two (esp_writeback pairs
      // a completion with the next when that one is decided already)
      EXPECT_EQ(s.mem_beats_read, ((n + 1) * spec::descriptor::SIZE + spec::PKT_BUS_BYTES - 1) / spec::PKT_BUS_BYTES);
      EXPECT_LE(s.mem_beats_written, n + 1);
      EXPECT_GE(s.mem_beats_written, (n + 2) / 2);
      std::printf("engine: %zu BAD_OPCODE descriptors, read/write latency %u/%u: %llu cycles\n", n, o.read_latency,
                  o.write_latency, static_cast<unsigned long long>(s.last_run_cycles));
      EXPECT_LE(s.last_run_cycles, n * 14 + 3 * (o.read_latency + o.write_latency) + 60);
      if (prev) {
        const uint64_t per = (s.last_run_cycles - prev) / 8;
        std::printf("  -> %llu cycles per descriptor\n", static_cast<unsigned long long>(per));
        // the process stage's states of such a descriptor (next, decide,
        // hand-off), whatever the latencies
        EXPECT_LE(per, 6u);
      }
      prev = s.last_run_cycles;
    }
  }
}

}  // namespace

namespace {

// Cycles of one packet through the engine (one-packet runs, memory latency
// 16/8, no backpressure, the SAs installed by a run before), ENCRYPT with
// the tunnel SA 3 and DECRYPT of its output (USE_SA_INDEX on SA 1, made the
// inbound twin of SA 3 and installed again), which must give the original
// packet back. Printed for hw/rtl/README.md.
TEST(CosimBatch, CyclesPerPacket) {
  const uint8_t E = uint8_t(spec::Opcode::ENCRYPT), D = uint8_t(spec::Opcode::DECRYPT);
  namespace f = spec::sa_entry::flags_bit;
  // a run of the ring's descriptors from CPL_PROD: its cycles, the first one's completion
  auto more = [](Device& d, Batch& b, std::vector<std::vector<uint8_t>> ds, uint8_t* c) {
    const uint32_t first = d.read_reg(spec::reg::CPL_PROD);
    for (const auto& x : ds) put(d, b, x.data());
    put_command(d, b, spec::Opcode::STOP, spec::NO_SA_INDEX);
    run_batch(d, b, first);
    d.read(b.cpl, uint64_t(first & (b.ring - 1)) * spec::completion::SIZE, c, spec::completion::SIZE);
    return esp::driver::cosim_stats(d).last_run_cycles;
  };
  auto packet = [](uint8_t op, uint8_t flags, uint32_t sa, uint32_t len, uint64_t out) {
    std::vector<uint8_t> x(spec::descriptor::SIZE, 0);
    spec::set<spec::descriptor::op>(x.data(), op);
    spec::set<spec::descriptor::flags>(x.data(), flags);
    spec::set<spec::descriptor::sa_index>(x.data(), sa);
    spec::set<spec::descriptor::in_length>(x.data(), len);
    spec::set<spec::descriptor::out_capacity>(x.data(), 16384);
    spec::set<spec::descriptor::out_offset>(x.data(), out);
    return x;
  };
  for (uint16_t n : {uint16_t(64), uint16_t(256), uint16_t(1400), uint16_t(9000)}) {
    auto d = open(sim_opts(1, 0.0));
    const std::vector<uint8_t> plain = ipv4(n, 6);
    Batch b = make_batch(*d, {}, {{0, plain}});
    run_batch(*d, b);  // the installs
    uint8_t c[spec::completion::SIZE];
    const uint64_t enc = more(*d, b, {packet(E, 0, 3, n, 0)}, c);
    ASSERT_EQ(spec::get<spec::completion::status>(c), uint16_t(spec::Status::OK)) << describe(c);
    const uint32_t len = spec::get<spec::completion::out_length>(c);
    std::vector<uint8_t> esp(len);
    d->read(b.out, 0, esp.data(), len);

    uint8_t e[spec::sa_entry::SIZE] = {};
    spec::set<spec::sa_entry::spi>(e, sa_table()[3].spi);
    spec::set<spec::sa_entry::flags>(e, f::VALID | f::TUNNEL);
    spec::set<spec::sa_entry::icv_len>(e, 16);
    spec::set<spec::sa_entry::window_bits>(e, 1024);
    d->write(b.sa, 1 * spec::sa_entry::SIZE, e, sizeof e);
    std::vector<uint8_t> install(spec::command::SIZE, 0);
    spec::set<spec::command::op>(install.data(), uint8_t(spec::Opcode::SA_INSTALL));
    spec::set<spec::command::sa_index>(install.data(), 1);
    more(*d, b, {install}, c);
    ASSERT_EQ(spec::get<spec::completion::status>(c), uint16_t(spec::Status::OK)) << describe(c);
    d->write(b.in, 0, esp.data(), len);
    const uint64_t dec = more(*d, b, {packet(D, spec::descriptor::flags_bit::USE_SA_INDEX, 1, len, 16384)}, c);
    ASSERT_EQ(spec::get<spec::completion::status>(c), uint16_t(spec::Status::OK)) << describe(c);
    ASSERT_EQ(spec::get<spec::completion::out_length>(c), n);
    std::vector<uint8_t> back(n);
    d->read(b.out, 16384, back.data(), n);
    EXPECT_EQ(back, plain) << n << " bytes: the decrypted packet is not the original";
    std::printf("packet %u bytes: ENCRYPT %llu cycles (%.1f B/cycle), DECRYPT %llu cycles (%.1f B/cycle)\n", n,
                static_cast<unsigned long long>(enc), double(n) / double(enc), static_cast<unsigned long long>(dec),
                double(n) / double(dec));
    // Store and forward, one descriptor at a time: a fixed cost (descriptor,
    // SA, state line, replay entry, completion: a memory round trip each)
    // plus about three passes over the packet's 64-byte beats (read in,
    // AES-GCM, write out).
    const uint64_t beats = (n + 63) / 64;
    EXPECT_LE(enc, 700 + 4 * beats) << n << " bytes";
    EXPECT_LE(dec, 900 + 4 * beats) << n << " bytes";
  }
}

}  // namespace
