// The Runtime's control plane: cards, SPIs, SAs (on one card each), policies,
// events, lifetimes and the housekeeping thread. The data plane is in
// queue_impl.cpp.
#include "esp/runtime/runtime.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "esp/runtime/detail/card_layout.hpp"
#include "esp/runtime/detail/engine_port.hpp"
#include "esp/runtime/detail/runtime_access.hpp"
#include "queue_impl.hpp"
#include "runtime_impl.hpp"

namespace esp::runtime {

namespace {

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

std::string sa_str(SaId s) {
  return "SA {card " + std::to_string(s.card) + ", index " + std::to_string(s.index) + ", generation " +
         std::to_string(s.generation) + "}";
}

uint32_t random_u32() {
  uint32_t v = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) {
    throw std::runtime_error("get_spi: OpenSSL RAND_bytes failed");
  }
  return v;
}

std::vector<std::unique_ptr<driver::Device>> open_all(const RuntimeOptions& o) {
  if (o.cards.empty()) throw std::invalid_argument("RuntimeOptions.cards: at least one card");
  std::vector<std::unique_ptr<driver::Device>> devs;
  for (const driver::DeviceOptions& d : o.cards) devs.push_back(driver::open_device(d));
  return devs;
}

}  // namespace

// --- CardExecutor ---

namespace detail {

CardExecutor::CardExecutor() : thread_([this] { loop(); }) {}

CardExecutor::~CardExecutor() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void CardExecutor::post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> g(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void CardExecutor::loop() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stop_ and drained
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lk.unlock();
    job();
    lk.lock();
  }
}

}  // namespace detail

// --- Impl ---

Runtime::Impl::Impl(std::vector<std::unique_ptr<driver::Device>> devs, const RuntimeOptions& o)
    : opts(o), events(o.event_capacity), acquires(o.acquire_interval_ms * 1'000'000ull) {
  if (devs.empty()) throw std::invalid_argument("Runtime: at least one card");
  EngineOptions eo;
  eo.sa_capacity = o.sa_capacity;
  eo.max_batch_packets = o.max_batch_packets;
  eo.replay_region_bytes = o.replay_region_bytes;
  for (size_t i = 0; i < devs.size(); ++i) {
    if (!devs[i]) throw std::invalid_argument("Runtime: card " + std::to_string(i) + " has no device");
    auto c = std::make_unique<detail::Card>();
    c->id = uint32_t(i);
    c->engine = std::make_unique<Engine>(std::move(devs[i]), eo);
    c->meta.reset(new detail::SlotMeta[o.sa_capacity]);
    c->exec = std::make_unique<detail::CardExecutor>();
    cards.push_back(std::move(c));
  }
  if (o.housekeeping_ms > 0) {
    housekeeping = std::thread([this] {
      std::unique_lock<std::mutex> lk(hk_mu);
      while (!hk_stop) {
        hk_cv.wait_for(lk, std::chrono::milliseconds(opts.housekeeping_ms), [&] { return hk_stop; });
        if (hk_stop) break;
        lk.unlock();
        try {
          std::vector<SaId> dels;
          {
            std::lock_guard<std::mutex> g(ctl);
            tick_locked(dels);
          }
        } catch (...) {
          // A card error here shows up again on the next control or data-plane call.
        }
        lk.lock();
      }
    });
  }
}

Runtime::Impl::~Impl() {
  {
    std::lock_guard<std::mutex> g(hk_mu);
    hk_stop = true;
  }
  hk_cv.notify_all();
  if (housekeeping.joinable()) housekeeping.join();
  for (auto& c : cards) c->exec.reset();  // drains the runs in flight
}

detail::Card& Runtime::Impl::card(uint32_t c) {
  if (c >= cards.size()) {
    throw std::invalid_argument("card " + std::to_string(c) + ": the runtime has " + std::to_string(cards.size()) +
                                " card(s)");
  }
  return *cards[c];
}

detail::Card& Runtime::Impl::card_of(SaId sa, const char* what) {
  if (sa.card >= cards.size() || !cards[sa.card]->engine->valid(SaHandle{sa.index, sa.generation})) {
    throw std::invalid_argument(std::string(what) + ": " + sa_str(sa) + " is not installed");
  }
  return *cards[sa.card];
}

bool Runtime::Impl::live(SaId sa) const {
  return sa.card < cards.size() && cards[sa.card]->engine->valid(SaHandle{sa.index, sa.generation});
}

