// The SPD lookup table of `make bench`: Spd lookups (the decision-tree
// classifier behind Spd::Snapshot) against a linear scan of the same
// policies, measured in the same run, for 1k and 10k policies of a
// data-center gateway, on random flows that hit and miss.
//
// Columns: policies, hit % of the flows, ns/lookup of the classifier and of
// the linear scan, their ratio (linear / classifier), and the
// time to install the set with one add_batch and with one add() per policy.
// Times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so a shared
// machine does not count time spent descheduled. Both lookups are checked to
// agree on every flow (a mismatch throws).
//
// Threading: runs on the calling thread; call from one thread at a time.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>

namespace esp::bench {

// Prints the table to out; returns {"table": "spd_lookup", "rows": [...]}
// with the same numbers.
nlohmann::json spd_table(std::ostream& out);

}  // namespace esp::bench
