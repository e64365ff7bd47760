// esp-offload: esp_aead_tb's jobs and their reference (sim/esp_aead_tb.cpp):
// the expected obuf bytes, sum and answer of each job from the HLS functions
// (esp::hls::esp_aead, check_trailer, parse_ip), and the decrypt inputs the
// bench builds (shaped plaintexts for esp_dec_watch, tampering).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>

#include "tb_util.hpp"

#include "esp/hls/aes.hpp"
#include "esp/hls/checksum.hpp"
#include "esp/hls/esp_aead.hpp"
#include "esp/hls/esp_decap.hpp"
#include "esp/hls/ip_parse.hpp"

namespace esp::tb::aead {

namespace hls = esp::hls;

struct Sa {
  uint32_t index = 0, generation = 0, spi = 0;
  bool aes256 = false, esn = false, gmac = false;
  unsigned icv = 16;
  uint8_t key[32] = {};
  uint8_t salt[4] = {};
  uint64_t seq = 1;
};

struct Job {
  size_t sa = 0;
  bool enc = true;
  uint64_t seq = 0;
  unsigned src = 0, dst = 0, len = 0;
  int tamper = 0;  // decrypt: 0 none, 1 ICV, 2 ciphertext, 3 header
  // encrypt with the ESP trailer on esp_aead's stream: ibuf holds pay bytes of
  // payload (garbage behind them), the text is payload | 1..P | P | nh
  bool trl = false;
  unsigned pay = 0;
  uint8_t nh = 0;
  bool wipe = false;  // SA_DELETE's wipe of the SA's key entry: no packet, no response
  bool setup = false;  // SA_INSTALL's key setup into the SA's entry (none on a hit): no packet, no response
  bool want_ok = true;
  uint16_t want_sum = 0;
  // decrypt: esp_dec_watch's answer (hls::check_trailer, hls::parse_ip on the plaintext)
  bool want_trl_ok = false, want_in_ok = false;
  uint8_t want_nh = 0;
  unsigned want_in_len = 0;
  uint64_t t_req = 0, t_rsp = 0;
};

inline hls::EspAeadParams params(const Sa& sa, const hls::AesKeySchedule& ks, uint64_t seq) {
  hls::EspAeadParams p;
  p.ks = &ks;
  p.salt = sa.salt;
  p.esn = sa.esn;
  p.seq_hi = static_cast<uint32_t>(seq >> 32);
  p.gmac = sa.gmac;
  return p;
}

// Expected effect of encrypt job j on obuf (exp); returns the sum.
inline uint16_t model_encrypt(const Sa& sa, const Job& j, const Bytes& ibuf, Bytes& exp) {
  hls::AesKeySchedule ks;
  hls::aes_expand_key(sa.key, sa.aes256 ? 32 : 16, ks);
  uint8_t* esp = exp.data() + j.dst - 16;
  hls::put_be32(esp, sa.spi);
  hls::put_be32(esp + 4, static_cast<uint32_t>(j.seq));
  hls::put_be32(esp + 8, static_cast<uint32_t>(j.seq >> 32));
  hls::put_be32(esp + 12, static_cast<uint32_t>(j.seq));
  uint8_t tag[16];
  hls::esp_aead(params(sa, ks, j.seq), true, esp, ibuf.data() + j.src, esp + 16, j.len, tag);
  std::memcpy(esp + 16 + j.len, tag, sa.icv);
  // DATAPATH.md: folded ones'-complement sum of big-endian 16-bit words. (Not
  // hls::csum_add: its loop stops at MAX_PKT_BYTES, and 16 + 9600 + ICV is longer.)
  uint32_t sum = 0;
  for (unsigned i = 0; i < 16 + j.len + sa.icv; i += 2) {
    sum += (static_cast<uint32_t>(esp[i]) << 8) | esp[i + 1];
    sum = (sum & 0xffffu) + (sum >> 16);
  }
  if (16 + j.len + sa.icv <= esp::spec::MAX_PKT_BYTES && sum != hls::csum_add(0, esp, 16 + j.len + sa.icv))
    throw std::logic_error("model_encrypt: the sum differs from hls::csum_add");
  return static_cast<uint16_t>(sum);
}

// A decrypt's plaintext for esp_dec_watch: random bytes (mostly BAD_PADDING),
// or (3 in 4) a trailer of pad length P with pad bytes 1..P (1 in 4 of them
// with one pad byte off), a next header of IPv4 / IPv6 / no next / other,
// and (1 in 2) an inner IPv4 or IPv6 header whose length is about the payload's.
inline void shape_plaintext(Bytes& pt, std::mt19937_64& rng) {
  const unsigned n = static_cast<unsigned>(pt.size());
  if (n < 2 || rng() % 4 == 0) return;
  const unsigned pmax = std::min(255u, n - 2);
  const unsigned pad = rng() % 3 == 0 ? pmax - static_cast<unsigned>(rng() % std::min(4u, pmax + 1))
                                      : static_cast<unsigned>(rng() % (pmax + 1));
  const unsigned pay = n - 2 - pad;
  for (unsigned i = 0; i < pad; ++i) pt[pay + i] = static_cast<uint8_t>(i + 1);
  if (pad > 0 && rng() % 4 == 0) pt[pay + rng() % pad] ^= static_cast<uint8_t>(1u + rng() % 255);
  pt[n - 2] = static_cast<uint8_t>(pad);
  static const uint8_t kNh[] = {4, 41, 59, 6};
  pt[n - 1] = kNh[rng() % 4];
  if (rng() % 2 == 0 || pay < 1) return;
  const int delta = static_cast<int>(rng() % 5) - 3;  // -3..1: mostly fits
  const unsigned total = static_cast<unsigned>(std::max(0, static_cast<int>(pay) + delta));
  if (rng() % 2 == 0) {
    pt[0] = static_cast<uint8_t>(0x40 | (rng() % 3 == 0 ? rng() % 16 : 5));
    if (pay >= 4) hls::put_be16(pt.data() + 2, static_cast<uint16_t>(total));
  } else {
    pt[0] = static_cast<uint8_t>(0x60 | (rng() % 16));
    if (pay >= 6) hls::put_be16(pt.data() + 4, static_cast<uint16_t>(total >= 40 ? total - 40 : total));
  }
}

// Builds decrypt job j's ESP packet in ibuf (and tampers with it).
inline void build_decrypt_input(const Sa& sa, Job& j, Bytes& ibuf, std::mt19937_64& rng) {
  hls::AesKeySchedule ks;
  hls::aes_expand_key(sa.key, sa.aes256 ? 32 : 16, ks);
  uint8_t* esp = ibuf.data() + j.src - 16;
  hls::put_be32(esp, sa.spi);
  hls::put_be32(esp + 4, static_cast<uint32_t>(j.seq));
  for (int i = 8; i < 16; ++i) esp[i] = static_cast<uint8_t>(rng());  // any IV
  Bytes pt(j.len);
  for (auto& b : pt) b = static_cast<uint8_t>(rng());
  shape_plaintext(pt, rng);
  uint8_t tag[16];
  // in place, as the card builds it (GMAC hashes the text at esp + 16)
  hls::esp_aead(params(sa, ks, j.seq), true, esp, pt.data(), esp + 16, j.len, tag);
  std::memcpy(esp + 16 + j.len, tag, sa.icv);
  if (j.tamper == 1) esp[16 + j.len + rng() % sa.icv] ^= static_cast<uint8_t>(1u << (rng() % 8));
  if (j.tamper == 2 && j.len > 0) esp[16 + rng() % j.len] ^= static_cast<uint8_t>(1u << (rng() % 8));
  if (j.tamper == 3) esp[rng() % 16] ^= static_cast<uint8_t>(1u << (rng() % 8));
}

inline bool model_decrypt(const Sa& sa, const Job& j, const Bytes& ibuf, Bytes& exp) {
  hls::AesKeySchedule ks;
  hls::aes_expand_key(sa.key, sa.aes256 ? 32 : 16, ks);
  const uint8_t* esp = ibuf.data() + j.src - 16;
  uint8_t tag[16];
  Bytes out(j.len + 1);
  hls::esp_aead(params(sa, ks, j.seq), false, esp, esp + 16, out.data(), j.len, tag);
  std::memcpy(exp.data() + j.dst, out.data(), j.len);
  return std::memcmp(tag, esp + 16 + j.len, sa.icv) == 0;
}

// The input as the model sees it for an encrypt with the trailer on the
// stream: ibuf with the trailer written behind the payload (esp_trailer's
// BUILD: pad bytes 1..P, P, nh), where the card's ibuf holds garbage.
inline Bytes with_trailer(const Job& j, const Bytes& ibuf) {
  Bytes m = ibuf;
  const unsigned pad = j.len - j.pay - 2;
  for (unsigned i = 0; i < pad; ++i) m[j.src + j.pay + i] = static_cast<uint8_t>(i + 1);
  m[j.src + j.len - 2] = static_cast<uint8_t>(pad);
  m[j.src + j.len - 1] = j.nh;
  return m;
}

// esp_dec_watch's answer for decrypt job j (its plaintext: exp at j.dst).
inline void model_dec_watch(Job& j, const Bytes& exp) {
  const uint8_t* pt = exp.data() + j.dst;
  const int pay = j.len >= 2 ? hls::check_trailer(pt, j.len) : -1;
  j.want_trl_ok = pay >= 0;
  j.want_nh = j.len >= 1 ? pt[j.len - 1] : 0;
  hls::IpHeader ip{};
  j.want_in_ok = pay >= 0 && hls::parse_ip(pt, static_cast<unsigned>(pay), ip);
  j.want_in_len = j.want_in_ok ? ip.pkt_len : 0;
}

}  // namespace esp::tb::aead
