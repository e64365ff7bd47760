// esp-offload: Verilator testbench of esp_gcm_key_setup + esp_ghash (through
// sim/esp_ghash_tb_top.sv) against OpenSSL.
//
// For random keys (AES-128/256) and messages (AAD 0..200, text 0..700 bytes,
// laid out as esp_gcm_core does: AAD, zeros to 16, ciphertext), esp_ghash
// must give S = GHASH_H(A, C) = tag XOR E(K, J0), with tag from OpenSSL's
// AES-GCM and E(K, J0) from its AES-ECB. Messages back to back, random
// source gaps and random out_ready back-pressure (the stall path
// esp_gcm_core does not use), partial last beats, empty messages, last
// beats of 49..64 bytes (the length block then takes a beat of its own;
// the run fails if none occurred).
//
// usage: esp_ghash_tb [--seed N] [--batches N]; the seed is printed first
// (ESP_SIM_SEED=<n> replays a run).

#include <openssl/evp.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "Vesp_ghash_tb_top.h"
#include "verilated.h"
#include "tb_util.hpp"

namespace {

namespace tb = esp::tb;

using tb::Bytes;
using tb::get_be;
using tb::put_be;


Bytes rand_bytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// S = GHASH_H(aad, ct) by OpenSSL: the GCM tag XOR E(K, J0).
Bytes ref_s(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& pt, Bytes& ct) {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  int n = 0;
  Bytes tag(16), ej0(16), j0 = iv;
  j0.insert(j0.end(), {0, 0, 0, 1});
  ct.assign(pt.size() + 16, 0);
  bool ok = c != nullptr &&
            EVP_EncryptInit_ex(c, key.size() == 16 ? EVP_aes_128_gcm() : key.size() == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm(), nullptr, key.data(),
                               iv.data()) == 1;
  if (ok && !aad.empty()) ok = EVP_EncryptUpdate(c, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1;
  if (ok && !pt.empty()) ok = EVP_EncryptUpdate(c, ct.data(), &n, pt.data(), static_cast<int>(pt.size())) == 1;
  ok = ok && EVP_EncryptFinal_ex(c, ct.data() + pt.size(), &n) == 1 &&
       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag.data()) == 1;
  ct.resize(pt.size());
  ok = ok && EVP_EncryptInit_ex(c, key.size() == 16 ? EVP_aes_128_ecb() : key.size() == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb(), nullptr, key.data(),
                                nullptr) == 1 &&
       EVP_CIPHER_CTX_set_padding(c, 0) == 1 && EVP_EncryptUpdate(c, ej0.data(), &n, j0.data(), 16) == 1;
  EVP_CIPHER_CTX_free(c);
  if (!ok) throw std::runtime_error("OpenSSL failed");
  for (int i = 0; i < 16; ++i) tag[static_cast<size_t>(i)] ^= ej0[static_cast<size_t>(i)];
  return tag;
}

struct Msg {
  Bytes stream;  // AAD, zeros to 16, ciphertext
  uint16_t aad_len = 0, txt_len = 0;
  Bytes want_s;
};

class Sim {
 public:
  explicit Sim(uint64_t seed) : rng_(seed) {
    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->randReset(2);
    ctx_->randSeed(static_cast<int>(seed & 0x7fffffff));
    top_ = std::make_unique<Vesp_ghash_tb_top>(ctx_.get(), "top");
    top_->rst_ni = 0;
    top_->key_valid_i = 0;
    top_->in_valid_i = 0;
    top_->out_ready_i = 1;
    for (int i = 0; i < 4; ++i) tick();
    top_->rst_ni = 1;
    tick();
  }
  ~Sim() { top_->final(); }

  void install(const Bytes& key) {
    Bytes k(32, 0);
    std::memcpy(k.data(), key.data(), key.size());
    put_be(top_->key_i, k.data(), 32);
    top_->klen_i = tb::klen_of(key.size());
    top_->key_valid_i = 1;
    int from_fire = -1;
    for (int guard = 0;; ++guard) {
      if (guard > 200) throw std::runtime_error("key setup hangs");
      if (from_fire >= 0) ++from_fire;
      top_->clk_i = 0;
      top_->eval();
      const bool fire = top_->key_valid_i && top_->key_ready_o;
      const bool done = top_->key_done_o;
      top_->clk_i = 1;
      top_->eval();
      if (fire) {
        top_->key_valid_i = 0;
        from_fire = 0;
      }
      if (done) break;
    }
    setup_cycles[key.size() == 32] = from_fire;
  }
  int setup_cycles[2] = {0, 0};  // last key setup: cycles from the accepting edge to the slot write

