// esp_offload.Card: the Python face of CardCore (card.hpp). Arguments are
// converted with the GIL held; the runtime and the card run with it released.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <openssl/crypto.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "card.hpp"

namespace esp::python {
namespace {

using runtime::Direction;
using runtime::PacketOp;
using runtime::SaId;

void wipe_keys(std::vector<runtime::SaConfig>& cfgs) {
  for (auto& c : cfgs) {
    if (!c.key.empty()) OPENSSL_cleanse(c.key.data(), c.key.size());
  }
}

struct KeyWipe {
  std::vector<runtime::SaConfig>& cfgs;
  ~KeyWipe() { wipe_keys(cfgs); }
};

runtime::RuntimeOptions card_options(const std::string& backend, uint32_t sa_capacity, uint32_t cards,
                                     uint32_t max_batch, const std::optional<uint64_t>& card_memory,
                                     uint64_t replay_bytes, uint32_t housekeeping_ms, size_t event_capacity,
                                     uint64_t acquire_interval_ms, uint64_t replay_event_every,
                                     uint64_t auth_fail_event_every, const std::string& default_outbound,
                                     uint64_t seed, const std::optional<double>& backpressure,
                                     const std::string& xclbin, unsigned device_index) {
  if (cards == 0) throw py::value_error("cards must be at least 1");
  runtime::RuntimeOptions o;
  driver::DeviceOptions d;
  d.backend = backend;
  if (card_memory) d.card_memory_bytes = *card_memory;
  d.cosim.seed = seed;
  d.cosim.print_seed = seed == 0;
  if (backpressure) d.cosim.backpressure = *backpressure;
  d.xrt.xclbin = xclbin;
  o.cards.clear();
  for (uint32_t i = 0; i < cards; ++i) {
    d.xrt.device_index = device_index + i;
    if (seed != 0) d.cosim.seed = seed + i;
    o.cards.push_back(d);
  }
  o.sa_capacity = sa_capacity;
  o.max_batch_packets = max_batch;
  o.replay_region_bytes = replay_bytes;
  o.housekeeping_ms = housekeeping_ms;
  o.event_capacity = event_capacity;
  o.acquire_interval_ms = acquire_interval_ms;
  o.replay_event_every = replay_event_every;
  o.auth_fail_event_every = auth_fail_event_every;
  const runtime::PolicyAction def = parse_action(default_outbound);
  if (def == runtime::PolicyAction::Protect) throw py::value_error("default_outbound must be \"bypass\" or \"discard\"");
  o.default_outbound = def;
  return o;
}

// Runs a list of packets through the card: buffers viewed and outputs
// allocated (at their capacity) with the GIL, the card run without it, then
// each OK output shrunk to its length.
py::list run_packets(CardCore& card, PacketOp op, const py::object& sa_obj, const py::iterable& packets, bool dummy) {
  SaId sid;
  Direction dir = op == PacketOp::Decrypt ? Direction::Inbound : Direction::Outbound;
  if (op == PacketOp::Encrypt) {
    sid = sa_id_of(sa_obj, "sa");
    if (!card.rt().valid(sid)) {
      throw py::value_error("encrypt: " + std::string(py::repr(sa_obj)) + " names no installed SA (deleted or expired)");
    }
  }

  std::vector<py::object> inputs;
  for (py::handle h : packets) inputs.push_back(py::reinterpret_borrow<py::object>(h));
  const size_t n = inputs.size();
  std::vector<BufferView> views;
  views.reserve(n);
  std::vector<py::object> outs(n);
  std::vector<runtime::Packet> pkts(n);
  for (size_t i = 0; i < n; ++i) {
    views.emplace_back(inputs[i].ptr(), "a packet");
    const size_t len = views.back().size();
    if (len > std::numeric_limits<uint32_t>::max()) throw py::value_error("a packet is longer than 4 GiB");
    size_t cap = op == PacketOp::Decrypt ? len : len + spec::MAX_ENCAP_OVERHEAD;
    cap = std::min<size_t>(cap, spec::MAX_PKT_BYTES);
    PyObject* b = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(cap));
    if (!b) throw py::error_already_set();
    outs[i] = py::reinterpret_steal<py::object>(b);
    runtime::Packet& p = pkts[i];
    p.op = op;
    p.data = views.back().data();
    p.len = static_cast<uint32_t>(len);
    p.out = reinterpret_cast<uint8_t*>(PyBytes_AS_STRING(b));
    p.out_cap = static_cast<uint32_t>(cap);
    p.sa = sid;
    p.dummy = dummy;
    p.user = i;
  }

