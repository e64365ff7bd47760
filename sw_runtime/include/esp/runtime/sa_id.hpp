// The runtime-wide name of an installed SA: which card holds it, its slot in
// that card's SA table and the slot's generation at install. An id whose slot
// has since been deleted or reused (another generation) names no SA; a
// default-constructed id (generation 0) never does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace esp::runtime {

struct SaId {
  uint32_t card = 0;
  uint32_t index = 0;
  uint32_t generation = 0;  // 0 = no SA

  bool valid() const { return generation != 0; }
  bool operator==(const SaId& o) const { return card == o.card && index == o.index && generation == o.generation; }
  bool operator!=(const SaId& o) const { return !(*this == o); }
};

// A policy in the SPD; 0 = none.
using PolicyId = uint64_t;

}  // namespace esp::runtime

template <>
struct std::hash<esp::runtime::SaId> {
  size_t operator()(const esp::runtime::SaId& s) const noexcept {
    uint64_t v = (uint64_t(s.card) << 52) ^ (uint64_t(s.index) << 20) ^ s.generation;
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdull;
    v ^= v >> 33;
    return size_t(v);
  }
};
