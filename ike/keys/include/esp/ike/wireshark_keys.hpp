// Wireshark key files, so that a capture of esp-iked's traffic can be
// decrypted (--wireshark-keys). Two of Wireshark's UAT tables, one CSV line
// per SA:
//
// ikev2_decryption_table (packet-isakmp.c), one line per IKE SA, the byte
// fields bare hex (Wireshark's UAT reads a quoted field as text: a quoted
// SPI is refused as 16 octets long), the names quoted:
//   <SPIi 16 hex>,<SPIr 16 hex>,<SK_ei hex>,<SK_er hex>,"<encryption>",
//   <SK_ai hex>,<SK_ar hex>,"<integrity>"
// with Wireshark's names: "AES-CBC-128|256 [RFC3602]",
// "AES-GCM-128|256 with 16 octet ICV [RFC5282]" (SK_e* is key | salt),
// "HMAC_SHA2_256_128|384_192|512_256 [RFC4868]", "NONE [RFC4306]" (AEAD,
// SK_a* empty).
//
// esp_sa (packet-esp.c), one line per CHILD_SA direction, the format
// sw_runtime/tools/esp_pcap/esp_sa_file.hpp reads:
// all fields quoted (the key is text "0x..." there):
//   "IPv4|IPv6","<src>","<dst>","0x<SPI 8 hex>","<encryption>","0x<key|salt>","NULL",""
// with "AES-GCM with 16 octet ICV [RFC4106]" or (not a Wireshark name: only
// esp-pcap reads it) "AES-GMAC [RFC4543]".
//
// The lines hold keys: they are built in SecretBytes (wiped) and never
// logged. The names are the ones Wireshark 4.0's libwireshark carries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "esp/ike/bytes.hpp"
#include "esp/ike/ike_keys.hpp"
#include "esp/ike/transforms.hpp"

namespace esp::ike {

// Wireshark's IKEv2 table names, or nullopt when Wireshark has none for it.
std::optional<std::string> wireshark_ike_encr_name(EncrId e, unsigned key_bits);
std::optional<std::string> wireshark_ike_integ_name(IntegId i);
// Wireshark's (esp-pcap's for GMAC) ESP table name; nullopt when not ESP-able.
std::optional<std::string> wireshark_esp_encr_name(EncrId e, unsigned key_bits);

// One ikev2_decryption_table line, newline included. Throws CryptoError when
// the suite has no Wireshark name or the key lengths do not fit it.
SecretBytes ikev2_decryption_line(std::uint64_t spi_i, std::uint64_t spi_r, const IkeSuite &suite,
                                  const IkeSaKeys &keys);

// One direction of a CHILD_SA: outer addresses (4 or 16 bytes each, same
// family) and the SPI the receiver chose.
struct EspSaKeyRecord {
  Bytes src, dst;
  std::uint32_t spi = 0;
  ChildSuite suite;
};
// One esp_sa line, newline included. Throws CryptoError on bad addresses, an
// SPI of 0, a suite that is not AES-GCM-16/GMAC or a key of the wrong length.
SecretBytes esp_sa_line(const EspSaKeyRecord &sa, const ChildDirKeys &keys);

// An append-only key file: opened O_APPEND (created 0600, never truncated,
// refused if it is not a regular file or is readable by group/other), each
// line written with one write() so that lines of concurrent writers do not
// interleave. Move-only; the descriptor is closed with the object.
class KeyFileWriter {
 public:
  // Throws CryptoError "PATH: reason" when the file cannot be opened.
  explicit KeyFileWriter(const std::string &path);
  KeyFileWriter(KeyFileWriter &&o) noexcept;
  KeyFileWriter &operator=(KeyFileWriter &&o) noexcept;
  KeyFileWriter(const KeyFileWriter &) = delete;
  KeyFileWriter &operator=(const KeyFileWriter &) = delete;
  ~KeyFileWriter();

  // Throws CryptoError "PATH: reason" on a write error.
  void append(const SecretBytes &line);
  const std::string &path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// The two files of a Wireshark profile directory (ikev2_decryption_table and
// esp_sa in dir), opened on first use.
class WiresharkKeyLog {
 public:
  explicit WiresharkKeyLog(std::string dir) : dir_(std::move(dir)) {}
  void ike_sa(std::uint64_t spi_i, std::uint64_t spi_r, const IkeSuite &suite, const IkeSaKeys &keys);
  void esp_sa(const EspSaKeyRecord &sa, const ChildDirKeys &keys);

 private:
  std::string dir_;
  std::optional<KeyFileWriter> ike_, esp_;
};

}  // namespace esp::ike
