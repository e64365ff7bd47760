// The generated C++ value types of the card-memory structures: pack() and
// unpack() are inverse, write every byte, and put fields where the field
// descriptors (offset/size, from esp_spec.yaml) say. tests/py compares them
// with the Python dataclasses byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "esp/spec/esp_spec.hpp"

namespace {

namespace spec = esp::spec;

// The byte ranges of every (non-reserved) field of each struct.
#define ESP_FIELD_RANGE(st, f) {spec::st::f::offset, spec::st::f::size},
struct Range {
  uint32_t offset, size;
};
#define ESP_RANGES(st, T) const std::vector<Range> k_##st = {ESP_SPEC_FIELDS_##st(ESP_FIELD_RANGE)};
ESP_SPEC_VALUE_TYPES(ESP_RANGES)

// Random bytes in every field, zero in the reserved ranges.
std::vector<uint8_t> random_image(const std::vector<Range>& fields, uint32_t size, std::mt19937& rng) {
  std::vector<uint8_t> image(size, 0);
  for (const Range& r : fields) {
    for (uint32_t i = 0; i < r.size; ++i) image[r.offset + i] = static_cast<uint8_t>(rng());
  }
  return image;
}

template <class T>
void round_trip(const std::vector<Range>& fields, uint32_t size, const char* name) {
  std::mt19937 rng(7);
  for (int n = 0; n < 100; ++n) {
    const std::vector<uint8_t> image = random_image(fields, size, rng);
    T v;
    spec::unpack(image.data(), v);
    std::vector<uint8_t> again(size, 0xA5);
    spec::pack(v, again.data());
    ASSERT_EQ(again, image) << name;
  }
}

TEST(StructPack, EveryStructRoundTrips) {
#define ESP_RT(st, T) round_trip<spec::T>(k_##st, spec::st::SIZE, #st);
  ESP_SPEC_VALUE_TYPES(ESP_RT)
#undef ESP_RT
}

TEST(StructPack, FieldsLandAtTheirOffsets) {
  spec::SaEntry e;
  e.spi = 0x11223344u;
  e.replay_offset = 0x0102030405060708ull;
  for (uint8_t i = 0; i < sizeof e.key; ++i) e.key[i] = static_cast<uint8_t>(0x80 + i);
  e.udp_dport = 4500;
  uint8_t img[spec::sa_entry::SIZE];
  spec::pack(e, img);
  EXPECT_EQ(img[spec::sa_entry::spi::offset], 0x44);
  EXPECT_EQ(img[spec::sa_entry::spi::offset + 3], 0x11);
  EXPECT_EQ(spec::get<spec::sa_entry::replay_offset>(img), 0x0102030405060708ull);
  EXPECT_EQ(img[spec::sa_entry::replay_offset::offset], 0x08);
  EXPECT_EQ(img[spec::sa_entry::key::offset + 31], 0x80 + 31);
  EXPECT_EQ(spec::get<spec::sa_entry::udp_dport>(img), 4500u);

  spec::Completion c;
  c.status = spec::Status::DUMMY;
  c.sa_index = spec::NO_SA_INDEX;
  uint8_t ci[spec::completion::SIZE];
  spec::pack(c, ci);
  EXPECT_EQ(spec::get<spec::completion::status>(ci), static_cast<uint16_t>(spec::Status::DUMMY));
  EXPECT_EQ(spec::get<spec::completion::sa_index>(ci), spec::NO_SA_INDEX);

  spec::SpiBucket b;
  b.slots[spec::SPI_BUCKET_SLOTS - 1].sa_ref = 0xCAFEu;
  uint8_t bi[spec::spi_bucket::SIZE];
  spec::pack(b, bi);
  EXPECT_EQ(spec::get<spec::spi_slot::sa_ref>(bi + spec::spi_bucket::slots::offset +
                                               (spec::SPI_BUCKET_SLOTS - 1) * spec::spi_bucket::slots::stride),
            0xCAFEu);
  spec::SpiBucket back;
  spec::unpack(bi, back);
  EXPECT_EQ(back.slots[spec::SPI_BUCKET_SLOTS - 1].sa_ref, 0xCAFEu);
  EXPECT_EQ(back.slots[0].sa_ref, 0u);
}

TEST(StructPack, DerivedConstants) {
  EXPECT_EQ(1u << (spec::PKT_LEN_BITS - 1), 8192u);
  EXPECT_LT(spec::MAX_PKT_BYTES, 1u << spec::PKT_LEN_BITS);
  EXPECT_GE(spec::MAX_PKT_BYTES, 1u << (spec::PKT_LEN_BITS - 1));
  unsigned max = 0, count = 0;
  for (spec::Status st : spec::kStatusAll) max = std::max(max, static_cast<unsigned>(st)), ++count;
  EXPECT_EQ(spec::STATUS_MAX, max);
  EXPECT_EQ(spec::STATUS_COUNT, count);
  EXPECT_EQ(spec::replay_ring_bytes(spec::DEFAULT_WINDOW_BITS),
            spec::replay_entry::SIZE * spec::REPLAY_ENTRIES_PER_64 * (spec::DEFAULT_WINDOW_BITS / 64));
  // The state line: seq, then the counters, in one 64-byte line.
  EXPECT_EQ(spec::sa_state::SIZE, 64u);
  spec::SaState st;
  st.seq = 7;
  st.counters.soft_events = 0xFFFFFFFFu;
  st.counters.dummy = 3;
  uint8_t si[spec::sa_state::SIZE];
  spec::pack(st, si);
  EXPECT_EQ(spec::get<spec::sa_state::seq>(si), 7u);
  EXPECT_EQ(spec::get<spec::sa_counters::soft_events>(si + spec::sa_state::counters::offset), 0xFFFFFFFFu);
  EXPECT_EQ(spec::get<spec::sa_counters::dummy>(si + spec::sa_state::counters::offset), 3u);
}

}  // namespace
