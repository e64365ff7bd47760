#include "queue_table.hpp"

#include "esp/driver/forwarding_device.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/runtime/queue.hpp"
#include "ref/packets.hpp"

namespace esp::bench {

namespace {

using runtime::Direction;
using runtime::Packet;
using runtime::PacketOp;
using runtime::PacketResult;
using runtime::Runtime;
using Bytes = std::vector<uint8_t>;

constexpr size_t kBurst = 256;

// A card device that counts the CPU time its kernel runs take on the thread
// that runs them (swemu and cosim run the kernel synchronously inside run(),
// on the card's executor thread): the card's time in CPU terms, which the
// wall time inside the runs (CardStats::run_ns) overstates when the machine
// is shared and that thread is descheduled. Everything else is forwarded to
// the device it wraps, unchanged.
class CpuTimedDevice final : public driver::ForwardingDevice {
 public:
  using ForwardingDevice::ForwardingDevice;
  std::string description() const override { return ForwardingDevice::description() + " (run CPU time counted)"; }
  uint64_t run_cpu_ns() const { return run_cpu_ns_.load(std::memory_order_relaxed); }

 protected:
  void do_run(const driver::KernelArgs& args) override {
    const uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    ForwardingDevice::do_run(args);
    run_cpu_ns_.fetch_add(clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0, std::memory_order_relaxed);
  }

