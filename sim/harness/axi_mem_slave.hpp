// AXI4 memory slave over the emulated card memory, for the m_axi port of
// esp_engine (512-bit data, 64-bit address).
//
// Each cycle: drive() gives the slave's outputs (they depend only on the
// slave's state and its random stream, never combinationally on the master),
// then edge() samples the master at the rising edge and performs the
// handshakes. Reads return data `read_latency` cycles after the AR handshake,
// write responses come `write_latency` cycles after the last W beat.
//
// Ordering is as weak as AXI allows between the read and the write channels:
// a read burst takes its data from card memory when its address is accepted,
// and a write burst's data becomes visible only when its B response is
// handed over. So a master that reads what it wrote before the write's
// response arrived, or that reports done before all of its responses are
// in, sees stale memory here as it could on a card. With
// `backpressure` p > 0, every ready is withheld, and every valid not yet
// raised is delayed, with probability p per cycle (seeded: replayable).
// Valid signals, once raised, stay up until their handshake (AXI rule).
// Up to `max_outstanding` read bursts (AR to their last R) and as many write
// bursts (AW to B) are in flight, each: AR / AW are not ready beyond that.
// R gives one beat per cycle, in AR order; B in AW order.
//
// Bursts: INCR and FIXED, any size up to 64 bytes, up to 256 beats; a burst
// that crosses 4 KiB, WRAP, a wlast in the wrong place, or an address outside
// every card buffer is recorded as an error (and answered DECERR/SLVERR).
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "axi_types.hpp"
#include "card_memory.hpp"

namespace esp::sim {

struct MemTiming {
  unsigned read_latency = 16;   // cycles from AR handshake to the first R beat
  unsigned write_latency = 8;   // cycles from the last W beat to B
  unsigned max_outstanding = 64; // read bursts and write bursts in flight (AR to last R, AW to B), each
  double backpressure = 0.0;    // probability of withholding a ready / delaying a valid
};

class AxiMemSlave {
 public:
  AxiMemSlave(CardMemory& mem, const MemTiming& t, uint64_t seed) : mem_(mem), t_(t), rng_(seed) {}

  const AxiSlaveOut& drive(uint64_t cycle);
  void edge(const AxiMasterOut& m, uint64_t cycle);

  // Errors seen (protocol or decode), oldest first; cleared by take_errors().
  const std::vector<std::string>& errors() const { return errors_; }
  std::vector<std::string> take_errors() { return std::move(errors_); }

  bool quiet() const { return rd_.empty() && aw_.empty() && b_.empty(); }
  uint64_t beats_read() const { return beats_read_; }
  uint64_t beats_written() const { return beats_written_; }
  // The most read bursts (AR accepted, last R not yet taken) and write bursts
  // (AW accepted, B not yet taken) that were in flight at once.
  size_t peak_reads() const { return peak_reads_; }
  size_t peak_writes() const { return peak_writes_; }

  // Read bursts that start in the card-address range [lo, hi) (a test's
  // view of one client: input packets, the descriptor ring): how many are
  // in flight now (AR accepted, last R not yet taken), the most at once,
  // and the bytes their ARs asked for. watch() returns the range's id.
  struct ReadWatch {
    uint64_t lo = 0, hi = 0;
    size_t in_flight = 0, peak = 0;
    uint64_t bytes = 0;
  };
  size_t watch(uint64_t lo, uint64_t hi) {
    watches_.push_back(ReadWatch{lo, hi});
    return watches_.size() - 1;
  }
  const ReadWatch& watched(size_t id) const { return watches_.at(id); }

 private:
  struct Burst {
    uint64_t addr;
    unsigned len;  // beats - 1
    unsigned size; // log2 bytes per beat
    unsigned burst;
    unsigned beat = 0;
    uint64_t ready_at = 0;
    int watch = -1;  // the read watch whose range it starts in
    bool error = false;
    // read: the data of every beat, taken at the AR handshake (empty where a
    // beat is outside every card buffer); write: the accepted beats, applied
    // at the B handshake
    std::vector<std::vector<uint8_t>> rdata{};
    struct WBeat {
      uint64_t window;
      uint64_t strb;
      uint8_t data[kAxiDataBytes];
    };
    std::vector<WBeat> wbeats{};
  };
  struct Resp {
    uint64_t ready_at;
    uint8_t resp;
    std::vector<Burst::WBeat> wbeats;
  };

  bool stall();
  uint64_t beat_addr(const Burst& b) const { return beat_addr(b, b.beat); }
  uint64_t beat_addr(const Burst& b, unsigned beat) const;
  bool check_burst(Burst& b, const char* dir);
  void error(const std::string& what);

  CardMemory& mem_;
  MemTiming t_;
  std::mt19937_64 rng_;
  std::bernoulli_distribution coin_{0.0};
  AxiSlaveOut out_;
  std::deque<Burst> rd_;
  std::deque<Burst> aw_;
  std::deque<Resp> b_;
  bool w_burst_error_ = false;
  std::vector<std::string> errors_;
  uint64_t beats_read_ = 0, beats_written_ = 0;
  size_t peak_reads_ = 0, peak_writes_ = 0;
  std::vector<ReadWatch> watches_;
};

}  // namespace esp::sim
