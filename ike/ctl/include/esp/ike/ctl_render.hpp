// espctl's text output: the `result` of a control reply (schemas in
// ike/ctl/README.md) laid out as strongSwan's swanctl lays out --list-sas,
// --list-conns and --stats, with times shown as durations ("3h58m").
//
// Every function takes whatever JSON it is given: a missing or mistyped
// field is shown as "?" or left out, never a throw.
//
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace esp::ike {

// "12s", "5m", "2m5s", "1h5m", "3h58m", "2d4h": the two largest non-zero
// units of d, h, m, s next to each other (so no seconds from an hour on);
// "0s" for 0 and below.
std::string format_duration(std::int64_t seconds);

std::string render_list_sas(const nlohmann::json &result);
std::string render_list_conns(const nlohmann::json &result);
std::string render_stats(const nlohmann::json &result);
// initiate, terminate, rekey, reload: result.message and a newline.
std::string render_message(const nlohmann::json &result);

}  // namespace esp::ike
