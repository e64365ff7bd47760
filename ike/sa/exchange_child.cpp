// CHILD_SAs (RFC 7296 1.3.1, 1.3.3, 2.8, 2.17): creation in IKE_AUTH and
// CREATE_CHILD_SA, rekeying with optional PFS and the collisions of 2.8.1,
// installation into the card through the host.
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>

#include "esp/ike/wireshark_keys.hpp"
#include "manager_impl.hpp"
#include "sa_util.hpp"

namespace esp::ike {

using namespace detail;

namespace {

constexpr std::size_t kChildNonceLen = 32;

std::string ts_list(const std::vector<runtime::TrafficSelector>& v) {
  std::string s;
  for (const auto& t : v) s += (s.empty() ? "" : " ") + t.str();
  return s;
}

// The card's window: a power of two from 64 bits (the configured
// replay_window rounded up).
std::uint32_t window_bits_for(std::uint32_t w) {
  std::uint32_t b = spec::MIN_WINDOW_BITS;
  while (b < w && b < spec::MAX_WINDOW_BITS) b <<= 1;
  return b;
}

Bytes addr_bytes(const runtime::IpAddr& a) {
  return Bytes(a.bytes.begin(), a.bytes.begin() + (a.version == 6 ? 16 : 4));
}

bool lower(const Bytes& a, const Bytes& b) { return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end()); }
const Bytes& min_nonce(const Bytes& a, const Bytes& b) { return lower(a, b) ? a : b; }

}  // namespace

