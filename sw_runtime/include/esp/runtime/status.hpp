// A packet's outcome in the runtime: one of the card's statuses
// (spec::Status, read from its completion) or one the host decides
// (spec::HostStatus: the packet never reached the card, or failed a host check
// after it). Both enums come from hw/spec/esp_spec.yaml; their values do not
// overlap, so one 16-bit value names either.
#pragma once

#include <cstdint>
#include <string>

#include "esp/spec/esp_spec.hpp"

namespace esp::runtime {

class Status {
 public:
  constexpr Status() = default;  // OK
  constexpr Status(spec::Status s) : v_(static_cast<uint16_t>(s)) {}      // NOLINT: implicit by design
  constexpr Status(spec::HostStatus s) : v_(static_cast<uint16_t>(s)) {}  // NOLINT: implicit by design

  constexpr uint16_t value() const { return v_; }
  constexpr bool ok() const { return v_ == static_cast<uint16_t>(spec::Status::OK); }
  constexpr bool from_host() const { return v_ >= static_cast<uint16_t>(spec::kHostStatusAll[0]); }

  // "OK", "REPLAY", "TS_MISMATCH", ...; "?" for a value neither enum has.
  const char* name() const;
  // The spec's one-line description.
  const char* doc() const;
  // The Status of a raw value; false when neither enum has it.
  static bool from_value(uint16_t v, Status& out);

  friend constexpr bool operator==(Status a, Status b) { return a.v_ == b.v_; }
  friend constexpr bool operator!=(Status a, Status b) { return a.v_ != b.v_; }

 private:
  uint16_t v_ = 0;
};

static_assert(static_cast<unsigned>(spec::kHostStatusAll[0]) > spec::STATUS_MAX,
              "host statuses must lie above every card status");

}  // namespace esp::runtime
