// esp_engine building block: inbound SPI -> SA index (CONTRACT.md DECRYPT 4).
//
// The SPI table is 2^log2 buckets of SPI_BUCKET_SLOTS slots {spi, sa_ref};
// a SPI lives in bucket spi_bucket_index(spi, 0, log2) or, failing that, in
// bucket spi_bucket_index(spi, 1, log2). A lookup reads at most the two
// buckets (one 64-byte burst each); the first slot, in slot order, with the
// SPI and a non-zero sa_ref wins.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/mem_io.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

namespace spb = spec::spi_bucket;
namespace sps = spec::spi_slot;

static_assert(spb::slots::count == spec::SPI_BUCKET_SLOTS, "bucket slot count");
static_assert(sps::SIZE % kCtlBytes == 0 && spb::slots::stride % kCtlBytes == 0, "slots are whole ctl words");

// Largest log2 bucket count the hash can address (the hash is 32 bits).
constexpr unsigned kMaxSpiBucketsLog2 = 32;

// Searches one bucket; on a hit sets sa_ref (SA index + 1).
inline bool spi_bucket_search(const ctl_word_t* spi_table, uint32_t bucket, uint32_t spi, uint32_t& sa_ref) {
  const uint64_t b0 = uint64_t(bucket) * spb::SIZE + spb::slots::offset;
  bool found = false;
spi_bucket_slots:
  for (unsigned s = 0; s < spec::SPI_BUCKET_SLOTS; ++s) {
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    uint8_t img[sps::SIZE];
ESP_HLS_PRAGMA(HLS ARRAY_PARTITION variable = img complete)
    read_struct<sps::SIZE>(spi_table, b0 + s * spb::slots::stride, img, sps::SIZE);
    spec::SpiSlot slot;
    spec::unpack(img, slot);
    if (!found && slot.sa_ref != 0 && slot.spi == spi) {
      found = true;
      sa_ref = slot.sa_ref;
    }
  }
  return found;
}

// SPI -> SA index. False when neither bucket holds the SPI, or when log2 is
// beyond what the 32-bit hash can address (no table the card can read).
inline bool spi_lookup(const ctl_word_t* spi_table, unsigned log2, uint32_t spi, uint32_t& sa_index) {
  if (log2 > kMaxSpiBucketsLog2) return false;
  uint32_t ref = 0;
  bool found = spi_bucket_search(spi_table, spec::spi_bucket_index(spi, 0, log2), spi, ref);
  if (!found) found = spi_bucket_search(spi_table, spec::spi_bucket_index(spi, 1, log2), spi, ref);
  if (found) sa_index = ref - 1u;
  return found;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
