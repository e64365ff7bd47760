// Card memory on host arrays for tests that call the esp_engine top
// directly: SA table, replay region, counters, SPI table, descriptors,
// completions and the two packet ports, written and read with the spec's
// value types and pack/unpack.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "esp/hls/esp_engine.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::hls_test {

namespace spec = esp::spec;
using Bytes = std::vector<uint8_t>;

constexpr unsigned kCap = 4;
constexpr unsigned kLog2 = 2;
constexpr uint64_t kReplayOffset = 64;  // the SA's replay state, not at the region's start
constexpr unsigned kPktLines = 2 * 160;
constexpr unsigned kMaxDesc = 8;

using Completion = spec::Completion;

class Card {
 public:
  Card()
      : sa_(kCap * spec::sa_entry::SIZE / 8, 0),
        replay_((kReplayOffset + spec::replay_state_bytes(spec::MAX_WINDOW_BITS)) / 8 + 1, 0),
        counters_(kCap * spec::sa_counters::SIZE / 8, 0),
        spi_((size_t(1) << kLog2) * spec::spi_bucket::SIZE / 8, 0),
        desc_(kMaxDesc * spec::descriptor::SIZE / 8, 0),
        compl_(kMaxDesc * spec::completion::SIZE / 8, 0),
        in_(kPktLines),
        out_(kPktLines) {}

  uint8_t* sa(unsigned i) { return bytes(sa_) + i * spec::sa_entry::SIZE; }
  uint8_t* counters(unsigned i) { return bytes(counters_) + i * spec::sa_counters::SIZE; }
  uint8_t* replay_state() { return bytes(replay_) + kReplayOffset; }
  uint8_t* in() { return reinterpret_cast<uint8_t*>(in_.data()); }
  uint8_t* out() { return reinterpret_cast<uint8_t*>(out_.data()); }
  size_t pkt_bytes() const { return kPktLines * spec::PKT_BUS_BYTES; }

  void map_spi(uint32_t spi, uint32_t sa_index) {
    uint8_t* b = bytes(spi_) + spec::spi_bucket_index(spi, 0, kLog2) * spec::spi_bucket::SIZE;
    spec::SpiBucket bucket;
    spec::unpack(b, bucket);
    for (spec::SpiSlot& slot : bucket.slots) {
      if (slot.sa_ref == 0) {
        slot.spi = spi;
        slot.sa_ref = sa_index + 1;
        spec::pack(bucket, b);
        return;
      }
    }
    FAIL() << "bucket full";
  }

  void set_sa(unsigned i, const spec::SaEntry& e) { spec::pack(e, sa(i)); }
  spec::SaEntry sa_entry(unsigned i) {
    spec::SaEntry e;
    spec::unpack(sa(i), e);
    return e;
  }

  void set_desc(unsigned i, spec::Opcode op, uint32_t sa_index, uint64_t in_off, uint32_t in_len, uint32_t out_cap,
                uint64_t out_off, uint8_t flags = 0) {
    spec::Descriptor d;
    d.op = op;
    d.flags = flags;
    d.sa_index = sa_index;
    d.in_offset = in_off;
    d.in_length = in_len;
    d.out_capacity = out_cap;
    d.out_offset = out_off;
    spec::pack(d, bytes(desc_) + i * spec::descriptor::SIZE);
  }

  void run(unsigned n) {
    std::fill(compl_.begin(), compl_.end(), 0xEEEEEEEEEEEEEEEEull);
    esp_engine(ctl(sa_), ctl(replay_), ctl(counters_), ctl(spi_), ctl(desc_), ctl(compl_), in_.data(), out_.data(), n,
               kCap, kLog2);
  }

  Completion completion(unsigned i) {
    Completion c;
    spec::unpack(bytes(compl_) + i * spec::completion::SIZE, c);
    return c;
  }

  spec::SaCounters sa_counters(unsigned sa_index) {
    spec::SaCounters c;
    spec::unpack(counters(sa_index), c);
    return c;
  }

 private:
  static uint8_t* bytes(std::vector<uint64_t>& v) { return reinterpret_cast<uint8_t*>(v.data()); }
  static ctl_word_t* ctl(std::vector<uint64_t>& v) { return reinterpret_cast<ctl_word_t*>(v.data()); }

  std::vector<uint64_t> sa_, replay_, counters_, spi_, desc_, compl_;
  std::vector<pkt_word_t> in_, out_;
};

}  // namespace esp::hls_test
