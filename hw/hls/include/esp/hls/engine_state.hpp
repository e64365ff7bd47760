// esp_engine building block: the card's own state (CONTRACT.md "The card's
// own state"), which persists across runs until a card reset empties it:
//   - the installed bit of every SA index below kMaxSas;
//   - the SPI table: SPI_BUCKET_SLOTS << kMaxSpiBucketsLog2 spi_slots, all
//     empty after a reset, set only by SPI_SET.
// SA entries, state lines and replay rings stay in card memory: the kernel
// reads them there at each use and writes state lines and replay entries
// through at once (the contract allows it), so nothing else is kept.
//
// Two builds of the same interface:
//   - Vitis HLS (__SYNTHESIS__): fixed arrays; the top holds one `static`
//     EngineState, i.e. on-chip memory that keeps its contents across runs
//     (zero when the bitstream is loaded; ap_rst does not clear static
//     arrays, so a card reset there is a reload of the kernel);
//   - the host (swemu, unit tests): several devices live in one process, so
//     each owns an EngineState and passes it to the top (its last argument,
//     host builds only). The installed bits and the SPI table are allocated
//     lazily, the SPI table by the largest bucket count used, so that an
//     idle device costs little. reset() is a card reset.
#pragma once

#include <cstddef>
#include <cstdint>
#if !defined(__SYNTHESIS__)
#include <vector>
#endif

#include "esp/hls/pragma.hpp"

#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

// The sizes of the card's own tables (registers MAX_SAS and
// MAX_SPI_BUCKETS_LOG2 of this kernel). On the host (swemu): 2^20 SAs and
// 2^18 buckets (16 MiB of SPI slots at most, allocated as used). Synthesised,
// the tables are on-chip memory, so they have the RTL's sizes: 2^16 SAs
// (8 KiB of installed bits) and 2^14 buckets (1 MiB of SPI slots: URAM).
#if defined(__SYNTHESIS__)
constexpr uint32_t kMaxSasLog2 = 16;
constexpr uint32_t kMaxSpiBucketsLog2 = 14;
#else
constexpr uint32_t kMaxSasLog2 = 20;
constexpr uint32_t kMaxSpiBucketsLog2 = 18;
#endif
constexpr uint32_t kMaxSas = uint32_t(1) << kMaxSasLog2;
constexpr uint32_t kSpiSlots = spec::SPI_BUCKET_SLOTS << kMaxSpiBucketsLog2;
constexpr uint32_t kInstalledWords = kMaxSas / 64u;

// An SA index the commands accept: below min(sa_capacity, MAX_SAS).
inline bool sa_in_range(uint32_t sa_index, uint32_t sa_capacity) {
  return sa_index < sa_capacity && sa_index < kMaxSas;
}

#if defined(__SYNTHESIS__)

class EngineState {
 public:
  bool installed(uint32_t sa) const { return sa < kMaxSas && ((installed_[sa / 64u] >> (sa % 64u)) & 1u); }
  void set_installed(uint32_t sa, bool on) {
    const uint64_t bit = uint64_t(1) << (sa % 64u);
    installed_[sa / 64u] = on ? (installed_[sa / 64u] | bit) : (installed_[sa / 64u] & ~bit);
  }
  spec::SpiSlot spi_slot(uint32_t slot) const {
    spec::SpiSlot s;
    s.spi = spi_[slot];
    s.sa_ref = ref_[slot];
    return s;
  }
  void set_spi_slot(uint32_t slot, uint32_t spi, uint32_t sa_ref, unsigned /*run_log2*/) {
    spi_[slot] = spi;
    ref_[slot] = sa_ref;
  }

 private:
  uint64_t installed_[kInstalledWords];
  uint32_t spi_[kSpiSlots];
  uint32_t ref_[kSpiSlots];
};

#else

class EngineState {
 public:
  bool installed(uint32_t sa) const {
    return sa / 64u < installed_.size() && ((installed_[sa / 64u] >> (sa % 64u)) & 1u);
  }
  // sa < kMaxSas.
  void set_installed(uint32_t sa, bool on) {
    if (sa / 64u >= installed_.size()) {
      if (!on) return;
      installed_.resize(sa / 64u + 1u, 0);
    }
    const uint64_t bit = uint64_t(1) << (sa % 64u);
    installed_[sa / 64u] = on ? (installed_[sa / 64u] | bit) : (installed_[sa / 64u] & ~bit);
  }
  // Slots not allocated yet are empty.
  spec::SpiSlot spi_slot(uint32_t slot) const { return slot < spi_.size() ? spi_[slot] : spec::SpiSlot{}; }
  // slot < kSpiSlots. Grows the table to the larger of the run's bucket
  // count (run_log2 <= kMaxSpiBucketsLog2) and the power of two of buckets
  // that holds `slot`; emptying a slot that is not allocated allocates nothing.
  void set_spi_slot(uint32_t slot, uint32_t spi, uint32_t sa_ref, unsigned run_log2) {
    if (slot >= spi_.size()) {
      if (sa_ref == 0) return;
      unsigned log2 = run_log2;
      while ((uint64_t(spec::SPI_BUCKET_SLOTS) << log2) <= slot) ++log2;
      spi_.resize(size_t(spec::SPI_BUCKET_SLOTS) << log2);
    }
    spi_[slot].spi = spi;
    spi_[slot].sa_ref = sa_ref;
  }
  // Card reset: nothing installed, every SPI slot empty (memory released).
  void reset() {
    std::vector<uint64_t>().swap(installed_);
    std::vector<spec::SpiSlot>().swap(spi_);
  }
  // Host-side view for tests: SPI slots allocated so far.
  size_t spi_slots_allocated() const { return spi_.size(); }

 private:
  std::vector<uint64_t> installed_;
  std::vector<spec::SpiSlot> spi_;
};

#endif

}  // namespace hls
}  // namespace esp
ESP_HLS_END
