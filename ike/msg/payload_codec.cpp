// Payload bodies other than SA (RFC 7296 3.4-3.14, RFC 7383 2.5).
#include <string>

#include "codec.hpp"
#include "sa_codec.hpp"

namespace esp::ike::detail {
namespace {

constexpr std::size_t kNonceMin = 16, kNonceMax = 256;

std::size_t ts_addr_size(TsType t) { return t == TsType::IPV4_ADDR_RANGE ? 4 : 16; }
bool ts_type_known(TsType t) { return t == TsType::IPV4_ADDR_RANGE || t == TsType::IPV6_ADDR_RANGE; }

// 0 if the ID type has no fixed size.
std::size_t id_fixed_size(IdType t) {
  if (t == IdType::IPV4_ADDR) return 4;
  if (t == IdType::IPV6_ADDR) return 16;
  return 0;
}

MsgResult<PayloadBody> parse_ke(Reader r) {
  if (!r.has(4)) return err(MsgErrc::Truncated, r.offset(), "KE payload < 4 bytes");
  KePayload ke;
  ke.group = r.u16();
  r.u16();  // reserved
  ke.data = r.rest();
  return PayloadBody{std::move(ke)};
}

MsgResult<PayloadBody> parse_id(Reader r) {
  const std::size_t at = r.offset();
  if (!r.has(4)) return err(MsgErrc::Truncated, at, "ID payload < 4 bytes");
  IdPayload id;
  id.type = static_cast<IdType>(r.u8());
  r.u8(), r.u16();  // reserved
  id.data = r.rest();
  const std::size_t fixed = id_fixed_size(id.type);
  if (fixed != 0 && id.data.size() != fixed)
    return err(MsgErrc::InvalidSyntax, at + 4,
               "ID address of " + std::to_string(id.data.size()) + " bytes, expected " +
                   std::to_string(fixed));
  return PayloadBody{std::move(id)};
}

MsgResult<PayloadBody> parse_cert(Reader r) {
  if (!r.has(1)) return err(MsgErrc::Truncated, r.offset(), "CERT/CERTREQ payload empty");
  CertPayload c;
  c.encoding = static_cast<CertEncoding>(r.u8());
  c.data = r.rest();
  return PayloadBody{std::move(c)};
}

MsgResult<PayloadBody> parse_auth(Reader r) {
  if (!r.has(4)) return err(MsgErrc::Truncated, r.offset(), "AUTH payload < 4 bytes");
  AuthPayload a;
  a.method = static_cast<AuthMethod>(r.u8());
  r.u8(), r.u16();  // reserved
  a.data = r.rest();
  return PayloadBody{std::move(a)};
}

MsgResult<PayloadBody> parse_nonce(Reader r) {
  if (r.left() < kNonceMin || r.left() > kNonceMax)
    return err(MsgErrc::InvalidSyntax, r.offset(),
               "nonce of " + std::to_string(r.left()) + " bytes (16..256)");
  return PayloadBody{NoncePayload{r.rest()}};
}

MsgResult<PayloadBody> parse_notify(Reader r) {
  const std::size_t at = r.offset();
  if (!r.has(4)) return err(MsgErrc::Truncated, at, "Notify payload < 4 bytes");
  NotifyPayload n;
  n.protocol = static_cast<ProtocolId>(r.u8());
  const std::uint8_t spi_size = r.u8();
  n.type = static_cast<NotifyType>(r.u16());
  if (!r.has(spi_size)) return err(MsgErrc::Truncated, at + 1, "notify SPI size past payload");
  n.spi = r.bytes(spi_size);
  n.data = r.rest();
  return PayloadBody{std::move(n)};
}

MsgResult<PayloadBody> parse_delete(Reader r) {
  const std::size_t at = r.offset();
  if (!r.has(4)) return err(MsgErrc::Truncated, at, "Delete payload < 4 bytes");
  DeletePayload d;
  d.protocol = static_cast<ProtocolId>(r.u8());
  d.spi_size = r.u8();
  const std::uint16_t n = r.u16();
  if (d.spi_size == 0 && n != 0)
    return err(MsgErrc::InvalidSyntax, at + 2, "SPIs counted with SPI size 0");
  if (static_cast<std::size_t>(d.spi_size) * n != r.left())
    return err(r.left() < static_cast<std::size_t>(d.spi_size) * n ? MsgErrc::Truncated
                                                                     : MsgErrc::BadLength,
               at + 2, "Delete SPI count * size != payload data");
  for (unsigned i = 0; i < n; ++i) d.spis.push_back(r.bytes(d.spi_size));
  return PayloadBody{std::move(d)};
}

MsgResult<PayloadBody> parse_ts(Reader r) {
  const std::size_t at = r.offset();
  if (!r.has(4)) return err(MsgErrc::Truncated, at, "TS payload < 4 bytes");
  const std::uint8_t n = r.u8();
  r.u8(), r.u16();  // reserved
  TsPayload ts;
  for (unsigned i = 0; i < n; ++i) {
    const std::size_t s_at = r.offset();
    if (!r.has(8)) return err(MsgErrc::Truncated, s_at, "traffic selector header");
    TrafficSelector s;
    s.type = static_cast<TsType>(r.u8());
    s.ip_protocol = r.u8();
    const std::uint16_t len = r.u16();
    if (!ts_type_known(s.type))
      return err(MsgErrc::InvalidSyntax, s_at, "unsupported TS type " +
                                                   std::to_string(static_cast<int>(s.type)));
    const std::size_t a = ts_addr_size(s.type);
    if (len != 8 + 2 * a)
      return err(MsgErrc::BadLength, s_at + 2, "selector length " + std::to_string(len) +
                                                   " for its type");
    if (!r.has(len - 4u)) return err(MsgErrc::Truncated, s_at + 2, "selector past TS payload");
    s.start_port = r.u16();
    s.end_port = r.u16();
    s.start_addr = r.bytes(a);
    s.end_addr = r.bytes(a);
    ts.selectors.push_back(std::move(s));
  }
  if (r.left() != 0) return err(MsgErrc::BadLength, r.offset(), "bytes after the selectors");
  return PayloadBody{std::move(ts)};
}

MsgResult<PayloadBody> parse_skf(PayloadType next, Reader r) {
  const std::size_t at = r.offset();
  if (!r.has(4)) return err(MsgErrc::Truncated, at, "SKF payload < 4 bytes");
  SkfPayload f;
  f.inner_first = next;
  f.number = r.u16();
  f.total = r.u16();
  if (f.number == 0 || f.total == 0 || f.number > f.total)
    return err(MsgErrc::InvalidSyntax, at, "fragment " + std::to_string(f.number) + " of " +
                                               std::to_string(f.total));
  if (f.number != 1 && next != PayloadType::None)
    return err(MsgErrc::InvalidSyntax, at - 4, "Next Payload set in a non-first fragment");
  f.encrypted = r.rest();
  return PayloadBody{std::move(f)};
}

std::optional<MsgError> unencodable(const std::string& why) {
  return err(MsgErrc::Unencodable, 0, why);
}

// The body variant a payload type must have.
bool body_matches(PayloadType t, const PayloadBody& b) {
  switch (t) {
    case PayloadType::SA: return std::holds_alternative<SaPayload>(b);
    case PayloadType::KE: return std::holds_alternative<KePayload>(b);
    case PayloadType::IDi:
    case PayloadType::IDr: return std::holds_alternative<IdPayload>(b);
    case PayloadType::CERT:
    case PayloadType::CERTREQ: return std::holds_alternative<CertPayload>(b);
    case PayloadType::AUTH: return std::holds_alternative<AuthPayload>(b);
    case PayloadType::Nonce: return std::holds_alternative<NoncePayload>(b);
    case PayloadType::Notify: return std::holds_alternative<NotifyPayload>(b);
    case PayloadType::Delete: return std::holds_alternative<DeletePayload>(b);
    case PayloadType::Vendor: return std::holds_alternative<VendorPayload>(b);
    case PayloadType::TSi:
    case PayloadType::TSr: return std::holds_alternative<TsPayload>(b);
    case PayloadType::SK: return std::holds_alternative<SkPayload>(b);
    case PayloadType::SKF: return std::holds_alternative<SkfPayload>(b);
    default: return std::holds_alternative<RawPayload>(b);
  }
}

struct BodyWriter {
  Bytes& out;

