// Protected IKE messages: the SK payload around a message's inner payloads
// (RFC 7296 3.14) and IKE fragmentation into SKF payloads (RFC 7383).
//
//   auto dgrams = seal_message(hdr, inner, sa.out, frag_len);  // 1 datagram, or N fragments
//   ...
//   auto m = parse(buf);                      // esp::ike::parse (message.hpp)
//   if (m.value().payloads.back().type == PayloadType::SK)
//     inner = open_message(buf, m.value(), sa.in);
//   else  // SKF
//     r = sa.defrag_requests.add(buf, m.value(), sa.in);
//
// A "datagram" here is the IKE message only: on port 4500 the caller strips
// the Non-ESP Marker first (natt.hpp) and adds it when sending.
//
// Thread-safety: the free functions are re-entrant, but seal_message()
// advances the SkCipher's IV counter (one thread per SkCipher). A
// Defragmenter is not thread-safe: one thread (the IKE SA's) at a time.
// No key material is logged or kept here; decrypted fragments are wiped when
// dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "esp/ike/bytes.hpp"
#include "esp/ike/message.hpp"
#include "esp/ike/sk_payload.hpp"

namespace esp::ike {

// IKE header (28) + Encrypted Fragment payload header (4 generic + 4 for the
// Fragment Number and Total Fragments), RFC 7383 2.5.
inline constexpr std::size_t kSkfOverhead = kIkeHeaderSize + 8;
// IKE header + SK generic payload header.
inline constexpr std::size_t kSkOverhead = kIkeHeaderSize + kGenericPayloadHeaderSize;

// The protected message's datagrams. header: exchange, flags, message ID and
// SPIs (next_payload and length are computed). inner: the payloads inside SK.
// fragment_len: 0 = never fragment; else, if the whole message would be
// longer than fragment_len bytes (the IKE message, without UDP/IP headers or
// the Non-ESP Marker), it is split into SKF fragments each <= fragment_len
// (RFC 7383 2.5: same message ID, Fragment Number 1..N, Total Fragments N,
// the first carries the inner first-payload type, the others 0; each
// encrypted separately with its own IV). Errors (MsgErrc::Unencodable): an
// inner payload that does not build, an SK payload over 65535 bytes without
// fragmentation, a fragment_len too small for one plaintext byte per
// fragment, more than 65535 fragments.
MsgResult<std::vector<Bytes>> seal_message(const IkeHeader& header,
                                           const std::vector<Payload>& inner, SkCipher& out,
                                           std::size_t fragment_len);

// Plaintext bytes one SKF fragment of at most fragment_len bytes can carry
// with this cipher (0 if fragment_len is too small for any).
std::size_t fragment_capacity(const SkCipher& cipher, std::size_t fragment_len);
// The number of datagrams seal_message() makes for an inner chain of
// inner_len bytes (build_payload_chain(inner).bytes.size()): 1 if it is sent
// whole, N fragments otherwise, 0 if it cannot be sent (see seal_message()).
std::size_t fragment_count(const SkCipher& cipher, std::size_t inner_len,
                           std::size_t fragment_len);

// The inner payloads of a received, already-parsed message whose last
// payload is SK: the prefix (authenticated data) is
// datagram[0, datagram.size() - body.size()). parsed must come from
// datagram. Errors: an integrity failure, bad padding, a parsed message that
// does not match the datagram (nothing is decrypted then: the caller drops
// the message silently, RFC 7296 2.21.2); or, once the ICV is verified, an
// inner chain that does not parse (the error's notify() is what a responder
// may answer in a protected response). *authenticated (if given) says which:
// true when the ICV verified.
MsgResult<std::vector<Payload>> open_message(const Bytes& datagram, const Message& parsed,
                                             const SkCipher& in, bool* authenticated = nullptr);

// Reassembly of the SKF fragments of one IKE SA (RFC 7383 2.6). Use one per
// IKE SA and direction of exchange (one for requests received, one for
// responses received: their message IDs are separate counters), and pass only
// fragments whose message ID the exchange window accepts.
//
// Each fragment is verified and decrypted on arrival; one that fails
// (integrity, padding, a header that does not match the fragments before it)
// is dropped and counted, and nothing changes. Fragments of a message ID
// other than the one being assembled: a higher ID restarts, a lower one (or
// the ID of the last message completed or abandoned) is dropped. Total
// Fragments changing within a message: a higher Total restarts, a lower one
// is dropped. A duplicate fragment is dropped without being decrypted. Limits
// (constructor): a Total above max_fragments drops that fragment; a message
// whose decrypted fragments pass max_bytes is abandoned. Only authenticated
// fragments change the state.
class Defragmenter {
 public:
  // max_fragments: 1..65535. Throws std::invalid_argument otherwise.
  explicit Defragmenter(std::size_t max_fragments = 64, std::size_t max_bytes = 65536);

  enum class State {
    Incomplete,  // the fragment was stored; more are needed
    Complete,    // the last fragment arrived: inner holds the message's payloads
    Dropped,     // this datagram was dropped (why says why), or the message abandoned
  };
  struct Result {
    State state = State::Dropped;
    std::vector<Payload> inner;
    std::string why;
    // Set when the reassembled, authenticated message's inner chain does not
    // parse (state Dropped): what a responder may answer (RFC 7296 2.21.2).
    std::optional<MsgError> inner_error;
  };

  // datagram: a received IKE message whose last payload is SKF; parsed: its
  // parse() result.
  Result add(const Bytes& datagram, const Message& parsed, const SkCipher& in);
  // Forgets everything (the message being assembled and the last completed).
  void reset();

  // The message ID being assembled, else of the last message completed or
  // abandoned (0 before any).
  std::uint32_t message_id() const { return id_; }
  // Whether fragments of message_id() are being collected.
  bool assembling() const { return active_; }
  // Fragments stored for the message being assembled.
  std::size_t fragments_held() const { return held_; }
  // Datagrams dropped since construction (bad, duplicate, stale, over limits).
  std::uint64_t dropped() const { return dropped_; }

 private:
  Result drop(std::string why);
  void restart(std::uint32_t id, std::uint16_t total, const IkeHeader& h);
  void finish();

  std::size_t max_fragments_;
  std::size_t max_bytes_;
  bool active_ = false;
  bool have_done_ = false;  // done_id_ is valid
  std::uint32_t id_ = 0;
  std::uint32_t done_id_ = 0;
  std::uint16_t total_ = 0;
  ExchangeType exchange_ = ExchangeType::IkeAuth;
  std::uint8_t flags_ = 0;
  PayloadType first_ = PayloadType::None;
  std::vector<std::optional<SecretBytes>> parts_;
  std::size_t held_ = 0;
  std::size_t bytes_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace esp::ike
