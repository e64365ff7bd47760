// esp-card-bench: one SA population on one cosim card and its swemu mirror.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "card/config.hpp"
#include "esp/driver/device.hpp"
#include "esp/runtime/engine.hpp"

namespace esp::card_bench {

// O_j outbound on both cards (the swemu copy is the bit-exact mirror of
// encrypt), I_j inbound on the cosim card, G_j on swemu the outbound twin of
// I_j (it makes the ESP packets the cosim card decrypts). The cosim card
// holds one direction's n SAs (the RTL's MAX_SAS is 65536: 65536 SAs of each
// direction do not fit one card): I_j for decrypt and for the plumbing
// encrypt (ENCRYPT on an inbound SA), else O_j; the other handles stay empty.
struct Population {
  uint32_t n = 0;
  double backpressure = 0;  // the cosim card's memory model
  std::unique_ptr<runtime::Engine> cosim, swemu;
  driver::Device* cosim_dev = nullptr;  // the cosim Engine's device (it owns it)
  std::vector<runtime::SaHandle> out_c, in_c, out_s, gen_s;
  uint32_t seed_counter = 1;
};

// n SAs; the cosim card's memory with `backpressure` (the harness's seed is
// fixed, so a run is replayable). swemu_card: a swemu card in the cosim
// card's place (--selftest).
std::unique_ptr<Population> make_population(uint32_t n, const Config& cfg, unsigned max_batch, bool decrypt,
                                            double backpressure, bool swemu_card = false);

}  // namespace esp::card_bench
