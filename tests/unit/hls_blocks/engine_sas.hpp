// SAs and packets for the esp_engine ring / command tests: a tunnel-mode
// AES-128-GCM SA pair (outbound, inbound twin with the same SPI, key and
// salt), an IPv4 UDP packet, and one-descriptor ENCRYPT / DECRYPT runs on a
// Card (input at pkt_in 0; encrypt output at pkt_out 0, decrypt output at
// kDecOut).
#pragma once

#include <cstdint>
#include <cstring>

#include "engine_card.hpp"

namespace esp::hls_test {

constexpr uint64_t kDecOut = 64 * 64;
constexpr uint32_t kOutCap = 64 * 64;

inline spec::SaEntry make_sa(uint32_t spi, bool outbound, uint32_t window_bits, uint64_t replay_offset) {
  namespace fb = spec::sa_entry::flags_bit;
  spec::SaEntry e;
  e.spi = spi;
  e.flags = fb::VALID | fb::TUNNEL | (outbound ? fb::OUTBOUND : 0u);
  e.window_bits = window_bits;
  const uint8_t salt[4] = {0x01, 0x02, 0x03, 0x04};
  std::memcpy(e.salt, salt, sizeof salt);
  e.icv_len = 16;
  e.ttl = 64;
  e.replay_offset = replay_offset;
  for (unsigned i = 0; i < 16; ++i) e.key[i] = static_cast<uint8_t>(0x30 + 3 * i);
  const uint8_t src[4] = {192, 0, 2, 1}, dst[4] = {192, 0, 2, 2};
  std::memcpy(e.tun_src, src, 4);
  std::memcpy(e.tun_dst, dst, 4);
  return e;
}

// An IPv4 UDP packet of 28 + data bytes (valid header checksum).
inline Bytes ipv4_udp(unsigned data, uint8_t fill = 0x5A) {
  Bytes p(28 + data, fill);
  p[0] = 0x45;
  p[1] = 0;
  p[2] = static_cast<uint8_t>(p.size() >> 8);
  p[3] = static_cast<uint8_t>(p.size());
  p[4] = p[5] = p[6] = p[7] = 0;
  p[8] = 64;
  p[9] = 17;
  p[10] = p[11] = 0;
  const uint8_t addrs[8] = {10, 0, 0, 1, 10, 0, 0, 2};
  std::memcpy(&p[12], addrs, 8);
  uint32_t sum = 0;
  for (unsigned i = 0; i < 20; i += 2) sum += (uint32_t(p[i]) << 8) | p[i + 1];
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  p[10] = static_cast<uint8_t>(~sum >> 8);
  p[11] = static_cast<uint8_t>(~sum);
  p[24] = static_cast<uint8_t>((8 + data) >> 8);
  p[25] = static_cast<uint8_t>(8 + data);
  return p;
}

// Writes SA i's entry and state line (seq) into card memory and installs it.
inline void put_sa(Card& card, unsigned i, const spec::SaEntry& e, uint64_t seq = 0) {
  card.set_sa(i, e);
  spec::SaState st;
  st.seq = seq;
  card.set_state(i, st);
  card.install(i);
}

inline Bytes encrypt(Card& card, uint32_t sa, const Bytes& pkt, Completion& c) {
  std::memcpy(card.in(), pkt.data(), pkt.size());
  const uint32_t i = card.push_desc(spec::Opcode::ENCRYPT, sa, 0, static_cast<uint32_t>(pkt.size()), kOutCap, 0);
  card.run_ring();
  c = card.completion_at(i);
  return Bytes(card.out(), card.out() + c.out_length);
}

inline Bytes decrypt(Card& card, const Bytes& esp, Completion& c, uint8_t flags = 0, uint32_t sa = 0,
                     unsigned spi_log2 = kLog2) {
  std::memcpy(card.in(), esp.data(), esp.size());
  const uint32_t i =
      card.push_desc(spec::Opcode::DECRYPT, sa, 0, static_cast<uint32_t>(esp.size()), kOutCap, kDecOut, flags);
  card.run_ring(spi_log2);
  c = card.completion_at(i);
  return Bytes(card.out() + kDecOut, card.out() + kDecOut + c.out_length);
}

// The ESP packet of `pkt` with sequence number `seq` from outbound SA `out`:
// its state line is set to seq - 1 and the SA installed again (no KEEP_STATE).
inline Bytes esp_with_seq(Card& card, uint32_t out, uint64_t seq, const Bytes& pkt) {
  spec::SaState st = card.state(out);
  st.seq = seq - 1;
  card.set_state(out, st);
  card.install(out);
  Completion c{};
  Bytes esp = encrypt(card, out, pkt, c);
  EXPECT_EQ(c.status, spec::Status::OK);
  EXPECT_EQ(c.seq, seq);
  return esp;
}

}  // namespace esp::hls_test
