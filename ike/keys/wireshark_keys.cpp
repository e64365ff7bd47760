#include "esp/ike/wireshark_keys.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>


namespace esp::ike {
namespace {

void put(SecretBytes &out, const std::string &s) {
  out.append(ByteView(reinterpret_cast<const uint8_t *>(s.data()), s.size()));
}

// Hex of a key straight into the line (no std::string copy of the key).
void put_hex(SecretBytes &out, ByteView v) {
  static const char *digits = "0123456789abcdef";
  SecretBytes h(v.size * 2);
  for (size_t i = 0; i < v.size; ++i) {
    h[2 * i] = static_cast<uint8_t>(digits[v.data[i] >> 4]);
    h[2 * i + 1] = static_cast<uint8_t>(digits[v.data[i] & 15]);
  }
  out.append(h);
}

std::string hex64(std::uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

std::string ip_text(const Bytes &a) {
  char b[INET6_ADDRSTRLEN] = {};
  const int af = a.size() == 4 ? AF_INET : AF_INET6;
  if (inet_ntop(af, a.data(), b, sizeof b) == nullptr) throw CryptoError("esp_sa: bad address");
  return b;
}

std::string errno_text(const std::string &path, const char *what) {
  return path + ": " + what + ": " + std::strerror(errno);
}

}  // namespace

std::optional<std::string> wireshark_ike_encr_name(EncrId e, unsigned key_bits) {
  if (key_bits != 128 && key_bits != 256) return std::nullopt;
  const std::string bits = std::to_string(key_bits);
  switch (e) {
    case EncrId::AesCbc: return "AES-CBC-" + bits + " [RFC3602]";
    case EncrId::AesGcm16: return "AES-GCM-" + bits + " with 16 octet ICV [RFC5282]";
    case EncrId::NullAuthAesGmac: return std::nullopt;  // not an IKE SA cipher
  }
  return std::nullopt;
}

std::optional<std::string> wireshark_ike_integ_name(IntegId i) {
  switch (i) {
    case IntegId::None: return std::string("NONE [RFC4306]");
    case IntegId::HmacSha256_128: return std::string("HMAC_SHA2_256_128 [RFC4868]");
    case IntegId::HmacSha384_192: return std::string("HMAC_SHA2_384_192 [RFC4868]");
    case IntegId::HmacSha512_256: return std::string("HMAC_SHA2_512_256 [RFC4868]");
  }
  return std::nullopt;
}

std::optional<std::string> wireshark_esp_encr_name(EncrId e, unsigned key_bits) {
  if (key_bits != 128 && key_bits != 256) return std::nullopt;
  switch (e) {
    case EncrId::AesGcm16: return std::string("AES-GCM with 16 octet ICV [RFC4106]");
    case EncrId::NullAuthAesGmac: return std::string("AES-GMAC [RFC4543]");
    case EncrId::AesCbc: return std::nullopt;  // the card does GCM and GMAC only
  }
  return std::nullopt;
}

SecretBytes ikev2_decryption_line(std::uint64_t spi_i, std::uint64_t spi_r, const IkeSuite &suite,
                                  const IkeSaKeys &keys) {
  const auto encr = wireshark_ike_encr_name(suite.encr, suite.encr_key_bits);
  const auto integ = wireshark_ike_integ_name(suite.integ);
  if (!encr || !integ) throw CryptoError("ikev2_decryption_table: no Wireshark name for the IKE SA's transforms");
  const bool aead = encr_is_aead(suite.encr);
  if (aead != (suite.integ == IntegId::None))
    throw CryptoError("ikev2_decryption_table: AEAD needs no integrity, others need one");
  const size_t ek = encr_keymat_len(suite.encr, suite.encr_key_bits);
  const size_t ak = aead ? 0 : integ_key_len(suite.integ);
  if (keys.sk_ei.size() != ek || keys.sk_er.size() != ek || keys.sk_ai.size() != ak || keys.sk_ar.size() != ak)
    throw CryptoError("ikev2_decryption_table: key lengths do not fit the transforms");
  // Byte fields bare (UAT hex bytes: a quoted field would be taken as text),
  // names quoted.
  SecretBytes line;
  put(line, hex64(spi_i) + "," + hex64(spi_r) + ",");
  put_hex(line, keys.sk_ei);
  put(line, ",");
  put_hex(line, keys.sk_er);
  put(line, ",\"" + *encr + "\",");
  put_hex(line, keys.sk_ai);
  put(line, ",");
  put_hex(line, keys.sk_ar);
  put(line, ",\"" + *integ + "\"\n");
  return line;
}

SecretBytes esp_sa_line(const EspSaKeyRecord &sa, const ChildDirKeys &keys) {
  const auto encr = wireshark_esp_encr_name(sa.suite.encr, sa.suite.encr_key_bits);
  if (!encr || sa.suite.integ != IntegId::None)
    throw CryptoError("esp_sa: only AES-GCM-16 and AES-GMAC (128/256) CHILD_SAs are written");
  if ((sa.src.size() != 4 && sa.src.size() != 16) || sa.src.size() != sa.dst.size())
    throw CryptoError("esp_sa: addresses must both be IPv4 (4 bytes) or IPv6 (16 bytes)");
  if (sa.spi == 0) throw CryptoError("esp_sa: SPI 0 is reserved");
  if (keys.encr.size() != encr_keymat_len(sa.suite.encr, sa.suite.encr_key_bits) || !keys.integ.empty())
    throw CryptoError("esp_sa: key length does not fit the transform");
  char spi[16];
  std::snprintf(spi, sizeof spi, "0x%08x", sa.spi);
  SecretBytes line;
  put(line, std::string("\"") + (sa.src.size() == 4 ? "IPv4" : "IPv6") + "\",\"" + ip_text(sa.src) + "\",\"" +
                ip_text(sa.dst) + "\",\"" + spi + "\",\"" + *encr + "\",\"0x");
  put_hex(line, keys.encr);
  put(line, "\",\"NULL\",\"\"\n");
  return line;
}

KeyFileWriter::KeyFileWriter(const std::string &path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) throw CryptoError(errno_text(path, "cannot open key file"));
  struct stat st {};
  std::string why;
  if (::fstat(fd_, &st) != 0) {
    why = errno_text(path, "fstat");
  } else if (!S_ISREG(st.st_mode)) {
    why = path + ": not a regular file";
  } else if ((st.st_mode & 077) != 0) {
    why = path + ": readable or writable by group/other (chmod 600 it)";
  }
  if (!why.empty()) {
    ::close(fd_);
    fd_ = -1;
    throw CryptoError(why);
  }
}

KeyFileWriter::KeyFileWriter(KeyFileWriter &&o) noexcept : path_(std::move(o.path_)), fd_(o.fd_) { o.fd_ = -1; }

KeyFileWriter &KeyFileWriter::operator=(KeyFileWriter &&o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

KeyFileWriter::~KeyFileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void KeyFileWriter::append(const SecretBytes &line) {
  if (fd_ < 0) throw CryptoError(path_ + ": key file is closed");
  size_t off = 0;
  while (off < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw CryptoError(errno_text(path_, "write"));
    }
    off += static_cast<size_t>(n);
  }
}

void WiresharkKeyLog::ike_sa(std::uint64_t spi_i, std::uint64_t spi_r, const IkeSuite &suite,
                             const IkeSaKeys &keys) {
  const SecretBytes line = ikev2_decryption_line(spi_i, spi_r, suite, keys);
  if (!ike_) ike_.emplace(dir_ + "/ikev2_decryption_table");
  ike_->append(line);
}

void WiresharkKeyLog::esp_sa(const EspSaKeyRecord &sa, const ChildDirKeys &keys) {
  const SecretBytes line = esp_sa_line(sa, keys);
  if (!esp_) esp_.emplace(dir_ + "/esp_sa");
  esp_->append(line);
}

}  // namespace esp::ike
