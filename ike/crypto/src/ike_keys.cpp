#include "esp/ike/ike_keys.hpp"

#include "esp/ike/prf.hpp"

namespace esp::ike {

SecretBytes skeyseed(PrfId p, ByteView ni, ByteView nr, ByteView g_ir) {
  if (ni.empty() || nr.empty()) throw CryptoError("SKEYSEED: empty nonce");
  if (prf_fixed_key(p)) {
    const size_t half = prf_out_len(p) / 2;  // AES-XCBC: 16-byte key
    if (ni.size < half || nr.size < half) throw CryptoError("SKEYSEED: nonce shorter than half the PRF key");
    return prf(p, concat({ByteView(ni.data, half), ByteView(nr.data, half)}), g_ir);
  }
  const Bytes key = concat({ni, nr});
  return prf(p, key, g_ir);
}

SecretBytes skeyseed_rekey(PrfId old_prf, ByteView old_sk_d, ByteView g_ir, ByteView ni, ByteView nr) {
  if (ni.empty() || nr.empty()) throw CryptoError("SKEYSEED (rekey): empty nonce");
  const SecretBytes data = concat_secret({g_ir, ni, nr});
  return prf(old_prf, old_sk_d, data);
}

namespace {

// Cuts consecutive pieces off a prf+ stream.
class Cutter {
 public:
  explicit Cutter(const SecretBytes &s) : s_(s) {}
  SecretBytes take(size_t n) {
    SecretBytes r = s_.slice(off_, n);
    off_ += n;
    return r;
  }

 private:
  const SecretBytes &s_;
  size_t off_ = 0;
};

}  // namespace

IkeSaKeys derive_ike_sa_keys(const IkeSuite &suite, ByteView skeyseed_v, ByteView ni, ByteView nr,
                             ByteView spi_i, ByteView spi_r) {
  if (spi_i.size != 8 || spi_r.size != 8) throw CryptoError("IKE SA keys: SPIs must be 8 bytes");
  if (encr_is_aead(suite.encr) != (suite.integ == IntegId::None))
    throw CryptoError("IKE SA keys: an AEAD cipher takes no integrity transform, others need one");
  if (suite.encr == EncrId::NullAuthAesGmac) throw CryptoError("IKE SA keys: AES-GMAC is not an IKE cipher");
  const size_t prf_len = prf_out_len(suite.prf);
  const size_t a_len = integ_key_len(suite.integ);
  const size_t e_len = encr_keymat_len(suite.encr, suite.encr_key_bits);
  const Bytes seed = concat({ni, nr, spi_i, spi_r});
  const SecretBytes stream = prf_plus(suite.prf, skeyseed_v, seed, 3 * prf_len + 2 * a_len + 2 * e_len);
  Cutter c(stream);
  IkeSaKeys k;
  k.sk_d = c.take(prf_len);
  k.sk_ai = c.take(a_len);
  k.sk_ar = c.take(a_len);
  k.sk_ei = c.take(e_len);
  k.sk_er = c.take(e_len);
  k.sk_pi = c.take(prf_len);
  k.sk_pr = c.take(prf_len);
  return k;
}

ChildSaKeys derive_child_sa_keys(PrfId p, const ChildSuite &suite, ByteView sk_d, ByteView ni, ByteView nr,
                                 std::optional<ByteView> g_ir) {
  if (encr_is_aead(suite.encr) != (suite.integ == IntegId::None))
    throw CryptoError("CHILD_SA keys: an AEAD cipher takes no integrity transform, others need one");
  if (ni.empty() || nr.empty()) throw CryptoError("CHILD_SA keys: empty nonce");
  const size_t e_len = encr_keymat_len(suite.encr, suite.encr_key_bits);
  const size_t a_len = integ_key_len(suite.integ);
  const SecretBytes seed = g_ir ? concat_secret({*g_ir, ni, nr}) : concat_secret({ni, nr});
  const SecretBytes stream = prf_plus(p, sk_d, seed, 2 * (e_len + a_len));
  Cutter c(stream);
  ChildSaKeys k;
  k.i_to_r.encr = c.take(e_len);
  k.i_to_r.integ = c.take(a_len);
  k.r_to_i.encr = c.take(e_len);
  k.r_to_i.integ = c.take(a_len);
  return k;
}

}  // namespace esp::ike
