// esp-bench: ESP encap/decap on the swemu card (the HLS kernel on the host)
// against OpenSSL EVP AES-GCM on the same payloads, measured in the same run.
//
// Timing is Google Benchmark's; the table and the JSON file are ours. Sizes are
// the plaintext IP packet (tunnel mode, IPv4 inner and outer, one SA).
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/runtime/engine.hpp"
#include "ref/packets.hpp"

namespace {

using esp::runtime::Engine;
using esp::runtime::Request;
using esp::runtime::Result;
using esp::runtime::SaConfig;
using esp::runtime::SaHandle;
namespace spec = esp::spec;

const unsigned kSizes[] = {64, 576, 1500, 9000};
const unsigned kKeyBytes[] = {16, 32};

struct Measure {
  double seconds_per_iter = 0;
  double bytes_per_iter = 0;
  double packets_per_iter = 0;
  double gbps() const { return bytes_per_iter * 8 / seconds_per_iter / 1e9; }
  double mpps() const { return packets_per_iter / seconds_per_iter / 1e6; }
};
std::map<std::string, Measure> g_results;

std::string key_name(unsigned kb, unsigned size, const char* what) {
  return std::string(what) + "/aes" + std::to_string(kb * 8) + "/" + std::to_string(size);
}

SaConfig make_sa(unsigned key_bytes, esp::runtime::Direction dir) {
  SaConfig c;
  c.spi = 0x1000 + key_bytes;
  c.direction = dir;
  c.mode = spec::Mode::TUNNEL;
  c.key.assign(key_bytes, 0);
  for (unsigned i = 0; i < key_bytes; ++i) c.key[i] = static_cast<uint8_t>(0x11 * (i + 1));
  c.salt = {0xca, 0xfe, 0xba, 0xbe};
  c.tun_src = esp::runtime::IpAddr::parse("192.0.2.1");
  c.tun_dst = esp::runtime::IpAddr::parse("192.0.2.2");
  c.window_bits = spec::MAX_WINDOW_BITS;
  return c;
}

// A batch of plaintext IPv4 packets of exactly `size` bytes.
std::vector<std::vector<uint8_t>> plaintext(unsigned size, unsigned count) {
  std::vector<std::vector<uint8_t>> out;
  for (unsigned i = 0; i < count; ++i) out.push_back(esp::ref::pkt::udp(4, size - 28, i + 1));  // IPv4 20 + UDP 8
  return out;
}

unsigned batch_for(unsigned size) { return size >= 9000 ? 64 : 256; }

void bm_encap(benchmark::State& st, unsigned key_bytes, unsigned size) {
  Engine eng(esp::driver::open_device({}), {});
  const SaHandle sa = eng.add_sa(make_sa(key_bytes, esp::runtime::Direction::Outbound));
  std::vector<Request> reqs;
  for (auto& p : plaintext(size, batch_for(size))) reqs.push_back({spec::Opcode::ENCRYPT, sa, std::move(p)});
  for (auto _ : st) {
    auto res = eng.process(reqs);
    if (res.back().status != spec::Status::OK) st.SkipWithError("encap failed");
    benchmark::DoNotOptimize(res);
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(size) * int64_t(reqs.size()));
  st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(reqs.size()));
}

void bm_decap(benchmark::State& st, unsigned key_bytes, unsigned size) {
  Engine eng(esp::driver::open_device({}), {});
  const SaHandle out = eng.add_sa(make_sa(key_bytes, esp::runtime::Direction::Outbound));
  const unsigned batch = batch_for(size);
  // Enough distinct sequence numbers for the run: re-install the inbound SA
  // (fresh window) whenever they are used up, outside the timed region.
  const unsigned rounds = 16;
  std::vector<std::vector<Request>> batches(rounds);
  for (unsigned r = 0; r < rounds; ++r) {
    std::vector<Request> enc;
    for (auto& p : plaintext(size, batch)) enc.push_back({spec::Opcode::ENCRYPT, out, std::move(p)});
    for (auto& res : eng.process(enc)) batches[r].push_back({spec::Opcode::DECRYPT, {}, std::move(res.data)});
  }
  SaHandle in = eng.add_sa(make_sa(key_bytes, esp::runtime::Direction::Inbound));
  unsigned r = 0;
  for (auto _ : st) {
    if (r == rounds) {
      st.PauseTiming();
      eng.delete_sa(in);
      in = eng.add_sa(make_sa(key_bytes, esp::runtime::Direction::Inbound));
      r = 0;
      st.ResumeTiming();
    }
    auto res = eng.process(batches[r++]);
    if (res.back().status != spec::Status::OK) st.SkipWithError("decap failed");
    benchmark::DoNotOptimize(res);
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(size) * int64_t(batch));
  st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(batch));
}

