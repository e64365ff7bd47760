// What tests (and only tests) reach inside a Runtime for: a card's Engine
// (with EngineAccess: its layout, or wiping its memory as a reset would).
// Not part of the public API (target esp_runtime_internal).
#pragma once

#include <cstdint>

#include "esp/runtime/engine.hpp"
#include "esp/runtime/runtime.hpp"

namespace esp::runtime::detail {

struct RuntimeAccess {
  static Engine& engine(Runtime& rt, uint32_t card);
};

}  // namespace esp::runtime::detail
