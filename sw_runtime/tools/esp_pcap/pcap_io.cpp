#include "pcap_io.hpp"

#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>

namespace esp::pcaptool {

namespace {

constexpr uint16_t kEthIpv4 = 0x0800, kEthIpv6 = 0x86DD;

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// Cuts an IP packet to its header's length when that header parses.
std::vector<uint8_t> trim_ip(const uint8_t* p, size_t n) {
  size_t len = n;
  if (n >= 20 && (p[0] >> 4) == 4) {
    const size_t ihl = (p[0] & 15u) * 4u, tot = be16(p + 2);
    if (ihl >= 20 && ihl <= tot && tot <= n) len = tot;
  } else if (n >= 40 && (p[0] >> 4) == 6) {
    const size_t tot = 40u + be16(p + 4);
    if (tot <= n) len = tot;
  }
  return std::vector<uint8_t>(p, p + len);
}

// The payload after a link header whose EtherType-like field says IPv4/IPv6.
std::optional<std::vector<uint8_t>> by_ethertype(uint16_t type, const std::vector<uint8_t>& f, size_t off) {
  if ((type != kEthIpv4 && type != kEthIpv6) || off >= f.size()) return std::nullopt;
  return trim_ip(f.data() + off, f.size() - off);
}

}  // namespace

PcapReader::PcapReader(const std::string& path) : path_(path) {
  char err[PCAP_ERRBUF_SIZE] = {};
  p_ = pcap_open_offline(path.c_str(), err);
  if (!p_) throw PcapError(path + ": " + err);
  linktype_ = pcap_datalink(p_);
  if (!linktype_supported(linktype_)) {
    pcap_close(p_);
    p_ = nullptr;
    throw PcapError(path + ": unsupported link type " + linktype_name(linktype_) +
                    " (esp-pcap reads Ethernet, raw IP, Linux cooked and loopback captures)");
  }
}

PcapReader::~PcapReader() {
  if (p_) pcap_close(p_);
}

bool PcapReader::next(Frame& f) {
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(p_, &h, &data);
  if (rc == PCAP_ERROR_BREAK) return false;
  if (rc != 1) throw PcapError(path_ + ": " + pcap_geterr(p_));
  f.ts_sec = h->ts.tv_sec;
  f.ts_usec = h->ts.tv_usec;
  f.orig_len = h->len;
  f.data.assign(data, data + h->caplen);
  return true;
}

PcapWriter::PcapWriter(const std::string& path) : path_(path) {
  p_ = pcap_open_dead(DLT_RAW, 65535);
  if (!p_) throw PcapError(path + ": pcap_open_dead failed");
  d_ = pcap_dump_open(p_, path.c_str());
  if (!d_) {
    const std::string why = pcap_geterr(p_);
    pcap_close(p_);
    p_ = nullptr;
    throw PcapError(path + ": " + why);
  }
}

PcapWriter::~PcapWriter() {
  if (d_) pcap_dump_close(d_);
  if (p_) pcap_close(p_);
}

void PcapWriter::write(int64_t ts_sec, int64_t ts_usec, const std::vector<uint8_t>& ip) {
  pcap_pkthdr h{};
  h.ts.tv_sec = static_cast<time_t>(ts_sec);
  h.ts.tv_usec = static_cast<suseconds_t>(ts_usec);
  h.caplen = h.len = static_cast<bpf_u_int32>(ip.size());
  pcap_dump(reinterpret_cast<u_char*>(d_), &h, ip.data());
}

void PcapWriter::close() {
  if (!d_) return;
  const bool bad = pcap_dump_flush(d_) != 0 || std::ferror(pcap_dump_file(d_));
  pcap_dump_close(d_);
  d_ = nullptr;
  pcap_close(p_);
  p_ = nullptr;
  if (bad) throw PcapError(path_ + ": write failed");
}

bool linktype_supported(int dlt) {
  switch (dlt) {
    case DLT_EN10MB:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
      return true;
    default:
      return false;
  }
}

std::string linktype_name(int dlt) {
  const char* n = pcap_datalink_val_to_name(dlt);
  return std::to_string(dlt) + " (" + (n ? n : "unknown") + ")";
}

std::optional<std::vector<uint8_t>> ip_from_frame(int dlt, const std::vector<uint8_t>& f) {
  switch (dlt) {
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
      if (f.empty()) return std::nullopt;
      return trim_ip(f.data(), f.size());
    case DLT_EN10MB: {
      size_t off = 12;
      if (f.size() < off + 2) return std::nullopt;
      uint16_t type = be16(&f[off]);
      while ((type == 0x8100 || type == 0x88A8 || type == 0x9100) && f.size() >= off + 6) {  // VLAN tags
        off += 4;
        type = be16(&f[off]);
      }
      return by_ethertype(type, f, off + 2);
    }
    case DLT_LINUX_SLL:
      if (f.size() < 16) return std::nullopt;
      return by_ethertype(be16(&f[14]), f, 16);
    case DLT_LINUX_SLL2:
      if (f.size() < 20) return std::nullopt;
      return by_ethertype(be16(&f[0]), f, 20);
    case DLT_NULL:
    case DLT_LOOP: {
      // A 4-byte address family (host or network order); trust the IP version nibble.
      if (f.size() < 5) return std::nullopt;
      const unsigned v = f[4] >> 4;
      if (v != 4 && v != 6) return std::nullopt;
      return trim_ip(f.data() + 4, f.size() - 4);
    }
    default:
      return std::nullopt;
  }
}

}  // namespace esp::pcaptool
