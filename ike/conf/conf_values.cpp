// swanctl.conf scalar values: see conf_values.hpp.
#include "esp/ike/conf_values.hpp"

#include <cctype>
#include <limits>
#include <stdexcept>

namespace esp::ike::conf {

namespace {

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

// Decimal digits at the start of s (after trimming); rest gets what follows
// (blanks skipped).
uint64_t leading_number(const std::string& s, std::string& rest, const char* what) {
  size_t i = 0;
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0])))
    throw std::invalid_argument(std::string("expected ") + what + ", got '" + s + "'");
  uint64_t v = 0, base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && std::isxdigit(static_cast<unsigned char>(s[2]))) {
    base = 16;
    i = 2;
  }
  for (; i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i])); ++i) {
    char c = s[i];
    if (base == 10 && !std::isdigit(static_cast<unsigned char>(c))) break;
    uint64_t d = std::isdigit(static_cast<unsigned char>(c))
                     ? static_cast<uint64_t>(c - '0')
                     : static_cast<uint64_t>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    if (v > (std::numeric_limits<uint64_t>::max() - d) / base)
      throw std::invalid_argument(std::string(what) + " '" + s + "' is too large");
    v = v * base + d;
  }
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  rest = s.substr(i);
  return v;
}

uint64_t scale(uint64_t v, uint64_t m, const std::string& s, const char* what) {
  if (m != 0 && v > std::numeric_limits<uint64_t>::max() / m)
    throw std::invalid_argument(std::string(what) + " '" + s + "' is too large");
  return v * m;
}

}  // namespace

uint64_t parse_duration(const std::string& text) {
  std::string s = trim(text), rest;
  const char* what = "a duration (a number with an optional s, m, h or d)";
  uint64_t v = leading_number(s, rest, what);
  if (rest.empty() || rest == "s" || rest == "S") return v;
  if (rest == "m" || rest == "M") return scale(v, 60, s, "duration");
  if (rest == "h" || rest == "H") return scale(v, 3600, s, "duration");
  if (rest == "d" || rest == "D") return scale(v, 86400, s, "duration");
  throw std::invalid_argument(std::string("expected ") + what + ", got '" + s + "'");
}

uint64_t parse_count(const std::string& text) {
  std::string s = trim(text), rest;
  const char* what = "a number with an optional k, M or G";
  uint64_t v = leading_number(s, rest, what);
  if (rest.empty()) return v;
  if (rest == "k" || rest == "K") return scale(v, uint64_t{1} << 10, s, "number");
  if (rest == "m" || rest == "M") return scale(v, uint64_t{1} << 20, s, "number");
  if (rest == "g" || rest == "G") return scale(v, uint64_t{1} << 30, s, "number");
  throw std::invalid_argument(std::string("expected ") + what + ", got '" + s + "'");
}

bool parse_bool(const std::string& text) {
  std::string s = trim(text);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "yes" || s == "true" || s == "enabled" || s == "1") return true;
  if (s == "no" || s == "false" || s == "disabled" || s == "0") return false;
  throw std::invalid_argument("expected yes or no, got '" + trim(text) + "'");
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    std::string item = trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

std::string format_duration(uint64_t s) {
  if (s != 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

std::string format_count(uint64_t n) {
  if (n != 0 && n % (uint64_t{1} << 30) == 0) return std::to_string(n >> 30) + "G";
  if (n != 0 && n % (uint64_t{1} << 20) == 0) return std::to_string(n >> 20) + "M";
  if (n != 0 && n % (uint64_t{1} << 10) == 0) return std::to_string(n >> 10) + "k";
  return std::to_string(n);
}

}  // namespace esp::ike::conf
