// Wireshark (tshark) decrypts an ESP packet (AES-GCM-16, RFC 4106, sealed
// here with OpenSSL EVP) with the esp_sa line esp_ike_keys wrote into a
// temporary Wireshark configuration, and shows the inner UDP datagram.
// Control: a wrong key shows nothing. Fails (never skips) without tshark.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <openssl/evp.h>

#include "esp/ike/wireshark_keys.hpp"

namespace esp::ike {
namespace {

void esp_le32(std::string &s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}
void esp_be16(Bytes &s, std::size_t v) {
  s.push_back(static_cast<uint8_t>((v >> 8) & 0xFF));
  s.push_back(static_cast<uint8_t>(v & 0xFF));
}
void be32(Bytes &s, std::uint32_t v) {
  esp_be16(s, v >> 16);
  esp_be16(s, v & 0xFFFF);
}

// IPv4 header (no checksum: Wireshark does not verify it by default).
Bytes ipv4(uint8_t proto, const Bytes &src, const Bytes &dst, size_t payload_len) {
  Bytes h = {0x45, 0};
  esp_be16(h, 20 + payload_len);
  h.insert(h.end(), {0, 0, 0, 0, 64, proto, 0, 0});
  h.insert(h.end(), src.begin(), src.end());
  h.insert(h.end(), dst.begin(), dst.end());
  return h;
}

// ESP (RFC 4303) in tunnel mode with AES-GCM-16 (RFC 4106): nonce = salt | IV,
// AAD = SPI | Sequence Number.
Bytes esp_packet(const SecretBytes &key_salt, uint32_t spi, uint32_t seq, const Bytes &inner) {
  Bytes plain = inner;
  uint8_t pad = 1;
  while ((plain.size() + 2) % 4 != 0) plain.push_back(pad++);
  plain.push_back(static_cast<uint8_t>(pad - 1));
  plain.push_back(4);  // next header: IPv4
  Bytes esp;
  be32(esp, spi);
  be32(esp, seq);
  const Bytes iv = {1, 2, 3, 4, 5, 6, 7, 8};
  Bytes nonce(key_salt.data() + key_salt.size() - 4, key_salt.data() + key_salt.size());
  nonce.insert(nonce.end(), iv.begin(), iv.end());
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  const EVP_CIPHER *alg = key_salt.size() == 36 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
  Bytes ct(plain.size()), tag(16);
  int n = 0;
  bool ok = EVP_EncryptInit_ex(c, alg, nullptr, key_salt.data(), nonce.data()) == 1 &&
            EVP_EncryptUpdate(c, nullptr, &n, esp.data(), static_cast<int>(esp.size())) == 1 &&
            EVP_EncryptUpdate(c, ct.data(), &n, plain.data(), static_cast<int>(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(c, ct.data() + n, &n) == 1 &&
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag.data()) == 1;
  EVP_CIPHER_CTX_free(c);
  EXPECT_TRUE(ok);
  esp.insert(esp.end(), iv.begin(), iv.end());
  esp.insert(esp.end(), ct.begin(), ct.end());
  esp.insert(esp.end(), tag.begin(), tag.end());
  return esp;
}

std::string esp_run(const std::string &cmd) {
  std::string out;
  FILE *p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(TsharkEsp, DecryptsWithOurEspSa) {
  ASSERT_EQ(std::system("command -v tshark >/dev/null 2>&1"), 0)
      << "tshark not installed (apt-get install tshark): this peer test needs it";
  for (unsigned bits : {128u, 256u}) {
    SCOPED_TRACE(bits);
    const Bytes gw_a = {192, 0, 2, 1}, gw_b = {198, 51, 100, 7};
    const Bytes host_a = {10, 1, 0, 5}, host_b = {10, 2, 0, 9};
    Bytes udp;
    esp_be16(udp, 5555), esp_be16(udp, 4242), esp_be16(udp, 8 + 5), esp_be16(udp, 0);
    udp.insert(udp.end(), {'h', 'e', 'l', 'l', 'o'});
    Bytes inner = ipv4(17, host_a, host_b, udp.size());
    inner.insert(inner.end(), udp.begin(), udp.end());
    SecretBytes key(bits / 8 + 4);
    for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x21 + 3 * i);
    const uint32_t spi = 0xc1a2b3d4;
    const Bytes esp = esp_packet(key, spi, 1, inner);
    Bytes pkt = ipv4(50, gw_a, gw_b, esp.size());
    pkt.insert(pkt.end(), esp.begin(), esp.end());

    char t[] = "/tmp/ike_keys_esp_XXXXXX";
    ASSERT_NE(mkdtemp(t), nullptr);
    const std::string dir = t, conf = dir + "/home/.config/wireshark", pcap = dir + "/esp.pcap";
    ASSERT_EQ(std::system(("mkdir -p " + conf).c_str()), 0);
    std::string f;
    esp_le32(f, 0xa1b2c3d4);
    f += std::string("\x02\x00\x04\x00", 4);
    esp_le32(f, 0), esp_le32(f, 0), esp_le32(f, 65535), esp_le32(f, 101);
    esp_le32(f, 0), esp_le32(f, 0), esp_le32(f, static_cast<uint32_t>(pkt.size())), esp_le32(f, static_cast<uint32_t>(pkt.size()));
    f.append(pkt.begin(), pkt.end());
    std::ofstream(pcap, std::ios::binary) << f;

    const std::string cmd = "HOME=" + dir + "/home XDG_CONFIG_HOME=" + dir +
                            "/home/.config tshark -n -r " + pcap +
                            " -o esp.enable_encryption_decode:TRUE -T fields -E aggregator=,"
                            " -e udp.dstport -e ip.dst 2>&1";
    EspSaKeyRecord r;
    r.src = gw_a, r.dst = gw_b, r.spi = spi;
    r.suite.encr = EncrId::AesGcm16, r.suite.encr_key_bits = bits;
    {
      ChildDirKeys wrong;
      wrong.encr = SecretBytes(key.size());
      WiresharkKeyLog(conf).esp_sa(r, wrong);
    }
    const std::string bad = esp_run(cmd);
    EXPECT_EQ(bad.find("4242"), std::string::npos) << bad;
    std::remove((conf + "/esp_sa").c_str());
    {
      ChildDirKeys right;
      right.encr = key;
      WiresharkKeyLog(conf).esp_sa(r, right);
    }
    const std::string good = esp_run(cmd);
    EXPECT_NE(good.find("4242"), std::string::npos) << good;
    EXPECT_NE(good.find("198.51.100.7,10.2.0.9"), std::string::npos) << good;
    std::system(("rm -rf " + dir).c_str());
  }
}

}  // namespace
}  // namespace esp::ike
