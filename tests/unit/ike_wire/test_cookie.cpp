// IKE_SA_INIT cookies (RFC 7296 2.6): layout against SHA-256 computed here
// with EVP over the bytes laid out by hand, verification, what must not
// verify, and secret rotation.
#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <stdexcept>

#include "esp/ike/cookie.hpp"
#include "wire_util.hpp"

using namespace esp::ike;
using namespace esp::ike::test;
using esp::runtime::IpAddr;

namespace {

const Bytes kNi = pattern(32, 0x42);
constexpr std::uint64_t kSpi = 0x0123456789abcdefULL;
const IpAddr kIp4 = IpAddr::parse("192.0.2.7");
const IpAddr kIp6 = IpAddr::parse("2001:db8::7");

TEST(IkeWireCookie, LayoutIsVersionThenSha256) {
  const Bytes secret = pattern(32, 0x99);
  struct Case {
    IpAddr ip;
    Bytes ip_bytes;
  };
  const Case cases[] = {
      {kIp4, {192, 0, 2, 7}},
      {kIp6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.ip.str());
    // Ni | IPi | SPIi (big-endian) | secret, hashed by EVP in one go.
    Bytes in = kNi;
    in.insert(in.end(), c.ip_bytes.begin(), c.ip_bytes.end());
    const Bytes spi = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    in.insert(in.end(), spi.begin(), spi.end());
    in.insert(in.end(), secret.begin(), secret.end());
    std::uint8_t md[32];
    unsigned int mdlen = 0;
    ASSERT_EQ(EVP_Digest(in.data(), in.size(), md, &mdlen, EVP_sha256(), nullptr), 1);
    Bytes want = {0xde, 0xad, 0xbe, 0xef};
    want.insert(want.end(), md, md + 32);
    EXPECT_EQ(cookie_value(0xdeadbeef, secret, kNi, kSpi, c.ip), want);
  }
  EXPECT_THROW(cookie_value(1, secret, kNi, kSpi, IpAddr{}), CryptoError);
}

TEST(IkeWireCookie, VerifiesWhatItMade) {
  for (const IpAddr& ip : {kIp4, kIp6}) {
    CookieJar jar;
    const Bytes c = jar.make(kNi, kSpi, ip, 1000);
    ASSERT_EQ(c.size(), kCookieLen);
    EXPECT_TRUE(jar.verify(c, kNi, kSpi, ip, 1000));
    EXPECT_TRUE(jar.verify(c, kNi, kSpi, ip, 1050));
    EXPECT_EQ(jar.make(kNi, kSpi, ip, 1010), c) << "same secret, same inputs";
  }
}

TEST(IkeWireCookie, OtherInputsFail) {
  CookieJar jar;
  const Bytes c = jar.make(kNi, kSpi, kIp4, 1000);
  Bytes ni2 = kNi;
  ni2[31] ^= 1;
  EXPECT_FALSE(jar.verify(c, ni2, kSpi, kIp4, 1000)) << "other Ni";
  EXPECT_FALSE(jar.verify(c, ByteView(kNi.data(), 31), kSpi, kIp4, 1000)) << "shorter Ni";
  EXPECT_FALSE(jar.verify(c, kNi, kSpi ^ 1, kIp4, 1000)) << "other SPIi";
  EXPECT_FALSE(jar.verify(c, kNi, kSpi, IpAddr::parse("192.0.2.8"), 1000)) << "other IPi";
  // ::ffff:192.0.2.7 holds the same four bytes, but it is not the same address.
  EXPECT_FALSE(jar.verify(c, kNi, kSpi, IpAddr::parse("::ffff:192.0.2.7"), 1000));
  EXPECT_FALSE(jar.verify(c, kNi, kSpi, IpAddr{}, 1000)) << "no address";
  for (std::size_t i = 0; i < c.size(); ++i) {
    Bytes bad = c;
    bad[i] ^= 0x10;
    EXPECT_FALSE(jar.verify(bad, kNi, kSpi, kIp4, 1000)) << "byte " << i;
  }
  EXPECT_FALSE(jar.verify(ByteView(c.data(), c.size() - 1), kNi, kSpi, kIp4, 1000));
  Bytes longer = c;
  longer.push_back(0);
  EXPECT_FALSE(jar.verify(longer, kNi, kSpi, kIp4, 1000));
  EXPECT_FALSE(jar.verify(Bytes{}, kNi, kSpi, kIp4, 1000));
  CookieJar other;
  EXPECT_FALSE(other.verify(c, kNi, kSpi, kIp4, 1000)) << "another jar's secret";
}

TEST(IkeWireCookie, RotationKeepsOnePreviousSecret) {
  CookieJar jar(30, 120);
  const Bytes c0 = jar.make(kNi, kSpi, kIp4, 1000);
  const std::uint32_t v0 = jar.current_version(1000);
  EXPECT_EQ(jar.current_version(1119), v0);
  // One rotation: a new secret, the old cookie still verifies.
  EXPECT_EQ(jar.current_version(1120), v0 + 1);
  const Bytes c1 = jar.make(kNi, kSpi, kIp4, 1121);
  EXPECT_NE(c1, c0);
  EXPECT_TRUE(jar.verify(c0, kNi, kSpi, kIp4, 1150));
  EXPECT_TRUE(jar.verify(c1, kNi, kSpi, kIp4, 1150));
  // A second rotation: the first secret is gone.
  EXPECT_EQ(jar.current_version(1240), v0 + 2);
  EXPECT_FALSE(jar.verify(c0, kNi, kSpi, kIp4, 1240));
  EXPECT_TRUE(jar.verify(c1, kNi, kSpi, kIp4, 1240));
  // A clock that steps back rotates nothing.
  EXPECT_EQ(jar.current_version(500), v0 + 2);
  EXPECT_TRUE(jar.verify(c1, kNi, kSpi, kIp4, 500));
}

TEST(IkeWireCookie, LongSilenceDropsBothSecrets) {
  CookieJar jar(30, 120);
  const Bytes c0 = jar.make(kNi, kSpi, kIp4, 1000);
  const std::uint32_t v0 = jar.current_version(1000);
  // Two lifetimes without a call: the cookie must not survive as "previous".
  EXPECT_FALSE(jar.verify(c0, kNi, kSpi, kIp4, 1240));
  EXPECT_EQ(jar.current_version(1240), v0 + 1);
  const Bytes c1 = jar.make(kNi, kSpi, kIp4, 1240);
  EXPECT_TRUE(jar.verify(c1, kNi, kSpi, kIp4, 1300));
  // Forged versions: neither current nor previous.
  Bytes forged = c1;
  forged[3] = static_cast<std::uint8_t>(forged[3] + 5);
  EXPECT_FALSE(jar.verify(forged, kNi, kSpi, kIp4, 1300));
}

TEST(IkeWireCookie, Threshold) {
  const struct {
    std::size_t threshold, half_open;
    bool required;
  } cases[] = {{30, 0, false}, {30, 29, false}, {30, 30, true}, {30, 31, true},
               {0, 0, true},   {1, 0, false},   {1, 1, true}};
  for (const auto& c : cases) {
    CookieJar jar(c.threshold);
    EXPECT_EQ(jar.required(c.half_open), c.required) << c.threshold << " " << c.half_open;
  }
  EXPECT_THROW(CookieJar(30, 0), std::invalid_argument);
  EXPECT_THROW(CookieJar(30, -5), std::invalid_argument);
}

}  // namespace