ChildSa* IkeManager::Impl::install_child(IkeSa& sa, const conf::ChildConfig& cfg_child, const Chosen& chosen,
                                         std::uint32_t spi_in, std::uint32_t spi_out, bool we_initiated, ByteView ni,
                                         ByteView nr, std::optional<ByteView> g_ir, const Narrowed& ts, bool transport,
                                         const ChildSa* rekey_of, Time now) {
  ChildSuite suite = chosen.child_suite();
  ChildSaKeys keys = derive_child_sa_keys(*sa.suite.prf, suite, sa.keys.sk_d, ni, nr, g_ir);
  const ChildDirKeys& kin = we_initiated ? keys.r_to_i : keys.i_to_r;
  const ChildDirKeys& kout = we_initiated ? keys.i_to_r : keys.r_to_i;
  std::uint32_t reqid = reqid_for(*sa.conn, cfg_child);
  std::int64_t rekey = static_cast<std::int64_t>(cfg_child.rekey_time);
  if (opts.randomize_rekey && cfg_child.rand_time > 0 && rekey > 0)
    rekey -= static_cast<std::int64_t>(random_u64_nonzero() % (cfg_child.rand_time + 1));
  if (cfg_child.rekey_time > 0 && rekey < 1) rekey = 1;
  auto make = [&](runtime::Direction dir, std::uint32_t spi, const ChildDirKeys& k) {
    runtime::SaConfig c;
    c.spi = spi;
    c.direction = dir;
    c.mode = transport ? spec::Mode::TRANSPORT : spec::Mode::TUNNEL;
    c.esn = chosen.esn;
    c.udp_encap = sa.nat_any();
    c.gmac = suite.encr == EncrId::NullAuthAesGmac;
    std::size_t klen = k.encr.size() - kAeadSaltLen;
    c.key.assign(k.encr.data(), k.encr.data() + klen);
    std::copy(k.encr.data() + klen, k.encr.data() + k.encr.size(), c.salt.begin());
    c.icv_len = 16;
    c.window_bits = window_bits_for(cfg_child.replay_window);
    bool in = dir == runtime::Direction::Inbound;
    c.tun_src = in ? sa.remote.addr : sa.local.addr;
    c.tun_dst = in ? sa.local.addr : sa.remote.addr;
    c.udp_sport = in ? sa.remote.port : sa.local.port;
    c.udp_dport = in ? sa.local.port : sa.remote.port;
    c.soft = runtime::Lifetime{cfg_child.rekey_bytes, cfg_child.rekey_packets, static_cast<std::uint64_t>(std::max<std::int64_t>(rekey, 0))};
    c.hard = runtime::Lifetime{cfg_child.life_bytes, cfg_child.life_packets, cfg_child.life_time};
    c.reqid = reqid;
    if (in) {
      c.src_ts = ts.remote;
      c.dst_ts = ts.local;
    }
    return c;
  };
  ChildInstall ci;
  ci.name = cfg_child.name;
  ci.reqid = reqid;
  ci.in = make(runtime::Direction::Inbound, spi_in, kin);
  ci.out = make(runtime::Direction::Outbound, spi_out, kout);
  ci.local_ts = ts.local;
  ci.remote_ts = ts.remote;
  ChildHandle handle;
  try {
    handle = host.install_child(ci, rekey_of == nullptr);
  } catch (const std::exception& e) {
    OPENSSL_cleanse(ci.in.key.data(), ci.in.key.size());
    OPENSSL_cleanse(ci.out.key.data(), ci.out.key.size());
    log(LogLevel::Warning, &sa, fmt::format("unable to install CHILD_SA {}: {}", cfg_child.name, e.what()));
    return nullptr;
  }
  OPENSSL_cleanse(ci.in.key.data(), ci.in.key.size());
  OPENSSL_cleanse(ci.out.key.data(), ci.out.key.size());
  EspSaKeyRecord rin{addr_bytes(sa.remote.addr), addr_bytes(sa.local.addr), spi_in, suite};
  EspSaKeyRecord rout{addr_bytes(sa.local.addr), addr_bytes(sa.remote.addr), spi_out, suite};
  host.export_esp_keys(rin, kin);
  host.export_esp_keys(rout, kout);
  auto c = std::make_unique<ChildSa>();
  c->uid = next_uid++;
  c->name = cfg_child.name;
  c->cfg = &cfg_child;
  c->reqid = reqid;
  c->spi_in = spi_in;
  c->spi_out = spi_out;
  c->suite = chosen;
  c->transport = transport;
  c->encap = sa.nat_any();
  c->local_ts = ts.local;
  c->remote_ts = ts.remote;
  c->handle = handle;
  c->installed = now;
  c->rekey_after = rekey;
  c->life_after = static_cast<std::int64_t>(cfg_child.life_time);
  ChildSa* raw = c.get();
  sa.children.push_back(std::move(c));
  if (rekey_of)
    if (ChildSa* o = sa.child_by_uid(rekey_of->uid)) host.move_policies(o->handle, raw->handle);
  stats.child_installed++;
  log(LogLevel::Info, &sa,
      fmt::format("CHILD_SA {}{{{}}} established with SPIs {}_i {}_o and TS {} === {}", raw->name, raw->uid,
                  hex32(spi_in), hex32(spi_out), ts_list(ts.local), ts_list(ts.remote)));
  return raw;
}

void IkeManager::Impl::delete_child_local(IkeSa& sa, ChildSa& c, const std::string& why) {
  host.delete_child(c.handle);
  log(LogLevel::Info, &sa, fmt::format("CHILD_SA {}{{{}}} with SPIs {}_i {}_o deleted ({})", c.name, c.uid, hex32(c.spi_in),
                                       hex32(c.spi_out), why));
  sa.remove_child(c.uid);
}

void IkeManager::Impl::queue_child_delete(IkeSa& sa, std::uint32_t spi_in, std::uint64_t child_uid) {
  // Queued, not started: the caller is inside a response, after which the
  // manager starts the next task.
  Task d;
  d.type = TaskType::ChildDelete;
  d.delete_spis.push_back(spi_in);
  d.child_uid = child_uid;
  sa.queue.push_back(std::move(d));
}

void IkeManager::Impl::update_children_addresses(IkeSa& sa) {
  for (auto& c : sa.children) {
    runtime::SaUpdate in, out;
    in.tun_src = sa.remote.addr;
    in.tun_dst = sa.local.addr;
    in.udp_encap = sa.nat_any();
    in.udp_sport = sa.remote.port;
    in.udp_dport = sa.local.port;
    out.tun_src = sa.local.addr;
    out.tun_dst = sa.remote.addr;
    out.udp_encap = sa.nat_any();
    out.udp_sport = sa.local.port;
    out.udp_dport = sa.remote.port;
    host.update_child(c->handle, in, out);
    c->encap = sa.nat_any();
  }
}

