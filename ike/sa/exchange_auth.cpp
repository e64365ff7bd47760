// IKE_AUTH (RFC 7296 1.2, 2.15): identities, certificates, AUTH by PSK or
// signature, and the first CHILD_SA.
#include <fmt/format.h>

#include "esp/ike/auth.hpp"
#include "esp/ike/identity.hpp"
#include "esp/ike/signature.hpp"
#include "manager_impl.hpp"
#include "sa_util.hpp"

namespace esp::ike {

using namespace detail;

bool conn_matches_addresses(const conf::ConnConfig& c, const Endpoint& local, const Endpoint& remote, std::uint16_t ike_port,
                            std::uint16_t nat_port);

namespace {

bool is_pubkey(conf::AuthMethod m) { return m != conf::AuthMethod::Psk; }

// Our identity for a connection: configured, else the certificate's subject,
// else our address.
conf::Identity local_identity(const conf::ConnConfig& conn, const CredentialStore& creds, const Endpoint& local) {
  if (!conn.local.id.text.empty() && conn.local.id.type != conf::Identity::Type::Any) return conn.local.id;
  if (is_pubkey(conn.local.auth)) {
    std::string why;
    if (const auto* lc = creds.local(conn.local, &why)) return lc->default_id;
  }
  return conf::Identity::parse(local.addr.str());
}

Bytes signed_octets(const IkeSa& sa, bool as_initiator, const IdPayload& id) {
  const Bytes& msg = as_initiator ? sa.init_request : sa.init_response;
  const Bytes& nonce = as_initiator ? sa.nr : sa.ni;
  const SecretBytes& skp = as_initiator ? sa.keys.sk_pi : sa.keys.sk_pr;
  return auth_signed_octets(*sa.suite.prf, msg, nonce, skp, id_payload_rest(id));
}

SigScheme scheme_for(const PrivateKey& key) {
  if (key.is_rsa()) return SigScheme::RsaPkcs1Sha256;
  auto m = key.ecdsa_auth_method();
  if (m && *m == kAuthMethodEcdsa384) return SigScheme::EcdsaSha384;
  if (m && *m == kAuthMethodEcdsa521) return SigScheme::EcdsaSha512;
  return SigScheme::EcdsaSha256;
}

}  // namespace

// Our ID, CERT and AUTH payloads (appended to `out`); false + *why on failure.
static bool build_auth_payloads(IkeManager::Impl& m, IkeSa& sa, bool as_initiator, std::vector<Payload>& out,
                                std::string* why) {
  const conf::ConnConfig& conn = *sa.conn;
  conf::Identity me = local_identity(conn, *m.creds, sa.local);
  IdPayload id;
  try {
    IdData d;
    std::string ignored;
    const LocalCredential* lc = is_pubkey(conn.local.auth) && conn.local.id.text.empty()
                                    ? m.creds->local(conn.local, &ignored)
                                    : nullptr;
    // The certificate's subject as it is in the certificate (re-encoding the
    // text could change the bytes the peer compares).
    d = lc ? lc->default_id_data : id_payload_for(me);
    id.type = d.type;
    id.data = d.data;
  } catch (const std::exception& e) {
    *why = std::string("local identity: ") + e.what();
    return false;
  }
  sa.local_id = id_text(id.type, id.data);
  out.push_back(make_payload(as_initiator ? PayloadType::IDi : PayloadType::IDr, id));
  Bytes octets = signed_octets(sa, as_initiator, id);
  AuthPayload auth;
  if (conn.local.auth == conf::AuthMethod::Psk) {
    if (as_initiator && sa.peer_id_data.empty()) {
      // The peer's ID is not known yet: the configured one, else its address.
      conf::Identity peer = conn.remote.id;
      if (peer.type == conf::Identity::Type::Any || peer.text.empty() || peer.value.find('*') != std::string::npos)
        peer = conf::Identity::parse(sa.remote.addr.str());
      try {
        IdData d = id_payload_for(peer);
        sa.peer_id_type = d.type;
        sa.peer_id_data = d.data;
      } catch (const std::exception&) {
      }
    }
    const SecretBytes* psk = m.creds->psk(me, sa.peer_id_type, sa.peer_id_data, *sa.cfg);
    if (!psk) {
      *why = "no shared key for '" + sa.local_id + "'";
      return false;
    }
    auth.method = AuthMethod::SharedKeyMic;
    auth.data = psk_auth(*sa.suite.prf, *psk, octets);
  } else {
    const LocalCredential* lc = m.creds->local(conn.local, why);
    if (!lc || !lc->key) {
      if (why->empty()) *why = "no certificate and private key for '" + sa.local_id + "'";
      return false;
    }
    // strongSwan's send_cert = ifasked sends when a CERTREQ came; peers that
    // send none (raw keys aside) still need our certificate, so send it too.
    bool send_cert = conn.send_cert != conf::SendCert::Never;
    if (send_cert) {
      CertPayload c;
      c.encoding = CertEncoding::X509Signature;
      c.data = lc->cert_der;
      out.push_back(make_payload(PayloadType::CERT, c));
      for (const auto& im : lc->intermediates_der) {
        CertPayload ci;
        ci.encoding = CertEncoding::X509Signature;
        ci.data = im;
        out.push_back(make_payload(PayloadType::CERT, ci));
      }
    }
    try {
      if (sa.sig_hash_peer || lc->key->is_rsa()) {
        auth.method = AuthMethod::DigitalSignature;
        auth.data = sign_digital_signature(*lc->key, scheme_for(*lc->key), octets);
      } else {
        auto meth = lc->key->ecdsa_auth_method();
        if (!meth) {
          *why = "private key fits no ECDSA auth method";
          return false;
        }
        auth.method = static_cast<AuthMethod>(*meth);
        auth.data = sign_ecdsa_method(*lc->key, octets);
      }
    } catch (const CryptoError& e) {
      *why = std::string("signing failed: ") + e.what();
      return false;
    }
  }
  // CERT payloads go between ID and AUTH; AUTH last of these.
  out.push_back(make_payload(PayloadType::AUTH, auth));
  return true;
}

// Verifies the peer's ID and AUTH; false + *why when it does not authenticate.
static bool verify_peer_auth(IkeManager::Impl& m, IkeSa& sa, bool peer_is_initiator, const std::vector<Payload>& ps,
                             std::string* why) {
  const conf::ConnConfig& conn = *sa.conn;
  const Payload* id_p = find_payload(ps, peer_is_initiator ? PayloadType::IDi : PayloadType::IDr);
  const Payload* auth_p = find_payload(ps, PayloadType::AUTH);
  if (!id_p || !auth_p) {
    *why = "ID or AUTH payload missing";
    return false;
  }
  const auto* id = id_p->as<IdPayload>();
  const auto* auth = auth_p->as<AuthPayload>();
  sa.peer_id_type = id->type;
  sa.peer_id_data = id->data;
  sa.remote_id = id_text(id->type, id->data);
  if (!id_matches(conn.remote.id, id->type, id->data)) {
    *why = "peer identity '" + sa.remote_id + "' does not match '" + conn.remote.id.text + "'";
    return false;
  }
  Bytes octets = signed_octets(sa, peer_is_initiator, *id);
  if (auth->method == AuthMethod::SharedKeyMic) {
    if (conn.remote.auth != conf::AuthMethod::Psk) {
      *why = "peer used a shared key, we expect a signature";
      return false;
    }
    conf::Identity me = local_identity(conn, *m.creds, sa.local);
    const SecretBytes* psk = m.creds->psk(me, id->type, id->data, *sa.cfg);
    if (!psk) {
      *why = "no shared key for '" + sa.remote_id + "'";
      return false;
    }
    if (!psk_auth_verify(*sa.suite.prf, *psk, octets, auth->data)) {
      *why = "shared key AUTH does not verify";
      return false;
    }
    return true;
  }
  if (conn.remote.auth == conf::AuthMethod::Psk) {
    *why = "peer used a signature, we expect a shared key";
    return false;
  }
  std::vector<Bytes> certs;
  for (const auto* p : find_payloads(ps, PayloadType::CERT)) {
    const auto* c = p->as<CertPayload>();
    if (c->encoding == CertEncoding::X509Signature) certs.push_back(c->data);
  }
  std::optional<PublicKey> key_holder;
  const PublicKey* key = nullptr;
  if (!certs.empty()) {
    auto verdict = m.creds->verify_peer(certs, id->type, id->data, conn.remote, m.host.unix_time());
    if (!verdict.ok || !verdict.key) {
      *why = "certificate of '" + sa.remote_id + "' not accepted: " + verdict.why;
      return false;
    }
    key_holder = std::move(verdict.key);
    key = &*key_holder;
  } else {
    key = m.creds->peer_pubkey(conn.remote);
    if (!key) {
      *why = "peer sent no certificate and no public key is configured";
      return false;
    }
  }
  std::string vwhy;
  bool ok = false;
  if (auth->method == AuthMethod::DigitalSignature) {
    ok = verify_digital_signature(*key, auth->data, octets, &vwhy);
  } else if (auth->method == AuthMethod::EcdsaSha256P256 || auth->method == AuthMethod::EcdsaSha384P384 ||
             auth->method == AuthMethod::EcdsaSha512P521) {
    ok = verify_ecdsa_method(*key, static_cast<std::uint8_t>(auth->method), auth->data, octets, &vwhy);
  } else {
    vwhy = fmt::format("auth method {} not supported", static_cast<unsigned>(auth->method));
  }
  if (!ok) {
    *why = "signature of '" + sa.remote_id + "' does not verify: " + vwhy;
    return false;
  }
  return true;
}

void IkeManager::Impl::send_auth_request(IkeSa& sa, Time now) {
  std::vector<Payload> inner;
  std::string why;
  if (!build_auth_payloads(*this, sa, true, inner, &why)) {
    destroy(sa, why);
    return;
  }
  // IDr (the peer we want) before AUTH, when configured.
  const conf::ConnConfig& conn = *sa.conn;
  if (conn.remote.id.type != conf::Identity::Type::Any && !conn.remote.id.text.empty()) {
    try {
      IdData d = id_payload_for(conn.remote.id);
      IdPayload idr;
      idr.type = d.type;
      idr.data = d.data;
      auto pos = inner.end() - 1;  // before AUTH
      inner.insert(pos, make_payload(PayloadType::IDr, idr));
    } catch (const std::exception&) {
      // a wildcard identity is not sent
    }
  }
  if (is_pubkey(conn.remote.auth) && conn.send_certreq) {
    Bytes cr = creds->certreq_data(conn.remote);
    if (!cr.empty()) {
      CertPayload c;
      c.encoding = CertEncoding::X509Signature;
      c.data = cr;
      inner.insert(inner.end() - 1, make_payload(PayloadType::CERTREQ, c));
    }
  }
  if (opts.send_initial_contact) inner.push_back(make_notify(NotifyType::INITIAL_CONTACT));
  if (sa.first_child) {
    // The first CHILD_SA's offer, kept whole for the response (its nonces
    // are the IKE_SA_INIT's; no KE in IKE_AUTH).
    const conf::ChildConfig& ch = *sa.first_child;
    Task& c = sa.first_child_task;
    c.type = TaskType::ChildCreate;
    c.ike_auth = true;
    c.child_cfg = &ch;
    c.nonce = sa.ni;
    c.spi_in = host.alloc_spi();
    c.offer = make_offer(ch.esp_proposals, ProtocolId::ESP, u32_bytes(c.spi_in), true);
    c.transport = ch.mode == conf::ChildMode::Transport;
    c.offered_local = resolve_ts(ch.local_ts, sa.local.addr);
    c.offered_remote = resolve_ts(ch.remote_ts, sa.remote.addr);
    if (c.transport) inner.push_back(make_notify(NotifyType::USE_TRANSPORT_MODE));
    inner.push_back(make_payload(PayloadType::SA, c.offer));
    inner.push_back(make_payload(PayloadType::TSi, make_ts_payload(c.offered_local)));
    inner.push_back(make_payload(PayloadType::TSr, make_ts_payload(c.offered_remote)));
  }
  Task t;
  t.type = TaskType::IkeInit;
  send_request(sa, ExchangeType::IkeAuth, std::move(inner), std::move(t), now);
}

void IkeManager::Impl::on_auth_request(IkeSa& sa, const IkeHeader& h, const std::vector<Payload>& ps, Time now) {
  const Payload* idi = find_payload(ps, PayloadType::IDi);
  // Pick the connection whose remote identity matches (2.15: the responder
  // chooses its configuration from the initiator's identity).
  if (idi) {
    const auto* id = idi->as<IdPayload>();
    if (!id_matches(sa.conn->remote.id, id->type, id->data)) {
      for (const auto& c : cfg->connections) {
        if (&c == sa.conn || !conn_matches_addresses(c, sa.local, sa.remote, host.ike_port(), host.nat_port())) continue;
        if (!id_matches(c.remote.id, id->type, id->data)) continue;
        if (!select_proposal(c.proposals, sa.suite.as_payload({}), ProtocolId::IKE)) continue;
        sa.conn = &c;
        break;
      }
    }
  }
  for (const auto* p : find_payloads(ps, PayloadType::CERTREQ)) sa.peer_certreq.push_back(p->as<CertPayload>()->data);
  std::string why;
  std::vector<Payload> resp;
  if (!verify_peer_auth(*this, sa, true, ps, &why)) {
    stats.auth_failures++;
    log(LogLevel::Warning, &sa, "authentication of peer failed: " + why);
    send_response(sa, ExchangeType::IkeAuth, h.message_id, {make_notify(NotifyType::AUTHENTICATION_FAILED)});
    sa.rx_mid = h.message_id + 1;
    destroy(sa, "authentication failed");
    return;
  }
  if (!build_auth_payloads(*this, sa, false, resp, &why)) {
    log(LogLevel::Warning, &sa, "cannot authenticate ourselves: " + why);
    send_response(sa, ExchangeType::IkeAuth, h.message_id, {make_notify(NotifyType::AUTHENTICATION_FAILED)});
    destroy(sa, why);
    return;
  }
  sa.authenticated = true;
  sa.state = IkeState::Established;
  log(LogLevel::Info, &sa, fmt::format("IKE_SA established between {}[{}]...{}[{}]", sa.local.str(), sa.local_id,
                                       sa.remote.str(), sa.remote_id));
  if (find_payload(ps, PayloadType::SA))
    respond_child(sa, ps, sa.ni, sa.nr, false, nullptr, resp, now);
  send_response(sa, ExchangeType::IkeAuth, h.message_id, std::move(resp));
  sa.rx_mid = h.message_id + 1;
  established(sa, now);
}

void IkeManager::Impl::on_auth_response(IkeSa& sa, const std::vector<Payload>& ps, Time now) {
  if (auto e = find_notify(ps, NotifyType::AUTHENTICATION_FAILED)) {
    (void)e;
    stats.auth_failures++;
    destroy(sa, "peer refused our authentication (AUTHENTICATION_FAILED)");
    return;
  }
  std::string why;
  if (!verify_peer_auth(*this, sa, false, ps, &why)) {
    stats.auth_failures++;
    log(LogLevel::Warning, &sa, "authentication of peer failed: " + why);
    destroy(sa, "authentication failed");
    return;
  }
  sa.authenticated = true;
  sa.state = IkeState::Established;
  log(LogLevel::Info, &sa, fmt::format("IKE_SA established between {}[{}]...{}[{}]", sa.local.str(), sa.local_id,
                                       sa.remote.str(), sa.remote_id));
  if (sa.first_child) {
    // The SPI now belongs to the CHILD_SA (or is released if it fails).
    Task ct = std::move(sa.first_child_task);
    sa.first_child_task = Task{};
    on_child_response(sa, ct, ps, now);
  }
  established(sa, now);
}

void IkeManager::Impl::established(IkeSa& sa, Time now) {
  stats.ike_established++;
  half_open_by_init.erase({sa.spi_i, sa.remote.str()});
  sa.established = now;
  sa.next_keepalive = now + std::chrono::seconds(opts.keepalive_interval);
  if (sa.conn->rekey_time > 0) {
    std::int64_t secs = static_cast<std::int64_t>(sa.conn->rekey_time);
    if (opts.randomize_rekey && sa.conn->rand_time > 0)
      secs -= static_cast<std::int64_t>(random_u64_nonzero() % (sa.conn->rand_time + 1));
    if (secs < 1) secs = 1;
    sa.rekey_at = now + std::chrono::seconds(secs);
    sa.rekey_at_set = true;
  }
  schedule(sa);
  next_task(sa, now);
}

}  // namespace esp::ike
