// esp-offload: Verilator testbench of esp_gcm_core (hw/rtl).
//
//   1. every Wycheproof AES-GCM vector with a 96-bit IV, a 128-bit tag and a
//      128/256-bit key (the card offers no AES-192: those vectors are counted
//      as not applicable); the file's own numberOfTests must match the tests
//      of its groups, each tcId once, and every applicable vector must run
//      (a truncated or edited file fails) (encrypt and decrypt for valid vectors, decrypt + tag mismatch for
//      invalid ones), packets back to back with random back-pressure;
//   2. random packets (encrypt, decrypt, GMAC; AES-128/256; both key slots
//      interleaved) against OpenSSL's EVP AES-GCM, random back-pressure;
//   3. throughput: back-to-back packets of 64/576/1500/9000 payload bytes,
//      cycles and bytes per cycle.
//
// usage: esp_gcm_tb [--vectors FILE] [--seed N] [--random N]
// The seed (also ESP_SIM_SEED) drives the model's random initial values
// (--x-initial unique) and every random choice; it is printed first.

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "Vesp_gcm_core.h"
#include "verilated.h"
#include "tb_util.hpp"

namespace {

namespace tb = esp::tb;

using tb::Bytes;
using tb::get_be;
using tb::put_be;

enum Mode : uint8_t { kEncrypt = 0, kDecrypt = 1, kGmac = 2 };
const char* mode_name(Mode m) { return m == kEncrypt ? "encrypt" : m == kDecrypt ? "decrypt" : "gmac"; }

Bytes from_hex(const std::string& s) {
  Bytes b(s.size() / 2);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(std::stoul(s.substr(2 * i, 2), nullptr, 16));
  return b;
}

std::string to_hex(const Bytes& b, size_t max = 64) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < b.size() && i < max; ++i) {
    s += d[b[i] >> 4];
    s += d[b[i] & 15];
  }
  if (b.size() > max) s += "...";
  return s;
}


struct Key {
  Bytes key;  // 16 or 32 bytes
};

struct Packet {
  int slot = 0;
  Mode mode = kEncrypt;
  Bytes iv;    // 12 bytes
  Bytes aad;
  Bytes text;  // plaintext (encrypt) or ciphertext (decrypt); empty for GMAC
  // expected results
  Bytes want_text;
  Bytes want_tag;
  bool tag_must_differ = false;  // Wycheproof invalid: the computed tag must not equal want_tag
  bool check_text = true;        // (not for invalid vectors: their text may be altered)
  std::string name;
};

struct Result {
  Bytes text;
  Bytes tag;
  unsigned user = 0;
};

// The stream image of a packet: AAD, zero padding to 16, text (GMAC: all AAD).
Bytes stream_of(const Packet& p) {
  Bytes s = p.aad;
  if (p.mode == kGmac) return s;
  s.resize((s.size() + 15) / 16 * 16, 0);
  s.insert(s.end(), p.text.begin(), p.text.end());
  return s;
}

size_t aad_padded(const Packet& p) { return p.mode == kGmac ? p.aad.size() : (p.aad.size() + 15) / 16 * 16; }

// ------------------------------------------------------------------ OpenSSL
const EVP_CIPHER* gcm_cipher(size_t key_bytes) {
  return key_bytes == 16 ? EVP_aes_128_gcm() : key_bytes == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
}

// AES-GCM encryption by OpenSSL: ciphertext and the 16-byte tag.
void ref_gcm_encrypt(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& in, Bytes& out, Bytes& tag) {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  if (c == nullptr) throw std::runtime_error("EVP_CIPHER_CTX_new");
  int n = 0;
  bool ok = EVP_EncryptInit_ex(c, gcm_cipher(key.size()), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) == 1 &&
            EVP_EncryptInit_ex(c, nullptr, nullptr, key.data(), iv.data()) == 1;
  if (ok && !aad.empty()) ok = EVP_EncryptUpdate(c, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1;
  out.assign(in.size() + 16, 0);
  if (ok && !in.empty()) ok = EVP_EncryptUpdate(c, out.data(), &n, in.data(), static_cast<int>(in.size())) == 1;
  tag.assign(16, 0);
  ok = ok && EVP_EncryptFinal_ex(c, out.data() + in.size(), &n) == 1 &&
       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag.data()) == 1;
  out.resize(in.size());
  EVP_CIPHER_CTX_free(c);
  if (!ok) throw std::runtime_error("OpenSSL AES-GCM failed");
}

