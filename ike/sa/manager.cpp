// IkeManager: the SA table, message dispatch (message IDs, retransmission
// caches, decryption), request/response sending, timers and the commands.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "config_check.hpp"
#include "esp/ike/natt.hpp"
#include "manager_impl.hpp"
#include "sa_util.hpp"

namespace esp::ike {

using namespace detail;

namespace detail {

const char* ike_state_name(IkeState s) {
  switch (s) {
    case IkeState::Connecting: return "CONNECTING";
    case IkeState::Established: return "ESTABLISHED";
    case IkeState::Rekeying: return "REKEYING";
    case IkeState::Deleting: return "DELETING";
    case IkeState::Dead: return "DESTROYING";
  }
  return "?";
}

const char* child_state_name(ChildState s) {
  switch (s) {
    case ChildState::Installed: return "INSTALLED";
    case ChildState::Rekeying: return "REKEYING";
    case ChildState::Rekeyed: return "REKEYED";
    case ChildState::Deleting: return "DELETING";
  }
  return "?";
}

const char* task_name(TaskType t) {
  switch (t) {
    case TaskType::IkeInit: return "IKE_INIT";
    case TaskType::ChildCreate: return "CHILD_CREATE";
    case TaskType::ChildRekey: return "CHILD_REKEY";
    case TaskType::ChildDelete: return "CHILD_DELETE";
    case TaskType::IkeRekey: return "IKE_REKEY";
    case TaskType::IkeDelete: return "IKE_DELETE";
    case TaskType::Dpd: return "IKE_DPD";
  }
  return "?";
}

ChildSa* IkeSa::child_by_spi_out(std::uint32_t spi) {
  for (auto& c : children)
    if (c->spi_out == spi) return c.get();
  return nullptr;
}
ChildSa* IkeSa::child_by_spi_in(std::uint32_t spi) {
  for (auto& c : children)
    if (c->spi_in == spi) return c.get();
  return nullptr;
}
ChildSa* IkeSa::child_by_uid(std::uint64_t id) {
  for (auto& c : children)
    if (c->uid == id) return c.get();
  return nullptr;
}
void IkeSa::remove_child(std::uint64_t id) {
  children.erase(std::remove_if(children.begin(), children.end(), [&](const auto& c) { return c->uid == id; }),
                 children.end());
}

}  // namespace detail

IkeManager::Impl::Impl(IkeHost& h, std::shared_ptr<const conf::Config> c, std::shared_ptr<const CredentialStore> cr,
                       IkeOptions o)
    : host(h), cfg(std::move(c)), creds(std::move(cr)), opts(o), cookies(o.cookie_threshold) {}

void IkeManager::Impl::log(LogLevel lvl, const IkeSa* sa, const std::string& text) {
  if (sa)
    host.log(lvl, fmt::format("{}[{}] {}", sa->conn ? sa->conn->name : std::string("?"), sa->uid, text));
  else
    host.log(lvl, text);
}

IkeSa* IkeManager::Impl::find(std::uint64_t local_spi) {
  auto it = sas.find(local_spi);
  return it == sas.end() ? nullptr : it->second.get();
}

std::uint64_t IkeManager::Impl::random_spi() {
  for (;;) {
    std::uint64_t s = random_u64_nonzero();
    if (!sas.count(s)) return s;
  }
}

IkeSa& IkeManager::Impl::create_sa(bool initiator, const conf::ConnConfig* conn, Time now) {
  auto sa = std::make_unique<IkeSa>();
  sa->uid = next_uid++;
  sa->cfg = cfg;
  sa->conn = conn;
  sa->initiator = initiator;
  std::uint64_t spi = random_spi();
  (initiator ? sa->spi_i : sa->spi_r) = spi;
  sa->created = now;
  sa->last_rx = now;
  sa->half_open_deadline = now + std::chrono::seconds(opts.half_open_timeout);
  IkeSa& ref = *sa;
  sas.emplace(spi, std::move(sa));
  return ref;
}

void IkeManager::Impl::rekey_spi(IkeSa& sa, std::uint64_t new_local_spi) {
  std::uint64_t old = sa.local_spi();
  auto node = sas.extract(old);
  if (auto w = wake_of.find(old); w != wake_of.end()) {
    wakeups.erase({w->second, old});
    wake_of.erase(w);
  }
  (sa.initiator ? sa.spi_i : sa.spi_r) = new_local_spi;
  node.key() = new_local_spi;
  sas.insert(std::move(node));
}

std::uint32_t IkeManager::Impl::reqid_for(const conf::ConnConfig& c, const conf::ChildConfig& ch) {
  if (ch.reqid) return ch.reqid;
  std::string key = c.name + "/" + ch.name;
  auto it = reqids.find(key);
  if (it != reqids.end()) return it->second;
  std::uint32_t r = next_reqid++;
  reqids.emplace(key, r);
  return r;
}

void IkeManager::Impl::destroy(IkeSa& sa, const std::string& why) {
  log(LogLevel::Info, &sa, "IKE_SA " + hex64(sa.spi_i) + "_i " + hex64(sa.spi_r) + "_r deleted: " + why);
  for (auto& c : sa.children) {
    host.delete_child(c->handle);
    log(LogLevel::Info, &sa, fmt::format("CHILD_SA {}{{{}}} with SPIs {}_i {}_o deleted", c->name, c->uid,
                                         hex32(c->spi_in), hex32(c->spi_out)));
  }
  sa.children.clear();
  if (sa.out) {
    if (sa.out->task.spi_in) host.release_spi(sa.out->task.spi_in);
  }
  if (sa.first_child_task.spi_in && !sa.authenticated) host.release_spi(sa.first_child_task.spi_in);
  for (auto it = half_open_by_init.begin(); it != half_open_by_init.end();) {
    if (it->second == sa.local_spi())
      it = half_open_by_init.erase(it);
    else
      ++it;
  }
  std::uint64_t spi = sa.local_spi();
  if (auto w = wake_of.find(spi); w != wake_of.end()) {
    wakeups.erase({w->second, spi});
    wake_of.erase(w);
  }
  sas.erase(spi);  // sa is gone
}

// ---------------------------------------------------------------- timers

void IkeManager::Impl::schedule(IkeSa& sa) {
  Time t = Time::max();
  if (sa.out) t = std::min(t, sa.out->next);
  if (sa.state == IkeState::Connecting && !sa.authenticated) t = std::min(t, sa.half_open_deadline);
  if (sa.authenticated && sa.state != IkeState::Dead) {
    if (sa.conn && sa.conn->dpd_delay > 0 && !sa.out)
      t = std::min(t, sa.last_rx + std::chrono::seconds(sa.conn->dpd_delay));
    if (sa.nat_local && opts.keepalive_interval > 0) t = std::min(t, sa.next_keepalive);
    if (sa.rekey_at_set) t = std::min(t, sa.rekey_at);
  }
  std::uint64_t spi = sa.local_spi();
  if (auto w = wake_of.find(spi); w != wake_of.end()) {
    if (w->second == t) return;
    wakeups.erase({w->second, spi});
    wake_of.erase(w);
  }
  if (t != Time::max()) {
    wakeups.insert({t, spi});
    wake_of[spi] = t;
  }
}

void IkeManager::Impl::give_up(IkeSa& sa, Time now) {
  const char* what = sa.out ? task_name(sa.out->task.type) : "?";
  log(LogLevel::Warning, &sa, fmt::format("giving up after {} retransmits of {}", sa.out ? sa.out->retransmits : 0, what));
  const conf::ConnConfig* conn = sa.conn;
  bool restart = false;
  if (conn && sa.authenticated) {
    for (const auto& ch : conn->children)
      if (ch.dpd_action == conf::ChildAction::Restart) restart = true;
  }
  std::vector<const conf::ChildConfig*> restart_children;
  if (restart)
    for (const auto& c : sa.children)
      if (c->cfg && c->cfg->dpd_action == conf::ChildAction::Restart) restart_children.push_back(c->cfg);
  auto cfg_hold = sa.cfg;
  destroy(sa, "peer not responding");
  if (conn)
    for (const auto* ch : restart_children) {
      try {
        initiate_ike(*conn, ch, now);
      } catch (const std::exception& e) {
        log(LogLevel::Error, nullptr, "cannot restart " + conn->name + "/" + ch->name + ": " + e.what());
      }
    }
}

void IkeManager::Impl::wake(IkeSa& sa, Time now) {
  if (sa.out && sa.out->next <= now) {
    if (sa.out->retransmits >= opts.retransmit_tries) {
      give_up(sa, now);
      return;
    }
    sa.out->retransmits++;
    stats.retransmits++;
    double secs = opts.retransmit_timeout * std::pow(opts.retransmit_base, sa.out->retransmits);
    sa.out->next = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(secs));
    log(LogLevel::Info, &sa, fmt::format("retransmit {} of request with message ID {}", sa.out->retransmits, sa.out->mid));
    send_datagrams(sa, sa.out->datagrams);
  }
  if (!sa.authenticated && sa.state == IkeState::Connecting && !sa.initiator && sa.half_open_deadline <= now) {
    destroy(sa, "half-open timeout");
    return;
  }
  if (sa.authenticated && sa.state != IkeState::Dead) {
    if (sa.nat_local && opts.keepalive_interval > 0 && sa.next_keepalive <= now) {
      host.send_keepalive(sa.local, sa.remote);
      sa.next_keepalive = now + std::chrono::seconds(opts.keepalive_interval);
    }
    if (sa.conn && sa.conn->dpd_delay > 0 && !sa.out && sa.queue.empty() &&
        sa.last_rx + std::chrono::seconds(sa.conn->dpd_delay) <= now) {
      Task t;
      t.type = TaskType::Dpd;
      queue_task(sa, std::move(t), now);
      // queue_task sends at once (idle): the DPD request is out
      if (!find(sa.local_spi())) return;
    }
    if (sa.rekey_at_set && sa.rekey_at <= now) {
      sa.rekey_at_set = false;
      Task t;
      t.type = TaskType::IkeRekey;
      queue_task(sa, std::move(t), now);
      if (!find(sa.local_spi())) return;
    }
  }
  schedule(sa);
}

