// Compat ap_uint<W> for building the HLS kernel with g++ when Vitis HLS is
// absent. Only used outside Vitis (Vitis puts its own ap_int.h first on the
// include path). Written for this project; not the Vitis implementation.
//
// Layout: an ap_uint<W> is an array of ceil(W/64) uint64_t limbs, least
// significant limb first, and nothing else (standard layout, trivially
// copyable), so sizeof(ap_uint<64>) == 8 and sizeof(ap_uint<512>) == 64 and
// host code may view card memory as arrays of them. Bits above W in the top
// limb are always zero.
//
// Supported (Vitis spelling):
//   construction / assignment from any integer type (negative values wrap
//   modulo 2^W) and from ap_uint of any width (truncate / zero-extend);
//   x.range(hi, lo) and x(hi, lo) as value and as assignment target
//   (hi >= lo, both < W); x[i] read / write; x.bit(i), x.set_bit(i, b);
//   to_uint64(), to_uint(), to_int(), to_ulong(), length();
//   implicit conversion to the smallest native unsigned type for W <= 64;
//   << >> (count >= W gives 0), & | ^ ~, + - (modulo 2^W), == != < <= > >=,
//   compound assignments, ++/--, and_reduce/or_reduce/xor_reduce.
//
// Differences from Vitis, on purpose: binary + and - keep the width of the
// wider operand (Vitis widens the result by one bit); mixing with a native
// integer converts the integer to ap_uint<W> first. For W <= 64, * / % work
// through the native conversion. There is no ap_int (signed) type.
#pragma once

#include <cassert>
#include <cstdint>
#include <type_traits>

#define ESP_HLS_COMPAT_AP_INT 1

template <int W>
class ap_uint;
template <int W>
class ap_range_ref;
template <int W>
class ap_bit_ref;

namespace ap_compat_detail {

// Target of the conversion operator of widths above 64: converts to nothing.
struct no_native_conversion {};

template <int W>
struct native {
  using type = typename std::conditional<
      (W <= 8), unsigned char,
      typename std::conditional<
          (W <= 16), unsigned short,
          typename std::conditional<(W <= 32), unsigned int,
                                    typename std::conditional<(W <= 64), unsigned long long,
                                                              no_native_conversion>::type>::type>::type>::type;
};

constexpr uint64_t low_mask(int n) { return n >= 64 ? ~uint64_t{0} : ((uint64_t{1} << n) - 1); }
constexpr int max_int(int a, int b) { return a > b ? a : b; }

template <class T>
constexpr bool is_negative_impl(T x, std::true_type) { return x < 0; }
template <class T>
constexpr bool is_negative_impl(T, std::false_type) { return false; }
template <class T>
constexpr bool is_negative(T x) { return is_negative_impl(x, std::is_signed<T>{}); }
// |x| of a negative x, as an unsigned 64-bit count.
template <class T>
constexpr unsigned long long neg_magnitude(T x) { return 0ull - static_cast<unsigned long long>(x); }

}  // namespace ap_compat_detail

template <int W>
class ap_uint {
  static_assert(W >= 1 && W <= 1024, "compat ap_uint supports 1..1024 bits");

 public:
  static constexpr int width = W;
  static constexpr int kLimbs = (W + 63) / 64;
  using native_type = typename ap_compat_detail::native<W>::type;

  // ---- construction

  ap_uint() : v_{} {}

  template <class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
  ap_uint(T x) : v_{} {  // NOLINT(google-explicit-constructor): Vitis converts implicitly
    set_integral(x);
  }

  template <int W2>
  ap_uint(const ap_uint<W2>& o) : v_{} {  // NOLINT(google-explicit-constructor)
    constexpr int n = kLimbs < ap_uint<W2>::kLimbs ? kLimbs : ap_uint<W2>::kLimbs;
    for (int i = 0; i < n; ++i) v_[i] = o.limb(i);
    clear_top();
  }

  template <int W2>
  ap_uint(const ap_range_ref<W2>& r) : ap_uint(r.get()) {}  // NOLINT(google-explicit-constructor)

  template <int W2>
  ap_uint(const ap_bit_ref<W2>& b) : ap_uint(static_cast<unsigned>(static_cast<bool>(b))) {}  // NOLINT

