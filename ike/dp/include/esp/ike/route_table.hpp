// RouteTable: the routes that steer plaintext traffic into the gateway's TUN
// device, one per prefix of a CHILD_SA's remote traffic selector, installed
// with rtnetlink (NETLINK_ROUTE: RTM_NEWROUTE / RTM_DELROUTE, RTM_NEWRULE /
// RTM_DELRULE), as strongSwan's kernel-netlink plugin does for libipsec.
//
// - Routes are "<prefix> dev <tun> [src <addr>] table <table>", unicast,
//   scope link, protocol static. A selector's address range is installed as
//   the smallest list of prefixes covering it (covering_prefixes()); the
//   selector's protocol and ports do not matter to routing.
// - Reference counts per (prefix, src): adding the same thing twice installs
//   one route; remove() deletes it when its count reaches 0. The kernel has
//   one route per prefix: adding a prefix we route already with another src
//   (two CHILD_SAs to the same remote selector from different local ones)
//   counts a reference on that route, which keeps its src; when the last
//   user of the route's src goes, the route is replaced with the src of one
//   that remains.
// - A route for the same prefix that is in the table already (the kernel
//   answers EEXIST) is not ours: it is counted but never deleted by us, and
//   traffic keeps following it. installed() marks it "not ours".
// - With a table other than main (0 or 254), the constructor adds the policy
//   rules "from all lookup <table>" at priority <table> for IPv4 and IPv6
//   (strongSwan uses table 220, priority 220); a rule that exists already is
//   left alone, a rule we added is removed by the destructor. An IPv6 rule the
//   kernel refuses for lack of IPv6 (EAFNOSUPPORT) is skipped.
// - The destructor removes every route and rule this object installed, and
//   nothing else. A route already gone (the device was removed first, which
//   takes its routes with it) is not an error.
// - Bypass routes keep the peer's own address (where the IKE and ESP packets
//   go) out of the tunnel when a remote selector covers it (strongSwan's
//   kernel-libipsec keeps "exclude routes" for this): in a table of our own
//   a "throw <peer>/32" route
//   (the lookup falls through to the next rules, i.e. the main table); in
//   the main table a copy of the route the kernel uses for the peer now
//   ("<peer>/32 via <gw> dev <uplink>"; it does not follow later changes of
//   that route). Reference-counted per peer like the others.
// The routes and rules live in the network namespace the constructor ran in.
//
// Errors: esp::ike::NetError naming the route and the kernel's reason (and
// its extended-ack text when it gives one), e.g.
// "route 10.2.0.0/24 dev #7 src 10.9.9.9 table 220: Invalid argument (Invalid prefsrc address)".
// RouteTable throws nothing else (a bad selector or src is a NetError too);
// covering_prefixes() throws std::invalid_argument.
//
// Threading: a RouteTable is used from one thread (the daemon's loop).
// covering_prefixes() is pure and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "esp/ike/net_error.hpp"
#include "esp/runtime/ip_addr.hpp"
#include "esp/runtime/traffic_selector.hpp"

namespace esp::ike::dp {

// The smallest list of prefixes (address with the host bits clear, length)
// whose union is exactly [from, to], in ascending order. Same family, from <=
// to, else std::invalid_argument. At most 62 prefixes for IPv4, 254 for IPv6.
std::vector<std::pair<runtime::IpAddr, unsigned>> covering_prefixes(const runtime::IpAddr& from,
                                                                     const runtime::IpAddr& to);

class RouteTable {
 public:
  // Routes through the device `ifindex` in `table` (0 = main). Opens the
  // netlink socket and, for a table other than main, adds the rules. Throws
  // NetError.
  explicit RouteTable(int ifindex, std::uint32_t table = 0);
  ~RouteTable();
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  // Routes for dst's address range via the device, src as the preferred
  // source when src.version != 0 (it must be an address of this host, of
  // dst's family). All or nothing: when one prefix fails, those this call
  // added are taken back and NetError is thrown.
  void add(const runtime::TrafficSelector& dst, const runtime::IpAddr& src = {});
  // Drops one reference of each prefix of dst (with src); a route whose count
  // reaches 0 is deleted if it is ours. Prefixes never added are ignored.
  // Throws NetError only if the kernel refuses a delete for another reason
  // than the route being gone already; the references are dropped anyway.
  void remove(const runtime::TrafficSelector& dst, const runtime::IpAddr& src = {});

  // Keeps traffic to `peer` out of the device (see above). In the main table
  // call it before add() of a selector covering the peer (the route to copy
  // must not be ours yet). Throws NetError when the kernel has no route for
  // the peer, the peer is local, or it is routed through our device already.
  void add_bypass(const runtime::IpAddr& peer);
  // Drops one reference; the bypass route goes with the last one. Like remove().
  void remove_bypass(const runtime::IpAddr& peer);

  // What is installed now, one line per route, in order:
  // "10.2.0.0/24 dev esp0 src 10.1.0.1 table 220 (2 refs)", with users of
  // other sources "(3 refs, also for src 10.3.0.1)"; a route that was there
  // before ends in "(1 ref, not ours)"; bypasses read
  // "bypass 192.0.2.1/32 throw table 220 (1 ref)" or
  // "bypass 192.0.2.1/32 via 10.0.0.1 dev eth0 table main (1 ref)".
  std::vector<std::string> installed() const;

  std::uint32_t table() const { return table_; }  // the kernel's number (254 for main)
  int ifindex() const { return ifindex_; }

 private:
  struct Key {  // one kernel route
    bool bypass = false;
    runtime::IpAddr prefix;
    unsigned len = 0;
    bool operator<(const Key& o) const;
  };
  struct Entry {
    std::vector<std::pair<runtime::IpAddr, unsigned>> users;  // (src, references)
    runtime::IpAddr src;  // the route's preferred source in the kernel
    bool ours = false;    // false: the route existed before (EEXIST)
    runtime::IpAddr gw;   // a bypass in the main table: the copied next hop
    int oif = 0;
  };
  enum class Op { add, replace, del };

  // One rtnetlink request; returns 0 or the kernel's errno and its
  // extended-ack message in *why_ext. With `reply`, the first answer that is
  // not an ACK is copied there (RTM_GETROUTE).
  int request(std::vector<std::uint8_t>& msg, std::string* why_ext, std::vector<std::uint8_t>* reply = nullptr);
  int route_msg(Op op, const Key& k, const Entry& e, std::string* why_ext);
  // The kernel's route to `dst` now (RTM_GETROUTE) into e.gw / e.oif.
  void lookup(const runtime::IpAddr& dst, Entry& e);
  int rule_msg(bool add, std::uint8_t family, std::string* why_ext);
  std::string describe(const Key& k, const Entry& e) const;
  void use(const Key& k, const runtime::IpAddr& src);
  void drop(const Key& k, const runtime::IpAddr& src, int* err, std::string* why);

  int ifindex_;
  std::uint32_t table_;
  int nl_ = -1;
  std::uint32_t seq_ = 0;
  std::vector<std::uint8_t> rules_ours_;  // families whose rule we added
  std::map<Key, Entry> routes_;
};

}  // namespace esp::ike::dp
