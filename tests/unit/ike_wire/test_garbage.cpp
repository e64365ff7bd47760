// Garbage in (no libFuzzer needed): random datagrams, mutated real ones and
// mismatched (datagram, parsed) pairs into open_message() and a Defragmenter
// that is half-way through a real message. Nothing crashes (ASan/UBSan run
// this), nothing unauthenticated opens or changes the reassembly, and the
// real message still completes afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "esp/ike/protect.hpp"
#include "wire_util.hpp"

using namespace esp::ike;
using namespace esp::ike::test;
using State = Defragmenter::State;

namespace {

// A datagram shaped like an IKE message often enough that the codec accepts
// it: a header with SK or SKF and a consistent length, random payload bytes.
Bytes random_datagram(std::mt19937& rng) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> len(0, 700);
  Bytes d(len(rng));
  for (auto& b : d) b = static_cast<std::uint8_t>(byte(rng));
  if (d.size() >= 36 && byte(rng) < 200) {
    d[16] = byte(rng) < 128 ? 46 : 53;
    d[17] = 0x20;
    for (std::size_t i = 0; i < 4; ++i) d[24 + i] = static_cast<std::uint8_t>(d.size() >> (24 - 8 * i));
    const std::size_t plen = d.size() - 28;
    d[30] = static_cast<std::uint8_t>(plen >> 8);
    d[31] = static_cast<std::uint8_t>(plen);
    if (d[16] == 53) {  // a plausible Fragment Number / Total Fragments
      d[32] = 0;
      d[33] = static_cast<std::uint8_t>(1 + byte(rng) % 4);
      d[34] = 0;
      d[35] = static_cast<std::uint8_t>(d[33] + byte(rng) % 3);
    }
  }
  return d;
}

Bytes mutate(const Bytes& good, std::mt19937& rng) {
  std::uniform_int_distribution<int> byte(0, 255);
  Bytes d = good;
  switch (byte(rng) % 4) {
    case 0: {  // flip a few bytes, often in the headers
      const int flips = 1 + byte(rng) % 4;
      for (int k = 0; k < flips; ++k) {
        const std::size_t span = byte(rng) < 128 ? std::min<std::size_t>(40, d.size()) : d.size();
        const std::size_t pos = std::uniform_int_distribution<std::size_t>(0, span - 1)(rng);
        d[pos] ^= static_cast<std::uint8_t>(1 + byte(rng) % 255);
      }
      break;
    }
    case 1:  // truncate, keep the length fields consistent
      d.resize(static_cast<std::size_t>(byte(rng)) * d.size() / 256);
      if (d.size() >= 32) {
        for (std::size_t i = 0; i < 4; ++i) d[24 + i] = static_cast<std::uint8_t>(d.size() >> (24 - 8 * i));
        d[30] = static_cast<std::uint8_t>((d.size() - 28) >> 8);
        d[31] = static_cast<std::uint8_t>(d.size() - 28);
      }
      break;
    case 2:  // extend
      for (int k = 0; k < 1 + byte(rng) % 40; ++k) d.push_back(static_cast<std::uint8_t>(byte(rng)));
      for (std::size_t i = 0; i < 4; ++i) d[24 + i] = static_cast<std::uint8_t>(d.size() >> (24 - 8 * i));
      d[30] = static_cast<std::uint8_t>((d.size() - 28) >> 8);
      d[31] = static_cast<std::uint8_t>(d.size() - 28);
      break;
    default:  // a length field lies
      d[24 + static_cast<std::size_t>(byte(rng)) % 8] = static_cast<std::uint8_t>(byte(rng));
      break;
  }
  return d;
}

