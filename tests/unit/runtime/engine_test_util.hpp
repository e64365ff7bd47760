// Shared helpers of the Engine tests (swemu backend).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "esp/driver/device.hpp"
#include "esp/runtime/detail/engine_access.hpp"
#include "esp/runtime/engine.hpp"
#include "model_card.hpp"

namespace esp::runtime::test {

inline std::unique_ptr<Engine> make_engine(uint32_t sa_capacity = 4096, uint32_t max_batch = 256,
                                           uint64_t replay_bytes = 0) {
  driver::DeviceOptions d;
  d.backend = "swemu";
  d.card_memory_bytes = 256ull << 20;
  EngineOptions o;
  o.sa_capacity = sa_capacity;
  o.max_batch_packets = max_batch;
  o.replay_region_bytes = replay_bytes;
  return std::make_unique<Engine>(driver::open_device(d), o);
}

inline SaConfig sa_config(uint32_t spi, Direction dir, unsigned key_bytes = 16) {
  SaConfig c;
  c.spi = spi;
  c.direction = dir;
  c.mode = spec::Mode::TUNNEL;
  c.key.resize(key_bytes);
  for (unsigned i = 0; i < key_bytes; ++i) c.key[i] = static_cast<uint8_t>(0x11 * (i + 1) + spi);
  c.salt = {0xca, 0xfe, 0xba, 0xbe};
  c.tun_src = IpAddr::parse("192.0.2.1");
  c.tun_dst = IpAddr::parse("192.0.2.2");
  return c;
}

// The Engine's device and card-memory layout (tests only).
inline driver::Device& device_of(Engine& eng) { return detail::EngineAccess::device(eng); }
inline const detail::CardLayout& layout_of(const Engine& eng) { return detail::EngineAccess::layout(eng); }

// The SA entry of a slot as the card holds it.
inline std::vector<uint8_t> read_entry(Engine& eng, uint32_t index) {
  std::vector<uint8_t> img(spec::sa_entry::SIZE);
  device_of(eng).read(layout_of(eng).sa_table, uint64_t(index) * spec::sa_entry::SIZE, img.data(), img.size());
  return img;
}

// An Engine on ModelCard (model_card.hpp): swemu's card memory, the
// contract-1.0 ring and card tables modelled (for SA-table tests).
inline std::unique_ptr<Engine> make_model_engine(uint32_t sa_capacity = 4096, uint32_t max_batch = 256,
                                                 uint64_t replay_bytes = 0) {
  EngineOptions o;
  o.sa_capacity = sa_capacity;
  o.max_batch_packets = max_batch;
  o.replay_region_bytes = replay_bytes;
  return std::make_unique<Engine>(open_model_card(), o);
}

inline ModelCard& model_of(Engine& eng) {
  auto* m = dynamic_cast<ModelCard*>(&device_of(eng));
  if (!m) throw std::logic_error("not an engine on ModelCard");
  return *m;
}

// The card's SPI lookup (CONTRACT.md DECRYPT 4) in the model card's own
// table, once the queued commands have run: sa_ref, 0 when absent.
inline uint32_t card_spi_lookup(Engine& eng, uint32_t spi) {
  detail::EngineAccess::flush_commands(eng);
  return model_of(eng).lookup(spi, layout_of(eng).spi_buckets_log2);
}

}  // namespace esp::runtime::test
