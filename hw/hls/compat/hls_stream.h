// Compat hls::stream<T> for building the HLS kernel with g++ when Vitis HLS
// is absent (Vitis puts its own hls_stream.h first on the include path).
// Written for this project; not the Vitis implementation.
//
// An unbounded FIFO (std::deque): full() is always false. Reading an empty
// stream is a design error that would hang the hardware; here it prints the
// stream's name and aborts, so that a native run fails loudly instead.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <utility>

#define ESP_HLS_COMPAT_STREAM 1

namespace hls {

template <typename T, int DEPTH = 0>
class stream {
 public:
  stream() : name_("hls::stream") {}
  explicit stream(const char* name) : name_(name ? name : "hls::stream") {}
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  bool empty() const { return q_.empty(); }
  bool full() const { return false; }
  std::size_t size() const { return q_.size(); }

  T read() {
    if (q_.empty()) {
      std::fprintf(stderr, "hls::stream '%s' read while empty (the hardware would hang)\n", name_.c_str());
      std::abort();
    }
    T v = std::move(q_.front());
    q_.pop_front();
    return v;
  }
  void read(T& v) { v = read(); }
  bool read_nb(T& v) {
    if (q_.empty()) return false;
    v = read();
    return true;
  }
  void operator>>(T& v) { v = read(); }

  void write(const T& v) { q_.push_back(v); }
  bool write_nb(const T& v) {
    write(v);
    return true;
  }
  void operator<<(const T& v) { write(v); }

  const char* name() const { return name_.c_str(); }

 private:
  std::deque<T> q_;
  std::string name_;
};

}  // namespace hls
