// Helpers shared by the tables of esp-runtime-bench: the options every table
// gets, clocks, the process's resident memory, runtimes on emulated cards and
// the SA configs the tables install.
//
// Threading: every function may be called from any thread; none keeps state.
#pragma once

#include <time.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "esp/runtime/runtime.hpp"
#include "esp/runtime/sa_config.hpp"

namespace esp::bench {

// What main passes to every runtime table.
struct RtBenchOptions {
  std::string backend = "swemu";  // DeviceOptions::backend of every card opened
  bool quick = false;             // smaller sizes, one repetition: a smoke run
};

inline uint64_t clock_ns(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}
inline uint64_t wall_ns() { return clock_ns(CLOCK_MONOTONIC); }
// CPU time of every thread of this process (the swemu card's executor too).
inline uint64_t process_cpu_ns() { return clock_ns(CLOCK_PROCESS_CPUTIME_ID); }

// VmRSS of /proc/self/status, in bytes (0 if it cannot be read).
inline uint64_t rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "VmRSS:  1234 kB"
  }
  return 0;
}

// One card of `backend` with `card_memory` bytes; housekeeping off (the
// tables tick nothing), so nothing but the table's own calls touches the card.
inline runtime::RuntimeOptions rt_options(const std::string& backend, uint32_t sa_capacity, uint64_t card_memory,
                                          uint64_t replay_bytes = 0) {
  runtime::RuntimeOptions ro;
  ro.cards.clear();
  driver::DeviceOptions d;
  d.backend = backend;
  d.card_memory_bytes = card_memory;
  d.cosim.print_seed = false;
  ro.cards.push_back(d);
  ro.sa_capacity = sa_capacity;
  ro.replay_region_bytes = replay_bytes;
  ro.housekeeping_ms = 0;
  return ro;
}

// A tunnel-mode AES-256-GCM SA of the pair 192.0.2.1 <-> 192.0.2.2; key and
// salt derived from `seed` (the same seed gives both ends the same key).
inline runtime::SaConfig bench_sa(uint32_t spi, runtime::Direction dir, uint32_t seed, uint32_t window_bits) {
  runtime::SaConfig c;
  c.spi = spi;
  c.direction = dir;
  c.mode = spec::Mode::TUNNEL;
  c.key.resize(32);
  for (unsigned i = 0; i < 32; ++i) c.key[i] = uint8_t(seed * 131 + i * 7 + 1);
  c.salt = {uint8_t(seed), uint8_t(seed >> 8), 0x5a, 0xa5};
  c.window_bits = window_bits;
  c.tun_src = runtime::IpAddr::parse("192.0.2.1");
  c.tun_dst = runtime::IpAddr::parse("192.0.2.2");
  return c;
}

// snprintf into a std::string (table rows).
template <typename... A>
std::string fmt(const char* f, A... a) {
  char buf[512];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}

}  // namespace esp::bench
