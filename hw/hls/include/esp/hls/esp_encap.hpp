// esp_engine building block: one ENCRYPT descriptor (CONTRACT.md ENCRYPT).
//
//   tunnel:    outer IPv4/IPv6 (from the SA) | [UDP] | ESP(whole input packet)
//   transport: input IP header (+ Hop-by-Hop/Routing/Fragment) | [UDP] | ESP(rest)
//   ESP = SPI | seq low | IV = seq (64-bit BE) | ciphertext | ICV
//   plaintext = payload | pad 1,2,3.. | pad_len | next header, 4-byte aligned
//
// Descriptor flag DUMMY (RFC 4303 2.6, CONTRACT.md "Dummy packets"): next
// header NH_NO_NEXT; in tunnel mode the payload is the input bytes as they
// are (not parsed); only the `dummy` counter counts it.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/aes.hpp"
#include "esp/hls/checksum.hpp"
#include "esp/hls/descriptor.hpp"
#include "esp/hls/esp_aead.hpp"
#include "esp/hls/ip_parse.hpp"
#include "esp/hls/lifetime.hpp"
#include "esp/hls/mem_io.hpp"
#include "esp/hls/card_ports.hpp"
#include "esp/hls/sa_params.hpp"
#include "esp/hls/sa_state.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

// Lengths and offsets of one outbound packet.
struct EncapPlan {
  bool tunnel;
  bool outer_v6;
  bool udp;
  unsigned pay_off;   // payload in the input packet
  unsigned pay_len;
  unsigned pad_len;   // 0..3
  unsigned pt_len;    // payload + pad + 2
  unsigned outer_len; // IP header(s) in front of [UDP |] ESP
  unsigned esp_off;   // ESP header in the output
  unsigned esp_len;   // ESP header + IV + ciphertext + ICV
  unsigned out_len;
  uint8_t next_header;
};

// The input of a tunnel-mode dummy: `len` bytes taken as they are, no IP
// header (the plan then sees a packet of len bytes with an empty header).
inline void raw_payload(unsigned len, IpHeader& ip) {
  ip.version = 0;
  ip.pkt_len = len;
  ip.ihl = 0;
  ip.hdr_len = 0;
  ip.nh_off = 0;
  ip.proto = 0;
}

// `dummy`: a TFC dummy packet (descriptor flag DUMMY), next header NH_NO_NEXT.
inline void plan_encap(const SaParams& sa, const IpHeader& ip, EncapPlan& p, bool dummy = false) {
  namespace fb = spec::sa_entry::flags_bit;
  p.tunnel = sa.has(fb::TUNNEL);
  p.udp = sa.has(fb::UDP_ENCAP);
  if (p.tunnel) {
    p.outer_v6 = sa.has(fb::OUTER_V6);
    p.pay_off = 0;
    p.outer_len = p.outer_v6 ? kIpv6Hdr : kIpv4MinHdr;
    p.next_header = ip.version == 4 ? kIpProtoIpv4 : kIpProtoIpv6;
  } else {
    p.outer_v6 = ip.version == 6;
    p.pay_off = ip.hdr_len;
    p.outer_len = ip.hdr_len;
    p.next_header = ip.proto;
  }
  if (dummy) p.next_header = static_cast<uint8_t>(spec::NH_NO_NEXT);
  p.pay_len = ip.pkt_len - p.pay_off;
  p.pt_len = (p.pay_len + spec::ESP_TRAILER_BYTES + (spec::ESP_ALIGN - 1u)) / spec::ESP_ALIGN * spec::ESP_ALIGN;
  p.pad_len = p.pt_len - p.pay_len - spec::ESP_TRAILER_BYTES;
  p.esp_off = p.outer_len + (p.udp ? kUdpHdr : 0u);
  p.esp_len = kEspTextOff + p.pt_len + sa.icv_len;
  p.out_len = p.esp_off + p.esp_len;
}