  std::vector<runtime::PacketResult> res(n);
  {
    py::gil_scoped_release nogil;
    card.run(pkts.data(), n, res.data());
  }

  py::list out(n);
  for (size_t i = 0; i < n; ++i) {
    const runtime::PacketResult& r = res[i];
    Result pr;
    pr.status = static_cast<StatusCode>(r.status.value());
    pr.soft_expired = r.soft_expired;
    pr.spi = r.spi;
    pr.seq = r.seq;
    pr.policy = r.policy;
    if (r.status.ok()) {
      PyObject* b = outs[i].release().ptr();
      if (_PyBytes_Resize(&b, static_cast<Py_ssize_t>(r.out_len)) != 0) throw py::error_already_set();
      pr.data = py::reinterpret_steal<py::object>(b);
    } else if (r.status == runtime::Status(spec::HostStatus::BYPASS)) {
      // send it as it is: the input itself when it is bytes, else a copy
      pr.data = PyBytes_CheckExact(inputs[i].ptr())
                    ? inputs[i]
                    : py::bytes(reinterpret_cast<const char*>(views[i].data()), views[i].size());
    } else {
      pr.data = py::none();
    }
    if (r.sa.valid() && r.sa == sid) {
      pr.sa = sa_obj;
    } else {
      pr.sa = sa_object(r.sa, r.spi, dir);
    }
    out[i] = py::cast(std::move(pr));
  }
  return out;
}

// The SPI of an outbound SA a policy names (for its Sa handle); 0 when the
// SA is gone.
py::object policy_sa(CardCore& card, SaId id) {
  if (!id.valid()) return py::none();
  uint32_t spi = 0;
  {
    py::gil_scoped_release nogil;
    try {
      spi = card.rt().query_sa(id).spi;
    } catch (const std::invalid_argument&) {
      spi = 0;
    }
  }
  return sa_object(id, spi, Direction::Outbound);
}

std::string default_any(const py::object& other) {
  if (!other.is_none() && PyUnicode_Check(other.ptr()) && other.cast<std::string>().find(':') != std::string::npos) {
    return "::/0";
  }
  return "0.0.0.0/0";
}

}  // namespace

