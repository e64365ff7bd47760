#include "esp/ike/ctl_protocol.hpp"

#include <cstdint>
#include <initializer_list>

namespace esp::ike {

using nlohmann::json;

namespace {

// Which name arguments a command takes: every one optional here, the rules
// on how many must be there are in validate_request().
struct CmdSpec {
  const char *cmd;
  std::initializer_list<const char *> keys;
};

const CmdSpec kCmds[] = {
    {"list-sas", {}},
    {"list-conns", {}},
    {"stats", {}},
    {"reload", {}},
    {"initiate", {"child", "ike", "timeout"}},
    {"terminate", {"child", "ike"}},
    {"rekey", {"child", "ike"}},
};

std::optional<std::string> check_name(const json &req, const char *key) {
  const json &v = req.at(key);
  if (!v.is_string()) return std::string("\"") + key + "\" must be a string";
  const auto &s = v.get_ref<const std::string &>();
  if (s.empty() || s.size() > 255)
    return std::string("\"") + key + "\" must be 1 to 255 characters long";
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f)
      return std::string("\"") + key + "\" contains a control character";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> validate_request(const json &req) {
  if (!req.is_object()) return "a request must be a JSON object";
  auto it = req.find("cmd");
  if (it == req.end() || !it->is_string()) return "a request needs a \"cmd\" string";
  const auto &cmd = it->get_ref<const std::string &>();
  const CmdSpec *spec = nullptr;
  for (const auto &c : kCmds)
    if (cmd == c.cmd) spec = &c;
  if (spec == nullptr) {
    std::string known;
    for (const auto &c : kCmds) known += std::string(known.empty() ? "" : ", ") + c.cmd;
    return "unknown cmd \"" + cmd + "\" (known: " + known + ")";
  }
  for (const auto &kv : req.items()) {
    if (kv.key() == "cmd") continue;
    bool known = false;
    for (const char *k : spec->keys) known = known || kv.key() == k;
    if (!known) return "\"" + cmd + "\" takes no argument \"" + kv.key() + "\"";
  }
  for (const char *k : {"child", "ike"})
    if (req.contains(k))
      if (auto e = check_name(req, k)) return e;
  const bool child = req.contains("child"), ike = req.contains("ike");
  if (cmd == "initiate") {
    if (!child) return "initiate needs \"child\"";
    if (req.contains("timeout")) {
      const json &t = req.at("timeout");
      const bool in_range =
          t.is_number_unsigned()  ? t.get<std::uint64_t>() >= 1 &&
                                        t.get<std::uint64_t>() <= kMaxInitiateTimeout
          : t.is_number_integer() ? t.get<std::int64_t>() >= 1 &&
                                        t.get<std::int64_t>() <= kMaxInitiateTimeout
                                  : false;
      if (!in_range)
        return "\"timeout\" must be an integer from 1 to " + std::to_string(kMaxInitiateTimeout);
    }
  } else if (cmd == "terminate" || cmd == "rekey") {
    if (child == ike) return cmd + " needs exactly one of \"child\" and \"ike\"";
  }
  return std::nullopt;
}

std::string json_line(const json &j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

// "ok" first, for whoever reads the socket by eye.
std::string ok_reply_line(const json &result) {
  return "{\"ok\":true,\"result\":" + result.dump(-1, ' ', false, json::error_handler_t::replace) +
         "}\n";
}

std::string error_reply_line(const std::string &error) {
  return "{\"ok\":false,\"error\":" +
         json(error).dump(-1, ' ', false, json::error_handler_t::replace) + "}\n";
}

}  // namespace esp::ike
