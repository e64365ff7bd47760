// esp_engine building block: card-memory access through the two kinds of
// AXI4 master ports.
//
// - Structure ports (ctl_word_t*, 64 bits): a structure is copied between
//   card memory and a local byte image, little-endian (byte i of the image is
//   bits 8i+7..8i of word i/8). Byte offsets and sizes are multiples of
//   CTL_WORD_BYTES (every spec structure size is).
// - Packet ports (pkt_word_t*, 512 bits): a packet is burst-read line by line
//   into a local byte buffer and written back as whole 64-byte lines; bytes
//   of the last line past the packet length are written as zero.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/types.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

constexpr unsigned kCtlBytes = spec::CTL_WORD_BYTES;
constexpr unsigned kLineBytes = spec::PKT_BUS_BYTES;
constexpr unsigned kLineWords = kLineBytes / 8;  // 64-bit lanes per packet line
// Packet lines of the largest packet, and of a local packet buffer.
constexpr unsigned kMaxPktLines = (spec::MAX_PKT_BYTES + kLineBytes - 1) / kLineBytes;
// Local packet buffers hold MAX_PKT_BYTES plus one line of slack (the ESP
// trailer is appended in place behind the payload).
constexpr unsigned kPktBufBytes = (kMaxPktLines + 1) * kLineBytes;

static_assert(spec::sa_entry::SIZE % kCtlBytes == 0, "sa_entry is not a whole number of ctl words");
static_assert(spec::sa_state::SIZE % kCtlBytes == 0, "sa_state is not a whole number of ctl words");
static_assert(spec::replay_entry::SIZE % kCtlBytes == 0, "replay_entry is not a whole number of ctl words");
static_assert(spec::descriptor::SIZE % kCtlBytes == 0, "descriptor is not a whole number of ctl words");
static_assert(spec::completion::SIZE % kCtlBytes == 0, "completion is not a whole number of ctl words");
static_assert(sizeof(ctl_word_t) == kCtlBytes, "ctl_word_t must be 64 bits");
static_assert(sizeof(pkt_word_t) == kLineBytes, "pkt_word_t must be one packet line");

// ---- 64-bit words

inline uint64_t read_word(const ctl_word_t* port, uint64_t word_index) {
  return port[word_index].to_uint64();
}

inline void write_word(ctl_word_t* port, uint64_t word_index, uint64_t v) {
  port[word_index] = ctl_word_t(v);
}

inline void u64_to_bytes(uint64_t v, uint8_t* dst) {
u64_to_bytes_loop:
  for (unsigned b = 0; b < 8; ++b) {
ESP_HLS_PRAGMA(HLS UNROLL)
    dst[b] = static_cast<uint8_t>(v >> (8 * b));
  }
}

inline uint64_t u64_from_bytes(const uint8_t* src) {
  uint64_t v = 0;
u64_from_bytes_loop:
  for (unsigned b = 0; b < 8; ++b) {
ESP_HLS_PRAGMA(HLS UNROLL)
    v |= static_cast<uint64_t>(src[b]) << (8 * b);
  }
  return v;
}

// ---- structures: `bytes` (a multiple of 8, at most MaxBytes) at byte
// offset `byte_off` (a multiple of 8) of a structure port.

template <unsigned MaxBytes>
inline void read_struct(const ctl_word_t* port, uint64_t byte_off, uint8_t* img, unsigned bytes) {
  const uint64_t w0 = byte_off / kCtlBytes;
read_struct_words:
  for (unsigned w = 0; w < MaxBytes / kCtlBytes; ++w) {
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    if (w < bytes / kCtlBytes) u64_to_bytes(read_word(port, w0 + w), img + w * kCtlBytes);
  }
}

template <unsigned MaxBytes>
inline void write_struct(ctl_word_t* port, uint64_t byte_off, const uint8_t* img, unsigned bytes) {
  const uint64_t w0 = byte_off / kCtlBytes;
write_struct_words:
  for (unsigned w = 0; w < MaxBytes / kCtlBytes; ++w) {
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    if (w < bytes / kCtlBytes) write_word(port, w0 + w, u64_from_bytes(img + w * kCtlBytes));
  }
}

// ---- packets

inline unsigned pkt_lines(unsigned len) { return (len + kLineBytes - 1) / kLineBytes; }

// Reads the ceil(len/64) lines of a packet at byte offset `byte_off` (a
// multiple of 64) into buf[0 .. 64*lines). len <= MAX_PKT_BYTES.
inline void read_pkt(const pkt_word_t* port, uint64_t byte_off, unsigned len, uint8_t* buf) {
  const uint64_t l0 = byte_off / kLineBytes;
  const unsigned lines = pkt_lines(len);
read_pkt_lines:
  for (unsigned l = 0; l < lines; ++l) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 1 max = kMaxPktLines)
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    pkt_word_t line = port[l0 + l];
  read_pkt_lanes:
    for (unsigned w = 0; w < kLineWords; ++w) {
ESP_HLS_PRAGMA(HLS UNROLL)
      const uint64_t lane = line.range(64 * w + 63, 64 * w).to_uint64();
      u64_to_bytes(lane, buf + l * kLineBytes + w * 8);
    }
  }
}

// Writes buf[0 .. len) as ceil(len/64) whole lines at byte offset `byte_off`
// (a multiple of 64); bytes of the last line past `len` are zero. When
// `capacity` ends inside the last line (a capacity that is not a multiple of
// PKT_BUS_BYTES), the bytes of that line past `capacity` keep what card
// memory held, so nothing outside [byte_off, byte_off + capacity) changes.
inline void write_pkt(pkt_word_t* port, uint64_t byte_off, const uint8_t* buf, unsigned len, unsigned capacity) {
  const uint64_t l0 = byte_off / kLineBytes;
  const unsigned lines = pkt_lines(len);
write_pkt_lines:
  for (unsigned l = 0; l < lines; ++l) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 1 max = kMaxPktLines)
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    const unsigned base = l * kLineBytes;
    const bool partial_cap = base + kLineBytes > capacity;
    pkt_word_t old_line = 0;
    if (partial_cap) old_line = port[l0 + l];
    pkt_word_t line = 0;
  write_pkt_lanes:
    for (unsigned w = 0; w < kLineWords; ++w) {
ESP_HLS_PRAGMA(HLS UNROLL)
      uint8_t bytes[8];
      const uint64_t old_lane = old_line.range(64 * w + 63, 64 * w).to_uint64();
    write_pkt_bytes:
      for (unsigned b = 0; b < 8; ++b) {
ESP_HLS_PRAGMA(HLS UNROLL)
        const unsigned pos = base + w * 8 + b;
        uint8_t v = 0;
        if (pos < len) v = buf[pos];
        else if (pos >= capacity) v = static_cast<uint8_t>(old_lane >> (8 * b));
        bytes[b] = v;
      }
      line.range(64 * w + 63, 64 * w) = u64_from_bytes(bytes);
    }
    port[l0 + l] = line;
  }
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
