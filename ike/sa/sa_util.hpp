// Small helpers of the IKE core: payload lookup in a decrypted chain, random
// bytes, NAT detection hashes (RFC 7296 2.23), SPI bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "esp/ike/bytes.hpp"
#include "esp/ike/endpoint.hpp"
#include "esp/ike/payloads.hpp"

namespace esp::ike::detail {

const Payload* find_payload(const std::vector<Payload>& ps, PayloadType t);
std::vector<const Payload*> find_payloads(const std::vector<Payload>& ps, PayloadType t);
const NotifyPayload* find_notify(const std::vector<Payload>& ps, NotifyType t);
// The first error notify (type < 16384), or nullptr.
const NotifyPayload* find_error_notify(const std::vector<Payload>& ps);

Bytes random_bytes(std::size_t n);
std::uint64_t random_u64_nonzero();

// The 8 bytes of an IKE SPI as in the header (big-endian).
Bytes spi_bytes(std::uint64_t spi);
Bytes u32_bytes(std::uint32_t v);
std::uint32_t be32(const Bytes& b);  // b.size() == 4

// SHA-1(SPIi | SPIr | IP | port).
Bytes natd_hash(std::uint64_t spi_i, std::uint64_t spi_r, const Endpoint& ep);

// The ID payload without its generic header (what AUTH's MACedIDFor* covers).
Bytes id_payload_rest(const IdPayload& id);

// "1a2b3c4d5e6f7a8b"
std::string hex64(std::uint64_t v);
std::string hex32(std::uint32_t v);

}  // namespace esp::ike::detail
