// Descriptors the Engine never writes, straight to the card on the same
// device and card memory (Twin::run_raw), against the model's
// RefEngine::process with the same opcode, sa_index, USE_SA_INDEX and
// out_capacity: DECRYPT with USE_SA_INDEX (CONTRACT DECRYPT 4), small
// out_capacity (ENCRYPT 4 / DECRYPT 14: NO_SPACE), in_length 0 and above
// MAX_PKT_BYTES. Misaligned offsets are not modelled: the card is checked
// against CONTRACT "Every descriptor" directly.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "eq_harness.hpp"

namespace esp::eq {
namespace {

class EqRawDesc : public BackendTest {};

constexpr uint8_t kUse = spec::descriptor::flags_bit::USE_SA_INDEX;
constexpr uint8_t kDec = static_cast<uint8_t>(Opcode::DECRYPT);
constexpr uint8_t kEnc = static_cast<uint8_t>(Opcode::ENCRYPT);

RawDesc raw(uint8_t op, uint8_t flags, uint32_t sa, Bytes data, std::string what,
            uint32_t cap = spec::MAX_PKT_BYTES) {
  RawDesc d;
  d.op = op;
  d.flags = flags;
  d.sa_index = sa;
  d.data = std::move(data);
  d.out_capacity = cap;
  d.what = std::move(what);
  return d;
}

TEST_P(EqRawDesc, DecryptWithUseSaIndex) {
  Rig rig(GetParam());
  Twin& t = rig.t;
  const uint32_t cap = t.card().options().sa_capacity;
  std::vector<RawDesc> ds;
  for (size_t k = 0; k < rig.sa.size(); ++k) {
    SaPair& p = rig.sa[k];
    SaPair& other = rig.sa[(k + 1) % rig.sa.size()];
    const Bytes pk = p.next(10);
    ds.push_back(raw(kDec, kUse, p.in.index, pk, p.name + ": its own slot"));
    ds.push_back(raw(kDec, kUse, p.in.index, pk, p.name + ": its own slot again"));
    ds.push_back(raw(kDec, kUse, other.in.index, p.next(11), p.name + ": another inbound SA's slot"));
    ds.push_back(raw(kDec, kUse, p.out.index, p.next(12), p.name + ": the outbound SA with its SPI"));
    ds.push_back(raw(kDec, kUse, cap, p.next(13), p.name + ": slot = capacity"));
    ds.push_back(raw(kDec, kUse, spec::NO_SA_INDEX, p.next(14), p.name + ": slot 0xFFFFFFFF"));
    ds.push_back(raw(kDec, kUse, cap - 1, p.next(15), p.name + ": a slot never used"));
    ds.push_back(raw(kDec, 0, spec::NO_SA_INDEX, p.next(16), p.name + ": no USE_SA_INDEX, sa_index ignored"));
    const Bytes whole = p.next(16);
    ds.push_back(raw(kDec, kUse, p.in.index, Bytes(whole.begin(), whole.begin() + 30),
                     p.name + ": truncated (MALFORMED before the lookup)"));
    ds.push_back(raw(kDec, static_cast<uint8_t>(kUse | 0xFE), p.in.index, p.next(17), p.name + ": other flag bits set"));
  }
  t.run_raw(ds, "USE_SA_INDEX");
  ds.clear();
  // An inbound SA whose VALID flag is cleared (its SPI kept: the model's
  // remove_sa is exactly that for USE_SA_INDEX): SA_DISABLED.
  SaPair& p = rig.sa[1];
  t.card_set_valid(p.in, false);
  t.model().remove_sa(p.in.index);
  ds.push_back(raw(kDec, kUse, p.in.index, p.next(20), p.name + ": VALID cleared"));
  ds.push_back(raw(kDec, kUse, p.in.index, Bytes(30, 0x45), p.name + ": VALID cleared, malformed"));
  t.run_raw(ds, "USE_SA_INDEX on a disabled SA");
  t.expect_all_counters("USE_SA_INDEX");
}

// Engine::delete_sa zeroes the whole entry (SPI 0 included). CONTRACT
// DECRYPT 4 with USE_SA_INDEX then compares the packet's SPI with 0.
// (RefEngine::remove_sa keeps the slot's SPI instead, so it would say
// SA_DISABLED for the first request: the two cannot mirror each other here,
// the card is checked against the contract for the memory the runtime wrote.)
TEST_P(EqRawDesc, UseSaIndexOnADeletedSlot) {
  Rig rig(GetParam());
  Twin& t = rig.t;
  SaPair& p = rig.sa[0];
  const Bytes pk = p.next(10);
  const uint32_t slot = p.in.index;
  t.remove(p.in);
  Bytes spi0 = pk;
  ref::put_be32(spi0, 20, 0);
  const std::vector<Result> r = t.run_raw_card(
      {raw(kDec, kUse, slot, pk, "deleted slot, the SA's SPI"), raw(kDec, kUse, slot, spi0, "deleted slot, SPI 0")},
      "USE_SA_INDEX on a deleted slot");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, Status::UNKNOWN_SPI) << status_str(r[0].status);
  EXPECT_EQ(r[0].sa_index, spec::NO_SA_INDEX);
  EXPECT_EQ(r[0].spi, p.in_cfg.spi);
  EXPECT_EQ(r[1].status, Status::SA_DISABLED) << status_str(r[1].status);
  EXPECT_EQ(r[1].sa_index, slot);
  EXPECT_EQ(r[1].spi, 0u);
  t.expect_all_counters("deleted slot");
}

// out_capacity below, at and above the output length, both directions.
TEST_P(EqRawDesc, OutCapacity) {
  TwinOptions o;
  o.max_batch = 128;
  Rig rig(GetParam(), o);
  Twin& t = rig.t;
  std::vector<RawDesc> ds;
  for (size_t k = 0; k < rig.sa.size(); ++k) {
    SaPair& p = rig.sa[k];
    const Bytes plain = p.plain(50 + k, 3);
    // The output lengths, from a scratch model.
    ref::RefEngine scratch(1);
    SaConfig oc = p.out_cfg;
    oc.seq_start = 1;
    scratch.add_sa(oc);
    const uint32_t enc_len = static_cast<uint32_t>(scratch.encrypt(0, plain).data.size());
    const uint32_t dec_len = static_cast<uint32_t>(plain.size());
    for (uint32_t cap : {0u, 1u, enc_len - 1, enc_len, enc_len + 1, 9664u, 0xFFFFFFFFu}) {
      ds.push_back(raw(kEnc, 0, p.out.index, plain, p.name + ": ENCRYPT capacity " + std::to_string(cap), cap));
    }
    for (uint32_t cap : {0u, dec_len - 1, dec_len, dec_len + 1}) {
      const uint64_t q = p.next_seq++;
      const Bytes pk = p.snd->packet(q, plain);
      ds.push_back(raw(kDec, 0, 0, pk, p.name + ": DECRYPT capacity " + std::to_string(cap), cap));
      ds.push_back(raw(kDec, 0, 0, pk, p.name + ": the same again (committed?)"));
    }
  }
  t.run_raw(ds, "out_capacity");
  t.expect_all_counters("out_capacity");
}

// CONTRACT "Every descriptor": opcode, then offsets and in_length.
TEST_P(EqRawDesc, DescriptorChecks) {
  Rig rig(GetParam());
  Twin& t = rig.t;
  SaPair& p = rig.sa[0];
  const uint32_t cap = t.card().options().sa_capacity;
  // Modelled: in_length 0 / above MAX_PKT_BYTES, opcodes, SA index range.
  std::vector<RawDesc> ds;
  RawDesc big = raw(kDec, 0, 0, p.next(10), "in_length 9601");
  big.in_length = spec::MAX_PKT_BYTES + 1;
  ds.push_back(big);
  RawDesc zero = raw(kDec, 0, 0, p.next(10), "in_length 0");
  zero.in_length = 0;
  ds.push_back(zero);
  RawDesc ezero = raw(kEnc, 0, p.out.index, p.plain(10, 1), "ENCRYPT in_length 0");
  ezero.in_length = 0;
  ds.push_back(ezero);
  RawDesc cut = raw(kDec, 0, 0, p.next(10), "in_length shorter than the packet");
  cut.in_length = static_cast<int64_t>(cut.data.size()) - 5;
  ds.push_back(cut);
  ds.push_back(raw(kEnc, 0, cap, p.plain(10, 1), "ENCRYPT sa_index = capacity"));
  ds.push_back(raw(kEnc, 0, spec::NO_SA_INDEX, p.plain(10, 1), "ENCRYPT sa_index 0xFFFFFFFF"));
  ds.push_back(raw(kEnc, 0, cap - 1, p.plain(10, 1), "ENCRYPT on a never-used slot"));
  ds.push_back(raw(kEnc, kUse, p.out.index, p.plain(10, 1), "ENCRYPT with USE_SA_INDEX (flag unused)"));
  for (uint8_t op : {uint8_t(0), uint8_t(8), uint8_t(0xFF)}) {  // NOP and no opcode (3..7 are commands)
    RawDesc b = raw(op, kUse, p.in.index, p.next(10), "opcode " + std::to_string(op));
    b.in_length = 0;  // opcode is checked first
    ds.push_back(b);
  }
  t.run_raw(ds, "descriptor checks");

  // Not modelled: misaligned offsets -> MALFORMED, nothing else filled,
  // unless the opcode is bad (BAD_OPCODE first).
  struct Shift {
    uint8_t op;
    uint32_t in_shift, out_shift;
    Status want;
  };
  const Shift shifts[] = {{kDec, 1, 0, Status::MALFORMED},  {kDec, 32, 0, Status::MALFORMED},
                          {kDec, 63, 0, Status::MALFORMED}, {kDec, 0, 8, Status::MALFORMED},
                          {kEnc, 4, 0, Status::MALFORMED},  {kEnc, 0, 60, Status::MALFORMED},
                          {kEnc, 16, 16, Status::MALFORMED}, {0x33, 1, 1, Status::BAD_OPCODE}};
  std::vector<RawDesc> ms;
  for (const Shift& s : shifts) {
    RawDesc d = raw(s.op, 0, p.out.index, s.op == kDec ? p.next(10) : p.plain(10, 1),
                    "op " + std::to_string(s.op) + " in+" + std::to_string(s.in_shift) + " out+" +
                        std::to_string(s.out_shift));
    d.in_shift = s.in_shift;
    d.out_shift = s.out_shift;
    ms.push_back(d);
  }
  const std::vector<Result> r = t.run_raw_card(ms, "misaligned offsets");
  ASSERT_EQ(r.size(), ms.size());
  for (size_t i = 0; i < r.size(); ++i) {
    const std::string what = "[" + GetParam() + "] " + ms[i].what;
    EXPECT_EQ(r[i].status, shifts[i].want) << what << ": card " << status_str(r[i].status);
    EXPECT_EQ(r[i].sa_index, spec::NO_SA_INDEX) << what;
    EXPECT_EQ(r[i].spi, 0u) << what;
    EXPECT_EQ(r[i].seq, 0u) << what;
    EXPECT_FALSE(r[i].soft_expired) << what;
  }
  // Nothing moved: the next packets agree with the model (seq, counters).
  t.run({enc(p.out, p.plain(10, 2), "after misaligned descriptors"), dec(p.next(10), "after misaligned")},
        "after misaligned descriptors");
  EXPECT_TRUE(t.run_raw_card({}, "empty kernel run").empty());
  t.expect_all_counters("descriptor checks");
}

ESP_EQ_INSTANTIATE(EqRawDesc);

}  // namespace
}  // namespace esp::eq