// ---------------------------------------------------------------- sending

std::size_t IkeManager::Impl::fragment_len(const IkeSa& sa) const {
  if (!sa.frag_peer || !sa.conn || sa.conn->fragmentation == conf::Fragmentation::No) return 0;
  constexpr std::size_t kIpv4HdrBytes = 20;  // without options
  std::size_t hdr = (sa.remote.addr.version == 6 ? spec::IPV6_HDR_BYTES : kIpv4HdrBytes) + spec::UDP_HDR_BYTES +
                    (sa.local.port == host.nat_port() ? kNonEspMarkerSize : 0);
  return std::max<std::size_t>(opts.fragment_size, hdr + 100) - hdr;
}

void IkeManager::Impl::send_datagrams(IkeSa& sa, const std::vector<Bytes>& d) {
  for (const auto& b : d) {
    host.send(sa.local, sa.remote, b);
    stats.tx++;
  }
}

void IkeManager::Impl::send_request(IkeSa& sa, ExchangeType ex, std::vector<Payload> inner, Task task, Time now) {
  IkeHeader h;
  h.spi_i = sa.spi_i;
  h.spi_r = sa.spi_r;
  h.exchange = ex;
  h.flags = sa.initiator ? flags::kInitiator : 0;
  h.message_id = sa.tx_mid;
  auto sealed = seal_message(h, inner, *sa.tx, fragment_len(sa));
  if (!sealed) {
    log(LogLevel::Error, &sa, "cannot build " + std::string(task_name(task.type)) + " request: " + sealed.error().to_string());
    return;
  }
  Outstanding o;
  o.mid = sa.tx_mid++;
  o.exchange = ex;
  o.datagrams = std::move(sealed.value());
  o.next = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts.retransmit_timeout));
  o.task = std::move(task);
  sa.out = std::move(o);
  send_datagrams(sa, sa.out->datagrams);
  schedule(sa);
}

