// The host's shadow of the card's inbound SPI table: 2^log2 spi_bucket's of
// SPI_BUCKET_SLOTS spi_slot's, two-choice (cuckoo) placement with the bucket
// functions of the spec. The image() bytes are the card's table (first
// 2^log2 buckets) as the host keeps it; insert/erase report the slots they
// changed (bucket * SPI_BUCKET_SLOTS + slot), so that the card mirrors the
// table with one SPI_SET per changed slot (command()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "esp/spec/esp_spec.hpp"

namespace esp::runtime::detail {

class SpiTable {
 public:
  enum class Insert { Ok, Duplicate, Full };

  // Cuckoo kick-outs tried at most per insert (a breadth-first search over
  // move paths; an insert that needs more leaves the table unchanged).
  static constexpr unsigned kMaxPathLength = 5;
  static constexpr unsigned kMaxVisitedBuckets = 1024;

  explicit SpiTable(unsigned log2);

  unsigned log2() const { return log2_; }
  uint32_t buckets() const { return uint32_t(1) << log2_; }
  size_t size() const { return size_; }

  // The card image: buckets() * spi_bucket::SIZE bytes.
  const uint8_t* image() const { return img_.data(); }
  size_t image_bytes() const { return img_.size(); }
  const uint8_t* bucket_image(uint32_t b) const { return img_.data() + size_t(b) * spec::spi_bucket::SIZE; }

  // sa_ref (SA index + 1) of an SPI, 0 when absent. Reads at most two buckets.
  uint32_t find(uint32_t spi) const;

  // Slots in the table: buckets() * SPI_BUCKET_SLOTS.
  uint32_t slots() const { return buckets() * spec::SPI_BUCKET_SLOTS; }

  // Places spi -> sa_ref (sa_ref != 0). Ok: the changed slots (the cuckoo
  // moves and the new entry) are appended to `changed`, each once.
  // Duplicate / Full: nothing changed.
  Insert insert(uint32_t spi, uint32_t sa_ref, std::vector<uint32_t>& changed);

  // Removes an SPI; returns false when absent, else sets `slot` to the slot
  // emptied.
  bool erase(uint32_t spi, uint32_t& slot);

  // The SPI_SET command that makes the card's slot `slot` what it is here:
  // {spi, sa_index = sa_ref - 1}, or sa_index NO_SA_INDEX when empty.
  spec::Command command(uint32_t slot) const;

 private:
  struct Loc {
    uint32_t bucket;
    unsigned slot;
  };
  uint8_t* slot_ptr(uint32_t b, unsigned s) {
    return img_.data() + size_t(b) * spec::spi_bucket::SIZE + spec::spi_bucket::slots::offset +
           size_t(s) * spec::spi_bucket::slots::stride;
  }
  const uint8_t* slot_ptr(uint32_t b, unsigned s) const {
    return img_.data() + size_t(b) * spec::spi_bucket::SIZE + spec::spi_bucket::slots::offset +
           size_t(s) * spec::spi_bucket::slots::stride;
  }
  uint32_t ref_at(uint32_t b, unsigned s) const { return spec::get<spec::spi_slot::sa_ref>(slot_ptr(b, s)); }
  uint32_t spi_at(uint32_t b, unsigned s) const { return spec::get<spec::spi_slot::spi>(slot_ptr(b, s)); }
  void put(uint32_t b, unsigned s, uint32_t spi, uint32_t ref) {
    spec::set<spec::spi_slot::spi>(slot_ptr(b, s), spi);
    spec::set<spec::spi_slot::sa_ref>(slot_ptr(b, s), ref);
  }
  int free_slot(uint32_t b) const;
  uint32_t other_bucket(uint32_t spi, uint32_t b) const;

  unsigned log2_;
  size_t size_ = 0;
  std::vector<uint8_t> img_;
  // Scratch of insert(), kept to avoid allocations.
  struct Node {
    uint32_t bucket;
    int parent;      // index in bfs_, -1 for a start bucket
    unsigned slot;   // slot of the parent bucket whose entry moves here
    unsigned depth;
  };
  std::vector<Node> bfs_;
};

}  // namespace esp::runtime::detail
