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
static_assert(sps::SIZE == kCtlBytes && sps::spi::offset == 0 && sps::sa_ref::offset == 4,
              "an SPI slot is one ctl word: spi in the low half, sa_ref in the high half");

// Largest log2 bucket count the hash can address (the hash is 32 bits).
constexpr unsigned kMaxSpiBucketsLog2 = 32;

// Searches one bucket; on a hit sets sa_ref (SA index + 1).
inline bool spi_bucket_search(const ctl_word_t* spi_table, uint32_t bucket, uint32_t spi, uint32_t& sa_ref) {
  const uint64_t w0 = uint64_t(bucket) * spb::SIZE / kCtlBytes;
  bool found = false;
spi_bucket_slots:
  for (unsigned s = 0; s < spec::SPI_BUCKET_SLOTS; ++s) {
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    const uint64_t slot = read_word(spi_table, w0 + s * spb::slots::stride / kCtlBytes);
    const uint32_t slot_spi = static_cast<uint32_t>(slot);
    const uint32_t slot_ref = static_cast<uint32_t>(slot >> 32);
    if (!found && slot_ref != 0 && slot_spi == spi) {
      found = true;
      sa_ref = slot_ref;
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