void IkeManager::Impl::send_response(IkeSa& sa, ExchangeType ex, std::uint32_t mid, std::vector<Payload> inner) {
  IkeHeader h;
  h.spi_i = sa.spi_i;
  h.spi_r = sa.spi_r;
  h.exchange = ex;
  h.flags = static_cast<std::uint8_t>((sa.initiator ? flags::kInitiator : 0) | flags::kResponse);
  h.message_id = mid;
  auto sealed = seal_message(h, inner, *sa.tx, fragment_len(sa));
  if (!sealed) {
    log(LogLevel::Error, &sa, "cannot build response: " + sealed.error().to_string());
    return;
  }
  sa.cached_valid = true;
  sa.cached_mid = mid;
  sa.cached_response = std::move(sealed.value());
  send_datagrams(sa, sa.cached_response);
}

void IkeManager::Impl::queue_task(IkeSa& sa, Task t, Time now) {
  sa.queue.push_back(std::move(t));
  next_task(sa, now);
}

void IkeManager::Impl::next_task(IkeSa& sa, Time now) {
  while (!sa.out && !sa.queue.empty() && sa.authenticated && sa.state != IkeState::Dead) {
    Task t = std::move(sa.queue.front());
    sa.queue.pop_front();
    std::uint64_t spi = sa.local_spi();
    switch (t.type) {
      case TaskType::ChildCreate:
      case TaskType::ChildRekey:
      case TaskType::IkeRekey:
        // Nothing new on an IKE SA that is being deleted or was rekeyed.
        if (sa.state == IkeState::Deleting || sa.rekeyed_by) break;
        start_child_task(sa, t, now);
        break;
      case TaskType::ChildDelete: {
        std::vector<Payload> inner;
        DeletePayload d;
        d.protocol = ProtocolId::ESP;
        d.spi_size = 4;
        for (auto s : t.delete_spis) d.spis.push_back(u32_bytes(s));
        if (!d.spis.empty()) inner.push_back(make_payload(PayloadType::Delete, d));
        send_request(sa, ExchangeType::Informational, std::move(inner), std::move(t), now);
        break;
      }
      case TaskType::IkeDelete: {
        DeletePayload d;
        d.protocol = ProtocolId::IKE;
        d.spi_size = 0;
        sa.state = IkeState::Deleting;
        send_request(sa, ExchangeType::Informational, {make_payload(PayloadType::Delete, d)}, std::move(t), now);
        break;
      }
      case TaskType::Dpd:
        send_request(sa, ExchangeType::Informational, {}, std::move(t), now);
        break;
      case TaskType::IkeInit:
        break;
    }
    if (!find(spi)) return;
  }
  if (find(sa.local_spi())) schedule(sa);
}