void IkeManager::Impl::start_child_task(IkeSa& sa, Task& t, Time now) {
  std::vector<Payload> inner;
  if (t.type == TaskType::IkeRekey) {
    if (sa.state != IkeState::Established) return;
    t.new_spi = random_spi();
    t.offer = make_offer(sa.conn->proposals, ProtocolId::IKE, spi_bytes(t.new_spi));
    t.nonce = random_bytes(kChildNonceLen);
    // Keep the group in use when we offer it, else our first.
    std::optional<DhGroup> g = sa.suite.dh;
    if (!g || !dh_allowed(sa.conn->proposals, static_cast<std::uint16_t>(*g))) g = dh_for_first_ke(sa.conn->proposals);
    if (!g) return;
    t.dh = DhKey::generate(*g);
    inner.push_back(make_payload(PayloadType::SA, t.offer));
    inner.push_back(make_payload(PayloadType::Nonce, NoncePayload{t.nonce}));
    inner.push_back(make_payload(PayloadType::KE, KePayload{static_cast<std::uint16_t>(t.dh->group()), t.dh->public_value()}));
    sa.state = IkeState::Rekeying;
    log(LogLevel::Info, &sa, "rekeying IKE_SA");
    send_request(sa, ExchangeType::CreateChildSa, std::move(inner), std::move(t), now);
    return;
  }
  const conf::ChildConfig* cc = t.child_cfg;
  ChildSa* old = nullptr;
  if (t.type == TaskType::ChildRekey) {
    old = sa.child_by_uid(t.child_uid);
    if (!old || old->state != ChildState::Installed) return;  // deleted or already rekeyed meanwhile
    cc = old->cfg;
    old->state = ChildState::Rekeying;
    inner.push_back(make_notify(NotifyType::REKEY_SA, {}, ProtocolId::ESP, u32_bytes(old->spi_in)));
  }
  if (!cc) return;
  t.child_cfg = cc;
  t.spi_in = host.alloc_spi();
  t.nonce = random_bytes(kChildNonceLen);
  t.offer = make_offer(cc->esp_proposals, ProtocolId::ESP, u32_bytes(t.spi_in));
  t.transport = cc->mode == conf::ChildMode::Transport;
  if (old) {
    t.offered_local = old->local_ts;
    t.offered_remote = old->remote_ts;
  } else {
    t.offered_local = resolve_ts(cc->local_ts, sa.local.addr);
    t.offered_remote = resolve_ts(cc->remote_ts, sa.remote.addr);
  }
  if (t.transport) inner.push_back(make_notify(NotifyType::USE_TRANSPORT_MODE));
  inner.push_back(make_payload(PayloadType::SA, t.offer));
  inner.push_back(make_payload(PayloadType::Nonce, NoncePayload{t.nonce}));
  if (!t.dh) {
    auto g = dh_for_first_ke(cc->esp_proposals);
    if (g) t.dh = DhKey::generate(*g);
  }
  if (t.dh) inner.push_back(make_payload(PayloadType::KE, KePayload{static_cast<std::uint16_t>(t.dh->group()), t.dh->public_value()}));
  inner.push_back(make_payload(PayloadType::TSi, make_ts_payload(t.offered_local)));
  inner.push_back(make_payload(PayloadType::TSr, make_ts_payload(t.offered_remote)));
  log(LogLevel::Info, &sa, fmt::format("{} CHILD_SA {}", old ? "rekeying" : "establishing", cc->name));
  send_request(sa, ExchangeType::CreateChildSa, std::move(inner), std::move(t), now);
}

