// AUTH payload data (RFC 7296 2.15) for shared-key message integrity code
// (Auth Method 2).
#pragma once

#include "esp/ike/bytes.hpp"
#include "esp/ike/transforms.hpp"

namespace esp::ike {

// <InitiatorSignedOctets> = RealMessage1 | NonceRData | MACedIDForI, with
// MACedIDForI = prf(SK_pi, RestOfInitIDPayload); the responder's likewise
// with RealMessage2, NonceIData, SK_pr. id_payload_rest is the ID payload
// without its generic header: ID Type | 3 reserved bytes | Identification Data.
Bytes auth_signed_octets(PrfId p, ByteView real_message, ByteView peer_nonce, ByteView sk_p,
                         ByteView id_payload_rest);

// AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>).
Bytes psk_auth(PrfId p, ByteView shared_secret, ByteView signed_octets);

// Whether received equals psk_auth(...) (compared in constant time).
bool psk_auth_verify(PrfId p, ByteView shared_secret, ByteView signed_octets, ByteView received);

}  // namespace esp::ike