  std::optional<MsgError> operator()(const SaPayload& sa) { return build_sa(sa, out); }
  std::optional<MsgError> operator()(const KePayload& ke) {
    put16(out, ke.group);
    put16(out, 0);
    put(out, ke.data);
    return std::nullopt;
  }
  std::optional<MsgError> operator()(const IdPayload& id) {
    const std::size_t fixed = id_fixed_size(id.type);
    if (fixed != 0 && id.data.size() != fixed) return unencodable("ID address size");
    put8(out, static_cast<std::uint8_t>(id.type));
    put8(out, 0), put16(out, 0);
    put(out, id.data);
    return std::nullopt;
  }
  std::optional<MsgError> operator()(const CertPayload& c) {
    put8(out, static_cast<std::uint8_t>(c.encoding));
    put(out, c.data);
    return std::nullopt;
  }
  std::optional<MsgError> operator()(const AuthPayload& a) {
    put8(out, static_cast<std::uint8_t>(a.method));
    put8(out, 0), put16(out, 0);
    put(out, a.data);
    return std::nullopt;
  }
  std::optional<MsgError> operator()(const NoncePayload& n) {
    if (n.data.size() < kNonceMin || n.data.size() > kNonceMax)
      return unencodable("nonce size not 16..256");
    put(out, n.data);
    return std::nullopt;
  }
  std::optional<MsgError> operator()(const NotifyPayload& n) {
    if (n.spi.size() > 255) return unencodable("notify SPI > 255 bytes");
    put8(out, static_cast<std::uint8_t>(n.protocol));
    put8(out, static_cast<std::uint8_t>(n.spi.size()));
    put16(out, static_cast<std::uint16_t>(n.type));
    put(out, n.spi);
    put(out, n.data);
    return std::nullopt;
  }
  std::optional<MsgError> operator()(const DeletePayload& d) {
    if (d.spis.size() > 0xFFFF) return unencodable("> 65535 SPIs");
    if (d.spi_size == 0 && !d.spis.empty()) return unencodable("SPIs with SPI size 0");
    put8(out, static_cast<std::uint8_t>(d.protocol));
    put8(out, d.spi_size);
    put16(out, static_cast<std::uint16_t>(d.spis.size()));
    for (const Bytes& s : d.spis) {
      if (s.size() != d.spi_size) return unencodable("delete SPI of the wrong size");
      put(out, s);
    }
    return std::nullopt;
  }
  std::optional<MsgError> operator()(const VendorPayload& v) {
    put(out, v.id);
    return std::nullopt;
  }
  std::optional<MsgError> operator()(const TsPayload& ts) {
    if (ts.selectors.size() > 255) return unencodable("> 255 traffic selectors");
    put8(out, static_cast<std::uint8_t>(ts.selectors.size()));
    put8(out, 0), put16(out, 0);
    for (const TrafficSelector& s : ts.selectors) {
      if (!ts_type_known(s.type)) return unencodable("unsupported TS type");
      const std::size_t a = ts_addr_size(s.type);
      if (s.start_addr.size() != a || s.end_addr.size() != a)
        return unencodable("TS address size does not match its type");
      put8(out, static_cast<std::uint8_t>(s.type));
      put8(out, s.ip_protocol);
      put16(out, static_cast<std::uint16_t>(8 + 2 * a));
      put16(out, s.start_port);
      put16(out, s.end_port);
      put(out, s.start_addr);
      put(out, s.end_addr);
    }
    return std::nullopt;
  }
  std::optional<MsgError> operator()(const SkPayload& sk) {
    put(out, sk.encrypted);
    return std::nullopt;
  }
  std::optional<MsgError> operator()(const SkfPayload& f) {
    if (f.number == 0 || f.total == 0 || f.number > f.total)
      return unencodable("fragment number not in 1..total");
    if (f.number != 1 && f.inner_first != PayloadType::None)
      return unencodable("inner payload type in a non-first fragment");
    put16(out, f.number);
    put16(out, f.total);
    put(out, f.encrypted);
    return std::nullopt;
  }
  std::optional<MsgError> operator()(const RawPayload& r) {
    put(out, r.body);
    return std::nullopt;
  }
};

}  // namespace

MsgResult<PayloadBody> parse_body(PayloadType type, PayloadType next, Reader r) {
  switch (type) {
    case PayloadType::SA: return parse_sa(r);
    case PayloadType::KE: return parse_ke(r);
    case PayloadType::IDi:
    case PayloadType::IDr: return parse_id(r);
    case PayloadType::CERT:
    case PayloadType::CERTREQ: return parse_cert(r);
    case PayloadType::AUTH: return parse_auth(r);
    case PayloadType::Nonce: return parse_nonce(r);
    case PayloadType::Notify: return parse_notify(r);
    case PayloadType::Delete: return parse_delete(r);
    case PayloadType::Vendor: return PayloadBody{VendorPayload{r.rest()}};
    case PayloadType::TSi:
    case PayloadType::TSr: return parse_ts(r);
    case PayloadType::SK: return PayloadBody{SkPayload{next, r.rest()}};
    case PayloadType::SKF: return parse_skf(next, r);
    default: return PayloadBody{RawPayload{r.rest()}};
  }
}

std::optional<MsgError> build_body(const Payload& p, Bytes& out) {
  if (!body_matches(p.type, p.body))
    return unencodable(std::string("body does not match payload type ") +
                       payload_type_name(p.type));
  return std::visit(BodyWriter{out}, p.body);
}

}  // namespace esp::ike::detail
