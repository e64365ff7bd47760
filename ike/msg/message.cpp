// IKE header and payload chain (RFC 7296 3.1, 3.2).
#include "esp/ike/message.hpp"

#include <string>

#include "codec.hpp"

namespace esp::ike {
namespace {

using detail::err;
using detail::Reader;

constexpr std::uint8_t kCriticalBit = 0x80;

bool is_encrypted_type(PayloadType t) { return t == PayloadType::SK || t == PayloadType::SKF; }

MsgResult<std::vector<Payload>> parse_chain(PayloadType first, Reader r, bool allow_encrypted) {
  std::vector<Payload> out;
  PayloadType next = first;
  while (next != PayloadType::None) {
    const std::size_t at = r.offset();
    if (out.size() == kMaxPayloads)
      return err(MsgErrc::TooManyPayloads, at, "more than " + std::to_string(kMaxPayloads) +
                                                   " payloads");
    if (!r.has(kGenericPayloadHeaderSize))
      return err(MsgErrc::Truncated, at,
                 std::string(r.left() == 0 ? "chain announces " : "partial header of ") +
                     payload_type_name(next) + " payload");
    Payload p;
    p.type = next;
    const auto following = static_cast<PayloadType>(r.u8());
    p.critical = (r.u8() & kCriticalBit) != 0;  // the other 7 bits are reserved: ignored
    const std::uint16_t len = r.u16();
    if (len < kGenericPayloadHeaderSize)
      return err(MsgErrc::BadLength, at + 2, "payload length " + std::to_string(len) + " < 4");
    if (!r.has(len - kGenericPayloadHeaderSize))
      return err(MsgErrc::Truncated, at + 2,
                 std::string(payload_type_name(p.type)) + " payload length " +
                     std::to_string(len) + " past the end (" +
                     std::to_string(r.left() + kGenericPayloadHeaderSize) + " bytes left)");
    Reader body = r.sub(len - kGenericPayloadHeaderSize);
    if (!is_known_payload_type(p.type) && p.critical) {
      MsgError e = err(MsgErrc::UnsupportedCritical, at,
                       "unknown payload type " + std::to_string(static_cast<int>(p.type)) +
                           " with the critical bit");
      e.payload_type = p.type;
      return e;
    }
    auto b = detail::parse_body(p.type, following, body);
    if (!b) return b.error();
    p.body = std::move(b).value();
    out.push_back(std::move(p));
    if (is_encrypted_type(out.back().type)) {
      if (!allow_encrypted)
        return err(MsgErrc::InvalidSyntax, at, "SK/SKF payload inside an encrypted chain");
      if (r.left() != 0)
        return err(MsgErrc::InvalidSyntax, r.offset(), "bytes after the SK/SKF payload");
      break;  // its Next Payload is the first payload inside it
    }
    next = following;
  }
  if (r.left() != 0)
    return err(MsgErrc::BadLength, r.offset(),
               std::to_string(r.left()) + " bytes after the last payload");
  return out;
}

}  // namespace

MsgResult<IkeHeader> parse_header(const std::uint8_t* data, std::size_t len) {
  if (data == nullptr || len < kIkeHeaderSize)
    return err(MsgErrc::Truncated, 0, "IKE header needs 28 bytes, have " + std::to_string(len));
  Reader r(data, kIkeHeaderSize, 0);
  IkeHeader h;
  h.spi_i = r.u64();
  h.spi_r = r.u64();
  h.next_payload = static_cast<PayloadType>(r.u8());
  const std::uint8_t v = r.u8();
  h.major_version = static_cast<std::uint8_t>(v >> 4);
  h.minor_version = static_cast<std::uint8_t>(v & 0x0F);
  h.exchange = static_cast<ExchangeType>(r.u8());
  h.flags = r.u8();
  h.message_id = r.u32();
  h.length = r.u32();
  if (h.major_version != kIkeMajorVersion)
    return err(MsgErrc::InvalidMajorVersion, 17,
               "major version " + std::to_string(h.major_version) + ", not 2");
  return h;
}

MsgResult<Message> parse(const std::uint8_t* data, std::size_t len) {
  auto h = parse_header(data, len);
  if (!h) return h.error();
  Message m;
  m.header = h.value();
  if (m.header.length < kIkeHeaderSize)
    return err(MsgErrc::BadLength, 24, "header length " + std::to_string(m.header.length) + " < 28");
  if (m.header.length > len)
    return err(MsgErrc::Truncated, 24, "header length " + std::to_string(m.header.length) +
                                           " > " + std::to_string(len) + " bytes received");
  if (m.header.length < len)
    return err(MsgErrc::BadLength, 24, "header length " + std::to_string(m.header.length) +
                                           " < " + std::to_string(len) + " bytes received");
  Reader body(data + kIkeHeaderSize, len - kIkeHeaderSize, kIkeHeaderSize);
  auto chain = parse_chain(m.header.next_payload, body, true);
  if (!chain) return chain.error();
  m.payloads = std::move(chain).value();
  return m;
}

MsgResult<Message> parse(const Bytes& b) { return parse(b.data(), b.size()); }

MsgResult<std::vector<Payload>> parse_payload_chain(PayloadType first, const std::uint8_t* data,
                                                    std::size_t len, std::size_t base_offset) {
  static const std::uint8_t kEmpty = 0;
  if (data == nullptr) {
    if (len != 0) return err(MsgErrc::Truncated, base_offset, "no data");
    data = &kEmpty;
  }
  return parse_chain(first, Reader(data, len, base_offset), false);
}

MsgResult<BuiltChain> build_payload_chain(const std::vector<Payload>& payloads) {
  BuiltChain c;
  if (payloads.size() > kMaxPayloads)
    return err(MsgErrc::Unencodable, 0, "more than " + std::to_string(kMaxPayloads) + " payloads");
  if (!payloads.empty()) c.first = payloads.front().type;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const Payload& p = payloads[i];
    if (p.type == PayloadType::None) return err(MsgErrc::Unencodable, 0, "payload of type 0");
    PayloadType next = i + 1 < payloads.size() ? payloads[i + 1].type : PayloadType::None;
    if (const auto* sk = p.as<SkPayload>()) next = sk->inner_first;
    if (const auto* skf = p.as<SkfPayload>()) next = skf->inner_first;
    if (is_encrypted_type(p.type) && i + 1 != payloads.size())
      return err(MsgErrc::Unencodable, 0, "SK/SKF must be the last payload");
    const std::size_t start = c.bytes.size();
    detail::put8(c.bytes, static_cast<std::uint8_t>(next));
    detail::put8(c.bytes, p.critical ? kCriticalBit : 0);
    detail::put16(c.bytes, 0);
    if (auto e = detail::build_body(p, c.bytes)) return *e;
    const std::size_t plen = c.bytes.size() - start;
    if (plen > 0xFFFF)
      return err(MsgErrc::Unencodable, 0, std::string(payload_type_name(p.type)) +
                                              " payload > 65535 bytes");
    detail::patch16(c.bytes, start + 2, static_cast<std::uint16_t>(plen));
  }
  return c;
}

