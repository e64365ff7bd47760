#include "esp/ike/ctl_render.hpp"

#include <cctype>
#include <cstdio>
#include <optional>

namespace esp::ike {

using nlohmann::json;

namespace {

const json &field(const json &j, const char *key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

bool has(const json &j, const char *key) { return !field(j, key).is_null(); }

std::optional<std::int64_t> num(const json &j, const char *key) {
  const json &v = field(j, key);
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    return u > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (!(d > -9.2e18 && d < 9.2e18)) return std::nullopt;  // NaN, inf, beyond int64
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

// A field as text: strings as they are, numbers in decimal, booleans yes/no.
std::string str(const json &j, const char *key, const std::string &def = "?") {
  const json &v = field(j, key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number_float()) {
    auto n = num(j, key);
    return n ? std::to_string(*n) : def;
  }
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return def;
}

bool flag(const json &j, const char *key) {
  const json &v = field(j, key);
  return v.is_boolean() && v.get<bool>();
}

std::string dur(const json &j, const char *key) {
  auto n = num(j, key);
  return n ? format_duration(*n) : "?";
}

// A list of strings joined by `sep` (a lone string is a list of one).
std::string joined(const json &j, const char *key, const char *sep = " ") {
  const json &v = field(j, key);
  if (v.is_string()) return v.get<std::string>();
  std::string out;
  if (!v.is_array()) return out;
  for (const auto &e : v) {
    if (!out.empty()) out += sep;
    out += e.is_string() ? e.get<std::string>()
                         : e.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return out;
}

const json &list(const json &j, const char *key) {
  static const json kEmpty = json::array();
  const json &v = field(j, key);
  return v.is_array() ? v : kEmpty;
}

std::string pad(const std::string &s, std::size_t w) {
  return s.size() >= w ? s : std::string(w - s.size(), ' ') + s;
}

std::string upper(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "ENCR-KEYSIZE": what swanctl prints for an algorithm and its key size.
std::string alg(const json &j, const char *name, const char *keysize) {
  std::string s = str(j, name);
  if (has(j, keysize)) s += "-" + str(j, keysize);
  return s;
}

void render_child(std::string &o, const json &c) {
  o += "  " + str(c, "name") + ": #" + str(c, "uniqueid") + ", reqid " + str(c, "reqid") + ", " +
       str(c, "state") + ", " + str(c, "mode") + (flag(c, "encap") ? "-in-UDP" : "") + ", " +
       str(c, "protocol", "ESP") + ":";
  std::string algs;
  if (has(c, "encr-alg")) algs = alg(c, "encr-alg", "encr-keysize");
  if (has(c, "integ-alg")) algs += (algs.empty() ? "" : "/") + alg(c, "integ-alg", "integ-keysize");
  if (has(c, "dh-group")) algs += "/" + str(c, "dh-group");
  if (flag(c, "esn")) algs += "/ESN";
  o += algs + "\n";

  o += "    installed " + dur(c, "install-time") + " ago";
  if (has(c, "rekey-time")) o += ", rekeying in " + dur(c, "rekey-time");
  if (has(c, "life-time")) o += ", expires in " + dur(c, "life-time");
  o += "\n";
  for (const char *dir : {"in", "out"}) {
    const std::string d(dir);
    o += "    " + d + (d == "in" ? "  " : " ") + str(c, ("spi-" + d).c_str()) + ", " +
         pad(str(c, ("bytes-" + d).c_str(), "0"), 6) + " bytes, " +
         pad(str(c, ("packets-" + d).c_str(), "0"), 5) + " packets";
    const std::string use = "use-" + d;
    if (has(c, use.c_str())) o += ", " + pad(dur(c, use.c_str()), 6) + " ago";
    o += "\n";
  }
  o += "    local  " + joined(c, "local-ts") + "\n";
  o += "    remote " + joined(c, "remote-ts") + "\n";
  if (has(c, "card")) o += "    card   " + str(c, "card") + "\n";
  const json &errs = field(c, "dp-errors");
  if (errs.is_object() && !errs.empty()) {
    std::string e;
    for (auto it = errs.begin(); it != errs.end(); ++it)
      e += (e.empty() ? "" : ", ") + it.key() + " " + str(errs, it.key().c_str());
    o += "    errors " + e + "\n";
  }
}

void render_ike(std::string &o, const json &s) {
  const bool init = flag(s, "initiator");
  o += str(s, "name") + ": #" + str(s, "uniqueid") + ", " + str(s, "state") + ", IKEv" +
       str(s, "version", "2") + ", " + str(s, "initiator-spi") + "_i" + (init ? "*" : "") + " " +
       str(s, "responder-spi") + "_r" + (init ? "" : "*") + "\n";
  o += "  local  '" + str(s, "local-id") + "' @ " + str(s, "local-host") + "[" +
       str(s, "local-port") + "]" + (flag(s, "nat-local") ? " [NAT]" : "") + "\n";
  o += "  remote '" + str(s, "remote-id") + "' @ " + str(s, "remote-host") + "[" +
       str(s, "remote-port") + "]" + (flag(s, "nat-remote") ? " [NAT]" : "") + "\n";
  if (has(s, "encr-alg")) {
    o += "  " + alg(s, "encr-alg", "encr-keysize");
    if (has(s, "integ-alg")) o += "/" + alg(s, "integ-alg", "integ-keysize");
    o += "/" + str(s, "prf-alg") + "/" + str(s, "dh-group") + "\n";
  }
  if (has(s, "established")) {
    o += "  established " + dur(s, "established") + " ago";
    if (has(s, "rekey-time")) o += ", rekeying in " + dur(s, "rekey-time");
    if (has(s, "reauth-time")) o += ", reauth in " + dur(s, "reauth-time");
    o += "\n";
  }
  const std::string active = joined(s, "tasks-active");
  if (!active.empty()) o += "  active:  " + active + "\n";
  for (const auto &c : list(s, "child-sas")) render_child(o, c);
}

// swanctl's words for an auth class; ours are swanctl.conf's `auth` values.
std::string auth_class(const json &a) {
  const std::string v = str(a, "auth", "");
  if (v.empty()) return "unspecified";
  if (v == "psk") return "pre-shared key";
  if (v == "pubkey" || v.rfind("rsa", 0) == 0 || v.rfind("ecdsa", 0) == 0 ||
      v.rfind("pubkey-", 0) == 0)
    return "public key";
  return v;
}

void render_auth(std::string &o, const json &a, const char *side, const char *certs_key) {
  o += std::string("  ") + side + " " + auth_class(a) + " authentication:\n";
  if (has(a, "id")) o += "    id: " + str(a, "id") + "\n";
  const std::string certs = joined(a, certs_key);
  if (!certs.empty()) o += std::string("    ") + certs_key + ": " + certs + "\n";
}

void render_conn(std::string &o, const json &c) {
  o += str(c, "name") + ": " + str(c, "version", "IKEv2") + ", ";
  auto reauth = num(c, "reauth-time");
  o += reauth && *reauth > 0 ? "reauthentication every " + format_duration(*reauth)
                             : std::string("no reauthentication");
  auto rekey = num(c, "rekey-time");
  o += rekey && *rekey > 0 ? ", rekeying every " + format_duration(*rekey) : ", no rekeying";
  auto dpd = num(c, "dpd-delay");
  if (dpd && *dpd > 0) o += ", dpd delay " + format_duration(*dpd);
  o += "\n";
  for (const char *side : {"local", "remote"}) {
    const std::string key = std::string(side) + "-addrs";
    const std::string label = std::string("  ") + side + ":" + (side[0] == 'l' ? "  " : " ");
    const json &addrs = list(c, key.c_str());
    if (addrs.empty()) o += label + "%any\n";
    for (const auto &a : addrs)
      o += label + (a.is_string() ? a.get<std::string>() : a.dump()) + "\n";
  }
  auto lport = num(c, "local-port"), rport = num(c, "remote-port");
  if ((lport && *lport != 500) || (rport && *rport != 500))
    o += "  ports:  local " + str(c, "local-port", "500") + ", remote " +
         str(c, "remote-port", "500") + "\n";
  const std::string props = joined(c, "proposals");
  if (!props.empty()) o += "  proposals: " + props + "\n";
  if (flag(c, "encap")) o += "  encap: UDP encapsulation forced\n";
  render_auth(o, field(c, "local"), "local", "certs");
  render_auth(o, field(c, "remote"), "remote", "cacerts");
  for (const auto &ch : list(c, "children")) {
    o += "  " + str(ch, "name") + ": " + upper(str(ch, "mode", "TUNNEL")) + ", ";
    auto r = num(ch, "rekey-time");
    o += r && *r > 0 ? "rekeying every " + format_duration(*r) : std::string("no rekeying");
    if (dpd && *dpd > 0 && has(ch, "dpd-action")) o += ", dpd action is " + str(ch, "dpd-action");
    o += "\n";
    o += "    local:  " + joined(ch, "local-ts") + "\n";
    o += "    remote: " + joined(ch, "remote-ts") + "\n";
    const std::string esp = joined(ch, "esp-proposals");
    if (!esp.empty()) o += "    esp proposals: " + esp + "\n";
    const std::string start = str(ch, "start-action", "none");
    if (start != "none") o += "    start action: " + start + "\n";
  }
}

}  // namespace

std::string format_duration(std::int64_t s) {
  if (s <= 0) return "0s";
  struct Unit {
    std::int64_t secs;
    const char *name;
  };
  static const Unit kUnits[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  for (std::size_t i = 0; i < 4; ++i) {
    if (s < kUnits[i].secs) continue;
    std::string out = std::to_string(s / kUnits[i].secs) + kUnits[i].name;
    if (i < 3) {
      std::int64_t rest = (s % kUnits[i].secs) / kUnits[i + 1].secs;
      if (rest > 0) out += std::to_string(rest) + kUnits[i + 1].name;
    }
    return out;
  }
  return "0s";
}

std::string render_list_sas(const json &result) {
  std::string o;
  for (const auto &s : list(result, "ike-sas")) render_ike(o, s);
  return o;
}

std::string render_list_conns(const json &result) {
  std::string o;
  for (const auto &c : list(result, "conns")) render_conn(o, c);
  return o;
}

std::string render_stats(const json &r) {
  std::string o;
  o += "uptime: " + dur(r, "uptime") + "\n";
  const json &ike = field(r, "ike-sas");
  o += "IKE_SAs: " + str(ike, "total") + " total, " + str(ike, "half-open") + " half-open\n";
  o += "CHILD_SAs: " + str(r, "child-sas") + " total\n";
  const json &m = field(r, "ike");
  if (m.is_object())
    o += "IKE messages: " + str(m, "rx") + " received, " + str(m, "tx") + " sent, " +
         str(m, "retransmits") + " retransmitted, " + str(m, "bad-messages") + " bad, " +
         str(m, "cookies-sent") + " cookies sent\n";
  for (const auto &c : list(r, "cards"))
    o += "card " + str(c, "card") + ": " + str(c, "sas") + " SAs, " + str(c, "runs") + " runs, " +
         str(c, "packets") + " packets\n";
  const json &dp = field(r, "dataplane");
  if (dp.is_object()) {
    const json &tun = field(dp, "tun"), &tx = field(dp, "tx"), &rx = field(dp, "rx");
    o += "gateway " + str(tun, "name") + " (MTU " + str(tun, "mtu") + "), " + str(dp, "threads") +
         " thread(s) per direction\n";
    o += "  out: " + str(tun, "rx") + " read, " + str(tx, "encrypted") + " encrypted, " + str(tx, "sent") +
         " sent (" + str(tx, "udp") + " UDP, " + str(tx, "raw") + " raw ESP)\n";
    o += "  in:  " + str(rx, "udp") + " UDP + " + str(rx, "raw") + " raw ESP received, " + str(rx, "decrypted") +
         " decrypted, " + str(rx, "written") + " written; " + str(rx, "keepalive") + " keepalives, " +
         str(rx, "ike") + " IKE on the NAT-T port\n";
    const json &st = field(dp, "status");
    if (st.is_object() && !st.empty()) {
      std::string e;
      for (auto it = st.begin(); it != st.end(); ++it)
        e += (e.empty() ? "" : ", ") + it.key() + " " + str(st, it.key().c_str());
      o += "  failed: " + e + "\n";
    }
  }
  for (const auto &t : list(r, "traps")) o += "trap " + (t.is_string() ? t.get<std::string>() : t.dump()) + "\n";
  return o;
}

std::string render_message(const json &result) {
  const json &m = field(result, "message");
  if (m.is_string()) return m.get<std::string>() + "\n";
  return result.is_null() ? std::string()
                          : result.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace esp::ike
