// esp_engine building block: one DECRYPT descriptor (CONTRACT.md DECRYPT).
//
// Parse outer IP (+ UDP) -> SPI lookup -> SA checks -> hard lifetime ->
// ESP lengths -> sequence number (ESN inference) -> replay check -> decrypt
// and verify -> window commit -> trailer -> dummy (next header 59: DUMMY,
// nothing delivered) -> deliver (tunnel: the inner packet; transport: the
// outer header rewritten + the payload).
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/aes.hpp"
#include "esp/hls/checksum.hpp"
#include "esp/hls/descriptor.hpp"
#include "esp/hls/esn.hpp"
#include "esp/hls/esp_aead.hpp"
#include "esp/hls/ip_parse.hpp"
#include "esp/hls/lifetime.hpp"
#include "esp/hls/mem_io.hpp"
#include "esp/hls/replay_window.hpp"
#include "esp/hls/card_ports.hpp"
#include "esp/hls/sa_params.hpp"
#include "esp/hls/sa_state.hpp"
#include "esp/hls/spi_lookup.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

constexpr uint8_t kNatKeepalive = 0xFF;
constexpr unsigned kEspTrailerBytes = spec::ESP_TRAILER_BYTES;  // pad length, next header
constexpr unsigned kMaxPadBytes = 255;

// Where ESP sits in an inbound packet, or why it does not.
struct EspLocation {
  unsigned off;  // first ESP byte (SPI)
  unsigned len;  // ESP bytes: SPI .. ICV
};

// DECRYPT 1-3 on the packet in `in` (avail bytes): OK, MALFORMED or NOT_ESP.
inline spec::Status locate_esp(const uint8_t* in, unsigned avail, IpHeader& ip, EspLocation& loc) {
  using spec::Status;
  if (!parse_ip(in, avail, ip)) return Status::MALFORMED;
  if (ip.version == 4) {
    if (ipv4_is_fragment(in)) return Status::MALFORMED;
  } else if (!walk_ipv6_ext(in, ip, true)) {
    return Status::MALFORMED;
  }
  const unsigned rest = ip.pkt_len - ip.hdr_len;
  if (ip.proto == spec::ESP_PROTO) {
    loc.off = ip.hdr_len;
    loc.len = rest;
  } else if (ip.proto == spec::UDP_PROTO) {
    if (rest < kUdpHdr) return Status::MALFORMED;
    const uint8_t* udp = in + ip.hdr_len;
    const unsigned udp_len = get_be16(udp + 4);
    if (udp_len < kUdpHdr || udp_len > rest) return Status::MALFORMED;
    if (get_be16(udp) != spec::NAT_T_PORT && get_be16(udp + 2) != spec::NAT_T_PORT) return Status::NOT_ESP;
    const uint8_t* pl = udp + kUdpHdr;
    const unsigned pl_len = udp_len - kUdpHdr;
    if (pl_len == 1 && pl[0] == kNatKeepalive) return Status::NOT_ESP;
    if (pl_len >= 4 && (pl[0] | pl[1] | pl[2] | pl[3]) == 0) return Status::NOT_ESP;
    loc.off = ip.hdr_len + kUdpHdr;
    loc.len = pl_len;
  } else {
    return Status::NOT_ESP;
  }
  if (loc.len < spec::ESP_HDR_BYTES) return Status::MALFORMED;
  return Status::OK;
}

// DECRYPT 12: the pad length and pad bytes of a plaintext of pt_len bytes.
// Returns the payload length, or -1 for BAD_PADDING.
inline int check_trailer(const uint8_t* pt, unsigned pt_len) {
  const unsigned pad_len = pt[pt_len - 2u];
  if (pad_len + kEspTrailerBytes > pt_len) return -1;
  const unsigned pay_len = pt_len - kEspTrailerBytes - pad_len;
  bool good = true;
check_pad_bytes:
  for (unsigned i = 0; i < kMaxPadBytes; ++i) {
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    if (i >= pad_len) break;
    if (pt[pay_len + i] != static_cast<uint8_t>(i + 1u)) good = false;
  }
  return good ? static_cast<int>(pay_len) : -1;
}

inline void copy_header_block(const uint8_t* in, uint8_t* out, unsigned len) {
copy_hdr_block:
  for (unsigned i = 0; i < spec::MAX_PKT_BYTES; ++i) {
ESP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min = 20 max = 80)
ESP_HLS_PRAGMA(HLS PIPELINE II = 1)
    if (i >= len) break;
    out[i] = in[i];
  }
}

