// Cross-check against an implementation no one here wrote: messages built by
// esp_ike_msg, written to a pcap (IPv4/UDP 500), dissected by Wireshark's
// ISAKMP dissector (tshark), which must find the payloads, transforms,
// notify types, selectors... of the values we built, and nothing malformed.
// Skipped when tshark is not installed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

#include "esp/ike/message.hpp"
#include "sa_init_vector.hpp"
#include "test_util.hpp"

namespace esp::ike {
namespace {

using test::fill;
using test::hex;

void le32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}
void be16(std::string& s, std::size_t v) {
  s += static_cast<char>((v >> 8) & 0xFF);
  s += static_cast<char>(v & 0xFF);
}

// A pcap (linktype 101, raw IP) with one IPv4/UDP 500 -> 500 packet per message.
std::string write_pcap(const std::vector<Bytes>& msgs) {
  std::string f;
  le32(f, 0xa1b2c3d4);
  f += std::string("\x02\x00\x04\x00", 4);
  le32(f, 0), le32(f, 0), le32(f, 65535), le32(f, 101);
  for (const Bytes& m : msgs) {
    std::string ip;
    ip += "\x45";
    ip += '\0';
    be16(ip, 20 + 8 + m.size());
    ip += std::string("\0\0\0\0\x40\x11\0\0", 8);
    ip += std::string("\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
    be16(ip, 500), be16(ip, 500), be16(ip, 8 + m.size()), be16(ip, 0);
    ip.append(m.begin(), m.end());
    le32(f, 0), le32(f, 0), le32(f, static_cast<std::uint32_t>(ip.size())),
        le32(f, static_cast<std::uint32_t>(ip.size()));
    f += ip;
  }
  char path[] = "/tmp/ike_msg_tshark_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return {};
  close(fd);
  std::ofstream(path, std::ios::binary) << f;
  return path;
}

const char* kFields[] = {"isakmp.ispi",          "isakmp.exchangetype",        "isakmp.length",
                         "isakmp.typepayload",   "isakmp.tf.type",             "isakmp.tf.id.encr",
                         "isakmp.ike2.attr.key_length", "isakmp.key_exchange.dh_group",
                         "isakmp.notify.msgtype", "isakmp.id.type",            "isakmp.ts.start_ipv4",
                         "isakmp.ts.end_ipv6",   "isakmp.delete.spi",          "isakmp.auth.method",
                         "isakmp.prop.protoid",  "_ws.malformed",              "isakmp.tf.id.prf",
                         "isakmp.tf.id.integ",   "isakmp.tf.id.dh"};
constexpr std::size_t kNFields = sizeof(kFields) / sizeof(kFields[0]);

// One row of fields per frame.
std::vector<std::vector<std::string>> tshark(const std::string& pcap) {
  std::string cmd = "tshark -r " + pcap + " -T fields -E separator='|' -E aggregator=,";
  for (const char* f : kFields) cmd += std::string(" -e ") + f;
  cmd += " 2>/dev/null";
  std::vector<std::vector<std::string>> rows;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return rows;
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t nl = out.find('\n', start);
    if (nl == std::string::npos) nl = out.size();
    std::string line = out.substr(start, nl - start);
    std::vector<std::string> row;
    std::size_t a = 0;
    for (;;) {
      const std::size_t b = line.find('|', a);
      row.push_back(line.substr(a, b == std::string::npos ? std::string::npos : b - a));
      if (b == std::string::npos) break;
      a = b + 1;
    }
    rows.push_back(row);
    start = nl + 1;
  }
  return rows;
}

Message informational() {
  Message m;
  m.header.spi_i = 0x1111111111111111ULL;
  m.header.spi_r = 0x2222222222222222ULL;
  m.header.exchange = ExchangeType::Informational;
  m.header.flags = flags::kInitiator;
  m.header.message_id = 5;
  m.payloads = {
      make_payload(PayloadType::IDi, IdPayload{IdType::FQDN, Bytes{'g', 'w', '.', 'e', 'x'}}),
      make_payload(PayloadType::AUTH, AuthPayload{AuthMethod::SharedKeyMic, fill(32, 1)}),
      make_payload(PayloadType::TSi, TsPayload{{TrafficSelector{TsType::IPV4_ADDR_RANGE, 0, 0, 65535,
                                                                 hex("0a010000"), hex("0a01ffff")}}}),
      make_payload(PayloadType::TSr,
                   TsPayload{{TrafficSelector{TsType::IPV6_ADDR_RANGE, 6, 443, 443,
                                              hex("20010db8000000000000000000000000"),
                                              hex("20010db8ffffffffffffffffffffffff")}}}),
      make_payload(PayloadType::Delete, DeletePayload{ProtocolId::ESP, 4, {hex("c0ffee01")}}),
      make_notify(NotifyType::REKEY_SA, {}, ProtocolId::ESP, hex("c0ffee02")),
      make_notify(NotifyType::USE_TRANSPORT_MODE),
  };
  return m;
}

TEST(Tshark, DissectsWhatWeBuild) {
  // make test installs tshark (scripts/deps.sh): without it this fails, never skips.
  ASSERT_EQ(std::system("command -v tshark >/dev/null 2>&1"), 0) << "tshark not installed (apt-get install tshark)";
  const Bytes init_hand = hex(test::kSaInitRequestHex);
  auto init = parse(init_hand);
  ASSERT_TRUE(init.ok());
  auto b1 = build(init.value());
  auto b2 = build(informational());
  ASSERT_TRUE(b1.ok() && b2.ok());
  const std::string pcap = write_pcap({b1.value(), b2.value()});
  ASSERT_FALSE(pcap.empty());
  const auto rows = tshark(pcap);
  std::remove(pcap.c_str());
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows) ASSERT_EQ(r.size(), kNFields);

  const auto& a = rows[0];
  EXPECT_EQ(a[0], "0102030405060708");
  EXPECT_EQ(a[1], "34");
  EXPECT_EQ(a[2], std::to_string(b1.value().size()));
  EXPECT_EQ(a[3], "33,2,3,3,3,3,34,40,41,41,41,43");  // SA, proposal, 4 transforms, KE, Ni, 3 N, V
  EXPECT_EQ(a[4], "1,2,3,4");
  EXPECT_EQ(a[5], "12");  // ENCR_AES_CBC
  EXPECT_EQ(a[16], "5");  // PRF_HMAC_SHA2_256
  EXPECT_EQ(a[17], "12");  // AUTH_HMAC_SHA2_256_128
  EXPECT_EQ(a[18], "19");
  EXPECT_EQ(a[6], "256");
  EXPECT_EQ(a[7], "19");
  EXPECT_EQ(a[8], "16388,16389,16430");
  EXPECT_EQ(a[14], "1");
  EXPECT_EQ(a[15], "");

  const auto& b = rows[1];
  EXPECT_EQ(b[0], "1111111111111111");
  EXPECT_EQ(b[1], "37");
  EXPECT_EQ(b[2], std::to_string(b2.value().size()));
  EXPECT_EQ(b[3], "35,39,44,45,42,41,41");
  EXPECT_EQ(b[8], "16393,16391");
  EXPECT_EQ(b[9], "2");
  EXPECT_EQ(b[10], "10.1.0.0");
  EXPECT_EQ(b[11], "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(b[12], "c0ffee01");
  EXPECT_EQ(b[13], "2");
  EXPECT_EQ(b[15], "");
}

}  // namespace
}  // namespace esp::ike
