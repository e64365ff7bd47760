// esp-offload: Verilator testbench of esp_aead (hw/rtl/DATAPATH.md) between
// two esp_pkt_ram buffers (sim/esp_aead_tb_top.sv), against the HLS function
// esp::hls::esp_aead (bit for bit) and esp::hls::csum_add.
//
//   1. random batches: encrypt / decrypt / GMAC, ESN on/off, AES-128/256,
//      ICV 8/12/16, texts 0..9600 bytes, random ibuf/obuf offsets, tampered
//      ICV / ciphertext / header, jobs back to back with random request gaps
//      and rsp_ready held low; the whole obuf is compared after each batch
//      (bytes outside the written ranges must be untouched);
//   2. per-SA key store: many SAs (the random batches' 28, then 700 over the
//      whole store, AES-128/256 back to back, generation bumps with new keys);
//      the number of key setups the unit starts must equal the misses of a
//      per-SA-index model (hits never start a key setup); wipe (SA_DELETE)
//      right behind jobs of its SA, then reuse of the same generation (a
//      miss), the slot zero after a wipe; setup requests (SA_INSTALL: the
//      key set up with no job), jobs right behind them (a hit that waits for
//      the setup), among the many SAs too;
//   3. cycles per job: latency (req accepted -> rsp valid) and back-to-back.
//
// usage: esp_aead_tb [--seed N] [--batches N] [--no-perf]
// The seed (also ESP_SIM_SEED) drives the model's random initial values and
// every random choice; it is printed first.

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "Vesp_aead_tb_top.h"
#include "verilated.h"
#include "tb_util.hpp"
#include "esp_aead_model.hpp"

#include "esp/hls/aes.hpp"
#include "esp/hls/checksum.hpp"
#include "esp/hls/esp_aead.hpp"
#include "esp/hls/esp_decap.hpp"
#include "esp/hls/ip_parse.hpp"

namespace {

namespace tb = esp::tb;
namespace hls = esp::hls;
using tb::Bytes;
using tb::aead::Sa;
using tb::aead::Job;
using namespace tb::aead;  // the reference: model_*, build_decrypt_input, with_trailer

constexpr unsigned kBufBytes = 16384;  // esp_pkt_ram Depth 256 x 64 bytes
constexpr unsigned kWords = kBufBytes / 64;
constexpr unsigned kCacheEntries = 65536;  // esp_aead MaxSas: one key entry per SA index


uint32_t be32(const uint8_t* p) { return hls::get_be32(p); }

// decrypt answers whose esp_dec_watch part was checked: trailer good / bad, inner PARSE_IP compared
uint64_t g_watch_ok = 0, g_watch_bad = 0, g_watch_inner = 0, g_watch_inner_ok = 0;
uint64_t g_trl_jobs = 0;  // encrypts with the trailer on the stream

class Sim {
 public:
  explicit Sim(uint64_t seed) {
    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->randReset(2);
    ctx_->randSeed(static_cast<int>(seed & 0x7fffffff));
    top_ = std::make_unique<Vesp_aead_tb_top>(ctx_.get(), "top");
    top_->clk_i = 0;
    top_->rst_ni = 0;
    top_->req_valid_i = 0;
    top_->req_wipe_i = 0;
    top_->req_setup_i = 0;
    top_->slot_idx_i = 0;
    top_->rsp_ready_i = 1;
    top_->tb_own_i = 1;
    top_->tb_ib_we_i = 0;
    top_->tb_ob_we_i = 0;
    for (int i = 0; i < 4; ++i) tick();
    top_->rst_ni = 1;
    tick();
  }
  ~Sim() { top_->final(); }
  Vesp_aead_tb_top& top() { return *top_; }
  uint64_t cycle() const { return cycle_; }

  void eval_low() {
    top_->clk_i = 0;
    top_->eval();
  }
  void tick_high() {
    top_->clk_i = 1;
    top_->eval();
    ++cycle_;
  }
  void tick() {
    eval_low();
    tick_high();
  }

  void load(bool ibuf, const Bytes& img) {
    top_->tb_own_i = 1;
    for (unsigned w = 0; w < kWords; ++w) {
      top_->tb_addr_i = static_cast<uint8_t>(w);
      for (int k = 0; k < 16; ++k) {
        uint32_t v = 0;
        for (int b = 0; b < 4; ++b) v |= static_cast<uint32_t>(img[64 * w + 4 * k + b]) << (8 * b);
        top_->tb_wdata_i[k] = v;
      }
      top_->tb_ib_we_i = ibuf;
      top_->tb_ob_we_i = !ibuf;
      tick();
    }
    top_->tb_ib_we_i = 0;
    top_->tb_ob_we_i = 0;
    tick();
  }

