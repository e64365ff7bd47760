// The card's own copy of its installed SAs (hw/spec/CONTRACT.md "The card's
// own state", "Commands"; the RTL's esp_sa_store): an installed SA's state
// line in card memory changes only when STATE_SYNC (of that SA or of all),
// SA_DELETE or STOP writes it back; SA_INSTALL takes the state line from card
// memory, or keeps the card's with KEEP_STATE; STOP writes every changed
// line, however many, and STOP with KEEP_STATE none. Observed between descriptors of one run (CPL_PROD:
// the descriptors before it and the writes of their commands are complete).
// Every expected value is the contract's: ENCRYPT consumes tx_seq + 1 and
// counts packets++ / bytes += the packet's length per OK packet.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "cosim_card.hpp"

namespace {

using namespace cosim_card;
using spec::Opcode;
using spec::Status;
namespace f = spec::sa_entry::flags_bit;

constexpr uint32_t kNo = spec::NO_SA_INDEX;
constexpr uint16_t kLen = 100;  // the ENCRYPT packets' length

// Publishes ds and clocks the run until every descriptor published so far is complete.
void complete(Card& c, const std::vector<Desc>& ds) {
  c.publish(ds);
  uint64_t polls = 0;
  while (c.cpl_prod() != c.prod()) {
    if (++polls > 2'000'000) throw std::runtime_error("the descriptors do not complete");
  }
}

struct Line {
  uint64_t seq, packets;
};
Line line(Card& c, uint32_t i) { return {c.seq_of(i), c.counter<spec::sa_counters::packets>(i)}; }

// Outbound SAs sas[0..2] with tx_seq 100, 200, 300 in card memory, and the
// ENCRYPT packet (kLen bytes) at pkt_in 0.
void three_outbound(Card& c, const uint32_t (&sas)[3]) {
  for (uint32_t k = 0; k < 3; ++k) {
    c.set_sa(sas[k], {0x3000 + sas[k], f::VALID | f::OUTBOUND | f::TUNNEL, 0, 16, 0, uint8_t(0x30 + k)});
    spec::set<spec::sa_state::seq>(c.state_line(sas[k]), 100 * (k + 1));
  }
  const auto pkt = ipv4(kLen, 6);
  std::memcpy(c.pkt_in(), pkt.data(), pkt.size());
}
Desc enc(uint32_t sa) { return packet(Opcode::ENCRYPT, sa, 0, kLen, 4096, 0); }

// Three outbound SAs (3, 4, 5) with tx_seq 100, 200, 300 in card memory; one
// run, step by step; after each step every line is as the contract says.
TEST(CosimStore, StateLinesWrittenOnlyBySyncDeleteStop) {
  for (double bp : {0.0, 0.4}) {
    SCOPED_TRACE("backpressure " + std::to_string(bp));
    Card c(31, bp, 5);
    const uint32_t sas[] = {3, 4, 5};
    three_outbound(c, sas);
    struct Step {
      std::vector<Desc> ds;
      Line want[3];  // SAs 3, 4, 5 in card memory after the step
      const char* what;
    };
    const std::vector<Step> steps = {
        {{command(Opcode::SA_INSTALL, 3), command(Opcode::SA_INSTALL, 4), command(Opcode::SA_INSTALL, 5)},
         {{100, 0}, {200, 0}, {300, 0}},
         "installed"},
        {{enc(3), enc(4), enc(5), enc(4), enc(5), enc(5)}, {{100, 0}, {200, 0}, {300, 0}}, "packets: nothing written"},
        {{command(Opcode::STATE_SYNC, 4)}, {{100, 0}, {202, 2}, {300, 0}}, "STATE_SYNC(4): only SA 4"},
        {{enc(4), enc(3)}, {{100, 0}, {202, 2}, {300, 0}}, "packets after the sync: nothing written"},
        {{command(Opcode::STATE_SYNC, 6)}, {{100, 0}, {202, 2}, {300, 0}}, "STATE_SYNC of an SA not installed"},
        {{command(Opcode::SA_DELETE, 5)}, {{100, 0}, {202, 2}, {303, 3}}, "SA_DELETE(5) writes SA 5 back"},
        {{command(Opcode::STATE_SYNC, kNo)}, {{102, 2}, {203, 3}, {303, 3}}, "STATE_SYNC(NO_SA_INDEX): all changed"},
        {{command(Opcode::STATE_SYNC, kNo)}, {{102, 2}, {203, 3}, {303, 3}}, "again: nothing changed"},
        {{enc(3), enc(5)}, {{102, 2}, {203, 3}, {303, 3}}, "a packet; SA 5 is not installed"},
    };
    for (size_t s = 0; s < steps.size(); ++s) {
      SCOPED_TRACE(std::string("step ") + std::to_string(s) + ": " + steps[s].what);
      if (s == 0) {
        c.publish(steps[s].ds);
        c.start();
        uint64_t polls = 0;
        while (c.cpl_prod() != c.prod()) ASSERT_LT(++polls, 2'000'000u);
      } else {
        complete(c, steps[s].ds);
      }
      for (uint32_t k = 0; k < 3; ++k) {
        const Line g = line(c, sas[k]);
        EXPECT_EQ(g.seq, steps[s].want[k].seq) << "SA " << sas[k];
        EXPECT_EQ(g.packets, steps[s].want[k].packets) << "SA " << sas[k];
      }
    }
    const uint32_t last = c.prod() - 1;
    EXPECT_EQ(c.cpl(last - 1).status, uint16_t(Status::OK));
    EXPECT_EQ(c.cpl(last - 1).seq, 103u);
    EXPECT_EQ(c.cpl(last).status, uint16_t(Status::SA_DISABLED));
    c.publish({stop()});
    c.wait();
    const Line want[3] = {{103, 3}, {203, 3}, {303, 3}};
    for (uint32_t k = 0; k < 3; ++k) {
      SCOPED_TRACE("after STOP, SA " + std::to_string(sas[k]));
      EXPECT_EQ(line(c, sas[k]).seq, want[k].seq);
      EXPECT_EQ(line(c, sas[k]).packets, want[k].packets);
      EXPECT_EQ(c.counter<spec::sa_counters::bytes>(sas[k]), want[k].packets * kLen);
    }
  }
}

// SA_INSTALL between runs (the entry changed in card memory, and a different
// state line there): with KEEP_STATE of an installed SA the card's seq and
// counters stay, and the new entry is used; without it (or for an SA that
// is not installed) the state line comes from card memory.
TEST(CosimStore, InstallKeepStateOrStateFromCardMemory) {
  const uint8_t K = spec::descriptor::flags_bit::KEEP_STATE;
  struct Row {
    bool delete_first;  // SA_DELETE at the end of run 1 (the SA is not installed)
    uint8_t flags;
    uint64_t want_seq, want_packets;  // the ENCRYPT's seq, packets in the line after STOP
    const char* what;
  };
  // run 1: tx_seq 10 -> 12 (2 packets), written back by STOP (or SA_DELETE);
  // then the host sets spi 0x5555 in the entry and {seq 500, packets 7} in
  // the line
  const std::vector<Row> rows = {
      {false, K, 13, 3, "KEEP_STATE: the card's state (12, 2 packets)"},
      {false, 0, 501, 8, "no KEEP_STATE: the line in card memory"},
      {true, K, 501, 8, "KEEP_STATE of an SA not installed: the line in card memory"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    Card c(33, 0.0, 4);
    c.set_sa(3, {0x3003, f::VALID | f::OUTBOUND | f::TUNNEL, 0, 16, 0, 0x33});
    spec::set<spec::sa_state::seq>(c.state_line(3), 10);
    const auto pkt = ipv4(kLen, 6);
    std::memcpy(c.pkt_in(), pkt.data(), pkt.size());
    const Desc enc = packet(Opcode::ENCRYPT, 3, 0, kLen, 4096, 0);
    std::vector<Desc> run1 = {command(Opcode::SA_INSTALL, 3), enc, enc};
    if (r.delete_first) run1.push_back(command(Opcode::SA_DELETE, 3));
    run1.push_back(stop());
    c.run(run1);
    ASSERT_EQ(c.seq_of(3), 12u);
    spec::set<spec::sa_entry::spi>(c.sa_entry(3), 0x5555u);
    spec::set<spec::sa_state::seq>(c.state_line(3), 500);
    spec::set<spec::sa_counters::packets>(c.state_line(3) + spec::sa_state::counters::offset, 7);
    const uint32_t first = c.first();
    c.run({command(Opcode::SA_INSTALL, 3, 0, 0, r.flags), enc, stop()});
    EXPECT_EQ(c.cpl(first).spi, 0x5555u) << "SA_INSTALL: the new entry's spi";
    const Cpl g = c.cpl(first + 1);
    EXPECT_EQ(g.status, uint16_t(Status::OK));
    EXPECT_EQ(g.spi, 0x5555u) << "the new entry is used";
    EXPECT_EQ(g.seq, r.want_seq);
    EXPECT_EQ(c.seq_of(3), r.want_seq);
    EXPECT_EQ(c.counter<spec::sa_counters::packets>(3), r.want_packets);
  }
}

// STOP with KEEP_STATE (the runtime's runs): nothing is written back, the
// changed state stays on the card across runs (the next run goes on from
// it), and a later STATE_SYNC of all writes it; a plain STOP writes what
// changed since. SAs 3 (changed in runs 1 and 2), 4 (run 1 only) and 5
// (never), tx_seq 100 / 200 / 300 in card memory.
TEST(CosimStore, StopKeepStateWritesNothingBack) {
  const uint8_t K = spec::descriptor::flags_bit::KEEP_STATE;
  Card c(37, 0.0, 6);
  const uint32_t sas[] = {3, 4, 5};
  three_outbound(c, sas);
  const Desc keep_stop = command(Opcode::STOP, kNo, 0, 0, K);
  auto expect_lines = [&](const Line (&want)[3], const char* what) {
    for (uint32_t k = 0; k < 3; ++k) {
      EXPECT_EQ(line(c, sas[k]).seq, want[k].seq) << what << ", SA " << sas[k];
      EXPECT_EQ(line(c, sas[k]).packets, want[k].packets) << what << ", SA " << sas[k];
    }
  };
  c.run({command(Opcode::SA_INSTALL, 3), command(Opcode::SA_INSTALL, 4), command(Opcode::SA_INSTALL, 5), enc(3),
         enc(4), enc(3), keep_stop});
  expect_lines({{100, 0}, {200, 0}, {300, 0}}, "run 1, STOP KEEP_STATE");
  uint32_t first = c.first();
  c.run({enc(3), keep_stop});
  EXPECT_EQ(c.cpl(first).seq, 103u) << "run 2 goes on from the card's state";
  expect_lines({{100, 0}, {200, 0}, {300, 0}}, "run 2, STOP KEEP_STATE");
  EXPECT_EQ(c.cpl(c.first() - 1).status, uint16_t(Status::OK)) << "STOP KEEP_STATE completes OK";
  c.run({command(Opcode::STATE_SYNC, kNo), keep_stop});
  expect_lines({{103, 3}, {201, 1}, {300, 0}}, "STATE_SYNC of all");
  first = c.first();
  c.run({enc(4), stop()});
  EXPECT_EQ(c.cpl(first).seq, 202u);
  expect_lines({{103, 3}, {202, 2}, {300, 0}}, "a plain STOP");
}

// 4096 SAs installed and each changed by one packet: nothing is written
// back before STOP, every line after it.
TEST(CosimStore, ManyDirtySasAllWrittenAtStop) {
  constexpr uint32_t n = 4096;
  Card c(35, 0.0, 14, 16, n);
  for (uint32_t i = 0; i < n; ++i) {
    c.set_sa(i, {0x10000 + i, f::VALID | f::OUTBOUND | f::TUNNEL, 0, 16, 0, uint8_t(i)});
    spec::set<spec::sa_state::seq>(c.state_line(i), uint64_t(i) << 8);
  }
  const auto pkt = ipv4(kLen, 6);
  std::memcpy(c.pkt_in(), pkt.data(), pkt.size());
  std::vector<Desc> ds;
  for (uint32_t i = 0; i < n; ++i) ds.push_back(command(Opcode::SA_INSTALL, i));
  for (uint32_t i = 0; i < n; ++i) ds.push_back(packet(Opcode::ENCRYPT, (i * 7) % n, 0, kLen, 4096, 0));
  c.publish(ds);
  c.start();
  uint64_t polls = 0;
  while (c.cpl_prod() != c.prod()) ASSERT_LT(++polls, 20'000'000u);
  uint32_t bad = 0, unchanged = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (c.cpl(n + i).status != uint16_t(Status::OK)) ++bad;
    if (line(c, i).seq == uint64_t(i) << 8 && line(c, i).packets == 0) ++unchanged;
  }
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(unchanged, n) << "state lines written before STOP";
  c.publish({stop()});
  c.wait(20'000'000);
  uint32_t written = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (line(c, i).seq == (uint64_t(i) << 8) + 1 && line(c, i).packets == 1) ++written;
  }
  EXPECT_EQ(written, n) << "state lines written back by STOP";
  std::printf("STOP with %u changed SAs: run of %llu cycles\n", n, static_cast<unsigned long long>(c.run_cycles()));
}

