// ENCRYPT (outbound), CONTRACT.md "ENCRYPT" steps 1-6, "Dummy packets" and the
// output format.
#include <algorithm>

#include "esp_crypto.hpp"
#include "esp_ref.hpp"
#include "ip.hpp"

namespace esp::ref {

using runtime::Direction;
using spec::Status;

namespace {

// ESP = SPI | seq low | IV | ciphertext | ICV (GCM), or
//       SPI | seq low | IV | plaintext  | ICV (GMAC).
Bytes build_esp(const runtime::SaConfig& cfg, uint64_t seq, const Iv& iv, const Bytes& payload,
                uint8_t next_header) {
  // Plaintext = payload | pad 1,2,3.. | pad_len | next_header, a multiple of ESP_ALIGN.
  Bytes plain = payload;
  const size_t pad = (spec::ESP_ALIGN - (payload.size() + 2) % spec::ESP_ALIGN) % spec::ESP_ALIGN;
  for (size_t i = 1; i <= pad; ++i) plain.push_back(static_cast<uint8_t>(i));
  plain.push_back(static_cast<uint8_t>(pad));
  plain.push_back(next_header);

  Bytes esp;
  append_be32(esp, cfg.spi);
  append_be32(esp, static_cast<uint32_t>(seq));
  esp.insert(esp.end(), iv.begin(), iv.end());

  const gcm::Nonce nonce = esp_nonce(cfg.salt, iv.data());
  Bytes aad = esp_aad(cfg.spi, seq, cfg.esn);
  gcm::Tag tag{};
  if (!cfg.gmac) {
    append(esp, gcm::seal(cfg.key, nonce, aad, plain, tag));
  } else {
    aad.insert(aad.end(), iv.begin(), iv.end());
    append(aad, plain);
    gcm::seal(cfg.key, nonce, aad, Bytes{}, tag);
    append(esp, plain);
  }
  esp.insert(esp.end(), tag.begin(), tag.begin() + cfg.icv_len);
  return esp;
}

// UDP header (RFC 3948) for `esp`; checksum filled later for IPv6.
Bytes udp_header(const runtime::SaConfig& cfg, size_t esp_len) {
  Bytes u;
  append_be16(u, cfg.udp_sport);
  append_be16(u, cfg.udp_dport);
  append_be16(u, static_cast<uint16_t>(8 + esp_len));
  append_be16(u, 0);
  return u;
}

Bytes tunnel_header(const runtime::SaConfig& cfg, size_t payload_len, uint8_t proto) {
  Bytes h;
  if (cfg.tun_src.version == 4) {
    h = {0x45, cfg.tos};
    append_be16(h, static_cast<uint16_t>(20 + payload_len));
    append_be16(h, 0);       // ID
    append_be16(h, 0x4000);  // DF
    h.push_back(cfg.ttl);
    h.push_back(proto);
    append_be16(h, 0);  // checksum, below
    h.insert(h.end(), cfg.tun_src.bytes.begin(), cfg.tun_src.bytes.begin() + 4);
    h.insert(h.end(), cfg.tun_dst.bytes.begin(), cfg.tun_dst.bytes.begin() + 4);
    ip::set_ipv4_checksum(h);
  } else {
    const uint32_t fl = cfg.flow_label & 0xFFFFF;
    append_be32(h, (6u << 28) | (static_cast<uint32_t>(cfg.tos) << 20) | fl);
    append_be16(h, static_cast<uint16_t>(payload_len));
    h.push_back(proto);
    h.push_back(cfg.ttl);
    h.insert(h.end(), cfg.tun_src.bytes.begin(), cfg.tun_src.bytes.end());
    h.insert(h.end(), cfg.tun_dst.bytes.begin(), cfg.tun_dst.bytes.end());
  }
  return h;
}

}  // namespace

Output RefEngine::encap(uint32_t sa_index, const Bytes& in, const Iv* iv_override, bool dummy,
                        uint32_t out_capacity) {
  Output out;
  // Step 1: the SA.
  if (sa_index >= slots_.size()) {
    out.status = Status::BAD_SA;
    return out;
  }
  Slot& sa = slots_[sa_index];
  const runtime::SaConfig& cfg = sa.cfg;
  out.sa_index = sa_index;
  out.spi = sa.used ? cfg.spi : 0;
  if (!sa.valid) {
    out.status = Status::SA_DISABLED;
    return out;
  }
  if (cfg.direction != Direction::Outbound) {
    out.status = Status::BAD_SA;
    return out;
  }

  // Step 2: parse the input packet (a tunnel-mode dummy is not parsed: its
  // payload is the input bytes as they are).
  const bool raw_payload = dummy && cfg.mode == spec::Mode::TUNNEL;
  ip::Header h;
  if (raw_payload) {
    h.length = in.size();
  } else {
    bool ok = ip::parse(in, h);
    if (ok && cfg.mode == spec::Mode::TRANSPORT && h.version == 6)
      ok = ip::walk_v6_ext(in, h, {ip::kHopByHop, ip::kRouting, ip::kFragment});
    if (!ok) {
      out.status = Status::MALFORMED;
      return out;
    }
  }
  const Bytes packet(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(h.length));

  // Step 3: hard lifetime, then the sequence space.
  const uint64_t seq_max = cfg.esn ? ~uint64_t{0} : uint64_t{0xFFFFFFFF};
  if (hard_expired(sa) || sa.tx_seq >= seq_max) {
    count_event(sa.counters.hard_events);
    out.status = Status::LIFETIME_EXPIRED;
    return out;
  }

  // Step 4: build the output with the next sequence number.
  const uint64_t seq = sa.tx_seq + 1;
  Iv iv{};
  if (iv_override) {
    iv = *iv_override;
  } else {
    for (size_t i = 0; i < 8; ++i) iv[i] = static_cast<uint8_t>(seq >> (56 - 8 * i));
  }
  const uint8_t outer_proto = static_cast<uint8_t>(cfg.udp_encap ? spec::UDP_PROTO : spec::ESP_PROTO);

  Bytes hdr;      // IP header (+ extension headers)
  Bytes esp;
  const uint8_t no_next = static_cast<uint8_t>(spec::NH_NO_NEXT);
  if (cfg.mode == spec::Mode::TUNNEL) {
    esp = build_esp(cfg, seq, iv, packet, dummy ? no_next : h.version == 4 ? ip::kIpv4 : ip::kIpv6);
  } else {
    const Bytes payload(packet.begin() + static_cast<std::ptrdiff_t>(h.hdr_len), packet.end());
    esp = build_esp(cfg, seq, iv, payload, dummy ? no_next : h.proto);
    hdr.assign(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(h.hdr_len));
    hdr[h.nh_offset] = outer_proto;
  }
  Bytes udp;
  if (cfg.udp_encap) udp = udp_header(cfg, esp.size());
  const size_t after_ip = udp.size() + esp.size();

  Bytes result;
  if (cfg.mode == spec::Mode::TUNNEL) {
    result = tunnel_header(cfg, after_ip, outer_proto);
  } else {
    result = hdr;
    if (h.version == 4) {
      put_be16(result, 2, static_cast<uint16_t>(hdr.size() + after_ip));
      ip::set_ipv4_checksum(result);
    } else {
      put_be16(result, 4, static_cast<uint16_t>(hdr.size() + after_ip - 40));
    }
  }
  const size_t udp_off = result.size();
  append(result, udp);
  append(result, esp);
  if (cfg.udp_encap && (result[0] >> 4) == 6) {
    uint32_t s = ip::pseudo_sum(result, ip::kUdp, after_ip);
    uint16_t c = ip::fold(ip::sum16(result.data() + udp_off, after_ip, s));
    put_be16(result, udp_off + 6, c == 0 ? 0xFFFF : c);
  }

  if (result.size() > std::min<size_t>(out_capacity, spec::MAX_PKT_BYTES)) {
    out.status = Status::NO_SPACE;
    return out;
  }

  // Steps 5 and 6: consume the sequence number, count (a dummy only in `dummy`).
  sa.tx_seq = seq;
  out.seq = seq;
  if (dummy) sa.counters.dummy += 1;
  else count_ok(sa, packet.size(), out);
  out.status = Status::OK;
  out.data = std::move(result);
  return out;
}

}  // namespace esp::ref