MsgResult<Bytes> build(const Message& m) {
  if (m.header.major_version > 15 || m.header.minor_version > 15)
    return err(MsgErrc::Unencodable, 0, "version does not fit 4 bits");
  auto chain = build_payload_chain(m.payloads);
  if (!chain) return chain.error();
  for (std::size_t i = 0; i + 1 < m.payloads.size(); ++i)
    if (is_encrypted_type(m.payloads[i].type))
      return err(MsgErrc::Unencodable, 0, "SK/SKF must be the last payload");
  const std::size_t total = kIkeHeaderSize + chain.value().bytes.size();
  if (total > 0xFFFFFFFFu) return err(MsgErrc::Unencodable, 0, "message too long");
  Bytes out;
  out.reserve(total);
  detail::put64(out, m.header.spi_i);
  detail::put64(out, m.header.spi_r);
  detail::put8(out, static_cast<std::uint8_t>(chain.value().first));
  detail::put8(out, static_cast<std::uint8_t>((m.header.major_version << 4) | m.header.minor_version));
  detail::put8(out, static_cast<std::uint8_t>(m.header.exchange));
  detail::put8(out, m.header.flags);
  detail::put32(out, m.header.message_id);
  detail::put32(out, static_cast<std::uint32_t>(total));
  detail::put(out, chain.value().bytes);
  return out;
}

const Payload* Message::find(PayloadType t) const {
  for (const Payload& p : payloads)
    if (p.type == t) return &p;
  return nullptr;
}

const NotifyPayload* Message::find_notify(NotifyType t) const {
  for (const Payload& p : payloads)
    if (const auto* n = p.as<NotifyPayload>(); n != nullptr && n->type == t) return n;
  return nullptr;
}

bool split_encrypted(const Bytes& body, std::size_t iv_len, std::size_t icv_len,
                     EncryptedParts& out) {
  if (iv_len > body.size() || icv_len > body.size() - iv_len) return false;
  out.iv = body.data();
  out.iv_len = iv_len;
  out.ciphertext = body.data() + iv_len;
  out.ciphertext_len = body.size() - iv_len - icv_len;
  out.icv = body.data() + (body.size() - icv_len);
  out.icv_len = icv_len;
  return true;
}

}  // namespace esp::ike
