#include "card/measure.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <unordered_set>

#include "esp/driver/cosim.hpp"

namespace esp::card_bench {

namespace {

struct RunCycles {
  uint64_t total = 0, run = 0;
  uint64_t perf_cycles = 0, perf_idle = 0;
  double wall = 0;
};

uint64_t reg64(driver::Device& dev, uint32_t lo, uint32_t hi) {
  return uint64_t(dev.read_reg(lo)) | (uint64_t(dev.read_reg(hi)) << 32);
}

// One kernel run of `b` (b.reqs.size() <= max_batch_packets): its cycles as
// the harness counts them, then the RTL's PERF registers of that run (read
// after the harness's count: their register reads are not in it).
RunCycles run_once(Population& p, const Batch& b, const char* op, unsigned size) {
  driver::Device& dev = *p.cosim_dev;
  const driver::CosimStats before = driver::cosim_stats(dev);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<runtime::Result> res = p.cosim->process(b.reqs);
  const auto t1 = std::chrono::steady_clock::now();
  const driver::CosimStats after = driver::cosim_stats(dev);
  if (after.runs != before.runs + 1) throw std::logic_error("a bench batch must be exactly one kernel run");
  check(b, res, op, size);
  RunCycles rc{after.cycles - before.cycles, after.last_run_cycles, 0, 0,
               std::chrono::duration<double>(t1 - t0).count()};
  rc.perf_cycles = reg64(dev, spec::reg::PERF_CYCLES_LO, spec::reg::PERF_CYCLES_HI);
  rc.perf_idle = reg64(dev, spec::reg::PERF_IDLE_LO, spec::reg::PERF_IDLE_HI);
  return rc;
}

}  // namespace

Point measure(Population& p, bool decrypt, unsigned size, const Config& cfg, SaStream& warm, SaStream& timed) {
  const char* op = decrypt ? "decrypt" : "encrypt";
  Point pt;
  pt.op = op;
  pt.size = size;
  pt.sas = p.n;
  pt.zipf = timed.kind() == SaStream::Kind::Zipf;
  pt.backpressure = p.backpressure;
  pt.runs = cfg.runs;
  std::vector<uint32_t> sas;
  auto run_on = [&](SaStream& s, unsigned count) {
    sas.clear();
    for (unsigned i = 0; i < count; ++i) sas.push_back(s.next());
    return run_once(p, make_batch(p, decrypt, size, sas, cfg.plumbing), op, size);
  };
  // Warm-up: every SA once (n <= 4096, `warm` a round robin), so that any
  // cache of SAs or keys is in its steady state for the round robin that
  // follows; for larger n, the timed round robin's SAs are all cold: no
  // packet of theirs was seen since their SA_INSTALL (which sets the key
  // up on the card: the key store is not cold).
  for (unsigned left = p.n <= 4096 ? std::max(4u, p.n) : 4u; left > 0;) {
    const unsigned k = std::min(left, 256u);
    run_on(warm, k);
    left -= k;
  }
  // cycles(run of k packets) = overhead + k * steady: a 1-packet run and a
  // probe of kProbe packets estimate both, and the timed runs are made long
  // enough that the overhead is at most 0.5% of them (up to batch_for()).
  constexpr unsigned kProbe = 16;
  pt.one_packet_run = run_on(timed, 1).total;
  const double probe = double(run_on(timed, kProbe).total);
  const double steady0 = (probe - double(pt.one_packet_run)) / (kProbe - 1);
  const double ovh0 = double(pt.one_packet_run) - steady0;
  const unsigned cap = batch_for(size, cfg);
  double want = steady0 > 0 ? std::ceil(std::max(0.0, ovh0) / (0.005 * steady0)) : double(cap);
  pt.batch = static_cast<unsigned>(std::clamp(want, double(std::min(32u, cap)), double(cap)));
  std::unordered_set<uint32_t> seen;
  for (unsigned r = 0; r < cfg.runs; ++r) {
    const RunCycles rc = run_on(timed, pt.batch);
    for (size_t i = 0; i < sas.size(); ++i) {
      seen.insert(sas[i]);
      if (i > 0 && sas[i] == sas[i - 1]) ++pt.same_sa_as_prev;
    }
    pt.cycles += rc.total;
    pt.run_cycles += rc.run;
    pt.perf_cycles += rc.perf_cycles;
    pt.perf_idle += rc.perf_idle;
    pt.wall_seconds += rc.wall;
    pt.packets += pt.batch;
  }
  pt.distinct_sas = seen.size();
  const double mean_run = double(pt.cycles) / cfg.runs;
  pt.steady_cycles_per_packet = (mean_run - double(pt.one_packet_run)) / double(pt.batch - 1);
  pt.overhead_per_run = double(pt.one_packet_run) - pt.steady_cycles_per_packet;
  return pt;
}

}  // namespace esp::card_bench
