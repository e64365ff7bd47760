#include "ike_test_net.hpp"

#include <algorithm>

#include "esp/ike/conf_syntax.hpp"
#include "ref/packets.hpp"

namespace esp::ike::test {

Peer::Peer(MemNet& net, std::string n, runtime::IpAddr a, std::unique_ptr<runtime::Runtime> rt)
    : RuntimeIkeHost(*rt, "", [this](LogLevel, const std::string& l) { log_lines.push_back(name + ": " + l); },
                     LogLevel::Debug),
      name(std::move(n)),
      addr(a),
      net_(net),
      rt_(std::move(rt)) {}

void Peer::start(const std::string& swanctl_conf, const std::string& swanctl_dir, IkeOptions opts) {
  auto tree = conf::parse_conf_string(swanctl_conf, name + ".conf", swanctl_dir.empty() ? "." : swanctl_dir);
  cfg_ = std::make_shared<const conf::Config>(conf::load_config(tree));
  creds_ = std::make_shared<const CredentialStore>(
      CredentialStore::load(swanctl_dir.empty() ? "/nonexistent-swanctl" : swanctl_dir, *cfg_));
  opts.randomize_rekey = false;
  mgr_ = std::make_unique<IkeManager>(*this, cfg_, creds_, opts);
}

void Peer::send(const Endpoint& local, const Endpoint& remote, const Bytes& message) {
  net_.send(Wire{local, remote, message});
}

void Peer::send_keepalive(const Endpoint& local, const Endpoint& remote) {
  (void)local;
  (void)remote;
  keepalives_sent++;
}

std::int64_t Peer::unix_time() { return RuntimeIkeHost::unix_time(); }

nlohmann::json Peer::sas() { return mgr_->list_sas(net_.now); }

Peer& MemNet::add(const std::string& name, const std::string& addr) {
  auto a = runtime::IpAddr::parse(addr);
  peers_.push_back(std::make_unique<Peer>(*this, name, a, small_runtime()));
  Peer& p = *peers_.back();
  hosts[addr] = &p;
  return p;
}

void MemNet::send(Wire w) {
  if (nat && w.from.addr == nat_inside) {
    w.from.addr = nat_outside;
    w.from.port = static_cast<std::uint16_t>(w.from.port + nat_port_offset);
  }
  queue.push_back(std::move(w));
}

std::size_t MemNet::pump(std::size_t max) {
  std::size_t n = 0;
  for (; n < max; ++n) {
    tick_all();
    if (queue.empty()) break;
    Wire w = std::move(queue.front());
    queue.pop_front();
    if (drop && drop(w)) continue;
    Wire in = w;
    if (nat && w.to.addr == nat_outside && w.to.port > nat_port_offset) {
      in.to.addr = nat_inside;
      in.to.port = static_cast<std::uint16_t>(w.to.port - nat_port_offset);
    }
    delivered.push_back(in);
    auto it = hosts.find(in.to.addr.str());
    if (it == hosts.end()) continue;
    it->second->mgr().receive(in.to, in.from, in.data.data(), in.data.size(), now);
  }
  return n;
}

void MemNet::tick_all() {
  for (auto& p : peers_)
    if (p->mgr().next_deadline() <= now) p->mgr().tick(now);
}

void MemNet::advance(std::chrono::seconds s, std::chrono::milliseconds step) {
  Time end = now + s;
  while (now < end) {
    now += step;
    pump();
  }
}

std::unique_ptr<runtime::Runtime> small_runtime() {
  runtime::RuntimeOptions o;
  o.cards[0].card_memory_bytes = 64ull << 20;
  o.sa_capacity = 256;
  o.housekeeping_ms = 0;
  return std::make_unique<runtime::Runtime>(o);
}

bool traffic_passes(runtime::Runtime& a, runtime::SaId out, runtime::Runtime& b, const std::string& src,
                    const std::string& dst) {
  ref::pkt::PacketSpec s;
  s.version = 4;
  s.l4 = ref::pkt::L4::UDP;
  s.payload_len = 64;
  s.seed = 3;
  s.src = runtime::IpAddr::parse(src);
  s.dst = runtime::IpAddr::parse(dst);
  s.sport = 1000;
  s.dport = 2000;
  Bytes plain = ref::pkt::build(s);
  auto qa = a.open_queue();
  auto qb = b.open_queue();
  Bytes esp(2048), back(2048);
  runtime::Packet p;
  p.op = runtime::PacketOp::Encrypt;
  p.data = plain.data();
  p.len = static_cast<std::uint32_t>(plain.size());
  p.out = esp.data();
  p.out_cap = static_cast<std::uint32_t>(esp.size());
  p.sa = out;
  if (qa->submit(&p, 1) != 1) return false;
  qa->flush();
  runtime::PacketResult r;
  if (qa->poll(&r, 1, 5000) != 1 || !r.status.ok()) return false;
  // UDP-encapsulated output starts with the UDP header: the card takes ESP.
  runtime::Packet d;
  d.op = runtime::PacketOp::Decrypt;
  d.data = esp.data();
  d.len = r.out_len;
  d.out = back.data();
  d.out_cap = static_cast<std::uint32_t>(back.size());
  if (qb->submit(&d, 1) != 1) return false;
  qb->flush();
  runtime::PacketResult r2;
  if (qb->poll(&r2, 1, 5000) != 1 || !r2.status.ok()) return false;
  return Bytes(back.begin(), back.begin() + r2.out_len) == plain;
}

}  // namespace esp::ike::test
