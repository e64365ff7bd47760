// Capture files through libpcap: read pcap / pcapng of any link type libpcap
// knows, write raw-IP pcaps (LINKTYPE_RAW), and find the IP packet in a frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct pcap;
struct pcap_dumper;

namespace esp::pcaptool {

class PcapError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Frame {
  int64_t ts_sec = 0;
  int64_t ts_usec = 0;
  uint32_t orig_len = 0;      // length on the wire
  std::vector<uint8_t> data;  // captured bytes
};

class PcapReader {
 public:
  // Throws PcapError ("FILE: reason") for a missing or unreadable file.
  explicit PcapReader(const std::string& path);
  ~PcapReader();
  PcapReader(const PcapReader&) = delete;
  PcapReader& operator=(const PcapReader&) = delete;

  int linktype() const { return linktype_; }  // a DLT_* value
  // Next frame; false at the end. Throws PcapError on a damaged file.
  bool next(Frame& f);

 private:
  std::string path_;
  pcap* p_ = nullptr;
  int linktype_ = 0;
};

class PcapWriter {
 public:
  // A raw-IP pcap (LINKTYPE_RAW, microsecond timestamps). Throws PcapError.
  explicit PcapWriter(const std::string& path);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  void write(int64_t ts_sec, int64_t ts_usec, const std::vector<uint8_t>& ip);
  // Flushes and closes; throws PcapError when the data could not be written.
  void close();

 private:
  std::string path_;
  pcap* p_ = nullptr;
  pcap_dumper* d_ = nullptr;
};

// Whether frames of this DLT_* link type can be read (Ethernet (with VLAN
// tags), raw IP, Linux cooked v1/v2, BSD loopback).
bool linktype_supported(int dlt);
std::string linktype_name(int dlt);

// The IP packet a frame carries: the link header stripped and, when the IP
// header parses, the bytes cut to its own length (Ethernet padding dropped);
// a damaged IP packet is returned as it is (the card reports it MALFORMED).
// nullopt when the link layer says the frame is not IPv4/IPv6 (ARP, ...).
std::optional<std::vector<uint8_t>> ip_from_frame(int dlt, const std::vector<uint8_t>& frame);

}  // namespace esp::pcaptool
