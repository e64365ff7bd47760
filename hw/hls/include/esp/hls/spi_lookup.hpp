// esp_engine building block: inbound SPI -> SA index (CONTRACT.md DECRYPT 4)
// in the card's own SPI table (engine_state.hpp), set only by SPI_SET.
//
// The table is 2^kMaxSpiBucketsLog2 buckets of SPI_BUCKET_SLOTS slots
// {spi, sa_ref}; slot `s` of bucket `b` is table slot b * SPI_BUCKET_SLOTS + s.
// A lookup with spi_buckets_log2 = log2 uses the first 2^log2 buckets: the
// SPI lives in bucket spi_bucket_index(spi, 0, log2) or, failing that, in
// bucket spi_bucket_index(spi, 1, log2); the first slot, in slot order, with
// the SPI and a non-zero sa_ref wins.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/engine_state.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

// Searches one bucket; on a hit sets sa_ref (SA index + 1).
inline bool spi_bucket_search(const EngineState& st, uint32_t bucket, uint32_t spi, uint32_t& sa_ref) {
  bool found = false;
spi_bucket_slots:
  for (unsigned s = 0; s < spec::SPI_BUCKET_SLOTS; ++s) {
ESP_HLS_PRAGMA(HLS UNROLL)
    const spec::SpiSlot slot = st.spi_slot(bucket * spec::SPI_BUCKET_SLOTS + s);
    if (!found && slot.sa_ref != 0 && slot.spi == spi) {
      found = true;
      sa_ref = slot.sa_ref;
    }
  }
  return found;
}

// SPI -> SA index. False when neither bucket holds the SPI, or when log2 is
// beyond the card's table (MAX_SPI_BUCKETS_LOG2).
inline bool spi_lookup(const EngineState& st, unsigned log2, uint32_t spi, uint32_t& sa_index) {
  if (log2 > kMaxSpiBucketsLog2) return false;
  uint32_t ref = 0;
  bool found = spi_bucket_search(st, spec::spi_bucket_index(spi, 0, log2), spi, ref);
  if (!found) found = spi_bucket_search(st, spec::spi_bucket_index(spi, 1, log2), spi, ref);
  if (found) sa_index = ref - 1u;
  return found;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
