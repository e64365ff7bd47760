#include "eq_harness.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "esp/driver/device_env.hpp"
#include "esp/runtime/detail/batch_codec.hpp"
#include "esp/runtime/detail/card_layout.hpp"  // out_capacity_for: what the Engine puts in each descriptor
#include "esp/runtime/detail/engine_access.hpp"
#include "ref/gcm.hpp"
#include "ref/ip.hpp"

namespace esp::eq {

namespace {
using Access = runtime::detail::EngineAccess;
}

std::vector<std::string> backends_under_test() {
  // swemu unconditionally: a build without it fails every test (open_device
  // throws) instead of instantiating nothing; cosim when the build lists it.
  std::vector<std::string> out = {"swemu"};
  const std::vector<std::string> all = driver::available_backends();
  if (std::find(all.begin(), all.end(), "cosim") != all.end()) out.push_back("cosim");
  return out;
}

Op enc(SaHandle h, Bytes data, std::string what) { return Op{Opcode::ENCRYPT, h, std::move(data), std::move(what)}; }
Op enc_dummy(SaHandle h, Bytes data, std::string what) {
  return Op{Opcode::ENCRYPT, h, std::move(data), std::move(what), true};
}
Op dec(Bytes data, std::string what) { return Op{Opcode::DECRYPT, SaHandle{}, std::move(data), std::move(what)}; }

// ---------------------------------------------------------------- Twin

Twin::Twin(const std::string& backend, const TwinOptions& o) : backend_(backend), ref_(o.sa_capacity) {
  driver::DeviceOptions d;
  d.backend = backend;
  d.card_memory_bytes = 256ull << 20;
  driver::options_from_env(d);  // ESP_COSIM_WRITE_LATENCY (the *_late_b tests), ESP_COSIM_SEED, ...
  runtime::EngineOptions eo;
  eo.sa_capacity = o.sa_capacity;
  eo.max_batch_packets = o.max_batch;
  eo.replay_region_bytes = o.replay_bytes;
  eng_ = std::make_unique<runtime::Engine>(driver::open_device(d), eo);
}

Twin::~Twin() = default;

SaHandle Twin::add(const SaConfig& cfg) {
  const SaHandle h = eng_->add_sa(cfg);
  ref_.add_sa_at(h.index, cfg);
  live_.push_back(h);
  return h;
}

void Twin::remove(SaHandle h) {
  eng_->delete_sa(h);
  ref_.remove_sa(h.index);
  live_.erase(std::remove_if(live_.begin(), live_.end(),
                             [&](const SaHandle& x) { return x.index == h.index && x.generation == h.generation; }),
              live_.end());
}

std::vector<uint8_t> Twin::card_entry(SaHandle h) {
  std::vector<uint8_t> img(spec::sa_entry::SIZE);
  Access::device(*eng_).read(Access::layout(*eng_).sa_table, uint64_t(h.index) * spec::sa_entry::SIZE, img.data(),
                             img.size());
  return img;
}

// (what the card holds on chip written back first: the engine's runs end
// with STOP KEEP_STATE)
std::vector<uint8_t> Twin::card_state_line(SaHandle h) {
  Access::sync_state(*eng_);
  std::vector<uint8_t> img(spec::sa_state::SIZE);
  Access::device(*eng_).read(Access::layout(*eng_).sa_state, uint64_t(h.index) * spec::sa_state::SIZE, img.data(),
                             img.size());
  return img;
}

std::vector<uint8_t> Twin::card_replay_ring(SaHandle h) {
  Access::sync_state(*eng_);
  spec::SaEntry e;
  spec::unpack(card_entry(h).data(), e);
  std::vector<uint8_t> img(spec::replay_ring_bytes(e.window_bits));
  Access::device(*eng_).read(Access::layout(*eng_).replay, e.replay_offset, img.data(), img.size());
  return img;
}

void Twin::card_install(SaHandle h, bool keep_state, const std::string& why) {
  // The engine sends it (a raw descriptor with a command opcode goes to the
  // card as a NOP), in a command-only run now; a command that does not
  // complete OK fails that run (driver::DeviceError).
  try {
    Access::queue_install(*eng_, h.index, keep_state);
    Access::flush_commands(*eng_);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "[" << backend_ << "] " << why << ": SA_INSTALL" << (keep_state ? " KEEP_STATE" : "")
                  << " of slot " << h.index << ": " << e.what();
  }
}

void Twin::card_write_entry(SaHandle h, const std::vector<uint8_t>& img) {
  if (img.size() != spec::sa_entry::SIZE) throw std::invalid_argument("card_write_entry: not an sa_entry image");
  Access::device(*eng_).write(Access::layout(*eng_).sa_table, uint64_t(h.index) * spec::sa_entry::SIZE, img.data(),
                              img.size());
  card_install(h, true, "card_write_entry");
}

void Twin::card_set_valid(SaHandle h, bool valid) {
  namespace fb = spec::sa_entry::flags_bit;
  std::vector<uint8_t> img = card_entry(h);
  spec::SaEntry e;
  spec::unpack(img.data(), e);
  e.flags = valid ? (e.flags | fb::VALID) : (e.flags & ~fb::VALID);
  spec::pack(e, img.data());
  card_write_entry(h, img);
}

void Twin::set_replay_top(SaHandle h, uint64_t top) {
  spec::SaEntry e;
  spec::unpack(card_entry(h).data(), e);
  const uint32_t w = e.window_bits;
  std::vector<uint8_t> ring(spec::replay_ring_bytes(w), 0);
  if (top != 0) {
    const uint64_t n = spec::replay_ring_entries(w);
    spec::pack(spec::ReplayEntry{uint64_t{1} << (top % 64), top / 64},
               ring.data() + (top / 64 % n) * spec::replay_entry::SIZE);
  }
  std::vector<uint8_t> line = card_state_line(h);  // counters as the last STOP (or the install) left them
  spec::set<spec::sa_state::seq>(line.data(), top);
  driver::Device& dev = Access::device(*eng_);
  const runtime::detail::CardLayout& lay = Access::layout(*eng_);
  dev.write(lay.replay, e.replay_offset, ring.data(), ring.size());
  dev.write(lay.sa_state, uint64_t(h.index) * spec::sa_state::SIZE, line.data(), line.size());
  card_install(h, false, "set_replay_top");
  ref_.set_replay_top(h.index, top);
}

void Twin::set_counters(SaHandle h, const ref::Counters& c) {
  std::vector<uint8_t> line = card_state_line(h);
  spec::pack(static_cast<const spec::SaCounters&>(c), line.data() + spec::sa_state::counters::offset);
  Access::device(*eng_).write(Access::layout(*eng_).sa_state, uint64_t(h.index) * spec::sa_state::SIZE, line.data(),
                              line.size());
  card_install(h, false, "set_counters");
  ref_.set_counters(h.index, c);
}

void Twin::update(SaHandle h, const runtime::SaUpdate& u) {
  eng_->update_sa(h, u);
  SaConfig c = ref_.config(h.index);
  if (u.tun_src) c.tun_src = *u.tun_src;
  if (u.tun_dst) c.tun_dst = *u.tun_dst;
  if (u.udp_encap) c.udp_encap = *u.udp_encap;
  if (u.udp_sport) c.udp_sport = *u.udp_sport;
  if (u.udp_dport) c.udp_dport = *u.udp_dport;
  ref_.update_sa(h.index, c);
}

void Twin::set_lifetimes(SaHandle h, const runtime::Lifetime& soft, const runtime::Lifetime& hard) {
  namespace se = spec::sa_entry;
  std::vector<uint8_t> img = card_entry(h);
  spec::set<se::soft_bytes>(img.data(), soft.bytes);
  spec::set<se::soft_packets>(img.data(), soft.packets);
  spec::set<se::hard_bytes>(img.data(), hard.bytes);
  spec::set<se::hard_packets>(img.data(), hard.packets);
  card_write_entry(h, img);
  SaConfig c = ref_.config(h.index);
  c.soft = soft;
  c.hard = hard;
  ref_.update_sa(h.index, c);
}

RunResult Twin::run(const std::vector<Op>& ops, const std::string& label) {
  std::vector<runtime::Request> reqs;
  reqs.reserve(ops.size());
  for (const Op& op : ops) reqs.push_back(runtime::Request{op.op, op.sa, op.data, op.dummy});
  std::vector<Result> card;
  try {
    card = eng_->process(reqs);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "[" << backend_ << "] " << label << ": Engine::process threw: " << e.what();
    RunResult r;
    r.mismatches = ops.size();
    return r;
  }
  std::vector<ref::Output> model;
  model.reserve(ops.size());
  std::vector<std::string> what;
  std::vector<size_t> sizes;
  for (const Op& op : ops) {
    const bool fits = op.data.size() <= spec::MAX_PKT_BYTES;
    const uint32_t cap = fits ? runtime::detail::out_capacity_for(static_cast<uint32_t>(op.data.size()))
                              : spec::MAX_PKT_BYTES;
    const uint32_t sa_index = op.op == Opcode::DECRYPT ? 0u : op.sa.index;
    const uint8_t flags = op.dummy ? spec::descriptor::flags_bit::DUMMY : 0;  // as the Engine's descriptor
    model.push_back(ref_.process_flags(static_cast<uint8_t>(op.op), sa_index, flags, op.data, cap));
    what.push_back(op.what + ", op " + std::to_string(unsigned(static_cast<uint8_t>(op.op))) +
                   (op.dummy ? " DUMMY" : ""));
    sizes.push_back(op.data.size());
  }
  return compare(std::move(card), std::move(model), what, sizes, label);
}

std::vector<Result> Twin::run_raw_card(const std::vector<RawDesc>& descs, const std::string& label) {
  const runtime::detail::CardLayout& lay = Access::layout(*eng_);
  const uint64_t slot = lay.pkt_slot_bytes;
  const size_t n = descs.size();
  if (n * slot > lay.pkt_in.size) throw std::invalid_argument("run_raw_card: more descriptors than packet slots");
  driver::Device& dev = Access::device(*eng_);
  std::vector<runtime::detail::Descriptor> d(n);
  for (size_t k = 0; k < n; ++k) {
    const RawDesc& r = descs[k];
    d[k].op = static_cast<Opcode>(r.op);
    d[k].flags = r.flags;
    d[k].sa_index = r.sa_index;
    d[k].in_offset = k * slot + r.in_shift;
    d[k].in_length = r.in_length < 0 ? static_cast<uint32_t>(r.data.size()) : static_cast<uint32_t>(r.in_length);
    d[k].out_capacity = r.out_capacity;
    d[k].out_offset = k * slot + r.out_shift;
    if (!r.data.empty()) dev.write(lay.pkt_in, d[k].in_offset, r.data.data(), r.data.size());
  }
  std::vector<runtime::detail::Completion> c(n);
  Access::run_descriptors(*eng_, d.data(), n, c.data());
  std::vector<Result> out(n);
  for (size_t k = 0; k < n; ++k) {
    runtime::detail::fill_result(c[k], out[k]);
    const std::string breach = runtime::detail::completion_breach(d[k], c[k]);
    if (!breach.empty()) {
      ADD_FAILURE() << "[" << backend_ << "] " << label << ": completion #" << k << " (" << descs[k].what
                    << ") breaks the contract: " << breach;
      continue;
    }
    if (c[k].status != Status::OK) continue;
    if (c[k].out_offset + c[k].out_length > lay.pkt_out.size) {
      ADD_FAILURE() << "[" << backend_ << "] " << label << ": completion #" << k << " (" << descs[k].what
                    << ") output beyond pkt_out";
      continue;
    }
    out[k].data.resize(c[k].out_length);
    if (c[k].out_length) dev.read(lay.pkt_out, c[k].out_offset, out[k].data.data(), c[k].out_length);
  }
  return out;
}

RunResult Twin::run_raw(const std::vector<RawDesc>& descs, const std::string& label) {
  std::vector<Result> card = run_raw_card(descs, label);
  std::vector<ref::Output> model;
  std::vector<std::string> what;
  std::vector<size_t> sizes;
  for (const RawDesc& r : descs) {
    Bytes in = r.data;
    if (r.in_length >= 0) in.resize(static_cast<size_t>(r.in_length));
    model.push_back(ref_.process_flags(r.op, r.sa_index, r.flags, in, r.out_capacity));
    what.push_back(r.what + ", raw op " + std::to_string(unsigned(r.op)) + " flags " + std::to_string(r.flags) +
                   " sa_index " + hex64(r.sa_index) + " out_capacity " + std::to_string(r.out_capacity));
    sizes.push_back(in.size());
  }
  return compare(std::move(card), std::move(model), what, sizes, label);
}

RunResult Twin::compare(std::vector<Result> card, std::vector<ref::Output> model, const std::vector<std::string>& what,
                        const std::vector<size_t>& in_sizes, const std::string& label) {
  RunResult r;
  r.card = std::move(card);
  r.ref = std::move(model);
  const size_t n = r.ref.size();
  if (r.card.size() != n) {
    ADD_FAILURE() << "[" << backend_ << "] " << label << ": " << n << " requests but " << r.card.size() << " results";
    r.mismatches = n;
    return r;
  }
  if (std::getenv("ESP_EQ_VERBOSE")) {  // what each batch exercised
    std::map<std::string, size_t> hist;
    for (const auto& x : r.ref) ++hist[spec::status_name(x.status)];
    std::ostringstream os;
    os << "[" << backend_ << "] " << label << ": " << n << " requests:";
    for (const auto& [k, v] : hist) os << " " << k << "=" << v;
    std::fprintf(stderr, "%s\n", os.str().c_str());
  }
  std::ostringstream first;
  std::vector<size_t> others;
  for (size_t i = 0; i < n; ++i) {
    const std::string d = result_diff(r.card[i], r.ref[i]);
    if (d.empty()) continue;
    if (r.mismatches == 0) {
      first << "first differing request: #" << i << " (" << what[i] << ", " << in_sizes[i] << " bytes in): " << d;
    } else if (others.size() < 8) {
      others.push_back(i);
    }
    ++r.mismatches;
  }
  if (r.mismatches) {
    std::ostringstream os;
    os << "[" << backend_ << "] " << label << ": " << r.mismatches << " of " << n
       << " requests differ between the card and the reference model.\n  " << first.str();
    if (!others.empty()) {
      os << "\n  further differing requests:";
      for (size_t i : others) {
        os << "\n    #" << i << " (" << what[i] << "): card " << status_str(r.card[i].status) << ", ref "
           << status_str(r.ref[i].status);
      }
    }
    ADD_FAILURE() << os.str();
  }
  return r;
}

bool Twin::counters_match(SaHandle h, const std::string& label) {
  const runtime::SaCounters c = eng_->counters(h);
  const ref::Counters m = ref_.counters(h.index);
  std::ostringstream os;
  auto field = [&](const char* name, uint64_t cv, uint64_t mv) {
    if (cv != mv) os << " " << name << ": card " << cv << ", ref " << mv << ";";
  };
#define ESP_EQ_COUNTER(st, f) field(#f, c.f, m.f);
  ESP_SPEC_FIELDS_sa_counters(ESP_EQ_COUNTER)
#undef ESP_EQ_COUNTER
  // The images the card wrote back: the state line, and an inbound SA's ring.
  const std::string line = bytes_diff(card_state_line(h), ref_.state_line_image(h.index), "card", "ref");
  if (!line.empty()) os << " state line (sa_state): " << line << ";";
  if (ref_.config(h.index).direction == Direction::Inbound) {
    const std::string ring = bytes_diff(card_replay_ring(h), ref_.replay(h.index).ring_image(), "card", "ref");
    if (!ring.empty()) os << " replay ring (entries of " << spec::replay_entry::SIZE << " bytes): " << ring << ";";
  }
  if (os.str().empty()) return true;
  ADD_FAILURE() << "[" << backend_ << "] " << label << ": SA slot " << h.index << " differs:" << os.str();
  return false;
}

void Twin::expect_all_counters(const std::string& label) {
  for (const SaHandle& h : live_) counters_match(h, label);
}

// ---------------------------------------------------------------- printing

std::string status_str(Status s) {
  std::ostringstream os;
  os << spec::status_name(s) << "(" << unsigned(static_cast<uint16_t>(s)) << ")";
  return os.str();
}

std::string hex64(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

std::string bytes_diff(const Bytes& a, const Bytes& b, const char* a_name, const char* b_name) {
  if (a == b) return "";
  std::ostringstream os;
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  os << a_name << " " << a.size() << " bytes, " << b_name << " " << b.size() << " bytes; ";
  if (i < n) {
    os << "first difference at byte " << i << ": " << a_name << " 0x" << std::hex << std::setw(2) << std::setfill('0')
       << unsigned(a[i]) << ", " << b_name << " 0x" << std::setw(2) << unsigned(b[i]);
  } else {
    os << "equal over the first " << n << " bytes";
  }
  return os.str();
}

std::string result_diff(const Result& c, const ref::Output& m) {
  std::ostringstream os;
  if (c.status != m.status) os << "status: card " << status_str(c.status) << ", ref " << status_str(m.status) << "; ";
  if (c.soft_expired != m.soft_expired)
    os << "soft_expired: card " << c.soft_expired << ", ref " << m.soft_expired << "; ";
  if (c.sa_index != m.sa_index) os << "sa_index: card " << hex64(c.sa_index) << ", ref " << hex64(m.sa_index) << "; ";
  if (c.spi != m.spi) os << "spi: card " << hex64(c.spi) << ", ref " << hex64(m.spi) << "; ";
  if (c.seq != m.seq) os << "seq: card " << hex64(c.seq) << ", ref " << hex64(m.seq) << "; ";
  const std::string d = bytes_diff(c.data, m.data, "card", "ref");
  if (!d.empty()) os << "data: " << d;
  return os.str();
}

void expect_originals(const RunResult& r, const std::vector<Op>& ops, const std::vector<size_t>& at,
                      const std::vector<Bytes>& want, const std::string& label) {
  size_t bad = 0;
  std::string first;
  for (size_t k = 0; k < at.size() && k < want.size(); ++k) {
    const size_t i = at[k];
    if (i >= r.card.size()) continue;
    std::string d;
    if (r.card[i].status != Status::OK) {
      d = "card status " + status_str(r.card[i].status) + ", expected OK";
    } else {
      d = bytes_diff(r.card[i].data, want[k], "card", "original");
    }
    if (d.empty()) continue;
    if (bad++ == 0) first = "#" + std::to_string(i) + " (" + ops[i].what + "): " + d;
  }
  if (bad) {
    ADD_FAILURE() << label << ": " << bad << " decrypted packets differ from the original; first: " << first;
  }
}

// ---------------------------------------------------------------- SAs

std::string SaSpec::name() const {
  std::string n = mode == Mode::TUNNEL ? "tun" + std::to_string(outer) : std::string("tra");
  n += "_k" + std::to_string(key_len * 8);
  if (esn) n += "_esn";
  if (udp) n += "_udp";
  n += gmac ? "_gmac" : "_gcm";
  n += "_icv" + std::to_string(icv);
  if (seq_start != 1) n += "_s" + hex64(seq_start);
  return n;
}

SaConfig make_sa(const SaSpec& s, Direction dir, uint32_t spi) {
  SaConfig c;
  c.spi = spi;
  c.direction = dir;
  c.mode = s.mode;
  c.esn = s.esn;
  c.udp_encap = s.udp;
  c.gmac = s.gmac;
  c.key = ref::pkt::payload(s.key_len, spi * 7 + 1);
  const Bytes salt = ref::pkt::payload(4, spi * 7 + 2);
  for (size_t i = 0; i < 4; ++i) c.salt[i] = salt[i];
  c.icv_len = s.icv;
  c.window_bits = s.window;
  if (s.mode == Mode::TUNNEL) {
    if (s.outer == 4) {
      c.tun_src = ref::pkt::v4(10, 1, 2, 3);
      c.tun_dst = ref::pkt::v4(172, 16, 5, 6);
    } else {
      c.tun_src = ref::pkt::v6({0xfd00, 0x1, 0, 0, 0, 0, 0x12, 0x1});
      c.tun_dst = ref::pkt::v6({0xfd00, 0x2, 0xab, 0, 0, 0, 0, 0x2});
    }
  }
  c.ttl = 61;
  c.tos = 0x28;
  c.flow_label = 0x12345 ^ (spi & 0xFF);
  c.udp_sport = 4500;
  c.udp_dport = static_cast<uint16_t>(s.udp && (spi & 1) ? 4501 : 4500);  // one port 4500 is enough
  c.seq_start = s.seq_start;
  return c;
}

// ---------------------------------------------------------------- packets

Bytes inner_packet(uint8_t version, size_t payload_len, uint32_t seed) {
  ref::pkt::PacketSpec s;
  s.version = version;
  s.payload_len = payload_len;
  s.seed = seed;
  s.l4 = seed % 3 == 0 ? ref::pkt::L4::UDP : seed % 3 == 1 ? ref::pkt::L4::TCP : ref::pkt::L4::ICMP;
  s.tos = static_cast<uint8_t>(seed & 0xFC);
  s.df = (seed & 4) != 0;
  return ref::pkt::build(s);
}

Sender::Sender(SaConfig cfg) : cfg_(std::move(cfg)) {
  cfg_.direction = Direction::Outbound;
  cfg_.seq_start = 1;
  if (cfg_.mode == Mode::TUNNEL && cfg_.tun_src.version == 0) {
    cfg_.tun_src = ref::pkt::v4(10, 9, 9, 1);
    cfg_.tun_dst = ref::pkt::v4(10, 9, 9, 2);
  }
  ref_.add_sa(cfg_);
}

Bytes Sender::packet(uint64_t seq, const Bytes& inner) {
  if (seq == 0) throw std::invalid_argument("Sender::packet: seq 0 (use seal_esp)");
  ref_.set_tx_seq(0, seq - 1);
  ref::Output o = ref_.encrypt(0, inner);
  if (o.status != Status::OK) {
    throw std::runtime_error("Sender::packet: reference encrypt failed: " + status_str(o.status));
  }
  return o.data;
}

Rig::Rig(const std::string& backend, const TwinOptions& o) : t(backend, o) {
  struct K {
    const char* name;
    Mode mode;
    uint8_t outer, inner;
    size_t key;
    bool esn, udp, gmac;
    uint8_t icv;
  };
  const K kinds[] = {
      {"tun4 GCM-128", Mode::TUNNEL, 4, 4, 16, false, false, false, 16},
      {"tun6 GMAC-256 ESN", Mode::TUNNEL, 6, 6, 32, true, false, true, 16},
      {"tra4 UDP GCM-128", Mode::TRANSPORT, 4, 4, 16, false, true, false, 16},
      {"tra6 UDP GCM-256 ICV12", Mode::TRANSPORT, 6, 6, 32, false, true, false, 12},
      {"tun4 in6 UDP ESN ICV8", Mode::TUNNEL, 4, 6, 16, true, true, false, 8},
      {"tra6 GMAC-128", Mode::TRANSPORT, 6, 6, 16, false, false, true, 16},
  };
  uint32_t spi = 0xA001;
  for (const K& k : kinds) {
    SaPair p;
    p.name = k.name;
    p.spec.mode = k.mode;
    p.spec.outer = k.outer;
    p.spec.key_len = k.key;
    p.spec.esn = k.esn;
    p.spec.udp = k.udp;
    p.spec.gmac = k.gmac;
    p.spec.icv = k.icv;
    p.inner = k.inner;
    p.out_cfg = make_sa(p.spec, Direction::Outbound, spi);
    p.out_cfg.seq_start = 0x100000;  // apart from the sender's numbers (from 1) to the same SPI
    p.in_cfg = make_sa(p.spec, Direction::Inbound, spi);
    p.out = t.add(p.out_cfg);
    p.in = t.add(p.in_cfg);
    p.snd = std::make_unique<Sender>(p.out_cfg);
    sa.push_back(std::move(p));
    ++spi;
  }
}

Bytes with_trailer(const Bytes& payload, uint8_t next_header) {
  Bytes p = payload;
  const size_t pad = (4 - (payload.size() + 2) % 4) % 4;
  for (size_t i = 1; i <= pad; ++i) p.push_back(static_cast<uint8_t>(i));
  p.push_back(static_cast<uint8_t>(pad));
  p.push_back(next_header);
  return p;
}

Bytes seal_esp(const SaConfig& c, uint64_t seq, const Bytes& plaintext) {
  Bytes esp;
  ref::append_be32(esp, c.spi);
  ref::append_be32(esp, static_cast<uint32_t>(seq));
  Bytes iv;
  ref::append_be64(iv, seq);
  ref::append(esp, iv);
  ref::gcm::Nonce n{};
  for (size_t i = 0; i < 4; ++i) n[i] = c.salt[i];
  for (size_t i = 0; i < 8; ++i) n[4 + i] = iv[i];
  Bytes aad;
  ref::append_be32(aad, c.spi);
  if (c.esn) ref::append_be32(aad, static_cast<uint32_t>(seq >> 32));
  ref::append_be32(aad, static_cast<uint32_t>(seq));
  ref::gcm::Tag tag{};
  if (c.gmac) {
    ref::append(aad, iv);
    ref::append(aad, plaintext);
    ref::gcm::seal(c.key, n, aad, {}, tag);
    ref::append(esp, plaintext);
  } else {
    ref::append(esp, ref::gcm::seal(c.key, n, aad, plaintext, tag));
  }
  esp.insert(esp.end(), tag.begin(), tag.begin() + c.icv_len);
  return esp;
}

Bytes wrap_outer(const Bytes& body, uint8_t version, bool udp, uint8_t proto) {
  Bytes inner;
  if (udp) {
    ref::append_be16(inner, spec::NAT_T_PORT);
    ref::append_be16(inner, spec::NAT_T_PORT);
    ref::append_be16(inner, static_cast<uint16_t>(8 + body.size()));
    ref::append_be16(inner, 0);
  }
  ref::append(inner, body);
  const uint8_t p = udp ? static_cast<uint8_t>(spec::UDP_PROTO) : proto;
  Bytes out;
  if (version == 4) {
    out = {0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 64, p, 0, 0, 192, 0, 2, 10, 198, 51, 100, 20};
    ref::put_be16(out, 2, static_cast<uint16_t>(20 + inner.size()));
    ref::ip::set_ipv4_checksum(out);
  } else {
    out.assign(40, 0);
    out[0] = 0x60;
    ref::put_be16(out, 4, static_cast<uint16_t>(inner.size()));
    out[6] = p;
    out[7] = 64;
    const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
    const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20};
    std::copy(src, src + 16, out.begin() + 8);
    std::copy(dst, dst + 16, out.begin() + 24);
  }
  ref::append(out, inner);
  return out;
}

Bytes craft_esp(const SaConfig& cfg, uint64_t seq, const Bytes& plaintext, uint8_t outer_version, bool udp) {
  return wrap_outer(seal_esp(cfg, seq, plaintext), outer_version, udp);
}

std::vector<uint64_t> climb(uint64_t target) {
  std::vector<uint64_t> s;
  if (target == 0) return s;
  uint64_t x = 0;
  while (target - x > (1ull << 31)) {
    x += 1ull << 31;
    s.push_back(x);
  }
  if (s.empty() || s.back() != target) s.push_back(target);
  return s;
}

unsigned fuzz_rounds() {
  const char* e = std::getenv("ESP_EQ_FUZZ_ROUNDS");
  if (!e) return 1;
  const unsigned long n = std::strtoul(e, nullptr, 10);
  return n == 0 ? 1u : static_cast<unsigned>(std::min<unsigned long>(n, 100000));
}

void fix_lengths(Bytes& p) {
  if (p.empty()) return;
  size_t hdr = 0;
  uint8_t proto = 0;
  if ((p[0] >> 4) == 4 && p.size() >= 20) {
    hdr = size_t(p[0] & 0xF) * 4;
    if (hdr < 20 || p.size() < hdr) return;
    proto = p[9];
    ref::put_be16(p, 2, static_cast<uint16_t>(p.size()));
    ref::ip::set_ipv4_checksum(p);
  } else if ((p[0] >> 4) == 6 && p.size() >= 40) {
    hdr = 40;
    proto = p[6];
    ref::put_be16(p, 4, static_cast<uint16_t>(p.size() - 40));
  } else {
    return;
  }
  if (proto == spec::UDP_PROTO && p.size() >= hdr + 8) {
    ref::put_be16(p, hdr + 4, static_cast<uint16_t>(p.size() - hdr));
  }
}

}  // namespace esp::eq
