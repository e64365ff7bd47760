// The data plane allocates nothing per packet: a steady stream of bursts
// through a Queue (encrypt, then decrypt, over caller-owned buffers) may
// allocate per kernel run at most, never per packet. This executable counts
// every operator new of the process, except those of the emulated card's own
// kernel (the HLS C++ model allocates its streams; a card does not).
#include <gtest/gtest.h>

// This file replaces the global operator new/delete with malloc/free; GCC 12
// then sees the free() inside the inlined operator delete and warns that it
// does not match operator new, which it does here by construction.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <atomic>
#include <cstdlib>
#include <new>

#include "esp/driver/forwarding_device.hpp"
#include "runtime_test_util.hpp"

namespace {
std::atomic<uint64_t> g_allocs{0};
thread_local bool t_in_card = false;
}

void* operator new(std::size_t n) {
  if (!t_in_card) g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace esp::runtime::test {
namespace {

// swemu, with the kernel's run marked as the card's.
class CardMarkingDevice : public driver::ForwardingDevice {
 public:
  using ForwardingDevice::ForwardingDevice;

 protected:
  void do_run(const driver::KernelArgs& args) override {
    t_in_card = true;
    try {
      ForwardingDevice::do_run(args);
    } catch (...) {
      t_in_card = false;
      throw;
    }
    t_in_card = false;
  }
};

std::unique_ptr<Runtime> marked_runtime() {
  driver::DeviceOptions d;
  d.card_memory_bytes = 64ull << 20;
  std::vector<std::unique_ptr<driver::Device>> devs;
  devs.push_back(std::make_unique<CardMarkingDevice>(driver::open_device(d)));
  RuntimeOptions o;
  o.sa_capacity = 64;
  o.max_batch_packets = 64;
  o.housekeeping_ms = 0;
  return std::make_unique<Runtime>(std::move(devs), o);
}

TEST(RuntimeAlloc, SteadyTrafficAllocatesNothingPerPacket) {
  auto a = marked_runtime(), b = marked_runtime();
  const uint32_t spi = b->get_spi();
  const SaId out = a->add_sa(tunnel_sa(spi, Direction::Outbound, true, 1));
  b->add_sa(tunnel_sa(spi, Direction::Inbound, true, 1));
  auto qa = a->open_queue(), qb = b->open_queue();
  // Caller buffers, set up once.
  constexpr size_t kBurst = 64;
  std::vector<Bytes> plain, esp(kBurst, Bytes(1600)), back(kBurst, Bytes(1600));
  for (size_t i = 0; i < kBurst; ++i) plain.push_back(inner(100 + i * 7, uint32_t(i)));
  std::vector<Packet> enc(kBurst), dec(kBurst);
  std::vector<PacketResult> res(kBurst);
  auto pump = [&](Queue& q, std::vector<Packet>& p) {
    size_t sent = 0, got = 0;
    while (got < p.size()) {
      if (sent < p.size()) sent += q.submit(p.data() + sent, p.size() - sent);
      got += q.poll(res.data() + got, p.size() - got, 1000);
    }
  };
  auto round = [&] {
    for (size_t i = 0; i < kBurst; ++i) {
      enc[i] = Packet{PacketOp::Encrypt, plain[i].data(), uint32_t(plain[i].size()), esp[i].data(), 1600, out, false, i};
    }
    pump(*qa, enc);
    for (size_t i = 0; i < kBurst; ++i) {
      ASSERT_EQ(res[i].status, Status(spec::Status::OK));
      dec[i] = Packet{PacketOp::Decrypt, esp[i].data(), res[i].out_len, back[i].data(), 1600, SaId{}, false, i};
    }
    pump(*qb, dec);
    for (size_t i = 0; i < kBurst; ++i) ASSERT_EQ(res[i].status, Status(spec::Status::OK));
  };
  round();  // warm-up: scratch vectors reach their size
  const uint64_t runs0 = a->card_stats(0).runs + b->card_stats(0).runs;
  const uint64_t before = g_allocs.load();
  constexpr int kRounds = 50;
  for (int r = 0; r < kRounds; ++r) round();
  const uint64_t allocs = g_allocs.load() - before;
  const uint64_t runs = a->card_stats(0).runs + b->card_stats(0).runs - runs0;
  const uint64_t packets = 2 * kBurst * kRounds;
  EXPECT_GT(runs, 0u);
  // The executor's job (a std::function) may allocate once per run.
  EXPECT_LE(allocs, 2 * runs) << allocs << " allocations for " << packets << " packets in " << runs << " runs";
}

}  // namespace
}  // namespace esp::runtime::test