void bind_card(py::module_& m) {
  py::class_<CardCore>(m, "Card",
                       "One host runtime over one or more esp_engine cards, and a packet queue. Safe to share "
                       "between Python threads: packet calls are serialised on the card's queue, control calls "
                       "go to the runtime (thread-safe); the GIL is released while the card or the runtime "
                       "works. Use as a context manager (or call close()) to free the cards at once.")
      .def(py::init([](const std::string& backend, uint32_t sa_capacity, uint32_t cards, uint32_t max_batch,
                       std::optional<uint64_t> card_memory, uint64_t replay_bytes, uint32_t housekeeping_ms,
                       size_t event_capacity, uint64_t acquire_interval_ms, uint64_t replay_event_every,
                       uint64_t auth_fail_event_every, const std::string& default_outbound, uint64_t seed,
                       std::optional<double> backpressure, const std::string& xclbin, unsigned device_index) {
             runtime::RuntimeOptions o = card_options(backend, sa_capacity, cards, max_batch, card_memory,
                                                      replay_bytes, housekeeping_ms, event_capacity,
                                                      acquire_interval_ms, replay_event_every,
                                                      auth_fail_event_every, default_outbound, seed,
                                                      backpressure, xclbin, device_index);
             py::gil_scoped_release nogil;
             return std::make_unique<CardCore>(o);
           }),
           py::arg("backend") = "swemu", py::arg("sa_capacity") = 65536, py::arg("cards") = 1,
           py::arg("max_batch") = 256, py::arg("card_memory") = py::none(), py::arg("replay_bytes") = 0,
           py::arg("housekeeping_ms") = 100, py::arg("event_capacity") = 65536,
           py::arg("acquire_interval_ms") = 1000, py::arg("replay_event_every") = 0,
           py::arg("auth_fail_event_every") = 0, py::arg("default_outbound") = "bypass", py::arg("seed") = 0,
           py::arg("backpressure") = py::none(), py::arg("xclbin") = "", py::arg("device_index") = 0,
           "Opens `cards` devices of `backend` (\"swemu\", \"cosim\", \"xrt\") under one runtime.\n"
           "sa_capacity: SA table entries per card; max_batch: descriptors per kernel run; card_memory: bytes "
           "of emulated card memory per card (swemu/cosim; None = the driver's default); replay_bytes: replay "
           "region per card (0 = every slot an inbound SA at the default window); housekeeping_ms: lifetime "
           "and counter checks (0 = only on tick()); event_capacity, acquire_interval_ms, replay_event_every, "
           "auth_fail_event_every: see the runtime's RuntimeOptions; default_outbound: \"bypass\" or "
           "\"discard\" for outbound packets no policy matches; seed, backpressure: cosim knobs (seed 0 = "
           "random); xclbin, device_index: xrt.")
      .def("close", [](CardCore& c) {
             py::gil_scoped_release nogil;
             c.close();
           }, "Frees the runtime and its cards now; every later call raises ValueError. Not concurrently with other calls.")
      .def("__enter__", [](py::object self) { return self; }, "Returns the card (a context manager).")
      .def("__exit__", [](CardCore& c, py::args) {
             py::gil_scoped_release nogil;
             c.close();
           }, "Closes the card (close()).")
      .def_property_readonly("closed", &CardCore::closed, "True after close().")
      .def_property_readonly("cards", [](CardCore& c) { return c.rt().cards(); }, "How many devices the runtime has.")
      .def("describe", [](CardCore& c, uint32_t card) { return c.rt().describe_card(card); }, py::arg("card") = 0,
           "A human-readable description of a card (backend, device).")
      .def("__len__", [](CardCore& c) { return c.rt().sa_count(); }, "SAs installed, over every card.")
      .def("__repr__", [](CardCore& c) {
        if (c.closed()) return std::string("Card(closed)");
        return "Card(" + c.rt().describe_card(0) + ", cards=" + std::to_string(c.rt().cards()) +
               ", sas=" + std::to_string(c.rt().sa_count()) + ")";
      }, "The first card's description, the number of cards and of SAs.")

      // --- SAs ---
      .def("get_spi", [](CardCore& c, std::optional<uint32_t> card) {
             py::gil_scoped_release nogil;
             return card ? c.rt().get_spi(*card) : c.rt().get_spi();
           }, py::arg("card") = py::none(),
           "A random unused inbound SPI (never 0-255), reserved until an inbound SA is added with it or "
           "release_spi(). With `card`, an SPI of that card (SPI mod cards).")
      .def("release_spi", [](CardCore& c, uint32_t spi) {
             py::gil_scoped_release nogil;
             c.rt().release_spi(spi);
           }, py::arg("spi"), "Gives back an SPI from get_spi() that was not used.")
      .def("add_sa", [](CardCore& c, py::kwargs kw) {
             std::vector<runtime::SaConfig> cfg{sa_config_from_kwargs(kw)};
             KeyWipe wipe{cfg};
             SaId id;
             {
               py::gil_scoped_release nogil;
               id = c.rt().add_sa(cfg[0]);
             }
             return Sa{id, cfg[0].spi, cfg[0].direction};
           },
           "Installs one SA and returns its esp_offload.Sa. Keyword arguments:\n"
           "  direction \"in\"|\"out\", spi, key (16 or 32 bytes), salt (4 bytes) -- required;\n"
           "  mode \"tunnel\"|\"transport\" (tunnel), src, dst (tunnel outer addresses), esn, udp_encap "
           "(RFC 3948), gmac (RFC 4543, integrity only), icv (8/12/16), seq_start (outbound), window (inbound, "
           "bits, a power of two), sport, dport (UDP ports, default 4500), ttl, tos, flow_label,\n"
           "  soft_bytes, hard_bytes, soft_packets, hard_packets, soft_seconds, hard_seconds (0 = none),\n"
           "  src_ts, dst_ts (lists of swanctl selectors, e.g. \"10.0.0.0/24[tcp/80]\"), reqid, card "
           "(outbound: which card; None = least loaded).\n"
           "Raises ValueError/TypeError (bad arguments, with the runtime's message), SaTableFull, DuplicateSpi.")
      .def("add_sas", [](CardCore& c, const py::iterable& sas) {
             std::vector<runtime::SaConfig> cfgs;
             KeyWipe wipe{cfgs};
             for (py::handle h : sas) {
               if (!PyDict_Check(h.ptr())) throw py::type_error("add_sas takes an iterable of dicts of add_sa's arguments");
               cfgs.push_back(sa_config_from_kwargs(py::reinterpret_borrow<py::dict>(h)));
             }
             std::vector<SaId> ids;
             {
               py::gil_scoped_release nogil;
               ids = c.rt().add_sas(cfgs);
             }
             py::list out(ids.size());
             for (size_t i = 0; i < ids.size(); ++i) out[i] = py::cast(Sa{ids[i], cfgs[i].spi, cfgs[i].direction});
             return out;
           }, py::arg("sas"),
           "Installs many SAs (each a dict of add_sa's keyword arguments), all or nothing, with the card "
           "writes coalesced; returns their Sa handles in order.")
      .def("update_sa", [](CardCore& c, const py::object& sa, const py::object& src, const py::object& dst,
                           std::optional<bool> udp_encap, std::optional<uint16_t> sport, std::optional<uint16_t> dport) {
             runtime::SaUpdate u;
             if (!src.is_none()) u.tun_src = parse_addr(src, "src");
             if (!dst.is_none()) u.tun_dst = parse_addr(dst, "dst");
             u.udp_encap = udp_encap;
             u.udp_sport = sport;
             u.udp_dport = dport;
             const SaId id = sa_id_of(sa, "sa");
             py::gil_scoped_release nogil;
             c.rt().update_sa(id, u);
           }, py::arg("sa"), py::arg("src") = py::none(), py::arg("dst") = py::none(), py::arg("udp_encap") = py::none(),
           py::arg("sport") = py::none(), py::arg("dport") = py::none(),
           "Changes an SA's peer addresses / UDP encapsulation (NAT-T float, MOBIKE); the sequence number, "
           "replay window, counters and key stay. None leaves a field as it is.")
      .def("query_sa", [](CardCore& c, const py::object& sa) {
             const SaId id = sa_id_of(sa, "sa");
             runtime::SaInfo info;
             {
               py::gil_scoped_release nogil;
               info = c.rt().query_sa(id);
             }
             return sa_info_dict(info);
           }, py::arg("sa"),
           "What the host and the card know of an SA, as a dict (never the key): spi, direction, mode, "
           "esn, udp_encap, gmac, key_bits, icv, window, src, dst, sport, dport, reqid, soft_*/hard_* "
           "limits, src_ts, dst_ts, counters (dict), tx_seq, replay_top, installed_ns, last_use_ns, soft_expired.")
      .def("counters", [](CardCore& c, const py::object& sa) {
             const SaId id = sa_id_of(sa, "sa");
             runtime::SaInfo info;
             {
               py::gil_scoped_release nogil;
               info = c.rt().query_sa(id);
             }
             return counters_dict(info.counters);
           }, py::arg("sa"),
           "The card's counters of an SA (dict: packets, bytes, auth_fail, replay, bad_packet, soft_events, "
           "hard_events, dummy).")
      .def("delete_sa", [](CardCore& c, const py::object& sa) {
             const SaId id = sa_id_of(sa, "sa");
             py::gil_scoped_release nogil;
             c.rt().del_sa(id);
           }, py::arg("sa"), "Removes an SA and wipes its key (card and host).")
      .def("delete_sas", [](CardCore& c, const py::iterable& sas) {
             std::vector<SaId> ids;
             for (py::handle h : sas) ids.push_back(sa_id_of(h, "sas[]"));
             py::gil_scoped_release nogil;
             c.rt().del_sas(ids);
           }, py::arg("sas"), "Removes many SAs (batched writes and key wipes).")
      .def("flush", [](CardCore& c) {
             py::gil_scoped_release nogil;
             c.rt().flush_sas();
           }, "Removes every SA on every card.")
      .def("valid", [](CardCore& c, const py::object& sa) { return c.rt().valid(sa_id_of(sa, "sa")); }, py::arg("sa"),
           "True while the handle names an installed SA.")
      .def("find_inbound", [](CardCore& c, uint32_t spi) -> py::object {
             const std::optional<SaId> id = c.rt().find_inbound(spi);
             if (!id) return py::none();
             return sa_object(*id, spi, Direction::Inbound);
           }, py::arg("spi"), "The installed inbound SA with this SPI, or None.")

      // --- SPD ---
      .def("add_policy", [](CardCore& c, const py::object& src, const py::object& dst, const py::object& proto,
                            const py::object& sport, const py::object& dport, const std::string& action,
                            const py::object& sa, std::optional<uint32_t> priority, const std::string& direction,
                            uint32_t reqid) {
             if (src.is_none() && dst.is_none()) throw py::value_error("add_policy: give src or dst (or both)");
             runtime::Policy p;
             const py::object s = src.is_none() ? py::str(default_any(dst)) : src;
             const py::object d = dst.is_none() ? py::str(default_any(src)) : dst;
             p.src = selector_from_args(s, proto, sport, "src");
             p.dst = selector_from_args(d, proto, dport, "dst");
             p.action = parse_action(action);
             p.dir = parse_direction(direction);
             if (!sa.is_none()) p.sa = sa_id_of(sa, "sa");
             if (priority) p.priority = *priority;
             p.reqid = reqid;
             py::gil_scoped_release nogil;
             return c.rt().add_policy(p);
           }, py::arg("src") = py::none(), py::arg("dst") = py::none(), py::arg("proto") = py::none(),
           py::arg("sport") = py::none(), py::arg("dport") = py::none(), py::arg("action") = "protect",
           py::arg("sa") = py::none(), py::arg("priority") = py::none(), py::arg("direction") = "out",
           py::arg("reqid") = 0,
           "Adds an SPD policy and returns its id (an int, never 0). src/dst: swanctl selectors (\"10.0.0.0/24\", "
           "\"10.0.0.1-10.0.0.9\", \"2001:db8::/32\", optionally with \"[proto/port]\"; None = any of the other's "
           "family); proto: a number or name (\"tcp\"); sport/dport: a port, a (from, to) pair or text; "
           "action: \"protect\" (with sa, the outbound SA; without one an outbound packet raises an acquire "
           "event), \"bypass\" or \"discard\"; priority: lower wins (equal: the earlier policy); direction "
           "\"out\"|\"in\"; reqid: the IKE daemon's reference, carried by acquire events.")
      .def("del_policy", [](CardCore& c, runtime::PolicyId id) {
             py::gil_scoped_release nogil;
             c.rt().del_policy(id);
           }, py::arg("policy"), "Removes a policy (ValueError for an unknown id).")
      .def("query_policy", [](CardCore& c, runtime::PolicyId id) -> py::object {
             std::optional<runtime::Policy> p;
             {
               py::gil_scoped_release nogil;
               p = c.rt().query_policy(id);
             }
             if (!p) return py::none();
             return policy_dict(*p, id, policy_sa(c, p->sa));
           }, py::arg("policy"),
           "A policy as a dict (id, direction, src, dst, priority, action, sa, reqid), or None when unknown.")
      .def("flush_policies", [](CardCore& c) {
             py::gil_scoped_release nogil;
             c.rt().flush_policies();
           }, "Removes every policy.")
      .def("switch_outbound", [](CardCore& c, const py::object& old_sa, const py::object& new_sa) {
             const SaId o = sa_id_of(old_sa, "old"), n = sa_id_of(new_sa, "new");
             py::gil_scoped_release nogil;
             return c.rt().switch_outbound(o, n);
           }, py::arg("old"), py::arg("new"),
           "Rekey, make-before-break: every outbound policy protecting with `old` now protects with `new`, "
           "atomically for lookups; `old` stays installed until deleted. Returns how many policies moved.")

      // --- packets ---
      .def("encrypt", [](CardCore& c, const py::object& sa, const py::iterable& packets, bool dummy) {
             return run_packets(c, PacketOp::Encrypt, sa, packets, dummy);
           }, py::arg("sa"), py::arg("packets"), py::arg("dummy") = false,
           "Encrypts IP packets (any buffer-protocol objects) with an outbound SA; returns one Result per "
           "packet, in order. dummy=True sends TFC dummy packets (RFC 4303 2.6).")
      .def("decrypt", [](CardCore& c, const py::iterable& packets) {
             return run_packets(c, PacketOp::Decrypt, py::none(), packets, false);
           }, py::arg("packets"),
           "Decrypts ESP packets (IP packets carrying ESP or ESP-in-UDP; the SPI names the SA and its card); "
           "returns one Result per packet, in order (data = the inner packet when OK).")
      .def("outbound", [](CardCore& c, const py::iterable& packets) {
             return run_packets(c, PacketOp::Outbound, py::none(), packets, false);
           }, py::arg("packets"),
           "Sends IP packets through the SPD: protect -> encrypted with the policy's SA (OK), bypass -> "
           "Status.BYPASS (data = the input), discard -> Status.DISCARD, protect without an SA -> "
           "Status.NO_SA and an acquire event. One Result per packet, in order; Result.policy names the policy.")

      // --- events, cards ---
      .def("events", [](CardCore& c, std::optional<double> timeout, size_t max) {
             int ms = -1;
             if (timeout) {
               if (*timeout < 0 || std::isnan(*timeout)) throw py::value_error("timeout must be >= 0 or None");
               ms = static_cast<int>(std::min(std::ceil(*timeout * 1000.0), 2147483647.0));
             }
             std::vector<runtime::Event> evs;
             {
               py::gil_scoped_release nogil;
               runtime::EventQueue& q = c.rt().events();
               if (ms != 0) q.wait(ms);
               q.poll(evs, max);
             }
             py::list out;
             for (const auto& e : evs) out.append(py::cast(e));
             return out;
           }, py::arg("timeout") = 0.0, py::arg("max") = std::numeric_limits<size_t>::max(),
           "Pending events (esp_offload.Event), oldest first. timeout: seconds to wait for the first one "
           "(0 = do not wait, None = wait until one comes).")
      .def("event_fd", [](CardCore& c) { return c.rt().events().fd(); },
           "A file descriptor that is readable while events are pending (select/poll/epoll it, then call "
           "events()). Owned by the card: do not read or close it.")
      .def_property_readonly("events_dropped", [](CardCore& c) { return c.rt().events().dropped(); },
                             "Events lost because the event queue was full.")
      .def("reprogram", [](CardCore& c, uint32_t card) {
             py::gil_scoped_release nogil;
             c.rt().reprogram_card(card);
           }, py::arg("card"),
           "Rebuilds a card that lost its memory from the host's shadow (no sequence number reused, no "
           "replayed packet accepted); raises a CARD_RESET event.")
      .def("tick", [](CardCore& c) {
             py::gil_scoped_release nogil;
             c.rt().tick();
           }, "Runs the housekeeping checks now (second lifetimes, byte/packet expiry, thresholds).");
}

}  // namespace esp::python
