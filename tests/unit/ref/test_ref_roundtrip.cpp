// Round trips through the reference model over the whole SA matrix: mode x
// inner IP version x outer IP version x key size x ESN x UDP encapsulation x
// GCM/GMAC x ICV length, payload sizes 0..64 plus 576, 1500, 8999, 9000.
// Each output is also checked field by field against CONTRACT.md's format.
#include <gtest/gtest.h>

#include "ref_test_util.hpp"

namespace esp::ref {
namespace {

using spec::Mode;
using spec::Status;
using testing::Pair;
using testing::SaParams;

std::vector<SaParams> matrix() {
  std::vector<SaParams> out;
  uint32_t spi = 0x100;
  for (Mode mode : {Mode::TUNNEL, Mode::TRANSPORT})
    for (uint8_t outer : {uint8_t{4}, uint8_t{6}})
      for (size_t key : {16, 32})
        for (bool esn : {false, true})
          for (bool udp : {false, true})
            for (bool gmac : {false, true})
              for (uint8_t icv : {uint8_t{8}, uint8_t{12}, uint8_t{16}}) {
                SaParams p;
                p.mode = mode;
                p.outer = outer;
                p.key_len = key;
                p.esn = esn;
                p.udp = udp;
                p.gmac = gmac;
                p.icv = icv;
                p.spi = spi++;
                out.push_back(p);
              }
  return out;
}

std::vector<size_t> sizes() {
  std::vector<size_t> s;
  for (size_t n = 0; n <= 64; ++n) s.push_back(n);
  for (size_t n : {576, 1500, 8999, 9000}) s.push_back(n);
  return s;
}

class RoundTrip : public ::testing::TestWithParam<SaParams> {};

// Checks one encrypted packet against the output format of CONTRACT.md.
void check_format(const SaParams& p, const runtime::SaConfig& c, const Bytes& inner, const Bytes& out,
                  uint64_t seq) {
  ip::Header in_h, out_h;
  ASSERT_TRUE(ip::parse(inner, in_h));
  ASSERT_TRUE(ip::parse(out, out_h));
  ASSERT_EQ(out_h.length, out.size());
  const uint8_t outer_version = p.mode == Mode::TUNNEL ? p.outer : in_h.version;
  ASSERT_EQ(out_h.version, outer_version);
  if (p.mode == Mode::TRANSPORT && in_h.version == 6) {
    ASSERT_TRUE(ip::walk_v6_ext(out, out_h, {ip::kHopByHop, ip::kRouting, ip::kFragment}));
  }
  EXPECT_EQ(out_h.proto, p.udp ? 17 : 50);
  EXPECT_TRUE(pkt::checksums_ok(out)) << "outer IPv4 header or UDP-over-IPv6 checksum";

  size_t esp_off = out_h.hdr_len;
  if (p.udp) {
    EXPECT_EQ(get_be16(out, esp_off), c.udp_sport);
    EXPECT_EQ(get_be16(out, esp_off + 2), c.udp_dport);
    EXPECT_EQ(get_be16(out, esp_off + 4), out.size() - esp_off);
    if (outer_version == 4) {
      EXPECT_EQ(get_be16(out, esp_off + 6), 0);
    } else {
      EXPECT_NE(get_be16(out, esp_off + 6), 0);
    }
    esp_off += 8;
  }
  if (p.mode == Mode::TUNNEL) {
    if (p.outer == 4) {
      EXPECT_EQ(out[0], 0x45);
      EXPECT_EQ(out[1], c.tos);
      EXPECT_EQ(get_be16(out, 4), 0);
      EXPECT_EQ(get_be16(out, 6), 0x4000);
      EXPECT_EQ(out[8], c.ttl);
      EXPECT_TRUE(std::equal(out.begin() + 12, out.begin() + 16, c.tun_src.bytes.begin()));
      EXPECT_TRUE(std::equal(out.begin() + 16, out.begin() + 20, c.tun_dst.bytes.begin()));
    } else {
      EXPECT_EQ(get_be32(out, 0), (6u << 28) | (uint32_t{c.tos} << 20) | c.flow_label);
      EXPECT_EQ(out[7], c.ttl);
      EXPECT_TRUE(std::equal(out.begin() + 8, out.begin() + 24, c.tun_src.bytes.begin()));
      EXPECT_TRUE(std::equal(out.begin() + 24, out.begin() + 40, c.tun_dst.bytes.begin()));
    }
  } else {
    // Transport: the input's header(s), only protocol / lengths / checksum changed.
    Bytes a(inner.begin(), inner.begin() + static_cast<long>(out_h.hdr_len));
    Bytes b(out.begin(), out.begin() + static_cast<long>(out_h.hdr_len));
    a[out_h.nh_offset] = b[out_h.nh_offset];
    if (outer_version == 4) {
      for (size_t i : {2, 3, 10, 11}) a[i] = b[i];
    } else {
      for (size_t i : {4, 5}) a[i] = b[i];
    }
    EXPECT_EQ(a, b);
  }

  // ESP: SPI | seq low | IV = seq | body | ICV, body = padded plaintext.
  const size_t payload_len = p.mode == Mode::TUNNEL ? inner.size() : inner.size() - out_h.hdr_len;
  const size_t body_len = (payload_len + 2 + 3) / 4 * 4;
  ASSERT_EQ(out.size() - esp_off, 16 + body_len + p.icv);
  EXPECT_EQ(get_be32(out, esp_off), c.spi);
  EXPECT_EQ(get_be32(out, esp_off + 4), static_cast<uint32_t>(seq));
  EXPECT_EQ(get_be64(out, esp_off + 8), seq);
  if (p.gmac) {
    // Integrity only: the plaintext is in clear.
    const uint8_t nh = p.mode == Mode::TUNNEL ? (in_h.version == 4 ? 4 : 41) : in_h.proto;
    Bytes payload(inner.end() - static_cast<long>(payload_len), inner.end());
    Bytes expect = testing::with_trailer(payload, nh);
    Bytes got(out.begin() + static_cast<long>(esp_off + 16),
              out.begin() + static_cast<long>(esp_off + 16 + body_len));
    EXPECT_EQ(got, expect);
  }
}

TEST_P(RoundTrip, AllSizes) {
  const SaParams p = GetParam();
  std::vector<uint8_t> inner_versions = p.mode == Mode::TUNNEL ? std::vector<uint8_t>{4, 6}
                                                               : std::vector<uint8_t>{p.outer};
  for (uint8_t inner_v : inner_versions) {
    Pair pair(p);
    uint64_t seq = 0;
    Counters tx_expect, rx_expect;
    uint32_t seed = 1;
    for (size_t n : sizes()) {
      SCOPED_TRACE("inner v" + std::to_string(inner_v) + " payload " + std::to_string(n));
      pkt::PacketSpec s;
      s.version = inner_v;
      s.payload_len = n;
      s.seed = seed++;
      s.l4 = n % 3 == 0 ? pkt::L4::UDP : (n % 3 == 1 ? pkt::L4::TCP : pkt::L4::ICMP);
      const Bytes inner = pkt::build(s);

      Output e = pair.tx.encrypt(0, inner);
      ASSERT_EQ(e.status, Status::OK) << spec::status_name(e.status);
      ++seq;
      EXPECT_EQ(e.seq, seq);
      EXPECT_EQ(e.spi, p.spi);
      EXPECT_EQ(e.sa_index, 0u);
      EXPECT_FALSE(e.soft_expired);
      check_format(p, pair.out_cfg, inner, e.data, seq);
      tx_expect.packets++;
      tx_expect.bytes += inner.size();

      Output d = pair.rx.decrypt(e.data);
      ASSERT_EQ(d.status, Status::OK) << spec::status_name(d.status);
      EXPECT_EQ(d.data, inner);
      EXPECT_EQ(d.seq, seq);
      EXPECT_EQ(d.spi, p.spi);
      EXPECT_EQ(d.sa_index, 0u);
      rx_expect.packets++;
      rx_expect.bytes += inner.size();
    }
    EXPECT_EQ(pair.tx.counters(0), tx_expect);
    EXPECT_EQ(pair.rx.counters(0), rx_expect);
    EXPECT_EQ(pair.tx.tx_seq(0), seq);
    EXPECT_EQ(pair.rx.replay(0).top(), seq);
  }
}

INSTANTIATE_TEST_SUITE_P(Matrix, RoundTrip, ::testing::ValuesIn(matrix()),
                         [](const ::testing::TestParamInfo<SaParams>& i) { return i.param.name(); });

// Trailing bytes after the IP packet (e.g. Ethernet padding) are not encrypted.
TEST(RoundTripExtra, TrailingBytesIgnored) {
  for (Mode mode : {Mode::TUNNEL, Mode::TRANSPORT}) {
    SaParams p;
    p.mode = mode;
    Pair pair(p);
    Bytes inner = pkt::udp(4, 10, 3);
    Bytes padded = inner;
    padded.resize(inner.size() + 7, 0xEE);
    Output e = pair.tx.encrypt(0, padded);
    ASSERT_EQ(e.status, Status::OK);
    EXPECT_EQ(pair.tx.counters(0).bytes, inner.size());
    Output d = pair.rx.decrypt(e.data);
    ASSERT_EQ(d.status, Status::OK);
    EXPECT_EQ(d.data, inner);
  }
}

// Transport mode keeps IPv4 options and IPv6 Hop-by-Hop / Routing headers in
// front of ESP; a Destination Options header goes inside ESP.
TEST(RoundTripExtra, TransportOptionsAndExtensionHeaders) {
  SaParams p;
  p.mode = Mode::TRANSPORT;
  {
    Pair pair(p);
    pkt::PacketSpec s;
    s.version = 4;
    s.payload_len = 33;
    s.ipv4_options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01};  // Router Alert + NOPs
    Bytes inner = pkt::build(s);
    ASSERT_EQ(inner[0], 0x47);
    Output e = pair.tx.encrypt(0, inner);
    ASSERT_EQ(e.status, Status::OK);
    EXPECT_TRUE(std::equal(inner.begin() + 20, inner.begin() + 28, e.data.begin() + 20));
    EXPECT_EQ(e.data[9], 50);
    Output d = pair.rx.decrypt(e.data);
    ASSERT_EQ(d.status, Status::OK);
    EXPECT_EQ(d.data, inner);
  }
  p.outer = 6;
  {
    Pair pair(p);
    pkt::PacketSpec s;
    s.version = 6;
    s.payload_len = 50;
    s.ipv6_ext = {{ip::kHopByHop, 1}, {ip::kRouting, 3}, {ip::kDestOpts, 2}};
    Bytes inner = pkt::build(s);
    Output e = pair.tx.encrypt(0, inner);
    ASSERT_EQ(e.status, Status::OK);
    EXPECT_EQ(e.data[6], ip::kHopByHop);
    EXPECT_EQ(e.data[40], ip::kRouting);
    EXPECT_EQ(e.data[48], 50) << "ESP after the Routing header";
    // The ESP next header is Destination Options (60): last trailer byte in GCM is encrypted,
    // so check it via the round trip.
    Output d = pair.rx.decrypt(e.data);
    ASSERT_EQ(d.status, Status::OK);
    EXPECT_EQ(d.data, inner);
  }
}

// An outer IPv6 packet with Hop-by-Hop and Destination Options before ESP decrypts.
TEST(RoundTripExtra, DecryptSkipsOuterOptionsHeaders) {
  SaParams p;
  p.mode = Mode::TUNNEL;
  p.outer = 6;
  Pair pair(p);
  Bytes inner = pkt::udp(4, 20, 9);
  Output e = pair.tx.encrypt(0, inner);
  ASSERT_EQ(e.status, Status::OK);
  // Insert HbH (8) + DestOpts (8) between the IPv6 header and ESP.
  Bytes pkt(e.data.begin(), e.data.begin() + 40);
  Bytes hbh = {ip::kDestOpts, 0, 1, 4, 0, 0, 0, 0};
  Bytes dst = {50, 0, 1, 4, 0, 0, 0, 0};
  append(pkt, hbh);
  append(pkt, dst);
  pkt.insert(pkt.end(), e.data.begin() + 40, e.data.end());
  pkt[6] = ip::kHopByHop;
  put_be16(pkt, 4, static_cast<uint16_t>(pkt.size() - 40));
  Output d = pair.rx.decrypt(pkt);
  ASSERT_EQ(d.status, Status::OK) << spec::status_name(d.status);
  EXPECT_EQ(d.data, inner);
}

// The sequence number and IV are big-endian seq; the first packet uses seq_start.
TEST(RoundTripExtra, SeqStart) {
  SaParams p;
  p.esn = true;
  runtime::SaConfig c = testing::make_sa(p, runtime::Direction::Outbound);
  c.seq_start = 0x1234567890ull;
  RefEngine e(4);
  ASSERT_EQ(e.add_sa(c), 0u);
  Output o = e.encrypt(0, pkt::udp(4, 1));
  ASSERT_EQ(o.status, Status::OK);
  EXPECT_EQ(o.seq, 0x1234567890ull);
  EXPECT_EQ(get_be32(o.data, 24), 0x34567890u);
  EXPECT_EQ(get_be64(o.data, 28), 0x1234567890ull);
}

}  // namespace
}  // namespace esp::ref
