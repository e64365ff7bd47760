#include "card/report.hpp"

#include <cstdio>

namespace esp::card_bench {

Target target_of(const Point& p, const Point* base) {
  Target t;
  if (p.sas == 1) {
    if (p.size == 64) {
      t.what = "<=2.5 cyc/pkt";
      t.met = p.steady_cycles_per_packet <= 2.5;
    } else if (p.size == 1500) {
      t.what = ">=58 B/cyc";
      t.met = p.steady_bytes_per_cycle() >= 58.0;
    } else if (p.size == 9000) {
      t.what = ">=62 B/cyc";
      t.met = p.steady_bytes_per_cycle() >= 62.0;
    }
  } else if (base) {
    t.what = "<=5% vs 1 SA";
    t.met = p.steady_bytes_per_cycle() >= 0.95 * base->steady_bytes_per_cycle();
  }
  return t;
}

const Point* find_point(const Table& t, const Point& like, uint32_t sas) {
  for (const Point& q : t.points) {
    if (q.op == like.op && q.size == like.size && q.sas == sas) return &q;
  }
  return nullptr;
}

nlohmann::json print_table(const Table& t, const Table& main, const Config& cfg) {
  const double mhz = cfg.clock_mhz;
  const bool vs_bp0 = &t != &main && t.backpressure != main.backpressure;
  std::printf("\n%s\n", t.title.c_str());
  for (const std::string& n : t.notes) std::printf("%s\n", n.c_str());
  // The extra column: the loss against the same point at backpressure 0
  // (backpressure table), the SAs the timed packets used and how many
  // followed a packet of their own SA (zipf table).
  const char* extra = vs_bp0 ? "loss/bp0" : t.zipf ? "distinct  same%" : "";
  std::printf("%-7s %5s %6s | %8s %7s %7s %7s | %6s %8s | %8s %8s | %8s %-13s %-6s | %s%s%6s %4s %7s %6s | %9s\n",
              "op", "bytes", "SAs", "cyc/pkt", "B/cyc", "Gb/s", "Mpps", "limit", "loss/1SA", "rtl c/p", "idle/p",
              "steady", "target", "", extra, *extra ? " | " : "", "batch", "runs", "ovh/run", "ovh %", "sim cyc/s");
  std::printf("%s\n", std::string(*extra ? 169 : 149, '-').c_str());
  nlohmann::json rows = nlohmann::json::array();
  for (const Point& p : t.points) {
    const double cpp = p.cycles_per_packet(), bpc = p.bytes_per_cycle();
    const double gbps = bpc * 8 * mhz / 1000, mpps = mhz / cpp;
    const double vs_limit = bpc / kBusBytesPerCycle;
    const Point* base = find_point(t.zipf ? main : t, p, 1);
    const double vs_one = base ? bpc / base->bytes_per_cycle() : 0;
    const double ovh_frac = p.overhead_per_run * p.runs / double(p.cycles);
    const double speed = p.wall_seconds > 0 ? double(p.cycles) / p.wall_seconds : 0;
    const Target tg = target_of(p, base);
    char vs_one_s[16] = "-";
    if (base && base != &p) std::snprintf(vs_one_s, sizeof vs_one_s, "%7.2f%%", 100 * (1 - vs_one));
    char extra_s[32] = "";
    const Point* bp0 = vs_bp0 ? find_point(main, p, p.sas) : nullptr;
    if (vs_bp0) {
      if (bp0) {
        std::snprintf(extra_s, sizeof extra_s, "%7.2f%%", 100 * (1 - bpc / bp0->bytes_per_cycle()));
      } else {
        std::snprintf(extra_s, sizeof extra_s, "%8s", "-");
      }
    } else if (t.zipf) {
      std::snprintf(extra_s, sizeof extra_s, "%8llu %5.1f%%", static_cast<unsigned long long>(p.distinct_sas),
                    100.0 * double(p.same_sa_as_prev) / double(p.packets));
    }
    std::printf("%-7s %5u %6u | %8.2f %7.2f %7.1f %7.2f | %6.3f %8s | %8.2f %8.2f | %8.2f %-13s %-6s | %s%s%6u %4u %7.0f "
                "%5.2f%% | %9.0f\n",
                p.op.c_str(), p.size, p.sas, cpp, bpc, gbps, mpps, vs_limit, vs_one_s, p.perf_cycles_per_packet(),
                p.perf_idle_per_packet(), p.steady_cycles_per_packet, tg.what.empty() ? "-" : tg.what.c_str(),
                tg.what.empty() ? "" : tg.met ? "met" : "MISSED", extra_s, *extra ? " | " : "", p.batch, p.runs,
                p.overhead_per_run, 100 * ovh_frac, speed);
    nlohmann::json row{{"op", p.op},
                       {"packet_bytes", p.size},
                       {"sas", p.sas},
                       {"sa_pattern", p.zipf ? "zipf" : "round_robin"},
                       {"backpressure", p.backpressure},
                       {"packets", p.packets},
                       {"batch", p.batch},
                       {"runs", p.runs},
                       {"cycles", p.cycles},
                       {"run_cycles", p.run_cycles},
                       {"cycles_per_packet", cpp},
                       {"steady_cycles_per_packet", p.steady_cycles_per_packet},
                       {"bytes_per_cycle", bpc},
                       {"gbps", gbps},
                       {"mpps", mpps},
                       {"limit_ratio", vs_limit},
                       {"perf_cycles", p.perf_cycles},
                       {"perf_idle", p.perf_idle},
                       {"perf_cycles_per_packet", p.perf_cycles_per_packet()},
                       {"perf_idle_per_packet", p.perf_idle_per_packet()},
                       {"distinct_sas", p.distinct_sas},
                       {"same_sa_as_previous", p.same_sa_as_prev},
                       {"overhead_cycles_per_run", p.overhead_per_run},
                       {"overhead_fraction", ovh_frac},
                       {"one_packet_run_cycles", p.one_packet_run},
                       {"wall_seconds", p.wall_seconds},
                       {"sim_cycles_per_second", speed}};
    if (base) {
      row["vs_one_sa"] = vs_one;
      row["loss_vs_one_sa"] = 1 - vs_one;
    }
    if (bp0) row["loss_vs_backpressure_0"] = 1 - bpc / bp0->bytes_per_cycle();
    row["target"] = tg.what.empty() ? nlohmann::json(nullptr)
                                    : nlohmann::json{{"what", tg.what},
                                                     {"met", tg.met},
                                                     {"judged_on", "steady_cycles_per_packet"}};
    rows.push_back(row);
  }
  return nlohmann::json{{"name", t.name}, {"title", t.title}, {"notes", t.notes},
                        {"backpressure", t.backpressure}, {"sa_pattern", t.zipf ? "zipf" : "round_robin"},
                        {"rows", rows}};
}

}  // namespace esp::card_bench
