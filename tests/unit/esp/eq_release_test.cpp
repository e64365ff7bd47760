// The head lets go of a packet when esp_aead takes its job (issue 14;
// hw/rtl/DATAPATH.md "The process stage across descriptors", "Buffers"),
// card vs reference (tests/ref, every request compared). The card's head
// pops input ticket n as soon as esp_aead has taken its job and parses
// descriptor n+1 (through the header RAM of esp_in_ring) while esp_aead
// still reads packet n with n's ticket; the ring words of n are reused only
// once esp_aead has read them (tunnel ENCRYPT, tunnel DECRYPT in the tail),
// or at the pop (transport ENCRYPT, after the tail copied the header; the
// head's own DECRYPT; every descriptor that fails at the head); the words
// come back in ticket order though the releases do not.
//
// These runs put 64 B packets right behind 9000 B ones (the next header
// parsed while the previous packet is read), tunnel and transport, both
// directions (the card's ENCRYPT outputs go back through DECRYPT); IPv6
// packets whose extension headers reach beyond the header RAM (4 words:
// 256 B), so that the head's parse and header copy read the ring's port
// while esp_aead reads another ticket; failing descriptors between good
// ones (released at their pop, before the 9000 B packet ahead of them has
// been read); and a full ring (more descriptors than the 64 tickets, more
// 9000 B packets than the 1024 words hold). They fail e.g. when a ticket's
// words are freed at its pop (the next packets overwrite a packet esp_aead
// has not read yet: wrong ciphertext or ICV), as shown in the report.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "eq_harness.hpp"
#include "ref/ip.hpp"
#include "ref/packets.hpp"

namespace esp::eq {
namespace {

class EqRelease : public BackendTest {};

namespace pkt = ref::pkt;
namespace ip = ref::ip;

constexpr size_t kBig = 8900;   // payload of a ~9000 B packet
constexpr size_t kSmall = 20;   // payload of a ~64 B packet

// The card's ENCRYPT outputs, as DECRYPTs for its inbound SAs.
std::vector<Op> back_of(const RunResult& r, const std::vector<Op>& ops) {
  std::vector<Op> back;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].op == Opcode::ENCRYPT && r.card[i].status == Status::OK) {
      back.push_back(dec(r.card[i].data, ops[i].what + " back"));
    }
  }
  return back;
}

// 64 B next to 9000 B on every SA kind of the Rig (tunnel and transport,
// IPv4 and IPv6, GCM and GMAC, ESN, UDP), ENCRYPT, then the outputs back
// through DECRYPT in the same order (tunnel DECRYPTs go to the tail).
TEST_P(EqRelease, SmallNextToBig) {
  TwinOptions o;
  o.max_batch = 128;
  Rig g(GetParam(), o);
  const size_t sizes[] = {kBig, kSmall, kSmall, kBig, kBig, kSmall, 1400, kSmall};
  // DECRYPTs from the senders (sequence numbers from 1), 64 B behind 9000 B
  std::vector<Op> rx;
  for (size_t i = 0; i < 36; ++i) {
    SaPair& p = g.sa[i % g.sa.size()];
    const size_t n = sizes[(i + 1) % std::size(sizes)];
    rx.push_back(dec(p.next(n), "#" + std::to_string(i) + " " + p.name + " DECRYPT " + std::to_string(n)));
  }
  const RunResult rr = g.t.run(rx, "small next to big, DECRYPT");
  for (size_t i = 0; i < rr.card.size(); ++i) EXPECT_EQ(rr.card[i].status, Status::OK) << rx[i].what;
  // ENCRYPT (sequence numbers from 0x100000), then the outputs back
  std::vector<Op> ops;
  for (size_t i = 0; i < 48; ++i) {
    SaPair& p = g.sa[(i / 2) % g.sa.size()];
    const size_t n = sizes[i % std::size(sizes)];
    ops.push_back(enc(p.out, p.plain(n, static_cast<uint32_t>(i + 11)),
                      "#" + std::to_string(i) + " " + p.name + " ENCRYPT " + std::to_string(n)));
  }
  const RunResult r = g.t.run(ops, "small next to big");
  for (size_t i = 0; i < r.card.size(); ++i) EXPECT_EQ(r.card[i].status, Status::OK) << ops[i].what;
  const std::vector<Op> back = back_of(r, ops);
  const RunResult rb = g.t.run(back, "small next to big, back");
  for (size_t i = 0; i < rb.card.size(); ++i) EXPECT_EQ(rb.card[i].status, Status::OK) << back[i].what;
  g.t.expect_all_counters("small next to big");
}

