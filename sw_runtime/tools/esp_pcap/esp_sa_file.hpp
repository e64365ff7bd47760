// Wireshark's ESP SA table (the `esp_sa` UAT file), as Wireshark writes it and
// as strongSwan's save-keys plugin writes it: one SA per line, eight quoted,
// comma-separated fields
//
//   "IPv4","192.0.2.1","198.51.100.1","0x00001000","AES-GCM with 16 octet ICV [RFC4106]","0x<key||salt>","NULL",""
//
// protocol ("IPv4" / "IPv6"), source, destination ("*" = any address), SPI
// (0x-hex or decimal), encryption algorithm, encryption key (0x-hex, or the
// key's ASCII bytes as Wireshark allows), authentication algorithm and key.
// '#' starts a comment line; blank lines are skipped.
//
// Encryption names accepted (the card does AES-GCM and AES-GMAC only):
//   "AES-GCM with 8|12|16 octet ICV [RFC4106]"   ICV from the name
//   "AES-GCM [RFC4106]"  (older Wireshark; what strongSwan's save-keys writes)
//       ICV from the authentication field "ANY 64|96|128 bit authentication
//       [no checking]", 16 with "NULL"
//   "AES-GMAC [RFC4543]" (esp-pcap's own name: Wireshark has none for GMAC)
// The key is key||salt: 20 bytes (AES-128) or 36 bytes (AES-256).
// Authentication: "NULL" or "ANY <ICV bits> bit authentication [no checking]";
// its key must be empty ("" or "0x"): GCM and GMAC carry their own integrity.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/runtime/ip_addr.hpp"

namespace esp::pcaptool {

// A bad SA file or line. what() is "FILE:LINE: reason" (or "FILE: reason").
class SaFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EspSaEntry {
  int line = 0;                              // 1-based line in the file
  uint8_t family = 4;                        // outer IP version: 4 or 6
  std::optional<runtime::IpAddr> src, dst;   // nullopt = "*" (any)
  uint32_t spi = 0;
  std::string encryption;                    // the name as written
  bool gmac = false;                         // RFC 4543 (integrity only)
  uint8_t icv_len = 16;                      // 8, 12 or 16
  std::vector<uint8_t> key;                  // 16 or 32 bytes
  std::array<uint8_t, 4> salt{};

  // Whether a packet from `s` to `d` belongs to this SA (wildcards match any
  // address of the SA's family).
  bool matches(const runtime::IpAddr& s, const runtime::IpAddr& d) const;
};

// Splits one UAT line into its fields. Fields are "quoted" (with \" \\ and
// \xNN escapes) or bare; spaces around fields are ignored. Throws
// std::invalid_argument describing the problem (the caller adds file:line).
std::vector<std::string> split_uat_line(const std::string& line);

// Parses one SA line (already split). Throws std::invalid_argument.
EspSaEntry parse_esp_sa_fields(const std::vector<std::string>& fields);

// Parses a whole file's text; `name` prefixes error messages.
std::vector<EspSaEntry> parse_esp_sa(std::istream& in, const std::string& name);
std::vector<EspSaEntry> load_esp_sa_file(const std::string& path);

// One line in Wireshark's format (no newline) for an SA with concrete addresses.
std::string format_esp_sa_line(const EspSaEntry& e);

// "0x1000" or "4096" -> SPI; rejects 0, wildcards and values above 32 bits.
// Throws std::invalid_argument.
uint32_t parse_spi(const std::string& text);

// IP address text -> IpAddr via inet_pton; nullopt when not an address of `family`.
std::optional<runtime::IpAddr> parse_ip(const std::string& text, uint8_t family);
std::string ip_text(const runtime::IpAddr& a);

}  // namespace esp::pcaptool
