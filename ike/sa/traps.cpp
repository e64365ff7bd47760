// start_action = trap: trap policies per configured child, and the acquire
// that turns matching traffic into a negotiation (RFC 4301 5.1: an outbound
// packet that needs an SA which does not exist yet).
#include <fmt/format.h>

#include "manager_impl.hpp"
#include "sa_util.hpp"

namespace esp::ike {

using detail::IkeSa;
using detail::IkeState;

namespace {

std::optional<runtime::IpAddr> first_address(const std::vector<std::string>& addrs) {
  for (const auto& a : addrs) {
    try {
      return runtime::IpAddr::parse(a);
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

// The trap's selectors: "dynamic" is the connection's own address (a trap
// has no IKE SA yet to take it from, as with strongSwan's trap policies).
TrapInstall trap_for(IkeHost& host, const conf::ConnConfig& c, const conf::ChildConfig& ch, std::uint32_t reqid) {
  auto remote = first_address(c.remote_addrs);
  auto local = first_address(c.local_addrs);
  bool dyn_local = false, dyn_remote = false;
  for (const auto& t : ch.local_ts) dyn_local |= t.dynamic;
  for (const auto& t : ch.remote_ts) dyn_remote |= t.dynamic;
  if (dyn_remote && !remote)
    throw std::invalid_argument("remote_ts = dynamic needs an address in remote_addrs for a trap");
  if (dyn_local && !local) {
    if (!remote) throw std::invalid_argument("local_ts = dynamic needs an address in local_addrs or remote_addrs for a trap");
    local = host.source_for(*remote);
  }
  TrapInstall t;
  t.conn = c.name;
  t.child = ch.name;
  t.reqid = reqid;
  t.local_ts = resolve_ts(ch.local_ts, local ? *local : runtime::IpAddr{});
  t.remote_ts = resolve_ts(ch.remote_ts, remote ? *remote : runtime::IpAddr{});
  if (remote) t.peer = *remote;
  return t;
}

}  // namespace

void IkeManager::Impl::sync_traps() {
  std::map<std::uint32_t, std::pair<const conf::ConnConfig*, const conf::ChildConfig*>> want;
  for (const auto& c : cfg->connections)
    for (const auto& ch : c.children)
      if (ch.start_action == conf::ChildAction::Trap) want[reqid_for(c, ch)] = {&c, &ch};
  for (auto it = traps.begin(); it != traps.end();) {
    if (want.count(it->first)) {
      ++it;
      continue;
    }
    host.remove_trap(it->second.handle);
    log(LogLevel::Info, nullptr, fmt::format("trap of {}/{} removed", it->second.conn, it->second.child));
    it = traps.erase(it);
  }
  for (const auto& [reqid, cc] : want) {
    const auto& [c, ch] = cc;
    try {
      TrapInstall t = trap_for(host, *c, *ch, reqid);
      auto old = traps.find(reqid);
      if (old != traps.end()) {
        if (old->second.handle.local_ts == t.local_ts && old->second.handle.remote_ts == t.remote_ts) continue;
        host.remove_trap(old->second.handle);
        traps.erase(old);
      }
      Trap tr{c->name, ch->name, host.install_trap(t)};
      std::string sel;
      for (const auto& l : t.local_ts) sel += (sel.empty() ? "" : " ") + l.str();
      sel += " ===";
      for (const auto& r : t.remote_ts) sel += " " + r.str();
      log(LogLevel::Info, nullptr, fmt::format("trap of {}/{} (reqid {}) installed: {}", c->name, ch->name, reqid, sel));
      traps.emplace(reqid, std::move(tr));
    } catch (const std::exception& e) {
      log(LogLevel::Error, nullptr, fmt::format("cannot install the trap of {}/{}: {}", c->name, ch->name, e.what()));
    }
  }
}

std::string IkeManager::acquire(std::uint32_t reqid, Time now) {
  auto& m = *impl_;
  auto it = m.traps.find(reqid);
  if (it == m.traps.end()) return "";
  const std::string& conn = it->second.conn;
  const std::string& child = it->second.child;
  auto names_child = [&](const conf::ChildConfig* c) { return c && c->name == child; };
  for (auto& [spi, sa] : m.sas) {
    if (!sa->conn || sa->conn->name != conn || sa->state == IkeState::Deleting || sa->state == IkeState::Dead || sa->rekeyed_by)
      continue;
    if (!sa->authenticated && names_child(sa->first_child)) return "";  // being negotiated
    for (const auto& c : sa->children)
      if (c->name == child) return "";  // installed (or being rekeyed)
    if (sa->out && names_child(sa->out->task.child_cfg)) return "";
    for (const auto& t : sa->queue)
      if (t.type == detail::TaskType::ChildCreate && names_child(t.child_cfg)) return "";
  }
  std::string msg = "acquire for " + conn + "/" + child + ": " + initiate(child, conn, now);
  m.log(LogLevel::Info, nullptr, msg);
  return msg;
}

std::vector<std::string> IkeManager::traps() const {
  std::vector<std::string> out;
  for (const auto& [reqid, t] : impl_->traps) {
    std::string s = t.conn + "/" + t.child + ":";
    for (const auto& l : t.handle.local_ts) s += " " + l.str();
    s += " ===";
    for (const auto& r : t.handle.remote_ts) s += " " + r.str();
    out.push_back(s);
  }
  return out;
}

}  // namespace esp::ike
