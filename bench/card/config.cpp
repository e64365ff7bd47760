#include "card/config.hpp"

#include <algorithm>

namespace esp::card_bench {

unsigned batch_for(unsigned size, const Config& cfg) {
  unsigned b = size <= 64 ? 4096 : size <= 576 ? 2048 : size <= 1500 ? 1024 : 256;
  return std::max(2u, b / cfg.batch_div);
}

}  // namespace esp::card_bench
