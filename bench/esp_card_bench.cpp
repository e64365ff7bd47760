// esp-card-bench: the esp_engine RTL (cosim backend, Verilator) in clock
// cycles. For ENCRYPT and DECRYPT of 64/576/1500/9000-byte packets with one SA,
// 1024 SAs and 65536 SAs interleaved: cycles per packet, bytes per cycle, Gb/s
// and Mpps at the card clock, against the 512-bit bus limit of 64 bytes per
// cycle, and the loss against one SA; plus Verilator's simulation speed.
//
// Cycles are the Verilator model's clock (driver::cosim_stats), never wall
// time. Memory is the harness's AXI4 slave with backpressure 0 and fixed
// read/write latencies. Packets go through runtime::Engine exactly as the
// host stack sends them; every result is checked (decrypt: the plaintext is
// the original packet; encrypt: bit-exact with the swemu card, HLS kernel, on
// the same SAs), so a number is only printed for packets the RTL processed.
//
// Without the RTL packet datapath (driver::cosim_has_datapath() false) it
// prints "cosim datapath not available" and measures nothing (--force measures
// anyway: a packet the RTL does not process correctly fails the run). --plumbing runs
// the same measurement code on descriptors the shell can decide (ENCRYPT on an
// inbound SA -> BAD_SA, DECRYPT of an empty packet -> MALFORMED) to check the
// plumbing; its table is labelled as such and never written as card results.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/driver/cosim.hpp"
#include "esp/runtime/detail/engine_access.hpp"
#include "esp/runtime/engine.hpp"
#include "ref/packets.hpp"