// -------------------------------------------------------------- the model
struct Backpressure {
  double src_idle = 0;   // probability the source offers nothing in a cycle
  double sink_stall = 0; // probability m_axis_tready is low
  double tag_stall = 0;  // probability m_tag_ready is low
};

// A key install into a slot while packets stream: issued when packet
// `start_pkt`'s first beat is accepted; packets from `use_pkt` on are held
// back until it has finished (they use the new key), the ones before keep the
// old key even though the install overwrites their slot meanwhile.
struct KeyEvent {
  size_t start_pkt = 0;
  size_t use_pkt = 0;
  int slot = 0;
  Bytes key;
};

struct RunStats {
  uint64_t cycles = 0;          // first beat offered .. last tag taken
  uint64_t in_first = 0, in_last = 0;  // cycles of the first and last accepted input beat
  uint64_t out_first = 0, out_last = 0;
  uint64_t beats_in = 0;
};

class Sim {
 public:
  explicit Sim(uint64_t seed) : rng_(seed) {
    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->randReset(2);
    ctx_->randSeed(static_cast<int>(seed & 0x7fffffff));
    top_ = std::make_unique<Vesp_gcm_core>(ctx_.get(), "top");
    top_->clk_i = 0;
    top_->rst_ni = 0;
    idle_inputs();
    for (int i = 0; i < 4; ++i) tick();
    top_->rst_ni = 1;
    tick();
  }
  ~Sim() { top_->final(); }

  uint64_t cycle() const { return cycle_; }

  void install_key(int slot, const Bytes& key) {
    Bytes k(32, 0);
    std::memcpy(k.data(), key.data(), key.size());
    top_->key_slot_i = static_cast<uint8_t>(slot);
    top_->key_klen_i = tb::klen_of(key.size());
    put_be(top_->key_i, k.data(), 32);
    top_->key_valid_i = 1;
    for (;;) {
      eval_low();
      const bool fire = top_->key_ready_o;
      tick_high();
      if (fire) break;
    }
    top_->key_valid_i = 0;
    unsigned guard = 0;
    do {
      tick();
      if (++guard > 1000) throw std::runtime_error("key setup does not finish");
    } while (!top_->key_ready_o);
  }

