// The SA install table of esp-runtime-bench: 10k SAs (half inbound, half
// outbound) installed into a runtime on one card with Runtime::add_sa one at
// a time, and with Runtime::add_sas in chunks of 1k and in one call of all
// 10k; then removed with del_sa one at a time and del_sas in the same chunks.
//
// Columns: SAs per second (process CPU time, CLOCK_PROCESS_CPUTIME_ID, so
// that a shared machine does not count time spent descheduled; the best of
// the repetitions; the JSON has the wall time too), the device writes, bytes written and syncs per SA
// (Runtime::card_stats(0).io deltas), and the ratio of each mode's SAs/s to
// one-at-a-time's, measured in the same run. Every mode gets a fresh runtime;
// opening it is not timed. Every install is checked (sa_count after the adds,
// 0 after the deletes; a mismatch throws).
//
// Threading: runs on the calling thread; call from one thread at a time.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>

#include "bench_common.hpp"

namespace esp::bench {

// Prints the table to out; returns {"table": "sa_install", "rows": [...]}.
nlohmann::json install_table(std::ostream& out, const RtBenchOptions& o);

}  // namespace esp::bench