namespace {

using esp::runtime::Direction;
using esp::runtime::Engine;
using esp::runtime::Request;
using esp::runtime::Result;
using esp::runtime::SaConfig;
using esp::runtime::SaHandle;
namespace spec = esp::spec;
namespace driver = esp::driver;

constexpr double kBusBytesPerCycle = 64.0;  // the 512-bit packet bus: one beat per cycle

struct Config {
  double clock_mhz = 300.0;
  unsigned read_latency = 64;   // cycles, AR to first R beat (HBM behind the AXI interconnect)
  unsigned write_latency = 32;  // cycles, last W beat to B
  unsigned key_bytes = 32;
  unsigned runs = 2;            // timed kernel runs per point
  unsigned batch_div = 1;       // --quick: batches divided by this
  std::vector<unsigned> sizes{64, 576, 1500, 9000};
  std::vector<unsigned> sa_counts{1, 1024, 65536};
  bool plumbing = false;
  std::string json_path;
};

// Most packets per kernel run (measure() takes fewer when they already make
// the run's start/stop, i.e. argument programming, pipeline fill and drain
// and memory latency, at most 0.5% of the run).
unsigned batch_for(unsigned size, const Config& cfg) {
  unsigned b = size <= 64 ? 4096 : size <= 576 ? 2048 : size <= 1500 ? 1024 : 256;
  return std::max(2u, b / cfg.batch_div);
}

SaConfig make_sa(uint32_t j, Direction dir, unsigned key_bytes) {
  SaConfig c;
  c.spi = (dir == Direction::Outbound ? 0x01000000u : 0x02000000u) + j;
  c.direction = dir;
  c.mode = spec::Mode::TUNNEL;
  c.key.resize(key_bytes);
  for (unsigned i = 0; i < key_bytes; ++i) c.key[i] = static_cast<uint8_t>(0x11 * (i + 1) ^ (j >> (8 * (i % 4))));
  c.salt = {0xca, 0xfe, static_cast<uint8_t>(j >> 8), static_cast<uint8_t>(j)};
  c.tun_src = esp::runtime::IpAddr::parse("192.0.2.1");
  c.tun_dst = esp::runtime::IpAddr::parse("192.0.2.2");
  c.window_bits = spec::DEFAULT_WINDOW_BITS;
  return c;
}

// SA of the k-th packet: consecutive packets never share an SA (n > 1), and
// they are spread over the whole table, not walked in index order.
uint32_t sa_of(uint64_t k, uint32_t n) {
  if (n == 1) return 0;
  const uint64_t stride = (static_cast<uint64_t>(n) * 618 / 1000) | 1;  // odd: a permutation of 0..n-1 (n a power of 2)
  return static_cast<uint32_t>((k * stride) % n);
}

// One SA population on one cosim card, with a swemu card holding the same
// SAs: O_j outbound on both (the swemu copy is the bit-exact mirror of
// encrypt), I_j inbound on the cosim card, G_j on swemu the outbound twin of
// I_j (it makes the ESP packets the cosim card decrypts). The cosim card
// holds one direction's n SAs (the RTL's MAX_SAS is 65536: 65536 SAs of
// each direction do not fit one card): I_j for decrypt and for the plumbing
// encrypt (ENCRYPT on an inbound SA), else O_j; the other handles stay empty.
struct Population {
  uint32_t n = 0;
  std::unique_ptr<Engine> cosim, swemu;
  const driver::Device* cosim_dev = nullptr;  // the cosim Engine's device (it owns it)
  std::vector<SaHandle> out_c, in_c, out_s, gen_s;
  uint32_t seed_counter = 1;
};

std::unique_ptr<Population> make_population(uint32_t n, const Config& cfg, unsigned max_batch, bool decrypt,
                                            bool swemu_card = false) {
  auto p = std::make_unique<Population>();
  p->n = n;
  driver::CosimOptions co;
  co.backpressure = 0.0;
  co.read_latency = cfg.read_latency;
  co.write_latency = cfg.write_latency;
  co.seed = 1;
  co.max_run_cycles = 2'000'000'000ull;
  co.print_seed = false;
  esp::runtime::EngineOptions eo;
  eo.sa_capacity = n;
  eo.max_batch_packets = max_batch;
  esp::runtime::EngineOptions so = eo;
  so.sa_capacity = 2 * n;
  driver::DeviceOptions dopt;
  dopt.backend = "cosim";
  std::unique_ptr<driver::Device> dev = swemu_card ? driver::open_device({}) : driver::open_cosim_device(dopt, co);
  p->cosim_dev = dev.get();
  p->cosim = std::make_unique<Engine>(std::move(dev), eo);
  p->swemu = std::make_unique<Engine>(driver::open_device({}), so);
  const bool inbound_card = decrypt || cfg.plumbing;
  p->out_c.resize(n);
  p->in_c.resize(n);
  for (uint32_t j = 0; j < n; ++j) {
    if (inbound_card) {
      p->in_c[j] = p->cosim->add_sa(make_sa(j, Direction::Inbound, cfg.key_bytes));
    } else {
      p->out_c[j] = p->cosim->add_sa(make_sa(j, Direction::Outbound, cfg.key_bytes));
    }
    p->out_s.push_back(p->swemu->add_sa(make_sa(j, Direction::Outbound, cfg.key_bytes)));
    SaConfig g = make_sa(j, Direction::Inbound, cfg.key_bytes);
    g.direction = Direction::Outbound;  // same SPI, key and salt as I_j
    p->gen_s.push_back(p->swemu->add_sa(g));
  }
  // The installs' SA_INSTALL / SPI_SET commands run now, in their own runs,
  // so that every timed batch is one kernel run of packets only.
  esp::runtime::detail::EngineAccess::flush_commands(*p->cosim);
  esp::runtime::detail::EngineAccess::flush_commands(*p->swemu);
  return p;
}

struct Point {
  std::string op;
  unsigned size = 0;
  uint32_t sas = 0;
  unsigned batch = 0, runs = 0;
  uint64_t packets = 0;
  uint64_t cycles = 0;             // every cycle of the timed runs, argument programming included
  uint64_t run_cycles = 0;         // AP_START .. AP_DONE seen, summed over the timed runs
  uint64_t one_packet_run = 0;     // every cycle of a run of one packet, argument programming included
  double steady_cycles_per_packet = 0;
  double overhead_per_run = 0;     // start/stop cost of one run
  double wall_seconds = 0;
  double cycles_per_packet() const { return double(cycles) / double(packets); }
  double bytes_per_cycle() const { return double(size) * double(packets) / double(cycles); }
};

// The requests of `count` packets starting at packet number `first`.
struct Batch {
  std::vector<Request> reqs;
  std::vector<std::vector<uint8_t>> expect;  // the output each request must give (empty: not compared)
  spec::Status status = spec::Status::OK;
};

Batch make_batch(Population& p, bool decrypt, unsigned size, uint64_t first, unsigned count, bool plumbing) {
  Batch b;
  if (plumbing) {
    // Descriptors the shell decides: ENCRYPT on an inbound SA (BAD_SA), DECRYPT of nothing (MALFORMED).
    b.status = decrypt ? spec::Status::MALFORMED : spec::Status::BAD_SA;
    for (unsigned i = 0; i < count; ++i) {
      const uint32_t j = sa_of(first + i, p.n);
      if (decrypt) {
        b.reqs.push_back({spec::Opcode::DECRYPT, {}, {}});
      } else {
        b.reqs.push_back({spec::Opcode::ENCRYPT, p.in_c[j], esp::ref::pkt::udp(4, size - 28, p.seed_counter++)});
      }
    }
    return b;
  }
  std::vector<Request> sw;
  std::vector<std::vector<uint8_t>> plain;
  for (unsigned i = 0; i < count; ++i) {
    const uint32_t j = sa_of(first + i, p.n);
    plain.push_back(esp::ref::pkt::udp(4, size - 28, p.seed_counter++));  // IPv4 20 + UDP 8 + payload = size
    sw.push_back({spec::Opcode::ENCRYPT, decrypt ? p.gen_s[j] : p.out_s[j], plain.back()});
  }
  std::vector<Result> ref = p.swemu->process(sw);
  for (unsigned i = 0; i < count; ++i) {
    if (ref[i].status != spec::Status::OK) throw std::runtime_error("swemu could not encrypt a bench packet");
    const uint32_t j = sa_of(first + i, p.n);
    if (decrypt) {
      b.reqs.push_back({spec::Opcode::DECRYPT, {}, std::move(ref[i].data)});
      b.expect.push_back(std::move(plain[i]));
    } else {
      b.reqs.push_back({spec::Opcode::ENCRYPT, p.out_c[j], std::move(plain[i])});
      b.expect.push_back(std::move(ref[i].data));
    }
  }
  return b;
}

void check(const Batch& b, const std::vector<Result>& res, const char* op, unsigned size) {
  for (size_t i = 0; i < res.size(); ++i) {
    if (res[i].status != b.status) {
      throw std::runtime_error(std::string(op) + " " + std::to_string(size) + " B: packet " + std::to_string(i) +
                               " completed with " + spec::status_name(res[i].status) + ", expected " +
                               spec::status_name(b.status));
    }
    if (!b.expect.empty() && res[i].data != b.expect[i]) {
      throw std::runtime_error(std::string(op) + " " + std::to_string(size) + " B: packet " + std::to_string(i) +
                               " differs from the " + (op[0] == 'd' ? "original plaintext" : "swemu card's output"));
    }
  }
}

// One kernel run of `b` (b.reqs.size() <= max_batch_packets): its cycles.
struct RunCycles {
  uint64_t total = 0, run = 0;
  double wall = 0;
};

RunCycles run_once(Population& p, const Batch& b, const char* op, unsigned size) {
  const driver::Device& dev = *p.cosim_dev;
  const driver::CosimStats before = driver::cosim_stats(dev);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Result> res = p.cosim->process(b.reqs);
  const auto t1 = std::chrono::steady_clock::now();
  const driver::CosimStats after = driver::cosim_stats(dev);
  if (after.runs != before.runs + 1) throw std::logic_error("a bench batch must be exactly one kernel run");
  check(b, res, op, size);
  return {after.cycles - before.cycles, after.last_run_cycles, std::chrono::duration<double>(t1 - t0).count()};
}

Point measure(Population& p, bool decrypt, unsigned size, const Config& cfg, uint64_t& packet_no) {
  const char* op = decrypt ? "decrypt" : "encrypt";
  Point pt;
  pt.op = op;
  pt.size = size;
  pt.sas = p.n;
  pt.runs = cfg.runs;
  auto run_of = [&](unsigned count) {
    Batch b = make_batch(p, decrypt, size, packet_no, count, cfg.plumbing);
    packet_no += count;
    return run_once(p, b, op, size);
  };
  // Warm-up: every SA once (n <= 4096), so that any cache of SAs or keys is in
  // its steady state for the round robin that follows; for larger n, the timed
  // packets all use SAs not used before.
  for (unsigned left = p.n <= 4096 ? std::max(4u, p.n) : 4u; left > 0;) {
    const unsigned k = std::min(left, 256u);
    run_of(k);
    left -= k;
  }
  // cycles(run of k packets) = overhead + k * steady: a 1-packet run and a
  // probe of kProbe packets estimate both, and the timed runs are made long
  // enough that the overhead is at most 0.5% of them (up to batch_for()).
  constexpr unsigned kProbe = 16;
  pt.one_packet_run = run_of(1).total;
  const double probe = double(run_of(kProbe).total);
  const double steady0 = (probe - double(pt.one_packet_run)) / (kProbe - 1);
  const double ovh0 = double(pt.one_packet_run) - steady0;
  const unsigned cap = batch_for(size, cfg);
  double want = steady0 > 0 ? std::ceil(std::max(0.0, ovh0) / (0.005 * steady0)) : double(cap);
  pt.batch = static_cast<unsigned>(std::clamp(want, double(std::min(32u, cap)), double(cap)));
  for (unsigned r = 0; r < cfg.runs; ++r) {
    const RunCycles rc = run_of(pt.batch);
    pt.cycles += rc.total;
    pt.run_cycles += rc.run;
    pt.wall_seconds += rc.wall;
    pt.packets += pt.batch;
  }
  const double mean_run = double(pt.cycles) / cfg.runs;
  pt.steady_cycles_per_packet = (mean_run - double(pt.one_packet_run)) / double(pt.batch - 1);
  pt.overhead_per_run = double(pt.one_packet_run) - pt.steady_cycles_per_packet;
  return pt;
}

// --selftest: the request building and result checks of every point, with a
// swemu card in the cosim card's place (no cycles: nothing is measured).
int selftest(const Config& cfg) {
  uint64_t checked = 0;
  for (uint32_t n : cfg.sa_counts) {
    uint64_t packet_no = 0;
    for (const bool decrypt : {true, false}) {
      auto pop = make_population(n, cfg, 64, decrypt, /*swemu_card=*/true);
      for (unsigned size : cfg.sizes) {
        Batch b = make_batch(*pop, decrypt, size, packet_no, 64, cfg.plumbing);
        packet_no += 64;
        check(b, pop->cosim->process(b.reqs), decrypt ? "decrypt" : "encrypt", size);
        checked += b.reqs.size();
      }
    }
  }
  std::printf("esp-card-bench selftest (swemu in the cosim card's place, no cycles): %llu packets checked, ok\n",
              static_cast<unsigned long long>(checked));
  return 0;
}

std::vector<unsigned> parse_list(const std::string& s) {
  std::vector<unsigned> v;
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
               "          [--runs N] [--quick] [--sizes a,b,..] [--sas a,b,..] [--plumbing] [--selftest] [--force]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) try {
  Config cfg;
  bool selftest_only = false;
  bool force = false;  // measure even if this build does not claim the datapath (every packet is still checked)
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
    else if (a == "--quick") cfg.batch_div = 16;
    else if (a == "--sizes") cfg.sizes = parse_list(next());
    else if (a == "--sas") cfg.sa_counts = parse_list(next());
    else if (a == "--plumbing") cfg.plumbing = true;
    else if (a == "--selftest") selftest_only = true;
    else if (a == "--force") force = true;
    else return usage(argv[0]);
  }
  if (cfg.key_bytes != 16 && cfg.key_bytes != 32) return usage(argv[0]);
  for (unsigned s : cfg.sizes) {
    if (s < 64 || s > 9000) throw std::invalid_argument("--sizes: packets of 64..9000 bytes");
  }
  for (unsigned n : cfg.sa_counts) {
    if (n == 0 || (n & (n - 1)) || n > (1u << 20)) throw std::invalid_argument("--sas: powers of two up to 2^20");
  }