  // Runs the packets back to back; results in packet order.
  std::vector<Result> run(const std::vector<Packet>& pkts, const Backpressure& bp, RunStats* st = nullptr,
                          const KeyEvent* ev = nullptr) {
    int ev_state = ev != nullptr ? 0 : 3;  // 0 wait, 1 request, 2 running, 3 done
    if (ev != nullptr) {
      Bytes k(32, 0);
      std::memcpy(k.data(), ev->key.data(), ev->key.size());
      top_->key_slot_i = static_cast<uint8_t>(ev->slot);
      top_->key_klen_i = tb::klen_of(ev->key.size());
      put_be(top_->key_i, k.data(), 32);
    }
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<Result> res(pkts.size());
    std::vector<Bytes> streams;
    for (const auto& p : pkts) streams.push_back(stream_of(p));
    size_t pi = 0, off = 0;        // source position
    bool offering = false;         // valid is up and must stay until taken
    size_t out_pkt = 0, tag_pkt = 0;
    Bytes out_buf;
    RunStats s;
    const uint64_t start = cycle_;
    bool seen_in = false, seen_out = false;
    uint64_t guard = 0;
    while (tag_pkt < pkts.size() || out_pkt < pkts.size()) {
      if (++guard > 200000 + 40 * pkts.size() * 200) throw std::runtime_error("simulation hangs");
      // source
      const bool held = ev != nullptr && pi >= ev->use_pkt && ev_state != 3;
      if (!offering && pi < pkts.size() && !held) offering = !(u(rng_) < bp.src_idle);
      top_->key_valid_i = ev_state == 1;
      top_->s_axis_tvalid_i = offering;
      size_t beat_len = 0;
      bool last = false;
      if (pi < pkts.size()) {
        const Packet& p = pkts[pi];
        const Bytes& str = streams[pi];
        beat_len = std::min<size_t>(64, str.size() - off);
        last = off + beat_len >= str.size();
        for (int w = 0; w < 16; ++w) top_->s_axis_tdata_i[w] = 0;
        for (size_t b = 0; b < beat_len; ++b)
          top_->s_axis_tdata_i[b / 4] |= static_cast<uint32_t>(str[off + b]) << (8 * (b % 4));
        // bytes past the end of the packet: garbage, the core must ignore them
        for (size_t b = beat_len; b < 64; ++b)
          top_->s_axis_tdata_i[b / 4] |= static_cast<uint32_t>(rng_() & 0xff) << (8 * (b % 4));
        top_->s_axis_tkeep_i = beat_len == 64 ? ~0ULL : ((1ULL << beat_len) - 1);
        top_->s_axis_tlast_i = last;
        top_->s_axis_tuser_i = static_cast<uint8_t>(pi & 0xff);
        top_->s_axis_mode_i = p.mode;
        top_->s_axis_key_slot_i = static_cast<uint8_t>(p.slot);
        put_be(top_->s_axis_iv_i, p.iv.data(), 12);
        top_->s_axis_aad_len_i = static_cast<uint16_t>(p.aad.size());
      }
      top_->m_axis_tready_i = !(u(rng_) < bp.sink_stall);
      top_->m_tag_ready_i = !(u(rng_) < bp.tag_stall);
      eval_low();
      const bool in_fire = top_->s_axis_tvalid_i && top_->s_axis_tready_o;
      const bool out_fire = top_->m_axis_tvalid_o && top_->m_axis_tready_i;
      const bool tag_fire = top_->m_tag_valid_o && top_->m_tag_ready_i;
      if (out_fire) {
        if (out_pkt >= pkts.size()) throw std::runtime_error("output beat after the last packet");
        const uint64_t keep = top_->m_axis_tkeep_o;
        for (int b = 0; b < 64; ++b)
          if ((keep >> b) & 1) out_buf.push_back(static_cast<uint8_t>(top_->m_axis_tdata_o[b / 4] >> (8 * (b % 4))));
        if (top_->m_axis_tuser_o != (out_pkt & 0xff)) throw std::runtime_error("m_axis_tuser out of order");
        if (!seen_out) s.out_first = cycle_;
        seen_out = true;
        s.out_last = cycle_;
        if (top_->m_axis_tlast_o) {
          const Packet& p = pkts[out_pkt];
          const size_t ap = aad_padded(p);
          Bytes want = stream_of(p);
          // AAD (and padding) come back unchanged
          if (out_buf.size() != want.size() || !std::equal(out_buf.begin(), out_buf.begin() + std::min(ap, out_buf.size()), want.begin()))
            throw std::runtime_error("packet " + std::to_string(out_pkt) + ": AAD/length changed on the way");
          res[out_pkt].text.assign(out_buf.begin() + std::min(ap, out_buf.size()), out_buf.end());
          out_buf.clear();
          ++out_pkt;
        }
      }
      if (tag_fire) {
        if (tag_pkt >= pkts.size()) throw std::runtime_error("tag after the last packet");
        if (top_->m_tag_user_o != (tag_pkt & 0xff)) throw std::runtime_error("m_tag_user out of order");
        res[tag_pkt].tag = get_be(top_->m_tag_o, 16);
        res[tag_pkt].user = top_->m_tag_user_o;
        ++tag_pkt;
      }
      const bool key_fire = top_->key_valid_i && top_->key_ready_o;
      const bool key_idle = top_->key_ready_o;
      tick_high();
      if (ev_state == 1 && key_fire) ev_state = 2;
      else if (ev_state == 2 && key_idle) ev_state = 3;
      if (ev_state == 0 && in_fire && off == 0 && pi == ev->start_pkt) ev_state = 1;
      if (in_fire) {
        if (!seen_in) s.in_first = cycle_ - 1;
        seen_in = true;
        s.in_last = cycle_ - 1;
        ++s.beats_in;
        offering = false;
        off += beat_len;
        if (last) {
          ++pi;
          off = 0;
        }
      }
    }
    s.cycles = cycle_ - start;
    idle_inputs();
    if (st != nullptr) *st = s;
    return res;
  }

