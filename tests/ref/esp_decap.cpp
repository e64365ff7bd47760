// DECRYPT (inbound), CONTRACT.md "DECRYPT" steps 1-16.
#include "esp_crypto.hpp"
#include "esp_ref.hpp"
#include "ip.hpp"

namespace esp::ref {

using runtime::Direction;
using spec::Status;

Output RefEngine::decap(bool use_sa_index, uint32_t sa_index, const Bytes& in, uint32_t out_capacity) {
  Output out;
  auto fail = [&out](Status s) {
    out.status = s;
    out.soft_expired = false;
    out.data.clear();
    return out;
  };

  // Step 1: the outer IP packet.
  ip::Header h;
  if (!ip::parse(in, h)) return fail(Status::MALFORMED);
  if (h.version == 4 && h.v4_fragment) return fail(Status::MALFORMED);
  if (h.version == 6) {
    if (!ip::walk_v6_ext(in, h, {ip::kHopByHop, ip::kRouting, ip::kDestOpts})) return fail(Status::MALFORMED);
    if (h.proto == ip::kFragment) return fail(Status::MALFORMED);
  }

  // Step 2: where ESP is.
  size_t esp_off = 0, esp_end = h.length;
  if (h.proto == spec::ESP_PROTO) {
    esp_off = h.hdr_len;
  } else if (h.proto == spec::UDP_PROTO) {
    const size_t rest = h.length - h.hdr_len;
    if (rest < 8) return fail(Status::MALFORMED);
    const size_t udp_len = get_be16(in, h.hdr_len + 4);
    if (udp_len < 8 || udp_len > rest) return fail(Status::MALFORMED);
    const uint16_t sport = get_be16(in, h.hdr_len), dport = get_be16(in, h.hdr_len + 2);
    if (sport != spec::NAT_T_PORT && dport != spec::NAT_T_PORT) return fail(Status::NOT_ESP);
    const size_t pay = h.hdr_len + 8, pay_len = udp_len - 8;
    if (pay_len == 1 && in[pay] == 0xFF) return fail(Status::NOT_ESP);  // NAT keepalive
    if (pay_len >= 4 && in[pay] == 0 && in[pay + 1] == 0 && in[pay + 2] == 0 && in[pay + 3] == 0)
      return fail(Status::NOT_ESP);  // non-ESP marker (IKE)
    esp_off = pay;
    esp_end = h.hdr_len + udp_len;
  } else {
    return fail(Status::NOT_ESP);
  }

  // Step 3: the ESP header.
  const size_t esp_len = esp_end - esp_off;
  if (esp_len < spec::ESP_HDR_BYTES) return fail(Status::MALFORMED);
  const uint32_t spi = get_be32(in, esp_off);
  const uint32_t seq_lo = get_be32(in, esp_off + 4);
  out.spi = spi;
  out.seq = seq_lo;

  // Step 4: SPI lookup.
  uint32_t index = 0;
  if (use_sa_index) {
    if (sa_index >= slots_.size()) return fail(Status::BAD_SA);
    const Slot& s = slots_[sa_index];
    if (!s.used || s.cfg.spi != spi) return fail(Status::UNKNOWN_SPI);
    index = sa_index;
  } else {
    auto it = spi_to_sa_.find(spi);
    if (it == spi_to_sa_.end()) return fail(Status::UNKNOWN_SPI);
    index = it->second;
  }
  out.sa_index = index;
  Slot& sa = slots_[index];
  const runtime::SaConfig& cfg = sa.cfg;

  // Step 5: the SA.
  if (!sa.valid) return fail(Status::SA_DISABLED);
  if (cfg.direction != Direction::Inbound) return fail(Status::BAD_SA);

  // Step 6: hard lifetime (packets / bytes).
  if (hard_expired(sa)) {
    count_event(sa.counters.hard_events);
    return fail(Status::LIFETIME_EXPIRED);
  }

  // Step 7: lengths.
  const size_t icv_len = cfg.icv_len;
  if (esp_len < spec::ESP_HDR_BYTES + spec::IV_BYTES + 2 + icv_len ||
      (esp_len - spec::ESP_HDR_BYTES - spec::IV_BYTES - icv_len) % spec::ESP_ALIGN != 0) {
    sa.counters.bad_packet += 1;
    return fail(Status::MALFORMED);
  }

  // Steps 8 and 9: the full sequence number and the replay pre-check.
  ReplayWindow& window = *sa.replay;
  uint64_t seq = 0;
  const bool inferred = window.infer(seq_lo, cfg.esn, seq);
  out.seq = seq;
  if (!inferred || !window.check(seq)) {
    sa.counters.replay += 1;
    return fail(Status::REPLAY);
  }

  // Step 10: verify the ICV (and decrypt).
  const size_t iv_off = esp_off + spec::ESP_HDR_BYTES;
  const size_t body_off = iv_off + spec::IV_BYTES;
  const size_t body_len = esp_len - spec::ESP_HDR_BYTES - spec::IV_BYTES - icv_len;
  const auto at = [&in](size_t off) { return in.begin() + static_cast<std::ptrdiff_t>(off); };
  const Bytes body(at(body_off), at(body_off + body_len));
  const Bytes icv(at(body_off + body_len), at(esp_end));
  const gcm::Nonce nonce = esp_nonce(cfg.salt, &in[iv_off]);
  Bytes aad = esp_aad(spi, seq, cfg.esn);
  Bytes plain;
  bool authentic = false;
  if (!cfg.gmac) {
    authentic = gcm::open(cfg.key, nonce, aad, body, icv, plain);
  } else {
    aad.insert(aad.end(), at(iv_off), at(body_off));
    append(aad, body);
    gcm::Tag tag{};
    gcm::seal(cfg.key, nonce, aad, Bytes{}, tag);
    authentic = gcm::equal_ct(tag.data(), icv.data(), icv_len);
    plain = body;
  }
  if (!authentic) {
    sa.counters.auth_fail += 1;
    return fail(Status::AUTH_FAIL);
  }

  // Step 11: commit the window.
  window.commit(seq);

  // Step 12: the trailer.
  const size_t n = plain.size();
  const size_t pad_len = plain[n - 2];
  const uint8_t next_header = plain[n - 1];
  bool pad_ok = pad_len + 2 <= n;
  for (size_t i = 0; pad_ok && i < pad_len; ++i) pad_ok = plain[n - 2 - pad_len + i] == static_cast<uint8_t>(i + 1);
  if (!pad_ok) {
    sa.counters.bad_packet += 1;
    return fail(Status::BAD_PADDING);
  }
  const Bytes payload(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(n - 2 - pad_len));

  // Step 13: a TFC dummy packet (RFC 4303 2.6) is authentic and discarded.
  if (next_header == spec::NH_NO_NEXT) {
    sa.counters.dummy += 1;
    return fail(Status::DUMMY);
  }

  // Step 14: deliver.
  Bytes result;
  if (cfg.mode == spec::Mode::TUNNEL) {
    ip::Header inner;
    if ((next_header != ip::kIpv4 && next_header != ip::kIpv6) || !ip::parse(payload, inner)) {
      sa.counters.bad_packet += 1;
      return fail(Status::MALFORMED);
    }
    result.assign(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(inner.length));
  } else {
    result.assign(in.begin(), at(h.hdr_len));
    result[h.nh_offset] = next_header;
    append(result, payload);
    if (h.version == 4) {
      put_be16(result, 2, static_cast<uint16_t>(result.size()));
      ip::set_ipv4_checksum(result);
    } else {
      put_be16(result, 4, static_cast<uint16_t>(result.size() - 40));
    }
  }

  // Step 15: room.
  if (result.size() > out_capacity) return fail(Status::NO_SPACE);

  // Step 16: count.
  count_ok(sa, result.size(), out);
  out.status = Status::OK;
  out.data = std::move(result);
  return out;
}

}  // namespace esp::ref
