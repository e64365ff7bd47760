// IkeManager's commands (espctl initiate / terminate / rekey / reload) and
// the start of start_action = start children.
#include <fmt/format.h>

#include "config_check.hpp"
#include "manager_impl.hpp"
#include "sa_util.hpp"

namespace esp::ike {

using namespace detail;

namespace {

// The connection holding child `child` (restricted to `ike` when given).
const conf::ConnConfig* conn_of_child(const conf::Config& cfg, const std::string& child, const std::string& ike,
                                      const conf::ChildConfig** out) {
  for (const auto& c : cfg.connections) {
    if (!ike.empty() && c.name != ike) continue;
    if (const auto* ch = c.child(child)) {
      *out = ch;
      return &c;
    }
  }
  return nullptr;
}

}  // namespace

std::string IkeManager::initiate(const std::string& child, const std::string& ike, Time now) {
  auto& m = *impl_;
  const conf::ChildConfig* ch = nullptr;
  const conf::ConnConfig* conn = conn_of_child(*m.cfg, child, ike, &ch);
  if (!conn) throw std::invalid_argument("no child '" + child + "'" + (ike.empty() ? "" : " in connection '" + ike + "'"));
  for (auto& [spi, sa] : m.sas) {
    if (sa->conn == nullptr || sa->conn->name != conn->name || sa->state == IkeState::Deleting || sa->rekeyed_by ||
        sa->state == IkeState::Dead)
      continue;
    if (sa->initiator && !sa->authenticated && sa->first_child == nullptr &&
        (!sa->out || sa->out->exchange == ExchangeType::IkeSaInit)) {
      sa->first_child = ch;
      return fmt::format("initiating CHILD_SA '{}' on IKE_SA {}[{}]", child, sa->conn->name, sa->uid);
    }
    // An IKE SA of this connection (ours or the peer's): one more child on it.
    Task t;
    t.type = TaskType::ChildCreate;
    t.child_cfg = ch;
    // Its config generation may be older: use the child of that generation.
    if (const auto* same = sa->conn->child(child)) t.child_cfg = same;
    std::string name = sa->conn->name;
    std::uint64_t uid = sa->uid;
    m.queue_task(*sa, std::move(t), now);
    return fmt::format("initiating CHILD_SA '{}' on IKE_SA {}[{}]", child, name, uid);
  }
  m.initiate_ike(*conn, ch, now);
  return fmt::format("initiating IKE_SA '{}' with CHILD_SA '{}'", conn->name, child);
}

std::string IkeManager::initiate_new_ike_sa(const std::string& ike, const std::string& child, Time now) {
  auto& m = *impl_;
  const conf::ChildConfig* ch = nullptr;
  const conf::ConnConfig* conn = conn_of_child(*m.cfg, child, ike, &ch);
  if (!conn) throw std::invalid_argument("no child '" + child + "' in connection '" + ike + "'");
  m.initiate_ike(*conn, ch, now);
  return fmt::format("initiating IKE_SA '{}' with CHILD_SA '{}'", conn->name, child);
}

std::string IkeManager::terminate_ike(const std::string& ike, Time now) {
  auto& m = *impl_;
  if (!m.cfg->connection(ike)) {
    bool any = false;
    for (auto& [spi, sa] : m.sas) any |= sa->conn && sa->conn->name == ike;
    if (!any) throw std::invalid_argument("no connection '" + ike + "'");
  }
  std::vector<std::uint64_t> spis;
  for (auto& [spi, sa] : m.sas)
    if (sa->conn && sa->conn->name == ike) spis.push_back(spi);
  unsigned n = 0;
  for (auto spi : spis) {
    IkeSa* sa = m.find(spi);
    if (!sa) continue;
    n++;
    if (!sa->authenticated) {
      m.destroy(*sa, "terminated");
      continue;
    }
    Task t;
    t.type = TaskType::IkeDelete;
    sa->queue.clear();
    m.queue_task(*sa, std::move(t), now);
  }
  return fmt::format("terminating {} IKE_SA(s) of '{}'", n, ike);
}

namespace {

// Calls fn(sa, children) for every IKE SA that has CHILD_SAs named `child`
// in a state `want` accepts; the SAs may go away while fn runs (queued
// tasks can start at once). Returns how many children were passed.
template <class Want, class Fn>
unsigned each_named_child(IkeManager::Impl& m, const std::string& child, Want want, Fn fn) {
  std::vector<std::uint64_t> spis;
  for (auto& [spi, sa] : m.sas) spis.push_back(spi);
  unsigned n = 0;
  for (auto spi : spis) {
    IkeSa* sa = m.find(spi);
    if (!sa) continue;
    std::vector<ChildSa*> picked;
    for (auto& c : sa->children)
      if (c->name == child && want(*c)) picked.push_back(c.get());
    if (picked.empty()) continue;
    n += static_cast<unsigned>(picked.size());
    fn(*sa, picked);
  }
  return n;
}

}  // namespace

std::string IkeManager::terminate_child(const std::string& child, Time now) {
  auto& m = *impl_;
  unsigned n = each_named_child(
      m, child, [](const ChildSa& c) { return c.state != ChildState::Deleting; },
      [&](IkeSa& sa, const std::vector<ChildSa*>& cs) {
        Task t;
        t.type = TaskType::ChildDelete;
        for (auto* c : cs) {
          c->state = ChildState::Deleting;
          t.delete_spis.push_back(c->spi_in);
        }
        m.queue_task(sa, std::move(t), now);
      });
  if (!n) throw std::invalid_argument("no CHILD_SA named '" + child + "' is up");
  return fmt::format("terminating {} CHILD_SA(s) named '{}'", n, child);
}

std::string IkeManager::rekey_child(const std::string& child, Time now) {
  auto& m = *impl_;
  unsigned n = each_named_child(
      m, child, [](const ChildSa& c) { return c.state == ChildState::Installed; },
      [&](IkeSa& sa, const std::vector<ChildSa*>& cs) {
        std::vector<std::uint64_t> uids;
        for (auto* c : cs) uids.push_back(c->uid);
        std::uint64_t spi = sa.local_spi();
        for (auto uid : uids) {
          IkeSa* s = m.find(spi);
          if (!s) return;
          Task t;
          t.type = TaskType::ChildRekey;
          t.child_uid = uid;
          m.queue_task(*s, std::move(t), now);
        }
      });
  if (!n) throw std::invalid_argument("no installed CHILD_SA named '" + child + "'");
  return fmt::format("rekeying {} CHILD_SA(s) named '{}'", n, child);
}

std::string IkeManager::rekey_ike(const std::string& ike, Time now) {
  auto& m = *impl_;
  unsigned n = 0;
  std::vector<std::uint64_t> spis;
  for (auto& [spi, sa] : m.sas)
    if (sa->conn && sa->conn->name == ike && sa->authenticated && sa->state == IkeState::Established && !sa->rekeyed_by)
      spis.push_back(spi);
  for (auto spi : spis) {
    IkeSa* sa = m.find(spi);
    if (!sa) continue;
    Task t;
    t.type = TaskType::IkeRekey;
    n++;
    m.queue_task(*sa, std::move(t), now);
  }
  if (!n) throw std::invalid_argument("no established IKE_SA of '" + ike + "'");
  return fmt::format("rekeying {} IKE_SA(s) of '{}'", n, ike);
}

void IkeManager::start(Time now) {
  auto& m = *impl_;
  m.sync_traps();
  for (const auto& c : m.cfg->connections)
    for (const auto& ch : c.children)
      if (ch.start_action == conf::ChildAction::Start) {
        try {
          initiate(ch.name, c.name, now);
        } catch (const std::exception& e) {
          m.log(LogLevel::Error, nullptr, "cannot start " + c.name + "/" + ch.name + ": " + e.what());
        }
      }
}

void IkeManager::reload(std::shared_ptr<const conf::Config> cfg, std::shared_ptr<const CredentialStore> creds, Time now) {
  auto& m = *impl_;
  check_supported(*cfg);  // before anything changes
  auto old = m.cfg;
  m.cfg = std::move(cfg);
  m.creds = std::move(creds);
  // SAs of connections that are gone are closed; the others keep the
  // configuration they were made with until they are rekeyed or replaced.
  std::vector<std::string> gone;
  for (const auto& c : old->connections)
    if (!m.cfg->connection(c.name)) gone.push_back(c.name);
  for (const auto& name : gone) {
    try {
      terminate_ike(name, now);
    } catch (const std::exception&) {
    }
  }
  m.sync_traps();
  for (const auto& c : m.cfg->connections)
    for (const auto& ch : c.children) {
      if (ch.start_action != conf::ChildAction::Start) continue;
      const auto* oc = old->connection(c.name);
      if (oc && oc->child(ch.name)) continue;  // was there before
      try {
        initiate(ch.name, c.name, now);
      } catch (const std::exception& e) {
        m.log(LogLevel::Error, nullptr, "cannot start " + c.name + "/" + ch.name + ": " + e.what());
      }
    }
}

}  // namespace esp::ike
