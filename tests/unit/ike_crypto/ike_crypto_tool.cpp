// A line-oriented front end to esp_ike_crypto for crosscheck.py: one command
// per input line, one answer line each ("ERR <reason>" on a refused input).
// Byte strings are hex, "-" for empty. Test use only: it prints keys.
//   prf <prf> <key> <data>                         -> out
//   prfplus <prf> <key> <seed> <len>               -> out
//   skeyseed <prf> <ni> <nr> <gir>                 -> SKEYSEED
//   rekeyseed <prf> <old_skd> <gir> <ni> <nr>      -> SKEYSEED
//   ikekeys <encr> <bits> <integ> <prf> <skeyseed> <ni> <nr> <spii> <spir>
//                                                  -> SK_d SK_ai SK_ar SK_ei SK_er SK_pi SK_pr
//   keymat <prf> <encr> <bits> <integ> <skd> <ni> <nr> <gir|->   -> ei ai er ar
//   seal <encr> <bits> <integ> <ek> <ak> <iv> <prefix> <plain>   -> body
//   open <encr> <bits> <integ> <ek> <ak> <prefix> <body>         -> plain
//   bodylen <encr> <bits> <integ> <n>              -> decimal
//   dhgen <group>                                  -> our public value (kept for dhderive)
//   dhderive <peer>                                -> shared secret
//   authoctets <prf> <msg> <nonce> <skp> <idrest>  -> octets
//   pskauth <prf> <psk> <octets>                   -> AUTH
//   sigsign <scheme> <private key file bytes> <octets>        -> AUTH data (method 14)
//   sigverify <pub|cert> <key or certificate bytes> <auth> <octets>  -> OK
//   ecsign <private key file bytes> <octets>                  -> r | s (methods 9-11)
//   ecverify <pub|cert> <key bytes> <method> <auth> <octets>  -> OK
// scheme: 0-2 RSA PKCS#1 v1.5 SHA-256/384/512, 3-5 ECDSA SHA-256/384/512.
// Numbers (prf, encr, integ, group) are the IANA transform IDs.
#include "esp/ike/auth.hpp"
#include "esp/ike/dh.hpp"
#include "esp/ike/ike_keys.hpp"
#include "esp/ike/prf.hpp"
#include "esp/ike/signature.hpp"
#include "esp/ike/sk_payload.hpp"

#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace esp::ike;

