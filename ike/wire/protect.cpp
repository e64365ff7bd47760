// Protected IKE messages: SK (RFC 7296 3.14) and SKF fragments (RFC 7383).
#include "esp/ike/protect.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace esp::ike {
namespace {

constexpr std::size_t kMaxPayloadLen = 0xFFFF;
constexpr std::size_t kMaxFragments = 0xFFFF;
constexpr std::size_t kSkfHeaderLen = 8;  // generic header + Fragment Number + Total Fragments

MsgError error(MsgErrc code, std::size_t offset, std::string reason) {
  MsgError e;
  e.code = code;
  e.offset = offset;
  e.reason = std::move(reason);
  return e;
}

void patch16(Bytes& b, std::size_t at, std::size_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
void patch32(Bytes& b, std::size_t at, std::size_t v) {
  for (std::size_t i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

void wipe(Bytes& b) {
  if (!b.empty()) OPENSSL_cleanse(b.data(), b.size());
}

// Wipes a plaintext buffer on every way out of a scope.
struct WipeOnExit {
  Bytes& b;
  ~WipeOnExit() { wipe(b); }
};

// One datagram: IKE header | SK or SKF header | body. The prefix is built by
// the message codec with an empty body, then its two length fields are set
// for the real body (what SkCipher::protect checks and authenticates).
MsgResult<Bytes> seal_one(const IkeHeader& header, PayloadType first, ByteView plain,
                          SkCipher& out, bool fragment, std::uint16_t number,
                          std::uint16_t total) {
  Message m;
  m.header = header;
  m.payloads.resize(1);
  if (fragment) {
    m.payloads[0].type = PayloadType::SKF;
    m.payloads[0].body.emplace<SkfPayload>(SkfPayload{first, number, total, {}});
  } else {
    m.payloads[0].type = PayloadType::SK;
    m.payloads[0].body.emplace<SkPayload>(SkPayload{first, {}});
  }
  auto built = build(m);
  if (!built) return built.error();
  Bytes d = std::move(built).value();
  const std::size_t blen = out.body_len(plain.size);
  const std::size_t plen = (fragment ? kSkfHeaderLen : kGenericPayloadHeaderSize) + blen;
  if (plen > kMaxPayloadLen)
    return error(MsgErrc::Unencodable, kIkeHeaderSize,
                 std::string(fragment ? "SKF" : "SK") + " payload of " + std::to_string(plen) +
                     " bytes > 65535");
  patch32(d, 24, d.size() + blen);
  patch16(d, kIkeHeaderSize + 2, plen);
  const Bytes body = out.protect(d, plain, fragment);
  d.insert(d.end(), body.begin(), body.end());
  return d;
}

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

// Where the encrypted body of parsed's last payload (SK or SKF) sits in
// datagram: the prefix is everything before it. parsed must describe these
// bytes: the IKE header, the payload types of the chain and the SK/SKF
// header fields are compared with the datagram (the prefix is what the ICV
// authenticates; the caller goes on to trust parsed). Empty string if they
// agree, else why not.
std::string locate_body(const Bytes& datagram, const Message& parsed, PayloadType type,
                        const Bytes** body) {
  if (parsed.payloads.empty() || parsed.payloads.back().type != type)
    return std::string("the last payload is not ") + payload_type_name(type);
  const Payload& last = parsed.payloads.back();
  const Bytes* b = nullptr;
  PayloadType inner_first = PayloadType::None;
  const SkfPayload* skf = last.as<SkfPayload>();
  if (const auto* sk = last.as<SkPayload>()) {
    b = &sk->encrypted;
    inner_first = sk->inner_first;
  } else if (skf != nullptr) {
    b = &skf->encrypted;
    inner_first = skf->inner_first;
  }
  const std::string mismatch = "the parsed message does not match the datagram";
  if (b == nullptr) return std::string(payload_type_name(type)) + " payload without its body";
  auto hdr = parse_header(datagram.data(), datagram.size());
  if (!hdr) return mismatch;
  const IkeHeader& x = hdr.value();
  const IkeHeader& y = parsed.header;
  if (x.spi_i != y.spi_i || x.spi_r != y.spi_r || x.next_payload != y.next_payload ||
      x.major_version != y.major_version || x.minor_version != y.minor_version ||
      x.exchange != y.exchange || x.flags != y.flags || x.message_id != y.message_id ||
      x.length != y.length || x.length != datagram.size())
    return mismatch;
  // Walk the generic payload headers: the same types, the last one ending
  // where the datagram ends.
  const std::size_t size = datagram.size();
  std::size_t at = kIkeHeaderSize;
  PayloadType next = x.next_payload;
  for (std::size_t i = 0; i < parsed.payloads.size(); ++i) {
    if (next != parsed.payloads[i].type || size - at < kGenericPayloadHeaderSize) return mismatch;
    const std::size_t plen = be16(datagram.data() + at + 2);
    if (plen < kGenericPayloadHeaderSize || plen > size - at) return mismatch;
    if (i + 1 == parsed.payloads.size()) break;
    next = static_cast<PayloadType>(datagram[at]);
    at += plen;
  }
  const std::size_t hlen = type == PayloadType::SKF ? kSkfHeaderLen : kGenericPayloadHeaderSize;
  const std::uint8_t* ph = datagram.data() + at;
  if (size - at < hlen || be16(ph + 2) != size - at || b->size() != size - at - hlen ||
      static_cast<PayloadType>(ph[0]) != inner_first ||
      (skf != nullptr && (be16(ph + 4) != skf->number || be16(ph + 6) != skf->total)) ||
      !std::equal(b->begin(), b->end(), ph + hlen))
    return mismatch;
  *body = b;
  return {};
}

}  // namespace

std::size_t fragment_capacity(const SkCipher& cipher, std::size_t fragment_len) {
  if (fragment_len <= kSkfOverhead) return 0;
  const std::size_t avail = std::min(fragment_len - kSkfOverhead, kMaxPayloadLen - kSkfHeaderLen);
  const std::size_t fixed = cipher.iv_len() + cipher.icv_len() + 1;  // + Pad Length
  if (avail <= fixed) return 0;
  std::size_t n = avail - fixed;
  // CBC pads to the block size: step back to the largest n that fits.
  while (n > 0 && cipher.body_len(n) > avail) --n;
  return n;
}

std::size_t fragment_count(const SkCipher& cipher, std::size_t inner_len,
                           std::size_t fragment_len) {
  const std::size_t whole = kSkOverhead + cipher.body_len(inner_len);
  if (fragment_len == 0 || whole <= fragment_len)
    return whole - kIkeHeaderSize <= kMaxPayloadLen ? 1 : 0;
  const std::size_t cap = fragment_capacity(cipher, fragment_len);
  if (cap == 0) return 0;
  const std::size_t n = std::max<std::size_t>(1, (inner_len + cap - 1) / cap);
  return n > kMaxFragments ? 0 : n;
}

MsgResult<std::vector<Bytes>> seal_message(const IkeHeader& header,
                                           const std::vector<Payload>& inner, SkCipher& out,
                                           std::size_t fragment_len) {
  auto chain = build_payload_chain(inner);
  if (!chain) return chain.error();
  Bytes& plain = chain.value().bytes;
  const WipeOnExit wiper{plain};
  const PayloadType first = chain.value().first;
  std::vector<Bytes> dgrams;
  try {
    const std::size_t whole = kSkOverhead + out.body_len(plain.size());
    if (fragment_len == 0 || whole <= fragment_len) {
      auto d = seal_one(header, first, plain, out, false, 0, 0);
      if (!d) return d.error();
      dgrams.push_back(std::move(d).value());
      return dgrams;
    }
    const std::size_t cap = fragment_capacity(out, fragment_len);
    if (cap == 0)
      return error(MsgErrc::Unencodable, 0,
                   "fragment length " + std::to_string(fragment_len) +
                       " leaves no room for data after the headers, IV and ICV");
    const std::size_t n = std::max<std::size_t>(1, (plain.size() + cap - 1) / cap);
    if (n > kMaxFragments)
      return error(MsgErrc::Unencodable, 0,
                   std::to_string(n) + " fragments needed, at most 65535 allowed");
    dgrams.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t off = i * cap;
      const std::size_t len = std::min(cap, plain.size() - off);
      auto d = seal_one(header, i == 0 ? first : PayloadType::None,
                        ByteView(plain.data() + off, len), out, true,
                        static_cast<std::uint16_t>(i + 1), static_cast<std::uint16_t>(n));
      if (!d) return d.error();
      dgrams.push_back(std::move(d).value());
    }
  } catch (const CryptoError& e) {
    return error(MsgErrc::Unencodable, 0, e.what());
  }
  return dgrams;
}

MsgResult<std::vector<Payload>> open_message(const Bytes& datagram, const Message& parsed,
                                             const SkCipher& in, bool* authenticated) {
  if (authenticated) *authenticated = false;
  const Bytes* body = nullptr;
  const std::string bad = locate_body(datagram, parsed, PayloadType::SK, &body);
  if (!bad.empty()) return error(MsgErrc::InvalidSyntax, 0, bad);
  const std::size_t prefix_len = datagram.size() - body->size();
  std::string why;
  std::optional<Bytes> plain;
  try {
    plain = in.unprotect(ByteView(datagram.data(), prefix_len), *body, &why, false);
  } catch (const CryptoError& e) {
    why = e.what();
  }
  if (!plain) return error(MsgErrc::InvalidSyntax, prefix_len, why);
  const WipeOnExit wiper{*plain};
  if (authenticated) *authenticated = true;
  return parse_payload_chain(parsed.payloads.back().as<SkPayload>()->inner_first, plain->data(),
                             plain->size(), prefix_len + in.iv_len());
}

// ---- Defragmenter ----

Defragmenter::Defragmenter(std::size_t max_fragments, std::size_t max_bytes)
    : max_fragments_(max_fragments), max_bytes_(max_bytes) {
  if (max_fragments == 0 || max_fragments > kMaxFragments)
    throw std::invalid_argument("Defragmenter: max_fragments must be 1..65535");
}

Defragmenter::Result Defragmenter::drop(std::string why) {
  ++dropped_;
  Result r;
  r.state = State::Dropped;
  r.why = std::move(why);
  return r;
}

void Defragmenter::restart(std::uint32_t id, std::uint16_t total, const IkeHeader& h) {
  finish();
  active_ = true;
  id_ = id;
  total_ = total;
  exchange_ = h.exchange;
  flags_ = h.flags;
  parts_.resize(total);
}

void Defragmenter::finish() {
  active_ = false;
  parts_.clear();  // SecretBytes wipe themselves
  held_ = 0;
  bytes_ = 0;
  total_ = 0;
  first_ = PayloadType::None;
}

void Defragmenter::reset() {
  finish();
  have_done_ = false;
  id_ = 0;
  done_id_ = 0;
}

Defragmenter::Result Defragmenter::add(const Bytes& datagram, const Message& parsed,
                                       const SkCipher& in) {
  const Bytes* body = nullptr;
  const std::string bad = locate_body(datagram, parsed, PayloadType::SKF, &body);
  if (!bad.empty()) return drop(bad);
  const SkfPayload& f = *parsed.payloads.back().as<SkfPayload>();
  const IkeHeader& h = parsed.header;
  const std::uint32_t mid = h.message_id;
  const std::string what = "fragment " + std::to_string(f.number) + "/" + std::to_string(f.total) +
                           " of message " + std::to_string(mid) + ": ";

  // Checks that need no key: nothing changes before the fragment verifies.
  if (f.number == 0 || f.total == 0 || f.number > f.total)
    return drop(what + "Fragment Number not in 1..Total Fragments");
  if (f.total > max_fragments_)
    return drop(what + "more than " + std::to_string(max_fragments_) + " fragments");
  if (have_done_ && mid <= done_id_)
    return drop(what + "message " + std::to_string(done_id_) +
                " was already reassembled or abandoned");
  if (active_ && mid < id_)
    return drop(what + "older than message " + std::to_string(id_) + " being reassembled");
  const bool same = active_ && mid == id_;
  if (same && f.total < total_)
    return drop(what + "Total Fragments lower than the " + std::to_string(total_) + " before");
  if (same && f.total == total_) {
    if (parts_[f.number - 1U]) return drop(what + "duplicate");
    if (h.exchange != exchange_ || h.flags != flags_)
      return drop(what + "exchange type or flags differ from the other fragments");
  }

  const std::size_t prefix_len = datagram.size() - body->size();
  std::string why;
  std::optional<Bytes> plain;
  try {
    plain = in.unprotect(ByteView(datagram.data(), prefix_len), *body, &why, true);
  } catch (const CryptoError& e) {
    why = e.what();
  }
  if (!plain) return drop(what + why);
  SecretBytes part(*plain);
  wipe(*plain);

  // Authenticated from here on.
  if (!same || f.total > total_) restart(mid, f.total, h);
  if (f.number == 1) first_ = f.inner_first;
  bytes_ += part.size();
  parts_[f.number - 1U] = std::move(part);
  ++held_;
  if (bytes_ > max_bytes_) {
    have_done_ = true;
    done_id_ = id_;
    finish();
    return drop(what + "the message passes " + std::to_string(max_bytes_) +
                " bytes: abandoned");
  }
  if (held_ < total_) {
    Result r;
    r.state = State::Incomplete;
    return r;
  }

  SecretBytes all(bytes_);
  std::size_t off = 0;
  for (const auto& p : parts_) {
    if (p->size() != 0) std::memcpy(all.data() + off, p->data(), p->size());
    off += p->size();
  }
  const PayloadType first = first_;
  have_done_ = true;
  done_id_ = id_;
  finish();
  auto chain = parse_payload_chain(first, all.data(), all.size());
  if (!chain) {
    Result r = drop("message " + std::to_string(mid) + " reassembled, but its payloads do not parse: " +
                    chain.error().to_string());
    r.inner_error = chain.error();
    return r;
  }
  Result r;
  r.state = State::Complete;
  r.inner = std::move(chain).value();
  return r;
}

}  // namespace esp::ike