 private:
  void idle_inputs() {
    top_->key_valid_i = 0;
    top_->key_wipe_i = 0;
    top_->s_axis_tvalid_i = 0;
    top_->m_axis_tready_i = 1;
    top_->m_tag_ready_i = 1;
  }
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

  std::mt19937_64 rng_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_gcm_core> top_;
  uint64_t cycle_ = 0;
};

int g_failures = 0;

bool check(const Packet& p, const Result& r) {
  bool ok = !p.check_text || r.text == p.want_text;
  bool tag_ok = p.tag_must_differ ? r.tag != p.want_tag : r.tag == p.want_tag;
  if (!ok || !tag_ok) {
    ++g_failures;
    if (g_failures <= 10) {
      std::printf("FAIL %s (%s, aad %zu, text %zu)\n", p.name.c_str(), mode_name(p.mode), p.aad.size(), p.text.size());
      if (!ok) {
        size_t i = 0;
        while (i < r.text.size() && i < p.want_text.size() && r.text[i] == p.want_text[i]) ++i;
        std::printf("  text differs at byte %zu: got %s\n  want %s\n", i, to_hex(r.text).c_str(), to_hex(p.want_text).c_str());
      }
      if (!tag_ok)
        std::printf("  tag: got %s, %s %s\n", to_hex(r.tag).c_str(), p.tag_must_differ ? "must differ from" : "want",
                    to_hex(p.want_tag).c_str());
    }
  }
  return ok && tag_ok;
}

