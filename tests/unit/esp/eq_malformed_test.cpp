// Malformed inbound and outbound packets, card vs reference: every request
// gets the same status and completion fields from both, nothing crashes, and
// the counters agree afterwards. Truncation at every length, truncation with
// the IP/UDP lengths made consistent, bad padding (ESP packets sealed with
// OpenSSL around hand-made trailers), bad inner packets, every single-bit
// flip of whole packets, and wrong IPv4 / IPv6 / UDP lengths.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "eq_harness.hpp"
#include "ref/ip.hpp"

namespace esp::eq {
namespace {

class EqMalformed : public BackendTest {};

// Every prefix (lengths 0..len-1) of an ESP packet of each SA kind, as is and
// with its IP / UDP lengths fixed to the prefix; then the whole packets,
// which must still be fresh (nothing truncated authenticated).
TEST_P(EqMalformed, InboundTruncatedAtEveryLength) {
  Rig rig(GetParam());
  std::vector<Op> ops;
  std::vector<Bytes> whole;
  for (size_t k = 0; k < rig.sa.size(); ++k) {
    SaPair& p = rig.sa[k];
    const Bytes pk = p.next(k * 7 + 5);
    for (size_t len = 0; len < pk.size(); ++len) {
      const Bytes c(pk.begin(), pk.begin() + static_cast<std::ptrdiff_t>(len));
      ops.push_back(dec(c, p.name + ": first " + std::to_string(len) + " of " + std::to_string(pk.size()) + " bytes"));
      Bytes f = c;
      fix_lengths(f);
      if (f != c) {
        ops.push_back(dec(f, p.name + ": " + std::to_string(len) + " bytes, lengths fixed"));
      }
    }
    whole.push_back(pk);
  }
  const size_t first_whole = ops.size();
  for (size_t k = 0; k < whole.size(); ++k) ops.push_back(dec(whole[k], rig.sa[k].name + ": whole packet"));
  const RunResult r = rig.t.run(ops, "inbound truncation");
  ASSERT_EQ(r.ref.size(), ops.size());
  for (size_t i = first_whole; i < ops.size(); ++i) EXPECT_EQ(r.ref[i].status, Status::OK) << ops[i].what;
  rig.t.expect_all_counters("inbound truncation");
}

// Every prefix of plaintext IP packets (IPv4 with options, IPv6 with
// extension headers) through outbound SAs of each mode.
TEST_P(EqMalformed, OutboundTruncatedAtEveryLength) {
  Rig rig(GetParam());
  ref::pkt::PacketSpec v4;
  v4.payload_len = 13;
  v4.ipv4_options.assign(8, 0);
  v4.ipv4_options[0] = 0x94;
  v4.ipv4_options[1] = 4;
  ref::pkt::PacketSpec v6;
  v6.version = 6;
  v6.payload_len = 9;
  v6.ipv6_ext = {{0}, {43, 2}, {44}};  // Hop-by-Hop, Routing, Fragment
  std::vector<Op> ops;
  for (const auto& s : {v4, v6}) {
    const Bytes pk = ref::pkt::build(s);
    for (size_t k : {size_t(0), size_t(1), size_t(2), size_t(3)}) {
      SaPair& p = rig.sa[k];
      for (size_t len = 0; len <= pk.size(); ++len) {
        const Bytes c(pk.begin(), pk.begin() + static_cast<std::ptrdiff_t>(len));
        ops.push_back(enc(p.out, c, p.name + ": IPv" + std::to_string(s.version) + " first " + std::to_string(len) +
                                        " of " + std::to_string(pk.size())));
        Bytes f = c;
        fix_lengths(f);
        if (f != c) ops.push_back(enc(p.out, f, ops.back().what + ", lengths fixed"));
      }
    }
  }
  rig.t.run(ops, "outbound truncation");
  rig.t.expect_all_counters("outbound truncation");
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& b : parts) out.insert(out.end(), b.begin(), b.end());
  return out;
}
Bytes seq_bytes(size_t n, int from = 1) {
  Bytes b;
  for (size_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(from + static_cast<int>(i)));
  return b;
}

// Hand-made trailers (and tunnel payloads) sealed with the SA's key: the
// ICV verifies, the window commits, then the trailer / inner packet decide.
TEST_P(EqMalformed, BadPaddingAndBadInnerPackets) {
  Rig rig(GetParam());
  std::vector<Op> ops;
  for (size_t k : {size_t(0), size_t(1), size_t(2), size_t(5)}) {
    SaPair& p = rig.sa[k];
    const bool tunnel = p.spec.mode == Mode::TUNNEL;
    // Payloads of length = 0, 1, 2, 3 (mod 4): inner packets (tunnel) or
    // transport payloads.
    auto payload = [&](size_t mod4, uint32_t seed) {
      if (!tunnel) return ref::pkt::payload(40 + mod4, seed);
      const size_t hdr = p.inner == 4 ? 28 : 48;
      return p.plain((4 + mod4 - hdr % 4) % 4 + 12, seed);  // IP + UDP + payload, length = mod4 (mod 4)
    };
    const uint8_t nh = tunnel ? (p.inner == 4 ? 4 : 41) : 17;
    const uint8_t nh_other = tunnel ? (p.inner == 4 ? 41 : 4) : 59;
    std::vector<std::pair<std::string, Bytes>> pts;
    const Bytes P0 = payload(0, 1), P1 = payload(1, 2), P2 = payload(2, 3), P3 = payload(3, 4);
    pts.push_back({"valid trailer (control)", with_trailer(P0, nh)});
    pts.push_back({"pad bytes 1,3", cat({P0, {1, 3, 2, nh}})});
    pts.push_back({"pad bytes 2,1", cat({P0, {2, 1, 2, nh}})});
    pts.push_back({"pad bytes 0,0", cat({P0, {0, 0, 2, nh}})});
    pts.push_back({"6 pad bytes 1..6", cat({P0, seq_bytes(6), {6, nh}})});
    pts.push_back({"6 pad bytes, last 0", cat({P0, {1, 2, 3, 4, 5, 0, 6, nh}})});
    pts.push_back({"pad 3 with bytes ..,1,2", cat({P0, {1, 2, 3, nh}})});
    pts.push_back({"pad_len + 2 = length + 1", cat({P0, {1, 2}, {static_cast<uint8_t>(P0.size() + 3), nh}})});
    pts.push_back({"pad_len + 2 = length, payload bytes are not 1..n",
                   cat({P0, {1, 2}, {static_cast<uint8_t>(P0.size() + 2), nh}})});
    pts.push_back({"pad_len 255", cat({P3, seq_bytes(255), {255, nh}})});
    Bytes bad255 = cat({P3, seq_bytes(255), {255, nh}});
    bad255[P3.size() + 127] = 0;
    pts.push_back({"pad_len 255, byte 128 wrong", bad255});
    pts.push_back({"pad_len 254, 1..254", cat({P0, seq_bytes(254), {254, nh}})});
    pts.push_back({"no padding needed", cat({P2, {0, nh}})});
    pts.push_back({"no padding, pad_len 1 claimed", cat({P2, {1, nh}})});
    pts.push_back({"pad 1", cat({P1, {1, 1, nh}})});
    pts.push_back({"pad 1 wrong byte", cat({P1, {2, 1, nh}})});
    pts.push_back({"only padding 1,2", {1, 2, 2, nh}});
    pts.push_back({"only padding 1..6", cat({seq_bytes(6), {6, nh}})});
    pts.push_back({"payload 0,0 and no padding", {0, 0, 0, nh}});
    pts.push_back({"plaintext of 5 bytes (not aligned)", {1, 2, 3, 0, nh}});
    pts.push_back({"plaintext of 2 bytes (not aligned)", {0, nh}});
    pts.push_back({"empty plaintext", {}});
    pts.push_back({"other next header", with_trailer(P0, nh_other)});
    pts.push_back({"next header 0", with_trailer(P0, 0)});
    pts.push_back({"next header 59", with_trailer(P0, 59)});
    if (tunnel) {
      pts.push_back({"inner packet + 8 bytes TFC padding", with_trailer(cat({P0, Bytes(8, 0)}), nh)});
      Bytes longer = P0;  // inner length field beyond the payload
      if (p.inner == 4) ref::put_be16(longer, 2, static_cast<uint16_t>(longer.size() + 4));
      else ref::put_be16(longer, 4, static_cast<uint16_t>(longer.size() - 40 + 4));
      pts.push_back({"inner packet longer than the payload", with_trailer(longer, nh)});
      Bytes v5 = P0;
      v5[0] = static_cast<uint8_t>((5 << 4) | (v5[0] & 0xF));
      pts.push_back({"inner version 5", with_trailer(v5, nh)});
      const Bytes other_version = inner_packet(p.inner == 4 ? 6 : 4, 20, 9);
      pts.push_back({"inner of the other IP version, its next header",
                     with_trailer(other_version, p.inner == 4 ? 41 : 4)});
      pts.push_back({"inner of the other IP version, this next header", with_trailer(other_version, nh)});
      pts.push_back({"inner truncated to 19 bytes", with_trailer(Bytes(P0.begin(), P0.begin() + 19), nh)});
    }
    for (const auto& [what, pt] : pts) {
      const uint64_t q = p.next_seq++;
      const Bytes pk = craft_esp(p.in_cfg, q, pt, p.spec.outer, p.spec.udp);
      ops.push_back(dec(pk, p.name + ": " + what + ", seq " + std::to_string(q)));
      ops.push_back(dec(pk, p.name + ": " + what + " again (window committed?)"));
    }
  }
  const RunResult r = rig.t.run(ops, "bad padding / inner packets");
  size_t bad_pad = 0;
  for (const auto& x : r.ref) bad_pad += x.status == Status::BAD_PADDING;
  EXPECT_GT(bad_pad, 20u);
  rig.t.expect_all_counters("bad padding / inner packets");
}

// Every single-bit flip of a whole packet (headers, SPI, seq, IV,
// ciphertext, ICV); each flip on its own fresh packet (next sequence
// number, same content) so that a flip the ICV does not cover (outer header
// fields) cannot turn the others into replays; then the originals again.
TEST_P(EqMalformed, EveryBitFlipped) {
  Rig rig(GetParam());
  std::vector<Op> ops;
  for (size_t k : {size_t(0), size_t(1), size_t(3), size_t(4)}) {
    SaPair& p = rig.sa[k];
    const size_t len = p.esp(1, 5, 3).size();
    for (size_t bit = 0; bit < len * 8; ++bit) {
      const Bytes pk = p.esp(p.next_seq++, 5, 3);
      Bytes f = pk;
      f[bit / 8] = static_cast<uint8_t>(f[bit / 8] ^ (1u << (bit % 8)));
      ops.push_back(dec(f, p.name + ": bit " + std::to_string(bit % 8) + " of byte " + std::to_string(bit / 8) +
                               " of " + std::to_string(pk.size())));
      if (bit % 61 == 0) ops.push_back(dec(pk, p.name + ": unflipped packet"));
    }
  }
  const RunResult r = rig.t.run(ops, "bit flips");
  size_t auth = 0;
  for (const auto& x : r.ref) auth += x.status == Status::AUTH_FAIL;
  EXPECT_GT(auth, 1000u);
  rig.t.expect_all_counters("bit flips");
}

// Outer lengths that disagree with the data: IPv4 total length and IHL,
// IPv6 payload length, UDP length; trailing bytes; NAT-T port rules.
TEST_P(EqMalformed, WrongLengths) {
  Rig rig(GetParam());
  std::vector<Op> ops;
  for (size_t k : {size_t(0), size_t(1), size_t(2), size_t(3), size_t(4)}) {
    SaPair& p = rig.sa[k];
    const bool v4 = p.spec.outer == 4;
    const size_t ip_hdr = v4 ? 20 : 40;
    // Every variant: a fresh sequence number, the same 17-byte UDP payload
    // (so the same length L), then the edit; the IPv4 checksum made right.
    auto fresh = [&p]() { return p.esp(p.next_seq++, 17, 3); };
    auto variant = [&](const std::string& what, auto edit) {
      Bytes pk = fresh();
      edit(pk);
      if (v4 && pk.size() >= 20 && (pk[0] >> 4) == 4 && (pk[0] & 0xF) >= 5 &&
          pk.size() >= size_t(pk[0] & 0xF) * 4)
        ref::ip::set_ipv4_checksum(pk);
      ops.push_back(dec(pk, p.name + ": " + what));
    };
    const size_t L = fresh().size();
    auto ip_len = [&](Bytes& b, long delta) {
      if (v4) ref::put_be16(b, 2, static_cast<uint16_t>(static_cast<long>(b.size()) + delta));
      else ref::put_be16(b, 4, static_cast<uint16_t>(static_cast<long>(b.size()) - 40 + delta));
    };
    for (long d : {1L, 4L, -1L, -3L, -4L, -8L, -static_cast<long>(L - ip_hdr), -static_cast<long>(L - ip_hdr) + 7,
                   -static_cast<long>(L - ip_hdr) + 8, 1000L}) {
      variant("IP length " + std::to_string(d), [&](Bytes& b) { ip_len(b, d); });
    }
    variant("IP length 0xFFFF", [&](Bytes& b) { ref::put_be16(b, v4 ? 2 : 4, 0xFFFF); });
    variant("IP length 0", [&](Bytes& b) { ref::put_be16(b, v4 ? 2 : 4, 0); });
    variant("6 trailing bytes", [&](Bytes& b) { b.insert(b.end(), {0, 0, 0, 0, 0, 0}); });
    variant("IP length -4 with 4 trailing bytes", [&](Bytes& b) {
      ip_len(b, -4);
      b.insert(b.end(), 4, 0xAA);
    });
    if (v4) {
      for (uint8_t ihl : {uint8_t(0), uint8_t(4), uint8_t(6), uint8_t(15)}) {
        variant("IHL " + std::to_string(ihl), [&](Bytes& b) { b[0] = static_cast<uint8_t>(0x40 | ihl); });
      }
      variant("IPv4 total length 19", [&](Bytes& b) { ref::put_be16(b, 2, 19); });
      Bytes bad_sum = fresh();
      bad_sum[10] ^= 0x55;
      ops.push_back(dec(bad_sum, p.name + ": IPv4 header checksum wrong (not checked)"));
    }
    variant("version 5", [&](Bytes& b) { b[0] = static_cast<uint8_t>(0x50 | (b[0] & 0xF)); });
    variant("version 0", [&](Bytes& b) { b[0] = static_cast<uint8_t>(b[0] & 0xF); });
    variant(v4 ? "version 6 on an IPv4 packet" : "version 4 on an IPv6 packet",
            [&](Bytes& b) { b[0] = static_cast<uint8_t>((v4 ? 0x60 : 0x45)); });
    if (p.spec.udp) {
      const size_t u = ip_hdr;
      const size_t rest = L - ip_hdr;
      for (size_t ul : {size_t(0), size_t(7), size_t(8), size_t(9), size_t(11), size_t(15), size_t(16), size_t(17),
                        rest - 4, rest - 1, rest + 1, size_t(0xFFFF)}) {
        variant("UDP length " + std::to_string(ul), [&](Bytes& b) { ref::put_be16(b, u + 4, static_cast<uint16_t>(ul)); });
      }
      variant("UDP ports 4500 -> 1234", [&](Bytes& b) { ref::put_be16(b, u + 2, 1234); });
      variant("UDP ports 1234 -> 4500", [&](Bytes& b) { ref::put_be16(b, u, 1234); });
      variant("UDP ports 1234 -> 4501", [&](Bytes& b) {
        ref::put_be16(b, u, 1234);
        ref::put_be16(b, u + 2, 4501);
      });
      variant("UDP checksum garbage", [&](Bytes& b) { ref::put_be16(b, u + 6, 0xBEEF); });
    }
  }
  rig.t.run(ops, "wrong lengths");
  rig.t.expect_all_counters("wrong lengths");
}

ESP_EQ_INSTANTIATE(EqMalformed);

}  // namespace
}  // namespace esp::eq
