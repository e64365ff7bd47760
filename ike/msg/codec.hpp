// Private: bounds-checked big-endian reading and writing for the msg codec.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "esp/ike/msg_result.hpp"
#include "esp/ike/payloads.hpp"

namespace esp::ike::detail {

// A window [p, p+n) of the input; base is the window's offset in the whole
// buffer (for error offsets). Every read checks the bytes left first.
class Reader {
 public:
  Reader(const std::uint8_t* p, std::size_t n, std::size_t base) : p_(p), n_(n), base_(base) {}

  std::size_t left() const { return n_ - pos_; }
  std::size_t offset() const { return base_ + pos_; }  // absolute offset of the next byte
  bool has(std::size_t k) const { return k <= left(); }
  const std::uint8_t* here() const { return p_ + pos_; }

  std::uint8_t u8() { return p_[pos_++]; }
  std::uint16_t u16() {
    auto v = static_cast<std::uint16_t>((p_[pos_] << 8) | p_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | p_[pos_++];
    return v;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p_[pos_++];
    return v;
  }
  Bytes bytes(std::size_t k) {
    Bytes b(p_ + pos_, p_ + pos_ + k);
    pos_ += k;
    return b;
  }
  Bytes rest() { return bytes(left()); }
  // A sub-window of k bytes, consumed from this one.
  Reader sub(std::size_t k) {
    Reader r(p_ + pos_, k, base_ + pos_);
    pos_ += k;
    return r;
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
  std::size_t pos_ = 0;
  std::size_t base_;
};

inline MsgError err(MsgErrc c, std::size_t offset, std::string reason) {
  MsgError e;
  e.code = c;
  e.offset = offset;
  e.reason = std::move(reason);
  return e;
}

inline void put8(Bytes& b, std::uint8_t v) { b.push_back(v); }
inline void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}
inline void put64(Bytes& b, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}
inline void put(Bytes& b, const Bytes& v) { b.insert(b.end(), v.begin(), v.end()); }
// Overwrites a 16-bit field at pos (a length known only after the body).
inline void patch16(Bytes& b, std::size_t pos, std::uint16_t v) {
  b[pos] = static_cast<std::uint8_t>(v >> 8);
  b[pos + 1] = static_cast<std::uint8_t>(v);
}

// Body of one payload (after the generic header). r covers exactly the body;
// next is the payload's Next Payload field (SK/SKF keep it as inner_first).
MsgResult<PayloadBody> parse_body(PayloadType type, PayloadType next, Reader r);
// Appends the body of p (without the generic header) to out.
std::optional<MsgError> build_body(const Payload& p, Bytes& out);

}  // namespace esp::ike::detail
