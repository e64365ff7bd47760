#include "ip.hpp"

#include <algorithm>

namespace esp::ref::ip {

bool parse(const Bytes& pkt, Header& h) {
  h = Header{};
  if (pkt.empty()) return false;
  h.version = static_cast<uint8_t>(pkt[0] >> 4);
  if (h.version == 4) {
    if (pkt.size() < 20) return false;
    size_t ihl_bytes = static_cast<size_t>(pkt[0] & 0x0F) * 4;
    size_t total = get_be16(pkt, 2);
    if (ihl_bytes < 20 || ihl_bytes > total || total > pkt.size()) return false;
    h.length = total;
    h.hdr_len = ihl_bytes;
    h.nh_offset = 9;
    h.proto = pkt[9];
    h.v4_fragment = (get_be16(pkt, 6) & 0x3FFF) != 0;  // MF bit or fragment offset
    return true;
  }
  if (h.version == 6) {
    if (pkt.size() < 40) return false;
    size_t total = 40 + static_cast<size_t>(get_be16(pkt, 4));
    if (total > pkt.size()) return false;
    h.length = total;
    h.hdr_len = 40;
    h.nh_offset = 6;
    h.proto = pkt[6];
    return true;
  }
  return false;
}

bool walk_v6_ext(const Bytes& pkt, Header& h, std::initializer_list<uint8_t> skip) {
  while (std::find(skip.begin(), skip.end(), h.proto) != skip.end()) {
    size_t off = h.hdr_len;
    if (off + 2 > h.length) return false;
    size_t len = h.proto == kFragment ? 8 : (static_cast<size_t>(pkt[off + 1]) + 1) * 8;
    if (off + len > h.length) return false;
    h.nh_offset = off;
    h.proto = pkt[off];
    h.hdr_len = off + len;
  }
  return true;
}

uint32_t sum16(const uint8_t* data, size_t len, uint32_t acc) {
  uint64_t s = acc;
  for (size_t i = 0; i + 1 < len; i += 2) s += static_cast<uint32_t>((data[i] << 8) | data[i + 1]);
  if (len % 2) s += static_cast<uint32_t>(data[len - 1] << 8);
  while (s >> 32) s = (s & 0xFFFFFFFFu) + (s >> 32);
  return static_cast<uint32_t>(s);
}

uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xFFFF);
}

void set_ipv4_checksum(Bytes& pkt) {
  size_t ihl_bytes = static_cast<size_t>(pkt.at(0) & 0x0F) * 4;
  put_be16(pkt, 10, 0);
  put_be16(pkt, 10, fold(sum16(pkt.data(), ihl_bytes)));
}

uint32_t pseudo_sum(const Bytes& pkt, uint8_t proto, size_t l4_len) {
  uint32_t s = 0;
  if ((pkt.at(0) >> 4) == 4) {
    s = sum16(pkt.data() + 12, 8, s);  // source + destination
    s = sum16(Bytes{0, proto}.data(), 2, s);
    s += static_cast<uint32_t>(l4_len & 0xFFFF);
  } else {
    s = sum16(pkt.data() + 8, 32, s);  // source + destination
    Bytes tail(8, 0);
    put_be32(tail, 0, static_cast<uint32_t>(l4_len));
    tail[7] = proto;
    s = sum16(tail.data(), tail.size(), s);
  }
  return s;
}

}  // namespace esp::ref::ip
