// Differential fuzzing, card vs reference: seeded random inputs aimed at the
// three places where the datapath parses bytes, thousands of requests each,
// every one compared (status, completion fields, output bytes) and the
// counters of every SA at the end:
//   - outbound input: random IPv4 / IPv6 packets (options, extension-header
//     chains in any order, every L4) with random edits of versions, lengths,
//     IHL, next headers, truncations and trailing bytes (CONTRACT ENCRYPT 2);
//   - inbound outer headers: genuine ESP packets of every SA kind with
//     random edits before and inside the ESP header (DECRYPT 1-7);
//   - the authenticated plaintext: trailers, pad bytes, next headers, inner
//     packets and TFC padding sealed with the SA's key under random outer
//     headers (IPv4 options, IPv6 Hop-by-Hop / Routing / Destination Options
//     chains), so that the ICV verifies and DECRYPT 11-15 decide.
// Each test asserts that the inputs reached a spread of statuses, so that a
// change in the generators cannot quietly make the fuzzing trivial.
// ESP_EQ_FUZZ_ROUNDS=n (default 1) runs n times as many seeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "eq_harness.hpp"
#include "ref/ip.hpp"

namespace esp::eq {
namespace {

namespace pkt = ref::pkt;
namespace ip = ref::ip;

class EqFuzz : public BackendTest {};

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  // Uniform in [0, n) (n >= 1).
  size_t below(size_t n) { return static_cast<size_t>(std::uniform_int_distribution<uint64_t>(0, n - 1)(g_)); }
  uint8_t byte() { return static_cast<uint8_t>(below(256)); }
  uint32_t u32() { return static_cast<uint32_t>(g_()); }
  bool chance(size_t percent) { return below(100) < percent; }