TEST(IkeWireGarbage, NothingCrashesNothingUnauthenticatedGetsIn) {
  for (const Suite& s : kSuites) {
    SCOPED_TRACE(s.name);
    std::mt19937 rng(1234);
    auto cp = cipher_pair(s);
    const auto inner = auth_inner(2600);
    auto frags = seal_message(auth_header(10), inner, *cp.tx, 576);
    auto whole = seal_message(auth_header(11), inner, *cp.tx, 0);
    ASSERT_TRUE(frags && whole);
    const auto& f = frags.value();
    const std::size_t n = f.size();
    std::vector<Message> fp;
    for (const Bytes& d : f) fp.push_back(parse(d).value());
    const Message wp = parse(whole.value()[0]).value();

    Defragmenter df;
    for (std::size_t i = 0; i + 1 < n; i += 2) ASSERT_EQ(df.add(f[i], fp[i], *cp.rx).state, State::Incomplete);
    const std::size_t held = df.fragments_held();
    std::size_t parsed = 0;
    for (int round = 0; round < 3000; ++round) {
      Bytes d;
      switch (round % 3) {
        case 0: d = random_datagram(rng); break;
        case 1: d = mutate(f[static_cast<std::size_t>(round) % n], rng); break;
        default: d = mutate(whole.value()[0], rng); break;
      }
      if (d == f[static_cast<std::size_t>(round) % n] || d == whole.value()[0]) continue;
      auto m = parse(d);
      if (!m) continue;
      ++parsed;
      bool auth = true;
      EXPECT_FALSE(open_message(d, m.value(), *cp.rx, &auth)) << round;
      EXPECT_FALSE(auth);
      auto r = df.add(d, m.value(), *cp.rx);
      EXPECT_EQ(r.state, State::Dropped) << round;
      // Mismatched pairs: this datagram with a real message's parse, and the
      // other way round. A real datagram opens only with a parse that says
      // what its bytes say (the mutation may have touched only bits the
      // codec ignores).
      EXPECT_FALSE(open_message(d, wp, *cp.rx));
      auto o = open_message(whole.value()[0], m.value(), *cp.rx);
      if (o) {
        EXPECT_EQ(m.value().header.message_id, wp.header.message_id) << round;
        EXPECT_EQ(m.value().header.flags, wp.header.flags) << round;
        EXPECT_EQ(m.value().header.exchange, wp.header.exchange) << round;
        EXPECT_EQ(m.value().header.spi_i, wp.header.spi_i) << round;
        EXPECT_EQ(m.value().header.spi_r, wp.header.spi_r) << round;
        EXPECT_EQ(chain_bytes(o.value()), chain_bytes(inner));
      }
      EXPECT_EQ(df.add(d, fp[0], *cp.rx).state, State::Dropped);
      EXPECT_EQ(df.add(f[0], m.value(), *cp.rx).state, State::Dropped);  // held already, or not its parse
    }
    EXPECT_GT(parsed, 1000u) << "the garbage must reach the decryption";
    EXPECT_EQ(df.fragments_held(), held);
    EXPECT_EQ(df.message_id(), 10u);
    Defragmenter::Result r;
    for (std::size_t i = 1; i < n; i += 2) r = df.add(f[i], fp[i], *cp.rx);
    if (n % 2 == 1) r = df.add(f[n - 1], fp[n - 1], *cp.rx);
    ASSERT_EQ(r.state, State::Complete) << r.why;
    EXPECT_EQ(chain_bytes(r.inner), chain_bytes(inner));
  }
}

TEST(IkeWireGarbage, HandMadeMessages) {
  // Messages a caller could build by hand rather than parse: no payloads,
  // SKF with bad numbers, an empty body.
  auto cp = cipher_pair(kSuites[0]);
  Defragmenter df;
  Message empty;
  const Bytes none;
  EXPECT_FALSE(open_message(none, empty, *cp.rx));
  EXPECT_EQ(df.add(none, empty, *cp.rx).state, State::Dropped);
  for (auto [num, tot] : {std::pair<int, int>{0, 1}, {2, 1}, {1, 0}, {1, 65535}}) {
    Message m;
    m.header = auth_header(1);
    m.payloads.push_back(make_payload(
        PayloadType::SKF, SkfPayload{PayloadType::None, static_cast<std::uint16_t>(num),
                                     static_cast<std::uint16_t>(tot), Bytes(40, 0)}));
    Bytes d(28 + 8 + 40);
    m.header.length = static_cast<std::uint32_t>(d.size());
    EXPECT_EQ(df.add(d, m, *cp.rx).state, State::Dropped) << num << "/" << tot;
  }
  Message sk;
  sk.header = auth_header(1);
  sk.payloads.push_back(make_payload(PayloadType::SK, SkPayload{PayloadType::IDi, {}}));
  Bytes d(32);
  sk.header.length = 32;
  EXPECT_FALSE(open_message(d, sk, *cp.rx));
  EXPECT_FALSE(df.assembling());
}

}  // namespace
