// esp-offload: Verilator testbench of esp_ip_parse, esp_hdr_build and
// esp_trailer (through sim/esp_pkt_units_tb_top.sv: two esp_pkt_ram buffers)
// against the HLS functions they implement (hw/hls/include/esp/hls):
//   esp_ip_parse  : parse_ip, walk_ipv6_ext (outbound), locate_esp
//   esp_hdr_build : build_outer_ipv4 / build_outer_ipv6, copy + ip_update_header,
//                   the UDP part of build_encap (udp6_checksum)
//   esp_trailer   : check_trailer
//
// The testbench keeps a shadow of both buffers; the HLS functions run on the
// shadow, the RTL on the buffers, and after every job that writes, both
// buffers are read back whole and compared byte for byte (written and
// untouched bytes), as are all the unit's outputs.
//
// Packets: random ones from tests/ref/packets.hpp (IPv4 with options, IPv6
// with Hop-by-Hop / Routing / Fragment / Destination Options chains, UDP /
// TCP / ICMP), crafted ESP / UDP-ESP (NAT-T ports, keepalive, non-ESP
// marker, wrong UDP lengths), mutated (version, IHL, lengths, fragment bits,
// avail shorter than the header or the packet), at random base offsets;
// IPv6 chains truncated at every byte.
//
// usage: esp_pkt_units_tb [--seed N] [--iters N]; the seed is printed first
// (ESP_SIM_SEED=<n> replays a run).

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "Vesp_pkt_units_tb_top.h"
#include "verilated.h"

#include "esp/hls/checksum.hpp"
#include "esp/hls/esp_decap.hpp"
#include "esp/hls/esp_encap.hpp"
#include "esp/hls/ip_parse.hpp"
#include "esp/spec/esp_spec.hpp"
#include "ref/ip.hpp"
#include "ref/packets.hpp"
#include "tb_util.hpp"

namespace {

namespace hls = esp::hls;
namespace spec = esp::spec;
namespace pkt = esp::ref::pkt;
namespace rip = esp::ref::ip;
using esp::tb::Bytes;

constexpr unsigned kWordBytes = spec::PKT_BUS_BYTES;
constexpr unsigned kDepth = 256;
constexpr unsigned kBufBytes = kDepth * kWordBytes;

constexpr unsigned kModeParseIp = 0, kModeParseOut = 1, kModeLocate = 2;
constexpr unsigned kOpTunnelV4 = 0, kOpTunnelV6 = 1, kOpUpdate = 2;

const char* status_name(unsigned s) {
  switch (s) {
    case unsigned(spec::Status::OK): return "OK";
    case unsigned(spec::Status::MALFORMED): return "MALFORMED";
    case unsigned(spec::Status::NOT_ESP): return "NOT_ESP";
    case unsigned(spec::Status::BAD_PADDING): return "BAD_PADDING";
    default: return "?";
  }
}

struct Fail : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Sim {
 public:
  explicit Sim(uint64_t seed) : rng(seed), ib(kBufBytes), ob(kBufBytes) {
    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->randReset(2);
    ctx_->randSeed(static_cast<int>(seed & 0x7fffffff));
    top_ = std::make_unique<Vesp_pkt_units_tb_top>(ctx_.get(), "top");
    top_->rst_ni = 0;
    top_->tb_we_i = 0;
    top_->tb_re_i = 0;
    top_->ps_start_i = 0;
    top_->hb_start_i = 0;
    top_->tr_start_i = 0;
    for (int i = 0; i < 4; ++i) tick();
    top_->rst_ni = 1;
    tick();
    for (auto& b : ib) b = static_cast<uint8_t>(rng());
    for (auto& b : ob) b = static_cast<uint8_t>(rng());
    sync(false, 0, kBufBytes);
    sync(true, 0, kBufBytes);
    check_buffers("initial load");
  }
  ~Sim() { top_->final(); }

  std::mt19937_64 rng;
  Bytes ib, ob;  // shadows of the buffers (what the RTL's buffers must hold)
  std::map<std::string, std::vector<uint64_t>> cycles;  // per job kind

  uint64_t urand(uint64_t n) { return n ? rng() % n : 0; }
  bool chance(unsigned pct) { return urand(100) < pct; }

  void tick() {
    top_->clk_i = 0;
    top_->eval();
    top_->clk_i = 1;
    top_->eval();
    ++cycle_;
  }

  // Writes the words covering shadow bytes [off, off+len) into the RTL buffer.
  void sync(bool obuf, size_t off, size_t len) {
    if (len == 0) return;
    const Bytes& s = obuf ? ob : ib;
    const size_t w0 = off / kWordBytes, w1 = std::min<size_t>((off + len - 1) / kWordBytes, kDepth - 1);
    for (size_t w = w0; w <= w1; ++w) {
      for (unsigned k = 0; k < kWordBytes / 4; ++k) {
        const uint8_t* p = &s[w * kWordBytes + 4 * k];
        top_->tb_wdata_i[k] = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
      }
      top_->tb_we_i = 1;
      top_->tb_wobuf_i = obuf;
      top_->tb_waddr_i = static_cast<uint8_t>(w);
      tick();
      top_->tb_we_i = 0;
    }
  }