void Runtime::Impl::raise(Event e) {
  if (e.time_ns == 0) e.time_ns = monotonic_ns();
  events.push(e);
}

void Runtime::Impl::note_expiry(SaId sa, EventType t) {
  std::lock_guard<std::mutex> g(pend_mu);
  pending.emplace_back(sa, t);
}

void Runtime::Impl::raise_acquire(const Spd::Match& m, const Packet& p) {
  const uint64_t now = monotonic_ns();
  if (!acquires.allow(m.id, now)) return;  // RateLimiter locks itself
  Event e;
  e.type = EventType::Acquire;
  e.time_ns = now;
  e.dir = Direction::Outbound;
  e.policy = m.id;
  e.reqid = m.reqid;
  FlowKey f;
  if (parse_flow(p.data, p.len, f)) {
    e.src = f.src;
    e.dst = f.dst;
    e.proto = f.proto;
    e.sport = f.sport;
    e.dport = f.dport;
  }
  events.push(e);
}

std::vector<SaId> Runtime::Impl::add_locked(const std::vector<SaConfig>& cfgs) {
  const uint32_t n_cards = uint32_t(cards.size());
  // Place each SA on its card; then one batched install per card.
  std::vector<std::vector<size_t>> per(n_cards);
  std::vector<size_t> planned(n_cards);
  for (uint32_t c = 0; c < n_cards; ++c) planned[c] = cards[c]->load.load();
  std::unordered_set<uint32_t> batch_spis;
  for (size_t i = 0; i < cfgs.size(); ++i) {
    const SaConfig& cfg = cfgs[i];
    const std::string where = cfgs.size() == 1 ? std::string("add_sa") : "add_sas (config " + std::to_string(i) + ")";
    uint32_t c = 0;
    if (cfg.direction == Direction::Inbound) {
      c = cfg.spi % n_cards;
      if (cfg.card >= 0 && uint32_t(cfg.card) != c) {
        throw std::invalid_argument(where + ": SaConfig.card: an inbound SA goes to the card its SPI names (SPI " +
                                    hex(cfg.spi) + " -> card " + std::to_string(c) + "), not card " +
                                    std::to_string(cfg.card));
      }
      if (inbound.count(cfg.spi) || !batch_spis.insert(cfg.spi).second) {
        throw DuplicateSpi(where + ": an inbound SA with SPI " + hex(cfg.spi) + " is already installed");
      }
    } else if (cfg.card >= 0) {
      if (uint32_t(cfg.card) >= n_cards) {
        throw std::invalid_argument(where + ": SaConfig.card " + std::to_string(cfg.card) + ": the runtime has " +
                                    std::to_string(n_cards) + " card(s)");
      }
      c = uint32_t(cfg.card);
    } else {
      c = uint32_t(std::min_element(planned.begin(), planned.end()) - planned.begin());
    }
    ++planned[c];
    per[c].push_back(i);
  }
  std::vector<SaId> out(cfgs.size());
  std::vector<std::pair<uint32_t, std::vector<SaHandle>>> done;
  try {
    for (uint32_t c = 0; c < n_cards; ++c) {
      if (per[c].empty()) continue;
      std::vector<SaConfig> sub;
      sub.reserve(per[c].size());
      for (size_t i : per[c]) sub.push_back(cfgs[i]);
      std::vector<SaHandle> hs;
      try {
        hs = cards[c]->engine->add_sas(sub);
      } catch (...) {
        for (SaConfig& s : sub) detail::secure_wipe(s.key.data(), s.key.size());
        throw;
      }
      for (SaConfig& s : sub) detail::secure_wipe(s.key.data(), s.key.size());
      for (size_t k = 0; k < hs.size(); ++k) out[per[c][k]] = SaId{c, hs[k].index, hs[k].generation};
      done.emplace_back(c, std::move(hs));
    }
  } catch (...) {
    for (auto& d : done) {
      try {
        cards[d.first]->engine->delete_sas(d.second);
      } catch (...) {
      }
    }
    throw;
  }
  const uint64_t now = monotonic_ns();
  for (size_t i = 0; i < cfgs.size(); ++i) {
    const SaConfig& cfg = cfgs[i];
    const SaId id = out[i];
    detail::Card& cd = *cards[id.card];
    detail::SlotMeta& m = cd.meta[id.index];
    m.last_use_ns.store(0);
    m.soft_gen.store(0);
    m.hard_gen.store(0);
    m.replays.store(0);
    m.auth_fails.store(0);
    std::shared_ptr<const detail::SaSelectors> ts;
    if (!cfg.src_ts.empty() || !cfg.dst_ts.empty()) {
      ts = std::make_shared<const detail::SaSelectors>(detail::SaSelectors{cfg.src_ts, cfg.dst_ts});
    }
    std::atomic_store(&m.ts, ts);
    m.has_ts.store(ts != nullptr, std::memory_order_release);
    m.reqid = cfg.reqid;
    m.installed_ns = now;
    m.soft = cfg.soft;
    m.hard = cfg.hard;
    m.soft_fired = false;
    ++cd.load;
    if (cfg.direction == Direction::Inbound) {
      inbound[cfg.spi] = id;
      reserved.erase(cfg.spi);
    }
    if (cfg.soft.seconds || cfg.hard.seconds) {
      timers.arm(id, cfg.soft.seconds ? now + cfg.soft.seconds * 1'000'000'000ull : 0,
                 cfg.hard.seconds ? now + cfg.hard.seconds * 1'000'000'000ull : 0);
    }
  }
  return out;
}

void Runtime::Impl::del_locked(const std::vector<SaId>& sas) {
  const char* what = sas.size() == 1 ? "del_sa" : "del_sas";
  for (const SaId& s : sas) card_of(s, what);
  std::vector<std::vector<SaHandle>> per(cards.size());
  for (const SaId& s : sas) per[s.card].push_back(SaHandle{s.index, s.generation});
  // The inbound SPIs, read from the shadow before the slots are wiped.
  std::vector<uint32_t> in_spis;
  for (const SaId& s : sas) {
    const spec::SaEntry e = detail::EnginePort::entry(*cards[s.card]->engine, s.index);
    if (!(e.flags & spec::sa_entry::flags_bit::OUTBOUND)) in_spis.push_back(e.spi);
  }
  for (uint32_t c = 0; c < cards.size(); ++c) {
    if (per[c].empty()) continue;
    cards[c]->engine->delete_sas(per[c]);
    cards[c]->load -= per[c].size();
  }
  for (uint32_t spi : in_spis) inbound.erase(spi);
  for (const SaId& s : sas) {
    detail::SlotMeta& m = meta(s);
    std::atomic_store(&m.ts, std::shared_ptr<const detail::SaSelectors>());
    m.has_ts.store(false);
    timers.cancel(s);
  }
}

void Runtime::Impl::tick_locked(std::vector<SaId>& to_delete) {
  const uint64_t now = monotonic_ns();
  std::vector<std::pair<SaId, EventType>> due;
  timers.expired(now, due);
  {
    std::lock_guard<std::mutex> g(pend_mu);
    for (auto& p : pending) due.push_back(p);
    pending.clear();
  }
  to_delete.clear();
  for (const auto& d : due) {
    const SaId sa = d.first;
    if (!live(sa)) continue;
    detail::Card& cd = *cards[sa.card];
    detail::SlotMeta& m = meta(sa);
    Event e;
    e.type = d.second;
    e.time_ns = now;
    e.sa = sa;
    e.card = sa.card;
    e.reqid = m.reqid;
    const SaHandle h{sa.index, sa.generation};
    const spec::SaEntry ent = detail::EnginePort::entry(*cd.engine, sa.index);
    e.spi = ent.spi;
    e.dir = (ent.flags & spec::sa_entry::flags_bit::OUTBOUND) ? Direction::Outbound : Direction::Inbound;
    // Which limit: the card's counters against the SA's limits; else seconds;
    // else (hard, outbound) the sequence space.
    const SaCounters ctr = cd.engine->counters(h);
    const Lifetime& lim = d.second == EventType::SoftExpire ? m.soft : m.hard;
    if (lim.packets && ctr.packets >= lim.packets) {
      e.cause = ExpireCause::Packets;
    } else if (lim.bytes && ctr.bytes >= lim.bytes) {
      e.cause = ExpireCause::Bytes;
    } else if (lim.seconds && now >= m.installed_ns + lim.seconds * 1'000'000'000ull) {
      e.cause = ExpireCause::Seconds;
    } else {
      e.cause = ExpireCause::Sequence;
    }
    e.count = ctr.packets;
    if (d.second == EventType::SoftExpire) {
      if (m.soft_fired) continue;
      m.soft_fired = true;
      raise(e);
    } else {
      raise(e);
      if (std::find(to_delete.begin(), to_delete.end(), sa) == to_delete.end()) to_delete.push_back(sa);
    }
  }
  if (!to_delete.empty()) del_locked(to_delete);
}

// --- Runtime ---

Runtime::Runtime(const RuntimeOptions& opts) : Runtime(open_all(opts), opts) {}

Runtime::Runtime(std::vector<std::unique_ptr<driver::Device>> devices, const RuntimeOptions& opts)
    : impl_(std::make_unique<Impl>(std::move(devices), opts)) {}

Runtime::~Runtime() = default;

const RuntimeOptions& Runtime::options() const { return impl_->opts; }
uint32_t Runtime::cards() const { return uint32_t(impl_->cards.size()); }

std::string Runtime::describe_card(uint32_t card) const {
  detail::Card& c = impl_->card(card);
  return "card " + std::to_string(card) + ": " + detail::EnginePort::device(*c.engine).description() + ", " +
         std::to_string(c.load.load()) + " of " + std::to_string(impl_->opts.sa_capacity) + " SAs";
}

uint32_t Runtime::get_spi() {
  // The least-loaded card.
  uint32_t best = 0;
  size_t best_load = SIZE_MAX;
  for (uint32_t c = 0; c < cards(); ++c) {
    const size_t l = impl_->cards[c]->load.load();
    if (l < best_load) best = c, best_load = l;
  }
  return get_spi(best);
}

uint32_t Runtime::get_spi(uint32_t card) {
  std::lock_guard<std::mutex> g(impl_->ctl);
  impl_->card(card);
  const uint32_t n = cards();
  for (int tries = 0; tries < 1000; ++tries) {
    uint32_t spi = random_u32();
    spi = spi - spi % n + card;  // may wrap past 2^32: then the checks below refuse it
    if (spi < 256 || spi % n != card) continue;
    if (impl_->reserved.count(spi) || impl_->inbound.count(spi)) continue;
    impl_->reserved.insert(spi);
    return spi;
  }
  throw SaTableFull("get_spi: no free SPI found in 1000 random draws");
}

void Runtime::release_spi(uint32_t spi) {
  std::lock_guard<std::mutex> g(impl_->ctl);
  if (!impl_->reserved.erase(spi)) {
    throw std::invalid_argument("release_spi: SPI " + hex(spi) + " is not reserved");
  }
}

SaId Runtime::add_sa(const SaConfig& cfg) {
  std::lock_guard<std::mutex> g(impl_->ctl);
  return impl_->add_locked({cfg}).front();
}

std::vector<SaId> Runtime::add_sas(const std::vector<SaConfig>& cfgs) {
  std::lock_guard<std::mutex> g(impl_->ctl);
  return impl_->add_locked(cfgs);
}

void Runtime::update_sa(SaId sa, const SaUpdate& u) {
  std::lock_guard<std::mutex> g(impl_->ctl);
  impl_->card_of(sa, "update_sa").engine->update_sa(SaHandle{sa.index, sa.generation}, u);
}

SaInfo Runtime::query_sa(SaId sa) {
  std::lock_guard<std::mutex> g(impl_->ctl);
  detail::Card& c = impl_->card_of(sa, "query_sa");
  const SaHandle h{sa.index, sa.generation};
  namespace fb = spec::sa_entry::flags_bit;
  spec::SaEntry e = detail::EnginePort::entry(*c.engine, sa.index);
  SaInfo i;
  i.id = sa;
  i.spi = e.spi;
  i.direction = (e.flags & fb::OUTBOUND) ? Direction::Outbound : Direction::Inbound;
  i.mode = (e.flags & fb::TUNNEL) ? spec::Mode::TUNNEL : spec::Mode::TRANSPORT;
  i.esn = e.flags & fb::ESN;
  i.udp_encap = e.flags & fb::UDP_ENCAP;
  i.gmac = e.flags & fb::GMAC;
  i.key_bits = (e.flags & fb::AES256) ? 256 : 128;
  i.icv_len = e.icv_len;
  i.window_bits = e.window_bits;
  if (i.mode == spec::Mode::TUNNEL) {
    const bool v6 = e.flags & fb::OUTER_V6;
    i.tun_src.version = i.tun_dst.version = v6 ? 6 : 4;
    std::memcpy(i.tun_src.bytes.data(), e.tun_src, v6 ? 16 : 4);
    std::memcpy(i.tun_dst.bytes.data(), e.tun_dst, v6 ? 16 : 4);
  }
  i.udp_sport = e.udp_sport;
  i.udp_dport = e.udp_dport;
  detail::secure_wipe(&e, sizeof e);
  const detail::SlotMeta& m = impl_->meta(sa);
  i.reqid = m.reqid;
  i.soft = m.soft;
  i.hard = m.hard;
  if (auto ts = std::atomic_load(&m.ts)) {
    i.src_ts = ts->src;
    i.dst_ts = ts->dst;
  }
  i.counters = c.engine->counters(h);
  const Engine::SaState st = c.engine->sa_state(h);
  i.tx_seq = st.tx_seq;
  i.replay_top = st.replay_top;
  i.installed_ns = m.installed_ns;
  i.last_use_ns = m.last_use_ns.load();
  i.soft_expired = m.soft_fired;
  return i;
}

void Runtime::del_sa(SaId sa) {
  std::lock_guard<std::mutex> g(impl_->ctl);
  impl_->del_locked({sa});
}

void Runtime::del_sas(const std::vector<SaId>& sas) {
  std::lock_guard<std::mutex> g(impl_->ctl);
  impl_->del_locked(sas);
}

void Runtime::flush_sas() {
  std::lock_guard<std::mutex> g(impl_->ctl);
  std::vector<SaId> all;
  for (auto& c : impl_->cards) {
    for (SaHandle h : detail::EnginePort::installed(*c->engine)) all.push_back(SaId{c->id, h.index, h.generation});
  }
  impl_->del_locked(all);
}

bool Runtime::valid(SaId sa) const { return impl_->live(sa); }

std::optional<SaId> Runtime::find_inbound(uint32_t spi) const {
  std::lock_guard<std::mutex> g(impl_->ctl);
  auto it = impl_->inbound.find(spi);
  if (it == impl_->inbound.end()) return std::nullopt;
  return it->second;
}

size_t Runtime::sa_count() const {
  size_t n = 0;
  for (auto& c : impl_->cards) n += c->load.load();
  return n;
}

std::vector<SaId> Runtime::list_sas() const {
  std::lock_guard<std::mutex> g(impl_->ctl);
  std::vector<SaId> all;
  for (auto& c : impl_->cards) {
    for (SaHandle h : detail::EnginePort::installed(*c->engine)) all.push_back(SaId{c->id, h.index, h.generation});
  }
  return all;
}

size_t Runtime::switch_outbound(SaId old_sa, SaId new_sa) {
  std::lock_guard<std::mutex> g(impl_->ctl);
  impl_->card_of(new_sa, "switch_outbound (new SA)");
  return impl_->spd.replace_sa(old_sa, new_sa);
}

PolicyId Runtime::add_policy(const Policy& p) { return impl_->spd.add(p); }
void Runtime::del_policy(PolicyId id) {
  impl_->spd.remove(id);
  impl_->acquires.forget(id);
}
std::optional<Policy> Runtime::query_policy(PolicyId id) const { return impl_->spd.query(id); }
void Runtime::flush_policies() {
  for (const auto& p : impl_->spd.list()) impl_->acquires.forget(p.first);
  impl_->spd.clear();
}
Spd& Runtime::spd() { return impl_->spd; }
EventQueue& Runtime::events() { return impl_->events; }

std::unique_ptr<Queue> Runtime::open_queue(const QueueOptions& opts) {
  return std::make_unique<detail::QueueImpl>(*impl_, opts);
}

void Runtime::reprogram_card(uint32_t card) {
  std::lock_guard<std::mutex> g(impl_->ctl);
  detail::Card& c = impl_->card(card);
  c.engine->reprogram();
  Event e;
  e.type = EventType::CardReset;
  e.card = card;
  impl_->raise(e);
}

void Runtime::tick() {
  std::lock_guard<std::mutex> g(impl_->ctl);
  std::vector<SaId> dels;
  impl_->tick_locked(dels);
}

CardStats Runtime::card_stats(uint32_t card) const {
  detail::Card& c = impl_->card(card);
  CardStats s;
  s.card = card;
  s.sas = c.load.load();
  const Engine::RunStats r = c.engine->run_stats();
  s.runs = r.runs;
  s.packets = r.packets;
  s.run_ns = r.run_ns;
  s.run_cpu_ns = r.run_cpu_ns;
  s.io = detail::EnginePort::device(*c.engine).io_stats();
  return s;
}

driver::Device& Runtime::device(uint32_t card) { return detail::EnginePort::device(*impl_->card(card).engine); }

Engine& detail::RuntimeAccess::engine(Runtime& rt, uint32_t card) { return *rt.impl_->card(card).engine; }

}  // namespace esp::runtime
