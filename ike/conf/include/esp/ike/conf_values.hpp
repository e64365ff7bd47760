// Scalar values as swanctl.conf writes them (strongSwan's vici config
// parsers): durations, byte/packet counts, booleans and lists.
//
//   numbers   decimal, or hexadecimal with 0x (strongswan.conf(5) NUMBER
//             FORMATS); leading zeros are decimal, not octal
//   duration  a number with an optional unit s, m, h, d (either case),
//             blanks allowed before the unit; no unit = seconds.
//             "4h" = 14400, "30m", "3600s", "1d", "90".
//   count     a number with an optional multiplier k, m, g (either case),
//             powers of 1024 as strongSwan's parse_bytes does:
//             "10k" = 10240, "500M", "1G".
//   bool      yes/true/enabled/1 and no/false/disabled/0, any case.
//   list      comma separated, blanks around items trimmed, empty items
//             dropped ("a, b,c" -> a b c).
// Unlike strongSwan we refuse values that would overflow 64 bits (it wraps).
//
// Every parser throws std::invalid_argument saying what it expected; the
// model adds file:line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace esp::ike::conf {

uint64_t parse_duration(const std::string& text);
uint64_t parse_count(const std::string& text);
bool parse_bool(const std::string& text);
std::vector<std::string> split_list(const std::string& text);

// The shortest exact form: "4h", "90m", "3601s" (so parse(format(x)) == x).
std::string format_duration(uint64_t seconds);
// "1G", "500M", "10k", "1000" (exact; multiples of 1024 only get a suffix).
std::string format_count(uint64_t n);

}  // namespace esp::ike::conf
