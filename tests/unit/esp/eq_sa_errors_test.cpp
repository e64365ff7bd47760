// Requests that are not ESP, fragments and IPv6 extension headers, SA
// errors (unknown SPI, wrong direction, deleted / disabled SA, a slot
// reused with a new key), unknown opcodes, and bad outbound input, card vs
// reference. Where the model cannot express a state (an inbound SA whose
// VALID flag is cleared while its SPI stays in the card's table), the card
// is checked against CONTRACT.md directly.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "eq_harness.hpp"
#include "ref/ip.hpp"

namespace esp::eq {
namespace {

class EqSaErrors : public BackendTest {};

TEST_P(EqSaErrors, NotEspAndShortPackets) {
  Rig rig(GetParam());
  std::vector<Op> ops;
  namespace pkt = ref::pkt;
  for (uint8_t v : {uint8_t(4), uint8_t(6)}) {
    const std::string V = "IPv" + std::to_string(v) + " ";
    ops.push_back(dec(pkt::udp(v, 50, 1), V + "UDP, no port 4500"));
    ops.push_back(dec(pkt::tcp(v, 50, 2), V + "TCP"));
    ops.push_back(dec(pkt::icmp(v, 20, 3), V + "ICMP"));
    ops.push_back(dec(wrap_outer(Bytes(24, 7), v, false, 51), V + "AH (protocol 51)"));
    ops.push_back(dec(wrap_outer(Bytes(24, 7), v, false, 59), V + "protocol 59"));
    ops.push_back(dec(wrap_outer({0xFF}, v, true), V + "NAT keepalive"));
    ops.push_back(dec(wrap_outer({0x00}, v, true), V + "1 byte 0x00 over UDP 4500"));
    ops.push_back(dec(wrap_outer({0xFF, 0xFF}, v, true), V + "2 bytes 0xFF over UDP 4500"));
    ops.push_back(dec(wrap_outer({}, v, true), V + "empty UDP 4500"));
    Bytes ike(4, 0);
    ike.insert(ike.end(), 28, 0x21);  // non-ESP marker + an IKE header's worth
    ops.push_back(dec(wrap_outer(ike, v, true), V + "non-ESP marker + IKE"));
    ops.push_back(dec(wrap_outer(Bytes(4, 0), v, true), V + "exactly the non-ESP marker"));
    ops.push_back(dec(wrap_outer(Bytes(3, 0), v, true), V + "3 zero bytes over UDP 4500"));
    ops.push_back(dec(wrap_outer({0, 0, 0, 1, 0, 0, 0, 1}, v, true), V + "SPI 1, 8 bytes over UDP"));
    ops.push_back(dec(wrap_outer({0, 0, 0, 0, 0, 0, 0, 1}, v, false), V + "SPI 0, 8 bytes ESP"));
    ops.push_back(dec(wrap_outer(Bytes(7, 0xA0), v, false), V + "7 ESP bytes"));
    ops.push_back(dec(wrap_outer({}, v, false), V + "no ESP bytes"));
    ops.push_back(dec(Bytes(v == 4 ? 19 : 39, static_cast<uint8_t>(v << 4)), V + "header too short"));
  }
  ops.push_back(dec({}, "empty request"));
  ops.push_back(dec({0x45}, "1 byte"));
  ops.push_back(dec(Bytes(64, 0x00), "version 0"));
  ops.push_back(dec(Bytes(64, 0x55), "version 5"));
  for (SaPair& p : rig.sa) {  // each kind's valid packet with an SPI nobody has
    Bytes pk = p.next(9);
    const size_t esp_off = (p.spec.outer == 4 ? 20 : 40) + (p.spec.udp ? 8 : 0);
    ref::put_be32(pk, esp_off, 0xDEAD0000u + static_cast<uint32_t>(pk.size()));
    ops.push_back(dec(pk, p.name + ": unknown SPI"));
  }
  rig.t.run(ops, "not ESP / short");
  rig.t.expect_all_counters("not ESP / short");
}

// Inserts IPv6 extension headers {type, len8} between the IPv6 header and
// what follows it (Fragment: 8 bytes, atomic).
Bytes insert_ext(const Bytes& pk, const std::vector<std::pair<uint8_t, size_t>>& ext) {
  Bytes hdrs;
  uint8_t next = pk[6];
  for (size_t i = ext.size(); i-- > 0;) {
    const auto [type, len8] = ext[i];
    Bytes h(type == ref::ip::kFragment ? 8 : len8 * 8, 0);
    h[0] = next;
    if (type == ref::ip::kFragment) {
      ref::put_be32(h, 4, 0x12345678);
    } else {
      h[1] = static_cast<uint8_t>(len8 - 1);
      if (type == ref::ip::kRouting) h[2] = 253;
      else {
        h[2] = 1;  // PadN over the rest
        h[3] = static_cast<uint8_t>(h.size() - 4);
      }
    }
    h.insert(h.end(), hdrs.begin(), hdrs.end());
    hdrs = std::move(h);
    next = type;
  }
  Bytes out(pk.begin(), pk.begin() + 40);
  out[6] = next;
  out.insert(out.end(), hdrs.begin(), hdrs.end());
  out.insert(out.end(), pk.begin() + 40, pk.end());
  ref::put_be16(out, 4, static_cast<uint16_t>(out.size() - 40));
  return out;
}

TEST_P(EqSaErrors, FragmentsAndExtensionHeaders) {
  Rig rig(GetParam());
  std::vector<Op> ops;
  for (size_t k : {size_t(0), size_t(2), size_t(4)}) {  // outer IPv4
    SaPair& p = rig.sa[k];
    for (const auto& [what, frag] : std::vector<std::pair<std::string, uint16_t>>{
             {"MF", 0x2000}, {"offset 1", 0x0001}, {"MF + offset", 0x20FF}, {"offset 0x1FFF", 0x1FFF},
             {"DF (not a fragment)", 0x4000}, {"reserved flag bit", 0x8000}}) {
      Bytes pk = p.next(21);
      ref::put_be16(pk, 6, frag);
      ref::ip::set_ipv4_checksum(pk);
      ops.push_back(dec(pk, p.name + ": IPv4 " + what));
    }
  }
  for (size_t k : {size_t(0), size_t(2), size_t(4)}) {  // IPv4 options in front of ESP / UDP
    SaPair& p = rig.sa[k];
    for (size_t opt : {4u, 8u, 40u}) {
      const Bytes pk = p.next(23);
      Bytes o(pk.begin(), pk.begin() + 20);
      o.push_back(0x94);  // Router Alert, then NOPs / EOL
      o.push_back(4);
      o.insert(o.end(), opt - 2, 0);
      o[0] = static_cast<uint8_t>(0x40 | ((20 + opt) / 4));
      o.insert(o.end(), pk.begin() + 20, pk.end());
      ref::put_be16(o, 2, static_cast<uint16_t>(o.size()));
      ref::ip::set_ipv4_checksum(o);
      ops.push_back(dec(o, p.name + ": outer IPv4 with " + std::to_string(opt) + " option bytes"));
    }
  }
  using E = std::vector<std::pair<uint8_t, size_t>>;
  const std::vector<std::pair<std::string, E>> chains = {
      {"HbH", {{0, 1}}},
      {"DestOpts 16", {{60, 2}}},
      {"Routing 24", {{43, 3}}},
      {"HbH + Routing + DestOpts", {{0, 1}, {43, 1}, {60, 4}}},
      {"DestOpts + DestOpts", {{60, 1}, {60, 1}}},
      {"Fragment", {{44, 1}}},
      {"HbH + Fragment", {{0, 1}, {44, 1}}},
      {"Fragment + DestOpts", {{44, 1}, {60, 1}}},
  };
  for (size_t k : {size_t(1), size_t(3), size_t(5)}) {  // outer IPv6
    SaPair& p = rig.sa[k];
    for (const auto& [what, chain] : chains) {
      ops.push_back(dec(insert_ext(p.next(11), chain), p.name + ": IPv6 " + what));
    }
    Bytes over = insert_ext(p.next(11), {{60, 1}});
    over[41] = 200;  // DestOpts claims 1608 bytes
    ops.push_back(dec(over, p.name + ": DestOpts longer than the packet"));
    Bytes cut = insert_ext(p.next(11), {{0, 1}});
    cut.resize(44);
    ref::put_be16(cut, 4, 4);
    ops.push_back(dec(cut, p.name + ": HbH cut short"));
  }
  rig.t.run(ops, "fragments / extension headers");
  rig.t.expect_all_counters("fragments / extension headers");
}

TEST_P(EqSaErrors, SaStates) {
  Rig rig(GetParam());
  Twin& t = rig.t;
  SaPair& a = rig.sa[0];
  SaPair& b = rig.sa[3];
  std::vector<Op> ops;

  // An SPI that only an outbound SA has; an inbound SA used to encrypt.
  SaSpec only_out;
  const SaHandle lone = t.add(make_sa(only_out, Direction::Outbound, 0xB000));
  const RunResult lr = t.run({enc(lone, inner_packet(4, 30, 1), "outbound-only SA")}, "outbound-only encrypt");
  ASSERT_EQ(lr.ref.size(), 1u);
  ASSERT_EQ(lr.ref[0].status, Status::OK);
  ops.push_back(dec(lr.ref[0].data, "SPI of an outbound SA only"));
  ops.push_back(enc(a.in, a.plain(20, 1), "ENCRYPT with an inbound SA"));
  ops.push_back(enc(b.in, b.plain(20, 1), "ENCRYPT with an inbound SA (transport)"));
  // NOP and bytes that are no opcode (3..7 are the commands), with an
  // outbound and an inbound handle.
  for (uint8_t op : {uint8_t(0), uint8_t(8), uint8_t(9), uint8_t(0x7F), uint8_t(0x81), uint8_t(0xFF)}) {
    ops.push_back(Op{static_cast<Opcode>(op), a.out, a.plain(10, op), "opcode " + std::to_string(op)});
    ops.push_back(Op{static_cast<Opcode>(op), b.in, b.next(3), "opcode " + std::to_string(op) + " on ESP"});
  }
  ops.push_back(Op{static_cast<Opcode>(0), a.out, {}, "NOP, empty"});
  t.run(ops, "SA direction / opcodes");
  ops.clear();

  // Delete a's inbound SA: its packets have no SA; re-install the SPI with
  // another key into the same slot: old packets fail, new ones pass.
  const Bytes before = a.next(40);
  t.remove(a.in);
  ops.push_back(dec(before, "inbound SA deleted"));
  t.run(ops, "deleted SA");
  ops.clear();
  SaConfig rekey = a.in_cfg;
  rekey.key = ref::pkt::payload(32, 99);
  a.in = t.add(rekey);
  SaConfig rekey_out = rekey;
  rekey_out.direction = Direction::Outbound;
  rekey_out.tun_src = a.out_cfg.tun_src;
  rekey_out.tun_dst = a.out_cfg.tun_dst;
  Sender fresh(rekey_out);
  ops.push_back(dec(before, "old key into the re-installed slot"));
  ops.push_back(dec(fresh.packet(1, a.plain(30, 5)), "new key, seq 1"));
  ops.push_back(dec(fresh.packet(1, a.plain(30, 5)), "new key, seq 1 again"));
  t.run(ops, "re-installed SA");
  ops.clear();

  // A stale outbound handle is refused by the Engine before the card sees
  // anything (the other requests of that call are not processed either).
  SaSpec gone_spec;
  const SaHandle gone = t.add(make_sa(gone_spec, Direction::Outbound, 0xB001));
  t.remove(gone);
  std::vector<runtime::Request> reqs = {{Opcode::ENCRYPT, b.out, b.plain(5, 1)},
                                        {Opcode::ENCRYPT, gone, a.plain(5, 1)}};
  EXPECT_THROW(t.card().process(reqs), std::invalid_argument);
  ops.push_back(enc(b.out, b.plain(5, 2), "first ENCRYPT after the refused call: seq 1"));

  // The card's VALID flag cleared behind the Engine's back (outbound): the
  // model's slot is removed too; both: SA_DISABLED with sa_index and spi.
  SaPair& c = rig.sa[2];
  t.card_set_valid(c.out, false);
  t.model().remove_sa(c.out.index);
  ops.push_back(enc(c.out, c.plain(10, 1), "outbound SA with VALID cleared"));
  ops.push_back(enc(b.out, b.plain(6, 3), "next request still fine"));
  t.run(ops, "stale handle / disabled outbound SA");
  t.expect_all_counters("SA states");

  // Inbound VALID cleared with its SPI still in the card's table: the model
  // cannot hold this state, so CONTRACT DECRYPT 5 directly: SA_DISABLED,
  // sa_index and spi known, seq the 32-bit header field, no output, no counter.
  SaPair& d = rig.sa[5];
  const Bytes pd = d.next(12);
  const runtime::SaCounters c0 = t.card().counters(d.in);
  t.card_set_valid(d.in, false);
  const std::vector<runtime::Result> rd = t.card().process({{Opcode::DECRYPT, SaHandle{}, pd}});
  t.card_set_valid(d.in, true);
  ASSERT_EQ(rd.size(), 1u);
  EXPECT_EQ(rd[0].status, Status::SA_DISABLED) << "[" << GetParam() << "] " << status_str(rd[0].status);
  EXPECT_EQ(rd[0].sa_index, d.in.index);
  EXPECT_EQ(rd[0].spi, d.in_cfg.spi);
  EXPECT_EQ(rd[0].seq, d.next_seq - 1);
  EXPECT_TRUE(rd[0].data.empty());
  const runtime::SaCounters c1 = t.card().counters(d.in);
  EXPECT_EQ(c0.packets + c0.bytes + c0.auth_fail + c0.replay + c0.bad_packet + c0.soft_events + c0.hard_events,
            c1.packets + c1.bytes + c1.auth_fail + c1.replay + c1.bad_packet + c1.soft_events + c1.hard_events);
  // Re-enabled, the card and the model agree again (the packet is still fresh).
  t.run({dec(pd, "after VALID restored")}, "re-enabled inbound SA");
  t.expect_all_counters("SA states, end");
}

// SA entries the Engine never writes (CONTRACT DECRYPT 5, "unusable SA"),
// made by editing card memory: icv_len not 8/12/16, window_bits not a power
// of two in MIN..MAX_WINDOW_BITS, replay_offset not a multiple of 8, and the
// direction flag flipped. The model refuses such configs, so the card is
// checked against the contract directly: BAD_SA (SA_DISABLED first when
// VALID is clear), sa_index and spi reported, seq = the 32-bit header field
// (DECRYPT) or 0 (ENCRYPT), no output, no counter. Afterwards, restored, the
// card and the model agree again.
TEST_P(EqSaErrors, UnusableSaEntries) {
  namespace e = spec::sa_entry;
  Rig rig(GetParam());
  Twin& t = rig.t;
  struct Edit {
    const char* what;
    size_t pair;
    bool inbound;
    void (*apply)(uint8_t*);
    Status want;
  };
  const Edit edits[] = {
      {"icv_len 10", 0, false, [](uint8_t* m) { spec::set<e::icv_len>(m, 10); }, Status::BAD_SA},
      {"icv_len 0", 0, false, [](uint8_t* m) { spec::set<e::icv_len>(m, 0); }, Status::BAD_SA},
      {"icv_len 32", 2, false, [](uint8_t* m) { spec::set<e::icv_len>(m, 32); }, Status::BAD_SA},
      {"OUTBOUND cleared", 0, false,
       [](uint8_t* m) { spec::set<e::flags>(m, spec::get<e::flags>(m) & ~e::flags_bit::OUTBOUND); }, Status::BAD_SA},
      {"icv_len 10, VALID cleared", 0, false,
       [](uint8_t* m) {
         spec::set<e::icv_len>(m, 10);
         spec::set<e::flags>(m, spec::get<e::flags>(m) & ~e::flags_bit::VALID);
       },
       Status::SA_DISABLED},
      {"icv_len 10", 1, true, [](uint8_t* m) { spec::set<e::icv_len>(m, 10); }, Status::BAD_SA},
      {"icv_len 4", 3, true, [](uint8_t* m) { spec::set<e::icv_len>(m, 4); }, Status::BAD_SA},
      {"window_bits 100", 1, true, [](uint8_t* m) { spec::set<e::window_bits>(m, 100); }, Status::BAD_SA},
      {"window_bits 32", 3, true, [](uint8_t* m) { spec::set<e::window_bits>(m, 32); }, Status::BAD_SA},
      {"window_bits 131072", 3, true, [](uint8_t* m) { spec::set<e::window_bits>(m, 131072); }, Status::BAD_SA},
      {"window_bits 0", 1, true, [](uint8_t* m) { spec::set<e::window_bits>(m, 0); }, Status::BAD_SA},
      {"replay_offset + 4", 3, true,
       [](uint8_t* m) { spec::set<e::replay_offset>(m, spec::get<e::replay_offset>(m) + 4); }, Status::BAD_SA},
      {"OUTBOUND set", 1, true,
       [](uint8_t* m) { spec::set<e::flags>(m, spec::get<e::flags>(m) | e::flags_bit::OUTBOUND); }, Status::BAD_SA},
      {"window_bits 100, VALID cleared", 1, true,
       [](uint8_t* m) {
         spec::set<e::window_bits>(m, 100);
         spec::set<e::flags>(m, spec::get<e::flags>(m) & ~e::flags_bit::VALID);
       },
       Status::SA_DISABLED},
  };
  for (const Edit& ed : edits) {
    SaPair& p = rig.sa[ed.pair];
    const SaHandle h = ed.inbound ? p.in : p.out;
    const std::vector<uint8_t> saved = t.card_entry(h);
    std::vector<uint8_t> img = saved;
    ed.apply(img.data());
    const Bytes pk = ed.inbound ? p.next(10) : p.plain(10, 1);
    const runtime::SaCounters c0 = t.card().counters(h);
    t.card_write_entry(h, img);
    const std::vector<runtime::Result> r =
        t.card().process({{ed.inbound ? Opcode::DECRYPT : Opcode::ENCRYPT, ed.inbound ? SaHandle{} : h, pk}});
    t.card_write_entry(h, saved);
    const std::string what = "[" + GetParam() + "] " + p.name + (ed.inbound ? " inbound: " : " outbound: ") + ed.what;
    ASSERT_EQ(r.size(), 1u) << what;
    EXPECT_EQ(r[0].status, ed.want) << what << ": card says " << status_str(r[0].status);
    EXPECT_EQ(r[0].sa_index, h.index) << what;
    EXPECT_EQ(r[0].spi, p.in_cfg.spi) << what;
    EXPECT_EQ(r[0].seq, ed.inbound ? (p.next_seq - 1) : 0u) << what;
    EXPECT_FALSE(r[0].soft_expired) << what;
    EXPECT_TRUE(r[0].data.empty()) << what;
    const runtime::SaCounters c1 = t.card().counters(h);
    EXPECT_TRUE(c0.packets == c1.packets && c0.bytes == c1.bytes && c0.auth_fail == c1.auth_fail &&
                c0.replay == c1.replay && c0.bad_packet == c1.bad_packet && c0.soft_events == c1.soft_events &&
                c0.hard_events == c1.hard_events)
        << what << ": a counter moved";
    // Restored: the same packet through both sides.
    t.run({ed.inbound ? dec(pk, what + ", restored") : enc(h, pk, what + ", restored")}, what + ", restored");
  }
  t.expect_all_counters("unusable SA entries");
}

TEST_P(EqSaErrors, OutboundInputErrors) {
  Rig rig(GetParam());
  std::vector<Op> ops;
  for (size_t k : {size_t(0), size_t(1), size_t(2), size_t(3)}) {
    SaPair& p = rig.sa[k];
    auto add = [&](const std::string& what, Bytes b) { ops.push_back(enc(p.out, std::move(b), p.name + ": " + what)); };
    const Bytes v4 = inner_packet(4, 33, 3), v6 = inner_packet(6, 33, 3);
    add("empty", {});
    add("1 byte", {0x45});
    add("version 5", Bytes(40, 0x55));
    add("version 0", Bytes(40, 0x05));
    add("IPv4 19 bytes", Bytes(v4.begin(), v4.begin() + 19));
    for (uint8_t ihl : {uint8_t(0), uint8_t(4), uint8_t(6), uint8_t(15)}) {
      Bytes b = v4;
      b[0] = static_cast<uint8_t>(0x40 | ihl);
      add("IHL " + std::to_string(ihl), b);
    }
    for (long d : {1L, 100L, -1L, -4L, -41L, -48L, -49L}) {
      Bytes b = v4;
      ref::put_be16(b, 2, static_cast<uint16_t>(static_cast<long>(b.size()) + d));
      add("IPv4 total length " + std::to_string(d), b);
    }
    add("IPv6 39 bytes", Bytes(v6.begin(), v6.begin() + 39));
    for (long d : {1L, -1L, -41L, -40L}) {
      Bytes b = v6;
      ref::put_be16(b, 4, static_cast<uint16_t>(static_cast<long>(b.size()) - 40 + d));
      add("IPv6 payload length " + std::to_string(d), b);
    }
    add("IPv4 + 5 trailing bytes", [&] {
      Bytes b = v4;
      b.insert(b.end(), 5, 0xEE);
      return b;
    }());
    ref::pkt::PacketSpec s;
    s.version = 6;
    s.payload_len = 4;
    s.ipv6_ext = {{0}};
    Bytes hbh = ref::pkt::build(s);
    hbh[41] = 30;  // Hop-by-Hop claims 248 bytes
    add("IPv6 Hop-by-Hop longer than the packet", hbh);
    s.ipv6_ext = {{43, 1}, {44}};
    Bytes rt = ref::pkt::build(s);
    rt.resize(40 + 8 + 4);
    ref::put_be16(rt, 4, 12);
    add("IPv6 Fragment header cut", rt);
    add("IPv6 only header, payload 0", Bytes(v6.begin(), v6.begin() + 40));
    Bytes big = inner_packet(4, spec::MAX_PKT_BYTES - 28, 3);
    add("9600-byte input", big);
    big.push_back(0);
    add("9601-byte request (refused by the Engine)", big);
    add("after those: a good one", p.plain(64, 4));
  }
  // Inbound: a 9600-byte ESP packet (tunnel, outer IPv4, ICV 16: inner 9546
  // bytes), and 9601 bytes.
  SaPair& a = rig.sa[0];
  const uint64_t q = a.next_seq++;
  const Bytes max_pk = a.esp(q, 9546 - 28, 3);
  EXPECT_EQ(max_pk.size(), spec::MAX_PKT_BYTES);
  ops.push_back(dec(max_pk, "9600-byte ESP packet"));
  Bytes over = max_pk;
  over.push_back(0);
  ops.push_back(dec(over, "9601-byte ESP request"));
  rig.t.run(ops, "outbound input errors");
  rig.t.expect_all_counters("outbound input errors");
}

// Thousands of inbound SAs with random SPIs: the Engine's two-choice SPI
// table (cuckoo moves on insert, erase on delete) read by the card's lookup
// vs the model's map; slots reused after deletes.
TEST_P(EqSaErrors, ManySpis) {
  TwinOptions o;
  o.sa_capacity = 4096;
  o.max_batch = 256;
  Twin t(GetParam(), o);
  std::mt19937 g(7);
  std::set<uint32_t> used;
  auto new_spi = [&] {
    for (;;) {
      const uint32_t v = static_cast<uint32_t>(g());
      if (v != 0 && used.insert(v).second) return v;
    }
  };
  struct In {
    SaConfig cfg;
    SaHandle h;
    uint64_t seq = 0;
    bool live = true;
  };
  std::vector<In> sas;
  SaSpec s;
  s.window = 64;
  auto install = [&](size_t n) {
    for (size_t i = 0; i < n; ++i) {
      In x;
      x.cfg = make_sa(s, Direction::Inbound, new_spi());
      try {
        x.h = t.add(x.cfg);
      } catch (const runtime::SaTableFull&) {
        continue;  // not placed in the card's table: the model never saw it either
      }
      sas.push_back(x);
    }
  };
  auto packet = [](In& x) {
    ++x.seq;
    const Bytes inner = inner_packet(4, x.seq % 5, x.cfg.spi);
    return dec(craft_esp(x.cfg, x.seq, with_trailer(inner, 4)),
               "SPI " + hex64(x.cfg.spi) + " slot " + std::to_string(x.h.index) + " seq " + std::to_string(x.seq));
  };
  auto round = [&](const std::string& label) {
    std::vector<Op> ops;
    for (In& x : sas) ops.push_back(packet(x));
    for (int i = 0; i < 100; ++i) {  // SPIs nobody has
      SaConfig c = make_sa(s, Direction::Inbound, new_spi());
      ops.push_back(dec(craft_esp(c, 1, with_trailer(inner_packet(4, 1, 1), 4)), "unknown SPI " + hex64(c.spi)));
    }
    const RunResult r = t.run(ops, label);
    size_t ok = 0;
    for (const auto& x : r.ref) ok += x.status == Status::OK;
    size_t live = 0;
    for (const In& x : sas) live += x.live;
    EXPECT_EQ(ok, live) << label;
  };
  install(3500);
  EXPECT_GT(sas.size(), 3000u);
  round("3500 SPIs");
  for (size_t i = 0; i < sas.size(); i += 3) {
    t.remove(sas[i].h);
    sas[i].live = false;
  }
  round("after deleting every third");
  install(1100);
  round("after re-filling the freed slots");
  t.expect_all_counters("many SPIs");
}

ESP_EQ_INSTANTIATE(EqSaErrors);

}  // namespace
}  // namespace esp::eq
