// esp-card-bench: what one invocation measures (command-line options).
#pragma once

#include <string>
#include <vector>

namespace esp::card_bench {

constexpr double kBusBytesPerCycle = 64.0;  // the 512-bit packet bus: one beat per cycle

struct Config {
  double clock_mhz = 300.0;
  unsigned read_latency = 64;   // cycles, AR to first R beat (HBM behind the AXI interconnect)
  unsigned write_latency = 32;  // cycles, last W beat to B
  unsigned key_bytes = 32;
  unsigned runs = 2;            // timed kernel runs per point
  unsigned batch_div = 1;       // --quick: batches divided by this
  bool quick = false;           // --quick: also the smaller backpressure and zipf tables
  std::vector<unsigned> sizes{64, 576, 1500, 9000};
  std::vector<unsigned> sa_counts{1, 1024, 65536};
  double backpressure = 0.25;   // the backpressure table's (0: no such table)
  double zipf_s = 1.0;          // the zipf table's exponent (0: no such table)
  std::vector<unsigned> zipf_sa_counts{1024, 65536};
  bool plumbing = false;
  std::string json_path;
};

// Most packets per kernel run (measure() takes fewer when they already make
// the run's start/stop, i.e. argument programming, pipeline fill and drain
// and memory latency, at most 0.5% of the run).
unsigned batch_for(unsigned size, const Config& cfg);

}  // namespace esp::card_bench
