// esp-offload: Verilator testbench of esp_classify (through
// sim/esp_classify_tb_top.sv), the fast path's one-per-cycle header classify.
//
// 1. A table of packets built here, each with the answer the contract gives
//    for it written from how it was built (where the builder put the IP
//    header, the UDP header, the ESP header; CONTRACT.md ENCRYPT 2, DECRYPT
//    1-3): IPv4 with and without options (every IHL), IPv6, ESP, UDP-ESP on
//    either port 4500, NAT keepalive, non-ESP marker, other protocols,
//    fragments, bad versions / IHL / lengths, truncated (avail short of the
//    header or the packet), IPv6 behind one extension header, Ethernet
//    padding. Each row says whether the fast path must decide it (every
//    IPv4 packet, IPv6 without extension header, everything PARSE_IP) or may
//    leave it slow; a decided row must match its answer.
// 2. Random and mutated packets (IPv4 / IPv6 with extension header chains,
//    ESP / UDP / other, random lengths, versions, fragment bits, avail)
//    against the HLS reference (hw/hls: parse_ip, walk_ipv6_ext,
//    locate_esp): every answer the unit gives (!slow) must match it, and
//    the classes the fast path must cover must not be slow.
// Both run as streams: one request per cycle back to back, and with random
// gaps; every answer must come exactly 2 cycles after its request. The
// bytes of the two words beyond avail are random (they must not matter).
// Only the fields the status defines are compared (esp_ip_parse's header).
//
// usage: esp_classify_tb [--seed N] [--iters N]; the seed is printed first
// (ESP_SIM_SEED=<n> replays a run).

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "Vesp_classify_tb_top.h"
#include "verilated.h"

#include "esp/hls/esp_decap.hpp"
#include "esp/hls/ip_parse.hpp"
#include "esp/spec/esp_spec.hpp"
#include "tb_util.hpp"

