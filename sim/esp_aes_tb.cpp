// esp-offload: Verilator testbench of esp_aes_pipe and its in-pipe key
// expansion (through sim/esp_aes_tb_top.sv) against OpenSSL's AES-ECB.
//
// One long stream of two-block beats with random source gaps and random
// out_ready back-pressure (the pipe's stall path, which esp_gcm_core does not
// use), while keys (AES-128/256 at random; the card has no AES-192; klen
// codes 1 and 3, reserved, as AES-128 / AES-256 half of the time) are swapped
// under the running stream, so that beats of different keys and key sizes follow each other
// inside the pipe: every block must come out encrypted with the key that was
// latched when it was accepted, in order, with its tag.
// Then a full-rate phase checks one beat per cycle.
//
// usage: esp_aes_tb [--seed N] [--beats N]; the seed is printed first
// (ESP_SIM_SEED=<n> replays a run).

#include <openssl/evp.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "Vesp_aes_tb_top.h"
#include "verilated.h"
#include "tb_util.hpp"

namespace {

namespace tb = esp::tb;

using tb::Bytes;
using tb::aes_ecb;
using tb::get_be;
using tb::hex;
using tb::put_be;

struct Pending {
  Bytes in;   // 32 bytes: lane 1 block then lane 0 block (as on the bus, big-endian)
  unsigned gen;
};

class Sim {
 public:
  explicit Sim(uint64_t seed) : rng_(seed) {
    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->randReset(2);
    ctx_->randSeed(static_cast<int>(seed & 0x7fffffff));
    top_ = std::make_unique<Vesp_aes_tb_top>(ctx_.get(), "top");
    top_->rst_ni = 0;
    top_->key_valid_i = 0;
    top_->in_valid_i = 0;
    top_->out_ready_i = 1;
    for (int i = 0; i < 4; ++i) tick();
    top_->rst_ni = 1;
    tick();
  }
  ~Sim() { top_->final(); }
  unsigned installs() const { return gen_; }

  // Streams `beats` beats; a new key is expanded and swapped in every
  // ~key_every cycles. Returns the number of cycles.
  uint64_t run(size_t beats, double src_idle, double sink_stall, unsigned key_every, size_t* checked) {
    std::uniform_real_distribution<double> u(0, 1);
    size_t sent = 0, got = 0;
    bool offering = false, key_req = false;
    Bytes cur(32);
    std::deque<Pending> inflight;
    const uint64_t start = cycle_;
    uint64_t next_key = cycle_ + (key_every ? rng_() % key_every : ~0ULL);
    while (got < beats) {
      if (cycle_ - start > 100 * beats + 10000) throw std::runtime_error("pipe hangs");
      // key changes under the running stream
      if (!key_req && key_every && cycle_ >= next_key) {
        Bytes k(32);
        for (auto& x : k) x = static_cast<uint8_t>(rng_());
        const size_t kb = (rng_() & 1) ? 32 : 16;
        // bytes past the key stay random: the pipe must ignore them
        pending_key_ = Bytes(k.begin(), k.begin() + static_cast<long>(kb));
        put_be(top_->key_i, k.data(), 32);
        top_->klen_i = static_cast<uint8_t>(tb::klen_of(kb) | (rng_() & 1));  // 0/1: AES-128, 2/3: AES-256
        key_req = true;
        next_key = cycle_ + 1 + rng_() % key_every;
      }
      top_->key_valid_i = key_req;
      if (!offering && sent < beats && !(u(rng_) < src_idle)) {
        offering = true;
        for (auto& x : cur) x = static_cast<uint8_t>(rng_());
        put_be(top_->in_block_i, cur.data(), 32);
        top_->in_tag_i = static_cast<uint32_t>(sent);
      }
      top_->in_valid_i = offering;
      top_->out_ready_i = !(u(rng_) < sink_stall);
      top_->clk_i = 0;
      top_->eval();
      const bool in_fire = top_->in_valid_i && top_->in_ready_o;
      const bool out_fire = top_->out_valid_o && top_->out_ready_i;
      const bool key_fire = top_->key_valid_i && top_->key_ready_o;
      if (in_fire) inflight.push_back({cur, top_->key_gen_o});
      if (out_fire) {
        if (inflight.empty()) throw std::runtime_error("output without input");
        const Pending p = inflight.front();
        inflight.pop_front();
        if (top_->out_tag_o != static_cast<uint32_t>(got)) throw std::runtime_error("tag out of order");
        const Bytes& key = keys_.at(p.gen);
        const Bytes want = aes_ecb(key, p.in);
        const Bytes have = get_be(top_->out_block_o, 32);
        if (have != want) {
          std::printf("FAIL beat %zu (AES-%zu key gen %u)\n  in   %s\n  got  %s\n  want %s\n", got, key.size() * 8,
                      p.gen, hex(p.in).c_str(), hex(have).c_str(), hex(want).c_str());
          throw std::runtime_error("wrong ciphertext");
        }
        ++got;
      }
      top_->clk_i = 1;
      top_->eval();
      ++cycle_;
      if (in_fire) {
        offering = false;
        ++sent;
      }
      if (key_fire) {
        key_req = false;
        expanding_.push_back(pending_key_);
      }
      note_new_key();
    }
    const uint64_t cycles = cycle_ - start;
    top_->in_valid_i = 0;
    top_->key_valid_i = 0;
    // let a key expansion still under way finish
    for (int i = 0; i < 40; ++i) {
      tick();
      note_new_key();
    }
    if (!expanding_.empty()) throw std::runtime_error("key expansion does not finish");
    *checked += got;
    return cycles;
  }

