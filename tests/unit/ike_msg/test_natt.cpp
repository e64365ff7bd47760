// UDP-4500 demultiplexing (RFC 3948 2.2/2.3, RFC 7296 2.23), table-driven.
#include <gtest/gtest.h>

#include "esp/ike/natt.hpp"
#include "test_util.hpp"

namespace esp::ike {
namespace {

struct NattCase {
  const char* name;
  const char* hex;
  Udp4500Kind kind;
  std::size_t offset;
};

const NattCase kCases[] = {
    {"keepalive", "ff", Udp4500Kind::Keepalive, 0},
    {"one_byte_not_ff", "00", Udp4500Kind::Invalid, 0},
    {"empty", "", Udp4500Kind::Invalid, 0},
    {"three_zero_bytes", "000000", Udp4500Kind::Invalid, 0},
    {"marker_without_header", "00000000 0102", Udp4500Kind::Invalid, 0},
    {"marker_then_ike_header",
     "00000000 0102030405060708 0000000000000000 00 20 22 08 00000000 0000001c", Udp4500Kind::Ike, 4},
    {"esp_spi_seq", "00001000 00000001", Udp4500Kind::Esp, 0},
    {"esp_too_short", "00001000 0000", Udp4500Kind::Invalid, 0},
    {"keepalive_not_alone", "ff00", Udp4500Kind::Invalid, 0},
};

TEST(Udp4500, Classify) {
  for (const NattCase& c : kCases) {
    const std::vector<std::uint8_t> b = test::hex(c.hex);
    const Udp4500Class r = classify_udp4500(b.empty() ? nullptr : b.data(), b.size());
    EXPECT_EQ(r.kind, c.kind) << c.name;
    EXPECT_EQ(r.offset, c.offset) << c.name;
  }
}

TEST(Udp4500, KeepaliveAndMarker) {
  EXPECT_EQ(nat_keepalive(), std::vector<std::uint8_t>{0xFF});
  EXPECT_EQ(add_non_esp_marker({0x01, 0x02}), (std::vector<std::uint8_t>{0, 0, 0, 0, 1, 2}));
}

}  // namespace
}  // namespace esp::ike