  Bytes read_obuf() {
    Bytes img(kBufBytes);
    top_->tb_own_i = 1;
    for (unsigned w = 0; w <= kWords; ++w) {
      top_->tb_addr_i = static_cast<uint8_t>(w % kWords);
      eval_low();
      if (w > 0) {
        for (int k = 0; k < 16; ++k)
          for (int b = 0; b < 4; ++b) img[64 * (w - 1) + 4 * k + b] = static_cast<uint8_t>(top_->tb_ob_rdata_o[k] >> (8 * b));
      }
      tick_high();
    }
    return img;
  }

  void set_req(const Sa& sa, const Job& j, const uint8_t key_lo_garbage[16]) {
    auto& t = *top_;
    t.req_wipe_i = j.wipe;
    t.req_setup_i = j.setup;
    t.req_encrypt_i = j.enc;
    t.req_gmac_i = sa.gmac;
    t.req_esn_i = sa.esn;
    t.req_aes256_i = sa.aes256;
    uint8_t k[32];
    std::memcpy(k, sa.key, 32);
    if (!sa.aes256) std::memcpy(k + 16, key_lo_garbage, 16);  // must be ignored
    tb::put_be(t.req_key_i, k, 32);
    t.req_sa_index_i = sa.index;
    t.req_generation_i = sa.generation;
    t.req_salt_i = be32(sa.salt);
    t.req_spi_i = sa.spi;
    t.req_seq_i = j.seq;
    t.req_src_off_i = j.src;
    t.req_dst_off_i = j.dst;
    t.req_len_i = j.len;
    t.req_icv_len_i = sa.icv;
    t.req_trl_i = j.trl;
    t.req_pay_len_i = j.pay;
    t.req_nh_i = j.nh;
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_aead_tb_top> top_;
  uint64_t cycle_ = 0;
};

// ------------------------------------------------------------------ model
int g_fail = 0;

void fail(const std::string& what) {
  ++g_fail;
  if (g_fail <= 20) std::printf("FAIL %s\n", what.c_str());
}

// ------------------------------------------------------------------ runner
struct RunOpts {
  double req_gap = 0;      // probability of an idle cycle before a request
  double rsp_stall = 0;    // probability per cycle of starting a rsp_ready-low stretch
  unsigned stall_max = 0;  // its length, 1..stall_max cycles
  bool late_writes = true; // check: no obuf write to an answered job's bytes (disjoint jobs)
};

// Runs the jobs back to back; checks every response; returns the cycles.
uint64_t run_jobs(Sim& sim, const std::vector<Sa>& sas, std::vector<Job>& jobs, const RunOpts& o,
                  std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  auto& t = sim.top();
  t.tb_own_i = 0;
  size_t nreq = 0, nrsp = 0;
  unsigned stall = 0;
  bool gap = false;
  uint8_t garbage[16];
  for (auto& g : garbage) g = static_cast<uint8_t>(rng());
  const uint64_t start = sim.cycle();
  uint64_t guard = 0;
  auto skip_wipes = [&] {  // a wipe or a setup has no response
    while (nrsp < nreq && (jobs[nrsp].wipe || jobs[nrsp].setup)) ++nrsp;
  };
  while (nrsp < jobs.size()) {
    skip_wipes();
    if (nrsp == jobs.size()) break;
    if (++guard > 100000 + 2000 * jobs.size()) throw std::runtime_error("simulation hangs");
    if (nreq < jobs.size()) {
      if (!gap && t.req_valid_i == 0) gap = u(rng) < o.req_gap;
      else gap = false;
      sim.set_req(sas[jobs[nreq].sa], jobs[nreq], garbage);
      t.req_valid_i = !gap;
    } else {
      t.req_valid_i = 0;
    }
    if (stall == 0 && o.stall_max > 0 && u(rng) < o.rsp_stall) stall = 1 + static_cast<unsigned>(rng() % o.stall_max);
    t.rsp_ready_i = stall == 0;
    if (stall > 0) --stall;
    sim.eval_low();
    const bool req_fire = t.req_valid_i && t.req_ready_o;
    const bool rsp_fire = t.rsp_valid_o && t.rsp_ready_i;
    // A write on the port now lands at this edge: it must not touch a job
    // whose response is already visible (rsp_valid_o only after its writes).
    // (both write ports: the writer's and T's ICV writes)
    const struct { bool we; unsigned addr; uint64_t be; const char* port; } wports[] = {
        {t.ob_we_o != 0, t.ob_waddr_o, t.ob_wbe_o, "writer"}, {t.ic_we_o != 0, t.ic_waddr_o, t.ic_wbe_o, "ICV"}};
    for (const auto& wp : wports) {
      if (!o.late_writes || !wp.we) continue;
      for (unsigned b = 0; b < 64; ++b) {
        if (!((wp.be >> b) & 1)) continue;
        const unsigned a = 64u * wp.addr + b;
        for (size_t k = 0; k < nrsp + (t.rsp_valid_o ? 1 : 0) && k < jobs.size(); ++k) {
          const Job& j = jobs[k];
          const unsigned lo = j.enc ? j.dst - 16 : j.dst;
          const unsigned hi = j.dst + j.len + (j.enc ? sas[j.sa].icv : 0);
          if (a >= lo && a < hi) fail("obuf byte " + std::to_string(a) + " of job " + std::to_string(k) +
                                      " written (" + wp.port + " port) after its response was valid");
        }
      }
    }
    if (rsp_fire) {
      if (nrsp >= nreq) throw std::runtime_error("response without a request");
      Job& j = jobs[nrsp];
      j.t_rsp = sim.cycle();
      const Sa& sa = sas[j.sa];
      char buf[256];
      std::snprintf(buf, sizeof buf, "job %zu (%s%s%s aes%d icv %u len %u src %u dst %u tamper %d)", nrsp,
                    j.enc ? "encrypt" : "decrypt", sa.gmac ? " gmac" : "", sa.esn ? " esn" : "",
                    sa.aes256 ? 256 : 128, sa.icv, j.len, j.src, j.dst, j.tamper);
      if (static_cast<bool>(t.rsp_auth_ok_o) != j.want_ok)
        fail(std::string(buf) + ": auth_ok " + std::to_string(t.rsp_auth_ok_o) + ", want " + std::to_string(j.want_ok));
      if (j.enc && t.rsp_sum_o != j.want_sum)
        fail(std::string(buf) + ": sum " + std::to_string(t.rsp_sum_o) + ", want " + std::to_string(j.want_sum));
      if (!j.enc) {  // esp_dec_watch: the trailer check, nh, and (text at a word boundary) the inner PARSE_IP
        if (static_cast<bool>(t.rsp_trl_ok_o) != j.want_trl_ok)
          fail(std::string(buf) + ": trl_ok " + std::to_string(t.rsp_trl_ok_o) + ", want " + std::to_string(j.want_trl_ok));
        if (j.len >= 1 && t.rsp_nh_o != j.want_nh)
          fail(std::string(buf) + ": nh " + std::to_string(t.rsp_nh_o) + ", want " + std::to_string(j.want_nh));
        if (j.want_trl_ok && j.dst % 64 == 0) {
          ++g_watch_inner;
          if (j.want_in_ok) ++g_watch_inner_ok;
          const bool in_ok = t.rsp_in_status_o == static_cast<unsigned>(esp::spec::Status::OK);
          if (t.rsp_in_slow_o || in_ok != j.want_in_ok || (in_ok && t.rsp_in_len_o != j.want_in_len))
            fail(std::string(buf) + ": inner status " + std::to_string(t.rsp_in_status_o) + " len " +
                 std::to_string(t.rsp_in_len_o) + (t.rsp_in_slow_o ? " slow" : "") + ", want " +
                 (j.want_in_ok ? "OK len " + std::to_string(j.want_in_len) : std::string("MALFORMED")));
        }
        ++(j.want_trl_ok ? g_watch_ok : g_watch_bad);
      }
      ++nrsp;
    }
    sim.tick_high();
    if (req_fire) {
      jobs[nreq].t_req = sim.cycle() - 1;
      ++nreq;
    }
  }
  t.req_wipe_i = 0;
  t.req_setup_i = 0;
  t.req_valid_i = 0;
  t.rsp_ready_i = 1;
  for (int i = 0; i < 4; ++i) sim.tick();
  return sim.cycle() - start;
}

// ------------------------------------------------------------- the cache
struct CacheModel {
  struct E {
    bool v = false;
    uint32_t index = 0, gen = 0;
    bool aes256 = false;
  };
  std::vector<E> e = std::vector<E>(kCacheEntries);
  uint64_t misses = 0;
  void access(const Sa& sa) {
    E& x = e[sa.index % kCacheEntries];
    if (!(x.v && x.index == sa.index && x.gen == sa.generation && x.aes256 == sa.aes256)) {
      ++misses;
      x = {true, sa.index, sa.generation, sa.aes256};
    }
  }
  void wipe(const Sa& sa) { e[sa.index % kCacheEntries].v = false; }
};

void new_key(Sa& sa, std::mt19937_64& rng) {
  sa.aes256 = rng() % 2;
  for (auto& b : sa.key) b = static_cast<uint8_t>(rng());
  for (auto& b : sa.salt) b = static_cast<uint8_t>(rng());
  sa.esn = rng() % 2;
  sa.gmac = rng() % 4 == 0;
  const unsigned icvs[3] = {8, 12, 16};
  sa.icv = icvs[rng() % 3];
  sa.spi = static_cast<uint32_t>(rng());
  sa.seq = sa.esn ? (rng() & 0xffffffffffffULL) : (rng() & 0xffffffffULL);
}

unsigned pick_len(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return 4 * static_cast<unsigned>(rng() % 17);          // 0..64
    case 1: return 4 * static_cast<unsigned>(rng() % 128);         // ..508
    case 2: return 4 * static_cast<unsigned>(rng() % 400);         // ..1596
    case 3: return 4 * static_cast<unsigned>(rng() % 2401);        // ..9600
    case 4: return 64 * static_cast<unsigned>(1 + rng() % 20) - 4 * static_cast<unsigned>(rng() % 9);  // near beats
    default: return 4 * static_cast<unsigned>(rng() % 40);
  }
}

void run_batch(Sim& sim, std::vector<Sa>& sas, CacheModel& cm, std::mt19937_64& rng, int batch, size_t* njobs,
               size_t* ntamper) {
  Bytes ibuf(kBufBytes), obuf(kBufBytes);
  for (auto& b : ibuf) b = static_cast<uint8_t>(rng());
  for (auto& b : obuf) b = static_cast<uint8_t>(rng());
  std::vector<Job> jobs;
  unsigned in_cur = static_cast<unsigned>(rng() % 40), out_cur = static_cast<unsigned>(rng() % 40);
  for (int tries = 0; tries < 40; ++tries) {
    Job j;
    j.sa = rng() % sas.size();
    Sa& sa = sas[j.sa];
    j.enc = rng() % 2;
    j.len = pick_len(rng);
    j.seq = sa.seq++;
    if (!sa.esn) j.seq &= 0xffffffffULL;
    // ibuf: encrypt [src, src+len) (anything before); decrypt [src-16, src+len+icv)
    const unsigned src = j.enc ? in_cur : std::max(in_cur + 16, 16u);
    const unsigned in_end = src + j.len + (j.enc ? 0 : sa.icv);
    // (a decrypt at a word boundary half the time: esp_dec_watch's inner PARSE_IP is compared there)
    const unsigned dst = j.enc ? std::max(out_cur + 16, 16u) : (rng() % 2 == 0 ? (out_cur + 63) / 64 * 64 : out_cur);
    const unsigned out_end = dst + j.len + (j.enc ? sa.icv : 0);
    // (offsets are pkt_len_t: a buffer offset of kBufBytes does not exist; a
    // port value that wide would spill into the request's next field)
    if (in_end > kBufBytes || out_end > kBufBytes || src >= kBufBytes || dst >= kBufBytes) continue;
    j.src = src;
    j.dst = dst;
    in_cur = in_end + static_cast<unsigned>(rng() % 3 == 0 ? 0 : rng() % 130);
    out_cur = out_end + static_cast<unsigned>(rng() % 3 == 0 ? 0 : rng() % 130);
    if (j.enc && j.len >= 2 && rng() % 2 == 0) {  // the trailer on the stream (P = 0..255)
      const unsigned pad = static_cast<unsigned>(rng() % (std::min(255u, j.len - 2) + 1));
      j.trl = true;
      j.pay = j.len - 2 - pad;
      j.nh = static_cast<uint8_t>(rng());
      ++g_trl_jobs;
    }
    if (!j.enc) {
      j.tamper = rng() % 4 == 0 ? 1 + static_cast<int>(rng() % 3) : 0;
      if (j.tamper == 2 && j.len == 0) j.tamper = 1;
      build_decrypt_input(sa, j, ibuf, rng);
    }
    jobs.push_back(j);
    if (jobs.size() >= 24) break;
  }
  // expected obuf, in job order (the regions are disjoint)
  Bytes exp = obuf;
  for (auto& j : jobs) {
    const Sa& sa = sas[j.sa];
    cm.access(sa);
    if (j.enc) {
      j.want_sum = model_encrypt(sa, j, j.trl ? with_trailer(j, ibuf) : ibuf, exp);
      j.want_ok = true;
    } else {
      j.want_ok = model_decrypt(sa, j, ibuf, exp);
      model_dec_watch(j, exp);
      if (j.tamper != 0 && j.want_ok) {
        // a header bit flip in the IV/SPI/seq always changes the tag; a text
        // flip too (the model must agree with that)
        fail("model accepted a tampered packet (batch " + std::to_string(batch) + ")");
      }
      if (j.tamper == 0 && !j.want_ok) fail("model rejected a good packet");
      if (j.tamper != 0) ++*ntamper;
    }
  }
  sim.load(true, ibuf);
  sim.load(false, obuf);
  RunOpts o;
  switch (batch % 4) {
    case 0: break;                                          // back to back, rsp_ready high
    case 1: o = {0.3, 0.05, 20, true}; break;
    case 2: o = {0.0, 0.02, 400, true}; break;                    // long rsp_ready-low stretches
    default: o = {0.1, 0.2, 5, true}; break;
  }
  const uint64_t setups0 = sim.top().key_setups_o;
  run_jobs(sim, sas, jobs, o, rng);
  const Bytes got = sim.read_obuf();
  for (unsigned i = 0; i < kBufBytes; ++i) {
    if (got[i] != exp[i]) {
      std::string which = "outside every written range";
      for (size_t k = 0; k < jobs.size(); ++k) {
        const auto& j = jobs[k];
        const unsigned lo = j.enc ? j.dst - 16 : j.dst;
        const unsigned hi = j.dst + j.len + (j.enc ? sas[j.sa].icv : 0);
        if (i >= lo && i < hi) which = "job " + std::to_string(k) + (j.enc ? " encrypt" : " decrypt") +
                                       " at offset " + std::to_string(static_cast<int>(i) - static_cast<int>(j.dst));
      }
      char b[200];
      std::snprintf(b, sizeof b, "batch %d: obuf byte %u = %02x, want %02x (%s)", batch, i, got[i], exp[i], which.c_str());
      fail(b);
      break;
    }
  }
  (void)setups0;
  *njobs += jobs.size();
}

// A given sequence of jobs, wipes and setup requests (picks: SA, kJob /
// kWipe / kSetup) in one run, back to back, against the model; returns the
// key setups the unit started.
enum Pick : int { kJob = 0, kWipe = 1, kSetup = 2 };
uint64_t run_list(Sim& sim, std::vector<Sa>& sas, CacheModel& cm, std::mt19937_64& rng, const std::string& name,
                  const std::vector<std::pair<size_t, int>>& picks, const RunOpts& o) {
  Bytes ibuf(kBufBytes), obuf(kBufBytes);
  for (auto& b : ibuf) b = static_cast<uint8_t>(rng());
  for (auto& b : obuf) b = static_cast<uint8_t>(rng());
  std::vector<Job> jobs;
  unsigned in_cur = 16, out_cur = 16;
  Bytes exp = obuf;
  for (const auto& [sai, pick] : picks) {
    Job j;
    j.sa = sai;
    Sa& sa = sas[sai];
    if (pick == kWipe) {
      j.wipe = true;
      j.enc = false;
      cm.wipe(sa);
      jobs.push_back(j);
      continue;
    }
    if (pick == kSetup) {
      j.setup = true;
      j.enc = false;
      cm.access(sa);
      jobs.push_back(j);
      continue;
    }
    j.enc = rng() % 2;
    j.len = 4 * static_cast<unsigned>(rng() % 40);
    j.seq = sa.seq++;
    if (!sa.esn) j.seq &= 0xffffffffULL;
    j.src = j.enc ? in_cur : in_cur + 16;
    j.dst = j.enc ? out_cur + 16 : out_cur;
    in_cur = j.src + j.len + (j.enc ? 0 : sa.icv) + static_cast<unsigned>(rng() % 70);
    out_cur = j.dst + j.len + (j.enc ? sa.icv : 0) + static_cast<unsigned>(rng() % 70);
    if (in_cur + 200 > kBufBytes || out_cur + 200 > kBufBytes) throw std::runtime_error(name + ": too many jobs");
    if (!j.enc) build_decrypt_input(sa, j, ibuf, rng);
    cm.access(sa);
    if (j.enc) {
      j.want_sum = model_encrypt(sa, j, ibuf, exp);
      j.want_ok = true;
    } else {
      j.want_ok = model_decrypt(sa, j, ibuf, exp);
      model_dec_watch(j, exp);
    }
    jobs.push_back(j);
  }
  sim.load(true, ibuf);
  sim.load(false, obuf);
  const uint64_t setups0 = sim.top().key_setups_o;
  run_jobs(sim, sas, jobs, o, rng);
  const uint64_t setups = sim.top().key_setups_o - setups0;
  const Bytes got = sim.read_obuf();
  for (unsigned i = 0; i < kBufBytes; ++i) {
    if (got[i] != exp[i]) {
      fail(name + ": obuf byte " + std::to_string(i) + " differs from the model");
      break;
    }
  }
  return setups;
}

// The key slot of an SA index as the unit holds it: zero?
bool slot_is_zero(Sim& sim, uint32_t index) {
  sim.top().slot_idx_i = static_cast<uint16_t>(index);
  sim.eval_low();
  for (size_t k = 0; k < (770 + 31) / 32; ++k) {
    if (sim.top().slot_o[k] != 0) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = std::random_device{}();
  if (const char* e = std::getenv("ESP_SIM_SEED")) seed = std::strtoull(e, nullptr, 0);
  int batches = 40;
  bool perf = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 0);
    else if (a == "--batches" && i + 1 < argc) batches = std::atoi(argv[++i]);
    else if (a == "--no-perf") perf = false;
    else {
      std::fprintf(stderr, "usage: %s [--seed N] [--batches N] [--no-perf]\n", argv[0]);
      return 2;
    }
  }
  std::printf("esp_aead_tb: seed %" PRIu64 " (replay: --seed %" PRIu64 " or ESP_SIM_SEED)\n", seed, seed);
  std::fflush(stdout);
  std::mt19937_64 rng(seed);
  try {
    Sim sim(seed);

    // SAs: indices with colliding cache entries (same low 8 bits).
    std::vector<Sa> sas(28);
    for (size_t i = 0; i < sas.size(); ++i) {
      Sa& sa = sas[i];
      sa.index = i < 8 ? static_cast<uint32_t>(rng() % 1024) : (i < 16 ? sas[i - 8].index + 256u * (1 + rng() % 50)
                                                                         : static_cast<uint32_t>(rng()));
      sa.generation = static_cast<uint32_t>(rng());
      new_key(sa, rng);
    }
    CacheModel cm;
    size_t njobs = 0, ntamper = 0;
    const uint64_t setups0 = sim.top().key_setups_o;
    for (int b = 0; b < batches; ++b) {
      // generation bumps: a new key under the same SA index
      for (auto& sa : sas)
        if (rng() % 10 == 0) {
          ++sa.generation;
          new_key(sa, rng);
        }
      run_batch(sim, sas, cm, rng, b, &njobs, &ntamper);
      const uint64_t setups = sim.top().key_setups_o - setups0;
      if (setups != cm.misses) {
        fail("batch " + std::to_string(b) + ": " + std::to_string(setups) + " key setups, cache model says " +
             std::to_string(cm.misses) + " misses");
        break;
      }
      if (g_fail) break;
    }
    std::printf("random: %d batches, %zu jobs (%zu tampered decrypts), %" PRIu64 " key setups = misses of the cache model\n",
                batches, njobs, ntamper, cm.misses);
    std::printf("esp_dec_watch: %" PRIu64 " decrypt answers with a good trailer, %" PRIu64 " with a bad one, %" PRIu64
                " inner PARSE_IP answers compared (%" PRIu64 " of them OK)\n", g_watch_ok, g_watch_bad, g_watch_inner,
                g_watch_inner_ok);
    std::printf("trailer on the stream: %" PRIu64 " encrypts\n", g_trl_jobs);
    if (g_trl_jobs == 0) fail("no encrypt had its trailer on the stream");
    if (g_watch_ok == 0 || g_watch_bad == 0 || g_watch_inner_ok == 0 || g_watch_inner_ok == g_watch_inner)
      fail("esp_dec_watch: a kind of answer was never checked");

    // Many SAs interleaved: 700 SA indices over the whole key store (0 and
    // MaxSas-1 among them), AES-128 / AES-256, GMAC, ESN mixed at random,
    // different keys and generations; jobs of different SAs back to back.
    {
      std::vector<Sa> many(700);
      for (size_t i = 0; i < many.size(); ++i) {
        Sa& sa = many[i];
        sa.index = i == 0 ? 0u : i == 1 ? kCacheEntries - 1 : static_cast<uint32_t>(rng() % kCacheEntries);
        sa.generation = static_cast<uint32_t>(rng());
        new_key(sa, rng);
      }
      const uint64_t m0 = cm.misses;
      uint64_t setups = 0;
      size_t n = 0;
      for (int b = 0; b < 30 && g_fail == 0; ++b) {
        for (auto& sa : many)
          if (rng() % 20 == 0) {
            ++sa.generation;
            new_key(sa, rng);
          }
        std::vector<std::pair<size_t, int>> picks;
        for (int k = 0; k < 60; ++k) {
          const size_t i = rng() % many.size();
          if (rng() % 8 == 0) {  // SA_INSTALL's setup request, a job of the SA right behind it
            picks.push_back({i, kSetup});
            ++k;
          }
          picks.push_back({i, kJob});
        }
        n += picks.size();
        RunOpts o;
        if (b % 2) o = {0.2, 0.05, 10, true};
        setups += run_list(sim, many, cm, rng, "many SAs batch " + std::to_string(b), picks, o);
      }
      if (setups != cm.misses - m0) {
        fail("many SAs: " + std::to_string(setups) + " key setups, the per-SA model says " +
             std::to_string(cm.misses - m0) + " misses");
      }
      std::printf("many SAs: %zu jobs over %zu SAs, %" PRIu64 " key setups = misses of the per-SA model\n", n,
                  many.size(), setups);
    }

    // Wipe (SA_DELETE) then reuse: X (AES-256, index MaxSas-1) and Y (AES-128,
    // index 0); a wipe right behind jobs of its SA (they keep their key), the
    // same generation used again after the wipe (a miss: the key is set up
    // again), the slot zero after a wipe and only then.
    if (g_fail == 0) {
      std::vector<Sa> xy(2);
      xy[0].index = kCacheEntries - 1;
      xy[1].index = 0;
      for (auto& sa : xy) {
        sa.generation = static_cast<uint32_t>(rng());
        new_key(sa, rng);
      }
      xy[0].aes256 = true;
      xy[1].aes256 = false;
      const uint64_t m0 = cm.misses;
      const std::vector<std::pair<size_t, int>> picks{{0, false}, {1, false}, {0, false}, {0, false}, {0, true},
                                                       {0, false}, {1, false}, {1, true},  {1, false}, {0, false}};
      const uint64_t setups = run_list(sim, xy, cm, rng, "wipe then reuse", picks, RunOpts{});
      if (setups != 4 || cm.misses - m0 != 4) {
        fail("wipe then reuse: " + std::to_string(setups) + " key setups, want 4 (model " +
             std::to_string(cm.misses - m0) + ")");
      }
      if (slot_is_zero(sim, xy[0].index) || slot_is_zero(sim, xy[1].index)) fail("a key slot in use is zero");
      run_list(sim, xy, cm, rng, "wipe X", {{0, true}}, RunOpts{});
      if (!slot_is_zero(sim, xy[0].index)) fail("wipe: the slot (key, H powers) is not zero");
      if (slot_is_zero(sim, xy[1].index)) fail("wipe of X touched Y's slot");
      run_list(sim, xy, cm, rng, "wipe Y", {{1, true}}, RunOpts{});
      if (!slot_is_zero(sim, xy[1].index)) fail("wipe: the slot (key, H powers) is not zero");
      if (run_list(sim, xy, cm, rng, "reuse after wipe", {{1, false}, {0, false}}, RunOpts{}) != 2)
        fail("reuse after wipe: the keys were not set up again");
      if (g_fail == 0) std::printf("wipe then reuse: jobs behind and after wipes correct, slots zeroed, keys set up again\n");

      // SA_INSTALL's setup request: the key set up with no job (the slot
      // written), the jobs behind it hit (no further setup) and use the new
      // key while it may still be set up; a second request on a hit does
      // nothing; after a new generation the request sets the new key up.
      xy[0].generation++;
      new_key(xy[0], rng);
      const uint64_t m1 = cm.misses;
      if (run_list(sim, xy, cm, rng, "setup X", {{0, kSetup}}, RunOpts{}) != 1 || slot_is_zero(sim, xy[0].index))
        fail("setup request: no key set up");
      if (run_list(sim, xy, cm, rng, "jobs behind setups",
                   {{0, kJob}, {0, kSetup}, {0, kJob}, {1, kSetup}, {1, kJob}, {1, kJob}}, RunOpts{}) != 0)
        fail("setup request: a hit (or a job behind a setup request) started a key setup");
      xy[1].generation++;
      new_key(xy[1], rng);
      if (run_list(sim, xy, cm, rng, "setup, job at once", {{1, kSetup}, {1, kJob}, {0, kJob}}, RunOpts{}) != 1)
        fail("setup request of a new generation: want one key setup");
      if (cm.misses - m1 != 2) fail("setup request: the cache model disagrees");
      if (g_fail == 0) std::printf("setup requests: keys set up without a job, jobs behind them hit and are correct\n");
    }

    if (perf && g_fail == 0) {
      // One SA per mode, cache warm; text at ibuf 64+16, output at obuf 64+16
      // (aligned ESP header), at odd offsets, and as esp_engine places a
      // tunnel packet (encrypt: the inner packet at a word boundary, the
      // trailer on the stream, the ESP header behind a 20-byte outer header;
      // decrypt: the ESP header 20 bytes into a word, the plaintext out at a
      // word boundary).
      std::printf("cycles per job (req accepted -> rsp valid; back-to-back: cycles between responses of 8 jobs)\n");
      std::printf("| text | mode | offsets | latency | back-to-back | beats to core |\n");
      std::printf("|------|------|---------|---------|--------------|---------------|\n");
      Sa sa;
      sa.index = 7;
      sa.generation = 1;
      new_key(sa, rng);
      sa.esn = false;
      sa.gmac = false;
      sa.icv = 16;
      std::vector<Sa> one{sa};
      uint64_t miss_lat = 0, hit_lat = 0;
      for (unsigned len : {64u, 576u, 1500u, 9000u}) {
        const unsigned l4 = (len + 3) / 4 * 4;  // (the engine shape's encrypt: len + trailer, 4-aligned)
        for (int enc = 1; enc >= 0; --enc) {
          for (int shape = 0; shape < 3; ++shape) {
            const bool aligned = shape == 0;
            Bytes ibuf(kBufBytes), obuf(kBufBytes);
            for (auto& b : ibuf) b = static_cast<uint8_t>(rng());
            Job j;
            j.enc = enc;
            j.len = l4;
            j.seq = 5;
            j.src = aligned ? 80 : 87 + 4;
            j.dst = aligned ? 80 : 85;
            if (shape == 2) {
              j.src = enc ? 64 : 64 + 20 + 16;
              j.dst = enc ? 64 + 20 + 16 : 64;
              if (enc) {
                j.len = (len + 2 + 3) / 4 * 4;
                j.trl = true;
                j.pay = len;
                j.nh = 4;
              }
            }
            if (!enc) build_decrypt_input(one[0], j, ibuf, rng);
            Bytes exp = obuf;
            if (enc) j.want_sum = model_encrypt(one[0], j, j.trl ? with_trailer(j, ibuf) : ibuf, exp);
            else {
              j.want_ok = model_decrypt(one[0], j, ibuf, exp);
              model_dec_watch(j, exp);
            }
            sim.load(true, ibuf);
            const uint64_t setups0 = sim.top().key_setups_o;
            RunOpts same;  // the 8 jobs below write the same bytes
            same.late_writes = false;
            std::vector<Job> w{j};
            run_jobs(sim, one, w, RunOpts{}, rng);  // warms the cache
            const uint64_t setups1 = sim.top().key_setups_o;
            std::vector<Job> single{j};
            run_jobs(sim, one, single, RunOpts{}, rng);
            std::vector<Job> many(8, j);
            run_jobs(sim, one, many, same, rng);
            if (sim.top().key_setups_o != setups1) fail("a cache hit started a key setup");
            if (setups1 != setups0 + (miss_lat == 0 ? 1u : 0u)) fail("the first job of a new SA did not set its key up");
            if (miss_lat == 0) {
              miss_lat = w[0].t_rsp - w[0].t_req;
              hit_lat = single[0].t_rsp - single[0].t_req;
            }
            // steady state: response to response
            const double per = static_cast<double>(many.back().t_rsp - many.front().t_rsp) / 7.0;
            std::printf("| %u | %s | %s | %" PRIu64 " | %.2f | %u |\n", j.len, enc ? "encrypt" : "decrypt",
                        shape == 0 ? "src 80, dst 80" : shape == 1 ? "src 91, dst 85"
                                   : enc ? "src 64 (trailer on stream), dst 100" : "src 100, dst 64",
                        single[0].t_rsp - single[0].t_req, per, (16 + j.len + 63) / 64);
          }
        }
      }
      std::printf("key cache: a 64-byte %s job takes %" PRIu64 " cycles on a miss (key setup), %" PRIu64 " on a hit\n",
                  sa.aes256 ? "AES-256" : "AES-128", miss_lat, hit_lat);
    }
  } catch (const std::exception& e) {
    std::printf("FAIL exception: %s\n", e.what());
    return 1;
  }
  if (g_fail) {
    std::printf("esp_aead_tb: %d FAILURES (seed %" PRIu64 ")\n", g_fail, seed);
    return 1;
  }
  std::printf("esp_aead_tb: PASS (seed %" PRIu64 ")\n", seed);
  return 0;
}
