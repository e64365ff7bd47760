// What tests (and only tests) reach inside an Engine for: its device and the
// card-memory layout it built, to read and write card memory behind its back
// or to run raw descriptors. Not part of the public API (link the CMake
// target esp_runtime_internal).
#pragma once

#include "esp/driver/device.hpp"
#include "esp/runtime/detail/batch_codec.hpp"
#include "esp/runtime/engine.hpp"

namespace esp::runtime::detail {

struct EngineAccess {
  static driver::Device& device(Engine& e);
  static const CardLayout& layout(const Engine& e);
  // Zeroes the card's SA table, SPI table, replay region and counters, as a
  // card reset would, between two kernel runs (under the card lock).
  static void wipe_card(Engine& e);
};

}  // namespace esp::runtime::detail
