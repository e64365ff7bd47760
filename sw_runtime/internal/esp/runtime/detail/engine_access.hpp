// What tests (and only tests) reach inside an Engine for: its device and the
// card-memory layout it built, to read and write card memory behind its back
// or to run raw descriptors. Not part of the public API (link the CMake
// target esp_runtime_internal).
#pragma once

#include "esp/driver/device.hpp"
#include <vector>

#include "esp/runtime/detail/batch_codec.hpp"
#include "esp/runtime/engine.hpp"

namespace esp::runtime::detail {

struct EngineAccess {
  static driver::Device& device(Engine& e);
  static const CardLayout& layout(const Engine& e);
  // A card that is reset and loses its memory, between two kernel runs
  // (under the card lock): the kernel is reset (Device::reset_kernel: its own
  // tables and on-chip SA state emptied) and the card memory's SA table,
  // state lines and replay region are zeroed; reprogram() then installs
  // everything again.
  static void wipe_card(Engine& e);
  // Runs n raw descriptors (their input packets already in layout().pkt_in)
  // through the engine's ring after its queued commands, in as many runs
  // as the ring needs, their completions into out; no host shadow update
  // (the equivalence harness). Throws driver::DeviceError as a run does.
  static void run_descriptors(Engine& e, const Descriptor* d, size_t n, Completion* out);
  // Queues SA_INSTALL of slot `index` (KEEP_STATE or not): after a test
  // wrote an SA's entry, state line or replay ring in card memory behind
  // the engine's back, the card loads them at the next run (CONTRACT.md
  // "The card's own state"). The host shadow is not changed.
  static void queue_install(Engine& e, uint32_t index, bool keep_state);
  // Runs the queued commands now (command-only runs).
  static void flush_commands(Engine& e);
  // STATE_SYNC of every changed SA now when the card may hold some (its runs
  // end with STOP KEEP_STATE): card memory then has every state line and
  // replay entry, for a test that reads them behind the engine's back.
  static void sync_state(Engine& e);
  // The commands queued for the next run, oldest first.
  static std::vector<Command> queued_commands(const Engine& e);
  // The ring index the next run starts at.
  static uint32_t ring_next(const Engine& e);
};

}  // namespace esp::runtime::detail
