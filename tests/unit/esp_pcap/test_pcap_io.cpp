// esp-pcap's capture I/O and its host-side look at ESP packets.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "esp_packet.hpp"
#include "pcap_io.hpp"

using namespace esp::pcaptool;
using Bytes = std::vector<uint8_t>;

namespace {

std::string tmp_path(const std::string& name) {
  return testing::TempDir() + "esp_pcap_" + std::to_string(getpid()) + "_" + name;
}

// IPv4 header (checksum not needed here) + payload.
Bytes ipv4(uint8_t proto, const Bytes& payload, uint16_t frag = 0) {
  Bytes p = {0x45, 0, 0, 0, 0, 0, static_cast<uint8_t>(frag >> 8), static_cast<uint8_t>(frag), 64, proto, 0, 0,
             192, 0, 2, 1, 198, 51, 100, 1};
  p.insert(p.end(), payload.begin(), payload.end());
  p[2] = static_cast<uint8_t>(p.size() >> 8);
  p[3] = static_cast<uint8_t>(p.size());
  return p;
}

Bytes ipv6(uint8_t nh, const Bytes& payload) {
  Bytes p(40, 0);
  p[0] = 0x60;
  p[4] = static_cast<uint8_t>(payload.size() >> 8);
  p[5] = static_cast<uint8_t>(payload.size());
  p[6] = nh;
  p[7] = 64;
  p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;
  p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 2;
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

Bytes esp_body(uint32_t spi) {
  Bytes b = {static_cast<uint8_t>(spi >> 24), static_cast<uint8_t>(spi >> 16), static_cast<uint8_t>(spi >> 8),
             static_cast<uint8_t>(spi), 0, 0, 0, 1};
  b.resize(40, 0xab);
  return b;
}

Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
  const size_t len = 8 + payload.size();
  Bytes u = {static_cast<uint8_t>(sport >> 8), static_cast<uint8_t>(sport), static_cast<uint8_t>(dport >> 8),
             static_cast<uint8_t>(dport), static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len), 0, 0};
  u.insert(u.end(), payload.begin(), payload.end());
  return u;
}

void write_with_linktype(const std::string& path, int dlt, const std::vector<Bytes>& frames) {
  pcap_t* p = pcap_open_dead(dlt, 65535);
  pcap_dumper_t* d = pcap_dump_open(p, path.c_str());
  ASSERT_NE(d, nullptr);
  for (size_t i = 0; i < frames.size(); ++i) {
    pcap_pkthdr h{};
    h.ts.tv_sec = static_cast<time_t>(1000 + i);
    h.caplen = h.len = static_cast<bpf_u_int32>(frames[i].size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, frames[i].data());
  }
  pcap_dump_close(d);
  pcap_close(p);
}

}  // namespace

TEST(PcapIo, RawRoundTripKeepsTimestamps) {
  const std::string path = tmp_path("raw.pcap");
  const Bytes a = ipv4(50, esp_body(7)), b = ipv6(50, esp_body(8));
  {
    PcapWriter w(path);
    w.write(12, 345, a);
    w.write(13, 999999, b);
    w.close();
  }
  PcapReader r(path);
  EXPECT_EQ(r.linktype(), DLT_RAW);
  Frame f;
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.ts_sec, 12);
  EXPECT_EQ(f.ts_usec, 345);
  EXPECT_EQ(ip_from_frame(r.linktype(), f.data), a);
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.ts_usec, 999999);
  EXPECT_EQ(ip_from_frame(r.linktype(), f.data), b);
  EXPECT_FALSE(r.next(f));
  std::remove(path.c_str());
}

TEST(PcapIo, EthernetVlanPaddingAndNonIp) {
  const std::string path = tmp_path("eth.pcap");
  const Bytes ip = ipv4(50, esp_body(9));
  Bytes eth = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00};
  Bytes f1 = eth;
  f1.insert(f1.end(), ip.begin(), ip.end());
  f1.resize(f1.size() + 6, 0);  // Ethernet padding / FCS-like trailer
  Bytes f2 = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x81, 0x00, 0x00, 0x05, 0x86, 0xDD};
  const Bytes ip6 = ipv6(50, esp_body(10));
  f2.insert(f2.end(), ip6.begin(), ip6.end());
  Bytes arp = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1};
  write_with_linktype(path, DLT_EN10MB, {f1, f2, arp});
  PcapReader r(path);
  Frame f;
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(ip_from_frame(r.linktype(), f.data), ip);
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(ip_from_frame(r.linktype(), f.data), ip6);
  ASSERT_TRUE(r.next(f));
  EXPECT_FALSE(ip_from_frame(r.linktype(), f.data));
  std::remove(path.c_str());
}