namespace {

namespace hls = esp::hls;
namespace spec = esp::spec;
using esp::tb::Bytes;

constexpr unsigned kWordBytes = spec::PKT_BUS_BYTES;
constexpr unsigned kWinBytes = 2 * kWordBytes;  // the two words the unit sees
constexpr unsigned kLatency = 2;

constexpr unsigned kModeIp = 0, kModeOut = 1, kModeLocate = 2;
const char* const kModeName[] = {"PARSE_IP", "PARSE_OUT", "LOCATE_ESP", "mode3"};

constexpr unsigned kOk = unsigned(spec::Status::OK);
constexpr unsigned kMalformed = unsigned(spec::Status::MALFORMED);
constexpr unsigned kNotEsp = unsigned(spec::Status::NOT_ESP);

constexpr uint8_t kEsp = spec::ESP_PROTO, kUdp = spec::UDP_PROTO, kTcp = 6;
constexpr uint8_t kHbh = 0, kRouting = 43, kFragment = 44, kDstOpts = 60;
constexpr uint16_t kNatt = spec::NAT_T_PORT;

const char* status_name(unsigned s) {
  return s == kOk ? "OK" : s == kMalformed ? "MALFORMED" : s == kNotEsp ? "NOT_ESP" : "?";
}

struct Fail : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An answer (esp_ip_parse's rsp fields).
struct Answer {
  unsigned status = kMalformed;
  unsigned version = 0, pkt_len = 0, ihl = 0, hdr_len = 0, nh_off = 0, proto = 0;
  bool udp = false;
  unsigned esp_off = 0, esp_len = 0;
  uint32_t spi = 0, seq = 0;
};

struct Req {
  std::string name;
  unsigned mode = 0;
  Bytes pkt;        // at least the packet's bytes; the buffer from byte 0
  unsigned avail = 0;
  bool must_fast = true;
  Answer want;
};

void put16(Bytes& b, size_t off, unsigned v) {
  b[off] = static_cast<uint8_t>(v >> 8);
  b[off + 1] = static_cast<uint8_t>(v);
}
void put32(Bytes& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
uint32_t get32(const Bytes& b, size_t off) {
  return (uint32_t(b[off]) << 24) | (uint32_t(b[off + 1]) << 16) | (uint32_t(b[off + 2]) << 8) | b[off + 3];
}

Bytes fill(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + 7 * i + 1);
  return b;
}
Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// ESP: SPI, sequence number, `body` more bytes.
Bytes esp_hdr(uint32_t spi, uint32_t seq, size_t body) {
  Bytes b(8);
  put32(b, 0, spi);
  put32(b, 4, seq);
  return cat(b, fill(body, static_cast<uint8_t>(spi)));
}
// UDP header + payload; len_fix overrides the length field.
Bytes udp_hdr(unsigned sport, unsigned dport, const Bytes& pl, int len_fix = -1) {
  Bytes b(8, 0);
  put16(b, 0, sport);
  put16(b, 2, dport);
  put16(b, 4, len_fix >= 0 ? unsigned(len_fix) : unsigned(8 + pl.size()));
  put16(b, 6, 0xBEEF);
  return cat(b, pl);
}
// IPv4: IHL*4 = ihl bytes (options filled), total = ihl + payload unless
// total_fix; fragment field.
Bytes ipv4(unsigned ihl, uint8_t proto, const Bytes& pl, int total_fix = -1, unsigned frag = 0x4000) {
  Bytes b(ihl, 0);
  b[0] = static_cast<uint8_t>(0x40 | ((ihl / 4) & 0xF));
  b[1] = 0x00;
  put16(b, 2, total_fix >= 0 ? unsigned(total_fix) : unsigned(ihl + pl.size()));
  put16(b, 4, 0x1234);
  put16(b, 6, frag);
  b[8] = 64;
  b[9] = proto;
  put32(b, 12, 0x0A000001);
  put32(b, 16, 0x0A000002);
  for (unsigned i = 20; i < ihl; ++i) b[i] = 0x01;  // NOP options
  return cat(b, pl);
}
// IPv6: next header nh, payload (extension headers + L4), payload length
// unless plen_fix.
Bytes ipv6(uint8_t nh, const Bytes& pl, int plen_fix = -1) {
  Bytes b(40, 0);
  b[0] = 0x60;
  put16(b, 4, plen_fix >= 0 ? unsigned(plen_fix) : unsigned(pl.size()));
  b[6] = nh;
  b[7] = 64;
  for (unsigned i = 8; i < 40; ++i) b[i] = static_cast<uint8_t>(0x20 + i);
  return cat(b, pl);
}
// An IPv6 extension header of len8 * 8 bytes (Fragment: 8) before next.
Bytes ext_hdr(uint8_t type, uint8_t next, unsigned len8) {
  Bytes b(type == kFragment ? 8 : len8 * 8, 0);
  b[0] = next;
  b[1] = type == kFragment ? 0 : static_cast<uint8_t>(len8 - 1);
  return b;
}

// ------------------------------------------------------------ the table
// The answer of a well-formed IP packet as built: version, lengths, where
// the payload is.
Answer ip_answer(unsigned version, unsigned pkt_len, unsigned ihl, unsigned hdr_len, unsigned nh_off, unsigned proto) {
  Answer a;
  a.status = kOk;
  a.version = version;
  a.pkt_len = pkt_len;
  a.ihl = ihl;
  a.hdr_len = hdr_len;
  a.nh_off = nh_off;
  a.proto = proto;
  return a;
}
Answer with_esp(Answer a, bool udp, unsigned off, unsigned len, uint32_t spi, uint32_t seq) {
  a.udp = udp;
  a.esp_off = off;
  a.esp_len = len;
  a.spi = spi;
  a.seq = seq;
  return a;
}
Answer with_status(Answer a, unsigned st, bool udp = false) {
  a.status = st;
  a.udp = udp;
  return a;
}
Answer malformed() { return Answer{}; }

std::vector<Req> table() {
  std::vector<Req> t;
  auto add = [&](std::string name, unsigned mode, const Bytes& p, unsigned avail, Answer want, bool must_fast = true) {
    t.push_back(Req{std::move(name), mode, p, avail, must_fast, want});
  };
  auto all3 = [&](const std::string& name, const Bytes& p, unsigned avail, Answer ip, Answer out, Answer loc) {
    add(name + " IP", kModeIp, p, avail, ip);
    add(name + " OUT", kModeOut, p, avail, out);
    add(name + " LOCATE", kModeLocate, p, avail, loc);
  };

  // IPv4 ESP, every IHL (options of up to 40 bytes)
  for (unsigned ihl = 20; ihl <= 60; ihl += 4) {
    const uint32_t spi = 0x1000 + ihl, seq = 0x77000000u + ihl;
    Bytes p = ipv4(ihl, kEsp, esp_hdr(spi, seq, 40));
    const unsigned n = unsigned(p.size());
    Answer ip = ip_answer(4, n, ihl, ihl, 9, kEsp);
    all3("v4 ESP ihl" + std::to_string(ihl), p, n, ip, ip, with_esp(ip, false, ihl, n - ihl, spi, seq));
    // UDP-ESP to port 4500 (and from it)
    Bytes u = ipv4(ihl, kUdp, udp_hdr(ihl & 4 ? kNatt : 1234, ihl & 4 ? 999 : kNatt, esp_hdr(spi, seq, 36)));
    const unsigned m = unsigned(u.size());
    Answer ui = ip_answer(4, m, ihl, ihl, 9, kUdp);
    all3("v4 UDP-ESP ihl" + std::to_string(ihl), u, m, ui, ui, with_esp(ui, true, ihl + 8, m - ihl - 8, spi, seq));
    // Ethernet padding behind the packet: avail > total length
    add("v4 UDP-ESP padded ihl" + std::to_string(ihl), kModeLocate, cat(u, fill(18, 3)), m + 18,
        with_esp(ui, true, ihl + 8, m - ihl - 8, spi, seq));
  }
  {
    // UDP, not ESP: other ports, NAT keepalive, non-ESP marker (IKE)
    const unsigned ihl = 24;
    Bytes p = ipv4(ihl, kUdp, udp_hdr(5000, 53, fill(30, 9)));
    Answer a = ip_answer(4, unsigned(p.size()), ihl, ihl, 9, kUdp);
    all3("v4 UDP port 53", p, unsigned(p.size()), a, a, with_status(a, kNotEsp, true));
    p = ipv4(20, kUdp, udp_hdr(kNatt, kNatt, Bytes{0xFF}));
    a = ip_answer(4, 29, 20, 20, 9, kUdp);
    add("v4 NAT keepalive", kModeLocate, p, 29, with_status(a, kNotEsp, true));
    add("v4 NAT keepalive padded", kModeLocate, cat(p, fill(35, 1)), 64, with_status(a, kNotEsp, true));
    p = ipv4(20, kUdp, udp_hdr(kNatt, kNatt, Bytes{0x00}));
    add("v4 UDP 4500 one byte 00", kModeLocate, p, 29, malformed());
    p = ipv4(20, kUdp, udp_hdr(kNatt, kNatt, Bytes{0, 0, 0}));
    add("v4 UDP 4500 three zero bytes", kModeLocate, p, 31, malformed());
    p = ipv4(20, kUdp, udp_hdr(kNatt, kNatt, Bytes{0, 0, 0, 0}));
    a = ip_answer(4, 32, 20, 20, 9, kUdp);
    add("v4 non-ESP marker only", kModeLocate, p, 32, with_status(a, kNotEsp, true));
    p = ipv4(56, kUdp, udp_hdr(kNatt, 500, cat(Bytes{0, 0, 0, 0}, fill(40, 2))));
    a = ip_answer(4, unsigned(p.size()), 56, 56, 9, kUdp);
    add("v4 IKE behind non-ESP marker ihl56", kModeLocate, p, unsigned(p.size()), with_status(a, kNotEsp, true));
    p = ipv4(20, kUdp, udp_hdr(kNatt, kNatt, esp_hdr(0x01020304, 5, 0)));
    a = ip_answer(4, 36, 20, 20, 9, kUdp);
    add("v4 UDP-ESP header only", kModeLocate, p, 36, with_esp(a, true, 28, 8, 0x01020304, 5));
    p = ipv4(20, kUdp, udp_hdr(kNatt, kNatt, Bytes{1, 2, 3, 4, 5, 6, 7}));
    add("v4 UDP-ESP 7 bytes", kModeLocate, p, 35, malformed());
    // bad UDP lengths
    p = ipv4(20, kUdp, udp_hdr(kNatt, kNatt, esp_hdr(9, 9, 20), 7));
    add("v4 UDP length 7", kModeLocate, p, unsigned(p.size()), malformed());
    p = ipv4(20, kUdp, udp_hdr(kNatt, kNatt, esp_hdr(9, 9, 20), 37));
    add("v4 UDP length > rest", kModeLocate, p, unsigned(p.size()), malformed());
    p = ipv4(20, kUdp, Bytes{0x11, 0x94, 0x11, 0x94, 0, 12, 0});
    add("v4 UDP header cut (rest 7)", kModeLocate, p, 27, malformed());
    // ESP lengths
    p = ipv4(20, kEsp, esp_hdr(0xAABBCCDD, 0x11223344, 0));
    a = ip_answer(4, 28, 20, 20, 9, kEsp);
    add("v4 ESP header only", kModeLocate, p, 28, with_esp(a, false, 20, 8, 0xAABBCCDD, 0x11223344));
    p = ipv4(44, kEsp, Bytes{1, 2, 3, 4, 5, 6, 7});
    add("v4 ESP 7 bytes ihl44", kModeLocate, p, 51, malformed());
    // other protocols
    p = ipv4(32, kTcp, fill(40, 5));
    a = ip_answer(4, 72, 32, 32, 9, kTcp);
    all3("v4 TCP ihl32", p, 72, a, a, with_status(a, kNotEsp));
    // fragments: LOCATE_ESP refuses them, the others do not look
    for (unsigned frag : {0x2000u, 0x0001u, 0x3FFFu, 0x1000u}) {
      p = ipv4(20, kEsp, esp_hdr(1, 2, 30), -1, frag);
      a = ip_answer(4, 58, 20, 20, 9, kEsp);
      all3("v4 fragment " + std::to_string(frag), p, 58, a, a, malformed());
    }
    p = ipv4(20, kEsp, esp_hdr(1, 2, 30), -1, 0x8000 | 0x4000);  // reserved + DF: not a fragment
    a = ip_answer(4, 58, 20, 20, 9, kEsp);
    add("v4 DF + reserved bit", kModeLocate, p, 58, with_esp(a, false, 20, 38, 1, 2));
    // bad IPv4 headers and lengths
    p = ipv4(20, kEsp, esp_hdr(1, 2, 30));
    for (unsigned av : {0u, 1u, 19u}) all3("v4 avail " + std::to_string(av), p, av, malformed(), malformed(), malformed());
    all3("v4 total > avail", p, 57, malformed(), malformed(), malformed());
    Bytes q = p;
    q[0] = 0x44;  // IHL 4
    all3("v4 IHL 4", q, 58, malformed(), malformed(), malformed());
    q = ipv4(24, kEsp, esp_hdr(1, 2, 30), 23);
    all3("v4 total < IHL", q, unsigned(q.size()), malformed(), malformed(), malformed());
    q = ipv4(24, kTcp, Bytes{}, 24);
    a = ip_answer(4, 24, 24, 24, 9, kTcp);
    all3("v4 header only", q, 24, a, a, with_status(a, kNotEsp));
    for (uint8_t v : {uint8_t(0x05), uint8_t(0x55), uint8_t(0xF5), uint8_t(0x65)}) {
      q = p;
      q[0] = v;
      // 0x65: version 6, but 40 + payload length 0x3AF2... > avail
      all3("version byte " + std::to_string(v), q, 58, malformed(), malformed(), malformed());
    }
  }
  {
    // IPv6 without extension headers
    Bytes p = ipv6(kEsp, esp_hdr(0xCAFE0001, 42, 50));
    const unsigned n = unsigned(p.size());
    Answer a = ip_answer(6, n, 40, 40, 6, kEsp);
    all3("v6 ESP", p, n, a, a, with_esp(a, false, 40, n - 40, 0xCAFE0001, 42));
    add("v6 ESP padded", kModeLocate, cat(p, fill(30, 4)), n + 30, with_esp(a, false, 40, n - 40, 0xCAFE0001, 42));
    p = ipv6(kUdp, udp_hdr(kNatt, kNatt, esp_hdr(0xCAFE0002, 43, 60)));
    a = ip_answer(6, unsigned(p.size()), 40, 40, 6, kUdp);
    all3("v6 UDP-ESP", p, unsigned(p.size()), a, a, with_esp(a, true, 48, unsigned(p.size()) - 48, 0xCAFE0002, 43));
    p = ipv6(kUdp, udp_hdr(kNatt, kNatt, Bytes{0xFF}));
    a = ip_answer(6, 49, 40, 40, 6, kUdp);
    add("v6 NAT keepalive", kModeLocate, p, 49, with_status(a, kNotEsp, true));
    p = ipv6(kUdp, udp_hdr(kNatt, kNatt, cat(Bytes{0, 0, 0, 0}, fill(8, 1))));
    a = ip_answer(6, 60, 40, 40, 6, kUdp);
    add("v6 non-ESP marker", kModeLocate, p, 60, with_status(a, kNotEsp, true));
    p = ipv6(kUdp, udp_hdr(80, 4501, fill(8, 1)));
    add("v6 UDP port 4501", kModeLocate, p, 56, with_status(ip_answer(6, 56, 40, 40, 6, kUdp), kNotEsp, true));
    p = ipv6(kTcp, fill(20, 1));
    a = ip_answer(6, 60, 40, 40, 6, kTcp);
    all3("v6 TCP", p, 60, a, a, with_status(a, kNotEsp));
    p = ipv6(kEsp, Bytes{1, 2, 3});
    add("v6 ESP 3 bytes", kModeLocate, p, 43, malformed());
    p = ipv6(kUdp, Bytes{0x11, 0x94, 0x11, 0x94});
    add("v6 UDP header cut", kModeLocate, p, 44, malformed());
    p = ipv6(kEsp, esp_hdr(1, 2, 30));
    for (unsigned av : {1u, 39u, 77u})
      all3("v6 avail " + std::to_string(av), p, av, malformed(), malformed(), malformed());
    p = ipv6(kTcp, Bytes{}, 0);
    a = ip_answer(6, 40, 40, 40, 6, kTcp);
    all3("v6 header only", p, 40, a, a, with_status(a, kNotEsp));
  }
  {
    // IPv6 behind one extension header
    Bytes p = ipv6(kHbh, cat(ext_hdr(kHbh, kTcp, 1), fill(20, 2)));
    Answer a6 = ip_answer(6, 68, 40, 40, 6, kHbh);
    Answer e = ip_answer(6, 68, 40, 48, 40, kTcp);
    all3("v6 HBH TCP", p, 68, a6, e, with_status(e, kNotEsp));
    p = ipv6(kRouting, cat(ext_hdr(kRouting, kUdp, 3), fill(20, 2)));
    e = ip_answer(6, 84, 40, 64, 40, kUdp);
    add("v6 Routing(24) UDP OUT", kModeOut, p, 84, e);
    p = ipv6(kFragment, cat(ext_hdr(kFragment, kUdp, 1), udp_hdr(kNatt, kNatt, esp_hdr(5, 6, 8))));
    e = ip_answer(6, unsigned(p.size()), 40, 48, 40, kUdp);
    add("v6 Fragment UDP OUT", kModeOut, p, unsigned(p.size()), e);
    add("v6 Fragment LOCATE", kModeLocate, p, unsigned(p.size()), malformed());
    p = ipv6(kDstOpts, cat(ext_hdr(kDstOpts, kFragment, 2), fill(20, 2)));
    add("v6 DstOpts Fragment LOCATE", kModeLocate, p, 76, malformed());
    e = ip_answer(6, 76, 40, 40, 6, kDstOpts);
    add("v6 DstOpts OUT (not walked outbound)", kModeOut, p, 76, e);
    p = ipv6(kDstOpts, cat(ext_hdr(kDstOpts, kUdp, 1), Bytes{1, 2, 3, 4, 5, 6, 7}));
    add("v6 DstOpts UDP cut", kModeLocate, p, 55, malformed());
    p = ipv6(kHbh, cat(ext_hdr(kHbh, kTcp, 4), fill(8, 2)), 16);   // a 32-byte header in 16 bytes of payload
    add("v6 HBH cut OUT", kModeOut, p, 56, malformed());
    add("v6 HBH cut LOCATE", kModeLocate, p, 56, malformed());
    p = ipv6(kHbh, Bytes{kTcp, 0, 0, 0});
    add("v6 HBH shorter than 8", kModeLocate, p, 44, malformed());
    // ESP / UDP behind one extension header of up to 32 bytes (and longer
    // ones, which may be slow)
    p = ipv6(kHbh, cat(ext_hdr(kHbh, kEsp, 1), esp_hdr(0x51, 0x52, 30)));
    e = ip_answer(6, 86, 40, 48, 40, kEsp);
    add("v6 HBH ESP", kModeLocate, p, 86, with_esp(e, false, 48, 38, 0x51, 0x52));
    p = ipv6(kHbh, cat(ext_hdr(kHbh, kUdp, 1), udp_hdr(kNatt, kNatt, esp_hdr(0x61, 0x62, 30))));
    e = ip_answer(6, unsigned(p.size()), 40, 48, 40, kUdp);
    add("v6 HBH UDP-ESP", kModeLocate, p, unsigned(p.size()), with_esp(e, true, 56, 38, 0x61, 0x62));
    for (unsigned len8 = 2; len8 <= 11; ++len8) {
      const unsigned end = 40 + 8 * len8;
      p = ipv6(kDstOpts, cat(ext_hdr(kDstOpts, kEsp, len8), esp_hdr(0x7100 + len8, len8, 24)));
      e = ip_answer(6, end + 32, 40, end, 40, kEsp);
      add("v6 DstOpts(" + std::to_string(8 * len8) + ") ESP", kModeLocate, p, end + 32,
          with_esp(e, false, end, 32, 0x7100 + len8, len8), len8 <= 4);
      p = ipv6(kRouting, cat(ext_hdr(kRouting, kUdp, len8), udp_hdr(4501, kNatt, esp_hdr(0x7200 + len8, len8, 24))));
      e = ip_answer(6, end + 40, 40, end, 40, kUdp);
      add("v6 Routing(" + std::to_string(8 * len8) + ") UDP-ESP", kModeLocate, p, end + 40,
          with_esp(e, true, end + 8, 32, 0x7200 + len8, len8), len8 <= 4);
      add("v6 Routing(" + std::to_string(8 * len8) + ") UDP-ESP OUT", kModeOut, p, end + 40, e);
      p = ipv6(kHbh, cat(ext_hdr(kHbh, kUdp, len8), udp_hdr(4501, 4502, fill(10, 1))));
      e = ip_answer(6, end + 18, 40, end, 40, kUdp);
      add("v6 HBH(" + std::to_string(8 * len8) + ") UDP 4502", kModeLocate, p, end + 18, with_status(e, kNotEsp, true),
          len8 <= 4);
    }
    // may stay slow: a second extension header
    p = ipv6(kHbh, cat(ext_hdr(kHbh, kRouting, 1), cat(ext_hdr(kRouting, kTcp, 2), fill(10, 1))));
    e = ip_answer(6, 74, 40, 64, 48, kTcp);
    add("v6 HBH Routing TCP OUT", kModeOut, p, 74, e, false);
    add("v6 HBH Routing TCP LOCATE", kModeLocate, p, 74, with_status(e, kNotEsp), false);
  }
  return t;
}

// ------------------------------------------------------------ reference
// The HLS functions on the request's bytes (buffer of at least avail bytes).
Answer reference(const Req& r) {
  Bytes buf = r.pkt;
  if (buf.size() < r.avail) buf.resize(r.avail, 0);
  const uint8_t* p = buf.data();
  hls::IpHeader ip{};
  Answer a;
  if (r.mode == kModeLocate) {
    hls::EspLocation loc{};
    a.status = unsigned(hls::locate_esp(p, r.avail, ip, loc));
    if (a.status == kOk) {
      a.esp_off = loc.off;
      a.esp_len = loc.len;
      a.spi = get32(buf, loc.off);
      a.seq = get32(buf, loc.off + 4);
    }
  } else {
    bool ok = hls::parse_ip(p, r.avail, ip);
    if (ok && r.mode == kModeOut && ip.version == 6) ok = hls::walk_ipv6_ext(p, ip, false);
    a.status = ok ? kOk : kMalformed;
  }
  a.version = ip.version;
  a.pkt_len = ip.pkt_len;
  a.ihl = ip.ihl;
  a.hdr_len = ip.hdr_len;
  a.nh_off = ip.nh_off;
  a.proto = ip.proto;
  a.udp = ip.proto == kUdp;
  return a;
}

// The fields of `got` that differ from `want` (those the status defines).
std::string diff(unsigned mode, const Answer& got, const Answer& w) {
  std::string bad;
  auto cmp = [&](const char* f, uint64_t g, uint64_t x) {
    if (g != x) bad += std::string(" ") + f + " " + std::to_string(g) + " (want " + std::to_string(x) + ")";
  };
  cmp("status", got.status, w.status);
  if (!bad.empty()) return bad;
  const bool lo = mode == kModeLocate, ok = w.status == kOk, ne = w.status == kNotEsp;
  if (ok || (lo && ne)) {
    cmp("version", got.version, w.version);
    cmp("pkt_len", got.pkt_len, w.pkt_len);
    cmp("ihl", got.ihl, w.ihl);
    cmp("hdr_len", got.hdr_len, w.hdr_len);
    cmp("nh_off", got.nh_off, w.nh_off);
    cmp("proto", got.proto, w.proto);
  }
  if (lo && (ok || ne)) cmp("udp", got.udp, w.udp);
  if (lo && ok) {
    cmp("esp_off", got.esp_off, w.esp_off);
    cmp("esp_len", got.esp_len, w.esp_len);
    cmp("spi", got.spi, w.spi);
    cmp("seq_lo", got.seq, w.seq);
  }
  return bad;
}

std::string describe(const Req& r) {
  return r.name + " (" + kModeName[r.mode] + ", avail " + std::to_string(r.avail) + ", want " +
         status_name(r.want.status) + ")";
}

bool ext_type(uint8_t nh, bool inbound) {
  return nh == kHbh || nh == kRouting || nh == kFragment || (inbound && nh == kDstOpts);
}

// What the fast path must decide (esp_classify's header): PARSE_IP, every
// IPv4 packet, every packet a bad length / version decides, IPv6 without
// extension header, and IPv6 behind one extension header unless a second
// one follows it or (LOCATE_ESP) ESP / UDP follow a header longer than 32
// bytes (its length byte > 3) -- from the bytes, not from the unit.
bool must_fast(const Req& r) {
  if (r.mode == kModeIp || r.avail == 0) return true;
  const unsigned v = r.pkt[0] >> 4;
  if (v != 6) return true;
  const unsigned plen = (unsigned(r.pkt[4]) << 8) | r.pkt[5];
  if (r.avail < 40 || 40u + plen > r.avail) return true;
  const bool in = r.mode == kModeLocate;
  const uint8_t p6 = r.pkt[6];
  if (!ext_type(p6, in) || (in && p6 == kFragment)) return true;
  const unsigned elen = (!in && p6 == kFragment) ? 8u : (r.pkt[41] + 1u) * 8u;
  if (elen > plen) return true;                        // cut
  const uint8_t nh = r.pkt[40];
  if (ext_type(nh, in)) return in && nh == kFragment;  // a second header: slow unless refused
  if (!in) return true;
  if (nh == kEsp) return r.pkt[41] <= 3;
  if (nh == kUdp) return plen - elen < 8 || r.pkt[41] <= 3;
  return true;
}

// ------------------------------------------------------------ random
class Gen {
 public:
  explicit Gen(uint64_t seed) : rng(seed) {}
  std::mt19937_64 rng;
  unsigned urand(unsigned n) { return n ? unsigned(rng() % n) : 0; }
  bool chance(unsigned pct) { return urand(100) < pct; }
  Bytes rnd(size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    return b;
  }

  Bytes l4(uint8_t proto) {
    if (proto == kEsp) return esp_hdr(uint32_t(rng()), uint32_t(rng()), urand(4) == 0 ? urand(8) : urand(200));
    if (proto != kUdp) return rnd(urand(4) == 0 ? urand(8) : urand(100));
    Bytes pl;
    switch (urand(5)) {
      case 0: pl = Bytes{0xFF}; break;
      case 1: pl = cat(Bytes{0, 0, 0, 0}, rnd(urand(30))); break;
      case 2: pl = rnd(urand(9)); break;
      default: pl = esp_hdr(uint32_t(rng()) | 1, uint32_t(rng()), urand(100)); break;
    }
    const unsigned sp = chance(40) ? kNatt : urand(65536), dp = chance(50) ? kNatt : urand(65536);
    int len = -1;
    if (chance(15)) len = int(urand(unsigned(pl.size()) + 16));
    if (chance(5)) return rnd(urand(8));
    return udp_hdr(sp, dp, pl, len);
  }
  uint8_t proto() {
    static const uint8_t k[] = {kEsp, kEsp, kUdp, kUdp, kUdp, kTcp, kHbh, kRouting, kFragment, kDstOpts};
    return chance(90) ? k[urand(sizeof k)] : static_cast<uint8_t>(rng());
  }

  Req make() {
    Req r;
    r.mode = urand(3);
    const bool v6 = chance(50);
    uint8_t p = proto();
    if (!v6) {
      r.pkt = ipv4(4 * (5 + urand(11)), p, l4(p), -1, chance(85) ? 0x4000 : urand(65536));
    } else {
      Bytes pl;
      // a chain of 0-3 extension headers in front of the L4 protocol
      const unsigned n = urand(4);
      std::vector<uint8_t> types;
      for (unsigned i = 0; i < n; ++i) {
        static const uint8_t e[] = {kHbh, kRouting, kFragment, kDstOpts};
        types.push_back(e[urand(4)]);
      }
      uint8_t next = p;
      for (unsigned i = n; i-- > 0;) {
        pl = cat(ext_hdr(types[i], next, 1 + urand(chance(70) ? 3 : 40)), pl);
        next = types[i];
      }
      pl = cat(pl, l4(p));
      r.pkt = ipv6(next, pl);
    }
    // mutations of the lengths and version
    if (chance(10)) put16(r.pkt, v6 ? 4 : 2, urand(chance(50) ? 200 : 65536));
    if (chance(5)) r.pkt[0] = static_cast<uint8_t>(rng());
    if (chance(5)) r.pkt[0] = static_cast<uint8_t>((r.pkt[0] & 0xF0) | urand(16));
    const unsigned n = unsigned(r.pkt.size());
    switch (urand(6)) {
      case 0: r.avail = urand(n + 1); break;                       // truncated
      case 1: r.avail = std::min<unsigned>(n + urand(100), spec::MAX_PKT_BYTES); break;  // padding
      case 2: r.avail = urand(spec::MAX_PKT_BYTES + 1); break;
      default: r.avail = n; break;
    }
    if (r.pkt.size() < r.avail) r.pkt = cat(r.pkt, rnd(r.avail - r.pkt.size()));
    if (chance(2)) r.mode = 3;
    r.name = std::string("random ") + kModeName[r.mode];
    r.must_fast = r.mode != 3 && must_fast(r);
    r.want = reference(r);
    return r;
  }
};

// ------------------------------------------------------------ the sim
class Sim {
 public:
  explicit Sim(uint64_t seed) : rng_(seed ^ 0x5EED) {
    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->randReset(2);
    ctx_->randSeed(static_cast<int>(seed & 0x7fffffff));
    top_ = std::make_unique<Vesp_classify_tb_top>(ctx_.get(), "top");
    top_->rst_ni = 0;
    top_->valid_i = 0;
    for (int i = 0; i < 4; ++i) tick();
    top_->rst_ni = 1;
    tick();
  }
  ~Sim() { top_->final(); }

  unsigned fast = 0, slow = 0, fast_may = 0;  // answers: decided, slow, decided of those that may be slow

  // The requests, one per cycle when gaps is false; every answer checked.
  void run(const std::vector<Req>& reqs, bool gaps) {
    std::deque<std::pair<uint64_t, const Req*>> inflight;  // (cycle issued, request)
    size_t next = 0;
    while (next < reqs.size() || !inflight.empty()) {
      // drive
      const bool go = next < reqs.size() && !(gaps && rng_() % 3 == 0);
      top_->valid_i = go;
      // words: the packet's bytes (random beyond avail and beyond the packet)
      for (unsigned k = 0; k < kWinBytes / 4; ++k) top_->words_i[k] = uint32_t(rng_());
      if (go) {
        const Req& r = reqs[next];
        top_->mode_i = r.mode;
        top_->avail_i = r.avail;
        for (unsigned i = 0; i < kWinBytes && i < r.avail && i < r.pkt.size(); ++i) {
          uint32_t& w = top_->words_i[i / 4];
          w = (w & ~(0xFFu << (8 * (i % 4)))) | (uint32_t(r.pkt[i]) << (8 * (i % 4)));
        }
        inflight.emplace_back(cycle_, &r);
        ++next;
      } else {
        top_->mode_i = uint8_t(rng_() & 3);
        top_->avail_i = uint16_t(rng_() % (spec::MAX_PKT_BYTES + 1));
      }
      tick();
      // observe (after the edge: the answers of requests issued kLatency edges ago)
      const bool expect = !inflight.empty() && inflight.front().first + kLatency == cycle_;
      if (bool(top_->valid_o) != expect)
        throw Fail("valid_o " + std::to_string(top_->valid_o) + " in cycle " + std::to_string(cycle_) +
                   (expect ? ", an answer due" : ", no answer due"));
      if (expect) {
        check(*inflight.front().second);
        inflight.pop_front();
      }
    }
    top_->valid_i = 0;
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_classify_tb_top> top_;
  std::mt19937_64 rng_;
  uint64_t cycle_ = 0;

  void tick() {
    top_->clk_i = 0;
    top_->eval();
    top_->clk_i = 1;
    top_->eval();
    ++cycle_;
  }

  void check(const Req& r) {
    const bool s = top_->slow_o;
    if (s) {
      ++slow;
      if (r.must_fast) throw Fail(describe(r) + ": slow, but the fast path must decide it");
      return;
    }
    ++fast;
    if (!r.must_fast) ++fast_may;
    Answer g;
    g.status = top_->status_o;
    g.version = top_->version_o;
    g.pkt_len = top_->pkt_len_o;
    g.ihl = top_->ihl_o;
    g.hdr_len = top_->hdr_len_o;
    g.nh_off = top_->nh_off_o;
    g.proto = top_->proto_o;
    g.udp = top_->udp_o;
    g.esp_off = top_->esp_off_o;
    g.esp_len = top_->esp_len_o;
    g.spi = top_->spi_o;
    g.seq = top_->seq_lo_o;
    const std::string bad = diff(r.mode, g, r.want);
    if (!bad.empty())
      throw Fail(describe(r) + ":" + bad + "; packet " +
                 esp::tb::hex(Bytes(r.pkt.begin(), r.pkt.begin() + std::min<size_t>(r.pkt.size(), 80))));
  }
};

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = 1;
  unsigned iters = 20000;
  if (const char* e = std::getenv("ESP_SIM_SEED")) seed = std::strtoull(e, nullptr, 0);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 0);
    } else if (a == "--iters" && i + 1 < argc) {
      iters = unsigned(std::strtoul(argv[++i], nullptr, 0));
    } else {
      std::fprintf(stderr, "usage: %s [--seed N] [--iters N]\n", argv[0]);
      return 2;
    }
  }
  std::printf("esp_classify_tb: seed %" PRIu64 "\n", seed);
  try {
    Sim sim(seed);
    // 1. the table: its written answers checked against the HLS reference
    // first (a wrong row cannot hide a wrong unit), then the unit against them
    const std::vector<Req> t = table();
    unsigned must = 0;
    for (const Req& r : t) {
      must += r.must_fast;
      const std::string bad = diff(r.mode, reference(r), r.want);
      if (!bad.empty()) throw Fail("table row " + describe(r) + ": the HLS reference differs:" + bad);
    }
    sim.run(t, false);
    sim.run(t, true);
    std::printf("table: %zu requests (%u the fast path must decide), back to back and with gaps: "
                "%u decided (%u of those that may be slow), %u slow\n", t.size(), must, sim.fast, sim.fast_may, sim.slow);
    // 2. random packets against the HLS reference
    Gen g(seed);
    std::vector<Req> rs;
    rs.reserve(iters);
    unsigned may = 0;
    for (unsigned i = 0; i < iters; ++i) {
      rs.push_back(g.make());
      may += !rs.back().must_fast;
    }
    const unsigned f0 = sim.fast, s0 = sim.slow, m0 = sim.fast_may;
    sim.run(rs, false);
    sim.run(rs, true);
    std::printf("random: %u requests x2 (back to back, gaps): %u decided, %u slow; of the %u that may be slow "
                "%u decided\n", iters, sim.fast - f0, sim.slow - s0, 2 * may, sim.fast_may - m0);
  } catch (const Fail& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
  }
  std::printf("PASS\n");
  return 0;
}