// OpenSSL EVP AES-GCM: the same plaintext bytes per packet (ESP payload +
// trailer), 8-byte AAD, one context re-keyed per packet with a new IV — what a
// CPU ESP path does per packet.
void bm_openssl(benchmark::State& st, unsigned key_bytes, unsigned size) {
  const EVP_CIPHER* c = key_bytes == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
  std::vector<uint8_t> key(key_bytes, 0x42), in(size + 2, 0x5a), out(size + 2 + 16);
  uint8_t iv[12] = {0}, aad[8] = {1, 2, 3, 4, 5, 6, 7, 8}, tag[16];
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(ctx, c, nullptr, key.data(), nullptr);
  const unsigned batch = batch_for(size);
  uint64_t seq = 0;
  for (auto _ : st) {
    for (unsigned i = 0; i < batch; ++i) {
      ++seq;
      for (int b = 0; b < 8; ++b) iv[4 + b] = static_cast<uint8_t>(seq >> (56 - 8 * b));
      int len = 0;
      EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv);
      EVP_EncryptUpdate(ctx, nullptr, &len, aad, sizeof aad);
      EVP_EncryptUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size()));
      EVP_EncryptFinal_ex(ctx, out.data() + len, &len);
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag);
      benchmark::DoNotOptimize(tag);
    }
  }
  EVP_CIPHER_CTX_free(ctx);
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(size) * int64_t(batch));
  st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(batch));
}

class Collect : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.error_occurred) throw std::runtime_error("benchmark " + r.benchmark_name() + " failed: " + r.error_message);
      Measure m;
      m.seconds_per_iter = r.GetAdjustedRealTime() / 1e9;  // ns -> s (default unit)
      const double iters = static_cast<double>(r.iterations);
      m.bytes_per_iter = r.counters.at("bytes_per_second").value * r.real_accumulated_time / iters;
      m.packets_per_iter = r.counters.at("items_per_second").value * r.real_accumulated_time / iters;
      g_results[r.run_name.function_name] = m;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string json_path;
  std::vector<char*> args{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  for (unsigned kb : kKeyBytes) {
    for (unsigned size : kSizes) {
      benchmark::RegisterBenchmark(key_name(kb, size, "swemu_encap").c_str(), bm_encap, kb, size)->MinTime(0.3);
      benchmark::RegisterBenchmark(key_name(kb, size, "swemu_decap").c_str(), bm_decap, kb, size)->MinTime(0.3);
      benchmark::RegisterBenchmark(key_name(kb, size, "openssl_gcm").c_str(), bm_openssl, kb, size)->MinTime(0.3);
    }
  }
  Collect rep;
  benchmark::RunSpecifiedBenchmarks(&rep);

  nlohmann::json rows = nlohmann::json::array();
  std::printf("\nESP on the swemu card (HLS esp_engine on one host core) vs OpenSSL EVP AES-GCM, same run\n");
  std::printf("%-7s %6s | %10s %8s | %10s %8s | %10s %8s | %9s %9s\n", "key", "bytes", "encap Gb/s", "Mpps",
              "decap Gb/s", "Mpps", "EVP Gb/s", "Mpps", "encap/EVP", "decap/EVP");
  std::printf("%s\n", std::string(112, '-').c_str());
  for (unsigned kb : kKeyBytes) {
    for (unsigned size : kSizes) {
      const Measure& e = g_results.at(key_name(kb, size, "swemu_encap"));
      const Measure& d = g_results.at(key_name(kb, size, "swemu_decap"));
      const Measure& o = g_results.at(key_name(kb, size, "openssl_gcm"));
      std::printf("AES-%-3u %6u | %10.3f %8.4f | %10.3f %8.4f | %10.3f %8.4f | %9.4f %9.4f\n", kb * 8, size, e.gbps(),
                  e.mpps(), d.gbps(), d.mpps(), o.gbps(), o.mpps(), e.gbps() / o.gbps(), d.gbps() / o.gbps());
      rows.push_back({{"key_bits", kb * 8}, {"packet_bytes", size},
                      {"swemu_encap_gbps", e.gbps()}, {"swemu_encap_mpps", e.mpps()},
                      {"swemu_decap_gbps", d.gbps()}, {"swemu_decap_mpps", d.mpps()},
                      {"openssl_gcm_gbps", o.gbps()}, {"openssl_gcm_mpps", o.mpps()},
                      {"encap_ratio", e.gbps() / o.gbps()}, {"decap_ratio", d.gbps() / o.gbps()}});
    }
  }
  if (!json_path.empty()) {
    const std::filesystem::path parent = std::filesystem::path(json_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    std::ofstream(json_path) << nlohmann::json{{"table", "swemu_vs_openssl"}, {"rows", rows}}.dump(2) << "\n";
    std::printf("\nwritten %s\n", json_path.c_str());
  }
  return 0;
}
