// RouteTable and covering_prefixes(): see route_table.hpp. rtnetlink is
// written by hand (a request builder and an ACK reader, nothing more): the
// messages are rtmsg / fib_rule_hdr plus a few attributes (rtnetlink(7)).
#include "esp/ike/route_table.hpp"

#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace esp::ike::dp {

namespace {

__extension__ typedef unsigned __int128 u128;

unsigned family_bits(const runtime::IpAddr& a) { return a.version == 4 ? 32u : 128u; }
std::size_t family_bytes(const runtime::IpAddr& a) { return a.version == 4 ? 4u : 16u; }

u128 to_num(const runtime::IpAddr& a) {
  u128 v = 0;
  for (std::size_t i = 0; i < family_bytes(a); ++i) v = (v << 8) | a.bytes[i];
  return v;
}

runtime::IpAddr from_num(std::uint8_t version, u128 v) {
  runtime::IpAddr a;
  a.version = version;
  const std::size_t n = version == 4 ? 4 : 16;
  for (std::size_t i = n; i-- > 0;) {
    a.bytes[i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
  return a;
}

// All ones in the low k bits (k <= 128).
u128 low_mask(unsigned k) { return k >= 128 ? ~u128{0} : (u128{1} << k) - 1; }

// The message being built: a header, a fixed part, then attributes, each
// padded to 4 bytes. memcpy keeps it free of alignment assumptions.
class NlRequest {
 public:
  NlRequest(std::uint16_t type, std::uint16_t flags) : type_(type), flags_(flags), buf_(NLMSG_HDRLEN, 0) {}
  template <class T>
  void fixed(const T& t) {
    append(&t, sizeof t);
  }
  void attr(std::uint16_t type, const void* data, std::size_t len) {
    rtattr a;
    a.rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
    a.rta_type = type;
    append(&a, sizeof a);
    append(data, len);
  }
  void attr_u32(std::uint16_t type, std::uint32_t v) { attr(type, &v, sizeof v); }
  std::vector<std::uint8_t> finish(std::uint32_t seq) {
    nlmsghdr h;
    std::memset(&h, 0, sizeof h);
    h.nlmsg_len = static_cast<std::uint32_t>(buf_.size());
    h.nlmsg_type = type_;
    h.nlmsg_flags = flags_;
    h.nlmsg_seq = seq;
    std::memcpy(buf_.data(), &h, sizeof h);
    return std::move(buf_);
  }

 private:
  void append(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
    buf_.resize(NLMSG_ALIGN(buf_.size()), 0);
  }
  std::uint16_t type_, flags_;
  std::vector<std::uint8_t> buf_;
};

std::string kernel_reason(int err, const std::string& ext) {
  std::string s = std::strerror(err);
  if (!ext.empty()) s += " (" + ext + ")";
  return s;
}

}  // namespace

std::vector<std::pair<runtime::IpAddr, unsigned>> covering_prefixes(const runtime::IpAddr& from,
                                                                     const runtime::IpAddr& to) {
  if ((from.version != 4 && from.version != 6) || to.version != from.version)
    throw std::invalid_argument("address range: both ends must be IPv4 or both IPv6");
  const unsigned bits = family_bits(from);
  u128 cur = to_num(from);
  const u128 last = to_num(to);
  if (cur > last) throw std::invalid_argument("address range: " + from.str() + " is above " + to.str());
  std::vector<std::pair<runtime::IpAddr, unsigned>> out;
  for (;;) {
    // The largest block that starts at cur (cur is a multiple of its size)
    // and ends at or before last: host bits k, prefix length bits - k.
    unsigned k = bits;
    while (k > 0 && ((cur & low_mask(k)) != 0 || (cur | low_mask(k)) > last)) --k;
    out.emplace_back(from_num(from.version, cur), bits - k);
    const u128 end = cur | low_mask(k);
    if (end == last) break;  // also stops at the family's last address: no overflow
    cur = end + 1;
  }
  return out;
}

bool RouteTable::Key::operator<(const Key& o) const {
  return std::tie(bypass, prefix.version, prefix.bytes, len) < std::tie(o.bypass, o.prefix.version, o.prefix.bytes, o.len);
}

RouteTable::RouteTable(int ifindex, std::uint32_t table)
    : ifindex_(ifindex), table_(table == 0 ? RT_TABLE_MAIN : table) {
  if (ifindex <= 0) throw NetError(fmt::format("routes: bad interface index {}", ifindex));
  if (table_ == RT_TABLE_LOCAL)
    throw NetError("routes: table 255 is the kernel's local table; choose another (e.g. 220)");
  nl_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl_ < 0) throw NetError(std::string("routes: netlink socket: ") + std::strerror(errno));
  const int one = 1;
  // Extended ACKs carry the kernel's own text ("Invalid prefsrc address");
  // capped ACKs leave our request out of the answer. Both are optional.
  (void)::setsockopt(nl_, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  (void)::setsockopt(nl_, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  timeval tv{5, 0};  // the kernel answers at once; this only bounds a lost answer
  (void)::setsockopt(nl_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  if (table_ != RT_TABLE_MAIN) {
    for (std::uint8_t fam : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
      std::string ext;
      const int err = rule_msg(true, fam, &ext);
      if (err == 0) {
        rules_ours_.push_back(fam);
      } else if (err != EEXIST && !(fam == AF_INET6 && err == EAFNOSUPPORT)) {
        for (std::uint8_t f : rules_ours_) rule_msg(false, f, nullptr);
        ::close(nl_);
        throw NetError(fmt::format("rule {}from all lookup {} priority {}: {}", fam == AF_INET6 ? "(IPv6) " : "",
                                   table_, table_, kernel_reason(err, ext)));
      }
    }
  }
}

RouteTable::~RouteTable() {
  for (const auto& [k, e] : routes_)
    if (e.ours) route_msg(Op::del, k, e, nullptr);
  for (std::uint8_t f : rules_ours_) rule_msg(false, f, nullptr);
  ::close(nl_);
}

int RouteTable::request(std::vector<std::uint8_t>& msg, std::string* why_ext, std::vector<std::uint8_t>* reply) {
  const std::uint32_t seq = ++seq_;
  nlmsghdr h;
  std::memcpy(&h, msg.data(), sizeof h);
  h.nlmsg_seq = seq;
  std::memcpy(msg.data(), &h, sizeof h);
  sockaddr_nl kernel;
  std::memset(&kernel, 0, sizeof kernel);
  kernel.nl_family = AF_NETLINK;
  ssize_t r;
  do {
    r = ::sendto(nl_, msg.data(), msg.size(), 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return errno;

  std::vector<std::uint8_t> buf(16384);
  for (;;) {
    r = ::recv(nl_, buf.data(), buf.size(), 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (why_ext) *why_ext = "no answer from the kernel";
        return ETIMEDOUT;
      }
      return errno;
    }
    std::size_t off = 0;
    const auto n = static_cast<std::size_t>(r);
    while (off + sizeof(nlmsghdr) <= n) {
      nlmsghdr m;
      std::memcpy(&m, buf.data() + off, sizeof m);
      if (m.nlmsg_len < sizeof(nlmsghdr) || m.nlmsg_len > n - off) break;  // malformed: drop the rest
      const std::size_t body = off + NLMSG_HDRLEN;
      if (reply && m.nlmsg_seq == seq && m.nlmsg_type != NLMSG_ERROR && m.nlmsg_type != NLMSG_DONE) {
        reply->assign(buf.begin() + static_cast<long>(off), buf.begin() + static_cast<long>(off + m.nlmsg_len));
        return 0;
      }
      if (m.nlmsg_seq == seq && m.nlmsg_type == NLMSG_ERROR && m.nlmsg_len >= NLMSG_HDRLEN + sizeof(nlmsgerr)) {
        nlmsgerr e;
        std::memcpy(&e, buf.data() + body, sizeof e);
        if (why_ext && (m.nlmsg_flags & NLM_F_ACK_TLVS)) {
          // TLVs follow the error and the (capped or whole) request.
          std::size_t t = body + sizeof(nlmsgerr);
          if (!(m.nlmsg_flags & NLM_F_CAPPED) && e.msg.nlmsg_len > NLMSG_HDRLEN)
            t += NLMSG_ALIGN(e.msg.nlmsg_len - NLMSG_HDRLEN);
          const std::size_t end = off + m.nlmsg_len;
          while (t + sizeof(nlattr) <= end) {
            nlattr a;
            std::memcpy(&a, buf.data() + t, sizeof a);
            if (a.nla_len < sizeof(nlattr) || a.nla_len > end - t) break;
            if ((a.nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
              const char* s = reinterpret_cast<const char*>(buf.data() + t + NLA_HDRLEN);
              *why_ext = std::string(s, ::strnlen(s, a.nla_len - NLA_HDRLEN));
            }
            t += NLA_ALIGN(a.nla_len);
          }
        }
        return -e.error;
      }
      off += NLMSG_ALIGN(m.nlmsg_len);
    }
  }
}

int RouteTable::route_msg(Op op, const Key& k, const Entry& e, std::string* why_ext) {
  const bool add = op != Op::del;
  const int how = op == Op::add ? NLM_F_CREATE | NLM_F_EXCL : op == Op::replace ? NLM_F_CREATE | NLM_F_REPLACE : 0;
  NlRequest req(add ? RTM_NEWROUTE : RTM_DELROUTE, static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | how));
  const bool throw_route = k.bypass && table_ != RT_TABLE_MAIN;
  rtmsg rt;
  std::memset(&rt, 0, sizeof rt);
  rt.rtm_family = k.prefix.version == 4 ? AF_INET : AF_INET6;
  rt.rtm_dst_len = static_cast<unsigned char>(k.len);
  rt.rtm_table = static_cast<unsigned char>(table_ < 256 ? table_ : std::uint32_t{RT_TABLE_UNSPEC});
  rt.rtm_protocol = RTPROT_STATIC;
  // Deleting: RT_SCOPE_NOWHERE means "any scope"; everything else must match.
  // A route through a gateway is universe scope, a device route link scope.
  rt.rtm_scope = !add ? RT_SCOPE_NOWHERE : (throw_route || e.gw.version != 0) ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  rt.rtm_type = throw_route ? RTN_THROW : RTN_UNICAST;
  req.fixed(rt);
  req.attr(RTA_DST, k.prefix.bytes.data(), family_bytes(k.prefix));
  if (!throw_route) req.attr_u32(RTA_OIF, static_cast<std::uint32_t>(k.bypass ? e.oif : ifindex_));
  if (k.bypass && e.gw.version != 0) req.attr(RTA_GATEWAY, e.gw.bytes.data(), family_bytes(e.gw));
  if (e.src.version != 0) req.attr(RTA_PREFSRC, e.src.bytes.data(), family_bytes(e.src));
  req.attr_u32(RTA_TABLE, table_);
  auto msg = req.finish(0);
  std::string ext;
  const int err = request(msg, &ext);
  if (why_ext) *why_ext = ext;
  return err;
}

void RouteTable::lookup(const runtime::IpAddr& dst, Entry& e) {
  NlRequest req(RTM_GETROUTE, NLM_F_REQUEST);
  rtmsg rt;
  std::memset(&rt, 0, sizeof rt);
  rt.rtm_family = dst.version == 4 ? AF_INET : AF_INET6;
  rt.rtm_dst_len = static_cast<unsigned char>(family_bytes(dst) * 8);
  req.fixed(rt);
  req.attr(RTA_DST, dst.bytes.data(), family_bytes(dst));
  auto msg = req.finish(0);
  std::string ext;
  std::vector<std::uint8_t> reply;
  const std::string what = "bypass " + dst.str() + ": the route to the peer: ";
  const int err = request(msg, &ext, &reply);
  if (err != 0) throw NetError(what + kernel_reason(err, ext));
  if (reply.size() < NLMSG_HDRLEN + sizeof(rtmsg)) throw NetError(what + "short answer from the kernel");
  std::memcpy(&rt, reply.data() + NLMSG_HDRLEN, sizeof rt);
  if (rt.rtm_type == RTN_LOCAL) throw NetError(what + "it is an address of this host");
  if (rt.rtm_type != RTN_UNICAST) throw NetError(what + fmt::format("not a unicast route (type {})", rt.rtm_type));
  e.gw = {};
  e.oif = 0;
  std::size_t t = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtmsg));
  while (t + sizeof(rtattr) <= reply.size()) {
    rtattr a;
    std::memcpy(&a, reply.data() + t, sizeof a);
    if (a.rta_len < sizeof(rtattr) || a.rta_len > reply.size() - t) break;
    const std::size_t len = a.rta_len - RTA_LENGTH(0);
    const std::uint8_t* v = reply.data() + t + RTA_LENGTH(0);
    if (a.rta_type == RTA_OIF && len == 4) {
      std::uint32_t oif;
      std::memcpy(&oif, v, 4);
      e.oif = static_cast<int>(oif);
    } else if (a.rta_type == RTA_GATEWAY && len == family_bytes(dst)) {
      e.gw.version = dst.version;
      std::memcpy(e.gw.bytes.data(), v, len);
    }
    t += RTA_ALIGN(a.rta_len);
  }
  if (e.oif == 0) throw NetError(what + "no outgoing interface in the kernel's answer");
  if (e.oif == ifindex_) throw NetError(what + "it goes through the tunnel device already (add the bypass first)");
}

int RouteTable::rule_msg(bool add, std::uint8_t family, std::string* why_ext) {
  NlRequest req(add ? RTM_NEWRULE : RTM_DELRULE,
                static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0)));
  fib_rule_hdr frh;
  std::memset(&frh, 0, sizeof frh);
  frh.family = family;
  frh.table = static_cast<std::uint8_t>(table_ < 256 ? table_ : std::uint32_t{RT_TABLE_UNSPEC});
  frh.action = FR_ACT_TO_TBL;
  req.fixed(frh);
  req.attr_u32(FRA_TABLE, table_);
  req.attr_u32(FRA_PRIORITY, table_);
  auto msg = req.finish(0);
  std::string ext;
  const int err = request(msg, &ext);
  if (why_ext) *why_ext = ext;
  return err;
}

namespace {

std::string dev_name(int ifindex) {
  char name[IF_NAMESIZE] = {};
  return ::if_indextoname(static_cast<unsigned>(ifindex), name) ? std::string(name) : fmt::format("#{}", ifindex);
}

}  // namespace

std::string RouteTable::describe(const Key& k, const Entry& e) const {
  std::string s = fmt::format("{}{}/{}", k.bypass ? "bypass " : "", k.prefix.str(), k.len);
  if (!k.bypass) s += " dev " + dev_name(ifindex_);
  else if (table_ != RT_TABLE_MAIN) s += " throw";
  else s += (e.gw.version != 0 ? " via " + e.gw.str() : std::string()) + (e.oif != 0 ? " dev " + dev_name(e.oif) : "");
  if (e.src.version != 0) s += " src " + e.src.str();
  s += table_ == RT_TABLE_MAIN ? std::string(" table main") : fmt::format(" table {}", table_);
  return s;
}

void RouteTable::drop(const Key& k, const runtime::IpAddr& src, int* err, std::string* why) {
  auto it = routes_.find(k);
  if (it == routes_.end()) return;
  Entry& e = it->second;
  auto u = std::find_if(e.users.begin(), e.users.end(), [&](const auto& x) { return x.first == src; });
  if (u == e.users.end()) return;
  if (--u->second == 0) e.users.erase(u);
  std::string ext;
  if (e.users.empty()) {
    if (e.ours) {
      const int r = route_msg(Op::del, k, e, &ext);
      // Gone already (ESRCH), e.g. with its device: nothing left to do.
      if (r != 0 && r != ESRCH && r != ENODEV && err && *err == 0) {
        *err = r;
        *why = "route " + describe(k, e) + ": " + kernel_reason(r, ext);
      }
    }
    routes_.erase(it);
    return;
  }
  const bool src_still_used =
      std::any_of(e.users.begin(), e.users.end(), [&](const auto& x) { return x.first == e.src; });
  if (e.ours && !src_still_used) {
    // The route stays for the others: it takes the source of one of them.
    Entry next = e;
    next.src = e.users.front().first;
    if (route_msg(Op::replace, k, next, &ext) == 0) e.src = next.src;
  }
}

namespace {

std::vector<std::pair<runtime::IpAddr, unsigned>> prefixes_of(const runtime::TrafficSelector& dst,
                                                              const runtime::IpAddr& src) {
  try {
    if (src.version != 0 && src.version != dst.from.version)
      throw std::invalid_argument("source " + src.str() + " is not of the destination's family");
    return covering_prefixes(dst.from, dst.to);
  } catch (const std::invalid_argument& e) {
    throw NetError(std::string("route: ") + e.what());
  }
}

}  // namespace

void RouteTable::add(const runtime::TrafficSelector& dst, const runtime::IpAddr& src) {
  const auto prefixes = prefixes_of(dst, src);
  std::vector<Key> done;
  for (const auto& [addr, len] : prefixes) {
    const Key k{false, addr, len};
    try {
      use(k, src);
    } catch (const NetError&) {
      for (const Key& d : done) drop(d, src, nullptr, nullptr);
      throw;
    }
    done.push_back(k);
  }
}

void RouteTable::use(const Key& k, const runtime::IpAddr& src) {
  auto it = routes_.find(k);
  if (it != routes_.end()) {
    auto& users = it->second.users;
    auto u = std::find_if(users.begin(), users.end(), [&](const auto& x) { return x.first == src; });
    if (u != users.end()) ++u->second;
    else users.emplace_back(src, 1u);
    return;
  }
  Entry e;
  e.src = src;
  if (k.bypass && table_ == RT_TABLE_MAIN) lookup(k.prefix, e);
  std::string ext;
  const int err = route_msg(Op::add, k, e, &ext);
  if (err != 0 && err != EEXIST) throw NetError("route " + describe(k, e) + ": " + kernel_reason(err, ext));
  e.users.emplace_back(src, 1u);
  e.ours = err == 0;
  routes_.emplace(k, e);
}

void RouteTable::add_bypass(const runtime::IpAddr& peer) {
  if (peer.version != 4 && peer.version != 6) throw NetError("bypass: the peer's address is unset");
  use(Key{true, peer, peer.version == 4 ? 32u : 128u}, {});
}

void RouteTable::remove_bypass(const runtime::IpAddr& peer) {
  if (peer.version != 4 && peer.version != 6) return;
  int err = 0;
  std::string why;
  drop(Key{true, peer, peer.version == 4 ? 32u : 128u}, {}, &err, &why);
  if (err != 0) throw NetError(why);
}

void RouteTable::remove(const runtime::TrafficSelector& dst, const runtime::IpAddr& src) {
  const auto prefixes = prefixes_of(dst, src);
  int err = 0;
  std::string why;
  for (const auto& [addr, len] : prefixes) drop(Key{false, addr, len}, src, &err, &why);
  if (err != 0) throw NetError(why);
}

std::vector<std::string> RouteTable::installed() const {
  std::vector<std::string> out;
  for (const auto& [k, e] : routes_) {
    unsigned refs = 0;
    std::string others;
    for (const auto& [src, n] : e.users) {
      refs += n;
      if (!(src == e.src)) others += (others.empty() ? ", also for " : " and ") + (src.version ? "src " + src.str() : "no src");
    }
    out.push_back(fmt::format("{} ({} ref{}{}{})", describe(k, e), refs, refs == 1 ? "" : "s", others,
                              e.ours ? "" : ", not ours"));
  }
  return out;
}

}  // namespace esp::ike::dp
