#include "install_table.hpp"

#include <algorithm>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace esp::bench {

namespace {

using runtime::Direction;
using runtime::Runtime;
using runtime::SaConfig;
using runtime::SaId;

struct Cost {
  double seconds = 0;  // process CPU time (every thread of the runtime)
  double wall_seconds = 0;
  driver::IoStats io;  // delta
};

driver::IoStats io_delta(const driver::IoStats& a, const driver::IoStats& b) {
  driver::IoStats d;
  d.writes = b.writes - a.writes;
  d.write_bytes = b.write_bytes - a.write_bytes;
  d.reads = b.reads - a.reads;
  d.read_bytes = b.read_bytes - a.read_bytes;
  d.runs = b.runs - a.runs;
  d.syncs = b.syncs - a.syncs;
  return d;
}

// One mode: chunk 1 = add_sa / del_sa per SA, else add_sas / del_sas of
// `chunk` configs per call.
struct Mode {
  size_t chunk;
};

// Installs cfgs and removes them again with one mode; the costs of both.
std::pair<Cost, Cost> run_mode(const RtBenchOptions& o, const std::vector<SaConfig>& cfgs, size_t chunk) {
  const uint32_t cap = uint32_t(cfgs.size());
  Runtime rt(rt_options(o.backend, cap, 256ull << 20));
  std::vector<SaId> ids;
  ids.reserve(cfgs.size());
  Cost add, del;

  driver::IoStats io0 = rt.card_stats(0).io;
  uint64_t t0 = process_cpu_ns(), w0 = wall_ns();
  if (chunk == 1) {
    for (const auto& c : cfgs) ids.push_back(rt.add_sa(c));
  } else {
    for (size_t i = 0; i < cfgs.size(); i += chunk) {
      const std::vector<SaConfig> part(cfgs.begin() + long(i), cfgs.begin() + long(std::min(cfgs.size(), i + chunk)));
      for (SaId id : rt.add_sas(part)) ids.push_back(id);
    }
  }
  add.seconds = double(process_cpu_ns() - t0) / 1e9;
  add.wall_seconds = double(wall_ns() - w0) / 1e9;
  add.io = io_delta(io0, rt.card_stats(0).io);
  if (rt.sa_count() != cfgs.size()) throw std::runtime_error("install table: SAs missing after the adds");

  io0 = rt.card_stats(0).io;
  t0 = process_cpu_ns(), w0 = wall_ns();
  if (chunk == 1) {
    for (SaId id : ids) rt.del_sa(id);
  } else {
    for (size_t i = 0; i < ids.size(); i += chunk) {
      const std::vector<SaId> part(ids.begin() + long(i), ids.begin() + long(std::min(ids.size(), i + chunk)));
      rt.del_sas(part);
    }
  }
  del.seconds = double(process_cpu_ns() - t0) / 1e9;
  del.wall_seconds = double(wall_ns() - w0) / 1e9;
  del.io = io_delta(io0, rt.card_stats(0).io);
  if (rt.sa_count() != 0) throw std::runtime_error("install table: SAs left after the deletes");
  return {add, del};
}

}  // namespace

nlohmann::json install_table(std::ostream& out, const RtBenchOptions& o) {
  const size_t n = o.quick ? 2000 : 10000;
  const size_t part = o.quick ? 200 : 1000;
  const int reps = o.quick ? 1 : 3;
  std::vector<SaConfig> cfgs;
  for (size_t i = 0; i < n; ++i) {
    const bool in = i % 2 == 0;
    cfgs.push_back(bench_sa(0x10000u + uint32_t(i), in ? Direction::Inbound : Direction::Outbound, uint32_t(i), 64));
  }
  const Mode modes[] = {{1}, {part}, {n}};

  // Best of reps per mode (the shortest time; its I/O counts are the same every time).
  std::vector<std::pair<Cost, Cost>> best(std::size(modes));
  for (int r = 0; r < reps; ++r) {
    for (size_t m = 0; m < std::size(modes); ++m) {
      const auto c = run_mode(o, cfgs, modes[m].chunk);
      if (r == 0 || c.first.seconds < best[m].first.seconds) best[m].first = c.first;
      if (r == 0 || c.second.seconds < best[m].second.seconds) best[m].second = c.second;
    }
  }

  nlohmann::json rows = nlohmann::json::array();
  out << "\nSA installs and deletes: " << n << " SAs (half inbound, window 64; half outbound), one card (" << o.backend
      << "), process CPU time (best of " << reps << ");\n"
      << "device I/O per SA from Runtime::card_stats(0).io; ratio = SAs/s against one at a time, same run\n";
  out << fmt("%-6s %-14s %6s | %12s %9s | %9s %10s %9s | %7s\n", "op", "mode", "chunk", "SAs/s", "us/SA", "writes/SA",
             "bytes/SA", "syncs/SA", "ratio");
  out << std::string(98, '-') << "\n";
  for (int op = 0; op < 2; ++op) {
    const char* opname = op == 0 ? "add" : "delete";
    const double ref = double(n) / (op == 0 ? best[0].first.seconds : best[0].second.seconds);
    for (size_t m = 0; m < std::size(modes); ++m) {
      const Cost& c = op == 0 ? best[m].first : best[m].second;
      const double rate = double(n) / c.seconds;
      const double dn = double(n);
      const std::string mode =
          modes[m].chunk == 1 ? (op == 0 ? "add_sa" : "del_sa") : (op == 0 ? "add_sas" : "del_sas");
      out << fmt("%-6s %-14s %6zu | %12.0f %9.2f | %9.3f %10.1f %9.3f | %7.2f\n", opname, mode.c_str(), modes[m].chunk,
                 rate, 1e6 / rate, double(c.io.writes) / dn, double(c.io.write_bytes) / dn, double(c.io.syncs) / dn,
                 rate / ref);
      rows.push_back({{"op", opname},
                      {"call", mode},
                      {"chunk", modes[m].chunk},
                      {"sas", n},
                      {"cpu_seconds", c.seconds},
                      {"wall_seconds", c.wall_seconds},
                      {"sas_per_s", rate},
                      {"writes_per_sa", double(c.io.writes) / dn},
                      {"write_bytes_per_sa", double(c.io.write_bytes) / dn},
                      {"reads_per_sa", double(c.io.reads) / dn},
                      {"syncs_per_sa", double(c.io.syncs) / dn},
                      {"ratio_vs_one_at_a_time", rate / ref}});
    }
  }
  return nlohmann::json{{"table", "sa_install"}, {"backend", o.backend}, {"rows", rows}};
}

}  // namespace esp::bench
