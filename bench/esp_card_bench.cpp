// esp-card-bench: the esp_engine RTL (cosim backend, Verilator) in clock
// cycles. For ENCRYPT and DECRYPT of 64/576/1500/9000-byte packets with one SA,
// 1024 SAs and 65536 SAs interleaved: cycles per packet, bytes per cycle, Gb/s
// and Mpps at the card clock, against the 512-bit bus limit of 64 bytes per
// cycle, the loss against one SA, the RTL's own PERF_CYCLES and PERF_IDLE per
// packet and issue 14's target per row (met / MISSED); plus Verilator's
// simulation speed. Three tables (issue 14): the main one (memory
// backpressure 0), the same under backpressure 0.25, and SAs drawn from a
// zipf distribution (s = 1, over 1024 and 65536 SAs, fixed seed).
//
// Cycles are the Verilator model's clock (driver::cosim_stats), never wall
// time. Memory is the harness's AXI4 slave with fixed read/write latencies.
// Packets go through runtime::Engine exactly as the host stack sends them, in
// order per SA (sequence numbers increase per SA, as a peer sends them);
// every result is checked (decrypt: the plaintext is the original packet;
// encrypt: bit-exact with the swemu card, HLS kernel, on the same SAs), so a
// number is only printed for packets the RTL processed.
//
// Without the RTL packet datapath (driver::cosim_has_datapath() false) it
// prints "cosim datapath not available" and measures nothing (--force measures
// anyway: a packet the RTL does not process correctly fails the run). --plumbing runs
// the same measurement code on descriptors the shell can decide (ENCRYPT on an
// inbound SA -> BAD_SA, DECRYPT of an empty packet -> MALFORMED) to check the
// plumbing; its tables are labelled as such and never written as card results.
//
// The units: card/config (options), card/population (the SAs on a cosim card
// and their swemu mirror), card/traffic (SA streams: round robin, zipf; the
// requests and their checks), card/measure (one point), card/report (tables,
// targets, JSON).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "card/config.hpp"
#include "card/measure.hpp"
#include "card/population.hpp"
#include "card/report.hpp"
#include "card/traffic.hpp"
#include "esp/driver/cosim.hpp"

namespace {

using namespace esp::card_bench;
namespace driver = esp::driver;

bool contains(const std::vector<unsigned>& v, unsigned x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// --selftest: the request building and result checks of every point (round
// robin and zipf), with a swemu card in the cosim card's place (no cycles:
// nothing is measured).
int selftest(const Config& cfg) {
  uint64_t checked = 0;
  std::vector<unsigned> counts = cfg.sa_counts;
  for (unsigned n : cfg.zipf_sa_counts) {
    if (!contains(counts, n)) counts.push_back(n);
  }
  for (uint32_t n : counts) {
    check_streams(n, cfg.zipf_s > 0 ? cfg.zipf_s : 1.0, 200000);
    for (const bool decrypt : {true, false}) {
      auto pop = make_population(n, cfg, 64, decrypt, 0.0, /*swemu_card=*/true);
      SaStream rr = SaStream::round_robin(n), z = SaStream::zipf(n, cfg.zipf_s > 0 ? cfg.zipf_s : 1.0);
      for (unsigned size : cfg.sizes) {
        for (SaStream* s : {&rr, &z}) {
          std::vector<uint32_t> sas;
          for (unsigned i = 0; i < 64; ++i) sas.push_back(s->next());
          Batch b = make_batch(*pop, decrypt, size, sas, cfg.plumbing);
          check(b, pop->cosim->process(b.reqs), decrypt ? "decrypt" : "encrypt", size);
          checked += b.reqs.size();
        }
      }
    }
  }
  std::printf("esp-card-bench selftest (swemu in the cosim card's place, no cycles): round robin and zipf streams "
              "checked; %llu packets checked, ok\n",
              static_cast<unsigned long long>(checked));
  return 0;
}

std::vector<unsigned> parse_list(const std::string& s) {
  std::vector<unsigned> v;
  if (s.empty()) return v;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t comma = s.find(',', pos);
    v.push_back(static_cast<unsigned>(std::stoul(s.substr(pos, comma - pos))));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return v;
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--json FILE] [--clock-mhz F] [--read-latency N] [--write-latency N] [--key-bits 128|256]\n"
               "          [--runs N] [--quick] [--sizes a,b,..] [--sas a,b,..] [--backpressure P] [--zipf-s S]\n"
               "          [--zipf-sas a,b,..] [--plumbing] [--selftest] [--force]\n"
               "  --backpressure 0 / --zipf-s 0: without that table\n",
               argv0);
  return 2;
}