// -------------------------------------------------------------- Wycheproof
void run_wycheproof(Sim& sim, const std::string& path, std::mt19937_64& rng) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot open " + path);
  const nlohmann::json j = nlohmann::json::parse(f);

  // What the file holds, counted before anything runs.
  size_t expect = 0, n_other_iv = 0, n_aes192 = 0, total = 0;
  struct Vec {
    Bytes key, iv, aad, msg, ct, tag;
    bool valid;
    int id;
  };
  std::vector<Vec> vecs;
  std::vector<int> ids;
  for (const auto& g : j.at("testGroups")) {
    const int ks = g.at("keySize").get<int>();
    const int ivs = g.at("ivSize").get<int>();
    const int ts = g.at("tagSize").get<int>();
    for (const auto& t : g.at("tests")) {
      ++total;
      ids.push_back(t.at("tcId").get<int>());
      if (ivs != 96 || ts != 128 || (ks != 128 && ks != 192 && ks != 256)) {
        ++n_other_iv;
        continue;
      }
      if (ks == 192) {
        ++n_aes192;
        continue;
      }
      ++expect;
      vecs.push_back({from_hex(t.at("key")), from_hex(t.at("iv")), from_hex(t.at("aad")), from_hex(t.at("msg")),
                      from_hex(t.at("ct")), from_hex(t.at("tag")), t.at("result") == "valid", t.at("tcId").get<int>()});
    }
  }
  std::printf("wycheproof: %zu vectors in %s (numberOfTests %d); 128/256-bit key, 96-bit IV, 128-bit tag: "
              "%zu; other IV/tag sizes (not applicable: the core takes 96-bit IVs, ESP truncates tags itself): %zu; "
              "AES-192 (not applicable: the card offers AES-128 and AES-256, CAPS GCM128/GCM256): %zu\n",
              total, path.c_str(), j.value("numberOfTests", -1), expect, n_other_iv, n_aes192);
  // The file against its own counts: numberOfTests = the tests of its groups,
  // each tcId once.
  const int declared = j.value("numberOfTests", -1);
  std::sort(ids.begin(), ids.end());
  const bool ids_unique = std::adjacent_find(ids.begin(), ids.end()) == ids.end();
  if (declared < 0 || static_cast<size_t>(declared) != total || !ids_unique || expect == 0) {
    std::printf("FAIL: %s: numberOfTests %d, its groups hold %zu tests (%s tcIds), %zu applicable\n", path.c_str(),
                declared, total, ids_unique ? "distinct" : "repeated", expect);
    ++g_failures;
  }

  const Backpressure bps[3] = {{0, 0, 0}, {0.3, 0.3, 0.3}, {0.1, 0.6, 0.5}};
  size_t run = 0, passed = 0;
  for (size_t i = 0; i < vecs.size(); i += 2) {
    std::vector<Packet> pkts;
    for (size_t k = i; k < i + 2 && k < vecs.size(); ++k) {
      const Vec& v = vecs[k];
      const int slot = static_cast<int>(k - i);
      sim.install_key(slot, v.key);
      Packet d;
      d.slot = slot;
      d.mode = kDecrypt;
      d.iv = v.iv;
      d.aad = v.aad;
      d.text = v.ct;
      d.want_text = v.msg;
      d.want_tag = v.tag;
      d.tag_must_differ = !v.valid;
      d.check_text = v.valid;
      d.name = "wycheproof tcId " + std::to_string(v.id) + " decrypt";
      if (v.valid) {
        Packet e = d;
        e.mode = kEncrypt;
        e.text = v.msg;
        e.want_text = v.ct;
        e.name = "wycheproof tcId " + std::to_string(v.id) + " encrypt";
        pkts.push_back(e);
      }
      pkts.push_back(d);
    }
    // put the two keys' packets in a random order, back to back
    std::shuffle(pkts.begin(), pkts.end(), rng);
    const auto res = sim.run(pkts, bps[(i / 2) % 3]);
    std::vector<int> vec_ok(2, 1);
    for (size_t k = 0; k < pkts.size(); ++k)
      if (!check(pkts[k], res[k])) vec_ok[static_cast<size_t>(pkts[k].slot)] = 0;
    for (size_t k = i; k < i + 2 && k < vecs.size(); ++k) {
      ++run;
      passed += vec_ok[k - i] ? 1 : 0;
    }
  }
  std::printf("wycheproof: ran %zu, passed %zu (expected to run %zu)\n", run, passed, expect);
  if (run != expect) {
    std::printf("FAIL: ran %zu vectors, the file has %zu applicable ones\n", run, expect);
    ++g_failures;
  }
}

// ----------------------------------------------------------------- random
Bytes rand_bytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

size_t rand_len(std::mt19937_64& rng, size_t small, size_t big) {
  const unsigned r = static_cast<unsigned>(rng() % 8);
  if (r == 0) return 0;
  if (r < 6) return rng() % (small + 1);
  return rng() % (big + 1);
}

Packet make_packet(std::mt19937_64& rng, const Key keys[2], int slot, Mode mode, size_t aad_len, size_t text_len) {
  Packet p;
  p.slot = slot;
  p.mode = mode;
  p.iv = rand_bytes(rng, 12);
  p.aad = rand_bytes(rng, aad_len);
  const Bytes& key = keys[slot].key;
  Bytes plain = rand_bytes(rng, mode == kGmac ? 0 : text_len);
  Bytes ct, tag;
  ref_gcm_encrypt(key, p.iv, p.aad, plain, ct, tag);
  p.want_tag = tag;
  if (mode == kEncrypt) {
    p.text = plain;
    p.want_text = ct;
  } else if (mode == kDecrypt) {
    p.text = ct;
    p.want_text = plain;
  }
  p.name = std::string("random ") + mode_name(mode) + " AES-" + std::to_string(key.size() * 8);
  return p;
}

