// Shared helpers of the Runtime tests: runtimes on emulated cards, SA
// configs, and bursts through a Queue with caller-owned buffers.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "esp/driver/device.hpp"
#include "esp/driver/device_env.hpp"
#include "esp/runtime/runtime.hpp"
#include "ref/esp_ref.hpp"
#include "ref/packets.hpp"

namespace esp::runtime::test {

using Bytes = std::vector<uint8_t>;

// The backends the datapath tests run on: swemu always, cosim when built.
inline std::vector<std::string> rt_backends() {
  std::vector<std::string> out = {"swemu"};
  const auto all = driver::available_backends();
  if (std::find(all.begin(), all.end(), "cosim") != all.end()) out.push_back("cosim");
  return out;
}

struct RtOpts {
  std::string backend = "swemu";
  uint32_t cards = 1;
  uint32_t sa_capacity = 1024;
  uint32_t max_batch = 64;
  uint64_t card_memory = 128ull << 20;
  uint64_t replay_bytes = 0;
  uint32_t housekeeping_ms = 0;  // tests tick() themselves
  uint64_t replay_event_every = 0, auth_fail_event_every = 0;
  uint64_t acquire_interval_ms = 1000;
};

inline std::unique_ptr<Runtime> make_runtime(const RtOpts& o = {}) {
  RuntimeOptions ro;
  ro.cards.clear();
  for (uint32_t i = 0; i < o.cards; ++i) {
    driver::DeviceOptions d;
    d.backend = o.backend;
    d.card_memory_bytes = o.card_memory;
    driver::options_from_env(d);
    d.cosim.print_seed = false;
    ro.cards.push_back(d);
  }
  ro.sa_capacity = o.sa_capacity;
  ro.max_batch_packets = o.max_batch;
  ro.replay_region_bytes = o.replay_bytes;
  ro.housekeeping_ms = o.housekeeping_ms;
  ro.replay_event_every = o.replay_event_every;
  ro.auth_fail_event_every = o.auth_fail_event_every;
  ro.acquire_interval_ms = o.acquire_interval_ms;
  return std::make_unique<Runtime>(ro);
}

// A tunnel SA of a pair A (192.0.2.1) <-> B (192.0.2.2); key and salt derived
// from `seed` so that both sides of an SA get the same ones.
inline SaConfig tunnel_sa(uint32_t spi, Direction dir, bool a_to_b, uint32_t seed, unsigned key_bytes = 32) {
  SaConfig c;
  c.spi = spi;
  c.direction = dir;
  c.mode = spec::Mode::TUNNEL;
  c.key.resize(key_bytes);
  for (unsigned i = 0; i < key_bytes; ++i) c.key[i] = uint8_t(seed * 131 + i * 7 + 1);
  c.salt = {uint8_t(seed), uint8_t(seed >> 8), 0x5a, 0xa5};
  c.tun_src = IpAddr::parse(a_to_b ? "192.0.2.1" : "192.0.2.2");
  c.tun_dst = IpAddr::parse(a_to_b ? "192.0.2.2" : "192.0.2.1");
  return c;
}

// An inner IPv4 UDP packet 10.1.0.x -> 10.2.0.y (site A to site B), or back.
inline Bytes inner(size_t payload, uint32_t seed, bool a_to_b = true) {
  ref::pkt::PacketSpec s;
  s.version = 4;
  s.l4 = ref::pkt::L4::UDP;
  s.payload_len = payload;
  s.seed = seed;
  s.src = IpAddr::parse(a_to_b ? "10.1.0.1" : "10.2.0.1");
  s.dst = IpAddr::parse(a_to_b ? "10.2.0.1" : "10.1.0.1");
  s.sport = 1000;
  s.dport = 2000;
  return ref::pkt::build(s);
}

// One burst through a queue: every packet submitted (resubmitting what the
// queue did not take after polling) and every result polled, in order.
struct Burst {
  std::vector<Bytes> in, out;
  std::vector<Packet> pkts;
  std::vector<PacketResult> res;

  void add(PacketOp op, Bytes data, SaId sa = {}, uint32_t out_cap = 0) {
    in.push_back(std::move(data));
    out.emplace_back(out_cap ? out_cap : in.back().size() + spec::MAX_ENCAP_OVERHEAD);
    Packet p;
    p.op = op;
    p.sa = sa;
    pkts.push_back(p);
  }
  // The output of packet i as the result says.
  Bytes output(size_t i) const { return Bytes(out[i].begin(), out[i].begin() + res[i].out_len); }

  void run(Queue& q) {
    for (size_t i = 0; i < pkts.size(); ++i) {
      pkts[i].data = in[i].data();
      pkts[i].len = uint32_t(in[i].size());
      pkts[i].out = out[i].data();
      pkts[i].out_cap = uint32_t(out[i].size());
      pkts[i].user = i;
    }
    res.assign(pkts.size(), PacketResult{});
    size_t sent = 0, got = 0;
    while (got < pkts.size()) {
      if (sent < pkts.size()) sent += q.submit(pkts.data() + sent, pkts.size() - sent);
      got += q.poll(res.data() + got, res.size() - got, sent < pkts.size() ? 0 : 1000);
    }
    for (size_t i = 0; i < res.size(); ++i) ASSERT_EQ(res[i].user, i) << "results out of order";
  }
};

}  // namespace esp::runtime::test
