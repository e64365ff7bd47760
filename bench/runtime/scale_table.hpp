// The SA-table scale table of esp-runtime-bench: a runtime on one card with
// sa_capacity 1M (--quick: 64k), inbound windows of 64 bits so the card
// memory fits, filled with Runtime::add_sas in chunks (half inbound, half
// outbound).
//
// Printed: the time to fill (process CPU time, and wall time) and SAs/s,
// against a fill of 10k SAs in the same chunks measured in the same run (ratio = the full table's SAs/s / the small
// one's); host memory (VmRSS) before the runtime opened, after it opened and
// after the fill; the card memory the layout takes (SA table, state lines,
// replay region: swemu's card memory is in this process, so it counts in
// VmRSS; the card's own SPI table is reported apart) and the host memory per SA beyond it, (VmRSS after the
// fill - before opening - the layout) / SAs. The SPI bucket count is read
// back from the card's SPI_BUCKETS_LOG2 argument register. Then traffic:
// ENCRYPT through a handful of outbound SAs spread over the table, every
// result checked OK (a failure throws).
//
// Threading: runs on the calling thread; call from one thread at a time.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>

#include "bench_common.hpp"

namespace esp::bench {

// Prints the table to out; returns {"table": "sa_scale", ...}.
nlohmann::json scale_table(std::ostream& out, const RtBenchOptions& o);

}  // namespace esp::bench
