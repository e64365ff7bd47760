// The Engine's kernel runs: one batch of descriptors through the card under
// the card lock, with the host shadow kept up to date from the completions
// (or, when the card fails, from the worst the run can have done), and
// process(), the simple copy-in / copy-out API over the engine's own batch.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "engine_impl.hpp"

namespace esp::runtime {

namespace {

// RFC 4303 Appendix A: the full 64-bit sequence number of a packet whose low
// half is seq_lo, given the highest one accepted (top) and the window.
uint64_t infer_esn(uint64_t top, uint32_t seq_lo, uint32_t window_bits) {
  const uint32_t tl = uint32_t(top), th = uint32_t(top >> 32);
  uint32_t hi = th;
  if (tl >= window_bits - 1) {
    if (seq_lo < tl - (window_bits - 1)) ++hi;
  } else if (seq_lo >= tl - (window_bits - 1)) {  // wrapped: the window reaches into the previous 2^32
    if (th > 0) --hi;
  }
  return (uint64_t(hi) << 32) | seq_lo;
}

// CPU time of the calling thread (the one that runs the card: with swemu the
// HLS kernel runs on it, so this is the card's share of the host's CPU).
uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

}  // namespace

void Engine::Impl::ring_run(const detail::BatchBuffers& b, const detail::Descriptor* d, size_t n,
                            detail::Completion* out) {
  args.set(spec::arg::PKT_IN, b.pkt_in);
  args.set(spec::arg::PKT_OUT, b.pkt_out);
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t c0 = thread_cpu_ns();
  if (n > 0) state_on_card = true;
  ring.run(dev, args, d, n, out);
  run_ns.fetch_add(uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count()),
                   std::memory_order_relaxed);
  run_cpu_ns.fetch_add(thread_cpu_ns() - c0, std::memory_order_relaxed);
  runs.fetch_add(1, std::memory_order_relaxed);
  run_packets.fetch_add(n, std::memory_order_relaxed);
}

void Engine::Impl::flush_commands() {
  while (ring.queued() > 0) ring_run(own, nullptr, 0, nullptr);
}

void Engine::Impl::sync_state() {
  if (!state_on_card) return;
  detail::Command c;
  c.op = spec::Opcode::STATE_SYNC;
  c.sa_index = spec::NO_SA_INDEX;
  ring.queue(c);
  flush_commands();  // (a failed run throws; the card is then reset and reprogram()med)
  state_on_card = false;
}

void Engine::Impl::run_raw(const detail::BatchBuffers& b, const detail::Descriptor* d, size_t n,
                           detail::Completion* out) {
  // A packet descriptor whose op is a command opcode would run as that
  // command (or end the run early): it goes to the card as a NOP, which
  // completes with BAD_OPCODE, as any opcode that is no packet operation.
  const detail::Descriptor* src = d;
  for (size_t k = 0; k < n; ++k) {
    if (!detail::is_command(d[k].op)) continue;
    if (src == d) raw_copy.assign(d, d + n);
    raw_copy[k].op = spec::Opcode::NOP;
    src = raw_copy.data();
  }
  d = src;
  const size_t room = ring.size() - 1;
  for (size_t done = 0; done < n || ring.queued() > 0;) {
    const size_t chunk = std::min(n - done, room);
    // Commands that would not fit with this chunk run on their own first.
    if (ring.queued() > ring.command_room(chunk)) {
      ring_run(b, nullptr, 0, nullptr);
      continue;
    }
    if (chunk == 0) return;
    ring_run(b, d + done, chunk, out + done);
    done += chunk;
  }
}

