// Round trips, card vs reference, over the whole SA matrix: mode (tunnel /
// transport) x IP version (inner; outer for tunnel) x AES-128/256 x ESN x
// UDP encapsulation x GCM/GMAC, every payload size 0..80 (every pad length
// with every header length), a spread up to 9000 bytes, and the largest
// packet whose output still fits MAX_PKT_BYTES (+1, +2: NO_SPACE); ICV 8 and
// 12 on a subset; special inputs (IPv4 options, IPv6 extension headers,
// trailing bytes).
//
// For each group one Twin holds an outbound and an inbound SA per config;
//  (a) the card encrypts every packet; the model encrypts the same packets
//      with its mirror SA (IV = seq: deterministic) -> same bytes, same
//      completions; a separate reference receiver decrypts the card's output
//      -> the original packet;
//  (b) the card decrypts the model's encryptions (the model decrypts them
//      too) -> the original packet, same completions;
// and the counters of every SA are equal at the end.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "eq_harness.hpp"
#include "ref/ip.hpp"

namespace esp::eq {
namespace {

struct RtConfig {
  SaSpec s;
  uint8_t inner = 4;  // IP version of the packets (transport: = outer)
  std::string name() const { return s.name() + (s.mode == Mode::TUNNEL ? "_in" + std::to_string(inner) : ""); }
};

struct RtCase {
  size_t cfg = 0;
  Bytes plain;
  std::string what;
  bool round_trip = true;  // decrypting the encryption gives `expect` (else only card == model)
  Status enc_status = Status::OK;  // what ENCRYPT must give (the model is checked too)
  Bytes expect;            // empty: plain
};

// The largest UDP payload (inner packet of version v, UDP) whose encryption
// with cfg still fits MAX_PKT_BYTES, found with a scratch reference.
size_t largest_fitting(const SaConfig& out_cfg, uint8_t v) {
  ref::RefEngine r(1);
  SaConfig c = out_cfg;
  c.seq_start = 1;
  r.add_sa(c);
  const size_t ip_hdr = v == 4 ? 20 : 40;
  size_t n = spec::MAX_PKT_BYTES - ip_hdr - 8;  // input of exactly MAX_PKT_BYTES
  for (; n > 0; --n) {
    if (r.encrypt(0, inner_packet(v, n, 3)).status == Status::OK) return n;
    if (n + 200 < spec::MAX_PKT_BYTES - ip_hdr - 8) break;
  }
  ADD_FAILURE() << "no packet size fits MAX_PKT_BYTES for " << c.spi;
  return 0;
}

// Payload sizes of the matrix: 0..last fully, then a spread up to 9000.
std::vector<size_t> spread() { return {127, 128, 129, 255, 256, 511, 576, 1000, 1499, 1500, 4096, 8191, 8999, 9000}; }

// Adds the cases of config i: every size 0..last, the boundary around the
// largest fitting packet, and `extra` sizes.
void add_sized_cases(std::vector<RtCase>& cases, size_t i, const RtConfig& c, const SaConfig& out_cfg, size_t last,
                     const std::vector<size_t>& extra) {
  const uint32_t base = static_cast<uint32_t>(i * 100000);
  auto add = [&](size_t n, uint32_t seed, const char* tag) {
    RtCase k;
    k.cfg = i;
    k.plain = inner_packet(c.inner, n, seed);
    k.what = c.name() + " " + tag + " payload " + std::to_string(n) + " (" + std::to_string(k.plain.size()) +
             "-byte packet)";
    cases.push_back(std::move(k));
  };
  for (size_t n = 0; n <= last; ++n) add(n, base + static_cast<uint32_t>(n), "");
  const size_t big = largest_fitting(out_cfg, c.inner);
  add(big + 1, 3, "past MAX_PKT_BYTES");  // NO_SPACE, no sequence number consumed
  add(big + 2, 3, "past MAX_PKT_BYTES");
  cases[cases.size() - 2].enc_status = cases[cases.size() - 1].enc_status = Status::NO_SPACE;
  for (size_t n : extra) add(n, base + static_cast<uint32_t>(n) + 7, "");
  add(big - 1, 3, "largest-1");
  add(big, 3, "largest fitting");
}

void run_round_trips(const std::string& backend, const std::vector<RtConfig>& cfgs, const std::vector<RtCase>& cases,
                     const std::string& label) {
  TwinOptions o;
  o.sa_capacity = static_cast<uint32_t>(2 * cfgs.size() + 4);
  o.max_batch = 256;
  Twin t(backend, o);
  ref::RefEngine peer(o.sa_capacity);  // the independent receiver of the card's output
  std::vector<SaHandle> out_h;
  std::vector<Sender> senders;
  for (size_t i = 0; i < cfgs.size(); ++i) {
    const uint32_t spi = 0x10000u + static_cast<uint32_t>(i) * 0x101u;
    const SaConfig oc = make_sa(cfgs[i].s, Direction::Outbound, spi);
    const SaConfig ic = make_sa(cfgs[i].s, Direction::Inbound, spi);
    out_h.push_back(t.add(oc));
    t.add(ic);
    peer.add_sa(ic);
    senders.emplace_back(oc);
  }

  // (a) The card encrypts; the model encrypts the same with its mirror SA.
  std::vector<Op> eops;
  for (const RtCase& k : cases) eops.push_back(enc(out_h[k.cfg], k.plain, k.what));
  const RunResult er = t.run(eops, label + ": ENCRYPT");
  ASSERT_EQ(er.card.size(), cases.size());
  size_t n_ok = 0;
  for (size_t j = 0; j < cases.size(); ++j) {
    n_ok += er.ref[j].status == Status::OK;
    ASSERT_EQ(er.ref[j].status, cases[j].enc_status) << "the test's own expectation, model side: " << cases[j].what;
  }

  // Priming: ESN receivers are walked up to just below each SA's first
  // sequence number (from a replay top of 0 the first packets would infer
  // the previous 2^32 epoch).
  std::vector<Op> dops;
  std::vector<size_t> at;
  std::vector<Bytes> want;
  for (size_t i = 0; i < cfgs.size(); ++i) {
    if (!cfgs[i].s.esn) continue;
    for (uint64_t q : climb(cfgs[i].s.seq_start - 1)) {
      const Bytes inner = inner_packet(cfgs[i].inner, 8, static_cast<uint32_t>(q));
      dops.push_back(dec(senders[i].packet(q, inner), cfgs[i].name() + " priming seq " + hex64(q)));
      at.push_back(dops.size() - 1);
      want.push_back(inner);
    }
  }
  const size_t n_prime = dops.size();
  // The reference receiver gets the priming packets and the card's output.
  for (size_t i = 0; i < n_prime; ++i) {
    const ref::Output po = peer.decrypt(dops[i].data);
    if (po.status != Status::OK) ADD_FAILURE() << label << ": reference receiver refused " << dops[i].what;
  }
  size_t peer_bad = 0;
  std::string peer_first;
  for (size_t j = 0; j < cases.size(); ++j) {
    const Bytes& orig = cases[j].expect.empty() ? cases[j].plain : cases[j].expect;
    if (er.card[j].status == Status::OK) {
      const ref::Output po = peer.decrypt(er.card[j].data);
      std::string d;
      if (!cases[j].round_trip) {
        // Only the card and the model are compared for these.
      } else if (po.status != Status::OK) {
        d = "reference decrypt of the card's output: " + status_str(po.status);
      } else {
        d = bytes_diff(po.data, orig, "decrypted", "original");
      }
      if (!d.empty() && peer_bad++ == 0) peer_first = "#" + std::to_string(j) + " (" + cases[j].what + "): " + d;
    }
    // (b) The card decrypts the model's encryption.
    if (er.ref[j].status == Status::OK) {
      dops.push_back(dec(er.ref[j].data, cases[j].what));
      if (cases[j].round_trip) {
        at.push_back(dops.size() - 1);
        want.push_back(orig);
      }
    }
  }
  if (peer_bad) {
    ADD_FAILURE() << "[" << backend << "] " << label << ": the reference cannot decrypt " << peer_bad
                  << " of the card's packets back to the original; first: " << peer_first;
  }
  const RunResult dr = t.run(dops, label + ": DECRYPT");
  ASSERT_EQ(dops.size(), n_prime + n_ok);
  expect_originals(dr, dops, at, want, "[" + backend + "] " + label + ": card decrypt of reference ESP");
  t.expect_all_counters(label);
}

class EqRoundTrip : public BackendTest {};

std::vector<RtConfig> matrix(Mode mode, uint8_t outer) {
  std::vector<RtConfig> out;
  for (uint8_t inner : {uint8_t(4), uint8_t(6)}) {
    for (size_t key : {size_t(16), size_t(32)}) {
      for (bool esn : {false, true}) {
        for (bool udp : {false, true}) {
          for (bool gmac : {false, true}) {
            RtConfig c;
            c.s.mode = mode;
            c.s.outer = mode == Mode::TUNNEL ? outer : inner;
            c.s.key_len = key;
            c.s.esn = esn;
            c.s.udp = udp;
            c.s.gmac = gmac;
            // Sequence numbers: from 1, near the top of the 32-bit space,
            // and (ESN) across a 2^32 boundary with a high half of 0 and 2.
            if (!esn) c.s.seq_start = key == 16 ? 1 : 0xFFFFFF00ull;
            else c.s.seq_start = key == 16 ? (1ull << 32) - 40 : (3ull << 32) - 40;
            c.inner = inner;
            out.push_back(c);
          }
        }
      }
    }
  }
  return out;
}

void matrix_test(const std::string& backend, Mode mode, uint8_t outer, const std::string& label) {
  const std::vector<RtConfig> cfgs = matrix(mode, outer);
  std::vector<RtCase> cases;
  for (size_t i = 0; i < cfgs.size(); ++i) {
    const SaConfig oc = make_sa(cfgs[i].s, Direction::Outbound, 1);
    add_sized_cases(cases, i, cfgs[i], oc, 80, spread());
  }
  run_round_trips(backend, cfgs, cases, label);
}

TEST_P(EqRoundTrip, TunnelOuterIpv4) { matrix_test(GetParam(), Mode::TUNNEL, 4, "tunnel, outer IPv4"); }
TEST_P(EqRoundTrip, TunnelOuterIpv6) { matrix_test(GetParam(), Mode::TUNNEL, 6, "tunnel, outer IPv6"); }
TEST_P(EqRoundTrip, Transport) { matrix_test(GetParam(), Mode::TRANSPORT, 0, "transport"); }

TEST_P(EqRoundTrip, ShortIcv) {
  std::vector<RtConfig> cfgs;
  for (uint8_t icv : {uint8_t(8), uint8_t(12)}) {
    RtConfig a;  // tunnel 4-in-4, GCM-128, ESN
    a.s.icv = icv;
    a.s.esn = true;
    a.s.seq_start = (1ull << 32) - 10;
    RtConfig b;  // tunnel 6-in-6, GMAC-256, UDP
    b.s.icv = icv;
    b.s.outer = 6;
    b.inner = 6;
    b.s.key_len = 32;
    b.s.gmac = true;
    b.s.udp = true;
    RtConfig c;  // transport IPv6, GCM-256, UDP
    c.s.icv = icv;
    c.s.mode = Mode::TRANSPORT;
    c.s.outer = 6;
    c.inner = 6;
    c.s.key_len = 32;
    c.s.udp = true;
    RtConfig d;  // transport IPv4, GMAC-128, ESN
    d.s.icv = icv;
    d.s.mode = Mode::TRANSPORT;
    d.s.esn = true;
    d.s.gmac = true;
    d.s.seq_start = 0x7FFFFFF0;
    for (const RtConfig& x : {a, b, c, d}) cfgs.push_back(x);
  }
  std::vector<RtCase> cases;
  for (size_t i = 0; i < cfgs.size(); ++i) {
    add_sized_cases(cases, i, cfgs[i], make_sa(cfgs[i].s, Direction::Outbound, 1), 20, {255, 1500, 9000});
  }
  run_round_trips(GetParam(), cfgs, cases, "ICV 8 and 12");
}

// IPv4 options, IPv6 extension headers, inputs with trailing bytes.
TEST_P(EqRoundTrip, SpecialInputs) {
  namespace pkt = ref::pkt;
  namespace ip = ref::ip;
  std::vector<RtConfig> cfgs(5);
  cfgs[0].s.mode = Mode::TRANSPORT;  // transport IPv4
  cfgs[0].s.outer = 4;
  cfgs[0].inner = 4;
  cfgs[1].s.mode = Mode::TRANSPORT;  // transport IPv6, UDP-encapsulated
  cfgs[1].s.outer = 6;
  cfgs[1].inner = 6;
  cfgs[1].s.udp = true;
  cfgs[2].s.outer = 6;  // tunnel 6-in-6, ESN from 1
  cfgs[2].inner = 6;
  cfgs[2].s.esn = true;
  cfgs[3].inner = 6;  // tunnel 6-in-4, GMAC
  cfgs[3].s.gmac = true;
  cfgs[4].s.mode = Mode::TRANSPORT;  // transport IPv4, UDP-encapsulated, ESN, GMAC, ICV 12
  cfgs[4].s.outer = 4;
  cfgs[4].inner = 4;
  cfgs[4].s.udp = true;
  cfgs[4].s.esn = true;
  cfgs[4].s.gmac = true;
  cfgs[4].s.icv = 12;
  std::vector<RtCase> cases;
  auto add = [&](size_t cfg, const pkt::PacketSpec& s, const std::string& what, size_t trailing = 0,
                 bool round_trip = true) {
    RtCase k;
    k.cfg = cfg;
    k.plain = pkt::build(s);
    k.expect = k.plain;
    k.plain.insert(k.plain.end(), trailing, uint8_t(0xEE));  // e.g. Ethernet padding: not part of the packet
    k.round_trip = round_trip;
    k.what = cfgs[cfg].name() + " " + what + (trailing ? " + " + std::to_string(trailing) + " trailing bytes" : "");
    cases.push_back(std::move(k));
  };
  for (size_t n : {0u, 1u, 2u, 3u, 33u, 1400u}) {
    pkt::PacketSpec s;
    s.payload_len = n;
    s.seed = static_cast<uint32_t>(n + 5);
    for (size_t opt : {4u, 8u, 12u, 40u}) {
      s.ipv4_options.assign(opt, 0);
      s.ipv4_options[0] = 0x94;  // Router Alert (4 bytes), then EOL padding
      s.ipv4_options[1] = 4;
      add(0, s, "IPv4 options " + std::to_string(opt) + ", payload " + std::to_string(n));
      add(4, s, "IPv4 options " + std::to_string(opt) + ", payload " + std::to_string(n), opt / 4);
    }
    s.ipv4_options.clear();
    s.l4 = pkt::L4::TCP;
    add(0, s, "IPv4 TCP payload " + std::to_string(n), 6);
    add(2, s, "IPv4 TCP payload " + std::to_string(n) + " (4-in-6)", 2);
    s.version = 6;
    s.l4 = pkt::L4::UDP;
    add(1, s, "IPv6 UDP payload " + std::to_string(n), 3);
    add(3, s, "IPv6 UDP payload " + std::to_string(n) + " (6-in-4)", 1);
    const std::vector<std::vector<pkt::ExtHeader>> chains = {
        {{ip::kHopByHop}},
        {{ip::kHopByHop, 2}, {ip::kRouting, 3}},
        {{ip::kRouting}},
        {{ip::kDestOpts}},                         // not walked: inside ESP
        {{ip::kHopByHop}, {ip::kDestOpts, 2}},     // HbH outside, DestOpts inside
        {{ip::kRouting}, {ip::kRouting, 2}},
    };
    for (size_t c = 0; c < chains.size(); ++c) {
      s.ipv6_ext = chains[c];
      add(1, s, "IPv6 ext chain " + std::to_string(c) + ", payload " + std::to_string(n));
      add(2, s, "IPv6 ext chain " + std::to_string(c) + " (tunnel), payload " + std::to_string(n));
    }
    // Transport ESP goes after a Fragment header, which DECRYPT refuses
    // (CONTRACT DECRYPT 1): both sides must agree, no round trip.
    s.ipv6_ext = {{ip::kHopByHop}, {ip::kFragment}};
    add(1, s, "IPv6 HbH+Fragment, payload " + std::to_string(n), 0, false);
    add(2, s, "IPv6 HbH+Fragment (tunnel), payload " + std::to_string(n));
    s.ipv6_ext.clear();
    s.flow_label = 0xABCDE;
    s.tos = 0xB8;
    s.ttl = 1;
    add(2, s, "IPv6 flow label / TC / hop limit 1, payload " + std::to_string(n));
  }
  run_round_trips(GetParam(), cfgs, cases, "special inputs");
}

ESP_EQ_INSTANTIATE(EqRoundTrip);

// The harness itself: a desynchronised model (its tx_seq moved) must be
// reported with the first differing request and byte.
TEST(EqHarness, ReportsTheFirstDifference) {
  Twin t("swemu");
  SaSpec s;
  const SaHandle h = t.add(make_sa(s, Direction::Outbound, 0x77));
  const RunResult ok = t.run({enc(h, inner_packet(4, 10, 3), "in step")}, "in step");
  EXPECT_TRUE(ok.ok());
  t.model().set_tx_seq(h.index, 6);  // the model's next is 7, the card's 2
  EXPECT_NONFATAL_FAILURE(t.run({enc(h, inner_packet(4, 10, 3), "out of step")}, "desync"),
                          "first differing request: #0 (out of step");
  EXPECT_NONFATAL_FAILURE(t.run({enc(h, inner_packet(4, 10, 3), "out of step")}, "desync"),
                          "first difference at byte 27: card 0x03, ref 0x08");
  // The state line the card wrote back (seq = tx_seq 3) against the model's (8).
  EXPECT_NONFATAL_FAILURE(t.counters_match(h, "tx_seq out of step"),
                          "state line (sa_state): card 64 bytes, ref 64 bytes; first difference at byte 0: card 0x03, "
                          "ref 0x08");
  t.model().set_tx_seq(h.index, 3);
  EXPECT_TRUE(t.counters_match(h, "in step"));
  t.model().encrypt(h.index, inner_packet(4, 10, 3));  // the model alone: its counters move
  EXPECT_NONFATAL_FAILURE(t.counters_match(h, "model only"), "packets: card 3, ref 4; bytes: card");
  // An inbound SA's replay ring image: the model's T moved alone.
  const SaHandle in = t.add(make_sa(s, Direction::Inbound, 0x78));
  EXPECT_TRUE(t.counters_match(in, "fresh inbound SA"));
  t.model().set_replay_top(in.index, 70);
  EXPECT_NONFATAL_FAILURE(t.counters_match(in, "model only"),
                          "replay ring (entries of 16 bytes): card 2048 bytes, ref 2048 bytes; first difference at byte 16: "
                          "card 0x00, ref 0x40");
  EXPECT_EQ(bytes_diff({1, 2, 3}, {1, 2, 3, 4}, "a", "b"), "a 3 bytes, b 4 bytes; equal over the first 3 bytes");
  EXPECT_EQ(bytes_diff({1, 2, 3}, {1, 2, 3}, "a", "b"), "");
}

// The suite never skips silently: swemu is always part of it.
TEST(EqBackends, SwemuIsUnderTest) {
  const std::vector<std::string> b = backends_under_test();
  ASSERT_FALSE(b.empty()) << "no backend among {swemu, cosim} is built";
  EXPECT_EQ(b.front(), "swemu") << "the swemu backend is not in driver::available_backends()";
}

}  // namespace
}  // namespace esp::eq