// ---------------------------------------------------------------- receiving

void IkeManager::Impl::receive(const Endpoint& local, const Endpoint& remote, const std::uint8_t* data, std::size_t len,
                               Time now) {
  stats.rx++;
  auto hdr = parse_header(data, len);
  if (!hdr) {
    stats.bad_messages++;
    log(LogLevel::Debug, nullptr, "dropped datagram from " + remote.str() + ": " + hdr.error().to_string());
    return;
  }
  const IkeHeader& h = hdr.value();
  Bytes raw(data, data + len);
  if (h.exchange == ExchangeType::IkeSaInit && !h.response() && h.spi_r == 0) {
    auto m = parse(raw);
    if (!m) {
      stats.bad_messages++;
      log(LogLevel::Info, nullptr, "malformed IKE_SA_INIT from " + remote.str() + ": " + m.error().to_string());
      return;
    }
    on_init_request(local, remote, raw, m.value(), now);
    return;
  }
  // Our SPI: the responder's if the sender is the original initiator.
  std::uint64_t ours = h.initiator() ? h.spi_r : h.spi_i;
  IkeSa* sa = find(ours);
  if (!sa || (h.initiator() == sa->initiator)) {
    stats.bad_messages++;
    log(LogLevel::Debug, nullptr, fmt::format("message for unknown IKE SA {}_i {}_r from {}", hex64(h.spi_i),
                                              hex64(h.spi_r), remote.str()));
    return;
  }
  if ((sa->initiator ? sa->spi_r : sa->spi_i) != (sa->initiator ? h.spi_r : h.spi_i) &&
      !(h.exchange == ExchangeType::IkeSaInit && sa->initiator && sa->spi_r == 0)) {
    stats.bad_messages++;
    return;
  }
  if (h.exchange == ExchangeType::IkeSaInit) {
    if (!h.response() || !sa->initiator || !sa->out || sa->out->exchange != ExchangeType::IkeSaInit || h.message_id != 0) {
      stats.bad_messages++;
      return;
    }
    auto m = parse(raw);
    if (!m) {
      stats.bad_messages++;
      log(LogLevel::Info, sa, "malformed IKE_SA_INIT response: " + m.error().to_string());
      return;
    }
    on_init_response(*sa, raw, m.value(), now);
    return;
  }
  if (!sa->rx || !sa->tx) {
    stats.bad_messages++;
    return;
  }
  // Message ID checks before the (costly) decryption.
  if (h.response()) {
    if (!sa->out || sa->out->mid != h.message_id || sa->out->exchange != h.exchange) {
      stats.bad_messages++;
      return;
    }
  } else {
    if (sa->cached_valid && h.message_id == sa->cached_mid) {
      // A retransmitted request: answer again, once the message is authentic.
      auto m = parse(raw);
      if (!m) return;
      const Payload* last = m.value().payloads.empty() ? nullptr : &m.value().payloads.back();
      if (last && last->type == PayloadType::SKF) {
        // Fragments: resend on the first fragment only.
        auto f = last->as<SkfPayload>();
        if (!f || f->number != 1) return;
      } else if (!open_message(raw, m.value(), *sa->rx)) {
        return;
      }
      log(LogLevel::Debug, sa, fmt::format("retransmitting response to message ID {}", h.message_id));
      send_datagrams(*sa, sa->cached_response);
      return;
    }
    if (h.message_id != sa->rx_mid) {
      stats.bad_messages++;
      return;
    }
  }
  auto m = parse(raw);
  if (!m) {
    stats.bad_messages++;
    log(LogLevel::Info, sa, "malformed message: " + m.error().to_string());
    return;
  }
  const auto& ps = m.value().payloads;
  std::vector<Payload> inner;
  if (!ps.empty() && ps.back().type == PayloadType::SKF) {
    auto& defrag = h.response() ? sa->defrag_responses : sa->defrag_requests;
    auto r = defrag.add(raw, m.value(), *sa->rx);
    if (r.state == Defragmenter::State::Dropped) {
      stats.bad_messages++;
      log(LogLevel::Debug, sa, "fragment dropped: " + r.why);
      return;
    }
    if (r.state == Defragmenter::State::Incomplete) return;
    if (r.inner_error) {
      answer_unparsable(*sa, h, *r.inner_error);
      return;
    }
    inner = std::move(r.inner);
  } else if (!ps.empty() && ps.back().type == PayloadType::SK) {
    bool authentic = false;
    auto opened = open_message(raw, m.value(), *sa->rx, &authentic);
    if (!opened) {
      stats.bad_messages++;
      if (authentic) {
        answer_unparsable(*sa, h, opened.error());
        return;
      }
      log(LogLevel::Info, sa, "dropped message: " + opened.error().to_string());
      return;
    }
    inner = std::move(opened.value());
  } else {
    stats.bad_messages++;
    log(LogLevel::Info, sa, "dropped unprotected message");
    return;
  }
  // Authentic from here on.
  sa->last_rx = now;
  if (remote != sa->remote || local != sa->local) peer_address_changed(*sa, local, remote);
  if (h.response())
    on_response(*sa, h, std::move(inner), now);
  else
    on_request(*sa, h, std::move(inner), now);
  if (IkeSa* again = find(ours)) schedule(*again);
}

