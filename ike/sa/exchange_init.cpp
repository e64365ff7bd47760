// IKE_SA_INIT (RFC 7296 1.2): both roles. Cookies (2.6), INVALID_KE_PAYLOAD
// (1.2), NAT detection (2.23), IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383),
// SIGNATURE_HASH_ALGORITHMS (RFC 7427), key derivation (2.14).
#include <fmt/format.h>

#include "manager_impl.hpp"
#include "sa_util.hpp"

namespace esp::ike {

using namespace detail;

namespace {

constexpr std::size_t kNonceLen = 32;
constexpr unsigned kMaxCookieTries = 3;
constexpr unsigned kMaxKeRetries = 3;

// RFC 7427 hash algorithm identifiers we verify with: SHA2-256/384/512.
Bytes signature_hash_algorithms() { return Bytes{0, 2, 0, 3, 0, 4}; }

bool addr_matches(const std::vector<std::string>& list, const runtime::IpAddr& a) {
  for (const auto& s : list) {
    if (s == "%any" || s == "%any4" || s == "%any6" || s == "0.0.0.0/0" || s == "::/0") {
      if (s == "%any4" && a.version != 4) continue;
      if (s == "%any6" && a.version != 6) continue;
      return true;
    }
    try {
      auto ts = runtime::TrafficSelector::parse(s);
      if (ts.contains(a)) return true;
    } catch (const std::exception&) {
      // a host name: not matched by address
    }
  }
  return false;
}

// The IKE_SA_INIT notifies of the peer: NAT detection (2.23; the hashes
// cover the SPIs as the message carried them: spi_r 0 in the request),
// fragmentation and signature-hash support.
void read_init_notifies(IkeSa& sa, const std::vector<Payload>& ps, std::uint64_t spi_r) {
  bool saw_src = false, saw_dst = false, src_match = false, dst_match = false;
  Bytes want_src = natd_hash(sa.spi_i, spi_r, sa.remote), want_dst = natd_hash(sa.spi_i, spi_r, sa.local);
  for (const auto* p : find_payloads(ps, PayloadType::Notify)) {
    const auto* n = p->as<NotifyPayload>();
    if (n->type == NotifyType::NAT_DETECTION_SOURCE_IP) {
      saw_src = true;
      src_match |= n->data == want_src;
    } else if (n->type == NotifyType::NAT_DETECTION_DESTINATION_IP) {
      saw_dst = true;
      dst_match |= n->data == want_dst;
    } else if (n->type == NotifyType::IKEV2_FRAGMENTATION_SUPPORTED) {
      sa.frag_peer = true;
    } else if (n->type == NotifyType::SIGNATURE_HASH_ALGORITHMS) {
      sa.sig_hash_peer = true;
    }
  }
  if (saw_src && saw_dst) {
    sa.nat_remote = !src_match;
    // encap = yes: we behave as if behind a NAT (and our hash made the peer think so).
    sa.nat_local = !dst_match || sa.conn->encap;
  }
}

}  // namespace

void IkeManager::Impl::set_ike_keys(IkeSa& sa, ByteView seed) {
  IkeSuite suite = sa.suite.ike_suite();
  sa.keys = derive_ike_sa_keys(suite, seed, sa.ni, sa.nr, spi_bytes(sa.spi_i), spi_bytes(sa.spi_r));
  auto cipher = [&](const SecretBytes& e, const SecretBytes& a) {
    return std::make_unique<SkCipher>(suite.encr, suite.encr_key_bits, suite.integ, e, a);
  };
  // The original initiator sends with SK_ei/SK_ai, the responder with SK_er/SK_ar.
  auto i_to_r = cipher(sa.keys.sk_ei, sa.keys.sk_ai);
  auto r_to_i = cipher(sa.keys.sk_er, sa.keys.sk_ar);
  sa.tx = std::move(sa.initiator ? i_to_r : r_to_i);
  sa.rx = std::move(sa.initiator ? r_to_i : i_to_r);
  host.export_ike_keys(sa.spi_i, sa.spi_r, suite, sa.keys);
}

bool conn_matches_addresses(const conf::ConnConfig& c, const Endpoint& local, const Endpoint& remote, std::uint16_t ike_port,
                            std::uint16_t nat_port) {
  (void)ike_port;
  (void)nat_port;
  return addr_matches(c.local_addrs, local.addr) && addr_matches(c.remote_addrs, remote.addr);
}

void IkeManager::Impl::initiate_ike(const conf::ConnConfig& conn, const conf::ChildConfig* child, Time now) {
  // The peer: the first remote address that is an address.
  std::optional<runtime::IpAddr> peer;
  for (const auto& r : conn.remote_addrs) {
    try {
      peer = runtime::IpAddr::parse(r);
      break;
    } catch (const std::exception&) {
    }
  }
  if (!peer) throw std::invalid_argument("connection '" + conn.name + "' has no remote address to initiate to");
  IkeSa& sa = create_sa(true, &conn, now);
  sa.remote = Endpoint{*peer, conn.remote_port ? conn.remote_port : host.ike_port()};
  std::optional<runtime::IpAddr> local;
  for (const auto& l : conn.local_addrs) {
    try {
      local = runtime::IpAddr::parse(l);
      break;
    } catch (const std::exception&) {
    }
  }
  sa.local = Endpoint{local ? *local : host.source_for(*peer), host.ike_port()};
  if (sa.remote.port == opts.peer_nat_port) sa.local.port = host.nat_port();
  sa.first_child = child;
  log(LogLevel::Info, &sa, "initiating IKE_SA to " + sa.remote.str());
  send_init_request(sa, now);
}

void IkeManager::Impl::send_init_request(IkeSa& sa, Time now) {
  const conf::ConnConfig& conn = *sa.conn;
  if (sa.ni.empty()) sa.ni = random_bytes(kNonceLen);
  if (sa.ike_offer.empty()) sa.ike_offer = conn.proposals;
  if (!sa.dh) {
    auto g = dh_for_first_ke(sa.ike_offer);
    if (!g) throw std::invalid_argument("connection '" + conn.name + "' has no DH group");
    sa.dh = DhKey::generate(*g);
  }
  Message m;
  m.header.spi_i = sa.spi_i;
  m.header.spi_r = 0;
  m.header.exchange = ExchangeType::IkeSaInit;
  m.header.flags = flags::kInitiator;
  m.header.message_id = 0;
  if (!sa.cookie.empty()) m.payloads.push_back(make_notify(NotifyType::COOKIE, sa.cookie));
  m.payloads.push_back(make_payload(PayloadType::SA, make_offer(sa.ike_offer, ProtocolId::IKE, {})));
  KePayload ke;
  ke.group = static_cast<std::uint16_t>(sa.dh->group());
  ke.data = sa.dh->public_value();
  m.payloads.push_back(make_payload(PayloadType::KE, ke));
  m.payloads.push_back(make_payload(PayloadType::Nonce, NoncePayload{sa.ni}));
  // encap = yes: a source hash that cannot match makes the peer see a NAT (as strongSwan does).
  Bytes src = conn.encap ? random_bytes(20) : natd_hash(sa.spi_i, 0, sa.local);
  m.payloads.push_back(make_notify(NotifyType::NAT_DETECTION_SOURCE_IP, src));
  m.payloads.push_back(make_notify(NotifyType::NAT_DETECTION_DESTINATION_IP, natd_hash(sa.spi_i, 0, sa.remote)));
  if (conn.fragmentation != conf::Fragmentation::No)
    m.payloads.push_back(make_notify(NotifyType::IKEV2_FRAGMENTATION_SUPPORTED));
  m.payloads.push_back(make_notify(NotifyType::SIGNATURE_HASH_ALGORITHMS, signature_hash_algorithms()));
  auto built = build(m);
  if (!built) {
    log(LogLevel::Error, &sa, "cannot build IKE_SA_INIT: " + built.error().to_string());
    destroy(sa, "internal error");
    return;
  }
  sa.init_request = built.value();
  Outstanding o;
  o.mid = 0;
  o.exchange = ExchangeType::IkeSaInit;
  o.datagrams = {sa.init_request};
  o.next = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts.retransmit_timeout));
  o.task.type = TaskType::IkeInit;
  sa.out = std::move(o);
  sa.tx_mid = 1;
  send_datagrams(sa, sa.out->datagrams);
  schedule(sa);
}