inline void build_outer_ipv4(const SaParams& sa, uint8_t proto, unsigned total_len, uint8_t* o) {
  o[0] = 0x45;
  o[1] = sa.tos;
  put_be16(o + 2, total_len);
  put_be16(o + 4, 0);       // identification
  put_be16(o + 6, 0x4000);  // DF
  o[8] = sa.ttl;
  o[9] = proto;
outer4_addr:
  for (unsigned i = 0; i < 4; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    o[12 + i] = sa.tun_src[i];
    o[16 + i] = sa.tun_dst[i];
  }
  ipv4_set_checksum(o, kIpv4MinHdr);
}

inline void build_outer_ipv6(const SaParams& sa, uint8_t proto, unsigned total_len, uint8_t* o) {
  const uint32_t fl = sa.flow_label & 0xFFFFFu;
  put_be32(o, (6u << 28) | (uint32_t(sa.tos) << 20) | fl);
  put_be16(o + 4, total_len - kIpv6Hdr);
  o[6] = proto;
  o[7] = sa.ttl;
outer6_addr:
  for (unsigned i = 0; i < 16; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    o[8 + i] = sa.tun_src[i];
    o[24 + i] = sa.tun_dst[i];
  }
}

// Builds the output packet in `out` (p.out_len bytes, <= MAX_PKT_BYTES) from
// the parsed input packet in `in` (whose buffer has room for the trailer
// behind the payload) with sequence number `seq`.
inline void build_encap(const SaParams& sa, const AesKeySchedule& ks, const IpHeader& ip, const EncapPlan& p,
                        uint64_t seq, uint8_t* in, uint8_t* out) {
  const uint8_t proto = static_cast<uint8_t>(p.udp ? spec::UDP_PROTO : spec::ESP_PROTO);

  // Outer header(s).
  if (p.tunnel) {
    if (p.outer_v6) build_outer_ipv6(sa, proto, p.out_len, out);
    else build_outer_ipv4(sa, proto, p.out_len, out);
  } else {
  copy_ip_header:
    for (unsigned i = 0; i < spec::MAX_PKT_BYTES; ++i) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 20 max = 80)
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
      if (i >= p.outer_len) break;
      out[i] = in[i];
    }
    ip_update_header(out, ip, proto, p.out_len);
  }

  // ESP header and IV.
  uint8_t* esp = out + p.esp_off;
  put_be32(esp, sa.spi);
  put_be32(esp + 4, static_cast<uint32_t>(seq));
  put_be32(esp + kEspIvOff, static_cast<uint32_t>(seq >> 32));
  put_be32(esp + kEspIvOff + 4, static_cast<uint32_t>(seq));

  // Trailer, in place behind the payload.
  uint8_t* pt = in + p.pay_off;
pad_bytes:
  for (unsigned i = 0; i < spec::ESP_ALIGN - 1u; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    if (i < p.pad_len) pt[p.pay_len + i] = static_cast<uint8_t>(i + 1u);
  }
  pt[p.pay_len + p.pad_len] = static_cast<uint8_t>(p.pad_len);
  pt[p.pay_len + p.pad_len + 1u] = p.next_header;

  // Encrypt (or, GMAC, copy) and append the ICV.
  EspAeadParams ap;
  ap.ks = &ks;
  ap.salt = sa.salt;
  ap.esn = sa.has(spec::sa_entry::flags_bit::ESN);
  ap.seq_hi = static_cast<uint32_t>(seq >> 32);
  ap.gmac = sa.has(spec::sa_entry::flags_bit::GMAC);
  uint8_t tag[kGcmTagBytes];
  esp_aead(ap, true, esp, pt, esp + kEspTextOff, p.pt_len, tag);
