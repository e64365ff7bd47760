// esp_offload: the pieces of the module definition, one function per file
// (esp_offload.cpp: the module, its enums, Sa, Result, Event and exceptions;
// card_py.cpp: the Card class).
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>

#include "convert.hpp"

namespace esp::python {

// The value behind esp_offload.Status: a runtime::Status's 16-bit value (one
// of the spec's statuses or host statuses; the enum's members are generated
// from the spec's lists).
enum class StatusCode : uint16_t {};

// One packet's outcome as Python sees it (esp_offload.Result).
struct Result {
  StatusCode status{};
  bool soft_expired = false;
  py::object data;  // bytes (OK; BYPASS: the input as it is) or None
  py::object sa;    // esp_offload.Sa or None
  uint32_t spi = 0;
  uint64_t seq = 0;
  uint64_t policy = 0;
};

void bind_card(py::module_& m);

}  // namespace esp::python