void run_random(Sim& sim, std::mt19937_64& rng, int batches) {
  const Backpressure bps[4] = {{0, 0, 0}, {0.2, 0.2, 0.1}, {0.5, 0.5, 0.5}, {0.05, 0.8, 0.9}};
  size_t n = 0, ok = 0;
  for (int bi = 0; bi < batches; ++bi) {
    Key keys[2];
    for (int s = 0; s < 2; ++s) {
      keys[s].key = rand_bytes(rng, (rng() & 1) ? 32 : 16);
      sim.install_key(s, keys[s].key);
    }
    std::vector<Packet> pkts;
    const int np = 4 + static_cast<int>(rng() % 16);
    for (int k = 0; k < np; ++k) {
      const Mode m = static_cast<Mode>(rng() % 3);
      pkts.push_back(make_packet(rng, keys, static_cast<int>(rng() & 1), m, rand_len(rng, 40, 300),
                                 rand_len(rng, 200, 2100)));
    }
    const auto res = sim.run(pkts, bps[bi % 4]);
    for (size_t k = 0; k < pkts.size(); ++k) {
      ++n;
      ok += check(pkts[k], res[k]) ? 1 : 0;
    }
  }
  std::printf("random vs OpenSSL: %zu packets in %d batches, passed %zu\n", n, batches, ok);
}

// ------------------------------------------------------------------ rekey
// A slot is reinstalled while packets that use its old key are inside the
// core (and while the current one is still being accepted): they must keep
// the old key and H, the packets after the install use the new ones.
void run_rekey(Sim& sim, std::mt19937_64& rng, int rounds) {
  const Backpressure bps[3] = {{0, 0, 0}, {0.2, 0.5, 0.5}, {0, 0.9, 0.9}};
  size_t n = 0, ok = 0;
  for (int r = 0; r < rounds; ++r) {
    Key old_keys[2], new_keys[2];
    for (int s = 0; s < 2; ++s) {
      old_keys[s].key = rand_bytes(rng, (rng() & 1) ? 32 : 16);
      sim.install_key(s, old_keys[s].key);
    }
    new_keys[0].key = rand_bytes(rng, (rng() & 1) ? 32 : 16);
    new_keys[1] = old_keys[1];
    std::vector<Packet> pkts;
    const size_t n_old = 2 + rng() % 4;
    for (size_t k = 0; k < n_old; ++k)
      pkts.push_back(make_packet(rng, old_keys, (k & 1) ? 1 : 0, static_cast<Mode>(rng() % 3), 8 + rng() % 9,
                                 64 + rng() % 1500));
    for (size_t k = 0; k < 4; ++k)
      pkts.push_back(make_packet(rng, new_keys, static_cast<int>(k & 1), static_cast<Mode>(rng() % 3), rng() % 20,
                                 rng() % 700));
    KeyEvent ev;
    ev.start_pkt = n_old - 1;  // the last old-key packet is still being accepted
    ev.use_pkt = n_old;
    ev.slot = 0;
    ev.key = new_keys[0].key;
    const auto res = sim.run(pkts, bps[r % 3], nullptr, &ev);
    for (size_t k = 0; k < pkts.size(); ++k) {
      pkts[k].name += k < n_old ? " (old key, slot reinstalled meanwhile)" : " (new key)";
      ++n;
      ok += check(pkts[k], res[k]) ? 1 : 0;
    }
  }
  std::printf("rekey while packets are in flight: %zu packets in %d rounds, passed %zu\n", n, rounds, ok);
}