  // ---- limbs (compat only: fast host access)

  uint64_t limb(int i) const { return v_[i]; }
  void set_limb(int i, uint64_t x) {
    v_[i] = x;
    if (i == kLimbs - 1) clear_top();
  }

  // ---- conversions

  uint64_t to_uint64() const { return v_[0]; }
  unsigned long long to_ulong() const { return v_[0]; }
  unsigned to_uint() const { return static_cast<unsigned>(v_[0]); }
  int to_int() const { return static_cast<int>(static_cast<unsigned>(v_[0])); }
  int64_t to_int64() const { return static_cast<int64_t>(v_[0]); }
  bool to_bool() const { return or_reduce(); }
  static constexpr int length() { return W; }

  // Implicit conversion to the smallest native unsigned type (W <= 64 only).
  operator native_type() const { return to_native(static_cast<native_type*>(nullptr)); }

  // ---- bits

  bool bit(int i) const {
    assert(i >= 0 && i < W);
    return (v_[i / 64] >> (i % 64)) & 1u;
  }
  void set_bit(int i, bool b) {
    assert(i >= 0 && i < W);
    const uint64_t m = uint64_t{1} << (i % 64);
    if (b) v_[i / 64] |= m;
    else v_[i / 64] &= ~m;
  }
  bool test(int i) const { return bit(i); }
  bool get_bit(int i) const { return bit(i); }
  bool operator[](int i) const { return bit(i); }
  ap_bit_ref<W> operator[](int i) { return ap_bit_ref<W>(*this, i); }

  // ---- bit ranges, hi >= lo

  ap_range_ref<W> range(int hi, int lo) { return ap_range_ref<W>(*this, hi, lo); }
  ap_uint range(int hi, int lo) const { return get_range(hi, lo); }
  ap_range_ref<W> operator()(int hi, int lo) { return range(hi, lo); }
  ap_uint operator()(int hi, int lo) const { return get_range(hi, lo); }

  ap_uint get_range(int hi, int lo) const {
    assert(lo >= 0 && hi < W && hi >= lo);
    const int n = hi - lo + 1;
    ap_uint r;
    for (int off = 0; off < n; off += 64) {
      const int c = n - off < 64 ? n - off : 64;
      r.put_bits(off, c, get_bits(lo + off, c));
    }
    return r;
  }

  template <int W2>
  void set_range(int hi, int lo, const ap_uint<W2>& val) {
    assert(lo >= 0 && hi < W && hi >= lo);
    const int n = hi - lo + 1;
    const ap_uint src(val);  // truncated / zero-extended to W bits; n <= W
    for (int off = 0; off < n; off += 64) {
      const int c = n - off < 64 ? n - off : 64;
      put_bits(lo + off, c, src.get_bits(off, c));
    }
  }

  // Bits [lo, lo+n) as an integer, 1 <= n <= 64, lo + n <= W.
  uint64_t get_bits(int lo, int n) const {
    const int li = lo / 64;
    const int sh = lo % 64;
    uint64_t r = v_[li] >> sh;
    if (sh != 0 && li + 1 < kLimbs) r |= v_[li + 1] << (64 - sh);
    return r & ap_compat_detail::low_mask(n);
  }
  // Sets bits [lo, lo+n) to the low n bits of x, 1 <= n <= 64, lo + n <= W.
  void put_bits(int lo, int n, uint64_t x) {
    const uint64_t m = ap_compat_detail::low_mask(n);
    x &= m;
    const int li = lo / 64;
    const int sh = lo % 64;
    v_[li] = (v_[li] & ~(m << sh)) | (x << sh);
    if (sh != 0 && sh + n > 64 && li + 1 < kLimbs) {
      const int done = 64 - sh;
      v_[li + 1] = (v_[li + 1] & ~(m >> done)) | (x >> done);
    }
  }

  // ---- reductions

  bool or_reduce() const {
    uint64_t a = 0;
    for (int i = 0; i < kLimbs; ++i) a |= v_[i];
    return a != 0;
  }
  bool and_reduce() const { return *this == ~ap_uint(); }
  bool xor_reduce() const {
    uint64_t a = 0;
    for (int i = 0; i < kLimbs; ++i) a ^= v_[i];
    a ^= a >> 32;
    a ^= a >> 16;
    a ^= a >> 8;
    a ^= a >> 4;
    a ^= a >> 2;
    a ^= a >> 1;
    return (a & 1u) != 0;
  }

