// mkxclbin: writes the metadata-only esp_engine.xclbin that XRT's `noop`
// emulation loads (Debian ships no xclbinutil binary, so the build writes it).
//
//   mkxclbin <out.xclbin>
//
// The container is the axlf layout of xrt/xclbin.h: the axlf header, one
// section header per section, then the sections (8-byte aligned):
//   MEM_TOPOLOGY       one DDR bank every pointer argument is connected to
//   IP_LAYOUT          one compute unit esp_engine:esp_engine_1 (ap_ctrl_hs)
//   CONNECTIVITY       pointer argument i -> the bank
//   EMBEDDED_METADATA  the Vitis kernel XML: every argument's name, index,
//                      register offset and size, from esp::spec::arg
// There is no bitstream: a real card needs the .xclbin Vitis builds.
// Every number that describes the kernel comes from the generated spec
// header; the output is byte-for-byte reproducible (no time stamps).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "esp/spec/esp_spec.hpp"
#include "xclbin.h"

namespace {

namespace spec = esp::spec;

constexpr uint64_t kCuBase = 0x1800000;          // AXI4-Lite base of the CU (the usual first Vitis CU address)
constexpr uint64_t kBankBase = 0x4000000000ull;  // card memory bank base (Alveo DDR[0])
constexpr uint64_t kBankKiB = 16ull << 20;       // 16 GiB, in KiB as mem_data wants
constexpr const char* kCuName = "esp_engine_1";

// Appends the bytes of a trivially copyable value.
template <typename T>
void put(std::vector<char>& out, const T& v) {
  const char* p = reinterpret_cast<const char*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

template <size_t N>
void copy_name(char (&dst)[N], const std::string& s) {
  std::memset(dst, 0, N);
  std::strncpy(dst, s.c_str(), N - 1);
}

template <size_t N>
void copy_name(unsigned char (&dst)[N], const std::string& s) {
  std::memset(dst, 0, N);
  std::memcpy(dst, s.c_str(), std::min(s.size(), N - 1));
}

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::uppercase << std::hex << v;
  return os.str();
}

// Section bodies: a count followed by `count` records. xclbin.h declares the
// record arrays with one element, so the body is written record by record,
// after the count and the padding up to the array (offsetof).
std::vector<char> counted(int32_t count, size_t array_offset) {
  std::vector<char> out;
  put(out, count);
  out.resize(array_offset, 0);
  return out;
}

std::vector<char> mem_topology_section() {
  std::vector<char> out = counted(int32_t{1}, offsetof(mem_topology, m_mem_data));
  mem_data m{};
  m.m_type = MEM_DDR4;
  m.m_used = 1;
  m.m_size = kBankKiB;
  m.m_base_address = kBankBase;
  copy_name(m.m_tag, "bank0");
  put(out, m);
  return out;
}

std::vector<char> ip_layout_section() {
  std::vector<char> out = counted(int32_t{1}, offsetof(ip_layout, m_ip_data));
  ip_data ip{};
  ip.m_type = IP_KERNEL;
  // ap_ctrl_hs, interrupt enabled, interrupt id 0
  ip.properties = (uint32_t(AP_CTRL_HS) << IP_CONTROL_SHIFT) | IP_INT_ENABLE_MASK;
  ip.m_base_address = kCuBase;
  copy_name(ip.m_name, std::string(spec::KERNEL_NAME) + ":" + kCuName);
  put(out, ip);
  return out;
}

std::vector<char> connectivity_section() {
  std::vector<connection> conns;
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    if (!spec::arg::IS_POINTER[i]) continue;
    connection c{};
    c.arg_index = static_cast<int32_t>(i);
    c.m_ip_layout_index = 0;
    c.mem_data_index = 0;
    conns.push_back(c);
  }
  std::vector<char> out = counted(static_cast<int32_t>(conns.size()), offsetof(connectivity, m_connection));
  for (const auto& c : conns) put(out, c);
  return out;
}

