// The IKEv2 PRFs (HMAC-SHA2, RFC 4868; AES-XCBC-PRF-128, RFC 4434) and prf+
// (RFC 7296 2.13).
#pragma once

#include "esp/ike/bytes.hpp"
#include "esp/ike/transforms.hpp"

namespace esp::ike {

// HMAC with the PRF's hash (any key length: HMAC hashes long keys itself),
// or AES-XCBC-PRF-128 (keys other than 16 bytes adjusted as RFC 4434 says).
SecretBytes prf(PrfId p, ByteView key, ByteView data);
// The HMAC of an integrity transform over the concatenated data parts: the
// full output (integ_key_len(i) bytes); the caller truncates it to the ICV.
Bytes hmac(IntegId i, ByteView key, std::initializer_list<ByteView> data);

// prf+(K, S) = T1 | T2 | ... truncated to len, where T1 = prf(K, S | 0x01),
// Tn = prf(K, Tn-1 | S | n). Throws CryptoError if len needs more than 255
// blocks.
SecretBytes prf_plus(PrfId p, ByteView key, ByteView seed, size_t len);

}  // namespace esp::ike
