// The RTL engine's front end (esp_fetch: the descriptor stream, the packet
// reads, the input ring) on the harness alone, every expected value from the
// contract (hw/spec/CONTRACT.md "A run and its ring") and the OpenSSL
// reference (tests/ref RefEngine: completions and output bytes): many packet
// reads in flight and descriptors read far ahead (the AXI slave's read
// watches over the input packets and the descriptor ring), DESC_PROD
// advanced while a run goes on, a STOP with published descriptors behind it
// in the same read, the descriptor ring wrapping (also 8-byte but not
// 32-byte aligned: descriptors across two bus beats), and 64 B packets mixed
// with 1500 B and 9000 B ones, ENCRYPT (its trailer written behind the
// packet in the input buffer) and DECRYPT, over many laps of the input ring.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "cosim_card.hpp"
#include "ref/esp_ref.hpp"
#include "ref/packets.hpp"

namespace {

using namespace cosim_card;
using esp::ref::Bytes;
using esp::ref::RefEngine;
using spec::Opcode;
using spec::Status;
namespace f = spec::sa_entry::flags_bit;
namespace pkt = esp::ref::pkt;

constexpr uint32_t kOut = 1;   // outbound tunnel SA (ENCRYPT)
constexpr uint32_t kIn = 2;    // inbound tunnel SA (DECRYPT with USE_SA_INDEX)
constexpr uint64_t kBufBytes = 1 << 20;

esp::runtime::SaConfig sa_config(uint32_t spi, bool outbound, uint8_t key_seed) {
  esp::runtime::SaConfig s;
  s.spi = spi;
  s.direction = outbound ? esp::runtime::Direction::Outbound : esp::runtime::Direction::Inbound;
  s.mode = spec::Mode::TUNNEL;
  s.key.resize(32);
  for (size_t i = 0; i < s.key.size(); ++i) s.key[i] = uint8_t(key_seed + 13 * i);
  s.salt = {uint8_t(key_seed), 0x5A, 0xC3, 0x01};
  s.icv_len = 16;
  s.window_bits = 1024;
  s.tun_src = pkt::v4(192, 0, 2, 1);
  s.tun_dst = pkt::v4(198, 51, 100, 7);
  s.ttl = 61;
  return s;
}

// The SA table entry of a config (CONTRACT.md, esp_spec.yaml sa_entry).
void write_entry(Card& c, uint32_t index, const esp::runtime::SaConfig& s) {
  uint8_t* e = c.sa_entry(index);
  std::memset(e, 0, spec::sa_entry::SIZE);
  uint32_t flags = f::VALID | f::TUNNEL | f::AES256;
  if (s.direction == esp::runtime::Direction::Outbound) flags |= f::OUTBOUND;
  spec::set<spec::sa_entry::spi>(e, s.spi);
  spec::set<spec::sa_entry::flags>(e, flags);
  spec::set<spec::sa_entry::window_bits>(e, s.direction == esp::runtime::Direction::Inbound ? s.window_bits : 0u);
  spec::set<spec::sa_entry::icv_len>(e, s.icv_len);
  spec::set<spec::sa_entry::ttl>(e, s.ttl);
  std::memcpy(e + spec::sa_entry::salt::offset, s.salt.data(), s.salt.size());
  std::memcpy(e + spec::sa_entry::key::offset, s.key.data(), s.key.size());
  std::memcpy(e + spec::sa_entry::tun_src::offset, s.tun_src.bytes.data(), 4);
  std::memcpy(e + spec::sa_entry::tun_dst::offset, s.tun_dst.bytes.data(), 4);
}

uint64_t align64(uint64_t n) { return (n + 63) & ~uint64_t(63); }

// One descriptor of a test and what the reference says of it.
struct Item {
  Desc d;
  bool packet = false;
  esp::ref::Output want;
};

// The card, the reference beside it, a peer that encrypts the DECRYPT
// inputs, and bump allocators over the packet buffers.
class Front {
 public:
  Front(uint64_t seed, double bp, unsigned ring_log2, unsigned latency, uint32_t skew)
      : c(seed, bp, ring_log2, latency, Card::kCapacity, kBufBytes, skew), ref(Card::kCapacity), peer(4) {
    const auto out = sa_config(0x0A000001, true, 0x11);
    const auto in = sa_config(0x0B000002, false, 0x77);
    auto in_peer = in;
    in_peer.direction = esp::runtime::Direction::Outbound;
    write_entry(c, kOut, out);
    write_entry(c, kIn, in);
    ref.add_sa_at(kOut, out);
    ref.add_sa_at(kIn, in);
    peer.add_sa_at(0, in_peer);
    pkt_desc_ = c.sim().mem_slave().watch(c.pkt_in_addr(), c.pkt_in_addr() + kBufBytes);
    ring_desc_ = c.sim().mem_slave().watch(c.desc_ring_addr(), c.desc_ring_addr() + c.desc_ring_bytes());
  }

