// IKEv2 messages (RFC 7296 3.1, 3.2): the IKE header and the payload chain,
// parse from bytes and build to bytes.
//
//   auto r = esp::ike::parse(buf, len);
//   if (!r) { log(r.error().to_string()); answer(r.error().notify()); }
//
// parse() checks every length against the bytes there are; it never reads out
// of bounds and never throws on bad input. Unknown payloads without the
// critical bit are kept (RawPayload); with it, parse fails with
// UnsupportedCritical and the payload type for the notify. An SK or SKF
// payload must be the last one of the chain (what follows it is encrypted);
// its inner chain is parsed after decryption with parse_payload_chain().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "esp/ike/msg_result.hpp"
#include "esp/ike/msg_types.hpp"
#include "esp/ike/payloads.hpp"

namespace esp::ike {

// At most this many payloads in one chain (a message or an SK plaintext).
inline constexpr std::size_t kMaxPayloads = 256;

struct IkeHeader {
  std::uint64_t spi_i = 0;
  std::uint64_t spi_r = 0;
  PayloadType next_payload = PayloadType::None;  // set by build() from the payloads
  std::uint8_t major_version = kIkeMajorVersion;
  std::uint8_t minor_version = 0;
  ExchangeType exchange = ExchangeType::IkeSaInit;
  std::uint8_t flags = 0;
  std::uint32_t message_id = 0;
  std::uint32_t length = 0;  // set by build()

  bool initiator() const { return (flags & flags::kInitiator) != 0; }
  bool response() const { return (flags & flags::kResponse) != 0; }
};

struct Message {
  IkeHeader header;
  std::vector<Payload> payloads;

  // First payload of this type, or nullptr.
  const Payload* find(PayloadType t) const;
  // First notify of this type, or nullptr.
  const NotifyPayload* find_notify(NotifyType t) const;
};

// A whole IKE message: the header's Length must equal len.
MsgResult<Message> parse(const std::uint8_t* data, std::size_t len);
MsgResult<Message> parse(const Bytes& b);

// The message's bytes; header.next_payload and header.length are computed.
MsgResult<Bytes> build(const Message& m);

// Only the 28-byte header (e.g. to look up the SA before parsing further).
MsgResult<IkeHeader> parse_header(const std::uint8_t* data, std::size_t len);

// A payload chain starting with type `first` that fills exactly [data, data+len):
// the plaintext of a decrypted SK payload (padding and pad length removed).
// Error offsets are base_offset + the offset within data.
MsgResult<std::vector<Payload>> parse_payload_chain(PayloadType first, const std::uint8_t* data,
                                                    std::size_t len,
                                                    std::size_t base_offset = 0);

struct BuiltChain {
  PayloadType first = PayloadType::None;
  Bytes bytes;
};
// The bytes of a payload chain (to encrypt into an SK payload).
MsgResult<BuiltChain> build_payload_chain(const std::vector<Payload>& payloads);

// Splits an SK/SKF body into IV, ciphertext and ICV once the algorithm's IV
// and ICV sizes are known; false if the body is shorter than iv + icv.
struct EncryptedParts {
  const std::uint8_t* iv = nullptr;
  std::size_t iv_len = 0;
  const std::uint8_t* ciphertext = nullptr;
  std::size_t ciphertext_len = 0;
  const std::uint8_t* icv = nullptr;
  std::size_t icv_len = 0;
};
bool split_encrypted(const Bytes& body, std::size_t iv_len, std::size_t icv_len,
                     EncryptedParts& out);

}  // namespace esp::ike
