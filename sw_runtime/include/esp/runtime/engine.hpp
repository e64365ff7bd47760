// The host's view of one esp_engine card: its card-memory layout, the SA table
// (slots, generations, SPI lookup), and packet batches.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/driver/device.hpp"
#include "esp/runtime/sa_config.hpp"

namespace esp::runtime {

// The SA table has no free slot, or the SPI table cannot place the SPI.
class SaTableFull : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A handle on an installed SA. A handle whose slot has since been deleted or
// reused (different generation) is rejected.
struct SaHandle {
  uint32_t index = 0;
  uint32_t generation = 0;
};

struct SaCounters {
  uint64_t packets = 0, bytes = 0, auth_fail = 0, replay = 0, bad_packet = 0, soft_events = 0, hard_events = 0;
};

struct EngineOptions {
  uint32_t sa_capacity = 4096;       // SA table entries
  uint32_t max_batch_packets = 256;  // descriptors per kernel run
  uint64_t replay_region_bytes = 0;  // 0 = enough for sa_capacity SAs at DEFAULT_WINDOW_BITS
};

// One packet for the card.
struct Request {
  spec::Opcode op = spec::Opcode::ENCRYPT;
  SaHandle sa;                 // ENCRYPT: the SA; DECRYPT: ignored (SPI lookup)
  std::vector<uint8_t> data;   // an IP packet (ENCRYPT: the plaintext packet; DECRYPT: the ESP packet)
};

// Its outcome: every request gets one, in order.
struct Result {
  spec::Status status = spec::Status::OK;
  bool soft_expired = false;
  uint32_t sa_index = 0xFFFFFFFFu;
  uint32_t spi = 0;
  uint64_t seq = 0;
  std::vector<uint8_t> data;   // the output packet when status is OK
};

class Engine {
 public:
  Engine(std::unique_ptr<driver::Device> dev, const EngineOptions& opts = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  driver::Device& device() { return *dev_; }
  const EngineOptions& options() const { return opts_; }

  // Installs an SA; throws std::invalid_argument (bad config), SaTableFull,
  // or std::runtime_error (inbound SPI already installed).
  SaHandle add_sa(const SaConfig& cfg);
  // Removes an SA and wipes its key material in card memory.
  void delete_sa(SaHandle h);
  SaCounters counters(SaHandle h);
  size_t sa_count() const;

  // Runs the requests through the card, in kernel runs of at most
  // max_batch_packets, and returns one Result per request, in order.
  std::vector<Result> process(const std::vector<Request>& reqs);

 private:
  struct Impl;
  std::unique_ptr<driver::Device> dev_;
  EngineOptions opts_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace esp::runtime
