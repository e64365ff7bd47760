// placeholder: the esp_engine top is being written (see hw/spec/CONTRACT.md)
#include "esp/hls/esp_engine.hpp"
