// esp-card-bench: the printed tables and their JSON, with issue 14's targets.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "card/config.hpp"
#include "card/measure.hpp"

namespace esp::card_bench {

struct Table {
  std::string name;                  // JSON "name": main, backpressure, zipf
  std::string title;                 // first line printed
  std::vector<std::string> notes;    // printed under it
  double backpressure = 0;
  bool zipf = false;
  std::vector<Point> points;
};

// Issue 14's target for one row, judged on its steady cycles per packet
// (Point::steady_cycles_per_packet: the runs' start/stop excluded, which a
// streaming ring pays once; at 2.5 cycles/packet a 300-cycle start/stop would
// be 47% of a --quick run of 256 packets):
//   1 SA: 64 B <= 2.5 cycles/packet, 1500 B >= 58 B/cycle, 9000 B >= 62 B/cycle
//   (576 B has none); n > 1 SAs: bytes/cycle within 5% of the same op and
//   size with 1 SA (`base`; none without it).
struct Target {
  std::string what;  // empty: no target for this row
  bool met = false;
};
Target target_of(const Point& p, const Point* base);

// The point of `t` with the same op and size and `sas` SAs, or null.
const Point* find_point(const Table& t, const Point& like, uint32_t sas);

// Prints `t` and returns its JSON. `main` is the backpressure-0 round-robin
// table: the 1-SA base of the zipf table and the reference of the
// backpressure table's "vs bp 0" column (t itself for the main table).
nlohmann::json print_table(const Table& t, const Table& main, const Config& cfg);

}  // namespace esp::card_bench