  // ---- arithmetic / logic in place

  ap_uint& operator&=(const ap_uint& o) {
    for (int i = 0; i < kLimbs; ++i) v_[i] &= o.v_[i];
    return *this;
  }
  ap_uint& operator|=(const ap_uint& o) {
    for (int i = 0; i < kLimbs; ++i) v_[i] |= o.v_[i];
    return *this;
  }
  ap_uint& operator^=(const ap_uint& o) {
    for (int i = 0; i < kLimbs; ++i) v_[i] ^= o.v_[i];
    return *this;
  }
  ap_uint& operator+=(const ap_uint& o) {
    uint64_t carry = 0;
    for (int i = 0; i < kLimbs; ++i) {
      const uint64_t a = v_[i];
      const uint64_t s = a + o.v_[i];
      const uint64_t c1 = s < a ? 1u : 0u;
      const uint64_t s2 = s + carry;
      const uint64_t c2 = s2 < s ? 1u : 0u;
      v_[i] = s2;
      carry = c1 | c2;
    }
    clear_top();
    return *this;
  }
  ap_uint& operator-=(const ap_uint& o) {
    uint64_t borrow = 0;
    for (int i = 0; i < kLimbs; ++i) {
      const uint64_t a = v_[i];
      const uint64_t d = a - o.v_[i];
      const uint64_t b1 = a < o.v_[i] ? 1u : 0u;
      const uint64_t d2 = d - borrow;
      const uint64_t b2 = d < borrow ? 1u : 0u;
      v_[i] = d2;
      borrow = b1 | b2;
    }
    clear_top();
    return *this;
  }
  template <class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
  ap_uint& operator<<=(T s) {
    if (ap_compat_detail::is_negative(s)) return shr(ap_compat_detail::neg_magnitude(s));
    return shl(static_cast<unsigned long long>(s));
  }
  template <class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
  ap_uint& operator>>=(T s) {
    if (ap_compat_detail::is_negative(s)) return shl(ap_compat_detail::neg_magnitude(s));
    return shr(static_cast<unsigned long long>(s));
  }

  ap_uint& operator++() { return *this += ap_uint(1u); }
  ap_uint& operator--() { return *this -= ap_uint(1u); }
  ap_uint operator++(int) {
    const ap_uint old = *this;
    ++*this;
    return old;
  }
  ap_uint operator--(int) {
    const ap_uint old = *this;
    --*this;
    return old;
  }

  ap_uint operator~() const {
    ap_uint r;
    for (int i = 0; i < kLimbs; ++i) r.v_[i] = ~v_[i];
    r.clear_top();
    return r;
  }
  bool operator!() const { return !or_reduce(); }

  // Unsigned comparison: -1, 0, 1.
  int compare(const ap_uint& o) const {
    for (int i = kLimbs - 1; i >= 0; --i) {
      if (v_[i] != o.v_[i]) return v_[i] < o.v_[i] ? -1 : 1;
    }
    return 0;
  }

  ap_uint& shl(unsigned long long s) {
    if (s >= static_cast<unsigned long long>(W)) {
      for (int i = 0; i < kLimbs; ++i) v_[i] = 0;
      return *this;
    }
    const int ls = static_cast<int>(s / 64);
    const int bs = static_cast<int>(s % 64);
    for (int i = kLimbs - 1; i >= 0; --i) {
      const int src = i - ls;
      uint64_t x = 0;
      if (src >= 0) {
        x = v_[src] << bs;
        if (bs != 0 && src >= 1) x |= v_[src - 1] >> (64 - bs);
      }
      v_[i] = x;
    }
    clear_top();
    return *this;
  }
  ap_uint& shr(unsigned long long s) {
    if (s >= static_cast<unsigned long long>(W)) {
      for (int i = 0; i < kLimbs; ++i) v_[i] = 0;
      return *this;
    }
    const int ls = static_cast<int>(s / 64);
    const int bs = static_cast<int>(s % 64);
    for (int i = 0; i < kLimbs; ++i) {
      const int src = i + ls;
      uint64_t x = 0;
      if (src < kLimbs) {
        x = v_[src] >> bs;
        if (bs != 0 && src + 1 < kLimbs) x |= v_[src + 1] << (64 - bs);
      }
      v_[i] = x;
    }
    return *this;
  }

