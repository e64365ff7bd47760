#include <gtest/gtest.h>

#include <stdexcept>

#include "esp/runtime/ip_addr.hpp"

using esp::runtime::IpAddr;

TEST(IpAddr, ParsesIpv4) {
  const IpAddr a = IpAddr::parse("192.0.2.1");
  EXPECT_EQ(a.version, 4);
  EXPECT_EQ(a.bytes[0], 192);
  EXPECT_EQ(a.bytes[1], 0);
  EXPECT_EQ(a.bytes[2], 2);
  EXPECT_EQ(a.bytes[3], 1);
  for (size_t i = 4; i < 16; ++i) EXPECT_EQ(a.bytes[i], 0) << i;
  EXPECT_EQ(a.str(), "192.0.2.1");
}

TEST(IpAddr, ParsesIpv6) {
  const IpAddr a = IpAddr::parse("2001:db8::1");
  EXPECT_EQ(a.version, 6);
  const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(a.bytes[i], want[i]) << i;
  EXPECT_EQ(a.str(), "2001:db8::1");
}

TEST(IpAddr, FormatsCanonically) {
  EXPECT_EQ(IpAddr::parse("2001:0DB8:0000:0000:0000:0000:0000:0001").str(), "2001:db8::1");
  EXPECT_EQ(IpAddr::parse("::").str(), "::");
  EXPECT_EQ(IpAddr::parse("::ffff:192.0.2.7").str(), "::ffff:192.0.2.7");
  EXPECT_EQ(IpAddr::parse("0.0.0.0").str(), "0.0.0.0");
  EXPECT_EQ(IpAddr::parse("255.255.255.255").str(), "255.255.255.255");
  EXPECT_EQ(IpAddr().str(), "unset");
}

TEST(IpAddr, RoundTrips) {
  for (const char* s : {"10.1.2.3", "198.51.100.254", "fe80::1", "2001:db8:1:2:3:4:5:6", "ff02::2"}) {
    const IpAddr a = IpAddr::parse(s);
    EXPECT_EQ(a.str(), s);
    EXPECT_EQ(IpAddr::parse(a.str()), a);
  }
}

TEST(IpAddr, RejectsGarbageNamingIt) {
  for (const char* s : {"", "1.2.3", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4/24", "2001:db8::g", "2001:db8:::1",
                        "example.com", "1.2.3.4.5", ":", "[::1]"}) {
    try {
      IpAddr::parse(s);
      ADD_FAILURE() << "accepted '" << s << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + s + "'"), std::string::npos) << e.what();
    }
  }
}

TEST(IpAddr, Equality) {
  EXPECT_EQ(IpAddr::parse("192.0.2.1"), IpAddr::parse("192.0.2.1"));
  EXPECT_FALSE(IpAddr::parse("192.0.2.1") == IpAddr::parse("192.0.2.2"));
  EXPECT_FALSE(IpAddr::parse("::") == IpAddr());
}
