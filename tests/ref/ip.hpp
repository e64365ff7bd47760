// IP header parsing and checksums as CONTRACT.md uses them (ENCRYPT step 2,
// DECRYPT step 1). Byte vectors in, plain structs out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "bytes.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::ref::ip {

// IP protocol / IPv6 next-header numbers the contract names.
constexpr uint8_t kHopByHop = 0;
constexpr uint8_t kIcmp = 1;
constexpr uint8_t kIpv4 = 4;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = static_cast<uint8_t>(spec::UDP_PROTO);
constexpr uint8_t kIpv6 = 41;
constexpr uint8_t kRouting = 43;
constexpr uint8_t kFragment = 44;
constexpr uint8_t kEsp = static_cast<uint8_t>(spec::ESP_PROTO);
constexpr uint8_t kIcmpv6 = 58;
constexpr uint8_t kNoNext = static_cast<uint8_t>(spec::NH_NO_NEXT);  // TFC dummy (RFC 4303 2.6)
constexpr uint8_t kDestOpts = 60;

// One IP packet at the start of a buffer.
struct Header {
  uint8_t version = 0;   // 4 or 6
  size_t length = 0;     // the packet: IPv4 total_length, IPv6 40 + payload_length
  size_t hdr_len = 0;    // IPv4 IHL*4; IPv6 40 + the extension headers walked over
  size_t nh_offset = 0;  // offset of the protocol / next-header field naming what follows hdr_len
  uint8_t proto = 0;     // that field's value
  bool v4_fragment = false;  // IPv4: MF set or fragment offset != 0
};

// CONTRACT "ENCRYPT 2" without the transport-mode extension walk: version
// nibble 4 or 6; IPv4: >= 20 bytes, IHL >= 5, IHL*4 <= total_length <= size;
// IPv6: >= 40 bytes, 40 + payload_length <= size. False = MALFORMED.
bool parse(const Bytes& pkt, Header& h);

// IPv6 only: walks a run of extension headers whose types are in `skip`
// (Fragment is 8 bytes, the others (hdr[1]+1)*8), each of which must lie
// inside h.length. Updates hdr_len, nh_offset and proto. False = MALFORMED.
bool walk_v6_ext(const Bytes& pkt, Header& h, std::initializer_list<uint8_t> skip);

// RFC 1071 sum of 16-bit big-endian words (odd byte padded with zero), added to acc.
uint32_t sum16(const uint8_t* data, size_t len, uint32_t acc = 0);
// Folds and complements a sum into a checksum field value.
uint16_t fold(uint32_t sum);
// Recomputes the IPv4 header checksum of the header at the start of pkt.
void set_ipv4_checksum(Bytes& pkt);
// Pseudo-header sum for a transport checksum (RFC 768 / RFC 8200 8.1) using
// the source and destination fields of the IP header at the start of pkt.
uint32_t pseudo_sum(const Bytes& pkt, uint8_t proto, size_t l4_len);

}  // namespace esp::ref::ip
