// Helpers for the ike_msg tests: hex strings with spaces and comments.
#pragma once

#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace esp::ike::test {

// "21 00 00 30  # SA" -> bytes; whitespace ignored, '#' starts a comment to end of line.
inline std::vector<std::uint8_t> hex(const std::string& s) {
  std::vector<std::uint8_t> out;
  int hi = -1;
  bool comment = false;
  for (char ch : s) {
    if (ch == '\n') comment = false;
    if (comment) continue;
    if (ch == '#') {
      comment = true;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(ch))) continue;
    const int v = std::isdigit(static_cast<unsigned char>(ch))
                      ? ch - '0'
                      : std::tolower(static_cast<unsigned char>(ch)) - 'a' + 10;
    if (v < 0 || v > 15) throw std::invalid_argument("bad hex digit");
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
      hi = -1;
    }
  }
  if (hi >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

inline std::string to_hex(const std::vector<std::uint8_t>& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (std::uint8_t x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

inline std::vector<std::uint8_t> fill(std::size_t n, std::uint8_t start) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(start + i);
  return v;
}

}  // namespace esp::ike::test
