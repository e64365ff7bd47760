// The Encrypted and Authenticated payload, SK (RFC 7296 3.14), over byte
// buffers; the message codec builds the bytes around it.
//
// A message protected with SK is  prefix | body  where
//   prefix = IKE header | unencrypted payloads, if any | SK generic payload header
//            (everything before the IV; its length fields already count the body),
//   body   = IV | Encrypted (inner payloads | Padding | Pad Length) | ICV.
// AES-GCM-16 (RFC 5282): 8-byte IV, nonce = salt (last 4 bytes of SK_e) | IV,
//   AAD = prefix, ICV = the 16-byte tag; no padding is added.
// AES-CBC + HMAC-SHA2 (RFC 3602, RFC 4868): 16-byte IV, padded to 16 bytes,
//   ICV = HMAC(SK_a, prefix | IV | Encrypted) truncated to half its length.
// The same applies to the Encrypted Fragment payload (RFC 7383), whose
// prefix ends with the fragment header.
#pragma once

#include "esp/ike/bytes.hpp"
#include "esp/ike/transforms.hpp"

#include <memory>
#include <optional>
#include <string>

namespace esp::ike {

// One direction of an IKE SA (SK_ei/SK_ai or SK_er/SK_ar). Not thread-safe:
// protect() advances the IV counter.
class SkCipher {
 public:
  // enc_key: SK_ei or SK_er (key | salt for GCM); integ_key: SK_ai or SK_ar
  // (empty with GCM). Throws CryptoError on a bad combination or key length.
  SkCipher(EncrId encr, unsigned key_bits, IntegId integ, ByteView enc_key, ByteView integ_key);
  SkCipher(SkCipher &&) noexcept;
  SkCipher &operator=(SkCipher &&) noexcept;
  ~SkCipher();

  size_t iv_len() const;
  size_t icv_len() const;
  // The body's length for inner payloads of plaintext_len bytes (what the
  // codec writes into the IKE header's and the SK payload's length fields).
  size_t body_len(size_t plaintext_len) const;

  // The body for this prefix and these inner payloads, with a fresh IV (GCM:
  // a 64-bit counter started at a random value; CBC: random). Throws
  // CryptoError if the prefix's length fields do not count body_len().
  // fragment: the prefix ends with an Encrypted Fragment payload's header.
  Bytes protect(ByteView prefix, ByteView plaintext, bool fragment = false);
  // The same with a given IV (tests and cross-checks; never reuse an IV).
  Bytes protect_with_iv(ByteView prefix, ByteView plaintext, ByteView iv, bool fragment = false) const;

  // The inner payloads, or nullopt with the reason in *why: short or
  // misaligned body, length fields that disagree with the buffers, ICV
  // mismatch (checked in constant time before anything is decrypted), bad
  // Pad Length.
  std::optional<Bytes> unprotect(ByteView prefix, ByteView body, std::string *why = nullptr,
                                 bool fragment = false) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Checks the length fields of prefix for a body of body_len bytes: the IKE
// header's Length (bytes 24-27) = prefix + body, and the last payload
// header's Payload Length (its bytes 2-3) = 4 + body (SK) or 8 + body (SKF,
// fragment_header = true). Returns an empty string if they agree, else why not.
std::string sk_check_prefix(ByteView prefix, size_t body_len, bool fragment_header = false);

}  // namespace esp::ike