void IkeManager::Impl::on_child_response(IkeSa& sa, Task& t, const std::vector<Payload>& ps, Time now) {
  ChildSa* old = t.type == TaskType::ChildRekey ? sa.child_by_uid(t.child_uid) : nullptr;
  auto fail = [&](const std::string& why) {
    log(LogLevel::Warning, &sa, fmt::format("CHILD_SA {} {} failed: {}", t.child_cfg ? t.child_cfg->name : "?",
                                            old ? "rekey" : "setup", why));
    if (t.spi_in) host.release_spi(t.spi_in);
    if (old && old->state == ChildState::Rekeying) old->state = ChildState::Installed;
  };
  if (auto n = find_notify(ps, NotifyType::INVALID_KE_PAYLOAD); n && !t.ike_auth) {
    std::uint16_t g = n->data.size() == 2 ? static_cast<std::uint16_t>(n->data[0] << 8 | n->data[1]) : std::uint16_t{0};
    auto group = dh_group_from_id(g);
    if (group && t.child_cfg && dh_allowed(t.child_cfg->esp_proposals, g) && t.ke_retries < 2) {
      Task again;
      again.type = t.type;
      again.child_cfg = t.child_cfg;
      again.child_uid = t.child_uid;
      again.ke_retries = t.ke_retries + 1;
      again.dh = DhKey::generate(*group);
      if (t.spi_in) host.release_spi(t.spi_in);
      if (old) old->state = ChildState::Installed;
      sa.queue.push_front(std::move(again));
      return;
    }
    fail("INVALID_KE_PAYLOAD");
    return;
  }
  if (auto e = find_error_notify(ps)) {
    fail(fmt::format("peer sent notify {}", static_cast<unsigned>(e->type)));
    return;
  }
  const Payload* sa_p = find_payload(ps, PayloadType::SA);
  const Payload* tsi = find_payload(ps, PayloadType::TSi);
  const Payload* tsr = find_payload(ps, PayloadType::TSr);
  const Payload* nr_p = find_payload(ps, PayloadType::Nonce);
  if (!sa_p || !tsi || !tsr || (!t.ike_auth && !nr_p)) {
    fail("SA, Nonce or TS payload missing");
    return;
  }
  auto check = check_response(t.offer, *sa_p->as<SaPayload>(), ProtocolId::ESP);
  if (!check.chosen) {
    fail("bad proposal: " + check.error);
    return;
  }
  Chosen chosen = *check.chosen;
  std::optional<SecretBytes> gir;
  if (chosen.dh) {
    const Payload* ke_p = find_payload(ps, PayloadType::KE);
    if (!t.dh || !ke_p || ke_p->as<KePayload>()->group != static_cast<std::uint16_t>(t.dh->group())) {
      fail("KE missing or of another group");
      return;
    }
    try {
      gir = t.dh->shared_secret(ke_p->as<KePayload>()->data);
    } catch (const CryptoError& e) {
      fail(std::string("bad KE: ") + e.what());
      return;
    }
  }
  std::string why;
  auto narrowed = check_initiator(t.offered_local, t.offered_remote, *tsi->as<TsPayload>(), *tsr->as<TsPayload>(), &why);
  if (!narrowed) {
    fail("traffic selectors: " + why);
    return;
  }
  bool transport = t.transport && find_notify(ps, NotifyType::USE_TRANSPORT_MODE) != nullptr;
  if (chosen.spi.size() != 4) {
    fail("bad SPI size");
    return;
  }
  const Bytes& nr = t.ike_auth ? sa.nr : nr_p->as<NoncePayload>()->data;
  std::optional<ByteView> gv;
  if (gir) gv = ByteView(*gir);
  ChildSa* c = install_child(sa, *t.child_cfg, chosen, t.spi_in, be32(chosen.spi), true, t.nonce, nr, gv, *narrowed,
                             transport, old, now);
  if (!c) {
    if (t.spi_in) host.release_spi(t.spi_in);
    // The peer installed its half: tell it to delete (by the SPI it sends to).
    queue_child_delete(sa, t.spi_in);
    if (old) old->state = ChildState::Installed;
    return;
  }
  if (t.type == TaskType::ChildRekey && (!old || t.aborted)) {
    // The SA we rekeyed was deleted meanwhile: the new one goes too.
    c->state = ChildState::Deleting;
    queue_child_delete(sa, c->spi_in, c->uid);
    return;
  }
  if (!old) return;
  // Rekey done; collision resolution (2.8.1) if the peer rekeyed the same SA.
  if (t.collided_child) {
    const Bytes& ours_low = min_nonce(t.nonce, nr);
    if (lower(ours_low, t.peer_exchange_nonces_low)) {
      // Our new SA is redundant: we delete it, the peer deletes the old one.
      log(LogLevel::Info, &sa, "CHILD_SA rekey collision lost, deleting the redundant SA");
      c->state = ChildState::Deleting;
      queue_child_delete(sa, c->spi_in, c->uid);
      old->state = ChildState::Rekeyed;
      return;
    }
    log(LogLevel::Info, &sa, "CHILD_SA rekey collision won");
    // The peer's SA took the policies when it was installed; ours keeps them.
    if (ChildSa* b = sa.child_by_uid(t.collided_child)) host.move_policies(b->handle, c->handle);
  }
  old->state = ChildState::Deleting;
  queue_child_delete(sa, old->spi_in, old->uid);
}