  Item install(uint32_t sa) { return {command(Opcode::SA_INSTALL, sa), false, {}}; }
  Item stop_item() { return {stop(), false, {}}; }

  // An ENCRYPT of an IPv4 UDP packet of `len` bytes on the outbound SA, or a
  // DECRYPT (USE_SA_INDEX) on the inbound SA of the peer's encryption of one.
  // The reference decides it now: items are decided in the order they are made.
  Item packet_item(bool encrypt, size_t len, uint32_t seed) {
    Bytes p = pkt::udp(4, len - 28, seed);
    if (!encrypt) p = peer.encrypt(0, p).data;
    const uint64_t in_off = take(in_used_, p.size());
    const uint32_t cap = uint32_t(align64(p.size() + spec::MAX_ENCAP_OVERHEAD));
    const uint64_t out_off = take(out_used_, cap);
    std::memcpy(c.pkt_in() + in_off, p.data(), p.size());
    Item it;
    it.packet = true;
    if (encrypt) {
      it.d = packet(Opcode::ENCRYPT, kOut, in_off, uint32_t(p.size()), cap, out_off);
      it.want = ref.encrypt(kOut, p, cap);
    } else {
      it.d = packet(Opcode::DECRYPT, 0, in_off, uint32_t(p.size()), cap, out_off,
                    spec::descriptor::flags_bit::USE_SA_INDEX);
      spec::set<spec::descriptor::sa_index>(it.d.b, kIn);
      it.want = ref.decrypt_with_sa(kIn, p, cap);
    }
    return it;
  }

  // Publishes items[from..to) while the run goes on, at most `chunk` at a
  // time and never more than the ring ahead of CPL_PROD, until CPL_PROD
  // reaches `until`; checks each completion as CPL_PROD passes it (before
  // its ring slot can be used again: item k is descriptor k) and records how
  // far the card read ahead meanwhile. Returns the next item not published.
  size_t drive(const std::vector<Item>& items, size_t from, size_t to, uint32_t base, uint32_t until,
               size_t chunk) {
    size_t next = from;
    uint64_t polls = 0;
    for (;;) {
      const uint32_t done = c.cpl_prod();
      const uint64_t read = c.sim().mem_slave().watched(ring_desc_).bytes / spec::descriptor::SIZE;
      // descriptors asked for beyond the completed ones (the reads of this run)
      peak_ahead = std::max<int64_t>(peak_ahead, int64_t(read) - int64_t(read_before_) - int64_t(done - base));
      check_upto(items, done);
      if (done == until) break;
      std::vector<Desc> ds;
      while (next < to && ds.size() < chunk && c.prod() + ds.size() - done < c.ring_size()) {
        ds.push_back(items[next++].d);
      }
      if (!ds.empty()) c.publish(ds);
      c.sim().step(8);
      if (++polls > 2'000'000u) throw std::runtime_error("CPL_PROD stays at " + std::to_string(done));
    }
    return next;
  }
  void run_start() {
    read_before_ = c.sim().mem_slave().watched(ring_desc_).bytes / spec::descriptor::SIZE;
    c.start();
  }

  // Checks the completions of the items before `done` not yet checked.
  void check_upto(const std::vector<Item>& items, uint32_t done) {
    for (; checked_ < done && checked_ < items.size(); ++checked_) check(items, checked_, uint32_t(checked_));
  }
  size_t checked() const { return checked_; }

