// esp_offload: conversions between Python values and the runtime's types
// (SA configurations from keyword arguments, SA and policy descriptions as
// dicts, buffers, the SA handle the module hands out).
//
// Threading: every function here touches Python objects and must be called
// with the GIL held.
#pragma once

#include <Python.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

#include "esp/runtime/runtime.hpp"

namespace esp::python {

namespace py = pybind11;

// The Python `Sa` handle: the runtime's SaId plus what a user wants to see
// (its SPI and direction). Equality and hash are the SaId's.
struct Sa {
  runtime::SaId id;
  uint32_t spi = 0;
  runtime::Direction dir = runtime::Direction::Outbound;
};

// A contiguous read-only view of a buffer-protocol object (bytes, bytearray,
// memoryview, numpy arrays). Holds the buffer until destroyed, which must
// happen with the GIL held.
class BufferView {
 public:
  BufferView() = default;
  BufferView(PyObject* obj, const char* what);
  ~BufferView();
  BufferView(BufferView&& o) noexcept;
  BufferView& operator=(BufferView&&) = delete;
  BufferView(const BufferView&) = delete;
  BufferView& operator=(const BufferView&) = delete;

  const uint8_t* data() const { return static_cast<const uint8_t*>(view_.buf); }
  size_t size() const { return static_cast<size_t>(view_.len); }

 private:
  Py_buffer view_{};
  bool held_ = false;
};

// The bytes of a buffer-protocol object (copied).
std::vector<uint8_t> to_bytes(const py::handle& obj, const char* what);

// An address from its text ("192.0.2.1", "2001:db8::1"); ValueError naming `what`.
runtime::IpAddr parse_addr(const py::handle& v, const char* what);

// "in"/"inbound" -> Inbound, "out"/"outbound" -> Outbound; else ValueError.
runtime::Direction parse_direction(const std::string& s);
const char* direction_str(runtime::Direction d);  // "in" / "out"
spec::Mode parse_mode(const std::string& s);       // "tunnel" / "transport"
const char* mode_str(spec::Mode m);
runtime::PolicyAction parse_action(const std::string& s);  // "protect" / "bypass" / "discard"
const char* action_str(runtime::PolicyAction a);

// An SaConfig from add_sa's keyword arguments (the names of Card.add_sa's
// docstring). Unknown keywords, wrong types and bad values raise ValueError /
// TypeError naming the argument; the runtime validates the rest.
runtime::SaConfig sa_config_from_kwargs(const py::dict& kw);

// A traffic selector from its swanctl text ("10.0.0.0/24[tcp/80]").
runtime::TrafficSelector parse_selector(const py::handle& obj, const char* what);
// A selector from an address text plus optional protocol and port arguments
// (add_policy's src/proto/sport): proto an int or a name, port an int, a
// (from, to) pair or text; None = any.
runtime::TrafficSelector selector_from_args(const py::handle& addr, const py::handle& proto,
                                            const py::handle& port, const char* what);

// The card's counters of an SA as a dict (the spec's sa_counters fields).
py::dict counters_dict(const runtime::SaCounters& c);
// query_sa's answer as a dict (never the key).
py::dict sa_info_dict(const runtime::SaInfo& info);
// A policy as a dict (src/dst as selector text; `sa` the Sa handle or None).
py::dict policy_dict(const runtime::Policy& p, runtime::PolicyId id, py::object sa);

// The Python handle for an SaId (None when it names no SA).
py::object sa_object(runtime::SaId id, uint32_t spi, runtime::Direction dir);
// The SaId of a Python `Sa` (TypeError for anything else).
runtime::SaId sa_id_of(const py::handle& obj, const char* what);

}  // namespace esp::python
