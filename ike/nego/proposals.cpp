// Proposal offers, selection and checks: see proposals.hpp.
#include "esp/ike/proposals.hpp"

#include <algorithm>
#include <array>

namespace esp::ike {

namespace {

namespace xf = conf::xform;

constexpr std::size_t kTypes = 6;  // transform types 1..5 (index 0 unused)

bool known_type(unsigned t) { return t >= 1 && t < kTypes; }

const char* type_name(unsigned t) {
  switch (t) {
    case xf::ENCR: return "ENCR";
    case xf::PRF: return "PRF";
    case xf::INTEG: return "INTEG";
    case xf::DH: return "DH";
    case xf::ESN: return "ESN";
    default: return "transform type";
  }
}

const char* proto_name(ProtocolId p) {
  switch (p) {
    case ProtocolId::IKE: return "IKE";
    case ProtocolId::ESP: return "ESP";
    case ProtocolId::AH: return "AH";
    default: return "none";
  }
}

bool all_zero(const Bytes& b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t v) { return v == 0; });
}

// One transform as (id, key bits); key bits 0 = no Key Length attribute.
struct Alg {
  std::uint16_t id = 0;
  std::uint16_t key_bits = 0;
  bool operator==(const Alg& o) const { return id == o.id && key_bits == o.key_bits; }
};

// The Key Length of a transform whose attributes we understand (at most one
// Key Length, TV); nullopt when it carries anything else.
std::optional<std::uint16_t> plain_key_bits(const Transform& t) {
  std::optional<std::uint16_t> bits;
  for (const TransformAttribute& a : t.attributes) {
    if (a.type != kAttrKeyLength || !a.tv || bits) return std::nullopt;
    bits = a.value;
  }
  return bits.value_or(0);
}

// A peer proposal split by transform type, or why it cannot be matched.
struct PeerLists {
  std::array<std::vector<Alg>, kTypes> by_type;
  std::array<bool, kTypes> present{};  // the type appears (even if all its transforms were ignored)
};

std::optional<PeerLists> split_peer(const Proposal& q, ProtocolId proto, const SelectOptions& opt) {
  if (q.protocol != proto) return std::nullopt;
  if (proto == ProtocolId::IKE) {
    if (!q.spi.empty() && q.spi.size() != 8) return std::nullopt;
    if (opt.ike_spi_size && q.spi.size() != *opt.ike_spi_size) return std::nullopt;
  } else if (q.spi.size() != 4) {
    return std::nullopt;
  }
  if (!q.spi.empty() && all_zero(q.spi)) return std::nullopt;
  PeerLists out;
  for (const Transform& t : q.transforms) {
    const auto type = static_cast<unsigned>(t.type);
    if (!known_type(type)) return std::nullopt;
    if (proto == ProtocolId::IKE && type == xf::ESN) return std::nullopt;
    if (proto != ProtocolId::IKE && type == xf::PRF) return std::nullopt;
    out.present[type] = true;
    if (auto bits = plain_key_bits(t)) out.by_type[type].push_back(Alg{t.id, *bits});
  }
  return out;
}

bool contains(const std::vector<Alg>& v, const Alg& a) { return std::find(v.begin(), v.end(), a) != v.end(); }

// Our first choice that the peer also offers.
std::optional<Alg> pick(const std::vector<conf::Transform>& ours, const std::vector<Alg>& theirs) {
  for (const conf::Transform& t : ours) {
    Alg a{t.id, t.key_bits};
    if (contains(theirs, a)) return a;
  }
  return std::nullopt;
}

std::optional<Alg> pick_dh(const std::vector<conf::Transform>& ours, const std::vector<Alg>& theirs,
                           const std::optional<std::uint16_t>& ke_group) {
  if (ke_group) {
    Alg k{*ke_group, 0};
    bool ours_has = std::any_of(ours.begin(), ours.end(), [&](const conf::Transform& t) { return t.id == k.id; });
    if (ours_has && contains(theirs, k) && dh_group_from_id(k.id)) return k;
  }
  return pick(ours, theirs);
}