 private:
  template <class T>
  void set_integral(T x) {
    const uint64_t lo = static_cast<uint64_t>(x);
    const bool neg = ap_compat_detail::is_negative(x);
    v_[0] = lo;
    for (int i = 1; i < kLimbs; ++i) v_[i] = neg ? ~uint64_t{0} : 0;
    clear_top();
  }
  void clear_top() {
    if (W % 64 != 0) v_[kLimbs - 1] &= ap_compat_detail::low_mask(W % 64);
  }
  template <class N>
  N to_native(N*) const {
    return static_cast<N>(v_[0]);
  }
  ap_compat_detail::no_native_conversion to_native(ap_compat_detail::no_native_conversion*) const { return {}; }

  uint64_t v_[kLimbs];
};

// ---- proxies

// x.range(hi, lo) / x(hi, lo) on a non-const ap_uint: reads as a W-bit value,
// assignment writes the bits back.
template <int W>
class ap_range_ref {
 public:
  ap_range_ref(ap_uint<W>& r, int hi, int lo) : ref_(r), hi_(hi), lo_(lo) {
    assert(lo >= 0 && hi < W && hi >= lo);
  }
  ap_range_ref(const ap_range_ref&) = default;

  // The bits, shifted down to bit 0 (ap_uint<W> converts from the proxy
  // through its constructor).
  ap_uint<W> get() const { return ref_.get_range(hi_, lo_); }
  uint64_t to_uint64() const { return ref_.get_bits(lo_, length() < 64 ? length() : 64); }
  unsigned long long to_ulong() const { return to_uint64(); }
  unsigned to_uint() const { return static_cast<unsigned>(to_uint64()); }
  int to_int() const { return static_cast<int>(to_uint()); }
  int length() const { return hi_ - lo_ + 1; }

  template <class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
  ap_range_ref& operator=(T x) {
    ref_.set_range(hi_, lo_, ap_uint<W>(x));
    return *this;
  }
  template <int W2>
  ap_range_ref& operator=(const ap_uint<W2>& x) {
    ref_.set_range(hi_, lo_, x);
    return *this;
  }
  template <int W2>
  ap_range_ref& operator=(const ap_range_ref<W2>& x) {
    ref_.set_range(hi_, lo_, x.get());
    return *this;
  }
  ap_range_ref& operator=(const ap_range_ref& x) {  // assigns the bits, never rebinds
    ref_.set_range(hi_, lo_, x.get());
    return *this;
  }

 private:
  ap_uint<W>& ref_;
  int hi_;
  int lo_;
};

// x[i] on a non-const ap_uint.
template <int W>
class ap_bit_ref {
 public:
  ap_bit_ref(ap_uint<W>& r, int i) : ref_(r), i_(i) {}
  ap_bit_ref(const ap_bit_ref&) = default;
  operator bool() const { return ref_.bit(i_); }  // NOLINT(google-explicit-constructor)
  bool to_bool() const { return ref_.bit(i_); }
  ap_bit_ref& operator=(bool b) {
    ref_.set_bit(i_, b);
    return *this;
  }
  ap_bit_ref& operator=(const ap_bit_ref& o) {  // assigns the bit, never rebinds
    ref_.set_bit(i_, static_cast<bool>(o));
    return *this;
  }
  template <int W2>
  ap_bit_ref& operator=(const ap_bit_ref<W2>& o) {
    ref_.set_bit(i_, static_cast<bool>(o));
    return *this;
  }

 private:
  ap_uint<W>& ref_;
  int i_;
};

// ---- binary operators. ap_uint op ap_uint: width of the wider operand;
// ap_uint op integer: the integer is converted to ap_uint<W>.

