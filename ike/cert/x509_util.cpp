// OpenSSL X.509 helpers (x509_util.hpp).
#include "x509_util.hpp"

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "dn.hpp"
#include "esp/runtime/ip_addr.hpp"

namespace esp::ike::x509 {
namespace {

bool is_pem(ByteView v) {
  static const char kTag[] = "-----BEGIN ";
  const size_t n = sizeof kTag - 1;
  if (v.size < n) return false;
  for (size_t i = 0; i + n <= v.size; ++i)
    if (std::memcmp(v.data + i, kTag, n) == 0) return true;
  return false;
}

int no_password(char*, int, int, void*) { return -1; }

int remember_asked(char*, int, int, void* u) {
  *static_cast<bool*>(u) = true;
  return -1;
}

struct GenNamesFree {
  void operator()(GENERAL_NAMES* g) const { GENERAL_NAMES_free(g); }
};

bool icase_equal(const ASN1_STRING* s, ByteView data) {
  const int n = ASN1_STRING_length(s);
  if (n < 0 || static_cast<size_t>(n) != data.size) return false;
  const unsigned char* p = ASN1_STRING_get0_data(s);
  for (size_t i = 0; i < data.size; ++i)
    if (std::tolower(p[i]) != std::tolower(data.data[i])) return false;
  return true;
}

Bytes name_der(const X509_NAME* n) {
  unsigned char* der = nullptr;
  const int len = i2d_X509_NAME(n, &der);
  if (len <= 0) return {};
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

}  // namespace

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open");
  Bytes raw{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  if (f.bad()) throw std::runtime_error("cannot read");
  return raw;
}

std::vector<X509Ptr> certs_from(ByteView data) {
  std::vector<X509Ptr> out;
  if (data.empty() || data.size > (1u << 24)) return out;
  if (is_pem(data)) {
    BIO* b = BIO_new_mem_buf(data.data, static_cast<int>(data.size));
    if (!b) return out;
    while (X509* x = PEM_read_bio_X509(b, nullptr, no_password, nullptr)) out.emplace_back(x);
    BIO_free(b);
  } else if (X509Ptr x = cert_from_der(data)) {
    out.push_back(std::move(x));
  }
  ERR_clear_error();
  return out;
}

X509Ptr cert_from_der(ByteView der) {
  if (der.empty() || der.size > (1u << 24)) return nullptr;
  const unsigned char* p = der.data;
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size)));
  ERR_clear_error();
  if (!x || p != der.data + der.size) return nullptr;
  return x;
}

Bytes der_of(X509* x) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(x, &der);
  if (len <= 0) throw std::runtime_error("i2d_X509 failed");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Bytes subject_der(X509* x) { return name_der(X509_get_subject_name(x)); }
Bytes issuer_der(X509* x) { return name_der(X509_get_issuer_name(x)); }

bool is_ca(X509* x) { return X509_check_ca(x) != 0; }

bool self_signed(X509* x) { return X509_check_issued(x, x) == X509_V_OK; }

Bytes spki_sha1(X509* x) {
  unsigned char* der = nullptr;
  const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
  if (len <= 0) throw std::runtime_error("i2d_X509_PUBKEY failed");
  Bytes out(SHA_DIGEST_LENGTH);
  SHA1(der, static_cast<size_t>(len), out.data());
  OPENSSL_free(der);
  return out;
}

bool has_id(X509* x, IdType t, ByteView data) {
  if (data.empty()) return false;
  if (t == IdType::DER_ASN1_DN) {
    const auto want = dn::parse(data);
    const auto got = dn::parse(subject_der(x));
    return want && got && dn::match(*got, *want, false) == 0;
  }
  int gen_type;
  switch (t) {
    case IdType::FQDN: gen_type = GEN_DNS; break;
    case IdType::RFC822_ADDR: gen_type = GEN_EMAIL; break;
    case IdType::IPV4_ADDR:
    case IdType::IPV6_ADDR: gen_type = GEN_IPADD; break;
    default: return false;
  }
  std::unique_ptr<GENERAL_NAMES, GenNamesFree> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
    if (g->type != gen_type) continue;
    if (gen_type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = g->d.iPAddress;
      const size_t want = t == IdType::IPV4_ADDR ? 4 : 16;
      if (data.size == want && static_cast<size_t>(ASN1_STRING_length(ip)) == want &&
          std::memcmp(ASN1_STRING_get0_data(ip), data.data, want) == 0)
        return true;
    } else if (icase_equal(gen_type == GEN_DNS ? g->d.dNSName : g->d.rfc822Name, data)) {
      return true;
    }
  }
  return false;
}

std::string san_text(X509* x) {
  std::unique_ptr<GENERAL_NAMES, GenNamesFree> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return "none";
  std::string out;
  auto text = [](const ASN1_STRING* s) {
    std::string r;
    const unsigned char* p = ASN1_STRING_get0_data(s);
    for (int i = 0; i < ASN1_STRING_length(s); ++i) r += (p[i] < 0x20 || p[i] >= 0x7f) ? '?' : static_cast<char>(p[i]);
    return r;
  };
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
    std::string one;
    if (g->type == GEN_DNS) {
      one = "DNS:" + text(g->d.dNSName);
    } else if (g->type == GEN_EMAIL) {
      one = "email:" + text(g->d.rfc822Name);
    } else if (g->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = g->d.iPAddress;
      const int n = ASN1_STRING_length(ip);
      if (n == 4 || n == 16) {
        runtime::IpAddr a;
        a.version = n == 4 ? 4 : 6;
        std::memcpy(a.bytes.data(), ASN1_STRING_get0_data(ip), static_cast<size_t>(n));
        one = "IP:" + a.str();
      }
    }
    if (one.empty()) continue;
    if (!out.empty()) out += ", ";
    out += one;
  }
  return out.empty() ? "none" : out;
}

PkeyPtr load_private_key(ByteView data, const SecretBytes* passphrase, bool* encrypted) {
  *encrypted = false;
  if (data.empty() || data.size > (1u << 24)) return nullptr;
  EVP_PKEY* pkey = nullptr;
  OSSL_DECODER_CTX* ctx =
      OSSL_DECODER_CTX_new_for_pkey(&pkey, nullptr, nullptr, nullptr, EVP_PKEY_KEYPAIR, nullptr, nullptr);
  if (!ctx) return nullptr;
  bool asked = false;
  if (passphrase) {
    OSSL_DECODER_CTX_set_passphrase(ctx, passphrase->data(), passphrase->size());
  } else {
    OSSL_DECODER_CTX_set_pem_password_cb(ctx, remember_asked, &asked);
  }
  const unsigned char* p = data.data;
  size_t left = data.size;
  const int ok = OSSL_DECODER_from_data(ctx, &p, &left);
  OSSL_DECODER_CTX_free(ctx);
  ERR_clear_error();
  PkeyPtr out(pkey);
  if (ok != 1 || !out) {
    *encrypted = asked;
    return nullptr;
  }
  return out;
}

}  // namespace esp::ike::x509
