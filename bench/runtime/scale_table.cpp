#include "scale_table.hpp"

#include <algorithm>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/runtime/engine.hpp"
#include "esp/runtime/queue.hpp"
#include "ref/packets.hpp"

namespace esp::bench {

namespace {

using runtime::Direction;
using runtime::Runtime;
using runtime::SaConfig;
using runtime::SaId;

constexpr uint32_t kWindow = 64;

// Config i of a table: even inbound, odd outbound; SPIs from 0x10000 up.
SaConfig table_sa(uint32_t i) {
  return bench_sa(0x10000u + i, i % 2 == 0 ? Direction::Inbound : Direction::Outbound, i, kWindow);
}

struct FillTime {
  double cpu_s = 0, wall_s = 0;
};

// Fills rt with n SAs in add_sas calls of `chunk`; returns the process CPU
// and wall seconds inside add_sas (building the configs is not timed) and
// the ids in `ids`.
FillTime fill(Runtime& rt, uint32_t n, uint32_t chunk, std::vector<SaId>& ids) {
  ids.clear();
  ids.reserve(n);
  uint64_t ns = 0, wns = 0;
  std::vector<SaConfig> part;
  for (uint32_t i = 0; i < n; i += chunk) {
    part.clear();
    for (uint32_t k = i; k < std::min(n, i + chunk); ++k) part.push_back(table_sa(k));
    const uint64_t t0 = process_cpu_ns(), w0 = wall_ns();
    const std::vector<SaId> got = rt.add_sas(part);
    ns += process_cpu_ns() - t0;
    wns += wall_ns() - w0;
    ids.insert(ids.end(), got.begin(), got.end());
  }
  if (rt.sa_count() != n) throw std::runtime_error("scale table: SAs missing after the fill");
  return FillTime{double(ns) / 1e9, double(wns) / 1e9};
}

double mib(uint64_t b) { return double(b) / double(1ull << 20); }

}  // namespace

nlohmann::json scale_table(std::ostream& out, const RtBenchOptions& o) {
  const uint32_t n = o.quick ? (1u << 16) : (1u << 20);
  const uint32_t n_ref = 10000;
  const uint32_t chunk = 4096;
  const uint64_t replay = runtime::replay_region_bytes_for(n, kWindow);
  const uint64_t card_mem = 1536ull << 20;

  // The reference: 10k SAs in the same chunks, on a table of their size.
  FillTime ref_t;
  {
    Runtime small(rt_options(o.backend, n_ref, 256ull << 20, runtime::replay_region_bytes_for(n_ref, kWindow)));
    std::vector<SaId> ids;
    ref_t = fill(small, n_ref, chunk, ids);
  }

  const uint64_t rss0 = rss_bytes();
  auto rt = std::make_unique<Runtime>(rt_options(o.backend, n, card_mem, replay));
  const uint64_t rss1 = rss_bytes();
  std::vector<SaId> ids;
  const FillTime fill_t = fill(*rt, n, chunk, ids);
  const uint64_t rss2 = rss_bytes();

  // Traffic: ENCRYPT through 8 outbound SAs spread over the table, 32
  // packets of 576 bytes each, interleaved.
  const uint32_t spread = 8, per_sa = 32, size = 576;
  std::vector<std::vector<uint8_t>> in, outb;
  std::vector<runtime::Packet> pkts;
  for (uint32_t p = 0; p < per_sa; ++p) {
    for (uint32_t s = 0; s < spread; ++s) {
      const uint32_t idx = (uint32_t(uint64_t(n) * s / spread) | 1u);  // odd: outbound
      in.push_back(ref::pkt::udp(4, size - 28, p * spread + s + 1));   // IPv4 20 + UDP 8
      outb.emplace_back(size + spec::MAX_ENCAP_OVERHEAD);
      runtime::Packet k;
      k.op = runtime::PacketOp::Encrypt;
      k.sa = ids[idx];
      pkts.push_back(k);
    }
  }
  for (size_t i = 0; i < pkts.size(); ++i) {
    pkts[i].data = in[i].data();
    pkts[i].len = uint32_t(in[i].size());
    pkts[i].out = outb[i].data();
    pkts[i].out_cap = uint32_t(outb[i].size());
    pkts[i].user = i;
  }
  std::vector<runtime::PacketResult> res(pkts.size());
  size_t ok = 0;
  uint64_t traffic_ns = 0;
  {
    auto q = rt->open_queue();
    const uint64_t t0 = wall_ns();
    size_t sent = 0, got = 0;
    while (got < pkts.size()) {
      if (sent < pkts.size()) sent += q->submit(pkts.data() + sent, pkts.size() - sent);
      if (sent == pkts.size()) q->flush();
      got += q->poll(res.data() + got, res.size() - got, -1);
    }
    traffic_ns = wall_ns() - t0;
  }
  for (size_t i = 0; i < res.size(); ++i) {
    if (res[i].user != i) throw std::runtime_error("scale table: results out of order");
    if (res[i].status.ok() && res[i].sa == pkts[i].sa) ++ok;
  }
  if (ok != res.size()) {
    throw std::runtime_error("scale table: " + std::to_string(res.size() - ok) + " of " + std::to_string(res.size()) +
                             " ENCRYPTs through SAs spread over the table failed");
  }

  // The card memory the layout takes (SA table, state lines, replay rings).
  // The SPI table is the card's own (set by SPI_SET commands), not in card
  // memory: its size from the kernel argument read back after the runs.
  const uint64_t sa_table = uint64_t(n) * spec::sa_entry::SIZE;
  const uint64_t state_lines = uint64_t(n) * spec::sa_state::SIZE;
  const uint32_t spi_log2 = rt->device(0).read_reg(spec::arg::OFFSET[spec::arg::SPI_BUCKETS_LOG2]);
  const uint64_t spi = (uint64_t(1) << spi_log2) * spec::spi_bucket::SIZE;
  const uint64_t layout = sa_table + state_lines + replay;
  const double host_per_sa = (double(rss2) - double(rss0) - double(layout)) / double(n);
  const double fill_growth = (double(rss2) - double(rss1)) / double(n);
  const double rate = double(n) / fill_t.cpu_s, ref_rate = double(n_ref) / ref_t.cpu_s;

  out << "\nSA table at scale: " << n << " SAs (half inbound, window " << kWindow << "; half outbound) on one card ("
      << o.backend << "), add_sas in chunks of " << chunk << ", process CPU time (wall time for context);\n"
      << "ratio = SAs/s against a fill of " << n_ref << " SAs (same chunks) measured in the same run;"
      << " memory = VmRSS of this process (swemu's card memory is in it)\n";
  out << fmt("%-44s %14s\n", "", "value");
  out << std::string(60, '-') << "\n";
  auto row = [&](const char* what, const std::string& v) { out << fmt("%-44s %14s\n", what, v.c_str()); };
  row("fill CPU time (s)", fmt("%.3f", fill_t.cpu_s));
  row("fill wall time (s)", fmt("%.3f", fill_t.wall_s));
  row("fill SAs/s", fmt("%.0f", rate));
  row("reference: 10k-SA fill SAs/s", fmt("%.0f", ref_rate));
  row("ratio full table / 10k", fmt("%.3f", rate / ref_rate));
  row("VmRSS before the runtime opened (MiB)", fmt("%.1f", mib(rss0)));
  row("VmRSS after it opened (MiB)", fmt("%.1f", mib(rss1)));
  row("VmRSS after the fill (MiB)", fmt("%.1f", mib(rss2)));
  row("card memory: SA table (MiB)", fmt("%.1f", mib(sa_table)));
  row("card memory: state lines (MiB)", fmt("%.1f", mib(state_lines)));
  row("card memory: replay region (MiB)", fmt("%.1f", mib(replay)));
  row("card's own SPI table (MiB, not card memory)", fmt("%.1f", mib(spi)));
  row("card memory: layout total (MiB)", fmt("%.1f", mib(layout)));
  row("card memory per SA (B)", fmt("%.1f", double(layout) / double(n)));
  row("host memory per SA beyond card memory (B)", fmt("%.1f", host_per_sa));
  row("VmRSS growth during the fill per SA (B)", fmt("%.1f", fill_growth));
  row("traffic: ENCRYPT packets through spread SAs", fmt("%zu", pkts.size()));
  row("traffic: SAs used (spread over the table)", fmt("%u", spread));
  row("traffic: status OK", fmt("%zu", ok));
  row("traffic: wall us/packet (incl. batching)", fmt("%.2f", double(traffic_ns) / 1e3 / double(pkts.size())));

  return nlohmann::json{{"table", "sa_scale"},
                        {"backend", o.backend},
                        {"sas", n},
                        {"chunk", chunk},
                        {"window_bits", kWindow},
                        {"fill_cpu_seconds", fill_t.cpu_s},
                        {"fill_wall_seconds", fill_t.wall_s},
                        {"fill_sas_per_s", rate},
                        {"reference_sas", n_ref},
                        {"reference_sas_per_s", ref_rate},
                        {"ratio_vs_reference", rate / ref_rate},
                        {"rss_before_open_bytes", rss0},
                        {"rss_after_open_bytes", rss1},
                        {"rss_after_fill_bytes", rss2},
                        {"card_sa_table_bytes", sa_table},
                        {"card_state_lines_bytes", state_lines},
                        {"card_replay_bytes", replay},
                        {"card_own_spi_table_bytes", spi},
                        {"card_layout_bytes", layout},
                        {"host_bytes_per_sa_beyond_card", host_per_sa},
                        {"rss_growth_per_sa_during_fill", fill_growth},
                        {"traffic_packets", pkts.size()},
                        {"traffic_sas", spread},
                        {"traffic_ok", ok}};
}

}  // namespace esp::bench
