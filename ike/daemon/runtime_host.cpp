#include "esp/ike/runtime_host.hpp"

#include <ctime>
#include <stdexcept>

namespace esp::ike {

LogLevel parse_log_level(const std::string& s) {
  if (s == "error") return LogLevel::Error;
  if (s == "warning" || s == "warn") return LogLevel::Warning;
  if (s == "info") return LogLevel::Info;
  if (s == "debug") return LogLevel::Debug;
  throw std::invalid_argument("log level '" + s + "': one of error, warning, info, debug");
}

const char* log_level_name(LogLevel l) {
  switch (l) {
    case LogLevel::Error: return "error";
    case LogLevel::Warning: return "warning";
    case LogLevel::Info: return "info";
    case LogLevel::Debug: return "debug";
  }
  return "?";
}

RuntimeIkeHost::RuntimeIkeHost(runtime::Runtime& rt, std::string wireshark_dir, LogSink sink, LogLevel level)
    : rt_(rt), sink_(std::move(sink)), level_(level) {
  if (!wireshark_dir.empty()) keys_ = std::make_unique<WiresharkKeyLog>(std::move(wireshark_dir));
}

RuntimeIkeHost::~RuntimeIkeHost() = default;

std::uint32_t RuntimeIkeHost::alloc_spi() { return rt_.get_spi(); }

void RuntimeIkeHost::release_spi(std::uint32_t spi) {
  try {
    rt_.release_spi(spi);
  } catch (const std::exception&) {
  }
}

namespace {

// More specific selectors first, as strongSwan orders its policies.
std::uint32_t priority_of(const runtime::TrafficSelector& src, const runtime::TrafficSelector& dst) {
  auto bits = [](const runtime::TrafficSelector& t) {
    int p = t.prefix_len();
    return static_cast<std::uint32_t>(p < 0 ? 0 : p);
  };
  std::uint32_t spec = bits(src) + bits(dst) + (src.proto ? 1 : 0) * 8 + (src.any_ports() ? 0 : 4) + (dst.any_ports() ? 0 : 4);
  return 100000 - spec;
}

}  // namespace

// The outbound policies local_ts -> remote_ts protecting with `sa` (invalid:
// a trap), ranked by `rank` after the selectors' specificity.
std::vector<runtime::PolicyId> RuntimeIkeHost::add_policies(const std::vector<runtime::TrafficSelector>& local_ts,
                                                            const std::vector<runtime::TrafficSelector>& remote_ts,
                                                            runtime::SaId sa, std::uint32_t reqid, std::uint32_t rank) {
  std::vector<runtime::PolicyId> ids;
  try {
    for (const auto& l : local_ts)
      for (const auto& r : remote_ts) {
        if (l.family() != r.family()) continue;
        if (l.proto && r.proto && l.proto != r.proto) continue;
        runtime::Policy p;
        p.dir = runtime::Direction::Outbound;
        p.src = l;
        p.dst = r;
        if (!p.src.proto && r.proto) p.src = p.src.with_proto(r.proto);
        if (!p.dst.proto && l.proto) p.dst = p.dst.with_proto(l.proto);
        p.priority = priority_of(p.src, p.dst) + rank;
        p.action = runtime::PolicyAction::Protect;
        p.sa = sa;
        p.reqid = reqid;
        try {
          ids.push_back(rt_.add_policy(p));
        } catch (const runtime::DuplicatePolicy&) {
          // Another CHILD_SA with the same selectors owns it (a duplicate).
          log(LogLevel::Debug, "policy " + p.src.str() + " === " + p.dst.str() + " exists already");
        }
      }
  } catch (...) {
    for (auto id : ids) rt_.del_policy(id);
    throw;
  }
  return ids;
}

TrapHandle RuntimeIkeHost::install_trap(const TrapInstall& t) {
  TrapHandle h;
  h.reqid = t.reqid;
  h.local_ts = t.local_ts;
  h.remote_ts = t.remote_ts;
  h.policies = add_policies(t.local_ts, t.remote_ts, runtime::SaId{}, t.reqid, kTrapRank);
  return h;
}

void RuntimeIkeHost::remove_trap(const TrapHandle& h) {
  for (auto id : h.policies) {
    try {
      rt_.del_policy(id);
    } catch (const std::exception&) {
    }
  }
}

ChildHandle RuntimeIkeHost::install_child(const ChildInstall& c, bool policies) {
  auto ids = rt_.add_sas({c.in, c.out});
  ChildHandle h;
  h.in = ids.at(0);
  h.out = ids.at(1);
  if (!policies) return h;
  try {
    h.policies = add_policies(c.local_ts, c.remote_ts, h.out, c.reqid, 0);
  } catch (...) {
    delete_child(h);
    throw;
  }
  return h;
}

void RuntimeIkeHost::move_policies(ChildHandle& from, ChildHandle& to) {
  if (from.out.valid() && to.out.valid() && rt_.valid(from.out)) rt_.switch_outbound(from.out, to.out);
  to.policies.insert(to.policies.end(), from.policies.begin(), from.policies.end());
  from.policies.clear();
}

void RuntimeIkeHost::update_child(const ChildHandle& h, const runtime::SaUpdate& in, const runtime::SaUpdate& out) {
  try {
    if (h.in.valid() && rt_.valid(h.in)) rt_.update_sa(h.in, in);
    if (h.out.valid() && rt_.valid(h.out)) rt_.update_sa(h.out, out);
  } catch (const std::exception& e) {
    log(LogLevel::Warning, std::string("updating SA addresses failed: ") + e.what());
  }
}

void RuntimeIkeHost::delete_child(const ChildHandle& h) {
  for (auto id : h.policies) {
    try {
      rt_.del_policy(id);
    } catch (const std::exception&) {
    }
  }
  std::vector<runtime::SaId> ids;
  if (h.in.valid() && rt_.valid(h.in)) ids.push_back(h.in);
  if (h.out.valid() && rt_.valid(h.out)) ids.push_back(h.out);
  try {
    if (!ids.empty()) rt_.del_sas(ids);
  } catch (const std::exception& e) {
    log(LogLevel::Warning, std::string("deleting SAs failed: ") + e.what());
  }
}

ChildUsage RuntimeIkeHost::child_usage(const ChildHandle& h) {
  ChildUsage u;
  std::uint64_t now = runtime::monotonic_ns();
  auto since = [&](std::uint64_t t) -> std::int64_t {
    return t == 0 || t > now ? -1 : static_cast<std::int64_t>((now - t) / 1000000000ull);
  };
  try {
    if (h.in.valid() && rt_.valid(h.in)) {
      auto i = rt_.query_sa(h.in);
      u.bytes_in = i.counters.bytes;
      u.packets_in = i.counters.packets;
      u.use_in = since(i.last_use_ns);
      u.card_spi_in = i.spi;
      u.card_key_bits = i.key_bits;
      u.card_encap = i.udp_encap;
      u.card_esn = i.esn;
      u.on_card = true;
    }
    if (h.out.valid() && rt_.valid(h.out)) {
      auto o = rt_.query_sa(h.out);
      u.bytes_out = o.counters.bytes;
      u.packets_out = o.counters.packets;
      u.use_out = since(o.last_use_ns);
      u.card_spi_out = o.spi;
    }
  } catch (const std::exception&) {
  }
  return u;
}

std::int64_t RuntimeIkeHost::unix_time() { return static_cast<std::int64_t>(std::time(nullptr)); }

void RuntimeIkeHost::export_ike_keys(std::uint64_t spi_i, std::uint64_t spi_r, const IkeSuite& suite,
                                     const IkeSaKeys& keys) {
  if (!keys_) return;
  try {
    keys_->ike_sa(spi_i, spi_r, suite, keys);
  } catch (const std::exception& e) {
    log(LogLevel::Warning, std::string("wireshark keys: ") + e.what());
  }
}

void RuntimeIkeHost::export_esp_keys(const EspSaKeyRecord& sa, const ChildDirKeys& keys) {
  if (!keys_) return;
  try {
    keys_->esp_sa(sa, keys);
  } catch (const std::exception& e) {
    log(LogLevel::Warning, std::string("wireshark keys: ") + e.what());
  }
}

void RuntimeIkeHost::log(LogLevel level, const std::string& line) {
  if (static_cast<int>(level) > static_cast<int>(level_) || !sink_) return;
  sink_(level, line);
}

}  // namespace esp::ike