// One DECRYPT descriptor (opcode and offsets already checked). The SA's
// state line (T and the counters) is read at step 6 and written back when a
// step changed it.
inline void esp_decrypt(const CardPorts& cp, const DescRec& d, uint8_t* in, uint8_t* out, ComplRec& c) {
  namespace fb = spec::sa_entry::flags_bit;
  using spec::Status;

  // 1-3. Outer IP, [UDP,] at least an ESP header.
  read_pkt(cp.pkt_in, d.in_offset, d.in_length, in);
  IpHeader ip;
  EspLocation loc;
  const Status where = locate_esp(in, d.in_length, ip, loc);
  if (where != Status::OK) {
    c.status = where;
    return;
  }
  const uint8_t* esp = in + loc.off;
  const uint32_t spi = get_be32(esp);
  const uint32_t seq_lo = get_be32(esp + 4);
  c.spi = spi;
  c.seq = seq_lo;  // the 32-bit field until step 8 infers the full number

  // 4. SPI -> SA.
  uint32_t sa_index = 0;
  SaParams sa;
  if (d.flags & dsc::flags_bit::USE_SA_INDEX) {
    if (d.sa_index >= cp.sa_capacity) {
      c.status = Status::BAD_SA;
      return;
    }
    sa_index = d.sa_index;
    read_installed_sa(cp.sa_table, *cp.state, sa_index, sa);
    if (sa.spi != spi) {
      c.status = Status::UNKNOWN_SPI;
      return;
    }
  } else {
    if (!spi_lookup(*cp.state, cp.spi_log2, spi, sa_index)) {
      c.status = Status::UNKNOWN_SPI;
      return;
    }
    if (sa_index >= cp.sa_capacity) {
      c.status = Status::BAD_SA;
      return;
    }
    read_installed_sa(cp.sa_table, *cp.state, sa_index, sa);
  }
  c.sa_index = sa_index;

  // 5. The SA.
  if (!sa.has(fb::VALID)) {
    c.status = Status::SA_DISABLED;
    return;
  }
  if (sa.has(fb::OUTBOUND) || !sa_params_valid(sa, true)) {
    c.status = Status::BAD_SA;
    return;
  }

  // 6. Hard lifetime.
  SaState st;
  read_state(cp.sa_state, sa_index, st);
  SaCounters& ctr = st.counters;
  if (hard_lifetime_reached(sa, ctr)) {
    count_event(ctr.hard_events);
    write_state(cp.sa_state, sa_index, st);
    c.status = Status::LIFETIME_EXPIRED;
    return;
  }

  // 7. ESP lengths.
  const unsigned icv_len = sa.icv_len;
  if (loc.len < kEspTextOff + kEspTrailerBytes + icv_len || (loc.len - kEspTextOff - icv_len) % spec::ESP_ALIGN != 0) {
    ctr.bad_packet += 1u;
    write_state(cp.sa_state, sa_index, st);
    c.status = Status::MALFORMED;
    return;
  }
  const unsigned ct_len = loc.len - kEspTextOff - icv_len;

  // 8. The full sequence number.
  const uint64_t ring_word = sa.replay_offset / kCtlBytes;
  const uint64_t top = st.seq;
  uint64_t seq = 0;
  const bool inferred = infer_seq(sa.has(fb::ESN), top, sa.window_bits, seq_lo, seq);
  c.seq = seq;

  // 9. Replay pre-check (a number that cannot be inferred counts as a replay too).
  if (!inferred || !replay_check(cp.replay, ring_word, sa.window_bits, top, seq)) {
    ctr.replay += 1u;
    write_state(cp.sa_state, sa_index, st);
    c.status = Status::REPLAY;
    return;
  }

  // 10. Decrypt (tunnel: the inner packet lands at 0; transport: behind the
  // outer header block, which is rewritten in front of it) and verify.
  const bool tunnel = sa.has(fb::TUNNEL);
  const unsigned pt_off = tunnel ? 0u : ip.hdr_len;
  AesKeySchedule ks;
  aes_expand_key(sa.key, sa.key_bytes(), ks);
  EspAeadParams ap;
  ap.ks = &ks;
  ap.salt = sa.salt;
  ap.esn = sa.has(fb::ESN);
  ap.seq_hi = static_cast<uint32_t>(seq >> 32);
  ap.gmac = sa.has(fb::GMAC);
  uint8_t tag[kGcmTagBytes];
  esp_aead(ap, false, esp, esp + kEspTextOff, out + pt_off, ct_len, tag);
  if (!tag_equal(tag, esp + kEspTextOff + ct_len, icv_len)) {
    ctr.auth_fail += 1u;
    write_state(cp.sa_state, sa_index, st);
    c.status = Status::AUTH_FAIL;
    return;
  }

  // 11. The packet is authentic: commit the window.
  st.seq = replay_commit(cp.replay, ring_word, sa.window_bits, top, seq);

  // 12. Trailer.
  const uint8_t* pt = out + pt_off;
  const int pay = check_trailer(pt, ct_len);
  if (pay < 0) {
    ctr.bad_packet += 1u;
    write_state(cp.sa_state, sa_index, st);
    c.status = Status::BAD_PADDING;
    return;
  }
  const unsigned pay_len = static_cast<unsigned>(pay);
  const uint8_t next_header = pt[ct_len - 1u];

  // 13. A TFC dummy packet (RFC 4303 2.6): authentic, counted, not delivered.
  if (next_header == spec::NH_NO_NEXT) {
    ctr.dummy += 1u;
    write_state(cp.sa_state, sa_index, st);
    c.status = Status::DUMMY;
    return;
  }

  // 14. Deliver.
  unsigned out_len = 0;
  if (tunnel) {
    IpHeader inner;
    if ((next_header != kIpProtoIpv4 && next_header != kIpProtoIpv6) || !parse_ip(pt, pay_len, inner)) {
      ctr.bad_packet += 1u;
      write_state(cp.sa_state, sa_index, st);
      c.status = Status::MALFORMED;
      return;
    }
    out_len = inner.pkt_len;  // trailing TFC padding dropped
  } else {
    out_len = ip.hdr_len + pay_len;
    copy_header_block(in, out, ip.hdr_len);
    ip_update_header(out, ip, next_header, out_len);
  }

  // 15. Room for the output.
  if (out_len > d.out_capacity) {
    write_state(cp.sa_state, sa_index, st);  // the committed window
    c.status = Status::NO_SPACE;
    return;
  }
  write_pkt(cp.pkt_out, d.out_offset, out, out_len, d.out_capacity);

  // 16. Counters and soft lifetime.
  if (count_ok_packet(sa, ctr, out_len)) c.flags = cpl::flags_bit::SOFT_EXPIRED;
  write_state(cp.sa_state, sa_index, st);
  c.out_length = out_len;
  c.status = Status::OK;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
