#include "convert.hpp"

#include <cstring>
#include <limits>
#include <string>

#include <pybind11/stl.h>

namespace esp::python {
namespace {

[[noreturn]] void value_error(const std::string& msg) { throw py::value_error(msg); }
[[noreturn]] void type_error(const std::string& msg) { throw py::type_error(msg); }

std::string type_name(const py::handle& v) { return py::str(py::type::handle_of(v).attr("__name__")); }

// A non-negative int no larger than `max`.
uint64_t uint_arg(const py::handle& v, const char* name, uint64_t max) {
  if (!PyLong_Check(v.ptr())) type_error(std::string(name) + " must be an int, got " + type_name(v));
  int overflow = 0;
  const long long s = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
  if (overflow > 0) {
    const unsigned long long u = PyLong_AsUnsignedLongLong(v.ptr());
    if (PyErr_Occurred()) {
      PyErr_Clear();
      value_error(std::string(name) + " is out of range (at most " + std::to_string(max) + ")");
    }
    if (u > max) value_error(std::string(name) + " is out of range (at most " + std::to_string(max) + ")");
    return u;
  }
  if (overflow < 0 || s < 0) value_error(std::string(name) + " must not be negative, got " + std::string(py::str(v)));
  if (static_cast<unsigned long long>(s) > max) {
    value_error(std::string(name) + " must be at most " + std::to_string(max) + ", got " + std::to_string(s));
  }
  return static_cast<uint64_t>(s);
}

template <typename T>
T uint_as(const py::handle& v, const char* name) {
  return static_cast<T>(uint_arg(v, name, std::numeric_limits<T>::max()));
}

bool bool_arg(const py::handle& v, const char* name) {
  if (PyBool_Check(v.ptr())) return v.ptr() == Py_True;
  if (PyLong_Check(v.ptr())) return uint_arg(v, name, 1) != 0;
  type_error(std::string(name) + " must be a bool, got " + type_name(v));
}

std::string str_arg(const py::handle& v, const char* name) {
  if (!PyUnicode_Check(v.ptr())) type_error(std::string(name) + " must be a str, got " + type_name(v));
  return v.cast<std::string>();
}

std::vector<runtime::TrafficSelector> selectors_arg(const py::handle& v, const char* name) {
  std::vector<runtime::TrafficSelector> out;
  if (v.is_none()) return out;
  if (PyUnicode_Check(v.ptr())) {
    out.push_back(parse_selector(v, name));
    return out;
  }
  if (!py::isinstance<py::sequence>(v)) type_error(std::string(name) + " must be a list of selector strings");
  for (const py::handle item : py::reinterpret_borrow<py::sequence>(v)) out.push_back(parse_selector(item, name));
  return out;
}

std::string port_text(const py::handle& port, const char* what) {
  if (PyUnicode_Check(port.ptr())) return port.cast<std::string>();
  if (PyLong_Check(port.ptr())) return std::to_string(uint_as<uint16_t>(port, what));
  if (py::isinstance<py::sequence>(port) && py::len(port) == 2) {
    const py::sequence s = py::reinterpret_borrow<py::sequence>(port);
    return std::to_string(uint_as<uint16_t>(s[0], what)) + "-" + std::to_string(uint_as<uint16_t>(s[1], what));
  }
  type_error(std::string(what) + " must be an int, a (from, to) pair or text, got " + type_name(port));
}

}  // namespace

runtime::IpAddr parse_addr(const py::handle& v, const char* name) {
  const std::string text = str_arg(v, name);
  try {
    return runtime::IpAddr::parse(text);
  } catch (const std::invalid_argument& e) {
    value_error(std::string(name) + ": " + e.what());
  }
}

BufferView::BufferView(PyObject* obj, const char* what) {
  if (PyObject_GetBuffer(obj, &view_, PyBUF_SIMPLE) != 0) {
    PyErr_Clear();
    type_error(std::string(what) + " must be a contiguous buffer (bytes, bytearray, memoryview, numpy uint8), got " +
               type_name(obj));
  }
  held_ = true;
}

BufferView::BufferView(BufferView&& o) noexcept : view_(o.view_), held_(o.held_) {
  o.held_ = false;
  o.view_ = Py_buffer{};
}

BufferView::~BufferView() {
  if (held_) PyBuffer_Release(&view_);
}

std::vector<uint8_t> to_bytes(const py::handle& obj, const char* what) {
  BufferView v(obj.ptr(), what);
  return std::vector<uint8_t>(v.data(), v.data() + v.size());
}

runtime::Direction parse_direction(const std::string& s) {
  if (s == "in" || s == "inbound") return runtime::Direction::Inbound;
  if (s == "out" || s == "outbound") return runtime::Direction::Outbound;
  value_error("direction must be \"in\" or \"out\", got \"" + s + "\"");
}

const char* direction_str(runtime::Direction d) { return d == runtime::Direction::Inbound ? "in" : "out"; }

spec::Mode parse_mode(const std::string& s) {
  if (s == "tunnel") return spec::Mode::TUNNEL;
  if (s == "transport") return spec::Mode::TRANSPORT;
  value_error("mode must be \"tunnel\" or \"transport\", got \"" + s + "\"");
}

const char* mode_str(spec::Mode m) { return m == spec::Mode::TUNNEL ? "tunnel" : "transport"; }

runtime::PolicyAction parse_action(const std::string& s) {
  for (runtime::PolicyAction a : {runtime::PolicyAction::Protect, runtime::PolicyAction::Bypass,
                                  runtime::PolicyAction::Discard}) {
    if (s == runtime::to_string(a)) return a;
  }
  value_error("action must be \"protect\", \"bypass\" or \"discard\", got \"" + s + "\"");
}

const char* action_str(runtime::PolicyAction a) { return runtime::to_string(a); }

runtime::SaConfig sa_config_from_kwargs(const py::dict& kw) {
  runtime::SaConfig c;
  bool have_dir = false, have_spi = false, have_key = false, have_salt = false;
  for (const auto& item : kw) {
    const std::string k = py::str(item.first);
    const py::handle v = item.second;
    const char* n = k.c_str();
    if (k == "direction") {
      c.direction = parse_direction(str_arg(v, n));
      have_dir = true;
    } else if (k == "spi") {
      c.spi = uint_as<uint32_t>(v, n);
      have_spi = true;
    } else if (k == "key") {
      c.key = to_bytes(v, n);
      have_key = true;
    } else if (k == "salt") {
      const std::vector<uint8_t> s = to_bytes(v, n);
      if (s.size() != c.salt.size()) {
        value_error("salt must be " + std::to_string(c.salt.size()) + " bytes, got " + std::to_string(s.size()));
      }
      std::memcpy(c.salt.data(), s.data(), s.size());
      have_salt = true;
    } else if (k == "mode") {
      c.mode = parse_mode(str_arg(v, n));
    } else if (k == "src") {
      if (!v.is_none()) c.tun_src = parse_addr(v, n);
    } else if (k == "dst") {
      if (!v.is_none()) c.tun_dst = parse_addr(v, n);
    } else if (k == "esn") {
      c.esn = bool_arg(v, n);
    } else if (k == "udp_encap") {
      c.udp_encap = bool_arg(v, n);
    } else if (k == "gmac") {
      c.gmac = bool_arg(v, n);
    } else if (k == "icv") {
      c.icv_len = uint_as<uint8_t>(v, n);
    } else if (k == "seq_start") {
      c.seq_start = uint_as<uint64_t>(v, n);
    } else if (k == "window") {
      c.window_bits = uint_as<uint32_t>(v, n);
    } else if (k == "sport") {
      c.udp_sport = uint_as<uint16_t>(v, n);
    } else if (k == "dport") {
      c.udp_dport = uint_as<uint16_t>(v, n);
    } else if (k == "ttl") {
      c.ttl = uint_as<uint8_t>(v, n);
    } else if (k == "tos") {
      c.tos = uint_as<uint8_t>(v, n);
    } else if (k == "flow_label") {
      c.flow_label = uint_as<uint32_t>(v, n);
    } else if (k == "soft_bytes") {
      c.soft.bytes = uint_as<uint64_t>(v, n);
    } else if (k == "hard_bytes") {
      c.hard.bytes = uint_as<uint64_t>(v, n);
    } else if (k == "soft_packets") {
      c.soft.packets = uint_as<uint64_t>(v, n);
    } else if (k == "hard_packets") {
      c.hard.packets = uint_as<uint64_t>(v, n);
    } else if (k == "soft_seconds") {
      c.soft.seconds = uint_as<uint64_t>(v, n);
    } else if (k == "hard_seconds") {
      c.hard.seconds = uint_as<uint64_t>(v, n);
    } else if (k == "src_ts") {
      c.src_ts = selectors_arg(v, n);
    } else if (k == "dst_ts") {
      c.dst_ts = selectors_arg(v, n);
    } else if (k == "reqid") {
      c.reqid = uint_as<uint32_t>(v, n);
    } else if (k == "card") {
      c.card = v.is_none() ? -1 : static_cast<int32_t>(uint_arg(v, n, std::numeric_limits<int32_t>::max()));
    } else {
      type_error("add_sa: unknown argument '" + k + "'");
    }
  }
  if (!have_dir) type_error("add_sa: missing argument 'direction' (\"in\" or \"out\")");
  if (!have_spi) type_error("add_sa: missing argument 'spi'");
  if (!have_key) type_error("add_sa: missing argument 'key' (16 or 32 bytes)");
  if (!have_salt) type_error("add_sa: missing argument 'salt' (4 bytes)");
  return c;
}

runtime::TrafficSelector parse_selector(const py::handle& obj, const char* what) {
  const std::string text = str_arg(obj, what);
  try {
    return runtime::TrafficSelector::parse(text);
  } catch (const std::invalid_argument& e) {
    value_error(std::string(what) + ": " + e.what());
  }
}

runtime::TrafficSelector selector_from_args(const py::handle& addr, const py::handle& proto, const py::handle& port,
                                            const char* what) {
  std::string text = str_arg(addr, what);
  if (!proto.is_none() || !port.is_none()) {
    if (text.find('[') != std::string::npos) {
      value_error(std::string(what) + ": \"" + text + "\" already has a [proto/port] part; do not also pass proto/ports");
    }
    std::string p = "%any";
    if (PyUnicode_Check(proto.ptr())) {
      p = proto.cast<std::string>();
    } else if (!proto.is_none()) {
      p = std::to_string(uint_as<uint8_t>(proto, "proto"));
    }
    text += "[" + p;
    if (!port.is_none()) text += "/" + port_text(port, what);
    text += "]";
  }
  return parse_selector(py::str(text), what);
}

py::dict counters_dict(const runtime::SaCounters& c) {
  py::dict d;
#define ESP_PY_COUNTER(s, f) d[#f] = c.f;
  ESP_SPEC_FIELDS_sa_counters(ESP_PY_COUNTER)
#undef ESP_PY_COUNTER
  return d;
}

py::dict sa_info_dict(const runtime::SaInfo& info) {
  auto addr = [](const runtime::IpAddr& a) -> py::object {
    if (a.version == 0) return py::none();
    return py::str(a.str());
  };
  auto selectors = [](const std::vector<runtime::TrafficSelector>& ts) {
    py::list l;
    for (const auto& t : ts) l.append(t.str());
    return l;
  };
  py::dict d;
  d["sa"] = sa_object(info.id, info.spi, info.direction);
  d["spi"] = info.spi;
  d["card"] = info.id.card;
  d["direction"] = direction_str(info.direction);
  d["mode"] = mode_str(info.mode);
  d["esn"] = info.esn;
  d["udp_encap"] = info.udp_encap;
  d["gmac"] = info.gmac;
  d["key_bits"] = info.key_bits;
  d["icv"] = info.icv_len;
  d["window"] = info.window_bits;
  d["src"] = addr(info.tun_src);
  d["dst"] = addr(info.tun_dst);
  d["sport"] = info.udp_sport;
  d["dport"] = info.udp_dport;
  d["reqid"] = info.reqid;
  d["soft_bytes"] = info.soft.bytes;
  d["soft_packets"] = info.soft.packets;
  d["soft_seconds"] = info.soft.seconds;
  d["hard_bytes"] = info.hard.bytes;
  d["hard_packets"] = info.hard.packets;
  d["hard_seconds"] = info.hard.seconds;
  d["src_ts"] = selectors(info.src_ts);
  d["dst_ts"] = selectors(info.dst_ts);
  d["counters"] = counters_dict(info.counters);
  d["tx_seq"] = info.tx_seq;
  d["replay_top"] = info.replay_top;
  d["installed_ns"] = info.installed_ns;
  d["last_use_ns"] = info.last_use_ns;
  d["soft_expired"] = info.soft_expired;
  return d;
}

py::dict policy_dict(const runtime::Policy& p, runtime::PolicyId id, py::object sa) {
  py::dict d;
  d["id"] = id;
  d["direction"] = direction_str(p.dir);
  d["src"] = p.src.str();
  d["dst"] = p.dst.str();
  d["priority"] = p.priority;
  d["action"] = action_str(p.action);
  d["sa"] = std::move(sa);
  d["reqid"] = p.reqid;
  return d;
}

py::object sa_object(runtime::SaId id, uint32_t spi, runtime::Direction dir) {
  if (!id.valid()) return py::none();
  return py::cast(Sa{id, spi, dir});
}

runtime::SaId sa_id_of(const py::handle& obj, const char* what) {
  if (!py::isinstance<Sa>(obj)) type_error(std::string(what) + " must be an esp_offload.Sa, got " + type_name(obj));
  return obj.cast<const Sa&>().id;
}

}  // namespace esp::python