  void install(const Bytes& key) {
    Bytes k(32, 0);
    std::memcpy(k.data(), key.data(), key.size());
    put_be(top_->key_i, k.data(), 32);
    top_->klen_i = tb::klen_of(key.size());
    top_->key_valid_i = 1;
    for (int guard = 0;; ++guard) {
      if (guard > 100) throw std::runtime_error("key expansion does not start");
      top_->clk_i = 0;
      top_->eval();
      const bool fire = top_->key_ready_o;
      top_->clk_i = 1;
      top_->eval();
      ++cycle_;
      if (fire) break;
    }
    top_->key_valid_i = 0;
    expanding_.push_back(key);
    for (int guard = 0; !expanding_.empty(); ++guard) {
      if (guard > 100) throw std::runtime_error("key expansion does not finish");
      tick();
      note_new_key();
    }
  }

 private:
  // The key latched in the top changed: it is the oldest one being expanded.
  void note_new_key() {
    if (top_->key_gen_o == static_cast<uint8_t>(gen_)) return;
    if (expanding_.empty()) throw std::runtime_error("a key was latched that nobody installed");
    ++gen_;
    keys_[top_->key_gen_o] = expanding_.front();
    expanding_.pop_front();
  }

  void tick() {
    top_->clk_i = 0;
    top_->eval();
    top_->clk_i = 1;
    top_->eval();
    ++cycle_;
  }

  std::mt19937_64 rng_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_aes_tb_top> top_;
  uint64_t cycle_ = 0;
  unsigned gen_ = 0;  // installs seen (mod 256 in key_gen_o)
  std::map<unsigned, Bytes> keys_;
  Bytes pending_key_;               // offered on key_i, not yet accepted
  std::deque<Bytes> expanding_;     // accepted, not yet latched
};

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = std::random_device{}();
  if (const char* e = std::getenv("ESP_SIM_SEED")) seed = std::strtoull(e, nullptr, 0);
  size_t beats = 20000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 0);
    else if (a == "--beats" && i + 1 < argc) beats = std::strtoull(argv[++i], nullptr, 0);
    else {
      std::fprintf(stderr, "usage: %s [--seed N] [--beats N]\n", argv[0]);
      return 2;
    }
  }
  std::printf("esp_aes_tb: seed %" PRIu64 " (replay: ESP_SIM_SEED=%" PRIu64 ")\n", seed, seed);
  std::fflush(stdout);
  try {
    Sim sim(seed);
    std::mt19937_64 rng(seed ^ 0xae5ULL);
    Bytes k(16);
    for (auto& x : k) x = static_cast<uint8_t>(rng());
    sim.install(k);
    size_t checked = 0;
    const struct {
      double idle, stall;
      unsigned key_every;
    } phases[] = {{0.0, 0.0, 0}, {0.3, 0.3, 200}, {0.1, 0.7, 60}, {0.6, 0.1, 35}, {0.0, 0.5, 100}};
    for (const auto& ph : phases) {
      const uint64_t cyc = sim.run(beats / 5, ph.idle, ph.stall, ph.key_every, &checked);
      std::printf("src idle %.1f, sink stall %.1f, key swap every ~%u cycles: %zu beats in %" PRIu64 " cycles\n",
                  ph.idle, ph.stall, ph.key_every, beats / 5, cyc);
    }
    // full rate: no gaps, no back-pressure -> one beat per cycle after the fill
    const uint64_t cyc = sim.run(1000, 0, 0, 0, &checked);
    std::printf("full rate: 1000 beats in %" PRIu64 " cycles (1000 + 15 cycles of pipeline fill)\n", cyc);
    if (cyc != 1000 + 15) {
      std::printf("FAIL: expected %d cycles\n", 1000 + 15);
      return 1;
    }
    std::printf("PASSED: %zu beats (%zu blocks) checked against OpenSSL AES-ECB, %u keys installed "
                "(seed %" PRIu64 ")\n", checked, 2 * checked, sim.installs(), seed);
  } catch (const std::exception& e) {
    std::printf("FAIL: %s (seed %" PRIu64 ")\n", e.what(), seed);
    return 1;
  }
  return 0;
}
