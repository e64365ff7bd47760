#include "traffic.hpp"

#include <algorithm>

#include "esp/spec/esp_spec.hpp"

namespace esp::demo {

namespace {

constexpr uint8_t kIcmp = 1, kTcp = 6, kUdp = esp::spec::UDP_PROTO, kIcmpv6 = 58;

void put16(Bytes& b, size_t at, uint32_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
void put32(Bytes& b, size_t at, uint32_t v) {
  put16(b, at, v >> 16);
  put16(b, at + 2, v & 0xFFFF);
}

uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc) {
  for (size_t i = 0; i + 1 < n; i += 2) acc += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n & 1) acc += static_cast<uint32_t>(p[n - 1] << 8);
  return acc;
}
uint16_t fold(uint32_t s) {
  while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
  return static_cast<uint16_t>(~s & 0xFFFF);
}

size_t l4_header(L4 l4) { return l4 == L4::Tcp ? 20 : 8; }

}  // namespace

uint64_t Rng::next() {
  uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void Rng::fill(uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(next());
}

size_t min_packet(uint8_t family, L4 l4) { return (family == 6 ? 40u : 20u) + l4_header(l4); }

Bytes make_packet(Rng& rng, const runtime::IpAddr& src, const runtime::IpAddr& dst, L4 l4, size_t total) {
  const bool v6 = src.version == 6;
  const size_t ip_hdr = v6 ? 40 : 20;
  if (total < min_packet(src.version, l4)) total = min_packet(src.version, l4);
  Bytes p(total, 0);
  const size_t l4_len = total - ip_hdr;
  uint8_t proto = l4 == L4::Udp ? kUdp : l4 == L4::Tcp ? kTcp : (v6 ? kIcmpv6 : kIcmp);

  // Transport header, then payload.
  uint8_t* t = p.data() + ip_hdr;
  rng.fill(t + l4_header(l4), l4_len - l4_header(l4));
  if (l4 == L4::Udp || l4 == L4::Tcp) {
    put16(p, ip_hdr, 49152 + rng.below(16384));
    put16(p, ip_hdr + 2, 9);  // discard: any payload is valid there (Wireshark shows no dissector errors)
  }
  if (l4 == L4::Udp) {
    put16(p, ip_hdr + 4, static_cast<uint32_t>(l4_len));
  } else if (l4 == L4::Tcp) {
    put32(p, ip_hdr + 4, static_cast<uint32_t>(rng.next()));
    put32(p, ip_hdr + 8, static_cast<uint32_t>(rng.next()));
    p[ip_hdr + 12] = 5 << 4;  // data offset 5 words
    p[ip_hdr + 13] = 0x18;    // PSH, ACK
    put16(p, ip_hdr + 14, 64240);
  } else {
    p[ip_hdr] = v6 ? 128 : 8;  // echo request
    put16(p, ip_hdr + 4, 0x4242);
    put16(p, ip_hdr + 6, rng.below(65536));
  }

  // IP header.
  if (v6) {
    p[0] = 0x60;
    put16(p, 4, static_cast<uint32_t>(l4_len));
    p[6] = proto;
    p[7] = 64;
    std::copy(src.bytes.begin(), src.bytes.end(), p.begin() + 8);
    std::copy(dst.bytes.begin(), dst.bytes.end(), p.begin() + 24);
  } else {
    p[0] = 0x45;
    put16(p, 2, static_cast<uint32_t>(total));
    put16(p, 4, rng.below(65536));
    put16(p, 6, 0x4000);  // DF
    p[8] = 64;
    p[9] = proto;
    std::copy(src.bytes.begin(), src.bytes.begin() + 4, p.begin() + 12);
    std::copy(dst.bytes.begin(), dst.bytes.begin() + 4, p.begin() + 16);
    put16(p, 10, fold(sum16(p.data(), 20, 0)));
  }

  // Transport checksum: pseudo-header for UDP/TCP/ICMPv6, none for ICMPv4.
  const size_t ck = ip_hdr + (l4 == L4::Tcp ? 16 : l4 == L4::Udp ? 6 : 2);
  uint32_t s = 0;
  if (proto != kIcmp) {
    const size_t alen = v6 ? 16 : 4;
    s = sum16(src.bytes.data(), alen, s);
    s = sum16(dst.bytes.data(), alen, s);
    s += proto;
    s += static_cast<uint32_t>(l4_len & 0xFFFF) + static_cast<uint32_t>(l4_len >> 16);
  }
  uint16_t c = fold(sum16(t, l4_len, s));
  if (l4 == L4::Udp && c == 0) c = 0xFFFF;
  put16(p, ck, c);
  return p;
}

}  // namespace esp::demo
