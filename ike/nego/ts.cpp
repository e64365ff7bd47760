// Traffic selectors: see ts.hpp.
#include "esp/ike/ts.hpp"

#include <algorithm>

namespace esp::ike {

namespace {

using runtime::IpAddr;
using RTs = runtime::TrafficSelector;

std::size_t addr_len(TsType t) { return t == TsType::IPV4_ADDR_RANGE ? 4 : 16; }

IpAddr addr_from(const Bytes& b, std::uint8_t version) {
  IpAddr a;
  a.version = version;
  std::copy(b.begin(), b.end(), a.bytes.begin());
  return a;
}

Bytes addr_bytes(const IpAddr& a) { return Bytes(a.bytes.begin(), a.bytes.begin() + (a.version == 4 ? 4 : 16)); }

const IpAddr& max_addr(const IpAddr& a, const IpAddr& b) { return runtime::compare_addr(a, b) >= 0 ? a : b; }
const IpAddr& min_addr(const IpAddr& a, const IpAddr& b) { return runtime::compare_addr(a, b) <= 0 ? a : b; }

// Keep the first of equal selectors; drop one contained in another.
std::vector<RTs> drop_redundant(const std::vector<RTs>& in) {
  std::vector<RTs> out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    bool redundant = false;
    for (std::size_t j = 0; j < in.size() && !redundant; ++j) {
      if (i == j || !ts_within(in[i], in[j])) continue;
      // Equal selectors: keep the first one only.
      redundant = in[i] != in[j] || j < i;
    }
    if (!redundant) out.push_back(in[i]);
  }
  return out;
}

std::vector<RTs> lenient(const TsPayload& p) {
  std::vector<RTs> out;
  for (const TrafficSelector& t : p.selectors)
    if (auto r = ts_from_msg(t, nullptr)) out.push_back(*r);
  return out;
}

}  // namespace

std::optional<RTs> ts_from_msg(const TrafficSelector& ts, std::string* why) {
  auto fail = [why](const std::string& w) -> std::optional<RTs> {
    if (why) *why = w;
    return std::nullopt;
  };
  if (ts.type != TsType::IPV4_ADDR_RANGE && ts.type != TsType::IPV6_ADDR_RANGE)
    return fail("unsupported TS type " + std::to_string(static_cast<unsigned>(ts.type)));
  const std::size_t n = addr_len(ts.type);
  if (ts.start_addr.size() != n || ts.end_addr.size() != n)
    return fail("addresses of " + std::to_string(ts.start_addr.size()) + " and " + std::to_string(ts.end_addr.size()) +
                " bytes in a TS of type " + std::to_string(static_cast<unsigned>(ts.type)) + " (expected " +
                std::to_string(n) + ")");
  if (ts.start_port == 0xffff && ts.end_port == 0) return fail("OPAQUE ports (65535-0) are not supported");
  RTs r;
  const std::uint8_t version = ts.type == TsType::IPV4_ADDR_RANGE ? 4 : 6;
  r.from = addr_from(ts.start_addr, version);
  r.to = addr_from(ts.end_addr, version);
  r.proto = ts.ip_protocol;
  r.port_from = ts.start_port;
  r.port_to = ts.end_port;
  try {
    r.validate("TS");
  } catch (const std::invalid_argument& e) {
    return fail(e.what());
  }
  return r;
}

RTs ts_from_msg(const TrafficSelector& ts) {
  std::string why;
  auto r = ts_from_msg(ts, &why);
  if (!r) throw TsError(why);
  return *r;
}

TrafficSelector ts_to_msg(const RTs& ts) {
  try {
    ts.validate("traffic selector");
  } catch (const std::invalid_argument& e) {
    throw TsError(e.what());
  }
  TrafficSelector m;
  m.type = ts.family() == 4 ? TsType::IPV4_ADDR_RANGE : TsType::IPV6_ADDR_RANGE;
  m.ip_protocol = ts.proto;
  m.start_port = ts.port_from;
  m.end_port = ts.port_to;
  m.start_addr = addr_bytes(ts.from);
  m.end_addr = addr_bytes(ts.to);
  return m;
}

std::vector<RTs> resolve_ts(const std::vector<conf::TsConfig>& cfg, const IpAddr& dynamic_addr) {
  std::vector<RTs> out;
  for (const conf::TsConfig& c : cfg) {
    if (!c.dynamic) {
      out.push_back(c.ts);
      continue;
    }
    if (dynamic_addr.version != 4 && dynamic_addr.version != 6)
      throw TsError("traffic selector '" + c.text + "' is dynamic but there is no address to put in it");
    RTs host = RTs::prefix(dynamic_addr, dynamic_addr.version == 4 ? 32 : 128);
    try {
      out.push_back(host.with_proto(c.ts.proto, c.ts.port_from, c.ts.port_to));
    } catch (const std::invalid_argument& e) {
      throw TsError("traffic selector '" + c.text + "': " + e.what());
    }
  }
  return out;
}

