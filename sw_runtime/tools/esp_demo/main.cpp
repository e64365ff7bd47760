// esp-demo: a few SAs on the card (IPv4 and IPv6, tunnel and transport, one
// UDP-encapsulated), a few hundred mixed packets encrypted on the card and
// written to DIR/esp.pcap with the matching Wireshark key file DIR/esp_sa (so
// the capture opens decrypted in Wireshark), the cleartext to DIR/plain.pcap;
// then every packet decrypted again on a second card and compared. Prints
// per-SA counters; exits non-zero if any packet does not come back intact.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "esp/driver/device.hpp"
#include "esp/driver/device_env.hpp"
#include "esp/runtime/engine.hpp"
#include "esp_sa_file.hpp"
#include "pcap_io.hpp"
#include "traffic.hpp"

namespace {

using namespace esp;
using demo::Bytes;
using demo::L4;
using runtime::IpAddr;

struct DemoSa {
  const char* name;
  uint32_t spi;
  spec::Mode mode;
  bool udp_encap;
  uint8_t icv_len;
  size_t key_len;
  const char* outer_src;  // tunnel: outer header; transport: the hosts
  const char* outer_dst;
  const char* inner_src;  // tunnel: inner hosts (any family); transport: unused
  const char* inner_dst;
};

// The demo's SAs: every mode, both families, ICV 8/12/16, AES-128/256, NAT-T.
const DemoSa kSas[] = {
    {"v4-tunnel", 0x00001001, spec::Mode::TUNNEL, false, 16, 16, "192.0.2.1", "198.51.100.1", "10.1.0.1", "10.2.0.1"},
    {"v6-tunnel", 0x00001002, spec::Mode::TUNNEL, false, 16, 32, "2001:db8:1::1", "2001:db8:2::1", "fd00:1::10",
     "fd00:2::20"},
    {"4in6-tunnel", 0x00001003, spec::Mode::TUNNEL, false, 12, 16, "2001:db8:1::1", "2001:db8:2::1", "10.3.0.1",
     "10.4.0.1"},
    {"v4-transport", 0x00001004, spec::Mode::TRANSPORT, false, 12, 16, "192.0.2.10", "192.0.2.20", nullptr, nullptr},
    {"v6-transport", 0x00001005, spec::Mode::TRANSPORT, false, 8, 32, "2001:db8::10", "2001:db8::20", nullptr, nullptr},
    {"v4-natt-tunnel", 0x00001006, spec::Mode::TUNNEL, true, 16, 32, "203.0.113.5", "198.51.100.1", "10.5.0.1",
     "10.6.0.1"},
};
constexpr size_t kNumSas = sizeof kSas / sizeof kSas[0];

IpAddr addr(const char* text) {
  for (uint8_t fam : {uint8_t{4}, uint8_t{6}})
    if (auto a = pcaptool::parse_ip(text, fam)) return *a;
  throw std::invalid_argument(std::string("bad address ") + text);
}

const char* mode_text(spec::Mode m) { return m == spec::Mode::TUNNEL ? "tunnel" : "transport"; }

// An engine on a new card of the backend; `description` gets the card's.
std::unique_ptr<runtime::Engine> open_engine(const std::string& backend, std::string* description = nullptr) {
  driver::DeviceOptions d;
  d.backend = backend;
  driver::options_from_env(d);  // ESP_COSIM_SEED, ESP_COSIM_TRACE, ...
  runtime::EngineOptions eo;
  eo.sa_capacity = 64;
  std::unique_ptr<driver::Device> dev = driver::open_device(d);
  if (description) *description = dev->description();
  return std::make_unique<runtime::Engine>(std::move(dev), eo);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"esp-demo: encrypt mixed traffic on the card, write esp.pcap + Wireshark esp_sa, decrypt and compare"};
  std::string out_dir, backend = "swemu";
  unsigned packets = 320;
  uint64_t seed = 1;
  app.add_option("--out", out_dir, "output directory (esp.pcap, esp_sa, plain.pcap, decrypted.pcap)")->required();
  app.add_option("--backend", backend, "card backend")->capture_default_str();
  app.add_option("--packets", packets, "packets to send")->check(CLI::Range(1u, 100000u))->capture_default_str();
  app.add_option("--seed", seed, "traffic and key seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    std::filesystem::create_directories(out_dir);
    const std::string esp_path = out_dir + "/esp.pcap", sa_path = out_dir + "/esp_sa",
                      plain_path = out_dir + "/plain.pcap", dec_path = out_dir + "/decrypted.pcap";
    demo::Rng rng(seed);

    // Sender and receiver: two cards (two engines on the backend).
    std::string card;
    auto tx = open_engine(backend, &card);
    auto rx = open_engine(backend);
    std::vector<runtime::SaHandle> tx_h, rx_h;
    std::ofstream sa_file(sa_path);
    sa_file << "# Wireshark ESP SAs (Preferences > Protocols > ESP > ESP SAs, or copy to ~/.config/wireshark/esp_sa)\n"
            << "# written by esp-demo: demo keys, never use them for real traffic\n";
    for (const DemoSa& s : kSas) {
      runtime::SaConfig c;
      c.spi = s.spi;
      c.mode = s.mode;
      c.udp_encap = s.udp_encap;
      c.icv_len = s.icv_len;
      c.key.resize(s.key_len);
      rng.fill(c.key.data(), c.key.size());
      rng.fill(c.salt.data(), c.salt.size());
      c.tun_src = addr(s.outer_src);
      c.tun_dst = addr(s.outer_dst);
      c.direction = runtime::Direction::Outbound;
      tx_h.push_back(tx->add_sa(c));
      c.direction = runtime::Direction::Inbound;
      rx_h.push_back(rx->add_sa(c));

      pcaptool::EspSaEntry e;
      e.family = c.tun_src.version;
      e.src = c.tun_src;
      e.dst = c.tun_dst;
      e.spi = c.spi;
      e.icv_len = c.icv_len;
      e.key = c.key;
      e.salt = c.salt;
      sa_file << pcaptool::format_esp_sa_line(e) << "\n";
    }
    sa_file.close();
    if (!sa_file) throw std::runtime_error(sa_path + ": write failed");

    // Mixed traffic: SA, protocol and size drawn per packet; a few fixed sizes.
    std::vector<runtime::Request> enc;
    std::vector<size_t> sa_of;
    const size_t fixed[] = {64, 576, 1500};
    for (unsigned i = 0; i < packets; ++i) {
      const size_t k = rng.below(kNumSas);
      const DemoSa& s = kSas[k];
      const IpAddr src = addr(s.mode == spec::Mode::TUNNEL ? s.inner_src : s.outer_src);
      const IpAddr dst = addr(s.mode == spec::Mode::TUNNEL ? s.inner_dst : s.outer_dst);
      const L4 l4 = static_cast<L4>(rng.below(3));
      const size_t lo = demo::min_packet(src.version, l4);
      const size_t size = i % 10 == 0 ? fixed[(i / 10) % 3] : lo + rng.below(static_cast<uint32_t>(1500 - lo + 1));
      runtime::Request r;
      r.op = spec::Opcode::ENCRYPT;
      r.sa = tx_h[k];
      r.data = demo::make_packet(rng, src, dst, l4, size);
      enc.push_back(std::move(r));
      sa_of.push_back(k);
    }
    const std::vector<runtime::Result> enc_res = tx->process(enc);

    pcaptool::PcapWriter esp_out(esp_path), plain_out(plain_path), dec_out(dec_path);
    const int64_t t0 = 1700000000;
    std::vector<runtime::Request> dec;
    size_t failures = 0;
    for (size_t i = 0; i < enc.size(); ++i) {
      const int64_t sec = t0 + static_cast<int64_t>(i / 100), usec = static_cast<int64_t>(i % 100) * 10000;
      plain_out.write(sec, usec, enc[i].data);
      if (enc_res[i].status != spec::Status::OK) {
        std::cerr << "esp-demo: packet " << i << " (" << kSas[sa_of[i]].name
                  << "): encrypt failed: " << spec::status_name(enc_res[i].status) << "\n";
        ++failures;
        continue;
      }
      esp_out.write(sec, usec, enc_res[i].data);
      runtime::Request r;
      r.op = spec::Opcode::DECRYPT;
      r.data = enc_res[i].data;
      dec.push_back(std::move(r));
    }
    esp_out.close();
    plain_out.close();

    const std::vector<runtime::Result> dec_res = rx->process(dec);
    size_t j = 0, mismatches = 0;
    for (size_t i = 0; i < enc.size(); ++i) {
      if (enc_res[i].status != spec::Status::OK) continue;
      const runtime::Result& r = dec_res[j++];
      if (r.status != spec::Status::OK) {
        std::cerr << "esp-demo: packet " << i << " (" << kSas[sa_of[i]].name
                  << "): decrypt failed: " << spec::status_name(r.status) << "\n";
        ++failures;
        continue;
      }
      dec_out.write(t0 + static_cast<int64_t>(i / 100), static_cast<int64_t>(i % 100) * 10000, r.data);
      if (r.data != enc[i].data) {
        std::cerr << "esp-demo: packet " << i << " (" << kSas[sa_of[i]].name << "): decrypted packet differs ("
                  << r.data.size() << " bytes, sent " << enc[i].data.size() << ")\n";
        ++mismatches;
      }
    }
    dec_out.close();

    // Per-SA table.
    std::printf("esp-demo on %s: %zu packets, %zu SAs\n", card.c_str(), enc.size(), kNumSas);
    std::printf("%-15s %-10s %-9s %-4s %-5s %-3s | %7s %9s | %7s %9s %5s %6s %4s\n", "SA", "SPI", "mode", "fam", "encap",
                "ICV", "tx pkts", "tx bytes", "rx pkts", "rx bytes", "auth", "replay", "bad");
    for (size_t k = 0; k < kNumSas; ++k) {
      const DemoSa& s = kSas[k];
      const runtime::SaCounters t = tx->counters(tx_h[k]), r = rx->counters(rx_h[k]);
      std::printf("%-15s 0x%08x %-9s %-4s %-5s %3u | %7llu %9llu | %7llu %9llu %5llu %6llu %4llu\n", s.name, s.spi,
                  mode_text(s.mode), addr(s.outer_src).version == 6 ? "IPv6" : "IPv4", s.udp_encap ? "udp" : "-",
                  unsigned(s.icv_len), static_cast<unsigned long long>(t.packets),
                  static_cast<unsigned long long>(t.bytes), static_cast<unsigned long long>(r.packets),
                  static_cast<unsigned long long>(r.bytes), static_cast<unsigned long long>(r.auth_fail),
                  static_cast<unsigned long long>(r.replay), static_cast<unsigned long long>(r.bad_packet));
    }
    std::printf("wrote %s (%zu ESP packets), %s, %s, %s\n", esp_path.c_str(), dec.size(), sa_path.c_str(),
                plain_path.c_str(), dec_path.c_str());
    std::printf("to see it decrypted: copy %s to ~/.config/wireshark/esp_sa, then\n"
                "  wireshark -o esp.enable_encryption_decode:TRUE %s\n",
                sa_path.c_str(), esp_path.c_str());
    if (failures || mismatches) {
      std::printf("FAIL: %zu packets failed on the card, %zu decrypted packets differ from what was sent\n", failures,
                  mismatches);
      return 1;
    }
    std::printf("OK: all %zu packets decrypted on the card and identical to what was sent\n", enc.size());
    return 0;
  } catch (const std::exception& ex) {
    std::cerr << "esp-demo: error: " << ex.what() << "\n";
    return 1;
  }
}