void write_json(const std::string& path, const nlohmann::json& j) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  std::ofstream(path) << j.dump(2) << "\n";
}

std::string fmt(const char* f, double a, double b = 0, double c = 0) {
  char buf[512];
  std::snprintf(buf, sizeof buf, f, a, b, c);
  return buf;
}

}  // namespace

int main(int argc, char** argv) try {
  Config cfg;
  bool selftest_only = false;
  bool force = false;  // measure even if this build does not claim the datapath (every packet is still checked)
  bool sas_given = false, zipf_sas_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--json") cfg.json_path = next();
    else if (a == "--clock-mhz") cfg.clock_mhz = std::stod(next());
    else if (a == "--read-latency") cfg.read_latency = static_cast<unsigned>(std::stoul(next()));
    else if (a == "--write-latency") cfg.write_latency = static_cast<unsigned>(std::stoul(next()));
    else if (a == "--key-bits") cfg.key_bytes = static_cast<unsigned>(std::stoul(next())) / 8;
    else if (a == "--runs") cfg.runs = std::max(1u, static_cast<unsigned>(std::stoul(next())));
    else if (a == "--quick") cfg.batch_div = 16, cfg.quick = true;
    else if (a == "--sizes") cfg.sizes = parse_list(next());
    else if (a == "--sas") cfg.sa_counts = parse_list(next()), sas_given = true;
    else if (a == "--backpressure") cfg.backpressure = std::stod(next());
    else if (a == "--zipf-s") cfg.zipf_s = std::stod(next());
    else if (a == "--zipf-sas") cfg.zipf_sa_counts = parse_list(next()), zipf_sas_given = true;
    else if (a == "--plumbing") cfg.plumbing = true;
    else if (a == "--selftest") selftest_only = true;
    else if (a == "--force") force = true;
    else return usage(argv[0]);
  }
  if (cfg.key_bytes != 16 && cfg.key_bytes != 32) return usage(argv[0]);
  if (!(cfg.backpressure >= 0 && cfg.backpressure < 1)) throw std::invalid_argument("--backpressure: [0, 1)");
  if (!(cfg.zipf_s >= 0)) throw std::invalid_argument("--zipf-s: >= 0");
  for (unsigned s : cfg.sizes) {
    if (s < 64 || s > 9000) throw std::invalid_argument("--sizes: packets of 64..9000 bytes");
  }
  // --sas without --zipf-sas: the zipf table over the given counts above 1.
  if (sas_given && !zipf_sas_given) {
    cfg.zipf_sa_counts.clear();
    for (unsigned n : cfg.sa_counts) {
      if (n > 1) cfg.zipf_sa_counts.push_back(n);
    }
  }
  for (const auto* list : {&cfg.sa_counts, &cfg.zipf_sa_counts}) {
    for (unsigned n : *list) {
      if (n == 0 || (n & (n - 1)) || n > (1u << 20)) throw std::invalid_argument("--sas: powers of two up to 2^20");
    }
  }

  if (selftest_only) return selftest(cfg);

  const bool available = driver::cosim_has_datapath();
  if (!available && !cfg.plumbing && !force) {
    std::printf("\nESP on the cosim card (esp_engine RTL in Verilator): cosim datapath not available\n"
                "(this build does not claim the RTL packet datapath: ESP_COSIM_DATAPATH is off; nothing was measured;\n"
                " esp-card-bench --force measures anyway, checking every packet)\n");
    if (!cfg.json_path.empty()) {
      write_json(cfg.json_path, nlohmann::json{{"table", "cosim_card"},
                                               {"status", "cosim datapath not available"},
                                               {"rows", nlohmann::json::array()},
                                               {"tables", nlohmann::json::array()}});
    }
    return 0;
  }

  unsigned max_batch = 2;
  for (unsigned s : cfg.sizes) max_batch = std::max(max_batch, batch_for(s, cfg));
  // --quick: the backpressure table without its largest SA count (65536 SAs'
  // installs alone take about a minute per direction under backpressure).
  std::vector<unsigned> bp_counts = cfg.sa_counts;
  if (cfg.quick && bp_counts.size() > 1) bp_counts.erase(std::max_element(bp_counts.begin(), bp_counts.end()));
  if (cfg.backpressure <= 0) bp_counts.clear();
  std::vector<unsigned> zipf_counts = cfg.zipf_s > 0 ? cfg.zipf_sa_counts : std::vector<unsigned>{};
  std::vector<unsigned> counts = cfg.sa_counts;
  for (unsigned n : zipf_counts) {
    if (!contains(counts, n)) counts.push_back(n);
  }
  std::sort(counts.begin(), counts.end());

  const char* plumbing = cfg.plumbing ? "PLUMBING CHECK, NOT PACKET RESULTS (shell-decided BAD_SA / MALFORMED "
                                        "descriptors): "
                                      : "";
  const std::string memory = fmt("card memory: the harness's AXI4 slave on the engine's m_axi port, fixed latencies "
                                 "read %.0f / write %.0f cycles; AES-%.0f-GCM tunnel mode, IPv4;",
                                 cfg.read_latency, cfg.write_latency, cfg.key_bytes * 8);
  const std::vector<std::string> common{
      fmt("bytes = plaintext IP packet; cyc/pkt = all cycles of the timed runs, as the harness counts them (argument "
          "writes, start, done poll included) / packets; %.0f MHz clock;",
          cfg.clock_mhz),
      fmt("limit = %.0f B/cycle (512-bit bus) = %.1f Gb/s; rtl c/p = the RTL's PERF_CYCLES (ap_start .. ap_done) / "
          "packets; idle/p = PERF_IDLE",
          kBusBytesPerCycle, kBusBytesPerCycle * 8 * cfg.clock_mhz / 1000),
      "  (cycles in which no descriptor completed while one was taken and not complete) / packets, summed over the "
      "timed runs;",
      "steady = cycles a packet adds to a run: (timed run - 1-packet run) / (packets - 1), the start/stop excluded as "
      "a streaming ring pays it once;",
      "target = issue 14's (1 SA: 64 B <= 2.5 cyc/pkt, 1500 B >= 58 B/cyc, 9000 B >= 62 B/cyc; n SAs: B/cyc within 5% "
      "of 1 SA), on steady;",
      "ovh/run = cycles of a run beyond its packets (argument writes, start, fill/drain, done poll) from a 1-packet "
      "run; ovh % = its share"};

  Table main_t{"main",
               std::string(plumbing) + "ESP on the cosim card: esp_engine RTL in Verilator, cycles of its clock; "
                                       "backpressure 0, SAs round robin",
               {memory + " backpressure 0 (every ready up, every valid on time)",
                "n SAs interleaved: packet k uses SA (k*s) mod n, never its predecessor's; warm-up: every SA once "
                "when n <= 4096, else the timed packets' SAs are all cold (no packet of theirs seen since their "
                "SA_INSTALL, which set their key up on the card)"},
               0.0,
               false,
               {}};
  Table bp_t{"backpressure",
             std::string(plumbing) + fmt("The same under memory backpressure %.2f, SAs round robin", cfg.backpressure),
             {memory + fmt(" backpressure %.2f: each cycle, on each of the m_axi port's", cfg.backpressure),
              "  channels (AR, R, AW, W, B), the slave withholds its ready and delays a valid not yet raised with "
              "this probability (seeded, replayable);",
              "  the host's AXI4-Lite master (argument writes, CTRL polls) does the same on the control port; "
              "latencies as above",
              "targets: issue 14's are set at backpressure 0 (shown for comparison); loss/bp0 = loss against the "
              "same row of the main table"},
             cfg.backpressure,
             false,
             {}};
  Table zipf_t{"zipf",
               std::string(plumbing) + fmt("SAs drawn from a zipf distribution (s = %.2f), backpressure 0",
                                           cfg.zipf_s),
               {"P(rank r) ~ 1/r^s over n SAs (rank r is SA ((r-1)*s) mod n, as the round robin spreads them), "
                "independent draws from a fixed seed;",
                "traffic in order per SA (sequence numbers increase per SA); run on the main table's cards after "
                "their round-robin points (same SAs, warm);",
                "loss/1SA and target against the main table's 1-SA row; distinct = SAs the timed packets used; "
                "same% = packets on their predecessor's SA"},
               0.0,
               true,
               {}};
  main_t.notes.insert(main_t.notes.end(), common.begin(), common.end());
  for (Table* t : {&bp_t, &zipf_t}) t->notes.push_back("columns as in the main table");
  if (!available && !cfg.plumbing) {
    main_t.notes.insert(main_t.notes.begin(), "--force: this build does not claim the datapath (ESP_COSIM_DATAPATH "
                                              "off); every packet below was checked all the same");
  }

  std::string description;
  auto progress = [](const Point& p, const char* what) {
    std::fprintf(stderr, "esp-card-bench: %s%s %u B, %u SAs: %.2f cycles/packet, PERF idle %.2f/packet (%.0f s wall)\n",
                 what, p.op.c_str(), p.size, p.sas, p.cycles_per_packet(), p.perf_idle_per_packet(), p.wall_seconds);
  };
  auto populate = [&](uint32_t n, bool decrypt, double bp) {
    const auto t0 = std::chrono::steady_clock::now();
    auto pop = make_population(n, cfg, max_batch, decrypt, bp);
    if (bp == 0.0) description = pop->cosim_dev->description();  // the main table's cards
    std::fprintf(stderr, "esp-card-bench: %u SAs installed (x3), backpressure %.2f, in %.1f s\n", n, bp,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return pop;
  };
  for (uint32_t n : counts) {
    for (const bool decrypt : {true, false}) {
      auto pop = populate(n, decrypt, 0.0);
      SaStream rr = SaStream::round_robin(n);
      if (contains(cfg.sa_counts, n)) {
        for (unsigned size : cfg.sizes) {
          main_t.points.push_back(measure(*pop, decrypt, size, cfg, rr, rr));
          progress(main_t.points.back(), "");
        }
      }
      if (contains(zipf_counts, n)) {
        SaStream z = SaStream::zipf(n, cfg.zipf_s);
        for (unsigned size : cfg.sizes) {
          zipf_t.points.push_back(measure(*pop, decrypt, size, cfg, rr, z));
          progress(zipf_t.points.back(), "zipf ");
        }
      }
    }
  }
  for (uint32_t n : bp_counts) {
    for (const bool decrypt : {true, false}) {
      auto pop = populate(n, decrypt, cfg.backpressure);
      SaStream rr = SaStream::round_robin(n);
      for (unsigned size : cfg.sizes) {
        bp_t.points.push_back(measure(*pop, decrypt, size, cfg, rr, rr));
        progress(bp_t.points.back(), "backpressure ");
      }
    }
  }

  uint64_t all_cycles = 0;
  double all_wall = 0;
  for (const Table* t : {&main_t, &bp_t, &zipf_t}) {
    for (const Point& p : t->points) {
      all_cycles += p.cycles;
      all_wall += p.wall_seconds;
    }
  }
  const double sim_speed = all_wall > 0 ? double(all_cycles) / all_wall : 0;

  nlohmann::json tables = nlohmann::json::array();
  for (const Table* t : {&main_t, &bp_t, &zipf_t}) {
    if (!t->points.empty()) tables.push_back(print_table(*t, main_t, cfg));
  }
  if (cfg.quick) {
    std::string dropped;
    for (unsigned n : cfg.sa_counts) {
      if (cfg.backpressure > 0 && !contains(bp_counts, n)) {
        dropped += "; the backpressure table without " + std::to_string(n) + " SAs";
      }
    }
    std::printf("\n--quick: runs of 1/16 the packets (batch column)%s\n", dropped.c_str());
  }
  std::printf("Verilator simulation speed: %.0f cycles per wall second (%.3g cycles in %.1f s, every table; %s)\n",
              sim_speed, double(all_cycles), all_wall, description.c_str());

  if (cfg.plumbing) {
    std::printf("(plumbing check only: no packet was processed, nothing written)\n");
    return 0;
  }
  if (!cfg.json_path.empty()) {
    // "rows" and "backpressure" at the top are the main table's (what
    // bench/gateway/gw_bench.py reads); "tables" has all three.
    write_json(cfg.json_path,
               nlohmann::json{{"table", "cosim_card"},
                              {"status", available ? "measured" : "measured (--force: the build does not claim the datapath)"},
                              {"device", description},
                              {"clock_mhz", cfg.clock_mhz},
                              {"limit_bytes_per_cycle", kBusBytesPerCycle},
                              {"read_latency_cycles", cfg.read_latency},
                              {"write_latency_cycles", cfg.write_latency},
                              {"backpressure", 0.0},
                              {"key_bits", cfg.key_bytes * 8},
                              {"quick", cfg.quick},
                              {"sim_cycles_per_second", sim_speed},
                              {"rows", tables.empty() ? nlohmann::json::array() : tables[0]["rows"]},
                              {"tables", tables}});
    std::printf("\nwritten %s\n", cfg.json_path.c_str());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "esp-card-bench: FAILED: %s\n", e.what());
  return 1;
}
