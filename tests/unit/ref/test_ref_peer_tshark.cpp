// Independent peer check of the reference model: Wireshark's ESP dissector
// (tshark, Debian's Wireshark 4.0) decrypts what the model encrypted.
//
// The model's output (tunnel 4-in-4, 6-in-4, 4-in-6, 6-in-6 and transport
// over IPv4 and IPv6, with and without RFC 3948 UDP encapsulation on port
// 4500, AES-128 and AES-256, ICV 8, 12 and 16 bytes) goes to a pcap
// (LINKTYPE_RAW); the SAs go to a Wireshark `esp_sa` UAT file in a private
// configuration directory. tshark must, for every packet: find the SA by
// protocol / addresses / SPI (so the outer addresses are right), verify the
// GCM ICV (esp.icv_good), and its decrypted data must be the expected
// payload | padding | pad length | next header; the inner packet's and the
// outer header's checksums must verify too. Tampered packets must show a bad ICV.
//
// What Wireshark 4.0 cannot check (its ESP SA table has no such settings):
// ESN (the AAD is always SPI | 32-bit sequence number), ESP-GMAC (RFC 4543),
// and the anti-replay / lifetime / status behaviour (not a dissector's job).
//
// tshark missing is a failure, not a skip: scripts/deps.sh installs it.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

#include "ref_test_util.hpp"

namespace esp::ref {
namespace {

using spec::Mode;
using spec::Status;
using testing::SaParams;

std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int st = pclose(f);
  if (status) *status = st;
  return out;
}

std::string addr_str(const runtime::IpAddr& a) {
  char buf[64];
  if (a.version == 4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]);
    return buf;
  }
  std::string s;
  for (int i = 0; i < 8; ++i) {
    std::snprintf(buf, sizeof buf, "%s%x", i ? ":" : "", (a.bytes[2 * i] << 8) | a.bytes[2 * i + 1]);
    s += buf;
  }
  return s;
}

struct Expect {
  uint32_t spi;
  uint32_t seq;
  bool tampered;
  Bytes decrypted;  // payload | pad | pad_len | next header
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> v;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) v.push_back(cur);
  if (!s.empty() && s.back() == sep) v.push_back("");
  return v;
}

