// IKE SA rekey (RFC 7296 1.3.2, 2.18): a CREATE_CHILD_SA with an IKE
// proposal; the CHILD_SAs move to the new IKE SA and the rekey's initiator
// deletes the old one. Simultaneous rekeys (2.8.2): the IKE SA made with the
// lowest nonce is redundant and deleted by whoever made it.
#include <fmt/format.h>

#include <algorithm>

#include "manager_impl.hpp"
#include "sa_util.hpp"

namespace esp::ike {

using namespace detail;

namespace {

constexpr std::size_t kRekeyNonceLen = 32;

}  // namespace

// The new IKE SA of a rekey; `initiator`: we started the rekey exchange.
static IkeSa* make_rekeyed(IkeManager::Impl& m, IkeSa& old, bool initiator, std::uint64_t our_spi, std::uint64_t peer_spi,
                           const Chosen& chosen, ByteView gir, const Bytes& ni, const Bytes& nr, Time now) {
  auto sa = std::make_unique<IkeSa>();
  sa->uid = m.next_uid++;
  sa->cfg = old.cfg;
  sa->conn = old.conn;
  sa->initiator = initiator;
  sa->spi_i = initiator ? our_spi : peer_spi;
  sa->spi_r = initiator ? peer_spi : our_spi;
  sa->state = IkeState::Established;
  sa->authenticated = true;
  sa->local = old.local;
  sa->remote = old.remote;
  sa->nat_local = old.nat_local;
  sa->nat_remote = old.nat_remote;
  sa->suite = chosen;
  sa->frag_peer = old.frag_peer;
  sa->sig_hash_peer = old.sig_hash_peer;
  sa->local_id = old.local_id;
  sa->remote_id = old.remote_id;
  sa->peer_id_type = old.peer_id_type;
  sa->peer_id_data = old.peer_id_data;
  sa->ni = ni;
  sa->nr = nr;
  sa->created = now;
  sa->last_rx = now;
  try {
    m.set_ike_keys(*sa, skeyseed_rekey(*old.suite.prf, old.keys.sk_d, gir, ni, nr));
  } catch (const CryptoError& e) {
    m.log(LogLevel::Warning, &old, std::string("IKE rekey key derivation failed: ") + e.what());
    return nullptr;
  }
  for (auto& c : old.children) sa->children.push_back(std::move(c));
  old.children.clear();
  old.rekeyed_by = sa->uid;
  IkeSa* raw = sa.get();
  m.sas.emplace(our_spi, std::move(sa));
  m.log(LogLevel::Info, raw, fmt::format("IKE_SA rekeyed: {}_i {}_r, {}", hex64(raw->spi_i), hex64(raw->spi_r), chosen.str()));
  m.established(*raw, now);
  m.stats.ike_established--;  // a rekey is not a new setup
  return raw;
}

void IkeManager::Impl::on_ike_rekey_request(IkeSa& sa, const IkeHeader& h, const std::vector<Payload>& ps, Time now) {
  std::vector<Payload> resp;
  auto respond = [&] {
    send_response(sa, ExchangeType::CreateChildSa, h.message_id, std::move(resp));
    sa.rx_mid = h.message_id + 1;
  };
  bool our_rekey = sa.out && sa.out->task.type == TaskType::IkeRekey;
  if ((sa.out && !our_rekey) || sa.state == IkeState::Deleting || sa.rekeyed_by) {
    resp.push_back(make_notify(NotifyType::TEMPORARY_FAILURE));
    respond();
    return;
  }
  const Payload* sa_p = find_payload(ps, PayloadType::SA);
  const Payload* ni_p = find_payload(ps, PayloadType::Nonce);
  const Payload* ke_p = find_payload(ps, PayloadType::KE);
  if (!ni_p || !ke_p || ni_p->as<NoncePayload>()->data.size() < 16) {
    resp.push_back(make_notify(NotifyType::INVALID_SYNTAX));
    respond();
    return;
  }
  SelectOptions so;
  so.ke_group = ke_p->as<KePayload>()->group;
  auto chosen = select_proposal(sa.conn->proposals, *sa_p->as<SaPayload>(), ProtocolId::IKE, so);
  if (!chosen || !chosen->dh || chosen->spi.size() != 8) {
    resp.push_back(make_notify(NotifyType::NO_PROPOSAL_CHOSEN));
    respond();
    return;
  }
  const auto* ke = ke_p->as<KePayload>();
  if (!ke_fits(*chosen, ke->group)) {
    std::uint16_t want = static_cast<std::uint16_t>(*chosen->dh);
    resp.push_back(make_notify(NotifyType::INVALID_KE_PAYLOAD,
                               Bytes{static_cast<std::uint8_t>(want >> 8), static_cast<std::uint8_t>(want)}));
    respond();
    return;
  }
  SecretBytes gir;
  std::optional<DhKey> dh;
  try {
    dh = DhKey::generate(*chosen->dh);
    gir = dh->shared_secret(ke->data);
  } catch (const CryptoError&) {
    resp.push_back(make_notify(NotifyType::INVALID_SYNTAX));
    respond();
    return;
  }
  std::uint64_t peer_spi = 0;
  for (auto b : chosen->spi) peer_spi = (peer_spi << 8) | b;
  std::uint64_t our_spi = random_spi();
  const Bytes& ni = ni_p->as<NoncePayload>()->data;
  Bytes nr = random_bytes(kRekeyNonceLen);
  resp.push_back(make_payload(PayloadType::SA, chosen->as_payload(spi_bytes(our_spi))));
  resp.push_back(make_payload(PayloadType::Nonce, NoncePayload{nr}));
  resp.push_back(make_payload(PayloadType::KE, KePayload{static_cast<std::uint16_t>(dh->group()), dh->public_value()}));
  // The response goes out under the old SA's keys before the new SA exists.
  respond();
  // Our own IKE rekey is outstanding: a collision (2.8.2).
  if (our_rekey) {
    sa.out->task.collided_child = 1;
    sa.out->task.peer_exchange_nonces_low = std::min(ni, nr);
  }
  IkeSa* n = make_rekeyed(*this, sa, false, our_spi, peer_spi, *chosen, gir, ni, nr, now);
  if (n && our_rekey) n->delete_after_rekey = false;
  sa.state = IkeState::Rekeying;  // the peer deletes it
  schedule(sa);
}

void IkeManager::Impl::on_ike_rekey_response(IkeSa& sa, Task& t, const std::vector<Payload>& ps, Time now) {
  auto fail = [&](const std::string& why) {
    log(LogLevel::Warning, &sa, "IKE_SA rekey failed: " + why);
    if (!sa.rekeyed_by) sa.state = IkeState::Established;
    // Try again later (strongSwan retries after a while).
    sa.rekey_at = now + std::chrono::seconds(30);
    sa.rekey_at_set = true;
  };
  if (auto e = find_error_notify(ps)) {
    fail(fmt::format("peer sent notify {}", static_cast<unsigned>(e->type)));
    return;
  }
  const Payload* sa_p = find_payload(ps, PayloadType::SA);
  const Payload* nr_p = find_payload(ps, PayloadType::Nonce);
  const Payload* ke_p = find_payload(ps, PayloadType::KE);
  if (!sa_p || !nr_p || !ke_p) {
    fail("SA, Nonce or KE missing");
    return;
  }
  auto check = check_response(t.offer, *sa_p->as<SaPayload>(), ProtocolId::IKE);
  if (!check.chosen || !check.chosen->dh || check.chosen->spi.size() != 8 ||
      ke_p->as<KePayload>()->group != static_cast<std::uint16_t>(t.dh->group())) {
    fail("bad proposal or KE" + (check.error.empty() ? std::string() : ": " + check.error));
    return;
  }
  SecretBytes gir;
  try {
    gir = t.dh->shared_secret(ke_p->as<KePayload>()->data);
  } catch (const CryptoError& e) {
    fail(e.what());
    return;
  }
  std::uint64_t peer_spi = 0;
  for (auto b : check.chosen->spi) peer_spi = (peer_spi << 8) | b;
  const Bytes& nr = nr_p->as<NoncePayload>()->data;
  if (t.collided_child) {
    // Both rekeyed: the SA with the lowest nonce is redundant (2.8.2).
    const Bytes& ours_low = std::min(t.nonce, nr);
    if (ours_low < t.peer_exchange_nonces_low) {
      // Ours is redundant: it was never used; delete it with its own SPIs.
      log(LogLevel::Info, &sa, "IKE_SA rekey collision lost");
      IkeSa* red = make_rekeyed(*this, sa, true, t.new_spi, peer_spi, *check.chosen, gir, t.nonce, nr, now);
      if (red) {
        // The children stay with the peer's new SA: move them back.
        IkeSa* winner = nullptr;
        for (auto& [spi, s] : sas)
          if (s->uid != red->uid && s->conn == sa.conn && s->authenticated && !s->rekeyed_by && s.get() != &sa &&
              s->uid > sa.uid && s->uid < red->uid)
            winner = s.get();
        if (winner)
          for (auto& c : red->children) winner->children.push_back(std::move(c));
        red->children.clear();
        Task d;
        d.type = TaskType::IkeDelete;
        red->rekeyed_by = winner ? winner->uid : 1;
        queue_task(*red, std::move(d), now);
      }
      return;
    }
    log(LogLevel::Info, &sa, "IKE_SA rekey collision won");
  }
  // The children were moved to the peer's new SA if it rekeyed too; take them.
  IkeSa* n = make_rekeyed(*this, sa, true, t.new_spi, peer_spi, *check.chosen, gir, t.nonce, nr, now);
  if (!n) {
    fail("key derivation");
    return;
  }
  if (t.collided_child) {
    for (auto& [spi, s] : sas)
      if (s.get() != n && s.get() != &sa && s->conn == sa.conn && s->rekeyed_by == 0 && s->uid > sa.uid && s->uid < n->uid) {
        for (auto& c : s->children) n->children.push_back(std::move(c));
        s->children.clear();
        s->rekeyed_by = n->uid;  // the peer deletes it
      }
  }
  sa.state = IkeState::Deleting;
  Task d;
  d.type = TaskType::IkeDelete;
  sa.queue.push_front(std::move(d));
}

}  // namespace esp::ike
