#include "sa_util.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>

namespace esp::ike::detail {

const Payload* find_payload(const std::vector<Payload>& ps, PayloadType t) {
  for (const auto& p : ps)
    if (p.type == t) return &p;
  return nullptr;
}

std::vector<const Payload*> find_payloads(const std::vector<Payload>& ps, PayloadType t) {
  std::vector<const Payload*> r;
  for (const auto& p : ps)
    if (p.type == t) r.push_back(&p);
  return r;
}

const NotifyPayload* find_notify(const std::vector<Payload>& ps, NotifyType t) {
  for (const auto& p : ps)
    if (auto n = p.as<NotifyPayload>(); n && n->type == t) return n;
  return nullptr;
}

const NotifyPayload* find_error_notify(const std::vector<Payload>& ps) {
  for (const auto& p : ps)
    if (auto n = p.as<NotifyPayload>(); n && is_error_notify(n->type)) return n;
  return nullptr;
}

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (n && RAND_bytes(b.data(), static_cast<int>(n)) != 1) throw CryptoError("RAND_bytes failed");
  return b;
}

std::uint64_t random_u64_nonzero() {
  for (;;) {
    Bytes b = random_bytes(8);
    std::uint64_t v = 0;
    for (auto x : b) v = (v << 8) | x;
    if (v) return v;
  }
}

Bytes spi_bytes(std::uint64_t spi) {
  Bytes b(8);
  for (int i = 7; i >= 0; --i) {
    b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(spi);
    spi >>= 8;
  }
  return b;
}

Bytes u32_bytes(std::uint32_t v) {
  return Bytes{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
               static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

std::uint32_t be32(const Bytes& b) {
  return (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) | b[3];
}

Bytes natd_hash(std::uint64_t spi_i, std::uint64_t spi_r, const Endpoint& ep) {
  std::uint8_t in[8 + 8 + 16 + 2];
  std::size_t n = 0;
  for (int i = 7; i >= 0; --i) in[n++] = static_cast<std::uint8_t>(spi_i >> (8 * i));
  for (int i = 7; i >= 0; --i) in[n++] = static_cast<std::uint8_t>(spi_r >> (8 * i));
  std::size_t alen = ep.addr.version == 6 ? 16 : 4;
  for (std::size_t i = 0; i < alen; ++i) in[n++] = ep.addr.bytes[i];
  in[n++] = static_cast<std::uint8_t>(ep.port >> 8);
  in[n++] = static_cast<std::uint8_t>(ep.port);
  Bytes out(20);
  unsigned len = 0;
  if (EVP_Digest(in, n, out.data(), &len, EVP_sha1(), nullptr) != 1 || len != 20) throw CryptoError("SHA-1 failed");
  return out;
}

Bytes id_payload_rest(const IdPayload& id) {
  Bytes b(4 + id.data.size(), 0);
  b[0] = static_cast<std::uint8_t>(id.type);
  std::copy(id.data.begin(), id.data.end(), b.begin() + 4);
  return b;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string hex32(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

}  // namespace esp::ike::detail