 private:
  std::mt19937_64 g_;
};

// The SA kinds of the fuzz fleet: every mode / outer version / inner version,
// keys, ESN, UDP, GMAC and the three ICV lengths.
struct Kind {
  const char* name;
  Mode mode;
  uint8_t outer, inner;
  size_t key;
  bool esn, udp, gmac;
  uint8_t icv;
};
const Kind kKinds[] = {
    {"tun4 in4 GCM-128", Mode::TUNNEL, 4, 4, 16, false, false, false, 16},
    {"tun4 in6 UDP ESN GCM-256 ICV12", Mode::TUNNEL, 4, 6, 32, true, true, false, 12},
    {"tun6 in4 GMAC-128", Mode::TUNNEL, 6, 4, 16, false, false, true, 16},
    {"tun6 in6 UDP GCM-256 ICV8", Mode::TUNNEL, 6, 6, 32, false, true, false, 8},
    {"tra4 GCM-128", Mode::TRANSPORT, 4, 4, 16, false, false, false, 16},
    {"tra4 UDP ESN GMAC-256", Mode::TRANSPORT, 4, 4, 32, true, true, true, 16},
    {"tra6 GCM-256", Mode::TRANSPORT, 6, 6, 32, false, false, false, 16},
    {"tra6 UDP ESN GCM-128 ICV12", Mode::TRANSPORT, 6, 6, 16, true, true, false, 12},
    {"tra4 GCM-128 ICV8", Mode::TRANSPORT, 4, 4, 16, false, false, false, 8},
};

// Both ends of every kind in one twin (SPIs 0xF000..), senders from seq 1;
// the card's outbound SAs start at 0x100000.
struct Fleet {
  Twin t;
  std::vector<SaPair> sa;
  explicit Fleet(const std::string& backend) : t(backend, opts()) {
    uint32_t spi = 0xF000;
    for (const Kind& k : kKinds) {
      SaPair p;
      p.name = k.name;
      p.spec.mode = k.mode;
      p.spec.outer = k.outer;
      p.spec.key_len = k.key;
      p.spec.esn = k.esn;
      p.spec.udp = k.udp;
      p.spec.gmac = k.gmac;
      p.spec.icv = k.icv;
      p.spec.window = spec::DEFAULT_WINDOW_BITS;
      p.inner = k.inner;
      p.out_cfg = make_sa(p.spec, Direction::Outbound, spi);
      p.out_cfg.seq_start = 0x100000;
      p.in_cfg = make_sa(p.spec, Direction::Inbound, spi);
      p.out = t.add(p.out_cfg);
      p.in = t.add(p.in_cfg);
      p.snd = std::make_unique<Sender>(p.out_cfg);
      sa.push_back(std::move(p));
      ++spi;
    }
  }
  static TwinOptions opts() {
    TwinOptions o;
    o.sa_capacity = 32;
    o.max_batch = 128;
    return o;
  }
};

// A random, well-formed IP packet of `version`: any L4, mostly small
// payloads, IPv4 options, IPv6 extension headers in any order (Fragment
// included), random TOS / TTL / flow label / DF.
Bytes random_packet(Rng& r, uint8_t version, size_t max_payload) {
  pkt::PacketSpec s;
  s.version = version;
  const size_t l4 = r.below(3);
  s.l4 = l4 == 0 ? pkt::L4::UDP : l4 == 1 ? pkt::L4::TCP : pkt::L4::ICMP;
  s.payload_len = r.chance(15) ? r.below(max_payload + 1) : r.below(std::min<size_t>(max_payload, 64) + 1);
  s.seed = r.u32();
  s.ttl = r.byte();
  s.tos = r.byte();
  s.df = r.chance(50);
  if (version == 4 && r.chance(30)) {
    s.ipv4_options.resize(4 * (1 + r.below(10)));
    for (uint8_t& b : s.ipv4_options) b = r.byte();
  }
  if (version == 6) {
    s.flow_label = static_cast<uint32_t>(r.below(1u << 20));
    const size_t n = r.chance(40) ? 1 + r.below(4) : 0;
    static const uint8_t kTypes[] = {ip::kHopByHop, ip::kRouting, ip::kDestOpts, ip::kFragment};
    for (size_t i = 0; i < n; ++i) s.ipv6_ext.push_back({kTypes[r.below(4)], 1 + r.below(3)});
  }
  return pkt::build(s);
}

// One random edit of an IP packet's header area (or its length).
std::string edit_header(Rng& r, Bytes& p) {
  if (p.empty()) return "empty";
  const bool v4 = (p[0] >> 4) == 4;
  const size_t head = std::min<size_t>(p.size(), 80);
  switch (r.below(9)) {
    case 0: {
      const size_t i = r.below(head);
      p[i] = r.byte();
      return "byte " + std::to_string(i) + " := " + std::to_string(p[i]);
    }
    case 1: {
      const size_t i = r.below(p.size());
      p[i] = static_cast<uint8_t>(p[i] ^ (1u << r.below(8)));
      return "bit flip in byte " + std::to_string(i);
    }
    case 2: {
      const size_t off = v4 ? 2 : 4;
      if (p.size() < off + 2) return "no length field";
      const int delta = static_cast<int>(r.below(41)) - 20;
      const uint16_t v = static_cast<uint16_t>((p[off] << 8 | p[off + 1]) + delta);
      ref::put_be16(p, off, v);
      return "IP length " + std::to_string(delta);
    }
    case 3: {
      p.resize(r.below(p.size()));
      return "truncated to " + std::to_string(p.size());
    }
    case 4: {
      const size_t n = 1 + r.below(24);
      for (size_t i = 0; i < n; ++i) p.push_back(r.byte());
      return std::to_string(n) + " trailing bytes";
    }
    case 5:
      if (v4) {
        p[0] = static_cast<uint8_t>(0x40 | r.below(16));
        return "IHL " + std::to_string(p[0] & 0xF);
      }
      if (p.size() > 41 && p[6] != ip::kTcp && p[6] != ip::kUdp && p[6] != ip::kIcmpv6) {
        p[41] = r.byte();
        return "first extension header length " + std::to_string(p[41]);
      }
      p[0] = static_cast<uint8_t>((p[0] & 0x0F) | 0x40);
      return "IPv6 header with version 4";
    case 6: {
      p[0] = static_cast<uint8_t>((r.below(16) << 4) | (p[0] & 0xF));
      return "version " + std::to_string(p[0] >> 4);
    }
    case 7: {
      const size_t off = v4 ? 9 : 6;
      if (p.size() <= off) return "no protocol field";
      static const uint8_t kProto[] = {0, 4, 6, 17, 41, 43, 44, 50, 51, 59, 60, 255};
      p[off] = r.chance(70) ? kProto[r.below(std::size(kProto))] : r.byte();
      return "protocol / next header " + std::to_string(p[off]);
    }
    default: {
      const size_t n = std::min<size_t>(p.size(), 1 + r.below(8));
      const size_t i = r.below(p.size() - n + 1);
      for (size_t k = 0; k < n; ++k) p[i + k] = r.byte();
      return std::to_string(n) + " random bytes at " + std::to_string(i);
    }
  }
}

// An outer IP header (+ UDP 4500) around `body` with random fields the card
// must carry or skip: IPv4 options, TOS, TTL, ID, DF; IPv6 Hop-by-Hop,
// Routing and Destination Options headers (never Fragment), traffic class,
// flow label.
Bytes random_outer(Rng& r, uint8_t version, bool udp, const Bytes& body, std::string& what) {
  Bytes l4;
  if (udp) {
    ref::append_be16(l4, r.chance(50) ? spec::NAT_T_PORT : static_cast<uint16_t>(1024 + r.below(60000)));
    ref::append_be16(l4, spec::NAT_T_PORT);
    ref::append_be16(l4, static_cast<uint16_t>(8 + body.size()));
    ref::append_be16(l4, static_cast<uint16_t>(r.chance(50) ? 0 : r.below(65536)));
  }
  ref::append(l4, body);
  const uint8_t proto = udp ? static_cast<uint8_t>(spec::UDP_PROTO) : static_cast<uint8_t>(spec::ESP_PROTO);
  Bytes out;
  if (version == 4) {
    const size_t opt = r.chance(40) ? 4 * (1 + r.below(10)) : 0;
    out.assign(20 + opt, 0);
    out[0] = static_cast<uint8_t>(0x40 | ((20 + opt) / 4));
    out[1] = r.byte();
    ref::put_be16(out, 4, static_cast<uint16_t>(r.below(65536)));
    out[6] = r.chance(50) ? 0x40 : 0x00;  // DF or nothing: never a fragment
    out[8] = r.byte();
    out[9] = proto;
    for (size_t i = 0; i < 8; ++i) out[12 + i] = r.byte();
    for (size_t i = 0; i < opt; ++i) out[20 + i] = r.byte();
    ref::put_be16(out, 2, static_cast<uint16_t>(out.size() + l4.size()));
    ip::set_ipv4_checksum(out);
    what = "outer IPv4 + " + std::to_string(opt) + " option bytes";
  } else {
    out.assign(40, 0);
    const uint32_t vtf = (6u << 28) | (uint32_t(r.byte()) << 20) | static_cast<uint32_t>(r.below(1u << 20));
    ref::put_be32(out, 0, vtf);
    out[7] = r.byte();
    for (size_t i = 8; i < 40; ++i) out[i] = r.byte();
    static const uint8_t kTypes[] = {ip::kHopByHop, ip::kRouting, ip::kDestOpts};
    const size_t n = r.chance(50) ? 1 + r.below(3) : 0;
    std::vector<uint8_t> types;
    for (size_t i = 0; i < n; ++i) types.push_back(kTypes[r.below(3)]);
    Bytes ext;
    uint8_t next = proto;
    what = "outer IPv6";
    for (size_t i = n; i-- > 0;) {
      Bytes h(8 * (1 + r.below(3)), 0);
      h[0] = next;
      h[1] = static_cast<uint8_t>(h.size() / 8 - 1);
      for (size_t k = 2; k < h.size(); ++k) h[k] = r.byte();
      h.insert(h.end(), ext.begin(), ext.end());
      ext = std::move(h);
      next = types[i];
      what += " ext " + std::to_string(types[i]);
    }
    out[6] = next;
    ref::append(out, ext);
    ref::put_be16(out, 4, static_cast<uint16_t>(out.size() - 40 + l4.size()));
  }
  ref::append(out, l4);
  return out;
}

// The seeds of a test: base, base + 1, then two more per extra round.
std::vector<uint64_t> seeds(uint64_t base) {
  std::vector<uint64_t> out;
  for (uint64_t i = 0; i < 2 * uint64_t(fuzz_rounds()); ++i) out.push_back(i < 2 ? base + i : base * 1000 + i);
  return out;
}

std::map<Status, size_t> histogram(const RunResult& r) {
  std::map<Status, size_t> h;
  for (const auto& x : r.ref) ++h[x.status];
  return h;
}

std::string show(const std::map<Status, size_t>& h) {
  std::string s;
  for (const auto& [k, v] : h) s += " " + status_str(k) + "=" + std::to_string(v);
  return s;
}

// ENCRYPT of random and randomly edited IP packets on every outbound SA; the
// card's good outputs then go back through the inbound SAs.
void outbound_fuzz(const std::string& backend, uint64_t seed, size_t n) {
  Fleet f(backend);
  Rng r(seed);
  std::vector<Op> ops;
  for (size_t i = 0; i < n; ++i) {
    SaPair& p = f.sa[r.below(f.sa.size())];
    const uint8_t v = r.chance(50) ? 4 : 6;
    Bytes b = random_packet(r, v, 1600);
    std::string what = p.name + ": #" + std::to_string(i) + " IPv" + std::to_string(v) + " " +
                       std::to_string(b.size()) + " bytes";
    const size_t edits = r.chance(50) ? 0 : 1 + r.below(2);
    for (size_t e = 0; e < edits; ++e) what += ", " + edit_header(r, b);
    if (r.chance(3)) {  // Ethernet-style padding up to the request limit (and one past: the Engine's refusal)
      const size_t to = spec::MAX_PKT_BYTES + 1 - r.below(3);
      if (b.size() < to) b.resize(to, r.byte());
      what += ", padded to " + std::to_string(b.size());
    }
    ops.push_back(enc(p.out, std::move(b), what));
  }
  const std::string label = "outbound fuzz seed " + std::to_string(seed);
  const RunResult er = f.t.run(ops, label);
  const auto h = histogram(er);
  EXPECT_GT(h.count(Status::OK) ? h.at(Status::OK) : 0, n / 3) << label << ":" << show(h);
  EXPECT_GT(h.count(Status::MALFORMED) ? h.at(Status::MALFORMED) : 0, n / 20) << label << ":" << show(h);
  std::vector<Op> back;
  for (size_t i = 0; i < er.card.size(); ++i) {
    if (er.card[i].status == Status::OK) back.push_back(dec(er.card[i].data, "card output of " + ops[i].what));
  }
  const RunResult dr = f.t.run(back, label + ", decrypted back");
  const auto hd = histogram(dr);
  EXPECT_GT(hd.count(Status::OK) ? hd.at(Status::OK) : 0, back.size() * 3 / 4) << label << ":" << show(hd);
  f.t.expect_all_counters(label);
}

TEST_P(EqFuzz, OutboundInput) {
  for (uint64_t seed : seeds(11)) outbound_fuzz(GetParam(), seed, 4000);
}

// Genuine ESP packets (fresh sequence numbers) with random edits of the
// outer header, the UDP header and the ESP header; a third unedited.
TEST_P(EqFuzz, InboundOuterHeaders) {
  for (uint64_t seed : seeds(21)) {
    Fleet f(GetParam());
    Rng r(seed);
    std::vector<Op> ops;
    const size_t n = 5000;
    for (size_t i = 0; i < n; ++i) {
      SaPair& p = f.sa[r.below(f.sa.size())];
      const uint64_t q = p.next_seq++;
      // Transport: the packet's own header becomes the outer header (options,
      // extension chains); tunnel: either inner version.
      const uint8_t v = p.spec.mode == Mode::TRANSPORT ? p.spec.outer : (r.chance(50) ? 4 : 6);
      Bytes b = p.snd->packet(q, random_packet(r, v, 600));
      std::string what = p.name + ": #" + std::to_string(i) + " seq " + std::to_string(q);
      if (!r.chance(33)) {
        const size_t edits = 1 + r.below(2);
        for (size_t e = 0; e < edits; ++e) what += ", " + edit_header(r, b);
        if (r.chance(50) && b.size() >= 20 && (b[0] >> 4) == 4 && (b[0] & 0xF) >= 5 &&
            b.size() >= size_t(b[0] & 0xF) * 4) {
          ip::set_ipv4_checksum(b);
        }
      }
      if (r.chance(3) && !b.empty()) {  // a replay of this very packet
        ops.push_back(dec(b, what));
        what += " (again)";
      }
      ops.push_back(dec(std::move(b), what));
    }
    const std::string label = "inbound outer-header fuzz seed " + std::to_string(seed);
    const RunResult res = f.t.run(ops, label);
    const auto h = histogram(res);
    for (Status s : {Status::OK, Status::MALFORMED, Status::NOT_ESP, Status::UNKNOWN_SPI, Status::AUTH_FAIL,
                     Status::REPLAY}) {
      EXPECT_GT(h.count(s) ? h.at(s) : 0, 10u) << label << ": too few " << status_str(s) << ":" << show(h);
    }
    f.t.expect_all_counters(label);
  }
}

// Plaintexts built by hand and sealed with the SA's key under random outer
// headers: valid and invalid trailers (any pad length 0..255, wrong pad
// bytes, unaligned plaintexts, pad_len beyond the data), next headers, inner
// packets (edited, other version, TFC padding), transport payloads.
TEST_P(EqFuzz, InboundAuthenticatedPlaintext) {
  for (uint64_t seed : seeds(31)) {
    Fleet f(GetParam());
    Rng r(seed);
    std::vector<Op> ops;
    std::vector<size_t> at;
    std::vector<Bytes> want;
    const size_t n = 5000;
    for (size_t i = 0; i < n; ++i) {
      SaPair& p = f.sa[r.below(f.sa.size())];
      const bool tunnel = p.spec.mode == Mode::TUNNEL;
      const uint64_t q = p.next_seq++;
      std::string what = p.name + ": #" + std::to_string(i) + " seq " + std::to_string(q);
      Bytes body;
      uint8_t nh = 0;
      bool clean = true;  // a valid inner packet and trailer: the original must come back
      if (tunnel) {
        const uint8_t v = r.chance(50) ? 4 : 6;
        body = random_packet(r, v, 400);
        nh = v == 4 ? ip::kIpv4 : ip::kIpv6;
        what += " inner IPv" + std::to_string(v);
        if (r.chance(20)) {
          what += ", inner " + edit_header(r, body);
          clean = false;
        }
        if (r.chance(15)) {
          const size_t tfc = 1 + r.below(40);
          what += ", " + std::to_string(tfc) + " bytes TFC";
          want.push_back(body);
          body.insert(body.end(), tfc, uint8_t(r.chance(50) ? 0 : r.byte()));
        } else {
          want.push_back(body);
        }
        if (r.chance(8)) {
          nh = r.chance(50) ? static_cast<uint8_t>(ip::kIpv4 + ip::kIpv6 - nh) : r.byte();
          what += ", next header " + std::to_string(nh);
          clean = false;
        }
      } else {
        body = pkt::payload(r.chance(10) ? r.below(1500) : r.below(100), r.u32());
        static const uint8_t kNh[] = {ip::kTcp, ip::kUdp, ip::kIcmp, ip::kIcmpv6, ip::kNoNext, ip::kIpv4};
        nh = r.chance(85) ? kNh[r.below(std::size(kNh))] : r.byte();
        what += ", " + std::to_string(body.size()) + "-byte payload, next header " + std::to_string(nh);
        want.push_back({});
        clean = false;  // the expected transport output is the model's to say
      }
      // The trailer.
      Bytes pt = body;
      const size_t min_pad = (4 - (body.size() + 2) % 4) % 4;
      const size_t kind = r.below(100);
      if (kind < 70) {  // valid: minimal, or a longer valid pad (any length with the right alignment)
        size_t pad = min_pad;
        if (r.chance(40)) pad += 4 * r.below((255 - min_pad) / 4 + 1);
        for (size_t k = 1; k <= pad; ++k) pt.push_back(static_cast<uint8_t>(k));
        pt.push_back(static_cast<uint8_t>(pad));
        pt.push_back(nh);
        what += ", pad " + std::to_string(pad);
      } else if (kind < 82) {  // one pad byte wrong
        const size_t pad = min_pad + 4 * (1 + r.below(8));
        const size_t bad = 1 + r.below(pad);
        for (size_t k = 1; k <= pad; ++k) pt.push_back(static_cast<uint8_t>(k == bad ? r.byte() : k));
        pt.push_back(static_cast<uint8_t>(pad));
        pt.push_back(nh);
        what += ", pad " + std::to_string(pad) + " byte " + std::to_string(bad) + " random";
        clean = false;
      } else if (kind < 92) {  // pad_len claims anything, aligned plaintext
        for (size_t k = 1; k <= min_pad; ++k) pt.push_back(static_cast<uint8_t>(k));
        const uint8_t claim = r.byte();
        pt.push_back(claim);
        pt.push_back(nh);
        what += ", pad_len claims " + std::to_string(claim) + " (has " + std::to_string(min_pad) + ")";
        clean = false;
      } else {  // not a multiple of 4
        const size_t pad = (min_pad + 1 + r.below(3)) % 4;
        for (size_t k = 1; k <= pad; ++k) pt.push_back(static_cast<uint8_t>(k));
        pt.push_back(static_cast<uint8_t>(pad));
        pt.push_back(nh);
        what += ", unaligned plaintext of " + std::to_string(pt.size());
        clean = false;
      }
      std::string outer_what;
      const uint8_t ov = p.spec.outer;
      Bytes pk = random_outer(r, ov, p.spec.udp, seal_esp(p.in_cfg, q, pt), outer_what);
      what += ", " + outer_what;
      ops.push_back(dec(std::move(pk), what));
      if (clean) {
        at.push_back(ops.size() - 1);
      } else {
        want.pop_back();
      }
    }
    const std::string label = "inbound plaintext fuzz seed " + std::to_string(seed);
    const RunResult res = f.t.run(ops, label);
    expect_originals(res, ops, at, want, "[" + GetParam() + "] " + label);
    const auto h = histogram(res);
    for (Status s : {Status::OK, Status::MALFORMED, Status::BAD_PADDING}) {
      EXPECT_GT(h.count(s) ? h.at(s) : 0, n / 20) << label << ": too few " << status_str(s) << ":" << show(h);
    }
    f.t.expect_all_counters(label);
  }
}

ESP_EQ_INSTANTIATE(EqFuzz);

}  // namespace
}  // namespace esp::eq
