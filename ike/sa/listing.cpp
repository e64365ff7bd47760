// list-sas and list-conns in the control protocol's schemas (keys follow
// strongSwan's vici; ike/ctl/README.md).
#include <algorithm>

#include "manager_impl.hpp"
#include "sa_util.hpp"

namespace esp::ike {

using namespace detail;
using nlohmann::json;

namespace {

std::int64_t secs(Time from, Time to) {
  return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
}

// As swanctl prints them: a single host keeps its /32 or /128.
std::string ts_text(const runtime::TrafficSelector& t) {
  std::string s = t.str();
  int len = t.prefix_len();
  if ((len == 32 || len == 128) && s.find('/') == std::string::npos) {
    auto br = s.find('[');
    std::string suffix = len == 32 ? "/32" : "/128";
    s = br == std::string::npos ? s + suffix : s.substr(0, br) + suffix + s.substr(br);
  }
  return s;
}

json ts_json(const std::vector<runtime::TrafficSelector>& v) {
  json a = json::array();
  for (const auto& t : v) a.push_back(ts_text(t));
  return a;
}

const char* auth_name(conf::AuthMethod m) {
  switch (m) {
    case conf::AuthMethod::Psk: return "psk";
    case conf::AuthMethod::Rsa: return "rsa";
    case conf::AuthMethod::Ecdsa: return "ecdsa";
    case conf::AuthMethod::Pubkey: return "pubkey";
  }
  return "?";
}

const char* action_name(conf::ChildAction a) {
  switch (a) {
    case conf::ChildAction::None: return "none";
    case conf::ChildAction::Trap: return "trap";
    case conf::ChildAction::Start: return "start";
    case conf::ChildAction::Clear: return "clear";
    case conf::ChildAction::Restart: return "restart";
  }
  return "?";
}

json ts_conf_json(const std::vector<conf::TsConfig>& v) {
  json a = json::array();
  for (const auto& t : v) a.push_back(t.dynamic ? std::string("dynamic") : t.ts.str());
  return a;
}

}  // namespace

json IkeManager::Impl::sa_json(const IkeSa& sa, Time now) const {
  json j;
  j["name"] = sa.conn ? sa.conn->name : "";
  j["uniqueid"] = sa.uid;
  j["version"] = 2;
  j["state"] = ike_state_name(sa.state);
  j["initiator"] = sa.initiator;
  j["initiator-spi"] = hex64(sa.spi_i);
  j["responder-spi"] = hex64(sa.spi_r);
  j["local-host"] = sa.local.addr.str();
  j["local-port"] = sa.local.port;
  j["local-id"] = sa.local_id;
  j["remote-host"] = sa.remote.addr.str();
  j["remote-port"] = sa.remote.port;
  j["remote-id"] = sa.remote_id;
  j["nat-local"] = sa.nat_local;
  j["nat-remote"] = sa.nat_remote;
  if (sa.suite.prf) {
    j["encr-alg"] = encr_name(sa.suite.encr);
    j["encr-keysize"] = sa.suite.key_bits;
    if (sa.suite.integ != IntegId::None) j["integ-alg"] = integ_name(sa.suite.integ);
    j["prf-alg"] = prf_name(*sa.suite.prf);
    if (sa.suite.dh) j["dh-group"] = dh_name(*sa.suite.dh);
  }
  if (sa.authenticated) {
    j["established"] = secs(sa.established, now);
    if (sa.rekey_at_set) j["rekey-time"] = std::max<std::int64_t>(0, secs(now, sa.rekey_at));
  }
  json tasks = json::array();
  if (sa.out) tasks.push_back(task_name(sa.out->task.type));
  if (!tasks.empty()) j["tasks-active"] = tasks;
  json queued = json::array();
  for (const auto& t : sa.queue) queued.push_back(task_name(t.type));
  if (!queued.empty()) j["tasks-queued"] = queued;
  json children = json::array();
  for (const auto& c : sa.children) {
    json cj;
    cj["name"] = c->name;
    cj["uniqueid"] = c->uid;
    cj["reqid"] = c->reqid;
    cj["state"] = child_state_name(c->state);
    cj["mode"] = c->transport ? "TRANSPORT" : "TUNNEL";
    cj["protocol"] = "ESP";
    cj["encap"] = c->encap;
    cj["spi-in"] = hex32(c->spi_in);
    cj["spi-out"] = hex32(c->spi_out);
    cj["encr-alg"] = encr_name(c->suite.encr);
    cj["encr-keysize"] = c->suite.key_bits;
    if (c->suite.integ != IntegId::None) cj["integ-alg"] = integ_name(c->suite.integ);
    if (c->suite.dh) cj["dh-group"] = dh_name(*c->suite.dh);
    cj["esn"] = c->suite.esn;
    ChildUsage u = host.child_usage(c->handle);
    cj["bytes-in"] = u.bytes_in;
    cj["packets-in"] = u.packets_in;
    if (u.use_in >= 0) cj["use-in"] = u.use_in;
    cj["bytes-out"] = u.bytes_out;
    cj["packets-out"] = u.packets_out;
    if (u.use_out >= 0) cj["use-out"] = u.use_out;
    if (u.on_card)
      cj["card-sa"] = {{"spi-in", hex32(u.card_spi_in)},
                       {"spi-out", hex32(u.card_spi_out)},
                       {"encr-keysize", u.card_key_bits},
                       {"encap", u.card_encap},
                       {"esn", u.card_esn}};
    nlohmann::json errs = nlohmann::json::object();
    for (const auto& [name, n] : u.dp_errors) errs[name] = n;
    cj["dp-errors"] = errs;
    std::int64_t age = secs(c->installed, now);
    if (c->rekey_after > 0) cj["rekey-time"] = std::max<std::int64_t>(0, c->rekey_after - age);
    if (c->life_after > 0) cj["life-time"] = std::max<std::int64_t>(0, c->life_after - age);
    cj["install-time"] = age;
    cj["local-ts"] = ts_json(c->local_ts);
    cj["remote-ts"] = ts_json(c->remote_ts);
    cj["card"] = c->handle.out.card;
    children.push_back(cj);
  }
  j["child-sas"] = children;
  return j;
}

json IkeManager::list_sas(Time now) const {
  std::vector<const IkeSa*> v;
  for (const auto& [spi, sa] : impl_->sas) v.push_back(sa.get());
  std::sort(v.begin(), v.end(), [](const IkeSa* a, const IkeSa* b) { return a->uid < b->uid; });
  json a = json::array();
  for (const auto* sa : v) a.push_back(impl_->sa_json(*sa, now));
  return json{{"ike-sas", a}};
}

json IkeManager::list_conns() const {
  json a = json::array();
  for (const auto& c : impl_->cfg->connections) {
    json j;
    j["name"] = c.name;
    j["local-addrs"] = c.local_addrs;
    j["remote-addrs"] = c.remote_addrs;
    j["version"] = "IKEv2";
    j["local-port"] = c.local_port;
    j["remote-port"] = c.remote_port;
    json props = json::array();
    for (const auto& p : c.proposals) props.push_back(p.str());
    j["proposals"] = props;
    j["encap"] = c.encap;
    j["dpd-delay"] = c.dpd_delay;
    j["rekey-time"] = c.rekey_time;
    json certs = c.local.certs;
    j["local"] = {{"auth", auth_name(c.local.auth)}, {"id", c.local.id.text}, {"certs", certs}};
    json cacerts = c.remote.cacerts;
    j["remote"] = {{"auth", auth_name(c.remote.auth)}, {"id", c.remote.id.text.empty() ? "%any" : c.remote.id.text},
                   {"cacerts", cacerts}};
    json children = json::array();
    for (const auto& ch : c.children) {
      json cj;
      cj["name"] = ch.name;
      cj["mode"] = ch.mode == conf::ChildMode::Transport ? "TRANSPORT" : "TUNNEL";
      cj["local-ts"] = ts_conf_json(ch.local_ts);
      cj["remote-ts"] = ts_conf_json(ch.remote_ts);
      json ep = json::array();
      for (const auto& p : ch.esp_proposals) ep.push_back(p.str());
      cj["esp-proposals"] = ep;
      cj["start-action"] = action_name(ch.start_action);
      cj["dpd-action"] = action_name(ch.dpd_action);
      cj["rekey-time"] = ch.rekey_time;
      cj["life-time"] = ch.life_time;
      children.push_back(cj);
    }
    j["children"] = children;
    a.push_back(j);
  }
  return json{{"conns", a}};
}

}  // namespace esp::ike
