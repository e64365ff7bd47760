// The compat ap_uint<W> (hw/hls/compat/ap_int.h) against a bit-by-bit model.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

#include "esp/hls/types.hpp"

namespace {

static_assert(sizeof(ap_uint<64>) == 8, "ap_uint<64> is one limb");
static_assert(sizeof(ap_uint<512>) == 64, "ap_uint<512> is eight limbs");
static_assert(sizeof(ap_uint<100>) == 16, "ap_uint<100> is two limbs");
static_assert(std::is_standard_layout<ap_uint<512>>::value, "host code reinterprets card memory");
static_assert(std::is_trivially_copyable<ap_uint<512>>::value, "host code memcpy's card memory");
static_assert(std::is_same<ap_uint<8>::native_type, unsigned char>::value, "");
static_assert(std::is_same<ap_uint<32>::native_type, unsigned int>::value, "");
static_assert(std::is_same<ap_uint<33>::native_type, unsigned long long>::value, "");
static_assert(ctl_word_t::width == 64 && pkt_word_t::width == 512, "port widths");

// The model: one bool per bit.
template <int W>
std::vector<bool> bits_of(const ap_uint<W>& x) {
  std::vector<bool> b(W);
  for (int i = 0; i < W; ++i) b[static_cast<size_t>(i)] = (x.limb(i / 64) >> (i % 64)) & 1u;
  return b;
}

template <int W>
ap_uint<W> random_value(std::mt19937_64& rng) {
  ap_uint<W> x;
  for (int i = 0; i < ap_uint<W>::kLimbs; ++i) x.set_limb(i, rng());
  return x;
}

template <int W>
void check_ranges(std::mt19937_64& rng, int iters) {
  for (int it = 0; it < iters; ++it) {
    ap_uint<W> x = random_value<W>(rng);
    const auto xb = bits_of(x);
    const int lo = static_cast<int>(rng() % W);
    const int hi = lo + static_cast<int>(rng() % static_cast<uint64_t>(W - lo));
    // get: value and proxy, const and not
    const ap_uint<W> g = x.range(hi, lo);
    const ap_uint<W>& cx = x;
    const ap_uint<W> gc = cx.range(hi, lo);
    const ap_uint<W> gp = x(hi, lo);
    const auto gb = bits_of(g);
    for (int i = 0; i < W; ++i) {
      const bool want = i <= hi - lo ? xb[static_cast<size_t>(lo + i)] : false;
      ASSERT_EQ(gb[static_cast<size_t>(i)], want) << "W " << W << " range(" << hi << "," << lo << ") bit " << i;
    }
    ASSERT_TRUE(g == gc && g == gp);
    if (hi - lo < 64) {
      uint64_t v = 0;
      for (int i = hi; i >= lo; --i) v = (v << 1) | (xb[static_cast<size_t>(i)] ? 1u : 0u);
      ASSERT_EQ(x.range(hi, lo).to_uint64(), v);
      ASSERT_EQ(cx.range(hi, lo).to_uint64(), v);
    }
    // set from a random wide value: bits [lo, hi] replaced by its low bits, the rest kept
    const ap_uint<W> v = random_value<W>(rng);
    const auto vb = bits_of(v);
    ap_uint<W> y = x;
    y.range(hi, lo) = v;
    const auto yb = bits_of(y);
    for (int i = 0; i < W; ++i) {
      const bool want = (i >= lo && i <= hi) ? vb[static_cast<size_t>(i - lo)] : xb[static_cast<size_t>(i)];
      ASSERT_EQ(yb[static_cast<size_t>(i)], want) << "W " << W << " set range(" << hi << "," << lo << ") bit " << i;
    }
    // set through operator() from a 64-bit integer
    const uint64_t s = rng();
    ap_uint<W> z = x;
    z(hi, lo) = s;
    const auto zb = bits_of(z);
    for (int i = 0; i < W; ++i) {
      bool want = xb[static_cast<size_t>(i)];
      if (i >= lo && i <= hi) want = (i - lo) < 64 ? ((s >> (i - lo)) & 1u) != 0 : false;
      ASSERT_EQ(zb[static_cast<size_t>(i)], want) << "W " << W << " set64 range(" << hi << "," << lo << ") bit " << i;
    }
  }
}

TEST(CompatApUint, RangeGetSetAcrossLimbs) {
  std::mt19937_64 rng(11);
  check_ranges<512>(rng, 3000);
  check_ranges<128>(rng, 2000);
  check_ranges<100>(rng, 2000);
  check_ranges<64>(rng, 1000);
  check_ranges<13>(rng, 500);
}

TEST(CompatApUint, RangeFixedCases) {
  pkt_word_t line = 0;
  for (unsigned w = 0; w < 8; ++w) line.range(64 * w + 63, 64 * w) = 0x0101010101010101ull * (w + 1);
  for (unsigned w = 0; w < 8; ++w) EXPECT_EQ(line.range(64 * w + 63, 64 * w).to_uint64(), 0x0101010101010101ull * (w + 1));
  // straddling limbs 0/1 and 6/7
  line.range(71, 56) = 0xBEEFu;
  EXPECT_EQ(line.range(71, 56).to_uint(), 0xBEEFu);
  EXPECT_EQ(line.range(55, 0).to_uint64(), 0x01010101010101ull);
  EXPECT_EQ(line.range(127, 72).to_uint64(), 0x02020202020202ull);
  line(450, 440) = 0x7FFu;
  EXPECT_EQ(line(450, 440).to_uint(), 0x7FFu);
  // Vitis-style range copy between words
  ctl_word_t a = 0x1122334455667788ull;
  ctl_word_t b = 0;
  b.range(31, 0) = a.range(63, 32);
  EXPECT_EQ(b.to_uint64(), 0x11223344ull);
  b.range(15, 8) = b.range(7, 0);
  EXPECT_EQ(b.to_uint64(), 0x11224444ull);
  EXPECT_TRUE(b.range(31, 16) == 0x1122u);
  // full width
  ctl_word_t c = 0;
  c.range(63, 0) = ~0ull;
  EXPECT_EQ(c.to_uint64(), ~0ull);
}

TEST(CompatApUint, BitAccess) {
  ap_uint<200> x = 0;
  x[0] = 1;
  x[63] = true;
  x[64] = 1;
  x[199] = 1;
  EXPECT_TRUE(x[0] && x[63] && x[64] && x[199]);
  EXPECT_FALSE(x[1] || x[65] || x[198]);
  EXPECT_EQ(x.limb(0), 0x8000000000000001ull);
  EXPECT_EQ(x.limb(1), 1u);
  EXPECT_EQ(x.limb(3), uint64_t{1} << 7);
  x[63] = x[1];
  EXPECT_FALSE(x[63]);
  x.set_bit(100, true);
  EXPECT_TRUE(x.bit(100));
  const ap_uint<200>& cx = x;
  EXPECT_TRUE(cx[100]);
  x[100] = false;
  EXPECT_FALSE(x.bit(100));
  ap_uint<1> one = x[0];
  EXPECT_EQ(one.to_uint(), 1u);
}

template <int W>
void check_shifts_and_logic(std::mt19937_64& rng, int iters) {
  for (int it = 0; it < iters; ++it) {
    const ap_uint<W> x = random_value<W>(rng);
    const ap_uint<W> y = random_value<W>(rng);
    const auto xb = bits_of(x), yb = bits_of(y);
    const unsigned s = static_cast<unsigned>(rng() % (W + 10));
    const auto l = bits_of(x << s), r = bits_of(x >> s);
    const auto l2 = bits_of(x >> -static_cast<int>(s));
    ap_uint<W> la = x;
    la <<= s;
    ap_uint<W> ra = x;
    ra >>= s;
    ASSERT_TRUE(la == (x << s) && ra == (x >> s));
    for (int i = 0; i < W; ++i) {
      const size_t u = static_cast<size_t>(i);
      const bool wl = i >= static_cast<int>(s) ? xb[u - s] : false;
      const bool wr = i + static_cast<int>(s) < W ? xb[u + s] : false;
      ASSERT_EQ(l[u], wl) << "W " << W << " << " << s << " bit " << i;
      ASSERT_EQ(l2[u], wl) << "W " << W << " >> -" << s << " bit " << i;
      ASSERT_EQ(r[u], wr) << "W " << W << " >> " << s << " bit " << i;
    }
    const auto a = bits_of(x & y), o = bits_of(x | y), e = bits_of(x ^ y), n = bits_of(~x);
    for (size_t i = 0; i < static_cast<size_t>(W); ++i) {
      ASSERT_EQ(a[i], xb[i] && yb[i]);
      ASSERT_EQ(o[i], xb[i] || yb[i]);
      ASSERT_EQ(e[i], xb[i] != yb[i]);
      ASSERT_EQ(n[i], !xb[i]);
    }
    // + and - modulo 2^W, against a ripple-carry model
    const auto sum = bits_of(x + y), diff = bits_of(x - y);
    bool carry = false, borrow = false;
    for (size_t i = 0; i < static_cast<size_t>(W); ++i) {
      const bool sb = xb[i] != yb[i] ? !carry : carry;
      carry = (xb[i] && yb[i]) || (carry && (xb[i] != yb[i]));
      ASSERT_EQ(sum[i], sb) << "W " << W << " + bit " << i;
      const bool db = (xb[i] != yb[i]) != borrow;
      borrow = (!xb[i] && (yb[i] || borrow)) || (xb[i] && yb[i] && borrow);
      ASSERT_EQ(diff[i], db) << "W " << W << " - bit " << i;
    }
    ASSERT_TRUE((x + y) - y == x);
    ASSERT_EQ(x == y, bits_of(x) == bits_of(y));
    ASSERT_TRUE(x == x && !(x != x) && x <= x && x >= x);
    ASSERT_EQ(x < y, !(x >= y));
    ASSERT_EQ(x > y, y < x);
  }
}

TEST(CompatApUint, ShiftsLogicArithmetic) {
  std::mt19937_64 rng(12);
  check_shifts_and_logic<512>(rng, 400);
  check_shifts_and_logic<128>(rng, 400);
  check_shifts_and_logic<100>(rng, 400);
  check_shifts_and_logic<64>(rng, 400);
  check_shifts_and_logic<7>(rng, 200);
}

TEST(CompatApUint, ConstructionAndConversion) {
  const ap_uint<8> m1 = -1;  // wraps modulo 2^W
  EXPECT_EQ(m1.to_uint(), 0xFFu);
  const ap_uint<512> big = -1;
  for (int i = 0; i < 8; ++i) EXPECT_EQ(big.limb(i), ~0ull);
  EXPECT_TRUE(big.and_reduce());
  const ap_uint<100> t = -2;
  EXPECT_EQ(t.limb(1), (uint64_t{1} << 36) - 1);
  EXPECT_EQ(t.limb(0), ~0ull - 1);
  const ap_uint<70> w = ap_uint<512>(big);  // truncation
  EXPECT_EQ(w.limb(1), 0x3Fu);
  const ap_uint<512> z = ap_uint<16>(0xABCD);  // zero extension
  EXPECT_EQ(z.limb(0), 0xABCDu);
  EXPECT_EQ(z.limb(1), 0u);
  const ap_uint<12> u12 = 0x1234;
  EXPECT_EQ(u12.to_uint(), 0x234u);
  EXPECT_EQ(u12.length(), 12);
  // native conversion for W <= 64
  const uint16_t n16 = ap_uint<16>(0xBEEF);
  EXPECT_EQ(n16, 0xBEEF);
  const uint64_t n64 = ctl_word_t(0x0123456789ABCDEFull);
  EXPECT_EQ(n64, 0x0123456789ABCDEFull);
  const ctl_word_t cw = ctl_word_t(5) * ctl_word_t(7);  // through the native type
  EXPECT_EQ(cw.to_uint64(), 35u);
  ap_uint<8> c8 = 250;
  c8 += 10;
  EXPECT_EQ(c8.to_uint(), 4u);
  ++c8;
  c8--;
  EXPECT_EQ(c8.to_uint(), 4u);
  EXPECT_TRUE(c8 == 4 && 4 == c8 && c8 != 5 && c8 < 5 && c8 > 3u);
  EXPECT_EQ((c8 | 0xF0).to_uint(), 0xF4u);
  EXPECT_EQ((0x0F & ap_uint<8>(0x3C)).to_uint(), 0x0Cu);
  EXPECT_TRUE(ap_uint<3>(5).xor_reduce() == false && ap_uint<3>(7).xor_reduce());
  EXPECT_FALSE(ap_uint<300>(0).or_reduce());
  EXPECT_TRUE(!ap_uint<300>(0));
  EXPECT_EQ((ap_uint<512>(1) << 511).limb(7), uint64_t{1} << 63);
  EXPECT_EQ((ap_uint<512>(1) << ap_uint<16>(300)).limb(4), uint64_t{1} << 44);
  ap_uint<64> sh = 1;
  sh <<= 63u;
  EXPECT_EQ(sh.to_uint64(), uint64_t{1} << 63);
  sh >>= 62;
  EXPECT_EQ(sh.to_uint64(), 2u);
}

TEST(CompatApUint, CardMemoryView) {
  // Host code reinterprets card memory as ap_uint arrays: limb i is bytes
  // 8i..8i+7, little-endian.
  alignas(64) uint8_t mem[128];
  for (unsigned i = 0; i < sizeof(mem); ++i) mem[i] = static_cast<uint8_t>(i);
  const auto* lines = reinterpret_cast<const pkt_word_t*>(mem);
  EXPECT_EQ(lines[1].range(7, 0).to_uint(), 64u);
  EXPECT_EQ(lines[0].range(71, 64).to_uint(), 8u);
  const auto* words = reinterpret_cast<const ctl_word_t*>(mem);
  EXPECT_EQ(words[2].to_uint64(), 0x1716151413121110ull);
}

}  // namespace