  // Reads both RTL buffers back whole and compares them with the shadows.
  void check_buffers(const std::string& what) {
    for (unsigned w = 0; w < kDepth; ++w) {
      top_->tb_re_i = 1;
      top_->tb_raddr_i = static_cast<uint8_t>(w);
      tick();
      for (unsigned b = 0; b < kWordBytes; ++b) {
        const uint8_t gi = static_cast<uint8_t>(top_->tb_ibuf_rdata_o[b / 4] >> (8 * (b % 4)));
        const uint8_t go = static_cast<uint8_t>(top_->tb_obuf_rdata_o[b / 4] >> (8 * (b % 4)));
        const size_t n = size_t(w) * kWordBytes + b;
        if (gi != ib[n] || go != ob[n]) {
          char msg[200];
          std::snprintf(msg, sizeof msg, "%s: %s byte %zu is %02x, want %02x", what.c_str(), gi != ib[n] ? "ibuf" : "obuf",
                        n, gi != ib[n] ? gi : go, gi != ib[n] ? ib[n] : ob[n]);
          throw Fail(msg);
        }
      }
    }
    top_->tb_re_i = 0;
  }

  // Pulses start (the caller set the inputs), waits for done; returns the
  // cycles from the start_i cycle to the done_o cycle.
  template <typename Start, typename Done, typename Busy>
  uint64_t run(const std::string& kind, Start start, Done done, Busy busy) {
    start(1);
    tick();
    start(0);
    uint64_t n = 1;
    while (!done()) {
      if (n > 5000) throw Fail(kind + ": no done");
      tick();
      ++n;
    }
    if (busy()) throw Fail(kind + ": busy with done");
    // done is a one-cycle pulse; the results (checked by the caller) are held
    tick();
    if (done()) throw Fail(kind + ": done longer than one cycle");
    cycles[kind].push_back(n);
    return n;
  }

