#include "esp/runtime/traffic_selector.hpp"

#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace esp::runtime {

namespace {

size_t addr_len(uint8_t family) { return family == 6 ? 16 : 4; }
unsigned addr_bits(uint8_t family) { return family == 6 ? 128 : 32; }

struct Name {
  const char* name;
  unsigned value;
};

constexpr Name kProtos[] = {
    {"tcp", ipproto::TCP},     {"udp", ipproto::UDP},   {"icmp", ipproto::ICMP},       {"ipv6-icmp", ipproto::ICMPV6},
    {"sctp", ipproto::SCTP},   {"gre", ipproto::GRE},   {"udplite", ipproto::UDPLITE}, {"esp", ipproto::ESP},
    {"ah", ipproto::AH},       {"icmpv6", ipproto::ICMPV6},
};

constexpr Name kPorts[] = {
    {"http", 80}, {"https", 443}, {"domain", 53}, {"isakmp", 500}, {"ipsec-nat-t", 4500},
};

bool is_icmp(uint8_t p) { return p == ipproto::ICMP || p == ipproto::ICMPV6; }

[[noreturn]] void bad(const std::string& text, const std::string& what) {
  throw std::invalid_argument("traffic selector '" + text + "': " + what);
}

// A decimal number in [0, max]; the whole string.
bool parse_uint(const std::string& s, unsigned max, unsigned& out) {
  if (s.empty() || s.size() > 10) return false;
  unsigned long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + unsigned(c - '0');
  }
  if (v > max) return false;
  out = unsigned(v);
  return true;
}

