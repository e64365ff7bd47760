// esp-card-bench: one point (op, packet size, SA stream) measured in timed
// kernel runs, with the harness's cycle count and the RTL's PERF registers.
#pragma once

#include <cstdint>
#include <string>

#include "card/config.hpp"
#include "card/population.hpp"
#include "card/traffic.hpp"

namespace esp::card_bench {

struct Point {
  std::string op;
  unsigned size = 0;
  uint32_t sas = 0;
  bool zipf = false;
  double backpressure = 0;
  unsigned batch = 0, runs = 0;
  uint64_t packets = 0;
  uint64_t cycles = 0;             // harness: every cycle of the timed runs, argument programming included
  uint64_t run_cycles = 0;         // harness: AP_START .. AP_DONE seen, summed over the timed runs
  uint64_t perf_cycles = 0;        // RTL: PERF_CYCLES of each timed run, summed
  uint64_t perf_idle = 0;          // RTL: PERF_IDLE of each timed run, summed
  uint64_t one_packet_run = 0;     // every cycle of a run of one packet, argument programming included
  uint64_t distinct_sas = 0;       // SAs the timed packets used
  uint64_t same_sa_as_prev = 0;    // timed packets on their predecessor's SA
  double steady_cycles_per_packet = 0;
  double overhead_per_run = 0;     // start/stop cost of one run
  double wall_seconds = 0;
  double cycles_per_packet() const { return double(cycles) / double(packets); }
  double bytes_per_cycle() const { return double(size) * double(packets) / double(cycles); }
  // Without the runs' start/stop: what a packet adds to a run (a streaming
  // ring pays the start/stop once, not per batch).
  double steady_bytes_per_cycle() const { return double(size) / steady_cycles_per_packet; }
  double perf_cycles_per_packet() const { return double(perf_cycles) / double(packets); }
  double perf_idle_per_packet() const { return double(perf_idle) / double(packets); }
};

// Warm-up on `warm`'s SAs (n of them when n <= 4096, else 4), a 1-packet run
// and a 16-packet probe (run length), then cfg.runs timed runs, all on the SAs
// `timed` gives (warm and timed may be one stream; both go on where the
// previous point of the population left them).
Point measure(Population& p, bool decrypt, unsigned size, const Config& cfg, SaStream& warm, SaStream& timed);

}  // namespace esp::card_bench