  // Messages back to back; returns how many S values matched.
  size_t run(const std::vector<Msg>& msgs, double src_idle, double sink_stall) {
    std::uniform_real_distribution<double> u(0, 1);
    size_t mi = 0, off = 0, got = 0, ok = 0;
    bool offering = false;
    for (uint64_t guard = 0; got < msgs.size(); ++guard) {
      if (guard > 100000) throw std::runtime_error("ghash hangs");
      size_t len = 0;
      bool last = false;
      if (!offering && mi < msgs.size() && !(u(rng_) < src_idle)) offering = true;
      if (mi < msgs.size()) {
        const Msg& m = msgs[mi];
        len = std::min<size_t>(64, m.stream.size() - off);
        last = off + len >= m.stream.size();
        for (int w = 0; w < 16; ++w) top_->in_data_i[w] = static_cast<uint32_t>(rng_());  // garbage past in_bytes
        for (size_t b = 0; b < len; ++b) {
          top_->in_data_i[b / 4] &= ~(0xffu << (8 * (b % 4)));
          top_->in_data_i[b / 4] |= static_cast<uint32_t>(m.stream[off + b]) << (8 * (b % 4));
        }
        top_->in_bytes_i = static_cast<uint8_t>(len);
        top_->in_first_i = off == 0;
        top_->in_last_i = last;
        top_->in_aad_len_i = m.aad_len;
        top_->in_txt_len_i = m.txt_len;
        top_->in_user_i = static_cast<uint32_t>(mi);
      }
      top_->in_valid_i = offering;
      top_->out_ready_i = !(u(rng_) < sink_stall);
      top_->clk_i = 0;
      top_->eval();
      const bool in_fire = top_->in_valid_i && top_->in_ready_o;
      if (top_->out_valid_o && top_->out_ready_i) {
        if (top_->out_user_o != got) throw std::runtime_error("out of order");
        const Bytes s = get_be(top_->out_s_o, 16);
        if (s == msgs[got].want_s) ++ok;
        else if (ok + 5 > got) std::printf("FAIL message %zu (aad %u, text %u)\n", got, msgs[got].aad_len,
                                           msgs[got].txt_len);
        ++got;
      }
      top_->clk_i = 1;
      top_->eval();
      if (in_fire) {
        offering = false;
        off += len;
        if (last) {
          ++mi;
          off = 0;
        }
      }
    }
    top_->in_valid_i = 0;
    return ok;
  }

 private:
  void tick() {
    top_->clk_i = 0;
    top_->eval();
    top_->clk_i = 1;
    top_->eval();
  }
  std::mt19937_64 rng_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_ghash_tb_top> top_;
};

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = std::random_device{}();
  if (const char* e = std::getenv("ESP_SIM_SEED")) seed = std::strtoull(e, nullptr, 0);
  int batches = 40;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 0);
    else if (a == "--batches" && i + 1 < argc) batches = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--seed N] [--batches N]\n", argv[0]);
      return 2;
    }
  }
  std::printf("esp_ghash_tb: seed %" PRIu64 " (replay: ESP_SIM_SEED=%" PRIu64 ")\n", seed, seed);
  std::fflush(stdout);
  try {
    Sim sim(seed);
    std::mt19937_64 rng(seed ^ 0x6a5ULL);
    const double prof[4][2] = {{0, 0}, {0.3, 0.3}, {0.1, 0.8}, {0.5, 0.5}};
    size_t n = 0, ok = 0, n_len_beat = 0;
    for (int b = 0; b < batches; ++b) {
      const Bytes key = rand_bytes(rng, (rng() & 1) ? 32 : 16);
      sim.install(key);
      std::vector<Msg> msgs;
      const int nm = 1 + static_cast<int>(rng() % 12);
      for (int k = 0; k < nm; ++k) {
        const size_t r = rng() % 8;
        const size_t alen = r == 0 ? 0 : rng() % 201;
        const size_t tlen = r == 1 ? 0 : (r < 5 ? rng() % 100 : rng() % 701);
        const Bytes iv = rand_bytes(rng, 12), aad = rand_bytes(rng, alen), pt = rand_bytes(rng, tlen);
        Msg m;
        Bytes ct;
        m.want_s = ref_s(key, iv, aad, pt, ct);
        m.stream = aad;
        m.stream.resize((alen + 15) / 16 * 16, 0);
        m.stream.insert(m.stream.end(), ct.begin(), ct.end());
        m.aad_len = static_cast<uint16_t>(alen);
        m.txt_len = static_cast<uint16_t>(tlen);
        // last beat over 48 bytes: no room for the length block, which then takes a beat of its own
        if (!m.stream.empty() && (m.stream.size() - 1) % 64 >= 48) ++n_len_beat;
        msgs.push_back(m);
      }
      ok += sim.run(msgs, prof[b % 4][0], prof[b % 4][1]);
      n += msgs.size();
    }
    std::printf("GHASH vs OpenSSL (tag ^ E(K,J0)): %zu messages in %d keys, passed %zu "
                "(%zu with the length block in a beat of its own)\n", n, batches, ok, n_len_beat);
    std::printf("key setup (key accepted -> H^1..H^4 written): AES-128 %d cycles, AES-256 %d cycles\n",
                sim.setup_cycles[0], sim.setup_cycles[1]);
    if (ok != n || n_len_beat == 0) {
      std::printf("FAILED (seed %" PRIu64 ")\n", seed);
      return 1;
    }
  } catch (const std::exception& e) {
    std::printf("FAIL: %s (seed %" PRIu64 ")\n", e.what(), seed);
    return 1;
  }
  std::printf("PASSED (seed %" PRIu64 ")\n", seed);
  return 0;
}