  if (selftest_only) return selftest(cfg);

  const bool available = driver::cosim_has_datapath();
  if (!available && !cfg.plumbing && !force) {
    std::printf("\nESP on the cosim card (esp_engine RTL in Verilator): cosim datapath not available\n"
                "(this build does not claim the RTL packet datapath: ESP_COSIM_DATAPATH is off; nothing was measured;\n"
                " esp-card-bench --force measures anyway, checking every packet)\n");
    if (!cfg.json_path.empty()) {
      const std::filesystem::path parent = std::filesystem::path(cfg.json_path).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent);
      std::ofstream(cfg.json_path) << nlohmann::json{{"table", "cosim_card"},
                                                     {"status", "cosim datapath not available"},
                                                     {"rows", nlohmann::json::array()}}
                                          .dump(2)
                                   << "\n";
    }
    return 0;
  }

  unsigned max_batch = 2;
  for (unsigned s : cfg.sizes) max_batch = std::max(max_batch, batch_for(s, cfg));

  std::vector<Point> points;
  std::string description;
  for (uint32_t n : cfg.sa_counts) {
    uint64_t packet_no = 0;
    for (const bool decrypt : {true, false}) {
      const auto t0 = std::chrono::steady_clock::now();
      auto pop = make_population(n, cfg, max_batch, decrypt);
      description = pop->cosim_dev->description();
      std::fprintf(stderr, "esp-card-bench: %u SAs installed (x3) in %.1f s\n", n,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      for (unsigned size : cfg.sizes) {
        points.push_back(measure(*pop, decrypt, size, cfg, packet_no));
        const Point& p = points.back();
        std::fprintf(stderr, "esp-card-bench: %s %u B, %u SAs: %.2f cycles/packet (%.0f s wall)\n", p.op.c_str(),
                     p.size, p.sas, p.cycles_per_packet(), p.wall_seconds);
      }
    }
  }

  auto one_sa = [&](const Point& p) -> const Point* {
    for (const Point& q : points) {
      if (q.op == p.op && q.size == p.size && q.sas == 1) return &q;
    }
    return nullptr;
  };

  const double mhz = cfg.clock_mhz;
  uint64_t all_cycles = 0;
  double all_wall = 0;
  for (const Point& p : points) {
    all_cycles += p.cycles;
    all_wall += p.wall_seconds;
  }
  const double sim_speed = all_wall > 0 ? double(all_cycles) / all_wall : 0;

  std::printf("\n%sESP on the cosim card: esp_engine RTL in Verilator, cycles of its clock\n",
              cfg.plumbing ? "PLUMBING CHECK, NOT PACKET RESULTS (shell-decided BAD_SA / MALFORMED descriptors): " : "");
  if (!available && !cfg.plumbing) {
    std::printf("--force: this build does not claim the datapath (ESP_COSIM_DATAPATH off); every packet below was "
                "checked all the same\n");
  }
  std::printf("card memory: AXI4 slave, backpressure 0, fixed latencies read %u / write %u cycles; AES-%u-GCM tunnel "
              "mode, IPv4; %.0f MHz clock;\n",
              cfg.read_latency, cfg.write_latency, cfg.key_bytes * 8, mhz);
  std::printf("bytes = plaintext IP packet; cyc/pkt = all cycles of the timed runs (argument writes, start, done poll "
              "included) / packets;\n");
  std::printf("limit = %.0f B/cycle (512-bit bus) = %.1f Gb/s; n SAs interleaved: packet k uses SA (k*s) mod n, never "
              "its predecessor's;\nwarm-up: every SA once when n <= 4096 (round robin in steady state), else the timed "
              "packets' SAs are all cold\n",
              kBusBytesPerCycle, kBusBytesPerCycle * 8 * mhz / 1000);
  std::printf("ovh/run = cycles of a run beyond its packets (argument writes, start, fill/drain, done poll) from a "
              "1-packet run; ovh %% = its share of the timed cycles\n");
  std::printf("%-7s %5s %6s | %8s %7s %8s %8s | %8s %8s | %6s %6s %8s %6s | %9s\n", "op", "bytes", "SAs", "cyc/pkt",
              "B/cyc", "Gb/s", "Mpps", "vs limit", "loss/1SA", "batch", "runs", "ovh/run", "ovh %", "sim cyc/s");
  std::printf("%s\n", std::string(131, '-').c_str());
  nlohmann::json rows = nlohmann::json::array();
  for (const Point& p : points) {
    const double cpp = p.cycles_per_packet(), bpc = p.bytes_per_cycle();
    const double gbps = bpc * 8 * mhz / 1000, mpps = mhz / cpp;
    const double vs_limit = bpc / kBusBytesPerCycle;
    const Point* base = one_sa(p);
    const double vs_one = base ? bpc / base->bytes_per_cycle() : 0;
    const double ovh_frac = p.overhead_per_run * p.runs / double(p.cycles);
    const double speed = p.wall_seconds > 0 ? double(p.cycles) / p.wall_seconds : 0;
    char vs_one_s[16] = "-";
    if (base && base != &p) std::snprintf(vs_one_s, sizeof vs_one_s, "%7.2f%%", 100 * (1 - vs_one));
    std::printf("%-7s %5u %6u | %8.2f %7.2f %8.2f %8.3f | %8.4f %8s | %6u %6u %8.0f %5.2f%% | %9.0f\n", p.op.c_str(),
                p.size, p.sas, cpp, bpc, gbps, mpps, vs_limit, vs_one_s, p.batch, p.runs, p.overhead_per_run,
                100 * ovh_frac, speed);
    nlohmann::json row{{"op", p.op},
                       {"packet_bytes", p.size},
                       {"sas", p.sas},
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
                       {"overhead_cycles_per_run", p.overhead_per_run},
                       {"overhead_fraction", ovh_frac},
                       {"one_packet_run_cycles", p.one_packet_run},
                       {"wall_seconds", p.wall_seconds},
                       {"sim_cycles_per_second", speed}};
    if (base) {
      row["vs_one_sa"] = vs_one;
      row["loss_vs_one_sa"] = 1 - vs_one;
    }
    rows.push_back(row);
  }
  std::printf("Verilator simulation speed: %.0f cycles per wall second (%.3g cycles in %.1f s; %s)\n", sim_speed,
              double(all_cycles), all_wall, description.c_str());

  if (cfg.plumbing) {
    std::printf("(plumbing check only: no packet was processed, nothing written)\n");
    return 0;
  }
  if (!cfg.json_path.empty()) {
    const std::filesystem::path parent = std::filesystem::path(cfg.json_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    std::ofstream(cfg.json_path) << nlohmann::json{{"table", "cosim_card"},
                                                   {"status", available ? "measured" : "measured (--force: the build does not claim the datapath)"},
                                                   {"device", description},
                                                   {"clock_mhz", mhz},
                                                   {"limit_bytes_per_cycle", kBusBytesPerCycle},
                                                   {"read_latency_cycles", cfg.read_latency},
                                                   {"write_latency_cycles", cfg.write_latency},
                                                   {"backpressure", 0.0},
                                                   {"key_bits", cfg.key_bytes * 8},
                                                   {"sim_cycles_per_second", sim_speed},
                                                   {"rows", rows}}
                                        .dump(2)
                                 << "\n";
    std::printf("\nwritten %s\n", cfg.json_path.c_str());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "esp-card-bench: FAILED: %s\n", e.what());
  return 1;
}