TsPayload make_ts_payload(const std::vector<RTs>& ts) {
  TsPayload p;
  for (const RTs& t : ts) p.selectors.push_back(ts_to_msg(t));
  return p;
}

std::vector<RTs> from_ts_payload(const TsPayload& p) {
  std::vector<RTs> out;
  for (std::size_t i = 0; i < p.selectors.size(); ++i) {
    std::string why;
    auto r = ts_from_msg(p.selectors[i], &why);
    if (!r) throw TsError("TS " + std::to_string(i + 1) + ": " + why);
    out.push_back(*r);
  }
  return out;
}

std::optional<RTs> intersect(const RTs& a, const RTs& b) {
  if (a.family() == 0 || a.family() != b.family()) return std::nullopt;
  if (a.proto != 0 && b.proto != 0 && a.proto != b.proto) return std::nullopt;
  RTs r;
  r.from = max_addr(a.from, b.from);
  r.to = min_addr(a.to, b.to);
  if (runtime::compare_addr(r.from, r.to) > 0) return std::nullopt;
  r.proto = a.proto != 0 ? a.proto : b.proto;
  r.port_from = std::max(a.port_from, b.port_from);
  r.port_to = std::min(a.port_to, b.port_to);
  if (r.port_from > r.port_to) return std::nullopt;
  return r;
}

bool ts_within(const RTs& a, const RTs& b) {
  if (a.family() != b.family()) return false;
  if (b.proto != 0 && a.proto != b.proto) return false;
  return runtime::compare_addr(b.from, a.from) <= 0 && runtime::compare_addr(a.to, b.to) <= 0 &&
         b.port_from <= a.port_from && a.port_to <= b.port_to;
}

std::vector<RTs> narrow(const std::vector<RTs>& ours, const std::vector<RTs>& theirs) {
  std::vector<RTs> all;
  for (const RTs& o : ours)
    for (const RTs& t : theirs)
      if (auto x = intersect(o, t)) all.push_back(*x);
  return drop_redundant(all);
}

std::optional<Narrowed> narrow_responder(const std::vector<RTs>& our_local, const std::vector<RTs>& our_remote,
                                         const TsPayload& tsi, const TsPayload& tsr) {
  Narrowed n;
  n.local = narrow(our_local, lenient(tsr));
  n.remote = narrow(our_remote, lenient(tsi));
  if (n.local.empty() || n.remote.empty()) return std::nullopt;
  return n;
}

std::optional<Narrowed> check_initiator(const std::vector<RTs>& offered_local, const std::vector<RTs>& offered_remote,
                                        const TsPayload& tsi, const TsPayload& tsr, std::string* why) {
  auto fail = [why](const std::string& w) -> std::optional<Narrowed> {
    if (why) *why = w;
    return std::nullopt;
  };
  struct Side {
    const char* name;
    const TsPayload& got;
    const std::vector<RTs>& offered;
  };
  const Side sides[] = {{"TSi", tsi, offered_local}, {"TSr", tsr, offered_remote}};
  std::vector<RTs> parsed[2];
  for (int s = 0; s < 2; ++s) {
    const Side& side = sides[s];
    if (side.got.selectors.empty()) return fail(std::string("the responder's ") + side.name + " is empty");
    for (std::size_t i = 0; i < side.got.selectors.size(); ++i) {
      std::string w;
      auto r = ts_from_msg(side.got.selectors[i], &w);
      if (!r) return fail(std::string("the responder's ") + side.name + " " + std::to_string(i + 1) + ": " + w);
      bool inside =
          std::any_of(side.offered.begin(), side.offered.end(), [&](const RTs& o) { return ts_within(*r, o); });
      if (!inside)
        return fail(std::string("the responder's ") + side.name + " " + r->str() + " is not within what we proposed");
      parsed[s].push_back(*r);
    }
  }
  Narrowed n;
  n.local = narrow(offered_local, parsed[0]);
  n.remote = narrow(offered_remote, parsed[1]);
  if (n.local.empty() || n.remote.empty()) return fail("no traffic selectors left after narrowing");
  return n;
}

TsPayload substitute_nat_host(const TsPayload& theirs, const IpAddr& observed) {
  TsPayload out = theirs;
  if (observed.version != 4 && observed.version != 6) return out;
  const TsType type = observed.version == 4 ? TsType::IPV4_ADDR_RANGE : TsType::IPV6_ADDR_RANGE;
  const Bytes addr = addr_bytes(observed);
  for (TrafficSelector& t : out.selectors) {
    if (t.type != type || t.start_addr.size() != addr.size() || t.start_addr != t.end_addr) continue;
    t.start_addr = addr;
    t.end_addr = addr;
  }
  return out;
}

bool transport_ok(const Narrowed& n, const IpAddr& local_host, const IpAddr& remote_host) {
  auto all_host = [](const std::vector<RTs>& v, const IpAddr& h) {
    return !v.empty() && std::all_of(v.begin(), v.end(), [&](const RTs& t) { return t.from == h && t.to == h; });
  };
  return all_host(n.local, local_host) && all_host(n.remote, remote_host);
}

}  // namespace esp::ike
