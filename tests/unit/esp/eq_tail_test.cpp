// The DECRYPT tail's own trailer check and inner parse (issue 14; hw/rtl/
// DATAPATH.md "DECRYPT across descriptors"), card vs reference. A tunnel
// DECRYPT whose sequence number is in its replay top's ring entry goes to
// the tail (esp_batch_tail), which checks its trailer (esp_trailer,
// TR_CHECK) and parses its inner packet (esp_ip_parse, PARSE_IP) on its
// output slot with units of its own, while the head goes on with the next
// descriptors on its units: LOCATE_ESP of every DECRYPT, PARSE_OUT and the
// trailer build of every ENCRYPT (also one that then fails NO_SPACE), the
// trailer check and inner parse of the DECRYPTs it finishes itself
// (transport mode; a sequence number entering another replay ring entry).
//
// Table-driven: every kind of tail DECRYPT (each deciding its status at
// another of the tail's steps: OK with short and long padding, AUTH_FAIL,
// BAD_PADDING, DUMMY, MALFORMED from the next header and from the inner
// parse, NO_SPACE) followed by every pattern of head-side descriptors, one
// run per pattern, 64 B next to 1400 B so that the head's unit jobs land on
// every step of the tail's. Statuses from the contract, and everything
// (status, seq, bytes, counters, state lines, replay rings) against tests/ref.
// A card whose head and tail drive one esp_trailer / esp_ip_parse at the
// same time without arbitration fails here: a start while the unit is busy
// is ignored (one of them waits forever or takes the other's answer: a
// tail DECRYPT gets the head's LOCATE_ESP / PARSE_OUT result or trailer
// build answer, a head ENCRYPT the tail's check).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "eq_harness.hpp"
#include "ref/bytes.hpp"
#include "ref/packets.hpp"

