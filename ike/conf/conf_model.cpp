// Connections and children from a swanctl.conf tree: see conf_model.hpp.
#include "esp/ike/conf_model.hpp"

#include <limits>

#include "conf_keys.hpp"
#include "esp/ike/conf_values.hpp"

namespace esp::ike::conf {

using detail::choose;
using detail::convert;
using detail::other_key;
using detail::other_section;

const ChildConfig* ConnConfig::child(const std::string& n) const {
  for (const auto& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

const ConnConfig* Config::connection(const std::string& n) const {
  for (const auto& c : connections)
    if (c.name == n) return &c;
  return nullptr;
}

namespace {

bool starts_with(const std::string& s, const char* p) { return s.compare(0, std::string(p).size(), p) == 0; }

template <typename T>
T bounded(const std::string& text, uint64_t lo, uint64_t hi) {
  uint64_t v = parse_count(text);
  if (v < lo || v > hi)
    throw std::invalid_argument("'" + text + "' is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<T>(v);
}

uint32_t u32(const std::string& t) { return bounded<uint32_t>(t, 0, std::numeric_limits<uint32_t>::max()); }
uint16_t port(const std::string& t) { return bounded<uint16_t>(t, 1, 65535); }

// local_addrs / remote_addrs items: %any, %any4, %any6, an address, a
// subnet or range (checked), or a DNS name (kept for the daemon to resolve).
std::vector<std::string> addr_list(const std::string& text) {
  auto items = split_list(text);
  if (items.empty()) throw std::invalid_argument("empty address list");
  for (const auto& a : items) {
    if (a == "%any" || a == "%any4" || a == "%any6") continue;
    if (a[0] == '%') throw std::invalid_argument("'" + a + "' is not supported (use %any, %any4, %any6, addresses or names)");
    bool ip_like = a.find(':') != std::string::npos || a.find('/') != std::string::npos ||
                   a.find_first_not_of("0123456789.-") == std::string::npos;
    if (ip_like) runtime::TrafficSelector::parse(a);  // throws with the reason
  }
  return items;
}

std::vector<TsConfig> ts_list(const std::string& text) {
  std::vector<TsConfig> out;
  auto items = split_list(text);
  if (items.empty()) throw std::invalid_argument("empty traffic selector list");
  for (const auto& item : items) {
    TsConfig t;
    t.text = item;
    if (starts_with(item, "dynamic")) {
      std::string rest = item.substr(7);
      if (!rest.empty() && rest[0] != '[')
        throw std::invalid_argument("'" + item + "' is not a traffic selector");
      t.dynamic = true;
      if (!rest.empty()) {
        runtime::TrafficSelector any = runtime::TrafficSelector::parse("0.0.0.0/0" + rest);
        t.ts.proto = any.proto;
        t.ts.port_from = any.port_from;
        t.ts.port_to = any.port_to;
      }
    } else {
      t.ts = runtime::TrafficSelector::parse(item);
    }
    out.push_back(t);
  }
  return out;
}

std::vector<Proposal> proposal_list(const std::string& text, ProposalKind kind) {
  return parse_proposals(split_list(text), kind);
}

std::vector<TsConfig> dynamic_ts() {
  TsConfig t;
  t.dynamic = true;
  t.text = "dynamic";
  return {t};
}

// life = rekey * 1.1 when unset; rand = life - rekey when unset.
void lifetimes(uint64_t rekey, uint64_t& life, uint64_t& rand, const ConfValue* life_v, const ConfValue* rand_v,
               const char* unit) {
  if (!life_v) life = rekey > std::numeric_limits<uint64_t>::max() / 11 ? rekey : rekey / 10 * 11 + rekey % 10 * 11 / 10;
  if (!rand_v) rand = life > rekey ? life - rekey : 0;
  // strongSwan does not check this; a hard limit at or before the rekey
  // would delete the SA before it is rekeyed, so we refuse it.
  if (life_v && life != 0 && rekey >= life) {
    throw ConfError(life_v->loc, std::string("rekey_") + unit + " (" + std::to_string(rekey) + ") must be less than life_" +
                                 unit + " (" + std::to_string(life) + ")");
  }
}

AuthConfig load_auth(const ConfSection& s, bool local, const std::string& conn) {
  AuthConfig a;
  a.section = s.name;
  a.loc = s.loc;
  if (!local) a.id = Identity::parse("%any");
  const std::string where = "'" + s.name + "' of connection '" + conn + "'";
  for (const auto& v : s.values) {
    if (v.name == "auth") {
      a.auth = convert(v, [](const std::string& t) {
        if (starts_with(t, "eap")) throw std::invalid_argument("EAP ('" + t + "') is not supported (use pubkey or psk)");
        if (starts_with(t, "xauth")) throw std::invalid_argument("XAuth ('" + t + "') is IKEv1 and not supported");
        return choose<AuthMethod>(t, {{"pubkey", AuthMethod::Pubkey}, {"rsa", AuthMethod::Rsa},
                                      {"ecdsa", AuthMethod::Ecdsa}, {"psk", AuthMethod::Psk}});
      });
    } else if (v.name == "id") {
      a.id = convert(v, Identity::parse);
    } else if (v.name == "certs") {
      a.certs = split_list(v.value);
    } else if (v.name == "pubkeys") {
      a.pubkeys = split_list(v.value);
    } else if (!local && v.name == "cacerts") {
      a.cacerts = split_list(v.value);
    } else if (!local && v.name == "revocation") {
      a.revocation = convert(v, [](const std::string& t) {
        return choose<Revocation>(t, {{"relaxed", Revocation::Relaxed}, {"ifuri", Revocation::IfUri},
                                      {"strict", Revocation::Strict}});
      });
    } else if (local) {
      other_key(v, where, {{"round", "several authentication rounds (RFC 4739)", "0"},
                           {"eap_id", "EAP"}, {"aaa_id", "EAP"}, {"xauth_id", "XAuth (IKEv1)"},
                           {"ppk_id", "post-quantum preshared keys"}},
               {"auth", "id", "certs", "pubkeys"});
    } else {
      other_key(v, where, {{"round", "several authentication rounds (RFC 4739)", "0"},
                           {"eap_id", "EAP"}, {"groups", "group membership checks"},
                           {"cert_policy", "certificate policy checks"}, {"ca_id", "CA identities (use cacerts)"}},
               {"auth", "id", "certs", "pubkeys", "cacerts", "revocation"});
    }
  }
  if (!s.sections.empty())
    other_section(s.sections.front(), where,
                  {{"cert", "certificates on tokens (PKCS#11); use certs", nullptr, true},
                   {"cacert", "CA certificates on tokens (PKCS#11); use cacerts", nullptr, true}});
  return a;
}

ChildConfig load_child(const ConfSection& s, const std::string& conn) {
  ChildConfig c;
  c.name = s.name;
  c.loc = s.loc;
  const std::string where = "child '" + s.name + "' of connection '" + conn + "'";
  const ConfValue *life_t = nullptr, *rand_t = nullptr, *life_b = nullptr,
                  *rand_b = nullptr, *life_p = nullptr, *rand_p = nullptr;
  bool esp_set = false;
  for (const auto& v : s.values) {
    const std::string& n = v.name;
    if (n == "local_ts") {
      c.local_ts = convert(v, ts_list);
    } else if (n == "remote_ts") {
      c.remote_ts = convert(v, ts_list);
    } else if (n == "esp_proposals") {
      c.esp_proposals = convert(v, [](const std::string& t) { return proposal_list(t, ProposalKind::Esp); });
      esp_set = true;
    } else if (n == "mode") {
      c.mode = convert(v, [](const std::string& t) {
        if (t == "beet" || t == "pass" || t == "drop")
          throw std::invalid_argument("mode '" + t + "' is not supported (tunnel or transport)");
        return choose<ChildMode>(t, {{"tunnel", ChildMode::Tunnel}, {"transport", ChildMode::Transport}});
      });
    } else if (n == "start_action") {
      c.start_action = convert(v, [](const std::string& t) {
        return choose<ChildAction>(t, {{"none", ChildAction::None}, {"trap", ChildAction::Trap},
                                       {"start", ChildAction::Start}});
      });
    } else if (n == "close_action") {
      // clear, hold and restart: the names of older strongSwan releases.
      c.close_action = convert(v, [](const std::string& t) {
        return choose<ChildAction>(t, {{"none", ChildAction::None}, {"trap", ChildAction::Trap},
                                       {"start", ChildAction::Start}, {"clear", ChildAction::None},
                                       {"hold", ChildAction::Trap}, {"restart", ChildAction::Start}});
      });
    } else if (n == "dpd_action") {
      c.dpd_action = convert(v, [](const std::string& t) {
        return choose<ChildAction>(t, {{"clear", ChildAction::Clear}, {"none", ChildAction::Clear},
                                       {"trap", ChildAction::Trap}, {"restart", ChildAction::Restart},
                                       {"start", ChildAction::Restart}, {"hold", ChildAction::Trap}});
      });
    } else if (n == "rekey_time") {
      c.rekey_time = convert(v, parse_duration);
    } else if (n == "life_time") {
      c.life_time = convert(v, parse_duration);
      life_t = &v;
    } else if (n == "rand_time") {
      c.rand_time = convert(v, parse_duration);
      rand_t = &v;
    } else if (n == "rekey_bytes") {
      c.rekey_bytes = convert(v, parse_count);
    } else if (n == "life_bytes") {
      c.life_bytes = convert(v, parse_count);
      life_b = &v;
    } else if (n == "rand_bytes") {
      c.rand_bytes = convert(v, parse_count);
      rand_b = &v;
    } else if (n == "rekey_packets") {
      c.rekey_packets = convert(v, parse_count);
    } else if (n == "life_packets") {
      c.life_packets = convert(v, parse_count);
      life_p = &v;
    } else if (n == "rand_packets") {
      c.rand_packets = convert(v, parse_count);
      rand_p = &v;
    } else if (n == "replay_window") {
      c.replay_window = convert(v, u32);
    } else if (n == "hw_offload") {
      c.hw_offload = convert(v, [](const std::string& t) {
        return choose<HwOffload>(t, {{"no", HwOffload::No}, {"yes", HwOffload::Yes}, {"auto", HwOffload::Auto},
                                     {"crypto", HwOffload::Crypto}, {"packet", HwOffload::Packet}});
      });
    } else if (n == "reqid") {
      c.reqid = convert(v, u32);
    } else {
      other_key(v, where,
                {{"updown", "updown scripts are not run: esp-iked installs SAs and policies in the card itself"},
                 {"ah_proposals", "AH (the card does ESP)"},
                 {"ipcomp", "IPComp", "no"},
                 {"inactivity", "inactivity timeouts", "0"},
                 {"policies", "SAs without policies", "yes"},
                 {"policies_fwd_out", "outbound FWD policies", "no"},
                 {"hostaccess", "host access policies", "no"},
                 {"sha256_96", "truncated SHA-256 (ESP integrity is AES-GCM/GMAC)", "no"},
                 {"copy_df", "not copying DF", "yes"},
                 {"copy_ecn", "not copying ECN", "yes"},
                 {"copy_dscp", "DSCP copy modes other than out", "out"},
                 {"per_cpu_sas", "per-CPU SAs", "no"},
                 {"tfc_padding", "TFC padding", "0"},
                 {"mark_in", "XFRM marks"}, {"mark_in_sa", "XFRM marks"}, {"mark_out", "XFRM marks"},
                 {"set_mark_in", "XFRM marks"}, {"set_mark_out", "XFRM marks"},
                 {"if_id_in", "XFRM interface IDs"}, {"if_id_out", "XFRM interface IDs"},
                 {"label", "security labels"}, {"label_mode", "security labels"},
                 {"priority", "explicit policy priorities", "0"},
                 {"interface", "binding policies to an interface"}},
                {"local_ts", "remote_ts", "esp_proposals", "mode", "start_action", "close_action", "dpd_action",
                 "rekey_time", "life_time", "rand_time", "rekey_bytes", "life_bytes", "rand_bytes", "rekey_packets",
                 "life_packets", "rand_packets", "replay_window", "hw_offload", "reqid"});
    }
  }
  if (!s.sections.empty()) other_section(s.sections.front(), where, {});
  if (c.local_ts.empty()) c.local_ts = dynamic_ts();
  if (c.remote_ts.empty()) c.remote_ts = dynamic_ts();
  if (!esp_set) c.esp_proposals = default_esp_proposals();
  lifetimes(c.rekey_time, c.life_time, c.rand_time, life_t, rand_t, "time");
  lifetimes(c.rekey_bytes, c.life_bytes, c.rand_bytes, life_b, rand_b, "bytes");
  lifetimes(c.rekey_packets, c.life_packets, c.rand_packets, life_p, rand_p, "packets");
  return c;
}

ConnConfig load_conn(const ConfSection& s) {
  ConnConfig c;
  c.name = s.name;
  c.loc = s.loc;
  const std::string where = "connection '" + s.name + "'";
  bool over_set = false, rand_set = false, props_set = false;
  for (const auto& v : s.values) {
    const std::string& n = v.name;
    if (n == "version") {
      c.version = convert(v, [](const std::string& t) -> unsigned {
        uint64_t x = parse_count(t);
        if (x == 0 || x == 2) return 2;
        if (x == 1) throw std::invalid_argument("IKEv1 (version = 1) is not supported; use 2 or 0");
        throw std::invalid_argument("expected 0, 1 or 2, got '" + t + "'");
      });
    } else if (n == "local_addrs") {
      c.local_addrs = convert(v, addr_list);
    } else if (n == "remote_addrs") {
      c.remote_addrs = convert(v, addr_list);
    } else if (n == "local_port") {
      c.local_port = convert(v, port);
    } else if (n == "remote_port") {
      c.remote_port = convert(v, port);
    } else if (n == "proposals") {
      c.proposals = convert(v, [](const std::string& t) { return proposal_list(t, ProposalKind::Ike); });
      props_set = true;
    } else if (n == "encap") {
      c.encap = convert(v, parse_bool);
    } else if (n == "dpd_delay") {
      c.dpd_delay = convert(v, parse_duration);
    } else if (n == "dpd_timeout") {
      c.dpd_timeout = convert(v, parse_duration);
    } else if (n == "rekey_time") {
      c.rekey_time = convert(v, parse_duration);
    } else if (n == "reauth_time") {
      c.reauth_time = convert(v, parse_duration);
    } else if (n == "over_time") {
      c.over_time = convert(v, parse_duration);
      over_set = true;
    } else if (n == "rand_time") {
      c.rand_time = convert(v, parse_duration);
      rand_set = true;
    } else if (n == "fragmentation") {
      c.fragmentation = convert(v, [](const std::string& t) {
        return choose<Fragmentation>(t, {{"yes", Fragmentation::Yes}, {"no", Fragmentation::No},
                                         {"accept", Fragmentation::Accept}, {"force", Fragmentation::Force}});
      });
    } else if (n == "mobike") {
      // We never offer MOBIKE (RFC 4555), so peers do not use it; asking for
      // it is an error rather than a setting we would ignore.
      c.mobike = convert(v, [](const std::string& t) {
        if (parse_bool(t))
          throw std::invalid_argument("'mobike = yes' is not supported: MOBIKE (RFC 4555) is never offered, "
                                      "so peers do not use it (set no or leave it out)");
        return false;
      });
    } else if (n == "send_certreq") {
      c.send_certreq = convert(v, parse_bool);
    } else if (n == "send_cert") {
      c.send_cert = convert(v, [](const std::string& t) {
        return choose<SendCert>(t, {{"ifasked", SendCert::IfAsked}, {"always", SendCert::Always},
                                    {"never", SendCert::Never}});
      });
    } else if (n == "keyingtries") {
      c.keyingtries = convert(v, u32);
    } else if (n == "unique") {
      c.unique = convert(v, [](const std::string& t) {
        return choose<UniquePolicy>(t, {{"no", UniquePolicy::No}, {"never", UniquePolicy::Never},
                                        {"keep", UniquePolicy::Keep}, {"replace", UniquePolicy::Replace}});
      });
    } else {
      other_key(v, where,
                {{"pull", "IKEv1 mode config", "yes"},
                 {"aggressive", "IKEv1 aggressive mode", "no"},
                 {"dscp", "DSCP marking of IKE packets", "000000"},
                 {"vips", "virtual IPs"},
                 {"pools", "address pools"},
                 {"ppk_id", "post-quantum preshared keys"},
                 {"ppk_required", "post-quantum preshared keys", "no"},
                 {"if_id_in", "XFRM interface IDs"}, {"if_id_out", "XFRM interface IDs"},
                 {"mediation", "IKEv2 mediation", "no"}, {"mediated_by", "IKEv2 mediation"},
                 {"mediation_peer", "IKEv2 mediation"},
                 {"childless", "childless IKE_SA initiation", "allow"}},
                {"version", "local_addrs", "remote_addrs", "local_port", "remote_port", "proposals", "encap",
                 "dpd_delay", "dpd_timeout", "rekey_time", "reauth_time", "over_time", "rand_time", "fragmentation",
                 "mobike", "send_certreq", "send_cert", "keyingtries", "unique"});
    }
  }
  bool local_seen = false, remote_seen = false;
  for (const auto& sub : s.sections) {
    if (sub.name == "children") {
      if (!sub.values.empty())
        throw ConfError(sub.values.front().loc,
                        "unknown key '" + sub.values.front().name + "' in children of connection '" + s.name + "'");
      for (const auto& ch : sub.sections) c.children.push_back(load_child(ch, s.name));
    } else if (starts_with(sub.name, "local") || starts_with(sub.name, "remote")) {
      bool local = starts_with(sub.name, "local");
      bool& seen = local ? local_seen : remote_seen;
      if (seen)
        throw ConfError(sub.loc, "'" + sub.name + "' in " + where +
                                     " is not supported: several authentication rounds (RFC 4739)");
      seen = true;
      (local ? c.local : c.remote) = load_auth(sub, local, s.name);
    } else {
      other_section(sub, where, {});
    }
  }
  if (!remote_seen) c.remote.id = Identity::parse("%any");
  if (!props_set) c.proposals = default_ike_proposals();
  uint64_t longest = std::max(c.rekey_time, c.reauth_time);
  if (!over_set) c.over_time = longest / 10;
  if (!rand_set) c.rand_time = c.over_time;
  return c;
}

}  // namespace

Config load_config(const ConfSection& root) {
  Config cfg;
  for (const auto& v : root.values) other_key(v, "the top level", {});
  for (const auto& s : root.sections) {
    if (s.name == "connections") {
      if (!s.values.empty())
        throw ConfError(s.values.front().loc, "unknown key '" + s.values.front().name +
                                                  "' in connections (expected sections name { ... })");
      for (const auto& c : s.sections) cfg.connections.push_back(load_conn(c));
    } else if (s.name == "secrets") {
      load_secrets(s, cfg);
    } else {
      other_section(s, "the top level",
                    {{"authorities", "CA sections (use cacerts in remote)"}, {"pools", "address pools"}});
    }
  }
  return cfg;
}

Config load_config_file(const std::string& path) {
  ConfSection root = parse_conf_file(path);
  try {
    Config c = load_config(root);
    wipe_secrets(root);
    return c;
  } catch (...) {
    wipe_secrets(root);
    throw;
  }
}

}  // namespace esp::ike::conf