namespace {

Bytes hx(const std::string &s) { return s == "-" ? Bytes() : from_hex(s); }
std::string out(ByteView v) { return v.size ? to_hex(v) : "-"; }

uint16_t num(const std::string &s) { return static_cast<uint16_t>(std::stoul(s)); }
PrfId prf_id(const std::string &s) {
  auto p = prf_from_id(num(s));
  if (!p) throw CryptoError("unknown prf " + s);
  return *p;
}
EncrId encr_id(const std::string &s) {
  auto e = encr_from_id(num(s));
  if (!e) throw CryptoError("unknown encr " + s);
  return *e;
}
IntegId integ_id(const std::string &s) {
  auto i = integ_from_id(num(s));
  if (!i) throw CryptoError("unknown integ " + s);
  return *i;
}

std::string run(const std::vector<std::string> &a, std::optional<DhKey> &dh) {
  auto need = [&a](size_t n) {
    if (a.size() != n + 1) throw CryptoError(a[0] + ": expected " + std::to_string(n) + " arguments");
  };
  const std::string &c = a[0];
  if (c == "prf") {
    need(3);
    return out(prf(prf_id(a[1]), hx(a[2]), hx(a[3])));
  }
  if (c == "prfplus") {
    need(4);
    return out(prf_plus(prf_id(a[1]), hx(a[2]), hx(a[3]), std::stoul(a[4])));
  }
  if (c == "skeyseed") {
    need(4);
    return out(skeyseed(prf_id(a[1]), hx(a[2]), hx(a[3]), hx(a[4])));
  }
  if (c == "rekeyseed") {
    need(5);
    return out(skeyseed_rekey(prf_id(a[1]), hx(a[2]), hx(a[3]), hx(a[4]), hx(a[5])));
  }
  if (c == "ikekeys") {
    need(9);
    const IkeSuite s{encr_id(a[1]), num(a[2]), integ_id(a[3]), prf_id(a[4])};
    const IkeSaKeys k = derive_ike_sa_keys(s, hx(a[5]), hx(a[6]), hx(a[7]), hx(a[8]), hx(a[9]));
    return out(k.sk_d) + " " + out(k.sk_ai) + " " + out(k.sk_ar) + " " + out(k.sk_ei) + " " + out(k.sk_er) + " " +
           out(k.sk_pi) + " " + out(k.sk_pr);
  }
  if (c == "keymat") {
    need(8);
    const ChildSuite s{encr_id(a[2]), num(a[3]), integ_id(a[4])};
    const Bytes gir = hx(a[8]);
    const ChildSaKeys k = a[8] == "-" ? derive_child_sa_keys(prf_id(a[1]), s, hx(a[5]), hx(a[6]), hx(a[7]))
                                      : derive_child_sa_keys(prf_id(a[1]), s, hx(a[5]), hx(a[6]), hx(a[7]),
                                                             ByteView(gir));
    return out(k.i_to_r.encr) + " " + out(k.i_to_r.integ) + " " + out(k.r_to_i.encr) + " " + out(k.r_to_i.integ);
  }
  if (c == "seal") {
    need(8);
    const SkCipher sk(encr_id(a[1]), num(a[2]), integ_id(a[3]), hx(a[4]), hx(a[5]));
    return out(sk.protect_with_iv(hx(a[7]), hx(a[8]), hx(a[6])));
  }
  if (c == "open") {
    need(7);
    const SkCipher sk(encr_id(a[1]), num(a[2]), integ_id(a[3]), hx(a[4]), hx(a[5]));
    std::string why;
    auto p = sk.unprotect(hx(a[6]), hx(a[7]), &why);
    return p ? out(*p) : "ERR " + why;
  }
  if (c == "bodylen") {
    need(4);
    const size_t klen = encr_keymat_len(encr_id(a[1]), num(a[2]));
    const SkCipher sk(encr_id(a[1]), num(a[2]), integ_id(a[3]), Bytes(klen, 0),
                      Bytes(integ_key_len(integ_id(a[3])), 0));
    return std::to_string(sk.body_len(std::stoul(a[4])));
  }
  if (c == "dhgen") {
    need(1);
    auto g = dh_group_from_id(num(a[1]));
    if (!g) throw CryptoError("unknown group " + a[1]);
    dh.emplace(DhKey::generate(*g));
    return out(dh->public_value());
  }
  if (c == "dhderive") {
    need(1);
    if (!dh) throw CryptoError("dhderive before dhgen");
    return out(dh->shared_secret(hx(a[1])));
  }
  if (c == "authoctets") {
    need(5);
    return out(auth_signed_octets(prf_id(a[1]), hx(a[2]), hx(a[3]), hx(a[4]), hx(a[5])));
  }
  if (c == "pskauth") {
    need(3);
    return out(psk_auth(prf_id(a[1]), hx(a[2]), hx(a[3])));
  }
  auto pubkey = [](const std::string &kind, const std::string &bytes) {
    return kind == "cert" ? PublicKey::from_certificate(hx(bytes)) : PublicKey::load(hx(bytes));
  };
  if (c == "sigsign") {
    need(3);
    const unsigned scheme = num(a[1]);
    if (scheme > 5) throw CryptoError("unknown scheme " + a[1]);
    return out(sign_digital_signature(PrivateKey::load(hx(a[2])), static_cast<SigScheme>(scheme), hx(a[3])));
  }
  if (c == "sigverify") {
    need(4);
    std::string why;
    return verify_digital_signature(pubkey(a[1], a[2]), hx(a[3]), hx(a[4]), &why) ? "OK" : "ERR " + why;
  }
  if (c == "ecsign") {
    need(2);
    return out(sign_ecdsa_method(PrivateKey::load(hx(a[1])), hx(a[2])));
  }
  if (c == "ecverify") {
    need(5);
    std::string why;
    return verify_ecdsa_method(pubkey(a[1], a[2]), static_cast<uint8_t>(num(a[3])), hx(a[4]), hx(a[5]), &why)
               ? "OK"
               : "ERR " + why;
  }
  throw CryptoError("unknown command " + c);
}

}  // namespace

int main() {
  std::optional<DhKey> dh;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream is(line);
    std::vector<std::string> args;
    for (std::string t; is >> t;) args.push_back(t);
    if (args.empty()) continue;
    try {
      std::cout << run(args, dh) << "\n";
    } catch (const std::exception &e) {
      std::cout << "ERR " << e.what() << "\n";
    }
    std::cout.flush();
  }
  return 0;
}