namespace esp::eq {
namespace {

class EqTail : public BackendTest {};

// payload | 1..pad | pad | nh with pad >= min_pad and the plaintext 4-byte aligned.
Bytes padded(const Bytes& payload, size_t min_pad, uint8_t nh) {
  size_t pad = min_pad;
  while ((payload.size() + pad + 2) % 4 != 0) ++pad;
  Bytes b = payload;
  for (size_t i = 1; i <= pad; ++i) b.push_back(static_cast<uint8_t>(i));
  b.push_back(static_cast<uint8_t>(pad));
  b.push_back(nh);
  return b;
}

// One kind of tail DECRYPT: its plaintext (trailer included) from a seed,
// a forged ICV or not, its out_capacity (0: MAX_PKT_BYTES) and the
// contract's status.
struct TailKind {
  const char* what;
  std::function<Bytes(uint32_t seed)> plaintext;
  bool forged;
  int capacity_delta;   // out_capacity = inner length + delta (when use_capacity)
  bool use_capacity;
  Status want;
};

const std::vector<TailKind>& tail_kinds() {
  static const std::vector<TailKind> k = {
      {"OK 20 B", [](uint32_t s) { return padded(inner_packet(4, 20, s), 0, 4); }, false, 0, false, Status::OK},
      {"OK 1400 B", [](uint32_t s) { return padded(inner_packet(4, 1400, s), 0, 4); }, false, 0, false, Status::OK},
      {"OK IPv6 inner", [](uint32_t s) { return padded(inner_packet(6, 60, s), 0, 41); }, false, 0, false,
       Status::OK},
      {"OK pad 252..255 (the check reads 5 words)",
       [](uint32_t s) { return padded(inner_packet(4, 40, s), 252, 4); }, false, 0, false, Status::OK},
      {"AUTH_FAIL", [](uint32_t s) { return padded(inner_packet(4, 30, s), 0, 4); }, true, 0, false,
       Status::AUTH_FAIL},
      {"BAD_PADDING (pad bytes wrong)",
       [](uint32_t s) {
         Bytes b = padded(inner_packet(4, 24, s), 4, 4);
         b[b.size() - 3] ^= 0x40;   // the last pad byte
         return b;
       },
       false, 0, false, Status::BAD_PADDING},
      {"BAD_PADDING (pad length beyond the plaintext)",
       [](uint32_t) { return Bytes{1, 2, 3, 4, 1, 2, 200, 4}; }, false, 0, false, Status::BAD_PADDING},
      {"DUMMY (next header 59)", [](uint32_t s) { return padded(ref::pkt::payload(33, s), 0, spec::NH_NO_NEXT); },
       false, 0, false, Status::DUMMY},
      {"MALFORMED (next header 17)", [](uint32_t s) { return padded(inner_packet(4, 20, s), 0, 17); }, false, 0,
       false, Status::MALFORMED},
      {"MALFORMED (inner truncated to 19 bytes)",
       [](uint32_t s) {
         const Bytes p = inner_packet(4, 20, s);
         return padded(Bytes(p.begin(), p.begin() + 19), 0, 4);
       },
       false, 0, false, Status::MALFORMED},
      {"MALFORMED (inner length beyond the payload)",
       [](uint32_t s) {
         Bytes p = inner_packet(4, 200, s);
         ref::put_be16(p, 2, static_cast<uint16_t>(p.size() + 4));
         return padded(p, 0, 4);
       },
       false, 0, false, Status::MALFORMED},
      {"OK (IPv6 inner behind next header 4: the contract parses it as it is)",
       [](uint32_t s) { return padded(inner_packet(6, 20, s), 0, 4); }, false, 0, false, Status::OK},
      {"NO_SPACE (out_capacity one byte short)", [](uint32_t s) { return padded(inner_packet(4, 300, s), 0, 4); },
       false, -1, true, Status::NO_SPACE},
      {"OK (out_capacity exact)", [](uint32_t s) { return padded(inner_packet(4, 300, s), 0, 4); }, false, 0, true,
       Status::OK},
  };
  return k;
}

// What the head takes behind a tail DECRYPT.
enum class H {
  EncTun,        // ENCRYPT tunnel IPv4 (PARSE_OUT, trailer build), 64 B-ish
  EncTunBig,     // the same, 1400 B
  EncTra6,       // ENCRYPT transport IPv6
  EncNoSpace,    // ENCRYPT out_capacity 0: NO_SPACE after its trailer build started
  DecTun,        // DECRYPT of another tunnel SA (LOCATE_ESP; to the tail too)
  DecTra,        // DECRYPT transport (finished in the head: its trailer check and parse)
  DecCross,      // DECRYPT entering another replay ring entry (finished in the head)
  DecNotEsp,     // DECRYPT of a packet that is not ESP (the head's LOCATE_ESP decides)
  BadOp,         // a bad opcode
};

struct Pattern {
  const char* what;
  std::vector<H> ops;
};

const std::vector<Pattern>& patterns() {
  static const std::vector<Pattern> p = {
      {"tail DECRYPTs back to back", {}},
      {"ENCRYPT tunnel", {H::EncTun}},
      {"ENCRYPT tunnel 1400 B, ENCRYPT transport IPv6", {H::EncTunBig, H::EncTra6}},
      {"ENCRYPT NO_SPACE after its trailer build", {H::EncNoSpace}},
      {"ENCRYPT, ENCRYPT NO_SPACE, ENCRYPT", {H::EncTun, H::EncNoSpace, H::EncTra6}},
      {"DECRYPT of another tunnel SA", {H::DecTun}},
      {"DECRYPT transport (in the head)", {H::DecTra}},
      {"DECRYPT entering another ring entry (in the head)", {H::DecCross}},
      {"not ESP, bad opcode, ENCRYPT", {H::DecNotEsp, H::BadOp, H::EncTun}},
      {"DECRYPT tunnel, ENCRYPT, DECRYPT transport", {H::DecTun, H::EncTun, H::DecTra}},
  };
  return p;
}

// The tail's DECRYPT of every kind behind every pattern of head-side
// descriptors, and the same with the kinds in reverse order (so that each
// kind follows another one).
TEST_P(EqTail, TailTrailerAndParseBesideTheHeadsUnits) {
  const auto& kinds = tail_kinds();
  Twin t(GetParam());
  // the tail's SA (tunnel IPv4 in IPv4), another tunnel SA (IPv6 outer), a
  // transport one, one whose packets jump a ring entry each (window 64)
  SaSpec st;
  const SaConfig tail_cfg = make_sa(st, Direction::Inbound, 0xA100u);
  t.add(tail_cfg);
  Sender tail_snd(make_sa(st, Direction::Outbound, 0xA100u));
  SaSpec so;
  so.outer = 6;
  t.add(make_sa(so, Direction::Inbound, 0xA200u));
  Sender other_snd(make_sa(so, Direction::Outbound, 0xA200u));
  SaSpec sp;
  sp.mode = Mode::TRANSPORT;
  t.add(make_sa(sp, Direction::Inbound, 0xA300u));
  Sender tra_snd(make_sa(sp, Direction::Outbound, 0xA300u));
  SaSpec sx;
  sx.window = 64;
  t.add(make_sa(sx, Direction::Inbound, 0xA400u));
  Sender cross_snd(make_sa(sx, Direction::Outbound, 0xA400u));
  SaSpec se;
  const SaHandle enc_tun = t.add(make_sa(se, Direction::Outbound, 0xA500u));
  SaSpec se6;
  se6.mode = Mode::TRANSPORT;
  se6.outer = 6;
  const SaHandle enc_tra6 = t.add(make_sa(se6, Direction::Outbound, 0xA600u));

  uint64_t tail_seq = 1, other_seq = 1, tra_seq = 1, cross_seq = 1;
  uint32_t seed = 1;
  for (size_t pi = 0; pi < patterns().size(); ++pi) {
    const Pattern& pat = patterns()[pi];
    for (bool reverse : {false, true}) {
      std::vector<RawDesc> ds;
      std::vector<std::pair<size_t, Status>> want;   // tail DECRYPTs: position, contract status
      for (size_t n = 0; n < kinds.size(); ++n) {
        const TailKind& k = kinds[reverse ? kinds.size() - 1 - n : n];
        const uint64_t q = tail_seq++;
        const Bytes pt = k.plaintext(seed++);
        RawDesc d;
        d.op = static_cast<uint8_t>(Opcode::DECRYPT);
        d.data = craft_esp(tail_cfg, q, pt, st.outer);
        if (k.forged) d.data.back() ^= 0x01;
        if (k.use_capacity) {
          const size_t pad = pt[pt.size() - 2];
          d.out_capacity = static_cast<uint32_t>(static_cast<int>(pt.size() - pad - 2) + k.capacity_delta);
        }
        d.what = std::string("tail ") + k.what + ", seq " + std::to_string(q);
        want.push_back({ds.size(), k.want});
        ds.push_back(d);
        for (H h : pat.ops) {
          RawDesc x;
          const uint32_t s = seed++;
          switch (h) {
            case H::EncTun:
            case H::EncTunBig:
            case H::EncNoSpace:
              x.op = static_cast<uint8_t>(Opcode::ENCRYPT);
              x.sa_index = enc_tun.index;
              x.data = inner_packet(4, h == H::EncTunBig ? 1400 : 20 + s % 40, s);
              if (h == H::EncNoSpace) x.out_capacity = 0;
              x.what = h == H::EncNoSpace ? "ENCRYPT out_capacity 0" : "ENCRYPT tunnel";
              break;
            case H::EncTra6:
              x.op = static_cast<uint8_t>(Opcode::ENCRYPT);
              x.sa_index = enc_tra6.index;
              x.data = inner_packet(6, 30 + s % 50, s);
              x.what = "ENCRYPT transport IPv6";
              break;
            case H::DecTun:
              x.data = other_snd.packet(other_seq, inner_packet(6, 20 + s % 100, s));
              x.what = "DECRYPT other tunnel SA seq " + std::to_string(other_seq++);
              break;
            case H::DecTra:
              x.data = tra_snd.packet(tra_seq, inner_packet(4, 20 + s % 60, s));
              x.what = "DECRYPT transport seq " + std::to_string(tra_seq++);
              break;
            case H::DecCross:
              cross_seq += 64;   // a new ring entry each time
              x.data = cross_snd.packet(cross_seq, inner_packet(4, 36, s));
              x.what = "DECRYPT ring crossing seq " + std::to_string(cross_seq);
              break;
            case H::DecNotEsp:
              x.data = inner_packet(4, 40, s);   // UDP / TCP / ICMP: not ESP
              x.what = "DECRYPT of a packet that is not ESP";
              break;
            case H::BadOp:
              x.op = 0x42;
              x.data = inner_packet(4, 10, s);
              x.what = "bad opcode";
              break;
          }
          ds.push_back(x);
        }
      }
      const std::string label = std::string("tail kinds") + (reverse ? " reversed" : "") + ", then " + pat.what;
      const RunResult r = t.run_raw(ds, label);
      ASSERT_EQ(r.card.size(), ds.size()) << label;
      for (const auto& [at, st_want] : want) {
        EXPECT_EQ(r.card[at].status, st_want) << label << ": " << ds[at].what;
      }
      for (size_t i = 0; i < ds.size(); ++i) {
        if (ds[i].op == static_cast<uint8_t>(Opcode::ENCRYPT) && ds[i].out_capacity != 0) {
          EXPECT_EQ(r.card[i].status, Status::OK) << label << ": " << ds[i].what;
        }
        if (ds[i].what.rfind("DECRYPT", 0) == 0 && ds[i].what.find("not ESP") == std::string::npos) {
          EXPECT_EQ(r.card[i].status, Status::OK) << label << ": " << ds[i].what;
        }
      }
      t.expect_all_counters(label);
    }
  }
}

ESP_EQ_INSTANTIATE(EqTail);

}  // namespace
}  // namespace esp::eq