 private:
  std::atomic<uint64_t> run_cpu_ns_{0};
};

struct Sample {
  double host_ns = 0;         // (process CPU - card run CPU) / packets
  double host_run_ns_ns = 0;  // (process CPU - card run_ns) / packets: the same with the card's wall time
  double wall_ns = 0;         // wall time / packets
  double card_ns = 0;         // CardStats::run_ns / packets (wall time inside the runs)
  double card_cpu_ns = 0;     // the runs' CPU time / packets
};

// Runs pkts through q in bursts of kBurst (submit, and poll without spinning:
// blocking when the queue is full or everything is submitted); results into res.
Sample run(Runtime& rt, const CpuTimedDevice& dev, runtime::Queue& q, std::vector<Packet>& pkts,
           std::vector<PacketResult>& res) {
  const uint64_t run0 = rt.card_stats(0).run_ns, cpu0 = dev.run_cpu_ns();
  const uint64_t c0 = process_cpu_ns(), w0 = wall_ns();
  size_t sent = 0, got = 0;
  const size_t n = pkts.size();
  while (got < n) {
    size_t took = 0;
    if (sent < n) {
      took = q.submit(pkts.data() + sent, std::min(kBurst, n - sent));
      sent += took;
      if (sent == n) q.flush();
    }
    const bool block = sent == n || took == 0;
    got += q.poll(res.data() + got, std::min(kBurst, n - got), block ? -1 : 0);
  }
  const uint64_t c1 = process_cpu_ns(), w1 = wall_ns();
  const uint64_t card = rt.card_stats(0).run_ns - run0, card_cpu = dev.run_cpu_ns() - cpu0;
  Sample s;
  s.card_ns = double(card) / double(n);
  s.card_cpu_ns = double(card_cpu) / double(n);
  s.host_ns = (double(c1 - c0) - double(card_cpu)) / double(n);
  s.host_run_ns_ns = (double(c1 - c0) - double(card)) / double(n);
  s.wall_ns = double(w1 - w0) / double(n);
  return s;
}

// The reference: each packet copied into a batch slot and its output copied
// out of one, as the runtime's two copies; ns/packet of this thread's CPU.
double memcpy_ns(const std::vector<Bytes>& in, const std::vector<Bytes>& outs, const std::vector<PacketResult>& res) {
  // A packet slot of card memory: the largest packet, bus-aligned.
  const size_t slot = (spec::MAX_PKT_BYTES + spec::PKT_BUS_BYTES - 1) / spec::PKT_BUS_BYTES * spec::PKT_BUS_BYTES;
  std::vector<uint8_t> card(kBurst * slot), dst(kBurst * slot);
  const uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  for (size_t i = 0; i < in.size(); ++i) {
    uint8_t* c = card.data() + (i % kBurst) * slot;
    std::memcpy(c, in[i].data(), in[i].size());
    asm volatile("" : : "r"(c) : "memory");
    std::memcpy(dst.data() + (i % kBurst) * slot, outs[i].data(), res[i].out_len);
    asm volatile("" : : "r"(dst.data()) : "memory");
  }
  return double(clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / double(in.size());
}

void bind_packets(std::vector<Packet>& pkts, PacketOp op, runtime::SaId sa, const std::vector<Bytes>& in,
                  std::vector<Bytes>& out) {
  pkts.assign(in.size(), Packet{});
  for (size_t i = 0; i < in.size(); ++i) {
    pkts[i].op = op;
    pkts[i].sa = sa;
    pkts[i].data = in[i].data();
    pkts[i].len = uint32_t(in[i].size());
    pkts[i].out = out[i].data();
    pkts[i].out_cap = uint32_t(out[i].size());
    pkts[i].user = i;
  }
}

void check(const std::vector<PacketResult>& res, const char* what) {
  for (size_t i = 0; i < res.size(); ++i) {
    if (res[i].user != i) {
      throw std::runtime_error(std::string("queue table: ") + what + ": results out of order (result " +
                               std::to_string(i) + " is packet " + std::to_string(res[i].user) + ")");
    }
    if (!res[i].status.ok()) {
      throw std::runtime_error(std::string("queue table: ") + what + ": packet " + std::to_string(i) + " got " +
                               res[i].status.name());
    }
  }
}

}  // namespace

nlohmann::json queue_table(std::ostream& out, const RtBenchOptions& o) {
  const unsigned sizes[] = {64, 576, 1500};
  // The cosim card simulates every cycle: the smoke run's size there.
  const size_t n = o.quick || o.backend != "swemu" ? 4 * kBurst : 64 * kBurst;
  const int reps = o.quick ? 1 : 3;

  nlohmann::json rows = nlohmann::json::array();
  out << "\nHost overhead per packet of Queue::submit/poll, card time excluded: one queue, one card (" << o.backend
      << "), bursts of " << kBurst << ", " << n << " packets, best of " << reps << ";\n"
      << "host = (process CPU time - CPU time of the card's kernel runs) / packets (run_ns col: minus the runs' wall"
      << " time instead);\nreference = memcpy of the packet in and its output out, same run; ratio = host / memcpy;"
      << " ns per packet\n";
  out << fmt("%-8s %5s | %8s %8s | %9s %9s %9s | %9s %7s | %9s\n", "op", "bytes", "host", "(run_ns)", "wall",
             "card CPU", "card wall", "memcpy", "ratio", "host Mpps");
  out << std::string(100, '-') << "\n";

  for (unsigned size : sizes) {
    const runtime::RuntimeOptions ro = rt_options(o.backend, 16, 256ull << 20);
    auto dev = std::make_unique<CpuTimedDevice>(driver::open_device(ro.cards[0]));
    const CpuTimedDevice& timed = *dev;
    std::vector<std::unique_ptr<driver::Device>> devs;
    devs.push_back(std::move(dev));
    Runtime rt(std::move(devs), ro);
    const runtime::SaId tx = rt.add_sa(bench_sa(0x2000u + size, Direction::Outbound, size, spec::DEFAULT_WINDOW_BITS));
    rt.add_sa(bench_sa(0x2000u + size, Direction::Inbound, size, spec::DEFAULT_WINDOW_BITS));
    auto q = rt.open_queue();

    std::vector<Bytes> plain, esp(n, Bytes(size + spec::MAX_ENCAP_OVERHEAD)), back(n, Bytes(size));
    for (size_t i = 0; i < n; ++i) plain.push_back(ref::pkt::udp(4, size - 28, uint32_t(i + 1)));  // IPv4 20 + UDP 8
    std::vector<Packet> pkts;
    std::vector<PacketResult> res(n);
    Sample best[2];
    double ref[2] = {0, 0};
    for (int r = 0; r < reps; ++r) {
      // ENCRYPT: fresh sequence numbers every repetition, decrypted below.
      bind_packets(pkts, PacketOp::Encrypt, tx, plain, esp);
      const Sample e = run(rt, timed, *q, pkts, res);
      check(res, "ENCRYPT");
      const double me = memcpy_ns(plain, esp, res);
      std::vector<Bytes> wire(n);
      for (size_t i = 0; i < n; ++i) wire[i].assign(esp[i].begin(), esp[i].begin() + res[i].out_len);

      bind_packets(pkts, PacketOp::Decrypt, {}, wire, back);
      const Sample d = run(rt, timed, *q, pkts, res);
      check(res, "DECRYPT");
      for (size_t i = 0; i < n; ++i) {
        if (res[i].out_len != plain[i].size() || !std::equal(plain[i].begin(), plain[i].end(), back[i].begin())) {
          throw std::runtime_error("queue table: DECRYPT packet " + std::to_string(i) + " differs from the plaintext");
        }
      }
      const double md = memcpy_ns(wire, back, res);
      if (r == 0 || e.host_ns < best[0].host_ns) best[0] = e, ref[0] = me;
      if (r == 0 || d.host_ns < best[1].host_ns) best[1] = d, ref[1] = md;
    }
    for (int k = 0; k < 2; ++k) {
      const char* op = k == 0 ? "ENCRYPT" : "DECRYPT";
      const Sample& s = best[k];
      const double mpps = s.host_ns > 0 ? 1e3 / s.host_ns : 0;
      out << fmt("%-8s %5u | %8.1f %8.1f | %9.1f %9.1f %9.1f | %9.1f %7.2f | %9.3f\n", op, size, s.host_ns,
                 s.host_run_ns_ns, s.wall_ns, s.card_cpu_ns, s.card_ns, ref[k], s.host_ns / ref[k], mpps);
      rows.push_back({{"op", op},
                      {"packet_bytes", size},
                      {"packets", n},
                      {"burst", kBurst},
                      {"host_ns_per_packet", s.host_ns},
                      {"host_ns_per_packet_minus_run_ns", s.host_run_ns_ns},
                      {"wall_ns_per_packet", s.wall_ns},
                      {"card_cpu_ns_per_packet", s.card_cpu_ns},
                      {"card_run_ns_per_packet", s.card_ns},
                      {"memcpy_ns_per_packet", ref[k]},
                      {"ratio_host_vs_memcpy", s.host_ns / ref[k]},
                      {"host_mpps", mpps}});
    }
  }
  return nlohmann::json{{"table", "queue_host_overhead"}, {"backend", o.backend}, {"rows", rows}};
}

}  // namespace esp::bench
