#include "commands.hpp"

#include <array>
#include <cstdio>
#include <map>
#include <memory>
#include <ostream>
#include <stdexcept>

#include "esp/driver/device.hpp"
#include "esp/driver/device_env.hpp"
#include "esp/runtime/engine.hpp"
#include "esp_packet.hpp"
#include "esp_sa_file.hpp"
#include "pcap_io.hpp"

namespace esp::pcaptool {

using runtime::Engine;
using runtime::Request;
using runtime::Result;
using runtime::SaConfig;
using spec::Status;

namespace {

constexpr size_t kChunk = 4096;  // frames read, processed and written at a time

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

std::unique_ptr<Engine> make_engine(const std::string& backend, size_t n_sa, uint32_t window_bits) {
  driver::DeviceOptions d;
  d.backend = backend;
  driver::options_from_env(d);  // ESP_COSIM_SEED, ESP_COSIM_TRACE, ...
  runtime::EngineOptions eo;
  eo.sa_capacity = static_cast<uint32_t>(n_sa < 16 ? 16 : n_sa);
  if (window_bits > spec::DEFAULT_WINDOW_BITS) {
    eo.replay_region_bytes = runtime::replay_region_bytes_for(eo.sa_capacity, window_bits);
  }
  return std::make_unique<Engine>(driver::open_device(d), eo);
}

SaConfig base_config(const EspSaEntry& e) {
  SaConfig c;
  c.spi = e.spi;
  c.gmac = e.gmac;
  c.key = e.key;
  c.salt = e.salt;
  c.icv_len = e.icv_len;
  return c;
}

runtime::SaHandle install(Engine& eng, const SaConfig& c, const std::string& file, const EspSaEntry& e) {
  try {
    return eng.add_sa(c);
  } catch (const std::invalid_argument& ex) {
    throw std::runtime_error(file + ":" + std::to_string(e.line) + ": the card refuses this SA: " + ex.what());
  }
}

struct StatusCounts {
  std::array<uint64_t, spec::STATUS_COUNT> n{};
  void add(Status s) { ++n[static_cast<size_t>(s)]; }
  uint64_t get(Status s) const { return n[static_cast<size_t>(s)]; }
  void print(std::ostream& out, const std::string& ok_note) const {
    char line[128];
    std::snprintf(line, sizeof line, "  %-18s %10s\n", "status", "packets");
    out << line;
    for (Status s : spec::kStatusAll) {
      if (!get(s)) continue;
      std::snprintf(line, sizeof line, "  %-18s %10llu", spec::status_name(s), static_cast<unsigned long long>(get(s)));
      out << line << (s == Status::OK ? ok_note : "") << "\n";
    }
  }
};

struct Item {
  Frame frame;
  bool is_ip = false;
  bool host_status = false;  // decided without the card
  Result result;
  std::unique_ptr<Result> dummy;  // encrypt: the dummy packet sent after this one
};

// The dummy packet that follows `ip` (EncryptOptions::dummy_every): as long
// as it; tunnel mode, zero bytes; transport mode, its IP header(s) (IPv6:
// with Hop-by-Hop, Routing and Fragment headers, as the card skips them) and
// a zeroed payload.
std::vector<uint8_t> dummy_for(const std::vector<uint8_t>& ip, spec::Mode mode) {
  if (mode == spec::Mode::TUNNEL) return std::vector<uint8_t>(ip.size(), 0);
  std::vector<uint8_t> d = ip;
  size_t hdr = d.size();
  if (d.size() >= 20 && (d[0] >> 4) == 4) {
    hdr = (d[0] & 15u) * 4u;
  } else if (d.size() >= 40 && (d[0] >> 4) == 6) {
    hdr = 40;
    uint8_t nh = d[6];
    while ((nh == 0 || nh == 43 || nh == 44) && hdr + 8 <= d.size()) {
      nh = d[hdr];
      hdr += nh == 44 ? 8u : (d[hdr + 1] + 1u) * 8u;
    }
  }
  for (size_t i = hdr; i < d.size(); ++i) d[i] = 0;
  return d;
}

// Reads up to kChunk frames; the IP packet of each goes into frame.data.
size_t read_chunk(PcapReader& in, std::vector<Item>& items) {
  items.clear();
  Item it;
  while (items.size() < kChunk && in.next(it.frame)) {
    auto ip = ip_from_frame(in.linktype(), it.frame.data);
    it.is_ip = static_cast<bool>(ip);
    if (ip) it.frame.data = std::move(*ip);
    it.host_status = false;
    it.result = Result{};
    it.dummy.reset();
    items.push_back(std::move(it));
    it = Item{};
  }
  return items.size();
}

}  // namespace

int run_decrypt(const DecryptOptions& o, std::ostream& out) {
  const std::vector<EspSaEntry> sas = load_esp_sa_file(o.sa_file);
  // The card finds an SA by SPI alone: lines may repeat an SPI (e.g. for more
  // address pairs) only with the same key material.
  std::map<uint32_t, std::vector<const EspSaEntry*>> by_spi;
  std::vector<const EspSaEntry*> unique;
  for (const auto& e : sas) {
    auto& v = by_spi[e.spi];
    if (!v.empty()) {
      const EspSaEntry& f = *v.front();
      if (f.key != e.key || f.salt != e.salt || f.icv_len != e.icv_len || f.gmac != e.gmac)
        throw SaFileError(o.sa_file + ":" + std::to_string(e.line) + ": SPI " + hex32(e.spi) + " is already used on line " +
                          std::to_string(f.line) + " with other keys; the card looks inbound SAs up by SPI alone");
    } else {
      unique.push_back(&e);
    }
    v.push_back(&e);
  }

  PcapReader in(o.in);
  PcapWriter writer(o.out);

  std::unique_ptr<Engine> tun, tra;
  const uint32_t window = o.window_bits ? o.window_bits : spec::DEFAULT_WINDOW_BITS;
  auto build = [&](spec::Mode mode) {
    auto eng = make_engine(o.backend, unique.size(), window);
    for (const EspSaEntry* e : unique) {
      SaConfig c = base_config(*e);
      c.direction = runtime::Direction::Inbound;
      c.mode = mode;
      c.esn = o.esn;
      c.window_bits = window;
      // Inbound, the outer addresses are not used by the card; wildcards become
      // the family's unspecified address.
      c.tun_src.version = c.tun_dst.version = e->family;
      if (e->src) c.tun_src = *e->src;
      if (e->dst) c.tun_dst = *e->dst;
      install(*eng, c, o.sa_file, *e);
    }
    return eng;
  };
  if (o.mode != "transport") tun = build(spec::Mode::TUNNEL);
  if (o.mode != "tunnel") tra = build(spec::Mode::TRANSPORT);
  Engine& first = tun ? *tun : *tra;

  StatusCounts counts;
  uint64_t frames = 0, not_ip = 0, written = 0, as_tunnel = 0, as_transport = 0, address_mismatch = 0;
  std::map<uint32_t, uint64_t> ok_per_spi;
  std::vector<Item> items;
  while (read_chunk(in, items)) {
    frames += items.size();
    std::vector<Request> reqs;
    std::vector<size_t> idx;
    for (size_t i = 0; i < items.size(); ++i) {
      Item& it = items[i];
      if (!it.is_ip) continue;
      // The SA file's address selectors (the card matches SPIs only).
      if (auto esp = parse_esp_outer(it.frame.data)) {
        auto f = by_spi.find(esp->spi);
        if (f != by_spi.end()) {
          bool any = false;
          for (const EspSaEntry* e : f->second) any = any || e->matches(esp->src, esp->dst);
          if (!any) {
            it.host_status = true;
            it.result.status = Status::UNKNOWN_SPI;
            it.result.spi = esp->spi;
            ++address_mismatch;
            continue;
          }
        }
      }
      Request r;
      r.op = spec::Opcode::DECRYPT;
      r.data = it.frame.data;
      reqs.push_back(std::move(r));
      idx.push_back(i);
    }
    std::vector<Result> res = first.process(reqs);
    std::vector<bool> via_transport(res.size(), !tun);
    if (tun && tra) {
      // Auto: an authentic packet whose payload is not an IP packet fails the
      // tunnel SA with MALFORMED; deliver it with the transport SA instead.
      std::vector<Request> retry;
      std::vector<size_t> at;
      for (size_t k = 0; k < res.size(); ++k) {
        if (res[k].status != Status::MALFORMED) continue;
        retry.push_back(reqs[k]);
        at.push_back(k);
      }
      if (!retry.empty()) {
        std::vector<Result> res2 = tra->process(retry);
        for (size_t j = 0; j < at.size(); ++j) {
          if (res2[j].status != Status::OK) continue;
          res[at[j]] = std::move(res2[j]);
          via_transport[at[j]] = true;
        }
      }
    }
    for (size_t k = 0; k < res.size(); ++k) {
      if (res[k].status == Status::OK) (via_transport[k] ? as_transport : as_tunnel)++;
      items[idx[k]].result = std::move(res[k]);
    }
    for (Item& it : items) {
      if (!it.is_ip) {
        ++not_ip;
        continue;
      }
      counts.add(it.result.status);
      if (it.result.status != Status::OK) continue;
      ++ok_per_spi[it.result.spi];
      writer.write(it.frame.ts_sec, it.frame.ts_usec, it.result.data);
      ++written;
    }
  }
  writer.close();

  out << "esp-pcap decrypt: " << frames << " frames read from " << o.in << ", " << written << " packets written to "
      << o.out << " (backend " << o.backend << ", mode " << o.mode << ")\n";
  counts.print(out, "   (tunnel " + std::to_string(as_tunnel) + ", transport " + std::to_string(as_transport) + ")");
  if (address_mismatch)
    out << "  (" << address_mismatch << " of UNKNOWN_SPI: SPI known but addresses match no line of the SA file)\n";
  if (not_ip) out << "  not IP (skipped)   " << not_ip << "\n";
  if (!ok_per_spi.empty()) {
    out << "  per SA (OK packets):\n";
    for (const auto& [spi, n] : ok_per_spi) {
      const auto f = by_spi.find(spi);
      out << "    SPI " << hex32(spi) << " (line " << (f != by_spi.end() ? f->second.front()->line : 0) << ")  " << n << "\n";
    }
  }
  return 0;
}

int run_encrypt(const EncryptOptions& o, std::ostream& out) {
  const std::vector<EspSaEntry> sas = load_esp_sa_file(o.sa_file);
  uint32_t spi = 0;
  try {
    spi = parse_spi(o.spi);
  } catch (const std::invalid_argument& ex) {
    throw std::runtime_error(std::string("--spi: ") + ex.what());
  }
  const EspSaEntry* sa = nullptr;
  for (const auto& e : sas) {
    if (e.spi != spi) continue;
    if (sa && (sa->key != e.key || sa->salt != e.salt || sa->icv_len != e.icv_len || sa->gmac != e.gmac))
      throw SaFileError(o.sa_file + ":" + std::to_string(e.line) + ": SPI " + hex32(spi) + " is also on line " +
                        std::to_string(sa->line) + " with other keys: which one to use is ambiguous");
    if (!sa) sa = &e;
  }
  if (!sa) throw SaFileError(o.sa_file + ": no SA with SPI " + hex32(spi));

  SaConfig c = base_config(*sa);
  c.direction = runtime::Direction::Outbound;
  c.mode = o.mode == "tunnel" ? spec::Mode::TUNNEL : spec::Mode::TRANSPORT;
  c.esn = o.esn;
  c.udp_encap = o.udp_encap;
  c.seq_start = o.seq_start;
  if (!o.esn && o.seq_start > 0xFFFFFFFFull)
    throw std::runtime_error("--seq-start " + std::to_string(o.seq_start) + " needs --esn (above 2^32-1)");
  if (c.mode == spec::Mode::TUNNEL) {
    if (!sa->src || !sa->dst)
      throw SaFileError(o.sa_file + ":" + std::to_string(sa->line) +
                        ": tunnel mode takes the outer header from the SA's addresses; \"*\" is not an address");
    c.tun_src = *sa->src;
    c.tun_dst = *sa->dst;
  }

  PcapReader in(o.in);
  PcapWriter writer(o.out);
  auto eng = make_engine(o.backend, 1, 0);
  const runtime::SaHandle h = install(*eng, c, o.sa_file, *sa);

  StatusCounts counts;
  uint64_t frames = 0, ip_packets = 0, not_ip = 0, written = 0, dummies = 0, first_seq = 0, last_seq = 0;
  std::vector<Item> items;
  while (read_chunk(in, items)) {
    frames += items.size();
    std::vector<Request> reqs;
    std::vector<size_t> idx;      // item of each request
    std::vector<bool> is_dummy;   // of each request
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_ip) continue;
      Request r;
      r.op = spec::Opcode::ENCRYPT;
      r.sa = h;
      r.data = items[i].frame.data;
      reqs.push_back(std::move(r));
      idx.push_back(i);
      is_dummy.push_back(false);
      if (o.dummy_every && ++ip_packets % o.dummy_every == 0) {
        Request d;
        d.op = spec::Opcode::ENCRYPT;
        d.sa = h;
        d.dummy = true;
        d.data = dummy_for(items[i].frame.data, c.mode);
        reqs.push_back(std::move(d));
        idx.push_back(i);
        is_dummy.push_back(true);
      }
    }
    std::vector<Result> res = eng->process(reqs);
    for (size_t k = 0; k < res.size(); ++k) {
      if (is_dummy[k]) {
        items[idx[k]].dummy = std::make_unique<Result>(std::move(res[k]));
      } else {
        items[idx[k]].result = std::move(res[k]);
      }
    }
    for (Item& it : items) {
      if (!it.is_ip) {
        ++not_ip;
        continue;
      }
      for (const Result* r : {&it.result, it.dummy.get()}) {
        if (!r) continue;
        counts.add(r->status);
        if (r->status != Status::OK) continue;
        if (!written) first_seq = r->seq;
        last_seq = r->seq;
        writer.write(it.frame.ts_sec, it.frame.ts_usec, r->data);
        ++written;
        if (r == it.dummy.get()) ++dummies;
      }
    }
  }
  writer.close();

  out << "esp-pcap encrypt: " << frames << " frames read from " << o.in << ", " << written << " ESP packets written to "
      << o.out << " (backend " << o.backend << ", SPI " << hex32(spi) << ", " << o.mode << (o.udp_encap ? ", UDP " + std::to_string(spec::NAT_T_PORT) : "")
      << (o.esn ? ", ESN" : "") << ")\n";
  counts.print(out, written ? "   (seq " + std::to_string(first_seq) + ".." + std::to_string(last_seq) + ")" : "");
  if (o.dummy_every) {
    out << "  dummy packets      " << dummies << " written (TFC, next header " << spec::NH_NO_NEXT
        << "), one after every " << o.dummy_every << (o.dummy_every == 1 ? " packet\n" : " packets\n");
  }
  if (not_ip) out << "  not IP (skipped)   " << not_ip << "\n";
  return 0;
}

}  // namespace esp::pcaptool
