#include "esp/ike/auth.hpp"

#include "esp/ike/prf.hpp"

#include <openssl/crypto.h>

#include <cstring>

namespace esp::ike {

namespace {
const char kKeyPad[] = "Key Pad for IKEv2";  // 17 octets, no terminator (2.15)
}

Bytes auth_signed_octets(PrfId p, ByteView real_message, ByteView peer_nonce, ByteView sk_p,
                         ByteView id_payload_rest) {
  if (id_payload_rest.size < 4) throw CryptoError("AUTH: ID payload data shorter than its 4-byte header");
  if (peer_nonce.empty()) throw CryptoError("AUTH: empty nonce");
  const SecretBytes maced_id = prf(p, sk_p, id_payload_rest);
  return concat({real_message, peer_nonce, maced_id});
}

Bytes psk_auth(PrfId p, ByteView shared_secret, ByteView signed_octets) {
  const SecretBytes pad_key =
      prf(p, shared_secret, ByteView(reinterpret_cast<const uint8_t *>(kKeyPad), std::strlen(kKeyPad)));
  return prf(p, pad_key, signed_octets).expose();
}

bool psk_auth_verify(PrfId p, ByteView shared_secret, ByteView signed_octets, ByteView received) {
  const Bytes want = psk_auth(p, shared_secret, signed_octets);
  return received.size == want.size() && CRYPTO_memcmp(want.data(), received.data, want.size()) == 0;
}

}  // namespace esp::ike
