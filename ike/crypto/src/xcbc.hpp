// AES-XCBC-MAC (RFC 3566) and AES-XCBC-PRF-128 (RFC 4434), over AES-128-ECB
// through EVP. Private to esp_ike_crypto: reached through prf().
#pragma once

#include "esp/ike/bytes.hpp"

namespace esp::ike {

// AES-XCBC-PRF-128(key, part0 | part1 | ...) into out[16]. Keys shorter than
// 16 bytes are padded with zeros, longer ones are first reduced with
// AES-XCBC-MAC(0^16, key) (RFC 4434 2).
void aes_xcbc_prf128(ByteView key, std::initializer_list<ByteView> parts, uint8_t out[16]);

}  // namespace esp::ike