// The Vitis kernel XML XRT reads kernel properties and arguments from
// (project.platform.device.core.kernel). Pointer arguments are global
// (addressQualifier 1) on the AXI4 master, scalars (0) on the control slave.
std::string embedded_metadata() {
  const std::string k = spec::KERNEL_NAME;
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<project name=\"" << k << "\">\n"
    << "  <platform vendor=\"xilinx\" boardid=\"esp_offload\" name=\"esp_offload_noop\" featureRomTime=\"0\">\n"
    << "    <version major=\"" << spec::VERSION_MAJOR << "\" minor=\"" << spec::VERSION_MINOR << "\"/>\n"
    << "    <description>esp-offload metadata-only xclbin for XRT noop emulation (spec " << spec::SPEC_HASH_HEX
    << ")</description>\n"
    << "    <device name=\"fpga0\" fpgaDevice=\"none\" addrWidth=\"64\">\n"
    << "      <core name=\"OCL_REGION_0\" target=\"hw\" type=\"clc_region\" clockFreq=\"300MHz\" numComputeUnits=\"1\">\n"
    << "        <kernel name=\"" << k << "\" language=\"c\" vlnv=\"xilinx.com:hls:" << k << ":1.0\" "
    << "preferredWorkGroupSizeMultiple=\"0\" workGroupSize=\"1\" interrupt=\"true\" hwControlProtocol=\"ap_ctrl_hs\">\n"
    << "          <port name=\"M_AXI_GMEM\" mode=\"master\" range=\"0xFFFFFFFFFFFFFFFF\" dataWidth=\""
    << spec::PKT_BUS_BYTES * 8 << "\" portType=\"addressable\" base=\"0x0\"/>\n"
    << "          <port name=\"S_AXI_CONTROL\" mode=\"slave\" range=\"" << hex(spec::reg::SPACE_BYTES)
    << "\" dataWidth=\"32\" portType=\"addressable\" base=\"0x0\"/>\n";
  for (unsigned i = 0; i < spec::arg::COUNT; ++i) {
    const bool ptr = spec::arg::IS_POINTER[i];
    const unsigned bytes = spec::arg::WIDTH[i] / 8;
    x << "          <arg name=\"" << spec::arg::NAME[i] << "\" addressQualifier=\"" << (ptr ? 1 : 0) << "\" id=\"" << i
      << "\" port=\"" << (ptr ? "M_AXI_GMEM" : "S_AXI_CONTROL") << "\" size=\"" << hex(bytes) << "\" offset=\""
      << hex(spec::arg::OFFSET[i]) << "\" hostOffset=\"0x0\" hostSize=\"" << hex(bytes) << "\" type=\""
      << (ptr ? "void*" : "unsigned int") << "\"/>\n";
  }
  x << "          <compileWorkGroupSize x=\"1\" y=\"1\" z=\"1\"/>\n"
    << "          <maxWorkGroupSize x=\"1\" y=\"1\" z=\"1\"/>\n"
    << "          <string_table/>\n"
    << "          <instance name=\"" << kCuName << "\">\n"
    << "            <addrRemap base=\"" << hex(kCuBase) << "\" range=\"" << hex(spec::reg::SPACE_BYTES)
    << "\" port=\"S_AXI_CONTROL\"/>\n"
    << "          </instance>\n"
    << "        </kernel>\n"
    << "      </core>\n"
    << "    </device>\n"
    << "  </platform>\n"
    << "</project>\n";
  return x.str();
}

struct Section {
  axlf_section_kind kind;
  const char* name;
  std::vector<char> body;
};

uint64_t align8(uint64_t n) { return (n + 7) & ~uint64_t(7); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: mkxclbin <out.xclbin>\n";
    return 2;
  }
  const std::string xml = embedded_metadata();
  std::vector<Section> sections;
  sections.push_back({MEM_TOPOLOGY, "mem_topology", mem_topology_section()});
  sections.push_back({IP_LAYOUT, "ip_layout", ip_layout_section()});
  sections.push_back({CONNECTIVITY, "connectivity", connectivity_section()});
  sections.push_back({EMBEDDED_METADATA, "metadata", std::vector<char>(xml.begin(), xml.end())});

  // axlf already holds one section header; the others follow it.
  const uint64_t header_bytes = sizeof(axlf) + (sections.size() - 1) * sizeof(axlf_section_header);
  std::vector<axlf_section_header> headers(sections.size());
  uint64_t offset = align8(header_bytes);
  for (size_t i = 0; i < sections.size(); ++i) {
    axlf_section_header& h = headers[i];
    std::memset(&h, 0, sizeof h);
    h.m_sectionKind = sections[i].kind;
    copy_name(h.m_sectionName, sections[i].name);
    h.m_sectionOffset = offset;
    h.m_sectionSize = sections[i].body.size();
    offset = align8(offset + h.m_sectionSize);
  }
  const uint64_t total = offset;

  axlf top;
  std::memset(&top, 0, sizeof top);
  std::memcpy(top.m_magic, "xclbin2", 8);
  top.m_signature_length = -1;  // unsigned
  std::memset(top.reserved, 0xFF, sizeof top.reserved);
  std::memset(top.m_keyBlock, 0xFF, sizeof top.m_keyBlock);
  top.m_uniqueId = (uint64_t(spec::KERNEL_ID) << 32) | spec::SPEC_HASH;
  top.m_header.m_length = total;
  top.m_header.m_versionMajor = 2;
  top.m_header.m_versionMinor = 13;
  top.m_header.m_mode = XCLBIN_FLAT;
  copy_name(top.m_header.m_platformVBNV, "xilinx_esp_offload_noop_metadata");
  // The xclbin uuid is the first 128 bits of the spec's SHA-256 (RFC 9562
  // version 8, "custom"): one spec, one uuid.
  for (unsigned i = 0; i < 16; ++i) {
    top.m_header.uuid[i] =
        static_cast<unsigned char>(std::stoul(std::string(spec::SPEC_HASH_HEX + 2 * i, 2), nullptr, 16));
  }
  top.m_header.uuid[6] = static_cast<unsigned char>((top.m_header.uuid[6] & 0x0F) | 0x80);
  top.m_header.uuid[8] = static_cast<unsigned char>((top.m_header.uuid[8] & 0x3F) | 0x80);
  top.m_header.m_numSections = static_cast<uint32_t>(sections.size());
  top.m_sections[0] = headers[0];

  std::vector<char> out;
  out.reserve(total);
  put(out, top);
  for (size_t i = 1; i < headers.size(); ++i) put(out, headers[i]);
  for (size_t i = 0; i < sections.size(); ++i) {
    out.resize(headers[i].m_sectionOffset, 0);
    out.insert(out.end(), sections[i].body.begin(), sections[i].body.end());
  }
  out.resize(total, 0);

  const std::string path = argv[1];
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f || !f.write(out.data(), static_cast<std::streamsize>(out.size())) || !f.flush()) {
      std::cerr << "mkxclbin: cannot write " << tmp << "\n";
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::cerr << "mkxclbin: cannot rename " << tmp << " to " << path << "\n";
    return 1;
  }
  return 0;
}
