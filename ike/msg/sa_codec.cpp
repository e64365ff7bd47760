// SA payload body (RFC 7296 3.3): proposals, transforms, attributes.
#include "sa_codec.hpp"

#include <string>

namespace esp::ike::detail {
namespace {

constexpr std::uint8_t kLastProposal = 0, kMoreProposals = 2;
constexpr std::uint8_t kLastTransform = 0, kMoreTransforms = 3;
constexpr std::uint16_t kAttrFormatTv = 0x8000;

std::optional<MsgError> parse_attributes(Reader r, std::vector<TransformAttribute>& out) {
  while (r.left() > 0) {
    const std::size_t at = r.offset();
    if (!r.has(4)) return err(MsgErrc::Truncated, at, "transform attribute header");
    TransformAttribute a;
    const std::uint16_t t = r.u16();
    a.type = static_cast<std::uint16_t>(t & 0x7FFF);
    a.tv = (t & kAttrFormatTv) != 0;
    const std::uint16_t v = r.u16();
    if (a.tv) {
      a.value = v;
    } else {
      if (!r.has(v)) return err(MsgErrc::Truncated, at + 2, "TLV attribute length past transform");
      a.data = r.bytes(v);
    }
    if (a.type == kAttrKeyLength && !a.tv)
      return err(MsgErrc::InvalidSyntax, at, "Key Length attribute must be TV");
    out.push_back(std::move(a));
  }
  return std::nullopt;
}

std::optional<MsgError> parse_transform(Reader& r, bool& last, Transform& t) {
  const std::size_t at = r.offset();
  if (!r.has(8)) return err(MsgErrc::Truncated, at, "transform header");
  const std::uint8_t more = r.u8();
  if (more != kLastTransform && more != kMoreTransforms)
    return err(MsgErrc::InvalidSyntax, at, "transform Last Substruc is not 0 or 3");
  last = more == kLastTransform;
  r.u8();  // reserved
  const std::uint16_t len = r.u16();
  if (len < 8) return err(MsgErrc::BadLength, at + 2, "transform length < 8");
  if (!r.has(len - 4u)) return err(MsgErrc::Truncated, at + 2, "transform length past proposal");
  Reader body = r.sub(len - 4u);
  t.type = static_cast<TransformType>(body.u8());
  body.u8();  // reserved
  t.id = body.u16();
  return parse_attributes(body, t.attributes);
}

std::optional<MsgError> parse_proposal(Reader& r, bool& last, Proposal& p) {
  const std::size_t at = r.offset();
  if (!r.has(8)) return err(MsgErrc::Truncated, at, "proposal header");
  const std::uint8_t more = r.u8();
  if (more != kLastProposal && more != kMoreProposals)
    return err(MsgErrc::InvalidSyntax, at, "proposal Last Substruc is not 0 or 2");
  last = more == kLastProposal;
  r.u8();  // reserved
  const std::uint16_t len = r.u16();
  if (len < 8) return err(MsgErrc::BadLength, at + 2, "proposal length < 8");
  if (!r.has(len - 4u)) return err(MsgErrc::Truncated, at + 2, "proposal length past SA payload");
  Reader body = r.sub(len - 4u);
  p.number = body.u8();
  p.protocol = static_cast<ProtocolId>(body.u8());
  const std::uint8_t spi_size = body.u8();
  const std::uint8_t n_transforms = body.u8();
  if (!body.has(spi_size)) return err(MsgErrc::Truncated, at + 6, "SPI size past proposal");
  p.spi = body.bytes(spi_size);
  bool last_t = false;
  for (unsigned i = 0; i < n_transforms; ++i) {
    if (i > 0 && last_t)
      return err(MsgErrc::InvalidSyntax, body.offset(), "transform after the last one");
    Transform t;
    if (auto e = parse_transform(body, last_t, t)) return e;
    p.transforms.push_back(std::move(t));
  }
  if (n_transforms > 0 && !last_t)
    return err(MsgErrc::InvalidSyntax, at + 7, "last transform not marked last");
  if (body.left() != 0)
    return err(MsgErrc::BadLength, body.offset(), "bytes after the proposal's transforms");
  return std::nullopt;
}

}  // namespace

MsgResult<PayloadBody> parse_sa(Reader r) {
  SaPayload sa;
  if (r.left() == 0) return err(MsgErrc::InvalidSyntax, r.offset(), "SA payload without proposals");
  bool last = false;
  while (r.left() > 0) {
    if (last) return err(MsgErrc::InvalidSyntax, r.offset(), "proposal after the last one");
    Proposal p;
    if (auto e = parse_proposal(r, last, p)) return *e;
    sa.proposals.push_back(std::move(p));
  }
  if (!last) return err(MsgErrc::Truncated, r.offset(), "last proposal not marked last");
  return PayloadBody{std::move(sa)};
}

std::optional<MsgError> build_sa(const SaPayload& sa, Bytes& out) {
  if (sa.proposals.empty()) return err(MsgErrc::Unencodable, 0, "SA payload without proposals");
  for (std::size_t i = 0; i < sa.proposals.size(); ++i) {
    const Proposal& p = sa.proposals[i];
    if (p.spi.size() > 255) return err(MsgErrc::Unencodable, 0, "proposal SPI > 255 bytes");
    if (p.transforms.size() > 255) return err(MsgErrc::Unencodable, 0, "> 255 transforms");
    const std::size_t p_start = out.size();
    put8(out, i + 1 == sa.proposals.size() ? kLastProposal : kMoreProposals);
    put8(out, 0);
    put16(out, 0);  // length, patched below
    put8(out, p.number);
    put8(out, static_cast<std::uint8_t>(p.protocol));
    put8(out, static_cast<std::uint8_t>(p.spi.size()));
    put8(out, static_cast<std::uint8_t>(p.transforms.size()));
    put(out, p.spi);
    for (std::size_t j = 0; j < p.transforms.size(); ++j) {
      const Transform& t = p.transforms[j];
      const std::size_t t_start = out.size();
      put8(out, j + 1 == p.transforms.size() ? kLastTransform : kMoreTransforms);
      put8(out, 0);
      put16(out, 0);
      put8(out, static_cast<std::uint8_t>(t.type));
      put8(out, 0);
      put16(out, t.id);
      for (const TransformAttribute& a : t.attributes) {
        if (a.type > 0x7FFF) return err(MsgErrc::Unencodable, 0, "attribute type > 15 bits");
        if (a.type == kAttrKeyLength && !a.tv)
          return err(MsgErrc::Unencodable, 0, "Key Length attribute must be TV");
        put16(out, static_cast<std::uint16_t>(a.type | (a.tv ? kAttrFormatTv : 0)));
        if (a.tv) {
          put16(out, a.value);
        } else {
          if (a.data.size() > 0xFFFF) return err(MsgErrc::Unencodable, 0, "TLV attribute > 64 KiB");
          put16(out, static_cast<std::uint16_t>(a.data.size()));
          put(out, a.data);
        }
      }
      const std::size_t t_len = out.size() - t_start;
      if (t_len > 0xFFFF) return err(MsgErrc::Unencodable, 0, "transform > 64 KiB");
      patch16(out, t_start + 2, static_cast<std::uint16_t>(t_len));
    }
    const std::size_t p_len = out.size() - p_start;
    if (p_len > 0xFFFF) return err(MsgErrc::Unencodable, 0, "proposal > 64 KiB");
    patch16(out, p_start + 2, static_cast<std::uint16_t>(p_len));
  }
  return std::nullopt;
}

}  // namespace esp::ike::detail

namespace esp::ike {
std::optional<std::uint16_t> Transform::key_length() const {
  for (const TransformAttribute& a : attributes)
    if (a.type == kAttrKeyLength && a.tv) return a.value;
  return std::nullopt;
}
}  // namespace esp::ike