ChildSa* IkeManager::Impl::respond_child(IkeSa& sa, const std::vector<Payload>& req, ByteView ni, ByteView nr,
                                         bool in_create_child, const ChildSa* rekey_of, std::vector<Payload>& resp,
                                         Time now) {
  const Payload* sa_p = find_payload(req, PayloadType::SA);
  const Payload* tsi = find_payload(req, PayloadType::TSi);
  const Payload* tsr = find_payload(req, PayloadType::TSr);
  const Payload* ke_p = find_payload(req, PayloadType::KE);
  if (!sa_p || !tsi || !tsr) {
    resp.push_back(make_notify(NotifyType::INVALID_SYNTAX));
    return nullptr;
  }
  bool want_transport = find_notify(req, NotifyType::USE_TRANSPORT_MODE) != nullptr;
  const conf::ChildConfig* cc = nullptr;
  std::optional<Narrowed> narrowed;
  std::optional<Chosen> chosen;
  bool ts_ok = false;
  auto try_child = [&](const conf::ChildConfig& ch) {
    auto n = narrow_responder(resolve_ts(ch.local_ts, sa.local.addr), resolve_ts(ch.remote_ts, sa.remote.addr),
                              *tsi->as<TsPayload>(), *tsr->as<TsPayload>());
    if (!n) return false;
    ts_ok = true;
    SelectOptions so;
    so.skip_dh = !in_create_child;  // no PFS in IKE_AUTH
    if (ke_p) so.ke_group = ke_p->as<KePayload>()->group;
    auto c = select_proposal(ch.esp_proposals, *sa_p->as<SaPayload>(), ProtocolId::ESP, so);
    if (!c) return false;
    cc = &ch;
    narrowed = std::move(n);
    chosen = std::move(c);
    return true;
  };
  if (rekey_of && rekey_of->cfg) {
    try_child(*rekey_of->cfg);
  } else {
    for (const auto& ch : sa.conn->children)
      if (try_child(ch)) break;
  }
  if (!cc) {
    NotifyType n = ts_ok ? NotifyType::NO_PROPOSAL_CHOSEN : NotifyType::TS_UNACCEPTABLE;
    log(LogLevel::Info, &sa, ts_ok ? "no acceptable ESP proposal" : "traffic selectors unacceptable");
    resp.push_back(make_notify(n));
    return nullptr;
  }
  if (want_transport && cc->mode != conf::ChildMode::Transport) want_transport = false;
  if (cc->mode == conf::ChildMode::Transport && !want_transport) {
    resp.push_back(make_notify(NotifyType::NO_PROPOSAL_CHOSEN));
    return nullptr;
  }
  if (want_transport && !transport_ok(*narrowed, sa.local.addr, sa.remote.addr)) {
    resp.push_back(make_notify(NotifyType::TS_UNACCEPTABLE));
    return nullptr;
  }
  std::optional<DhKey> dh;
  std::optional<SecretBytes> gir;
  if (chosen->dh) {
    const auto* ke = ke_p ? ke_p->as<KePayload>() : nullptr;
    if (!ke || !ke_fits(*chosen, ke->group)) {
      std::uint16_t want = static_cast<std::uint16_t>(*chosen->dh);
      resp.push_back(make_notify(NotifyType::INVALID_KE_PAYLOAD,
                                 Bytes{static_cast<std::uint8_t>(want >> 8), static_cast<std::uint8_t>(want)}));
      return nullptr;
    }
    try {
      dh = DhKey::generate(*chosen->dh);
      gir = dh->shared_secret(ke->data);
    } catch (const CryptoError& e) {
      resp.push_back(make_notify(NotifyType::INVALID_SYNTAX));
      return nullptr;
    }
  }
  if (chosen->spi.size() != 4) {
    resp.push_back(make_notify(NotifyType::INVALID_SYNTAX));
    return nullptr;
  }
  std::uint32_t spi_out = be32(chosen->spi);
  std::uint32_t spi_in = host.alloc_spi();
  std::optional<ByteView> gv;
  if (gir) gv = ByteView(*gir);
  ChildSa* c = install_child(sa, *cc, *chosen, spi_in, spi_out, false, ni, nr, gv, *narrowed, want_transport, rekey_of, now);
  if (!c) {
    host.release_spi(spi_in);
    resp.push_back(make_notify(NotifyType::NO_ADDITIONAL_SAS));
    return nullptr;
  }
  if (want_transport) resp.push_back(make_notify(NotifyType::USE_TRANSPORT_MODE));
  resp.push_back(make_payload(PayloadType::SA, chosen->as_payload(u32_bytes(spi_in))));
  if (in_create_child) {
    resp.push_back(make_payload(PayloadType::Nonce, NoncePayload{Bytes(nr.begin(), nr.end())}));
    if (dh) resp.push_back(make_payload(PayloadType::KE, KePayload{static_cast<std::uint16_t>(dh->group()), dh->public_value()}));
  }
  resp.push_back(make_payload(PayloadType::TSi, make_ts_payload(narrowed->remote)));
  resp.push_back(make_payload(PayloadType::TSr, make_ts_payload(narrowed->local)));
  return c;
}