void IkeManager::Impl::on_init_response(IkeSa& sa, const Bytes& raw, const Message& m, Time now) {
  const auto& ps = m.payloads;
  if (auto c = find_notify(ps, NotifyType::COOKIE)) {
    if (++sa.cookie_tries > kMaxCookieTries || c->data.empty() || c->data.size() > 64) {
      destroy(sa, "too many cookie requests");
      return;
    }
    log(LogLevel::Info, &sa, "received COOKIE, retrying IKE_SA_INIT");
    sa.cookie = c->data;
    sa.out.reset();
    send_init_request(sa, now);
    return;
  }
  if (auto n = find_notify(ps, NotifyType::INVALID_KE_PAYLOAD)) {
    std::uint16_t g = n->data.size() == 2 ? static_cast<std::uint16_t>(n->data[0] << 8 | n->data[1]) : std::uint16_t{0};
    auto group = dh_group_from_id(g);
    if (!group || !dh_allowed(sa.conn->proposals, g) || sa.out->task.ke_retries >= kMaxKeRetries ||
        (sa.dh && sa.dh->group() == *group)) {
      destroy(sa, fmt::format("peer asks for DH group {} which we do not offer", g));
      return;
    }
    log(LogLevel::Info, &sa, fmt::format("peer wants DH group {}, retrying IKE_SA_INIT", dh_group_name(*group)));
    unsigned tries = sa.out->task.ke_retries + 1;
    sa.dh = DhKey::generate(*group);
    sa.ike_offer = promote_dh(sa.ike_offer, g);
    sa.out.reset();
    send_init_request(sa, now);
    if (sa.out) sa.out->task.ke_retries = tries;
    return;
  }
  if (auto e = find_error_notify(ps)) {
    destroy(sa, fmt::format("IKE_SA_INIT failed: peer sent notify {}", static_cast<unsigned>(e->type)));
    return;
  }
  const Payload* sa_p = find_payload(ps, PayloadType::SA);
  const Payload* ke_p = find_payload(ps, PayloadType::KE);
  const Payload* nr_p = find_payload(ps, PayloadType::Nonce);
  if (!sa_p || !ke_p || !nr_p || m.header.spi_r == 0) {
    stats.bad_messages++;
    log(LogLevel::Info, &sa, "IKE_SA_INIT response lacks SA, KE or Nonce");
    return;  // keep retransmitting: the real response may still come
  }
  auto offered = make_offer(sa.ike_offer, ProtocolId::IKE, {});
  auto check = check_response(offered, *sa_p->as<SaPayload>(), ProtocolId::IKE);
  if (!check.chosen) {
    destroy(sa, "bad proposal in IKE_SA_INIT response: " + check.error);
    return;
  }
  const auto* ke = ke_p->as<KePayload>();
  if (!check.chosen->dh || static_cast<std::uint16_t>(*check.chosen->dh) != ke->group ||
      ke->group != static_cast<std::uint16_t>(sa.dh->group())) {
    destroy(sa, "KE group differs from the chosen proposal's");
    return;
  }
  const auto& nr = nr_p->as<NoncePayload>()->data;
  if (nr.size() < 16 || nr.size() > 256) {
    destroy(sa, "bad responder nonce length");
    return;
  }
  SecretBytes gir;
  try {
    gir = sa.dh->shared_secret(ke->data);
  } catch (const CryptoError& e) {
    destroy(sa, std::string("bad KE from responder: ") + e.what());
    return;
  }
  sa.spi_r = m.header.spi_r;
  sa.nr = nr;
  sa.suite = *check.chosen;
  sa.init_response = raw;
  sa.out.reset();
  read_init_notifies(sa, ps, sa.spi_r);
  for (const auto* p : find_payloads(ps, PayloadType::CERTREQ)) sa.peer_certreq.push_back(p->as<CertPayload>()->data);
  // Keys.
  try {
    set_ike_keys(sa, skeyseed(*sa.suite.prf, sa.ni, sa.nr, gir));
  } catch (const CryptoError& e) {
    destroy(sa, std::string("key derivation failed: ") + e.what());
    return;
  }
  sa.dh.reset();
  if (sa.nat_any() && sa.local.port != host.nat_port()) {
    // 2.23: move to port 4500.
    sa.local.port = host.nat_port();
    sa.remote.port = opts.peer_nat_port;
    log(LogLevel::Info, &sa, "NAT detected, switching to " + sa.remote.str());
  }
  send_auth_request(sa, now);
}

