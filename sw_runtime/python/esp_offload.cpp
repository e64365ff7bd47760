// The Python module esp_offload: the host runtime (esp::runtime::Runtime) for
// Python programs and tests. The module's types: Card (card_py.cpp), Sa,
// Result, Event, the enums Status / EventType / ExpireCause, and the
// exceptions SaTableFull, DuplicateSpi, DuplicatePolicy and DeviceError (std::invalid_argument
// becomes ValueError).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cctype>
#include <cstdio>
#include <functional>
#include <string>

#include "bindings.hpp"
#include "esp/driver/device.hpp"
#include "esp/runtime/engine.hpp"
#include "esp/runtime/sa_config.hpp"
#include "esp/runtime/events.hpp"
#include "esp/runtime/status.hpp"

namespace esp::python {
namespace {

// "soft-expire" -> "SOFT_EXPIRE": enum member names from the runtime's own
// names, so that no name is typed twice.
std::string member_name(const char* s) {
  std::string n(s);
  for (char& ch : n) ch = ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return n;
}

runtime::Status status_of(StatusCode c) {
  runtime::Status s;
  runtime::Status::from_value(static_cast<uint16_t>(c), s);
  return s;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

void bind_status(py::module_& m) {
  py::enum_<StatusCode> st(m, "Status",
                           "A packet's outcome: the card's statuses (the spec's `status` enum) and the ones the "
                           "host decides (`host_status`: BYPASS, DISCARD, NO_SA, TS_MISMATCH, CARD_ERROR). "
                           "Members are generated from the spec; `doc` is the spec's description.");
  for (spec::Status s : spec::kStatusAll) {
    st.value(spec::status_name(s), static_cast<StatusCode>(static_cast<uint16_t>(s)), spec::status_doc(s));
  }
  for (spec::HostStatus s : spec::kHostStatusAll) {
    st.value(spec::host_status_name(s), static_cast<StatusCode>(static_cast<uint16_t>(s)), spec::host_status_doc(s));
  }
  st.def_property_readonly(
      "doc", [](StatusCode c) { return status_of(c).doc(); }, "The spec's one-line description of this status.");
  st.def_property_readonly(
      "from_host", [](StatusCode c) { return status_of(c).from_host(); },
      "True for a status the host decided (the packet did not reach the card, or failed a host check after it).");
}

void bind_sa(py::module_& m) {
  py::class_<Sa>(m, "Sa",
                 "A handle on an installed SA (what add_sa returns): its card, slot index and generation, plus "
                 "its SPI and direction. Handles compare equal (and hash) by (card, index, generation); a handle "
                 "whose SA was deleted or expired names no SA any more (calls with it raise ValueError).")
      .def_property_readonly("spi", [](const Sa& s) { return s.spi; }, "The SA's SPI.")
      .def_property_readonly("card", [](const Sa& s) { return s.id.card; }, "The card that holds the SA.")
      .def_property_readonly("index", [](const Sa& s) { return s.id.index; }, "Its slot in that card's SA table.")
      .def_property_readonly(
          "generation", [](const Sa& s) { return s.id.generation; }, "The slot's generation when it was installed.")
      .def_property_readonly(
          "direction", [](const Sa& s) { return direction_str(s.dir); }, "\"in\" or \"out\".")
      .def(
          "__eq__", [](const Sa& a, const py::object& b) { return py::isinstance<Sa>(b) && a.id == b.cast<const Sa&>().id; },
          "Same card, index and generation.")
      .def(
          "__ne__", [](const Sa& a, const py::object& b) { return !(py::isinstance<Sa>(b) && a.id == b.cast<const Sa&>().id); },
          "Not the same card, index and generation.")
      .def("__hash__", [](const Sa& s) { return std::hash<runtime::SaId>()(s.id); }, "A hash of (card, index, generation).")
      .def("__repr__", [](const Sa& s) {
        return "Sa(spi=" + hex32(s.spi) + ", direction='" + direction_str(s.dir) + "', card=" +
               std::to_string(s.id.card) + ", index=" + std::to_string(s.id.index) + ", generation=" +
               std::to_string(s.id.generation) + ")";
      }, "Sa(spi=..., direction=..., card=..., index=..., generation=...)");
}

void bind_result(py::module_& m) {
  py::class_<Result>(m, "Result",
                     "One packet's outcome, in the order the packets were given. `data` is the output packet "
                     "(bytes) when `status` is OK, the input packet as it is for BYPASS, else None.")
      .def_readonly("status", &Result::status, "An esp_offload.Status.")
      .def_readonly("data", &Result::data, "The output packet (bytes), the input for BYPASS, or None.")
      .def_readonly("sa", &Result::sa, "The SA used (esp_offload.Sa; card-reported for decrypt), or None.")
      .def_readonly("spi", &Result::spi, "The ESP SPI (0 when none).")
      .def_readonly("seq", &Result::seq, "The full (64-bit) ESP sequence number (0 when none).")
      .def_readonly("soft_expired", &Result::soft_expired,
                    "The SA is past a soft byte/packet lifetime (the card's flag).")
      .def_readonly("policy", &Result::policy, "outbound(): the SPD policy that matched (0 = none).")
      .def_property_readonly(
          "ok", [](const Result& r) { return status_of(r.status).ok(); }, "status == Status.OK")
      .def("__repr__", [](const Result& r) {
        std::string s = std::string("Result(status=") + status_of(r.status).name();
        if (!r.data.is_none()) s += ", len=" + std::to_string(py::len(r.data));
        return s + ", spi=" + hex32(r.spi) + ", seq=" + std::to_string(r.seq) + ")";
      }, "Result(status=..., len=..., spi=..., seq=...)");
}

void bind_events(py::module_& m) {
  using runtime::EventType;
  using runtime::ExpireCause;
  py::enum_<EventType> et(m, "EventType", "What an Event is about (members named after the runtime's event names).");
  for (EventType t : {EventType::SoftExpire, EventType::HardExpire, EventType::Acquire, EventType::ReplayThreshold,
                      EventType::AuthFailThreshold, EventType::CardReset}) {
    et.value(member_name(runtime::to_string(t)).c_str(), t);
  }
  py::enum_<ExpireCause> ec(m, "ExpireCause", "Which limit an expire event is about (NONE for other events).");
  for (ExpireCause c :
       {ExpireCause::None, ExpireCause::Bytes, ExpireCause::Packets, ExpireCause::Seconds, ExpireCause::Sequence}) {
    ec.value(member_name(runtime::to_string(c)).c_str(), c);
  }

  auto addr = [](const runtime::IpAddr& a) -> py::object {
    if (a.version == 0) return py::none();
    return py::str(a.str());
  };
  py::class_<runtime::Event>(m, "Event",
                             "One runtime event (Card.events()): soft/hard expire, acquire, replay or "
                             "authentication-failure threshold, card reset. Fields that do not apply to its "
                             "type are 0 / None. Never carries key material.")
      .def_readonly("type", &runtime::Event::type, "An esp_offload.EventType.")
      .def_property_readonly(
          "type_name", [](const runtime::Event& e) { return runtime::to_string(e.type); },
          "The type as text: \"soft-expire\", \"hard-expire\", \"acquire\", ...")
      .def_readonly("time_ns", &runtime::Event::time_ns, "CLOCK_MONOTONIC (ns) when it was raised.")
      .def_property_readonly(
          "sa", [](const runtime::Event& e) { return sa_object(e.sa, e.spi, e.dir); },
          "Expire and threshold events: the SA (esp_offload.Sa), else None. After a hard expire it names no SA.")
      .def_readonly("spi", &runtime::Event::spi, "The SA's SPI (SA events).")
      .def_property_readonly(
          "direction", [](const runtime::Event& e) { return direction_str(e.dir); }, "The SA's direction.")
      .def_readonly("cause", &runtime::Event::cause, "Expire events: an esp_offload.ExpireCause.")
      .def_property_readonly(
          "cause_name", [](const runtime::Event& e) { return runtime::to_string(e.cause); },
          "The cause as text: \"bytes\", \"packets\", \"seconds\", \"sequence\", \"none\".")
      .def_readonly("count", &runtime::Event::count, "Threshold events: the counter's value.")
      .def_readonly("policy", &runtime::Event::policy, "Acquire: the policy id.")
      .def_readonly("reqid", &runtime::Event::reqid, "Acquire: the policy's reqid.")
      .def_property_readonly(
          "src", [addr](const runtime::Event& e) { return addr(e.src); }, "Acquire: the packet's source address.")
      .def_property_readonly(
          "dst", [addr](const runtime::Event& e) { return addr(e.dst); }, "Acquire: the packet's destination.")
      .def_readonly("proto", &runtime::Event::proto, "Acquire: the packet's protocol.")
      .def_readonly("sport", &runtime::Event::sport, "Acquire: the packet's source port.")
      .def_readonly("dport", &runtime::Event::dport, "Acquire: the packet's destination port.")
      .def_readonly("card", &runtime::Event::card, "The card concerned (CardReset; the SA's card for SA events).")
      .def(
          "describe", [](const runtime::Event& e) { return runtime::describe(e); },
          "One line in the spirit of `ip xfrm monitor`.")
      .def(
          "__repr__", [](const runtime::Event& e) { return "Event(" + runtime::describe(e) + ")"; },
          "Event(<describe()>)");
}

}  // namespace
}  // namespace esp::python

PYBIND11_MODULE(esp_offload, m) {
  namespace py = pybind11;
  using namespace esp;
  m.doc() =
      "esp_offload: the esp-offload host runtime from Python. A Card owns one runtime over one or more "
      "esp_engine cards (backends swemu, cosim, xrt): SAs (get_spi, add_sa, add_sas, update_sa, query_sa, "
      "delete_sa, flush), the SPD (add_policy, del_policy, query_policy, switch_outbound), packets "
      "(encrypt, decrypt, outbound) and events (events, event_fd). See README.md, \"Python: esp_offload\".";

  py::register_exception<runtime::SaTableFull>(m, "SaTableFull", PyExc_RuntimeError)
      .doc() = "No SA slot, replay room or SPI placement left on the card (the runtime's message says which).";
  py::register_exception<runtime::DuplicateSpi>(m, "DuplicateSpi", PyExc_RuntimeError)
      .doc() = "An inbound SA with this SPI is already installed.";
  py::register_exception<runtime::DuplicatePolicy>(m, "DuplicatePolicy", PyExc_ValueError)
      .doc() = "A policy with the same direction, selectors and priority is already in the SPD.";
  py::register_exception<driver::DeviceError>(m, "DeviceError", PyExc_RuntimeError)
      .doc() = "The card or its backend failed (the message says what and where).";

  python::bind_status(m);
  python::bind_sa(m);
  python::bind_result(m);
  python::bind_events(m);
  python::bind_card(m);

  m.def("available_backends", &driver::available_backends, "The device backends this build has, e.g. ['swemu', 'cosim'].");
  m.def("replay_bytes_for", &runtime::replay_region_bytes_for, py::arg("sas"), py::arg("window"),
        "The Card's replay_bytes that holds `sas` inbound SAs with `window`-bit windows (as the runtime lays "
        "their replay states out).");
  m.attr("MAX_PKT_BYTES") = spec::MAX_PKT_BYTES;
  m.attr("MAX_ENCAP_OVERHEAD") = spec::MAX_ENCAP_OVERHEAD;
  m.attr("DEFAULT_WINDOW_BITS") = spec::DEFAULT_WINDOW_BITS;
  m.attr("NAT_T_PORT") = spec::NAT_T_PORT;
}
