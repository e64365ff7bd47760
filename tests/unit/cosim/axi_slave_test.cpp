// The harness's AXI4 memory slave (sim/harness/axi_mem_slave) on its own,
// driven cycle by cycle from here: it takes as many bursts in flight as its
// MemTiming says (the engine's memory engines keep 32 and more), answers
// each read exactly read_latency cycles after its AR and each write
// write_latency cycles after its last W beat, one R / B per cycle in order,
// and with backpressure still delivers every beat, in order, intact.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <vector>

#include "axi_mem_slave.hpp"
#include "card_memory.hpp"

namespace {

using esp::sim::AxiMasterOut;
using esp::sim::AxiMemSlave;
using esp::sim::AxiSlaveOut;
using esp::sim::CardMemory;
using esp::sim::kAxiDataBytes;
using esp::sim::MemTiming;

constexpr unsigned kBursts = 48;  // more than the engine's 32

struct Bench {
  CardMemory mem{1u << 20};
  CardMemory::Buffer buf;
  AxiMemSlave slave;
  uint64_t cycle = 0;
  Bench(const MemTiming& t, uint64_t seed) : buf(mem.alloc(kBursts * 4 * kAxiDataBytes)), slave(mem, t, seed) {
    uint8_t* p = mem.host(buf.addr, buf.handle);
    for (uint64_t i = 0; i < buf.size; ++i) p[i] = static_cast<uint8_t>(i * 7 + (i >> 8));
  }
  const uint8_t* at(uint64_t off) { return mem.host(buf.addr, buf.handle) + off; }
};

// kBursts reads of `beats` beats each, issued back to back; returns the
// cycle of each AR handshake and of each R beat (in order), checking data.
struct Reads {
  std::vector<uint64_t> ar, r;
};
Reads read_all(Bench& b, unsigned beats, unsigned max_cycles) {
  Reads out;
  AxiMasterOut m;
  unsigned next = 0, got = 0;
  while (got < kBursts * beats && b.cycle < max_cycles) {
    const AxiSlaveOut s = b.slave.drive(b.cycle);
    m.arvalid = next < kBursts;
    m.araddr = b.buf.addr + uint64_t(next) * beats * kAxiDataBytes;
    m.arlen = static_cast<uint8_t>(beats - 1);
    m.arsize = 6;
    m.arburst = 1;
    m.rready = true;
    if (s.rvalid) {
      EXPECT_EQ(0, std::memcmp(s.rdata, b.at(uint64_t(got) * kAxiDataBytes), kAxiDataBytes)) << "R beat " << got;
      EXPECT_EQ(s.rlast, (got % beats) == beats - 1) << "R beat " << got;
      out.r.push_back(b.cycle);
      ++got;
    }
    if (m.arvalid && s.arready) {
      out.ar.push_back(b.cycle);
      ++next;
    }
    b.slave.edge(m, b.cycle);
    ++b.cycle;
  }
  return out;
}

TEST(AxiSlave, ManyReadsInFlightAtTheirLatency) {
  MemTiming t;
  t.read_latency = 64;
  t.write_latency = 32;
  Bench b(t, 1);
  const Reads r = read_all(b, 1, 10000);
  ASSERT_EQ(r.ar.size(), kBursts);
  ASSERT_EQ(r.r.size(), kBursts);
  for (unsigned k = 0; k < kBursts; ++k) {
    EXPECT_EQ(r.ar[k], k) << "AR " << k << " is taken in its cycle";
    EXPECT_EQ(r.r[k], r.ar[k] + t.read_latency) << "R of burst " << k;
  }
  EXPECT_EQ(b.slave.peak_reads(), kBursts) << "every read in flight before the first R";
  EXPECT_TRUE(b.slave.errors().empty());
}

TEST(AxiSlave, TheOutstandingLimitHoldsBackAr) {
  MemTiming t;
  t.read_latency = 64;
  t.max_outstanding = 40;
  Bench b(t, 1);
  const Reads r = read_all(b, 1, 10000);
  ASSERT_EQ(r.ar.size(), kBursts);
  EXPECT_EQ(b.slave.peak_reads(), 40u);
  // burst 40 waits for burst 0's R (at cycle 64) to leave
  EXPECT_EQ(r.ar[39], 39u);
  EXPECT_EQ(r.ar[40], 65u);
}

TEST(AxiSlave, BackpressureKeepsEveryBeatInOrder) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    MemTiming t;
    t.read_latency = 64;
    t.backpressure = 0.3;
    Bench b(t, seed);
    const Reads r = read_all(b, 4, 20000);  // data checked beat by beat
    ASSERT_EQ(r.r.size(), kBursts * 4) << "seed " << seed;
    EXPECT_GE(b.slave.peak_reads(), 32u) << "seed " << seed;
    for (unsigned k = 0; k < kBursts; ++k) EXPECT_GE(r.r[4 * k], r.ar[k] + t.read_latency);
  }
}

TEST(AxiSlave, ManyWritesInFlightVisibleWithTheirResponse) {
  MemTiming t;
  t.read_latency = 64;
  t.write_latency = 32;
  Bench b(t, 1);
  AxiMasterOut m;
  unsigned aw = 0, w = 0, bresp = 0;
  std::vector<uint64_t> w_at, b_at;
  std::vector<uint8_t> data(kAxiDataBytes);
  while (bresp < kBursts && b.cycle < 10000) {
    const AxiSlaveOut s = b.slave.drive(b.cycle);
    m.awvalid = aw < kBursts;
    m.awaddr = b.buf.addr + uint64_t(aw) * kAxiDataBytes;
    m.awlen = 0;
    m.awsize = 6;
    m.awburst = 1;
    m.wvalid = w < aw;  // W follows its AW
    for (unsigned i = 0; i < kAxiDataBytes; ++i) m.wdata[i] = static_cast<uint8_t>(0xA0 + w + i);
    m.wstrb = ~uint64_t(0);
    m.wlast = true;
    m.bready = true;
    if (s.bvalid) {
      EXPECT_EQ(s.bresp, esp::sim::kRespOkay);
      b_at.push_back(b.cycle);
      ++bresp;
    }
    const bool w_go = m.wvalid && s.wready;
    if (w_go) {
      // not visible before its response
      EXPECT_NE(*b.at(uint64_t(w) * kAxiDataBytes), static_cast<uint8_t>(0xA0 + w)) << "write " << w;
      w_at.push_back(b.cycle);
    }
    if (m.awvalid && s.awready) ++aw;
    b.slave.edge(m, b.cycle);
    if (w_go) ++w;
    ++b.cycle;
  }
  ASSERT_EQ(bresp, kBursts);
  for (unsigned k = 0; k < kBursts; ++k) {
    EXPECT_EQ(b_at[k], w_at[k] + t.write_latency) << "B of write " << k;
    for (unsigned i = 0; i < kAxiDataBytes; ++i) {
      ASSERT_EQ(*b.at(uint64_t(k) * kAxiDataBytes + i), static_cast<uint8_t>(0xA0 + k + i)) << "write " << k;
    }
  }
  EXPECT_GE(b.slave.peak_writes(), 32u);
  EXPECT_TRUE(b.slave.errors().empty());
}

}  // namespace
