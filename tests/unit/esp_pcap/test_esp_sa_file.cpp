// The esp_sa (Wireshark UAT) parser of esp-pcap.
#include <gtest/gtest.h>

#include <sstream>

#include "esp_sa_file.hpp"

using namespace esp::pcaptool;

namespace {

const char* kKey20 = "0x000102030405060708090a0b0c0d0e0fa0a1a2a3";
const std::string kKey36 = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fb0b1b2b3";

std::vector<EspSaEntry> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_esp_sa(in, "esp_sa");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const SaFileError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string line(const std::string& enc, const std::string& key = kKey20, const std::string& auth = "NULL",
                 const std::string& spi = "0x00001000") {
  return "\"IPv4\",\"192.0.2.1\",\"198.51.100.1\",\"" + spi + "\",\"" + enc + "\",\"" + key + "\",\"" + auth + "\",\"\"\n";
}

}  // namespace

TEST(SplitUat, QuotedFieldsEscapesAndSpaces) {
  auto f = split_uat_line(R"( "a" , "b\x2cc","d\"e" ,bare word , "" )");
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0], "a");
  EXPECT_EQ(f[1], "b,c");
  EXPECT_EQ(f[2], "d\"e");
  EXPECT_EQ(f[3], "bare word");
  EXPECT_EQ(f[4], "");
}

TEST(SplitUat, CommaInsideQuotesAndCrlf) {
  auto f = split_uat_line("\"a,b\",\"c\"\r");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0], "a,b");
  EXPECT_EQ(f[1], "c");
}

TEST(SplitUat, Errors) {
  EXPECT_THROW(split_uat_line("\"abc"), std::invalid_argument);
  EXPECT_THROW(split_uat_line("\"abc\"x,\"d\""), std::invalid_argument);
  EXPECT_THROW(split_uat_line("ab\"c"), std::invalid_argument);
  EXPECT_THROW(split_uat_line("\"\\xZZ\""), std::invalid_argument);
}

TEST(EspSa, WiresharkLineIpv4Gcm16) {
  auto v = parse("# comment\n\n" + line("AES-GCM with 16 octet ICV [RFC4106]"));
  ASSERT_EQ(v.size(), 1u);
  const auto& e = v[0];
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.family, 4);
  ASSERT_TRUE(e.src && e.dst);
  EXPECT_EQ(ip_text(*e.src), "192.0.2.1");
  EXPECT_EQ(ip_text(*e.dst), "198.51.100.1");
  EXPECT_EQ(e.spi, 0x1000u);
  EXPECT_EQ(e.icv_len, 16);
  EXPECT_FALSE(e.gmac);
  ASSERT_EQ(e.key.size(), 16u);
  EXPECT_EQ(e.key[0], 0x00);
  EXPECT_EQ(e.key[15], 0x0f);
  EXPECT_EQ(e.salt, (std::array<uint8_t, 4>{0xa0, 0xa1, 0xa2, 0xa3}));
}

TEST(EspSa, IcvLengthsAndAes256) {
  EXPECT_EQ(parse(line("AES-GCM with 8 octet ICV [RFC4106]"))[0].icv_len, 8);
  EXPECT_EQ(parse(line("AES-GCM with 12 octet ICV [RFC4106]"))[0].icv_len, 12);
  auto e = parse(line("AES-GCM with 16 octet ICV [RFC4106]", kKey36))[0];
  EXPECT_EQ(e.key.size(), 32u);
  EXPECT_EQ(e.key[31], 0x1f);
  EXPECT_EQ(e.salt[0], 0xb0);
}

TEST(EspSa, StrongSwanSaveKeysFormat) {
  // save-keys: "AES-GCM [RFC4106]", ICV from "ANY n bit authentication", auth key "0x".
  const std::string text =
      "\"IPv6\",\"2001:db8::1\",\"2001:db8::2\",\"0xc1a2b3c4\",\"AES-GCM [RFC4106]\",\"" + kKey36 +
      "\",\"ANY 128 bit authentication [no checking]\",\"0x\"\n"
      "\"IPv6\",\"2001:db8::2\",\"2001:db8::1\",\"0xc5a6b7c8\",\"AES-GCM [RFC4106]\",\"" + kKey36 +
      "\",\"ANY 64 bit authentication [no checking]\",\"0x\"\n";
  auto v = parse(text);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].family, 6);
  EXPECT_EQ(ip_text(*v[0].src), "2001:db8::1");
  EXPECT_EQ(v[0].spi, 0xc1a2b3c4u);
  EXPECT_EQ(v[0].icv_len, 16);
  EXPECT_EQ(v[1].icv_len, 8);
  EXPECT_EQ(v[1].line, 2);
  EXPECT_EQ(parse(line("AES-GCM [RFC4106]"))[0].icv_len, 16);  // NULL: 16 assumed
}

