// Durations, counts, booleans and lists as swanctl.conf(5) writes them.
#include <gtest/gtest.h>

#include <stdexcept>

#include "esp/ike/conf_values.hpp"

namespace esp::ike::conf {
namespace {

TEST(ConfValues, Durations) {
  struct Case {
    const char* text;
    uint64_t seconds;
  } cases[] = {
      {"4h", 14400}, {"30m", 1800}, {"3600s", 3600}, {"1d", 86400}, {"90", 90}, {"0", 0},
      {"2H", 7200},  {"5 m", 300},  {" 10s ", 10},   {"0x10", 16},  {"0x10m", 960},
      {"007", 7},    // decimal, not octal
      {"213503982334601d", 213503982334601ull * 86400},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_duration(c.text), c.seconds) << c.text;
}

TEST(ConfValues, BadDurations) {
  for (const char* t : {"", "h", "4x", "4hh", "-1", "1.5h", "4 h m", "1e3", "213503982334602d",
                        "18446744073709551616", "0x", "abc"})
    EXPECT_THROW(parse_duration(t), std::invalid_argument) << t;
}

TEST(ConfValues, Counts) {
  struct Case {
    const char* text;
    uint64_t n;
  } cases[] = {
      {"1G", 1ull << 30}, {"500M", 500ull << 20}, {"10k", 10240}, {"10K", 10240}, {"1000", 1000},
      {"3g", 3ull << 30}, {"0", 0}, {"18446744073709551615", 18446744073709551615ull}, {"0xff", 255},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_count(c.text), c.n) << c.text;
  for (const char* t : {"", "k", "1T", "1kb", "-5", "18446744073709551616", "17179869184G", "1.5M"})
    EXPECT_THROW(parse_count(t), std::invalid_argument) << t;
}

TEST(ConfValues, RoundTrip) {
  for (uint64_t s : {0ull, 1ull, 59ull, 60ull, 61ull, 3599ull, 3600ull, 3660ull, 14400ull, 86400ull, 86401ull,
                     172800ull, 9000000000ull}) {
    std::string f = format_duration(s);
    EXPECT_EQ(parse_duration(f), s) << f;
  }
  EXPECT_EQ(format_duration(14400), "4h");
  EXPECT_EQ(format_duration(1800), "30m");
  EXPECT_EQ(format_duration(86400), "1d");
  EXPECT_EQ(format_duration(3601), "3601s");
  for (uint64_t n : {0ull, 1ull, 1000ull, 1024ull, 10240ull, 1ull << 20, 500ull << 20, 1ull << 30, (1ull << 30) + 1,
                     1ull << 40, 18446744073709551615ull}) {
    std::string f = format_count(n);
    EXPECT_EQ(parse_count(f), n) << f;
  }
  EXPECT_EQ(format_count(1ull << 30), "1G");
  EXPECT_EQ(format_count(10240), "10k");
  EXPECT_EQ(format_count(1000), "1000");
}

TEST(ConfValues, Bools) {
  for (const char* t : {"yes", "true", "enabled", "1", "YES", "True", " yes "}) EXPECT_TRUE(parse_bool(t)) << t;
  for (const char* t : {"no", "false", "disabled", "0", "NO"}) EXPECT_FALSE(parse_bool(t)) << t;
  for (const char* t : {"", "y", "2", "on", "off", "yess"}) EXPECT_THROW(parse_bool(t), std::invalid_argument) << t;
}

TEST(ConfValues, Lists) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_list("a, b,c"), (V{"a", "b", "c"}));
  EXPECT_EQ(split_list("10.0.0.0/8"), (V{"10.0.0.0/8"}));
  EXPECT_EQ(split_list(" a ,, b , "), (V{"a", "b"}));
  EXPECT_EQ(split_list(""), V{});
  EXPECT_EQ(split_list("C=CH O=x"), (V{"C=CH O=x"}));
}

}  // namespace
}  // namespace esp::ike::conf