std::optional<Chosen> match(const conf::Proposal& p, const Proposal& q, const PeerLists& peer, ProtocolId proto,
                            const SelectOptions& opt) {
  const bool ike = proto == ProtocolId::IKE;
  Chosen c;
  c.protocol = proto;
  c.number = q.number;
  c.spi = q.spi;

  auto encr = pick(p.encr, peer.by_type[xf::ENCR]);
  if (!encr) return std::nullopt;
  auto e = encr_from_id(encr->id);
  if (!e || !encr_key_bits_valid(*e, encr->key_bits)) return std::nullopt;
  c.encr = *e;
  c.key_bits = encr->key_bits;
  const bool aead = encr_is_aead(*e);

  if (!aead) {
    auto integ = pick(p.integ, peer.by_type[xf::INTEG]);
    if (!integ) return std::nullopt;
    auto i = integ_from_id(integ->id);
    if (!i || *i == IntegId::None) return std::nullopt;
    c.integ = *i;
  }

  if (ike) {
    auto prf = pick(p.prf, peer.by_type[xf::PRF]);
    if (!prf) return std::nullopt;
    c.prf = prf_from_id(prf->id);
    if (!c.prf) return std::nullopt;
    auto dh = pick_dh(p.dh, peer.by_type[xf::DH], opt.ke_group);
    if (!dh) return std::nullopt;
    c.dh = dh_group_from_id(dh->id);
    if (!c.dh) return std::nullopt;
    return c;
  }

  if (!opt.skip_dh) {
    const auto& theirs = peer.by_type[xf::DH];
    if (!p.dh.empty()) {
      auto dh = pick_dh(p.dh, theirs, opt.ke_group);
      if (!dh) return std::nullopt;
      c.dh = dh_group_from_id(dh->id);
      if (!c.dh) return std::nullopt;
    } else if (peer.present[xf::DH] && !contains(theirs, Alg{0, 0})) {
      return std::nullopt;  // the peer requires PFS, we have none configured
    }
  }

  if (!peer.present[xf::ESN]) return std::nullopt;  // mandatory for ESP (RFC 7296 3.3.3)
  std::vector<conf::Transform> our_esn = p.esn;
  if (our_esn.empty()) our_esn.push_back(conf::Transform{xf::ESN, xf::NO_ESN, 0});
  auto esn = pick(our_esn, peer.by_type[xf::ESN]);
  if (!esn) return std::nullopt;
  c.esn = esn->id == xf::WITH_ESN;
  return c;
}

Transform msg_transform(std::uint8_t type, std::uint16_t id, unsigned key_bits) {
  Transform t;
  t.type = static_cast<TransformType>(type);
  t.id = id;
  if (key_bits) t.attributes.push_back(TransformAttribute::key_length(static_cast<std::uint16_t>(key_bits)));
  return t;
}

void check_spi_size(ProtocolId proto, const Bytes& spi) {
  if (proto == ProtocolId::IKE) {
    if (!spi.empty() && spi.size() != 8)
      throw std::invalid_argument("an IKE proposal's SPI is empty (IKE_SA_INIT) or 8 bytes (rekey), not " +
                                  std::to_string(spi.size()));
  } else if (proto == ProtocolId::ESP) {
    if (spi.size() != 4)
      throw std::invalid_argument("an ESP proposal's SPI is 4 bytes, not " + std::to_string(spi.size()));
  } else {
    throw std::invalid_argument(std::string("cannot offer protocol ") + proto_name(proto) + " (IKE and ESP only)");
  }
}

}  // namespace

SaPayload make_offer(const std::vector<conf::Proposal>& ours, ProtocolId proto, const Bytes& spi, bool skip_dh) {
  check_spi_size(proto, spi);
  if (ours.empty()) throw std::invalid_argument("no proposals to offer");
  if (ours.size() > 255) throw std::invalid_argument("more than 255 proposals");
  const bool ike = proto == ProtocolId::IKE;
  SaPayload sa;
  std::uint8_t number = 0;
  for (const conf::Proposal& p : ours) {
    if ((p.kind == conf::ProposalKind::Ike) != ike)
      throw std::invalid_argument(std::string("proposal '") + p.str() + "' is not for " + proto_name(proto));
    Proposal m;
    m.number = ++number;
    m.protocol = proto;
    m.spi = spi;
    for (const auto& t : p.encr) m.transforms.push_back(msg_transform(t.type, t.id, t.key_bits));
    if (ike)
      for (const auto& t : p.prf) m.transforms.push_back(msg_transform(t.type, t.id, 0));
    for (const auto& t : p.integ) m.transforms.push_back(msg_transform(t.type, t.id, 0));
    if (!skip_dh)
      for (const auto& t : p.dh) m.transforms.push_back(msg_transform(t.type, t.id, 0));
    if (!ike) {
      if (p.esn.empty()) m.transforms.push_back(msg_transform(xf::ESN, xf::NO_ESN, 0));
      for (const auto& t : p.esn) m.transforms.push_back(msg_transform(t.type, t.id, 0));
    }
    sa.proposals.push_back(std::move(m));
  }
  return sa;
}

