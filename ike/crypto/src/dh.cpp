#include "esp/ike/dh.hpp"

#include "ossl_util.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>

#include <cstring>

namespace esp::ike {

using namespace ossl;

namespace {

enum class Kind { Modp, Ecp, X25519 };

struct GroupInfo {
  DhGroup group;
  Kind kind;
  const char *ossl_name;  // OpenSSL group name (MODP, ECP) or key type (X25519)
  const char *name;       // strongSwan's keyword
  size_t field_len;       // bytes of p (MODP), of a coordinate (ECP), 32 (X25519)
};

const GroupInfo kGroups[] = {
    {DhGroup::Modp2048, Kind::Modp, "modp_2048", "modp2048", 256},
    {DhGroup::Modp3072, Kind::Modp, "modp_3072", "modp3072", 384},
    {DhGroup::Ecp256, Kind::Ecp, "P-256", "ecp256", 32},
    {DhGroup::Ecp384, Kind::Ecp, "P-384", "ecp384", 48},
    {DhGroup::Ecp521, Kind::Ecp, "P-521", "ecp521", 66},
    {DhGroup::Curve25519, Kind::X25519, "X25519", "x25519", 32},
};

const GroupInfo &info(DhGroup g) {
  for (const auto &i : kGroups)
    if (i.group == g) return i;
  throw CryptoError("unsupported DH group " + std::to_string(static_cast<unsigned>(g)));
}

const char *key_type(Kind k) {
  switch (k) {
    case Kind::Modp: return "DH";
    case Kind::Ecp: return "EC";
    case Kind::X25519: return "X25519";
  }
  return "";
}

Bn bn_from(ByteView v) {
  Bn bn(BN_bin2bn(v.data, static_cast<int>(v.size), nullptr));
  if (!bn) fail("BN_bin2bn");
  return bn;
}

// An EVP_PKEY from OSSL_PARAMs: group name, optionally private and public.
Pkey from_params(const GroupInfo &gi, const BIGNUM *priv, ByteView pub_octets, const BIGNUM *pub_bn,
                 int selection) {
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld) fail("OSSL_PARAM_BLD_new");
  if (!OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, gi.ossl_name, 0))
    fail("OSSL_PARAM_BLD group");
  if (priv && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv))
    fail("OSSL_PARAM_BLD priv");
  if (pub_bn && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub_bn))
    fail("OSSL_PARAM_BLD pub");
  if (!pub_octets.empty() &&
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub_octets.data, pub_octets.size))
    fail("OSSL_PARAM_BLD pub");
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) fail("OSSL_PARAM_BLD_to_param");
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, key_type(gi.kind), nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) fail("EVP_PKEY_fromdata_init");
  EVP_PKEY *raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) <= 0) return Pkey();
  return Pkey(raw);
}

// The peer's Key Exchange Data as an EVP_PKEY; throws on a bad value.
Pkey peer_key(const GroupInfo &gi, const EVP_PKEY *ours, ByteView pub) {
  if (pub.size != dh_public_len(gi.group))
    throw CryptoError(std::string(gi.name) + ": peer's key exchange data is " + std::to_string(pub.size) +
                      " bytes, expected " + std::to_string(dh_public_len(gi.group)));
  Pkey peer;
  switch (gi.kind) {
    case Kind::Modp: {
      // RFC 7296 / SP 800-56A: 1 < y < p-1.
      Bn y = bn_from(pub);
      BIGNUM *p_raw = nullptr;
      if (!EVP_PKEY_get_bn_param(ours, OSSL_PKEY_PARAM_FFC_P, &p_raw)) fail("get p");
      Bn p(p_raw);
      Bn pm1(BN_dup(p.get()));
      if (!pm1 || !BN_sub_word(pm1.get(), 1)) fail("BN_sub_word");
      if (BN_cmp(y.get(), BN_value_one()) <= 0 || BN_cmp(y.get(), pm1.get()) >= 0) {
        ERR_clear_error();
        throw CryptoError(std::string(gi.name) + ": peer's public value is not in [2, p-2]");
      }
      peer = from_params(gi, nullptr, ByteView(), y.get(), EVP_PKEY_PUBLIC_KEY);
      break;
    }
    case Kind::Ecp: {
      Bytes point(1 + pub.size);
      point[0] = 0x04;  // uncompressed
      std::memcpy(point.data() + 1, pub.data, pub.size);
      peer = from_params(gi, nullptr, point, nullptr, EVP_PKEY_PUBLIC_KEY);
      break;
    }
    case Kind::X25519:
      peer.reset(EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, pub.data, pub.size));
      break;
  }
  if (!peer) {
    ERR_clear_error();
    throw CryptoError(std::string(gi.name) + ": peer's public value is not a point of the group");
  }
  // ECP: the full public-key check (on the curve, in the group). MODP: the
  // range check above is what RFC 6989 2.1 asks for safe-prime groups (the
  // full check would cost another exponentiation). X25519: any u is an
  // input; a low-order one shows as an all-zero result.
  if (gi.kind != Kind::Ecp) return peer;
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, peer.get(), nullptr));
  if (!check) fail("EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_public_check(check.get()) <= 0) {
    ERR_clear_error();
    throw CryptoError(std::string(gi.name) + ": peer's public value fails validation");
  }
  return peer;
}

}  // namespace

std::optional<DhGroup> dh_group_from_id(uint16_t id) {
  for (const auto &i : kGroups)
    if (static_cast<uint16_t>(i.group) == id) return i.group;
  return std::nullopt;
}

const char *dh_group_name(DhGroup g) { return info(g).name; }

