// The two esp-pcap commands, on an Engine over the chosen backend.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace esp::pcaptool {

struct DecryptOptions {
  std::string sa_file, in, out;
  std::string backend = "swemu";
  bool esn = false;
  uint32_t window_bits = 0;  // 0 = the card's default
  // How the card delivers what an SA carries (the SA file does not say):
  //   tunnel    - the inner IP packet; a transport payload fails (MALFORMED)
  //   transport - the outer header with ESP removed, whatever the payload
  //   auto      - tunnel when the payload is an IP packet (next header 4/41),
  //               else transport, as Wireshark decides from the next header
  std::string mode = "auto";
};

struct EncryptOptions {
  std::string sa_file, in, out;
  std::string backend = "swemu";
  std::string spi;
  std::string mode;  // tunnel | transport
  bool esn = false;
  uint64_t seq_start = 1;
  bool udp_encap = false;
  // After every dummy_every-th IP packet, a TFC dummy packet (RFC 4303 2.6,
  // next header 59) of the same length; 0 = none. Tunnel: zero bytes;
  // transport: the packet's IP header(s) with a zeroed payload.
  uint32_t dummy_every = 0;
};

// Both return the process exit code; errors are thrown (std::exception) with
// a message for the user. The summary goes to `out`.
int run_decrypt(const DecryptOptions& o, std::ostream& out);
int run_encrypt(const EncryptOptions& o, std::ostream& out);

}  // namespace esp::pcaptool