// An inbound SA's state line and its kept replay ring entries: DECRYPT
// changes neither in card memory until STATE_SYNC of the SA writes both
// (DECRYPT 9 / 11: T = the highest accepted seq, entry (seq / 64) mod N =
// {its bits, seq / 64}). The ESP packets come from ENCRYPT on an outbound
// twin (same key and SPI) in a run before.
TEST(CosimStore, InboundLineAndReplayEntriesAtStateSync) {
  constexpr uint32_t kIn = 1, kOut = 3, kSpi = 0x6006, kWin = 64;
  constexpr uint64_t kSlot = 1024, kDecOut = 32768;
  Card c(37, 0.3, 5);
  c.set_sa(kIn, {kSpi, f::VALID | f::TUNNEL, kWin, 16, 0, 0x66});
  c.set_sa(kOut, {kSpi, f::VALID | f::OUTBOUND | f::TUNNEL, 0, 16, 0, 0x66});
  const auto plain = ipv4(kLen, 6);
  std::memcpy(c.pkt_in(), plain.data(), plain.size());
  const uint32_t n = 6;  // ENCRYPT seqs 1..6
  std::vector<Desc> ds = {command(Opcode::SA_INSTALL, kOut), command(Opcode::SA_INSTALL, kIn)};
  for (uint32_t k = 0; k < n; ++k) ds.push_back(packet(Opcode::ENCRYPT, kOut, 0, kLen, uint32_t(kSlot), k * kSlot));
  ds.push_back(stop());
  c.run(ds);
  std::vector<uint32_t> len(n + 1);
  for (uint32_t k = 0; k < n; ++k) {
    const Cpl g = c.cpl(2 + k);
    ASSERT_EQ(g.status, uint16_t(Status::OK));
    ASSERT_EQ(g.seq, k + 1);
    len[k + 1] = g.out_length;
    std::memcpy(c.pkt_in() + (k + 1) * kSlot, c.pkt_out() + k * kSlot, g.out_length);
  }
  struct Pkt {
    uint64_t seq;
    Status st;
  };
  const std::vector<Pkt> pkts = {{2, Status::OK}, {1, Status::OK}, {5, Status::OK}, {2, Status::REPLAY},
                                 {4, Status::OK}, {6, Status::OK}, {5, Status::REPLAY}};
  std::vector<Desc> dd;
  for (size_t i = 0; i < pkts.size(); ++i) {
    dd.push_back(packet(Opcode::DECRYPT, kIn, pkts[i].seq * kSlot, len[pkts[i].seq], uint32_t(kSlot),
                        kDecOut + i * kSlot, spec::descriptor::flags_bit::USE_SA_INDEX));
  }
  const uint32_t first = c.first();
  c.publish(dd);
  c.start();
  uint64_t polls = 0;
  while (c.cpl_prod() != c.prod()) ASSERT_LT(++polls, 2'000'000u);
  uint64_t bits = 0, T = 0, ok = 0;
  for (size_t i = 0; i < pkts.size(); ++i) {
    const Cpl g = c.cpl(first + uint32_t(i));
    EXPECT_EQ(g.status, uint16_t(pkts[i].st)) << "packet " << i;
    if (pkts[i].st == Status::OK) {
      bits |= uint64_t(1) << pkts[i].seq;
      T = std::max(T, pkts[i].seq);
      ++ok;
    }
  }
  const uint8_t* e0 = c.replay_ring();
  EXPECT_EQ(c.seq_of(kIn), 0u) << "the state line before STATE_SYNC";
  EXPECT_EQ(spec::get<spec::replay_entry::bits>(e0), 0u) << "the replay entry before STATE_SYNC";
  complete(c, {command(Opcode::STATE_SYNC, kIn)});
  EXPECT_EQ(c.seq_of(kIn), T);
  EXPECT_EQ(c.counter<spec::sa_counters::packets>(kIn), ok);
  EXPECT_EQ(c.counter<spec::sa_counters::replay>(kIn), pkts.size() - ok);
  EXPECT_EQ(spec::get<spec::replay_entry::bits>(e0), bits);
  EXPECT_EQ(spec::get<spec::replay_entry::block>(e0), 0u);
  c.publish({stop()});
  c.wait();
}

