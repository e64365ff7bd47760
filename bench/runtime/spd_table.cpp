#include "spd_table.hpp"

#include <ctime>
#include <cstdio>
#include <ostream>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/runtime/spd.hpp"

namespace esp::bench {

namespace {

using runtime::Direction;
using runtime::FlowKey;
using runtime::IpAddr;
using runtime::Policy;
using runtime::PolicyAction;
using runtime::PolicyId;
using runtime::SaId;
using runtime::Spd;
using runtime::TrafficSelector;

// Site k of the gateway's 4096 local and remote sites: IPv4 10.a.b.0/24 and
// 172.16-31.x.0/24 (and wider), IPv6 2001:db8:k::/48 and 2001:db9:k::/48.
IpAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddr x;
  x.version = 4;
  x.bytes[0] = a;
  x.bytes[1] = b;
  x.bytes[2] = c;
  x.bytes[3] = d;
  return x;
}

IpAddr v6(uint16_t w1, uint16_t w2, uint16_t w3, uint64_t low) {
  IpAddr x;
  x.version = 6;
  const uint16_t w[3] = {0x2001, w1, w2};
  for (int i = 0; i < 3; ++i) {
    x.bytes[size_t(2 * i)] = uint8_t(w[i] >> 8);
    x.bytes[size_t(2 * i + 1)] = uint8_t(w[i]);
  }
  x.bytes[6] = uint8_t(w3 >> 8);
  x.bytes[7] = uint8_t(w3);
  for (int i = 0; i < 8; ++i) x.bytes[size_t(15 - i)] = uint8_t(low >> (8 * i));
  return x;
}

// A data-center gateway: mostly site-to-site prefix pairs (IPv4 /16../24,
// IPv6 /48../64), some restricted to a service (tcp/443, udp/53, tcp
// 1024-65535, icmp echo), a few wide bypass/discard rules on top.
std::vector<Policy> gateway_policies(size_t n, std::mt19937_64& rng) {
  std::vector<Policy> ps;
  auto wide = [&](const char* s, const char* d, uint32_t prio, PolicyAction a) {
    Policy p;
    p.src = TrafficSelector::parse(s);
    p.dst = TrafficSelector::parse(d);
    p.priority = prio;
    p.action = a;
    ps.push_back(p);
  };
  wide("0.0.0.0/0[udp/isakmp]", "0.0.0.0/0[udp/isakmp]", 1, PolicyAction::Bypass);
  wide("0.0.0.0/0[udp/ipsec-nat-t]", "0.0.0.0/0", 1, PolicyAction::Bypass);
  wide("::/0[udp/isakmp]", "::/0[udp/isakmp]", 1, PolicyAction::Bypass);
  wide("10.255.0.0/16", "0.0.0.0/0", 2, PolicyAction::Bypass);  // management
  wide("0.0.0.0/0", "198.18.0.0/15", 3, PolicyAction::Discard);
  wide("::/0", "2001:db8:ffff::/48", 3, PolicyAction::Discard);
  wide("0.0.0.0/0[icmp/8]", "172.16.0.0/12", 4, PolicyAction::Bypass);
  wide("::/0[ipv6-icmp/128]", "2001:db9::/32", 4, PolicyAction::Bypass);
  uint32_t sa = 1;
  std::set<std::string> seen;  // no two policies with the same selectors and priority
  while (ps.size() < n) {
    Policy p;
    const bool six = rng() % 10 < 3;
    const unsigned site = unsigned(rng() % 4096), peer = unsigned(rng() % 4096);
    if (six) {
      const unsigned ls = rng() % 2 ? 48 : 56 + 8 * unsigned(rng() % 2), ld = rng() % 2 ? 48 : 64;
      p.src = TrafficSelector::prefix(v6(0x0db8, uint16_t(site), uint16_t(rng() % 4 << 8), 0), ls);
      p.dst = TrafficSelector::prefix(v6(0x0db9, uint16_t(peer), 0, 0), ld);
    } else {
      const unsigned ls = 16 + 4 * unsigned(rng() % 3), ld = 20 + 4 * unsigned(rng() % 2);
      p.src = TrafficSelector::prefix(v4(10, uint8_t(site >> 4), uint8_t(site << 4 | rng() % 16), 0), ls);
      p.dst = TrafficSelector::prefix(v4(172, uint8_t(16 + peer % 16), uint8_t(peer >> 4), 0), ld);
    }
    switch (rng() % 10) {
      case 0:
        p.dst = p.dst.with_proto(runtime::ipproto::TCP, 443, 443);
        break;
      case 1:
        p.dst = p.dst.with_proto(runtime::ipproto::UDP, 53, 53);
        break;
      case 2:
        p.src = p.src.with_proto(runtime::ipproto::TCP, 1024, 65535);
        break;
      default:
        break;
    }
    // Longer prefixes first, as strongSwan derives priorities.
    p.priority = 100 + (six ? 128 : 32) * 2 - unsigned(p.src.prefix_len() + p.dst.prefix_len()) / 2;
    if (!seen.insert(p.src.str() + " " + p.dst.str() + " " + std::to_string(p.priority)).second) continue;
    p.action = rng() % 20 == 0 ? PolicyAction::Discard : PolicyAction::Protect;
    p.sa = SaId{0, sa, 1};
    p.reqid = sa++;
    ps.push_back(p);
  }
  return ps;
}

// Half the flows inside a random policy's selectors (most then hit), half
// random addresses of the same pools (mostly misses).
std::vector<FlowKey> flows(const std::vector<Policy>& ps, size_t n, std::mt19937_64& rng) {
  std::vector<FlowKey> out;
  out.reserve(n);
  auto inside = [&](const TrafficSelector& t) {
    IpAddr a = t.from;
    const size_t len = t.family() == 4 ? 4 : 16;
    for (size_t i = 0; i < len; ++i) {
      const uint8_t span = uint8_t(t.from.bytes[i] ^ t.to.bytes[i]);
      a.bytes[i] = uint8_t(t.from.bytes[i] | (uint8_t(rng()) & span));
    }
    return a;
  };
  const uint8_t protos[] = {runtime::ipproto::TCP, runtime::ipproto::UDP, runtime::ipproto::TCP};
  while (out.size() < n) {
    FlowKey f;
    f.proto = protos[rng() % 3];
    f.sport = uint16_t(rng() % 2 ? 1024 + rng() % 60000 : 443);
    f.dport = uint16_t(rng() % 2 ? 443 : (rng() % 2 ? 53 : rng()));
    if (out.size() % 2 == 0) {
      const Policy& p = ps[8 + rng() % (ps.size() - 8)];
      f.src = inside(p.src);
      f.dst = inside(p.dst);
    } else if (rng() % 10 < 3) {
      f.src = v6(0x0db8, uint16_t(rng() % 4096), uint16_t(rng()), rng());
      f.dst = v6(0x0db9, uint16_t(rng() % 4096), uint16_t(rng()), rng());
    } else {
      f.src = v4(10, uint8_t(rng()), uint8_t(rng()), uint8_t(rng()));
      f.dst = v4(172, uint8_t(16 + rng() % 16), uint8_t(rng()), uint8_t(rng()));
    }
    out.push_back(f);
  }
  return out;
}

// The reference: the policies in lookup order, each field compared as
// big-endian 64-bit halves (a tight scan, not TrafficSelector's generic one).
class LinearScan {
 public:
  explicit LinearScan(const std::vector<std::pair<PolicyId, Policy>>& ordered) {
    for (const auto& [id, p] : ordered) {
      Rule r;
      r.id = id;
      r.out = p.dir == Direction::Outbound;
      r.family = p.src.family();
      split(p.src.from, r.s_lo);
      split(p.src.to, r.s_hi);
      split(p.dst.from, r.d_lo);
      split(p.dst.to, r.d_hi);
      r.proto = p.src.proto ? p.src.proto : p.dst.proto;
      r.sp_lo = p.src.port_from;
      r.sp_hi = p.src.port_to;
      r.dp_lo = p.dst.port_from;
      r.dp_hi = p.dst.port_to;
      r.any_ports = p.src.any_ports() && p.dst.any_ports();
      rules_.push_back(r);
    }
  }

