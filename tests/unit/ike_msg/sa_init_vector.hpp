// A capture-like IKE_SA_INIT request, written byte by byte from the layouts of
// RFC 7296 3.1-3.10, RFC 7383 2.3 and the IANA numbers (not by this library).
#pragma once

namespace esp::ike::test {

inline const char* kSaInitRequestHex =
    // IKE header (3.1)
    "0102030405060708"  // IKE SA Initiator's SPI
    "0000000000000000"  // IKE SA Responder's SPI (0 in IKE_SA_INIT)
    "21"                // Next Payload: SA (33)
    "20"                // MjVer 2, MnVer 0
    "22"                // Exchange Type: IKE_SA_INIT (34)
    "08"                // Flags: Initiator
    "00000000"          // Message ID 0
    "0000010c"          // Length 268
    // SA (3.3), 48 bytes
    "22 00 0030"
    "00 00 002c 01 01 00 04"    // last proposal, 44 bytes, #1, IKE, no SPI, 4 transforms
    "03 00 000c 01 00 000c 800e 0100"  // ENCR_AES_CBC, Key Length 256
    "03 00 0008 02 00 0005"     // PRF_HMAC_SHA2_256
    "03 00 0008 03 00 000c"     // AUTH_HMAC_SHA2_256_128
    "00 00 0008 04 00 0013"     // DH group 19 (256-bit random ECP)
    // KE (3.4), 72 bytes: group 19, 64-byte public value
    "28 00 0048 0013 0000"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    // Ni (3.9), 36 bytes
    "29 00 0024"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    // N(NAT_DETECTION_SOURCE_IP) (3.10), 28 bytes
    "29 00 001c 00 00 4004 1111111111111111111111111111111111111111"
    // N(NAT_DETECTION_DESTINATION_IP), 28 bytes
    "29 00 001c 00 00 4005 2222222222222222222222222222222222222222"
    // N(IKEV2_FRAGMENTATION_SUPPORTED) (RFC 7383 2.3), 8 bytes
    "2b 00 0008 00 00 402e"
    // V (3.12), 20 bytes
    "00 00 0014 882fe56d6fd20dbc2251613b2ebe5beb";

}  // namespace esp::ike::test
