#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "esp/runtime/sa_config.hpp"

using esp::runtime::Direction;
using esp::runtime::IpAddr;
using esp::runtime::SaConfig;
namespace spec = esp::spec;

namespace {

SaConfig outbound_tunnel() {
  SaConfig c;
  c.spi = 0x1234;
  c.direction = Direction::Outbound;
  c.mode = spec::Mode::TUNNEL;
  c.key.assign(16, 0x42);
  c.tun_src = IpAddr::parse("192.0.2.1");
  c.tun_dst = IpAddr::parse("192.0.2.2");
  return c;
}

SaConfig inbound() {
  SaConfig c = outbound_tunnel();
  c.direction = Direction::Inbound;
  return c;
}

// validate() throws std::invalid_argument naming the field and the bad value.
void expect_bad(const SaConfig& c, const std::string& field, const std::string& value) {
  try {
    c.validate();
    ADD_FAILURE() << "accepted; expected an error on " << field;
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("SaConfig." + field), std::string::npos) << m;
    EXPECT_NE(m.find(value), std::string::npos) << m;
  }
}

}  // namespace

TEST(SaConfig, GoodConfigsPass) {
  EXPECT_NO_THROW(outbound_tunnel().validate());
  EXPECT_NO_THROW(inbound().validate());
  SaConfig c = outbound_tunnel();
  c.key.assign(32, 1);
  c.icv_len = 8;
  EXPECT_NO_THROW(c.validate());
  c.icv_len = 12;
  EXPECT_NO_THROW(c.validate());
  c.tun_src = IpAddr::parse("2001:db8::1");
  c.tun_dst = IpAddr::parse("2001:db8::2");
  c.flow_label = 0xFFFFF;
  EXPECT_NO_THROW(c.validate());
  // Transport mode needs no addresses; nor does an inbound tunnel SA.
  SaConfig t = outbound_tunnel();
  t.mode = spec::Mode::TRANSPORT;
  t.tun_src = IpAddr();
  t.tun_dst = IpAddr();
  EXPECT_NO_THROW(t.validate());
  SaConfig i = inbound();
  i.tun_src = IpAddr();
  i.tun_dst = IpAddr();
  EXPECT_NO_THROW(i.validate());
}

TEST(SaConfig, Key) {
  SaConfig c = outbound_tunnel();
  c.key.assign(20, 0);
  expect_bad(c, "key", "20");
  c.key.clear();
  expect_bad(c, "key", "got 0");
  c.key.assign(24, 0);  // AES-192 is not a card mode
  expect_bad(c, "key", "24");
}

TEST(SaConfig, IcvLen) {
  SaConfig c = outbound_tunnel();
  for (int b : {0, 4, 10, 15, 32}) {
    const auto bad = static_cast<uint8_t>(b);
    c.icv_len = bad;
    expect_bad(c, "icv_len", "got " + std::to_string(bad));
  }
}

TEST(SaConfig, WindowBits) {
  SaConfig c = inbound();
  for (uint32_t w : {0u, 32u, 100u, 4095u, 131072u, 0x80000000u}) {
    c.window_bits = w;
    expect_bad(c, "window_bits", "got " + std::to_string(w));
  }
  for (uint32_t w : {64u, 128u, 1024u, 4096u, 65536u}) {
    c.window_bits = w;
    EXPECT_NO_THROW(c.validate()) << w;
  }
  // An outbound SA has no window: not checked.
  SaConfig o = outbound_tunnel();
  o.window_bits = 100;
  EXPECT_NO_THROW(o.validate());
}

TEST(SaConfig, SeqStart) {
  SaConfig c = outbound_tunnel();
  c.seq_start = 0;
  expect_bad(c, "seq_start", "got 0");
  c.seq_start = 0x100000000ull;
  expect_bad(c, "seq_start", "4294967296");
  c.seq_start = 0xFFFFFFFFull;  // the last sequence number without ESN
  EXPECT_NO_THROW(c.validate());
  c.esn = true;
  c.seq_start = 0x100000000ull;
  EXPECT_NO_THROW(c.validate());
  c.seq_start = ~0ull;
  EXPECT_NO_THROW(c.validate());
}

TEST(SaConfig, TunnelAddresses) {
  SaConfig c = outbound_tunnel();
  c.tun_src = IpAddr();
  expect_bad(c, "tun_src", "must be set");
  c = outbound_tunnel();
  c.tun_dst = IpAddr();
  expect_bad(c, "tun_dst", "must be set");
  c = outbound_tunnel();
  c.tun_dst = IpAddr::parse("2001:db8::2");
  expect_bad(c, "tun_dst", "2001:db8::2");
  c = outbound_tunnel();
  c.tun_src.version = 5;
  expect_bad(c, "tun_src", "got 5");
  // Inbound: one address without the other is a mistake.
  SaConfig i = inbound();
  i.tun_dst = IpAddr();
  expect_bad(i, "tun_dst", "must be set");
}

TEST(SaConfig, OtherFields) {
  SaConfig c = outbound_tunnel();
  c.spi = 0;
  expect_bad(c, "spi", "0");
  c = outbound_tunnel();
  c.flow_label = 0x100000;
  expect_bad(c, "flow_label", "0x100000");
  c = outbound_tunnel();
  c.udp_encap = true;
  c.udp_dport = 0;
  expect_bad(c, "udp_dport", "0");
  c = outbound_tunnel();
  c.mode = static_cast<spec::Mode>(7);
  expect_bad(c, "mode", "got 7");
  c = outbound_tunnel();
  c.direction = static_cast<Direction>(9);
  expect_bad(c, "direction", "got 9");
}
