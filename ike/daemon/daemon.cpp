#include "esp/ike/daemon.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <iostream>
#include <map>
#include <mutex>

#include "esp/ike/conf_model.hpp"
#include "esp/ike/credentials.hpp"
#include "esp/ike/ctl_server.hpp"
#include "esp/ike/event_loop.hpp"
#include "esp/ike/udp.hpp"
#include "esp/runtime/runtime.hpp"

namespace esp::ike {

namespace {

std::string dir_of(const std::string& path) {
  auto pos = path.rfind('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

void log_to_stderr(LogLevel l, const std::string& line) {
  static std::mutex mu;
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::lock_guard<std::mutex> g(mu);
  std::cerr << ts << " [" << log_level_name(l) << "] " << line << std::endl;
}

// The daemon's host: the runtime half plus the sockets.
class DaemonHost : public RuntimeIkeHost {
 public:
  DaemonHost(runtime::Runtime& rt, const DaemonOptions& o, IkeSockets& socks)
      : RuntimeIkeHost(rt, o.wireshark_keys, log_to_stderr, o.log_level), socks_(socks) {}
  void send(const Endpoint& local, const Endpoint& remote, const Bytes& message) override {
    std::string why;
    if (!socks_.send_ike(local, remote, message, &why))
      log(LogLevel::Warning, "sending to " + remote.str() + " failed: " + why);
  }
  void send_keepalive(const Endpoint& local, const Endpoint& remote) override {
    std::string why;
    if (!socks_.send_keepalive(local, remote, &why))
      log(LogLevel::Debug, "keepalive to " + remote.str() + " failed: " + why);
  }
  runtime::IpAddr source_for(const runtime::IpAddr& remote) override {
    auto a = IkeSockets::source_for(remote);
    if (!a) throw std::runtime_error("no route to " + remote.str());
    return *a;
  }
  std::uint16_t ike_port() const override { return socks_.port(); }
  std::uint16_t nat_port() const override { return socks_.nat_port(); }

  // The gateway's routes follow the CHILD_SAs (and traps) of tunnel mode.
  void set_gateway(dp::Gateway* gw) { gw_ = gw; }
  ChildHandle install_child(const ChildInstall& c, bool policies) override {
    ChildHandle h = RuntimeIkeHost::install_child(c, policies);
    if (gw_ && c.out.mode == spec::Mode::TUNNEL) gw_->add_routes(child_key(h), c.local_ts, c.remote_ts, c.out.tun_dst);
    return h;
  }
  void delete_child(const ChildHandle& h) override {
    if (gw_) gw_->remove_routes(child_key(h));
    RuntimeIkeHost::delete_child(h);
  }
  TrapHandle install_trap(const TrapInstall& t) override {
    TrapHandle h = RuntimeIkeHost::install_trap(t);
    if (gw_) gw_->add_routes(trap_key(h), t.local_ts, t.remote_ts, t.peer);
    return h;
  }
  void remove_trap(const TrapHandle& h) override {
    if (gw_) gw_->remove_routes(trap_key(h));
    RuntimeIkeHost::remove_trap(h);
  }
  ChildUsage child_usage(const ChildHandle& h) override {
    ChildUsage u = RuntimeIkeHost::child_usage(h);
    if (gw_) {
      std::map<std::string, std::uint64_t> sum;
      for (auto id : {h.in, h.out})
        if (id.valid())
          for (const auto& [name, n] : gw_->sa_errors(id)) sum[name] += n;
      u.dp_errors.assign(sum.begin(), sum.end());
    }
    return u;
  }

 private:
  static std::string child_key(const ChildHandle& h) {
    return fmt::format("child {}:{}:{}", h.out.card, h.out.index, h.out.generation);
  }
  static std::string trap_key(const TrapHandle& h) { return fmt::format("trap {}", h.reqid); }

  IkeSockets& socks_;
  dp::Gateway* gw_ = nullptr;
};

// An IKE message the gateway found on the NAT-T port, copied for the loop.
struct OwnedDatagram {
  Endpoint local, remote;
  std::vector<std::uint8_t> data;
  bool on_nat_port = false;
};

std::shared_ptr<const conf::Config> load_conf(const std::string& path) {
  return std::make_shared<const conf::Config>(conf::load_config_file(path));
}

}  // namespace

struct Daemon::Impl {
  DaemonOptions opts;
  std::shared_ptr<const conf::Config> cfg;
  std::shared_ptr<const CredentialStore> creds;
  std::unique_ptr<runtime::Runtime> rt;
  EventLoop loop;
  std::unique_ptr<IkeSockets> socks;
  std::unique_ptr<dp::Gateway> gw;  // before host and mgr: they use it until they are gone
  std::unique_ptr<DaemonHost> host;
  std::unique_ptr<IkeManager> mgr;
  std::unique_ptr<ControlServer> ctl;
  std::uint64_t timer = 0;
  bool timer_set = false;
  Time timer_at{};
  int sigfd = -1;
  bool stopping = false;
  Time started = Clock::now();
  std::uint64_t esp_rx = 0;

  struct PendingInitiate {
    std::string child;
    std::vector<std::uint64_t> existing;  // CHILD_SA unique ids before the request
    Time deadline;
    ControlServer::Reply reply;
  };
  std::vector<PendingInitiate> initiates;

  void log(LogLevel l, const std::string& s) { host->log(l, s); }

  void rearm() {
    Time next = mgr->next_deadline();
    if (!initiates.empty()) next = std::min(next, Clock::now() + std::chrono::milliseconds(100));
    if (timer_set && timer_at == next) return;
    if (timer_set) loop.cancel_timer(timer);
    timer_set = false;
    if (next == Time::max()) return;
    auto after = next - Clock::now();
    if (after < Clock::duration::zero()) after = Clock::duration::zero();
    timer_at = next;
    timer_set = true;
    timer = loop.add_timer(after, [this] {
      timer_set = false;
      mgr->tick(Clock::now());
      check_initiates();
      rearm();
    });
  }

  void check_initiates() {
    if (initiates.empty()) return;
    Time now = Clock::now();
    auto sas = mgr->list_sas(now);
    for (auto it = initiates.begin(); it != initiates.end();) {
      bool done = false;
      for (const auto& ike : sas["ike-sas"])
        for (const auto& c : ike["child-sas"]) {
          if (c["name"] != it->child || c["state"] != "INSTALLED") continue;
          std::uint64_t uid = c["uniqueid"];
          if (std::find(it->existing.begin(), it->existing.end(), uid) != it->existing.end()) continue;
          it->reply.ok({{"message", fmt::format("CHILD_SA '{}' established: {}_i {}_o", it->child,
                                                c["spi-in"].get<std::string>(), c["spi-out"].get<std::string>())}});
          done = true;
        }
      if (!done && now >= it->deadline) {
        it->reply.error("initiating CHILD_SA '" + it->child + "' failed or timed out (see the daemon's log)");
        done = true;
      }
      it = done ? initiates.erase(it) : it + 1;
    }
  }

  nlohmann::json stats_json() {
    Time now = Clock::now();
    auto s = mgr->stats();
    nlohmann::json cards = nlohmann::json::array();
    for (std::uint32_t c = 0; c < rt->cards(); ++c) {
      auto cs = rt->card_stats(c);
      cards.push_back({{"card", c}, {"sas", cs.sas}, {"runs", cs.runs}, {"packets", cs.packets}, {"run-ns", cs.run_ns}, {"run-cpu-ns", cs.run_cpu_ns}});
    }
    auto sc = socks->counters();
    return {{"uptime", std::chrono::duration_cast<std::chrono::seconds>(now - started).count()},
            {"ike-sas", {{"total", mgr->ike_sa_count()}, {"half-open", mgr->half_open_count()}}},
            {"child-sas", mgr->child_sa_count()},
            {"cards", cards},
            {"ike",
             {{"rx", s.rx},
              {"tx", s.tx},
              {"retransmits", s.retransmits},
              {"bad-messages", s.bad_messages},
              {"cookies-sent", s.cookies_sent},
              {"established", s.ike_established},
              {"auth-failures", s.auth_failures}}},
            {"udp", {{"rx-esp", sc.rx_esp}, {"rx-keepalive", sc.rx_keepalive}, {"rx-bad", sc.rx_bad}, {"tx-err", sc.tx_err}}},
            {"dataplane", gw ? gw->stats() : nlohmann::json(nullptr)},
            {"traps", mgr->traps()}};
  }

  void reload() {
    auto c = load_conf(opts.conf_path);
    auto cr = std::make_shared<const CredentialStore>(CredentialStore::load(opts.swanctl_dir, *c));
    cfg = c;
    creds = cr;
    mgr->reload(cfg, creds, Clock::now());
    log(LogLevel::Info, "configuration reloaded from " + opts.conf_path);
  }

  // On the loop thread.
  void handle(const nlohmann::json& req, ControlServer::Reply reply) {
    Time now = Clock::now();
    std::string cmd = req.value("cmd", "");
    try {
      if (cmd == "list-sas") {
        reply.ok(mgr->list_sas(now));
      } else if (cmd == "list-conns") {
        reply.ok(mgr->list_conns());
      } else if (cmd == "stats") {
        reply.ok(stats_json());
      } else if (cmd == "initiate") {
        std::string child = req.value("child", "");
        PendingInitiate p{child, {}, now + std::chrono::seconds(req.value("timeout", 30)), reply};
        for (const auto& ike : mgr->list_sas(now)["ike-sas"])
          for (const auto& c : ike["child-sas"]) p.existing.push_back(c["uniqueid"]);
        std::string msg = mgr->initiate(child, req.value("ike", ""), now);
        log(LogLevel::Info, "control: " + msg);
        initiates.push_back(std::move(p));
        check_initiates();
      } else if (cmd == "terminate") {
        std::string msg = req.contains("ike") ? mgr->terminate_ike(req["ike"], now) : mgr->terminate_child(req["child"], now);
        reply.ok({{"message", msg}});
      } else if (cmd == "rekey") {
        std::string msg = req.contains("ike") ? mgr->rekey_ike(req["ike"], now) : mgr->rekey_child(req["child"], now);
        reply.ok({{"message", msg}});
      } else if (cmd == "reload") {
        reload();
        reply.ok({{"message", "configuration reloaded"}});
      } else {
        reply.error("unknown command '" + cmd + "'");
      }
    } catch (const std::exception& e) {
      reply.error(e.what());
    }
    rearm();
  }

  void on_signal() {
    signalfd_siginfo si{};
    while (::read(sigfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
      if (si.ssi_signo == SIGHUP) {
        try {
          reload();
        } catch (const std::exception& e) {
          log(LogLevel::Error, std::string("reload failed: ") + e.what());
        }
        rearm();
        continue;
      }
      shutdown();
    }
  }

  void shutdown() {
    if (stopping) {
      loop.stop();
      return;
    }
    stopping = true;
    log(LogLevel::Info, "shutting down: deleting IKE SAs");
    for (const auto& c : cfg->connections) {
      try {
        mgr->terminate_ike(c.name, Clock::now());
      } catch (const std::exception&) {
      }
    }
    rearm();
    // Give the DELETEs a moment to be answered, then stop.
    loop.add_timer(std::chrono::milliseconds(1500), [this] { loop.stop(); });
    wait_empty();
  }

  void wait_empty() {
    if (mgr->ike_sa_count() == 0) {
      loop.stop();
      return;
    }
    loop.add_timer(std::chrono::milliseconds(50), [this] { wait_empty(); });
  }
};

Daemon::Daemon(DaemonOptions opts) : impl_(std::make_unique<Impl>()) {
  // The signals the loop takes through signalfd are blocked before any
  // thread starts (the runtime's, the gateway's, the control server's): a
  // thread that had them unblocked would take SIGTERM's default action and
  // end the process without deleting the SAs.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto& m = *impl_;
  m.opts = std::move(opts);
  if (m.opts.swanctl_dir.empty()) m.opts.swanctl_dir = dir_of(m.opts.conf_path);
  m.cfg = load_conf(m.opts.conf_path);
  m.creds = std::make_shared<const CredentialStore>(CredentialStore::load(m.opts.swanctl_dir, *m.cfg));
  runtime::RuntimeOptions ro;
  ro.cards.clear();
  for (std::uint32_t i = 0; i < std::max<std::uint32_t>(1, m.opts.cards); ++i) {
    driver::DeviceOptions d;
    d.backend = m.opts.backend;
    d.card_memory_bytes = m.opts.card_memory_bytes;
    ro.cards.push_back(d);
  }
  ro.sa_capacity = m.opts.sa_capacity;
  m.rt = std::make_unique<runtime::Runtime>(ro);
  m.socks = std::make_unique<IkeSockets>(m.loop, m.opts.port, m.opts.nat_port);
  std::vector<std::string> addrs;
  for (const auto& c : m.cfg->connections)
    for (const auto& a : c.local_addrs) {
      std::string x = a;
      try {
        runtime::IpAddr::parse(a);
      } catch (const std::exception&) {
        x = "%any";  // a name or a range: listen everywhere
      }
      if (std::find(addrs.begin(), addrs.end(), x) == addrs.end()) addrs.push_back(x);
    }
  if (addrs.empty() || std::find(addrs.begin(), addrs.end(), "%any") != addrs.end()) addrs = {"%any"};
  m.socks->bind(addrs);
  if (m.opts.dataplane) {
    // The gateway reads the NAT-T port (ESP in bursts) and hands the IKE
    // messages it finds there to the loop.
    m.socks->set_nat_rx_external(true);
    auto* mp = &m;
    m.opts.gateway.warn = [](const std::string& text) { log_to_stderr(LogLevel::Warning, text); };
    m.gw = std::make_unique<dp::Gateway>(
        *m.rt, m.socks->nat_sockets(),
        [mp](const IkeSockets::Datagram& d) {
          auto o = std::make_shared<OwnedDatagram>();
          o->local = d.local;
          o->remote = d.remote;
          o->data.assign(d.data, d.data + d.len);
          o->on_nat_port = d.on_nat_port;
          mp->loop.post([mp, o] {
            IkeSockets::Datagram dd;
            dd.local = o->local;
            dd.remote = o->remote;
            dd.data = o->data.data();
            dd.len = o->data.size();
            dd.on_nat_port = o->on_nat_port;
            mp->socks->deliver(dd);
          });
        },
        m.opts.gateway);
  }
  m.host = std::make_unique<DaemonHost>(*m.rt, m.opts, *m.socks);
  m.host->set_gateway(m.gw.get());
  m.mgr = std::make_unique<IkeManager>(*m.host, m.cfg, m.creds, m.opts.ike);
  m.socks->on_ike([&m](const IkeSockets::Datagram& d) {
    m.mgr->receive(d.local, d.remote, d.data, d.len, Clock::now());
    m.check_initiates();
    m.rearm();
  });
  m.socks->on_esp([&m](const IkeSockets::Datagram&) { m.esp_rx++; });
  m.socks->on_error([&m](const std::string& e) { m.log(LogLevel::Warning, e); });
  m.loop.watch(m.rt->events().fd(), [&m] {
    std::vector<runtime::Event> evs;
    m.rt->events().poll(evs, 256);
    for (const auto& e : evs) {
      if (e.type == runtime::EventType::SoftExpire || e.type == runtime::EventType::HardExpire)
        m.mgr->sa_expired(e.sa, e.type == runtime::EventType::HardExpire, Clock::now());
      else if (e.type == runtime::EventType::Acquire) {
        m.log(LogLevel::Debug, "runtime event: " + runtime::describe(e));
        m.mgr->acquire(e.reqid, Clock::now());
        m.check_initiates();
      } else
        m.log(LogLevel::Debug, "runtime event: " + runtime::describe(e));
    }
    m.rearm();
  });
  m.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (m.sigfd < 0) throw std::runtime_error("signalfd failed");
  m.loop.watch(m.sigfd, [&m] { m.on_signal(); });
  if (!m.opts.control.empty()) {
    m.ctl = std::make_unique<ControlServer>(m.opts.control, ControlServer::AsyncHandler(
        [&m](const nlohmann::json& req, ControlServer::Reply reply) {
          m.loop.post([&m, req, reply] { m.handle(req, reply); });
        }));
  }
  std::string where;
  for (const auto& e : m.socks->bound()) where += (where.empty() ? "" : ", ") + e.str();
  m.log(LogLevel::Info, fmt::format("esp-iked listening on {}; {} connection(s) from {}; backend {} ({} card(s))", where,
                                    m.cfg->connections.size(), m.opts.conf_path, m.opts.backend, m.rt->cards()));
  if (m.gw)
    m.log(LogLevel::Info, fmt::format("gateway on {} (MTU {}), {} data-plane thread(s) per direction", m.gw->tun_name(),
                                      m.opts.gateway.tun.mtu, std::max(1u, m.opts.gateway.threads)));
}

Daemon::~Daemon() {
  auto& m = *impl_;
  if (m.ctl) m.ctl->stop();
  if (m.sigfd >= 0) ::close(m.sigfd);
}

int Daemon::run() {
  auto& m = *impl_;
  m.loop.post([&m] {
    m.mgr->start(Clock::now());
    m.rearm();
  });
  if (m.gw) m.gw->start();
  m.loop.run();
  if (m.gw) m.gw->stop();
  m.log(LogLevel::Info, "esp-iked stopped");
  return 0;
}

void Daemon::stop() {
  impl_->loop.post([this] { impl_->shutdown(); });
}

}  // namespace esp::ike