void IkeManager::Impl::answer_unparsable(IkeSa& sa, const IkeHeader& h, const MsgError& e) {
  // Authentic, but its payloads do not parse (RFC 7296 2.21.2): a request
  // gets the error notify (UNSUPPORTED_CRITICAL_PAYLOAD names the payload
  // type); a response is dropped (our request is retransmitted until the
  // give-up limit, as for a lost one).
  log(LogLevel::Warning, &sa, "authenticated message with bad payloads: " + e.to_string());
  if (h.response()) return;  // the retransmit timer gives up on it
  Bytes data;
  if (e.notify() == NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD) data.push_back(static_cast<std::uint8_t>(e.payload_type));
  send_response(sa, h.exchange, h.message_id, {make_notify(e.notify(), data)});
  sa.rx_mid = h.message_id + 1;
}

void IkeManager::Impl::peer_address_changed(IkeSa& sa, const Endpoint& local, const Endpoint& remote) {
  // RFC 7296 2.23: only the side not behind a NAT follows the peer's new
  // mapping; only the NAT-T port moves.
  if (!sa.nat_remote || local.port != host.nat_port()) return;
  log(LogLevel::Info, &sa, "remote address changed from " + sa.remote.str() + " to " + remote.str());
  sa.remote = remote;
  sa.local = local;
  update_children_addresses(sa);
}