TEST(EspSa, GmacExtensionName) {
  auto e = parse(line("AES-GMAC [RFC4543]"))[0];
  EXPECT_TRUE(e.gmac);
  EXPECT_EQ(e.icv_len, 16);
}

TEST(EspSa, WildcardsAndMatching) {
  auto e = parse("\"IPv4\",\"*\",\"10.0.0.2\",\"4096\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"" + std::string(kKey20) +
                 "\",\"NULL\",\"\"")[0];
  EXPECT_FALSE(e.src);
  ASSERT_TRUE(e.dst);
  EXPECT_EQ(e.spi, 4096u);
  EXPECT_TRUE(e.matches(*parse_ip("1.2.3.4", 4), *parse_ip("10.0.0.2", 4)));
  EXPECT_FALSE(e.matches(*parse_ip("1.2.3.4", 4), *parse_ip("10.0.0.3", 4)));
  EXPECT_FALSE(e.matches(*parse_ip("::1", 6), *parse_ip("::2", 6)));
}

TEST(EspSa, AsciiKey) {
  auto e = parse(line("AES-GCM with 16 octet ICV [RFC4106]", "0123456789abcdefSALT"))[0];
  EXPECT_EQ(e.key[0], '0');
  EXPECT_EQ(e.salt[3], 'T');
}

TEST(EspSa, ErrorsNameFileAndLine) {
  const std::string good = line("AES-GCM with 16 octet ICV [RFC4106]");
  auto err = error_of(good + "# c\n" + line("AES-CBC [RFC3602]"));
  EXPECT_NE(err.find("esp_sa:3: "), std::string::npos) << err;
  EXPECT_NE(err.find("AES-CBC"), std::string::npos) << err;

  EXPECT_NE(error_of("\"IPv4\",\"1.2.3.4\"\n").find("esp_sa:1: expected 8 fields"), std::string::npos);
  EXPECT_NE(error_of(line("AES-GCM with 16 octet ICV [RFC4106]", "0x0011")).find("2 bytes"), std::string::npos);
  EXPECT_NE(error_of(line("AES-GCM with 16 octet ICV [RFC4106]", "0x0g0102030405060708090a0b0c0d0e0fa0a1a2a3"))
                .find("not hexadecimal"),
            std::string::npos);
  EXPECT_NE(error_of(line("AES-GCM with 16 octet ICV [RFC4106]", "0x000102030405060708090a0b0c0d0e0f1011121314151617a0a1a2a3"))
                .find("AES-192"),
            std::string::npos);
  EXPECT_NE(error_of(line("AES-GCM with 16 octet ICV [RFC4106]", kKey20, "HMAC-SHA-1-96 [RFC2404]"))
                .find("authentication"),
            std::string::npos);
  EXPECT_NE(error_of(line("AES-GCM with 16 octet ICV [RFC4106]", kKey20, "ANY 64 bit authentication [no checking]"))
                .find("contradicts"),
            std::string::npos);
  EXPECT_NE(error_of(line("AES-GCM with 16 octet ICV [RFC4106]", kKey20, "NULL", "*")).find("wildcard"), std::string::npos);
  EXPECT_NE(error_of(line("AES-GCM with 16 octet ICV [RFC4106]", kKey20, "NULL", "0x100000000")).find("32 bits"),
            std::string::npos);
  EXPECT_NE(error_of(line("AES-GCM with 16 octet ICV [RFC4106]", kKey20, "NULL", "0")).find("reserved"), std::string::npos);
  EXPECT_NE(error_of("\"IPv5\",\"*\",\"*\",\"1\",\"AES-GCM [RFC4106]\",\"" + std::string(kKey20) + "\",\"NULL\",\"\"")
                .find("IPv5"),
            std::string::npos);
  EXPECT_NE(error_of("\"IPv4\",\"2001:db8::1\",\"*\",\"1\",\"AES-GCM [RFC4106]\",\"" + std::string(kKey20) +
                     "\",\"NULL\",\"\"")
                .find("not an IPv4 address"),
            std::string::npos);
  EXPECT_NE(error_of("# only comments\n\n").find("no SA lines"), std::string::npos);
}

TEST(EspSa, FormatRoundTrip) {
  auto e = parse(line("AES-GCM with 12 octet ICV [RFC4106]", kKey36))[0];
  const std::string text = format_esp_sa_line(e);
  EXPECT_EQ(text, "\"IPv4\",\"192.0.2.1\",\"198.51.100.1\",\"0x00001000\",\"AES-GCM with 12 octet ICV [RFC4106]\",\"" +
                      kKey36 + "\",\"NULL\",\"\"");
  auto back = parse(text)[0];
  EXPECT_EQ(back.key, e.key);
  EXPECT_EQ(back.salt, e.salt);
  EXPECT_EQ(back.icv_len, 12);
}

TEST(EspSa, MissingFile) {
  try {
    load_esp_sa_file("/nonexistent/esp_sa");
    FAIL();
  } catch (const SaFileError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/esp_sa"), std::string::npos);
  }
}