bool parse_hex16(const std::string& s, unsigned& out) {
  if (s.size() < 3 || s.size() > 6 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  unsigned v = 0;
  for (size_t i = 2; i < s.size(); ++i) {
    const char c = s[i];
    unsigned d;
    if (c >= '0' && c <= '9') d = unsigned(c - '0');
    else if (c >= 'a' && c <= 'f') d = unsigned(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = unsigned(c - 'A' + 10);
    else return false;
    v = v * 16 + d;
  }
  out = v;
  return true;
}

IpAddr parse_addr(const std::string& text, const std::string& s, const char* where) {
  try {
    return IpAddr::parse(s);
  } catch (const std::invalid_argument&) {
    bad(text, std::string(where) + " '" + s + "' is not an IPv4 or IPv6 address");
  }
}

// Port part of "[proto/port]" for a protocol with ports.
void parse_ports(const std::string& text, const std::string& s, uint8_t proto, uint16_t& from, uint16_t& to) {
  if (s == "%any") return;
  if (is_icmp(proto)) {
    unsigned a = 0, b = 0;
    const size_t colon = s.find(':');
    const size_t dash = s.find('-');
    if (s.rfind("0x", 0) == 0 || s.rfind("0X", 0) == 0) {
      if (dash == std::string::npos || !parse_hex16(s.substr(0, dash), a) || !parse_hex16(s.substr(dash + 1), b))
        bad(text, "ICMP raw range '" + s + "' is not 0xHHHH-0xHHHH");
    } else if (colon != std::string::npos) {
      unsigned code = 0;
      if (!parse_uint(s.substr(0, colon), 255, a) || !parse_uint(s.substr(colon + 1), 255, code))
        bad(text, "ICMP type:code '" + s + "' is not two numbers 0..255");
      a = a << 8 | code;
      b = a;
    } else if (dash != std::string::npos) {
      if (!parse_uint(s.substr(0, dash), 255, a) || !parse_uint(s.substr(dash + 1), 255, b))
        bad(text, "ICMP type range '" + s + "' is not two types 0..255");
      a <<= 8;
      b = b << 8 | 0xff;
    } else {
      if (!parse_uint(s, 255, a)) bad(text, "ICMP type '" + s + "' is not a number 0..255");
      b = a << 8 | 0xff;
      a <<= 8;
    }
    if (a > b) bad(text, "ICMP range '" + s + "' is reversed");
    from = uint16_t(a);
    to = uint16_t(b);
    return;
  }
  auto one = [&](const std::string& p, unsigned& v) {
    for (const Name& n : kPorts)
      if (p == n.name) {
        v = n.value;
        return true;
      }
    return parse_uint(p, 65535, v);
  };
  unsigned a = 0, b = 0;
  bool ok = one(s, a);
  b = a;
  // Names hold dashes too ("ipsec-nat-t"): a range is split at the dash that
  // leaves a port on both sides.
  for (size_t dash = s.find('-'); !ok && dash != std::string::npos; dash = s.find('-', dash + 1))
    ok = one(s.substr(0, dash), a) && one(s.substr(dash + 1), b);
  if (!ok)
    bad(text, "port '" + s + "' is not a number 0..65535, a range a-b, nor one of http https domain isakmp ipsec-nat-t");
  if (a > b) bad(text, "port range '" + s + "' is reversed");
  from = uint16_t(a);
  to = uint16_t(b);
}

std::string proto_name(uint8_t p) {
  for (const Name& n : kProtos)
    if (n.value == p) return n.name;
  return std::to_string(p);
}

}  // namespace

bool proto_has_ports(uint8_t proto) {
  switch (proto) {
    case ipproto::TCP:
    case ipproto::UDP:
    case ipproto::SCTP:
    case ipproto::UDPLITE:
    case ipproto::ICMP:
    case ipproto::ICMPV6:
      return true;
    default:
      return false;
  }
}

int compare_addr(const IpAddr& a, const IpAddr& b) {
  if (a.version != b.version) return a.version < b.version ? -1 : 1;
  return std::memcmp(a.bytes.data(), b.bytes.data(), addr_len(a.version));
}

TrafficSelector TrafficSelector::any(uint8_t family) {
  if (family != 4 && family != 6)
    throw std::invalid_argument("traffic selector: family must be 4 or 6, not " + std::to_string(family));
  TrafficSelector t;
  t.from.version = t.to.version = family;
  for (size_t i = 0; i < addr_len(family); ++i) t.to.bytes[i] = 0xff;
  return t;
}

TrafficSelector TrafficSelector::prefix(const IpAddr& addr, unsigned len) {
  if (addr.version != 4 && addr.version != 6)
    throw std::invalid_argument("traffic selector: prefix address is unset");
  if (len > addr_bits(addr.version))
    throw std::invalid_argument("traffic selector: prefix length " + std::to_string(len) + " > " +
                                std::to_string(addr_bits(addr.version)) + " for " + addr.str());
  TrafficSelector t;
  t.from = t.to = addr;
  for (unsigned bit = len; bit < addr_bits(addr.version); ++bit) {
    const uint8_t m = uint8_t(0x80u >> (bit % 8));
    t.from.bytes[bit / 8] = uint8_t(t.from.bytes[bit / 8] & ~m);
    t.to.bytes[bit / 8] = uint8_t(t.to.bytes[bit / 8] | m);
  }
  return t;
}

TrafficSelector TrafficSelector::range(const IpAddr& a, const IpAddr& b) {
  TrafficSelector t;
  t.from = a;
  t.to = b;
  t.validate("traffic selector range");
  return t;
}

TrafficSelector TrafficSelector::with_proto(uint8_t p, uint16_t pfrom, uint16_t pto) const {
  TrafficSelector t = *this;
  t.proto = p;
  t.port_from = pfrom;
  t.port_to = pto;
  t.validate();
  return t;
}

TrafficSelector TrafficSelector::parse(const std::string& text) {
  std::string addr = text;
  std::string suffix;
  const size_t lb = text.find('[');
  if (lb != std::string::npos) {
    if (text.back() != ']') bad(text, "'[' at offset " + std::to_string(lb) + " has no closing ']' at the end");
    addr = text.substr(0, lb);
    suffix = text.substr(lb + 1, text.size() - lb - 2);
  }
  if (addr.empty()) bad(text, "needs an address before '[' (e.g. 0.0.0.0/0[udp/500])");
  if (addr == "dynamic" || addr == "%dynamic")
    bad(text, "'dynamic' is resolved by the IKE daemon to its own address; install the address");
  if (addr == "%any" || addr == "%any4" || addr == "%any6")
    bad(text, "'%any' is not a selector here; use 0.0.0.0/0 or ::/0");

  TrafficSelector t;
  const size_t slash = addr.find('/');
  const size_t dash = addr.find('-');
  if (slash != std::string::npos) {
    const IpAddr a = parse_addr(text, addr.substr(0, slash), "address");
    unsigned len = 0;
    if (!parse_uint(addr.substr(slash + 1), addr_bits(a.version), len))
      bad(text, "prefix length '" + addr.substr(slash + 1) + "' at offset " + std::to_string(slash + 1) +
                    " is not a number 0.." + std::to_string(addr_bits(a.version)));
    t = prefix(a, len);
  } else if (dash != std::string::npos) {
    const IpAddr a = parse_addr(text, addr.substr(0, dash), "range start");
    const IpAddr b = parse_addr(text, addr.substr(dash + 1), "range end");
    if (a.version != b.version) bad(text, "range mixes IPv4 and IPv6");
    if (compare_addr(a, b) > 0) bad(text, "range start is above its end");
    t.from = a;
    t.to = b;
  } else {
    const IpAddr a = parse_addr(text, addr, "address");
    t.from = t.to = a;
  }

  if (lb != std::string::npos) {
    const size_t ps = suffix.find('/');
    const std::string p = suffix.substr(0, ps);
    unsigned v = 0;
    if (p == "%any" || p.empty()) {
      t.proto = 0;
    } else {
      bool found = false;
      for (const Name& n : kProtos)
        if (p == n.name) {
          v = n.value;
          found = true;
        }
      if (!found && !parse_uint(p, 255, v))
        bad(text, "protocol '" + p + "' at offset " + std::to_string(lb + 1) +
                      " is not a number 0..255 nor one of tcp udp icmp ipv6-icmp sctp gre udplite esp ah");
      t.proto = uint8_t(v);
    }
    if (ps != std::string::npos) {
      const std::string port = suffix.substr(ps + 1);
      if (port != "%any" && !proto_has_ports(t.proto))
        bad(text, "protocol '" + p + "' carries no ports; port '" + port + "' at offset " +
                      std::to_string(lb + 2 + ps) + " cannot apply");
      parse_ports(text, port, t.proto, t.port_from, t.port_to);
    }
  }
  t.validate("traffic selector '" + text + "'");
  return t;
}

bool TrafficSelector::is_prefix() const { return prefix_len() >= 0; }

int TrafficSelector::prefix_len() const {
  if (from.version != to.version || (from.version != 4 && from.version != 6)) return -1;
  const unsigned bits = addr_bits(from.version);
  // The first bit where from and to differ starts the host part: from must
  // be all zeros there and to all ones.
  unsigned len = 0;
  while (len < bits) {
    const uint8_t m = uint8_t(0x80u >> (len % 8));
    if ((from.bytes[len / 8] & m) != (to.bytes[len / 8] & m)) break;
    ++len;
  }
  for (unsigned bit = len; bit < bits; ++bit) {
    const uint8_t m = uint8_t(0x80u >> (bit % 8));
    if ((from.bytes[bit / 8] & m) != 0 || (to.bytes[bit / 8] & m) == 0) return -1;
  }
  return int(len);
}

std::string TrafficSelector::str() const {
  std::string s;
  const int len = prefix_len();
  if (len >= 0) {
    s = from.str();
    if (unsigned(len) != addr_bits(from.version)) s += "/" + std::to_string(len);
  } else {
    s = from.str() + "-" + to.str();
  }
  if (proto == 0 && any_ports()) return s;
  s += "[" + (proto == 0 ? std::string("%any") : proto_name(proto));
  if (!any_ports()) {
    s += "/";
    if (is_icmp(proto)) {
      const unsigned ta = port_from >> 8, tb = port_to >> 8;
      if ((port_from & 0xff) == 0 && (port_to & 0xff) == 0xff) {
        s += std::to_string(ta);
        if (tb != ta) s += "-" + std::to_string(tb);
      } else if (port_from == port_to) {
        s += std::to_string(ta) + ":" + std::to_string(port_from & 0xff);
      } else {
        char buf[32];
        std::snprintf(buf, sizeof buf, "0x%04x-0x%04x", unsigned(port_from), unsigned(port_to));
        s += buf;
      }
    } else {
      s += std::to_string(port_from);
      if (port_to != port_from) s += "-" + std::to_string(port_to);
    }
  }
  return s + "]";
}

bool TrafficSelector::contains(const IpAddr& a) const {
  return a.version == from.version && compare_addr(from, a) <= 0 && compare_addr(a, to) <= 0;
}

bool TrafficSelector::contains(const IpAddr& a, uint8_t p, uint16_t port, bool ports_opaque) const {
  if (!contains(a)) return false;
  if (proto != 0 && proto != p) return false;
  if (any_ports()) return true;
  if (ports_opaque) return false;
  return port_from <= port && port <= port_to;
}

void TrafficSelector::validate(const std::string& what) const {
  if (from.version != 4 && from.version != 6) throw std::invalid_argument(what + ": from address is unset");
  if (to.version != from.version)
    throw std::invalid_argument(what + ": from (" + from.str() + ") and to (" + to.str() + ") are of different families");
  if (compare_addr(from, to) > 0)
    throw std::invalid_argument(what + ": from (" + from.str() + ") is above to (" + to.str() + ")");
  if (port_from > port_to)
    throw std::invalid_argument(what + ": port_from " + std::to_string(port_from) + " > port_to " +
                                std::to_string(port_to));
  if (!any_ports() && !proto_has_ports(proto))
    throw std::invalid_argument(what + ": ports " + std::to_string(port_from) + "-" + std::to_string(port_to) +
                                " on protocol " + std::to_string(proto) + ", which carries none");
}

}  // namespace esp::runtime