void IkeManager::Impl::on_request(IkeSa& sa, const IkeHeader& h, std::vector<Payload> inner, Time now) {
  switch (h.exchange) {
    case ExchangeType::IkeAuth:
      if (sa.initiator || sa.authenticated) {
        stats.bad_messages++;
        return;
      }
      on_auth_request(sa, h, inner, now);
      break;
    case ExchangeType::CreateChildSa:
      if (!sa.authenticated) return;
      on_child_request(sa, h, inner, now);
      break;
    case ExchangeType::Informational:
      if (!sa.authenticated) return;
      on_info_request(sa, h, inner, now);
      break;
    default:
      stats.bad_messages++;
      return;
  }
}

void IkeManager::Impl::on_response(IkeSa& sa, const IkeHeader& h, std::vector<Payload> inner, Time now) {
  Outstanding o = std::move(*sa.out);
  sa.out.reset();
  std::uint64_t spi = sa.local_spi();
  switch (h.exchange) {
    case ExchangeType::IkeAuth:
      on_auth_response(sa, inner, now);
      break;
    case ExchangeType::CreateChildSa:
      if (o.task.type == TaskType::IkeRekey)
        on_ike_rekey_response(sa, o.task, inner, now);
      else
        on_child_response(sa, o.task, inner, now);
      break;
    case ExchangeType::Informational:
      on_info_response(sa, o.task, inner, now);
      break;
    default:
      break;
  }
  if (IkeSa* again = find(spi)) next_task(*again, now);
}

// ---------------------------------------------------------------- IkeManager

IkeManager::IkeManager(IkeHost& host, std::shared_ptr<const conf::Config> cfg, std::shared_ptr<const CredentialStore> creds,
                       IkeOptions opts)
    : impl_(std::make_unique<Impl>(host, std::move(cfg), std::move(creds), opts)) {
  check_supported(*impl_->cfg);
}