void IkeManager::Impl::on_init_request(const Endpoint& local, const Endpoint& remote, const Bytes& raw, const Message& m,
                                       Time now) {
  const auto& ps = m.payloads;
  std::string key = remote.str();
  if (auto it = half_open_by_init.find({m.header.spi_i, key}); it != half_open_by_init.end()) {
    IkeSa* old = find(it->second);
    if (old && old->init_request_seen == raw && old->cached_valid) {
      send_datagrams(*old, old->cached_response);  // retransmitted request
      return;
    }
    return;  // same SPI, other content: ignore (RFC 7296 2.1)
  }
  std::size_t half_open = 0;
  for (const auto& [spi, s] : sas)
    if (!s->authenticated && !s->initiator) half_open++;
  if (half_open >= opts.half_open_limit) {
    log(LogLevel::Warning, nullptr, "dropping IKE_SA_INIT from " + remote.str() + ": too many half-open IKE SAs");
    return;
  }
  const Payload* sa_p = find_payload(ps, PayloadType::SA);
  const Payload* ke_p = find_payload(ps, PayloadType::KE);
  const Payload* ni_p = find_payload(ps, PayloadType::Nonce);
  if (!sa_p || !ke_p || !ni_p) {
    stats.bad_messages++;
    log(LogLevel::Info, nullptr, "IKE_SA_INIT from " + remote.str() + " lacks SA, KE or Nonce");
    return;
  }
  const Bytes& ni = ni_p->as<NoncePayload>()->data;
  if (ni.size() < 16 || ni.size() > 256) {
    stats.bad_messages++;
    return;
  }
  auto respond_unauth = [&](NotifyType t, Bytes data) {
    Message r;
    r.header.spi_i = m.header.spi_i;
    r.header.spi_r = 0;
    r.header.exchange = ExchangeType::IkeSaInit;
    r.header.flags = flags::kResponse;
    r.header.message_id = 0;
    r.payloads.push_back(make_notify(t, std::move(data)));
    if (auto b = build(r)) {
      host.send(local, remote, b.value());
      stats.tx++;
    }
  };
  if (cookies.required(half_open)) {
    const NotifyPayload* c = find_notify(ps, NotifyType::COOKIE);
    if (!c || !cookies.verify(c->data, ni, m.header.spi_i, remote.addr, host.unix_time())) {
      stats.cookies_sent++;
      respond_unauth(NotifyType::COOKIE, cookies.make(ni, m.header.spi_i, remote.addr, host.unix_time()));
      return;
    }
  }
  // The connection: addresses first, then the proposal.
  const conf::ConnConfig* conn = nullptr;
  std::optional<Chosen> chosen;
  for (const auto& c : cfg->connections) {
    if (!conn_matches_addresses(c, local, remote, host.ike_port(), host.nat_port())) continue;
    SelectOptions so;
    so.ke_group = ke_p->as<KePayload>()->group;
    auto ch = select_proposal(c.proposals, *sa_p->as<SaPayload>(), ProtocolId::IKE, so);
    if (!ch) continue;
    conn = &c;
    chosen = ch;
    break;
  }
  if (!conn) {
    log(LogLevel::Info, nullptr, "no acceptable proposal or connection for IKE_SA_INIT from " + remote.str());
    respond_unauth(NotifyType::NO_PROPOSAL_CHOSEN, {});
    return;
  }
  const auto* ke = ke_p->as<KePayload>();
  if (!chosen->dh) {
    respond_unauth(NotifyType::NO_PROPOSAL_CHOSEN, {});
    return;
  }
  if (!ke_fits(*chosen, ke->group)) {
    std::uint16_t want = static_cast<std::uint16_t>(*chosen->dh);
    log(LogLevel::Info, nullptr,
        fmt::format("KE group {} from {} not acceptable, asking for {}", ke->group, remote.str(), want));
    respond_unauth(NotifyType::INVALID_KE_PAYLOAD,
                   Bytes{static_cast<std::uint8_t>(want >> 8), static_cast<std::uint8_t>(want)});
    return;
  }
  IkeSa& sa = create_sa(false, conn, now);
  sa.spi_i = m.header.spi_i;
  sa.local = local;
  sa.remote = remote;
  sa.suite = *chosen;
  sa.ni = ni;
  sa.nr = random_bytes(kNonceLen);
  sa.init_request = raw;
  sa.init_request_seen = raw;
  half_open_by_init[{sa.spi_i, key}] = sa.spi_r;
  read_init_notifies(sa, ps, 0);
  SecretBytes gir;
  try {
    DhKey dh = DhKey::generate(*chosen->dh);
    gir = dh.shared_secret(ke->data);
    sa.dh = std::move(dh);
  } catch (const CryptoError& e) {
    log(LogLevel::Info, &sa, std::string("bad KE: ") + e.what());
    respond_unauth(NotifyType::INVALID_SYNTAX, {});
    destroy(sa, "bad KE");
    return;
  }
  Message r;
  r.header.spi_i = sa.spi_i;
  r.header.spi_r = sa.spi_r;
  r.header.exchange = ExchangeType::IkeSaInit;
  r.header.flags = flags::kResponse;
  r.header.message_id = 0;
  r.payloads.push_back(make_payload(PayloadType::SA, chosen->as_payload({})));
  KePayload our_ke;
  our_ke.group = static_cast<std::uint16_t>(sa.dh->group());
  our_ke.data = sa.dh->public_value();
  r.payloads.push_back(make_payload(PayloadType::KE, our_ke));
  r.payloads.push_back(make_payload(PayloadType::Nonce, NoncePayload{sa.nr}));
  Bytes src = conn->encap ? random_bytes(20) : natd_hash(sa.spi_i, sa.spi_r, local);
  r.payloads.push_back(make_notify(NotifyType::NAT_DETECTION_SOURCE_IP, src));
  r.payloads.push_back(make_notify(NotifyType::NAT_DETECTION_DESTINATION_IP, natd_hash(sa.spi_i, sa.spi_r, remote)));
  if (conn->fragmentation != conf::Fragmentation::No && sa.frag_peer)
    r.payloads.push_back(make_notify(NotifyType::IKEV2_FRAGMENTATION_SUPPORTED));
  r.payloads.push_back(make_notify(NotifyType::SIGNATURE_HASH_ALGORITHMS, signature_hash_algorithms()));
  if (conn->remote.auth != conf::AuthMethod::Psk && conn->send_certreq) {
    Bytes cr = creds->certreq_data(conn->remote);
    if (!cr.empty()) {
      CertPayload c;
      c.encoding = CertEncoding::X509Signature;
      c.data = cr;
      r.payloads.push_back(make_payload(PayloadType::CERTREQ, c));
    }
  }
  auto built = build(r);
  if (!built) {
    destroy(sa, "cannot build IKE_SA_INIT response");
    return;
  }
  try {
    set_ike_keys(sa, skeyseed(*sa.suite.prf, sa.ni, sa.nr, gir));
  } catch (const CryptoError& e) {
    destroy(sa, std::string("key derivation failed: ") + e.what());
    return;
  }
  sa.dh.reset();
  sa.init_response = built.value();
  sa.rx_mid = 1;
  sa.cached_valid = true;
  sa.cached_mid = 0;
  sa.cached_response = {sa.init_response};
  log(LogLevel::Info, &sa, fmt::format("{} is initiating an IKE_SA, {}", remote.str(), sa.suite.str()));
  send_datagrams(sa, sa.cached_response);
  schedule(sa);
}

}  // namespace esp::ike
