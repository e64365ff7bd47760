// The test that matters: Wireshark (tshark, no one here wrote it) decrypts
// IKE_AUTH-like messages whose SK payload esp_ike_crypto protected, with the
// ikev2_decryption_table esp_ike_keys wrote into a temporary Wireshark
// configuration (HOME/.config/wireshark), and shows the inner payloads: the
// IDi's data and the notify we put inside. Controls: without the table, and
// with a wrong key, tshark sees no inner payloads. Fails (never skips) when
// tshark is missing.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "esp/ike/message.hpp"
#include "esp/ike/sk_payload.hpp"
#include "esp/ike/wireshark_keys.hpp"

namespace esp::ike {
namespace {

void le32(std::string &s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}
void be16(std::string &s, std::size_t v) {
  s += static_cast<char>((v >> 8) & 0xFF);
  s += static_cast<char>(v & 0xFF);
}

// Classic pcap, linktype 101 (raw IP): one IPv4/UDP 500 -> 500 packet per message.
void write_pcap(const std::string &path, const std::vector<Bytes> &msgs) {
  std::string f;
  le32(f, 0xa1b2c3d4);
  f += std::string("\x02\x00\x04\x00", 4);
  le32(f, 0), le32(f, 0), le32(f, 65535), le32(f, 101);
  for (const Bytes &m : msgs) {
    std::string ip("\x45", 1);
    ip += '\0';
    be16(ip, 20 + 8 + m.size());
    ip += std::string("\0\0\0\0\x40\x11\0\0", 8);
    ip += std::string("\xc0\x00\x02\x01\xc6\x33\x64\x07", 8);  // 192.0.2.1 -> 198.51.100.7
    be16(ip, 500), be16(ip, 500), be16(ip, 8 + m.size()), be16(ip, 0);
    ip.append(m.begin(), m.end());
    le32(f, 0), le32(f, 0), le32(f, static_cast<std::uint32_t>(ip.size())),
        le32(f, static_cast<std::uint32_t>(ip.size()));
    f += ip;
  }
  std::ofstream(path, std::ios::binary) << f;
}

std::string run(const std::string &cmd) {
  std::string out;
  FILE *p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

SecretBytes filled(size_t n, uint8_t start) {
  SecretBytes s(n);
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<uint8_t>(start + 7 * i);
  return s;
}

struct Suite {
  const char *name;
  IkeSuite suite;
};

// An IKE_AUTH request (initiator) with IDi, AUTH, a notify and TSi inside SK,
// protected with SK_ei/SK_ai of keys.
Bytes ike_auth(const IkeSuite &s, const IkeSaKeys &keys, std::uint64_t spi_i, std::uint64_t spi_r) {
  const std::vector<Payload> inner = {
      make_payload(PayloadType::IDi, IdPayload{IdType::FQDN, Bytes{'c', 'a', 'r', 'o', 'l', '.', 'e', 'x'}}),
      make_payload(PayloadType::AUTH, AuthPayload{AuthMethod::SharedKeyMic, Bytes(32, 0xab)}),
      make_notify(NotifyType::USE_TRANSPORT_MODE),
      make_notify(NotifyType::INITIAL_CONTACT),
  };
  auto chain = build_payload_chain(inner);
  EXPECT_TRUE(chain.ok());
  if (!chain.ok()) return {};
  SkCipher c(s.encr, s.encr_key_bits, s.integ, keys.sk_ei, keys.sk_ai);
  const size_t body_len = c.body_len(chain.value().bytes.size());
  Message m;
  m.header.spi_i = spi_i;
  m.header.spi_r = spi_r;
  m.header.exchange = ExchangeType::IkeAuth;
  m.header.flags = flags::kInitiator;
  m.header.message_id = 1;
  m.payloads = {make_payload(PayloadType::SK, SkPayload{chain.value().first, Bytes(body_len, 0)})};
  auto built = build(m);
  EXPECT_TRUE(built.ok());
  if (!built.ok()) return {};
  Bytes msg = built.value();
  const ByteView prefix(msg.data(), msg.size() - body_len);
  const Bytes body = c.protect(prefix, chain.value().bytes);
  EXPECT_EQ(body.size(), body_len);
  std::copy(body.begin(), body.end(), msg.end() - static_cast<std::ptrdiff_t>(body_len));
  // Our own decryption agrees before asking Wireshark.
  auto back = c.unprotect(prefix, body);
  EXPECT_TRUE(back && *back == chain.value().bytes);
  return msg;
}

class TsharkDecrypt : public ::testing::TestWithParam<Suite> {};

TEST_P(TsharkDecrypt, ShowsInnerPayloads) {
  ASSERT_EQ(std::system("command -v tshark >/dev/null 2>&1"), 0)
      << "tshark not installed (apt-get install tshark): this peer test needs it";
  const IkeSuite &s = GetParam().suite;
  IkeSaKeys keys;
  const size_t ek = encr_keymat_len(s.encr, s.encr_key_bits);
  const size_t ak = s.integ == IntegId::None ? 0 : integ_key_len(s.integ);
  keys.sk_ei = filled(ek, 0x11), keys.sk_er = filled(ek, 0x22);
  keys.sk_ai = filled(ak, 0x33), keys.sk_ar = filled(ak, 0x44);
  const std::uint64_t spi_i = 0x8a7b6c5d4e3f2011ULL, spi_r = 0x1122334455667788ULL;
  const Bytes msg = ike_auth(s, keys, spi_i, spi_r);
  ASSERT_FALSE(msg.empty());

  char t[] = "/tmp/ike_keys_tshark_XXXXXX";
  ASSERT_NE(mkdtemp(t), nullptr);
  const std::string dir = t;
  const std::string pcap = dir + "/auth.pcap";
  write_pcap(pcap, {msg});
  const std::string conf = dir + "/home/.config/wireshark";
  ASSERT_EQ(std::system(("mkdir -p " + conf).c_str()), 0);

  const std::string cmd = "HOME=" + dir + "/home XDG_CONFIG_HOME=" + dir +
                          "/home/.config tshark -n -r " + pcap +
                          " -T fields -E separator='|' -E aggregator=, -e isakmp.typepayload"
                          " -e isakmp.id.data.fqdn -e isakmp.notify.msgtype -e isakmp.auth.method 2>&1";
  // Control: no table, no inner payloads.
  const std::string without = run(cmd);
  EXPECT_EQ(without.find("carol.ex"), std::string::npos) << without;
  EXPECT_EQ(without.find("16391"), std::string::npos) << without;

  {
    WiresharkKeyLog log(conf);
    IkeSaKeys wrong = keys;  // a line for another SA first: must not disturb
    wrong.sk_ei = filled(ek, 0x99);
    log.ike_sa(spi_i ^ 1, spi_r, s, wrong);
    log.ike_sa(spi_i, spi_r, s, keys);
  }
  const std::string with = run(cmd);
  // IDi (35), AUTH (39), N (41) x2 inside SK (46); the FQDN; USE_TRANSPORT_MODE
  // (16391) and INITIAL_CONTACT (16384); AUTH method 2 (shared key MIC).
  EXPECT_NE(with.find("46,35,39,41,41"), std::string::npos) << with;
  EXPECT_NE(with.find("|carol.ex|"), std::string::npos) << with;
  EXPECT_NE(with.find("16391,16384"), std::string::npos) << with;
  EXPECT_NE(with.find("|2"), std::string::npos) << with;

  // Control: the right SPIs with a wrong key: Wireshark cannot decrypt.
  std::remove((conf + "/ikev2_decryption_table").c_str());
  {
    WiresharkKeyLog log(conf);
    IkeSaKeys wrong = keys;
    wrong.sk_ei = filled(ek, 0x99);
    if (ak != 0) wrong.sk_ai = filled(ak, 0x98);
    log.ike_sa(spi_i, spi_r, s, wrong);
  }
  const std::string bad = run(cmd);
  EXPECT_EQ(bad.find("carol.ex"), std::string::npos) << bad;
  std::system(("rm -rf " + dir).c_str());
}

IkeSuite suite(EncrId e, unsigned bits, IntegId i) {
  IkeSuite s;
  s.encr = e, s.encr_key_bits = bits, s.integ = i;
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Suites, TsharkDecrypt,
    ::testing::Values(Suite{"AesGcm16_256", suite(EncrId::AesGcm16, 256, IntegId::None)},
                      Suite{"AesGcm16_128", suite(EncrId::AesGcm16, 128, IntegId::None)},
                      Suite{"AesCbc256_HmacSha256", suite(EncrId::AesCbc, 256, IntegId::HmacSha256_128)},
                      Suite{"AesCbc128_HmacSha512", suite(EncrId::AesCbc, 128, IntegId::HmacSha512_256)}),
    [](const ::testing::TestParamInfo<Suite> &p) { return std::string(p.param.name); });

}  // namespace
}  // namespace esp::ike
