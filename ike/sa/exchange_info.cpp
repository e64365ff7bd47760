// INFORMATIONAL (RFC 7296 1.4): DELETE of CHILD_SAs and of the IKE SA, and
// liveness checks (an empty request, answered empty).
#include <fmt/format.h>

#include "manager_impl.hpp"
#include "sa_util.hpp"

namespace esp::ike {

using namespace detail;

void IkeManager::Impl::on_info_request(IkeSa& sa, const IkeHeader& h, const std::vector<Payload>& ps, Time now) {
  (void)now;
  std::vector<Payload> resp;
  bool delete_ike = false;
  DeletePayload ours;
  ours.protocol = ProtocolId::ESP;
  ours.spi_size = 4;
  for (const auto* p : find_payloads(ps, PayloadType::Delete)) {
    const auto* d = p->as<DeletePayload>();
    if (d->protocol == ProtocolId::IKE) {
      delete_ike = true;
      continue;
    }
    if (d->protocol != ProtocolId::ESP || d->spi_size != 4) continue;
    for (const auto& spi : d->spis) {
      if (spi.size() != 4) continue;
      ChildSa* c = sa.child_by_spi_out(be32(spi));
      if (!c) continue;
      // A delete of ours for it is in flight: the peer gets no second one (1.4.1).
      bool ours_pending = c->state == ChildState::Deleting;
      if (!ours_pending) ours.spis.push_back(u32_bytes(c->spi_in));
      // If our rekey of this SA is outstanding, the new SA it makes must go too.
      if (sa.out && sa.out->task.type == TaskType::ChildRekey && sa.out->task.child_uid == c->uid) sa.out->task.aborted = true;
      delete_child_local(sa, *c, "deleted by peer");
    }
  }
  if (delete_ike) {
    log(LogLevel::Info, &sa, "received DELETE for IKE_SA");
    send_response(sa, ExchangeType::Informational, h.message_id, {});
    sa.rx_mid = h.message_id + 1;
    if (sa.rekeyed_by) {
      // Rekeyed: the children live on in the new IKE SA.
      sa.children.clear();
    }
    destroy(sa, "deleted by peer");
    return;
  }
  if (!ours.spis.empty()) resp.push_back(make_payload(PayloadType::Delete, ours));
  send_response(sa, ExchangeType::Informational, h.message_id, std::move(resp));
  sa.rx_mid = h.message_id + 1;
}

void IkeManager::Impl::on_info_response(IkeSa& sa, Task& t, const std::vector<Payload>& ps, Time now) {
  (void)ps;
  (void)now;
  switch (t.type) {
    case TaskType::IkeDelete:
      if (sa.rekeyed_by) sa.children.clear();
      destroy(sa, sa.rekeyed_by ? "rekeyed" : "deleted");
      return;
    case TaskType::ChildDelete:
      for (auto spi : t.delete_spis)
        if (ChildSa* c = sa.child_by_spi_in(spi)) delete_child_local(sa, *c, "deleted");
      return;
    default:
      return;  // DPD: the peer is alive (last_rx updated)
  }
}

}  // namespace esp::ike
