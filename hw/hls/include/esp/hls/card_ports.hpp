// esp_engine building block: what one run works on, bundled: the card-memory
// ports of the SA table, the state lines, the replay rings and the packets,
// the run's table sizes, and the card's own state (engine_state.hpp).
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/engine_state.hpp"
#include "esp/hls/types.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

struct CardPorts {
  ctl_word_t* sa_table;
  ctl_word_t* sa_state;
  ctl_word_t* replay;
  const pkt_word_t* pkt_in;
  pkt_word_t* pkt_out;
  unsigned sa_capacity;
  unsigned spi_log2;
  EngineState* state;
};

}  // namespace hls
}  // namespace esp
ESP_HLS_END
