#include "queue_impl.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "esp/runtime/detail/card_layout.hpp"
#include "esp/runtime/detail/esp_peek.hpp"
#include "esp/runtime/flow.hpp"

namespace esp::runtime::detail {

QueueImpl::QueueImpl(Runtime::Impl& rt, const QueueOptions& opts) : rt_(rt), cards_(rt.cards.size()) {
  const size_t batch = rt.opts.max_batch_packets;
  size_t depth = opts.depth ? opts.depth : 4 * batch * rt.cards.size();
  ring_.resize(depth);
  try {
    for (size_t c = 0; c < cards_.size(); ++c) {
      for (Batch& b : cards_[c].b) {
        b.buf = EnginePort::alloc_batch(*rt.cards[c]->engine, uint32_t(batch));
        b.entry.reserve(batch);
        b.d.reserve(batch);
        b.info.reserve(batch);
        b.c.resize(batch);
        b.segs.reserve(batch);
        b.rsegs.reserve(batch);
      }
    }
  } catch (...) {
    for (size_t c = 0; c < cards_.size(); ++c) {
      for (Batch& b : cards_[c].b) {
        if (b.buf.pkt_in.valid()) EnginePort::free_batch(*rt.cards[c]->engine, b.buf);
      }
    }
    throw;
  }
}

QueueImpl::~QueueImpl() {
  {
    // The executors may still hold batches of this queue: wait for them.
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait(lk, [&] {
      for (const PerCard& pc : cards_) {
        for (const Batch& b : pc.b) {
          if (b.st == BatchState::Running) return false;
        }
      }
      return true;
    });
  }
  for (size_t c = 0; c < cards_.size(); ++c) {
    for (Batch& b : cards_[c].b) {
      try {
        EnginePort::free_batch(*rt_.cards[c]->engine, b.buf);
      } catch (...) {
      }
    }
  }
}

bool QueueImpl::reserve(uint32_t& pos) {
  if (count_ == ring_.size()) return false;
  pos = uint32_t((head_ + count_) % ring_.size());
  ++count_;
  return true;
}

void QueueImpl::finish_host(uint32_t pos, Status st) {
  Entry& e = ring_[pos];
  e.res.status = st;
  e.done = true;
  ++stats_.host_decided;
}

bool QueueImpl::enqueue(uint32_t c, uint32_t pos, spec::Opcode op, SaId sa, bool dummy, const DescInfo& info) {
  PerCard& pc = cards_[c];
  if (pc.filling < 0) {
    std::lock_guard<std::mutex> g(mu_);
    for (int i = 0; i < kBatches; ++i) {
      if (pc.b[i].st == BatchState::Free) {
        pc.filling = i;
        break;
      }
    }
    if (pc.filling < 0) return false;
    Batch& b = pc.b[pc.filling];
    b.st = BatchState::Filling;
    b.entry.clear();
    b.d.clear();
    b.info.clear();
    b.segs.clear();
    b.in_used = b.out_used = 0;
    b.failed = false;
    b.error.clear();
  }
  Batch& b = pc.b[pc.filling];
  const Entry& e = ring_[pos];
  Descriptor d;
  d.op = op;
  d.flags = dummy ? spec::descriptor::flags_bit::DUMMY : 0;
  d.sa_index = op == spec::Opcode::ENCRYPT ? sa.index : 0u;
  d.in_offset = b.in_used;
  d.in_length = e.pkt.len;
  d.out_capacity = out_capacity_for(e.pkt.len);
  d.out_offset = b.out_used;
  if (e.pkt.len) b.segs.push_back(driver::WriteSeg{b.in_used, e.pkt.data, e.pkt.len});
  b.in_used += in_footprint(e.pkt.len);
  b.out_used += d.out_capacity;
  b.d.push_back(d);
  b.info.push_back(info);
  b.entry.push_back(pos);
  if (b.entry.size() == b.buf.max_packets) dispatch(c, pc.filling);
  return true;
}

void QueueImpl::dispatch(uint32_t c, int bi) {
  PerCard& pc = cards_[c];
  Batch& b = pc.b[bi];
  pc.filling = -1;
  ++pc.running;
  ++stats_.runs;
  Engine& eng = *rt_.cards[c]->engine;
  try {
    // The one copy in: the caller's packets straight into card memory.
    EnginePort::device(eng).write_gather(b.buf.pkt_in, b.segs.data(), b.segs.size(), driver::Gaps::CallerOwned);
  } catch (const std::exception& ex) {
    std::lock_guard<std::mutex> g(mu_);
    b.failed = true;
    b.error = ex.what();
    b.st = BatchState::Done;
    return;
  }
  {
    std::lock_guard<std::mutex> g(mu_);
    b.st = BatchState::Running;
  }
  rt_.cards[c]->exec->post([this, &b, &eng] {
    bool failed = false;
    std::string error;
    try {
      EnginePort::run(eng, b.buf, b.d.data(), b.info.data(), b.c.data(), b.d.size());
    } catch (const std::exception& ex) {
      failed = true;
      error = ex.what();
    }
    // Notify under the lock: once it is released the queue may be gone
    // (its destructor waits for this batch on mu_).
    std::lock_guard<std::mutex> g(mu_);
    b.failed = failed;
    b.error = std::move(error);
    b.st = BatchState::Done;
    cv_.notify_all();
  });
}

void QueueImpl::harvest_all() {
  for (uint32_t c = 0; c < cards_.size(); ++c) {
    for (int i = 0; i < kBatches; ++i) {
      bool done;
      {
        std::lock_guard<std::mutex> g(mu_);
        done = cards_[c].b[i].st == BatchState::Done;
      }
      if (done) harvest(c, i);
    }
  }
}

void QueueImpl::harvest(uint32_t c, int bi) {
  PerCard& pc = cards_[c];
  Batch& b = pc.b[bi];
  const size_t n = b.entry.size();
  Engine& eng = *rt_.cards[c]->engine;
  if (!b.failed) {
    b.rsegs.clear();
    for (size_t k = 0; k < n; ++k) {
      const Completion& cp = b.c[k];
      Entry& e = ring_[b.entry[k]];
      PacketResult& r = e.res;
      r.status = cp.status;
      r.soft_expired = (cp.flags & spec::completion::flags_bit::SOFT_EXPIRED) != 0;
      r.spi = cp.spi;
      r.seq = cp.seq;
      if (cp.sa_index != spec::NO_SA_INDEX) {
        const uint32_t gen = b.d[k].op == spec::Opcode::NOP || b.d[k].op == spec::Opcode::ENCRYPT
                                 ? b.info[k].generation
                                 : EnginePort::live_generation(eng, cp.sa_index);
        r.sa = SaId{c, cp.sa_index, gen};
      }
      if (cp.status != spec::Status::OK) continue;
      if (!e.pkt.out || cp.out_length > e.pkt.out_cap) {
        r.status = spec::Status::NO_SPACE;
        continue;
      }
      r.out_len = cp.out_length;
      if (cp.out_length) b.rsegs.push_back(driver::ReadSeg{cp.out_offset, e.pkt.out, cp.out_length});
    }
    try {
      // The one copy out: card memory straight into the caller's buffers.
      EnginePort::device(eng).read_scatter(b.buf.pkt_out, b.rsegs.data(), b.rsegs.size(), driver::Gaps::CallerOwned);
    } catch (const std::exception& ex) {
      b.failed = true;
      b.error = ex.what();
    }
  }
  const uint64_t now = monotonic_ns();
  const uint64_t replay_every = rt_.opts.replay_event_every, auth_every = rt_.opts.auth_fail_event_every;
  for (size_t k = 0; k < n; ++k) {
    Entry& e = ring_[b.entry[k]];
    PacketResult& r = e.res;
    e.done = true;
    ++stats_.completed;
    if (b.failed) {
      r = PacketResult{};
      r.user = e.pkt.user;
      r.status = spec::HostStatus::CARD_ERROR;
      continue;
    }
    if (!r.sa.valid() || r.sa.index >= rt_.opts.sa_capacity) continue;
    SlotMeta& m = rt_.cards[c]->meta[r.sa.index];
    const uint32_t gen = r.sa.generation;
    if (r.status == spec::Status::OK && e.pkt.op == PacketOp::Decrypt && m.has_ts.load(std::memory_order_acquire)) {
      std::shared_ptr<const SaSelectors> ts = std::atomic_load(&m.ts);
      FlowKey f;
      if (ts && (!parse_flow(e.pkt.out, r.out_len, f) || !selectors_match(ts->src, ts->dst, f))) {
        r.status = spec::HostStatus::TS_MISMATCH;
        r.out_len = 0;
      }
    }
    if (r.status == spec::Status::OK || r.status == spec::Status::DUMMY) {
      m.last_use_ns.store(now, std::memory_order_relaxed);
    }
    if (r.soft_expired && m.soft_gen.exchange(gen) != gen) rt_.note_expiry(r.sa, EventType::SoftExpire);
    if (r.status == spec::Status::LIFETIME_EXPIRED && m.hard_gen.exchange(gen) != gen) {
      rt_.note_expiry(r.sa, EventType::HardExpire);
    }
    const bool replay = r.status == spec::Status::REPLAY, auth = r.status == spec::Status::AUTH_FAIL;
    if ((replay && replay_every) || (auth && auth_every)) {
      const uint64_t v = (replay ? m.replays : m.auth_fails).fetch_add(1) + 1;
      if (v % (replay ? replay_every : auth_every) == 0) {
        Event ev;
        ev.type = replay ? EventType::ReplayThreshold : EventType::AuthFailThreshold;
        ev.time_ns = now;
        ev.sa = r.sa;
        ev.card = c;
        ev.spi = r.spi;
        ev.dir = Direction::Inbound;
        ev.count = v;
        rt_.raise(ev);
      }
    }
  }
  {
    std::lock_guard<std::mutex> g(mu_);
    b.st = BatchState::Free;
  }
  --pc.running;
}

size_t QueueImpl::submit(const Packet* pkts, size_t n) {
  harvest_all();
  const uint32_t n_cards = uint32_t(cards_.size());
  bool have_snap = false;
  Spd::Snapshot snap;
  size_t taken = 0;
  for (; taken < n; ++taken) {
    const Packet& p = pkts[taken];
    uint32_t pos;
    if (!reserve(pos)) break;
    Entry& e = ring_[pos];
    e.pkt = p;
    e.res = PacketResult{};
    e.res.user = p.user;
    e.done = false;
    ++stats_.submitted;
    if (p.len > spec::MAX_PKT_BYTES || (!p.data && p.len)) {
      finish_host(pos, spec::Status::MALFORMED);
      continue;
    }
    SaId sa = p.sa;
    spec::Opcode op = spec::Opcode::ENCRYPT;
    DescInfo info;
    uint32_t card = 0;
    if (p.op == PacketOp::Outbound) {
      if (!have_snap) snap = rt_.spd.snapshot(), have_snap = true;
      FlowKey f;
      if (!parse_flow(p.data, p.len, f)) {
        finish_host(pos, spec::Status::MALFORMED);
        continue;
      }
      const Spd::Match m = snap.lookup(Direction::Outbound, f);
      e.res.policy = m.id;
      const PolicyAction act = m.id ? m.action : rt_.opts.default_outbound;
      if (act == PolicyAction::Bypass) {
        finish_host(pos, spec::HostStatus::BYPASS);
        continue;
      }
      if (act == PolicyAction::Discard) {
        finish_host(pos, spec::HostStatus::DISCARD);
        continue;
      }
      if (!m.sa.valid() || !rt_.live(m.sa)) {
        rt_.raise_acquire(m, p);
        finish_host(pos, spec::HostStatus::NO_SA);
        continue;
      }
      sa = m.sa;
    }
    if (p.op == PacketOp::Decrypt) {
      op = spec::Opcode::DECRYPT;
      EspPeek pk;
      if (peek_esp(p.data, p.len, pk)) {
        info.has_esp = true;
        info.spi = pk.spi;
        info.seq_lo = pk.seq_lo;
        card = pk.spi % n_cards;
      }
    } else {
      if (!rt_.live(sa)) {
        e.res.sa = sa;
        finish_host(pos, spec::Status::SA_DISABLED);
        continue;
      }
      card = sa.card;
      info.generation = sa.generation;
    }
    if (!enqueue(card, pos, op, sa, p.dummy, info)) {
      --count_;  // give the place back: the caller resubmits this packet
      --stats_.submitted;
      break;
    }
  }
  // A card that runs nothing of this queue gets its batch now; otherwise it
  // keeps filling while the card runs the other one.
  for (uint32_t c = 0; c < n_cards; ++c) {
    if (cards_[c].filling >= 0 && cards_[c].running == 0) dispatch(c, cards_[c].filling);
  }
  return taken;
}

void QueueImpl::flush() {
  for (uint32_t c = 0; c < cards_.size(); ++c) {
    if (cards_[c].filling >= 0) dispatch(c, cards_[c].filling);
  }
}

size_t QueueImpl::drain(PacketResult* out, size_t max) {
  size_t k = 0;
  while (k < max && count_ > 0 && ring_[head_].done) {
    out[k++] = ring_[head_].res;
    ring_[head_].done = false;
    head_ = (head_ + 1) % ring_.size();
    --count_;
  }
  return k;
}

size_t QueueImpl::poll(PacketResult* out, size_t max, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  for (;;) {
    harvest_all();
    for (uint32_t c = 0; c < cards_.size(); ++c) {
      if (cards_[c].filling >= 0 && cards_[c].running == 0) dispatch(c, cards_[c].filling);
    }
    const size_t k = drain(out, max);
    if (k > 0 || timeout_ms == 0 || count_ == 0 || max == 0) return k;
    std::unique_lock<std::mutex> lk(mu_);
    auto any_done = [&] {
      for (const PerCard& pc : cards_) {
        for (const Batch& b : pc.b) {
          if (b.st == BatchState::Done) return true;
        }
      }
      return false;
    };
    if (timeout_ms < 0) {
      cv_.wait(lk, any_done);
    } else if (!cv_.wait_until(lk, deadline, any_done)) {
      return 0;
    }
  }
}

}  // namespace esp::runtime::detail
