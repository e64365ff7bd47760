// The Queue behind Runtime::open_queue(): a ring of the caller's packets in
// submit order, and per card two batches in card memory (one filling while
// the card's executor runs the other).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "esp/runtime/detail/engine_port.hpp"
#include "esp/runtime/queue.hpp"
#include "runtime_impl.hpp"

namespace esp::runtime::detail {

class QueueImpl : public Queue {
 public:
  QueueImpl(Runtime::Impl& rt, const QueueOptions& opts);
  ~QueueImpl() override;

  size_t submit(const Packet* pkts, size_t n) override;
  size_t poll(PacketResult* out, size_t max, int timeout_ms) override;
  void flush() override;
  size_t pending() const override { return count_; }
  size_t depth() const override { return ring_.size(); }
  QueueStats stats() const override { return stats_; }

 private:
  static constexpr int kBatches = 2;
  enum class BatchState : uint8_t { Free, Filling, Running, Done };

  struct Entry {
    Packet pkt;
    PacketResult res;
    bool done = false;
  };
  struct Batch {
    BatchBuffers buf;
    BatchState st = BatchState::Free;  // Running -> Done by the executor, under mu_
    std::vector<uint32_t> entry;       // ring positions, in descriptor order
    std::vector<Descriptor> d;
    std::vector<DescInfo> info;
    std::vector<Completion> c;
    std::vector<driver::WriteSeg> segs;
    std::vector<driver::ReadSeg> rsegs;
    uint64_t in_used = 0, out_used = 0;
    bool failed = false;
    std::string error;
  };
  struct PerCard {
    Batch b[kBatches];
    int filling = -1;
    int running = 0;  // batches Running or Done, not yet harvested
  };

  // A place in the ring for the next packet; false when the ring is full.
  bool reserve(uint32_t& pos);
  void finish_host(uint32_t pos, Status st);
  // Adds the packet at ring position pos to card c's filling batch; false
  // when no batch of c can take it now (both busy).
  bool enqueue(uint32_t c, uint32_t pos, spec::Opcode op, SaId sa, bool dummy, const DescInfo& info);
  void dispatch(uint32_t c, int b);
  void harvest_all();
  void harvest(uint32_t c, int b);
  size_t drain(PacketResult* out, size_t max);

  Runtime::Impl& rt_;
  std::vector<Entry> ring_;
  size_t head_ = 0, count_ = 0;
  std::vector<PerCard> cards_;
  QueueStats stats_;

  std::mutex mu_;  // batch states (executor <-> this queue's thread)
  std::condition_variable cv_;
};

}  // namespace esp::runtime::detail