// A DECRYPT sequence that crosses into the next replay ring entry (seq 64
// with a 64-bit window: entry (seq / 64) mod 2 = 1) goes through the tail
// (hw/rtl/DATAPATH.md "DECRYPT across descriptors"): the old top entry is
// written to card memory at the crossing, the new one stays on chip with the
// state line until STATE_SYNC of the SA writes both; after it, both entries
// and the line are exactly the contract's (DECRYPT 11: the highest accepted
// seq and its entry's bits), in runs published in chunks the ring holds.
TEST(CosimStore, CrossingEntriesAndLineAtStateSync) {
  constexpr uint32_t kIn = 1, kOut = 3, kSpi = 0x7007, kWin = 64, n = 70, kChunk = 16;
  constexpr uint64_t kSlot = 256, kDecOut = 32768;
  Card c(41, 0.3, 5);
  c.set_sa(kIn, {kSpi, f::VALID | f::TUNNEL, kWin, 16, 0, 0x77});
  c.set_sa(kOut, {kSpi, f::VALID | f::OUTBOUND | f::TUNNEL, 0, 16, 0, 0x77});
  const auto plain = ipv4(kLen, 7);
  std::memcpy(c.pkt_in(), plain.data(), plain.size());
  c.publish({command(Opcode::SA_INSTALL, kOut), command(Opcode::SA_INSTALL, kIn)});
  c.start();
  complete(c, {});
  // ENCRYPT seqs 1..n of the one plaintext; each output becomes DECRYPT input seq
  std::vector<uint32_t> len(n + 1);
  for (uint32_t k = 0; k < n; k += kChunk) {
    const uint32_t first = c.prod(), end = std::min(n, k + kChunk);
    std::vector<Desc> ds;
    for (uint32_t j = k; j < end; ++j) ds.push_back(packet(Opcode::ENCRYPT, kOut, 0, kLen, uint32_t(kSlot), j * kSlot));
    complete(c, ds);
    for (uint32_t j = k; j < end; ++j) {
      const Cpl g = c.cpl(first + (j - k));
      ASSERT_EQ(g.status, uint16_t(Status::OK));
      ASSERT_EQ(g.seq, j + 1);
      ASSERT_LE(g.out_length, kSlot);
      len[j + 1] = g.out_length;
      std::memcpy(c.pkt_in() + (j + 1) * kSlot, c.pkt_out() + j * kSlot, g.out_length);
    }
  }
  // DECRYPT 1..n in order, in chunks (the crossing at seq 64 inside one)
  for (uint32_t k = 0; k < n; k += kChunk) {
    const uint32_t first = c.prod(), end = std::min(n, k + kChunk);
    std::vector<Desc> dd;
    for (uint32_t j = k; j < end; ++j) {
      dd.push_back(packet(Opcode::DECRYPT, kIn, (j + 1) * kSlot, len[j + 1], uint32_t(kSlot), kDecOut + j * kSlot,
                          spec::descriptor::flags_bit::USE_SA_INDEX));
    }
    complete(c, dd);
    for (uint32_t j = k; j < end; ++j) EXPECT_EQ(c.cpl(first + (j - k)).status, uint16_t(Status::OK)) << "seq " << j + 1;
  }
  const uint8_t* e0 = c.replay_ring();
  const uint8_t* e1 = e0 + spec::replay_entry::SIZE;
  EXPECT_EQ(c.seq_of(kIn), 0u) << "the state line before STATE_SYNC";
  EXPECT_EQ(spec::get<spec::replay_entry::bits>(e1), 0u) << "T's entry (on chip) before STATE_SYNC";
  complete(c, {command(Opcode::STATE_SYNC, kIn)});
  EXPECT_EQ(c.seq_of(kIn), uint64_t(n));
  EXPECT_EQ(c.counter<spec::sa_counters::packets>(kIn), uint64_t(n));
  EXPECT_EQ(c.counter<spec::sa_counters::replay>(kIn), 0u);
  // entry 0: seqs 1..63 (bit seq % 64), block 0; entry 1: seqs 64..n, block 1
  EXPECT_EQ(spec::get<spec::replay_entry::bits>(e0), ~uint64_t(0) << 1);
  EXPECT_EQ(spec::get<spec::replay_entry::block>(e0), 0u);
  EXPECT_EQ(spec::get<spec::replay_entry::bits>(e1), (uint64_t(1) << (n - 63)) - 1);
  EXPECT_EQ(spec::get<spec::replay_entry::block>(e1), 1u);
  c.publish({stop()});
  c.wait();
}