TEST(PcapIo, LinuxCookedV1) {
  const Bytes ip = ipv4(50, esp_body(11));
  Bytes sll(16, 0);
  sll[14] = 0x08;
  sll.insert(sll.end(), ip.begin(), ip.end());
  EXPECT_EQ(ip_from_frame(DLT_LINUX_SLL, sll), ip);
}

TEST(PcapIo, BadFilesAreErrors) {
  EXPECT_THROW(PcapReader("/nonexistent/x.pcap"), PcapError);
  const std::string junk = tmp_path("junk.pcap");
  std::ofstream(junk) << "this is not a capture file at all";
  try {
    PcapReader r(junk);
    FAIL() << "junk accepted";
  } catch (const PcapError& e) {
    EXPECT_NE(std::string(e.what()).find(junk), std::string::npos);
  }
  const std::string usb = tmp_path("usb.pcap");
  write_with_linktype(usb, DLT_USB_LINUX, {Bytes(64, 0)});
  try {
    PcapReader r(usb);
    FAIL() << "USB capture accepted";
  } catch (const PcapError& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported link type"), std::string::npos);
  }
  EXPECT_THROW(PcapWriter("/nonexistent/dir/out.pcap"), PcapError);
  std::remove(junk.c_str());
  std::remove(usb.c_str());
}

TEST(PcapIo, TruncatedFileIsAnError) {
  const std::string path = tmp_path("trunc.pcap");
  {
    PcapWriter w(path);
    w.write(1, 0, ipv4(50, esp_body(1)));
    w.close();
  }
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << all.substr(0, all.size() - 10);
  PcapReader r(path);
  Frame f;
  EXPECT_THROW(r.next(f), PcapError);
  std::remove(path.c_str());
}

TEST(EspOuter, Ipv4EspAndUdpEncap) {
  auto o = parse_esp_outer(ipv4(50, esp_body(0x1234)));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->spi, 0x1234u);
  EXPECT_FALSE(o->udp);
  EXPECT_EQ(o->src.version, 4);
  EXPECT_EQ(o->dst.bytes[0], 198);

  o = parse_esp_outer(ipv4(17, udp(4500, 4500, esp_body(0x55))));
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->udp);
  EXPECT_EQ(o->spi, 0x55u);

  EXPECT_FALSE(parse_esp_outer(ipv4(17, udp(4500, 4500, {0xFF}))));               // keepalive
  EXPECT_FALSE(parse_esp_outer(ipv4(17, udp(4500, 4500, Bytes(20, 0)))));        // non-ESP marker
  EXPECT_FALSE(parse_esp_outer(ipv4(17, udp(500, 500, esp_body(1)))));           // IKE port
  EXPECT_FALSE(parse_esp_outer(ipv4(6, esp_body(1))));                           // TCP
  EXPECT_FALSE(parse_esp_outer(ipv4(50, esp_body(1), 0x2000)));                  // MF set
  EXPECT_FALSE(parse_esp_outer(ipv4(50, {0, 0, 0, 1})));                         // short ESP
}

TEST(EspOuter, Ipv6WithExtensionHeader) {
  Bytes dest_opts = {50, 0, 1, 4, 0, 0, 0, 0};  // Destination Options, next header ESP
  Bytes payload = dest_opts;
  const Bytes body = esp_body(0xabcdef01);
  payload.insert(payload.end(), body.begin(), body.end());
  auto o = parse_esp_outer(ipv6(60, payload));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->spi, 0xabcdef01u);
  EXPECT_EQ(o->src.version, 6);
  EXPECT_EQ(o->dst.bytes[15], 2);
  EXPECT_FALSE(parse_esp_outer(ipv6(44, payload)));  // Fragment header
}
