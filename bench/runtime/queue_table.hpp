// The data-plane table of esp-runtime-bench: the host's own cost per packet
// of Queue::submit / poll, without the card's time, for 64, 576 and
// 1500-byte IPv4 packets, ENCRYPT and then DECRYPT of what was encrypted,
// one queue on one card, bursts of 256 (the batch size).
//
// Measured: host ns/packet = (process CPU time delta, CLOCK_PROCESS_CPUTIME_ID,
// minus the card's time in its kernel runs) / packets: swemu's (and cosim's)
// kernel runs on the card's executor thread in this process, so its CPU time
// is in the process's and is taken out again; what is left is the runtime's
// work on both threads (submit, batch building, copies into and out of card
// memory, completions, poll). The card's time is the CPU time of its runs
// (a device wrapper times Device::run on the thread that runs it): the wall
// time inside the runs (CardStats::run_ns) overstates it whenever the
// machine is shared and that thread is descheduled, so (process CPU -
// run_ns) is printed next to it but not used. Also printed: wall ns/packet
// and the card's ns/packet (CPU and wall), for context. Reference, measured
// in the same run: a memcpy of the same packet into a batch slot and of its
// output out of one (the two copies the runtime makes), ns/packet (thread
// CPU time); ratio = host / memcpy, and host Mpps = 1e3 / host ns. Best of the repetitions. Every result is checked
// (status OK; a decrypted packet equals the original plaintext; else throws).
//
// Threading: runs on the calling thread; call from one thread at a time.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>

#include "bench_common.hpp"

namespace esp::bench {

// Prints the table to out; returns {"table": "queue_host_overhead", "rows": [...]}.
nlohmann::json queue_table(std::ostream& out, const RtBenchOptions& o);

}  // namespace esp::bench
