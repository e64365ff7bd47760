// esp_engine building block: IPv4 / IPv6 header parsing (CONTRACT.md
// ENCRYPT 2, DECRYPT 1 and 14).
//
// parse_ip() does the checks every IP packet gets (version, header and
// length fields against the bytes available) and finds the packet's own
// length (trailing bytes, e.g. Ethernet padding, are not part of it).
// walk_ipv6_ext() then skips the IPv6 extension headers that stay in front
// of ESP: Hop-by-Hop, Routing and Fragment outbound; Hop-by-Hop, Routing and
// Destination Options inbound, where a Fragment header is an error.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/checksum.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

constexpr unsigned kIpv4MinHdr = 20;
constexpr unsigned kIpv6Hdr = spec::IPV6_HDR_BYTES;
constexpr unsigned kUdpHdr = spec::UDP_HDR_BYTES;

constexpr uint8_t kIpProtoHopByHop = 0;
constexpr uint8_t kIpProtoIpv4 = 4;
constexpr uint8_t kIpProtoIpv6 = 41;
constexpr uint8_t kIpProtoRouting = 43;
constexpr uint8_t kIpProtoFragment = 44;
constexpr uint8_t kIpProtoDstOpts = 60;
constexpr unsigned kIpv6FragHdr = 8;
// Upper bound on IPv6 extension headers in a packet (each is >= 8 bytes).
constexpr unsigned kMaxExtHeaders = spec::MAX_PKT_BYTES / 8;

struct IpHeader {
  uint8_t version;   // 4 or 6
  unsigned pkt_len;  // bytes of the packet: IPv4 total length, IPv6 40 + payload length
  unsigned ihl;      // IPv4: IHL*4; IPv6: 40
  unsigned hdr_len;  // bytes in front of the payload: ihl (+ the extension headers walked)
  unsigned nh_off;   // offset of the byte holding `proto` (IPv4 9, IPv6 6 or byte 0 of the last extension)
  uint8_t proto;     // protocol / next header of the payload at hdr_len
};

// Parses the IP packet at p, of which `avail` bytes are present. False ->
// MALFORMED: no version 4/6, IPv4 shorter than 20 bytes, IHL < 5 or not
// IHL*4 <= total length <= avail, IPv6 shorter than 40 bytes or 40 + payload
// length > avail.
inline bool parse_ip(const uint8_t* p, unsigned avail, IpHeader& h) {
  if (avail < 1) return false;
  h.version = static_cast<uint8_t>(p[0] >> 4);
  if (h.version == 4) {
    if (avail < kIpv4MinHdr) return false;
    const unsigned ihl = (p[0] & 0x0Fu) * 4u;
    const unsigned total = get_be16(p + 2);
    if (ihl < kIpv4MinHdr || ihl > total || total > avail) return false;
    h.pkt_len = total;
    h.ihl = ihl;
    h.hdr_len = ihl;
    h.nh_off = 9;
    h.proto = p[9];
    return true;
  }
  if (h.version == 6) {
    if (avail < kIpv6Hdr) return false;
    const unsigned total = kIpv6Hdr + get_be16(p + 4);
    if (total > avail) return false;
    h.pkt_len = total;
    h.ihl = kIpv6Hdr;
    h.hdr_len = kIpv6Hdr;
    h.nh_off = 6;
    h.proto = p[6];
    return true;
  }
  return false;
}

// IPv4 fragment: MF set or a non-zero fragment offset.
inline bool ipv4_is_fragment(const uint8_t* p) { return (get_be16(p + 6) & 0x3FFFu) != 0; }

// Skips the run of IPv6 extension headers that precede ESP, each of which
// must lie inside the packet (lengths (hdr[1]+1)*8, Fragment 8). Outbound
// (transport encapsulation): Hop-by-Hop, Routing, Fragment. Inbound:
// Hop-by-Hop, Routing, Destination Options; a Fragment header fails.
// Updates hdr_len, nh_off and proto. False -> MALFORMED.
inline bool walk_ipv6_ext(const uint8_t* p, IpHeader& h, bool inbound) {
ipv6_ext_walk:
  for (unsigned i = 0; i < kMaxExtHeaders; ++i) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 0 max = 4)
    const uint8_t nh = h.proto;
    if (inbound && nh == kIpProtoFragment) return false;
    const bool skip = nh == kIpProtoHopByHop || nh == kIpProtoRouting ||
                      (inbound ? nh == kIpProtoDstOpts : nh == kIpProtoFragment);
    if (!skip) return true;
    const unsigned off = h.hdr_len;
    if (off + 8u > h.pkt_len) return false;
    const unsigned len = nh == kIpProtoFragment ? kIpv6FragHdr : (p[off + 1] + 1u) * 8u;
    if (off + len > h.pkt_len) return false;
    h.nh_off = off;
    h.proto = p[off];
    h.hdr_len = off + len;
  }
  return true;  // not reached: every header is at least 8 bytes
}

// Sets the protocol / next-header byte that announces the payload, and the
// packet length (IPv4 total length + header checksum, IPv6 payload length)
// of a header block `hdr` whose packet is now `pkt_len` bytes.
inline void ip_update_header(uint8_t* hdr, const IpHeader& h, uint8_t proto, unsigned pkt_len) {
  hdr[h.nh_off] = proto;
  if (h.version == 4) {
    put_be16(hdr + 2, pkt_len);
    ipv4_set_checksum(hdr, h.ihl);
  } else {
    put_be16(hdr + 4, pkt_len - kIpv6Hdr);
  }
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