  PolicyId lookup(Direction dir, const FlowKey& f) const {
    uint64_t s[2], d[2];
    split(f.src, s);
    split(f.dst, d);
    const bool out = dir == Direction::Outbound;
    for (const Rule& r : rules_) {
      if (r.out != out || r.family != f.src.version) continue;
      if (!in(r.s_lo, s, r.s_hi) || !in(r.d_lo, d, r.d_hi)) continue;
      if (r.proto && r.proto != f.proto) continue;
      if (f.ports_opaque ? !r.any_ports
                         : (f.sport < r.sp_lo || f.sport > r.sp_hi || f.dport < r.dp_lo || f.dport > r.dp_hi))
        continue;
      return r.id;
    }
    return 0;
  }

 private:
  struct Rule {
    PolicyId id;
    bool out;
    uint8_t family, proto;
    uint64_t s_lo[2], s_hi[2], d_lo[2], d_hi[2];
    uint16_t sp_lo, sp_hi, dp_lo, dp_hi;
    bool any_ports;
  };
  static void split(const IpAddr& a, uint64_t v[2]) {
    v[0] = v[1] = 0;
    for (int i = 0; i < 8; ++i) v[0] = v[0] << 8 | a.bytes[size_t(i)];
    for (int i = 8; i < 16; ++i) v[1] = v[1] << 8 | a.bytes[size_t(i)];
  }
  static bool le(const uint64_t a[2], const uint64_t b[2]) { return a[0] < b[0] || (a[0] == b[0] && a[1] <= b[1]); }
  static bool in(const uint64_t lo[2], const uint64_t x[2], const uint64_t hi[2]) { return le(lo, x) && le(x, hi); }
  std::vector<Rule> rules_;
};

// This thread's CPU time in seconds: the machine may be shared, and time
// spent descheduled is not the lookup's.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// CPU ns per call of fn over the flows, repeated for at least min_seconds.
template <class Fn>
double ns_per_lookup(const std::vector<FlowKey>& fs, double min_seconds, Fn&& fn, uint64_t& sink) {
  size_t calls = 0;
  const double t0 = cpu_seconds();
  double el = 0;
  do {
    for (const FlowKey& f : fs) sink += fn(f);
    calls += fs.size();
    el = cpu_seconds() - t0;
  } while (el < min_seconds);
  return el * 1e9 / double(calls);
}

double ms_since(double cpu0) { return (cpu_seconds() - cpu0) * 1e3; }

}  // namespace