// IPv6 extension headers past the header RAM (256 B): transport ENCRYPT
// (the parse walks them, the tail copies the header), tunnel ENCRYPT of such
// an inner packet, and the outputs back (transport: DECRYPT locates ESP
// behind them), each group right behind a 9000 B packet of another SA.
TEST_P(EqRelease, Ipv6ExtensionsBeyondTheHeaderRam) {
  TwinOptions o;
  o.max_batch = 128;
  Rig g(GetParam(), o);
  const std::vector<std::vector<pkt::ExtHeader>> chains = {
      {{ip::kHopByHop, 30}, {ip::kRouting, 4}},                  // 312 B of headers
      {{ip::kHopByHop, 2}, {ip::kRouting, 40}, {ip::kRouting, 20}},  // 528 B
      {{ip::kHopByHop, 27}},                                     // 256 B: the last byte in the RAM
      {{ip::kRouting, 3}},                                       // inside it
  };
  const size_t v6_kinds[] = {1, 3, 5};   // tun6 in6, tra6 UDP, tra6 GMAC
  std::vector<Op> ops;
  uint32_t seed = 100;
  for (size_t c = 0; c < chains.size(); ++c) {
    for (size_t k : v6_kinds) {
      SaPair& big = g.sa[(k + 1) % g.sa.size()];
      ops.push_back(enc(big.out, big.plain(kBig, seed++), big.name + " 9000 B ahead"));
      for (size_t n : {size_t{0}, kSmall, size_t{1400}}) {
        pkt::PacketSpec s;
        s.version = 6;
        s.payload_len = n;
        s.seed = seed++;
        s.ipv6_ext = chains[c];
        SaPair& p = g.sa[k];
        ops.push_back(enc(p.out, pkt::build(s),
                          p.name + " ext chain " + std::to_string(c) + " payload " + std::to_string(n)));
      }
    }
  }
  const RunResult r = g.t.run(ops, "IPv6 extensions");
  for (size_t i = 0; i < r.card.size(); ++i) EXPECT_EQ(r.card[i].status, Status::OK) << ops[i].what;
  // back, in the same order: each group behind a 9000 B DECRYPT of another SA
  const std::vector<Op> back = back_of(r, ops);
  const RunResult rb = g.t.run(back, "IPv6 extensions, back");
  for (size_t i = 0; i < rb.card.size(); ++i) EXPECT_EQ(rb.card[i].status, Status::OK) << back[i].what;
  g.t.expect_all_counters("IPv6 extensions");
}

// Descriptors that fail at the head (released at their pop) right behind
// 9000 B packets esp_aead is still reading, so that the releases come out
// of ticket order: a malformed ENCRYPT input, a DECRYPT of an unknown SPI,
// a bad opcode, an ENCRYPT of an SA index out of range; and DECRYPTs that
// fail later (ICV, replay) in between.
TEST_P(EqRelease, FailuresBetweenGoodOnes) {
  TwinOptions o;
  o.max_batch = 128;
  Rig g(GetParam(), o);
  SaSpec ghost;
  const SaConfig unknown = make_sa(ghost, Direction::Inbound, 0xDEAD0001u);
  std::vector<Op> ops;
  for (size_t i = 0; i < 40; ++i) {
    SaPair& p = g.sa[i % g.sa.size()];
    const std::string tag = "#" + std::to_string(i) + " " + p.name;
    if (i % 2 == 0) {
      ops.push_back(enc(p.out, p.plain(kBig, static_cast<uint32_t>(i)), tag + " ENCRYPT 9000 B"));
    } else {
      ops.push_back(dec(p.next(kBig), tag + " DECRYPT 9000 B"));
    }
    switch (i % 5) {
      case 0: ops.push_back(enc(p.out, Bytes(12, 0x45), tag + " malformed ENCRYPT")); break;
      case 1: ops.push_back(dec(craft_esp(unknown, 5, with_trailer(p.plain(kSmall, 3), 4)), tag + " unknown SPI")); break;
      case 2: ops.push_back(Op{static_cast<Opcode>(0x42), p.out, p.plain(kSmall, 1), tag + " bad opcode"}); break;
      case 3: {
        Bytes bad = p.next(kSmall);
        bad.back() ^= 0x01;   // the ICV
        ops.push_back(dec(bad, tag + " bad ICV"));
        break;
      }
      default: ops.push_back(dec(p.esp(1, kSmall, 9), tag + " replayed")); break;
    }
    ops.push_back(enc(p.out, p.plain(kSmall, static_cast<uint32_t>(i + 500)), tag + " ENCRYPT 64 B"));
  }
  const RunResult r = g.t.run(ops, "failures between good ones");
  g.t.expect_all_counters("failures between good ones");
  const std::vector<Op> back = back_of(r, ops);
  const RunResult rb = g.t.run(back, "failures between good ones, back");
  for (size_t i = 0; i < rb.card.size(); ++i) EXPECT_EQ(rb.card[i].status, Status::OK) << back[i].what;
  g.t.expect_all_counters("failures between good ones, back");
}

// A full ring: bursts of 70 small descriptors (more than the 64 tickets)
// and of 9000 B packets (more than the 1024 words: 141 each), one run.
TEST_P(EqRelease, FullRing) {
  TwinOptions o;
  o.max_batch = 256;
  Rig g(GetParam(), o);
  std::vector<Op> ops;
  for (size_t i = 0; i < 70; ++i) {
    SaPair& p = g.sa[i % 3];
    ops.push_back(enc(p.out, p.plain(kSmall, static_cast<uint32_t>(i)), "small #" + std::to_string(i) + " " + p.name));
  }
  for (size_t i = 0; i < 20; ++i) {
    SaPair& p = g.sa[i % g.sa.size()];
    ops.push_back(enc(p.out, p.plain(kBig, static_cast<uint32_t>(i)), "big #" + std::to_string(i) + " " + p.name));
  }
  for (size_t i = 0; i < 70; ++i) {
    SaPair& p = g.sa[(i % 3) * 2];
    if (i % 7 == 3) ops.push_back(Op{static_cast<Opcode>(0x42), p.out, p.plain(kSmall, 1), "bad opcode"});
    else ops.push_back(dec(p.next(i % 10 == 0 ? kBig : kSmall), "DECRYPT #" + std::to_string(i) + " " + p.name));
  }
  const RunResult r = g.t.run(ops, "full ring");
  const std::vector<Op> back = back_of(r, ops);
  const RunResult rb = g.t.run(back, "full ring, back");
  for (size_t i = 0; i < rb.card.size(); ++i) EXPECT_EQ(rb.card[i].status, Status::OK) << back[i].what;
  g.t.expect_all_counters("full ring");
}

}  // namespace

ESP_EQ_INSTANTIATE(EqRelease);

}  // namespace esp::eq
