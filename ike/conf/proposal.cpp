// strongSwan proposal strings: see proposal.hpp.
#include "esp/ike/proposal.hpp"

#include <algorithm>
#include <cctype>

namespace esp::ike::conf {

namespace {

using namespace xform;

struct Alg {
  const char* name;
  Transform t;
};

// Primary names first: str() prints the first name of a transform.
const Alg kAlgs[] = {
    {"aes128gcm16", {ENCR, ENCR_AES_GCM_16, 128}},
    {"aes256gcm16", {ENCR, ENCR_AES_GCM_16, 256}},
    {"aes128gcm128", {ENCR, ENCR_AES_GCM_16, 128}},
    {"aes256gcm128", {ENCR, ENCR_AES_GCM_16, 256}},
    {"aes128gcm", {ENCR, ENCR_AES_GCM_16, 128}},
    {"aes256gcm", {ENCR, ENCR_AES_GCM_16, 256}},
    {"aes128", {ENCR, ENCR_AES_CBC, 128}},
    {"aes256", {ENCR, ENCR_AES_CBC, 256}},
    {"aes", {ENCR, ENCR_AES_CBC, 128}},
    {"aes128gmac", {ENCR, ENCR_NULL_AUTH_AES_GMAC, 128}},
    {"aes256gmac", {ENCR, ENCR_NULL_AUTH_AES_GMAC, 256}},
    {"sha256", {INTEG, AUTH_HMAC_SHA2_256_128, 0}},
    {"sha384", {INTEG, AUTH_HMAC_SHA2_384_192, 0}},
    {"sha512", {INTEG, AUTH_HMAC_SHA2_512_256, 0}},
    {"sha2_256", {INTEG, AUTH_HMAC_SHA2_256_128, 0}},
    {"sha2_384", {INTEG, AUTH_HMAC_SHA2_384_192, 0}},
    {"sha2_512", {INTEG, AUTH_HMAC_SHA2_512_256, 0}},
    {"prfsha256", {PRF, PRF_HMAC_SHA2_256, 0}},
    {"prfsha384", {PRF, PRF_HMAC_SHA2_384, 0}},
    {"prfsha512", {PRF, PRF_HMAC_SHA2_512, 0}},
    {"modp2048", {DH, MODP_2048, 0}},
    {"modp3072", {DH, MODP_3072, 0}},
    {"ecp256", {DH, ECP_256, 0}},
    {"ecp384", {DH, ECP_384, 0}},
    {"ecp521", {DH, ECP_521, 0}},
    {"curve25519", {DH, CURVE_25519, 0}},
    {"x25519", {DH, CURVE_25519, 0}},
    {"esn", {ESN, WITH_ESN, 0}},
    {"noesn", {ESN, NO_ESN, 0}},
};

// Names strongSwan knows that we refuse with "not supported" rather than
// "unknown" (prefix match for families).
const char* const kKnownUnsupported[] = {
    "3des", "des", "cast128", "blowfish", "camellia", "serpent", "twofish", "chacha20poly1305",
    "null", "aes192", "aes128ctr", "aes256ctr", "aes128ccm", "aes256ccm", "aes128gcm8",
    "aes128gcm12", "aes128gcm64", "aes128gcm96", "aes256gcm8", "aes256gcm12", "aes256gcm64",
    "aes256gcm96", "md5", "sha1", "sha", "aesxcbc", "aescmac", "sha256_96", "sha2_256_96",
    "prfmd5", "prfsha1", "prfaesxcbc", "prfaescmac", "prfcamelxcbc", "modp", "ecp192", "ecp224",
    "ecp256bp", "ecp384bp", "ecp512bp", "ecp224bp", "curve448", "x448", "ke1_", "ke2_", "mlkem",
};

const Alg* lookup(const std::string& name) {
  for (const auto& a : kAlgs)
    if (name == a.name) return &a;
  return nullptr;
}

const char* name_of(const Transform& t) {
  for (const auto& a : kAlgs)
    if (a.t == t) return a.name;
  return "?";
}

bool known_unsupported(const std::string& name) {
  for (const char* k : kKnownUnsupported)
    if (name.compare(0, std::string(k).size(), k) == 0) return true;
  return false;
}

void add_unique(std::vector<Transform>& v, const Transform& t) {
  if (std::find(v.begin(), v.end(), t) == v.end()) v.push_back(t);
}

Transform prf_for(const Transform& integ) {
  switch (integ.id) {
    case AUTH_HMAC_SHA2_384_192: return {PRF, PRF_HMAC_SHA2_384, 0};
    case AUTH_HMAC_SHA2_512_256: return {PRF, PRF_HMAC_SHA2_512, 0};
    default: return {PRF, PRF_HMAC_SHA2_256, 0};
  }
}

const char* kIkeSupported =
    "IKE supports aes128 aes256 aes128gcm16 aes256gcm16, sha256 sha384 sha512, prfsha256 prfsha384 "
    "prfsha512, modp2048 modp3072 ecp256 ecp384 ecp521 curve25519";
const char* kEspSupported =
    "ESP supports what the card does: aes128gcm16 aes256gcm16 aes128gmac aes256gmac, esn noesn, and "
    "a DH group for PFS (modp2048 modp3072 ecp256 ecp384 ecp521 curve25519)";

}  // namespace

bool Proposal::aead() const {
  return !encr.empty() && std::all_of(encr.begin(), encr.end(), [](const Transform& t) {
    return t.id == ENCR_AES_GCM_16 || t.id == ENCR_NULL_AUTH_AES_GMAC;
  });
}

std::vector<Transform> Proposal::all() const {
  std::vector<Transform> out;
  for (const auto* v : {&encr, &integ, &prf, &dh, &esn}) out.insert(out.end(), v->begin(), v->end());
  return out;
}

std::string Proposal::str() const {
  std::string out;
  for (const auto& t : all()) {
    if (!out.empty()) out += '-';
    out += name_of(t);
  }
  return out;
}

std::vector<Proposal> parse_proposal(const std::string& text, ProposalKind kind) {
  const bool ike = kind == ProposalKind::Ike;
  const char* supported = ike ? kIkeSupported : kEspSupported;
  if (text.empty()) throw ProposalError("empty proposal");
  std::vector<Transform> gcm, cbc, integ, prf, dh, esn;
  size_t start = 0;
  for (;;) {
    size_t dash = text.find('-', start);
    std::string tok = text.substr(start, dash == std::string::npos ? std::string::npos : dash - start);
    std::string lower = tok;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (tok.empty()) throw ProposalError("empty algorithm in proposal '" + text + "'");
    const Alg* a = lookup(lower);
    if (!a) {
      if (lower == "default")
        throw ProposalError("'default' must be a list item of its own, not part of '" + text + "'");
      if (known_unsupported(lower))
        throw ProposalError("algorithm '" + tok + "' in proposal '" + text + "' is not supported (" + supported + ")");
      throw ProposalError("unknown algorithm '" + tok + "' in proposal '" + text + "' (" + supported + ")");
    }
    const Transform& t = a->t;
    switch (t.type) {
      case ENCR:
        if (t.id == ENCR_NULL_AUTH_AES_GMAC && ike)
          throw ProposalError("'" + tok + "' (integrity only) cannot protect IKE messages; " + supported);
        if (t.id == ENCR_AES_CBC && !ike)
          throw ProposalError("'" + tok + "' (AES-CBC) in ESP proposal '" + text + "' is not supported: " +
                              supported);
        add_unique(t.id == ENCR_AES_CBC ? cbc : gcm, t);
        break;
      case INTEG: add_unique(integ, t); break;
      case PRF:
        if (!ike) throw ProposalError("'" + tok + "' is a PRF: ESP proposals have none ('" + text + "')");
        add_unique(prf, t);
        break;
      case DH: add_unique(dh, t); break;
      case ESN:
        if (ike) throw ProposalError("'" + tok + "' is for ESP proposals, not IKE ('" + text + "')");
        add_unique(esn, t);
        break;
    }
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  std::vector<Proposal> out;
  if (ike) {
    if (gcm.empty() && cbc.empty()) throw ProposalError("IKE proposal '" + text + "' has no encryption algorithm");
    if (dh.empty()) throw ProposalError("IKE proposal '" + text + "' has no DH group");
    std::vector<Transform> prfs = prf;
    if (prfs.empty())
      for (const auto& i : integ) add_unique(prfs, prf_for(i));
    if (!gcm.empty()) {
      if (prfs.empty())
        throw ProposalError("AEAD IKE proposal '" + text + "' needs a PRF (prfsha256, prfsha384 or prfsha512)");
      Proposal p;
      p.kind = kind;
      p.encr = gcm;
      p.prf = prfs;
      p.dh = dh;
      out.push_back(p);
    }
    if (!cbc.empty()) {
      if (integ.empty())
        throw ProposalError("IKE proposal '" + text + "' uses AES-CBC without an integrity algorithm");
      Proposal p;
      p.kind = kind;
      p.encr = cbc;
      p.integ = integ;
      p.prf = prfs;
      p.dh = dh;
      out.push_back(p);
    }
  } else {
    if (gcm.empty())
      throw ProposalError("ESP proposal '" + text + "' has no AES-GCM or AES-GMAC algorithm (" + supported + ")");
    // Integrity algorithms next to an AEAD are dropped, as strongSwan does.
    Proposal p;
    p.kind = kind;
    p.encr = gcm;
    p.dh = dh;
    p.esn = esn.empty() ? std::vector<Transform>{Transform{ESN, NO_ESN, 0}} : esn;
    out.push_back(p);
  }
  return out;
}

std::vector<Proposal> parse_proposals(const std::vector<std::string>& items, ProposalKind kind) {
  std::vector<Proposal> out;
  for (const auto& item : items) {
    std::vector<Proposal> ps;
    if (item == "default")
      ps = kind == ProposalKind::Ike ? default_ike_proposals() : default_esp_proposals();
    else
      ps = parse_proposal(item, kind);
    out.insert(out.end(), ps.begin(), ps.end());
  }
  if (out.empty()) throw ProposalError("no proposals");
  return out;
}

std::vector<Proposal> default_ike_proposals() {
  return {parse_proposal(
              "aes128gcm16-aes256gcm16-prfsha256-prfsha384-prfsha512-curve25519-ecp256-ecp384-ecp521-modp3072-modp2048",
              ProposalKind::Ike)[0],
          parse_proposal("aes128-aes256-sha256-sha384-sha512-curve25519-ecp256-ecp384-ecp521-modp3072-modp2048",
                         ProposalKind::Ike)[0]};
}

std::vector<Proposal> default_esp_proposals() {
  return parse_proposal("aes128gcm16-aes256gcm16", ProposalKind::Esp);
}

}  // namespace esp::ike::conf
