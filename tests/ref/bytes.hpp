// Byte-vector helpers shared by the reference model, the packet builders and
// the tests: big-endian field access and hex conversion. Nothing clever.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace esp::ref {

using Bytes = std::vector<uint8_t>;

inline uint16_t get_be16(const Bytes& b, size_t off) {
  return static_cast<uint16_t>((b.at(off) << 8) | b.at(off + 1));
}
inline uint32_t get_be32(const Bytes& b, size_t off) {
  return (static_cast<uint32_t>(b.at(off)) << 24) | (static_cast<uint32_t>(b.at(off + 1)) << 16) |
         (static_cast<uint32_t>(b.at(off + 2)) << 8) | static_cast<uint32_t>(b.at(off + 3));
}
inline uint64_t get_be64(const Bytes& b, size_t off) {
  return (static_cast<uint64_t>(get_be32(b, off)) << 32) | get_be32(b, off + 4);
}
inline void put_be16(Bytes& b, size_t off, uint16_t v) {
  b.at(off) = static_cast<uint8_t>(v >> 8);
  b.at(off + 1) = static_cast<uint8_t>(v);
}
inline void put_be32(Bytes& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.at(off + static_cast<size_t>(i)) = static_cast<uint8_t>(v >> (24 - 8 * i));
}
inline void put_be64(Bytes& b, size_t off, uint64_t v) {
  put_be32(b, off, static_cast<uint32_t>(v >> 32));
  put_be32(b, off + 4, static_cast<uint32_t>(v));
}
inline void append_be16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void append_be32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (24 - 8 * i)));
}
inline void append_be64(Bytes& b, uint64_t v) {
  append_be32(b, static_cast<uint32_t>(v >> 32));
  append_be32(b, static_cast<uint32_t>(v));
}
inline void append(Bytes& b, const Bytes& tail) { b.insert(b.end(), tail.begin(), tail.end()); }

// Lower-case hex, no separators.
std::string to_hex(const Bytes& b);
// Hex digits; whitespace is skipped; throws std::invalid_argument otherwise.
Bytes from_hex(const std::string& text);

}  // namespace esp::ref