IkeManager::~IkeManager() {
  for (auto& [reqid, t] : impl_->traps) impl_->host.remove_trap(t.handle);
}

void IkeManager::receive(const Endpoint& local, const Endpoint& remote, const std::uint8_t* data, std::size_t len,
                         Time now) {
  // Nothing a peer sends may take the daemon down: a failure below (the
  // card refusing an SPI, OpenSSL failing) drops this message, loudly.
  try {
    impl_->receive(local, remote, data, len, now);
  } catch (const std::exception& e) {
    impl_->stats.bad_messages++;
    impl_->log(LogLevel::Error, nullptr, "message from " + remote.str() + " dropped: " + e.what());
  }
}

void IkeManager::tick(Time now) {
  while (!impl_->wakeups.empty() && impl_->wakeups.begin()->first <= now) {
    auto [t, spi] = *impl_->wakeups.begin();
    impl_->wakeups.erase(impl_->wakeups.begin());
    impl_->wake_of.erase(spi);
    if (IkeSa* sa = impl_->find(spi)) {
      try {
        impl_->wake(*sa, now);
      } catch (const std::exception& e) {
        impl_->log(LogLevel::Error, sa, std::string("timer failed: ") + e.what());
        if (IkeSa* again = impl_->find(spi)) impl_->schedule(*again);
      }
    }
  }
}

Time IkeManager::next_deadline() const {
  return impl_->wakeups.empty() ? Time::max() : impl_->wakeups.begin()->first;
}

IkeStats IkeManager::stats() const {
  IkeStats s = impl_->stats;
  return s;
}

std::size_t IkeManager::ike_sa_count() const { return impl_->sas.size(); }

std::size_t IkeManager::half_open_count() const {
  std::size_t n = 0;
  for (const auto& [spi, sa] : impl_->sas)
    if (!sa->authenticated) n++;
  return n;
}

std::size_t IkeManager::child_sa_count() const {
  std::size_t n = 0;
  for (const auto& [spi, sa] : impl_->sas) n += sa->children.size();
  return n;
}

std::string IkeManager::ike_state(const std::string& conn) const {
  const IkeSa* best = nullptr;
  for (const auto& [spi, sa] : impl_->sas)
    if (sa->conn && sa->conn->name == conn && (!best || sa->uid < best->uid)) best = sa.get();
  return best ? ike_state_name(best->state) : "";
}

std::vector<ChildHandle> IkeManager::child_handles() const {
  std::vector<ChildHandle> r;
  for (const auto& [spi, sa] : impl_->sas)
    for (const auto& c : sa->children) r.push_back(c->handle);
  return r;
}

void IkeManager::sa_expired(runtime::SaId id, bool hard, Time now) {
  for (auto& [spi, sa] : impl_->sas) {
    for (auto& c : sa->children) {
      if (c->handle.in != id && c->handle.out != id) continue;
      if (hard) {
        impl_->log(LogLevel::Info, sa.get(), fmt::format("CHILD_SA {}{{{}}} hard lifetime reached", c->name, c->uid));
        // The runtime removed the expired SA; delete the rest and tell the peer.
        Task t;
        t.type = TaskType::ChildDelete;
        t.delete_spis.push_back(c->spi_in);
        IkeSa& s = *sa;
        impl_->delete_child_local(s, *c, "hard lifetime");
        impl_->queue_task(s, std::move(t), now);
        return;
      }
      if (c->state != ChildState::Installed) return;
      Task t;
      t.type = TaskType::ChildRekey;
      t.child_uid = c->uid;
      impl_->log(LogLevel::Info, sa.get(), fmt::format("CHILD_SA {}{{{}}} soft lifetime reached, rekeying", c->name, c->uid));
      impl_->queue_task(*sa, std::move(t), now);
      return;
    }
  }
}

}  // namespace esp::ike