void IkeManager::Impl::on_child_request(IkeSa& sa, const IkeHeader& h, const std::vector<Payload>& ps, Time now) {
  const Payload* sa_p = find_payload(ps, PayloadType::SA);
  if (sa_p && !sa_p->as<SaPayload>()->proposals.empty() &&
      sa_p->as<SaPayload>()->proposals.front().protocol == ProtocolId::IKE) {
    on_ike_rekey_request(sa, h, ps, now);
    return;
  }
  std::vector<Payload> resp;
  auto respond = [&] {
    send_response(sa, ExchangeType::CreateChildSa, h.message_id, std::move(resp));
    sa.rx_mid = h.message_id + 1;
  };
  if (sa.state != IkeState::Established && sa.state != IkeState::Rekeying) {
    resp.push_back(make_notify(NotifyType::TEMPORARY_FAILURE));
    respond();
    return;
  }
  const Payload* ni_p = find_payload(ps, PayloadType::Nonce);
  if (!ni_p || ni_p->as<NoncePayload>()->data.size() < 16) {
    resp.push_back(make_notify(NotifyType::INVALID_SYNTAX));
    respond();
    return;
  }
  const Bytes& ni = ni_p->as<NoncePayload>()->data;
  ChildSa* old = nullptr;
  if (auto r = find_notify(ps, NotifyType::REKEY_SA)) {
    if (r->spi.size() == 4) old = sa.child_by_spi_out(be32(r->spi));
    if (!old || old->state == ChildState::Deleting || old->state == ChildState::Rekeyed) {
      resp.push_back(make_notify(NotifyType::CHILD_SA_NOT_FOUND, {}, ProtocolId::ESP, r->spi));
      respond();
      return;
    }
  }
  Bytes nr = random_bytes(kChildNonceLen);
  ChildSa* c = respond_child(sa, ps, ni, nr, true, old, resp, now);
  respond();
  if (!c || !old) return;
  // Collision: our own rekey of the same SA is outstanding.
  if (sa.out && sa.out->task.type == TaskType::ChildRekey && sa.out->task.child_uid == old->uid) {
    sa.out->task.collided_child = c->uid;
    sa.out->task.peer_exchange_nonces_low = min_nonce(ni, nr);
    return;
  }
  old->state = ChildState::Rekeyed;  // the peer deletes it
}

}  // namespace esp::ike
