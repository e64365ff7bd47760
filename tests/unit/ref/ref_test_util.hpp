// Helpers for the esp_ref tests: SA configs for the test matrix and crafted
// ESP packets (any trailer, any sequence number) sealed with OpenSSL directly.
#pragma once

#include <ostream>
#include <string>

#include "ref/esp_ref.hpp"
#include "ref/gcm.hpp"
#include "ref/ip.hpp"
#include "ref/packets.hpp"

namespace esp::ref::testing {

struct SaParams {
  spec::Mode mode = spec::Mode::TUNNEL;
  uint8_t outer = 4;       // tunnel: outer IP version
  size_t key_len = 16;
  bool esn = false;
  bool udp = false;
  bool gmac = false;
  uint8_t icv = 16;
  uint32_t window = spec::DEFAULT_WINDOW_BITS;
  uint32_t spi = 0x1000;

  std::string name() const {
    return std::string(mode == spec::Mode::TUNNEL ? "tun" : "tra") + "_v" + std::to_string(outer) + "_k" +
           std::to_string(key_len * 8) + (esn ? "_esn" : "") + (udp ? "_udp" : "") + (gmac ? "_gmac" : "_gcm") +
           "_icv" + std::to_string(icv);
  }
};

inline void PrintTo(const SaParams& p, std::ostream* os) { *os << p.name(); }

inline runtime::SaConfig make_sa(const SaParams& p, runtime::Direction dir) {
  runtime::SaConfig c;
  c.spi = p.spi;
  c.direction = dir;
  c.mode = p.mode;
  c.esn = p.esn;
  c.udp_encap = p.udp;
  c.gmac = p.gmac;
  c.key = pkt::payload(p.key_len, p.spi * 7 + 1);
  const Bytes salt = pkt::payload(4, p.spi * 7 + 2);
  for (size_t i = 0; i < 4; ++i) c.salt[i] = salt[i];
  c.icv_len = p.icv;
  c.window_bits = p.window;
  if (p.outer == 4) {
    c.tun_src = pkt::v4(10, 0, 0, 1);
    c.tun_dst = pkt::v4(10, 0, 0, 2);
  } else {
    c.tun_src = pkt::v6({0xfd00, 0, 0, 0, 0, 0, 0, 1});
    c.tun_dst = pkt::v6({0xfd00, 0, 0, 0, 0, 0, 0, 2});
  }
  c.ttl = 61;
  c.tos = 0x28;
  c.flow_label = 0x12345;
  c.udp_sport = 4500;
  c.udp_dport = 4500;
  return c;
}

// An outbound and an inbound engine holding the two ends of one SA (index 0).
struct Pair {
  RefEngine tx{16}, rx{16};
  runtime::SaConfig out_cfg, in_cfg;
  explicit Pair(const SaParams& p)
      : out_cfg(make_sa(p, runtime::Direction::Outbound)), in_cfg(make_sa(p, runtime::Direction::Inbound)) {
    tx.add_sa(out_cfg);
    rx.add_sa(in_cfg);
  }
  // An ESP packet with sequence number seq (the sender's tx_seq is moved).
  Bytes packet_with_seq(uint64_t seq, const Bytes& inner) {
    tx.set_tx_seq(0, seq - 1);
    Output o = tx.encrypt(0, inner);
    if (o.status != spec::Status::OK) throw std::runtime_error("encrypt failed");
    return o.data;
  }
};

// IPv4 header (20 bytes) + ESP built by hand: plaintext is given whole
// (payload, padding, pad length, next header), sealed with the SA's key.
inline Bytes craft_esp_v4(const runtime::SaConfig& c, uint64_t seq, const Bytes& plaintext) {
  Bytes esp;
  append_be32(esp, c.spi);
  append_be32(esp, static_cast<uint32_t>(seq));
  Bytes iv;
  append_be64(iv, seq);
  append(esp, iv);
  gcm::Nonce n{};
  for (size_t i = 0; i < 4; ++i) n[i] = c.salt[i];
  for (size_t i = 0; i < 8; ++i) n[4 + i] = iv[i];
  Bytes aad;
  append_be32(aad, c.spi);
  if (c.esn) append_be32(aad, static_cast<uint32_t>(seq >> 32));
  append_be32(aad, static_cast<uint32_t>(seq));
  gcm::Tag tag{};
  if (c.gmac) {
    append(aad, iv);
    append(aad, plaintext);
    gcm::seal(c.key, n, aad, {}, tag);
    append(esp, plaintext);
  } else {
    append(esp, gcm::seal(c.key, n, aad, plaintext, tag));
  }
  esp.insert(esp.end(), tag.begin(), tag.begin() + c.icv_len);
  Bytes p = {0x45, 0, 0, 0, 0, 1, 0, 0, 64, 50, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
  put_be16(p, 2, static_cast<uint16_t>(20 + esp.size()));
  ip::set_ipv4_checksum(p);
  append(p, esp);
  return p;
}

// payload | 1..pad | pad | nh
inline Bytes with_trailer(const Bytes& payload, uint8_t nh) {
  Bytes p = payload;
  size_t pad = (4 - (payload.size() + 2) % 4) % 4;
  for (size_t i = 1; i <= pad; ++i) p.push_back(static_cast<uint8_t>(i));
  p.push_back(static_cast<uint8_t>(pad));
  p.push_back(nh);
  return p;
}

}  // namespace esp::ref::testing