SaPayload Chosen::as_payload(const Bytes& our_spi) const {
  Proposal m;
  m.number = number;
  m.protocol = protocol;
  m.spi = our_spi;
  m.transforms.push_back(msg_transform(xf::ENCR, static_cast<std::uint16_t>(encr), key_bits));
  if (prf) m.transforms.push_back(msg_transform(xf::PRF, static_cast<std::uint16_t>(*prf), 0));
  if (integ != IntegId::None) m.transforms.push_back(msg_transform(xf::INTEG, static_cast<std::uint16_t>(integ), 0));
  if (dh) m.transforms.push_back(msg_transform(xf::DH, static_cast<std::uint16_t>(*dh), 0));
  if (protocol != ProtocolId::IKE) m.transforms.push_back(msg_transform(xf::ESN, esn ? xf::WITH_ESN : xf::NO_ESN, 0));
  SaPayload sa;
  sa.proposals.push_back(std::move(m));
  return sa;
}

IkeSuite Chosen::ike_suite() const {
  if (!prf) throw std::logic_error("ike_suite() of a choice without a PRF (not an IKE proposal)");
  IkeSuite s;
  s.encr = encr;
  s.encr_key_bits = key_bits;
  s.integ = integ;
  s.prf = *prf;
  return s;
}

ChildSuite Chosen::child_suite() const {
  ChildSuite s;
  s.encr = encr;
  s.encr_key_bits = key_bits;
  s.integ = integ;
  return s;
}

std::string Chosen::str() const {
  std::string out = encr_name(encr);
  if (key_bits) out += "_" + std::to_string(key_bits);
  if (integ != IntegId::None) out += "/" + integ_name(integ);
  if (prf) out += "/" + prf_name(*prf);
  if (dh) out += "/" + dh_name(*dh);
  if (protocol != ProtocolId::IKE) out += esn ? "/EXT_SEQ" : "/NO_EXT_SEQ";
  return out;
}

std::optional<Chosen> select_proposal(const std::vector<conf::Proposal>& ours, const SaPayload& theirs,
                                      ProtocolId proto, const SelectOptions& opt) {
  if (proto != ProtocolId::IKE && proto != ProtocolId::ESP) return std::nullopt;
  const auto kind = proto == ProtocolId::IKE ? conf::ProposalKind::Ike : conf::ProposalKind::Esp;
  std::vector<std::optional<PeerLists>> peers;
  peers.reserve(theirs.proposals.size());
  for (const Proposal& q : theirs.proposals) peers.push_back(split_peer(q, proto, opt));
  for (const conf::Proposal& p : ours) {
    if (p.kind != kind) continue;
    for (std::size_t i = 0; i < theirs.proposals.size(); ++i) {
      if (!peers[i]) continue;
      if (auto c = match(p, theirs.proposals[i], *peers[i], proto, opt)) return c;
    }
  }
  return std::nullopt;
}

bool ke_fits(const Chosen& chosen, std::uint16_t ke_group) {
  return chosen.dh && static_cast<std::uint16_t>(*chosen.dh) == ke_group;
}