  Vesp_pkt_units_tb_top& t() { return *top_; }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_pkt_units_tb_top> top_;
  uint64_t cycle_ = 0;
};

// ---------------------------------------------------------------- packets

struct Ext {
  uint8_t type;
  unsigned len8;
};

// An IP packet with the given options / extension chain, protocol and L4 bytes.
Bytes craft_ip(Sim& s, unsigned version, unsigned opt_words, const std::vector<Ext>& ext, uint8_t proto,
               const Bytes& l4) {
  Bytes p;
  if (version == 4) {
    const unsigned ihl = 5 + opt_words;
    p.assign(ihl * 4, 0);
    for (auto& b : p) b = static_cast<uint8_t>(s.rng());
    p[0] = static_cast<uint8_t>(0x40 | ihl);
    hls::put_be16(&p[6], s.chance(50) ? 0x4000 : 0);  // DF or nothing: not a fragment
    p[9] = proto;
    p.insert(p.end(), l4.begin(), l4.end());
    hls::put_be16(&p[2], static_cast<uint32_t>(p.size()));
  } else {
    p.assign(40, 0);
    for (auto& b : p) b = static_cast<uint8_t>(s.rng());
    p[0] = static_cast<uint8_t>(0x60 | (p[0] & 0x0F));
    p[6] = ext.empty() ? proto : ext[0].type;
    for (size_t i = 0; i < ext.size(); ++i) {
      const unsigned len = ext[i].type == rip::kFragment ? 8 : ext[i].len8 * 8;
      Bytes h(len);
      for (auto& b : h) b = static_cast<uint8_t>(s.rng());
      h[0] = i + 1 < ext.size() ? ext[i + 1].type : proto;
      if (ext[i].type != rip::kFragment) h[1] = static_cast<uint8_t>(ext[i].len8 - 1);
      p.insert(p.end(), h.begin(), h.end());
    }
    p.insert(p.end(), l4.begin(), l4.end());
    hls::put_be16(&p[4], static_cast<uint32_t>(p.size() - 40));
  }
  return p;
}

std::vector<Ext> random_chain(Sim& s, bool any_types) {
  static const uint8_t kTypes[] = {rip::kHopByHop, rip::kRouting, rip::kFragment, rip::kDestOpts};
  std::vector<Ext> e;
  const unsigned n = static_cast<unsigned>(s.urand(s.chance(10) ? 12 : 5));
  for (unsigned i = 0; i < n; ++i) {
    uint8_t ty = kTypes[s.urand(4)];
    if (!any_types && ty == rip::kFragment && s.chance(70)) ty = rip::kRouting;
    e.push_back({ty, static_cast<unsigned>(1 + (s.chance(10) ? s.urand(40) : s.urand(4)))});
  }
  return e;
}

Bytes random_bytes(Sim& s, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(s.rng());
  return b;
}

// L4 content that exercises locate_esp.
Bytes esp_l4(Sim& s, uint8_t& proto) {
  Bytes esp = random_bytes(s, s.chance(10) ? s.urand(9) : 8 + s.urand(s.chance(10) ? 3000 : 200));
  const unsigned kind = static_cast<unsigned>(s.urand(10));
  if (kind < 4) {
    proto = static_cast<uint8_t>(spec::ESP_PROTO);
    return esp;
  }
  if (kind == 9) {
    proto = static_cast<uint8_t>(s.rng());
    return esp;
  }
  proto = static_cast<uint8_t>(spec::UDP_PROTO);
  const unsigned pl = static_cast<unsigned>(s.urand(8));
  if (pl == 0) esp = Bytes{0xFF};                                   // keepalive
  else if (pl == 1) esp = Bytes{static_cast<uint8_t>(s.rng())};     // 1 byte, not keepalive
  else if (pl == 2 && esp.size() >= 4) esp[0] = esp[1] = esp[2] = esp[3] = 0;  // non-ESP marker
  else if (pl == 3 && esp.size() >= 4) esp[0] = esp[1] = esp[2] = 0;            // almost a marker
  Bytes u(8);
  const unsigned ports = static_cast<unsigned>(s.urand(4));
  hls::put_be16(&u[0], ports == 0 || ports == 2 ? spec::NAT_T_PORT : static_cast<uint16_t>(s.rng()));
  hls::put_be16(&u[2], ports == 1 || ports == 2 ? spec::NAT_T_PORT : static_cast<uint16_t>(s.rng()));
  unsigned ulen = 8 + static_cast<unsigned>(esp.size());
  if (s.chance(15)) ulen = static_cast<unsigned>(s.urand(ulen + 16));  // short, long, < 8
  hls::put_be16(&u[4], ulen);
  hls::put_be16(&u[6], static_cast<uint16_t>(s.rng()));
  u.insert(u.end(), esp.begin(), esp.end());
  if (s.chance(10)) u.resize(s.urand(u.size()));  // UDP header cut
  return u;
}

Bytes random_packet(Sim& s) {
  if (s.chance(40)) {
    pkt::PacketSpec ps;
    ps.version = s.chance(50) ? 4 : 6;
    ps.l4 = static_cast<pkt::L4>(s.urand(3));
    ps.payload_len = s.chance(5) ? s.urand(9000) : s.urand(300);
    ps.seed = static_cast<uint32_t>(s.rng());
    ps.df = s.chance(50);
    if (ps.version == 4 && s.chance(50)) ps.ipv4_options = random_bytes(s, s.urand(41));
    if (ps.version == 6) {
      for (const Ext& e : random_chain(s, true)) ps.ipv6_ext.push_back({e.type, e.type == rip::kFragment ? 1 : e.len8});
    }
    Bytes p = pkt::build(ps);
    if (p.size() <= spec::MAX_PKT_BYTES) return p;
  }
  uint8_t proto = 0;
  const Bytes l4 = esp_l4(s, proto);
  const unsigned v = s.chance(50) ? 4 : 6;
  Bytes p = craft_ip(s, v, static_cast<unsigned>(s.urand(11)), v == 6 ? random_chain(s, false) : std::vector<Ext>{},
                     proto, l4);
  if (p.size() > spec::MAX_PKT_BYTES) p.resize(spec::MAX_PKT_BYTES);
  return p;
}

void mutate(Sim& s, Bytes& p) {
  if (p.empty()) return;
  switch (s.urand(8)) {
    case 0: p[0] = static_cast<uint8_t>((p[0] & 0x0F) | (s.rng() & 0xF0)); break;  // version
    case 1: p[0] = static_cast<uint8_t>((p[0] & 0xF0) | (s.rng() & 0x0F)); break;  // IHL
    case 2:
      if (p.size() >= 4) hls::put_be16(&p[2], static_cast<uint16_t>(s.urand(p.size() + 64)));
      break;
    case 3:
      if (p.size() >= 6) hls::put_be16(&p[4], static_cast<uint16_t>(s.urand(p.size() + 64)));
      break;
    case 4:
      if (p.size() >= 8) {  // fragment bits
        static const uint16_t kFrag[] = {0x2000, 0x0001, 0x1FFF, 0x4000, 0x8000, 0x6000};
        hls::put_be16(&p[6], kFrag[s.urand(6)]);
      }
      break;
    case 5: p[s.urand(std::min<size_t>(p.size(), 80))] = static_cast<uint8_t>(s.rng()); break;
    case 6: p[s.urand(p.size())] ^= static_cast<uint8_t>(1u << s.urand(8)); break;
    default: if (p.size() > 1) hls::put_be16(&p[4], static_cast<uint16_t>(s.rng())); break;
  }
}

// ---------------------------------------------------------------- esp_ip_parse

struct Counts {
  std::map<std::string, uint64_t> n;
};

void test_parse_one(Sim& s, Counts& c, const Bytes& p, unsigned mode, unsigned base, unsigned avail) {
  if (base + avail > kBufBytes) throw std::logic_error("test: packet outside the buffer");
  // the packet, then random bytes up to one word beyond avail
  std::memcpy(&s.ib[base], p.data(), std::min<size_t>(p.size(), avail));
  for (size_t i = base + std::min<size_t>(p.size(), avail); i < std::min<size_t>(kBufBytes, base + avail + 80); ++i)
    s.ib[i] = static_cast<uint8_t>(s.rng());
  s.sync(false, base, std::min<size_t>(kBufBytes - base, avail + 80));

  // HLS reference on the shadow.
  const uint8_t* in = &s.ib[base];
  hls::IpHeader ip{};
  hls::EspLocation loc{};
  unsigned st;
  if (mode == kModeLocate) {
    st = static_cast<unsigned>(hls::locate_esp(in, avail, ip, loc));
  } else {
    bool ok = hls::parse_ip(in, avail, ip);
    if (ok && mode == kModeParseOut && ip.version == 6) ok = hls::walk_ipv6_ext(in, ip, false);
    st = static_cast<unsigned>(ok ? spec::Status::OK : spec::Status::MALFORMED);
  }

  auto& t = s.t();
  t.ps_mode_i = static_cast<uint8_t>(mode);
  t.ps_base_i = static_cast<uint16_t>(base);
  t.ps_avail_i = static_cast<uint16_t>(avail);
  static const char* kKinds[] = {"parse PARSE_IP", "parse PARSE_OUT", "parse LOCATE_ESP"};
  s.run(kKinds[mode], [&](int v) { t.ps_start_i = v; }, [&] { return t.ps_done_o != 0; },
        [&] { return t.ps_busy_o != 0; });

  char ctx[160];
  std::snprintf(ctx, sizeof ctx, "parse mode %u base %u avail %u len %zu", mode, base, avail, p.size());
  auto expect = [&](const char* f, uint64_t got, uint64_t want) {
    if (got != want) {
      char m[320];
      std::snprintf(m, sizeof m, "%s: %s = %" PRIu64 " (0x%" PRIx64 "), want %" PRIu64 " (0x%" PRIx64 ")", ctx, f, got,
                    got, want, want);
      throw Fail(m);
    }
  };
  if (t.ps_status_o != st) {
    char m[320];
    std::snprintf(m, sizeof m, "%s: status %s, want %s", ctx, status_name(t.ps_status_o), status_name(st));
    throw Fail(m);
  }
  const bool ip_ok = st == unsigned(spec::Status::OK) || st == unsigned(spec::Status::NOT_ESP);
  if (ip_ok) {
    expect("version", t.ps_version_o, ip.version);
    expect("pkt_len", t.ps_pkt_len_o, ip.pkt_len);
    expect("ihl", t.ps_ihl_o, ip.ihl);
    expect("hdr_len", t.ps_hdr_len_o, ip.hdr_len);
    expect("nh_off", t.ps_nh_off_o, ip.nh_off);
    expect("proto", t.ps_proto_o, ip.proto);
    if (mode == kModeLocate) expect("udp", t.ps_udp_o, ip.proto == spec::UDP_PROTO);
  }
  if (mode == kModeLocate && st == unsigned(spec::Status::OK)) {
    expect("esp_off", t.ps_esp_off_o, loc.off);
    expect("esp_len", t.ps_esp_len_o, loc.len);
    expect("spi", t.ps_spi_o, hls::get_be32(in + loc.off));
    expect("seq_lo", t.ps_seq_lo_o, hls::get_be32(in + loc.off + 4));
  }
  std::string cat = std::string(kKinds[mode]) + " " + status_name(st);
  if (ip_ok) cat += ip.version == 4 ? " v4" : ip.hdr_len > 40 ? " v6+ext" : " v6";
  if (mode == kModeLocate && st == unsigned(spec::Status::OK)) cat += loc.off > ip.hdr_len ? " (UDP)" : " (ESP)";
  c.n[cat]++;
}

unsigned random_base(Sim& s, unsigned avail) {
  const unsigned room = kBufBytes - avail - 81;
  unsigned b;
  switch (s.urand(4)) {
    case 0: b = 0; break;
    case 1: b = static_cast<unsigned>(s.urand(kDepth)) * kWordBytes + kWordBytes - 1 - static_cast<unsigned>(s.urand(16)); break;
    default: b = static_cast<unsigned>(s.urand(room + 1)); break;
  }
  return std::min(b, room);
}

void test_parse_random(Sim& s, Counts& c, unsigned iters) {
  for (unsigned i = 0; i < iters; ++i) {
    Bytes p = random_packet(s);
    if (s.chance(30)) mutate(s, p);
    size_t avail = p.size();
    switch (s.urand(8)) {
      case 0: avail = s.urand(p.size() + 1); break;                // shorter than the packet
      case 1: avail = s.urand(std::min<size_t>(p.size(), 48) + 1); break;  // shorter than the header
      case 2: avail = std::min<size_t>(spec::MAX_PKT_BYTES, p.size() + s.urand(100)); break;  // trailing bytes
      default: break;
    }
    if (avail > spec::MAX_PKT_BYTES) avail = spec::MAX_PKT_BYTES;
    const unsigned mode = static_cast<unsigned>(s.urand(3));
    test_parse_one(s, c, p, mode, random_base(s, static_cast<unsigned>(avail)), static_cast<unsigned>(avail));
  }
}

// IPv6 chains (and an IPv4 packet) cut at every byte: by avail and by the length field.
void test_parse_truncations(Sim& s, Counts& c, unsigned packets) {
  for (unsigned k = 0; k < packets; ++k) {
    uint8_t proto = 0;
    const Bytes l4 = esp_l4(s, proto);
    const unsigned v = k % 4 == 3 ? 4 : 6;
    std::vector<Ext> ext;
    if (v == 6) {
      ext = random_chain(s, true);
      if (ext.empty()) ext = {{rip::kHopByHop, 1}, {rip::kRouting, 2}, {rip::kFragment, 1}, {rip::kDestOpts, 3}};
    }
    Bytes p = craft_ip(s, v, static_cast<unsigned>(s.urand(11)), ext, proto, Bytes(l4.begin(), l4.begin() + std::min<size_t>(l4.size(), 40)));
    for (size_t cut = 0; cut <= p.size(); ++cut) {
      for (unsigned mode = 0; mode < 3; ++mode) {
        test_parse_one(s, c, p, mode, random_base(s, static_cast<unsigned>(p.size())), static_cast<unsigned>(cut));
        if (cut >= 40) {
          Bytes q = p;
          if (v == 6) hls::put_be16(&q[4], static_cast<uint32_t>(cut - 40));
          else hls::put_be16(&q[2], static_cast<uint32_t>(cut));
          test_parse_one(s, c, q, mode, random_base(s, static_cast<unsigned>(q.size())), static_cast<unsigned>(q.size()));
        }
      }
    }
  }
}

// ---------------------------------------------------------------- esp_hdr_build

struct HbJob {
  unsigned op = 0;
  bool udp = false;
  uint8_t proto = 0;
  unsigned out_len = 0;
  hls::SaParams sa{};
  hls::IpHeader ip{};
};

// payload: the UDP payload to place in obuf (else random bytes).
void run_hdr_build(Sim& s, Counts& c, const HbJob& j, const Bytes* payload = nullptr) {
  const bool tunnel = j.op != kOpUpdate;
  const bool v6 = j.op == kOpTunnelV6 || (j.op == kOpUpdate && j.ip.version == 6);
  const unsigned outer_len = j.op == kOpTunnelV4 ? 20 : j.op == kOpTunnelV6 ? 40 : j.ip.hdr_len;
  // obuf: random bytes where the ESP (UDP payload) goes
  const size_t fill = std::min<size_t>(kBufBytes, j.out_len + 70);
  for (size_t i = 0; i < fill; ++i) s.ob[i] = static_cast<uint8_t>(s.rng());
  const unsigned udp_len = j.out_len - outer_len;
  if (payload) std::memcpy(&s.ob[outer_len + 8], payload->data(), udp_len - 8);
  s.sync(true, 0, fill);
  uint16_t psum = 0;
  if (j.udp) psum = static_cast<uint16_t>(hls::csum_add(0, &s.ob[outer_len + 8], udp_len - 8));

  // HLS reference on the shadow (build_encap's header and UDP parts).
  Bytes before_ib = s.ib;
  uint8_t* out = s.ob.data();
  if (j.op == kOpTunnelV4) hls::build_outer_ipv4(j.sa, j.proto, j.out_len, out);
  else if (j.op == kOpTunnelV6) hls::build_outer_ipv6(j.sa, j.proto, j.out_len, out);
  else {
    std::memcpy(out, s.ib.data(), j.ip.hdr_len);
    hls::ip_update_header(out, j.ip, j.proto, j.out_len);
  }
  uint16_t want_csum = 0;
  if (j.udp) {
    uint8_t* udp = out + outer_len;
    hls::put_be16(udp, j.sa.udp_sport);
    hls::put_be16(udp + 2, j.sa.udp_dport);
    hls::put_be16(udp + 4, udp_len);
    hls::put_be16(udp + 6, 0);
    if (v6) hls::put_be16(udp + 6, hls::udp6_checksum(out + 8, out + 24, udp, udp_len));
    want_csum = static_cast<uint16_t>(hls::get_be16(udp + 6));
  }

  auto& t = s.t();
  t.hb_op_i = static_cast<uint8_t>(j.op);
  t.hb_udp_i = j.udp;
  t.hb_proto_i = j.proto;
  t.hb_out_len_i = static_cast<uint16_t>(j.out_len);
  t.hb_tos_i = j.sa.tos;
  t.hb_ttl_i = j.sa.ttl;
  t.hb_flow_label_i = j.sa.flow_label & 0xFFFFFu;
  esp::tb::put_be(t.hb_tun_src_i, j.sa.tun_src, 16);
  esp::tb::put_be(t.hb_tun_dst_i, j.sa.tun_dst, 16);
  t.hb_version_i = j.ip.version & 0xF;
  t.hb_ihl_i = static_cast<uint16_t>(j.ip.ihl);
  t.hb_hdr_len_i = static_cast<uint16_t>(j.ip.hdr_len);
  t.hb_nh_off_i = static_cast<uint16_t>(j.ip.nh_off);
  t.hb_udp_sport_i = j.sa.udp_sport;
  t.hb_udp_dport_i = j.sa.udp_dport;
  t.hb_payload_sum_i = psum;
  static const char* kKinds[] = {"hdr TUNNEL_V4", "hdr TUNNEL_V6", "hdr UPDATE"};
  std::string kind = kKinds[j.op];
  if (j.udp) kind += "+UDP";
  s.run(kind, [&](int v) { t.hb_start_i = v; }, [&] { return t.hb_done_o != 0; }, [&] { return t.hb_busy_o != 0; });

  char ctx[200];
  std::snprintf(ctx, sizeof ctx, "%s out_len %u hdr_len %u nh_off %u ihl %u v%u", kind.c_str(), j.out_len,
                outer_len, j.ip.nh_off, j.ip.ihl, unsigned(j.ip.version));
  if (t.hb_outer_len_o != outer_len) throw Fail(std::string(ctx) + ": outer_len_o");
  if (j.udp && t.hb_udp_csum_o != want_csum) {
    char m[300];
    std::snprintf(m, sizeof m, "%s: udp_csum_o %04x, want %04x", ctx, unsigned(t.hb_udp_csum_o), unsigned(want_csum));
    throw Fail(m);
  }
  if (s.ib != before_ib) throw std::logic_error("test: ib shadow changed");
  s.check_buffers(ctx);
  c.n[kind + (tunnel ? "" : v6 ? " v6" : " v4") + (outer_len > 64 ? " (hdr > 1 word)" : "")]++;
  if (j.udp && outer_len % kWordBytes + 8 > kWordBytes) c.n["hdr UDP header over two words"]++;
  if (j.udp && v6 && want_csum == 0xFFFF) c.n["hdr udp csum 0xFFFF"]++;
}

hls::SaParams random_sa(Sim& s) {
  hls::SaParams sa{};
  sa.tos = static_cast<uint8_t>(s.rng());
  sa.ttl = static_cast<uint8_t>(s.rng());
  sa.flow_label = static_cast<uint32_t>(s.rng());  // the HLS masks 20 bits; the RTL port has 20
  for (auto& b : sa.tun_src) b = static_cast<uint8_t>(s.rng());
  for (auto& b : sa.tun_dst) b = static_cast<uint8_t>(s.rng());
  sa.udp_sport = static_cast<uint16_t>(s.chance(30) ? spec::NAT_T_PORT : s.rng());
  sa.udp_dport = static_cast<uint16_t>(s.chance(30) ? spec::NAT_T_PORT : s.rng());
  return sa;
}

void test_hdr_build(Sim& s, Counts& c, unsigned iters) {
  for (unsigned i = 0; i < iters; ++i) {
    HbJob j;
    j.sa = random_sa(s);
    j.udp = s.chance(50);
    j.proto = static_cast<uint8_t>(j.udp ? spec::UDP_PROTO : spec::ESP_PROTO);
    if (s.chance(10)) j.proto = static_cast<uint8_t>(s.rng());
    j.op = static_cast<unsigned>(s.urand(3));
    unsigned outer = 0;
    if (j.op == kOpUpdate) {
      // the input packet at ibuf byte 0
      Bytes p = random_packet(s);
      if (s.chance(40)) {
        // long IPv6 chains: header blocks over several words
        std::vector<Ext> e = random_chain(s, false);
        for (unsigned k = 0; k < 6; ++k) e.push_back({rip::kRouting, static_cast<unsigned>(1 + s.urand(20))});
        p = craft_ip(s, 6, 0, e, static_cast<uint8_t>(spec::ESP_PROTO), random_bytes(s, s.urand(64)));
      } else if (s.chance(15)) {
        // IPv4 with 40 option bytes: a UDP header at 60 straddles two words
        p = craft_ip(s, 4, 10, {}, static_cast<uint8_t>(s.rng()), random_bytes(s, s.urand(64)));
      }
      std::memcpy(s.ib.data(), p.data(), p.size());
      s.sync(false, 0, p.size());
      hls::IpHeader ip{};
      if (!hls::parse_ip(s.ib.data(), static_cast<unsigned>(p.size()), ip)) {
        --i;
        continue;
      }
      if (ip.version == 6 && !hls::walk_ipv6_ext(s.ib.data(), ip, s.chance(50))) {
        --i;
        continue;
      }
      if (ip.version == 6 && s.chance(15)) {  // any header block length and next-header position
        ip.hdr_len = 40 + 8 * static_cast<unsigned>(s.urand(60));
        ip.nh_off = s.chance(30) ? 6 : 40 + static_cast<unsigned>(s.urand(ip.hdr_len - 40 + 1)) - (ip.hdr_len > 40);
        if (ip.nh_off >= ip.hdr_len) ip.nh_off = 6;
        s.sync(false, 0, ip.hdr_len);
      }
      j.ip = ip;
      outer = ip.hdr_len;
    } else {
      j.ip.version = static_cast<uint8_t>(s.rng());
      j.ip.ihl = static_cast<unsigned>(s.urand(60));
      j.ip.hdr_len = static_cast<unsigned>(s.urand(600));
      j.ip.nh_off = static_cast<unsigned>(s.urand(600));
      outer = j.op == kOpTunnelV4 ? 20 : 40;
    }
    const unsigned min_len = outer + (j.udp ? 8 : 0);
    const unsigned max_len = std::min<unsigned>(spec::MAX_PKT_BYTES + 200, kBufBytes - 80);
    j.out_len = min_len + static_cast<unsigned>(s.chance(50) ? s.urand(200) : s.urand(max_len - min_len));
    if (j.op == kOpUpdate && s.chance(30) && j.ip.version == 4) j.out_len = std::max(min_len, j.ip.pkt_len);
    run_hdr_build(s, c, j);
  }
  // Crafted: IPv6 UDP checksums that come out 0 (sent as 0xFFFF), tunnel and transport.
  for (unsigned k = 0; k < 40; ++k) {
    HbJob j;
    j.sa = random_sa(s);
    j.udp = true;
    j.proto = static_cast<uint8_t>(spec::UDP_PROTO);
    j.op = k % 2 ? kOpTunnelV6 : kOpUpdate;
    unsigned outer = 40;
    if (j.op == kOpUpdate) {
      Bytes p = craft_ip(s, 6, 0, random_chain(s, false), static_cast<uint8_t>(spec::ESP_PROTO), random_bytes(s, 30));
      std::memcpy(s.ib.data(), p.data(), p.size());
      s.sync(false, 0, p.size());
      hls::IpHeader ip{};
      if (!hls::parse_ip(s.ib.data(), static_cast<unsigned>(p.size()), ip) ||
          !hls::walk_ipv6_ext(s.ib.data(), ip, false))
        throw std::logic_error("test: crafted packet does not parse");
      j.ip = ip;
      outer = ip.hdr_len;
    }
    j.out_len = outer + 8 + 2 * (1 + static_cast<unsigned>(s.urand(100)));
    // Payload: zero but for its first word, chosen so that the whole sum is
    // 0xFFFF (checksum 0, sent as 0xFFFF): with the word 0 the checksum is
    // c0 = ~S, and S + c0 = 0xFFFF (S != 0: the pseudo header holds 17).
    Bytes o(kBufBytes);
    if (j.op == kOpTunnelV6) hls::build_outer_ipv6(j.sa, j.proto, j.out_len, o.data());
    else {
      std::memcpy(o.data(), s.ib.data(), j.ip.hdr_len);
      hls::ip_update_header(o.data(), j.ip, j.proto, j.out_len);
    }
    const unsigned udp_len = j.out_len - outer;
    uint8_t* udp = o.data() + outer;
    hls::put_be16(udp, j.sa.udp_sport);
    hls::put_be16(udp + 2, j.sa.udp_dport);
    hls::put_be16(udp + 4, udp_len);
    std::memset(udp + 8, 0, udp_len - 8);
    const uint16_t c0 = hls::udp6_checksum(o.data() + 8, o.data() + 24, udp, udp_len);
    hls::put_be16(udp + 8, c0);
    if (hls::udp6_checksum(o.data() + 8, o.data() + 24, udp, udp_len) != 0xFFFF)
      throw std::logic_error("test: crafted 0xFFFF checksum failed");
    const Bytes payload(udp + 8, udp + udp_len);
    const uint64_t before = c.n["hdr udp csum 0xFFFF"];
    run_hdr_build(s, c, j, &payload);
    if (c.n["hdr udp csum 0xFFFF"] != before + 1) throw std::logic_error("test: crafted case not 0xFFFF");
  }
}

// ---------------------------------------------------------------- esp_trailer

void test_trailer_check(Sim& s, Counts& c, unsigned iters) {
  for (unsigned i = 0; i < iters; ++i) {
    unsigned len = static_cast<unsigned>(s.chance(20) ? 2 + s.urand(10) : s.chance(50) ? 2 + s.urand(600) : 2 + s.urand(spec::MAX_PKT_BYTES - 1));
    const unsigned off = static_cast<unsigned>(s.chance(30) ? s.urand(8) * 64 + s.urand(3) : s.urand(kBufBytes - len - 1));
    for (unsigned k = 0; k < len; ++k) s.ob[off + k] = static_cast<uint8_t>(s.rng());
    const unsigned kind = static_cast<unsigned>(s.urand(10));
    if (kind < 7) {  // a good trailer, sometimes with one bad pad byte
      unsigned pad = static_cast<unsigned>(s.chance(50) ? s.urand(4) : s.urand(256));
      if (pad + 2 > len) pad = len - 2;
      const unsigned pay = len - 2 - pad;
      for (unsigned k = 0; k < pad; ++k) s.ob[off + pay + k] = static_cast<uint8_t>(k + 1);
      s.ob[off + len - 2] = static_cast<uint8_t>(pad);
      if (kind >= 5 && pad > 0) s.ob[off + pay + s.urand(pad)] ^= static_cast<uint8_t>(1u << s.urand(8));
    } else if (kind == 7) {  // pad length just too long
      s.ob[off + len - 2] = static_cast<uint8_t>(std::min(255u, len - 1));
      for (unsigned k = 0; k + 2 < len && k < 255; ++k) s.ob[off + k] = static_cast<uint8_t>(k + 1);
    }
    s.sync(true, off, len);
    const int want = hls::check_trailer(&s.ob[off], len);
    const uint8_t want_nh = s.ob[off + len - 1];

    auto& t = s.t();
    t.tr_off_i = static_cast<uint16_t>(off);
    t.tr_len_i = static_cast<uint16_t>(len);
    s.run("trailer CHECK", [&](int v) { t.tr_start_i = v; }, [&] { return t.tr_done_o != 0; },
          [&] { return t.tr_busy_o != 0; });
    char ctx[200];
    std::snprintf(ctx, sizeof ctx, "trailer check off %u len %u pad_len %u", off, len, unsigned(s.ob[off + len - 2]));
    const unsigned want_st = unsigned(want < 0 ? spec::Status::BAD_PADDING : spec::Status::OK);
    if (t.tr_status_o != want_st) {
      throw Fail(std::string(ctx) + ": status " + status_name(t.tr_status_o) + ", want " + status_name(want_st));
    }
    if (want >= 0 && t.tr_pay_len_o != static_cast<unsigned>(want)) throw Fail(std::string(ctx) + ": pay_len_o");
    if (t.tr_next_header_o != want_nh) throw Fail(std::string(ctx) + ": next_header_o");
    if (t.tr_pad_len_o != s.ob[off + len - 2]) throw Fail(std::string(ctx) + ": pad_len_o");
    if (t.tr_pt_len_o != len) throw Fail(std::string(ctx) + ": pt_len_o");
    if (s.chance(10)) s.check_buffers(ctx);
    c.n[std::string("trailer CHECK ") + status_name(want_st) + (s.ob[off + len - 2] > 3 ? " (long pad)" : "")]++;
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = 0;
  bool have_seed = false;
  unsigned iters = 2000;
  if (const char* e = std::getenv("ESP_SIM_SEED")) {
    seed = std::strtoull(e, nullptr, 0);
    have_seed = true;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 0);
      have_seed = true;
    } else if (a == "--iters" && i + 1 < argc) {
      iters = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 0));
    } else {
      std::fprintf(stderr, "usage: %s [--seed N] [--iters N]\n", argv[0]);
      return 2;
    }
  }
  if (!have_seed) seed = std::random_device{}();
  std::printf("esp_pkt_units_tb: seed %" PRIu64 " (ESP_SIM_SEED=%" PRIu64 " replays), iters %u\n", seed, seed, iters);
  std::fflush(stdout);
  Verilated::commandArgs(argc, argv);
  try {
    Sim s(seed);
    Counts c;
    test_parse_truncations(s, c, 12);
    test_parse_random(s, c, 4 * iters);
    test_hdr_build(s, c, iters);
    test_trailer_check(s, c, iters);
    std::printf("cases:\n");
    for (const auto& [k, n] : c.n) std::printf("  %-40s %8" PRIu64 "\n", k.c_str(), n);
    std::printf("cycles (start_i cycle .. done_o cycle):\n");
    for (const auto& [k, v] : s.cycles) {
      uint64_t lo = ~0ULL, hi = 0, sum = 0;
      for (uint64_t x : v) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
        sum += x;
      }
      std::printf("  %-24s n %6zu  min %4" PRIu64 "  avg %7.1f  max %4" PRIu64 "\n", k.c_str(), v.size(), lo,
                  double(sum) / v.size(), hi);
    }
    std::printf("PASS (seed %" PRIu64 ")\n", seed);
  } catch (const std::exception& e) {
    std::printf("FAIL (seed %" PRIu64 "): %s\n", seed, e.what());
    return 1;
  }
  return 0;
}