size_t dh_public_len(DhGroup g) {
  const auto &gi = info(g);
  return gi.kind == Kind::Ecp ? 2 * gi.field_len : gi.field_len;
}

size_t dh_shared_len(DhGroup g) { return info(g).field_len; }

struct DhKey::Impl {
  Pkey key;
};

DhKey::DhKey(DhGroup g, std::unique_ptr<Impl> impl) : group_(g), impl_(std::move(impl)) {}
DhKey::DhKey(DhKey &&) noexcept = default;
DhKey &DhKey::operator=(DhKey &&) noexcept = default;
DhKey::~DhKey() = default;

DhKey DhKey::generate(DhGroup g) {
  const auto &gi = info(g);
  auto impl = std::make_unique<Impl>();
  if (gi.kind == Kind::X25519) {
    impl->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  } else {
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, key_type(gi.kind), nullptr));
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0) fail(std::string(gi.name) + ": keygen init");
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char *>(gi.ossl_name), 0),
        OSSL_PARAM_construct_end()};
    if (EVP_PKEY_CTX_set_params(ctx.get(), params) <= 0) fail(std::string(gi.name) + ": set group");
    EVP_PKEY *raw = nullptr;
    if (EVP_PKEY_generate(ctx.get(), &raw) <= 0) fail(std::string(gi.name) + ": keygen");
    impl->key.reset(raw);
  }
  if (!impl->key) fail(std::string(gi.name) + ": keygen");
  return DhKey(g, std::move(impl));
}

DhKey DhKey::from_private(DhGroup g, ByteView priv, ByteView pub) {
  const auto &gi = info(g);
  auto impl = std::make_unique<Impl>();
  if (gi.kind == Kind::X25519) {
    if (priv.size != 32) throw CryptoError("x25519: private key must be 32 bytes");
    impl->key.reset(EVP_PKEY_new_raw_private_key_ex(nullptr, "X25519", nullptr, priv.data, priv.size));
    if (!impl->key) fail("x25519: private key");
    DhKey k(g, std::move(impl));
    if (!pub.empty()) {
      Bytes mine = k.public_value();
      if (mine.size() != pub.size || CRYPTO_memcmp(mine.data(), pub.data, pub.size) != 0)
        throw CryptoError("x25519: public key does not match the private key");
    }
    return k;
  }
  if (pub.size != dh_public_len(g)) throw CryptoError(std::string(gi.name) + ": public value has the wrong length");
  Bn d = bn_from(priv);
  if (gi.kind == Kind::Modp) {
    Bn y = bn_from(pub);
    impl->key = from_params(gi, d.get(), ByteView(), y.get(), EVP_PKEY_KEYPAIR);
  } else {
    Bytes point(1 + pub.size);
    point[0] = 0x04;
    std::memcpy(point.data() + 1, pub.data, pub.size);
    impl->key = from_params(gi, d.get(), point, nullptr, EVP_PKEY_KEYPAIR);
  }
  if (!impl->key) fail(std::string(gi.name) + ": bad key pair");
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, impl->key.get(), nullptr));
  if (!check || EVP_PKEY_pairwise_check(check.get()) <= 0)
    fail(std::string(gi.name) + ": public value does not match the private value");
  return DhKey(g, std::move(impl));
}

Bytes DhKey::public_value() const {
  const auto &gi = info(group_);
  EVP_PKEY *k = impl_->key.get();
  switch (gi.kind) {
    case Kind::Modp: {
      BIGNUM *y_raw = nullptr;
      if (!EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PUB_KEY, &y_raw)) fail("DH public value");
      Bn y(y_raw);
      Bytes out(gi.field_len);
      if (BN_bn2binpad(y.get(), out.data(), static_cast<int>(out.size())) < 0) fail("BN_bn2binpad");
      return out;
    }
    case Kind::Ecp: {
      Bytes point(1 + 2 * gi.field_len);
      size_t len = 0;
      if (!EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(), point.size(),
                                           &len) ||
          len != point.size() || point[0] != 0x04)
        fail("EC public value");
      return Bytes(point.begin() + 1, point.end());
    }
    case Kind::X25519: {
      Bytes out(32);
      size_t len = out.size();
      if (!EVP_PKEY_get_raw_public_key(k, out.data(), &len) || len != 32) fail("x25519 public value");
      return out;
    }
  }
  return {};
}

SecretBytes DhKey::shared_secret(ByteView peer_public) const {
  const auto &gi = info(group_);
  Pkey peer = peer_key(gi, impl_->key.get(), peer_public);
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, impl_->key.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0) fail(std::string(gi.name) + ": derive init");
  if (gi.kind == Kind::Modp && EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) <= 0) fail("DH pad");
  // peer_key() has validated the peer's value.
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) <= 0) {
    ERR_clear_error();
    throw CryptoError(std::string(gi.name) + ": peer's public value rejected");
  }
  SecretBytes out(gi.field_len);
  size_t len = out.size();
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) <= 0) {
    // OpenSSL refuses an all-zero X25519 result (RFC 7748 6.1) here.
    ERR_clear_error();
    throw CryptoError(std::string(gi.name) + ": key derivation failed (invalid peer value)");
  }
  if (len != gi.field_len) throw CryptoError(std::string(gi.name) + ": shared secret has the wrong length");
  uint8_t acc = 0;
  for (size_t i = 0; i < len; ++i) acc = static_cast<uint8_t>(acc | out[i]);
  if (acc == 0) throw CryptoError(std::string(gi.name) + ": all-zero shared secret");
  return out;
}

}  // namespace esp::ike