// ------------------------------------------------------------- throughput
void run_throughput(Sim& sim, std::mt19937_64& rng) {
  std::printf("\nthroughput, back to back, no back-pressure (payload = GCM text bytes):\n");
  std::printf("%-8s %-7s %-8s %5s %8s %12s %12s %12s %9s\n", "payload", "aad", "key", "pkts", "beats/pk", "cycles",
              "cycles/pkt", "bytes/cycle", "latency");
  const size_t sizes[4] = {64, 576, 1500, 9000};
  struct Cfg {
    size_t aad;
    bool mixed;  // alternate slots, AES-128 and AES-256
  };
  const Cfg cfgs[3] = {{8, false}, {0, false}, {12, true}};
  for (const Cfg& c : cfgs) {
    Key keys[2];
    keys[0].key = rand_bytes(rng, c.mixed ? 16 : 32);
    keys[1].key = rand_bytes(rng, 32);
    sim.install_key(0, keys[0].key);
    sim.install_key(1, keys[1].key);
    for (size_t sz : sizes) {
      const int np = sz >= 9000 ? 16 : sz >= 1500 ? 48 : 128;
      std::vector<Packet> pkts;
      for (int k = 0; k < np; ++k)
        pkts.push_back(make_packet(rng, keys, c.mixed ? (k & 1) : 0, (k & 1) ? kDecrypt : kEncrypt, c.aad, sz));
      RunStats st;
      const auto res = sim.run(pkts, Backpressure{}, &st);
      for (size_t k = 0; k < pkts.size(); ++k) check(pkts[k], res[k]);
      const uint64_t in_cycles = st.in_last - st.in_first + 1;  // input side, steady state
      const double cpp = static_cast<double>(in_cycles) / np;
      const size_t beats = st.beats_in / static_cast<size_t>(np);
      std::printf("%-8zu %-7zu %-8s %5d %8zu %12" PRIu64 " %12.2f %12.2f %9" PRIu64 "\n", sz, c.aad,
                  c.mixed ? "128/256" : "256", np, beats, in_cycles, cpp, static_cast<double>(sz) / cpp,
                  st.out_first - st.in_first);
    }
  }
  std::printf("(cycles: from the first to the last accepted input beat; latency: first beat in -> first beat out)\n\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string vectors;  // Wycheproof aes_gcm_test.json: --vectors (CMake passes it) or ESP_WYCHEPROOF_GCM
  if (const char* e = std::getenv("ESP_WYCHEPROOF_GCM")) vectors = e;
  uint64_t seed = std::random_device{}();
  if (const char* e = std::getenv("ESP_SIM_SEED")) seed = std::strtoull(e, nullptr, 0);
  int random_batches = 60;
  bool perf = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--vectors" && i + 1 < argc) vectors = argv[++i];
    else if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 0);
    else if (a == "--random" && i + 1 < argc) random_batches = std::atoi(argv[++i]);
    else if (a == "--no-perf") perf = false;
    else {
      std::fprintf(stderr, "usage: %s [--vectors FILE] [--seed N] [--random BATCHES] [--no-perf]\n", argv[0]);
      return 2;
    }
  }
  if (vectors.empty()) {
    std::fprintf(stderr, "esp_gcm_tb: no Wycheproof vectors: give --vectors FILE or ESP_WYCHEPROOF_GCM\n");
    return 2;
  }
  std::printf("esp_gcm_tb: seed %" PRIu64 " (replay: ESP_SIM_SEED=%" PRIu64 ")\n", seed, seed);
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    std::mt19937_64 rng(seed ^ 0x5eedULL);
    Sim sim(seed);
    run_wycheproof(sim, vectors, rng);
    run_random(sim, rng, random_batches);
    run_rekey(sim, rng, 12);
    if (perf) run_throughput(sim, rng);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("simulated %" PRIu64 " cycles in %.1f s (%.0f cycles/s)\n", sim.cycle(), secs,
                static_cast<double>(sim.cycle()) / secs);
  } catch (const std::exception& e) {
    std::printf("FAIL: %s (seed %" PRIu64 ")\n", e.what(), seed);
    return 1;
  }
  if (g_failures != 0) {
    std::printf("FAILED: %d checks (seed %" PRIu64 ")\n", g_failures, seed);
    return 1;
  }
  std::printf("PASSED (seed %" PRIu64 ")\n", seed);
  return 0;
}