// KEEP_STATE on an inbound SA: the card's replay top and window stay while
// the new entry (a soft packet limit of 1) is used; without it the state
// line and ring come from card memory (the host zeroed both between runs).
TEST(CosimStore, InboundKeepStateKeepsTheWindow) {
  constexpr uint32_t kIn = 1, kOut = 3, kSpi = 0x7007;
  constexpr uint64_t kSlot = 1024, kDecOut = 32768;
  const uint8_t K = spec::descriptor::flags_bit::KEEP_STATE;
  const uint16_t soft = spec::completion::flags_bit::SOFT_EXPIRED;
  struct Row {
    uint8_t flags;
    Status st2, st3;       // run 2: seq 2 again, then seq 3
    bool soft2, soft3;     // SOFT_EXPIRED on them
    uint64_t T, packets;   // the line after STOP
    const char* what;
  };
  const std::vector<Row> rows = {
      {K, Status::REPLAY, Status::OK, false, true, 3, 2, "KEEP_STATE: seq 2 was seen, T and packets kept"},
      {0, Status::OK, Status::OK, true, true, 3, 2, "no KEEP_STATE: an empty window and line from card memory"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    Card c(39, 0.0, 4);
    c.set_sa(kIn, {kSpi, f::VALID | f::TUNNEL, 64, 16, 0, 0x77});
    c.set_sa(kOut, {kSpi, f::VALID | f::OUTBOUND | f::TUNNEL, 0, 16, 0, 0x77});
    const auto plain = ipv4(kLen, 6);
    std::memcpy(c.pkt_in(), plain.data(), plain.size());
    std::vector<Desc> ds = {command(Opcode::SA_INSTALL, kOut), command(Opcode::SA_INSTALL, kIn)};
    for (uint32_t k = 0; k < 3; ++k) ds.push_back(packet(Opcode::ENCRYPT, kOut, 0, kLen, uint32_t(kSlot), k * kSlot));
    ds.push_back(stop());
    c.run(ds);
    std::vector<uint32_t> len(4);
    for (uint32_t k = 0; k < 3; ++k) {
      ASSERT_EQ(c.cpl(2 + k).status, uint16_t(Status::OK));
      len[k + 1] = c.cpl(2 + k).out_length;
      std::memcpy(c.pkt_in() + (k + 1) * kSlot, c.pkt_out() + k * kSlot, len[k + 1]);
    }
    auto dec = [&](uint64_t seq, uint32_t i) {
      return packet(Opcode::DECRYPT, kIn, seq * kSlot, len[seq], uint32_t(kSlot), kDecOut + i * kSlot,
                    spec::descriptor::flags_bit::USE_SA_INDEX);
    };
    uint32_t first = c.first();
    c.run({dec(2, 0), stop()});
    ASSERT_EQ(c.cpl(first).status, uint16_t(Status::OK));
    ASSERT_EQ(c.seq_of(kIn), 2u);
    // between runs: a soft packet limit in the entry; the line and ring zeroed
    spec::set<spec::sa_entry::soft_packets>(c.sa_entry(kIn), 1);
    std::memset(c.state_line(kIn), 0, spec::sa_state::SIZE);
    std::memset(c.replay_ring(), 0, 2 * spec::replay_entry::SIZE);
    first = c.first();
    c.run({command(Opcode::SA_INSTALL, kIn, 0, 0, r.flags), dec(2, 0), dec(3, 1), stop()});
    const Cpl g2 = c.cpl(first + 1), g3 = c.cpl(first + 2);
    EXPECT_EQ(g2.status, uint16_t(r.st2));
    EXPECT_EQ((g2.flags & soft) != 0, r.soft2);
    EXPECT_EQ(g3.status, uint16_t(r.st3));
    EXPECT_EQ((g3.flags & soft) != 0, r.soft3);
    EXPECT_EQ(c.seq_of(kIn), r.T);
    EXPECT_EQ(c.counter<spec::sa_counters::packets>(kIn), r.packets);
  }
}

}  // namespace