nlohmann::json spd_table(std::ostream& out) {
  nlohmann::json rows = nlohmann::json::array();
  char line[256];
  out << "\nSPD outbound lookups: decision-tree classifier (Spd::Snapshot) vs linear scan of the same policies, same run\n";
  std::snprintf(line, sizeof line, "%8s %6s | %12s %12s %8s | %10s %10s\n", "policies", "hit %", "tree ns/lkp",
                "linear ns/lkp", "ratio", "batch ms", "1-by-1 ms");
  out << line << std::string(80, '-') << "\n";
  for (const size_t n : {size_t(1000), size_t(10000)}) {
    std::mt19937_64 rng(n);
    const std::vector<Policy> ps = gateway_policies(n, rng);

    Spd batch;
    double t0 = cpu_seconds();
    batch.add_batch(ps);
    const double batch_ms = ms_since(t0);
    Spd single;
    t0 = cpu_seconds();
    for (const Policy& p : ps) single.add(p);
    const double single_ms = ms_since(t0);

    const std::vector<FlowKey> fs = flows(ps, 1 << 14, rng);
    const Spd::Snapshot snap = batch.snapshot();
    const Spd::Snapshot snap1 = single.snapshot();
    const LinearScan lin(batch.list());
    size_t hits = 0;
    for (const FlowKey& f : fs) {
      const PolicyId want = lin.lookup(Direction::Outbound, f);
      if (snap.lookup(Direction::Outbound, f).id != want || snap1.lookup(Direction::Outbound, f).id != want)
        throw std::logic_error("spd_table: the classifier and the linear scan disagree on " + f.src.str() + " -> " +
                               f.dst.str());
      hits += want != 0;
    }
    uint64_t sink = 0;
    const double tree_ns = ns_per_lookup(fs, 0.3, [&](const FlowKey& f) { return snap.lookup(Direction::Outbound, f).id; }, sink);
    const double lin_ns = ns_per_lookup(fs, 0.3, [&](const FlowKey& f) { return lin.lookup(Direction::Outbound, f); }, sink);
    const double hit_pct = 100.0 * double(hits) / double(fs.size());
    std::snprintf(line, sizeof line, "%8zu %6.1f | %12.1f %12.1f %8.1f | %10.2f %10.2f%s\n", n, hit_pct, tree_ns,
                  lin_ns, lin_ns / tree_ns, batch_ms, single_ms, sink == 42 ? " " : "");
    out << line;
    rows.push_back({{"policies", n},
                    {"hit_percent", hit_pct},
                    {"classifier_ns_per_lookup", tree_ns},
                    {"linear_ns_per_lookup", lin_ns},
                    {"ratio_linear_over_classifier", lin_ns / tree_ns},
                    {"install_batch_ms", batch_ms},
                    {"install_one_by_one_ms", single_ms}});
  }
  return nlohmann::json{{"table", "spd_lookup"}, {"rows", rows}};
}

}  // namespace esp::bench