  // Completion and output of items[k] (descriptor index `index`).
  void check(const std::vector<Item>& items, size_t k, uint32_t index) {
    const Item& it = items[k];
    const Cpl g = c.cpl(index);
    SCOPED_TRACE("descriptor " + std::to_string(index) + " (item " + std::to_string(k) + ")");
    if (!it.packet) {
      EXPECT_EQ(g.status, uint16_t(Status::OK));
      return;
    }
    const auto& w = it.want;
    ASSERT_EQ(g.status, uint16_t(w.status));
    EXPECT_EQ(g.sa_index, w.sa_index);
    EXPECT_EQ(g.spi, w.spi);
    EXPECT_EQ(g.seq, w.seq);
    EXPECT_EQ(g.out_offset, spec::get<spec::descriptor::out_offset>(it.d.b));
    ASSERT_EQ(g.out_length, uint32_t(w.data.size()));
    EXPECT_TRUE(std::equal(w.data.begin(), w.data.end(), c.pkt_out() + g.out_offset)) << "output bytes differ";
  }

  size_t packet_reads_peak() { return c.sim().mem_slave().watched(pkt_desc_).peak; }

  Card c;
  RefEngine ref, peer;
  int64_t peak_ahead = 0;

 private:
  uint64_t take(uint64_t& used, uint64_t n) {
    const uint64_t at = used;
    used += align64(n);
    if (used > kBufBytes) throw std::logic_error("test: packet buffer too small");
    return at;
  }
  uint64_t in_used_ = 0, out_used_ = 0, read_before_ = 0;
  size_t checked_ = 0;
  size_t pkt_desc_ = 0, ring_desc_ = 0;
};

// 600 ENCRYPTs of 64 B at read latency 64: the front end keeps >= 32 packet
// reads in flight and reads >= 256 descriptors ahead of CPL_PROD.
TEST(CosimFront, ManyPacketReadsInFlightAndDescriptorsFarAhead) {
  Front t(5, 0.0, 10, 64, 0);
  std::vector<Item> items = {t.install(kOut)};
  for (uint32_t k = 0; k < 600; ++k) items.push_back(t.packet_item(true, 64, k));
  items.push_back(t.stop_item());
  t.c.publish([&] {
    std::vector<Desc> ds;
    for (const Item& it : items) ds.push_back(it.d);
    return ds;
  }());
  t.run_start();
  t.drive(items, items.size(), items.size(), 0, uint32_t(items.size()), 1);
  t.c.wait();
  EXPECT_EQ(t.checked(), items.size());
  std::printf("600 x 64 B ENCRYPT, latency 64: %zu input packet reads in flight at most, %lld descriptors read "
              "ahead of CPL_PROD at most, %llu cycles\n",
              t.packet_reads_peak(), static_cast<long long>(t.peak_ahead),
              static_cast<unsigned long long>(t.c.run_cycles()));
  EXPECT_GE(t.packet_reads_peak(), 32u) << "input packet reads in flight at once";
  EXPECT_GE(t.peak_ahead, 256) << "descriptors read ahead of CPL_PROD";
}

// A ring smaller than the run, DESC_PROD advanced in small steps while the
// run goes on, a STOP in the middle with descriptors published behind it
// (read with it, not taken: CPL_PROD stops after it, and the next run
// decides them with the sequence numbers the reference gives), ENCRYPT and
// DECRYPT of 64 B.
TEST(CosimFront, LiveDescProdRingWrapAndStopInARead) {
  struct Row {
    unsigned ring_log2, latency;
    uint32_t skew;
    double bp;
    size_t chunk;
    const char* what;
  };
  const std::vector<Row> rows = {
      {5, 64, 0, 0.0, 3, "32-slot ring, 3 at a time"},
      {6, 32, 40, 0.0, 7, "64-slot ring 40 bytes into its buffer (descriptors across beats)"},
      {4, 48, 8, 0.3, 5, "16-slot ring, backpressure 0.3"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    Front t(7, r.bp, r.ring_log2, r.latency, r.skew);
    // run 1: 150 packets and a STOP; run 2 (decided after it): 10 more and
    // a STOP, its first ones published behind run 1's STOP while run 1 goes on
    std::vector<Item> all = {t.install(kOut), t.install(kIn)};
    for (uint32_t k = 0; k < 150; ++k) all.push_back(t.packet_item(k % 3 != 1, 64, 100 + k));
    all.push_back(t.stop_item());
    const uint32_t end1 = uint32_t(all.size());
    for (uint32_t k = 0; k < 10; ++k) all.push_back(t.packet_item(k % 2 == 0, 64, 300 + k));
    all.push_back(t.stop_item());

    t.run_start();
    const size_t next = t.drive(all, 0, end1 + 6, 0, end1, r.chunk);
    t.c.wait();
    EXPECT_EQ(t.c.cpl_prod(), end1) << "CPL_PROD after the STOP";
    EXPECT_GT(t.c.prod(), end1) << "test: nothing was published behind the STOP";
    EXPECT_EQ(t.checked(), size_t(end1));

    t.run_start();
    t.drive(all, next, all.size(), end1, uint32_t(all.size()), r.chunk);
    t.c.wait();
    EXPECT_EQ(t.checked(), all.size());
  }
}

// A STOP with published descriptors behind it in the same descriptor read
// (all published before the run starts): nothing after the STOP is taken,
// whether the STOP is the first or the second descriptor of its bus beat or
// straddles two beats (rings 8 or 40 bytes into their buffer).
TEST(CosimFront, StopInTheMiddleOfARead) {
  struct Row {
    uint32_t before;  // packets before the STOP (the STOP is descriptor before + 1)
    uint32_t skew;
  };
  const std::vector<Row> rows = {{20, 0}, {19, 0}, {20, 8}, {19, 40}, {20, 40}};
  for (const Row& r : rows) {
    SCOPED_TRACE("STOP at " + std::to_string(r.before + 1) + ", ring skew " + std::to_string(r.skew));
    Front t(9, 0.0, 8, 64, r.skew);
    std::vector<Item> run1 = {t.install(kOut)};
    for (uint32_t k = 0; k < r.before; ++k) run1.push_back(t.packet_item(true, 64, k));
    run1.push_back(t.stop_item());
    std::vector<Item> run2;
    for (uint32_t k = 0; k < 30; ++k) run2.push_back(t.packet_item(true, 64, 50 + k));
    run2.push_back(t.stop_item());
    std::vector<Desc> all;
    for (const Item& it : run1) all.push_back(it.d);
    for (const Item& it : run2) all.push_back(it.d);
    t.c.publish(all);
    t.run_start();
    t.c.wait();
    EXPECT_EQ(t.c.cpl_prod(), uint32_t(run1.size()));
    for (size_t k = 0; k < run1.size(); ++k) t.check(run1, k, uint32_t(k));
    t.run_start();
    t.c.wait();
    EXPECT_EQ(t.c.cpl_prod(), uint32_t(run1.size() + run2.size()));
    for (size_t k = 0; k < run2.size(); ++k) t.check(run2, k, uint32_t(run1.size() + k));
  }
}

// 64 B packets mixed with 1500 B and 9000 B ones, ENCRYPT and DECRYPT: the
// input ring (64 KiB) wraps many times, runs of every size across its end.
TEST(CosimFront, InputRingWrapsWithMixedSizes) {
  struct Row {
    uint64_t seed;
    unsigned latency;
    double bp;
    const char* what;
  };
  const std::vector<Row> rows = {{11, 64, 0.0, "latency 64"}, {12, 16, 0.3, "latency 16, backpressure 0.3"}};
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    Front t(r.seed, r.bp, 8, r.latency, 0);
    std::mt19937 rng(uint32_t(r.seed));
    std::vector<Item> items = {t.install(kOut), t.install(kIn)};
    const size_t sizes[] = {64, 64, 64, 65, 1500, 9000, 127, 8999};
    for (uint32_t k = 0; k < 90; ++k) {
      const size_t len = sizes[rng() % 8];
      items.push_back(t.packet_item(rng() % 2 == 0, len, 500 + k));
    }
    items.push_back(t.stop_item());
    t.run_start();
    t.drive(items, 0, items.size(), 0, uint32_t(items.size()), 256);
    t.c.wait();
    EXPECT_EQ(t.checked(), items.size());
  }
}

}  // namespace
