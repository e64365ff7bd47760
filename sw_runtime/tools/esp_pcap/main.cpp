// esp-pcap: run a capture through the card. SAs come in Wireshark's esp_sa
// format (see esp_sa_file.hpp), so keys exported from Wireshark or written by
// strongSwan's save-keys plugin work as they are.
//
//   esp-pcap decrypt --sa-file FILE [--backend swemu] [--esn] [--window BITS]
//                    [--mode auto|tunnel|transport] IN.pcap OUT.pcap
//   esp-pcap encrypt --sa-file FILE --spi SPI --mode tunnel|transport
//                    [--backend swemu] [--esn] [--seq-start N] [--udp-encap] IN.pcap OUT.pcap
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "commands.hpp"
#include "esp/driver/device.hpp"
#include "esp/spec/esp_spec.hpp"

namespace {

std::string backends_text() {
  std::string s;
  for (const auto& b : esp::driver::available_backends()) s += (s.empty() ? "" : ", ") + b;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace esp::pcaptool;
  CLI::App app{"esp-pcap: decrypt or encrypt a capture's IP packets with IPsec ESP on the esp_engine card.\n"
               "SAs are read from a Wireshark esp_sa file (also as strongSwan's save-keys plugin writes it).\n"
               "Input: pcap or pcapng, Ethernet / raw IP / Linux cooked; output: raw IP pcap (LINKTYPE_RAW)."};
  app.require_subcommand(1);

  DecryptOptions d;
  auto* dec = app.add_subcommand(
      "decrypt",
      "Writes, in input order, the packet each ESP packet carried (tunnel: the inner packet; transport: the IP "
      "packet with ESP removed). Packets that fail are not written; a count per status is printed.");
  dec->add_option("--sa-file", d.sa_file, "Wireshark esp_sa file")->required();
  dec->add_option("--backend", d.backend, "card backend (" + backends_text() + ")")->capture_default_str();
  dec->add_flag("--esn", d.esn, "the SAs use 64-bit extended sequence numbers (RFC 4303)");
  dec->add_option("--window", d.window_bits, "anti-replay window in bits (power of two, default " +
                                                 std::to_string(esp::spec::DEFAULT_WINDOW_BITS) + ")")
      ->check(CLI::Range(esp::spec::MIN_WINDOW_BITS, esp::spec::MAX_WINDOW_BITS))
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            const unsigned long v = std::stoul(s);
            return (v & (v - 1)) ? "window " + s + " is not a power of two" : "";
          },
          "POW2"));
  dec->add_option("--mode", d.mode,
                  "how SAs deliver: tunnel (inner packet), transport (ESP removed from the IP packet), or auto: "
                  "tunnel when the ESP payload is an IP packet (next header 4/41), else transport")
      ->check(CLI::IsMember({"auto", "tunnel", "transport"}))
      ->capture_default_str();
  dec->add_option("IN", d.in, "input capture")->required();
  dec->add_option("OUT", d.out, "output capture (raw IP)")->required();

  EncryptOptions e;
  auto* enc = app.add_subcommand("encrypt", "Encapsulates each IP packet of IN with one SA of the SA file.");
  enc->add_option("--sa-file", e.sa_file, "Wireshark esp_sa file")->required();
  enc->add_option("--spi", e.spi, "SPI of the SA to use (0x-hex or decimal)")->required();
  enc->add_option("--mode", e.mode, "tunnel (outer header from the SA line's addresses) or transport")
      ->required()
      ->check(CLI::IsMember({"tunnel", "transport"}));
  enc->add_option("--backend", e.backend, "card backend (" + backends_text() + ")")->capture_default_str();
  enc->add_flag("--esn", e.esn, "64-bit extended sequence numbers (RFC 4303)");
  enc->add_option("--seq-start", e.seq_start, "sequence number of the first packet")
      ->check(CLI::Range(uint64_t{1}, ~uint64_t{0}))
      ->capture_default_str();
  enc->add_flag("--udp-encap", e.udp_encap,
                "UDP encapsulation on port " + std::to_string(esp::spec::NAT_T_PORT) + " (RFC 3948)");
  enc->add_option("--dummy-every", e.dummy_every,
                  "after every N-th packet, a TFC dummy packet (RFC 4303 2.6, next header 59) of the same length, "
                  "which the receiver verifies and discards (0: none)")
      ->capture_default_str();
  enc->add_option("IN", e.in, "input capture")->required();
  enc->add_option("OUT", e.out, "output capture (raw IP)")->required();

  if (argc > 1 && argv[1][0] != '-' && std::string(argv[1]) != "decrypt" &&
      std::string(argv[1]) != "encrypt") {
    std::cerr << "esp-pcap: unknown command '" << argv[1] << "' (commands: decrypt, encrypt)\n"
              << "Run with --help for more information.\n";
    return 2;
  }
  CLI11_PARSE(app, argc, argv);

  try {
    if (dec->parsed()) return run_decrypt(d, std::cout);
    return run_encrypt(e, std::cout);
  } catch (const std::exception& ex) {
    std::cerr << "esp-pcap: error: " << ex.what() << "\n";
    return 1;
  }
}