#define ESP_AP_COMPAT_BINOP(OP, CASSIGN)                                                         \
  template <int W1, int W2>                                                                      \
  inline ap_uint<ap_compat_detail::max_int(W1, W2)> operator OP(const ap_uint<W1>& a,            \
                                                                const ap_uint<W2>& b) {          \
    ap_uint<ap_compat_detail::max_int(W1, W2)> r(a);                                             \
    r CASSIGN ap_uint<ap_compat_detail::max_int(W1, W2)>(b);                                     \
    return r;                                                                                    \
  }                                                                                              \
  template <int W, class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0> \
  inline ap_uint<W> operator OP(const ap_uint<W>& a, T b) {                                      \
    ap_uint<W> r(a);                                                                             \
    r CASSIGN ap_uint<W>(b);                                                                     \
    return r;                                                                                    \
  }                                                                                              \
  template <int W, class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0> \
  inline ap_uint<W> operator OP(T a, const ap_uint<W>& b) {                                      \
    ap_uint<W> r(a);                                                                             \
    r CASSIGN b;                                                                                 \
    return r;                                                                                    \
  }

ESP_AP_COMPAT_BINOP(&, &=)
ESP_AP_COMPAT_BINOP(|, |=)
ESP_AP_COMPAT_BINOP(^, ^=)
ESP_AP_COMPAT_BINOP(+, +=)
ESP_AP_COMPAT_BINOP(-, -=)
#undef ESP_AP_COMPAT_BINOP

#define ESP_AP_COMPAT_CMP(OP, EXPR)                                                              \
  template <int W1, int W2>                                                                      \
  inline bool operator OP(const ap_uint<W1>& a, const ap_uint<W2>& b) {                          \
    constexpr int kW = ap_compat_detail::max_int(W1, W2);                                        \
    const int c = ap_uint<kW>(a).compare(ap_uint<kW>(b));                                        \
    return EXPR;                                                                                 \
  }                                                                                              \
  template <int W, class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0> \
  inline bool operator OP(const ap_uint<W>& a, T b) {                                            \
    constexpr int kW = ap_compat_detail::max_int(W, 64);                                         \
    const int c = ap_uint<kW>(a).compare(ap_uint<kW>(b));                                        \
    return EXPR;                                                                                 \
  }                                                                                              \
  template <int W, class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0> \
  inline bool operator OP(T a, const ap_uint<W>& b) {                                            \
    constexpr int kW = ap_compat_detail::max_int(W, 64);                                         \
    const int c = ap_uint<kW>(a).compare(ap_uint<kW>(b));                                        \
    return EXPR;                                                                                 \
  }

ESP_AP_COMPAT_CMP(==, c == 0)
ESP_AP_COMPAT_CMP(!=, c != 0)
ESP_AP_COMPAT_CMP(<, c < 0)
ESP_AP_COMPAT_CMP(<=, c <= 0)
ESP_AP_COMPAT_CMP(>, c > 0)
ESP_AP_COMPAT_CMP(>=, c >= 0)
#undef ESP_AP_COMPAT_CMP

// Range proxies compare as their value.
template <int W, class T>
inline bool operator==(const ap_range_ref<W>& a, const T& b) {
  return a.get() == b;
}
template <int W, class T>
inline bool operator!=(const ap_range_ref<W>& a, const T& b) {
  return a.get() != b;
}

// Shifts keep the width; a count >= W gives 0, a negative count shifts the
// other way.
template <int W, class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
inline ap_uint<W> operator<<(const ap_uint<W>& a, T s) {
  ap_uint<W> r(a);
  if (ap_compat_detail::is_negative(s)) return r.shr(ap_compat_detail::neg_magnitude(s));
  return r.shl(static_cast<unsigned long long>(s));
}
template <int W, class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
inline ap_uint<W> operator>>(const ap_uint<W>& a, T s) {
  ap_uint<W> r(a);
  if (ap_compat_detail::is_negative(s)) return r.shl(ap_compat_detail::neg_magnitude(s));
  return r.shr(static_cast<unsigned long long>(s));
}
template <int W, int W2>
inline ap_uint<W> operator<<(const ap_uint<W>& a, const ap_uint<W2>& s) {
  ap_uint<W> r(a);
  return ap_uint<W2>(s >> 32).or_reduce() ? r.shl(~0ull) : r.shl(s.to_uint64());
}
template <int W, int W2>
inline ap_uint<W> operator>>(const ap_uint<W>& a, const ap_uint<W2>& s) {
  ap_uint<W> r(a);
  return ap_uint<W2>(s >> 32).or_reduce() ? r.shr(~0ull) : r.shr(s.to_uint64());
}