CheckResult check_response(const SaPayload& offered, const SaPayload& response, ProtocolId proto) {
  CheckResult res;
  auto fail = [&res](std::string why) {
    res.error = std::move(why);
    return res;
  };
  if (response.proposals.size() != 1)
    return fail("the responder's SA payload has " + std::to_string(response.proposals.size()) +
                " proposals; it must choose exactly one");
  const Proposal& r = response.proposals[0];
  if (r.protocol != proto)
    return fail(std::string("the responder chose a proposal of protocol ") + proto_name(r.protocol) + ", we offered " +
                proto_name(proto));
  const Proposal* o = nullptr;
  for (const Proposal& p : offered.proposals)
    if (p.number == r.number && p.protocol == proto) o = &p;
  if (!o) return fail("the responder chose proposal number " + std::to_string(r.number) + ", which we did not offer");
  const std::size_t spi_size = proto == ProtocolId::IKE ? o->spi.size() : 4;
  if (r.spi.size() != spi_size)
    return fail("the responder's SPI is " + std::to_string(r.spi.size()) + " bytes, expected " +
                std::to_string(spi_size));
  if (!r.spi.empty() && all_zero(r.spi)) return fail("the responder's SPI is zero");

  std::array<std::optional<Alg>, kTypes> got;
  for (const Transform& t : r.transforms) {
    const auto type = static_cast<unsigned>(t.type);
    if (!known_type(type)) return fail("the responder chose a transform of unknown type " + std::to_string(type));
    if (got[type]) return fail(std::string("the responder chose two ") + type_name(type) + " transforms");
    auto bits = plain_key_bits(t);
    if (!bits)
      return fail(std::string("the responder's ") + type_name(type) + " transform " + std::to_string(t.id) +
                  " carries an attribute we did not send");
    Alg a{t.id, *bits};
    bool offered_it = std::any_of(o->transforms.begin(), o->transforms.end(), [&](const Transform& ot) {
      auto ob = plain_key_bits(ot);
      return static_cast<unsigned>(ot.type) == type && ot.id == a.id && ob && *ob == a.key_bits;
    });
    if (!offered_it) {
      std::string what = std::string(type_name(type)) + " " + std::to_string(a.id);
      if (a.key_bits) what += " (" + std::to_string(a.key_bits) + " bits)";
      return fail("the responder chose " + what + ", which we did not offer in proposal " + std::to_string(r.number));
    }
    got[type] = a;
  }
  auto offered_type = [&](unsigned type, std::optional<std::uint16_t> id = std::nullopt) {
    return std::any_of(o->transforms.begin(), o->transforms.end(), [&](const Transform& ot) {
      return static_cast<unsigned>(ot.type) == type && (!id || ot.id == *id);
    });
  };

  const bool ike = proto == ProtocolId::IKE;
  Chosen c;
  c.protocol = proto;
  c.number = r.number;
  c.spi = r.spi;
  if (!got[xf::ENCR]) return fail("the responder chose no encryption algorithm");
  auto e = encr_from_id(got[xf::ENCR]->id);
  if (!e)
    return fail("the responder chose encryption " + std::to_string(got[xf::ENCR]->id) + ", which we do not implement");
  if (!encr_key_bits_valid(*e, got[xf::ENCR]->key_bits))
    return fail("the responder chose " + encr_name(*e) + " with key length " + std::to_string(got[xf::ENCR]->key_bits));
  c.encr = *e;
  c.key_bits = got[xf::ENCR]->key_bits;
  const bool aead = encr_is_aead(*e);
  if (got[xf::INTEG] && got[xf::INTEG]->id != 0) {
    if (aead) return fail("the responder chose an integrity algorithm next to AEAD " + encr_name(*e));
    auto i = integ_from_id(got[xf::INTEG]->id);
    if (!i)
      return fail("the responder chose integrity " + std::to_string(got[xf::INTEG]->id) +
                  ", which we do not implement");
    c.integ = *i;
  } else if (!aead) {
    return fail("the responder chose no integrity algorithm for " + encr_name(*e));
  }
  if (ike) {
    if (!got[xf::PRF]) return fail("the responder chose no PRF");
    c.prf = prf_from_id(got[xf::PRF]->id);
    if (!c.prf)
      return fail("the responder chose PRF " + std::to_string(got[xf::PRF]->id) + ", which we do not implement");
    if (!got[xf::DH] || got[xf::DH]->id == 0) return fail("the responder chose no DH group");
  } else {
    if (offered_type(xf::ESN) && !got[xf::ESN]) return fail("the responder chose no ESN transform");
    c.esn = got[xf::ESN] && got[xf::ESN]->id == xf::WITH_ESN;
    if (offered_type(xf::DH) && !offered_type(xf::DH, 0) && (!got[xf::DH] || got[xf::DH]->id == 0))
      return fail("the responder chose no DH group, we require PFS");
  }
  if (got[xf::DH] && got[xf::DH]->id != 0) {
    c.dh = dh_group_from_id(got[xf::DH]->id);
    if (!c.dh)
      return fail("the responder chose DH group " + std::to_string(got[xf::DH]->id) + ", which we do not implement");
  }
  res.chosen = std::move(c);
  return res;
}

std::optional<DhGroup> dh_for_first_ke(const std::vector<conf::Proposal>& ours) {
  for (const conf::Proposal& p : ours)
    if (!p.dh.empty()) return dh_group_from_id(p.dh.front().id);
  return std::nullopt;
}

bool dh_allowed(const std::vector<conf::Proposal>& ours, std::uint16_t requested) {
  if (!dh_group_from_id(requested)) return false;
  return std::any_of(ours.begin(), ours.end(), [&](const conf::Proposal& p) {
    return std::any_of(p.dh.begin(), p.dh.end(), [&](const conf::Transform& t) { return t.id == requested; });
  });
}

std::vector<conf::Proposal> promote_dh(const std::vector<conf::Proposal>& ours, std::uint16_t group) {
  std::vector<conf::Proposal> with, without;
  for (conf::Proposal p : ours) {
    auto it = std::find_if(p.dh.begin(), p.dh.end(), [&](const conf::Transform& t) { return t.id == group; });
    if (it == p.dh.end()) {
      without.push_back(std::move(p));
      continue;
    }
    std::rotate(p.dh.begin(), it, it + 1);
    with.push_back(std::move(p));
  }
  with.insert(with.end(), without.begin(), without.end());
  return with;
}

}  // namespace esp::ike