TEST(PeerTshark, WiresharkDecryptsModelOutput) {
  int st = 0;
  const std::string tshark = run("command -v tshark", &st);
  ASSERT_EQ(st, 0) << "tshark not found: run `make deps` (scripts/deps.sh installs Debian's tshark)";
  std::string version = run("tshark --version 2>/dev/null | head -1");
  std::cout << "peer: " << version;

  char tmpl[] = "/tmp/esp_ref_tshark_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ASSERT_EQ(std::system(("mkdir -p " + dir + "/.config/wireshark").c_str()), 0);

  // ---- SAs: every mode / family / encapsulation / key size; ICVs cycle.
  std::vector<std::pair<SaParams, uint8_t>> sas;  // SA, inner IP version
  uint32_t spi = 0x5A000001;
  int icv_i = 0;
  const uint8_t icvs[] = {16, 12, 8};
  for (Mode mode : {Mode::TUNNEL, Mode::TRANSPORT})
    for (uint8_t outer : {uint8_t{4}, uint8_t{6}})
      for (uint8_t inner : {uint8_t{4}, uint8_t{6}}) {
        if (mode == Mode::TRANSPORT && inner != outer) continue;
        for (bool udp : {false, true})
          for (size_t key : {16, 32}) {
            SaParams p;
            p.mode = mode;
            p.outer = outer;
            p.udp = udp;
            p.key_len = key;
            p.icv = icvs[icv_i++ % 3];
            p.spi = spi++;
            sas.emplace_back(p, inner);
          }
      }

  std::ofstream uat(dir + "/.config/wireshark/esp_sa");
  pcap_t* dead = pcap_open_dead(DLT_RAW, 65535);
  ASSERT_NE(dead, nullptr);
  const std::string pcap_path = dir + "/model.pcap";
  pcap_dumper_t* dump = pcap_dump_open(dead, pcap_path.c_str());
  ASSERT_NE(dump, nullptr) << pcap_geterr(dead);

  std::vector<Expect> expect;
  uint32_t seed = 100;
  for (const auto& [p, inner_v] : sas) {
    RefEngine eng(1);
    runtime::SaConfig c = testing::make_sa(p, runtime::Direction::Outbound);
    // Distinct outer addresses per SA: the UAT lookup must use the right ones.
    c.tun_src.bytes[c.tun_src.version == 4 ? 3 : 15] = static_cast<uint8_t>(100 + (p.spi & 0xFF));
    eng.add_sa(c);
    const runtime::IpAddr inner_src = inner_v == 4 ? pkt::v4(192, 168, 7, static_cast<uint8_t>(p.spi))
                                                   : pkt::v6({0x2001, 0xdb8, 7, 0, 0, 0, 0, static_cast<uint16_t>(p.spi)});
    const runtime::IpAddr inner_dst = inner_v == 4 ? pkt::v4(192, 168, 8, 1) : pkt::v6({0x2001, 0xdb8, 8, 0, 0, 0, 0, 1});
    const runtime::IpAddr& sa_src = p.mode == Mode::TUNNEL ? c.tun_src : inner_src;
    const runtime::IpAddr& sa_dst = p.mode == Mode::TUNNEL ? c.tun_dst : inner_dst;
    Bytes keysalt = c.key;
    keysalt.insert(keysalt.end(), c.salt.begin(), c.salt.end());
    char spi_hex[16];
    std::snprintf(spi_hex, sizeof spi_hex, "0x%08x", p.spi);
    uat << "\"" << (sa_src.version == 4 ? "IPv4" : "IPv6") << "\",\"" << addr_str(sa_src) << "\",\""
        << addr_str(sa_dst) << "\",\"" << spi_hex << "\",\"AES-GCM with " << int(p.icv)
        << " octet ICV [RFC4106]\",\"0x" << to_hex(keysalt) << "\",\"NULL\",\"\"\n";

    const size_t sizes[] = {1, 2, 3, 4, 17, 63, 64, 100, 576, 1400, 1500, 8000};
    for (size_t i = 0; i < std::size(sizes); ++i) {
      pkt::PacketSpec s;
      s.version = inner_v;
      s.src = inner_src;
      s.dst = inner_dst;
      s.payload_len = sizes[i];
      s.seed = seed++;
      s.l4 = i % 3 == 0 ? pkt::L4::UDP : (i % 3 == 1 ? pkt::L4::TCP : pkt::L4::ICMP);
      // Inner payloads on port 40100, decoded as plain data (-d below): an
      // application dissector throwing on random bytes would cut the ESP fields short.
      s.sport = static_cast<uint16_t>(40000 + i);
      s.dport = 40100;
      if (inner_v == 4 && i == 5) s.ipv4_options = {0x94, 0x04, 0, 0};
      if (inner_v == 6 && i == 5) s.ipv6_ext = {{ip::kHopByHop, 1}, {ip::kRouting, 1}};
      const Bytes in = pkt::build(s);
      Output o = eng.encrypt(0, in);
      ASSERT_EQ(o.status, Status::OK);
      Expect e;
      e.spi = p.spi;
      e.seq = static_cast<uint32_t>(o.seq);
      e.tampered = (i == 7);
      ip::Header h;
      ASSERT_TRUE(ip::parse(in, h));
      if (p.mode == Mode::TUNNEL) {
        e.decrypted = testing::with_trailer(in, inner_v == 4 ? 4 : 41);
      } else {
        if (inner_v == 6) {
          ASSERT_TRUE(ip::walk_v6_ext(in, h, {0, 43, 44}));
        }
        e.decrypted = testing::with_trailer(Bytes(in.begin() + static_cast<long>(h.hdr_len), in.end()), h.proto);
      }
      Bytes wire = o.data;
      if (e.tampered) {
        // Flip the last payload byte (not the trailer: a garbage next header
        // would send Wireshark's dissection elsewhere).
        const size_t pad = e.decrypted[e.decrypted.size() - 2];
        const size_t last_payload = e.decrypted.size() - 3 - pad;
        wire[wire.size() - p.icv - e.decrypted.size() + last_payload] ^= 0x04;
      }
      pcap_pkthdr hdr{};
      hdr.ts.tv_sec = 1700000000 + static_cast<long>(expect.size());
      hdr.caplen = hdr.len = static_cast<bpf_u_int32>(wire.size());
      pcap_dump(reinterpret_cast<u_char*>(dump), &hdr, wire.data());
      expect.push_back(e);
    }
  }
  pcap_dump_close(dump);
  pcap_close(dead);
  uat.close();

  const std::string cmd =
      "cd " + dir + " && env HOME=" + dir + " XDG_CONFIG_HOME=" + dir +
      "/.config tshark -n -r model.pcap"
      " -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE"
      " -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE"
      " -d udp.port==40100,data -d tcp.port==40100,data"  // no heuristic dissector on inner payloads
      " -T fields -E separator=/t -E occurrence=a -E aggregator=,"
      " -e frame.number -e esp.spi -e esp.sequence -e esp.icv_good -e esp.icv_bad -e esp.decrypted_data"
      " -e ip.checksum.status -e udp.checksum.status -e tcp.checksum.status -e icmp.checksum.status"
      " -e icmpv6.checksum.status 2>" + dir + "/tshark.err";
  const std::string out = run(cmd, &st);
  ASSERT_EQ(st, 0) << "tshark failed: " << run("cat " + dir + "/tshark.err");
  const std::vector<std::string> lines = split(out, '\n');
  size_t rows = 0, decrypted_ok = 0, tampered_caught = 0;
  for (const std::string& line : lines) {
    if (line.empty()) continue;
    const std::vector<std::string> f = split(line, '\t');
    ASSERT_GE(f.size(), 11u) << line;
    const size_t frame = std::stoul(f[0]);
    ASSERT_GE(frame, 1u);
    ASSERT_LE(frame, expect.size());
    const Expect& e = expect[frame - 1];
    SCOPED_TRACE("frame " + f[0] + " spi " + f[1]);
    ++rows;
    EXPECT_EQ(std::stoul(f[1], nullptr, 0), e.spi);
    EXPECT_EQ(std::stoul(f[2]), e.seq);
    if (e.tampered) {
      EXPECT_EQ(f[4], "1") << "tampered packet must fail Wireshark's ICV check";
      tampered_caught += f[4] == "1";
      continue;
    }
    EXPECT_EQ(f[3], "1") << "ICV verified by Wireshark";
    EXPECT_EQ(f[6 - 1], to_hex(e.decrypted)) << "decrypted payload | padding | trailer";
    decrypted_ok += f[3] == "1" && f[5] == to_hex(e.decrypted);
    // Checksums Wireshark verified: outer IPv4 header, UDP (encapsulation over
    // IPv6, and the inner datagrams), TCP, ICMP: none may be bad (0).
    for (size_t k = 6; k < 11 && k < f.size(); ++k)
      for (const std::string& v : split(f[k], ','))
        EXPECT_NE(v, "0") << "bad checksum in field " << k << ": " << line.substr(0, 200);
    for (const std::string& v : split(f[6], ',')) EXPECT_EQ(v, "1") << "IPv4 header checksum";
  }
  EXPECT_EQ(rows, expect.size());
  std::cout << "tshark: " << decrypted_ok << " packets decrypted and verified, " << tampered_caught
            << " tampered packets rejected, of " << expect.size() << "\n";
  if (!HasFailure()) std::system(("rm -rf " + dir).c_str());
  else std::cout << "kept " << dir << " for inspection\n";
}

}  // namespace
}  // namespace esp::ref