void Engine::Impl::run_locked(const detail::BatchBuffers& b, detail::Descriptor* d, const detail::DescInfo* info,
                              detail::Completion* out, size_t n) {
  if (n == 0) return;
  if (n > b.max_packets) throw std::invalid_argument("run: more descriptors than the batch holds");
  // A packet whose SA was deleted (or its slot reused) since it was submitted
  // must not meet the slot's new SA: it becomes a NOP here, SA_DISABLED below.
  stale.assign(n, 0);
  for (size_t k = 0; k < n; ++k) {
    if (d[k].op != spec::Opcode::ENCRYPT) continue;
    if (d[k].sa_index >= slots.size() || live[d[k].sa_index].load(std::memory_order_relaxed) != info[k].generation) {
      d[k].op = spec::Opcode::NOP;
      stale[k] = 1;
    }
  }
  try {
    run_raw(b, d, n, out);
  } catch (...) {
    // Nothing is known of this batch: assume every ENCRYPT used a sequence
    // number and every DECRYPT with a readable ESP header was accepted.
    for (size_t k = 0; k < n; ++k) {
      if (stale[k]) continue;
      if (d[k].op == spec::Opcode::ENCRYPT) {
        ++slots[d[k].sa_index].tx_bound;
      } else if (d[k].op == spec::Opcode::DECRYPT && info[k].has_esp) {
        const uint32_t ref = spi.find(info[k].spi);
        if (ref == 0) continue;
        Slot& s = slots[ref - 1];
        const uint64_t seq = s.esn ? infer_esn(s.rx_bound, info[k].seq_lo, s.window_bits) : info[k].seq_lo;
        s.rx_bound = std::max(s.rx_bound, seq);
      }
    }
    throw;
  }
  for (size_t k = 0; k < n; ++k) {
    detail::Completion& c = out[k];
    const std::string breach = detail::completion_breach(d[k], c);
    if (!breach.empty()) {
      throw driver::DeviceError(dev.backend() + ": completion " + std::to_string(k) + " breaks the contract: " + breach);
    }
    if (stale[k]) {
      c.status = spec::Status::SA_DISABLED;
      c.sa_index = d[k].sa_index;
      continue;
    }
    if (c.sa_index >= slots.size() || !slots[c.sa_index].used) continue;
    Slot& s = slots[c.sa_index];
    const bool ok = c.status == spec::Status::OK;
    if (d[k].op == spec::Opcode::ENCRYPT && ok) {
      s.tx_bound = std::max(s.tx_bound, c.seq);
      if (!(d[k].flags & spec::descriptor::flags_bit::DUMMY)) {
        ++s.packets;
        s.bytes += d[k].in_length;
      }
    } else if (d[k].op == spec::Opcode::DECRYPT && (ok || c.status == spec::Status::DUMMY)) {
      s.rx_bound = std::max(s.rx_bound, c.seq);
      if (ok) {
        ++s.packets;
        s.bytes += c.out_length;
      }
    }
  }
}

std::vector<Result> Engine::Impl::process(const std::vector<Request>& reqs) {
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (reqs[i].op == spec::Opcode::ENCRYPT && !valid(reqs[i].sa)) {
      require(reqs[i].sa, ("process: request " + std::to_string(i) + " (ENCRYPT)").c_str());
    }
    if (reqs[i].dummy && reqs[i].op != spec::Opcode::ENCRYPT) {
      throw std::invalid_argument("process: request " + std::to_string(i) +
                                  ": dummy packets are sent with ENCRYPT only (opcode " +
                                  std::to_string(unsigned(static_cast<uint8_t>(reqs[i].op))) + ")");
    }
  }
  std::vector<Result> results(reqs.size());
  const uint32_t batch = opts.max_batch_packets;
  descs.resize(batch);
  comps.resize(batch);
  infos.resize(batch);
  std::vector<size_t> which;
  which.reserve(batch);
  std::vector<driver::WriteSeg> segs;
  segs.reserve(batch);
  size_t next = 0;
  while (next < reqs.size()) {
    which.clear();
    segs.clear();
    uint64_t in_used = 0, out_used = 0;
    while (next < reqs.size() && which.size() < batch) {
      const Request& r = reqs[next];
      if (r.data.size() > spec::MAX_PKT_BYTES) {
        // Cannot be placed in a packet slot: refused here, never sent.
        results[next].status = spec::Status::MALFORMED;
        ++next;
        continue;
      }
      const uint32_t len = static_cast<uint32_t>(r.data.size());
      const size_t k = which.size();
      detail::Descriptor& d = descs[k];
      d = detail::Descriptor{};
      d.op = r.op;
      d.flags = r.dummy ? spec::descriptor::flags_bit::DUMMY : 0;
      d.sa_index = r.op == spec::Opcode::DECRYPT ? 0u : r.sa.index;
      d.in_offset = in_used;
      d.in_length = len;
      d.out_capacity = detail::out_capacity_for(len);
      d.out_offset = out_used;
      infos[k] = detail::DescInfo{};
      infos[k].generation = r.sa.generation;
      if (len) segs.push_back(driver::WriteSeg{in_used, r.data.data(), len});
      in_used += detail::in_footprint(len);
      out_used += d.out_capacity;
      which.push_back(next++);
    }
    if (which.empty()) continue;
    const size_t n = which.size();
    dev.write_gather(own.pkt_in, segs.data(), segs.size(), driver::Gaps::CallerOwned);
    run_locked(own, descs.data(), infos.data(), comps.data(), n);
    // The outputs: one read of every OK output.
    std::vector<driver::ReadSeg> rsegs;
    for (size_t k = 0; k < n; ++k) {
      const detail::Completion& c = comps[k];
      Result& r = results[which[k]];
      detail::fill_result(c, r);
      if (c.status != spec::Status::OK) continue;
      r.data.resize(c.out_length);
      if (c.out_length) rsegs.push_back(driver::ReadSeg{c.out_offset, r.data.data(), c.out_length});
    }
    dev.read_scatter(own.pkt_out, rsegs.data(), rsegs.size(), driver::Gaps::CallerOwned);
  }
  return results;
}

}  // namespace esp::runtime
