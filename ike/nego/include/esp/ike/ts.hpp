// Traffic selectors for CHILD_SAs (RFC 7296 2.9, 3.13): between the TSi/TSr
// payloads (msg TrafficSelector) and the runtime's selectors, from config,
// intersected and narrowed.
//
// A runtime selector is one address range of one family, a protocol (0 =
// any) and a port range; ICMP/ICMPv6 carry type << 8 | code in the port
// fields, as RFC 4301 4.4.1.1 and RFC 7296 3.13.1 do, so the numbers pass
// through unchanged. What the runtime cannot hold is refused with TsError:
// an unknown TS type, an address of the wrong length, start > end, ports on
// a protocol that has none (RFC 7296 3.13.1: they MUST be 0..65535), and the
// OPAQUE port range (65535..0) that RFC 7296 allows and we do not support.
//
// Narrowing (2.9), as strongSwan does it: the result for one side is, for
// each of our selectors in order, its intersection with each of the peer's
// in order; duplicates and selectors contained in another result are
// dropped. A first peer selector that is one packet's (sent from an
// acquire) thus vanishes into the wider one it sits in: we narrow to our
// config, not to the packet. A peer selector we cannot represent matches
// nothing.
//
// Threading: pure functions over values; safe from any thread.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "esp/ike/conf_model.hpp"
#include "esp/ike/payloads.hpp"
#include "esp/runtime/ip_addr.hpp"
#include "esp/runtime/traffic_selector.hpp"

namespace esp::ike {

class TsError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// msg -> runtime; throws TsError saying what is wrong.
runtime::TrafficSelector ts_from_msg(const TrafficSelector& ts);
// The same without throwing: nullopt and *why (if given) set.
std::optional<runtime::TrafficSelector> ts_from_msg(const TrafficSelector& ts, std::string* why);
// runtime -> msg; throws TsError when ts is not valid (runtime validate()).
TrafficSelector ts_to_msg(const runtime::TrafficSelector& ts);

// Our TSi/TSr from config: a "dynamic" TsConfig becomes the host address
// `dynamic_addr` (/32 or /128) with the TsConfig's protocol and ports.
// Throws TsError when a dynamic selector meets an unset dynamic_addr.
std::vector<runtime::TrafficSelector> resolve_ts(const std::vector<conf::TsConfig>& cfg,
                                                 const runtime::IpAddr& dynamic_addr);

TsPayload make_ts_payload(const std::vector<runtime::TrafficSelector>& ts);
// Every entry converted; the first invalid one throws TsError naming its
// index ("TS 2: ...").
std::vector<runtime::TrafficSelector> from_ts_payload(const TsPayload& p);

// Intersection of two selectors (nullopt when empty): same family, the
// address and port ranges overlapped, protocol equal or one of them any.
std::optional<runtime::TrafficSelector> intersect(const runtime::TrafficSelector& a, const runtime::TrafficSelector& b);
// a lies entirely within b (family, addresses, protocol, ports).
bool ts_within(const runtime::TrafficSelector& a, const runtime::TrafficSelector& b);
// One side's narrowing (see the top of this file); empty when nothing meets.
std::vector<runtime::TrafficSelector> narrow(const std::vector<runtime::TrafficSelector>& ours,
                                             const std::vector<runtime::TrafficSelector>& theirs);

struct Narrowed {
  std::vector<runtime::TrafficSelector> local, remote;  // ours / the peer's
};

// Responder (2.9): TSi is the initiator's side (our remote), TSr ours
// (local). Empty on either side -> nullopt: answer TS_UNACCEPTABLE.
std::optional<Narrowed> narrow_responder(const std::vector<runtime::TrafficSelector>& our_local,
                                         const std::vector<runtime::TrafficSelector>& our_remote, const TsPayload& tsi,
                                         const TsPayload& tsr);

// Initiator: the responder's TSi/TSr must be subsets of what we offered
// (each returned selector inside one offered selector of its side, none
// invalid, neither payload empty); then narrowed with what we offered, as
// strongSwan does. nullopt with *why (if given) saying what is wrong.
std::optional<Narrowed> check_initiator(const std::vector<runtime::TrafficSelector>& offered_local,
                                        const std::vector<runtime::TrafficSelector>& offered_remote,
                                        const TsPayload& tsi, const TsPayload& tsr, std::string* why);

// Transport mode through a NAT (RFC 7296 2.23.1; strongSwan does the same):
// the peer proposes its own, private address, which we never see. Every
// selector of `theirs` that is one host address of observed's family becomes
// `observed` (the address its packets come from), protocol and ports kept;
// the rest is unchanged. Apply to the peer's side before narrowing.
TsPayload substitute_nat_host(const TsPayload& theirs, const runtime::IpAddr& observed);

// Transport mode (USE_TRANSPORT_MODE): every selector is one host address,
// local_host on our side and remote_host on the peer's (protocol and ports
// may be restricted); both sides non-empty.
bool transport_ok(const Narrowed& n, const runtime::IpAddr& local_host, const runtime::IpAddr& remote_host);

}  // namespace esp::ike