icv_bytes:
  for (unsigned i = 0; i < spec::MAX_ICV_BYTES; ++i) {
ESP_HLS_PRAGMA(HLS UNROLL)
    if (i < sa.icv_len) esp[kEspTextOff + p.pt_len + i] = tag[i];
  }

  // UDP encapsulation (RFC 3948): checksum 0 over IPv4, the real one over IPv6.
  if (p.udp) {
    uint8_t* udp = out + p.outer_len;
    const unsigned udp_len = kUdpHdr + p.esp_len;
    put_be16(udp, sa.udp_sport);
    put_be16(udp + 2, sa.udp_dport);
    put_be16(udp + 4, udp_len);
    put_be16(udp + 6, 0);
    if (p.outer_v6) put_be16(udp + 6, udp6_checksum(out + 8, out + 24, udp, udp_len));
  }
}

// One ENCRYPT descriptor (opcode and offsets already checked). The SA's
// state line is read at step 3 and written back when a step changed it.
inline void esp_encrypt(const CardPorts& cp, const DescRec& d, uint8_t* in, uint8_t* out, ComplRec& c) {
  namespace fb = spec::sa_entry::flags_bit;
  using spec::Status;
  // 1. The SA.
  if (d.sa_index >= cp.sa_capacity) {
    c.status = Status::BAD_SA;
    return;
  }
  c.sa_index = d.sa_index;
  SaParams sa;
  read_installed_sa(cp.sa_table, *cp.state, d.sa_index, sa);
  c.spi = sa.spi;
  if (!sa.has(fb::VALID)) {
    c.status = Status::SA_DISABLED;
    return;
  }
  if (!sa.has(fb::OUTBOUND) || !sa_params_valid(sa, false)) {
    c.status = Status::BAD_SA;
    return;
  }

  // 2. The input packet (a tunnel-mode dummy: the bytes as they are).
  const bool dummy = (d.flags & dsc::flags_bit::DUMMY) != 0;
  read_pkt(cp.pkt_in, d.in_offset, d.in_length, in);
  IpHeader ip;
  bool ok = true;
  if (dummy && sa.has(fb::TUNNEL)) {
    raw_payload(d.in_length, ip);
  } else {
    ok = parse_ip(in, d.in_length, ip);
    if (ok && ip.version == 6 && !sa.has(fb::TUNNEL)) ok = walk_ipv6_ext(in, ip, false);
  }
  if (!ok) {
    c.status = Status::MALFORMED;
    return;
  }

  // 3. Hard lifetime and sequence space.
  SaState st;
  read_state(cp.sa_state, d.sa_index, st);
  if (hard_lifetime_reached(sa, st.counters) || seq_space_exhausted(sa, st.seq)) {
    count_event(st.counters.hard_events);
    write_state(cp.sa_state, d.sa_index, st);
    c.status = Status::LIFETIME_EXPIRED;
    return;
  }

  // 4. Room for the output.
  EncapPlan p;
  plan_encap(sa, ip, p, dummy);
  const unsigned room = d.out_capacity < spec::MAX_PKT_BYTES ? d.out_capacity : spec::MAX_PKT_BYTES;
  if (p.out_len > room) {
    c.status = Status::NO_SPACE;
    return;
  }

  // 5. The sequence number.
  const uint64_t seq = st.seq + 1u;
  st.seq = seq;
  c.seq = seq;

  AesKeySchedule ks;
  aes_expand_key(sa.key, sa.key_bytes(), ks);
  build_encap(sa, ks, ip, p, seq, in, out);
  write_pkt(cp.pkt_out, d.out_offset, out, p.out_len, d.out_capacity);

  // 6. Counters and soft lifetime (a dummy: only `dummy`).
  if (dummy) st.counters.dummy += 1u;
  else if (count_ok_packet(sa, st.counters, ip.pkt_len)) c.flags = cpl::flags_bit::SOFT_EXPIRED;
  write_state(cp.sa_state, d.sa_index, st);
  c.out_length = p.out_len;
  c.status = Status::OK;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
