#include "axi_mem_slave.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace esp::sim {

namespace {
std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}
}  // namespace

bool AxiMemSlave::stall() {
  if (t_.backpressure <= 0.0) return false;
  if (coin_.p() != t_.backpressure) coin_ = std::bernoulli_distribution(t_.backpressure);
  return coin_(rng_);
}

void AxiMemSlave::error(const std::string& what) {
  if (errors_.size() < 16) errors_.push_back(what);
}

uint64_t AxiMemSlave::beat_addr(const Burst& b, unsigned beat) const {
  const uint64_t bytes = uint64_t(1) << b.size;
  if (b.burst == 0 || beat == 0) return b.addr;  // FIXED, or the first beat
  return (b.addr & ~(bytes - 1)) + uint64_t(beat) * bytes;
}

bool AxiMemSlave::check_burst(Burst& b, const char* dir) {
  const uint64_t bytes = uint64_t(1) << b.size;
  std::ostringstream os;
  if ((uint64_t(1) << b.size) > kAxiDataBytes) {
    os << dir << " burst at " << hex(b.addr) << ": size " << bytes << " bytes exceeds the 64-byte bus";
  } else if (b.burst != 0 && b.burst != 1) {
    os << dir << " burst at " << hex(b.addr) << ": burst type " << b.burst << " (only FIXED and INCR are modelled)";
  } else if (b.burst == 1) {
    const uint64_t last = (b.addr & ~(bytes - 1)) + uint64_t(b.len + 1) * bytes - 1;
    if ((b.addr >> 12) != (last >> 12)) {
      os << dir << " burst at " << hex(b.addr) << " of " << (b.len + 1) << " x " << bytes
         << " bytes crosses a 4 KiB boundary";
    }
  }
  if (os.tellp() > 0) {
    error(os.str());
    b.error = true;
  }
  return !b.error;
}

const AxiSlaveOut& AxiMemSlave::drive(uint64_t cycle) {
  // One draw per channel per cycle, whatever the state: a fixed random stream.
  const bool st_ar = stall(), st_r = stall(), st_aw = stall(), st_w = stall(), st_b = stall();

  out_.arready = rd_.size() < t_.max_outstanding && !st_ar;
  out_.awready = aw_.size() + b_.size() < t_.max_outstanding && !st_aw;
  out_.wready = !aw_.empty() && !st_w;

  if (!out_.rvalid && !rd_.empty() && rd_.front().ready_at <= cycle && !st_r) {
    const Burst& b = rd_.front();
    const uint64_t a = beat_addr(b);
    const uint8_t* d = (b.error || b.rdata[b.beat].empty()) ? nullptr : b.rdata[b.beat].data();
    out_.rvalid = true;
    out_.rlast = b.beat == b.len;
    if (d) {
      std::memcpy(out_.rdata, d, kAxiDataBytes);
      out_.rresp = kRespOkay;
    } else {
      std::memset(out_.rdata, 0, kAxiDataBytes);
      out_.rresp = b.error ? kRespSlvErr : kRespDecErr;
      if (!b.error) error("read of card address " + hex(a) + " outside every card buffer");
    }
  }
  if (!out_.bvalid && !b_.empty() && b_.front().ready_at <= cycle && !st_b) {
    out_.bvalid = true;
    out_.bresp = b_.front().resp;
  }
  return out_;
}

void AxiMemSlave::edge(const AxiMasterOut& m, uint64_t cycle) {
  // R
  if (out_.rvalid && m.rready) {
    ++beats_read_;
    out_.rvalid = false;
    Burst& b = rd_.front();
    if (++b.beat > b.len) {
      if (b.watch >= 0) --watches_[size_t(b.watch)].in_flight;
      rd_.pop_front();
    }
  }
  // W (into the oldest write burst whose address is known)
  if (m.wvalid && out_.wready) {
    ++beats_written_;
    Burst& b = aw_.front();
    const uint64_t a = beat_addr(b);
    const bool last = b.beat == b.len;
    if (m.wlast != last) {
      error("W beat " + std::to_string(b.beat) + " of the write burst at " + hex(b.addr) + " has wlast=" +
            std::to_string(m.wlast) + " (burst of " + std::to_string(b.len + 1) + " beats)");
      b.error = true;
    }
    const uint64_t window = a & ~uint64_t(kAxiDataBytes - 1);
    const bool inside = !b.error && mem_.at(window, kAxiDataBytes) != nullptr;
    if (inside) {
      Burst::WBeat wb{window, m.wstrb, {}};
      std::memcpy(wb.data, m.wdata, kAxiDataBytes);
      b.wbeats.push_back(wb);
    } else if (!b.error) {
      if (m.wstrb) error("write of card address " + hex(a) + " outside every card buffer");
      b.error = m.wstrb != 0;
    }
    if (++b.beat > b.len) {
      b_.push_back(Resp{cycle + t_.write_latency, b.error ? kRespDecErr : kRespOkay, std::move(b.wbeats)});
      aw_.pop_front();
    }
  }
  // B
  if (out_.bvalid && m.bready) {
    out_.bvalid = false;
    for (const Burst::WBeat& wb : b_.front().wbeats) {
      uint8_t* p = mem_.at(wb.window, kAxiDataBytes);
      for (unsigned i = 0; i < kAxiDataBytes; ++i) {
        if ((wb.strb >> i) & 1u) p[i] = wb.data[i];
      }
    }
    b_.pop_front();
  }
  // AR, AW
  if (m.arvalid && out_.arready) {
    Burst b{m.araddr, m.arlen, m.arsize, m.arburst};
    b.ready_at = cycle + t_.read_latency;
    if (check_burst(b, "read")) {
      b.rdata.resize(b.len + 1);
      for (unsigned k = 0; k <= b.len; ++k) {
        const uint64_t window = beat_addr(b, k) & ~uint64_t(kAxiDataBytes - 1);
        if (const uint8_t* p = mem_.at(window, kAxiDataBytes)) b.rdata[k].assign(p, p + kAxiDataBytes);
      }
    }
    for (size_t w = 0; w < watches_.size(); ++w) {
      ReadWatch& rw = watches_[w];
      if (b.addr < rw.lo || b.addr >= rw.hi) continue;
      b.watch = int(w);
      rw.peak = std::max(rw.peak, ++rw.in_flight);
      rw.bytes += uint64_t(b.len + 1) << b.size;
      break;
    }
    rd_.push_back(std::move(b));
    peak_reads_ = std::max(peak_reads_, rd_.size());
  }
  if (m.awvalid && out_.awready) {
    Burst b{m.awaddr, m.awlen, m.awsize, m.awburst};
    check_burst(b, "write");
    aw_.push_back(b);
    peak_writes_ = std::max(peak_writes_, aw_.size() + b_.size());
  }
}

}  // namespace esp::sim
