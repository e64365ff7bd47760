// esp-pcap's esp_sa reader (sw_runtime/tools/esp_pcap, written by another
// hand) parses the lines esp_ike_keys writes back to the same SA.
#include <gtest/gtest.h>

#include <sstream>

#include "esp/ike/wireshark_keys.hpp"
#include "esp_sa_file.hpp"

namespace esp::ike {
namespace {

TEST(EspPcapReads, OurEspSaLines) {
  struct Case {
    Bytes src, dst;
    EncrId encr;
    unsigned bits;
  };
  const Case cases[] = {
      {{192, 0, 2, 1}, {198, 51, 100, 7}, EncrId::AesGcm16, 128},
      {{192, 0, 2, 1}, {198, 51, 100, 7}, EncrId::AesGcm16, 256},
      {from_hex("20010db8000000000000000000000001"), from_hex("20010db8000000000000000000000002"),
       EncrId::NullAuthAesGmac, 256},
  };
  uint32_t spi = 0x4000;
  for (const auto &c : cases) {
    EspSaKeyRecord r;
    r.src = c.src, r.dst = c.dst, r.spi = ++spi;
    r.suite.encr = c.encr, r.suite.encr_key_bits = c.bits;
    ChildDirKeys k;
    k.encr = SecretBytes(c.bits / 8 + 4);
    for (size_t i = 0; i < k.encr.size(); ++i) k.encr[i] = static_cast<uint8_t>(0x5a ^ i);
    const SecretBytes l = esp_sa_line(r, k);
    std::istringstream in(std::string(l.data(), l.data() + l.size()));
    const auto sas = pcaptool::parse_esp_sa(in, "ours");
    ASSERT_EQ(sas.size(), 1u);
    const auto &e = sas[0];
    EXPECT_EQ(e.family, c.src.size() == 4 ? 4 : 6);
    EXPECT_EQ(e.spi, spi);
    EXPECT_EQ(e.gmac, c.encr == EncrId::NullAuthAesGmac);
    EXPECT_EQ(e.icv_len, 16);
    const Bytes all = k.encr.expose();
    EXPECT_EQ(e.key, Bytes(all.begin(), all.end() - 4));
    EXPECT_TRUE(std::equal(e.salt.begin(), e.salt.end(), all.end() - 4));
    ASSERT_TRUE(e.src && e.dst);
    EXPECT_EQ(pcaptool::ip_text(*e.src), c.src.size() == 4 ? "192.0.2.1" : "2001:db8::1");
  }
}

}  // namespace
}  // namespace esp::ike
