#include "card/population.hpp"

#include "esp/driver/cosim.hpp"
#include "esp/runtime/detail/engine_access.hpp"

namespace esp::card_bench {

namespace {

using runtime::Direction;
using runtime::SaConfig;

SaConfig make_sa(uint32_t j, Direction dir, unsigned key_bytes) {
  SaConfig c;
  c.spi = (dir == Direction::Outbound ? 0x01000000u : 0x02000000u) + j;
  c.direction = dir;
  c.mode = spec::Mode::TUNNEL;
  c.key.resize(key_bytes);
  for (unsigned i = 0; i < key_bytes; ++i) c.key[i] = static_cast<uint8_t>(0x11 * (i + 1) ^ (j >> (8 * (i % 4))));
  c.salt = {0xca, 0xfe, static_cast<uint8_t>(j >> 8), static_cast<uint8_t>(j)};
  c.tun_src = runtime::IpAddr::parse("192.0.2.1");
  c.tun_dst = runtime::IpAddr::parse("192.0.2.2");
  c.window_bits = spec::DEFAULT_WINDOW_BITS;
  return c;
}

}  // namespace

std::unique_ptr<Population> make_population(uint32_t n, const Config& cfg, unsigned max_batch, bool decrypt,
                                            double backpressure, bool swemu_card) {
  auto p = std::make_unique<Population>();
  p->n = n;
  p->backpressure = backpressure;
  driver::CosimOptions co;
  co.backpressure = backpressure;
  co.read_latency = cfg.read_latency;
  co.write_latency = cfg.write_latency;
  co.seed = 1;
  co.max_run_cycles = 2'000'000'000ull;
  co.print_seed = false;
  runtime::EngineOptions eo;
  eo.sa_capacity = n;
  eo.max_batch_packets = max_batch;
  runtime::EngineOptions so = eo;
  so.sa_capacity = 2 * n;
  driver::DeviceOptions dopt;
  dopt.backend = "cosim";
  std::unique_ptr<driver::Device> dev = swemu_card ? driver::open_device({}) : driver::open_cosim_device(dopt, co);
  p->cosim_dev = dev.get();
  p->cosim = std::make_unique<runtime::Engine>(std::move(dev), eo);
  p->swemu = std::make_unique<runtime::Engine>(driver::open_device({}), so);
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
  runtime::detail::EngineAccess::flush_commands(*p->cosim);
  runtime::detail::EngineAccess::flush_commands(*p->swemu);
  return p;
}

}  // namespace esp::card_bench
